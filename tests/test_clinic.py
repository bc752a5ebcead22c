"""Clinic.search: one read-only connection shared by the searches, never a stale one."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from consult.app.clinic import SEARCH_CACHE_MIB, SEARCH_PAGE, Clinic
from consult.domain.model import Patient
from consult.storage.database import resolve
from consult.storage.errors import StorageError
from consult.system.folders import data_dir


@pytest.fixture
def clinic(catalog):
    made = Clinic(catalog, resolve(None), data_dir())
    yield made
    made.close()


def add(clinic, name):
    return clinic.store.patients.save(Patient(name, date(1980, 1, 2), 3, "en"))


def names(page):
    return [r.name for r in page.rows]


def test_searches_share_one_connection_and_see_what_was_saved_since(clinic):
    add(clinic, "Zoë O'Brien")
    assert names(clinic.search("zoe")) == ["Zoë O'Brien"]
    shared = clinic._search_store
    add(clinic, "Zoë Benoît")  # saved through the main connection after the first search
    assert names(clinic.search("zoe")) == ["Zoë Benoît", "Zoë O'Brien"]
    assert names(clinic.search("")) == ["Zoë Benoît", "Zoë O'Brien"]  # the newest first
    assert clinic._search_store is shared
    assert shared.readonly
    assert shared.db.execute("PRAGMA cache_size").fetchone()[0] == -SEARCH_CACHE_MIB * 1024


def test_searches_run_on_any_thread(clinic):
    add(clinic, "Łukasz Wójcik")
    found = []

    def search():
        found.append(names(clinic.search("lukasz")))

    for _ in range(3):  # each on a new thread, as the thread pool may do
        worker = threading.Thread(target=search)
        worker.start()
        worker.join()
    assert found == [["Łukasz Wójcik"]] * 3


def test_close_closes_the_search_connection(clinic):
    add(clinic, "Ana Reyes")
    clinic.search("ana")
    shared = clinic._search_store
    clinic.close()
    assert clinic._search_store is None
    with pytest.raises(Exception, match="closed"):
        shared.db.execute("SELECT 1")
    # A search arriving after closing still answers, on a connection of its own.
    assert names(clinic.search("ana")) == ["Ana Reyes"]
    assert clinic._search_store is None


def test_a_failed_search_starts_the_next_one_afresh(clinic, monkeypatch):
    add(clinic, "Ana Reyes")
    clinic.search("ana")
    broken = clinic._search_store

    def fail(*args, **kwargs):
        raise StorageError("The records database could not be read.")

    monkeypatch.setattr(broken.patient_list, "search", fail)
    with pytest.raises(StorageError):
        clinic.search("ana")
    assert clinic._search_store is None
    assert names(clinic.search("ana")) == ["Ana Reyes"]
    assert clinic._search_store is not broken


def test_the_list_comes_a_page_at_a_time(clinic):
    for i in range(SEARCH_PAGE + 3):
        add(clinic, f"Ana Page {i:03d}")
    first = clinic.search("ana")
    assert len(first.rows) == SEARCH_PAGE and first.more
    rest = clinic.search("ana", first.after)
    assert names(rest) == [f"Ana Page {i:03d}" for i in range(SEARCH_PAGE, SEARCH_PAGE + 3)]
    assert not rest.more
    newest = clinic.search("")
    assert len(newest.rows) == SEARCH_PAGE and newest.more
    assert len(clinic.search("", newest.after).rows) == 3
