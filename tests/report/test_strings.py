"""The printed plan's own words: checked when loaded, present in every language."""

from __future__ import annotations

import pytest

from consult.report.strings import STRING_KEYS, StringsError, builtin_strings, parse
from consult.system.resources import resource_path


def test_builtin_strings_are_complete(catalog):
    strings = builtin_strings()
    assert set(strings.table) == set(STRING_KEYS)
    assert set(catalog.languages) <= set(strings.languages)
    for key in STRING_KEYS:
        assert all(strings.table[key][lang].strip() for lang in strings.languages)


def text_with(replace: str, by: str) -> str:
    text = resource_path("report", "strings.toml").read_text(encoding="utf-8")
    assert replace in text
    return text.replace(replace, by, 1)


def test_a_missing_language_is_reported():
    text = text_with(
        'section_plan = { en = "Your plan", es = "Su plan" }', 'section_plan = { en = "Your plan" }'
    )
    with pytest.raises(StringsError) as caught:
        parse(text)
    assert caught.value.problems == ["strings.toml: strings.section_plan.es: is missing"]


def test_unknown_placeholders_keys_and_missing_keys_are_reported():
    text = text_with('Page {page} of {pages}"', 'Page {page} of {total}"')
    text = text.replace("section_note =", "section_notes =")
    with pytest.raises(StringsError) as caught:
        parse(text)
    assert caught.value.problems == [
        "strings.toml: strings.section_note: is missing",
        "strings.toml: strings.section_notes: is not a string the plan uses (a typo?)",
        "strings.toml: strings.footer_page.en: uses an unknown placeholder {total} "
        "(allowed: {page}, {pages})",
    ]


def test_a_language_the_plan_is_not_printed_in_is_refused():
    with pytest.raises(ValueError, match="cannot be printed in 'fr'"):
        builtin_strings().for_language("fr")
