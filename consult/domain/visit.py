"""A session visit: the check-in screening, the treatment record, and the rules each keeps.

**Check-in.** Before each session the screening questions are asked again ("has anything
changed since last time?"), prefilled with the last answers. The same rules as the
consultation apply (``screening.assess``): a contraindication on the device's label, or a
"do not treat" answer the consultation's written override did not cover (a question not
flagged then), stops the visit with its reason; so does an answer that needs a doctor's
clearance the consultation's clearance does not cover, and a plan still waiting for one.
A caution lets the visit go on, shown to the provider.

**The treatment record** (``TreatmentRecord``): the device and cartridge, the cartridge's lot
and expiry (an expired lot is refused), the depth and passes per treated zone (within the
zone's suggested range and the device's labelled maximum; outside them a written reason is
needed), the endpoint, the numbing agent with the area numbed and for how long, the glide
product, any add-on given that day, the reaction straight after, whether the aftercare was
given, the provider and the room. ``record_problems`` says what is wrong, in plain words.

Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from consult.domain.catalog import Catalog
from consult.domain.model import Answer, Consultation, FieldProblem, Outcome, normalize_text
from consult.domain.plan import LARGE_AREA_TAG, Plan, selected_tags
from consult.domain.screening import ScreeningResult, assess, flagged

MIN_REASON = 10  # characters: a reason for a depth outside the range, or for an amendment
MAX_PASSES = 10
MAX_LOT = 40
MAX_NOTE = 2000
MAX_MINUTES = 120
MAX_AREA_CM2 = 5000


class VisitOutcome(enum.StrEnum):
    """What became of a visit."""

    TREATED = "treated"
    NOT_TREATED = "not_treated"  # stopped at check-in
    REVIEWED = "reviewed"  # the results review


@dataclass(frozen=True)
class ZoneDepth:
    """One treated zone (or an area without zones: ``zone_id`` is "")."""

    area_id: str
    zone_id: str
    depth_mm: float
    passes: int
    reason: str = ""  # why the depth is outside the zone's range or the device's maximum


@dataclass(frozen=True)
class TreatmentRecord:
    device_id: str
    cartridge_id: str
    lot: str
    lot_expiry: date | None
    zones: tuple[ZoneDepth, ...]
    endpoint: str
    numbing_agent: str
    numbing_area_cm2: int
    numbing_minutes: int
    glide_product: str
    adjunct_given: str  # an adjunct's id, or "" for none
    reaction: str
    reaction_note: str
    aftercare_given: bool
    provider: str
    room: str
    notes: str = ""


@dataclass(frozen=True)
class CheckIn:
    """What the check-in found: the screening of today's answers, and why the visit stops
    (empty when it goes on); ``changed``: the questions answered otherwise than last time."""

    screening: ScreeningResult
    stops: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    @property
    def may_treat(self) -> bool:
        return self.screening.complete and not self.stops


def check_in(
    catalog: Catalog,
    consultation: Consultation,
    plan: Plan,
    answers: Mapping[str, Answer],
    last: Mapping[str, Answer] | None = None,
    placeholders: Mapping[str, object] | None = None,
) -> CheckIn:
    """Today's answers against the same rules as the consultation's (see the module's
    docstring). ``last``: the answers given at the last visit (or the consultation), to say
    what changed."""
    tags = selected_tags(catalog, plan.areas)
    result = assess(catalog, answers, tags, consultation.override)
    values = dict(placeholders or {})
    before = flagged(consultation.screening)
    covered = set(consultation.clearance.covers) if consultation.clearance else set()
    stops: list[str] = []
    cautions: list[str] = []
    if plan.provisional:
        stops.append(
            "The plan is still waiting for a doctor's clearance: record the clearance before "
            "the first session."
        )
    for reason in result.reasons:
        asked = catalog.question(reason.question_id).ask("en", values)
        answer = "not sure" if reason.answer is Answer.NOT_SURE else "yes"
        said = f"{asked} ({answer})"
        if reason.label:
            stops.append(f"On the device's label, never overridden: {said}")
        elif reason.outcome is Outcome.DO_NOT_TREAT:
            if consultation.override is None or reason.question_id not in before:
                stops.append(f"Do not treat: {said}")
            else:
                cautions.append(f"Do not treat, overridden at the consultation: {said}")
        elif reason.outcome is Outcome.NEEDS_CLEARANCE:
            if reason.question_id not in covered:
                stops.append(f"Needs a doctor's clearance first: {said}")
            else:
                cautions.append(f"Cleared by {consultation.clearance.cleared_by}: {said}")
        else:
            cautions.append(f"Caution: {said}")
    reference = last if last is not None else consultation.screening
    changed = tuple(
        q.id
        for q in catalog.questions
        if q.id in answers
        and q.id in reference
        and Answer(answers[q.id]) != Answer(reference[q.id])
    )
    return CheckIn(result, tuple(stops), tuple(cautions), changed)


def depth_range(catalog: Catalog, area_id: str, zone_id: str) -> tuple[float, float] | None:
    """The suggested depth range of a zone (or of an area without zones)."""
    try:
        area = catalog.area(area_id)
    except KeyError:
        return None
    if zone_id:
        try:
            return area.zone(zone_id).depth_mm
        except KeyError:
            return None
    return area.depth_mm


def treated_zones(catalog: Catalog, plan: Plan) -> list[tuple[str, str]]:
    """The (area, zone) pairs a session treats: each chosen zone, every zone of an area
    chosen whole, or the area itself when it has no zones."""
    found = []
    for choice in plan.areas:
        area = catalog.area(choice.area_id)
        if not area.zones:
            found.append((area.id, ""))
            continue
        zones = choice.zones or tuple(z.id for z in area.zones)
        found += [(area.id, z) for z in zones]
    return found


def outside_range(catalog: Catalog, zone: ZoneDepth, device_max: float | None) -> list[str]:
    """Why a depth needs a reason: outside the zone's range, or past the device's maximum."""
    found = []
    suggested = depth_range(catalog, zone.area_id, zone.zone_id)
    if suggested is not None and not suggested[0] <= zone.depth_mm <= suggested[1]:
        found.append(f"outside the suggested {suggested[0]:g}–{suggested[1]:g} mm")
    if device_max is not None and zone.depth_mm > device_max:
        found.append(f"deeper than the device's labelled maximum of {device_max:g} mm")
    return found


def _clean(text: str, limit: int) -> str | None:
    """A problem with a typed text: too long, or control characters."""
    if len(text) > limit:
        return f"is too long (at most {limit} characters)"
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        return "holds control characters"
    return None


def record_problems(
    catalog: Catalog, record: TreatmentRecord, day: date, zones: list[tuple[str, str]]
) -> list[FieldProblem]:
    """What is wrong with a treatment record charted on ``day``; ``zones``: the (area, zone)
    pairs the plan treats (a record may chart some of them, never others)."""
    found: list[FieldProblem] = []
    device = next((d for d in catalog.devices if d.id == record.device_id), None)
    if device is None:
        found.append(FieldProblem("device", "Choose the device used."))
    elif record.cartridge_id not in {c.id for c in device.cartridges}:
        found.append(FieldProblem("cartridge", f"Choose a cartridge made for the {device.name}."))
    lot = normalize_text(record.lot)
    if not lot:
        found.append(
            FieldProblem("lot", "Enter the cartridge's lot number, as printed on its pouch.")
        )
    elif (problem := _clean(lot, MAX_LOT)) is not None:
        found.append(FieldProblem("lot", f"The lot number {problem}."))
    if record.lot_expiry is None:
        found.append(FieldProblem("lot_expiry", "Enter the cartridge's expiry date."))
    elif record.lot_expiry < day:
        found.append(
            FieldProblem(
                "lot_expiry",
                f"This cartridge lot expired on {record.lot_expiry.isoformat()}: it cannot be "
                "used. Open an unexpired cartridge and enter its lot.",
            )
        )
    if not record.zones:
        found.append(FieldProblem("zones", "Enter the depth for at least one treated zone."))
    allowed = set(zones)
    for zone in record.zones:
        where = _zone_name(catalog, zone)
        if (zone.area_id, zone.zone_id) not in allowed:
            found.append(FieldProblem("zones", f"{where} is not in this patient's plan."))
            continue
        if not 0 < zone.depth_mm <= 3.0:
            found.append(
                FieldProblem("zones", f"{where}: the depth must be above 0 and at most 3 mm.")
            )
        if not 1 <= zone.passes <= MAX_PASSES:
            found.append(FieldProblem("zones", f"{where}: passes must be from 1 to {MAX_PASSES}."))
        outside = outside_range(catalog, zone, device.max_depth_mm if device else None)
        if outside and len(normalize_text(zone.reason)) < MIN_REASON:
            found.append(
                FieldProblem(
                    "zones",
                    f"{where}: {zone.depth_mm:g} mm is {' and '.join(outside)}. Write why "
                    f"(at least {MIN_REASON} characters), or choose a depth within it.",
                )
            )
    for kind, value, what in (
        ("endpoints", record.endpoint, "endpoint"),
        ("numbing_agents", record.numbing_agent, "numbing agent"),
        ("glide_products", record.glide_product, "glide product"),
        ("reactions", record.reaction, "reaction"),
    ):
        if value not in {c.id for c in catalog.choices(kind)}:
            found.append(FieldProblem(kind, f"Choose the {what}."))
    if not 0 <= record.numbing_minutes <= MAX_MINUTES:
        found.append(
            FieldProblem("numbing_minutes", f"Numbing minutes must be from 0 to {MAX_MINUTES}.")
        )
    if not 0 <= record.numbing_area_cm2 <= MAX_AREA_CM2:
        found.append(
            FieldProblem(
                "numbing_area_cm2", f"The numbed area must be from 0 to {MAX_AREA_CM2} cm²."
            )
        )
    large = any(
        LARGE_AREA_TAG in catalog.area(a).tags
        for a, _ in zones
        if a in {x.id for x in catalog.areas}
    )
    limit = catalog.protocol.numbing_max_area_cm2
    if large and record.numbing_agent != "none" and record.numbing_area_cm2 > limit:
        found.append(
            FieldProblem(
                "numbing_area_cm2",
                f"At most {limit} cm² may be numbed at one visit on a large area; treat the rest "
                "at another visit.",
            )
        )
    if record.adjunct_given and record.adjunct_given not in {a.id for a in catalog.adjuncts}:
        found.append(FieldProblem("adjunct_given", "Choose an add-on treatment of the catalog."))
    if record.reaction == "other" and len(normalize_text(record.reaction_note)) < 3:
        found.append(FieldProblem("reaction_note", "Describe the reaction in the note."))
    if not normalize_text(record.provider):
        found.append(FieldProblem("provider", "Choose the provider who treated."))
    for name, text, limit in (
        ("provider", record.provider, 200),
        ("room", record.room, 100),
        ("reaction_note", record.reaction_note, MAX_NOTE),
        ("notes", record.notes, MAX_NOTE),
        *(("zones", z.reason, MAX_NOTE) for z in record.zones),
    ):
        if (problem := _clean(text, limit)) is not None:
            found.append(FieldProblem(name, f"The {name.replace('_', ' ')} {problem}."))
    return found


def _zone_name(catalog: Catalog, zone: ZoneDepth) -> str:
    try:
        area = catalog.area(zone.area_id)
    except KeyError:
        return zone.area_id
    if zone.zone_id:
        try:
            return area.zone(zone.zone_id).name["en"]
        except KeyError:
            return zone.zone_id
    return area.name["en"]


def zone_name(catalog: Catalog, area_id: str, zone_id: str) -> str:
    return _zone_name(catalog, ZoneDepth(area_id, zone_id, 0, 0))


@dataclass(frozen=True)
class Review:
    """The results review: each concern's questions answered on a scale, and what next."""

    answers: Mapping[str, str] = field(default_factory=dict)  # "concern.question": scale
    satisfied: str = ""  # one of SATISFACTION
    next_step: str = ""  # one of NEXT_STEPS
    notes: str = ""


