"""Look and feel: touch-sized controls, and colours that read well in light and dark themes."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QProxyStyle, QStyle

TOUCH_HEIGHT = 40  # px: the smallest control a finger (or a hurried mouse) should have to hit

_SIZED = {
    QStyle.ContentsType.CT_PushButton,
    QStyle.ContentsType.CT_ToolButton,
    QStyle.ContentsType.CT_LineEdit,
    QStyle.ContentsType.CT_ComboBox,
    QStyle.ContentsType.CT_SpinBox,
    QStyle.ContentsType.CT_CheckBox,
    QStyle.ContentsType.CT_RadioButton,
}

# name: (on a light background, on a dark background); each meets WCAG AA contrast
_COLOURS = {
    "proceed": ("#1b6e3a", "#7fd99a"),
    "caution": ("#8a5a00", "#f0c060"),
    "clearance": ("#9c4a00", "#ffab70"),
    "danger": ("#a4161a", "#ff8a8a"),
}


class TouchStyle(QProxyStyle):
    """The platform's own style, with every control at least TOUCH_HEIGHT tall."""

    def sizeFromContents(self, kind, option, size, widget=None) -> QSize:
        result = super().sizeFromContents(kind, option, size, widget)
        if kind in _SIZED and result.height() < TOUCH_HEIGHT:
            result.setHeight(TOUCH_HEIGHT)
        return result


def is_dark() -> bool:
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colour(name: str) -> str:
    light, dark = _COLOURS[name]
    return dark if is_dark() else light


def problem_css() -> str:
    """How a label saying what is wrong with an input looks."""
    return f"color: {colour('danger')}; font-weight: bold;"
