"""Records-database fixtures: a repository on a temp file with a hand-moved clock."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
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
def engine(request):
    """Which engine the store of this test is on (see ``pytest_generate_tests``)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def repo(request, engine, tmp_path, clock):
    if engine == "postgresql":
        target = request.getfixturevalue("pg_url")
    else:
        target = tmp_path / "records.sqlite3"  # the same file as ``db_path``
    with RecordStore.open(target, catalog=CATALOG, clock=clock, provider="Dr Reyes") as r:
        yield r


# TEMPORARY until the shared fixture lands: a fresh migrated database per test.


@pytest.fixture(scope="session")
def _pg_template():
    base = os.environ.get("CONSULT_TEST_POSTGRES")
    if not base:
        pytest.skip("no PostgreSQL server (set CONSULT_TEST_POSTGRES)")
    with psycopg.connect(base, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS consult_tmpl")
        c.execute("CREATE DATABASE consult_tmpl")
    url = base.rsplit("/", 1)[0] + "/consult_tmpl"
    RecordStore.open(url).close()
    return base


@pytest.fixture
def pg_url(_pg_template):
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(_pg_template, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name} TEMPLATE consult_tmpl")
    yield _pg_template.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(_pg_template, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
