"""Backups, automatic rotation, and restore (checked first; the replaced file kept)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from storage_helpers import CATALOG, consult_cli, consultation, patient, plan_for, sha256

from consult.storage import RecordStore, restore
from consult.storage.backup import auto_backup, backup_with_audit
from consult.storage.errors import BackupError, StorageError
from consult.storage.rotation import auto_backups, backups_dir


def _fill(repo, name="Zoë Brennan"):
    c = consultation(patient(name))
    return repo.consultations.finalize(c, plan_for(c))


@pytest.mark.sqlite_only
def test_backup_is_a_whole_checked_copy(repo, tmp_path):
    final = _fill(repo)
    dest = backup_with_audit(repo, tmp_path / "copy.sqlite3")
    assert dest.exists()
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    with RecordStore.open(dest) as copy:
        assert copy.records.consultation(final.id) == final
        assert copy.audit.verify().intact
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_backup_never_overwrites(repo, tmp_path):
    dest = tmp_path / "copy.sqlite3"
    dest.write_text("precious")
    with pytest.raises(BackupError) as caught:
        backup_with_audit(repo, dest)
    assert "never overwrites" in caught.value.message
    assert dest.read_text() == "precious"
    with pytest.raises(BackupError):
        backup_with_audit(repo, tmp_path / "missing-folder" / "copy.sqlite3")


@pytest.mark.sqlite_only
def test_automatic_backups_are_daily_and_rotate(repo, clock):
    folder = backups_dir(repo.path)
    made = []
    for day in range(14):
        made.append(auto_backup(repo, keep=5))
        assert auto_backup(repo, keep=5) is None  # once a day is enough
        clock.moment += timedelta(hours=12)
        assert auto_backup(repo, keep=5) is None
        clock.moment += timedelta(hours=12)
        _fill(repo, f"Patient {day}")
    kept = [p for _, p in auto_backups(folder, "records")]
    assert kept == made[-5:]
    assert all(p.exists() for p in kept)
    assert not any(p.exists() for p in made[:-5])
    # The newest automatic backup holds the records as they were that morning.
    with RecordStore.open(kept[-1], readonly=True) as old:
        assert old.health.counts()["patients"] == 13


def test_restore_replaces_and_keeps_the_old_file(db_path, tmp_path):
    with RecordStore.open(db_path) as repo:
        first = _fill(repo, "Before Backup")
        backup = backup_with_audit(repo, tmp_path / "monday.sqlite3")
        _fill(repo, "After Backup")
    backup_hash = sha256(backup)
    result = restore(backup, db_path)
    assert result.path == db_path
    assert result.kept is not None and result.kept.parent == backups_dir(db_path)
    assert "before-restore" in result.kept.name
    assert sha256(backup) == backup_hash  # the source is only read
    with RecordStore.open(db_path) as repo:
        assert [r.name for r in repo.patient_list.search("backup").rows] == ["Before Backup"]
        assert repo.records.consultation(first.id) == first
        entries = repo.audit.entries()
        assert entries[-1]["action"] == "restore"
        assert repo.audit.verify().intact
    with RecordStore.open(result.kept, readonly=True) as kept:
        assert len(kept.patient_list.search("backup").rows) == 2


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "is empty"),
        (b"this is a shopping list, not a database\n" * 100, "is not a backup"),
    ],
)
def test_restore_refuses_a_bad_source_and_changes_nothing(db_path, tmp_path, content, words):
    with RecordStore.open(db_path) as repo:
        _fill(repo)
    before = sha256(db_path)
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(content)
    with pytest.raises(BackupError) as caught:
        restore(bad, db_path)
    assert words in caught.value.message
    assert "Nothing was changed" in caught.value.message
    assert sha256(db_path) == before
    assert bad.read_bytes() == content
    assert not backups_dir(db_path).exists()
    result = consult_cli("--db", db_path, "db", "restore", bad)
    assert result.returncode == 1
    assert words in result.stderr and "Traceback" not in result.stderr
    assert sha256(db_path) == before


def test_restore_refuses_a_damaged_backup(db_path, tmp_path):
    with RecordStore.open(db_path) as repo:
        for i in range(60):
            _fill(repo, f"Patient {i} " + "x" * 300)
        backup = backup_with_audit(repo, tmp_path / "b.sqlite3")
    before = sha256(db_path)
    from test_fault_corrupt_page import corrupt_a_page

    corrupt_a_page(backup, "patients")
    with pytest.raises(BackupError) as caught:
        restore(backup, db_path)
    assert "damaged" in caught.value.message
    assert sha256(db_path) == before


def test_restore_refuses_a_backup_from_a_newer_app(db_path, tmp_path):
    with RecordStore.open(db_path) as repo:
        backup = backup_with_audit(repo, tmp_path / "b.sqlite3")
    conn = sqlite3.connect(backup)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(BackupError) as caught:
        restore(backup, db_path)
    assert "newer version" in caught.value.message


def test_restore_over_a_damaged_file_keeps_its_bytes(db_path, tmp_path):
    with RecordStore.open(db_path) as repo:
        _fill(repo)
        backup = backup_with_audit(repo, tmp_path / "b.sqlite3")
    db_path.write_bytes(b"garbage" * 1000)
    result = restore(backup, db_path)
    assert "replaced" in result.kept.name
    assert result.kept.read_bytes() == b"garbage" * 1000
    with RecordStore.open(db_path) as repo:
        assert repo.health.counts()["patients"] == 1


def test_restore_into_an_empty_place(tmp_path):
    with RecordStore.open(tmp_path / "a.sqlite3") as repo:
        _fill(repo)
        backup = backup_with_audit(repo, tmp_path / "b.sqlite3")
    target = tmp_path / "new" / "records.sqlite3"
    target.parent.mkdir()
    result = restore(backup, target)
    assert result.kept is None
    with RecordStore.open(target) as repo:
        assert repo.health.counts()["patients"] == 1


def test_restore_refuses_while_the_database_is_open_elsewhere(db_path, tmp_path):
    with RecordStore.open(db_path) as repo:
        _fill(repo)
        backup = backup_with_audit(repo, tmp_path / "b.sqlite3")
        with pytest.raises(StorageError) as caught:
            restore(backup, db_path)
        assert "in use" in caught.value.message
        assert repo.health.counts()["patients"] == 1
    assert not list(backups_dir(db_path).glob("*before-restore*"))  # no copy left behind


def test_restore_refuses_while_another_process_has_the_records_open(db_path, tmp_path):
    import subprocess
    import sys

    with RecordStore.open(db_path) as repo:
        _fill(repo)
        backup = backup_with_audit(repo, tmp_path / "b.sqlite3")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from consult.storage import RecordStore; "
            "r = RecordStore.open(sys.argv[1]); r.health.counts(); print('ready', flush=True); "
            "sys.stdin.readline()",
            str(db_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StorageError, match="in use"):
            restore(backup, db_path)
    finally:
        holder.communicate("\n")
    assert not list(backups_dir(db_path).glob("*before-restore*"))


def test_restore_refuses_the_file_itself(db_path):
    with RecordStore.open(db_path):
        pass
    with pytest.raises(BackupError, match="records file itself"):
        restore(db_path, db_path)


def test_cli_backup_and_restore(tmp_path):
    data = tmp_path / "data"
    assert (
        consult_cli("db", "seed-demo", "--patients", "5", "--seed", "3", data_dir=data).returncode
        == 0
    )
    result = consult_cli("db", "backup", tmp_path / "b.sqlite3", data_dir=data)
    assert result.returncode == 0, result.stderr
    assert "Backed up 9 patients" in result.stdout  # and 4 part-way through a course
    result = consult_cli("db", "backup", tmp_path / "b.sqlite3", data_dir=data)
    assert result.returncode == 1 and "never overwrites" in result.stderr
    result = consult_cli("db", "restore", tmp_path / "b.sqlite3", data_dir=data)
    assert result.returncode == 0, result.stderr
    assert "kept at" in result.stdout
    with RecordStore.open(data / "records.sqlite3", catalog=CATALOG) as repo:
        assert repo.health.counts()["patients"] == 9
