"""The shape of every record the app writes to a file: one declaration, used everywhere.

Drafts (``app.drafts``), the JSON export and its import (``exchange``) are built from these
``msgspec`` structs, so adding a field is one edit here (and its conversion), and reading a
file *is* checking it: a wrong type or a missing field is refused with the path to it
(``$.consultations[3].areas[0].zone``), before anything is written. What the structs cannot
say (an unknown catalog id, a date in the future) the domain's rules check afterwards.

The field names are those of export format 1 and of drafts since the first version, so files
written by earlier versions read as they always did; format 2 added a consultation's
``clearance``, format 3 the consents, format 4 its booked times (``appointment_time``,
``times``, each planned appointment's ``time``) and an amendment's ``amend_reason``, format 5
the treatment course (``visits``, ``course_changes``), format 6 the photos (their pictures in a
folder beside the file) or, for a records-only export, how many were left out.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ConcernChoice,
    Consultation,
    Override,
    Patient,
    Status,
)
from consult.domain.plan import AdjunctVisit, Session

# Bounds that keep a hostile file from costing memory or time; the domain checks the rest.
Text = Annotated[str, Meta(max_length=20_000)]
ShortText = Annotated[str, Meta(max_length=500)]
Id = Annotated[str, Meta(max_length=100)]
Count = Annotated[int, Meta(ge=0, le=1_000)]
RowId = Annotated[int, Meta(ge=1, le=2**62)]
AnswerText = Literal["yes", "no", "not_sure"]
# A moment as the records keep it (ISO 8601 text, kept exactly: an export imported and exported
# again gives the same file); ``check_stamp`` makes sure it reads as a date and time.
Stamp = Annotated[str, Meta(min_length=10, max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}")]
StatusText = Literal["draft", "final"]
# A time of day as the records keep it: "09:30".
ClockTime = Annotated[str, Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class Concern(Struct, forbid_unknown_fields=True):
    concern: Id
    severity: Id | None = None
    kind: Id | None = None


class Area(Struct, forbid_unknown_fields=True):
    area: Id
    zones: list[Id] = []
    concerns: list[Concern] = []


class OverrideShape(Struct, forbid_unknown_fields=True):
    reason: Text
    provider: ShortText


class ScreeningAnswer(Struct, forbid_unknown_fields=True):
    question: Id
    answer: AnswerText


class ClearanceShape(Struct, kw_only=True, forbid_unknown_fields=True):
    """A doctor's clearance: who gave it, when, a note, who recorded it, the questions it
    answers."""

    cleared_by: ShortText
    cleared_on: date
    note: Text
    recorded_by: ShortText
    covers: list[Id] = []


class ConsultationBody(Struct, kw_only=True):
    """What a consultation holds, in a draft and in an export alike."""

    provider: ShortText = ""
    date: date | None = None
    start_date: date | None = None
    session_count: Count | None = None
    notes: Text = ""
    catalog_version: ShortText = ""
    override: OverrideShape | None = None
    # A list of answers (export, drafts from this version) or, in drafts written by earlier
    # versions, an object of question: answer.
    screening: list[ScreeningAnswer] | dict[Id, AnswerText] = []
    areas: list[Area] = []
    adjuncts: list[Id] = []
    clearance: ClearanceShape | None = None  # export format 2 and later
    # Export format 3 and later, drafts from this version: the booked times, why amended.
    appointment_time: ClockTime | None = None
    times: dict[Id, ClockTime] = {}
    amend_reason: Text = ""


# --------------------------------------------------------------------------- drafts


class DraftPatient(Struct, kw_only=True, forbid_unknown_fields=True):
    """The patient as far as the provider has entered them."""

    id: RowId | None = None
    name: ShortText = ""
    date_of_birth: date | None = None
    fitzpatrick: Annotated[int, Meta(ge=0, le=6)] | None = None
    language: Id = "en"
    phone: ShortText = ""
    email: ShortText = ""


class DraftConsultation(ConsultationBody, kw_only=True, forbid_unknown_fields=True):
    patient: DraftPatient = msgspec.field(default_factory=DraftPatient)
    id: RowId | None = None
    revision_of: RowId | None = None
    status: StatusText = "draft"


class DraftFile(Struct, kw_only=True):
    saved_at: datetime
    consultation: DraftConsultation
    # The account that was typing it: it is offered to that account only. Drafts written
    # before accounts existed have none and are offered to whoever signs in.
    owner: ShortText = ""


# --------------------------------------------------------------------------- the export


class ExportedPatient(Struct, kw_only=True, forbid_unknown_fields=True):
    uuid: Id
    name: ShortText
    date_of_birth: date
    fitzpatrick: int
    language: Id
    phone: ShortText
    email: ShortText
    demo: bool
    created_at: Stamp
    updated_at: Stamp


class PlannedSession(Struct, forbid_unknown_fields=True):
    number: Count
    date: date
    time: ClockTime | None = None  # format 3 and later


class PlannedVisit(Struct, forbid_unknown_fields=True):
    adjunct: Id
    date: date
    after_session: Count
    time: ClockTime | None = None  # format 3 and later


class ExportedPlan(Struct, kw_only=True, forbid_unknown_fields=True):
    screening_outcome: Id | None = None
    interval_weeks: Count | None = None
    results_from: date | None = None
    results_to: date | None = None
    sessions: list[PlannedSession] = []
    adjunct_visits: list[PlannedVisit] = []


class ExportedConsultation(ConsultationBody, kw_only=True, forbid_unknown_fields=True):
    uuid: Id
    patient: Id  # the patient's uuid
    status: StatusText
    revision_of: Id | None = None
    plan: ExportedPlan | None = None
    demo: bool = False
    created_at: Stamp
    updated_at: Stamp
    finalized_at: Stamp | None = None


# A SHA-256 in hex; the texts of a consent kept exactly as stored (JSON inside a string), so
# an export imported and exported again gives the same file and every hash still verifies.
Sha256 = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")]
Blob = Annotated[bytes, Meta(max_length=50 * 1024**2)]
DecisionText = Literal["signed", "refused", "deferred", "withdrawn"]


class ExportedConsent(Struct, kw_only=True, forbid_unknown_fields=True):
    """A consent decision (export format 3): what was shown, decided and signed."""

    uuid: Id
    patient: Id  # the patient's uuid
    consultation: Id  # the consultation's uuid
    document: Id
    version: Annotated[int, Meta(ge=1, le=10_000)]
    document_hash: Sha256
    language: Id
    decision: DecisionText
    text: Annotated[str, Meta(max_length=1_000_000)]
    text_hash: Sha256
    screening_hash: Annotated[str, Meta(max_length=64)] = ""
    choices: dict[Id, bool] = {}
    patient_name: ShortText
    patient_strokes: Annotated[str, Meta(max_length=2_000_000)] | None = None
    patient_png: Blob | None = None
    provider: ShortText
    provider_strokes: Annotated[str, Meta(max_length=2_000_000)] | None = None
    provider_png: Blob | None = None
    signed_at: Stamp
    pdf: Blob | None = None
    pdf_sha256: Sha256 | None = None
    withdraws: Id | None = None  # the uuid of the consent it withdraws
    note: Text = ""
    demo: bool = False
    created_at: Stamp


VisitKind = Literal["session", "review"]
VisitStatus = Literal["checked_in", "final"]
VisitOutcomeText = Literal["treated", "not_treated", "reviewed"]
ChangeKindText = Literal["reschedule", "cancel", "missed"]
Json = Annotated[str, Meta(max_length=200_000)]  # JSON kept as stored (answers, zones, review)


class ExportedVisit(Struct, kw_only=True, forbid_unknown_fields=True):
    """A visit of a treatment course (export format 5): its columns as stored, its JSON
    texts (answers, zones, review) kept exactly."""

    uuid: Id
    patient: Id
    consultation: Id
    kind: VisitKind
    session: Count | None = None
    date: date
    status: VisitStatus
    outcome: VisitOutcomeText | None = None
    stop_reason: Text = ""
    answers: Json = "{}"
    checked_in_by: ShortText = ""
    device: Id | None = None
    cartridge: Id | None = None
    lot: ShortText | None = None
    lot_expiry: date | None = None
    zones: Json = "[]"
    endpoint: Id | None = None
    numbing_agent: Id | None = None
    numbing_area_cm2: Annotated[int, Meta(ge=0, le=100_000)] | None = None
    numbing_minutes: Annotated[int, Meta(ge=0, le=10_000)] | None = None
    glide_product: Id | None = None
    adjunct_given: Id = ""
    reaction: Id | None = None
    reaction_note: Text = ""
    aftercare_given: bool | None = None
    review: Json | None = None
    provider: ShortText = ""
    room: ShortText = ""
    notes: Text = ""
    revision_of: Id | None = None
    amend_reason: Text = ""
    demo: bool = False
    created_at: Stamp
    updated_at: Stamp
    signed_at: Stamp | None = None


class ExportedChange(Struct, kw_only=True, forbid_unknown_fields=True):
    """A change to a course's dates (export format 5)."""

    uuid: Id
    patient: Id
    consultation: Id
    kind: ChangeKindText
    appointment: Id
    was: date
    date: date | None = None
    time: ClockTime | None = None
    reason: Text = ""
    recorded_by: ShortText
    demo: bool = False
    created_at: Stamp


