"""The treatment plan: a deterministic function of the consultation and the clinic calendar."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

from consult.domain.adjuncts import eligibility
from consult.domain.catalog import Adjunct, Catalog, Condition, Instruction
from consult.domain.model import AreaChoice, ClinicCalendar, ConcernChoice, Consultation, Outcome
from consult.domain.screening import ScreeningResult, assess


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
    results_from: date
    results_to: date
    instructions: tuple[Instruction, ...]
    screening: ScreeningResult
    warnings: tuple[PlanWarning, ...]
    catalog_version: str

    @property
    def first_session(self) -> date:
        return self.sessions[0].date

    @property
    def last_session(self) -> date:
        return self.sessions[-1].date

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
    sessions = []
    day = calendar.next_open_day(start)
    for number in range(1, count + 1):
        sessions.append(Session(number, day, booked(consultation, session_key(number))))
        day = calendar.next_open_day(day + timedelta(days=interval_days))
    return tuple(sessions)


def _place_between(
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


def build_plan(
    catalog: Catalog,
    consultation: Consultation,
    calendar: ClinicCalendar | None = None,
    interval_weeks: int | None = None,
) -> Plan:
    """The plan for ``consultation``: same input, same plan.

    Sessions start on the first open day from the consultation's start date (or its date),
    then follow every ``interval_weeks`` weeks, each moved to the next open day. The count is
    the provider's choice when given (kept within what the concerns need), otherwise what the
    chosen concerns recommend. Adjuncts are placed by their sequencing rules; what cannot be
    placed is reported in ``warnings``, never silently dropped.
    """
    calendar = calendar or ClinicCalendar(catalog.protocol.closed_weekdays)
    interval = interval_weeks or catalog.protocol.interval_weeks
    warnings: list[PlanWarning] = []
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
    sessions = _session_dates(
        consultation, consultation.start_date or consultation.date, count, interval * 7, calendar
    )

    tags = selected_tags(catalog, areas)
    screening = assess(catalog, consultation.screening, tags, consultation.override)
    flagged = frozenset(screening.reason_ids())
    if screening.unanswered:
        warnings.append(
            PlanWarning(
                "screening_incomplete",
                f"{len(screening.unanswered)} screening question(s) are not answered yet.",
            )
        )
    if screening.outcome is Outcome.DO_NOT_TREAT:
        if screening.overridden:
            warnings.append(
                PlanWarning(
                    "override",
                    "Screening said do not treat; the provider went ahead with a written reason.",
                )
            )
        else:
            warnings.append(
                PlanWarning(
                    "do_not_treat",
                    "Screening says do not treat: the plan "
                    "cannot be finished without a written override.",
                )
            )
    elif screening.outcome is Outcome.NEEDS_CLEARANCE:
        warnings.append(
            PlanWarning("needs_clearance", "Clearance is needed before the first session.")
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
        verdict = eligibility(catalog, adjunct, consultation.patient.fitzpatrick, flagged, area_ids)
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
                day = _place_between(adjunct, before.date, after.date, calendar, taken)
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

    low, high = catalog.protocol.results_months
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
    )
