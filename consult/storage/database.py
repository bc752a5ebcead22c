"""Opening the records file: checks before touching it, pragmas, private file modes.

The order matters. An existing file is first checked from Python alone (size, the 100-byte
SQLite header, the app's id, the schema version), so a garbage, empty, foreign or newer file is
refused without SQLite ever opening it. Then SQLite opens it with writes switched off
(``query_only``) while the schema and, optionally, the pages are checked. Only then are the
pragmas that may write set and pending migrations applied. A new database is built in a
private temporary file beside the target and moved into place when whole, so the records path
is either absent or a complete database: a crash never leaves a half-made or zero-byte file.

Every connection gets ``foreign_keys=ON``, ``journal_mode=WAL``, ``busy_timeout`` and
``synchronous=FULL`` (in WAL mode FULL syncs the log on every commit, so a saved consultation
survives a power cut, not only a crash; the cost is one fsync per save, which a person at a
desk never notices). Files are created with mode 0600 and folders 0700; SQLite gives the -wal
and -shm files the mode of the database file.

While any connection of this process is open on the records file, nothing but SQLite may open
that file or its -wal/-shm: closing such a descriptor cancels the process's locks and lets
another process delete the write-ahead log under it (see ``openfiles``). The header checks
below therefore run only before this process's first connection to a file; a later connection
relies on SQLite's own checks of the same things (``inspect``).

One connection per thread: a worker thread opens its own. ``open_connection`` gives the plain
``sqlite3`` connection, which is all that opening the app and listing patients need;
``wrap`` makes a sqlite-utils ``Database`` of it where one is needed, and the library is
imported only then (it takes longer to import than the rest of start-up's storage work together).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import struct
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from consult.storage import errors, migrations, openfiles
from consult.storage.errors import StorageError
from consult.system.files import fsync_folder, place_new
from consult.system.folders import data_dir

if TYPE_CHECKING:
    from sqlite_utils import Database

DEFAULT_FILENAME = "records.sqlite3"
APPLICATION_ID = 0x436F6E73  # "Cons": marks a file as this app's records database
BUSY_TIMEOUT_MS = 5000
SQLITE_MAGIC = b"SQLite format 3\x00"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def default_path() -> Path:
    """``records.sqlite3`` in the user's data folder (``CONSULT_DATA_DIR`` when set)."""
    return data_dir() / DEFAULT_FILENAME


def resolve(path: Path | str | None) -> Path:
    return default_path() if path is None else Path(path).expanduser().absolute()


# --------------------------------------------------------------------------- private files

_umask_lock = threading.RLock()


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files created inside this block are readable by the user only (umask 077).

    The umask is process-wide; the lock keeps two threads from restoring each other's value.
    Explicit modes (``os.open(..., 0o600)``, ``chmod``) back this up everywhere.
    """
    with _umask_lock:
        old = os.umask(0o077)
        try:
            yield
        finally:
            os.umask(old)


def make_private(path: Path) -> None:
    """Mode 0600 on ``path`` when it exists and is ours to change (no-op on Windows)."""
    if os.name != "posix":
        return
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if stat.S_IMODE(path.stat().st_mode) != FILE_MODE:
            path.chmod(FILE_MODE)


def make_private_with_sides(path: Path) -> None:
    make_private(path)
    for suffix in SIDE_SUFFIXES:
        make_private(side_file(path, suffix))


def side_file(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def private_folder(path: Path) -> Path:
    with private_umask():
        path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    return path


def new_private_file(folder: Path, stem: str) -> Path:
    """A new, empty file with mode 0600 and a random name in ``folder``."""
    path = folder / f".{stem}.{uuid.uuid4().hex[:12]}.tmp"
    with private_umask():
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    return path


def remove_with_sides(path: Path) -> None:
    for candidate in (path, *(side_file(path, s) for s in SIDE_SUFFIXES)):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


def place_file(tmp: Path, dest: Path, *, replace: bool = False) -> None:
    """Move a finished ``tmp`` to ``dest`` atomically; without ``replace``, never clobber."""
    with open(tmp, "rb") as handle:  # noqa: PTH123 - need the descriptor to fsync
        os.fsync(handle.fileno())
    if replace:
        tmp.replace(dest)
    else:
        place_new(tmp, dest)
    fsync_folder(dest.parent)


# --------------------------------------------------------------------------- header checks


@dataclass(frozen=True)
class Header:
    """What the first 100 bytes of an SQLite file say."""

    page_size: int
    wal: bool
    user_version: int
    application_id: int


def read_header(path: Path) -> Header | None:
    """Check a file from Python alone; raise a StorageError for anything but a sound header.

    ``None`` when a connection of this process has the file open: it was checked when that
    connection was made, and reading it again from Python would cancel the connection's locks.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise not_a_file(path)
        if not stat.S_ISREG(info.st_mode):
            raise not_a_regular_file(path)
        size = info.st_size
        head = openfiles.read_prefix(path, 100)
        if head is None:
            return None
    except PermissionError:
        raise errors.StorageError(
            f"The records file {path} cannot be read: your user account has no permission to "
            "read it. Give your account read and write permission on the file, or point the "
            "app at another file with --db."
        ) from None
    except IsADirectoryError:
        raise not_a_file(path) from None
    if size == 0:
        raise errors.empty_file(path)
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise errors.not_a_database(path)
    (page_size,) = struct.unpack(">H", head[16:18])
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1) or size % page_size:
        raise errors.corrupt(path)
    (user_version,) = struct.unpack(">i", head[60:64])
    (application_id,) = struct.unpack(">i", head[68:72])
    return Header(page_size, head[18] == 2, user_version, application_id & 0xFFFFFFFF)


