"""The Qt part of ``consult selftest``: the libraries and plugins the window needs all load.

Opens the printed plan with QtPdf (as the preview does) and reads its text, draws the app's SVG
icon (the SVG image and icon plugins), prints a page through QtPrintSupport to a PDF file, and
checks the image formats the clinic's logo may come in. Runs on the offscreen platform when no
QApplication exists yet, so it needs no display.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, qVersion
from PySide6.QtGui import QIcon, QImageReader, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

IMAGE_FORMATS = (b"png", b"jpeg", b"svg")


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication(["consult-selftest"])
    return app


def check_qt(pdf: bytes, *, expected_text: str, icon: Path, folder: Path) -> str:
    """What was checked, in a few words; raises RuntimeError with what failed."""
    app = _application()

    data = QByteArray(pdf)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise RuntimeError(f"QtPdf could not open the plan ({document.error().name})")
    pages = document.pageCount()
    text = " ".join(" ".join(document.getAllText(page).text().split()) for page in range(pages))
    if expected_text not in text:
        raise RuntimeError(f"QtPdf did not find {expected_text!r} in the plan's text")
    page = document.render(0, QSize(240, 340))
    if page.isNull():
        raise RuntimeError("QtPdf could not draw the plan's first page")

    supported = {bytes(name) for name in QImageReader.supportedImageFormats()}
    lacking = [name.decode() for name in IMAGE_FORMATS if name not in supported]
    if lacking:
        raise RuntimeError(f"Qt cannot read {', '.join(lacking)} images (plugins missing)")
    pixmap = QIcon(str(icon)).pixmap(64, 64)
    if pixmap.isNull():
        raise RuntimeError(f"the app icon {icon.name} could not be drawn")

    printed = folder / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError("QtPrintSupport could not start printing")
    painter.drawImage(painter.viewport(), page)
    painter.end()
    if not printed.is_file() or not printed.read_bytes().startswith(b"%PDF"):
        raise RuntimeError("QtPrintSupport printed nothing")

    document.close()
    buffer.close()
    return (
        f"{qVersion()} ({app.platformName()}): plan opened in QtPdf ({pages} pages), "
        "icon drawn, a page printed"
    )
