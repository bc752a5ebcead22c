"""Clinic.search: one read-only connection shared by the searches, never a stale one."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from consult.app.clinic import SEARCH_PAGE, Clinic
from consult.domain.model import Patient
from consult.storage import openfiles
from consult.storage.database import resolve
from consult.storage.errors import StorageError
from consult.storage.patient_list import PatientList
from consult.system.folders import data_dir

# The searches' own SQLite connection, counted by file: the file's story.
pytestmark = pytest.mark.sqlite_only

@pytest.fixture
def clinic(catalog):
    made = Clinic(catalog, resolve(None), data_dir())
    made.create_first_administrator("Dr Test Admin", "246810")
    yield made
    made.close()


def add(clinic, name):
    return clinic.store.patients.save(Patient(name, date(1980, 1, 2), 3, "en"))


def names(page):
    return [r.name for r in page.rows]


def connections(clinic) -> int:
    """The connections this process has open on the clinic's records."""
    return openfiles.connections_on(clinic.db_path)


def test_searches_share_one_connection_and_see_what_was_saved_since(clinic):
    add(clinic, "Zoë O'Brien")
    assert connections(clinic) == 1
    assert names(clinic.search("zoe")) == ["Zoë O'Brien"]
    assert connections(clinic) == 2  # the window's and the searches'
    add(clinic, "Zoë Benoît")  # saved through the main connection after the first search
    assert names(clinic.search("zoe")) == ["Zoë Benoît", "Zoë O'Brien"]
    assert names(clinic.search("")) == ["Zoë Benoît", "Zoë O'Brien"]  # the newest first
    assert connections(clinic) == 2


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
    assert connections(clinic) == 2
    clinic.close()
    assert connections(clinic) == 0
    # A search arriving after closing still answers, on a connection of its own, closed after.
    assert names(clinic.search("ana")) == ["Ana Reyes"]
    assert connections(clinic) == 0


def test_a_failed_search_starts_the_next_one_afresh(clinic, monkeypatch):
    add(clinic, "Ana Reyes")
    clinic.search("ana")
    assert connections(clinic) == 2

    def fail(*args, **kwargs):
        raise StorageError("The records database could not be read.")

    with monkeypatch.context() as patched:
        patched.setattr(PatientList, "search", fail)
        with pytest.raises(StorageError):
            clinic.search("ana")
    assert connections(clinic) == 1  # the failed connection is gone
    assert names(clinic.search("ana")) == ["Ana Reyes"]
    assert connections(clinic) == 2  # a new one


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
