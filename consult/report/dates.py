"""Dates and months in the patient's language, from babel's CLDR data.

"martes, 1 de diciembre de 2026", "around March to June 2027".
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_skeleton, format_time


def full_date(day: date, lang: str) -> str:
    """Weekday and date: "Tuesday, December 1, 2026", "martes, 1 de diciembre de 2026"."""
    return format_date(day, "full", locale=lang)


def long_date(day: date, lang: str) -> str:
    """ "December 1, 2026", "1 de diciembre de 2026"."""
    return format_date(day, "long", locale=lang)


def weekday(day: date, lang: str) -> str:
    """ "Tuesday", "martes"."""
    return format_date(day, "EEEE", locale=lang)


def month(day: date, lang: str) -> str:
    """The month's name on its own: "March", "marzo"."""
    return format_date(day, "LLLL", locale=lang)


def month_year(day: date, lang: str) -> str:
    """ "March 2027", "marzo de 2027"."""
    return format_skeleton("yMMMM", day, locale=lang)


def capitalized(text: str) -> str:
    """The first letter upper-cased, for a weekday that starts a table cell ("Martes")."""
    return text[:1].upper() + text[1:]


def time_of_day(moment: datetime, lang: str) -> str:
    """The time as the patient's language writes it: "10:45 AM", "10:45"."""
    return format_time(moment, "short", locale=lang)
