"""The treatment course in the window: Today lists who is due; a whole course charted by
keyboard through the visit wizard (Enter on Today's row, then Alt+Right through check-in,
record and next); the timeline and table show done, next, missed and the review; an
assistant's visit stops at the check-in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from signin_helpers import TEST_SECRET

from consult.domain.access import Role
from consult.domain.course import State
from consult.ui.main_window import MainWindow
from tests.test_consents_app import sign
from tests.test_course_app import finalize

pytestmark = pytest.mark.gui
TODAY = date.today()


@pytest.fixture
def course(clinic, catalog):
    item = finalize(clinic, catalog, adjuncts=())
    sign(clinic, item)
    return item


@pytest.fixture
def window(qtbot, clinic, answered, course):
    win = MainWindow(clinic, today=TODAY)
    qtbot.addWidget(win)
    win.show()
    yield win
    if win._visit is not None:
        win._visit.reject()


def today_rows(window):
    tree = window.today_panel.tree
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return [i for i in items if i.data(0, Qt.ItemDataRole.UserRole) is not None]


ALT = Qt.KeyboardModifier.AltModifier


def press(qtbot, wizard, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key as the person at the keyboard presses it: to whatever has the focus there."""
    focus = QApplication.focusWidget()
    target = focus if focus is not None and focus.window() is wizard else wizard
    qtbot.keyClick(target, key, modifier)


def chart_by_keyboard(qtbot, window, lot: str) -> None:
    """The visit wizard is open on the check-in: go through it by keyboard only."""
    wizard = window._visit
    qtbot.waitUntil(lambda: wizard.isVisible())
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard)
    press(qtbot, wizard, Qt.Key.Key_Right, ALT)  # the answers are the last ones: on
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.record_page)
    press(qtbot, wizard, Qt.Key.Key_L, ALT)  # the lot (&Lot:)
    assert wizard.record_page.lot.hasFocus()
    qtbot.keyClicks(wizard.record_page.lot, lot)
    press(qtbot, wizard, Qt.Key.Key_X, ALT)  # the expiry, typed from the pouch (E&xpiry:)
    assert wizard.record_page.expiry.hasFocus()
    qtbot.keyClicks(
        wizard.record_page.expiry, (date.today() + timedelta(days=300)).strftime("%Y%m%d")
    )
    press(qtbot, wizard, Qt.Key.Key_M, ALT)  # the room (Roo&m:)
    assert wizard.record_page.room.hasFocus()
    qtbot.keyClicks(wizard.record_page.room, "Room 2")
    press(qtbot, wizard, Qt.Key.Key_Right, ALT)  # to the next session
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.next_page)
    press(qtbot, wizard, Qt.Key.Key_P, ALT)  # no printing in a test (&Print … aftercare)
    press(qtbot, wizard, Qt.Key.Key_Space)
    assert not wizard.next_page.print_after.isChecked()
    press(qtbot, wizard, Qt.Key.Key_Right, ALT)  # sign off
    qtbot.waitUntil(lambda: window._visit is None)


def test_today_lists_the_patient_and_a_whole_course_is_charted_by_keyboard(
    qtbot, window, clinic, course, answered
):
    qtbot.waitUntil(lambda: len(today_rows(window)) == 1, timeout=10000)
    row = today_rows(window)[0]
    assert row.text(1) == "Zoë O'Brien" and row.text(2) == "Session 1 of 4"
    assert row.text(3) == "✓ signed"
    tree = window.today_panel.tree
    tree.setFocus()
    tree.setCurrentItem(row)
    qtbot.keyClick(tree, Qt.Key.Key_Return)  # one key starts the visit
    qtbot.waitUntil(lambda: window._visit is not None)
    chart_by_keyboard(qtbot, window, "SP-24117")
    total = clinic.course.view(course).state.total
    for number in range(2, total + 1):
        window.today = TODAY + timedelta(weeks=4 * (number - 1))
        window.show_patient(course.patient.id)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        press(
            qtbot,
            window,
            Qt.Key.Key_V,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        qtbot.waitUntil(lambda: window._visit is not None)
        assert window._visit.start.appointment.number == number
        chart_by_keyboard(qtbot, window, f"SP-{number}")
    assert not [said for said in answered if said[0] == "error"]
    view = clinic.course.view(course)
    assert [a.state for a in view.state.sessions] == [State.DONE] * total
    assert [r.lot for r in (v.record for v in view.visits)] == [
        "SP-24117",
        *[f"SP-{n}" for n in range(2, total + 1)],
    ]
    # The table says so, and the review is what comes next.
    statuses = [window.sessions.item(r, 3).text() for r in range(window.sessions.rowCount())]
    assert statuses.count("✓ Done") == total and "Review" in statuses
    assert window.review_button.isEnabled() and not window.visit_button.isEnabled()
    assert clinic.store.audit.verify().intact


def test_missed_and_rescheduled_show_on_the_timeline(qtbot, window, clinic, course, monkeypatch):
    clinic.course.mark_missed(course, "session-1", TODAY + timedelta(days=2), None, "unwell", TODAY)
    window.show_patient(course.patient.id)
    texts = [window.sessions.item(r, 3).text() for r in range(window.sessions.rowCount())]
    assert "▲ Missed" in texts and "◆ Next (moved)" in texts
    assert "missed" in window.timeline.accessibleDescription()
    # Rescheduled from the window: the dialog is answered with the proposed date.
    from consult.ui import dialogs

    monkeypatch.setattr(dialogs, "run_dialog", lambda dialog: dialog.DialogCode.Accepted)
    window.sessions.setCurrentCell(0, 0)
    window.change_date("reschedule")
    assert len(clinic.course.view(course).changes) == 2


def test_an_assistant_checks_in_and_saves_it_for_the_provider(qtbot, clinic, course, answered):
    clinic.add_account("Sam Front Desk", Role.ASSISTANT, TEST_SECRET)
    clinic.sign_in("Sam Front Desk", TEST_SECRET)
    win = MainWindow(clinic, today=TODAY)
    qtbot.addWidget(win)
    win.show()
    win.show_patient(course.patient.id)
    assert win.visit_button.isEnabled() and not win.review_button.isEnabled()
    win.start_visit()
    wizard = win._visit
    assert wizard.record_page is None  # the record is a provider's
    save = wizard.button(wizard.WizardButton.CustomButton1)
    assert save.isVisible() and save.isEnabled()
    save.click()
    qtbot.waitUntil(lambda: win._visit is None)
    checked = clinic.course.view(course).checked_in
    assert checked is not None and checked.checked_in_by == "Sam Front Desk"
    listed = clinic.today_list(TODAY)
    assert listed.today[0].checked_in
