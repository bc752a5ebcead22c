"""Every name the printed plan can print, the window can show: the bundled fonts are given
to Qt, and each script of the demo names lays out with no missing glyph."""

from __future__ import annotations

import unicodedata

import pytest
from report.report_helpers import NAMES

from consult.storage.demo import CULTURES

pytestmark = pytest.mark.gui


def demo_names() -> dict[str, str]:
    """A name of every script the demo patients use, and of every script the plan prints."""
    found: dict[str, str] = dict(NAMES)
    for culture in CULTURES:
        for part in (*culture.given, *culture.family):
            letters = [c for c in part if c.isalpha()]
            script = unicodedata.name(letters[0]).split()[0] if letters else "?"
            found.setdefault(f"demo {script.lower()}", "")
            found[f"demo {script.lower()}"] += " " + part
    return {k: v.strip() for k, v in found.items()}


def missing_glyphs(font, text: str) -> list[str]:
    """Characters of ``text`` that Qt would draw as empty boxes in ``font`` (glyph 0)."""
    from PySide6.QtGui import QTextLayout

    layout = QTextLayout(text, font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    missing = []
    for run in layout.glyphRuns():
        if 0 in run.glyphIndexes():
            missing.append(run.rawFont().familyName())
    return missing


@pytest.mark.parametrize("script", sorted(demo_names()))
def test_each_script_shows_with_no_missing_glyph(qapp, script):
    from PySide6.QtWidgets import QApplication

    text = demo_names()[script]
    assert text
    assert missing_glyphs(QApplication.font(), text) == [], (script, text)


def test_the_bundled_fonts_are_registered_in_the_plans_order(qapp):
    from PySide6.QtWidgets import QApplication

    from consult.ui.fonts import register_fonts

    families = register_fonts()
    assert families[0] == "Noto Sans" and families[-1] == "Droid Sans Fallback"
    assert "Noto Sans Devanagari" in families
    shown = QApplication.font().families()
    assert [f for f in shown if f in families] == families  # after the system's own


def test_a_name_in_a_window_lays_out_in_the_bundled_font(qtbot):
    from PySide6.QtWidgets import QLabel

    label = QLabel(NAMES["devanagari"])
    qtbot.addWidget(label)
    assert missing_glyphs(label.font(), label.text()) == []


def test_the_check_finds_a_character_no_font_has(qapp):
    from PySide6.QtWidgets import QApplication

    assert missing_glyphs(QApplication.font(), "Ana \ue000") != []  # a private-use character
