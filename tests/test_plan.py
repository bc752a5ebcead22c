"""The plan engine: worked examples, then properties over any valid consultation."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from consult.app.catalog import load_catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicCalendar,
    ConcernChoice,
    Consultation,
    Patient,
)
from consult.domain.plan import add_months, build_plan, session_bounds

CATALOG = load_catalog().catalog
NO = {q.id: Answer.NO for q in CATALOG.questions}


def consultation(areas=(), adjuncts=(), fitzpatrick=3, start=date(2026, 12, 1), **extra):
    patient = Patient("Zoë O'Brien-Łukasiewicz", date(1990, 5, 17), fitzpatrick, "en")
    return Consultation(
        patient=patient,
        provider="Dr Reyes",
        date=date(2026, 11, 26),
        screening=extra.pop("screening", NO),
        areas=tuple(areas),
        adjuncts=tuple(adjuncts),
        start_date=start,
        **extra,
    )


FACE_ACNE = AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),))


def test_standard_plan_dates():
    plan = build_plan(CATALOG, consultation([FACE_ACNE]))
    # Tuesday 1 December 2026, then every 4 weeks (all Tuesdays, all open).
    assert [s.date for s in plan.sessions] == [
        date(2026, 12, 1),
        date(2026, 12, 29),
        date(2027, 1, 26),
        date(2027, 2, 23),
        date(2027, 3, 23),
    ]
    assert plan.bounds.low == 4 and plan.bounds.high == 6 and plan.bounds.recommended == 5
    assert (plan.results_from, plan.results_to) == (date(2027, 6, 1), date(2027, 9, 1))
    assert plan.catalog_version == CATALOG.version
    assert plan.warnings == ()


def test_sessions_move_off_closed_days_and_holidays():
    calendar = ClinicCalendar(frozenset({5, 6}), frozenset({date(2026, 12, 29)}))
    plan = build_plan(CATALOG, consultation([FACE_ACNE], start=date(2026, 11, 28)), calendar)
    dates = [s.date for s in plan.sessions]
    assert dates[0] == date(2026, 11, 30)  # Saturday start -> Monday
    assert dates[1] == date(2026, 12, 28)
    assert all(calendar.is_open(d) for d in dates)


def test_provider_count_within_bounds_is_used():
    plan = build_plan(CATALOG, consultation([FACE_ACNE], session_count=6))
    assert len(plan.sessions) == 6


def test_provider_count_outside_bounds_is_clamped_with_a_warning():
    plan = build_plan(CATALOG, consultation([FACE_ACNE], session_count=2))
    assert len(plan.sessions) == 4
    assert [w.code for w in plan.warnings] == ["session_count"]


def test_several_concerns_need_the_most_sessions():
    areas = [
        AreaChoice("face", (), (ConcernChoice("texture"),)),
        AreaChoice("abdomen", (), (ConcernChoice("stretch_marks"),)),
    ]
    bounds = session_bounds(CATALOG, [c for a in areas for c in a.concerns])
    assert bounds.recommended == 5 and bounds.low == 5


def test_peel_is_placed_between_sessions_clear_of_needling():
    plan = build_plan(CATALOG, consultation([FACE_ACNE], adjuncts=["peel_lactic"]))
    peel = CATALOG.adjunct("peel_lactic")
    assert len(plan.adjunct_visits) == len(plan.sessions) - 1
    for visit in plan.adjunct_visits:
        for session in plan.sessions:
            assert abs((visit.date - session.date).days) >= peel.min_days_from_needling


def test_ineligible_adjunct_is_left_out_with_the_reason():
    plan = build_plan(CATALOG, consultation([FACE_ACNE], adjuncts=["peel_jessner"], fitzpatrick=6))
    assert plan.adjunct_visits == ()
    [warning] = plan.warnings
    assert warning.code == "adjunct_ineligible"
    assert "skin type VI" in warning.message


def test_unknown_ids_from_an_older_catalog_are_reported_not_fatal():
    areas = [AreaChoice("scalp", (), (ConcernChoice("hair"),)), FACE_ACNE]
    plan = build_plan(CATALOG, consultation(areas, adjuncts=["laser"]))
    assert {w.code for w in plan.warnings} == {"unknown_area", "unknown_adjunct"}
    assert [a.area_id for a in plan.areas] == ["face"]


def test_instructions_follow_skin_type_and_adjuncts():
    light = build_plan(CATALOG, consultation([FACE_ACNE], fitzpatrick=2))
    dark = build_plan(CATALOG, consultation([FACE_ACNE], fitzpatrick=5, adjuncts=["peel_lactic"]))
    light_ids = {i.id for i in light.instructions}
    dark_ids = {i.id for i in dark.instructions}
    assert light_ids < dark_ids
    extra = [i for i in CATALOG.instructions if i.id in dark_ids - light_ids]
    assert all(i.when.fitzpatrick or i.when.adjunct_kinds or i.when.adjuncts for i in extra)
    phases = [p.id for p in CATALOG.phases]
    assert [phases.index(i.phase) for i in dark.instructions] == sorted(
        phases.index(i.phase) for i in dark.instructions
    )


def test_screening_outcome_is_on_the_plan():
    answers = dict(NO, pregnancy=Answer.YES)
    plan = build_plan(CATALOG, consultation([FACE_ACNE], screening=answers))
    assert "do_not_treat" in {w.code for w in plan.warnings}
    assert not plan.screening.may_finish


def test_add_months_crosses_years():
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 1)
    assert add_months(date(2027, 1, 31), 0) == date(2027, 1, 1)


# ---------------------------------------------------------------- properties


@st.composite
def area_choices(draw):
    areas = draw(st.lists(st.sampled_from(CATALOG.areas), unique_by=lambda a: a.id, max_size=4))
    choices = []
    for area in areas:
        zones = draw(st.lists(st.sampled_from([z.id for z in area.zones] or [None]), unique=True))
        concern_ids = draw(st.lists(st.sampled_from(area.concerns), unique=True, max_size=3))
        concerns = []
        for concern_id in concern_ids:
            severities = [s.id for s in CATALOG.concern(concern_id).severities]
            severity = draw(st.sampled_from([None, *severities]))
            concerns.append(ConcernChoice(concern_id, severity))
        choices.append(AreaChoice(area.id, tuple(z for z in zones if z), tuple(concerns)))
    return tuple(choices)


calendars = st.builds(
    ClinicCalendar,
    st.frozensets(st.integers(0, 6), max_size=5),
    st.frozensets(st.dates(date(2026, 1, 1), date(2029, 12, 31)), max_size=20),
)


@st.composite
def plan_inputs(draw):
    areas = draw(area_choices())
    bounds = session_bounds(CATALOG, [c for a in areas for c in a.concerns])
    count = draw(st.one_of(st.none(), st.integers(bounds.low, bounds.high)))
    answers = draw(
        st.fixed_dictionaries({q.id: st.sampled_from(list(Answer)) for q in CATALOG.questions})
    )
    adjuncts = draw(
        st.lists(st.sampled_from([a.id for a in CATALOG.adjuncts]), unique=True, max_size=4)
    )
    item = consultation(
        areas,
        adjuncts,
        fitzpatrick=draw(st.integers(1, 6)),
        start=draw(st.dates(date(2026, 1, 1), date(2028, 12, 31))),
        screening=answers,
        session_count=count,
    )
    return item, draw(calendars), draw(st.integers(1, 8))


@given(plan_inputs())
def test_plan_properties(case):
    item, calendar, interval_weeks = case
    plan = build_plan(CATALOG, item, calendar, interval_weeks)
    count = len(plan.sessions)
    assert plan.bounds.low <= count <= plan.bounds.high
    low, high = CATALOG.protocol.sessions
    assert low <= count <= high
    if item.session_count is not None:
        assert count == item.session_count
    for earlier, later in zip(plan.sessions, plan.sessions[1:], strict=False):
        assert later.date - earlier.date >= timedelta(weeks=interval_weeks)
    needling = [s.date for s in plan.sessions]
    assert all(calendar.is_open(d) for d in needling)
    assert needling[0] >= item.start_date
    for visit in plan.adjunct_visits:
        adjunct = CATALOG.adjunct(visit.adjunct_id)
        assert calendar.is_open(visit.date)
        gap = max(adjunct.min_days_from_needling, 1)
        assert all(abs((visit.date - day).days) >= gap for day in needling)
        assert visit.adjunct_id in plan.adjuncts
    assert plan.results_from > plan.last_session
    assert plan.results_from <= plan.results_to
    assert build_plan(CATALOG, item, calendar, interval_weeks) == plan
