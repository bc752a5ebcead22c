"""More connections reading the same state of the records as the store's snapshot, for work
on threads of their own.

SQLite does its work without Python's lock, so the checks that read every record (``db
check``, ``db verify``) finish sooner on two cores when their parts that are mostly SQL run
on other threads. Each thread needs a connection of its own, and each connection reads in a
read transaction of its own: all of them must read the *same* state of the records, or a
save committed between the start of two of them would look like a record changed outside
the app (its new audit entry read by one, its old content by the other).

How they are made to agree: one reader asks SQLite's ``PRAGMA data_version`` before the
store's snapshot begins, then the snapshot and every other reader begin theirs, then that
reader begins its own and asks again. The number changes when any other connection commits
between the two questions (SQLite compares the file's write-ahead log, or its change counter,
with what that reader saw before); when it is the same, nothing was committed from before the
first transaction began to after the last one did, so they all began on one state. When
another process did commit meanwhile, every transaction is ended and they begin again; after
a few tries the readers are let go and each part runs on the store's own connection, one after
the other, as it always did: the same state either way.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from consult.storage import database

T = TypeVar("T")

TRIES = 3
#: Any read begins a read transaction, which fixes the state it reads.
_BEGIN_READ = "SELECT count(*) FROM sqlite_master"
#: Each reader's page cache (SQLite's default is 2 MiB): the checks read every page once, and
#: some (a foreign key's parent, a name's keys) again out of order.
CACHE_MIB = 64


def _data_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA data_version").fetchone()[0]


def _begin(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN DEFERRED")
    conn.execute(_BEGIN_READ).fetchone()


def _end(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("COMMIT")  # nothing was written: this only ends the read


def begin_together(conn: sqlite3.Connection, path: Path, count: int) -> list[sqlite3.Connection]:
    """Begin a read transaction on ``conn`` and open up to ``count`` read-only connections to
    ``path``, each in a read transaction on the same state as ``conn``: those connections
    (none when they could not be made to agree; ``conn``'s transaction is begun either way).
    They may be used from another thread, one at a time."""
    shared = bool(getattr(conn, "shared_with_others", None))
    readers: list[sqlite3.Connection] = []
    try:
        for _ in range(count):
            reader = database.connect_raw(path, readonly=True, any_thread=True, shared=shared)
            readers.append(reader)
            reader.execute(f"PRAGMA cache_size = {-CACHE_MIB * 1024}")
            database.map_for_scan(reader)
        for _ in range(TRIES if readers else 0):
            probe, others = readers[0], readers[1:]
            before = _data_version(probe)
            _begin(conn)
            for reader in others:
                _begin(reader)
            _begin(probe)
            if _data_version(probe) == before:
                return readers
            for each in (*readers, conn):
                _end(each)
    except BaseException:
        _close(readers)
        _end(conn)
        raise
    _close(readers)
    _begin(conn)
    return []


def _close(readers: list[sqlite3.Connection]) -> None:
    for reader in readers:
        try:
            _end(reader)
        finally:
            reader.close()


#: How much lower the readers' threads run than the caller's (Linux's nice, 0 to 19).
BEHIND = 10


def behind_the_caller() -> None:
    """Let the calling thread run before this one when they want the same core.

    The caller's thread does a check's Python work (walking the trail, folding names), which
    only one thread can do at a time; the readers' threads do SQLite's, which any number
    can. On two cores with four readers beside it, the caller had a third of a core and
    finished last, long after the readers; run behind it, the readers take what it leaves.
    Only on Linux, where a thread's priority is its own (elsewhere the same call would
    change the whole process, or another one)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BEHIND)


class _Job(Generic[T]):
    """``fn(connection)``, run by one of the readers' threads; ``result()`` waits for it and
    hands back its value or raises its exception."""

    def __init__(self, fn: Callable[[sqlite3.Connection], T]):
        self.fn = fn
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    def run(self, conn: sqlite3.Connection | None) -> None:
        """Run on ``conn``; None: the check failed before the job began, so it never runs."""
        try:
            if conn is None:
                raise RuntimeError("the check stopped before this part of it began")
            self._value = self.fn(conn)
        except BaseException as exc:  # handed to the caller's thread
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> T:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class Readers:
    """Parts of a check handed to connections reading the same state as the store's snapshot
    (``RecordStore.snapshot_readers``). ``submit(fn)`` queues ``fn(connection)`` for the
    readers' threads, each part on a reader as one comes free, in the order submitted (so the
    longest parts go first); without readers, it runs on the store's connection in the
    caller's thread when its result is asked for. Either way it gives a function that returns
    ``fn``'s value (or raises its exception)."""

    def __init__(self, conn: sqlite3.Connection, readers: list[sqlite3.Connection]):
        self._conn = conn
        self._readers = list(readers)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._failed = False

    @property
    def parallel(self) -> int:
        """How many readers there are (0: everything runs on the store's connection)."""
        return len(self._readers)

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> Callable[[], T]:
        if not self._readers:
            return lambda: fn(self._conn)
        job: _Job[T] = _Job(fn)
        self._queue.put(job)
        if len(self._threads) < len(self._readers):
            reader = self._readers[len(self._threads)]
            thread = threading.Thread(
                target=self._work, args=(reader,), name="records check", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return job.result

    def _work(self, conn: sqlite3.Connection) -> None:
        behind_the_caller()
        while (job := self._queue.get()) is not None:
            job.run(None if self._failed else conn)

    def close(self, failed: bool = False) -> None:
        """Wait for every part still running (stopped at once when the caller ``failed``: a
        part running is interrupted, one not begun never runs), then end the readers'
        transactions and close them."""
        self._failed = self._failed or failed
        for _ in self._threads:
            self._queue.put(None)
        for thread, conn in zip(self._threads, self._readers, strict=False):
            while thread.is_alive():
                if self._failed:
                    # An interrupt reaches only a statement already running: sent again
                    # while the thread lives.
                    conn.interrupt()
                thread.join(0.01)
        _close(self._readers)
        self._readers = []
        self._threads = []
