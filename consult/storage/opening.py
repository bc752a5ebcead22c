"""Opening the records: the checks in order, a new file built whole, an older one upgraded.

An existing file is first checked from Python alone (``database.preflight``: size, header,
this app's id, the schema version), then SQLite opens it with writes switched off while the
schema and, optionally, the pages are checked; only then are the pragmas that may write set
and pending migrations applied, after a checked copy of the file is kept in ``backups/``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from consult.storage import errors, migrations, schema_check
from consult.storage.copies import backup_to
from consult.storage.database import (
    connect,
    connect_raw,
    inspect,
    make_private_with_sides,
    new_private_file,
    place_file,
    preflight,
    private_folder,
    remove_with_sides,
    resolve,
    set_write_pragmas,
    side_file,
    translate,
    translated,
    wrap,
)
from consult.storage.rotation import backups_dir, stamp, unique_path

if TYPE_CHECKING:
    from sqlite_utils import Database

    from consult.storage.server import ServerConnection


def open_connection(
    path: Path | str | None = None,
    *,
    create: bool = True,
    readonly: bool = False,
    verify: bool = True,
    any_thread: bool = False,
) -> sqlite3.Connection:
    """The records database at ``path`` (default: the data folder), checked and migrated.

    ``verify`` runs SQLite's quick check over every page before use (about a second per
    100 MB). ``readonly`` opens without writing anything: no migration, no journal change.
    Raises StorageError (a subclass saying which problem) with a message in plain words.
    """
    path = resolve(path)
    with translated(path):
        exists = preflight(path, write=not readonly)
        if not exists:
            if readonly or not create:
                raise errors.NotFoundError(
                    f"There is no records database at {path} yet. Check the path given with "
                    "--db, or start the app once to create it."
                )
            if any(side_file(path, s).exists() for s in ("-wal", "-journal")):
                raise errors.StorageError(
                    f"The records file {path} is missing, but its journal file is still next "
                    "to where it was, so it was probably moved or deleted by hand. The app has "
                    "not made a new one, to keep that journal safe. Put the records file back, "
                    "or restore the latest backup with “consult db restore”."
                )
            _create(path)
        conn = connect_raw(path, readonly=readonly, any_thread=any_thread)
        try:
            if not readonly:
                conn.execute("PRAGMA query_only = ON")
            version = inspect(conn, path, verify=verify)
            if readonly:
                return conn
            _refuse_changed_structure(conn, path, version)
            conn.execute("PRAGMA query_only = OFF")
            set_write_pragmas(conn)
            make_private_with_sides(path)
            if migrations.pending(conn):
                _upgrade(wrap(conn), path, version)
            return conn
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error | OSError):
                raise translate(exc, path) from exc
            raise


def _refuse_changed_structure(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Nothing is written to a file whose structure was changed outside the app: an added
    trigger could alter every save (see ``schema_check``). Reading it (``db check``) still
    works, and says what changed."""
    found = schema_check.differences(conn, version)
    if not found:
        return
    mendable = schema_check.only_missing_guards(found)
    action = (
        "The app can put the missing safety checks back: run “consult db check --repair”, or "
        "answer yes when the app asks."
        if mendable
        else "Restore the latest backup with “consult db restore”, and keep this file as it is "
        "for investigation."
    )
    raise errors.SchemaChangedError(
        f"{schema_check.describe(found)} The records file {path} was not opened for "
        f"changes. {action}",
        mendable=mendable,
    )


def repair_guards(path: Path) -> list[str]:
    """Put back the guard triggers missing from ``path`` (nothing else may differ); their
    names. The repair is recorded in the audit trail."""
    from consult.storage import audit

    path = resolve(path)
    conn = connect_raw(path)
    try:
        version = inspect(conn, path, verify=False)
        found = schema_check.differences(conn, version)
        if not found:
            return []
        if not schema_check.only_missing_guards(found):
            raise errors.SchemaChangedError(
                f"{schema_check.describe(found)} Only missing safety checks can be put back; "
                "restore the latest backup instead.",
            )
        names = schema_check.restore_guards(conn, version)
        db = wrap(conn)
        with conn:
            audit.append(db, "repair", "database", detail=f"guards put back: {len(names)}")
        return names
    finally:
        conn.close()