def needs_upgrade(path: Path) -> bool:
    """True when ``path`` holds records made by an earlier schema (from its header alone,
    without SQLite). Any problem with the file is left for opening it to report."""
    try:
        header = read_header(path)
    except (StorageError, OSError):
        return False
    return header is not None and header.user_version < migrations.SCHEMA_VERSION


def not_a_file(path: Path) -> StorageError:
    return errors.StorageError(
        f"{path} is a folder, not a records file. Point the app at the records file itself "
        "(for example records.sqlite3) with --db."
    )


def not_a_regular_file(path: Path) -> StorageError:
    return errors.StorageError(
        f"{path} is not a plain file (it is a device, a pipe or a socket), so it cannot hold "
        "records. Point the app at the records file itself (for example records.sqlite3)."
    )


def check_header(path: Path) -> Header | None:
    """``read_header`` and this app's id and schema version; ``None`` when the file is open
    in this process (see ``read_header``)."""
    header = read_header(path)
    if header is None:
        return None
    if header.application_id != APPLICATION_ID:
        raise errors.foreign_database(path)
    if header.user_version > migrations.SCHEMA_VERSION:
        raise errors.newer_schema(path, header.user_version, migrations.SCHEMA_VERSION)
    return header


def _read_only_bits(path: Path) -> bool:
    """True when the owner may not write ``path`` (checked on the mode bits, so it holds even
    for root, who could write anyway) or the OS says we may not."""
    mode = path.stat().st_mode
    return not (mode & stat.S_IWUSR) or not os.access(path, os.W_OK)


def is_read_only(path: Path) -> bool:
    """True when ``path`` (if it exists) or its folder cannot be written."""
    try:
        return (path.exists() and _read_only_bits(path)) or _read_only_bits(path.parent)
    except OSError:
        return True


def check_writable(path: Path) -> None:
    folder = path.parent
    if path.exists() and _read_only_bits(path):
        raise errors.read_only_file(path)
    if _read_only_bits(folder):
        raise errors.read_only_folder(folder)


def preflight(path: Path, *, write: bool) -> bool:
    """Checks before SQLite sees the file. True when the file exists."""
    if path.is_dir():
        raise not_a_file(path)
    folder = path.parent
    if not folder.is_dir():
        raise errors.StorageError(
            f"The folder {folder} does not exist, so the records file cannot be opened or made "
            "there. Check the path given with --db, or create the folder first."
        )
    exists = path.exists()
    if exists:
        check_header(path)
    if write:
        check_writable(path)
    return exists


# --------------------------------------------------------------------------- sqlite errors


# SQLite's primary result codes (https://sqlite.org/rescode.html): an extended code's low byte.
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR = 5, 6, 8, 10
SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 11, 13, 14, 26


