"""Recording a doctor's clearance: who, when, a note; the provisional plan is kept, and a new
revision carries the clearance and the confirmed dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from consult.app.errors import UserFacingError
from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import PlanStatus, build_plan

TODAY = date(2026, 11, 27)
DOCTOR = Clearance("Dr Sam Okafor", date(2026, 11, 26), "Letter on file, INR stable.", "Dr Reyes")


def finalize(clinic, catalog, **answers):
    patient = clinic.store.patients.save(Patient("Zoë O'Brien", date(1988, 2, 3), 3, "en"))
    screening = {q.id: Answer.NO for q in catalog.questions} | {
        k: Answer(v) for k, v in answers.items()
    }
    item = Consultation(
        patient=patient,
        provider="Dr Reyes",
        date=date(2026, 11, 20),
        screening=screening,
        areas=(AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),)),),
        start_date=date(2026, 11, 23),
        status=Status.FINAL,
        catalog_version=catalog.version,
    )
    return clinic.store.consultations.finalize(item, build_plan(catalog, item))


def test_a_clearance_confirms_the_plan_from_a_date_still_ahead(clinic, catalog):
    provisional = finalize(clinic, catalog, anticoagulants="yes", keloid="yes")
    plan = clinic.plan_for(provisional)
    assert plan.status is PlanStatus.PROVISIONAL
    assert plan.uncleared == ("anticoagulants", "keloid")
    # The proposed first session (23 November) has passed: the next open day instead.
    start = clinic.clearance_start(provisional, plan, TODAY)
    assert start == TODAY
    cleared = clinic.record_clearance(provisional, DOCTOR, date(2026, 12, 2), TODAY)
    assert cleared.revision_of == provisional.id and cleared.start_date == date(2026, 12, 2)
    assert cleared.clearance == replace(DOCTOR, covers=("anticoagulants", "keloid"))
    confirmed = clinic.plan_for(cleared)
    assert confirmed.status is PlanStatus.CONFIRMED
    assert clinic.store.records.planned_sessions(cleared.id)[0].date == date(2026, 12, 2)
    # The provisional plan stays as it was.
    assert clinic.store.records.planned_sessions(provisional.id)[0].date == date(2026, 11, 23)
    with pytest.raises(UserFacingError, match="does not need a doctor's clearance"):
        clinic.record_clearance(cleared, DOCTOR, date(2026, 12, 2), TODAY)


@pytest.mark.parametrize(
    ("clearance", "start", "words"),
    [
        (replace(DOCTOR, cleared_by="  "), date(2026, 12, 2), "who gave the clearance"),
        (replace(DOCTOR, cleared_on=date(2026, 12, 9)), date(2026, 12, 2), "in the future"),
        (replace(DOCTOR, note="ok"), date(2026, 12, 2), "Write a note"),
        (DOCTOR, date(2026, 11, 26), "cannot be in the past"),
    ],
)
def test_a_clearance_with_a_problem_is_refused_in_plain_words(
    clinic, catalog, clearance, start, words
):
    provisional = finalize(clinic, catalog, anticoagulants="yes")
    with pytest.raises(UserFacingError, match=words):
        clinic.record_clearance(provisional, clearance, start, TODAY)
    assert clinic.store.records.revisions(provisional.id) == [provisional]


def test_a_confirmed_plan_needs_no_clearance(clinic, catalog):
    confirmed = finalize(clinic, catalog)
    with pytest.raises(UserFacingError, match="does not need"):
        clinic.record_clearance(confirmed, DOCTOR, date(2026, 12, 2), TODAY)
