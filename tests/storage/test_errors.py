"""SQLite errors are told apart by SQLite's result codes, never by their English text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from consult.storage import database, errors


def _error(code: int | None, text: str = "whatever the library says") -> sqlite3.Error:
    exc = sqlite3.OperationalError(text)
    exc.sqlite_errorcode = code
    return exc


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (11, errors.CorruptDatabaseError, "damaged"),  # SQLITE_CORRUPT
        (26, errors.CorruptDatabaseError, "damaged"),  # SQLITE_NOTADB
        (8, errors.ReadOnlyError, "read-only"),  # SQLITE_READONLY
        (5, errors.DatabaseBusyError, "in use"),  # SQLITE_BUSY
        (6 | (1 << 8), errors.DatabaseBusyError, "in use"),  # SQLITE_LOCKED_SHAREDCACHE
        (13, errors.StorageError, "is full"),  # SQLITE_FULL
        (10 | (3 << 8), errors.StorageError, "disk reported an error"),  # SQLITE_IOERR_WRITE
    ],
)
def test_result_codes_decide(code, kind, words):
    found = database.translate(_error(code), Path("records.sqlite3"))
    assert isinstance(found, kind)
    assert words in found.message


def test_the_english_text_alone_decides_nothing():
    found = database.translate(_error(1, "database or disk is full"), Path("records.sqlite3"))
    assert "Free some space" not in found.message  # not taken for a full disk
    assert "unexpected problem" in found.message
