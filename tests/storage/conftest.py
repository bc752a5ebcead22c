"""Records-database fixtures: a repository on a temp file with a hand-moved clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from storage_helpers import CATALOG, Clock

from consult.storage import RecordStore


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "records.sqlite3"


def pytest_generate_tests(metafunc):
    """A test of the record store runs on both engines: SQLite, and the clinic's PostgreSQL
    server. Not a test that also reaches into the SQLite file (it asks for ``db_path``) or
    is marked ``sqlite_only`` (it asks SQLite itself something): those run on SQLite."""
    if "repo" not in metafunc.fixturenames:
        return
    engines = ["sqlite"]
    file_bound = "db_path" in metafunc.fixturenames
    if not file_bound and metafunc.definition.get_closest_marker("sqlite_only") is None:
        engines.append("postgresql")
    metafunc.parametrize("engine", engines, indirect=True)


@pytest.fixture
def repo(request, engine, tmp_path, clock):
    if engine == "postgresql":
        target = request.getfixturevalue("pg_url")
    else:
        target = tmp_path / "records.sqlite3"  # the same file as ``db_path``
    with RecordStore.open(target, catalog=CATALOG, clock=clock, provider="Dr Reyes") as r:
        yield r
