"""Records that prove themselves (issue 13): changes made to the file outside the app show.

Each attack is what someone holding the file could do with any SQLite tool: drop the guard
triggers, change a final consultation or a patient, add or remove rows, cut the newest audit
entries and set SQLite's counter back, rewrite the anchor to match.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from storage_helpers import CATALOG, consult_cli, consultation, patient, plan_for

from consult.storage import RecordStore, anchor, restore
from consult.storage.backup import backup_with_audit
from consult.storage.copies import backup_to
from consult.storage.errors import BackupError, CorruptDatabaseError, SchemaChangedError


@pytest.fixture
def records(tmp_path):
    """Two patients, a final consultation and its amendment, a draft; closed."""
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path, catalog=CATALOG, provider="Dr Reyes") as store:
        c = consultation(patient())
        first = store.consultations.finalize(c, plan_for(c))
        store.consultations.amend(first.id, c, plan_for(c))
        other = store.patients.save(patient("Ана Иванова"))
        store.consultations.save_draft(consultation(other))
    return path


def tamper(path, *statements):
    """As a person with the file and the sqlite3 tool: the guards go first."""
    conn = sqlite3.connect(path)
    triggers = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    for name in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def verify(path):
    with RecordStore.open(path, readonly=True, verify=False) as store:
        return store.audit.verify()


def test_the_records_as_saved_verify(records):
    report = verify(records)
    assert report.intact and report.sealed, report.problems
    assert "matches its sealed content" in report.summary()


@pytest.mark.parametrize(
    "statement",
    [
        # A consultation's answers are one text (schema 12): question 0's, and question 3's.
        "UPDATE consultations SET answers = json_set(answers, '$[0][2]', 'not_sure') WHERE id = 1",
        "UPDATE consultations SET answers = json_set(answers, '$[3][2]', 'yes') WHERE id = 1",
        "UPDATE planned_sessions SET date = '2027-01-01' WHERE consultation_id = 1 AND number = 1",
        "UPDATE consultations SET notes = 'nothing to see' WHERE id = 1",
        "UPDATE consultations SET provider = 'Dr Nobody' WHERE id = 2",
        "DELETE FROM consultation_adjuncts WHERE consultation_id = 2",
    ],
)
def test_a_changed_final_consultation_is_named(records, statement):
    tamper(records, statement)
    report = verify(records)
    assert not report.intact
    assert any("changed outside the app" in p and "consultation" in p for p in report.problems)


def test_a_changed_booked_time_or_amend_reason_is_named(tmp_path):
    """Schema 7's booked times and reason are sealed; records without them hash as before."""
    from dataclasses import replace as changed
    from datetime import time

    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path, catalog=CATALOG, provider="Dr Reyes") as store:
        c = consultation(patient())
        plan = plan_for(c)
        booked = changed(plan, sessions=tuple(changed(s, time=time(16, 15)) for s in plan.sessions))
        first = store.consultations.finalize(c, booked)
        amended = changed(c, amend_reason="Patient asked for later dates")
        store.consultations.amend(first.id, amended, booked)
    assert verify(path).intact
    for statement in (
        "UPDATE planned_sessions SET time = '09:00' WHERE consultation_id = 1 AND number = 1",
        "UPDATE consultations SET amend_reason = 'none' WHERE id = 2",
        "UPDATE planned_sessions SET time = NULL WHERE consultation_id = 2",
    ):
        copy = tmp_path / f"copy-{abs(hash(statement))}.sqlite3"
        copy.write_bytes(path.read_bytes())
        tamper(copy, statement)
        report = verify(copy)
        assert any("changed outside the app" in p for p in report.problems), statement


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE patients SET date_of_birth = '1960-01-01' WHERE id = 1",
        "UPDATE patients SET fitzpatrick = 1 WHERE id = 1",
        "UPDATE patients SET name = 'Someone Else' WHERE id = 2",
    ],
)
def test_a_changed_patient_is_named(records, statement):
    tamper(records, statement)
    problems = verify(records).problems
    assert any("changed outside the app" in p and ": patient" in p for p in problems), problems


def test_rows_added_or_removed_outside_the_app_show(records):
    tamper(
        records,
        "INSERT INTO patients (uuid, name, search_name, date_of_birth, fitzpatrick, language, "
        "created_at, updated_at) VALUES ('x', 'Ghost', 'ghost', '1980-01-01', 2, 'en', 'now', "
        "'now')",
        "DELETE FROM consultations WHERE id = 2",
    )
    problems = " ".join(verify(records).problems)
    assert "added outside the app" in problems and "patient 3" in problems
    assert "removed outside the app" in problems and "consultation 2" in problems


