"""Sign-in and the lock screen, driven as a person would, with a clock the test moves.

The lock must leave no patient on screen: not in the window (grabbed to PNG and compared
pixel for pixel with a window that never showed a patient), not in its title, not in a
consultation or preview window left open, not in the list's model.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTreeWidget,
)
from signin_helpers import TEST_ADMIN, TEST_SECRET
from uihelpers import shown_preview, type_text

from consult.app.clinic import Clinic
from consult.domain.access import Role
from consult.domain.model import (
    Answer,
    AreaChoice,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import build_plan
from consult.storage.database import resolve
from consult.system.folders import data_dir
from consult.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

NAME = "Zoë Quintana-Okafor"
CTRL = Qt.KeyboardModifier.ControlModifier
LOCKED_AT = datetime(2026, 11, 26, 10, 42)


class FakeClock:
    """The idle lock's clock: moved by the test, never waited for."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def idle_clock():
    return FakeClock()


@pytest.fixture
def saved(clinic):
    """A patient with a finished consultation; Dr Reyes (provider) and Ben (assistant)."""
    clinic.add_account("Dr Reyes", Role.PROVIDER, TEST_SECRET)
    clinic.add_account("Ben Assistant", Role.ASSISTANT, TEST_SECRET)
    catalog = clinic.catalog
    patient = clinic.store.patients.save(Patient(NAME, date(1988, 2, 3), 3, "en"))
    item = Consultation(
        patient=patient,
        provider="Dr Reyes",
        date=date(2026, 11, 26),
        screening={q.id: Answer.NO for q in catalog.questions},
        areas=(AreaChoice("neck", (), (ConcernChoice("fine_lines", "moderate"),)),),
        start_date=date(2026, 12, 1),
        status=Status.FINAL,
        catalog_version=catalog.version,
    )
    return clinic.store.consultations.finalize(item, build_plan(catalog, item))


def make_window(qtbot, clinic, idle_clock, activate=True):
    window = MainWindow(clinic, idle_clock=idle_clock, idle_check_ms=10, now=lambda: LOCKED_AT)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    qtbot.waitExposed(window)
    if activate:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


@pytest.fixture
def window(qtbot, clinic, saved, idle_clock, answered):
    win = make_window(qtbot, clinic, idle_clock)
    yield win
    win.close()


def sign_in(qtbot, window, name, secret=TEST_SECRET):
    screen = window.lock_screen
    screen.account.setCurrentText(name)
    type_text(screen.secret, secret)
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)


def open_patient(qtbot, window):
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.current_patient_id is not None)
    assert NAME in window.header.text()


def texts_on_screen() -> str:
    """Every text a visible widget of any visible window shows."""
    found = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        found.append(top.windowTitle())
        for widget in [top, *top.findChildren(QLabel), *top.findChildren(QLineEdit)]:
            if not widget.isVisible():
                continue
            if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
                found.append(widget.text())
        for view in top.findChildren(QTableWidget) + top.findChildren(QTreeWidget):
            if view.isVisible():
                model = view.model()
                for row in range(model.rowCount()):
                    for column in range(model.columnCount()):
                        found.append(str(model.index(row, column).data()))
        for combo in top.findChildren(QComboBox):
            if combo.isVisible():
                found += [combo.itemText(i) for i in range(combo.count())]
    return "\n".join(found)


def grab_png(widget, path) -> QImage:
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    assert not image.isNull()
    return image


def test_the_first_start_asks_for_the_administrator(qtbot, catalog, idle_clock, answered):
    clinic = Clinic(catalog, resolve(None), data_dir())
    clinic.store.patients.save(Patient(NAME, date(1988, 2, 3), 3, "en"))
    window = make_window(qtbot, clinic, idle_clock)
    assert window.locked and window.lock_screen.first_run
    assert window.windowTitle() == "Consult — welcome"
    assert not window.menuBar().isVisible() and not window.toolbar.isVisible()
    assert window.body is None  # no list, no patient's page: nothing is built before sign-in
    screen = window.lock_screen
    screen.new_name.setText("Dr First")
    type_text(screen.new_secret, TEST_SECRET)
    type_text(screen.new_secret_again, "135790")
    screen.create_button.click()
    assert "not the same" in screen.error.text() and window.locked
    type_text(screen.new_secret, TEST_SECRET)
    type_text(screen.new_secret_again, TEST_SECRET)
    screen.create_button.click()
    qtbot.waitUntil(lambda: not window.locked)
    assert clinic.session.name == "Dr First" and clinic.session.role is Role.ADMINISTRATOR
    assert window.who_label.text() == "Signed in: Dr First (administrator)"
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    window.close()
    clinic.close()


