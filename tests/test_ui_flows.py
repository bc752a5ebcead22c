"""Amend, settings, printing and bad records files, through the real windows."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QPushButton

from consult.context import load_catalog
from consult.domain.model import Answer, AreaChoice, ConcernChoice, Consultation, Patient, Status
from consult.domain.plan import build_plan
from consult.ui import dialogs
from consult.ui.main_window import MainWindow
from consult.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui
CATALOG = load_catalog().catalog


@pytest.fixture
def saved(services):
    patient = services.repo.save_patient(Patient("Nguyễn Thị Minh Khai", date(1988, 2, 3), 3, "es"))
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
    return services.repo.finalize(item, build_plan(CATALOG, item))


@pytest.fixture
def window(qtbot, services, answered):
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_amend_makes_a_new_revision_and_keeps_the_old(qtbot, window, services, saved):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWizard
    from uihelpers import type_text

    from consult.ui.wizard.pages import PlanPage, ReviewPage

    window.search.setText("khai")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    window.show_patient(saved.patient.id)
    assert window.amend_button.isEnabled()
    qtbot.mouseClick(window.amend_button, Qt.MouseButton.LeftButton)
    wizard = window._wizard
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
    qtbot.waitUntil(lambda: hasattr(window, "last_preview"), timeout=15000)
    history = services.repo.consultations_for_patient(saved.patient.id)
    [new] = [c for c in history if c.revision_of == saved.id]
    assert new.session_count == 5
    assert new.amend_reason == "Moved to five sessions after review."
    assert services.repo.get_consultation(saved.id).notes == saved.notes  # untouched
    top = window.consultations.topLevelItem(0)
    assert top.text(0).endswith(f"#{new.id}") and top.child(0).text(1) == "replaced"
    assert window.search.text() == "khai"  # the search box keeps its text


def test_settings_are_saved_and_used(qtbot, window, services, monkeypatch):
    def fill(dialog):
        dialog.name.setText("West County Dermatology")
        dialog.phone.setText("(555) 010-2000")
        dialog.interval.setValue(6)
        dialog.new_provider.setText("Kofi Mensah, RN")
        dialog._add_provider()
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs, "run_dialog", fill)
    window.open_settings()
    settings = services.settings()
    assert settings.name == "West County Dermatology" and settings.interval_weeks == 6
    assert "Kofi Mensah, RN" in services.providers()
    assert window.windowTitle() == "Consult — West County Dermatology"


def test_the_logo_is_kept_in_the_data_folder_and_providers_can_be_removed(
    qtbot, window, services, monkeypatch, tmp_path
):
    from PySide6.QtGui import QColor, QImage

    picture = QImage(120, 40, QImage.Format.Format_RGB32)
    picture.fill(QColor("#1d5c63"))
    source = tmp_path / "Logo.PNG"
    assert picture.save(str(source))
    services.repo.save_provider("Dr Gone")

    def fill(dialog):
        dialog._set_logo(str(source))
        dialog.providers.takeItem(0)  # "Dr Gone"
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs, "run_dialog", fill)
    window.open_settings()
    source.unlink()  # the original goes away; the plan keeps the logo
    kept = Path(services.settings().logo_path)
    assert kept.name == "clinic-logo.png" and kept.exists()
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    assert "Dr Gone" not in services.providers()


def test_settings_refuse_a_week_with_no_open_day(qtbot, services):
    dialog = SettingsDialog(services.settings(), [])
    qtbot.addWidget(dialog)
    for box in dialog.closed:
        box.setChecked(True)
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "open on at least one weekday" in dialog.problems.text()


def test_holidays_are_added_and_removed_and_sessions_avoid_them(
    qtbot, window, services, monkeypatch
):
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
    settings = services.settings()
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


def test_print_to_a_pdf_printer_writes_the_plan_itself(qtbot, window, services, saved, tmp_path):
    window.show_patient(saved.patient.id)
    window.print_current()
    qtbot.waitUntil(lambda: hasattr(window, "last_preview"), timeout=15000)
    preview = window.last_preview
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    job = preview.print_to(printer)
    qtbot.waitUntil(lambda: preview.status.text().startswith("Saved"), timeout=15000)
    assert job.way == "pdf"
    assert (tmp_path / "printed.pdf").read_bytes() == bytes(preview.pdf)  # vector, exact
    assert printer.docName() == "Treatment plan"
    assert preview.status.text() == "Saved as printed.pdf."
    actions = [e["action"] for e in services.repo.audit_entries("consultation", saved.id)]
    assert actions[-1] == "print"


def test_large_print_makes_the_plan_again(qtbot, window, services, saved):
    window.show_patient(saved.patient.id)
    window.print_current()
    qtbot.waitUntil(lambda: hasattr(window, "last_preview"), timeout=15000)
    preview = window.last_preview
    normal = preview.document.pageCount()
    preview.large_action.trigger()
    qtbot.waitUntil(lambda: preview.large_action.isEnabled(), timeout=15000)
    assert preview.document.pageCount() > normal
    assert preview.page.suffix() == f" of {preview.document.pageCount()}"


def test_save_as_writes_a_private_pdf(qtbot, window, services, saved, tmp_path, monkeypatch):
    window.show_patient(saved.patient.id)
    window.print_current()
    qtbot.waitUntil(lambda: hasattr(window, "last_preview"), timeout=15000)
    monkeypatch.setattr(dialogs, "save_file", lambda *a: tmp_path / "plan")
    window.last_preview.save_as()
    written = tmp_path / "plan.pdf"
    assert written.read_bytes() == bytes(window.last_preview.pdf)
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    actions = [e["action"] for e in services.repo.audit_entries("consultation", saved.id)]
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
