"""Render the app's windows to PNG (offscreen), for docs/ and for looking at them.

    .venv/bin/python tools/screenshots.py OUT_DIR

Starts on an empty data folder (``CONSULT_DATA_DIR`` when set, otherwise a private folder
made for the run and removed after it: never the user's own records): the first start's
administrator form, then the welcome with the clinic's details, then demo patients and the
Today list. Then a
first consultation as a nurse runs it with the patient watching: a new patient with a
Vietnamese name, the plan in Spanish, a screening caution, face and neck, two concerns, a
peel, booked times; the plan's preview, then an amendment. Every screen is grabbed on the
way, and the screening's outcomes side by side in the light and the dark theme; then the
lock screen, "who has seen this record", the settings, the audit trail and the accounts.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, QTime
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPalette

from consult.app.catalog import load_catalog
from consult.app.clinic import Clinic
from consult.domain.model import Answer, Outcome, Patient
from consult.storage.database import resolve
from consult.storage.demo import seed_demo
from consult.storage.store import RecordStore
from consult.system.folders import data_dir
from consult.ui import dialogs
from consult.ui.app import make_application
from consult.ui.main_window import MainWindow
from consult.ui.preview import PreviewDialog
from consult.ui.settings_dialog import SettingsDialog
from consult.ui.welcome import ClinicDetailsDialog
from consult.ui.wizard import ConsultationWizard

NAME = "Nguyễn Thị Thu Hà"
SECRET = "screenshots-pin"  # noqa: S105 - the demo administrator's, in a throwaway folder


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    catalog = load_catalog().catalog

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()

    # -- the first start, on an empty records file
    clinic = Clinic(catalog, resolve(None), data_dir())
    window = MainWindow(clinic)
    window.resize(1280, 800)
    window.show()
    window.welcome = lambda: None  # the tour shows the welcome itself, filled in
    pump(0.3)
    screen = window.lock_screen
    if screen.first_run:
        window.grab().save(str(out / "first-start.png"))
        screen.new_name.setText("Dr Ana Reyes")
        screen.new_secret.setText(SECRET)
        screen.new_secret_again.setText(SECRET)
        screen.create_button.click()
    else:
        screen.account.setCurrentText("Dr Ana Reyes")
        screen.secret.setText(SECRET)
        screen.sign_in_button.click()
    deadline = time.monotonic() + 10
    while window.locked and time.monotonic() < deadline:
        pump(0.05)
    pump(0.8)
    if clinic.is_first_run():
        window.grab().save(str(out / "main-window-empty.png"))
        welcome = ClinicDetailsDialog(clinic.settings(), [], first_run=True, parent=window)
        welcome.name.setText("Northside Skin Clinic")
        welcome.address.setPlainText("4 Elm Row, Suite 2\nSpringfield, IL 62701")
        welcome.phone.setText("(217) 555-0142")
        welcome.new_provider.setText("Dr Ana Reyes")
        welcome._add_provider()
        welcome.new_provider.setText("Kofi Mensah, RN")
        welcome._add_provider()
        welcome.demo.setChecked(True)
        welcome.show()
        pump(0.3)
        welcome.grab().save(str(out / "welcome.png"))
        clinic.save_settings(welcome.settings(), welcome.provider_names())
        welcome.close()
    with RecordStore.open(resolve(None), catalog=catalog) as store:
        if not store.patient_list.search("zoe").rows:
            seed_demo(store, catalog, 60, seed=7)
            store.patients.save(
                Patient("Zoë O'Brien-Łukasiewicz", date(1990, 5, 17), 4, "es", "+34 600 123 456")
            )
    window.run_search()
    pump(1.0)
    window.show_today()  # made on a worker thread, with the consents' and course's tasks
    pump(1.5)
    window.grab().save(str(out / "course-today.png"))

    # -- a new consultation: patient, screening, areas, concerns, adjunct, plan, finish
    window.table.clearSelection()
    window.show_patient(None)
    window.new_consultation()
    wizard: ConsultationWizard = window.wizard
    wizard.resize(1180, 800)
    pump(0.3)
    page = wizard.currentPage()
    page.name.setText(NAME)
    page.dob.setText("1991-08-23")
    page.skin_buttons[4].setChecked(True)
    page.language.setCurrentIndex(page.language.findData("es"))
    page.phone.setText("+34 611 222 333")
    pump(0.2)
    wizard.grab().save(str(out / "wizard-1-patient.png"))
    wizard.next()

    screening = wizard.currentPage()
    pump(0.4)
    wizard.grab().save(str(out / "wizard-2-screening-start.png"))
    for question in catalog.questions:
        answer = Answer.YES if question.id == "pih_history" else Answer.NO
        screening.groups[question.id].button({Answer.YES: 1, Answer.NO: 2}[answer]).setChecked(True)
    screening.scroll.verticalScrollBar().setValue(0)
    pump(0.3)
    wizard.grab().save(str(out / "wizard-2-screening.png"))
    outcomes_sheet(catalog, wizard, out / "screening-outcomes.png", pump)
    wizard.next()

    areas = wizard.currentPage()
    for area, zone in (("face", "cheeks"), ("face", "forehead"), ("neck", None)):
        areas._map_clicked(area, zone)
    item = areas.map.items_by_key[("face", "chin")][0]
    areas.map.viewport().setMouseTracking(True)
    item._hover = True
    item.refresh()
    areas.map.show_label(item)
    pump(0.3)
    wizard.grab().save(str(out / "wizard-3-areas.png"))
    item._hover = False
    item.refresh()
    areas.map.show_label(None)
    wizard.next()

    concerns = wizard.currentPage()
    concerns.checks[("face", "acne_scars")].click()
    pump(0.2)
    wizard.grab().save(str(out / "wizard-4-concerns-missing.png"))
    concerns.checks[("face", "pigmentation")].click()
    concerns.checks[("neck", "fine_lines")].click()
    pump(0.2)
    wizard.grab().save(str(out / "wizard-4-concerns.png"))
    wizard.next()

    adjuncts = wizard.currentPage()
    adjuncts.checks["peel_mandelic"].click()
    pump(0.2)
    wizard.grab().save(str(out / "wizard-5-adjuncts.png"))
    wizard.next()

    plan = wizard.currentPage()
    plan.book.setChecked(True)
    plan.time.setTime(QTime(10, 30))
    pump(0.1)
    plan.row_times["session-2"].setTime(QTime(16, 0))
    pump(0.2)
    wizard.grab().save(str(out / "wizard-6-plan.png"))
    wizard.next()
    pump(0.2)
    wizard.grab().save(str(out / "wizard-7-finish.png"))
    wizard.accept()
    preview = wait_for_preview(window, pump)
    preview.resize(900, 1000)
    pump(1.5)
    preview.grab().save(str(out / "preview.png"))
    preview.close()

    window.grab().save(str(out / "main-window.png"))
    shown = clinic.find_patients(NAME)[0]
    window.lock("Ctrl+L")
    pump(0.3)
    window.grab().save(str(out / "locked.png"))
    screen.secret.setText(SECRET)
    screen.sign_in_button.click()
    deadline = time.monotonic() + 10
    while window.locked and time.monotonic() < deadline:
        pump(0.05)
    pump(0.5)
    from consult.ui.audit_view import AuditDialog, WhoHasSeenDialog

    seen = WhoHasSeenDialog(shown.name, clinic.who_has_seen(shown.id), window)
    seen.show()
    pump(0.3)
    seen.grab().save(str(out / "who-has-seen.png"))
    seen.close()

    # -- an amendment: it opens on the consultation, says what changed, asks why
    window.amend_current()
    amend = window.wizard
    amend.resize(1180, 800)
    pump(0.5)
    amend.go_to(5)
    amend.currentPage().count.setValue(amend.currentPage().count.value() + 1)
    amend.go_to(6)
    amend.currentPage().reason.setPlainText("The patient asked for one more session.")
    pump(0.3)
    amend.grab().save(str(out / "amend-finish.png"))
    amend.reject()
    pump(0.2)

    settings = SettingsDialog(clinic.settings(), clinic.providers(), window)
    for day in (date(2026, 12, 25), date(2027, 1, 1)):
        settings.holiday_date.setDate(day)
        settings._add_holiday()
    settings.show()
    pump(0.3)
    settings.grab().save(str(out / "settings.png"))
    settings.close()
    audit = AuditDialog(clinic, window)
    audit.show()
    pump(1.5)
    audit.grab().save(str(out / "audit.png"))
    audit.close()
    from consult.domain.access import Role
    from consult.ui.accounts_dialog import AccountsDialog

    if len(clinic.accounts()) == 1:
        clinic.add_account("Kofi Mensah, RN", Role.PROVIDER, SECRET)
        clinic.add_account("Ben Ortiz", Role.ASSISTANT, SECRET)
    accounts = AccountsDialog(clinic, window)
    accounts.show()
    pump(0.3)
    accounts.grab().save(str(out / "accounts.png"))
    accounts.close()
    window.close()
    clinic.close()
    print(f"screenshots in {out}")


def wait_for_preview(window, pump) -> PreviewDialog:
    deadline = time.monotonic() + 20
    while not (shown := window.findChildren(PreviewDialog)) and time.monotonic() < deadline:
        pump(0.1)
    return shown[-1]


def outcomes_sheet(catalog, wizard, path: Path, pump) -> None:
    """The screening banner for each outcome, in the light theme and in a dark one."""
    page = wizard.currentPage()
    state = wizard.state
    saved = dict(state.answers)
    flagged = {
        None: None,
        Outcome.PROCEED: "",
        Outcome.CAUTION: "pih_history",
        Outcome.NEEDS_CLEARANCE: "anticoagulants",
        Outcome.DO_NOT_TREAT: "sunburn",
    }
    light = QGuiApplication.palette()
    dark = QPalette(light)
    for role, colour in (
        (QPalette.ColorRole.Window, "#1f2124"),
        (QPalette.ColorRole.WindowText, "#e8e8e8"),
        (QPalette.ColorRole.Base, "#2a2c30"),
        (QPalette.ColorRole.Text, "#e8e8e8"),
    ):
        dark.setColor(role, QColor(colour))
    shots: list[list[QImage]] = []
    for palette in (light, dark):
        QGuiApplication.setPalette(palette)
        row = []
        for question in flagged.values():
            if question is None:
                state.answers = {}
            else:
                state.answers = {q.id: Answer.NO for q in catalog.questions}
                if question:
                    state.answers[question] = Answer.YES
            page.load_from_state()
            pump(0.15)
            row.append(page.banner_box.grab().toImage())
        shots.append(row)
    QGuiApplication.setPalette(light)
    state.answers = saved
    page.load_from_state()
    # One column per theme, one row per outcome.
    gap = 8
    width = sum(max(i.width() for i in column) for column in shots) + gap * 3
    height = max(sum(i.height() + gap for i in column) for column in shots) + gap
    sheet = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(sheet)
    x = 0
    for column, background in zip(shots, ("#efefef", "#1f2124"), strict=True):
        w = max(i.width() for i in column) + gap * 2
        painter.fillRect(x, 0, w, height, QColor(background))
        y = gap
        for image in column:
            painter.drawImage(QPoint(x + gap, y), image)
            y += image.height() + gap
        x += w
    painter.end()
    sheet.save(str(path))


if __name__ == "__main__":
    # Dialogs the tour does not expect (none should come) are answered "no" rather than
    # waiting for a person.
    dialogs.ask = lambda *a, **k: False
    own_folder = None
    if not os.environ.get("CONSULT_DATA_DIR"):
        own_folder = tempfile.mkdtemp(prefix="consult-screenshots-")
        os.environ["CONSULT_DATA_DIR"] = own_folder
    try:
        main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
    finally:
        if own_folder is not None:
            shutil.rmtree(own_folder, ignore_errors=True)
