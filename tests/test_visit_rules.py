"""A session visit's rules: the check-in screening and the treatment record."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from consult.app.catalog import load_catalog
from consult.domain.model import Answer, Clearance, Override
from consult.domain.plan import build_plan
from consult.domain.visit import (
    Review,
    TreatmentRecord,
    ZoneDepth,
    check_in,
    record_problems,
    review_keys,
    review_problems,
    treated_zones,
)
from tests.test_course import NO, consultation

CATALOG = load_catalog().catalog
DAY = date(2027, 1, 5)


def record(**changes) -> TreatmentRecord:
    base = TreatmentRecord(
        device_id="skinpen_precision",
        cartridge_id="skinpen_cartridge",
        lot="SP-24117",
        lot_expiry=date(2027, 6, 30),
        zones=(ZoneDepth("face", "cheeks", 1.0, 3), ZoneDepth("face", "forehead", 0.5, 2)),
        endpoint="even_erythema",
        numbing_agent="lidocaine_prilocaine",
        numbing_area_cm2=300,
        numbing_minutes=20,
        glide_product="hydrogel",
        adjunct_given="",
        reaction="expected",
        reaction_note="",
        aftercare_given=True,
        provider="Kofi Mensah, RN",
        room="Room 2",
    )
    return replace(base, **changes)


def zones():
    return treated_zones(CATALOG, build_plan(CATALOG, consultation()))


def messages(found):
    return [p.message for p in found]


def test_a_complete_record_has_no_problems():
    assert record_problems(CATALOG, record(), DAY, zones()) == []


def test_an_expired_lot_is_refused_and_its_expiry_day_is_not():
    found = messages(record_problems(CATALOG, record(lot_expiry=date(2027, 1, 4)), DAY, zones()))
    assert any("expired on 2027-01-04" in m and "cannot be used" in m for m in found)
    assert record_problems(CATALOG, record(lot_expiry=DAY), DAY, zones()) == []
    assert any(
        "lot number" in m for m in messages(record_problems(CATALOG, record(lot=" "), DAY, zones()))
    )


@pytest.mark.parametrize(
    ("depth", "why"),
    [
        (0.25, "outside the suggested 0.5–1.5 mm"),
        (1.75, "deeper than the device's labelled maximum"),
    ],
)
def test_a_depth_outside_the_range_needs_a_reason(depth, why):
    outside = record(zones=(ZoneDepth("face", "cheeks", depth, 3),))
    found = messages(record_problems(CATALOG, outside, DAY, zones()))
    assert any(why in m and "Write why" in m for m in found), found
    explained = record(zones=(ZoneDepth("face", "cheeks", depth, 3, "Deep boxcar scars, tested."),))
    assert record_problems(CATALOG, explained, DAY, zones()) == []


def test_a_zone_outside_the_plan_a_wrong_cartridge_and_unknown_choices_are_refused():
    wrong = record(
        cartridge_id="exceed_safety_6",
        zones=(ZoneDepth("neck", "", 1.0, 2),),
        endpoint="sparkles",
        reaction="other",
    )
    found = messages(record_problems(CATALOG, wrong, DAY, zones()))
    assert any("cartridge made for the SkinPen" in m for m in found)
    assert any("not in this patient's plan" in m for m in found)
    assert any("endpoint" in m for m in found)
    assert any("Describe the reaction" in m for m in found)


def test_check_in_stops_on_a_new_do_not_treat_and_a_label_contraindication():
    item = consultation()
    plan = build_plan(CATALOG, item)
    label = next(q for q in CATALOG.questions if q.label)
    result = check_in(CATALOG, item, plan, {**NO, label.id: Answer.YES})
    assert not result.may_treat
    assert any("On the device's label" in s for s in result.stops)
    assert result.changed == (label.id,)
    assert check_in(CATALOG, item, plan, NO).may_treat


def test_check_in_keeps_an_override_only_for_what_it_was_written_for():
    stop = next(q for q in CATALOG.questions if q.severity.value == "do_not_treat" and not q.label)
    others = [
        q
        for q in CATALOG.questions
        if q.severity.value == "do_not_treat" and not q.label and q != stop
    ]
    item = replace(
        consultation(),
        screening={**NO, stop.id: Answer.YES},
        override=Override("Resolved on examination; treating away from it.", "Dr Reyes"),
    )
    plan = build_plan(CATALOG, item)
    assert check_in(CATALOG, item, plan, item.screening).may_treat
    if others:
        new = check_in(CATALOG, item, plan, {**item.screening, others[0].id: Answer.YES})
        assert any(s.startswith("Do not treat") for s in new.stops)


def test_check_in_needs_a_clearance_that_covers_the_answer():
    question = next(q for q in CATALOG.questions if q.severity.value == "needs_clearance")
    item = consultation()
    plan = build_plan(CATALOG, item)
    answers = {**NO, question.id: Answer.YES}
    assert any("clearance" in s for s in check_in(CATALOG, item, plan, answers).stops)
    cleared = replace(
        item,
        screening=answers,
        clearance=Clearance(
            "Dr Okafor", date(2026, 11, 20), "Letter on file, all clear.", "RN", (question.id,)
        ),
    )
    assert check_in(CATALOG, cleared, build_plan(CATALOG, cleared), answers).may_treat


def test_review_asks_each_concerns_questions():
    plan = build_plan(CATALOG, consultation())
    keys = review_keys(CATALOG, plan)
    assert keys and all(k.startswith("acne_scars.") for k, _ in keys)
    assert len(review_problems(CATALOG, plan, Review())) == len(keys) + 2
    answered = Review({k: "better" for k, _ in keys}, "mostly", "finished")
    assert review_problems(CATALOG, plan, answered) == []
