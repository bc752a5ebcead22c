"""The dates the list shows beside each patient (last consultation, next session) are kept with
the patient (schema 4): every write of a consultation keeps them in step, in the same
transaction; ``db check`` finds a patient whose kept dates are wrong; the upgrade fills them
so that an upgraded file lists what it listed before."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from storage_helpers import (
    CATALOG,
    NECK_LINES,
    TODAY,
    assert_list_dates_in_step,
    consultation,
    dates_by_subqueries,
    listed_dates,
    patient,
    plan_for,
)

from consult.storage import RecordStore, listing, opening
from consult.storage.demo import seed_demo
from consult.storage.exchange import export, import_json


def _kept(repo, patient_id):
    return repo.conn.execute(
        "SELECT last_consultation, session_dates FROM patients WHERE id = ?", [patient_id]
    ).fetchone()


def _listed(repo, patient_id):
    return listed_dates(repo)[patient_id]


def test_every_write_of_a_consultation_keeps_them_in_step(repo):
    zoe = repo.patients.save(patient())
    ana = repo.patients.save(patient("Ana Núñez"))
    assert _kept(repo, zoe.id) == (None, "")
    assert_list_dates_in_step(repo)

    c = consultation(zoe)  # 20 Nov, sessions from 1 Dec
    first = repo.consultations.finalize(c, plan_for(c))
    sessions = [s.date for s in plan_for(c).sessions]
    assert _kept(repo, zoe.id) == ("2026-11-20", " ".join(d.isoformat() for d in sessions))
    assert _listed(repo, zoe.id) == (date(2026, 11, 20), sessions[0])
    assert_list_dates_in_step(repo)

    # An amendment: the replaced plan's sessions are no longer listed, only the new ones.
    moved = replace(first, start_date=date(2027, 1, 4), areas=(*first.areas, NECK_LINES))
    newer = repo.consultations.amend(first.id, moved, plan_for(moved))
    later = [s.date for s in plan_for(moved).sessions]
    assert later[0] == date(2027, 1, 4) and not set(sessions) & set(later)
    assert _kept(repo, zoe.id) == ("2026-11-20", " ".join(d.isoformat() for d in later))
    assert _listed(repo, zoe.id) == (date(2026, 11, 20), date(2027, 1, 4))
    assert_list_dates_in_step(repo)

    # A draft counts as the last consultation; its sessions do not count until it is final.
    draft = repo.consultations.save_draft(consultation(zoe, date=date(2026, 11, 25)))
    assert _kept(repo, zoe.id)[0] == "2026-11-25"
    assert_list_dates_in_step(repo)
    redated = repo.consultations.save_draft(replace(draft, date=date(2026, 11, 24)))
    assert _kept(repo, zoe.id)[0] == "2026-11-24"
    assert_list_dates_in_step(repo)

    # A draft moved to another patient counts for that patient, and no longer for the first.
    repo.consultations.save_draft(replace(redated, patient=ana))
    assert _kept(repo, zoe.id)[0] == "2026-11-20"
    assert _kept(repo, ana.id) == ("2026-11-24", "")
    assert_list_dates_in_step(repo)

    repo.consultations.delete_draft(draft.id)
    assert _kept(repo, ana.id) == (None, "")
    assert_list_dates_in_step(repo)

    # A draft finalised: its date and its sessions count.
    draft = repo.consultations.save_draft(consultation(ana, date=date(2026, 11, 26)))
    repo.consultations.finalize(draft, plan_for(draft))
    assert _listed(repo, ana.id) == (date(2026, 11, 26), date(2026, 12, 1))
    assert_list_dates_in_step(repo)
    assert newer.revision_of == first.id


def test_the_next_session_moves_on_with_the_day(repo, clock):
    zoe = repo.patients.save(patient())
    c = consultation(zoe)
    repo.consultations.finalize(c, plan_for(c))
    sessions = [s.date for s in plan_for(c).sessions]
    for day in (sessions[0], sessions[0] + timedelta(days=1), sessions[-1]):
        clock.moment = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        (row,) = repo.patient_list.search("zoe").rows
        assert row.next_session == min(d for d in sessions if d >= day)
        assert_list_dates_in_step(repo, day)
    clock.moment += timedelta(days=1)
    assert repo.patient_list.search("zoe").rows[0].next_session is None


def test_a_failed_write_leaves_them_as_they_were(repo, monkeypatch):
    zoe = repo.patients.save(patient())
    c = consultation(zoe)
    repo.consultations.finalize(c, plan_for(c))
    before = _kept(repo, zoe.id)

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(repo, "audit_event", broken)
    with pytest.raises(Exception):  # noqa: B017 - whatever it becomes, nothing is kept
        repo.consultations.save_draft(consultation(zoe, date=date(2026, 11, 25)))
    assert _kept(repo, zoe.id) == before


def test_demo_seeding_keeps_them_in_step(repo):
    seed_demo(repo, CATALOG, 300, seed=5, today=TODAY)
    assert repo.db.execute("SELECT count(*) FROM patients WHERE session_dates != ''").fetchone()[0]
    assert repo.db.execute(
        "SELECT count(*) FROM consultations WHERE revision_of IS NOT NULL"
    ).fetchone()[0]
    assert_list_dates_in_step(repo)


def test_an_import_keeps_them_in_step(repo, tmp_path):
    seed_demo(repo, CATALOG, 60, seed=6, today=TODAY)
    exported = export(repo, tmp_path / "records.json")
    with RecordStore.open(tmp_path / "other.sqlite3", clock=lambda: repo.clock()) as other:
        zoe = other.patients.save(patient())
        c = consultation(zoe)
        other.consultations.finalize(c, plan_for(c))
        import_json(other, exported)
        assert_list_dates_in_step(other)
        assert listing.compute(other.conn, [zoe.id])[zoe.id][0] == "2026-11-20"
        by_uuid = dict(other.conn.execute("SELECT uuid, session_dates FROM patients"))
        for uuid, dates in repo.conn.execute("SELECT uuid, session_dates FROM patients"):
            assert by_uuid[uuid] == dates


def test_check_finds_a_patient_whose_kept_dates_are_wrong(repo, db_path):
    zoe = repo.patients.save(patient())
    c = consultation(zoe)
    repo.consultations.finalize(c, plan_for(c))
    repo.patients.save(patient("Ana Núñez"))
    assert repo.health.check().healthy
    for tampered in (
        "UPDATE patients SET session_dates = '' WHERE id = 1",
        "UPDATE patients SET last_consultation = '2020-01-01' WHERE id = 1",
        "UPDATE patients SET last_consultation = '2026-11-20' WHERE id = 2",
    ):
        repo.conn.execute("SAVEPOINT tamper")
        repo.conn.execute(tampered)
        report = repo.health.check()
        repo.conn.execute("ROLLBACK TO tamper")
        repo.conn.execute("RELEASE tamper")
        assert not report.healthy, tampered
        (problem,) = report.problems
        assert "1 patient(s)" in problem and "do not match their consultations" in problem
        assert "Zoë" not in report.summary() and "Ana" not in report.summary()
    assert repo.health.check().healthy


def test_next_session():
    dates = "2026-12-01 2026-12-29 2027-01-26"
    assert listing.next_session(dates, "2026-11-26") == "2026-12-01"
    assert listing.next_session(dates, "2026-12-01") == "2026-12-01"
    assert listing.next_session(dates, "2026-12-02") == "2026-12-29"
    assert listing.next_session(dates, "2027-01-26") == "2027-01-26"
    assert listing.next_session(dates, "2027-01-27") is None
    assert listing.next_session("", "2026-11-26") is None


def test_the_upgrade_to_version_4_lists_what_version_3_listed(tmp_path, clock, monkeypatch):
    """A file of many patients (drafts, finals, amendments) as version 3 had it, without the
    kept dates: after the upgrade the list shows, for every patient and on any day, what the
    subqueries of version 3 showed."""
    # The old file is made by taking a new one apart, which is just what the check of the
    # file's structure refuses (test_tamper); this test is about the upgrade's dates.
    monkeypatch.setattr(opening, "_refuse_changed_structure", lambda *args: None)
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path, catalog=CATALOG, clock=clock) as repo:
        seed_demo(repo, CATALOG, 300, seed=8, today=TODAY)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("ALTER TABLE patients DROP COLUMN last_consultation")
        conn.execute("ALTER TABLE patients DROP COLUMN session_dates")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0004_list_dates'")
    conn.execute("PRAGMA user_version = 3")
    days = [TODAY + timedelta(days=n) for n in (-800, -365, -60, 0, 1, 30, 120, 800)]
    before = {day: dates_by_subqueries(conn, day) for day in days}
    conn.close()
    assert any(nxt for d in before.values() for _, nxt in d.values())
    for day in days:
        clock.moment = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        with RecordStore.open(path, catalog=CATALOG, clock=clock) as repo:
            assert repo.conn.execute("PRAGMA user_version").fetchone()[0] == 4
            assert listed_dates(repo) == before[day], day
            assert_list_dates_in_step(repo, day)
