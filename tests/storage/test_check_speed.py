"""What ``db check`` and ``db verify`` do to be quick, each held to giving the same answers:
SQLite's memory statistics off for the command's process, the readers' queue, the finals in
parts, a memory map while reading, the foreign key check without the name keys (which the
name key check covers), and each folded word's search words and keys made once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest
from storage_helpers import consultation, patient, plan_for

from consult.storage import RecordStore, content, database, search, sqlite_library
from consult.storage.readers import Readers


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as store:
        for i in range(12):
            c = consultation(patient(f"Patient {i} Núñez-O'Brien"))
            store.consultations.finalize(c, plan_for(c))
    return path


@pytest.mark.process
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="switched off where tested")
def test_the_commands_process_switches_sqlites_memory_statistics_off():
    probe = textwrap.dedent(
        """
        import ctypes, sqlite3, _sqlite3
        from consult.storage.sqlite_library import without_memory_statistics
        switched = without_memory_statistics()
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 1000)
        lib = ctypes.CDLL(_sqlite3.__file__)
        lib.sqlite3_memory_used.restype = ctypes.c_int64
        rows = conn.execute("SELECT count(*) FROM t").fetchone()[0]
        print(switched, lib.sqlite3_memory_used(), rows)
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "0", "1000"]


def test_only_the_commands_own_start_switches_them_off(path, monkeypatch, capsys):
    # ``cli.run`` called inside a process that may hold databases open (a test, the app)
    # never shuts SQLite down under them: only the ``consult`` process's own start does.
    from consult import cli
    from consult.__main__ import main

    called = []
    monkeypatch.setattr(sqlite_library, "without_memory_statistics", lambda: called.append(1))
    assert main(["--db", str(path), "db", "verify"]) == 0
    assert called == []
    assert cli.run(["--db", str(path), "db", "verify"], entry=True) == 0
    assert called == [1]
    assert "The audit trail is intact" in capsys.readouterr().out


def _counting(n, ran):
    def run(conn):
        ran.append((n, threading.current_thread().name))
        return conn.execute("SELECT count(*) FROM patients").fetchone()[0] + n

    return run


def test_more_parts_than_readers_all_run_on_the_readers_in_order(path):
    ran: list[tuple[int, str]] = []
    store = RecordStore.open(path, readonly=True, verify=False)
    with store, store.snapshot_readers(2) as found:
        assert found.parallel == 2
        results = [found.submit(_counting(n, ran)) for n in range(6)]
        assert [get() for get in results] == [12 + n for n in range(6)]
    assert sorted(n for n, _ in ran) == list(range(6))
    assert {name for _, name in ran} == {"records check"}


def test_a_failure_stops_the_parts_not_yet_begun(path):
    blocker = threading.Event()
    with RecordStore.open(path, readonly=True, verify=False) as store:
        with pytest.raises(RuntimeError, match="the caller"), store.snapshot_readers(1) as found:
            first = found.submit(lambda conn: blocker.wait(5))
            second = found.submit(lambda conn: "ran")
            blocker.set()
            raise RuntimeError("the caller failed")
        assert first() is True
        with pytest.raises(RuntimeError, match="stopped before"):
            second()


def test_without_readers_every_part_runs_on_the_store_connection(path):
    with RecordStore.open(path, readonly=True, verify=False) as store:
        found = Readers(store.conn, [])
        seen = found.submit(lambda conn: conn is store.conn)
        assert seen() is True and found.parallel == 0


def test_the_finals_in_parts_are_the_finals(path, monkeypatch):
    monkeypatch.setattr(content, "SLICE", 3)  # several slices for each part
    with RecordStore.open(path, readonly=True, verify=False) as store:
        whole = content.finals(store.conn)
        assert len(whole) == 12
        with store.snapshot_readers(content.FINALS_PARTS) as found:
            assert content.finals_in_parts(found)() == whole
        for parts in (1, 2, 5):
            joined = {}
            for k in range(parts):
                joined |= content.finals(store.conn, (k, parts))
            assert joined == whole


def test_the_memory_map_is_only_for_the_scan(path):
    with RecordStore.open(path, readonly=True, verify=False) as store:
        with store.scanning():
            assert store.conn.execute("PRAGMA mmap_size").fetchone()[0] > 0
            assert store.audit.verify().intact
        assert store.conn.execute("PRAGMA mmap_size").fetchone()[0] == 0


def _raw(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    return conn


def test_keys_of_no_patient_are_found_without_the_foreign_key_check(path):
    conn = _raw(path)
    with conn:
        conn.execute("INSERT INTO name_keys VALUES ('ghost', 'ghost', 999)")
    conn.close()
    with RecordStore.open(path, readonly=True, verify=False) as store:
        report = store.health.check()
    assert not report.healthy
    assert "The name search keys of 1 patient(s) do not match their names" in report.summary()
    assert "point to records that do not exist" not in report.summary()


def test_other_dangling_rows_are_still_found(path):
    conn = _raw(path)
    with conn:
        conn.execute("INSERT INTO planned_sessions VALUES (999, 1, '2027-01-04', NULL)")
    conn.close()
    with RecordStore.open(path, readonly=True, verify=False) as store:
        report = store.health.check()
    assert "Some parts of records point to records that do not exist." in report.problems


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE name_keys SET sort_name = 'other' WHERE patient_id = 2",
        "DELETE FROM name_keys WHERE patient_id = 3 AND key = 'p'",
        "INSERT INTO name_keys SELECT 'zzz', sort_name, patient_id FROM name_keys "
        "WHERE patient_id = 4 LIMIT 1",
        "UPDATE patients SET search_name = 'patient' WHERE id = 5",
        "DELETE FROM name_keys WHERE patient_id = 6",
    ],
)
def test_each_way_a_patients_keys_go_out_of_step_counts_that_patient_once(path, change):
    conn = _raw(path)
    with conn:
        conn.execute(change)
    conn.close()
    with RecordStore.open(path, readonly=True, verify=False) as store:
        report = store.health.check()
    assert "The name search keys of 1 patient(s) do not match their names" in report.summary()


def test_a_words_search_words_and_keys_are_the_same_made_once_or_again():
    search._chunk_words.cache_clear()
    search._starts.cache_clear()
    names = ["Zoë O'Brien", "김민준", "Ana  María-José", "Łukasz ß", "x" * 40]
    first = [(search.search_name(n), search.name_keys(search.search_name(n))) for n in names]
    again = [(search.search_name(n), search.name_keys(search.search_name(n))) for n in names]
    assert first == again
    assert search._chunk_words.cache_info().hits > 0 and search._starts.cache_info().hits > 0
    assert first[0][0] == "zoe o brien obrien"


def test_the_scan_map_size_is_within_what_sqlite_takes(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.sqlite3")
    conn.execute("CREATE TABLE t (x)")
    with database.mapped_for_scan(conn):
        assert 0 < conn.execute("PRAGMA mmap_size").fetchone()[0] <= database.SCAN_MAP_BYTES
    assert conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
