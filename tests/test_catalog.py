"""The built-in catalog is complete, and broken catalogs are reported in plain words."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w

from consult.app.catalog import PARSED_CACHE, builtin_catalog_dir, load_catalog
from consult.domain.catalog import CatalogError, check, load, parse_toml
from consult.domain.model import Outcome
from consult.system.folders import cache_dir, clinic_catalog_file

REQUIRED_QUESTIONS = {
    "active_infection",
    "cold_sore_active",
    "cold_sore_history",
    "inflammatory_acne",
    "skin_flare",
    "suspicious_lesion",
    "keloid",
    "bleeding_disorder",
    "anticoagulants",
    "pregnancy",
    "allergy",
    "immune",
    "isotretinoin_current",
    "isotretinoin_recent",
    "recent_procedure",
    "sunburn",
    "recent_tanning",
    "skin_cancer",
    "actinic_keratosis",
    "warts_molluscum",
    "collagen_vascular",
    "koebner",
    "granuloma_history",
    "implants_tattoo",
    "photosensitising",
    "salicylate_allergy",
    "g6pd",
}
# The contraindications the device's instructions for use list: never overridden.
LABEL_CONTRAINDICATIONS = {
    "pregnancy",
    "isotretinoin_current",
    "bleeding_disorder",
    "skin_cancer",
    "active_infection",
    "allergy",
}


def test_builtin_catalog_is_valid():
    catalog, problems = check(builtin_catalog_dir())
    assert [str(p) for p in problems] == []
    assert catalog.version
    assert catalog.languages == ("en", "es")


def test_catalog_holds_what_the_clinic_needs(catalog):
    assert {a.id for a in catalog.areas} == {
        "face",
        "neck",
        "chest",
        "hands",
        "abdomen",
        "hips",
        "thighs",
        "buttocks",
        "upper_arms",
        "breasts",
        "back",
    }
    face = catalog.area("face")
    assert [z.id for z in face.zones] == [
        "forehead",
        "periorbital",
        "nose",
        "cheeks",
        "upper_lip",
        "chin",
        "jawline",
    ]
    assert all(0 < z.depth_mm[0] <= z.depth_mm[1] for z in face.zones)
    assert "instructions for use" in catalog.protocol.depth_note["en"]
    assert {c.id for c in catalog.concerns} == {
        "acne_scars",
        "scars",
        "texture",
        "pigmentation",
        "fine_lines",
        "stretch_marks",
    }
    assert {k.id for k in catalog.concern("pigmentation").kinds} >= {
        "sun_spots",
        "melasma",
        "post_inflammatory",
    }
    assert {a.kind for a in catalog.adjuncts} == {"peel", "facial", "skincare"}
    assert {q.id for q in catalog.questions} >= REQUIRED_QUESTIONS
    severities = {q.severity for q in catalog.questions}
    assert severities == {Outcome.DO_NOT_TREAT, Outcome.NEEDS_CLEARANCE, Outcome.CAUTION}
    assert {q.id for q in catalog.questions if q.label} == LABEL_CONTRAINDICATIONS
    assert all(q.sources for q in catalog.questions)
    assert [s.type for s in catalog.skin_types] == [1, 2, 3, 4, 5, 6]
    assert [p.id for p in catalog.phases] == [
        "before",
        "day_of",
        "days_1_3",
        "first_week",
        "ongoing",
        "call_clinic",
    ]
    for phase in catalog.phases:
        assert any(i.phase == phase.id for i in catalog.instructions), phase.id


def test_protocol_matches_the_clinic_facts(catalog):
    protocol = catalog.protocol
    assert protocol.interval_weeks == 4
    assert protocol.numbing_minutes == 20
    assert protocol.recovery_days == (1, 3)
    assert protocol.results_months == (3, 6)
    assert protocol.sessions == (3, 6)
    assert protocol.isotretinoin_window_months == 6
    assert protocol.min_interval_weeks == 4  # the clinic's page: 4 weeks apart
    assert protocol.sources["min_interval_weeks"] == ("clinic_page",)
    assert set(protocol.sources["isotretinoin_window_months"]) == {"waldman_2017", "spring_2017"}


def test_every_clinical_entry_names_sources_from_the_bibliography(catalog):
    known = {s.id for s in catalog.sources}
    entries = [
        *(("question", q.id, q.sources) for q in catalog.questions),
        *(("instruction", i.id, i.sources) for i in catalog.instructions),
        *(("adjunct", a.id, a.sources) for a in catalog.adjuncts),
        *(("concern", c.id, c.sources) for c in catalog.concerns),
        *(("area", a.id, a.sources) for a in catalog.areas),
        *(("zone", z.id, z.sources) for a in catalog.areas for z in a.zones),
        *(("skin type", str(t.type), t.sources) for t in catalog.skin_types),
        *(("protocol", rule, ids) for rule, ids in catalog.protocol.sources.items()),
        *(("text", key, t.sources) for key, t in catalog.texts.items() if key in CLINICAL_TEXTS),
        *(
            ("caveat", k.id, k.sources)
            for c in catalog.concerns
            for k in c.kinds
            if k.caveat is not None
        ),
    ]
    assert len(entries) > 100
    for kind, ident, ids in entries:
        assert ids, (kind, ident)
        assert set(ids) <= known, (kind, ident)
    # Each source can be found: authors and year, or an agency and its page.
    for source in catalog.sources:
        assert source.short.strip() and len(source.citation) > 40, source.id
    spring = catalog.source("spring_2017")
    assert "JAMA Dermatol. 2017;153(8):802-809" in spring.citation
    assert "Dermatol Surg. 2017;43(10):1249-1262" in catalog.source("waldman_2017").citation


CLINICAL_TEXTS = {"about", "during", "recovery", "results", "at_home_warning", "off_label"}


def test_depths_for_every_area_stay_within_the_label(catalog):
    for area in catalog.areas:
        ranges = [z.depth_mm for z in area.zones] or [area.depth_mm]
        assert all(r is not None and 0 < r[0] <= r[1] <= 1.5 for r in ranges), area.id
    eyes = catalog.area("face").zone("periorbital")
    assert eyes.note["en"] == "Outside the orbital rim only, never the eyelids."
    for area_id in ("neck", "chest", "hands", "abdomen", "thighs", "back", "buttocks"):
        assert catalog.area(area_id).depth_mm is not None, area_id


def test_session_ranges_follow_the_concerns(catalog):
    assert catalog.concern("stretch_marks").typical_sessions == 5
    assert catalog.concern("acne_scars").sessions == (4, 6)
    assert catalog.concern("texture").typical_sessions == 3


def test_every_text_exists_in_both_languages_and_formats(catalog):
    values = {
        **catalog.protocol.placeholders,
        "first_month": "March 2027",
        "last_month": "June 2027",
        "count": 4,
        "isotretinoin_window_months": 6,
        "min_age": 18,
        "cleared_on": "December 2, 2026",
    }
    texts = [*catalog.texts.values(), catalog.protocol.depth_note]
    texts += [q.override_explanation for q in catalog.questions if q.override_explanation]
    texts += [k.caveat for c in catalog.concerns for k in c.kinds if k.caveat]
    texts += [z.note for a in catalog.areas for z in a.zones if z.note]
    texts += [a.name for a in catalog.areas] + [z.name for a in catalog.areas for z in a.zones]
    texts += [c.name for c in catalog.concerns] + [c.description for c in catalog.concerns]
    texts += [q.question for q in catalog.questions] + [q.explanation for q in catalog.questions]
    texts += [a.name for a in catalog.adjuncts] + [a.description for a in catalog.adjuncts]
    texts += [s.sun_protection for s in catalog.skin_types] + [i.text for i in catalog.instructions]
    for text in texts:
        for lang in ("en", "es"):
            rendered = text.format(lang, values)
            assert rendered.strip() and "{" not in rendered, rendered


def test_reference_page_is_not_copied(catalog):
    """Catalog texts are written by us: no run of eight words from the clinic's page."""
    page = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
    if not page:
        pytest.skip("the clinic's reference page is not beside this checkout")
    words = re.findall(r"[a-z0-9']+", page.lower())
    shingles = {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}
    catalog_words = []
    for path in builtin_catalog_dir().glob("*.toml"):
        catalog_words += re.findall(r"[a-z0-9']+", path.read_text(encoding="utf-8").lower())
    copied = [
        " ".join(catalog_words[i : i + 8])
        for i in range(len(catalog_words) - 7)
        if " ".join(catalog_words[i : i + 8]) in shingles
    ]
    assert copied == []


