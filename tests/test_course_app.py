"""The course's tasks (``clinic.course``): a session charted and sealed, refusals (no consent,
too soon, expired lot, depth without a reason), roles, re-dating, the lot recall, Today, and
the calendar file read back by icalendar and by a reader of our own."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import outside
import pytest
from signin_helpers import TEST_SECRET

from consult.app.calendar import uid as calendar_uid
from consult.app.errors import UserFacingError
from consult.domain.access import Role
from consult.domain.course import State
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import build_plan
from consult.domain.visit import Review, TreatmentRecord, ZoneDepth, review_keys
from tests.test_consents_app import sign

TODAY = date.today()


def finalize(clinic, catalog, start=TODAY, adjuncts=("peel_mandelic",)):
    patient = clinic.store.patients.save(Patient("Zoë O'Brien", date(1988, 2, 3), 3, "en"))
    item = Consultation(
        patient=patient,
        provider="Dr Reyes",
        date=TODAY,
        screening={q.id: Answer.NO for q in catalog.questions},
        areas=(AreaChoice("face", ("cheeks", "forehead"), (ConcernChoice("acne_scars", "mild"),)),),
        adjuncts=tuple(adjuncts),
        start_date=start,
        status=Status.FINAL,
        catalog_version=catalog.version,
    )
    settings = clinic.settings()
    # Every day open: the test's dates need not avoid weekends.
    clinic.store.clinic.save_settings(replace(settings, closed_weekdays=frozenset()))
    plan = build_plan(catalog, item, clinic.settings().calendar)
    return clinic.store.consultations.finalize(item, plan)


def record(**changes) -> TreatmentRecord:
    base = TreatmentRecord(
        device_id="skinpen_precision",
        cartridge_id="skinpen_cartridge",
        lot="SP-24117",
        lot_expiry=TODAY + timedelta(days=200),
        zones=(ZoneDepth("face", "cheeks", 1.0, 3), ZoneDepth("face", "forehead", 0.5, 2)),
        endpoint="even_erythema",
        numbing_agent="lidocaine_prilocaine",
        numbing_area_cm2=300,
        numbing_minutes=20,
        glide_product="hydrogel",
        adjunct_given="",
        reaction="expected",
        reaction_note="",
        aftercare_given=True,
        provider="Dr Test Admin",
        room="Room 2",
    )
    return replace(base, **changes)


def consented(clinic, catalog):
    item = finalize(clinic, catalog)
    sign(clinic, item)
    sign(clinic, item, "chemical_peel")
    return item


def no(catalog):
    return {q.id: Answer.NO for q in catalog.questions}


def test_a_session_needs_valid_consent(clinic, catalog):
    item = finalize(clinic, catalog)
    start = clinic.course.start_visit(item, TODAY)
    assert any("without valid consent" in b for b in start.blockers)
    with pytest.raises(UserFacingError, match="needs valid consent"):
        clinic.course.sign(start, no(catalog), record())


def test_a_session_charted_is_final_sealed_and_found_by_its_lot(clinic, catalog):
    item = consented(clinic, catalog)
    start = clinic.course.start_visit(item, TODAY)
    assert start.blockers == () and start.label == "Session 1 of 4"
    visit = clinic.course.sign(start, no(catalog), record())
    assert visit.final and visit.record.lot == "SP-24117"
    view = clinic.course.view(item)
    assert view.state.sessions[0].state is State.DONE
    assert view.state.label(view.state.next_session()) == "Session 2 of 4"
    # The lot, whatever its case; the recall is in the audit trail.
    rows = clinic.course.lots("sp-24117")
    assert [(r.name, r.day, r.session) for r in rows] == [("Zoë O'Brien", TODAY, 1)]
    assert clinic.store.audit.entries("database")[-1]["action"] == "recall"
    assert clinic.store.audit.verify().intact
    # A signed-off visit never changes in the database itself...
    with pytest.raises(sqlite3.DatabaseError, match="signed-off visit"):
        clinic.store.conn.execute("UPDATE visits SET lot = 'X' WHERE id = ?", [visit.id])
    # ...and a change made with the guard removed is found by db verify.
    outside.change(
        clinic.store,
        "UPDATE visits SET lot = 'OTHER' WHERE id = ?",
        [visit.id],
        drop=["visits_final_no_update ON visits"],
    )
    report = clinic.store.audit.verify()
    assert any(f"visit {visit.id}" in p for p in report.problems)


def test_refusals_too_soon_expired_lot_depth_without_reason(clinic, catalog):
    item = consented(clinic, catalog)
    clinic.course.sign(clinic.course.start_visit(item, TODAY), no(catalog), record())
    soon = clinic.course.start_visit(item, TODAY + timedelta(days=20))
    assert any("Too soon" in b for b in soon.blockers)
    with pytest.raises(UserFacingError):
        clinic.course.sign(soon, no(catalog), record())
    later = clinic.course.start_visit(item, TODAY + timedelta(days=28))
    with pytest.raises(UserFacingError, match="expired"):
        clinic.course.sign(later, no(catalog), record(lot_expiry=TODAY))
    deep = record(zones=(ZoneDepth("face", "cheeks", 2.0, 3),))
    with pytest.raises(UserFacingError, match="Write why"):
        clinic.course.sign(later, no(catalog), deep)
    why = record(zones=(ZoneDepth("face", "cheeks", 2.0, 3, "Deep rolling scars, tested."),))
    assert clinic.course.sign(later, no(catalog), why).record.zones[0].depth_mm == 2.0


def test_moving_the_next_date_at_the_visit_is_a_reschedule(clinic, catalog):
    item = consented(clinic, catalog)
    start = clinic.course.start_visit(item, TODAY)
    proposed = clinic.course.after_today(start).next_session().day
    with pytest.raises(UserFacingError, match="at least 4 weeks"):
        clinic.course.sign(start, no(catalog), record(), TODAY + timedelta(days=21))
    chosen = proposed + timedelta(days=3)
    clinic.course.sign(start, no(catalog), record(), chosen, time(10, 30))
    view = clinic.course.view(item)
    second = view.state.next_session()
    assert (second.day, second.time) == (chosen, time(10, 30))
    assert view.state.sessions[2].day >= chosen + timedelta(weeks=4)
    assert [c.change.reason for c in view.changes] == ["booked at the visit"]


def test_reschedule_missed_and_cancel_redate_the_rest(clinic, catalog):
    item = consented(clinic, catalog)
    view = clinic.course.view(item)
    first = view.state.sessions[0]
    with pytest.raises(UserFacingError, match="past"):
        clinic.course.reschedule(item, "session-1", TODAY - timedelta(days=1), None, "", TODAY)
    clinic.course.mark_missed(item, "session-1", TODAY + timedelta(days=2), None, "ill", TODAY)
    view = clinic.course.view(item)
    assert view.state.sessions[0].day == TODAY + timedelta(days=2)
    assert view.state.sessions[1].day == TODAY + timedelta(days=2, weeks=4)
    assert [h.what for h in view.state.happenings] == ["missed"]
    assert view.state.happenings[0].day == first.day
    clinic.course.cancel(item, "session-4", "Patient moving away")
    assert clinic.course.view(item).state.total == 3
    with pytest.raises(UserFacingError):
        clinic.course.cancel(item, "session-4", "again")


def test_an_assistant_checks_in_and_books_but_never_charts(clinic, catalog):
    item = consented(clinic, catalog)
    clinic.add_account("Sam Front Desk", Role.ASSISTANT, TEST_SECRET)
    clinic.sign_in("Sam Front Desk", TEST_SECRET)
    start = clinic.course.start_visit(item, TODAY)
    checked = clinic.course.check_in(start, no(catalog))
    assert not checked.final and checked.checked_in_by == "Sam Front Desk"
    with pytest.raises(UserFacingError, match="may not"):
        clinic.course.sign(start, no(catalog), record())
    with pytest.raises(UserFacingError, match="may not"):
        clinic.course.lots("SP-24117")
    clinic.course.reschedule(item, "session-2", TODAY + timedelta(weeks=5), None, "", TODAY)
    # The provider goes on from the check-in: the same visit is signed off.
    from signin_helpers import TEST_ADMIN

    clinic.sign_in(TEST_ADMIN, TEST_SECRET)
    start = clinic.course.start_visit(item, TODAY)
    visit = clinic.course.sign(start, no(catalog), record())
    assert visit.id == checked.id and visit.checked_in_by == "Sam Front Desk"


def test_a_new_contraindication_at_check_in_stops_the_visit(clinic, catalog):
    item = consented(clinic, catalog)
    start = clinic.course.start_visit(item, TODAY)
    label = next(q for q in catalog.questions if q.label)
    answers = {**no(catalog), label.id: Answer.YES}
    with pytest.raises(UserFacingError, match="device's label"):
        clinic.course.sign(start, answers, record())
    stopped = clinic.course.stop(start, answers)
    assert stopped.final and "device's label" in stopped.stop_reason
    view = clinic.course.view(item)
    assert view.state.sessions[0].state is State.PLANNED
    assert [h.what for h in view.state.happenings] == ["not treated"]


def test_amending_a_visit_keeps_the_first(clinic, catalog):
    item = consented(clinic, catalog)
    visit = clinic.course.sign(clinic.course.start_visit(item, TODAY), no(catalog), record())
    with pytest.raises(UserFacingError, match="Write why"):
        clinic.course.amend(visit.id, record(lot="SP-99"), "typo")
    newer = clinic.course.amend(visit.id, record(lot="SP-99"), "Lot number misread from pouch")
    assert newer.revision_of == visit.id
    assert clinic.store.visits.get(visit.id).replaced_by == newer.id
    assert clinic.course.lots("SP-24117") == []  # only current revisions are listed
    assert [r.visit_id for r in clinic.course.lots("SP-99")] == [newer.id]
    assert clinic.store.audit.verify().intact


def test_today_lists_due_sessions_with_consent_and_what_needs_attention(clinic, catalog):
    item = finalize(clinic, catalog)
    listed = clinic.today_list(TODAY)
    assert [(r.patient_name, r.what, r.consent_ok) for r in listed.today] == [
        ("Zoë O'Brien", "Session 1 of 4", False)
    ]
    assert "Consent needed" in listed.today[0].consent
    later = clinic.today_list(TODAY + timedelta(days=3))
    assert any("Not charted" in a for r in later.attention for a in r.attention)
    assert item.id in {r.consultation_id for r in later.attention}


def test_the_review_after_the_last_session(clinic, catalog):
    item = consented(clinic, catalog)
    view = clinic.course.view(item)
    plan = view.plan
    answers = {key: "better" for key, _ in review_keys(catalog, plan)}
    done = clinic.course.record_review(item, Review(answers, "mostly", "maintenance"), TODAY)
    assert done.final and done.review.next_step == "maintenance"
    assert clinic.course.view(item).state.review.state is State.DONE


# --------------------------------------------------------------------------- calendar files


def parse_ics(text: str) -> list[dict[str, str]]:
    """A second reader, ours: unfold the lines (RFC 5545 3.1), then each VEVENT's
    properties by name (parameters dropped, text unescaped)."""
    lines: list[str] = []
    for raw in text.split("\r\n"):
        if raw.startswith((" ", "\t")) and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    events, current, depth = [], None, 0
    for line in lines:
        if line == "BEGIN:VEVENT":
            current, depth = {}, 0
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            if line == "BEGIN:VALARM":
                depth += 1
                current["ALARM"] = "yes"
            elif line == "END:VALARM":
                depth -= 1
            elif depth == 0:
                name, _, value = line.partition(":")
                key = name.split(";")[0]
                current[key] = value.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")
    return events


def test_calendar_file_read_back_twice_with_stable_uids(clinic, catalog, tmp_path):
    import icalendar

    item = consented(clinic, catalog)
    clinic.store.clinic.save_settings(
        replace(clinic.settings(), address="12 Harbour Road\nWest County", calendar_details=False)
    )
    views = [clinic.course.view(item)]
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    target = clinic.course.save_calendar(
        views, tmp_path / "plan.ics", clinic.db_path, replace=False, now=now
    )
    first = target.read_bytes().decode("utf-8")
    parsed = icalendar.Calendar.from_ical(first)
    events = [c for c in parsed.walk("VEVENT")]
    ours = parse_ics(first)
    assert len(events) == len(ours) == len(views[0].state.appointments)
    assert {str(e["UID"]) for e in events} == {e["UID"] for e in ours}
    for event in ours:
        assert event["SUMMARY"] == f"Appointment at {clinic.settings().name}"
        assert "icroneedling" not in str(event) and "peel" not in str(event).lower()
        assert event["LOCATION"] == "12 Harbour Road, West County"
        assert event.get("ALARM") == "yes"
    starts = {str(e["UID"]): e.decoded("DTSTART") for e in events}
    # Never overwritten without being asked.
    with pytest.raises(UserFacingError, match="already exists"):
        clinic.course.save_calendar(views, target, clinic.db_path, replace=False, now=now)
    # A session moved: the file issued again has the same UIDs, a newer SEQUENCE, the new date.
    view = views[0]
    second_day = view.state.sessions[1].day + timedelta(days=7)
    clinic.course.reschedule(item, "session-2", second_day, time(11, 0), "holiday", TODAY)
    clinic.store.clinic.save_settings(replace(clinic.settings(), calendar_details=True))
    again = clinic.course.calendar([clinic.course.view(item)], now).decode("utf-8")
    moved = {e["UID"]: e for e in parse_ics(again)}
    assert set(moved) == set(starts)
    uid = calendar_uid(view, "session-2")
    assert moved[uid]["DTSTART"] == second_day.strftime("%Y%m%d") + "T110000"
    assert int(moved[uid]["SEQUENCE"]) > int(next(e for e in ours if e["UID"] == uid)["SEQUENCE"])
    assert moved[uid]["SUMMARY"].startswith("Microneedling session 2 of 4 at ")
    reparsed = icalendar.Calendar.from_ical(again)
    assert {str(e["UID"]) for e in reparsed.walk("VEVENT")} == set(starts)


def test_calendar_file_marks_a_cancelled_session_cancelled(clinic, catalog):
    item = consented(clinic, catalog)
    clinic.course.cancel(item, "session-3", "Patient's choice")
    events = {
        e["UID"]: e
        for e in parse_ics(
            clinic.course.calendar([clinic.course.view(item)], datetime.now(UTC)).decode()
        )
    }
    cancelled = events[calendar_uid(clinic.course.view(item), "session-3")]
    assert cancelled["STATUS"] == "CANCELLED" and "ALARM" not in cancelled


def test_settings_keep_calendar_details(clinic):
    clinic.store.clinic.save_settings(replace(clinic.settings(), calendar_details=True))
    assert clinic.settings().calendar_details is True
    assert ClinicSettings().calendar_details is False
