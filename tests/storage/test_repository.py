"""The RecordStore: domain objects in and out; drafts, finals, amendments, questions."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest
from storage_helpers import (
    CATALOG,
    FACE_ACNE,
    NECK_LINES,
    NO,
    as_final,
    consultation,
    patient,
    plan_for,
)

from consult.domain.model import Answer, ClinicSettings, Override, Status, ValidationError
from consult.storage import RecordStore, rows
from consult.storage.errors import ConflictError, NotFoundError, StorageError
from consult.storage.migrations import SCHEMA_VERSION


@pytest.mark.sqlite_only
def test_new_database_has_schema_and_pragmas(repo):
    conn = repo.db.conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = set(repo.db.table_names())
    assert {
        "patients",
        "consultations",
        "consultation_areas",
        "consultation_zones",
        "consultation_concerns",
        "consultation_adjuncts",
        "planned_sessions",
        "adjunct_visits",
        "providers",
        "settings",
        "audit_log",
        "_sqlite_migrations",
    } <= tables


def test_patient_round_trip_and_update(repo):
    saved = repo.patients.save(patient())
    assert saved.id is not None
    assert saved == replace(patient(), id=saved.id)
    assert repo.patients.get(saved.id) == saved
    renamed = repo.patients.save(replace(saved, name="Zoe Brennan", phone=""))
    assert renamed.id == saved.id
    assert repo.patients.get(saved.id).name == "Zoe Brennan"
    assert [r.id for r in repo.patient_list.search("brennan").rows] == [saved.id]
    assert repo.patient_list.search("obrien").rows == ()


def test_missing_records_are_plain_errors(repo):
    with pytest.raises(NotFoundError) as caught:
        repo.patients.get(404)
    assert "no patient with id 404" in caught.value.message
    with pytest.raises(NotFoundError):
        repo.records.consultation(404)
    with pytest.raises(NotFoundError):
        repo.patients.save(replace(patient(), id=404))


def test_draft_insert_update_and_delete(repo):
    draft = repo.consultations.save_draft(consultation(patient()))
    assert draft.id is not None and draft.status is Status.DRAFT
    assert draft.patient.id is not None
    assert repo.records.consultation(draft.id) == draft
    changed = repo.consultations.save_draft(
        replace(draft, areas=(FACE_ACNE, NECK_LINES), notes="Changed.", screening={})
    )
    assert changed.id == draft.id
    assert changed.areas == (FACE_ACNE, NECK_LINES)
    assert changed.screening == {}
    assert repo.records.planned_sessions(draft.id) == ()
    assert repo.records.stored_plan(draft.id) is None
    repo.consultations.delete_draft(draft.id)
    with pytest.raises(NotFoundError):
        repo.records.consultation(draft.id)
    assert repo.db.execute("SELECT count(*) FROM consultation_areas").fetchone()[0] == 0


def test_finalize_writes_everything_in_one_go(repo):
    c = consultation(patient(), areas=(FACE_ACNE, NECK_LINES))
    plan = plan_for(c)
    final = repo.consultations.finalize(c, plan)
    assert final == as_final(c, final)
    assert repo.records.consultation(final.id) == final
    assert repo.records.planned_sessions(final.id) == plan.sessions
    assert repo.records.adjunct_visits(final.id) == plan.adjunct_visits
    assert plan.adjunct_visits  # the mandelic peel is placed between sessions
    stored = repo.records.stored_plan(final.id)
    assert stored.interval_weeks == plan.interval_weeks
    assert (stored.results_from, stored.results_to) == (plan.results_from, plan.results_to)
    assert stored.screening_outcome == plan.screening.outcome.value
    assert stored.catalog_version == CATALOG.version


def test_a_draft_becomes_final(repo):
    draft = repo.consultations.save_draft(consultation(patient()))
    final = repo.consultations.finalize(draft, plan_for(draft))
    assert final.id == draft.id and final.status is Status.FINAL


def test_finalize_refuses_an_unfinished_screening(repo):
    c = consultation(patient(), screening={})
    with pytest.raises(ConflictError) as caught:
        repo.consultations.finalize(c, plan_for(c))
    assert "screening" in caught.value.message
    assert repo.health.counts()["consultations"] == 0  # nothing of the refused one was saved


def test_do_not_treat_is_saved_as_a_letter_or_overridden_with_a_reason(repo):
    c = consultation(patient(), screening=dict(NO, sunburn=Answer.YES))
    letter = repo.consultations.finalize(c, plan_for(c))
    assert repo.records.planned_sessions(letter.id) == ()
    stored = repo.records.stored_plan(letter.id)
    assert (stored.screening_outcome, stored.results_from) == ("do_not_treat", None)
    overridden = replace(
        c, override=Override("Sunburn is on the back; treating the face.", "Dr Reyes")
    )
    final = repo.consultations.finalize(overridden, plan_for(overridden))
    assert repo.records.consultation(final.id).override == overridden.override
    assert len(repo.records.planned_sessions(final.id)) == 5


def test_a_label_contraindication_cannot_be_overridden_in_the_records(repo):
    c = consultation(
        patient(),
        screening=dict(NO, pregnancy=Answer.YES),
        override=Override("Confirmed not pregnant by test.", "Dr Reyes"),
    )
    with pytest.raises(ConflictError) as caught:
        repo.consultations.finalize(c, plan_for(c))
    assert "contraindication on the device's label (pregnancy)" in caught.value.message
    # Sessions put on a letter's plan by hand are refused too.
    letter = replace(c, override=None)
    forged = replace(plan_for(consultation(patient())), screening=plan_for(letter).screening)
    with pytest.raises(ConflictError) as caught:
        repo.consultations.finalize(letter, forged)
    assert "do not treat, yet the plan has sessions" in caught.value.message
    assert repo.health.counts()["consultations"] == 0


def test_no_path_saves_sessions_closer_than_the_floor(repo):
    c = consultation(patient())
    plan = plan_for(c)
    close = tuple(
        replace(s, date=plan.sessions[0].date + timedelta(weeks=2 * i))
        for i, s in enumerate(plan.sessions)
    )
    with pytest.raises(ConflictError) as caught:
        repo.consultations.finalize(c, replace(plan, sessions=close))
    assert "14 days apart" in caught.value.message
    final = repo.consultations.finalize(c, plan)
    amended = replace(c, notes="Amended.")
    with pytest.raises(ConflictError) as caught:
        repo.consultations.amend(final.id, amended, replace(plan, sessions=close))
    assert "the catalog's minimum is 4 weeks" in caught.value.message
    # Nor more sessions than the concerns need.
    many = tuple(
        replace(plan.sessions[0], number=n, date=plan.sessions[0].date + timedelta(weeks=4 * n))
        for n in range(8)
    )
    with pytest.raises(ConflictError) as caught:
        repo.consultations.amend(final.id, amended, replace(plan, sessions=many))
    assert "8 sessions, outside the 4–6" in caught.value.message
    assert [x.id for x in repo.records.revisions(final.id)] == [final.id]


def test_a_final_is_never_overwritten(repo):
    c = consultation(patient())
    final = repo.consultations.finalize(c, plan_for(c))
    with pytest.raises(ConflictError) as caught:
        repo.consultations.save_draft(replace(final, notes="sneaky"))
    assert "amend" in caught.value.message
    with pytest.raises(ConflictError):
        repo.consultations.finalize(replace(final, notes="sneaky"), plan_for(c))
    with pytest.raises(ConflictError):
        repo.consultations.delete_draft(final.id)
    assert repo.records.consultation(final.id) == final


def test_the_database_itself_refuses_changes_to_finals(repo):
    c = consultation(patient())
    final = repo.consultations.finalize(c, plan_for(c))
    for sql in (
        "UPDATE consultations SET notes = 'x' WHERE id = ?",
        "DELETE FROM consultations WHERE id = ?",
        "DELETE FROM planned_sessions WHERE consultation_id = ?",
        "UPDATE consultation_concerns SET severity = 'mild' WHERE consultation_id = ?",
        # an answer added to the text (on either engine: the guard runs before any check)
        "UPDATE consultations SET answers = substr(answers, 1, length(answers) - 1) "
        "|| ',[99,\"extra\",\"yes\"]]' WHERE id = ?",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="final consultation"):
            repo.db.execute(sql, [final.id])
    assert repo.records.consultation(final.id) == final


def test_amend_makes_a_new_revision_and_keeps_the_old(repo):
    c = consultation(patient())
    first = repo.consultations.finalize(c, plan_for(c))
    changed = replace(first, areas=(FACE_ACNE, NECK_LINES), notes="Added the neck.")
    second = repo.consultations.amend(first.id, changed, plan_for(changed))
    assert second.id != first.id
    assert second.revision_of == first.id
    assert second.areas == (FACE_ACNE, NECK_LINES)
    assert repo.records.consultation(first.id) == first
    assert repo.records.revisions(first.id) == [first, second]
    assert repo.records.revisions(second.id) == [first, second]
    assert repo.records.planned_sessions(second.id) == plan_for(changed).sessions
    # Only the current revision is listed for the patient, unless asked.
    assert [x.id for x in repo.records.for_patient(first.patient.id)] == [second.id]
    assert {x.id for x in repo.records.for_patient(first.patient.id, True)} == {
        first.id,
        second.id,
    }
    with pytest.raises(ConflictError) as caught:
        repo.consultations.amend(first.id, changed, plan_for(changed))
    assert f"consultation {second.id}" in caught.value.message
    third = repo.consultations.amend(second.id, replace(changed, notes="Third."), plan_for(changed))
    assert [x.id for x in repo.records.revisions(first.id)] == [first.id, second.id, third.id]


def test_amend_refuses_drafts_and_other_patients(repo):
    draft = repo.consultations.save_draft(consultation(patient()))
    with pytest.raises(ConflictError):
        repo.consultations.amend(draft.id, draft, plan_for(draft))
    c = consultation(patient())
    final = repo.consultations.finalize(c, plan_for(c))
    other = repo.patients.save(patient("Someone Else"))
    with pytest.raises(ConflictError):
        repo.consultations.amend(final.id, replace(final, patient=other), plan_for(final))


def test_failed_transaction_leaves_nothing(repo, monkeypatch):
    c = consultation(patient())

    def boom(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(rows, "write_plan", boom)
    with pytest.raises(RuntimeError):
        repo.consultations.finalize(c, plan_for(c))
    assert repo.health.counts() == {
        "patients": 0,
        "consultations": 0,
        "drafts": 0,
        "audit entries": 0,
        "consents": 0,
        "visits": 0,
        "course changes": 0,
        "photos": 0,
    }
    assert not repo.db.conn.in_transaction


def test_settings_default_to_the_catalog_protocol(repo):
    settings = repo.clinic.settings()
    protocol = CATALOG.protocol
    assert settings.interval_weeks == protocol.interval_weeks
    assert settings.closed_weekdays == protocol.closed_weekdays
    assert settings.min_age == protocol.min_age
    mine = ClinicSettings(
        name="Clínica Ñandú",
        address="Calle Mayor 1\n28013 Madrid",
        interval_weeks=6,
        closed_weekdays=frozenset({6}),
        holidays=frozenset({date(2026, 12, 25), date(2027, 1, 1)}),
        paper_size="letter",
    )
    assert repo.clinic.save_settings(mine) == mine
    assert repo.clinic.settings() == mine
    with pytest.raises(ValidationError):
        repo.clinic.save_settings(replace(mine, interval_weeks=0))
    with pytest.raises(ValidationError) as caught:
        repo.clinic.save_settings(replace(mine, interval_weeks=2))
    assert str(caught.value).startswith(
        "Sessions cannot be planned closer than 4 weeks apart: that is the minimum interval in "
        "the clinic's catalog"
    )
    assert repo.clinic.settings() == mine


def test_providers(repo):
    assert repo.clinic.providers() == []
    repo.clinic.save_provider("  Dr Zoë Álvarez ")
    repo.clinic.save_provider("Nurse Ben")
    repo.clinic.save_provider("Nurse Ben")
    assert repo.clinic.providers() == ["Dr Zoë Álvarez", "Nurse Ben"]
    repo.clinic.remove_provider("Nurse Ben")
    assert repo.clinic.providers() == ["Dr Zoë Álvarez"]
    with pytest.raises(ValidationError):
        repo.clinic.save_provider("   ")


def test_sessions_due_and_patients_with_concern(repo, clock):
    zoe = repo.patients.save(patient())
    ana = repo.patients.save(patient("Ana Núñez"))
    c1 = consultation(zoe, areas=(FACE_ACNE,))
    first = repo.consultations.finalize(c1, plan_for(c1))
    c2 = consultation(ana, areas=(NECK_LINES,), adjuncts=())
    repo.consultations.finalize(c2, plan_for(c2))
    draft = consultation(ana, areas=(FACE_ACNE,))
    repo.consultations.save_draft(draft)

    week = repo.records.sessions_due(date(2026, 12, 1), date(2026, 12, 7))
    assert [(d.patient_name, d.number) for d in week] == [
        ("Ana Núñez", 1),
        ("Zoë O'Brien-Łukasiewicz", 1),
    ]
    assert [p.name for p in repo.records.patients_with_concern("acne_scars")] == [zoe.name]
    assert [p.name for p in repo.records.patients_with_concern("fine_lines")] == [ana.name]

    # An amendment that drops acne scars takes the patient off that list; its dates count.
    moved = replace(first, areas=(NECK_LINES,), start_date=date(2027, 1, 4))
    repo.consultations.amend(first.id, moved, plan_for(moved))
    assert repo.records.patients_with_concern("acne_scars") == []
    assert [
        d.patient_name for d in repo.records.sessions_due(date(2026, 12, 1), date(2026, 12, 7))
    ] == ["Ana Núñez"]
    row = next(r for r in repo.patient_list.search("zoe").rows)
    assert row.last_consultation == date(2026, 11, 20)
    assert row.next_session == date(2027, 1, 4)
    clock.moment += timedelta(days=3650)
    assert repo.patient_list.search("zoe").rows[0].next_session is None


def test_a_new_patient_in_a_consultation_is_saved_with_it(repo):
    c = consultation(patient("Brand New"))
    final = repo.consultations.finalize(c, plan_for(c))
    assert final.patient.id is not None
    assert repo.patients.get(final.patient.id).name == "Brand New"


def test_open_with_missing_folder_and_directory(tmp_path):
    with pytest.raises(StorageError) as caught:
        RecordStore.open(tmp_path / "nope" / "records.sqlite3")
    assert "does not exist" in caught.value.message
    with pytest.raises(StorageError) as caught:
        RecordStore.open(tmp_path)
    assert "is a folder" in caught.value.message


def test_default_path_is_in_the_data_folder(isolated_folders):
    with RecordStore.open() as repo:
        assert repo.path == isolated_folders / "consult-data" / "records.sqlite3"
        assert repo.path.exists()


def test_readonly_repository_writes_nothing(db_path):
    with RecordStore.open(db_path) as repo:
        repo.patients.save(patient())
    with RecordStore.open(db_path, readonly=True) as repo:
        assert repo.patient_list.search("zoe").rows
        with pytest.raises(StorageError):
            repo.patients.save(patient("Another"))
    with RecordStore.open(db_path) as repo:
        assert repo.health.counts()["patients"] == 1


def test_a_locked_database_is_a_plain_error(db_path, monkeypatch):
    from consult.storage import database
    from consult.storage.errors import DatabaseBusyError

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    with RecordStore.open(db_path) as repo:
        other = sqlite3.connect(db_path)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DatabaseBusyError) as caught:
                repo.patients.save(patient())
            assert "in use by another program" in caught.value.message
        finally:
            other.rollback()
            other.close()
        assert repo.patients.save(patient()).id == 1


def test_leftovers_of_a_killed_creation_are_swept(tmp_path):
    import os

    old = tmp_path / ".records.sqlite3.new.0123456789ab.tmp"
    old.write_bytes(b"half made")
    os.utime(old, (0, 0))
    fresh = tmp_path / ".records.sqlite3.new.ba9876543210.tmp"
    fresh.write_bytes(b"being made right now")
    with RecordStore.open(tmp_path / "records.sqlite3"):
        pass
    assert not old.exists()
    assert fresh.exists()


def test_a_connection_for_any_thread(repo, db_path):
    """By default only the opening thread may use a connection; ``any_thread`` lifts that
    (for the searches' shared connection, which its owner uses one thread at a time)."""
    repo.patients.save(patient())
    outcomes = []

    def use(other):
        try:
            outcomes.append(other.health.counts()["patients"])
        except StorageError as exc:
            outcomes.append(type(exc.__cause__).__name__)

    for any_thread in (False, True):
        with RecordStore.open(db_path, readonly=True, verify=False, any_thread=any_thread) as other:
            worker = threading.Thread(target=use, args=(other,))
            worker.start()
            worker.join()
    assert outcomes == ["ProgrammingError", 1]


def test_appointment_times_and_the_amend_reason_are_kept(repo):
    """Sessions are booked at a time of day (one of them at its own), kept with the agreed
    plan; an amendment keeps why it was made."""
    from datetime import time

    zoe = repo.patients.save(patient())
    c = replace(consultation(zoe), appointment_time=time(9, 30), times={"session-3": time(17, 0)})
    saved = repo.consultations.finalize(c, plan_for(c))
    assert saved.appointment_time == time(9, 30) and saved.times == {"session-3": time(17, 0)}
    sessions = repo.records.planned_sessions(saved.id)
    assert [s.time for s in sessions[:4]] == [time(9, 30), time(9, 30), time(17, 0), time(9, 30)]
    assert {v.time for v in repo.records.adjunct_visits(saved.id)} == {time(9, 30)}
    changed = replace(saved, appointment_time=time(8, 0), amend_reason="Earlier slots suit.")
    amended = repo.consultations.amend(saved.id, changed, plan_for(changed))
    assert amended.amend_reason == "Earlier slots suit."
    assert repo.records.consultation(saved.id).amend_reason == ""
    assert repo.records.planned_sessions(amended.id)[0].time == time(8, 0)
