"""Fault: the records file is garbage, or another program's SQLite file."""

from __future__ import annotations

import random
import sqlite3

import pytest
from storage_helpers import assert_refused_by_every_command, sha256, siblings

from consult.storage import RecordStore
from consult.storage.errors import CorruptDatabaseError, NotADatabaseError


@pytest.mark.parametrize(
    "content",
    [
        random.Random(7).randbytes(10_000),
        b"Name,Date of birth\nZoe,1990-05-17\n" * 50,
        b"SQLite",
    ],
    ids=["random-bytes", "csv-text", "short"],
)
def test_garbage_file_is_refused_untouched(tmp_path, content):
    path = tmp_path / "records.sqlite3"
    path.write_bytes(content)
    with pytest.raises(NotADatabaseError) as caught:
        RecordStore.open(path)
    message = caught.value.message
    assert str(path) in message
    assert "has not changed it" in message
    assert "consult db restore" in message
    assert path.read_bytes() == content
    assert siblings(path) == ["records.sqlite3"]


def test_a_header_that_lies_is_called_damaged(tmp_path):
    path = tmp_path / "records.sqlite3"
    content = b"SQLite format 3\x00" + b"\xff" * 5000
    path.write_bytes(content)
    with pytest.raises(CorruptDatabaseError) as caught:
        RecordStore.open(path)
    assert "is damaged" in caught.value.message
    assert path.read_bytes() == content


def test_garbage_file_every_command(tmp_path):
    path = tmp_path / "records.sqlite3"
    path.write_bytes(random.Random(8).randbytes(8192))
    assert_refused_by_every_command(path, tmp_path, "not a consult records database")


def test_another_programs_database_is_refused_untouched(tmp_path):
    path = tmp_path / "places.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    before = sha256(path)
    with pytest.raises(NotADatabaseError) as caught:
        RecordStore.open(path)
    assert "not one made by this app" in caught.value.message
    assert sha256(path) == before
    assert_refused_by_every_command(path, tmp_path, "not one made by this app")
