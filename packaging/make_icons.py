"""Render the app icon (resources/icons/activation-lab.svg) to PNGs and a Windows .ico.

    python packaging/make_icons.py

The outputs are committed; run this again only after editing the SVG.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = [16, 24, 32, 48, 64, 128, 256, 512]


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format_ARGB32)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841  (Qt needs an application object)
    renderer = QSvgRenderer(str(ICONS / "activation-lab.svg"))
    for size in SIZES:
        render(renderer, size).save(str(ICONS / f"activation-lab-{size}.png"))
    writer = QImageWriter(str(ICONS / "activation-lab.ico"), b"ico")
    if not writer.write(render(renderer, 256)):
        print(f"could not write the .ico: {writer.errorString()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