class ZoneShape(Struct, forbid_unknown_fields=True):
    area: Id
    zone: Id
    depth_mm: Annotated[float, Meta(ge=0, le=10)]
    passes: Annotated[int, Meta(ge=0, le=100)]
    reason: Text = ""


class ReviewShape(Struct, forbid_unknown_fields=True):
    answers: dict[Id, Id] = {}
    satisfied: Id = ""
    next_step: Id = ""
    notes: Text = ""


class ExportedDeletion(Struct, kw_only=True, forbid_unknown_fields=True):
    """A photo's deletion (export format 6): why, who, when."""

    uuid: Id
    reason: Text
    deleted_by: ShortText
    deleted_at: Stamp


PhotoVisitText = Literal["baseline", "session", "review"]


class ExportedPhoto(Struct, kw_only=True, forbid_unknown_fields=True):
    """A before-and-after photo (export format 6): its tag and hashes, its thumbnail; its
    picture is a file named by ``sha256`` in the export's photo folder (none once deleted)."""

    uuid: Id
    patient: Id  # the patient's uuid
    consent: Id  # the uuid of the photo consent it was taken under
    visit: PhotoVisitText
    session: Annotated[int, Meta(ge=1, le=99)] | None = None
    area: Id
    view: Id
    taken_on: date
    taken_by: ShortText
    source: Annotated[str, Meta(max_length=20)]
    sha256: Sha256
    bytes: Annotated[int, Meta(ge=1, le=2**40)]
    width: Annotated[int, Meta(ge=1, le=1_000_000)]
    height: Annotated[int, Meta(ge=1, le=1_000_000)]
    thumbnail: Blob | None = None  # None once the photo was deleted
    thumbnail_sha256: Sha256
    teaching: bool
    marketing: bool
    demo: bool = False
    created_at: Stamp
    deletion: ExportedDeletion | None = None


