"""A table of cells with labelled rows and columns, painted with QPainter: the common ground
of the heat map and the small multiples (headers, hit testing, clicks, tooltips).

Subclasses paint one cell (``paint_cell``) and may reserve room on the right and at the
bottom (``right_room``, ``bottom_room``) for a colour scale or a caption. Everything is
drawn from the grid's results (engine/grid.py ``GridResults``) when Qt repaints; nothing
is computed per incoming row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ..plaintext import auto_text

if TYPE_CHECKING:
    from engine.grid import CellStats, GridResults

#: colours of cells not yet run and of failed ones
EMPTY = QColor("#e6e6e6")
FAILED = QColor("#b0b0b0")
DIVERGED = QColor("#D55E00")  # Okabe–Ito vermilion
GAP = 4  # pixels between cells


def text_colour(background: QColor) -> QColor:
    """Black on light backgrounds, white on dark ones (perceived luminance, ITU-R BT.601)."""
    lum = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue()
    return QColor("#111111") if lum > 140 else QColor("#ffffff")


def sized(font: QFont, points: float, bold: bool = False) -> QFont:
    out = QFont(font)
    out.setPointSizeF(points)
    out.setBold(bold)
    return out


class CellGrid(QWidget):
    """Rows x columns of cells under an axis name and value labels; a click on a cell emits
    ``cellClicked(row, column, global position)``."""

    cellClicked = Signal(int, int, QPoint)
    title = "Experiment grid"  # what an exported SVG is called (gui/exports.py export_view)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.results: GridResults | None = None
        self.row_name = self.col_name = ""
        self.row_titles: list[str] = []
        self.col_titles: list[str] = []
        self.running = False
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(420, 320)

    # -- what is shown ---------------------------------------------------------------------
    def set_axes(self, row_name: str, row_titles: list[str], col_name: str, col_titles: list[str]) -> None:
        self.row_name, self.row_titles, self.col_name, self.col_titles = row_name, row_titles, col_name, col_titles
        self.update()

    def set_results(self, results: GridResults | None) -> None:
        self.results = results
        self.update()

    def stats(self, i: int, j: int) -> CellStats | None:
        return None if self.results is None else self.results.cell(i, j)

    def sizeHint(self) -> QSize:
        return QSize(900, 640)

    # -- geometry ----------------------------------------------------------------------------
    def right_room(self) -> int:
        return 8

    def bottom_room(self) -> int:
        return 8

    def _fonts(self) -> tuple[QFont, QFont]:
        base = self.font()
        return sized(base, max(base.pointSizeF(), 9.0), bold=True), sized(base, max(base.pointSizeF(), 9.0))

    def layout_rects(self) -> tuple[QRect, int, int]:
        """(the cells' area, the row headers' width, the column headers' height)."""
        bold, plain = self._fonts()
        fm, fb = QFontMetrics(plain), QFontMetrics(bold)
        name_h = fb.height() + 6
        widest = max((fm.horizontalAdvance(t) for t in self.row_titles), default=40)
        header_w = min(widest + 14, int(self.width() * 0.3))
        header_h = 2 * fm.height() + 6
        left = name_h + header_w
        top = name_h + header_h
        area = QRect(left, top, max(10, self.width() - left - self.right_room()),
                     max(10, self.height() - top - self.bottom_room()))
        return area, header_w, header_h

    def cell_rect(self, i: int, j: int, area: QRect | None = None) -> QRect:
        area = area or self.layout_rects()[0]
        n, m = max(1, len(self.row_titles)), max(1, len(self.col_titles))
        w, h = area.width() / m, area.height() / n
        return QRect(int(area.left() + j * w + GAP / 2), int(area.top() + i * h + GAP / 2),
                     int(w - GAP), int(h - GAP))

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        for i in range(len(self.row_titles)):
            for j in range(len(self.col_titles)):
                if self.cell_rect(i, j).contains(pos):
                    return i, j
        return None

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setRenderHint(QPainter.TextAntialiasing, True)
        p.fillRect(self.rect(), self.palette().color(QPalette.Base))
        area, header_w, header_h = self.layout_rects()
        self.before_cells(p, area)
        self._paint_headers(p, area, header_w, header_h)
        for i in range(len(self.row_titles)):
            for j in range(len(self.col_titles)):
                self.paint_cell(p, self.cell_rect(i, j, area), i, j, self.stats(i, j))
        self.after_cells(p, area)
        p.end()

    def _paint_headers(self, p: QPainter, area: QRect, header_w: int, header_h: int) -> None:
        bold, plain = self._fonts()
        ink = self.palette().color(QPalette.Text)
        p.setPen(ink)
        fm = QFontMetrics(plain)
        name_h = QFontMetrics(bold).height() + 6
        p.setFont(bold)  # the axes' names: columns above, rows turned up the left side
        p.drawText(QRect(area.left(), 2, area.width(), name_h), Qt.AlignHCenter | Qt.AlignVCenter, self.col_name)
        p.save()
        p.translate(2, area.center().y())
        p.rotate(-90)
        p.drawText(QRect(-area.height() // 2, 0, area.height(), name_h), Qt.AlignCenter, self.row_name)
        p.restore()
        p.setFont(plain)
        for j, title in enumerate(self.col_titles):
            r = self.cell_rect(j=j, i=0, area=area)
            box = QRect(r.left(), name_h, r.width(), header_h - 4)
            p.drawText(box, Qt.AlignHCenter | Qt.AlignBottom | Qt.TextWordWrap, title)
        for i, title in enumerate(self.row_titles):
            r = self.cell_rect(i, 0, area)
            box = QRect(name_h, r.top(), header_w - 8, r.height())
            p.drawText(box, Qt.AlignRight | Qt.AlignVCenter, fm.elidedText(title, Qt.ElideRight, box.width()))

    def before_cells(self, p: QPainter, area: QRect) -> None:
        """Work shared by every cell of one paint (a common y range); nothing by default."""

    def after_cells(self, p: QPainter, area: QRect) -> None:
        """What is drawn besides the cells (a colour scale, a caption); nothing by default."""

    def paint_cell(self, p: QPainter, rect: QRect, i: int, j: int, stats: CellStats | None) -> None:
        raise NotImplementedError

    def paint_empty(self, p: QPainter, rect: QRect, stats: CellStats | None) -> bool:
        """A cell with no finished run: grey while waiting, hatched when it failed. True if painted."""
        if stats is not None and stats.runs > 0:
            return False
        failed = stats is not None and stats.failed > 0
        p.fillRect(rect, FAILED if failed else EMPTY)
        if failed:
            p.fillRect(rect, Qt.BDiagPattern)
        font = self._fonts()[1]
        p.setFont(font)
        text = "failed" if failed else ("waiting…" if self.running else ("not run" if self.results is not None else ""))
        if failed:  # a plate under the word, so the hatch does not cut through it
            fm = QFontMetrics(font)
            plate = QRect(0, 0, fm.horizontalAdvance(text) + 12, fm.height() + 4)
            plate.moveCenter(rect.center())
            p.fillRect(plate, EMPTY)
        p.setPen(QColor("#222222"))
        p.drawText(rect, Qt.AlignCenter, text)
        return True

    def mark_trouble(self, p: QPainter, rect: QRect, stats: CellStats) -> None:
        """Runs of the cell that diverged get a vermilion frame; failed ones a hatch."""
        if stats.failed:
            p.save()
            p.setOpacity(0.45)
            p.fillRect(rect, Qt.BDiagPattern)
            p.restore()
        if stats.diverged:
            p.save()
            pen = p.pen()
            pen.setColor(DIVERGED)
            pen.setWidth(3)
            p.setPen(pen)
            p.setBrush(Qt.NoBrush)
            p.drawRect(QRectF(rect).adjusted(1.5, 1.5, -1.5, -1.5))
            p.restore()

    # -- mouse -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().toPoint())
        if cell is not None and event.button() == Qt.LeftButton:
            self.cellClicked.emit(cell[0], cell[1], event.globalPosition().toPoint())
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().toPoint())
        text = self.tooltip_for(*cell) if cell is not None else ""
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), auto_text(text), self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)

    def tooltip_for(self, i: int, j: int) -> str:
        """The cell's numbers in words (plain text: titles may come from a user's file)."""
        stats = self.stats(i, j)
        head = f"{self.row_titles[i]} × {self.col_titles[j]}"
        if stats is None:
            return head
        lines = [head, f"{stats.runs} of {stats.planned} runs finished"]
        if stats.runs:
            lines.append(f"validation accuracy: mean {stats.mean:.3f}, sd {stats.sd:.3f}, "
                         f"min {stats.min:.3f}, max {stats.max:.3f}")
        if stats.diverged:
            lines.append(f"{stats.diverged} diverged")
        if stats.failed:
            lines.append(f"{stats.failed} failed: {stats.reason}")
        if stats.runs:
            lines.append("Click to open one of its runs in the main window.")
        return "\n".join(lines)
