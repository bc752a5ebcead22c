"""Backups (``VACUUM INTO``, never a raw copy of a live file), rotation, and restore.

- ``backup_to`` writes a consistent snapshot into a private temporary file beside the
  destination, checks it, and moves it into place: a backup file is whole or absent.
- ``auto_backup`` keeps a daily backup in ``backups/`` beside the records file, and only the
  newest ``KEEP`` of them. Backups made before a restore or an upgrade are never rotated away.
- ``restore`` copies the source (SQLite's backup API, read-only) into a staging file, checks
  its integrity and schema version, keeps the current file as a backup, and only then puts
  the staged copy in place.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from consult.storage import database, errors, openfiles, protect
from consult.storage.audit import Action
from consult.storage.errors import BackupError, StorageError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from consult.storage.repository import Repository

KEEP = 10
INTERVAL = timedelta(days=1)
STALE_AFTER = timedelta(days=2)  # older than this, the status bar and ``db check`` warn
CLOCK_SLACK = timedelta(minutes=5)  # a stamp this far ahead is still "now" (clock drift)
BACKUP_FOLDER = protect.BACKUP_FOLDER
SUFFIX = ".sqlite3"
_STAMP = "%Y%m%d-%H%M%S"


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / BACKUP_FOLDER


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime(_STAMP)


def unique_path(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _quick_check(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    finally:
        conn.close()


def backup_to(db: Database, dest: Path) -> Path:
    """A checked snapshot of ``db`` at ``dest`` (mode 0600). ``dest`` must not exist yet."""
    dest = Path(dest).expanduser().absolute()
    if dest.is_symlink() or dest.exists():
        raise BackupError(
            f"{dest} already exists, and a backup never overwrites a file. Choose a new file "
            "name, or move the old file away first."
        )
    folder = dest.parent
    if not folder.is_dir():
        raise BackupError(
            f"The folder {folder} does not exist, so the backup cannot be written there. "
            "Create the folder or choose another one."
        )
    if database.is_read_only(dest):
        raise errors.read_only_folder(folder)
    if db_file := _main_file(db):
        protect.check_output(dest, records=db_file, what="backup", backups_allowed=True)
    with database.translated(dest):
        tmp = database.new_private_file(folder, dest.name)
        try:
            with database.private_umask():
                db.execute("VACUUM INTO ?", [str(tmp)])
            database.make_private(tmp)
            if _quick_check(tmp) != ["ok"]:
                raise BackupError(
                    f"The backup written to {dest} did not read back correctly, so it was "
                    "removed. The disk may be failing: try another disk or folder."
                )
            try:
                database.place_file(tmp, dest)
            except FileExistsError:
                raise BackupError(
                    f"{dest} appeared while the backup was being written; nothing was "
                    "overwritten. Choose a new file name."
                ) from None
        finally:
            database.remove_with_sides(tmp)
    return dest


def _main_file(db: Database) -> Path | None:
    """The file of ``db``'s main database (``None`` in memory)."""
    for _, name, file in db.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None


def backup_with_audit(repo: Repository, dest: Path) -> Path:
    path = backup_to(repo.db, dest)
    with repo.transaction():
        repo.audit_event(Action.BACKUP, "database", detail="copy")
    return path


_AUTO = re.compile(r"^(?P<stem>.+)-auto-(?P<stamp>\d{8}-\d{6})(?:-\d+)?\.sqlite3$")


def auto_backups(folder: Path, stem: str) -> list[tuple[datetime, Path]]:
    """The automatic backups of ``stem`` in ``folder``, oldest first."""
    found = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = _AUTO.match(path.name)
        if match and match["stem"] == stem:
            moment = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
            found.append((moment, path))
    return sorted(found)


def _in_rotation_order(found: list[tuple[datetime, Path]], now: datetime) -> list[Path]:
    """Oldest first; a backup named in the future (made while the computer's clock was wrong)
    counts as the oldest of all, since when it was really made cannot be known."""
    future = [path for moment, path in found if moment > now + CLOCK_SLACK]
    past = [path for moment, path in found if moment <= now + CLOCK_SLACK]
    return future + past


def newest_backup(db_path: Path, now: datetime | None = None) -> datetime | None:
    """When the newest automatic backup of ``db_path`` was made, ignoring any named in the
    future (a clock that was once wrong); ``None`` when there is none."""
    now = now or datetime.now(UTC)
    made = auto_backups(backups_dir(db_path), db_path.stem)
    found = [moment for moment, _ in made if moment <= now + CLOCK_SLACK]
    return found[-1] if found else None


def stale_backup_warning(db_path: Path, now: datetime | None = None) -> str | None:
    """A plain warning when the newest automatic backup is older than ``STALE_AFTER``, or
    there is none; ``None`` when all is well."""
    now = now or datetime.now(UTC)
    newest = newest_backup(db_path, now)
    if newest is None:
        return (
            "No automatic backup of these records has been made yet. Start the app once, or "
            "run “consult db backup FILE”, and keep a copy on another disk."
        )
    age = now - newest
    if age <= STALE_AFTER:
        return None
    return (
        f"The newest automatic backup of these records is {age.days} days old (made "
        f"{newest.date().isoformat()}). Check that the backups folder can be written and the "
        "disk is not full, then run “consult db backup FILE”."
    )


