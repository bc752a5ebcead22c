"""A consultation as the provider is entering it: every field may still be missing.

The wizard's pages read and write a ``ConsultationDraft``; it is saved to disk as the provider
types (see ``drafts``), and becomes a domain ``Consultation`` only when it is whole
(``Clinic.finalize``). Its ``PatientDraft`` holds what is known of the patient so far — no
stand-in dates or skin types — and is checked by the domain's own rules when it is finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from consult.domain.catalog import Catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    FieldProblem,
    Override,
    Patient,
    Status,
    ValidationError,
)
from consult.domain.plan import Plan, build_plan, selected_tags
from consult.domain.screening import ScreeningResult, assess


@dataclass
class PatientDraft:
    """The patient's details as far as they are known; ``None`` where not entered yet."""

    name: str = ""
    date_of_birth: date | None = None
    fitzpatrick: int | None = None
    language: str = "en"
    phone: str = ""
    email: str = ""
    id: int | None = None

    @classmethod
    def of(cls, patient: Patient) -> PatientDraft:
        return cls(
            patient.name,
            patient.date_of_birth,
            patient.fitzpatrick,
            patient.language,
            patient.phone,
            patient.email,
            patient.id,
        )

    def _checked(self, today: date) -> Patient:
        """A ``Patient`` to run the domain's checks on: a missing date of birth or skin type
        is reported by ``problems`` itself, never stood in for."""
        return Patient(
            name=self.name,
            date_of_birth=self.date_of_birth or today,
            fitzpatrick=self.fitzpatrick or 0,
            language=self.language,
            phone=self.phone,
            email=self.email,
            id=self.id,
        )

    def problems(
        self, today: date, min_age: int, languages: tuple[str, ...] = ("en", "es")
    ) -> list[str]:
        """What must be entered or corrected before the patient can be saved."""
        if self.date_of_birth is None:
            found = [
                p.message
                for p in self._checked(today).problems(today, 0, languages)
                if p.field != "date_of_birth"
            ]
            return ["Enter the date of birth.", *found]
        return [p.message for p in self._checked(today).problems(today, min_age, languages)]

    def validated(
        self, today: date, min_age: int, languages: tuple[str, ...] = ("en", "es")
    ) -> Patient:
        """The patient, tidied; ValidationError naming every problem when something is
        missing or wrong."""
        if self.date_of_birth is None:
            raise ValidationError([FieldProblem("date_of_birth", "Enter the date of birth.")])
        return self._checked(today).validated(today, min_age, languages)


@dataclass
class ConsultationDraft:
    catalog: Catalog
    settings: ClinicSettings
    today: date
    patient: PatientDraft = field(default_factory=PatientDraft)
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
    # A doctor's clearance recorded on the consultation being amended: kept, for the answers
    # it covers (a new answer that needs clearance makes the plan provisional again).
    clearance: Clearance | None = None
    # The time the appointments are booked at, and those booked at their own time.
    appointment_time: time | None = None
    times: dict[str, time] = field(default_factory=dict)
    amend_reason: str = ""

    # -- building domain objects

    def patient_problems(self) -> list[str]:
        return self.patient.problems(self.today, self.settings.min_age, self.catalog.languages)

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
        """The consultation entered, once the patient's details are whole (ValidationError
        naming what is missing otherwise)."""
        patient = self.patient.validated(self.today, self.settings.min_age, self.catalog.languages)
        return self.consultation_with(patient, status)

    def consultation_with(self, patient: Patient, status: Status = Status.DRAFT) -> Consultation:
        # The override only where it applies: "do not treat" with no contraindication on the
        # device's label (a reason typed before the answers changed is not kept).
        return Consultation(
            patient=patient,
            provider=self.provider,
            date=self.today,
            screening=dict(self.answers),
            areas=self.area_choices(),
            adjuncts=tuple(self.adjuncts),
            override=self.screening().override,
            start_date=self.start_date,
            session_count=self.session_count,
            notes=self.notes,
            status=status,
            catalog_version=self.catalog.version,
            id=self.consultation_id,
            revision_of=self.revision_of,
            clearance=self.clearance,
            appointment_time=self.appointment_time,
            times=dict(self.times),
            amend_reason=self.amend_reason.strip(),
        )

    def plan(self) -> Plan:
        return build_plan(
            self.catalog,
            self.consultation(),
            self.settings.calendar,
            self.settings.interval_weeks,
            self.settings.placeholders,
        )

    # -- restoring

    @classmethod
    def from_consultation(
        cls, catalog: Catalog, settings: ClinicSettings, today: date, item: Consultation
    ) -> ConsultationDraft:
        """A draft to go on with, or to amend, from a saved consultation."""
        state = cls(
            catalog=catalog,
            settings=settings,
            today=today,
            patient=PatientDraft.of(item.patient),
            provider=item.provider,
            answers={k: Answer(v) for k, v in item.screening.items()},
            override_reason=item.override.reason if item.override else "",
            adjuncts=list(item.adjuncts),
            start_date=item.start_date,
            session_count=item.session_count,
            notes=item.notes,
            consultation_id=item.id,
            revision_of=item.revision_of,
            clearance=item.clearance,
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
