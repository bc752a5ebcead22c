"""Fault: a zero-byte records file is refused, never silently made into a new database."""

from __future__ import annotations

import pytest
from storage_helpers import assert_refused_by_every_command, siblings

from consult.storage import RecordStore
from consult.storage.errors import EmptyFileError


def test_zero_byte_file_is_not_migrated(tmp_path):
    path = tmp_path / "records.sqlite3"
    path.touch()
    with pytest.raises(EmptyFileError) as caught:
        RecordStore.open(path)
    message = caught.value.message
    assert "is empty (0 bytes)" in message
    assert "will not treat it as a new database" in message
    assert path.stat().st_size == 0
    assert siblings(path) == ["records.sqlite3"]


def test_zero_byte_file_every_command(tmp_path):
    path = tmp_path / "records.sqlite3"
    path.touch()
    assert_refused_by_every_command(path, tmp_path, "is empty (0 bytes)")
    assert path.stat().st_size == 0


def test_zero_byte_default_file_from_the_data_folder(tmp_path):
    from storage_helpers import assert_plain_failure, consult_cli

    data = tmp_path / "data"
    data.mkdir()
    (data / "records.sqlite3").touch()
    result = consult_cli("db", "seed-demo", "--patients", "2", data_dir=data)
    assert_plain_failure(result, "empty")
    assert (data / "records.sqlite3").stat().st_size == 0
