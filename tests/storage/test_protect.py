"""Files the user names never touch the records: the plan commands' ``-o``, the logo, the
import file (issue 11)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from storage_helpers import consult_cli, sha256

from consult.storage import RecordStore, protect
from consult.storage.backup import auto_backup, backup_with_audit
from consult.storage.errors import StorageError
from consult.storage.exchange import import_json
from consult.storage.rotation import backups_dir, newest_backup, stale_warning
from consult.storage.rows import write_settings


@pytest.fixture
def records(tmp_path) -> Path:
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as repo:
        repo.clinic.save_provider("Dr Ana Reyes")
        auto_backup(repo)
    return path


def _backup_of(records: Path) -> Path:
    [made] = list(backups_dir(records).glob("*.sqlite3"))
    return made


def _refused(result, *words):
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["demo-plan", "render-plan"])
def test_the_plan_is_never_written_onto_the_records_or_a_backup(records, command):
    args = ["--db", str(records), command] + (["1"] if command == "render-plan" else [])
    backup = _backup_of(records)
    wal = Path(f"{records}-wal")
    wal.write_bytes(b"")  # as if the app had it open
    targets = {
        records: "records file",
        wal: "records file",
        Path(f"{records}-shm"): "records file",
        backup: "backups",
        backup.parent / "new.pdf": "backups",
    }
    before = {path: sha256(path) for path in (records, backup)}
    for target, words in targets.items():
        for force in ([], ["--force"]):
            _refused(consult_cli(*args, "-o", str(target), *force), words)
    assert {path: sha256(path) for path in before} == before
    assert not (backup.parent / "new.pdf").exists()
    assert not Path(f"{records}-shm").exists()


def test_an_existing_file_is_replaced_only_with_force(tmp_path):
    dest = tmp_path / "plan.pdf"
    dest.write_bytes(b"the patient's earlier plan")
    _refused(consult_cli("demo-plan", "-o", str(dest)), "already exists", "--force")
    assert dest.read_bytes() == b"the patient's earlier plan"
    done = consult_cli("demo-plan", "-o", str(dest), "--force")
    assert done.returncode == 0, done.stderr
    assert dest.read_bytes().startswith(b"%PDF")


def test_a_link_is_never_followed_or_replaced(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"someone else's file")
    link = tmp_path / "plan.pdf"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.pdf"
    dangling.symlink_to(tmp_path / "nothing-here")
    for path in (link, dangling):
        for force in ([], ["--force"]):
            _refused(consult_cli("demo-plan", "-o", str(path), *force), "link")
    assert link.is_symlink() and dangling.is_symlink()
    assert target.read_bytes() == b"someone else's file"
    assert not (tmp_path / "nothing-here").exists()


def test_another_database_is_never_replaced_even_with_force(tmp_path):
    other = tmp_path / "other.sqlite3"
    RecordStore.open(other).close()
    before = sha256(other)
    _refused(consult_cli("demo-plan", "-o", str(other), "--force"), "records database")
    assert sha256(other) == before


def test_the_default_records_file_is_protected_without_db(tmp_path):
    from consult.storage.database import default_path

    default = default_path()
    default.parent.mkdir(parents=True, exist_ok=True)
    RecordStore.open(default).close()
    before = sha256(default)
    _refused(consult_cli("demo-plan", "-o", str(default), "--force"), "records file")
    assert sha256(default) == before


def test_reading_a_records_file_open_here_is_refused(records, tmp_path):
    with RecordStore.open(records, verify=False):
        for path in (records, Path(f"{records}-wal"), Path(f"{records}-shm")):
            with pytest.raises(StorageError, match="records file"):
                protect.check_input(path, what="consult export")
            assert not protect.may_read(path)
    assert protect.may_read(records)  # nothing open: it may be read (it is no export, though)
    assert protect.may_read(tmp_path / "missing.png")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_pipe_is_never_read(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(StorageError, match="not a plain file"):
        protect.check_input(fifo)
    assert not protect.may_read(fifo)


def test_importing_the_records_file_itself_is_refused(records):
    with RecordStore.open(records, verify=False) as repo:
        with pytest.raises(StorageError, match="records file"):
            import_json(repo, records)
        repo.clinic.save_provider("Still saving")  # the connection's locks are intact


def test_a_logo_naming_the_records_file_is_left_out_of_the_plan(records):
    with RecordStore.open(records, verify=False) as repo:
        write_settings(repo, {"logo_path": str(records)})
        assert repo.clinic.settings().logo_path == ""


# ------------------------------------------------------------------ backups named in the future


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d-%H%M%S")


@pytest.mark.sqlite_only
def test_a_backup_named_in_the_future_does_not_stop_todays(repo, clock):
    folder = backups_dir(repo.path)
    folder.mkdir(exist_ok=True)
    future = folder / f"records-auto-{_stamp(clock.moment + timedelta(days=1500))}.sqlite3"
    backup_with_audit(repo, future)  # made while the clock said 2030
    made = auto_backup(repo)
    assert made is not None and made.exists()
    assert auto_backup(repo) is None  # one a day, as before
    clock.moment += timedelta(days=1)
    assert auto_backup(repo) is not None
    assert newest_backup(repo.path, clock.moment) == clock.moment


@pytest.mark.sqlite_only
def test_a_backup_named_in_the_future_is_rotated_first(repo, clock):
    folder = backups_dir(repo.path)
    folder.mkdir(exist_ok=True)
    future = folder / f"records-auto-{_stamp(clock.moment + timedelta(days=900))}.sqlite3"
    backup_with_audit(repo, future)
    made = []
    for _ in range(3):
        made.append(auto_backup(repo, keep=3))
        clock.moment += timedelta(days=1)
    assert not future.exists()
    assert all(path.exists() for path in made)


@pytest.mark.sqlite_only
def test_old_or_missing_backups_are_warned_about(repo, clock):
    assert "No automatic backup" in stale_warning(repo.path, clock.moment)
    auto_backup(repo)
    assert stale_warning(repo.path, clock.moment + timedelta(days=2)) is None
    later = clock.moment + timedelta(days=5)
    assert "5 days old" in stale_warning(repo.path, later)
    clock.moment = later
    assert "5 days old" in repo.health.check().summary()


def test_db_check_warns_when_the_newest_backup_is_old(tmp_path):
    path = tmp_path / "records.sqlite3"
    RecordStore.open(path, clock=lambda: datetime.now(UTC) - timedelta(days=9)).close()
    with RecordStore.open(path, clock=lambda: datetime.now(UTC) - timedelta(days=9)) as repo:
        auto_backup(repo)
    result = consult_cli("--db", str(path), "db", "check")
    assert result.returncode == 0
    assert "9 days old" in result.stdout