def test_ctrl_l_hides_every_patient_detail(qtbot, window, clinic, saved, tmp_path):
    open_patient(qtbot, window)
    type_text(window.search, "quint")
    window.print_current()  # a preview of the plan
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    preview = shown_preview(window)
    window.new_consultation()  # and a consultation for the same patient
    wizard = window.wizard
    qtbot.waitExposed(wizard)
    assert wizard.state.patient.name == NAME
    assert NAME in texts_on_screen()

    wizard.activateWindow()  # the provider is typing in the consultation: Ctrl+L there
    qtbot.waitUntil(
        lambda: (
            QApplication.focusWidget() is not None and QApplication.focusWidget().window() is wizard
        )
    )
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L, CTRL)
    qtbot.waitUntil(lambda: window.locked)

    assert NAME not in texts_on_screen()
    assert "quint" not in texts_on_screen()  # what was typed into the search, too
    assert window.windowTitle() == "Consult — locked"
    assert not wizard.isVisible() and not preview.isVisible()
    assert window.model.rowCount() == 0
    assert not window.menuBar().isVisible() and not window.toolbar.isVisible()
    assert not any(a.isEnabled() for a in (window.new_action, window.settings_action))
    # The draft was saved first, for its owner.
    [draft] = clinic.drafts.all()
    assert draft.owner == TEST_ADMIN and draft.patient_name == NAME
    # Pixel for pixel, the window shows what a window that never had a patient shows.
    locked = grab_png(window, tmp_path / "locked.png")
    other = Clinic(clinic.catalog, clinic.db_path, data_dir())
    other.sign_in(TEST_ADMIN, TEST_SECRET)
    fresh = make_window(qtbot, other, FakeClock(), activate=False)
    fresh.resize(window.size())
    fresh.lock("Ctrl+L")
    qtbot.waitUntil(lambda: fresh.size() == window.size())
    assert grab_png(fresh, tmp_path / "never-saw-a-patient.png") == locked
    fresh.close()
    other.close()


def test_the_lock_is_audited_and_nothing_can_be_done_while_locked(qtbot, window, clinic):
    window.lock_action.trigger()
    assert window.locked and clinic.session.locked
    window.new_consultation()  # a shortcut that slipped through: refused by the clinic
    assert window.wizard is None
    (entry,) = [e for e in clinic.store.audit.entries() if e["action"] == "lock"]
    assert (entry["provider"], entry["detail"]) == (TEST_ADMIN, "Ctrl+L")


def test_idle_minutes_lock_the_window(qtbot, window, clinic, idle_clock):
    assert window.idle.minutes == 5  # the default setting
    idle_clock.advance(4)
    qtbot.wait(30)  # the check runs every 10 ms: three checks, no lock
    assert not window.locked
    qtbot.mouseMove(window.search)  # any input starts the count again
    qtbot.keyClick(window.search, Qt.Key.Key_A)
    idle_clock.advance(4)
    qtbot.wait(30)
    assert not window.locked
    idle_clock.advance(1.01)
    qtbot.waitUntil(lambda: window.locked)
    entries = [e for e in clinic.store.audit.entries() if e["action"] == "lock"]
    assert entries[-1]["detail"] == "idle 5 minutes"


def test_the_idle_limit_is_the_clinics_setting(qtbot, clinic, saved, idle_clock, answered):
    from dataclasses import replace

    clinic.save_settings(replace(clinic.settings(), lock_minutes=2), clinic.providers())
    window = make_window(qtbot, clinic, idle_clock)
    idle_clock.advance(2)
    qtbot.waitUntil(lambda: window.locked)
    window.close()


def test_the_same_provider_unlocks_and_is_back_where_they_were(qtbot, window, clinic):
    open_patient(qtbot, window)
    patient_id = window.current_patient_id
    window.new_consultation()
    wizard = window.wizard
    wizard.next()
    page = wizard.currentId()
    window.lock("Ctrl+L")
    sign_in(qtbot, window, TEST_ADMIN, "000000")
    qtbot.waitUntil(lambda: "do not match" in window.lock_screen.error.text())
    assert window.locked
    sign_in(qtbot, window, TEST_ADMIN)
    qtbot.waitUntil(lambda: not window.locked)
    assert window.wizard is wizard and wizard.isVisible() and wizard.currentId() == page
    assert window.current_patient_id == patient_id and NAME in window.header.text()
    actions = [e["action"] for e in clinic.store.audit.entries()][-3:]
    assert actions == ["lock", "sign-in-failed", "unlock"]


