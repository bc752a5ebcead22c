"""Fault: a database written by a newer version of the app."""

from __future__ import annotations

import sqlite3

import pytest
from storage_helpers import assert_refused_by_every_command, patient, sha256, siblings

from consult.storage import RecordStore
from consult.storage.errors import NewerSchemaError
from consult.storage.migrations import MIGRATION_SET, SCHEMA_VERSION


def _future(path, *, bump_version: bool, add_migration: bool) -> None:
    with RecordStore.open(path) as repo:
        repo.patients.save(patient())
    conn = sqlite3.connect(path)
    if add_migration:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
            [MIGRATION_SET, "9999_from_the_future", "2030-01-01 00:00:00+00:00"],
        )
        conn.execute("CREATE TABLE future_things (id INTEGER PRIMARY KEY)")
    if bump_version:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("bump_version", "add_migration"),
    [(True, True), (True, False), (False, True)],
    ids=["version-and-migration", "version-only", "unknown-migration-only"],
)
def test_newer_schema_is_refused_untouched(tmp_path, bump_version, add_migration):
    path = tmp_path / "records.sqlite3"
    _future(path, bump_version=bump_version, add_migration=add_migration)
    before = sha256(path)
    with pytest.raises(NewerSchemaError) as caught:
        RecordStore.open(path)
    message = caught.value.message
    assert "newer version of this app" in message
    assert f"this version knows up to {SCHEMA_VERSION}" in message
    assert "has not changed it" in message
    assert sha256(path) == before
    assert siblings(path) == ["records.sqlite3"]
    with pytest.raises(NewerSchemaError):
        RecordStore.open(path, readonly=True)
    assert sha256(path) == before


def test_newer_schema_every_command(tmp_path):
    path = tmp_path / "records.sqlite3"
    _future(path, bump_version=True, add_migration=True)
    assert_refused_by_every_command(path, tmp_path, "newer version")
