"""Dates, times and language names: the one way the app writes them, on screen and on paper.

Everything comes from babel's CLDR data, in a locale: the patient's language for the printed
plan ("martes, 1 de diciembre de 2026"), the provider's for the screens. Where the computer's
own locale (``LC_TIME``) is of the same language, its region is kept, so a clinic in London
prints "1 December 2026" and one in Chicago "December 1, 2026"; the screens and the plan of an
English-speaking patient then agree.

The styles, the same on every screen and in the plan:

- ``day``: "Tue, Dec 1, 2026" — an appointment or any date in a list or table;
- ``long_date``: "December 1, 2026" — a date of birth, the plan's dates;
- ``full_date``: "Tuesday, December 1, 2026" — the plan's first session;
- ``time_of_day``: "9:30 AM" or "09:30", as the locale writes times;
- ``month_year``: "March 2027".
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError, default_locale
from babel.dates import format_date, format_skeleton, format_time

SCREEN_LANGUAGE = "en"  # the provider's screens are in English


@cache
def locale_for(lang: str) -> str:
    """The locale to write ``lang`` in: the computer's own when it is of that language (its
    region kept: "en_GB"), otherwise the language alone ("es")."""
    found = default_locale("LC_TIME")
    if found and not found.endswith("POSIX"):
        try:
            own = Locale.parse(found)
        except (ValueError, UnknownLocaleError):
            own = None
        if own is not None and own.language == lang:
            return str(own)
    return lang


def screen_locale() -> str:
    """The locale of the provider's screens."""
    return locale_for(SCREEN_LANGUAGE)


@lru_cache(maxsize=4096)
def day(value: date, lang: str = SCREEN_LANGUAGE) -> str:
    """Weekday and date, short: "Tue, Dec 1, 2026", "mar, 1 dic 2026"."""
    return format_skeleton("yMMMEd", value, locale=locale_for(lang))


@lru_cache(maxsize=4096)
def short_date(value: date, lang: str = SCREEN_LANGUAGE) -> str:
    """Date without the weekday, short: "Dec 1, 2026" (a list's column)."""
    return format_skeleton("yMMMd", value, locale=locale_for(lang))


def full_date(value: date, lang: str) -> str:
    """Weekday and date: "Tuesday, December 1, 2026", "martes, 1 de diciembre de 2026"."""
    return format_date(value, "full", locale=locale_for(lang))


def long_date(value: date, lang: str) -> str:
    """ "December 1, 2026", "1 de diciembre de 2026"."""
    return format_date(value, "long", locale=locale_for(lang))


def weekday(value: date, lang: str) -> str:
    """ "Tuesday", "martes"."""
    return format_date(value, "EEEE", locale=locale_for(lang))


def month(value: date, lang: str) -> str:
    """The month's name on its own: "March", "marzo"."""
    return format_date(value, "LLLL", locale=locale_for(lang))


def month_year(value: date, lang: str) -> str:
    """ "March 2027", "marzo de 2027"."""
    return format_skeleton("yMMMM", value, locale=locale_for(lang))


def time_of_day(value: time | datetime, lang: str = SCREEN_LANGUAGE) -> str:
    """ "9:30 AM", "09:30": as the locale writes a time (of a time, or of a moment)."""
    return format_time(value, "short", locale=locale_for(lang))


def uses_24_hours(lang: str = SCREEN_LANGUAGE) -> bool:
    """Whether the locale writes times on a 24-hour clock (for a time field's display)."""
    return "a" not in Locale.parse(locale_for(lang)).time_formats["short"].pattern


def capitalized(text: str) -> str:
    """The first letter upper-cased, for a weekday that starts a table cell ("Martes")."""
    return text[:1].upper() + text[1:]


@cache
def language_name(code: str) -> str:
    """A plan language as the provider reads it, with its own name: "Spanish (español)"."""
    try:
        found = Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return code
    english = found.get_display_name(SCREEN_LANGUAGE) or code
    native = found.get_display_name(code) or ""
    if not native or native.lower() == english.lower():
        return english
    return f"{english} ({native})"


def day_pattern(lang: str = SCREEN_LANGUAGE) -> str:
    """The CLDR pattern ``day`` writes with ("EEE, MMM d, y"), for a date field to match."""
    return Locale.parse(locale_for(lang)).datetime_skeletons["yMMMEd"].pattern
