"""The treatment plan: a deterministic function of the consultation and the clinic calendar.

What the screening decided governs what the plan is (``PlanStatus``): sessions booked; sessions
proposed until a doctor's clearance is recorded; or no sessions at all, only a letter. The
catalog's rules hold in every plan: sessions are never closer than its minimum interval, and
their number stays within what the chosen concerns need (``rule_problems`` checks a plan that
comes from elsewhere, e.g. an import).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from consult.domain.adjuncts import eligibility, placeholder_values
from consult.domain.catalog import Adjunct, Catalog, Condition, Instruction
from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ClinicCalendar,
    ConcernChoice,
    Consultation,
    Outcome,
)
from consult.domain.screening import ScreeningResult, assess

LARGE_AREA_TAG = "large_area"  # areas where numbing is limited to a maximum area per visit


class PlanStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # the sessions are booked
    PROVISIONAL = "provisional"  # proposed dates, until a doctor's clearance is recorded
    NOT_TREATING = "not_treating"  # "do not treat": no sessions, a letter for the patient


@dataclass(frozen=True)
class Session:
    number: int
    date: date
    time: time | None = None  # the booked time of day; None when not booked yet

    @property
    def key(self) -> str:
        return session_key(self.number)


@dataclass(frozen=True)
class AdjunctVisit:
    adjunct_id: str
    date: date
    after_session: int
    time: time | None = None

    @property
    def key(self) -> str:
        return visit_key(self.adjunct_id, self.after_session)


def session_key(number: int) -> str:
    """How a session is named in ``Consultation.times``: it keeps its time when the dates move."""
    return f"session-{number}"


def visit_key(adjunct_id: str, after_session: int) -> str:
    return f"{adjunct_id}-after-{after_session}"


def booked(consultation: Consultation, key: str) -> time | None:
    """The time an appointment is booked at: its own, or the consultation's usual time."""
    return consultation.times.get(key, consultation.appointment_time)


@dataclass(frozen=True)
class PlanWarning:
    code: str
    message: str


@dataclass(frozen=True)
class Notice:
    """A rule the plan applied, in the provider's words, with the sources it rests on (ids
    into the catalog's bibliography): shown on the provider's screen, never printed."""

    code: str
    message: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionBounds:
    low: int
    high: int
    recommended: int


@dataclass(frozen=True)
class Plan:
    sessions: tuple[Session, ...]
    adjunct_visits: tuple[AdjunctVisit, ...]
    ongoing_adjuncts: tuple[str, ...]
    adjuncts: tuple[str, ...]
    areas: tuple[AreaChoice, ...]
    bounds: SessionBounds
    interval_weeks: int
    results_from: date | None  # None when no session is planned
    results_to: date | None
    instructions: tuple[Instruction, ...]
    screening: ScreeningResult
    warnings: tuple[PlanWarning, ...]
    catalog_version: str
    status: PlanStatus = PlanStatus.CONFIRMED
    notices: tuple[Notice, ...] = ()
    min_interval_weeks: int = 1
    off_label: bool = False  # some of it goes beyond the device's authorised uses or age
    clearance: Clearance | None = None  # the clearance that confirmed a plan that needed one

    @property
    def first_session(self) -> date:
        return self.sessions[0].date

    @property
    def last_session(self) -> date:
        return self.sessions[-1].date

    @property
    def provisional(self) -> bool:
        return self.status is PlanStatus.PROVISIONAL

    @property
    def not_treating(self) -> bool:
        return self.status is PlanStatus.NOT_TREATING

    @property
    def uncleared(self) -> tuple[str, ...]:
        """The screening questions that still need a doctor's clearance."""
        covered = set(self.clearance.covers) if self.clearance else set()
        return tuple(
            q for q in self.screening.reason_ids(Outcome.NEEDS_CLEARANCE) if q not in covered
        )

    def instructions_for(self, phase: str) -> tuple[Instruction, ...]:
        return tuple(i for i in self.instructions if i.phase == phase)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    years, month = divmod(day.month - 1 + months, 12)
    return date(day.year + years, month + 1, 1)


def selected_tags(catalog: Catalog, areas: Iterable[AreaChoice]) -> frozenset[str]:
    """Tags of the chosen areas and zones; an area with no zone chosen means all of it."""
    tags: set[str] = set()
    for choice in areas:
        area = catalog.area(choice.area_id)
        tags |= area.tags
        zones = [z for z in area.zones if not choice.zones or z.id in choice.zones]
        for zone in zones:
            tags |= zone.tags
    return frozenset(tags)