def auto_backup(repo: Repository, *, keep: int = KEEP, every: timedelta = INTERVAL) -> Path | None:
    """Make the rotating backup when the newest is older than ``every``; keep ``keep``.

    Whether a recent backup exists is decided from the backups made in the past: one named
    in the future (the computer's clock was once set wrong) never stands in for today's.
    """
    if repo.path is None:
        return None
    if keep < 1:
        raise ValueError("keep at least one backup")
    now = repo._clock()
    folder = database.private_folder(backups_dir(repo.path))
    stem = repo.path.stem
    newest = newest_backup(repo.path, now)
    if newest is not None and now - newest < every:
        return None
    dest = unique_path(folder / f"{stem}-auto-{stamp(now)}{SUFFIX}")
    backup_to(repo.db, dest)
    with repo.transaction():
        repo.audit_event(Action.BACKUP, "database", detail="automatic")
    for old in _in_rotation_order(auto_backups(folder, stem), now)[:-keep]:
        database.remove_with_sides(old)
    return dest


# --------------------------------------------------------------------------- restore


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    kept: Path | None
    schema_version: int


def _source_problem(src: Path, exc: StorageError) -> BackupError:
    if isinstance(exc, errors.EmptyFileError):
        what = "is empty (0 bytes), so there is nothing to restore from it"
    elif isinstance(exc, errors.NewerSchemaError):
        what = "was made by a newer version of this app, which this version cannot read"
    elif isinstance(exc, errors.CorruptDatabaseError):
        what = "is damaged (SQLite found broken pages in it)"
    elif isinstance(exc, errors.NotADatabaseError):
        what = "is not a backup of this app's records"
    else:
        what = "cannot be read as a backup"
    return BackupError(
        f"The file {src} {what}. Nothing was changed: the records file is as it was. Choose "
        "another backup (the automatic ones are in the backups folder beside the records "
        "file)."
    )


def _stage(src: Path, staging: Path) -> int:
    """Copy ``src`` into ``staging`` with SQLite's backup API and check the copy."""
    source = sqlite3.connect(f"file:{quote(str(src))}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(staging)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    db = database.connect(staging)
    try:
        db.conn.execute("PRAGMA journal_mode = DELETE")
        _full_check(db, src)
        return database.inspect(db.conn, src, verify=False)
    finally:
        db.close()


def _full_check(db: Database, src: Path) -> None:
    if [row[0] for row in db.execute("PRAGMA integrity_check(5)")] != ["ok"]:
        raise errors.corrupt(src)
    if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
        raise errors.corrupt(src)


def _keep_current(target: Path, moment: datetime) -> Path:
    """Keep the file about to be replaced in the backups folder; where it was kept."""
    folder = database.private_folder(backups_dir(target))
    try:
        database.check_header(target)
        db = database.connect(target)
        try:
            kept = backup_to(
                db, unique_path(folder / f"{target.stem}-before-restore-{stamp(moment)}{SUFFIX}")
            )
        finally:
            db.close()
    except (StorageError, sqlite3.Error):
        # Damaged, garbage or foreign: keep its bytes exactly as they are.
        kept = unique_path(folder / f"{target.stem}-replaced-{stamp(moment)}{SUFFIX}")
        target.replace(kept)
        for suffix in ("-wal", "-journal"):
            side = database.side_file(target, suffix)
            if side.exists():
                side.replace(database.side_file(kept, suffix))
        with contextlib.suppress(FileNotFoundError):
            database.side_file(target, "-shm").unlink()
        return kept
    if database.side_file(target, "-wal").exists():
        raise errors.busy(target)
    return kept


def restore(
    src: Path | str, target: Path | str | None = None, *, provider: str = ""
) -> RestoreResult:
    """Replace the records file with a checked copy of ``src``; the old file is kept."""
    from consult.storage.repository import Repository

    src = Path(src).expanduser().absolute()
    target = database.resolve(target)
    moment = datetime.now(UTC)
    if not src.is_file():
        raise BackupError(
            f"There is no backup file at {src}. Check the name; the automatic backups are in "
            f"{backups_dir(target)}."
        )
    if target.exists() and src.samefile(target):
        raise BackupError(
            f"{src} is the records file itself; choose a backup file to restore from."
        )
    try:
        database.check_header(src)
    except StorageError as exc:
        raise _source_problem(src, exc) from exc
    if not target.parent.is_dir():
        raise BackupError(
            f"The folder {target.parent} does not exist. Check the path given with --db."
        )
    database.check_writable(target)
    if target.exists() and (openfiles.held(target) or openfiles.others_hold(target)):
        raise errors.busy(target)  # the app has it open: close it first
    with database.translated(target):
        staging = database.new_private_file(target.parent, target.name + ".restore")
        try:
            try:
                version = _stage(src, staging)
            except StorageError as exc:
                raise _source_problem(src, exc) from exc
            except sqlite3.DatabaseError as exc:
                raise _source_problem(src, database.translate(exc, src)) from exc
            kept = _keep_current(target, moment) if target.exists() else None
            database.place_file(staging, target, replace=True)
            database.make_private(target)
        finally:
            database.remove_with_sides(staging)
    with Repository.open(target, provider=provider, verify=False) as repo, repo.transaction():
        repo.audit_event(Action.RESTORE, "database", detail=f"schema version {version}")
    return RestoreResult(target, kept, version)


__all__ = [
    "KEEP",
    "RestoreResult",
    "auto_backup",
    "backup_to",
    "backups_dir",
    "restore",
]
