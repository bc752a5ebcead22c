"""What the provider has entered so far: plain Python, shared by the wizard's pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from consult.domain.catalog import Catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Override,
    Patient,
    Status,
    ValidationError,
)
from consult.domain.plan import Plan, build_plan, selected_tags
from consult.domain.screening import ScreeningResult, assess


@dataclass
class ConsultationState:
    catalog: Catalog
    settings: ClinicSettings
    today: date
    patient_id: int | None = None
    name: str = ""
    date_of_birth: date | None = None
    fitzpatrick: int | None = None
    language: str = "en"
    phone: str = ""
    email: str = ""
    provider: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    override_reason: str = ""
    # area id -> chosen zone ids (empty: the whole area), in the order chosen
    areas: dict[str, set[str]] = field(default_factory=dict)
    # area id -> concern id -> (severity id, kind id)
    concerns: dict[str, dict[str, tuple[str | None, str | None]]] = field(default_factory=dict)
    adjuncts: list[str] = field(default_factory=list)
    start_date: date | None = None
    session_count: int | None = None
    notes: str = ""
    consultation_id: int | None = None
    revision_of: int | None = None
    # The time the appointments are booked at, and those booked at their own time.
    appointment_time: time | None = None
    times: dict[str, time] = field(default_factory=dict)
    amend_reason: str = ""

    # -- building domain objects

    def patient(self) -> Patient:
        return Patient(
            name=self.name,
            date_of_birth=self.date_of_birth or date.min,
            fitzpatrick=self.fitzpatrick or 0,
            language=self.language,
            phone=self.phone,
            email=self.email,
            id=self.patient_id,
        )

    def patient_problems(self) -> list[str]:
        if self.date_of_birth is None:
            problems = [
                p.message
                for p in self.patient().problems(self.today, 0)
                if p.field != "date_of_birth"
            ]
            return ["Enter the date of birth.", *problems]
        return [
            p.message
            for p in self.patient().problems(
                self.today, self.settings.min_age, self.catalog.languages
            )
        ]

    def area_choices(self) -> tuple[AreaChoice, ...]:
        choices = []
        for area in self.catalog.areas:
            if area.id not in self.areas:
                continue
            zones = self.areas[area.id]
            all_zones = {z.id for z in area.zones}
            zone_ids = (
                ()
                if not zones or zones == all_zones
                else tuple(z.id for z in area.zones if z.id in zones)
            )
            concerns = tuple(
                ConcernChoice(concern_id, severity, kind)
                for concern_id, (severity, kind) in self.concerns.get(area.id, {}).items()
                if concern_id in area.concerns
            )
            choices.append(AreaChoice(area.id, zone_ids, concerns))
        return tuple(choices)

    def override(self) -> Override | None:
        if not self.override_reason.strip():
            return None
        try:
            return Override(self.override_reason.strip(), self.provider)
        except ValidationError:
            return None

    def screening(self) -> ScreeningResult:
        tags = selected_tags(self.catalog, self.area_choices())
        return assess(self.catalog, self.answers, tags, self.override())

    def consultation(self, status: Status = Status.DRAFT) -> Consultation:
        return Consultation(
            patient=self.patient(),
            provider=self.provider,
            date=self.today,
            screening=dict(self.answers),
            areas=self.area_choices(),
            adjuncts=tuple(self.adjuncts),
            override=self.override(),
            start_date=self.start_date,
            session_count=self.session_count,
            notes=self.notes,
            status=status,
            catalog_version=self.catalog.version,
            id=self.consultation_id,
            revision_of=self.revision_of,
            appointment_time=self.appointment_time,
            times=dict(self.times),
            amend_reason=self.amend_reason.strip(),
        )

    def plan(self) -> Plan:
        return build_plan(
            self.catalog, self.consultation(), self.settings.calendar, self.settings.interval_weeks
        )

    # -- restoring

    @classmethod
    def from_consultation(
        cls, catalog: Catalog, settings: ClinicSettings, today: date, item: Consultation
    ) -> ConsultationState:
        patient = item.patient
        state = cls(
            catalog=catalog,
            settings=settings,
            today=today,
            patient_id=patient.id,
            name=patient.name,
            date_of_birth=patient.date_of_birth if patient.date_of_birth != date.min else None,
            fitzpatrick=patient.fitzpatrick or None,
            language=patient.language,
            phone=patient.phone,
            email=patient.email,
            provider=item.provider,
            answers={k: Answer(v) for k, v in item.screening.items()},
            override_reason=item.override.reason if item.override else "",
            adjuncts=list(item.adjuncts),
            start_date=item.start_date,
            session_count=item.session_count,
            notes=item.notes,
            consultation_id=item.id,
            revision_of=item.revision_of,
            appointment_time=item.appointment_time,
            times=dict(item.times),
            amend_reason=item.amend_reason,
        )
        for choice in item.areas:
            state.areas[choice.area_id] = set(choice.zones)
            state.concerns[choice.area_id] = {
                c.concern_id: (c.severity, c.kind) for c in choice.concerns
            }
        return state
