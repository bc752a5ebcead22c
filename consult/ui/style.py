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

# name: (on a light background, on a dark background); each meets WCAG AA contrast as text.
# The screening outcomes take their hues from the Okabe–Ito palette, which readers with the
# common colour-vision deficiencies tell apart: bluish green, amber, blue, vermilion (and a
# neutral grey before screening); their icons differ in shape too (see ``outcomes``).
_COLOURS = {
    "pending": ("#595959", "#b8b8b8"),
    "proceed": ("#00704f", "#4fd1a5"),
    "caution": ("#8a5a00", "#f2b84b"),
    "clearance": ("#0059a6", "#7ab8ff"),
    "danger": ("#b3261e", "#ff8a7a"),
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
