"""The treatment course: the agreed plan as it actually goes, re-dated as dates move.

A consultation's plan dates the sessions once. The course is that plan together with what
happened since: sessions charted (or stopped at check-in), and changes recorded — a session
or the results review rescheduled, a session cancelled, a session the patient missed (with
the day it is rebooked for). ``course`` works out every appointment's date now from those
facts, deterministically, with the plan engine's rules:

- a session charted keeps the day it was done; a cancelled one drops out of the course;
- a session given a date (rescheduled, rebooked after a miss) keeps it as long as it is at
  least the catalog's minimum interval after the session before; otherwise it moves;
- every other session keeps its agreed date unless the session before it moved so that the
  usual interval no longer fits: it then follows that session by the interval, on the
  clinic's next open day (never earlier than a session that was stopped at check-in allows);
- add-on visits between two sessions keep their day while it stays inside the gap they need
  from both (on an open day); otherwise they are placed again as the plan places them, and
  one that no longer fits is cancelled with a warning; one after the last session follows it;
- the results review is ``review_months`` after the last session (catalog), on an open day,
  unless it was rescheduled.

A date kept as agreed is never moved by the calendar (a holiday added later does not shift a
booked appointment without anyone deciding it); only dates the course works out anew are put
on open days. Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import calendar as month_lengths
import enum
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from consult.domain.catalog import Adjunct, Catalog
from consult.domain.model import ClinicCalendar
from consult.domain.plan import AdjunctVisit, Session, place_between, session_key, visit_key

REVIEW = "review"  # the results review's key


class ChangeKind(enum.StrEnum):
    RESCHEDULE = "reschedule"  # a new date (a session or the review)
    CANCEL = "cancel"  # a session that will not take place
    MISSED = "missed"  # the patient did not come; rebooked for a new date


class State(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class Kind(enum.StrEnum):
    SESSION = "session"
    ADJUNCT = "adjunct"
    REVIEW = "review"


@dataclass(frozen=True)
class Change:
    """A recorded change to an appointment (``key``: ``session-N`` or ``review``)."""

    kind: ChangeKind
    key: str
    was: date  # the date it had
    day: date | None = None  # the new date (reschedule, missed)
    at: time | None = None  # the booked time on the new date
    reason: str = ""


@dataclass(frozen=True)
class Charted:
    """A visit charted: a session (``session`` its number) or the review."""

    kind: Kind
    day: date
    session: int | None = None
    treated: bool = True  # False: stopped at check-in, not treated


@dataclass(frozen=True)
class Appointment:
    key: str
    kind: Kind
    day: date
    state: State
    time: time | None = None
    number: int | None = None  # a session's number in the agreed plan (its key)
    ordinal: int | None = None  # its place among the sessions not cancelled (1…)
    adjunct_id: str | None = None
    after_session: int | None = None
    moved: bool = False  # its date is no longer the agreed one

    @property
    def planned(self) -> bool:
        return self.state is State.PLANNED


@dataclass(frozen=True)
class Happening:
    """Something on the timeline that is not an appointment: a session missed, or stopped
    at check-in."""

    key: str
    day: date
    what: str  # "missed" | "not treated"
    reason: str = ""


@dataclass(frozen=True)
class Course:
    appointments: tuple[Appointment, ...]  # by date
    happenings: tuple[Happening, ...] = ()
    warnings: tuple[str, ...] = ()
    events: int = 0  # charted visits and recorded changes: the calendar file's SEQUENCE

    @property
    def sessions(self) -> tuple[Appointment, ...]:
        """The sessions not cancelled, in order."""
        return tuple(
            a
            for a in self.appointments
            if a.kind is Kind.SESSION and a.state is not State.CANCELLED
        )

    @property
    def total(self) -> int:
        return len(self.sessions)

    @property
    def done(self) -> int:
        return sum(1 for a in self.sessions if a.state is State.DONE)

    def next_session(self) -> Appointment | None:
        """The first session not done yet (the one a visit charts)."""
        return next((a for a in self.sessions if a.state is State.PLANNED), None)

    @property
    def review(self) -> Appointment | None:
        return next((a for a in self.appointments if a.kind is Kind.REVIEW), None)

    def get(self, key: str) -> Appointment | None:
        return next((a for a in self.appointments if a.key == key), None)

    def previous_session(self, key: str) -> Appointment | None:
        """The session before ``key`` among those not cancelled."""
        sessions = self.sessions
        for earlier, later in itertools.pairwise(sessions):
            if later.key == key:
                return earlier
        return None

    def label(self, appointment: Appointment) -> str:
        """ "Session 2 of 4", "Results review", or the add-on's id (the caller names it)."""
        if appointment.kind is Kind.SESSION:
            if appointment.state is State.CANCELLED:
                return f"Session {appointment.number} (cancelled)"
            return f"Session {appointment.ordinal} of {self.total}"
        if appointment.kind is Kind.REVIEW:
            return "Results review"
        return appointment.adjunct_id or ""

    @property
    def finished(self) -> bool:
        """Every session done or cancelled and the review recorded (or no session left)."""
        review = self.review
        sessions_over = all(a.state is not State.PLANNED for a in self.sessions)
        return sessions_over and (review is None or review.state is State.DONE)