def test_db_check_finds_the_dropped_guards_and_db_verify_names_the_record(records):
    tamper(records, "UPDATE patients SET fitzpatrick = 6 WHERE id = 1")
    check = consult_cli("--db", records, "db", "check")
    assert check.returncode == 1
    assert "safety check" in check.stderr or "trigger" in check.stderr
    verified = consult_cli("--db", records, "db", "verify")
    assert verified.returncode == 1
    assert "patient 1" in verified.stderr
    # The dropped guards are tampering too: db verify says so as well.
    assert "safety check" in verified.stderr or "trigger" in verified.stderr
    for result in (check, verified):
        assert "Ана" not in result.stderr + result.stdout  # never what a record says


def test_a_record_changed_with_its_guards_in_place_is_db_verifys_to_name(records):
    # A patient's row has no guard to drop: the file is sound, its content is not what the
    # trail sealed. db check says the file is healthy and where each record is checked
    # against its seal; db verify names it. Together they check everything once.
    conn = sqlite3.connect(records)
    with conn:
        conn.execute("UPDATE patients SET fitzpatrick = 6 WHERE id = 1")
    conn.close()
    check = consult_cli("--db", records, "db", "check")
    assert check.returncode == 0, check.stderr
    assert "every record against its seal) is checked by “consult db verify”" in check.stdout
    verified = consult_cli("--db", records, "db", "verify")
    assert verified.returncode == 1
    assert "1 record(s) changed outside the app" in verified.stderr
    assert "patient 1" in verified.stderr


def _cut_newest(path, how_many):
    conn = sqlite3.connect(path)
    last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id > ?", [last - how_many])
    conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_log'", [last - how_many])
    conn.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN "
        "SELECT RAISE (ABORT, 'audit log entries cannot be deleted'); END"
    )
    conn.commit()
    conn.close()


def _view_and_print(path):
    with RecordStore.open(path, verify=False) as store:
        store.audit.record("view", 1)
        store.audit.record("print", 1)


def test_cutting_the_newest_audit_entries_is_caught_by_the_anchor(records):
    assert anchor.anchor_path(records).exists()
    _view_and_print(records)
    _cut_newest(records, 2)  # who saw and printed a plan: no record changes with them
    problems = verify(records).problems
    assert any("newest entries were removed" in p for p in problems), problems
    # The app does not overwrite the anchor that shows it.
    with RecordStore.open(records, verify=False) as store:
        store.clinic.save_provider("Dr Later")
    assert any("newest entries were removed" in p for p in verify(records).problems)


def test_without_the_anchor_the_cut_is_not_provable(records):
    """What the anchor adds (docs/storage.md): without it, a cut chain is whole."""
    _view_and_print(records)
    anchor.anchor_path(records).unlink()
    _cut_newest(records, 2)
    assert verify(records).intact


class MemoryKeyring:
    """A keyring as the operating system's would be, in memory."""

    priority = 10

    def __init__(self):
        self.passwords = {}

    def get_password(self, service, user):
        return self.passwords.get((service, user))

    def set_password(self, service, user, password):
        self.passwords[service, user] = password


def test_an_anchor_rewritten_to_match_is_caught_by_its_seal(tmp_path, monkeypatch):
    keyring = MemoryKeyring()
    monkeypatch.setattr(anchor, "_keyring", lambda: keyring)
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path, catalog=CATALOG) as store:
        c = consultation(patient())
        store.consultations.finalize(c, plan_for(c))
        store.clinic.save_provider("Dr Later")
    body = json.loads(anchor.anchor_path(path).read_text())
    assert body["mac"]
    _cut_newest(path, 1)
    with sqlite3.connect(path) as conn:
        head = anchor.head_of(conn)
    body |= {"entries": head.entries, "hash": head.hash}  # made to agree with the cut file
    anchor.anchor_path(path).write_text(json.dumps(body))
    problems = verify(path).problems
    assert any("changed by something other than the app" in p for p in problems), problems


def test_an_older_file_is_sealed_when_it_is_upgraded(tmp_path):
    from schema_builders import BUILDERS

    path = tmp_path / "records.sqlite3"
    BUILDERS[4](path)
    with RecordStore.open(path) as store:
        report = store.audit.verify()
        seals = store.audit.entries()
    assert report.intact and report.sealed, report.problems
    assert {e["action"] for e in seals[-3:]} == {"seal"}
    tamper(path, "UPDATE patients SET phone = '000' WHERE id = 2")
    assert not verify(path).intact


def test_a_restore_of_a_cut_backup_is_refused_and_keeps_nothing(records, tmp_path):
    with RecordStore.open(records, verify=False) as store:
        backup = backup_with_audit(store, tmp_path / "monday.sqlite3")
    assert anchor.anchor_path(backup).exists()
    _cut_newest(backup, 1)
    with pytest.raises(BackupError, match="changed after it was made"):
        restore(backup, records)
    assert not list((tmp_path / "backups").glob("*before-restore*"))