REFERENCE = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / ("clinic-microneedling-page.txt")
)


# ---------------------------------------------------------------- broken catalogs


@pytest.fixture
def editable(tmp_path):
    """A copy of the built-in catalog that a test may break."""
    folder = tmp_path / "catalog"
    shutil.copytree(builtin_catalog_dir(), folder)
    return folder


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")


def problems_of(folder: Path, clinic: Path | None = None) -> list[str]:
    catalog, problems = check(folder, clinic)
    assert (catalog is None) == bool(problems)
    return [str(p) for p in problems]


def test_missing_translation_is_reported(editable):
    edit(editable, "areas.toml", lambda d: d["areas"][1]["name"].pop("es"))
    assert problems_of(editable) == ["areas.toml: areas[neck].name: has no Spanish (es) text"]


def test_unknown_id_is_reported(editable):
    edit(editable, "areas.toml", lambda d: d["areas"][0]["concerns"].append("freckles"))
    assert problems_of(editable) == [
        'areas.toml: areas[face].concerns: refers to a concern "freckles", which the catalog '
        "does not define"
    ]


def test_negative_interval_is_reported(editable):
    edit(editable, "catalog.toml", lambda d: d["protocol"].update(interval_weeks=-4))
    assert problems_of(editable) == [
        "catalog.toml: protocol.interval_weeks: must be at least 1 (it is -4)"
    ]


