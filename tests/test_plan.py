"""The plan engine: worked examples, then properties over any valid consultation."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from consult.app.catalog import load_catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ClinicCalendar,
    ConcernChoice,
    Consultation,
    Override,
    Patient,
)
from consult.domain.plan import (
    PlanStatus,
    add_months,
    build_plan,
    rule_problems,
    schedule_problems,
    session_bounds,
)

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
    assert light_ids != dark_ids
    differ = [i for i in CATALOG.instructions if i.id in light_ids ^ dark_ids]
    assert all(i.when.fitzpatrick or i.when.adjunct_kinds or i.when.adjuncts for i in differ)
    assert all(5 not in i.when.fitzpatrick for i in differ if i.id in light_ids)
    phases = [p.id for p in CATALOG.phases]
    assert [phases.index(i.phase) for i in dark.instructions] == sorted(
        phases.index(i.phase) for i in dark.instructions
    )


def test_screening_outcome_is_on_the_plan():
    answers = dict(NO, pregnancy=Answer.YES)
    plan = build_plan(CATALOG, consultation([FACE_ACNE], screening=answers))
    assert "label_contraindication" in {w.code for w in plan.warnings}
    assert plan.status is PlanStatus.NOT_TREATING and plan.sessions == ()
    assert plan.screening.may_finish  # finished as a letter


# ---------------------------------------------------------------- the three outcomes

CLEARED = Clearance(
    "Dr Sam Okafor",
    date(2026, 11, 30),
    "Letter on file: INR stable.",
    "Dr Reyes",
    ("anticoagulants",),
)


def test_proceed_and_caution_plans_are_confirmed():
    for answers in (NO, dict(NO, koebner=Answer.YES)):
        plan = build_plan(CATALOG, consultation([FACE_ACNE], screening=answers))
        assert plan.status is PlanStatus.CONFIRMED and len(plan.sessions) == 5


def test_needs_clearance_is_provisional_until_a_clearance_covers_every_answer():
    answers = dict(NO, anticoagulants=Answer.YES)
    plan = build_plan(CATALOG, consultation([FACE_ACNE], screening=answers))
    assert plan.status is PlanStatus.PROVISIONAL
    assert plan.uncleared == ("anticoagulants",)
    assert len(plan.sessions) == 5  # proposed dates
    assert "needs_clearance" in {w.code for w in plan.warnings}
    cleared = build_plan(CATALOG, consultation([FACE_ACNE], screening=answers, clearance=CLEARED))
    assert cleared.status is PlanStatus.CONFIRMED and cleared.uncleared == ()
    assert "clearance" in {n.code for n in cleared.notices}
    # A new answer the clearance did not cover makes it provisional again.
    more = dict(answers, keloid=Answer.YES)
    again = build_plan(CATALOG, consultation([FACE_ACNE], screening=more, clearance=CLEARED))
    assert again.status is PlanStatus.PROVISIONAL and again.uncleared == ("keloid",)


def test_do_not_treat_plans_no_session_unless_overridden():
    answers = dict(NO, sunburn=Answer.YES)
    letter = build_plan(CATALOG, consultation([FACE_ACNE], screening=answers))
    assert letter.status is PlanStatus.NOT_TREATING
    assert letter.sessions == () and letter.instructions == () and letter.results_from is None
    override = Override("Sunburn is on the back only; treating the face.", "Dr Reyes")
    going = build_plan(CATALOG, consultation([FACE_ACNE], screening=answers, override=override))
    assert going.status is PlanStatus.CONFIRMED and going.screening.overridden
    assert len(going.sessions) == 5
    # A label contraindication: the override is not kept, and no sessions are planned.
    label = dict(NO, allergy=Answer.YES)
    refused = build_plan(CATALOG, consultation([FACE_ACNE], screening=label, override=override))
    assert refused.status is PlanStatus.NOT_TREATING and refused.screening.override is None


# ---------------------------------------------------------------- the catalog's floor


def test_sessions_are_never_closer_than_the_minimum_interval():
    plan = build_plan(CATALOG, consultation([FACE_ACNE]), interval_weeks=2)
    assert plan.interval_weeks == CATALOG.protocol.min_interval_weeks == 4
    gaps = [(b.date - a.date).days for a, b in zip(plan.sessions, plan.sessions[1:], strict=False)]
    assert min(gaps) >= 28
    assert "interval_floor" in {w.code for w in plan.warnings}
    interval = next(n for n in plan.notices if n.code == "interval")
    assert interval.sources == ("clinic_page",)


def test_a_plan_from_elsewhere_is_checked_against_the_floor_and_the_range():
    item = consultation([FACE_ACNE])
    plan = build_plan(CATALOG, item)
    assert rule_problems(CATALOG, item, plan) == []
    two_weeks = [date(2026, 12, 1) + timedelta(weeks=2 * i) for i in range(5)]
    [problem] = schedule_problems(CATALOG, item, two_weeks)
    assert "14 days apart" in problem and "minimum is 4 weeks" in problem
    monthly = [date(2026, 12, 1) + timedelta(weeks=4 * i) for i in range(3)]
    assert schedule_problems(CATALOG, item, monthly) == [
        "it has 3 sessions, outside the 4–6 the chosen concerns need"
    ]
    assert schedule_problems(
        CATALOG, item, monthly[:1] * 0 + [*monthly, monthly[-1] + timedelta(weeks=4)], 2
    ) == ["its interval is 2 weeks, shorter than the catalog's minimum of 4 weeks"]


def test_an_override_of_a_label_contraindication_is_refused():
    override = Override("The patient insists and signed a waiver.", "Dr Reyes")
    item = consultation([FACE_ACNE], screening=dict(NO, pregnancy=Answer.YES), override=override)
    plan = build_plan(CATALOG, item)
    [problem] = rule_problems(CATALOG, item, plan)
    assert "contraindication on the device's label (pregnancy)" in problem


# ---------------------------------------------------------------- the rules the review added


def test_off_label_age_and_uses_are_noticed_with_their_source():
    young = consultation([FACE_ACNE])
    young = Consultation(**{**young.__dict__, "patient": Patient("Ana", date(2006, 1, 1), 3)})
    plan = build_plan(CATALOG, young)
    notice = next(n for n in plan.notices if n.code == "off_label_age")
    assert "the patient is 20" in notice.message and notice.sources == ("fda_microneedling",)
    assert plan.off_label
    body = AreaChoice("abdomen", (), (ConcernChoice("stretch_marks", "recent"),))
    hands = AreaChoice("hands", (), (ConcernChoice("pigmentation"),))
    plan = build_plan(CATALOG, consultation([body, hands]))
    notice = next(n for n in plan.notices if n.code == "off_label_use")
    assert "abdomen: stretch marks" in notice.message and "hands: uneven tone" in notice.message
    labelled = build_plan(CATALOG, consultation([FACE_ACNE]))
    assert not labelled.off_label


def test_numbing_on_large_areas_is_limited_and_said():
    body = AreaChoice("thighs", (), (ConcernChoice("stretch_marks", "recent"),))
    plan = build_plan(CATALOG, consultation([body]))
    assert "before_numbing_large_area" in {i.id for i in plan.instructions}
    notice = next(n for n in plan.notices if n.code == "numbing_area")
    assert f"at most {CATALOG.protocol.numbing_max_area_cm2} cm²" in notice.message
    assert {"fda_numbing_2007", "fda_numbing_2009"} <= set(notice.sources)
    face = build_plan(CATALOG, consultation([FACE_ACNE]))
    assert "before_numbing_large_area" not in {i.id for i in face.instructions}


def test_melasma_carries_its_caveat():
    melasma = AreaChoice("face", (), (ConcernChoice("pigmentation", None, "melasma"),))
    plan = build_plan(CATALOG, consultation([melasma]))
    notice = next(n for n in plan.notices if n.code == "caveat:pigmentation:melasma")
    assert "handel_2014" in notice.sources


def test_salicylate_allergy_rules_out_salicylic_and_jessner_peels_only():
    answers = dict(NO, salicylate_allergy=Answer.YES)
    peels = ["peel_salicylic", "peel_jessner", "peel_mandelic"]
    plan = build_plan(CATALOG, consultation([FACE_ACNE], peels, screening=answers, fitzpatrick=2))
    assert plan.adjuncts == ("peel_mandelic",)
    left_out = [w.message for w in plan.warnings if w.code == "adjunct_ineligible"]
    assert len(left_out) == 2 and all("aspirin" in m for m in left_out)


def test_past_isotretinoin_no_longer_rules_out_superficial_peels():
    answers = dict(NO, isotretinoin_recent=Answer.YES)
    plan = build_plan(CATALOG, consultation([FACE_ACNE], ["peel_lactic"], screening=answers))
    assert plan.adjuncts == ("peel_lactic",)
    assert plan.status is PlanStatus.CONFIRMED


def test_the_bruising_reassurance_is_only_for_blood_thinners():
    thinner = build_plan(
        CATALOG, consultation([FACE_ACNE], screening=dict(NO, anticoagulants=Answer.YES))
    )
    assert "before_keep_medicines" in {i.id for i in thinner.instructions}
    disorder = build_plan(
        CATALOG, consultation([FACE_ACNE], screening=dict(NO, bleeding_disorder=Answer.YES))
    )
    assert disorder.not_treating and disorder.instructions == ()
    plain = build_plan(CATALOG, consultation([FACE_ACNE]))
    assert "before_keep_medicines" not in {i.id for i in plain.instructions}


def test_workouts_are_one_rule_per_skin_type():
    light = build_plan(CATALOG, consultation([FACE_ACNE], fitzpatrick=2))
    dark = build_plan(CATALOG, consultation([FACE_ACNE], fitzpatrick=5))
    assert "d13_no_exercise_heat" in {i.id for i in light.instructions}
    assert "d13_no_heat_two_weeks" not in {i.id for i in light.instructions}
    assert "d13_no_heat_two_weeks" in {i.id for i in dark.instructions}
    assert "d13_no_exercise_heat" not in {i.id for i in dark.instructions}
    exercise = {i.avoid["exercise"] for i in dark.instructions if "exercise" in i.avoid}
    assert exercise == {CATALOG.skin_type(5).avoid["exercise"]} == {14}


def test_the_isotretinoin_window_is_formatted_where_a_peel_is_ruled_out(tmp_path):
    """A clinic that keeps peels away after isotretinoin: the provider reads the clinic's
    window in the reason, never "{isotretinoin_window_months}"."""
    from consult.domain.catalog import load
    from consult.system.resources import resource_path

    clinic = tmp_path / "catalog.toml"
    clinic.write_text(
        '[[adjuncts]]\nid = "peel_glycolic"\nexcluded_by = ["isotretinoin_recent"]\n',
        encoding="utf-8",
    )
    catalog = load(resource_path("catalog"), clinic).catalog
    answers = {q.id: Answer.NO for q in catalog.questions} | {"isotretinoin_recent": Answer.YES}
    item = consultation([FACE_ACNE], ["peel_glycolic"], screening=answers)
    plan = build_plan(catalog, item, placeholders={"isotretinoin_window_months": 9})
    [reason] = [w.message for w in plan.warnings if w.code == "adjunct_ineligible"]
    assert "in the last 9 months" in reason and "{" not in reason
    assert "source: " in reason


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
    assert build_plan(CATALOG, item, calendar, interval_weeks) == plan
    if plan.screening.not_treating:
        assert plan.status is PlanStatus.NOT_TREATING and plan.sessions == ()
        assert plan.adjunct_visits == () and plan.instructions == ()
        return
    assert plan.status in (PlanStatus.CONFIRMED, PlanStatus.PROVISIONAL)
    assert plan.provisional == bool(plan.uncleared)
    assert rule_problems(CATALOG, item, plan) == []
    count = len(plan.sessions)
    assert plan.bounds.low <= count <= plan.bounds.high
    low, high = CATALOG.protocol.sessions
    assert low <= count <= high
    if item.session_count is not None:
        assert count == item.session_count
    floor = max(interval_weeks, CATALOG.protocol.min_interval_weeks)
    for earlier, later in zip(plan.sessions, plan.sessions[1:], strict=False):
        assert later.date - earlier.date >= timedelta(weeks=floor)
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
