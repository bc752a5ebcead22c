"""Fonts for the printed plan, and turning any text into safe Paragraph markup.

The bundled fonts (``resources/fonts/``, see its README) are registered once per process. A text
becomes markup in these steps, so that every name prints as typed and nothing in it is taken as
markup:

1. NFC-normalise it, keep its line breaks, drop control and invisible formatting characters;
2. right-to-left lines (Arabic, Hebrew) are shaped (Arabic letters take their joined forms) and
   put in visual order, since reportlab lays text out left to right;
3. split into runs by the first font that has each character (Latin, Greek, Cyrillic and
   Vietnamese in Noto Sans, then Arabic, Hebrew, and CJK), each run escaped and wrapped in
   ``<font name=...>``;
4. a character no font has becomes a marked ``[?]`` and is reported, never an empty box.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from xml.sax.saxutils import escape

import arabic_reshaper

# The pure-Python algorithm: unlike the compiled default it mirrors brackets (rule L4).
from bidi.algorithm import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from consult.report.font_files import FONT_FILES, SHAPED_RANGES
from consult.system.resources import resource_path

MARKER = "[?]"
MARKER_COLOR = "#A0001C"


@dataclass(frozen=True)
class Face:
    """One script's font, in a regular and a bold weight (the same file when it has no bold)."""

    regular: str
    bold: str
    chars: frozenset[int]

    def name(self, bold: bool) -> str:
        return self.bold if bold else self.regular


BASE = FONT_FILES[0][0]
BASE_BOLD = BASE + "-Bold"

_lock = threading.Lock()
_faces: tuple[Face, ...] | None = None


def faces() -> tuple[Face, ...]:
    """The registered fonts in fallback order (registered on first use, once per process)."""
    global _faces
    if _faces is None:
        with _lock:
            if _faces is None:
                _faces = _register()
    return _faces


def _register() -> tuple[Face, ...]:
    registered = []
    for name, regular_file, bold_file in FONT_FILES:
        regular = TTFont(name, str(resource_path("fonts", regular_file)))
        pdfmetrics.registerFont(regular)
        bold_name = name
        if bold_file is not None:
            bold_name = name + "-Bold"
            pdfmetrics.registerFont(TTFont(bold_name, str(resource_path("fonts", bold_file))))
        # So that <b> and bold styles pick the right file for each family.
        addMapping(name, 0, 0, name)
        addMapping(name, 1, 0, bold_name)
        addMapping(name, 0, 1, name)
        addMapping(name, 1, 1, bold_name)
        registered.append(Face(name, bold_name, frozenset(regular.face.charToGlyph)))
    return tuple(registered)


# --------------------------------------------------------------------------- text


_RTL = frozenset({"R", "AL", "RLE", "RLO", "RLI"})
_NEUTRAL = ("Z", "P", "N", "S")  # spaces, punctuation, digits, symbols: stay in the current font


def _invisible(ch: str) -> bool:
    """Characters that print nothing here: controls, format marks and variation selectors."""
    code = ord(ch)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return True
    return unicodedata.category(ch) in ("Cc", "Cf")


def visual_lines(text: str) -> list[str]:
    """``text`` as printable lines: NFC, right-to-left lines shaped and in visual order."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    lines = []
    for line in text.split("\n"):
        if any(unicodedata.bidirectional(ch) in _RTL for ch in line):
            if any(unicodedata.bidirectional(ch) == "AL" for ch in line):
                line = arabic_reshaper.reshape(line)
            line = get_display(line)
        lines.append("".join(ch for ch in line if not _invisible(ch)))
    return lines


def font_runs(line: str, bold: bool = False) -> list[tuple[str | None, str]]:
    """``line`` split into ``(font name, text)`` runs; ``None`` for characters no font has."""
    chain = faces()
    if all(ord(ch) in chain[0].chars for ch in line):
        return [(chain[0].name(bold), line)] if line else []
    runs: list[tuple[str | None, str]] = []
    current: Face | None = chain[0]
    for ch in line:
        code = ord(ch)
        if current is not None and code in current.chars:
            face: Face | None = current
            if not unicodedata.category(ch).startswith(_NEUTRAL):
                face = next((f for f in chain if code in f.chars), None)
        else:
            face = next((f for f in chain if code in f.chars), None)
        name = face.name(bold) if face is not None else None
        if runs and runs[-1][0] == name:  # a run of missing characters gets one marker
            runs[-1] = (name, runs[-1][1] + ch)
        else:
            runs.append((name, ch))
        if face is not None:
            current = face
    return runs


@lru_cache(maxsize=4096)
def _markup(text: str, bold: bool) -> tuple[str, frozenset[str]]:
    """Markup for ``text`` and the characters no font has (cached: plan texts repeat)."""
    lines, missing = [], set()
    for line in visual_lines(text):
        parts = []
        for name, run in font_runs(line, bold):
            if name is None:
                missing.update(run)
                parts.append(
                    f'<font name="{BASE_BOLD if bold else BASE}" '
                    f'color="{MARKER_COLOR}">{escape(MARKER)}</font>'
                )
            else:
                parts.append(f'<font name="{name}">{escape(run)}</font>')
        lines.append("".join(parts))
    return "<br/>".join(lines), frozenset(missing)


@dataclass
class Markup:
    """Turns texts into Paragraph markup and remembers the characters it could not print."""

    missing: set[str] = field(default_factory=set)

    def __call__(self, text: str, *, bold: bool = False) -> str:
        markup, missing = _markup(text, bold)
        self.missing |= missing
        return markup

    def missing_codes(self) -> list[str]:
        """The missing characters as ``U+1F600`` codes, in code order."""
        return [f"U+{ord(ch):04X}" for ch in sorted(self.missing)]


def needs_shaping(text: str) -> bool:
    """Whether ``text`` has letters of a script that must be shaped (Indic, Thai)."""
    return any(low <= ord(ch) <= high for ch in text for low, high in SHAPED_RANGES)


def has_glyph(ch: str) -> bool:
    return any(ord(ch) in face.chars for face in faces())
