"""Typing and clicking as a person does, for pytest-qt tests."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication


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


def shown_preview(window):
    """The plan preview the window opened last and still shows, or None."""
    from consult.ui.preview import PreviewDialog

    shown = [d for d in window.findChildren(PreviewDialog) if d.isVisible()]
    return shown[-1] if shown else None
