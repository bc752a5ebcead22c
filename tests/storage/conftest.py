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


@pytest.fixture
def repo(db_path, clock):
    with RecordStore.open(db_path, catalog=CATALOG, clock=clock, provider="Dr Reyes") as r:
        yield r
