"""Readers beside the store's snapshot: the checks' parts on other threads read one state."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from storage_helpers import patient

from consult.storage import RecordStore, readers


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as store:
        for i in range(3):
            store.patients.save(patient(f"Patient {i}"))
    return path


def _count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM patients").fetchone()[0]


def _another_save(path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(
            "INSERT INTO patients (uuid, name, search_name, date_of_birth, fitzpatrick, "
            "language, created_at, updated_at) VALUES (hex(randomblob(8)), 'x', 'x', "
            "'1980-01-01', 2, 'en', 'now', 'now')"
        )
        conn.commit()
    finally:
        conn.close()


def test_readers_read_the_state_the_snapshot_reads(path):
    with RecordStore.open(path, readonly=True, verify=False) as store:
        with store.snapshot_readers(2) as found:
            assert found.parallel == 2
            _another_save(path)  # committed after they all began: none of them sees it
            counts = [found.submit(_count) for _ in range(3)]  # the third: the store's own
            assert [get() for get in counts] == [3, 3, 3]
            assert _count(store.conn) == 3
        assert _count(store.conn) == 4


def test_a_save_committed_while_they_begin_makes_them_begin_again(path, monkeypatch):
    began = []
    begin = readers._begin

    def with_a_save_once(conn):
        begin(conn)
        began.append(conn)
        if len(began) == 2:  # the store's snapshot and one reader have begun
            _another_save(path)

    monkeypatch.setattr(readers, "_begin", with_a_save_once)
    store = RecordStore.open(path, readonly=True, verify=False)
    with store, store.snapshot_readers(2) as found:
        assert found.parallel == 2
        counts = [found.submit(_count) for _ in range(2)]
        assert [get() for get in counts] == [4, 4] and _count(store.conn) == 4
    assert len(began) == 6  # two tries of three transactions


def test_records_that_keep_changing_are_read_on_the_store_connection_alone(path, monkeypatch):
    begin = readers._begin

    def with_a_save_each_time(conn):
        begin(conn)
        _another_save(path)

    monkeypatch.setattr(readers, "_begin", with_a_save_each_time)
    store = RecordStore.open(path, readonly=True, verify=False)
    with store, store.snapshot_readers(2) as found:
        assert found.parallel == 0
        monkeypatch.setattr(readers, "_begin", begin)
        seen = found.submit(lambda conn: (conn is store.conn, threading.current_thread()))
        assert seen() == (True, threading.current_thread())
        before = _count(store.conn)
        _another_save(path)
        assert _count(store.conn) == before  # still one snapshot


def test_inside_a_transaction_or_in_memory_everything_runs_on_the_store_connection(path):
    store = RecordStore.open(path, readonly=True, verify=False)
    with store, store.snapshot(), store.snapshot_readers(2) as found:
        assert found.parallel == 0
    store = RecordStore(sqlite3.connect(":memory:"))
    with store, store.snapshot_readers(2) as found:
        assert found.parallel == 0


def test_a_parts_error_reaches_the_caller_and_a_failure_stops_the_parts(path):
    with RecordStore.open(path, readonly=True, verify=False) as store:
        with store.snapshot_readers(1) as found:
            failing = found.submit(lambda conn: conn.execute("SELECT * FROM nowhere"))
            with pytest.raises(sqlite3.OperationalError):
                failing()
        endless = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
        )
        with pytest.raises(RuntimeError), store.snapshot_readers(1) as found:
            running = found.submit(lambda conn: conn.execute(endless).fetchone())
            raise RuntimeError("the caller failed")
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            running()
        assert not store.conn.in_transaction
