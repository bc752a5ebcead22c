"""Folding names for search: "zoe" finds "Zoë", "lukasz" finds "Łukasz", "obrien" finds "O'Brien".

A patient's name is stored as typed; beside it, ``search_name`` holds its words folded (NFKD,
combining marks dropped, case-folded, letters such as ł ø ß đ æ spelled out). The table
``name_keys`` holds every start of those words (``name_keys``), each with the start of the
patient's ``search_name`` (``sort_name``, the list's order). What was typed is folded the
same way (``name_terms``); each of its words must be the start of some word of the name.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

# Letters that NFKD does not take apart into a base letter and a mark.
_FOLD = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "ß": "ss",
        "ẞ": "ss",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "h",
        "ŧ": "t",
        "Ŧ": "t",
        "ŀ": "l",
        "Ŀ": "l",
        "ĸ": "k",
        "ŋ": "ng",
        "Ŋ": "ng",
        "ſ": "s",
    }
)
_FOLDED = re.compile("[" + re.escape("".join(chr(c) for c in _FOLD)) + "]")
# Kana voicing marks change the sound, not an accent: they stay (NFC puts them back).
_KEEP_MARKS = {"\u3099", "\u309a"}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


class _Table(dict):
    """A ``str.translate`` table filled in as characters are first met: each maps to itself,
    or to ``other`` where ``differs(character)``. C then looks every character up; Python
    decides each one once, instead of once per character of every name folded (``db check``
    folds every patient's name again)."""

    def __init__(self, differs: Callable[[str], bool], other: int | None):
        super().__init__()
        self._differs = differs
        self._other = other

    def __missing__(self, code: int) -> int | None:
        value = self._other if self._differs(chr(code)) else code
        self[code] = value
        return value


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M") and ch not in _KEEP_MARKS


def _is_token_char(ch: str) -> bool:
    # The same characters as FTS5's unicode61 tokenizer: letters, numbers, private use.
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Co"


_DROP_MARKS = _Table(_is_mark, None)
_SEPARATOR = "\x00"
_SEPARATORS = _Table(lambda ch: not _is_token_char(ch), ord(_SEPARATOR))


def fold(text: str) -> str:
    """Case- and accent-free text; other characters are kept."""
    if text.isascii():
        # What the steps below do to ASCII: nothing but lower case (no ASCII letter is in
        # _FOLD, has a decomposition or is a mark, and case-folds differently from lower()).
        return text.lower()
    if _FOLDED.search(text):
        text = text.translate(_FOLD)
    text = unicodedata.normalize("NFKD", text).translate(_DROP_MARKS)
    text = unicodedata.normalize("NFC", text.casefold())
    return text.translate(_FOLD) if _FOLDED.search(text) else text


def _tokens(word: str) -> list[str]:
    """The runs of letters, numbers and private-use characters in ``word``."""
    return [token for token in word.translate(_SEPARATORS).split(_SEPARATOR) if token]


def search_words(name: str) -> list[str]:
    """The words a name is found by, folded.

    Each word separated by spaces gives its parts (``o``, ``brien``) and, when it has more
    than one, the parts joined (``obrien``). A word in Chinese, Japanese or Korean script,
    written without spaces, is also found from each of its characters on ("민준" in "김민준").
    """
    words: list[str] = []
    for chunk in fold(name).split():
        words.extend(_chunk_words(chunk))
    return list(dict.fromkeys(words))


# Names share their words (first names, family names): ``db check`` makes every patient's
# search words and keys again, so each folded word's are kept once made (a bounded memo; both
# are pure functions of the text).
_MEMO = 65_536


@functools.lru_cache(maxsize=_MEMO)
def _chunk_words(chunk: str) -> tuple[str, ...]:
    """The search words of one folded, space-free part of a name (``search_words``)."""
    parts = _tokens(chunk)
    words = list(parts)
    if len(parts) > 1:
        words.append("".join(parts))
    for part in parts:
        if len(part) > 1 and _CJK.search(part):
            words.extend(part[i:] for i in range(1, len(part)))
    return tuple(words)


def search_name(name: str) -> str:
    return " ".join(search_words(name))


KEY_CHARS = 20
"""The longest key kept: a word typed longer than this is looked up by its first KEY_CHARS
characters, then checked against the whole ``search_name``."""

SORT_CHARS = 64
"""How much of ``search_name`` orders the list (``sort_name``); beyond it, the patient's id.
It keeps every key's row short whatever the name's length."""


def sort_name(search_name: str) -> str:
    return search_name[:SORT_CHARS]


def name_keys(search_name: str) -> list[str]:
    """The keys a patient is found by: every start (1 to ``KEY_CHARS`` characters) of each of
    the words of ``search_name`` (as made by ``search_name(name)``), once each.

    The repository writes them for every save of a name, and the migration that made the
    table wrote them for the names already there: both call this.
    """
    keys: list[str] = []
    for word in search_name.split():
        keys += _starts(word)
    return list(dict.fromkeys(keys))


@functools.lru_cache(maxsize=_MEMO)
def _starts(word: str) -> tuple[str, ...]:
    """Every start of ``word``, 1 to ``KEY_CHARS`` characters long."""
    return tuple(word[:end] for end in range(1, min(len(word), KEY_CHARS) + 1))


def name_terms(text: str) -> tuple[str, ...] | None:
    """The folded words typed, or None when there is no letter or digit in ``text``.

    Every word typed must start a word of the name: "zoe obr" finds "Zoë O'Brien". A typed
    word is folded as names are, its parts joined ("o'bri" is "obri", which starts the joined
    word "obrien"). Punctuation is never syntax: it only separates the parts of a word. A
    word that starts a longer word typed is left out (the longer one says more), and the
    longest comes first.
    """
    words = []
    for chunk in fold(text).split():
        joined = "".join(_tokens(chunk))
        if joined:
            words.append(joined)
    kept = [
        word
        for word in dict.fromkeys(words)
        if not any(other != word and other.startswith(word) for other in words)
    ]
    kept.sort(key=len, reverse=True)
    return tuple(kept) or None


def phone_digits(phone: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit())


_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_DMY_DATE = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*$")
_PHONE = re.compile(r"^\s*\+?[\d\s().\-/]+$")
MIN_PHONE_DIGITS = 3


@dataclass(frozen=True)
class Query:
    """What a search box text asks for: a date of birth, phone digits, or name words."""

    date_of_birth: date | None = None
    phone: str | None = None
    names: tuple[str, ...] | None = None


def parse_query(text: str) -> Query:
    text = unicodedata.normalize("NFKC", text)
    for pattern, order in ((_ISO_DATE, (0, 1, 2)), (_DMY_DATE, (2, 1, 0))):
        match = pattern.match(text)
        if match:
            year, month, day = (int(match.group(i + 1)) for i in order)
            try:
                return Query(date_of_birth=date(year, month, day))
            except ValueError:
                return Query()
    if _PHONE.match(text):
        digits = phone_digits(text)
        return Query(phone=digits) if len(digits) >= MIN_PHONE_DIGITS else Query()
    return Query(names=name_terms(text))
