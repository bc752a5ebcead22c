"""Amend, settings, printing and bad records files, through the real windows."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QPushButton
from uihelpers import shown_preview

from consult.app.catalog import load_catalog
from consult.domain.model import Answer, AreaChoice, ConcernChoice, Consultation, Patient, Status
from consult.domain.plan import build_plan
from consult.ui import dialogs
from consult.ui.main_window import MainWindow
from consult.ui.settings_dialog import SettingsDialog

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
        start_date=date(2026, 12, 1),
        status=Status.FINAL,
        catalog_version=CATALOG.version,
    )
    return clinic.store.consultations.finalize(item, build_plan(CATALOG, item))


@pytest.fixture
def window(qtbot, clinic, answered):
    win = MainWindow(clinic)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_amend_makes_a_new_revision_and_keeps_the_old(qtbot, window, clinic, saved):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWizard
    from uihelpers import type_text

    from consult.ui.wizard.pages import PlanPage, ReviewPage

    window.search.setText("khai")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    window.show_patient(saved.patient.id)
    assert window.amend_button.isEnabled()
    qtbot.mouseClick(window.amend_button, Qt.MouseButton.LeftButton)
    wizard = window.wizard
    assert wizard.windowTitle() == "Amend consultation"
    # It opens on the consultation (its summary), not on choosing a patient.
    qtbot.waitUntil(lambda: isinstance(wizard.currentPage(), ReviewPage))
    review = wizard.currentPage()
    assert wizard.steps.heading.text() == "7 of 7 — Finish"
    assert f"Amending consultation #{saved.id}" in review.summary.toPlainText()
    assert "Nothing is changed yet" in review.summary.toPlainText()
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled() and "Write why" in review.blocker.text()
    # To the plan step by the step list; five sessions; back to the summary.
    qtbot.mouseClick(wizard.steps.buttons[5], Qt.MouseButton.LeftButton)
    plan = wizard.currentPage()
    assert isinstance(plan, PlanPage)
    plan.count.setValue(5)
    qtbot.mouseClick(wizard.steps.buttons[6], Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is review
    assert "Sessions: 4 → 5" in review.summary.toPlainText()
    type_text(review.reason, "Moved to five sessions after review.")
    assert finish.isEnabled()
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    history = clinic.store.records.for_patient(saved.patient.id)
    [new] = [c for c in history if c.revision_of == saved.id]
    assert new.session_count == 5
    assert new.amend_reason == "Moved to five sessions after review."
    assert clinic.store.records.consultation(saved.id).notes == saved.notes  # untouched
    top = window.consultations.topLevelItem(0)
    assert top.text(0).endswith(f"#{new.id}") and top.child(0).text(1) == "replaced"
    assert window.search.text() == "khai"  # the search box keeps its text


def test_settings_are_saved_and_used(qtbot, window, clinic, monkeypatch):
    def fill(dialog):
        dialog.name.setText("West County Dermatology")
        dialog.phone.setText("(555) 010-2000")
        dialog.interval.setValue(6)
        dialog.new_provider.setText("Kofi Mensah, RN")
        qtbot.keyClick(dialog.new_provider, Qt.Key.Key_Return)  # adds it
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs, "run_dialog", fill)
    window.open_settings()
    settings = clinic.settings()
    assert settings.name == "West County Dermatology" and settings.interval_weeks == 6
    assert "Kofi Mensah, RN" in clinic.providers()
    assert window.windowTitle() == "Consult — West County Dermatology"


def test_the_logo_is_kept_in_the_data_folder_and_providers_can_be_removed(
    qtbot, window, clinic, monkeypatch, tmp_path
):
    from PySide6.QtGui import QColor, QImage

    picture = QImage(120, 40, QImage.Format.Format_RGB32)
    picture.fill(QColor("#1d5c63"))
    source = tmp_path / "Logo.PNG"
    assert picture.save(str(source))
    clinic.store.clinic.save_provider("Dr Gone")

    monkeypatch.setattr(dialogs, "open_file", lambda *args, **kwargs: source)

    def fill(dialog):
        choose = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Choose &logo…")
        qtbot.mouseClick(choose, Qt.MouseButton.LeftButton)
        dialog.providers.takeItem(0)  # "Dr Gone"
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs, "run_dialog", fill)
    window.open_settings()
    source.unlink()  # the original goes away; the plan keeps the logo
    kept = Path(clinic.settings().logo_path)
    assert kept.name == "clinic-logo.png" and kept.exists()
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    assert "Dr Gone" not in clinic.providers()


def test_settings_refuse_a_week_with_no_open_day(qtbot, clinic):
    dialog = SettingsDialog(clinic.settings(), [])
    qtbot.addWidget(dialog)
    for box in dialog.closed:
        box.setChecked(True)
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "open on at least one weekday" in dialog.problems.text()


def test_settings_refuse_an_interval_below_the_catalogs_floor(qtbot, window, clinic, monkeypatch):
    said = []

    def fill(dialog):
        dialog.interval.setValue(2)
        dialog.accept()
        said.append(dialog.problems.text())
        return dialog.result()

    monkeypatch.setattr(dialogs, "run_dialog", fill)
    window.open_settings()
    assert said == [
        "Sessions cannot be planned closer than 4 weeks apart: that is the minimum interval in "
        "the clinic's catalog, so the skin has time to heal between sessions. Choose 4 weeks "
        "or more."
    ]
    assert clinic.settings().interval_weeks == 4  # nothing was saved


@pytest.fixture
def provisional(clinic):
    patient = clinic.store.patients.save(Patient("Zoë O'Brien", date(1988, 2, 3), 3, "en"))
    answers = {q.id: Answer.NO for q in CATALOG.questions} | {"anticoagulants": Answer.YES}
    item = Consultation(
        patient=patient,
        provider="Dr Ana Reyes",
        date=date(2026, 11, 26),
        screening=answers,
        areas=(AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),)),),
        start_date=date(2026, 12, 1),
        status=Status.FINAL,
        catalog_version=CATALOG.version,
    )
    return clinic.store.consultations.finalize(item, build_plan(CATALOG, item))


def test_a_provisional_plan_says_so_and_a_clearance_confirms_it(
    qtbot, clinic, provisional, answered, monkeypatch
):
    from consult.ui.clearance_dialog import ClearanceDialog

    window = MainWindow(clinic, today=date(2026, 11, 27))
    qtbot.addWidget(window)
    window.show()
    window.show_patient(provisional.patient.id)
    assert "Provisional" in window.plan_status.text()
    assert window.sessions.item(0, 2).text().startswith("Proposed: ")
    assert window.clearance_button.isEnabled()

    shown = []

    def fill(dialog):
        assert isinstance(dialog, ClearanceDialog)
        shown.append(dialog)
        dialog.accept()  # nothing typed yet: refused, in plain words
        assert "Enter who gave the clearance" in dialog.problems.text()
        dialog.cleared_by.setText("Dr Sam Okafor, family doctor")
        dialog.note.setPlainText("Letter on file; keep taking apixaban.")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(dialogs, "run_dialog", fill)
    window.record_clearance()
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    [cleared] = [
        c
        for c in clinic.store.records.for_patient(provisional.patient.id)
        if c.revision_of == provisional.id
    ]
    clearance = cleared.clearance
    assert clearance.cleared_by == "Dr Sam Okafor, family doctor"
    assert clearance.cleared_on == date(2026, 11, 27) and clearance.covers == ("anticoagulants",)
    assert clearance.recorded_by == "Dr Ana Reyes"
    plan = clinic.plan_for(cleared)
    assert plan.status.value == "confirmed"
    assert plan.sessions[0].date == date(2026, 12, 1)  # the proposed start, still ahead
    assert "Confirmed: cleared by Dr Sam Okafor" in window.plan_status.text()
    assert not window.clearance_button.isEnabled()
    top = window.consultations.topLevelItem(0)
    assert top.text(1) == "final · cleared" and top.child(0).text(1) == "replaced"
    assert clinic.store.records.consultation(provisional.id).clearance is None  # kept as it was
    details = [e["detail"] for e in clinic.store.audit.entries("consultation", cleared.id)]
    assert any("clearance recorded" in d for d in details)
    assert all("apixaban" not in d for d in details)  # the note is never in the audit trail


def test_holidays_are_added_and_removed_and_sessions_avoid_them(qtbot, window, clinic, monkeypatch):
    from PySide6.QtCore import QDate, Qt

    christmas, boxing_day = date(2026, 12, 25), date(2026, 12, 26)

    def fill(dialog):
        for day in (boxing_day, christmas, christmas):  # the same day twice: listed once
            dialog.holiday_date.setFocus()
            dialog.holiday_date.setDate(QDate(day.year, day.month, day.day))
            add = next(b for b in dialog.findChildren(QPushButton) if "holi" in b.text())
            qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
        assert [dialog.holidays.item(i).text() for i in range(dialog.holidays.count())] == [
            "Fri 25 Dec 2026",
            "Sat 26 Dec 2026",
        ]
        dialog.holidays.setCurrentRow(1)
        remove = next(
            b for b in dialog.findChildren(QPushButton) if "Remo" in b.text() and "holi" in b.text()
        )
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs, "run_dialog", fill)
    window.open_settings()
    settings = clinic.settings()
    assert settings.holidays == frozenset({christmas})
    item = Consultation(
        patient=Patient("Zoë O'Brien-Łukasiewicz", date(1990, 5, 17), 2, "en"),
        provider="Dr Ana Reyes",
        date=date(2026, 11, 26),
        areas=(AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),)),),
        start_date=christmas,
    )
    plan = build_plan(CATALOG, item, settings.calendar, settings.interval_weeks)
    assert christmas not in [s.date for s in plan.sessions]
    assert plan.sessions[0].date == date(2026, 12, 28)  # Friday closed, then the weekend

    def reopen(dialog):
        assert dialog.holiday_dates() == [christmas]
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(dialogs, "run_dialog", reopen)
    window.open_settings()


def test_print_to_a_pdf_printer_writes_the_plan_itself(qtbot, window, clinic, saved, tmp_path):
    window.show_patient(saved.patient.id)
    window.print_current()
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    preview = shown_preview(window)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    job = preview.print_to(printer)
    qtbot.waitUntil(lambda: preview.status.text().startswith("Saved"), timeout=15000)
    assert job.way == "pdf"
    assert (tmp_path / "printed.pdf").read_bytes() == bytes(preview.pdf)  # vector, exact
    assert printer.docName() == "Treatment plan"
    assert preview.status.text() == "Saved as printed.pdf."
    actions = [e["action"] for e in clinic.store.audit.entries("consultation", saved.id)]
    assert actions[-1] == "print"


def test_large_print_makes_the_plan_again(qtbot, window, clinic, saved):
    window.show_patient(saved.patient.id)
    window.print_current()
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    preview = shown_preview(window)
    normal = preview.document.pageCount()
    preview.large_action.trigger()
    qtbot.waitUntil(lambda: preview.large_action.isEnabled(), timeout=15000)
    assert preview.document.pageCount() > normal
    assert preview.page.suffix() == f" of {preview.document.pageCount()}"


def test_save_as_writes_a_private_pdf(qtbot, window, clinic, saved, tmp_path, monkeypatch):
    window.show_patient(saved.patient.id)
    window.print_current()
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    monkeypatch.setattr(dialogs, "save_file", lambda *a: tmp_path / "plan")
    shown_preview(window).save_as()
    written = tmp_path / "plan.pdf"
    assert written.read_bytes() == bytes(shown_preview(window).pdf)
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    actions = [e["action"] for e in clinic.store.audit.entries("consultation", saved.id)]
    assert actions[-2:] == ["view", "export"]


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"this is not a database" * 50, "not a consult records"), (b"", "empty")],
)
def test_a_bad_records_file_gets_a_plain_message(tmp_path, content, words):
    bad = tmp_path / "records.sqlite3"
    bad.write_bytes(content)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "consult", "--db", str(bad), "--quit-after-launch"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert bad.read_bytes() == content
