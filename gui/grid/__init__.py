"""The experiment grid: two configuration axes x seeds, run in worker processes, shown as a
heat map and small multiples (window.py); its worker (runner.py) and views (heatmap.py,
multiples.py, cells.py). ``GridTool.install(window)`` adds Compare ▸ Experiment grid….
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..actions import tool_action

if TYPE_CHECKING:
    from ..main_window import MainWindow
    from .window import ExperimentGrid

__all__ = ["GridTool"]


class GridTool:
    """The main window's handle on its one grid window, made on first use and then reused."""

    def __init__(self, main: MainWindow):
        self.main = main
        self.window: ExperimentGrid | None = None
        self.action = tool_action(main, "Experiment grid…", "experimentGridAction", self.open,
                                  "Run a grid of two settings × seeds and compare the cells (heat map, "
                                  "small multiples)")

    @classmethod
    def install(cls, main: MainWindow) -> GridTool:
        """Add Compare ▸ Experiment grid… to ``main``; the tool it opens."""
        tool = cls(main)
        main.compare_menu.addAction(tool.action)
        return tool

    def open(self) -> ExperimentGrid:
        """Show the grid window (the same one every time: its results stay while the app runs)."""
        from .window import ExperimentGrid

        if self.window is None:
            self.window = ExperimentGrid(self.main)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        return self.window

    def shutdown(self) -> None:
        """Cancel a running grid and close its window; safe to call more than once."""
        if self.window is not None:
            self.window.shutdown()