def _translate_code(exc: sqlite3.Error, where: Path) -> StorageError | None:
    """The plain-words error for SQLite's result code (never its English message text)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return errors.corrupt(where)
    if primary == SQLITE_READONLY:
        return errors.read_only_file(where)
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return errors.busy(where)
    if primary == SQLITE_FULL:
        return errors.StorageError(
            f"The disk holding {where} is full, so the last change was not saved (the "
            "records already saved are safe). Free some space, then try again."
        )
    if primary in (SQLITE_IOERR, SQLITE_CANTOPEN):
        return errors.StorageError(
            f"The records file {where} could not be read or written (the disk reported an "
            "error). Check that the disk or network folder is available and not full, then "
            "try again; if it keeps happening, restore the latest backup."
        )
    return None


def translate(exc: BaseException, path: Path | None, *, where: str = "") -> StorageError:
    """A plain-words StorageError for an SQLite, server or OS error. No patient data in it:
    SQLite's own messages name tables and columns, never values; of the server's, only the
    first line is kept (``server``). ``where`` names records on a server."""
    if isinstance(exc, StorageError):
        return exc
    if getattr(exc, "sqlstate", False) is not False:
        return _translate_server(exc, where or "records on the clinic's server")
    where = path or Path("(the records database)")
    if isinstance(exc, sqlite3.Error):
        known = _translate_code(exc, where)
        if known is not None:
            return known
    if isinstance(exc, PermissionError):
        return errors.read_only_folder(where.parent) if path else errors.StorageError(str(exc))
    if isinstance(exc, OSError):
        return errors.StorageError(
            f"The records file {where} could not be read or written ({exc.strerror or exc}). "
            "Check that the disk is available and has free space, then try again."
        )
    return errors.StorageError(
        f"The records database at {where} reported an unexpected problem "
        f"({type(exc).__name__}: {exc}). Nothing more was saved. Run “consult db check”; if it "
        "reports damage, restore the latest backup."
    )


def _translate_server(exc: BaseException, where: str) -> StorageError:
    """Plain words for what the records server said (its SQLSTATE, never its DETAIL)."""
    state = getattr(exc, "sqlstate", None) or ""
    if state in ("55P03", "40001", "40P01", "57014"):
        return errors.DatabaseBusyError(
            f"The {where} are busy: another exam room is saving right now. Nothing was "
            "saved just now; try again in a moment."
        )
    if state in ("28P01", "28000"):
        return errors.StorageError(
            f"The clinic's records server refused the app's sign-in ({where}). Check the "
            "database user and its password (kept in the keyring or the .pgpass file, never in "
            "the settings), then try again."
        )
    if state == "3D000":
        return errors.NotFoundError(
            f"There is no records database called that on the clinic's server ({where}). "
            "Check the name in File → Records… (or --db), or ask the administrator to "
            "create it (docs/clinic-server.md)."
        )
    if state == "42501":
        return errors.ReadOnlyError(
            f"The app's database user may not make this change to the {where}. Records that "
            "are never changed (the audit trail, finished consultations) stay as they are."
        )
    if state == "22021":
        return errors.StorageError(
            "Some of the text holds an invisible NUL character (usually pasted from another "
            f"program by accident), which the {where} cannot keep. Nothing was saved; remove "
            "it from the text and save again."
        )
    if state == "25006":
        return errors.ReadOnlyError(f"The {where} were opened read-only; nothing was changed.")
    lost = state.startswith("08") or state in ("57P01", "57P02", "57P03")
    if lost or (not state and isinstance(exc, sqlite3.OperationalError)):
        return errors.ServerUnreachableError(
            f"The clinic's records server cannot be reached ({where}). Nothing was saved just "
            "now, and nothing was half-saved. Check that this computer is on the clinic's "
            "network and that the server is switched on, then try again."
        )
    if state.startswith("53"):
        return errors.StorageError(
            f"The clinic's records server is out of room or memory ({where}); the last change "
            "was not saved. Ask the administrator to check the server, then try again."
        )
    return errors.StorageError(
        f"The {where} reported an unexpected problem ({state or type(exc).__name__}: "
        f"{str(exc).splitlines()[0] if str(exc) else ''}). Nothing more was saved. Run "
        "“consult db check”."
    )


@contextlib.contextmanager
def translated(path: Path | None) -> Iterator[None]:
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise translate(exc, path) from exc


# --------------------------------------------------------------------------- connecting


def wrap(conn: sqlite3.Connection) -> Database:
    """A sqlite-utils ``Database`` over ``conn`` (imported here, on first use)."""
    from sqlite_utils import Database

    return Database(conn, execute_plugins=False)


def connect(path: Path, *, readonly: bool = False, any_thread: bool = False) -> Database:
    """A sqlite-utils Database on an existing file; see ``connect_raw``."""
    return wrap(connect_raw(path, readonly=readonly, any_thread=any_thread))


def connect_raw(
    path: Path, *, readonly: bool = False, any_thread: bool = False, shared: bool | None = None
) -> sqlite3.Connection:
    """A connection to an existing file, with the connection pragmas set.

    ``readonly`` refuses every write (``query_only``). Where the file and its folder can be
    written, the connection itself is read-write so that closing it tidies away the -wal and
    -shm files; on a read-only file or folder it is opened read-only (and immutable when no
    journal holds anything, so no file is made beside it). ``any_thread``: the connection may
    be used from threads other than the one that opened it, one at a time (the caller makes
    sure of that, e.g. with a lock). ``shared``: whether another process has the file open,
    when the caller already knows (a further connection of a process that holds one cannot
    ask: see ``openfiles.others_hold``).
    """
    query = "mode=rw"
    if readonly and is_read_only(path):
        query = "mode=ro"
        wal = side_file(path, "-wal")
        if not wal.exists() or wal.stat().st_size == 0:
            # Nothing in a journal to read: opened as immutable, SQLite makes no -wal or
            # -shm file beside a file it may not change.
            query += "&immutable=1"
    if readonly and query == "mode=rw":
        # Another process has the file open (the app, while ``db check`` runs): read it
        # without write access, so that closing this connection can never checkpoint or
        # remove the log that process is writing to.
        if shared is None:
            shared = openfiles.others_hold(path)
        if shared:
            query = "mode=ro"
    else:
        shared = None
    uri = f"file:{quote(str(path))}?{query}"
    with private_umask():
        conn = openfiles.connect(
            uri, path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=not any_thread
        )
    conn.shared_with_others = shared
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        # As sqlite-utils' Database sets it: a trigger's own changes fire triggers too.
        conn.execute("PRAGMA recursive_triggers = ON")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        return conn
    except BaseException:
        conn.close()
        raise


#: How much of the file a whole-file check reads through a memory map (SQLite caps it at its
#: own limit, 2 GB on common builds): the pages are read from the operating system's cache
#: where they already are, without a system call and a copy for each page, which is about a
#: third of a check's time on a 100,000-patient file.
SCAN_MAP_BYTES = 1 << 31


@contextlib.contextmanager
def mapped_for_scan(conn: sqlite3.Connection) -> Iterator[None]:
    """Read ``conn``'s file through a memory map while the block runs (``db check`` and ``db
    verify``, which read every page). Only for reading: SQLite maps the file read-only, and
    the app never shrinks a records file (nothing but ``VACUUM INTO`` a new file), which is
    the one case where a memory map fails where reading does not."""
    map_for_scan(conn)
    try:
        yield
    finally:
        conn.execute("PRAGMA mmap_size = 0")


def map_for_scan(conn: sqlite3.Connection) -> None:
    """``mapped_for_scan`` for a connection opened only for the scan (closed after it)."""
    conn.execute(f"PRAGMA mmap_size = {SCAN_MAP_BYTES}")


def set_write_pragmas(db: Database | sqlite3.Connection) -> None:
    """The pragmas that may write to the file: only after the file passed its checks."""
    with private_umask():
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise errors.StorageError(
            "The records database could not switch to its safe journal mode (WAL). This "
            "happens on some network folders; keep the records file on a local disk."
        )
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA secure_delete = ON")


def inspect(conn: sqlite3.Connection, path: Path, *, verify: bool) -> int:
    """Check the schema (and the pages when ``verify``) without writing; the schema version."""
    if conn.execute("PRAGMA application_id").fetchone()[0] & 0xFFFFFFFF != APPLICATION_ID:
        raise errors.foreign_database(path)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    unknown = migrations.unknown_applied(conn)
    if version > migrations.SCHEMA_VERSION or unknown:
        found = max(version, migrations.SCHEMA_VERSION + 1)
        raise errors.newer_schema(path, found, migrations.SCHEMA_VERSION)
    if verify:
        result = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        if result != ["ok"]:
            raise errors.corrupt(path)
    return version