def test_duplicate_id_is_reported(editable):
    def duplicate(data):
        data["concerns"].append(dict(data["concerns"][0]))

    edit(editable, "concerns.toml", duplicate)
    assert problems_of(editable) == [
        'concerns.toml: concerns[acne_scars]: the id "acne_scars" is used twice in concerns '
        "(also at concerns[acne_scars])"
    ]


def test_typo_in_a_key_is_reported(editable):
    def typo(data):
        data["questions"][0]["severty"] = data["questions"][0].pop("severity")

    edit(editable, "screening.toml", typo)
    found = problems_of(editable)
    assert any(".severty: is not a setting the catalog knows" in p for p in found), found
    assert any(".severity: should be do_not_treat" in p for p in found), found


def test_unknown_placeholder_is_reported(editable):
    edit(
        editable,
        "catalog.toml",
        lambda d: d["texts"]["during"].update(en="Numbing for {numbing_minuets} minutes."),
    )
    assert problems_of(editable) == [
        "catalog.toml: texts.during.en: uses an unknown placeholder {numbing_minuets} (allowed: "
        "{interval_weeks}, {numbing_max_area_cm2}, {numbing_minutes}, {recovery_max}, "
        "{recovery_min}, {results_max}, {results_min})"
    ]


def test_a_clinical_entry_without_sources_is_refused(editable):
    def strip(data):
        del data["questions"][0]["sources"]

    edit(editable, "screening.toml", strip)
    edit(editable, "instructions.toml", lambda d: d["instructions"][0].pop("sources"))
    edit(editable, "catalog.toml", lambda d: d["texts"]["about"].pop("sources"))
    edit(editable, "catalog.toml", lambda d: d["protocol"]["sources"].pop("min_interval_weeks"))
    found = problems_of(editable)
    for where in (
        "screening.toml: questions[pregnancy].sources: is missing",
        "instructions.toml: instructions[before_numbing].sources: is missing",
        "catalog.toml: texts.about.sources: is missing",
        "catalog.toml: protocol.sources.min_interval_weeks: is missing",
    ):
        assert any(p.startswith(where) for p in found), (where, found)


def test_a_source_the_bibliography_lacks_is_refused(editable):
    edit(editable, "adjuncts.toml", lambda d: d["adjuncts"][0].update(sources=["smith_1999"]))
    assert problems_of(editable) == [
        'adjuncts.toml: adjuncts[peel_lactic].sources: refers to a source "smith_1999", which '
        "[[sources]] does not list"
    ]


def test_the_old_free_text_source_is_explained(editable):
    def legacy(data):
        data["questions"][0]["source"] = "Alster TS, Graham PM. Dermatol Surg 2018."
        del data["questions"][0]["sources"]

    edit(editable, "screening.toml", legacy)
    [problem] = problems_of(editable)
    assert problem.startswith("screening.toml: questions[pregnancy].source: is now `sources`")


def test_a_label_contraindication_must_be_do_not_treat_and_is_never_overridden(editable):
    def loosen(data):
        data["questions"][0]["severity"] = "needs_clearance"

    edit(editable, "screening.toml", loosen)
    assert problems_of(editable) == [
        "screening.toml: questions[pregnancy].label: marks a contraindication on the device's "
        "label, so the severity must be do_not_treat"
    ]


def test_an_overridable_do_not_treat_needs_the_text_printed_when_overridden(editable):
    def strip(data):
        sunburn = next(q for q in data["questions"] if q["id"] == "sunburn")
        del sunburn["override_explanation"]

    edit(editable, "screening.toml", strip)
    [problem] = problems_of(editable)
    assert problem.startswith("screening.toml: questions[sunburn].override_explanation: is missing")


