"""Look and feel: touch-sized controls, and colours that read well in light and dark themes."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QWidget,
)

TOUCH_HEIGHT = 40  # px: the smallest control a finger (or a hurried mouse) should have to hit
CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)

# name: (on a light background, on a dark background); each meets WCAG AA contrast
_COLOURS = {
    "proceed": ("#1b6e3a", "#7fd99a"),
    "caution": ("#8a5a00", "#f0c060"),
    "clearance": ("#9c4a00", "#ffab70"),
    "danger": ("#a4161a", "#ff8a8a"),
}


def touch_size(root: QWidget) -> None:
    """Every button, check box, text field, combo box and spin box in ``root`` at least
    TOUCH_HEIGHT tall. Called on each window, dialog and wizard page once its controls are
    made (``dialogs.run_dialog`` does it for every dialog it runs).

    A proxy style did this before, but Qt then asks Python for the size of every table cell
    and scroll bar it lays out: about 15 ms of every start-up.
    """
    for kind in CONTROLS:
        for widget in root.findChildren(kind):
            if isinstance(widget.parent(), (*CONTROLS, QAbstractItemView)):
                # Part of another control (a spin box's text, a field's clear button) or of
                # a table (its corner button): laid out by its owner.
                continue
            if widget.minimumHeight() < TOUCH_HEIGHT:
                widget.setMinimumHeight(TOUCH_HEIGHT)


def is_dark() -> bool:
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colour(name: str) -> str:
    light, dark = _COLOURS[name]
    return dark if is_dark() else light


def problem_css() -> str:
    """How a label saying what is wrong with an input looks."""
    return f"color: {colour('danger')}; font-weight: bold;"
