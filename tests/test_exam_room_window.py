"""The main window and the preview after issue 19: the first start, the clinic's details
before any plan is printed, the appointments table, printing without freezing (the PDF itself
where the printer takes it, pages as images of at most 600 dpi elsewhere, cancellable), and a
missing PDF viewer said out loud."""

from __future__ import annotations

import threading
from datetime import date, time

import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog
from signin_helpers import TEST_SECRET
from uihelpers import shown_preview

from consult.app.catalog import load_catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import build_plan
from consult.report import dates
from consult.ui import dialogs, preview, printing
from consult.ui.main_window import MainWindow

pytestmark = pytest.mark.gui
CATALOG = load_catalog().catalog


@pytest.fixture
def saved(clinic):
    patient = clinic.store.patients.save(Patient("Nguyễn Thị Minh Khai", date(1988, 2, 3), 3, "es"))
    item = Consultation(
        patient=patient,
        provider="Dr Ana Reyes",
        date=date(2026, 11, 26),
        screening={q.id: Answer.NO for q in CATALOG.questions},
        areas=(AreaChoice("neck", (), (ConcernChoice("fine_lines", "moderate"),)),),
        adjuncts=("peel_lactic",),
        start_date=date(2026, 12, 1),
        status=Status.FINAL,
        catalog_version=CATALOG.version,
        appointment_time=time(9, 30),
        times={"session-2": time(16, 15)},
    )
    return clinic.store.consultations.finalize(item, build_plan(CATALOG, item))


@pytest.fixture
def window(qtbot, clinic, answered):
    win = MainWindow(clinic)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def open_preview(qtbot, window, saved):
    window.show_patient(saved.patient.id)
    window.print_current()
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    return shown_preview(window)


def test_the_appointments_show_dates_times_and_the_language_in_words(qtbot, window, saved):
    window.show_patient(saved.patient.id)
    table = window.sessions
    assert [table.horizontalHeaderItem(i).text() for i in range(3)] == [
        "Date",
        "Time",
        "Appointment",
    ]
    assert not table.wordWrap()
    first = saved.start_date
    assert table.item(0, 0).text() == dates.day(first)
    assert table.item(0, 1).text() == dates.time_of_day(time(9, 30))
    times = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert dates.time_of_day(time(16, 15)) in times
    # Every date is shown whole: the column is as wide as its longest date.
    metrics = table.fontMetrics()
    shown = [table.item(r, 0).text() for r in range(table.rowCount())]
    widest = max(metrics.horizontalAdvance(text) for text in shown)
    assert table.columnWidth(0) >= widest
    assert "Spanish (español)" in window.header.text()
    assert "es" not in window.header.text().replace("español", "").split("plan in")[1][:6]
    assert dates.long_date(date(1988, 2, 3), "en") in window.header.text()


def test_an_empty_records_file_says_what_to_do(qtbot, window):
    qtbot.waitUntil(lambda: "No patients yet" in window.count_label.text())
    assert "Ctrl+N" in window.count_label.text()


def test_the_first_start_asks_for_the_clinic_and_can_add_demo_patients(
    qtbot, catalog, monkeypatch, answered
):
    from consult.app.clinic import Clinic
    from consult.storage.database import resolve
    from consult.system.folders import data_dir

    services = Clinic(catalog, resolve(None), data_dir())  # a new, empty records file
    assert services.is_first_run()
    window = MainWindow(services)
    qtbot.addWidget(window)
    seen = []

    def fill(dialog):
        seen.append(dialog.windowTitle())
        dialog.accept()  # nothing typed: refused, with what is missing
        assert "the clinic's name and a phone number" in dialog.problems.text()
        dialog.name.setText("Clínica Norte")
        dialog.phone.setText("+34 910 000 000")
        dialog.new_provider.setText("Dr Ana Reyes")
        dialog._add_provider()
        dialog.demo.setChecked(True)
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs, "run_dialog", fill)
    # The first start makes the administrator on the lock screen; the welcome follows.
    window.show()
    screen = window.lock_screen
    assert screen.first_run
    screen.new_name.setText("Office Admin")
    screen.new_secret.setText(TEST_SECRET)
    screen.new_secret_again.setText(TEST_SECRET)
    screen.create_button.click()
    qtbot.waitUntil(lambda: seen == ["Welcome to Consult"], timeout=15000)
    assert not answered, answered
    assert services.settings().name == "Clínica Norte"
    assert "Dr Ana Reyes" in services.providers()  # (the demo records add their own)
    assert window.windowTitle() == "Consult — Clínica Norte"
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=30000)
    assert not services.is_first_run()
    window.close()
    services.close()


def test_no_plan_is_made_without_the_clinics_name_and_phone(
    qtbot, window, clinic, saved, monkeypatch
):
    clinic.store.clinic.save_settings(ClinicSettings())  # no name, no phone
    asked = []

    def decline(dialog):
        asked.append(dialog.windowTitle())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(dialogs, "run_dialog", decline)
    window.show_patient(saved.patient.id)
    window.print_current()
    assert asked == ["The clinic's details"]
    assert shown_preview(window) is None
    assert "needs the clinic's name and phone" in window.statusBar().currentMessage()

    def give(dialog):
        dialog.name.setText("Northside Skin Clinic")
        dialog.phone.setText("(217) 555-0142")
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs, "run_dialog", give)
    window.print_current()
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    assert clinic.settings().phone == "(217) 555-0142"


