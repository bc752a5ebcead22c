"""The printed plan's own words (headings, labels, footer), from ``resources/report/strings.toml``.

The clinical texts come from the catalog; this table holds the rest, so no patient-facing word is
written in Python. The file is checked when it is loaded: every key below must be there in every
language the file lists, with only the placeholders allowed for it, and no other key.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from consult.system.resources import resource_path

# Every key the plan uses, and the placeholders it may use.
STRING_KEYS: dict[str, frozenset[str]] = {
    "document_title": frozenset(),
    "document_title_provisional": frozenset(),
    "document_subject": frozenset(),
    "letter_title": frozenset(),
    "letter_subject": frozenset(),
    "letter_thanks": frozenset({"date"}),
    "section_letter_reasons": frozenset(),
    "section_photos": frozenset(),
    "photos_intro": frozenset({"date"}),
    "section_next": frozenset(),
    "letter_next": frozenset(),
    "provisional_banner": frozenset(),
    "label_name": frozenset(),
    "label_date_of_birth": frozenset(),
    "label_consultation": frozenset(),
    "label_provider": frozenset(),
    "clinic_phone": frozenset({"phone"}),
    "section_plan": frozenset(),
    "first_session": frozenset({"date"}),
    "first_session_proposed": frozenset({"date"}),
    "clearance_done_heading": frozenset(),
    "off_label_heading": frozenset(),
    "treating_heading": frozenset(),
    "adjuncts_heading": frozenset(),
    "adjunct_at_home": frozenset(),
    "clearance_heading": frozenset(),
    "section_calendar": frozenset(),
    "section_calendar_proposed": frozenset(),
    "column_visit": frozenset(),
    "column_day": frozenset(),
    "column_date": frozenset(),
    "session_row": frozenset({"number", "count"}),
    "calendar_note": frozenset(),
    "calendar_note_proposed": frozenset(),
    "section_health": frozenset(),
    "cleared_note": frozenset(),
    "section_care": frozenset(),
    "call_us": frozenset({"phone"}),
    "section_sun": frozenset(),
    "section_results": frozenset(),
    "results_window_one_year": frozenset({"first", "last", "year"}),
    "results_window_two_years": frozenset({"first", "last"}),
    "section_devices": frozenset(),
    "section_note": frozenset(),
    "missing_characters": frozenset({"marker", "characters"}),
    "footer_page": frozenset({"page", "pages"}),
    "footer_plan": frozenset({"plan_id"}),
    "footer_catalog": frozenset({"version"}),
    "footer_printed": frozenset({"date"}),
    # The signed consent (consent_pdf.py).
    "consent_subject": frozenset(),
    "label_signed_at": frozenset(),
    "signed_at": frozenset({"date", "time"}),
    "label_patient_signature": frozenset(),
    "label_provider_signature": frozenset(),
    "consent_sealed": frozenset(),
    "footer_consent": frozenset({"record", "document", "version"}),
    "footer_text_hash": frozenset({"hash"}),
    # The treatment-area drawings, the booked times, a revised plan.
    "figure_face": frozenset(),
    "figure_front": frozenset(),
    "figure_back": frozenset(),
    "column_time": frozenset(),
    "revised_plan": frozenset({"plan_id", "date"}),
}


class StringsError(Exception):
    """The strings file cannot be used; ``problems`` lists why, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Strings:
    languages: tuple[str, ...]
    table: Mapping[str, Mapping[str, str]]

    def get(self, key: str, lang: str, **values: object) -> str:
        return self.table[key][lang].format_map(values)

    def for_language(self, lang: str) -> LanguageStrings:
        if lang not in self.languages:
            names = ", ".join(self.languages)
            raise ValueError(f"The plan cannot be printed in {lang!r}: it is printed in {names}.")
        return LanguageStrings(self, lang)


@dataclass(frozen=True)
class LanguageStrings:
    strings: Strings
    lang: str

    def __call__(self, key: str, **values: object) -> str:
        return self.strings.get(key, self.lang, **values)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def parse(text: str, file: str = "strings.toml") -> Strings:
    """The strings in ``text``, or StringsError listing every problem as ``FILE: key: problem``."""
    problems: list[str] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StringsError([f"{file}: (file): is not valid TOML: {exc}"]) from None
    languages = data.get("languages")
    if not (
        isinstance(languages, list) and languages and all(isinstance(x, str) for x in languages)
    ):
        raise StringsError([f'{file}: languages: should be a list of codes, like ["en", "es"]'])
    table = data.get("strings")
    if not isinstance(table, dict):
        raise StringsError([f"{file}: strings: is missing (a [strings] table)"])
    for key in sorted(set(STRING_KEYS) - set(table)):
        problems.append(f"{file}: strings.{key}: is missing")
    for key in sorted(set(table) - set(STRING_KEYS)):
        problems.append(f"{file}: strings.{key}: is not a string the plan uses (a typo?)")
    checked: dict[str, dict[str, str]] = {}
    for key, allowed in STRING_KEYS.items():
        entry = table.get(key)
        if entry is None:
            continue
        if not isinstance(entry, dict):
            problems.append(f"{file}: strings.{key}: should be a table of texts, one per language")
            continue
        for lang in languages:
            value = entry.get(lang)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{file}: strings.{key}.{lang}: is missing")
                continue
            try:
                unknown = _placeholders(value) - allowed
            except ValueError as exc:
                problems.append(f"{file}: strings.{key}.{lang}: has a stray brace ({exc})")
                continue
            for name in sorted(unknown):
                choices = ", ".join(f"{{{p}}}" for p in sorted(allowed)) or "none"
                problems.append(
                    f"{file}: strings.{key}.{lang}: uses an unknown placeholder {{{name}}} "
                    f"(allowed: {choices})"
                )
        for lang in sorted(set(entry) - set(languages)):
            problems.append(f"{file}: strings.{key}.{lang}: is not one of the listed languages")
        checked[key] = {lang: entry[lang] for lang in languages if isinstance(entry.get(lang), str)}
    if problems:
        raise StringsError(problems)
    return Strings(tuple(languages), checked)


def load(path: Path) -> Strings:
    return parse(path.read_text(encoding="utf-8"), path.name)


@cache
def builtin_strings() -> Strings:
    """The bundled strings, read and checked once per process."""
    return load(resource_path("report", "strings.toml"))
