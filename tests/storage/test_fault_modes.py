"""Every file the app writes is readable by its user only (0600; folders 0700).

The tests run as root, so they check the permission bits rather than try to read as someone
else. A permissive umask is set first, to show the app does not rely on the caller's.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from storage_helpers import consult_cli, consultation, patient, plan_for

from consult.storage import RecordStore, restore
from consult.storage.backup import auto_backup, backup_with_audit
from consult.storage.exchange import export
from consult.storage.rotation import backups_dir

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_database_and_its_journal_files(tmp_path):
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as repo:
        c = consultation(patient())
        repo.consultations.finalize(c, plan_for(c))
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    assert mode(path) == 0o600


def test_an_existing_open_file_is_made_private(tmp_path):
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path):
        pass
    path.chmod(0o644)
    with RecordStore.open(path):
        assert mode(path) == 0o600


def test_backups_exports_and_restores(tmp_path):
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as repo:
        c = consultation(patient())
        repo.consultations.finalize(c, plan_for(c))
        backup = backup_with_audit(repo, tmp_path / "manual.sqlite3")
        auto = auto_backup(repo)
        json_file = export(repo, tmp_path / "all.json", "json")
        csv_folder = export(repo, tmp_path / "all-csv", "csv")
    assert mode(backup) == 0o600
    assert mode(auto) == 0o600
    assert mode(backups_dir(path)) == 0o700
    assert mode(json_file) == 0o600
    assert mode(csv_folder) == 0o700
    csv_files = list(csv_folder.iterdir())
    assert len(csv_files) == 15
    assert {mode(f) for f in csv_files} == {0o600}
    result = restore(backup, path)
    assert mode(path) == 0o600
    assert mode(result.kept) == 0o600


def test_files_made_by_the_cli(tmp_path):
    data = tmp_path / "data"
    assert consult_cli("db", "seed-demo", "--patients", "3", data_dir=data).returncode == 0
    assert consult_cli("db", "export", tmp_path / "e.json", data_dir=data).returncode == 0
    assert consult_cli("db", "backup", tmp_path / "b.sqlite3", data_dir=data).returncode == 0
    assert mode(data) == 0o700
    assert mode(data / "records.sqlite3") == 0o600
    assert mode(tmp_path / "e.json") == 0o600
    assert mode(tmp_path / "b.sqlite3") == 0o600
    for made in (data / "backups").iterdir():
        assert mode(made) == 0o600


@pytest.mark.parametrize("first", ["cache_dir", "config_dir", "data_dir"])
def test_the_app_folders_are_private_whichever_is_made_first(tmp_path, monkeypatch, first):
    from consult.system import folders as paths

    root = tmp_path / "nested" / "consult-data"
    monkeypatch.setenv("CONSULT_DATA_DIR", str(root))
    made = getattr(paths, first)()
    assert made.is_dir()
    assert mode(root) == 0o700
    assert mode(root.parent) == 0o700
    assert mode(made) == 0o700
