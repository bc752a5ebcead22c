"""Render the app's windows to PNG (offscreen), for docs/ and for looking at them.

    .venv/bin/python tools/screenshots.py OUT_DIR

Seeds demo patients into a data folder of its own (``CONSULT_DATA_DIR`` when set, otherwise a
private folder made for the run and removed after it: never the user's own records), then
grabs the first start's administrator form, the main window, the lock screen, every wizard
step, the settings dialog, the plan preview, the audit trail, "who has seen this record" and
the accounts.
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

from consult.app.catalog import load_catalog
from consult.app.clinic import Clinic
from consult.domain.model import Answer, Patient
from consult.storage.database import resolve
from consult.storage.demo import seed_demo
from consult.storage.store import RecordStore
from consult.system.folders import data_dir
from consult.ui.app import make_application
from consult.ui.main_window import MainWindow
from consult.ui.preview import PreviewDialog
from consult.ui.settings_dialog import SettingsDialog

SECRET = "screenshots-pin"  # noqa: S105 - the demo administrator's, in a throwaway folder


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    catalog = load_catalog().catalog
    with RecordStore.open(resolve(None), catalog=catalog) as repo:
        if not repo.patient_list.search("zoe").rows:
            seed_demo(repo, catalog, 60, seed=7)
            repo.patients.save(
                Patient("Zoë O'Brien-Łukasiewicz", date(1990, 5, 17), 4, "es", "+34 600 123 456")
            )
        repo.clinic.save_provider("Dr Ana Reyes")
        shown = next(
            r for r in repo.records.patients_with_concern("acne_scars") if r.last_consultation
        )

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()

    clinic = Clinic(catalog, resolve(None), data_dir())
    window = MainWindow(clinic)
    window.resize(1280, 800)
    window.show()
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
    window.search.setText(shown.name.split()[0])
    pump(1.0)
    window.table.selectRow(window.model.row_of(shown.id))
    pump(0.5)
    window.grab().save(str(out / "main-window.png"))
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
    window.search.setText("zoe")
    pump(1.0)
    window.table.selectRow(0)
    pump(0.3)

    window.new_consultation()
    wizard = window.wizard
    wizard.resize(1100, 780)
    pump(0.3)
    names = ["patient", "screening", "areas", "concerns", "adjuncts", "plan", "finish"]
    for step, name in enumerate(names):
        page = wizard.currentPage()
        if name == "screening":
            page.rest_no.click()
            page.groups["cold_sore_history"].button(1).click()
        if name == "areas":
            for zone in ("cheeks", "forehead", "upper_lip"):
                page.map.clicked.emit("face", zone)
        if name == "concerns":
            page.checks[("face", "acne_scars")].click()
        if name == "adjuncts":
            page.checks["peel_mandelic"].click()
        pump(0.3)
        wizard.grab().save(str(out / f"wizard-{step + 1}-{name}.png"))
        if name != "finish":
            wizard.next()
    assert all(a in (Answer.YES, Answer.NO) for a in wizard.state.answers.values())
    wizard.accept()
    deadline = time.monotonic() + 20
    while not (shown := window.findChildren(PreviewDialog)) and time.monotonic() < deadline:
        pump(0.1)
    preview = shown[-1]
    preview.resize(900, 1000)
    pump(1.5)
    preview.grab().save(str(out / "preview.png"))

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
    clinic.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    own_folder = None
    if not os.environ.get("CONSULT_DATA_DIR"):
        own_folder = tempfile.mkdtemp(prefix="consult-screenshots-")
        os.environ["CONSULT_DATA_DIR"] = own_folder
    try:
        main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
    finally:
        if own_folder is not None:
            shutil.rmtree(own_folder, ignore_errors=True)
