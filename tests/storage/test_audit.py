"""The audit trail: every action logged without patient data, chained, tamper-evident."""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_helpers import consult_cli, consultation, patient, plan_for

from consult.storage import RecordStore, audit
from consult.storage.audit import GENESIS, entry_hash
from consult.storage.backup import backup_with_audit
from consult.storage.errors import SchemaChangedError
from consult.storage.exchange import export
from consult.storage.opening import repair_guards


def _busy_day(repo, tmp_path):
    zoe = repo.patients.save(patient())
    draft = repo.consultations.save_draft(consultation(zoe, notes="Secret note about the patient."))
    final = repo.consultations.finalize(draft, plan_for(draft))
    changed = replace(final, notes="Another secret.")
    repo.consultations.amend(final.id, changed, plan_for(changed))
    repo.audit.record("view", final.id)
    repo.provider = "Nurse Ben"  # another account signed in
    repo.audit.record("print", final.id)
    repo.provider = "Dr Reyes"
    repo.audit.record("export", zoe.id, record_type="patient")
    doomed = repo.consultations.save_draft(consultation(zoe))
    repo.consultations.delete_draft(doomed.id)
    backup_with_audit(repo, tmp_path / "copy.sqlite3")
    export(repo, tmp_path / "all.json")
    return zoe, final


def test_every_action_is_logged(repo, tmp_path):
    _zoe, final = _busy_day(repo, tmp_path)
    actions = [(e["action"], e["record_type"]) for e in repo.audit.entries()]
    assert actions == [
        ("create", "patient"),
        ("create", "consultation"),
        ("finalize", "consultation"),
        ("amend", "consultation"),
        ("view", "consultation"),
        ("print", "consultation"),
        ("export", "patient"),
        ("create", "consultation"),
        ("delete", "consultation"),
        ("backup", "database"),
        ("export", "database"),
    ]
    views = repo.audit.entries("consultation", final.id)
    assert [(e["action"], e["provider"]) for e in views] == [
        ("create", "Dr Reyes"),
        ("finalize", "Dr Reyes"),
        ("view", "Dr Reyes"),
        ("print", "Nurse Ben"),
    ]
    assert all(e["at"].startswith("2026-11-26T09:30:00") for e in views)
    assert views[0]["record_uuid"]
    assert repo.audit.verify().intact


def test_no_patient_data_in_the_audit_log(repo, tmp_path):
    _zoe, _ = _busy_day(repo, tmp_path)
    text = json.dumps(repo.audit.entries(), ensure_ascii=False).lower()
    for secret in ("zoë", "zoe", "brien", "1990-05-17", "secret", "612 345", "example.com"):
        assert secret not in text


def test_chain_links_each_entry_to_the_last(repo, tmp_path):
    _busy_day(repo, tmp_path)
    entries = repo.audit.entries()
    assert entries[0]["prev_hash"] == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after["prev_hash"] == before["hash"]
    for entry in entries:
        assert entry["hash"] == entry_hash(entry)


def test_record_event_checks_its_input(repo):
    with pytest.raises(ValueError, match="view, print and export"):
        repo.audit.record("finalize", None)
    from consult.storage.errors import NotFoundError

    with pytest.raises(NotFoundError):
        repo.audit.record("view", 999)