class SettingValue(Struct, forbid_unknown_fields=True):
    value: Any = None
    updated_at: Stamp | None = None


class ExportedProvider(Struct, forbid_unknown_fields=True):
    name: ShortText
    active: bool
    created_at: Stamp


class ExportHeader(Struct):
    """The first fields of an export, read before anything else (is it one, which version)."""

    format: str = ""
    format_version: int = 0


class ExportFile(Struct, kw_only=True):
    format: Literal["consult-records"]
    format_version: Annotated[int, Meta(ge=1)]
    schema_version: int | None = None
    app_version: ShortText = ""
    exported_at: Stamp | None = None
    settings: dict[Id, SettingValue] = {}
    providers: list[ExportedProvider] = []
    patients: list[ExportedPatient] = []
    consultations: list[ExportedConsultation] = []
    consents: list[ExportedConsent] = []  # export format 3 and later
    visits: list[ExportedVisit] = []  # export format 5 and later
    course_changes: list[ExportedChange] = []
    photos: list[ExportedPhoto] = []  # export format 6 and later
    # A records-only export (for sharing) says how many photos it left out.
    photos_left_out: Annotated[int, Meta(ge=0)] = 0


# --------------------------------------------------------------------------- conversions


def answers_of(body: ConsultationBody) -> dict[str, Answer]:
    if isinstance(body.screening, dict):
        return {question: Answer(answer) for question, answer in body.screening.items()}
    return {item.question: Answer(item.answer) for item in body.screening}


def areas_of(body: ConsultationBody) -> tuple[AreaChoice, ...]:
    return tuple(
        AreaChoice(
            a.area,
            tuple(a.zones),
            tuple(ConcernChoice(c.concern, c.severity, c.kind) for c in a.concerns),
        )
        for a in body.areas
    )


def clearance_of(body: ConsultationBody) -> Clearance | None:
    c = body.clearance
    if c is None:
        return None
    return Clearance(c.cleared_by, c.cleared_on, c.note, c.recorded_by, tuple(c.covers))


def clearance_shape(clearance: Clearance | None) -> ClearanceShape | None:
    if clearance is None:
        return None
    return ClearanceShape(
        cleared_by=clearance.cleared_by,
        cleared_on=clearance.cleared_on,
        note=clearance.note,
        recorded_by=clearance.recorded_by,
        covers=list(clearance.covers),
    )


def override_of(body: ConsultationBody) -> Override | None:
    """The override, or None; a reason too short for the domain raises ValidationError."""
    if body.override is None:
        return None
    return Override(body.override.reason, body.override.provider)