def appointment_name(catalog: Catalog, state: Course, appointment: Appointment) -> str:
    """ "Session 2 of 4", "Results review", or the add-on treatment's name (in English)."""
    if appointment.kind is Kind.ADJUNCT:
        known = {a.id: a for a in catalog.adjuncts}
        adjunct = known.get(appointment.adjunct_id or "")
        return adjunct.name["en"] if adjunct else appointment.adjunct_id or ""
    return state.label(appointment)


def add_calendar_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    years, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month + 1
    return date(year, month, min(day.day, month_lengths.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Rules:
    """What the course keeps to: the plan's interval, the catalog's floor and review."""

    interval_weeks: int
    min_interval_weeks: int
    review_months: int
    calendar: ClinicCalendar = field(default_factory=ClinicCalendar)


def course(
    sessions: Sequence[Session],
    visits: Sequence[AdjunctVisit],
    rules: Rules,
    adjuncts: Mapping[str, Adjunct],
    charted: Iterable[Charted] = (),
    changes: Iterable[Change] = (),
) -> Course:
    """Where the course stands: the agreed ``sessions`` and add-on ``visits`` of the plan,
    with what was ``charted`` and the ``changes`` recorded (in the order recorded).
    ``adjuncts``: the catalog's add-on treatments by id (their placement and gap)."""
    charted = list(charted)
    changes = list(changes)
    calendar = rules.calendar
    interval = timedelta(weeks=rules.interval_weeks)
    floor = timedelta(weeks=rules.min_interval_weeks)
    warnings: list[str] = []
    happenings: list[Happening] = []

    cancelled: set[int] = set()
    explicit: dict[int, tuple[date, time | None]] = {}
    review_date: tuple[date, time | None] | None = None
    for change in changes:
        if change.key == REVIEW:
            if change.kind is ChangeKind.RESCHEDULE and change.day is not None:
                review_date = (change.day, change.at)
            continue
        number = _number(change.key)
        if number is None:
            continue
        if change.kind is ChangeKind.CANCEL:
            cancelled.add(number)
        elif change.day is not None:
            explicit[number] = (change.day, change.at)
        if change.kind is ChangeKind.MISSED:
            happenings.append(Happening(change.key, change.was, "missed", change.reason))
    done: dict[int, date] = {}
    not_before: dict[int, date] = {}
    review_done: date | None = None
    for visit in charted:
        if visit.kind is Kind.REVIEW:
            review_done = visit.day
        elif visit.session is not None and visit.treated:
            done[visit.session] = visit.day
        elif visit.session is not None:
            happenings.append(Happening(session_key(visit.session), visit.day, "not treated"))
            not_before[visit.session] = max(
                not_before.get(visit.session, visit.day), visit.day + timedelta(days=1)
            )

    appointments: list[Appointment] = []
    previous: date | None = None
    ordinal = 0
    for session in sorted(sessions, key=lambda s: s.number):
        key = session.key
        if session.number in cancelled and session.number not in done:
            appointments.append(
                Appointment(
                    key, Kind.SESSION, session.date, State.CANCELLED, session.time, session.number
                )
            )
            continue
        ordinal += 1
        if session.number in done:
            day, at, state = done[session.number], session.time, State.DONE
        else:
            state = State.PLANNED
            anchor, at = explicit.get(session.number, (session.date, session.time))
            gap = floor if session.number in explicit else interval
            day = anchor
            if previous is not None and anchor < previous + gap:
                day = previous + interval
            if session.number in not_before and day < not_before[session.number]:
                day = not_before[session.number]
            if day != anchor:
                day = calendar.next_open_day(day)
        appointments.append(
            Appointment(
                key,
                Kind.SESSION,
                day,
                state,
                at,
                session.number,
                ordinal,
                moved=day != session.date,
            )
        )
        previous = day

    kept = [a for a in appointments if a.kind is Kind.SESSION and a.state is not State.CANCELLED]
    appointments += _adjunct_visits(visits, kept, adjuncts, calendar, warnings)

    if kept:
        last = kept[-1].day
        if review_done is not None:
            review = Appointment(REVIEW, Kind.REVIEW, review_done, State.DONE)
        else:
            agreed = calendar.next_open_day(add_calendar_months(last, rules.review_months))
            day, at = review_date if review_date is not None else (agreed, None)
            if day <= last:  # the review comes after the course, whatever was booked
                day, at = agreed, None
            review = Appointment(
                REVIEW, Kind.REVIEW, day, State.PLANNED, at, moved=review_date is not None
            )
        appointments.append(review)
    elif sessions:
        warnings.append("Every session of the course is cancelled: no results review is planned.")

    order = {Kind.SESSION: 0, Kind.ADJUNCT: 1, Kind.REVIEW: 2}
    appointments.sort(key=lambda a: (a.day, order[a.kind], a.key))
    happenings.sort(key=lambda h: (h.day, h.key))
    return Course(
        tuple(appointments), tuple(happenings), tuple(warnings), len(charted) + len(changes)
    )


def _number(key: str) -> int | None:
    prefix = "session-"
    if key.startswith(prefix) and key[len(prefix) :].isdigit():
        return int(key[len(prefix) :])
    return None


def _adjunct_visits(
    visits: Sequence[AdjunctVisit],
    sessions: list[Appointment],
    adjuncts: Mapping[str, Adjunct],
    calendar: ClinicCalendar,
    warnings: list[str],
) -> list[Appointment]:
    """The plan's add-on visits around the sessions as they now stand."""
    found: list[Appointment] = []
    taken: set[date] = set()
    by_number = {s.number: i for i, s in enumerate(sessions)}
    for visit in sorted(visits, key=lambda v: (v.date, v.adjunct_id)):
        key = visit_key(visit.adjunct_id, visit.after_session)
        adjunct = adjuncts.get(visit.adjunct_id)
        cancelled = Appointment(
            key,
            Kind.ADJUNCT,
            visit.date,
            State.CANCELLED,
            visit.time,
            adjunct_id=visit.adjunct_id,
            after_session=visit.after_session,
        )
        if adjunct is None:  # no longer in the catalog: kept as agreed
            found.append(
                Appointment(
                    key,
                    Kind.ADJUNCT,
                    visit.date,
                    State.PLANNED,
                    visit.time,
                    adjunct_id=visit.adjunct_id,
                    after_session=visit.after_session,
                )
            )
            continue
        gap = timedelta(days=max(adjunct.min_days_from_needling, 1))
        index = by_number.get(visit.after_session)
        day: date | None
        if adjunct.placement == "after_last_session":
            if not sessions:
                found.append(cancelled)
                continue
            last = sessions[-1].day
            day = visit.date
            if day < last + gap or not calendar.is_open(day):
                day = calendar.next_open_day(last + gap)
        else:  # between the session it follows and the next one
            if index is None or index + 1 >= len(sessions):
                found.append(cancelled)
                continue
            before, after = sessions[index].day, sessions[index + 1].day
            day = visit.date
            if not (before + gap <= day <= after - gap and calendar.is_open(day)):
                day = place_between(adjunct, before, after, calendar, taken)
            if day is None:
                warnings.append(
                    f"{adjunct.name['en']} no longer fits after session "
                    f"{sessions[index].ordinal}: it needs {adjunct.min_days_from_needling} days "
                    "clear of needling on both sides, so it is cancelled."
                )
                found.append(cancelled)
                continue
        taken.add(day)
        found.append(
            Appointment(
                key,
                Kind.ADJUNCT,
                day,
                State.PLANNED,
                visit.time,
                adjunct_id=visit.adjunct_id,
                after_session=visit.after_session,
                moved=day != visit.date,
            )
        )
    return found


# --------------------------------------------------------------------------- changing it


def earliest(state: Course, key: str, rules: Rules) -> date | None:
    """The first day session ``key`` may be on: the catalog's minimum interval after the
    session before it (None when it is the first, or not a session)."""
    before = state.previous_session(key)
    if before is None:
        return None
    return before.day + timedelta(weeks=rules.min_interval_weeks)


def date_problems(
    state: Course,
    key: str,
    day: date,
    rules: Rules,
    today: date,
    words: Callable[[date], str] = date.isoformat,
) -> list[str]:
    """Why session or review ``key`` cannot be booked for ``day`` (none when it can), in the
    provider's words; ``words`` writes a date as the screens do."""
    found = []
    appointment = state.get(key)
    if appointment is None or appointment.kind is Kind.ADJUNCT:
        return ["Only a session or the results review can be given a new date."]
    if appointment.state is State.DONE:
        return [f"{state.label(appointment)} is already charted; amend the visit instead."]
    if appointment.state is State.CANCELLED:
        return [f"Session {appointment.number} was cancelled."]
    if day < today:
        found.append("The new date is in the past: choose today or a later day.")
    if not rules.calendar.is_open(day):
        found.append(f"The clinic is closed on {words(day)} (a closed weekday or a holiday).")
    if appointment.kind is Kind.SESSION:
        first = earliest(state, key, rules)
        before = state.previous_session(key)
        if first is not None and before is not None and day < first:
            found.append(
                f"Sessions are at least {rules.min_interval_weeks} weeks apart (the catalog's "
                f"minimum): {state.label(before).lower()} is on {words(before.day)}, so the "
                f"earliest is {words(first)}."
            )
    else:
        last = state.sessions[-1] if state.sessions else None
        if last is not None and day <= last.day:
            found.append(f"The results review comes after the last session ({words(last.day)}).")
    return found


def missed_problems(state: Course, key: str, today: date) -> list[str]:
    """Why ``key`` cannot be marked missed: only a session planned for today or earlier."""
    appointment = state.get(key)
    if appointment is None or appointment.kind is not Kind.SESSION:
        return ["Only a session can be marked missed."]
    if appointment.state is not State.PLANNED:
        return [f"{state.label(appointment)} is not waiting to be done."]
    if appointment.day > today:
        return ["A session is marked missed on or after its day; reschedule it instead."]
    return []


def cancel_problems(state: Course, key: str) -> list[str]:
    appointment = state.get(key)
    if appointment is None or appointment.kind is not Kind.SESSION:
        return ["Only a session can be cancelled."]
    if appointment.state is not State.PLANNED:
        return [f"{state.label(appointment)} is not waiting to be done."]
    return []


def proposed_rebooking(state: Course, key: str, rules: Rules, today: date) -> date:
    """The date the course proposes for a session missed (or moved) now: the first open day
    from tomorrow that keeps the minimum interval after the session before."""
    day = today + timedelta(days=1)
    first = earliest(state, key, rules)
    if first is not None and first > day:
        day = first
    return rules.calendar.next_open_day(day)