def session_bounds(catalog: Catalog, concerns: Iterable[ConcernChoice]) -> SessionBounds:
    """How many sessions the chosen concerns need: each needs at least its own minimum."""
    low_all, high_all = catalog.protocol.sessions
    chosen = [(catalog.concern(c.concern_id), c) for c in concerns]
    if not chosen:
        return SessionBounds(low_all, high_all, low_all)
    low = max(concern.sessions[0] for concern, _ in chosen)
    high = max(concern.sessions[1] for concern, _ in chosen)
    recommended = max(concern.sessions_for(choice.severity) for concern, choice in chosen)
    low = min(max(low, low_all), high_all)
    high = max(min(high, high_all), low)
    return SessionBounds(low, high, min(max(recommended, low), high))


def _clean_areas(
    catalog: Catalog, areas: Iterable[AreaChoice], warnings: list[PlanWarning]
) -> tuple[AreaChoice, ...]:
    """The chosen areas the catalog knows, with only the zones and concerns it allows there."""
    known_areas = {a.id for a in catalog.areas}
    known_concerns = {c.id for c in catalog.concerns}
    kept = []
    for choice in areas:
        if choice.area_id not in known_areas:
            warnings.append(
                PlanWarning(
                    "unknown_area",
                    f'The area "{choice.area_id}" is no longer in the catalog and is left out.',
                )
            )
            continue
        area = catalog.area(choice.area_id)
        zone_ids = {z.id for z in area.zones}
        concerns = []
        for concern in choice.concerns:
            if concern.concern_id not in known_concerns or concern.concern_id not in area.concerns:
                warnings.append(
                    PlanWarning(
                        "concern_not_allowed",
                        f'The concern "{concern.concern_id}" is '
                        f"not treated on the {area.name['en'].lower()} and is left out.",
                    )
                )
                continue
            concerns.append(concern)
        zones = tuple(z for z in choice.zones if z in zone_ids)
        kept.append(AreaChoice(choice.area_id, zones, tuple(concerns)))
    return tuple(kept)


def _session_dates(
    consultation: Consultation,
    start: date,
    count: int,
    interval_days: int,
    calendar: ClinicCalendar,
) -> tuple[Session, ...]:
    """Each session at least ``interval_days`` after the one before: a closed day moves a
    session later, never earlier."""
    sessions = []
    day = calendar.next_open_day(start)
    for number in range(1, count + 1):
        sessions.append(Session(number, day, booked(consultation, session_key(number))))
        day = calendar.next_open_day(day + timedelta(days=interval_days))
    return tuple(sessions)


def place_between(
    adjunct: Adjunct, before: date, after: date, calendar: ClinicCalendar, taken: set[date]
) -> date | None:
    """An open day between two sessions, at least the adjunct's distance from both,
    as near the middle as possible and, where there is room, not shared with another adjunct."""
    gap = max(adjunct.min_days_from_needling, 1)
    first, last = before + timedelta(days=gap), after - timedelta(days=gap)
    if first > last:
        return None
    middle = before + (after - before) // 2
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    days.sort(key=lambda d: (abs((d - middle).days), d))
    open_days = [d for d in days if calendar.is_open(d)]
    free = [d for d in open_days if d not in taken]
    return (free or open_days or [None])[0]


def _applies(
    condition: Condition,
    areas: frozenset[str],
    fitzpatrick: int,
    adjunct_kinds: frozenset[str],
    adjuncts: frozenset[str],
    screening: frozenset[str],
    tags: frozenset[str],
) -> bool:
    checks = (
        (condition.areas, areas),
        (condition.fitzpatrick, {fitzpatrick}),
        (condition.adjunct_kinds, adjunct_kinds),
        (condition.adjuncts, adjuncts),
        (condition.screening, screening),
        (condition.tags, tags),
    )
    return all(not wanted or wanted & set(have) for wanted, have in checks)


def off_label(
    catalog: Catalog, consultation: Consultation, areas: Iterable[AreaChoice]
) -> list[Notice]:
    """Where the plan goes beyond what the devices are authorised for: the patient's age, and
    each chosen area and concern outside the labelled uses (none when the catalog has no
    [labelling])."""
    labelling = catalog.labelling
    if labelling is None:
        return []
    found = []
    born = consultation.patient.date_of_birth
    if born != date.min and consultation.patient.age_on(consultation.date) < labelling.min_age:
        age = consultation.patient.age_on(consultation.date)
        found.append(
            Notice(
                "off_label_age",
                f"Off-label: the patient is {age}; the devices are authorised for patients aged "
                f"{labelling.min_age} and over.",
                labelling.sources,
            )
        )
    outside = [
        f"{catalog.area(a.area_id).name['en'].lower()}: "
        f"{catalog.concern(c.concern_id).name['en'].lower()}"
        for a in areas
        for c in a.concerns
        if not labelling.covers(a.area_id, c.concern_id)
    ]
    if outside:
        found.append(
            Notice(
                "off_label_use",
                "Off-label: outside the devices' authorised uses: " + "; ".join(outside) + ".",
                labelling.sources,
            )
        )
    return found


