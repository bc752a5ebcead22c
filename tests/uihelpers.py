"""Typing and clicking as a person does, for pytest-qt tests."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

# A clinic's name and phone: a plan is never printed without them.
CLINIC = {"name": "Northside Skin Clinic", "phone": "(217) 555-0142"}


def type_text(widget, text: str) -> None:
    """Type ``text`` into ``widget`` key by key, any script (QTest.keyClicks is ASCII-only)."""
    widget.setFocus()
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            )


def on_label(button) -> QPoint:
    """Where a person clicks a check box or radio button: on its box, not the empty row."""
    return QPoint(8, button.height() // 2)


def answer_dialog(qtbot, accept: bool = True) -> list[str]:
    """Answer the next modal question (a message box, or a question about a list) as a person
    would: a click on its default button
    (accept) or on the other one. Returns a list that gets the box's text once answered."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from consult.ui.dialogs import ListQuestion

    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox | ListQuestion) or not box.isVisible():
            QTimer.singleShot(10, answer)
            return
        chosen = box.defaultButton()
        if not accept:
            chosen = next(b for b in box.buttons() if b is not box.defaultButton())
        if not chosen.isVisible() or chosen.width() < 10:  # not laid out yet
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text())
        qtbot.mouseClick(chosen, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)
    return seen


def shown_preview(window):
    """The plan preview the window opened last and still shows, or None."""
    from consult.ui.preview import PreviewDialog

    shown = [d for d in window.findChildren(PreviewDialog) if d.isVisible()]
    return shown[-1] if shown else None