def test_an_interval_below_the_minimum_is_refused(editable):
    edit(editable, "catalog.toml", lambda d: d["protocol"].update(interval_weeks=2))
    assert problems_of(editable) == [
        "catalog.toml: protocol.interval_weeks: (2 weeks) is shorter than the minimum interval, "
        "min_interval_weeks (4 weeks): needling sessions are never planned closer than that"
    ]


def test_conflicting_instructions_are_found(editable):
    """The pair the review found: workouts after 48–72 hours for everyone, against 2 weeks in
    the advice for skin types IV–VI. Limited to types I–III, it is not a conflict."""

    def everyone(data):
        item = next(i for i in data["instructions"] if i["id"] == "d13_no_exercise_heat")
        del item["when"]

    edit(editable, "instructions.toml", everyone)
    found = problems_of(editable)
    assert (
        "instructions.toml: instructions[d13_no_exercise_heat].avoid.exercise: says to avoid "
        "exercise for 3 days, and instructions[d13_no_heat_two_weeks] for 14 days; one patient "
        "can be given both: give them the same number of days, or limit one of them with `when`"
    ) in found
    assert any("skin_types[4]" in p and ".avoid.exercise" in p for p in found), found


def test_avoiding_what_another_instruction_says_to_use_is_found(editable):
    """ "Nothing on the skin for 24 hours" against "that evening, apply moisturiser"."""

    def nothing(data):
        item = next(i for i in data["instructions"] if i["id"] == "day_gentle_products_only")
        item["avoid"] = {"moisturiser": 1, "makeup": 1}
        item.pop("use")

    edit(editable, "instructions.toml", nothing)
    assert problems_of(editable) == [
        "instructions.toml: instructions[day_evening_rinse].use.moisturiser: says to use "
        "moisturiser from day 0, while instructions[day_gentle_products_only] says to avoid it "
        "for 1 days; one patient can be given both: make them agree"
    ]


def test_toml_syntax_error_names_the_line(editable):
    path = editable / "skin_types.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[[skin_types]\n", encoding="utf-8")
    [problem] = problems_of(editable)
    assert re.fullmatch(r"skin_types\.toml: line \d+, column \d+: is not valid TOML: .+", problem)


def test_depth_range_backwards_is_reported(editable):
    edit(editable, "areas.toml", lambda d: d["areas"][0]["zones"][3].update(depth_mm=[1.5, 0.5]))
    assert problems_of(editable) == [
        "areas.toml: areas[face].zones[cheeks].depth_mm: the smallest depth (1.5) is larger than "
        "the largest (0.5)"
    ]


def test_builtin_catalog_broken_raises_with_every_problem(editable):
    edit(editable, "catalog.toml", lambda d: d["protocol"].update(numbing_minutes="twenty"))
    with pytest.raises(CatalogError) as caught:
        load(editable)
    assert str(caught.value) == (
        "catalog.toml: protocol.numbing_minutes: should be a whole number, not 'twenty'"
    )


# ---------------------------------------------------------------- the clinic's own catalog


def test_clinic_catalog_overrides_and_extends(tmp_path):
    clinic = tmp_path / "catalog.toml"
    clinic.write_text(
        'catalog_version = "2026.12.1-westcounty"\n'
        "[protocol]\ninterval_weeks = 6\n"
        '[[areas]]\nid = "face"\n'
        '[[areas.zones]]\nid = "cheeks"\ndepth_mm = [0.5, 1.0]\n'
        '[[adjuncts]]\nid = "peel_jessner"\ndisabled = true\n'
        '[[adjunct_kinds]]\nid = "peel"\nname = { en = "Peels" }\n',
        encoding="utf-8",
    )
    result = load(builtin_catalog_dir(), clinic)
    assert result.used_clinic_catalog
    catalog = result.catalog
    assert catalog.version == "2026.12.1-westcounty"
    assert catalog.protocol.interval_weeks == 6
    assert catalog.protocol.numbing_minutes == 20
    assert catalog.area("face").zone("cheeks").depth_mm == (0.5, 1.0)
    assert catalog.area("face").zone("cheeks").name["es"]  # untouched keys stay
    assert "peel_jessner" not in {a.id for a in catalog.adjuncts}
    assert catalog.adjunct_kind("peel").name["en"] == "Peels"
    assert catalog.adjunct_kind("peel").name["es"]