def test_an_amendment_prints_as_a_revised_plan(qtbot, window, clinic, saved):
    import io
    from dataclasses import replace

    from pypdf import PdfReader

    changed = replace(saved, session_count=5, amend_reason="Five sessions after review.")
    new = clinic.store.consultations.amend(saved.id, changed, build_plan(CATALOG, changed))
    window.show_patient(saved.patient.id)
    window.print_current()
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    text = PdfReader(io.BytesIO(shown_preview(window).pdf)).pages[0].extract_text()
    assert f"Plan revisado: sustituye al plan {saved.id} del 26 de noviembre de 2026" in " ".join(
        text.split()
    )
    assert new.revision_of == saved.id


def test_the_spooler_gets_the_pdf_itself_named_treatment_plan(
    qtbot, window, saved, tmp_path, monkeypatch
):
    got = tmp_path / "got"
    fake = tmp_path / "lp"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {got}.args\ncat > {got}.pdf\n')
    fake.chmod(0o755)
    monkeypatch.setattr(printing, "spooler", lambda: str(fake))
    preview_dialog = open_preview(qtbot, window, saved)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
    printer.setCopyCount(2)
    printer.setFromTo(2, 3)
    job = printing.PrintJob(preview_dialog.pdf, 4, printer, lambda *a: None)
    done = []
    job.finished.connect(done.append)
    job._to_spooler(str(fake), printing.Pages.of(printer, 4))
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    args = (tmp_path / "got.args").read_text().split("\n")
    assert args[:2] == ["-t", "Treatment plan"]
    assert "-n" in args and args[args.index("-n") + 1] == "2"
    assert "-P" in args and args[args.index("-P") + 1] == "2-3"
    assert (tmp_path / "got.pdf").read_bytes() == bytes(preview_dialog.pdf)
    assert "Nguy" not in " ".join(args)  # never the patient's name


def test_pages_are_drawn_at_most_600_dpi_in_bands_and_can_be_cancelled(
    qtbot, window, saved, tmp_path
):
    from pypdf import PdfReader

    preview_dialog = open_preview(qtbot, window, saved)
    total = preview_dialog.document.pageCount()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    assert printer.resolution() > printing.MAX_DPI  # 1200: more than it draws at
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "raster.pdf"))
    seen = []
    printing.raster(
        preview_dialog.pdf,
        printer,
        printing.Pages(1, total),
        lambda n, of: seen.append((n, of)),
        threading.Event(),
        max_dpi=150,
    )
    assert seen == [(n, total) for n in range(1, total + 1)]
    reader = PdfReader(str(tmp_path / "raster.pdf"))
    assert len(reader.pages) == total
    images = list(reader.pages[0].images)
    assert images and all(i.image.width <= 8.5 * 150 + 1 for i in images)  # a band at 150 dpi
    cancelled = threading.Event()
    cancelled.set()
    printer.setOutputFileName(str(tmp_path / "cancelled.pdf"))
    with pytest.raises(printing.PrintCancelled):
        printing.raster(preview_dialog.pdf, printer, printing.Pages(1, total), print, cancelled)


def test_printing_does_not_freeze_the_window(qtbot, window, saved, tmp_path, monkeypatch):
    """The pages are drawn on a worker: the window's thread keeps turning meanwhile."""
    monkeypatch.setattr(printing, "spooler", lambda: None)
    preview_dialog = open_preview(qtbot, window, saved)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "raster.pdf"))
    job = printing.PrintJob(
        preview_dialog.pdf, preview_dialog.document.pageCount(), printer, lambda *a: None
    )
    steps, done = [], []
    job.progress.connect(steps.append)
    job.finished.connect(done.append)
    job._rasterise(printing.Pages(1, 2))
    ticks = []
    from PySide6.QtCore import QTimer

    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    timer.stop()
    assert ticks, "the window's thread was blocked while printing"
    assert steps == ["Printing page 1 of 2…", "Printing page 2 of 2…"]


def test_no_pdf_viewer_says_so_and_offers_save_as(
    qtbot, window, clinic, saved, tmp_path, monkeypatch, answered
):
    monkeypatch.setattr(preview, "viewer_available", lambda: False)
    asked = []
    monkeypatch.setattr(
        dialogs,
        "ask",
        lambda parent, title, text, yes, no: asked.append((title, text, yes)) or True,
    )
    monkeypatch.setattr(dialogs, "save_file", lambda *a: tmp_path / "plan.pdf")
    preview_dialog = open_preview(qtbot, window, saved)
    preview_dialog.open_external()
    assert asked and asked[0][0] == "No PDF viewer" and asked[0][2] == "&Save as…"
    assert (tmp_path / "plan.pdf").read_bytes() == bytes(preview_dialog.pdf)
    assert not clinic.viewer_path(saved).exists()  # no copy left for a viewer


def test_a_failed_open_leaves_no_copy_and_offers_save_as(qtbot, window, clinic, saved, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(preview, "viewer_available", lambda: None)
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    asked = []
    monkeypatch.setattr(dialogs, "ask", lambda *a: asked.append(a[1]) or False)
    preview_dialog = open_preview(qtbot, window, saved)
    preview_dialog.open_external()
    assert asked == ["No PDF viewer"]
    assert not clinic.viewer_path(saved).exists()


def test_enter_in_the_provider_field_adds_the_provider_and_keeps_the_welcome_open(qtbot):
    """Found in the exam room: Enter after typing a provider closed the whole dialog."""
    from PySide6.QtCore import Qt
    from uihelpers import type_text

    from consult.ui.welcome import ClinicDetailsDialog

    dialog = ClinicDetailsDialog(ClinicSettings(), [], first_run=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    type_text(dialog.new_provider, "Dr Ana Reyes")
    qtbot.keyClick(dialog.new_provider, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() == 0
    assert dialog.provider_names() == ["Dr Ana Reyes"] and dialog.new_provider.text() == ""
