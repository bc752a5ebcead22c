"""The patient's plan shown inside the app (QtPdf), with zoom, pages, print and save."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QToolBar,
    QVBoxLayout,
)

from consult.app.clinic import UserFacingError
from consult.ui import dialogs, style
from consult.ui.printing import JOB_NAME, PrintJob


class PreviewDialog(QDialog):
    """Shows a PDF held in memory; nothing is written to disk unless the provider asks.

    ``on_event(action)`` is called after a print ("print"), so the caller can audit it; a
    save or a copy for the system viewer is audited by ``save`` itself, before the file
    appears. ``save(data, path, replace=)``
    writes the file (atomically, private to the user; ``replace``: the user agreed to replace
    an existing file); ``viewer_path`` is where a copy for the system viewer goes (a private
    folder, never a temp folder).
    """

    def __init__(
        self,
        pdf: bytes,
        title: str,
        suggested_name: str,
        *,
        save: Callable[..., None],
        viewer_path: Path | None = None,
        on_event: Callable[[str], None] = lambda action: None,
        rerender: Callable[[bool], bytes] | None = None,
        photo_page: Callable[[bool], Callable[[bool], bytes]] | None = None,
        notice: str = "",
        notice_action: tuple[str, Callable[[], object]] | None = None,
        extra_action: tuple[str, Callable[[], object]] | None = None,
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.pdf = pdf
        self.suggested_name = suggested_name
        self._save = save
        self._viewer_path = viewer_path
        self._on_event = on_event
        self._rerender = rerender
        # With ``photo_page`` (the patient agreed to take their baseline photos home), the
        # plan is made again with the photo page as its toggle says: called on the window's
        # thread with it (it reads the photos), it gives the renderer for the worker.
        self._photo_page = photo_page
        self._buffer: QBuffer | None = None
        self.document = QPdfDocument(self)
        self._load(pdf)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName("Plan preview")

        bar = QToolBar()
        self.print_action = self._action(bar, "&Print…", QKeySequence.StandardKey.Print, self.print)
        self.save_action = self._action(
            bar, "&Save PDF as…", QKeySequence.StandardKey.Save, self.save_as
        )
        self.open_action = self._action(bar, "&Open in viewer", None, self.open_external)
        self.open_action.setEnabled(viewer_path is not None)
        self.extra_action = None
        if extra_action is not None:  # "Add to calendar…": the appointments as an .ics file
            self.extra_action = self._action(bar, extra_action[0], None, extra_action[1])
        bar.addSeparator()
        self._action(
            bar, "Zoom &out", QKeySequence.StandardKey.ZoomOut, lambda: self.zoom(1 / 1.25)
        )
        self._action(bar, "Zoom &in", QKeySequence.StandardKey.ZoomIn, lambda: self.zoom(1.25))
        self._action(bar, "Fit &width", QKeySequence("Ctrl+0"), self.fit_width)
        self.large_action = QAction("&Large print", self)
        self.large_action.setCheckable(True)
        self.large_action.setToolTip("Body text of 14 pt or more, for patients who need it")
        self.large_action.toggled.connect(self.set_large_print)
        self.large_action.setEnabled(rerender is not None or photo_page is not None)
        bar.addAction(self.large_action)
        self.photos_action = QAction("Baseline p&hotos", self)
        self.photos_action.setCheckable(True)
        self.photos_action.setToolTip(
            "A page with the patient's baseline photos (offered only when they agreed to "
            "photographs in their record)"
        )
        self.photos_action.toggled.connect(
            lambda _on: self.set_large_print(self.large_action.isChecked())
        )
        self.photos_action.setVisible(photo_page is not None)
        bar.addAction(self.photos_action)
        bar.addSeparator()
        self.page = QSpinBox()
        self.page.setAccessibleName("Page")
        self.page.setPrefix("Page ")
        self._show_page_count()
        self.page.valueChanged.connect(self.go_to_page)
        bar.addWidget(self.page)
        self.view.pageNavigator().currentPageChanged.connect(
            lambda index: self.page.setValue(index + 1)
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(bar)
        # On screen only, never printed: what the provider must do before the first session
        # (the consents the plan still needs), with the action that does it.
        self.notice = QLabel(notice)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(style.problem_css())
        self.notice.setAccessibleName("Before the first session")
        self.notice.setVisible(bool(notice))
        self.notice_button = QPushButton(notice_action[0] if notice_action else "")
        self.notice_button.setVisible(notice_action is not None)
        if notice_action is not None:
            self.notice_button.clicked.connect(notice_action[1])
        row = QHBoxLayout()
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.notice, 1)
        row.addWidget(self.notice_button)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        self.status = QLabel()
        self.status.setContentsMargins(8, 2, 8, 4)
        layout.addWidget(self.status)
        self.resize(900, 1000)
        style.touch_size(self)

    def _load(self, pdf: bytes) -> None:
        """Show ``pdf``; the bytes stay in memory (nothing is written to disk)."""
        self.pdf = pdf
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer

    def _show_page_count(self) -> None:
        count = self.document.pageCount()
        self.page.setRange(1, max(count, 1))
        self.page.setSuffix(f" of {count}")

    def set_large_print(self, large: bool) -> None:
        """Make the plan again in large print (or normal), off the window's thread."""
        if self._rerender is None and self._photo_page is None:
            return
        from consult.ui.worker import run_in_background

        rerender = self._rerender
        if self._photo_page is not None:
            try:
                rerender = self._photo_page(self.photos_action.isChecked())
            except Exception:
                self.status.setText("The photos could not be read; the plan shown is unchanged.")
                return
        self.large_action.setEnabled(False)
        self.photos_action.setEnabled(False)
        self.status.setText("Making the plan again…")

        def done(pdf: bytes) -> None:
            self._load(pdf)
            self._show_page_count()
            self.large_action.setEnabled(True)
            self.photos_action.setEnabled(True)
            said = ["Large print." if large else ""]
            if self.photos_action.isChecked():
                said.append("With the baseline photos.")
            self.status.setText(" ".join(s for s in said if s))

        def failed(exc: Exception) -> None:
            self.large_action.setEnabled(True)
            self.photos_action.setEnabled(True)
            self.status.setText("The plan could not be made again; the one shown is unchanged.")

        run_in_background(lambda: rerender(large), done, failed)

    def _action(self, bar, text, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        bar.addAction(action)
        return action

    def zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(min(max(self.view.zoomFactor() * factor, 0.25), 5.0))

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def go_to_page(self, number: int) -> None:
        navigator = self.view.pageNavigator()
        if navigator.currentPage() != number - 1:
            navigator.jump(number - 1, QPointF(), navigator.currentZoom())

    def print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(JOB_NAME)  # the job's name: never the patient's
        printer.setFromTo(1, self.document.pageCount())
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the plan")
        if dialogs.run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> PrintJob:
        """Print without freezing the window: a note with the progress and a Cancel button;
        the status line says how it ended (see ``printing``)."""
        job = PrintJob(self.pdf, self.document.pageCount(), printer, self._save, self)
        note = QProgressDialog("Preparing the plan for the printer…", "&Cancel", 0, 0, self)
        note.setWindowTitle("Printing")
        note.setMinimumDuration(400)  # a quick print shows nothing
        note.setAutoClose(False)
        note.setAutoReset(False)
        note.canceled.connect(job.cancel)
        job.progress.connect(note.setLabelText)
        self.print_action.setEnabled(False)
        self.status.setText("Printing…")
        self.job = job

        def ended(text: str, printed: bool) -> None:
            note.reset()  # stops its timer: a quick print never shows it later
            note.hide()
            note.deleteLater()
            self.print_action.setEnabled(True)
            self.status.setText(text)
            if printed:
                self._on_event("print")

        job.finished.connect(lambda text: ended(text, True))
        job.cancelled.connect(lambda: ended("Printing was cancelled.", False))

        def failed(text: str) -> None:
            ended("The plan was not printed.", False)
            dialogs.error(self, "Cannot print", text)

        job.failed.connect(failed)
        job.start()
        return job

    def save_as(self) -> None:
        path = dialogs.save_file(
            self, "Save the plan as PDF", self.suggested_name, "PDF documents (*.pdf)"
        )
        if path is None:
            return
        confirmed = path  # the dialog asked before letting an existing file be replaced
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(path.suffix + ".pdf")
        try:
            self._save(self.pdf, path, replace=path == confirmed)
        except UserFacingError as exc:
            dialogs.error(self, "Could not save the PDF", exc.message)
            return
        except FileExistsError:
            dialogs.error(
                self,
                "Could not save the PDF",
                f"{path} already exists, and it was not replaced. Choose another name.",
            )
            return
        except OSError as exc:
            dialogs.error(
                self,
                "Could not save the PDF",
                f"The plan could not be saved to {path}: {exc.strerror or exc}. "
                "Choose another folder (for example your Documents folder).",
            )
            return
        self.status.setText(f"Saved to {path}")

    def open_external(self) -> None:
        """The plan in the computer's own PDF viewer; with none installed, say so and offer
        to save the PDF instead (never fail silently)."""
        if self._viewer_path is None:
            return
        if viewer_available() is False:
            self._no_viewer()
            return
        try:
            self._save(self.pdf, self._viewer_path)
        except UserFacingError as exc:
            dialogs.error(self, "Could not open the viewer", exc.message)
            return
        except OSError as exc:
            dialogs.error(
                self,
                "Could not open the viewer",
                f"The plan could not be written for the viewer: {exc.strerror or exc}.",
            )
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._viewer_path))):
            self._viewer_path.unlink(missing_ok=True)  # no copy of a plan left lying about
            self._no_viewer()
            return
        self.status.setText("Opened in the PDF viewer.")

    def _no_viewer(self) -> None:
        if dialogs.ask(
            self,
            "No PDF viewer",
            "This computer has no program to open PDF files, so the plan cannot be opened "
            "outside Consult. You can print it from here, or save it as a file (to a USB "
            "stick, or to send it).",
            "&Save as…",
            "&Close",
        ):
            self.save_as()


def viewer_available() -> bool | None:
    """Whether the computer has a PDF viewer: False when it surely has none (Linux: no
    application for PDF files), None when it cannot tell (then opening says)."""
    if not sys.platform.startswith("linux"):
        return None
    if shutil.which("xdg-open") is None:
        return False
    query = shutil.which("xdg-mime")
    if query is None:
        return None
    try:
        found = subprocess.run(
            [query, "query", "default", "application/pdf"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(found.stdout.strip())