def test_another_provider_signs_in_and_the_draft_stays_its_owners(
    qtbot, window, clinic, monkeypatch
):
    from consult.ui import dialogs

    open_patient(qtbot, window)
    window.new_consultation()
    wizard = window.wizard
    window.lock("Ctrl+L")
    asked = []
    monkeypatch.setattr(dialogs, "ask", lambda *args: asked.append(args[2]) or True)
    sign_in(qtbot, window, "Dr Reyes")
    qtbot.waitUntil(lambda: not window.locked)
    assert clinic.session.name == "Dr Reyes"
    assert window.wizard is None
    assert not [w for w in window.findChildren(type(wizard)) if w.isVisible()]
    assert window.who_label.text() == "Signed in: Dr Reyes (provider)"
    qtbot.wait(20)
    assert asked == []  # the administrator's draft is not offered to Dr Reyes
    [draft] = clinic.drafts.all()
    assert draft.owner == TEST_ADMIN
    # The administrator comes back: the draft is offered, and resumed.
    window.lock("Ctrl+L")
    sign_in(qtbot, window, TEST_ADMIN)
    qtbot.waitUntil(lambda: window.wizard is not None)
    assert asked and NAME in asked[0]
    assert window.wizard.state.patient.name == NAME


def test_five_wrong_pins_lock_the_account_on_screen(qtbot, window, clinic):
    window.lock("Ctrl+L")
    for _ in range(4):
        sign_in(qtbot, window, "Dr Reyes", "999999")
        qtbot.waitUntil(lambda: window.lock_screen.sign_in_button.isEnabled())
    sign_in(qtbot, window, "Dr Reyes", "999999")
    qtbot.waitUntil(lambda: "locked for 15 more minutes" in window.lock_screen.error.text())
    sign_in(qtbot, window, "Dr Reyes")  # the right PIN, too late
    qtbot.waitUntil(lambda: window.lock_screen.sign_in_button.isEnabled())
    assert "locked" in window.lock_screen.error.text() and window.locked


def test_an_assistant_sees_only_what_an_assistant_may_do(qtbot, window, clinic):
    window.lock("Ctrl+L")
    sign_in(qtbot, window, "Ben Assistant")
    qtbot.waitUntil(lambda: not window.locked)
    open_patient(qtbot, window)
    assert not window.new_action.isVisible()
    assert not window.amend_button.isVisible()
    assert not window.settings_action.isVisible()
    assert not window.audit_action.isVisible() and not window.accounts_action.isVisible()
    assert not window.seen_button.isVisible()
    assert window.reprint_button.isVisible() and window.reprint_button.isEnabled()
    window.new_consultation()  # Ctrl+N: the clinic refuses, the window says so
    assert window.wizard is None


def test_an_administrator_reads_the_trail_and_saves_it(
    qtbot, window, clinic, saved, monkeypatch, tmp_path
):
    from consult.ui import dialogs
    from consult.ui.audit_view import AuditDialog

    open_patient(qtbot, window)
    dialog = AuditDialog(clinic, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "intact" in dialog.chain.text())
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0)
    dialog.account.setCurrentIndex(dialog.account.findData("Dr Test Admin"))
    qtbot.waitUntil(
        lambda: all(
            dialog.table.item(r, 1).text() == TEST_ADMIN for r in range(dialog.table.rowCount())
        )
    )
    dialog.patient_text.setText("quintana")
    dialog.find_patient()
    qtbot.waitUntil(
        lambda: (
            dialog.entries
            and all(e.record_type in ("patient", "consultation") for e in dialog.entries)
        )
    )
    assert "view" in [e.action for e in dialog.entries]
    assert {(e.record_type, e.record_id) for e in dialog.entries} == {
        ("patient", saved.patient.id),
        ("consultation", saved.id),
    }
    target = tmp_path / "audit.csv"
    monkeypatch.setattr(dialogs, "save_file", lambda *args: target)
    dialog.export_button.click()
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "id,at,action,record_type,record_id,record_uuid,account,detail"
    assert ",view,patient," in text and NAME not in text and "Quintana" not in text
    dialog.close()


