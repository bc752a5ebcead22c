"""Consultations to and from plain JSON-ready dicts (drafts, exports)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from consult.domain.model import (
    Answer,
    AreaChoice,
    ConcernChoice,
    Consultation,
    Override,
    Patient,
    Status,
)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _parse_time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def times_to_dict(times) -> dict[str, str]:
    """Appointments booked at their own time, as ``{key: "HH:MM"}``."""
    return {key: at.strftime("%H:%M") for key, at in times.items()}


def times_from_dict(data: dict[str, str] | None) -> dict[str, time]:
    return {key: time.fromisoformat(value) for key, value in (data or {}).items()}


def patient_to_dict(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.id,
        "name": patient.name,
        "date_of_birth": _day(patient.date_of_birth) if patient.date_of_birth != date.min else None,
        "fitzpatrick": patient.fitzpatrick,
        "language": patient.language,
        "phone": patient.phone,
        "email": patient.email,
    }


def patient_from_dict(data: dict[str, Any]) -> Patient:
    return Patient(
        name=data.get("name", ""),
        date_of_birth=_parse_day(data.get("date_of_birth")) or date.min,
        fitzpatrick=int(data.get("fitzpatrick") or 0),
        language=data.get("language", "en"),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        id=data.get("id"),
    )


def override_to_dict(override: Override | None) -> dict[str, str] | None:
    return {"reason": override.reason, "provider": override.provider} if override else None


def areas_to_dicts(areas: tuple[AreaChoice, ...]) -> list[dict[str, Any]]:
    """The chosen areas, zones and concerns, in order (drafts and the records' export)."""
    return [
        {
            "area": a.area_id,
            "zones": list(a.zones),
            "concerns": [
                {"concern": c.concern_id, "severity": c.severity, "kind": c.kind}
                for c in a.concerns
            ],
        }
        for a in areas
    ]


def consultation_to_dict(item: Consultation) -> dict[str, Any]:
    return {
        "id": item.id,
        "revision_of": item.revision_of,
        "status": item.status.value,
        "patient": patient_to_dict(item.patient),
        "provider": item.provider,
        "date": _day(item.date),
        "screening": {k: Answer(v).value for k, v in item.screening.items()},
        "override": override_to_dict(item.override),
        "areas": areas_to_dicts(item.areas),
        "adjuncts": list(item.adjuncts),
        "start_date": _day(item.start_date),
        "session_count": item.session_count,
        "notes": item.notes,
        "catalog_version": item.catalog_version,
        "appointment_time": _time(item.appointment_time),
        "times": times_to_dict(item.times),
        "amend_reason": item.amend_reason,
    }


def consultation_from_dict(data: dict[str, Any]) -> Consultation:
    override = data.get("override")
    return Consultation(
        patient=patient_from_dict(data["patient"]),
        provider=data.get("provider", ""),
        date=_parse_day(data["date"]),
        screening={k: Answer(v) for k, v in data.get("screening", {}).items()},
        areas=tuple(
            AreaChoice(
                a["area"],
                tuple(a.get("zones", ())),
                tuple(
                    ConcernChoice(c["concern"], c.get("severity"), c.get("kind"))
                    for c in a.get("concerns", ())
                ),
            )
            for a in data.get("areas", ())
        ),
        adjuncts=tuple(data.get("adjuncts", ())),
        override=Override(override["reason"], override["provider"]) if override else None,
        start_date=_parse_day(data.get("start_date")),
        session_count=data.get("session_count"),
        notes=data.get("notes", ""),
        status=Status(data.get("status", "draft")),
        catalog_version=data.get("catalog_version", ""),
        id=data.get("id"),
        revision_of=data.get("revision_of"),
        appointment_time=_parse_time(data.get("appointment_time")),
        times=times_from_dict(data.get("times")),
        amend_reason=data.get("amend_reason", ""),
    )