STALE_SECONDS = 3600


def _sweep_stale(folder: Path, stem: str) -> None:
    """Remove temporary files an earlier, killed process left behind (an hour old or more)."""
    now = time.time()
    for leftover in folder.glob(f".{stem}.*.tmp*"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > STALE_SECONDS:
                leftover.unlink()


def _create(path: Path) -> None:
    """Build a whole new database beside ``path``, then move it into place."""
    _sweep_stale(path.parent, path.name + ".new")
    tmp = new_private_file(path.parent, path.name + ".new")
    try:
        db = connect(tmp)
        try:
            set_write_pragmas(db)
            migrations.apply(db)
        finally:
            db.close()  # the last connection checkpoints and removes the -wal
        if side_file(tmp, "-wal").exists():
            raise errors.StorageError(
                f"A new records database could not be finished in {path.parent}. Check that "
                "the disk has free space, then try again."
            )
        with contextlib.suppress(FileExistsError):  # another process made it first
            place_file(tmp, path)
    finally:
        remove_with_sides(tmp)


def _upgrade(db: Database, path: Path, version: int) -> None:
    """Apply the pending migrations to an existing file, after backing it up."""
    folder = private_folder(backups_dir(path))
    kept = backup_to(
        db, unique_path(folder / f"{path.stem}-before-upgrade-v{version}-{stamp()}.sqlite3")
    )
    try:
        migrations.apply(db)
    except Exception as exc:
        done = db.execute("PRAGMA user_version").fetchone()[0]
        raise errors.StorageError(
            f"The records file {path} could not be upgraded from records format {version} to "
            f"{migrations.SCHEMA_VERSION} ({type(exc).__name__}); it stays at format {done}, "
            "as each step of an upgrade is all or nothing. A copy from before the upgrade is "
            f"at {kept}. Go on with the previous version of the app for now, and report this "
            "problem."
        ) from exc


def open_server(url: str, *, readonly: bool = False) -> ServerConnection:
    """The records on the clinic's PostgreSQL server at ``url``, their schema brought up to
    date (every room that opens them runs the same migrations, one room at a time; see
    ``pg_schema``). ``readonly``: nothing is written, not even a migration; a server whose
    schema is older than this app's is then refused in plain words."""
    from consult.storage import pg_schema, server

    where = server.describe(url)
    try:
        conn = server.connect(url, readonly=readonly)
    except sqlite3.Error as exc:
        raise server_error(exc, where) from exc
    try:
        if readonly:
            if pg_schema.pending(conn.raw):
                raise errors.StorageError(
                    f"The records on {where} were made by an older version of the app and "
                    "have not been brought up to date yet. Start the app once on a computer "
                    "that may write to them, then try again."
                )
        else:
            try:
                pg_schema.apply(conn.raw)
            except Exception as exc:
                if getattr(exc, "sqlstate", None) == "42501":  # the app's role owns nothing
                    raise errors.StorageError(
                        f"The records on {where} need to be brought up to date for this "
                        "version of the app, which only the records' owner may do. Ask the "
                        "administrator to run “consult --db postgresql://OWNER@…/… db "
                        "grant-app-role ROLE” once (docs/clinic-server.md), then start again."
                    ) from None
                raise
    except errors.StorageError:
        conn.close()
        raise
    except Exception as exc:
        conn.close()
        raised = exc if isinstance(exc, sqlite3.Error) else server.raised_as(exc)
        raise server_error(raised, where) from exc
    return conn


def server_error(exc: BaseException, where: str) -> errors.StorageError:
    """Plain words for an error of the records server (never its DETAIL, which may quote a
    patient's data)."""
    return translate(exc, None, where=f"records on {where}")
