"""Services.search: one read-only connection shared by the searches, never a stale one."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from consult.domain.model import Patient
from consult.storage.database import resolve
from consult.storage.errors import StorageError
from consult.system.folders import data_dir
from consult.ui.services import SEARCH_CACHE_MIB, SEARCH_PAGE, Services


@pytest.fixture
def services(catalog):
    made = Services(catalog, resolve(None), data_dir())
    yield made
    made.close()


def add(services, name):
    return services.repo.patients.save(Patient(name, date(1980, 1, 2), 3, "en"))


def names(page):
    return [r.name for r in page.rows]


def test_searches_share_one_connection_and_see_what_was_saved_since(services):
    add(services, "Zoë O'Brien")
    assert names(services.search("zoe")) == ["Zoë O'Brien"]
    shared = services._search_repo
    add(services, "Zoë Benoît")  # saved through the main connection after the first search
    assert names(services.search("zoe")) == ["Zoë Benoît", "Zoë O'Brien"]
    assert names(services.search("")) == ["Zoë Benoît", "Zoë O'Brien"]  # the newest first
    assert services._search_repo is shared
    assert shared.readonly
    assert shared.db.execute("PRAGMA cache_size").fetchone()[0] == -SEARCH_CACHE_MIB * 1024


def test_searches_run_on_any_thread(services):
    add(services, "Łukasz Wójcik")
    found = []

    def search():
        found.append(names(services.search("lukasz")))

    for _ in range(3):  # each on a new thread, as the thread pool may do
        worker = threading.Thread(target=search)
        worker.start()
        worker.join()
    assert found == [["Łukasz Wójcik"]] * 3


def test_close_closes_the_search_connection(services):
    add(services, "Ana Reyes")
    services.search("ana")
    shared = services._search_repo
    services.close()
    assert services._search_repo is None
    with pytest.raises(Exception, match="closed"):
        shared.db.execute("SELECT 1")
    # A search arriving after closing still answers, on a connection of its own.
    assert names(services.search("ana")) == ["Ana Reyes"]
    assert services._search_repo is None


def test_a_failed_search_starts_the_next_one_afresh(services, monkeypatch):
    add(services, "Ana Reyes")
    services.search("ana")
    broken = services._search_repo

    def fail(*args, **kwargs):
        raise StorageError("The records database could not be read.")

    monkeypatch.setattr(broken.patient_list, "search", fail)
    with pytest.raises(StorageError):
        services.search("ana")
    assert services._search_repo is None
    assert names(services.search("ana")) == ["Ana Reyes"]
    assert services._search_repo is not broken


def test_the_list_comes_a_page_at_a_time(services):
    for i in range(SEARCH_PAGE + 3):
        add(services, f"Ana Page {i:03d}")
    first = services.search("ana")
    assert len(first.rows) == SEARCH_PAGE and first.more
    rest = services.search("ana", first.after)
    assert names(rest) == [f"Ana Page {i:03d}" for i in range(SEARCH_PAGE, SEARCH_PAGE + 3)]
    assert not rest.more
    newest = services.search("")
    assert len(newest.rows) == SEARCH_PAGE and newest.more
    assert len(services.search("", newest.after).rows) == 3
