"""Bundled fonts, and text turned into safe Paragraph markup with a font per run."""

from __future__ import annotations

import unicodedata

import arabic_reshaper
import pytest
from report_helpers import NAMES

from consult.report.fonts import FONT_FILES, MARKER, Markup, font_runs, has_glyph, visual_lines
from consult.system.resources import resource_path


def test_fonts_and_licences_are_shipped_and_modest():
    folder = resource_path("fonts")
    for _, regular, bold in FONT_FILES:
        for name in filter(None, (regular, bold)):
            assert (folder / name).read_bytes()[:4] == b"\x00\x01\x00\x00", name  # TrueType
    assert (folder / "OFL-Noto.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE")
    assert "Apache License" in (folder / "LICENSE-DroidSansFallback.txt").read_text("utf-8")
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total < 15 * 1024 * 1024


@pytest.mark.parametrize("script", sorted(NAMES))
def test_every_script_has_glyphs(script):
    for line in visual_lines(NAMES[script]):
        assert all(has_glyph(ch) for ch in line), script


def test_runs_pick_the_font_of_each_script():
    runs = font_runs("Ana 李 דוד", bold=True)
    assert runs == [
        ("ConsultSans-Bold", "Ana "),
        ("ConsultCJK", "李 "),  # CJK has one weight
        ("ConsultHebrew-Bold", "דוד"),
    ]


def test_markup_escapes_everything():
    markup = Markup()
    for text in ("<b>", "Smith <Jr>", "&nbsp;", '<img src="/etc/passwd"/>', "</para>"):
        out = markup(text)
        assert "<b>" not in out and "<img" not in out and "</para>" not in out
        assert "&lt;" in out or "&amp;" in out
    assert markup("&nbsp;") == '<font name="ConsultSans">&amp;nbsp;</font>'


def test_text_is_nfc_and_invisible_characters_are_dropped():
    assert visual_lines("Zoe\u0308\u200b x\u0007") == ["Zoë x"]
    assert unicodedata.is_normalized("NFC", visual_lines("Nguye\u0302\u0303n")[0])


def test_newlines_are_kept():
    assert Markup()("one\r\ntwo\rthree\nfour").count("<br/>") == 3


def test_right_to_left_is_shaped_and_in_visual_order():
    arabic = visual_lines("محمد")[0]
    assert arabic == arabic_reshaper.reshape("محمد")[::-1]
    assert unicodedata.normalize("NFKC", arabic) == "محمد"[::-1]
    assert visual_lines("דוד כהן")[0] == "ןהכ דוד"
    # Brackets are mirrored, and a left-to-right word keeps its order.
    assert visual_lines("محمد (Mo)")[0].startswith("(Mo) ")


def test_a_character_no_font_has_is_marked_and_reported():
    markup = Markup()
    out = markup("Ana 🌸🌸 \U0001f600 Pérez")
    assert out.count(MARKER) == 2  # one marker per run of missing characters
    assert markup.missing_codes() == ["U+1F338", "U+1F600"]
    assert markup("Ana") and markup.missing_codes() == ["U+1F338", "U+1F600"]