def body_fields(
    *,
    provider: str,
    date: date | None,
    start_date: date | None,
    session_count: int | None,
    notes: str,
    catalog_version: str,
    override: Override | None,
    screening: dict[str, Answer],
    areas: tuple[AreaChoice, ...],
    adjuncts: tuple[str, ...],
    clearance: Clearance | None = None,
    appointment_time: time | None = None,
    times: dict[str, time] | None = None,
    amend_reason: str = "",
) -> dict:
    """The fields of a ``ConsultationBody``, from a consultation's parts."""
    return {
        "provider": provider,
        "date": date,
        "start_date": start_date,
        "session_count": session_count,
        "notes": notes,
        "catalog_version": catalog_version,
        "override": OverrideShape(override.reason, override.provider) if override else None,
        "screening": [
            ScreeningAnswer(question, Answer(answer).value)
            for question, answer in screening.items()
        ],
        "areas": [
            Area(
                a.area_id,
                list(a.zones),
                [Concern(c.concern_id, c.severity, c.kind) for c in a.concerns],
            )
            for a in areas
        ],
        "adjuncts": list(adjuncts),
        "clearance": clearance_shape(clearance),
        "appointment_time": _hhmm(appointment_time),
        "times": {key: _hhmm(at) for key, at in sorted((times or {}).items())},
        "amend_reason": amend_reason,
    }


def body_of(item: Consultation) -> dict:
    """A domain consultation's fields as ``ConsultationBody`` keeps them."""
    return body_fields(
        provider=item.provider,
        date=item.date,
        start_date=item.start_date,
        session_count=item.session_count,
        notes=item.notes,
        catalog_version=item.catalog_version,
        override=item.override,
        screening=item.screening,
        areas=item.areas,
        adjuncts=item.adjuncts,
        clearance=item.clearance,
        appointment_time=item.appointment_time,
        times=dict(item.times),
        amend_reason=item.amend_reason,
    )


def patient_of(record: ExportedPatient) -> Patient:
    return Patient(
        name=record.name,
        date_of_birth=record.date_of_birth,
        fitzpatrick=record.fitzpatrick,
        language=record.language,
        phone=record.phone,
        email=record.email,
    )


def consultation_of(body: ConsultationBody, patient: Patient, status: str) -> Consultation:
    """The domain consultation a record describes (its ids are filled in by the caller)."""
    if body.date is None:
        raise ValueError("a consultation record needs its date")
    return Consultation(
        patient=patient,
        provider=body.provider,
        date=body.date,
        screening=answers_of(body),
        areas=areas_of(body),
        adjuncts=tuple(body.adjuncts),
        override=override_of(body),
        start_date=body.start_date,
        session_count=body.session_count,
        notes=body.notes,
        status=Status(status),
        catalog_version=body.catalog_version,
        clearance=clearance_of(body),
        appointment_time=time_of_day(body.appointment_time),
        times=times_of(body),
        amend_reason=body.amend_reason,
    )


def times_of(body: ConsultationBody) -> dict[str, time]:
    return {key: time.fromisoformat(at) for key, at in body.times.items()}


def plan_rows(
    plan: ExportedPlan,
) -> tuple[list[tuple[int, str, str | None]], list[tuple[str, str, int, str | None]]]:
    """A plan's sessions and adjunct visits as the records keep them."""
    sessions = [(s.number, s.date.isoformat(), s.time) for s in plan.sessions]
    visits = [(v.adjunct, v.date.isoformat(), v.after_session, v.time) for v in plan.adjunct_visits]
    return sessions, visits


def exported_plan(
    fields: dict, sessions: tuple[Session, ...], visits: tuple[AdjunctVisit, ...]
) -> ExportedPlan:
    return ExportedPlan(
        screening_outcome=fields["screening_outcome"],
        interval_weeks=fields["interval_weeks"],
        results_from=_day(fields["results_from"]),
        results_to=_day(fields["results_to"]),
        sessions=[PlannedSession(s.number, s.date, _hhmm(s.time)) for s in sessions],
        adjunct_visits=[
            PlannedVisit(v.adjunct_id, v.date, v.after_session, _hhmm(v.time)) for v in visits
        ],
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _hhmm(at: time | None) -> str | None:
    return at.strftime("%H:%M") if at is not None else None


def time_of_day(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


def check_stamp(text: str | None) -> bool:
    """True when ``text`` (if given) reads as a date and time."""
    if text is None:
        return True
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def where(error: msgspec.ValidationError) -> tuple[str, str]:
    """Where a file is wrong and how, from msgspec's message ("Expected `int`, got `str` - at
    `$.patients[2].fitzpatrick`"): ("$.patients[2].fitzpatrick", "has the wrong type
    (expected int, got str)"); a missing field is named in the path."""
    text = str(error)
    what, place = text, "$"
    if " - at `" in text:
        what, place = text.rsplit(" - at `", 1)
        place = place.rstrip("`")
    missing = re.fullmatch(r"Object missing required field `(.+)`", what)
    if missing:
        return f"{place}.{missing[1]}", "is missing"
    if what.startswith("Object contains unknown field"):
        field = what.split("`")[1] if "`" in what else "?"
        return f"{place}.{field}", "is not a field of a consult export"
    return place, f"has the wrong type or value ({what.replace('`', '')})"
