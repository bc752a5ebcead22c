"""Printing a plan without freezing the window, the best way the printer allows.

1. A PDF printer (Qt's "Print to file"): the plan's PDF itself is written, the pages chosen
   kept — exact, and as fast as writing a file.
2. A printer of the system's spooler that takes PDF (CUPS, on Linux and macOS): the PDF
   itself is handed to ``lp`` on its standard input — no temporary file, the job named
   "Treatment plan", copies, pages and two-sided printing as chosen in the print dialog.
3. Any other printer (Windows): each page drawn as an image at the printer's resolution, at
   most ``MAX_DPI``, in bands, so that memory stays low, on a worker thread.

Each way reports progress and can be cancelled. The job's name never holds the patient's
name. Nothing here touches the patient's records.
"""

from __future__ import annotations

import io
import shutil
import sys
import threading
from dataclasses import dataclass

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QProcess,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrinter

JOB_NAME = "Treatment plan"
MAX_DPI = 600
BAND_ROWS = 1024  # the rows of a page image drawn at once: about 20 MB at 600 dpi on A4


class PrintCancelled(Exception):
    pass


@dataclass(frozen=True)
class Pages:
    first: int  # from 1
    last: int

    @classmethod
    def of(cls, printer: QPrinter, count: int) -> Pages:
        first = printer.fromPage() or 1
        last = printer.toPage() or count
        return cls(max(1, min(first, count)), max(1, min(last, count)))

    @property
    def count(self) -> int:
        return self.last - self.first + 1


def pages_of(pdf: bytes, pages: Pages, total: int) -> bytes:
    """The PDF with only ``pages`` (the whole PDF when they are all of it)."""
    if pages.first == 1 and pages.last == total:
        return pdf
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for index in range(pages.first - 1, pages.last):
        writer.add_page(reader.pages[index])
    writer.add_metadata({"/Title": JOB_NAME})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def spooler() -> str | None:
    """CUPS's ``lp``, where the system prints through CUPS (Linux, macOS)."""
    if sys.platform.startswith(("linux", "darwin")):
        return shutil.which("lp")
    return None


def lp_arguments(printer: QPrinter, pages: Pages, total: int) -> list[str]:
    """``lp``'s arguments for what the print dialog chose; the PDF comes on standard input."""
    args = ["-t", JOB_NAME]
    if printer.printerName():
        args += ["-d", printer.printerName()]
    copies = max(printer.copyCount(), 1)
    if copies > 1:
        args += ["-n", str(copies)]
        if printer.collateCopies():
            args += ["-o", "collate=true"]
    if not (pages.first == 1 and pages.last == total):
        args += ["-P", f"{pages.first}-{pages.last}"]
    sides = {
        QPrinter.DuplexMode.DuplexLongSide: "two-sided-long-edge",
        QPrinter.DuplexMode.DuplexShortSide: "two-sided-short-edge",
        QPrinter.DuplexMode.DuplexNone: "one-sided",
    }.get(printer.duplex())
    if sides:
        args += ["-o", f"sides={sides}"]
    if printer.colorMode() == QPrinter.ColorMode.GrayScale:
        args += ["-o", "print-color-mode=monochrome"]
    return args


def raster(
    pdf: bytes,
    printer: QPrinter,
    pages: Pages,
    progress,
    cancelled: threading.Event,
    max_dpi: int = MAX_DPI,
) -> None:
    """Draw ``pages`` of ``pdf`` on ``printer`` as images of at most ``max_dpi``, a band at a
    time. Runs on a worker thread (QPainter may draw on a printer there); the document is
    opened here, apart from the one the preview shows."""
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    dpi = min(printer.resolution(), max_dpi)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        target = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
        for number, index in enumerate(range(pages.first - 1, pages.last), start=1):
            if cancelled.is_set():
                printer.abort()
                raise PrintCancelled
            if number > 1:
                printer.newPage()
            progress(number, pages.count)
            points = document.pagePointSize(index)
            size = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
            shown = size.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            scale = shown.width() / size.width()
            for top in range(0, size.height(), BAND_ROWS):
                if cancelled.is_set():
                    printer.abort()
                    raise PrintCancelled
                rows = min(BAND_ROWS, size.height() - top)
                options = QPdfDocumentRenderOptions()
                options.setScaledSize(size)
                options.setScaledClipRect(QRect(0, top, size.width(), rows))
                band = document.render(index, QSize(size.width(), rows), options)
                where = QRectF(
                    target.left(),
                    target.top() + top * scale,
                    shown.width(),
                    rows * scale,
                )
                painter.drawImage(where, band)
    finally:
        painter.end()
        document.close()


