"""A built-in demo consultation, to print a sample plan without any records database."""

from __future__ import annotations

from datetime import date, timedelta

from consult.domain.catalog import Catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Patient,
)

DEMO_NAME = "Zoë O'Brien-Łukasiewicz"
DEMO_PLAN_ID = "DEMO-1"


def demo_clinic(catalog: Catalog) -> ClinicSettings:
    """A fictional clinic (the phone number is in the range kept for fiction)."""
    return ClinicSettings(
        name="Northside Skin Clinic",
        address="4 Elm Row, Suite 2\nSpringfield, IL 62701",
        phone="(217) 555-0142",
        interval_weeks=catalog.protocol.interval_weeks,
        closed_weekdays=catalog.protocol.closed_weekdays,
        min_age=catalog.protocol.min_age,
        isotretinoin_window_months=catalog.protocol.isotretinoin_window_months,
    )


def demo_consultation(
    catalog: Catalog, today: date, name: str = DEMO_NAME, lang: str = "en"
) -> Consultation:
    """Acne scars and texture on the face, a mandelic peel between sessions, a hydrating
    facial after the last one and recovery skincare; cold sores in the past (lip area treated).
    The first session is two weeks after ``today``."""
    answers = {q.id: Answer.NO for q in catalog.questions}
    known = set(answers)
    for question_id in ("cold_sore_history", "recent_tanning"):
        if question_id in known:
            answers[question_id] = Answer.YES
    adjuncts = tuple(
        a
        for a in ("peel_mandelic", "facial_hydrating", "skincare_recovery")
        if a in {x.id for x in catalog.adjuncts}
    )
    return Consultation(
        patient=Patient(name, date(1988, 5, 17), 4, lang, "(217) 555-0199"),
        # Where a title is printed, Spanish gives a woman doctor hers: "Dra.".
        provider="Dra. Ana Reyes" if lang == "es" else "Dr Ana Reyes",
        date=today,
        screening=answers,
        areas=(
            AreaChoice(
                "face",
                ("cheeks", "upper_lip", "chin"),
                (ConcernChoice("acne_scars", "moderate"), ConcernChoice("texture")),
            ),
        ),
        adjuncts=adjuncts,
        start_date=today + timedelta(days=14),
        notes="Internal: patient prefers morning appointments.",
        catalog_version=catalog.version,
    )
