"""The bundled fonts (``resources/fonts/``) given to Qt, so that every name the printed plan
can print, the window can show: a computer without fonts for Korean, Hindi or Arabic names
would otherwise show empty boxes.

They are registered with ``QFontDatabase`` when the app starts (a few milliseconds), and the
application's font lists them after the system's own, in the plan's fallback order: the
system font is used where it has the characters, and a bundled font for the rest.
"""

from __future__ import annotations

from PySide6.QtCore import QLoggingCategory
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from consult.report.font_files import FONT_FILES
from consult.system.resources import resource_path

_registered: list[str] = []


def register_fonts() -> list[str]:
    """Register every bundled font once; the families, in fallback order."""
    if _registered:
        return _registered
    families: list[str] = []
    for _name, regular, bold in FONT_FILES:
        for filename in (regular, bold):
            if filename is None:
                continue
            font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", filename)))
            for family in QFontDatabase.applicationFontFamilies(font_id):
                if family not in families:
                    families.append(family)
    _registered.extend(families)
    return _registered


def use_bundled_fonts(app: QGuiApplication) -> QFont:
    """The application's font: the system's, then the bundled families for what it lacks
    (once; later calls change nothing)."""
    if _registered:
        return app.font()
    families = register_fonts()
    # Qt tries the fallback families in order for each script and says so when one lacks a
    # script's OpenType tables ("OpenType support missing for Noto Sans Gurmukhi, script 16"):
    # expected with a list of single-script fonts, and not a fault.
    QLoggingCategory.setFilterRules("qt.text.font.db=false")
    font = QFont(app.font())
    own = font.families() or [font.family()]
    font.setFamilies(own + [f for f in families if f not in own])
    app.setFont(font)
    return font
