"""Fault: one page inside the file is damaged (a bad sector, a torn copy)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from storage_helpers import (
    assert_refused_by_every_command,
    consult_cli,
    consultation,
    patient,
    plan_for,
    sha256,
    siblings,
)

from consult.storage import RecordStore
from consult.storage.errors import CorruptDatabaseError


def corrupt_a_page(path: Path, table: str) -> int:
    """Overwrite one leaf page of ``table`` with random bytes; its page number."""
    conn = sqlite3.connect(path)
    pages = [
        row[0]
        for row in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
            [table],
        )
    ]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    assert pages, f"{table} has no leaf page"
    page = pages[len(pages) // 2]
    with path.open("r+b") as handle:
        handle.seek((page - 1) * page_size)
        handle.write(random.Random(page).randbytes(page_size))
    return page


@pytest.fixture
def damaged(tmp_path):
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as repo:
        for i in range(80):
            c = consultation(patient(f"Patient {i} " + "x" * 200))
            repo.consultations.finalize(c, plan_for(c))
    assert siblings(path) == ["records.sqlite3"]  # closed: the WAL is checkpointed away
    corrupt_a_page(path, "patients")
    return path


def test_corrupt_page_is_refused_on_open(damaged):
    before = sha256(damaged)
    with pytest.raises(CorruptDatabaseError) as caught:
        RecordStore.open(damaged)
    message = caught.value.message
    assert "is damaged" in message and "consult db restore" in message
    assert sha256(damaged) == before
    assert siblings(damaged) == ["records.sqlite3"]


def test_check_reports_the_damage(damaged):
    before = sha256(damaged)
    result = consult_cli("--db", damaged, "db", "check")
    assert result.returncode == 1
    assert "damaged" in result.stderr
    assert "consult db restore" in result.stderr
    assert "Traceback" not in result.stderr
    assert sha256(damaged) == before


def test_reading_a_damaged_page_is_a_plain_error(damaged):
    before = sha256(damaged)
    # verify=False skips the page check on opening, so the damage is met while reading.
    with RecordStore.open(damaged, verify=False) as repo, pytest.raises(CorruptDatabaseError):
        for i in range(80):
            repo.patient_list.search(f"patient {i}")
            repo.patients.get(i + 1)
    assert sha256(damaged) == before


def test_corrupt_page_every_command(damaged, tmp_path):
    assert_refused_by_every_command(damaged, tmp_path, "damaged")


def test_damage_where_no_record_is_read_is_db_checks_to_find(tmp_path):
    # The name keys are derived from the names; db verify reads every record, not them. A
    # damaged page there is db check's to find (SQLite's page check); db verify answers its
    # own question — nothing was changed outside the app — and a page it reads that is
    # damaged is refused, as above.
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as repo:
        for i in range(80):
            c = consultation(patient(f"Patient {i} " + "y" * 200))
            repo.consultations.finalize(c, plan_for(c))
    corrupt_a_page(path, "name_keys")
    check = consult_cli("--db", path, "db", "check")
    assert check.returncode == 1 and "damaged" in check.stderr
    assert "Traceback" not in check.stderr
    verified = consult_cli("--db", path, "db", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "The audit trail is intact" in verified.stdout