def test_backups_made_in_the_same_second_get_their_own_names(records, tmp_path):
    dest = tmp_path / "same-second.sqlite3"
    with RecordStore.open(records, verify=False) as store:
        first = backup_to(store.db, dest, unique=True)
        second = backup_to(store.db, dest, unique=True)
    assert first == dest and second.name == "same-second-2.sqlite3"
    assert first.exists() and second.exists()


def test_copies_kept_before_restores_are_rotated(records, tmp_path, monkeypatch):
    from consult.storage import backup as backup_module

    monkeypatch.setattr(backup_module, "KEEP_BEFORE_RESTORE", 2)
    with RecordStore.open(records, verify=False) as store:
        source = backup_with_audit(store, tmp_path / "source.sqlite3")
    for _ in range(4):
        restore(source, records)
    kept = list((tmp_path / "backups").glob("*before-restore*.sqlite3"))
    assert len(kept) == 2


REWRITE = (
    "CREATE TRIGGER quiet AFTER UPDATE OF answers ON consultations "
    """WHEN new.answers LIKE '%"yes"%' BEGIN """
    """UPDATE consultations SET answers = replace(new.answers, '"yes"', '"no"') """
    "WHERE id = new.id; END"
)


def test_an_added_trigger_is_reported_and_nothing_is_written(records):
    conn = sqlite3.connect(records)
    conn.execute(REWRITE)
    conn.commit()
    conn.close()
    result = consult_cli("--db", records, "db", "check")
    assert result.returncode == 1 and "an added trigger 'quiet'" in result.stderr
    with pytest.raises(SchemaChangedError) as refused:
        RecordStore.open(records)
    assert not refused.value.mendable
    assert "restore the latest backup" in refused.value.message.lower()
    repair = consult_cli("--db", records, "db", "check", "--repair")
    assert repair.returncode == 1 and "Only missing safety checks" in repair.stderr


def test_a_backup_with_an_added_trigger_is_not_restored(records, tmp_path):
    with RecordStore.open(records, verify=False) as store:
        backup = backup_with_audit(store, tmp_path / "poisoned.sqlite3")
    conn = sqlite3.connect(backup)
    conn.execute(REWRITE)
    conn.commit()
    conn.close()
    with pytest.raises(BackupError, match="an added trigger 'quiet'"):
        restore(backup, records)


def test_removed_guards_are_reported_and_put_back_on_request(records):
    tamper(records)  # every trigger dropped, nothing else changed
    result = consult_cli("--db", records, "db", "check")
    assert result.returncode == 1 and "is missing" in result.stderr
    repaired = consult_cli("--db", records, "db", "check", "--repair")
    assert "Put back" in repaired.stdout and repaired.returncode == 0, repaired.stderr
    with RecordStore.open(records) as store:
        assert any(e["action"] == "repair" for e in store.audit.entries())
        assert store.health.check().healthy


def test_the_app_asks_before_putting_the_guards_back(records, tmp_path, monkeypatch):
    from consult.ui import app, dialogs

    tamper(records)
    asked = []
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: asked.append(a[1]) or True)
    clinic = app.open_clinic(CATALOG, records, tmp_path)
    clinic.close()
    assert asked == ["The records' safety checks were removed"]
    with RecordStore.open(records, readonly=True) as store:
        assert store.health.check().healthy


@pytest.mark.parametrize(
    "answers",
    [
        '[[0,"pregnancy","maybe"]]',  # not an answer
        '[[0,"pregnancy","no"],[0,"keloid","no"]]',  # numbered twice
        '[[0,"pregnancy","no"],[1,"pregnancy","yes"]]',  # a question answered twice
        '[[0,"pregnancy"]]',
        "not JSON",
    ],
)
def test_a_drafts_answers_changed_outside_the_app_are_reported(records, answers):
    """Until schema 12 a CHECK constraint kept each answer row yes, no or not sure; now the
    answers are one text, db check reads every draft's (a final's are sealed)."""
    conn = sqlite3.connect(records)
    conn.execute("UPDATE consultations SET answers = ? WHERE status = 'draft'", [answers])
    (draft,) = conn.execute("SELECT id FROM consultations WHERE status = 'draft'").fetchone()
    conn.commit()
    conn.close()
    with RecordStore.open(records, readonly=True, verify=False) as store:
        report = store.health.check()
    assert not report.healthy
    assert any("screening answers of 1 draft" in p for p in report.problems), report.problems
    store = RecordStore.open(records, catalog=CATALOG)
    unreadable = f"consultation {draft} cannot be read"
    with store, pytest.raises(CorruptDatabaseError, match=unreadable):
        store.records.consultation(draft)


def test_a_finals_answers_made_unreadable_are_named_as_changed(records):
    tamper(
        records, """UPDATE consultations SET answers = '[[0,"pregnancy","maybe"]]' WHERE id = 1"""
    )
    problems = verify(records).problems
    assert any("changed outside the app" in p and "consultation 1" in p for p in problems)
