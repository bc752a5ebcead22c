"""Consent in the domain: the catalog's forms and their hash, the snapshot a patient signs,
signatures, and when a consent counts (refusal, withdrawal, re-consent)."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import tomli_w

from consult.app.catalog import builtin_catalog_dir, load_catalog
from consult.domain.catalog import check
from consult.domain.consent import (
    ConsentRecord,
    ConsentText,
    Decision,
    Point,
    Signature,
    compose,
    consent_status,
    judge,
    needed_documents,
    photo_choices,
    screening_hash,
)
from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ConcernChoice,
    Consultation,
    Patient,
)
from consult.domain.plan import build_plan

CATALOG = load_catalog().catalog
NO = {q.id: Answer.NO for q in CATALOG.questions}
FACE_ACNE = AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),))
NECK_LINES = AreaChoice("neck", (), (ConcernChoice("fine_lines", "mild"),))
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def consultation(areas=(FACE_ACNE,), adjuncts=(), born=date(1990, 5, 17), **extra):
    return Consultation(
        patient=Patient("Zoë O'Brien", born, 3, "en"),
        provider="Dr Reyes",
        date=date(2026, 11, 26),
        screening=extra.pop("screening", dict(NO)),
        areas=tuple(areas),
        adjuncts=tuple(adjuncts),
        start_date=date(2026, 12, 1),
        **extra,
    )


def signed(document="microneedling", version=1, at=NOW, ident=1, **extra) -> ConsentRecord:
    return ConsentRecord(ident, document, version, Decision.SIGNED, at, **extra)


# ------------------------------------------------------------------ the catalog's forms


def test_builtin_forms():
    ids = {c.id: c for c in CATALOG.consents}
    assert set(ids) == {"microneedling", "chemical_peel", "photographs"}
    assert ids["microneedling"].kind == "treatment"
    assert ids["chemical_peel"].adjunct_kinds == {"peel"}
    assert [c.id for c in ids["photographs"].choices] == ["record", "teaching", "marketing"]
    for document in CATALOG.consents:
        assert len(document.hash) == 64
        for section in document.sections:
            assert section.insert or section.sources, (document.id, section.id)


def test_microneedling_form_says_what_the_issue_asks():
    text = " ".join(
        " ".join([s.heading["en"], s.text["en"] if s.text else ""] + [i["en"] for i in s.items])
        for s in CATALOG.consent("microneedling").sections
    ).lower()
    for said in (
        "redness",
        "swelling",
        "bleeding",
        "bruising",
        "tight",
        "flakes",
        "infection",
        "cold sores",
        "acne",
        "milia",
        "darker or lighter",
        "iv to vi",
        "tram-track",
        "granulomas",
        "numbing cream",
        "cannot be promised",
        "another treatment",
        "off-label",
        "withdraw",
    ):
        assert said in text, said


@pytest.fixture
def editable(tmp_path):
    folder = tmp_path / "catalog"
    shutil.copytree(builtin_catalog_dir(), folder)
    return folder


def edit(folder: Path, change) -> None:
    path = folder / "consents.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")


def test_a_changed_text_without_a_new_hash_is_refused(editable):
    def reword(data):
        data["consents"][0]["sections"][0]["text"]["en"] += " Extra words."

    edit(editable, reword)
    catalog, problems = check(editable)
    assert catalog is None
    (problem,) = problems
    assert problem.path == "consents[microneedling].hash"
    assert "does not match the text" in problem.message
    assert "raise `version`" in problem.message
    # The hash the validator gives makes the catalog valid again.
    wanted = problem.message.rsplit('hash = "', 1)[1].rstrip('"')
    edit(editable, lambda d: d["consents"][0].update(hash=wanted, version=2, material=False))
    catalog, problems = check(editable)
    assert problems == []
    assert catalog.consent("microneedling").version == 2


def test_a_photo_form_needs_choices_and_an_adjunct_form_its_kinds(editable):
    def break_them(data):
        data["consents"][2].pop("choices")
        data["consents"][1].pop("adjunct_kinds")

    edit(editable, break_them)
    paths = {p.path for p in check(editable)[1]}
    assert "consents[photographs].choices" in paths
    assert "consents[chemical_peel].adjunct_kinds" in paths


def test_a_risk_without_sources_is_refused(editable):
    edit(editable, lambda d: d["consents"][0]["sections"][2].pop("sources"))
    problems = [str(p) for p in check(editable)[1]]
    assert any("consents[microneedling].sections[risks].sources: is missing" in p for p in problems)


# ------------------------------------------------------------------ the snapshot


def test_snapshot_fills_placeholders_and_lists_the_answers():
    item = consultation(screening=NO | {"keloid": Answer.NOT_SURE})
    plan = build_plan(CATALOG, item)
    text = compose(CATALOG, CATALOG.consent("microneedling"), item, plan, "en")
    kinds = [b.kind for b in text.blocks]
    assert kinds[0] == "title" and kinds[-1] == "agreement"
    joined = text.plain()
    assert "{" not in joined
    assert "about 20 minutes" in joined
    answers = [b for b in text.blocks if b.kind == "answer"]
    assert len(answers) == len(CATALOG.questions)
    keloid = next(b for b in answers if b.ref == "keloid")
    assert keloid.text.endswith("— Not sure")
    # A "not sure" that needs clearance: the patient is told the doctor has not replied yet.
    assert plan.provisional
    assert any(b.kind == "note" and "waiting for your doctor" in b.text for b in text.blocks)
    # On label: no off-label section.
    assert "off-label" not in joined


def test_snapshot_in_spanish_and_off_label_only_when_it_applies():
    young = consultation(areas=(NECK_LINES,), born=date(2006, 1, 1))
    plan = build_plan(CATALOG, young)
    assert plan.off_label
    text = compose(CATALOG, CATALOG.consent("microneedling"), young, plan, "es")
    assert text.language == "es"
    assert "Uso fuera de la autorización del dispositivo" in text.plain()
    assert "— No" in text.plain()


def test_snapshot_shows_a_clearance():
    item = consultation(screening=NO | {"keloid": Answer.NOT_SURE})
    cleared = replace(
        item,
        clearance=Clearance(
            "Dr Sam Okafor", date(2026, 11, 20), "Letter on file.", "Dr Reyes", ("keloid",)
        ),
    )
    plan = build_plan(CATALOG, cleared)
    text = compose(CATALOG, CATALOG.consent("microneedling"), cleared, plan, "en")
    assert "Your doctor, Dr Sam Okafor, confirmed on 2026-11-20" in text.plain()


def test_snapshot_round_trips_and_its_hash_follows_every_word():
    item = consultation()
    plan = build_plan(CATALOG, item)
    text = compose(CATALOG, CATALOG.consent("photographs"), item, plan, "en")
    again = ConsentText.from_json(text.to_json())
    assert again == text and again.hash == text.hash
    assert [b.ref for b in text.choices] == ["record", "teaching", "marketing"]
    changed = replace(text, blocks=(*text.blocks[:-1], replace(text.blocks[-1], text="x")))
    assert changed.hash != text.hash


def test_screening_hash_follows_answers_and_override():
    item = consultation()
    assert screening_hash(item) == screening_hash(replace(item, notes="other notes"))
    assert screening_hash(item) != screening_hash(
        replace(item, screening=NO | {"keloid": Answer.YES})
    )


# ------------------------------------------------------------------ signatures


def stroke(*xy, pressure=1.0):
    return tuple(Point(x, y, pressure, i * 10) for i, (x, y) in enumerate(xy))


def test_empty_and_dot_sized_signatures_are_refused():
    assert "no signature" in Signature(800, 240).problem()
    dot = Signature(800, 240, (stroke((100, 100), (101, 101), (102, 100)),))
    assert "dot" in dot.problem()
    name = Signature(
        800,
        240,
        (stroke((100, 150), (160, 90), (220, 170), (300, 100)), stroke((320, 160), (420, 120))),
    )
    assert name.problem() is None


def test_signature_vector_round_trip():
    sig = Signature(800, 240, (stroke((1.04, 2.06), (300.5, 100.25), pressure=0.4321),))
    again = Signature.from_json(sig.to_json())
    assert again.strokes[0][1] == Point(300.5, 100.2, 0.432, 10)


# ------------------------------------------------------------------ when a consent counts


def test_needed_documents():
    plain = build_plan(CATALOG, consultation())
    assert [d.id for d in needed_documents(CATALOG, plain)] == ["microneedling"]
    with_peel = build_plan(CATALOG, consultation(adjuncts=("peel_mandelic", "facial_custom")))
    assert [d.id for d in needed_documents(CATALOG, with_peel)] == [
        "microneedling",
        "chemical_peel",
    ]
    letter = build_plan(CATALOG, consultation(screening=NO | {"pregnancy": Answer.YES}))
    assert letter.not_treating
    assert needed_documents(CATALOG, letter) == []


def test_status_says_consent_needed_until_signed():
    item = consultation(adjuncts=("peel_mandelic",))
    plan = build_plan(CATALOG, item)
    status = consent_status(CATALOG, plan, [], now=NOW, screening=screening_hash(item))
    assert not status.ok
    assert [m.document for m in status.missing] == ["microneedling", "chemical_peel"]
    assert status.summary().startswith("Consent needed before the first session:")
    records = [
        signed(screening_hash=screening_hash(item)),
        signed("chemical_peel", ident=2),
    ]
    status = consent_status(CATALOG, plan, records, now=NOW, screening=screening_hash(item))
    assert status.ok and [r.id for r in status.valid] == [1, 2]


def test_refusal_and_deferral_never_count():
    document = CATALOG.consent("microneedling")
    refused = ConsentRecord(1, "microneedling", 1, Decision.REFUSED, NOW)
    assert judge(document, [refused], now=NOW) == (None, "the patient refused on 2026-11-26")
    later = datetime(2026, 11, 27, tzinfo=UTC)
    deferred = ConsentRecord(2, "microneedling", 1, Decision.DEFERRED, later)
    found, why = judge(document, [refused, deferred], now=later)
    assert found is None and "think about it" in why
    # Signing after thinking about it counts.
    good = signed(at=datetime(2026, 11, 28, tzinfo=UTC), ident=3)
    assert judge(document, [refused, deferred, good], now=later)[0] == good


def test_withdrawal_ends_a_consent_and_a_new_signature_starts_one():
    document = CATALOG.consent("microneedling")
    first = signed()
    withdrawal = ConsentRecord(
        2, "microneedling", 1, Decision.WITHDRAWN, datetime(2026, 12, 3, tzinfo=UTC), withdraws=1
    )
    assert judge(document, [first, withdrawal], now=NOW) == (None, "withdrawn on 2026-12-03")
    again = signed(at=datetime(2026, 12, 10, tzinfo=UTC), ident=3)
    assert judge(document, [first, withdrawal, again], now=NOW)[0] == again


def test_re_consent_after_a_material_change_only():
    document = CATALOG.consent("microneedling")
    record = signed()
    corrected = replace(document, version=2, material=False)
    assert judge(corrected, [record], now=NOW)[0] == record
    changed = replace(document, version=2, material=True)
    found, why = judge(changed, [record], now=NOW)
    assert found is None and "changed the form materially" in why
    # Version 3 is a correction, but version 2 (in its history) was material.
    later = replace(document, version=3, material=False, history=((1, True), (2, True)))
    assert judge(later, [record], now=NOW)[0] is None
    harmless = replace(document, version=3, material=False, history=((1, True), (2, False)))
    assert judge(harmless, [record], now=NOW)[0] == record
    # A version in between that the history does not list counts as material.
    unknown = replace(document, version=3, material=False)
    assert judge(unknown, [record], now=NOW)[0] is None


def test_re_consent_after_twelve_months_or_the_clinics_setting():
    document = CATALOG.consent("microneedling")
    record = signed(at=datetime(2025, 11, 26, 10, 0, tzinfo=UTC))
    just_before = datetime(2026, 11, 26, 9, 59, tzinfo=UTC)
    assert judge(document, [record], now=just_before)[0] == record
    found, why = judge(document, [record], now=NOW)
    assert found is None and "more than 12 months ago" in why
    assert judge(document, [record], now=just_before, valid_months=6)[0] is None
    assert judge(document, [record], now=NOW, valid_months=24)[0] == record


def test_changed_health_answers_ask_for_a_new_signature():
    item = consultation()
    record = signed(screening_hash=screening_hash(item))
    plan = build_plan(CATALOG, item)
    now_yes = replace(item, screening=NO | {"cold_sores": Answer.YES})
    status = consent_status(CATALOG, plan, [record], now=NOW, screening=screening_hash(now_yes))
    assert not status.ok
    assert "health answers were changed" in status.missing[0].reason


def test_photo_choices():
    record = ConsentRecord(
        5, "photographs", 1, Decision.SIGNED, NOW, choices={"record": True, "marketing": False}
    )
    assert photo_choices(CATALOG, [record], now=NOW, valid_months=12) == {
        "record": True,
        "marketing": False,
    }
    assert photo_choices(CATALOG, [], now=NOW, valid_months=12) is None
