"""The records files this process has open through SQLite, and the rule that keeps them safe.

SQLite's locks on a database are POSIX advisory locks, and POSIX cancels *every* lock a
process holds on a file as soon as the process closes *any* descriptor of that file — also one
opened by other code, for a moment, to read a few bytes (https://sqlite.org/howtocorrupt.html,
section 2.2). SQLite keeps its own descriptors open until its last connection closes, so its own
connections never trip over this; Python's ``open()`` does. Once the locks are gone, another
process (``consult db check``, a backup) believes it is the last one using the file,
checkpoints the write-ahead log and deletes it, while this process goes on committing into the
deleted log: saved records are lost at the next crash.

So the rule: **nothing but SQLite opens a records file (or its -wal, -shm, -journal) while a
connection of this process is open on it.** This module keeps the list of those files (by
device and inode, so a link or another spelling of the path is the same file) and offers the
only two ways around SQLite:

- ``read_prefix``: the first bytes of a file, read from Python — refused (``None``) when the
  file is open here; the caller then relies on SQLite's own checks;
- ``others_hold``: whether another process has the file open (a lock query, POSIX only),
  asked only when this process holds no connection on it.

Both run under one lock that also covers opening a connection, so a header read on one thread
can never overlap a connection being made on another.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

SIDE_SUFFIXES = ("-wal", "-shm", "-journal")

# SQLite's lock bytes on the database file (os_unix.c): every connection holds a read lock
# on the "shared" range while it has the file open in WAL mode, or during a read otherwise.
_PENDING_BYTE = 0x40000000
_SHARED_FIRST = _PENDING_BYTE + 2
_SHARED_SIZE = 510

_lock = threading.RLock()


@dataclass
class _Entry:
    path: Path
    connections: set[int] = field(default_factory=set)


_open: dict[tuple[int, int], _Entry] = {}


def _key(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


class RecordsConnection(sqlite3.Connection):
    """A connection that is listed as holding its file open until it is closed.

    A connection dropped without ``close()`` stays listed: that errs on the safe side (the
    file is never opened from Python again in this process; SQLite's checks still run).
    """

    records_key: tuple[int, int] | None = None
    #: Another process had the file open when this connection was made (see ``others_hold``).
    shared_with_others: bool | None = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            _release(self)


def connect(uri: str, path: Path, **options) -> RecordsConnection:
    """``sqlite3.connect`` that lists the connection before SQLite takes any lock.

    ``sqlite3.connect`` opens the file but locks nothing until the first statement, so a
    header read that holds ``_lock`` either finishes before the connection exists or sees it.
    """
    with _lock:
        conn = sqlite3.connect(uri, uri=True, factory=RecordsConnection, **options)
        key = _key(path)
        if key is not None:
            entry = _open.setdefault(key, _Entry(path))
            entry.connections.add(id(conn))
            conn.records_key = key
        return conn


def _release(conn: RecordsConnection) -> None:
    with _lock:
        key = conn.records_key
        entry = _open.get(key) if key is not None else None
        if entry is not None:
            entry.connections.discard(id(conn))
            if not entry.connections:
                del _open[key]
        conn.records_key = None


def held(path: Path) -> bool:
    """True when a connection of this process is open on ``path`` (the same file)."""
    key = _key(path)
    with _lock:
        return key is not None and key in _open


def connections_on(path: Path) -> int:
    """How many connections of this process are open on ``path`` (the same file)."""
    key = _key(path)
    with _lock:
        entry = _open.get(key) if key is not None else None
        return len(entry.connections) if entry is not None else 0


def held_paths() -> list[Path]:
    """The records files this process has open (as they were named when opened)."""
    with _lock:
        return [entry.path for entry in _open.values()]


def read_prefix(path: Path, size: int) -> bytes | None:
    """The first ``size`` bytes of ``path``, or ``None`` when this process has it open.

    Raises OSError as ``open`` does.
    """
    with _lock:
        if held(path):
            return None
        with open(path, "rb") as handle:  # noqa: PTH123 - the one sanctioned place
            return handle.read(size)


def others_hold(path: Path) -> bool | None:
    """Whether another process has ``path`` open as an SQLite database right now.

    ``None`` when it cannot be told: not POSIX, the file is open in this process (asking
    would need a descriptor of our own, whose closing would cancel our locks), or the
    query failed. Asked through the lock SQLite itself holds on the file's shared range.
    """
    if os.name != "posix":
        return None
    import fcntl

    with _lock:
        if held(path):
            return None
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, _SHARED_FIRST, _SHARED_SIZE, 0)
            answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        except OSError:
            return None
        finally:
            os.close(fd)
    lock_type = struct.unpack("hhqqi", answer)[0]
    return lock_type != fcntl.F_UNLCK


def records_file_named(path: Path) -> Path | None:
    """The records file open in this process that ``path`` is, or is a side file of."""
    path = Path(path)
    with _lock:
        entries = [entry.path for entry in _open.values()]
    for records in entries:
        if is_same_or_side(path, records):
            return records
    return None


def is_same_or_side(path: Path, records: Path) -> bool:
    """True when ``path`` is ``records`` itself or its -wal, -shm or -journal (by file, and
    by name in the same folder, so a side file that does not exist yet counts too)."""
    path = Path(path)
    records = Path(records)
    with contextlib.suppress(OSError):
        if path.exists() and records.exists() and path.samefile(records):
            return True
    try:
        same_folder = path.parent.exists() and path.parent.samefile(records.parent)
    except OSError:
        same_folder = False
    if not same_folder:
        return False
    names = {records.name, *(records.name + suffix for suffix in SIDE_SUFFIXES)}
    return path.name in names


def is_regular_file(path: Path) -> bool:
    """True for a plain file (following links): not a folder, FIFO, device or socket."""
    try:
        return stat.S_ISREG(Path(path).stat().st_mode)
    except OSError:
        return False
