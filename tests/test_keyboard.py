"""A whole consultation by keyboard alone, counting the keys (typed text aside)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTreeWidget, QWizard
from signin_helpers import TEST_SECRET
from uihelpers import CLINIC, answer_dialog, shown_preview, type_text

from consult.app.catalog import load_catalog
from consult.app.clinic import Clinic
from consult.domain.access import Role
from consult.domain.model import ClinicSettings, Patient, Status
from consult.report import dates
from consult.storage.database import resolve
from consult.system.folders import data_dir
from consult.ui import dialogs, worker
from consult.ui.main_window import MainWindow

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def focused_in(window) -> bool:
    focus = QApplication.focusWidget()
    return focus is not None and focus.window() is window


class Keyboard:
    def __init__(self, qtbot, window):
        self.qtbot = qtbot
        self.window = window  # the top-level window being driven
        self.presses = 0

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier, times=1):
        for _ in range(times):
            self.presses += 1
            focus = QApplication.focusWidget()
            target = focus if focus is not None and focus.window() is self.window else self.window
            self.qtbot.keyClick(target, key, modifier)

    def type(self, text):  # typed text is not counted; any script
        type_text(QApplication.focusWidget(), text)

    def tab_to(self, predicate, limit=60):
        for _ in range(limit):
            if predicate(QApplication.focusWidget()):
                return
            self.press(Qt.Key.Key_Tab)
        page = self.window.currentPage() if isinstance(self.window, QWizard) else None
        raise AssertionError(f"no such control in the tab order of {type(page).__name__}")


def signed_out_clinic() -> Clinic:
    """A clinic with an administrator and the provider Dr Ana Reyes, no one signed in."""
    clinic = Clinic(load_catalog().catalog, resolve(None), data_dir())
    clinic.create_first_administrator("Office Admin", TEST_SECRET)
    clinic.add_account("Dr Ana Reyes", Role.PROVIDER, TEST_SECRET)
    clinic.store.clinic.save_settings(ClinicSettings(**CLINIC))
    clinic.sign_out()
    return clinic


def sign_in_by_keyboard(qtbot, window, keys) -> int:
    """The provider signs in on the lock screen: name, Tab, PIN, Enter. The keys pressed."""
    before = keys.presses
    assert window.locked
    qtbot.waitUntil(lambda: focused_in(window))
    keys.type("Dr Ana Reyes")
    keys.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.lock_screen.secret
    keys.type(TEST_SECRET)
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked)
    return keys.presses - before


def test_standard_consultation_by_keyboard(qtbot, monkeypatch):
    monkeypatch.setattr(dialogs, "error", lambda *a, **k: pytest.fail(f"error dialog: {a[1:]}"))
    clinic = signed_out_clinic()
    clinic.store.patients.save(Patient("Amelia Watson", date(1985, 3, 9), 2, "en"))
    window = MainWindow(clinic)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: focused_in(window))
    keys = Keyboard(qtbot, window)
    assert sign_in_by_keyboard(qtbot, window, keys) == 2
    keys.presses = 0  # the consultation's own keys from here

    keys.press(Qt.Key.Key_F, CTRL)
    assert QApplication.focusWidget() is window.search
    keys.type("amelia")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    keys.press(Qt.Key.Key_Return)  # to the first result
    assert window.current_patient_id is not None
    keys.press(Qt.Key.Key_N, CTRL)
    wizard = window.wizard
    qtbot.waitExposed(wizard)
    keys.window = wizard
    qtbot.waitUntil(
        lambda: (
            QApplication.focusWidget() is not None and QApplication.focusWidget().window() is wizard
        )
    )

    keys.press(Qt.Key.Key_Right, ALT)  # Next: the patient is filled in
    screening = wizard.currentPage()
    assert "Not screened yet" in screening.banner.text()
    seen = answer_dialog(qtbot)  # the confirmation listing them: Enter, its default button
    keys.press(Qt.Key.Key_R, ALT)  # "Answer the rest No", after asking each question
    keys.presses += 1
    qtbot.waitUntil(lambda: bool(seen) and QApplication.activeModalWidget() is wizard)
    wizard.activateWindow()  # as the window manager does when the box closes
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard)
    assert "Proceed" in screening.banner.text()
    keys.press(Qt.Key.Key_Right, ALT)
    areas = wizard.currentPage()
    keys.tab_to(lambda w: isinstance(w, QTreeWidget))
    keys.press(Qt.Key.Key_Down)  # from the group to "Face"
    keys.press(Qt.Key.Key_Space)  # the whole face
    assert "face" in wizard.state.areas, areas
    keys.press(Qt.Key.Key_Right, ALT)
    concerns = wizard.currentPage()
    keys.tab_to(lambda w: w is concerns.checks[("face", "acne_scars")])
    keys.press(Qt.Key.Key_Space)
    keys.press(Qt.Key.Key_Right, ALT)
    adjuncts = wizard.currentPage()
    keys.tab_to(lambda w: w is adjuncts.checks["peel_lactic"])
    keys.press(Qt.Key.Key_Space)
    keys.press(Qt.Key.Key_Right, ALT)  # the plan as proposed
    keys.press(Qt.Key.Key_Right, ALT)
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    keys.press(Qt.Key.Key_Right, ALT)  # Finish and preview
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)

    printed = []
    monkeypatch.setattr(dialogs, "run_dialog", lambda dialog: printed.append(dialog) or 0)
    keys.window = shown_preview(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shown_preview(window))
    keys.press(Qt.Key.Key_P, CTRL)
    assert printed, "the print dialog did not open"

    [saved] = clinic.store.records.for_patient(window.current_patient_id)
    assert saved.status is Status.FINAL
    assert saved.adjuncts == ("peel_lactic",)
    print(f"\nkeyboard-only standard consultation: {keys.presses} key presses")
    assert keys.presses <= 25
    qtbot.waitUntil(lambda: worker.pending() == 0)  # the list refreshed after saving
    window.close()
    clinic.close()


def test_new_patient_by_keyboard(qtbot, monkeypatch):
    monkeypatch.setattr(dialogs, "error", lambda *a, **k: pytest.fail(f"error dialog: {a[1:]}"))
    clinic = signed_out_clinic()
    window = MainWindow(clinic)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: focused_in(window))
    keys = Keyboard(qtbot, window)
    sign_in_by_keyboard(qtbot, window, keys)
    keys.press(Qt.Key.Key_N, CTRL)
    wizard = window.wizard
    keys.window = wizard
    qtbot.waitUntil(lambda: focused_in(wizard))
    page = wizard.currentPage()
    keys.tab_to(lambda w: w is page.name)
    keys.type("Zoë O'Brien-Łukasiewicz")
    keys.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.dob
    keys.type("19900517")
    assert dates.long_date(date(1990, 5, 17), "en") in page.dob_words.text()
    keys.press(Qt.Key.Key_Tab)  # to the skin types
    keys.press(Qt.Key.Key_Space)  # type I
    keys.press(Qt.Key.Key_Down, times=2)  # type III
    assert wizard.state.patient.fitzpatrick == 3
    keys.tab_to(lambda w: w in (page.provider, page.provider.lineEdit()))
    assert page.provider.currentText() == "Dr Ana Reyes"  # the signed-in provider
    keys.press(Qt.Key.Key_Right, ALT)
    assert wizard.currentPage() is not page
    assert wizard.state.patient.name == "Zoë O'Brien-Łukasiewicz"
    assert wizard.state.patient.date_of_birth == date(1990, 5, 17)
    window.close()
    clinic.close()
