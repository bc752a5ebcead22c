"""A patient with a consultation and a photo consent, for the photo tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from consult.domain.consent import ConsentEntry, Decision, Point, Signature, compose
from consult.domain.model import Answer, AreaChoice, ConcernChoice, Consultation, Patient, Status
from consult.domain.plan import build_plan

NAME = "Zoë Quintana-Okafor"
SIGNATURE = Signature(
    800, 240, (tuple(Point(x, 120 + (x % 50) - 25, 0.7, x) for x in range(80, 520, 10)),)
)


def finished(store, catalog, name: str = NAME, areas=("face",)) -> Consultation:
    """A patient and a finished consultation of theirs (their face, acne scars)."""
    patient = store.patients.save(Patient(name, date(1988, 2, 3), 3, "en"))
    item = Consultation(
        patient=patient,
        provider="Dr Reyes",
        date=date(2026, 1, 5),
        screening={q.id: Answer.NO for q in catalog.questions},
        areas=tuple(
            AreaChoice(a, (), (ConcernChoice(catalog.area(a).concerns[0], None),)) for a in areas
        ),
        start_date=date(2026, 1, 12),
        status=Status.FINAL,
        catalog_version=catalog.version,
    )
    return store.consultations.finalize(item, build_plan(catalog, item))


def photo_consent(
    store,
    catalog,
    item: Consultation,
    *,
    record: bool = True,
    teaching: bool = False,
    marketing: bool = False,
    decision: Decision = Decision.SIGNED,
    signed_at: datetime | None = None,
):
    """The patient's consent to photographs, with their three choices (signed now)."""
    plan = build_plan(catalog, item)
    text = compose(catalog, catalog.consent("photographs"), item, plan, "en")
    signed = decision is Decision.SIGNED
    entry = ConsentEntry(
        patient_id=item.patient.id,
        consultation_id=item.id,
        text=text,
        decision=decision,
        signed_at=signed_at or datetime.now(UTC),
        patient_name=item.patient.name,
        provider="Dr Reyes",
        choices=(
            {"record": record, "teaching": teaching, "marketing": marketing} if signed else {}
        ),
        patient_signature=SIGNATURE if signed else None,
        patient_png=b"\x89PNG patient" if signed else None,
        provider_signature=SIGNATURE if signed else None,
        provider_png=b"\x89PNG provider" if signed else None,
        pdf=b"%PDF-1.7 the signed photo consent" if signed else None,
    )
    return store.consents.add(entry)