def test_broken_clinic_catalog_falls_back_to_builtin(tmp_path):
    clinic = tmp_path / "catalog.toml"
    clinic.write_text('[[areas]]\nid = "scalp"\ngroup = "main"\n', encoding="utf-8")
    result = load(builtin_catalog_dir(), clinic)
    assert not result.used_clinic_catalog
    assert "scalp" not in {a.id for a in result.catalog.areas}
    assert "catalog.toml: areas[scalp].name: is missing" in [str(p) for p in result.clinic_problems]


def test_clinic_catalog_not_utf8(tmp_path):
    clinic = tmp_path / "catalog.toml"
    clinic.write_bytes(b'catalog_version = "caf\xe9"\n')
    result = load(builtin_catalog_dir(), clinic)
    assert [str(p) for p in result.clinic_problems] == [
        "catalog.toml: (file): is not UTF-8 text; save it as UTF-8"
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nested far too deeply"),
        ("x = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n", "nested far too deeply"),
    ],
)
def test_a_hostile_clinic_catalog_is_refused_by_name(tmp_path, content, words):
    clinic = tmp_path / "catalog.toml"
    clinic.write_text(content, encoding="utf-8")
    result = load(builtin_catalog_dir(), clinic)
    assert not result.used_clinic_catalog
    assert [str(p) for p in result.clinic_problems] == [
        f"catalog.toml: (file): is {words} to be a catalog"
    ]
    assert result.catalog.areas  # the built-in one, as documented


@pytest.mark.posix
def test_a_clinic_catalog_that_is_a_pipe_is_refused(tmp_path):
    import os

    clinic = tmp_path / "catalog.toml"
    os.mkfifo(clinic)
    result = load(builtin_catalog_dir(), clinic)
    assert [str(p) for p in result.clinic_problems] == ["catalog.toml: (file): is not a plain file"]


# --------------------------------------------------------------------------- the parsed cache


@pytest.fixture
def parses(monkeypatch):
    """How many files TOML's parser read, through the app's catalog loading."""
    import consult.app.catalog as context

    calls = []

    def counted(text):
        calls.append(text)
        return parse_toml(text)

    monkeypatch.setattr(context, "parse_toml", counted)
    return calls


def test_a_second_start_finds_the_files_parsed(parses):
    first = load_catalog()
    files = len(parses)
    assert files == len(list(builtin_catalog_dir().glob("*.toml")))
    kept = cache_dir() / PARSED_CACHE
    assert kept.stat().st_mode & 0o777 == 0o600
    again = load_catalog()
    assert len(parses) == files  # nothing parsed again
    assert again == first
    assert load_catalog(cached=False) == first


def test_a_changed_clinic_file_is_read_again(parses):
    clinic = clinic_catalog_file()
    clinic.parent.mkdir(parents=True, exist_ok=True)
    clinic.write_text("[protocol]\ninterval_weeks = 5\n", encoding="utf-8")
    assert load_catalog().catalog.protocol.interval_weeks == 5
    clinic.write_text("[protocol]\ninterval_weeks = 6\n", encoding="utf-8")
    assert load_catalog().catalog.protocol.interval_weeks == 6
    clinic.write_text("[protocol]\ninterval_weeks = 6\n[[areas]\n", encoding="utf-8")
    result = load_catalog()  # a syntax error is still found, with its line
    assert result.catalog.protocol.interval_weeks == 4
    assert [p.path for p in result.clinic_problems] == ["line 3, column 8"]


@pytest.mark.parametrize(
    "kept",
    [b"", b"\x00garbage", b'{"format": 1, "documents": []}', b'{"format": 1, "documents":'],
)
def test_a_damaged_cache_is_ignored_and_written_again(parses, kept):
    expected = load_catalog(cached=False)
    path = cache_dir() / PARSED_CACHE
    path.write_bytes(kept)
    assert load_catalog() == expected
    assert json.loads(path.read_bytes())["format"] == 1
    parses.clear()
    assert load_catalog() == expected
    assert parses == []


def test_the_cache_keeps_only_the_files_last_read(parses):
    clinic = clinic_catalog_file()
    clinic.parent.mkdir(parents=True, exist_ok=True)
    clinic.write_text("[protocol]\ninterval_weeks = 5\n", encoding="utf-8")
    load_catalog()
    clinic.write_text("[protocol]\ninterval_weeks = 6\n", encoding="utf-8")
    load_catalog()
    kept = json.loads((cache_dir() / PARSED_CACHE).read_bytes())["documents"]
    assert len(kept) == len(list(builtin_catalog_dir().glob("*.toml"))) + 1
    assert {"protocol": {"interval_weeks": 6}} in [json.loads(v) for v in kept.values()]