def test_the_database_refuses_to_change_the_log(repo):
    repo.patients.save(patient())
    with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
        repo.db.execute("UPDATE audit_log SET provider = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        repo.db.execute("DELETE FROM audit_log")


def _tamper(path, *statements):
    """Change the file the way someone with an SQLite tool would, triggers and all."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


@pytest.fixture
def logged(db_path, tmp_path):
    with RecordStore.open(db_path, provider="Dr Reyes") as repo:
        _busy_day(repo, tmp_path)
        count = len(repo.audit.entries())
    return db_path, count


@pytest.mark.parametrize(
    ("statements", "problem"),
    [
        (["UPDATE audit_log SET provider = 'Mallory' WHERE id = 3"], "Entry 3 was changed"),
        (["UPDATE audit_log SET at = '2020-01-01' WHERE id = 1"], "Entry 1 was changed"),
        (["DELETE FROM audit_log WHERE id = 4"], "Entry 4 was deleted"),
        (["DELETE FROM audit_log WHERE id IN (4, 5)"], "Entries 4–5 were deleted"),
        (["DELETE FROM audit_log WHERE id = 1"], "Entry 1 was deleted"),
        (["DELETE FROM audit_log WHERE id >= 10"], "Entries 10–11, the newest, were deleted"),
        (["DELETE FROM audit_log WHERE id = 11"], "Entry 11, the newest, was deleted"),
        (
            [
                "UPDATE audit_log SET id = 100 WHERE id = 2",
                "UPDATE audit_log SET id = 2 WHERE id = 3",
            ],
            "Entry 3 was deleted",
        ),
    ],
)
def test_verify_finds_changed_and_deleted_entries(logged, statements, problem):
    path, count = logged
    assert count == 11
    _tamper(path, *statements)
    with RecordStore.open(path, readonly=True) as repo:
        report = repo.audit.verify()
    assert not report.intact
    assert any(problem in p for p in report.problems), report.problems
    result = consult_cli("--db", path, "db", "verify")
    assert result.returncode == 1
    assert problem in result.stderr
    assert "changed outside the app" in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_says_intact(logged):
    path, count = logged
    result = consult_cli("db", "verify", "--db", path)
    assert result.returncode == 0, result.stderr
    assert f"intact ({count} entries" in result.stdout


def test_new_entries_after_tampering_still_show_the_gap(logged):
    path, _ = logged
    _tamper(path, "DELETE FROM audit_log WHERE id = 11")
    # The guards are gone: nothing is written until they are put back, on request.
    with pytest.raises(SchemaChangedError) as refused:
        RecordStore.open(path)
    assert refused.value.mendable and "audit_log_no_delete" in refused.value.message
    assert sorted(repair_guards(path)) == ["audit_log_no_delete", "audit_log_no_update"]
    with RecordStore.open(path) as repo:
        repo.patients.save(patient("Later"))
        report = repo.audit.verify()
    assert any("Entry 11 was deleted" in p for p in report.problems)


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.text(max_size=12),
        st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text(max_size=40),
        max_size=10,
    )
)
def test_the_canonical_form_never_changes(entry):
    """Entries hashed by any version verify in every other: the fast encoder gives exactly
    the bytes of the standard library's canonical JSON, for any text (control characters,
    line separators, any script)."""
    expected = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert audit.canonical_json(entry) == expected.encode("utf-8")


_VALUES = (
    st.none()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
)


@settings(max_examples=300)
@given(st.fixed_dictionaries({k: _VALUES for k in (*audit.HASHED_FIELDS, audit.CONTENT_FIELD)}))
def test_the_fast_hash_is_the_canonical_hash(entry):
    """An entry's hash, as written and as the walk along the chain recomputes it from a row,
    is SHA-256 of the canonical JSON of its fields (the content hash only when it has one)."""
    fields = {k: entry[k] for k in audit.HASHED_FIELDS}
    if entry[audit.CONTENT_FIELD] is not None:
        fields[audit.CONTENT_FIELD] = entry[audit.CONTENT_FIELD]
    expected = hashlib.sha256(audit.canonical_json(fields)).hexdigest()
    assert entry_hash(entry) == expected
    assert audit._row_hash([entry[k] for k in audit.SORTED_FIELDS]) == expected


# The records' last seals as the check read them with two queries of its own before the walk
# along the chain gathered them: the tests' own reckoning.
_LAST_SEALS = (
    "SELECT record_type, record_id, content_hash, action FROM audit_log WHERE id IN ("
    " SELECT max(id) FROM audit_log"
    " WHERE record_type IN ('patient', 'consultation', 'consent', 'visit', 'course_change')"
    " AND record_id IS NOT NULL AND (content_hash IS NOT NULL OR action = 'delete')"
    " GROUP BY record_type, record_id)"
)
_PHOTO_SEALS = (
    "SELECT record_id, action, content_hash FROM audit_log WHERE id IN ("
    " SELECT max(id) FROM audit_log WHERE record_type = 'photo' AND record_id IS NOT NULL"
    " AND content_hash IS NOT NULL GROUP BY record_id, action = 'delete')"
)


def test_the_walk_gathers_each_records_last_seal(logged):
    path, _ = logged
    _tamper(
        path,
        # Seals that name no record, of every kind, and a deletion of one.
        "INSERT INTO audit_log (id, at, action, record_type, record_id, prev_hash, hash, "
        "content_hash) VALUES (100, 'now', 'update', 'patient', 1, 'x', 'h1', 'c1'), "
        "(101, 'now', 'seal', 'photo', 7, 'x', 'h2', 'c2'), "
        "(102, 'now', 'delete', 'photo', 7, 'x', 'h3', 'c3'), "
        "(103, 'now', 'seal', 'photo', 7, 'x', 'h4', 'c4'), "
        "(104, 'now', 'delete', 'consultation', 9, 'x', 'h5', NULL), "
        "(105, 'now', 'view', 'patient', NULL, 'x', 'h6', 'c6')",
    )
    conn = sqlite3.connect(path)
    try:
        report, seals = audit.walk(conn)
        expected = {(t, i): (h, a) for t, i, h, a in conn.execute(_LAST_SEALS)}
        photos, deleted = {}, {}
        for record_id, action, seal in conn.execute(_PHOTO_SEALS):
            (deleted if action == "delete" else photos)[record_id] = seal
    finally:
        conn.close()
    assert not report.intact
    assert seals.records == expected
    assert seals.records["patient", 1] == ("c1", "update")
    assert (seals.photos, seals.photo_deletions) == (photos, deleted) == ({7: "c4"}, {7: "c3"})
