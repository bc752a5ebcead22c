"""The treatment course: worked examples, then properties over any history of changes.

The engine re-dates the course after a visit charted late, a reschedule, a missed session
or a cancellation; whatever happens, no two sessions are closer than the catalog's minimum
interval, no session still to come is on a closed day or a holiday, and every add-on visit
keeps the gap it needs from the sessions around it, on an open day.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from consult.app.catalog import load_catalog
from consult.domain.course import (
    REVIEW,
    Change,
    ChangeKind,
    Charted,
    Course,
    Kind,
    Rules,
    State,
    add_calendar_months,
    cancel_problems,
    course,
    date_problems,
    earliest,
    missed_problems,
    proposed_rebooking,
)
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicCalendar,
    ConcernChoice,
    Consultation,
    Patient,
)
from consult.domain.plan import build_plan

CATALOG = load_catalog().catalog
NO = {q.id: Answer.NO for q in CATALOG.questions}
ADJUNCTS = {a.id: a for a in CATALOG.adjuncts}
FACE_ACNE = AreaChoice("face", (), (ConcernChoice("acne_scars", "severe"),))


def consultation(start=date(2026, 12, 1), adjuncts=("peel_mandelic", "facial_hydrating")):
    return Consultation(
        patient=Patient("Zoë O'Brien", date(1990, 5, 17), 3, "en"),
        provider="Dr Reyes",
        date=date(2026, 11, 26),
        screening=NO,
        areas=(FACE_ACNE,),
        adjuncts=adjuncts,
        start_date=start,
    )


def rules(calendar=None, interval=4):
    return Rules(
        interval,
        CATALOG.protocol.min_interval_weeks,
        CATALOG.protocol.review_months,
        calendar or ClinicCalendar(),
    )


def build(calendar=None, interval=4, start=date(2026, 12, 1)):
    calendar = calendar or ClinicCalendar()
    plan = build_plan(CATALOG, consultation(start), calendar, interval)
    return plan, rules(calendar, interval)


def run(plan, r, charted=(), changes=()) -> Course:
    return course(plan.sessions, plan.adjunct_visits, r, ADJUNCTS, charted, changes)


def test_untouched_course_is_the_plan_with_its_review():
    plan, r = build()
    state = run(plan, r)
    assert [a.day for a in state.sessions] == [s.date for s in plan.sessions]
    assert all(a.state is State.PLANNED and not a.moved for a in state.appointments)
    adjuncts = [a for a in state.appointments if a.kind is Kind.ADJUNCT]
    assert [a.day for a in adjuncts] == [v.date for v in plan.adjunct_visits]
    review = state.review
    assert review is not None and review.day >= add_calendar_months(plan.last_session, 3)
    assert state.label(state.sessions[1]) == "Session 2 of 6"


def test_a_session_charted_late_moves_the_rest_by_the_interval():
    plan, r = build()
    late = plan.sessions[0].date + timedelta(days=9)  # Thursday 10 December
    state = run(plan, r, [Charted(Kind.SESSION, late, 1)])
    first, second = state.sessions[0], state.sessions[1]
    assert first.state is State.DONE and first.day == late
    assert second.day == late + timedelta(weeks=4)
    assert second.moved
    # The peel between them moved too: 10 days clear of both sessions.
    peel = state.get("peel_mandelic-after-1")
    assert late + timedelta(days=10) <= peel.day <= second.day - timedelta(days=10)


def test_charted_early_keeps_the_later_dates():
    plan, r = build()
    state = run(plan, r, [Charted(Kind.SESSION, plan.sessions[0].date - timedelta(days=2), 1)])
    assert [a.day for a in state.sessions[1:]] == [s.date for s in plan.sessions[1:]]


def test_missed_session_rebooked_and_the_rest_follow():
    plan, r = build()
    first = plan.sessions[0].date
    state = run(plan, r, [Charted(Kind.SESSION, first, 1)])
    missed_day = state.sessions[1].day
    new_day = missed_day + timedelta(days=7)
    state = run(
        plan,
        r,
        [Charted(Kind.SESSION, first, 1)],
        [Change(ChangeKind.MISSED, "session-2", missed_day, new_day, reason="ill")],
    )
    assert state.sessions[1].day == new_day
    assert state.sessions[2].day == new_day + timedelta(weeks=4)
    assert [(h.key, h.day, h.what) for h in state.happenings] == [
        ("session-2", missed_day, "missed")
    ]


def test_cancelling_a_session_counts_it_out_and_renumbers():
    plan, r = build()
    state = run(plan, r, changes=[Change(ChangeKind.CANCEL, "session-3", plan.sessions[2].date)])
    assert state.total == len(plan.sessions) - 1
    assert state.get("session-3").state is State.CANCELLED
    assert state.label(state.get("session-4")) == "Session 3 of 5"
    # The peel after the cancelled session is gone with it, and the CANCELLED entry stays so
    # the patient's calendar drops it.
    assert state.get("peel_mandelic-after-3").state is State.CANCELLED


def test_stopped_at_check_in_moves_the_session_after_that_day():
    plan, r = build()
    day = plan.sessions[0].date
    state = run(plan, r, [Charted(Kind.SESSION, day, 1, treated=False)])
    assert state.sessions[0].state is State.PLANNED
    assert state.sessions[0].day > day
    assert [h.what for h in state.happenings] == ["not treated"]


def test_review_rescheduled_and_then_charted():
    plan, r = build()
    last = plan.sessions[-1].date
    day = r.calendar.next_open_day(last + timedelta(days=100))
    state = run(plan, r, changes=[Change(ChangeKind.RESCHEDULE, REVIEW, last, day)])
    assert state.review.day == day
    state = run(plan, r, [Charted(Kind.REVIEW, day)])
    assert state.review.state is State.DONE


def test_a_holiday_added_later_never_moves_an_agreed_date():
    plan, _r = build()
    holiday = plan.sessions[2].date
    later = rules(ClinicCalendar(frozenset({5, 6}), frozenset({holiday})))
    state = run(plan, later)
    assert state.sessions[2].day == holiday  # kept: someone must decide to move it


def test_date_problems_in_plain_words():
    plan, r = build()
    state = run(plan, r, [Charted(Kind.SESSION, plan.sessions[0].date, 1)])
    today = plan.sessions[0].date
    too_soon = today + timedelta(days=14)
    problems = date_problems(state, "session-2", too_soon, r, today)
    assert any("at least 4 weeks apart" in p and "earliest" in p for p in problems)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 + 28)
    assert any("closed" in p for p in date_problems(state, "session-2", saturday, r, today))
    assert any(
        "past" in p for p in date_problems(state, "session-2", today - timedelta(1), r, today)
    )
    assert date_problems(state, "session-2", earliest(state, "session-2", r), r, today) == []
    assert "already charted" in date_problems(state, "session-1", today, r, today)[0]
    assert missed_problems(state, "session-2", today) != []  # not due yet
    assert missed_problems(state, "session-2", state.sessions[1].day) == []
    assert cancel_problems(state, "session-1") != []
    assert proposed_rebooking(state, "session-2", r, today) == earliest(state, "session-2", r)


# --------------------------------------------------------------------------- properties

calendars = st.builds(
    ClinicCalendar,
    st.frozensets(st.integers(0, 6), max_size=3),
    st.frozensets(st.dates(date(2026, 11, 1), date(2028, 12, 31)), max_size=30),
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["chart", "late", "stop", "reschedule", "missed", "cancel"]),
        st.integers(0, 40),
    ),
    max_size=10,
)


def _check(state: Course, r: Rules) -> None:
    floor = timedelta(weeks=r.min_interval_weeks)
    sessions = state.sessions
    for earlier, later in itertools.pairwise(sessions):
        assert later.day - earlier.day >= floor, (earlier, later)
    for a in sessions:
        if a.state is State.PLANNED and a.moved:
            assert r.calendar.is_open(a.day), a
    numbers = [s.number for s in sessions]
    for a in state.appointments:
        if a.kind is not Kind.ADJUNCT or a.state is not State.PLANNED:
            continue
        adjunct = ADJUNCTS[a.adjunct_id]
        gap = timedelta(days=max(adjunct.min_days_from_needling, 1))
        assert r.calendar.is_open(a.day) or not a.moved
        if adjunct.placement == "between_sessions":
            index = numbers.index(a.after_session)
            assert sessions[index].day + gap <= a.day <= sessions[index + 1].day - gap
        else:  # after the last session, whichever it is now
            assert a.day >= sessions[-1].day + gap


@settings(max_examples=150, deadline=None)
@given(calendars, st.integers(4, 8), steps)
def test_any_history_keeps_the_rules(calendar, interval, history):
    plan, r = build(calendar, interval)
    charted: list[Charted] = []
    changes: list[Change] = []
    today = plan.sessions[0].date
    _check(run(plan, r), r)
    for action, offset in history:
        state = run(plan, r, charted, changes)
        upcoming = state.next_session()
        if upcoming is None:
            break
        key = upcoming.key
        first = earliest(state, key, r) or upcoming.day
        if action in ("chart", "late", "stop"):
            # A visit is charted on its day or later, never before the minimum interval.
            day = max(upcoming.day, first) + timedelta(days=offset if action == "late" else 0)
            today = max(today, day)
            charted.append(Charted(Kind.SESSION, day, upcoming.number, action != "stop"))
        elif action == "reschedule":
            day = r.calendar.next_open_day(max(first, today) + timedelta(days=offset))
            if date_problems(state, key, day, r, today):
                continue
            changes.append(Change(ChangeKind.RESCHEDULE, key, upcoming.day, day))
        elif action == "missed":
            today = max(today, upcoming.day)
            new = proposed_rebooking(state, key, r, today) + timedelta(days=offset)
            new = r.calendar.next_open_day(new)
            assert missed_problems(state, key, today) == []
            changes.append(Change(ChangeKind.MISSED, key, upcoming.day, new))
        else:
            assert cancel_problems(state, key) == []
            changes.append(Change(ChangeKind.CANCEL, key, upcoming.day))
        _check(run(plan, r, charted, changes), r)