def test_who_has_seen_the_record(qtbot, window, clinic, saved, monkeypatch):
    from consult.ui import dialogs
    from consult.ui.audit_view import WhoHasSeenDialog

    open_patient(qtbot, window)
    shown = []
    monkeypatch.setattr(dialogs, "run_dialog", lambda dialog: shown.append(dialog) or 0)
    window.seen_button.click()
    (dialog,) = shown
    assert isinstance(dialog, WhoHasSeenDialog)
    rows = [
        tuple(dialog.table.item(r, c).text() for c in range(1, 4))
        for r in range(dialog.table.rowCount())
    ]
    assert (TEST_ADMIN, "opened the patient's page", f"patient #{saved.patient.id}") in rows
    assert (TEST_ADMIN, "finished", f"consultation #{saved.id}") in rows


def test_an_administrator_adds_and_disables_accounts(qtbot, window, clinic, monkeypatch):
    from consult.storage.passwords import verify
    from consult.ui import dialogs
    from consult.ui.accounts_dialog import AccountsDialog, SecretDialog

    def answer(dialog):
        if isinstance(dialog, SecretDialog):
            dialog.name.setText("Nurse Kim")
            dialog.role.setCurrentIndex(dialog.role.findData(Role.PROVIDER))
            dialog.secret.setText("135790")
            dialog.again.setText("135790")
            dialog._check()
            return dialog.result()
        return 0

    monkeypatch.setattr(dialogs, "run_dialog", answer)
    accounts = AccountsDialog(clinic, window)
    qtbot.addWidget(accounts)
    accounts.add.__call__()
    names = [accounts.table.item(r, 0).text() for r in range(accounts.table.rowCount())]
    assert "Nurse Kim" in names
    accounts.table.selectRow(names.index("Nurse Kim"))
    assert accounts.toggle_button.text() == "&Disable"
    accounts.toggle_button.click()
    assert not clinic.store.accounts.get("Nurse Kim").active
    (stored,) = clinic.store.conn.execute(
        "SELECT secret_hash FROM accounts WHERE name = 'Nurse Kim'"
    ).fetchone()
    assert verify(stored, "135790") and accounts.selected() is not None
    assert not accounts.findChildren(SecretDialog)[0].secret.text()  # the PIN is not kept


def test_the_lock_hides_the_gallery_and_the_compare_view(qtbot, window, clinic, saved, tmp_path):
    """The patient's photos and a comparison of two are hidden with everything else: the
    window shows, pixel for pixel, what a window that never showed a patient shows; the
    same provider finds them again on unlocking."""
    import photo_samples as samples
    from photo_helpers import photo_consent

    from consult.domain.photos import Visit

    photo_consent(clinic.store, clinic.catalog, saved)
    faces = samples.visits(400, 500)
    for visit in ("baseline", "review"):
        path = samples.write(tmp_path / f"{visit}.jpg", samples.encoded(faces[visit].image, "JPEG"))
        clinic.photos.import_files(
            saved.patient.id,
            [path],
            visit=Visit.parse(visit),
            area_id="neck",
            view_id="neck_front",
        )
    open_patient(qtbot, window)
    photos = window.open_photos()
    qtbot.waitExposed(photos)
    first, last = (p.id for p in clinic.photos.photos_of(saved.patient.id))
    compare = photos.compare(first, last)
    qtbot.waitExposed(compare)
    assert NAME in texts_on_screen() and photos.model.rowCount() == 2
    window.lock("Ctrl+L")
    assert not photos.isVisible() and not compare.isVisible()
    assert NAME not in texts_on_screen()
    assert photos.model.rowCount() == 0  # no decoded thumbnail is kept while locked
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    window.lock_screen.secret.clearFocus()  # its blinking cursor is not what is compared
    locked = grab_png(window, tmp_path / "locked.png")
    other = Clinic(clinic.catalog, clinic.db_path, data_dir())
    other.sign_in(TEST_ADMIN, TEST_SECRET)
    fresh = make_window(qtbot, other, FakeClock(), activate=False)
    fresh.resize(window.size())
    fresh.lock("Ctrl+L")
    qtbot.waitUntil(lambda: fresh.size() == window.size())
    assert grab_png(fresh, tmp_path / "never-saw-a-patient.png") == locked
    fresh.close()
    other.close()
    sign_in(qtbot, window, TEST_ADMIN)
    qtbot.waitUntil(lambda: not window.locked)
    qtbot.waitUntil(lambda: photos.isVisible() and compare.isVisible())
    assert photos.model.rowCount() == 2