REVIEW_SCALE = ("much_better", "better", "no_change", "worse")
REVIEW_SCALE_WORDS = {
    "much_better": "Much better",
    "better": "Better",
    "no_change": "No change",
    "worse": "Worse",
}
SATISFACTION = ("very", "mostly", "not")
SATISFACTION_WORDS = {
    "very": "Very satisfied",
    "mostly": "Mostly satisfied",
    "not": "Not satisfied",
}
NEXT_STEPS = ("finished", "maintenance", "another_course", "refer")
NEXT_STEP_WORDS = {
    "finished": "Course finished",
    "maintenance": "Maintenance sessions (a new course)",
    "another_course": "Another full course",
    "refer": "Refer to a doctor",
}


def review_keys(catalog: Catalog, plan: Plan) -> list[tuple[str, str]]:
    """(key, question in English) of the review's questions for the plan's concerns."""
    found = []
    seen = set()
    for choice in plan.areas:
        for pick in choice.concerns:
            if pick.concern_id in seen:
                continue
            seen.add(pick.concern_id)
            try:
                concern = catalog.concern(pick.concern_id)
            except KeyError:
                continue
            found += [(f"{concern.id}.{q.id}", q.question["en"]) for q in concern.review_questions]
    return found


def review_problems(catalog: Catalog, plan: Plan, review: Review) -> list[FieldProblem]:
    found = []
    for key, question in review_keys(catalog, plan):
        if review.answers.get(key) not in REVIEW_SCALE:
            found.append(FieldProblem("answers", f"Answer: {question}"))
    if review.satisfied not in SATISFACTION:
        found.append(FieldProblem("satisfied", "Choose how satisfied the patient is."))
    if review.next_step not in NEXT_STEPS:
        found.append(FieldProblem("next_step", "Choose what happens next."))
    if (problem := _clean(review.notes, MAX_NOTE)) is not None:
        found.append(FieldProblem("notes", f"The notes {problem}."))
    return found