def _screening_notices(
    catalog: Catalog, screening: ScreeningResult, values: Mapping[str, object]
) -> list[Notice]:
    notices = []
    for reason in screening.reasons:
        question = catalog.question(reason.question_id)
        answer = "not sure" if reason.answer is Answer.NOT_SURE else "yes"
        what = reason.outcome.label
        if reason.label:
            what += " (on the device's label: cannot be overridden)"
        notices.append(
            Notice(
                f"screening:{question.id}",
                f"{what}: {question.ask('en', values)} ({answer})",
                question.sources,
            )
        )
    return notices


def build_plan(
    catalog: Catalog,
    consultation: Consultation,
    calendar: ClinicCalendar | None = None,
    interval_weeks: int | None = None,
    placeholders: Mapping[str, object] | None = None,
) -> Plan:
    """The plan for ``consultation``: same input, same plan.

    Sessions start on the first open day from the consultation's start date (or its date),
    then follow every ``interval_weeks`` weeks (never fewer than the catalog's minimum
    interval), each moved to the next open day. The count is the provider's choice when given
    (kept within what the concerns need), otherwise what the chosen concerns recommend.
    Adjuncts are placed by their sequencing rules; what cannot be placed is reported in
    ``warnings``, never silently dropped. "Do not treat" that is not overridden plans no
    session; "needs clearance" plans proposed dates until ``consultation.clearance`` covers
    every answer that needs it. ``placeholders`` fill the screening questions' placeholders
    (the clinic's isotretinoin window and minimum age).
    """
    calendar = calendar or ClinicCalendar(catalog.protocol.closed_weekdays)
    values = placeholder_values(catalog, placeholders)
    protocol = catalog.protocol
    floor = protocol.min_interval_weeks
    interval = interval_weeks or protocol.interval_weeks
    warnings: list[PlanWarning] = []
    notices: list[Notice] = []
    if interval < floor:
        warnings.append(
            PlanWarning(
                "interval_floor",
                f"The clinic's interval of {interval} weeks is shorter than the catalog's "
                f"minimum of {floor} weeks; the plan uses {floor}. Change it in Settings.",
            )
        )
        interval = floor
    areas = _clean_areas(catalog, consultation.areas, warnings)
    concerns = [c for a in areas for c in a.concerns]
    bounds = session_bounds(catalog, concerns)
    if not concerns:
        warnings.append(
            PlanWarning(
                "no_concerns",
                f"No concern is chosen yet: the plan shows the protocol's "
                f"{bounds.recommended} sessions.",
            )
        )
    count = consultation.session_count or bounds.recommended
    if not bounds.low <= count <= bounds.high:
        clamped = min(max(count, bounds.low), bounds.high)
        warnings.append(
            PlanWarning(
                "session_count",
                f"{count} sessions is outside what the chosen concerns "
                f"need ({bounds.low}–{bounds.high}); the plan uses {clamped}.",
            )
        )
        count = clamped

    tags = selected_tags(catalog, areas)
    screening = assess(catalog, consultation.screening, tags, consultation.override)
    flagged = frozenset(screening.reason_ids())
    notices += _screening_notices(catalog, screening, values)
    if screening.unanswered:
        warnings.append(
            PlanWarning(
                "screening_incomplete",
                f"{len(screening.unanswered)} screening question(s) are not answered yet.",
            )
        )
    clearance = consultation.clearance
    covered = set(clearance.covers) if clearance else set()
    uncleared = [q for q in screening.reason_ids(Outcome.NEEDS_CLEARANCE) if q not in covered]
    if screening.not_treating:
        status = PlanStatus.NOT_TREATING
        if screening.label_reasons:
            names = ", ".join(r.question_id for r in screening.label_reasons)
            warnings.append(
                PlanWarning(
                    "label_contraindication",
                    f"A contraindication on the device's label ({names}) rules out treatment "
                    "and cannot be overridden: no sessions are planned, and the patient is "
                    "given a letter saying what happens next.",
                )
            )
        else:
            warnings.append(
                PlanWarning(
                    "do_not_treat",
                    "Screening says do not treat: no sessions are planned, and the patient is "
                    "given a letter saying what happens next. To go ahead, write the reason on "
                    "the screening step.",
                )
            )
    elif uncleared:
        status = PlanStatus.PROVISIONAL
        warnings.append(
            PlanWarning(
                "needs_clearance",
                "Clearance is needed before the first session: the dates are proposed, and the "
                "plan prints as provisional until the doctor's clearance is recorded.",
            )
        )
    else:
        status = PlanStatus.CONFIRMED
    if screening.overridden:
        warnings.append(
            PlanWarning(
                "override",
                "Screening said do not treat; the provider went ahead with a written reason.",
            )
        )
    if clearance is not None and status is not PlanStatus.PROVISIONAL and covered:
        notices.append(
            Notice(
                "clearance",
                f"Clearance recorded: {clearance.cleared_by}, {clearance.cleared_on.isoformat()}"
                f" (recorded by {clearance.recorded_by}): {clearance.note}",
            )
        )

    if status is PlanStatus.NOT_TREATING:
        return Plan(
            sessions=(),
            adjunct_visits=(),
            ongoing_adjuncts=(),
            adjuncts=(),
            areas=areas,
            bounds=bounds,
            interval_weeks=interval,
            results_from=None,
            results_to=None,
            instructions=(),
            screening=screening,
            warnings=tuple(warnings),
            catalog_version=catalog.version,
            status=status,
            notices=tuple(notices),
            min_interval_weeks=floor,
            clearance=clearance,
        )

    sessions = _session_dates(
        consultation, consultation.start_date or consultation.date, count, interval * 7, calendar
    )
    notices.append(
        Notice(
            "interval",
            f"Sessions every {interval} weeks, never closer than the catalog's minimum of "
            f"{floor} weeks.",
            tuple(
                dict.fromkeys(
                    protocol.sources.get("interval_weeks", ())
                    + protocol.sources.get("min_interval_weeks", ())
                )
            ),
        )
    )
    concern_sources = tuple(
        dict.fromkeys(s for c in concerns for s in catalog.concern(c.concern_id).sources)
    ) or protocol.sources.get("sessions", ())
    notices.append(
        Notice(
            "session_count",
            f"{len(sessions)} sessions, within the {bounds.low}–{bounds.high} the chosen "
            "concerns need.",
            concern_sources,
        )
    )
    labelled = off_label(catalog, consultation, areas)
    notices += labelled
    if LARGE_AREA_TAG in tags:
        notices.append(
            Notice(
                "numbing_area",
                f"Numbing on large areas: at most {protocol.numbing_max_area_cm2} cm² at one "
                "visit, never covered with wrap or heated; treat a larger area in parts.",
                protocol.sources.get("numbing_max_area_cm2", ()),
            )
        )
    for choice in areas:
        for pick in choice.concerns:
            kind = catalog.concern(pick.concern_id).kind(pick.kind)
            if kind is not None and kind.caveat is not None:
                notices.append(
                    Notice(
                        f"caveat:{pick.concern_id}:{kind.id}",
                        f"{kind.name['en']}: the plan prints its caveat ({kind.caveat['en']})",
                        kind.sources,
                    )
                )

    area_ids = frozenset(a.area_id for a in areas)
    known_adjuncts = {a.id for a in catalog.adjuncts}
    chosen: list[Adjunct] = []
    for adjunct_id in dict.fromkeys(consultation.adjuncts):
        if adjunct_id not in known_adjuncts:
            warnings.append(
                PlanWarning(
                    "unknown_adjunct",
                    f'The adjunct "{adjunct_id}" is no longer in the catalog and is left out.',
                )
            )
            continue
        adjunct = catalog.adjunct(adjunct_id)
        verdict = eligibility(
            catalog,
            adjunct,
            consultation.patient.fitzpatrick,
            flagged,
            area_ids,
            values=values,
        )
        if not verdict.eligible:
            warnings.append(
                PlanWarning(
                    "adjunct_ineligible",
                    f"{adjunct.name['en']} is left out: {' '.join(verdict.reasons)}",
                )
            )
            continue
        chosen.append(adjunct)

    visits: list[AdjunctVisit] = []
    taken: set[date] = set()
    for adjunct in chosen:
        if adjunct.placement == "between_sessions":
            for before, after in itertools.pairwise(sessions):
                day = place_between(adjunct, before.date, after.date, calendar, taken)
                if day is None:
                    warnings.append(
                        PlanWarning(
                            "adjunct_no_room",
                            f"{adjunct.name['en']} does not fit between sessions {before.number} "
                            f"and {after.number}: it needs {adjunct.min_days_from_needling} days "
                            "clear of needling on both sides.",
                        )
                    )
                    continue
                at = booked(consultation, visit_key(adjunct.id, before.number))
                visits.append(AdjunctVisit(adjunct.id, day, before.number, at))
                taken.add(day)
            if len(sessions) < 2:
                warnings.append(
                    PlanWarning(
                        "adjunct_no_room",
                        f"{adjunct.name['en']} goes between sessions, and the plan has only one.",
                    )
                )
        elif adjunct.placement == "after_last_session":
            last = sessions[-1]
            day = calendar.next_open_day(
                last.date + timedelta(days=max(adjunct.min_days_from_needling, 1))
            )
            at = booked(consultation, visit_key(adjunct.id, last.number))
            visits.append(AdjunctVisit(adjunct.id, day, last.number, at))
            taken.add(day)
    visits.sort(key=lambda v: (v.date, v.adjunct_id))

    low, high = protocol.results_months
    phase_order = {p.id: i for i, p in enumerate(catalog.phases)}
    kinds = frozenset(a.kind for a in chosen)
    adjunct_ids = frozenset(a.id for a in chosen)
    instructions = [
        i
        for i in catalog.instructions
        if _applies(
            i.when, area_ids, consultation.patient.fitzpatrick, kinds, adjunct_ids, flagged, tags
        )
    ]
    instructions.sort(key=lambda i: phase_order[i.phase])  # stable: catalog order within a phase

    return Plan(
        sessions=sessions,
        adjunct_visits=tuple(visits),
        ongoing_adjuncts=tuple(a.id for a in chosen if a.placement == "ongoing"),
        adjuncts=tuple(a.id for a in chosen),
        areas=areas,
        bounds=bounds,
        interval_weeks=interval,
        results_from=add_months(sessions[-1].date, low),
        results_to=add_months(sessions[-1].date, high),
        instructions=tuple(instructions),
        screening=screening,
        warnings=tuple(warnings),
        catalog_version=catalog.version,
        status=status,
        notices=tuple(notices),
        min_interval_weeks=floor,
        off_label=bool(labelled),
        clearance=clearance,
    )


