"""Fault: the records file, or its folder, is read-only.

The tests run as root, who may write anything; the app goes by the permission bits, so it
refuses in the same way for root as for anyone else.
"""

from __future__ import annotations

import os
import stat

import pytest
from storage_helpers import (
    assert_plain_failure,
    consult_cli,
    consultation,
    patient,
    plan_for,
    sha256,
)

from consult.storage import RecordStore
from consult.storage.errors import ReadOnlyError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture
def saved(tmp_path):
    folder = tmp_path / "clinic"
    folder.mkdir()
    path = folder / "records.sqlite3"
    with RecordStore.open(path) as repo:
        c = consultation(patient())
        repo.consultations.finalize(c, plan_for(c))
    yield path
    folder.chmod(0o700)
    if path.exists():
        path.chmod(0o600)


WRITERS = [
    ["db", "seed-demo", "--patients", "1"],
    ["db", "backup", "{tmp}/b.sqlite3"],
    ["db", "export", "{tmp}/e.json"],
]


def _run_writers(path, tmp_path, *words):
    before = sha256(path)
    names = sorted(p.name for p in path.parent.iterdir())
    for command in WRITERS:
        args = [a.format(tmp=tmp_path) for a in command]
        result = consult_cli("--db", path, *args)
        assert_plain_failure(result, *words)
        assert sha256(path) == before
        assert sorted(p.name for p in path.parent.iterdir()) == names
    assert not (tmp_path / "b.sqlite3").exists()
    assert not (tmp_path / "e.json").exists()


def test_read_only_file(saved, tmp_path):
    saved.chmod(0o444)
    before = sha256(saved)
    with pytest.raises(ReadOnlyError) as caught:
        RecordStore.open(saved)
    message = caught.value.message
    assert "is read-only" in message and "permission" in message
    assert sha256(saved) == before
    _run_writers(saved, tmp_path, "read-only")
    # Reading is still allowed: check and verify work on a read-only file.
    result = consult_cli("--db", saved, "db", "check")
    assert result.returncode == 0, result.stderr
    assert sha256(saved) == before
    names = sorted(p.name for p in saved.parent.iterdir())
    assert names == ["records.anchor.json", "records.sqlite3"]
    assert stat.S_IMODE(saved.stat().st_mode) == 0o444


def test_read_only_folder(saved, tmp_path):
    saved.parent.chmod(0o555)
    before = sha256(saved)
    with pytest.raises(ReadOnlyError) as caught:
        RecordStore.open(saved)
    message = caught.value.message
    assert "folder" in message and "is read-only" in message
    assert sha256(saved) == before
    _run_writers(saved, tmp_path, "read-only")


def test_no_new_database_in_a_read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    try:
        with pytest.raises(ReadOnlyError):
            RecordStore.open(folder / "records.sqlite3")
        result = consult_cli("--db", folder / "records.sqlite3", "db", "seed-demo")
        assert_plain_failure(result, "read-only")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)