class PrintJob(QObject):
    """One print of a plan, reporting as it goes: ``progress(text)``, then ``finished(text)``
    or ``failed(text)`` (in the provider's words) or ``cancelled()``."""

    progress = Signal(str)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()
    _page = Signal(int, int)

    def __init__(self, pdf: bytes, total: int, printer: QPrinter, save, parent=None):
        super().__init__(parent)
        self.pdf = pdf
        self.total = total
        self.printer = printer
        self._save = save
        self._cancel = threading.Event()
        self._process: QProcess | None = None
        self.way = ""
        self._page.connect(lambda n, of: self.progress.emit(f"Printing page {n} of {of}…"))

    def start(self) -> None:
        printer = self.printer
        printer.setDocName(JOB_NAME)  # never the patient's name
        pages = Pages.of(printer, self.total)
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
            self.way = "pdf"
            self._to_file(pages)
        elif (lp := spooler()) is not None:
            self.way = "spooler"
            self._to_spooler(lp, pages)
        else:
            self.way = "raster"
            self._rasterise(pages)

    def cancel(self) -> None:
        self._cancel.set()
        if self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning:
            self._process.kill()

    # -- the ways

    def _to_file(self, pages: Pages) -> None:
        from pathlib import Path

        from consult.ui.worker import run_in_background

        path = Path(self.printer.outputFileName())
        self.progress.emit("Writing the PDF…")

        def failed(exc: BaseException) -> None:
            self.failed.emit(
                f"The plan could not be written to {path}: {getattr(exc, 'strerror', None) or exc}."
            )

        def write(data: bytes) -> None:
            # On this thread: saving records the export in the audit trail first, and the
            # records belong to this thread. Writing a few hundred kilobytes is quick.
            if self._cancel.is_set():
                self.cancelled.emit()
                return
            try:
                self._save(data, path)
            except Exception as exc:  # every failure becomes the user's message
                failed(exc)
                return
            self.finished.emit(f"Saved as {path.name}.")

        # Choosing the pages (pypdf) may take a moment for a long plan: off this thread.
        run_in_background(lambda: pages_of(self.pdf, pages, self.total), write, failed)

    def _to_spooler(self, lp: str, pages: Pages) -> None:
        process = QProcess(self)
        self._process = process
        process.setProgram(lp)
        process.setArguments(lp_arguments(self.printer, pages, self.total))
        process.finished.connect(self._spooled)
        process.errorOccurred.connect(self._spooler_error)
        self.progress.emit("Sending the plan to the printer…")
        process.start()
        if process.waitForStarted(5000):
            process.write(QByteArray(self.pdf))
            process.closeWriteChannel()

    def _spooled(self, code: int, status) -> None:
        process = self._process
        if self._cancel.is_set():
            self.cancelled.emit()
            return
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            self.finished.emit("Sent to the printer.")
            return
        said = bytes(process.readAllStandardError()).decode(errors="replace").strip()
        self.failed.emit(
            "The printer did not take the plan"
            + (f" (the print system said: {said.splitlines()[-1]})" if said else "")
            + ". Check that it is switched on and connected, or save the PDF and print it later."
        )

    def _spooler_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.failed.emit(
                "The computer's print system could not be started. Save the PDF and print it "
                "from another program."
            )

    def _rasterise(self, pages: Pages) -> None:
        from consult.ui.worker import run_in_background

        def work() -> None:
            raster(self.pdf, self.printer, pages, self._page.emit, self._cancel)

        def failed(exc: Exception) -> None:
            if isinstance(exc, PrintCancelled):
                self.cancelled.emit()
            else:
                self.failed.emit(
                    "The printer could not be started. Check that it is switched on and try "
                    "again, or save the PDF and print it later."
                )

        run_in_background(work, lambda _done: self.finished.emit("Sent to the printer."), failed)