# --------------------------------------------------------------------------- checking a plan


def schedule_problems(
    catalog: Catalog,
    consultation: Consultation,
    session_dates: Sequence[date],
    interval_weeks: int | None = None,
) -> list[str]:
    """Why a dated plan (from an import, an amendment, any path but ``build_plan``) breaks
    the catalog's rules, in plain words: sessions closer than the minimum interval, or more or
    fewer of them than the chosen concerns need. Concerns the catalog no longer knows are left
    out of the count's range (as ``build_plan`` leaves them out)."""
    floor = catalog.protocol.min_interval_weeks
    problems = []
    if interval_weeks is not None and interval_weeks < floor:
        problems.append(
            f"its interval is {interval_weeks} weeks, shorter than the catalog's minimum of "
            f"{floor} weeks"
        )
    days = sorted(session_dates)
    for earlier, later in itertools.pairwise(days):
        if later - earlier < timedelta(weeks=floor):
            problems.append(
                f"two sessions are {(later - earlier).days} days apart ({earlier.isoformat()} "
                f"and {later.isoformat()}); the catalog's minimum is {floor} weeks"
            )
            break
    if days:
        areas = _clean_areas(catalog, consultation.areas, [])
        bounds = session_bounds(catalog, [c for a in areas for c in a.concerns])
        if not bounds.low <= len(days) <= bounds.high:
            problems.append(
                f"it has {len(days)} sessions, outside the {bounds.low}–{bounds.high} the chosen "
                "concerns need"
            )
    return problems


def rule_problems(catalog: Catalog, consultation: Consultation, plan: Plan) -> list[str]:
    """Why ``plan`` cannot be saved for ``consultation`` under the catalog's rules (none when
    it can): what ``schedule_problems`` checks, and that the plan follows the screening,
    worked out again from the consultation's answers (not taken from the plan)."""
    problems = []
    tags = selected_tags(catalog, _clean_areas(catalog, consultation.areas, []))
    screening = assess(catalog, consultation.screening, tags, consultation.override)
    if consultation.override is not None and screening.label_reasons:
        names = ", ".join(r.question_id for r in screening.label_reasons)
        problems.append(
            f"the screening meets a contraindication on the device's label ({names}), which "
            "cannot be overridden: remove the written override; the patient is given a letter"
        )
    if screening.not_treating:
        if plan.sessions:
            problems.append("the screening says do not treat, yet the plan has sessions")
        return problems
    if not plan.sessions:
        problems.append("the plan has no sessions")
        return problems
    problems += schedule_problems(
        catalog, consultation, [s.date for s in plan.sessions], plan.interval_weeks
    )
    return problems
