"""Backups with their audit entry, the daily rotating backup, and restore.

- ``backup_with_audit``: a checked copy (``copies.backup_to``) and its audit entry.
- ``auto_backup`` keeps a daily backup in ``backups/`` beside the records file, and only the
  newest ``KEEP`` of them (see ``rotation``). Backups made before a restore or an upgrade are
  never rotated away.
- ``restore`` copies the source (SQLite's backup API, read-only) into a staging file, checks
  its integrity and schema version, and that every photo it keeps has its picture (in the
  backup's ``NAME.photos`` folder, or already in the photo folder); keeps the current file as
  a backup (with its photos), and only then puts the staged copy in place and its pictures in
  the photo folder.

Every backup carries its photos in ``NAME.photos`` beside it (``copies``); rotating a backup
away removes them with it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from consult.storage import anchor, audit, database, errors, openfiles, photo_files, schema_check
from consult.storage.audit import Action
from consult.storage.copies import backup_to, check_new_backup
from consult.storage.errors import BackupError, StorageError
from consult.storage.part import guarded
from consult.storage.rotation import (
    INTERVAL,
    KEEP,
    SUFFIX,
    auto_backups,
    backups_dir,
    in_rotation_order,
    newest_backup,
    stamp,
    unique_path,
)
from consult.storage.store import RecordStore

if TYPE_CHECKING:
    from sqlite_utils import Database


@guarded
def backup_with_audit(store: RecordStore, dest: Path | str) -> Path:
    """A consistent copy of the whole records at ``dest`` (never overwritten), audited."""

    def audited() -> None:
        with store.transaction():
            store.audit_event(Action.BACKUP, "database", detail="copy")

    if store.on_server:
        return _server_backup(store, Path(dest).expanduser().absolute(), audited)
    return backup_to(store.db, Path(dest), before_visible=audited)


def _server_backup(store: RecordStore, dest: Path, audited: Callable[[], None]) -> Path:
    """The records on the clinic's server as a records file at ``dest``: every record and the
    whole audit trail (``transfer``), one snapshot of the server, checked before it takes its
    name. The file opens in the app on its own, or goes back with ``consult db copy``."""
    from consult.storage.transfer import copy_records

    folder = check_new_backup(dest)
    tmp = database.new_private_file(folder, dest.name)
    tmp.unlink()  # the name only: the records file is made whole by opening it
    try:
        with RecordStore.open(tmp, catalog=store.catalog, provider=store.provider) as copy:
            copy_records(store, copy)
            report = copy.audit.verify()
        if not report.intact:
            raise BackupError(
                f"The backup written to {dest} did not verify ({report.problems[0]}), so it was "
                "removed. Run “consult db check” on the records."
            )
        pictures = photo_files.folder_of(tmp)
        beside = photo_files.backup_folder_of(dest)
        if pictures.is_dir() and (beside.exists() or beside.is_symlink()):
            raise BackupError(
                f"{beside} already exists, and a backup never overwrites anything. Choose a "
                "new file name, or move the old one away first."
            )
        audited()  # its audit entry: no backup appears without it
        if pictures.is_dir():  # its photos beside it, as every backup keeps them
            pictures.rename(beside)
        database.place_file(tmp, dest)
        with contextlib.suppress(OSError):  # the chain's head, as beside every backup
            anchor.anchor_path(tmp).replace(anchor.anchor_path(dest))
    finally:
        database.remove_with_sides(tmp)
        photo_files.remove_folder(photo_files.folder_of(tmp))
        anchor_file = anchor.anchor_path(tmp)
        with contextlib.suppress(OSError):
            anchor_file.unlink()
    return dest


@guarded
def auto_backup(
    store: RecordStore, *, keep: int = KEEP, every: timedelta = INTERVAL
) -> Path | None:
    """Make the rotating backup when the newest is older than ``every``; keep ``keep``.

    Whether a recent backup exists is decided from the backups made in the past: one named
    in the future (the computer's clock was once set wrong) never stands in for today's.
    """
    if store.path is None:
        return None
    if keep < 1:
        raise ValueError("keep at least one backup")
    now = store.clock()
    folder = database.private_folder(backups_dir(store.path))
    stem = store.path.stem
    newest = newest_backup(store.path, now)
    if newest is not None and now - newest < every:
        return None

    def audited() -> None:
        with store.transaction():
            store.audit_event(Action.BACKUP, "database", detail="automatic")

    dest = backup_to(
        store.db, folder / f"{stem}-auto-{stamp(now)}{SUFFIX}", unique=True, before_visible=audited
    )
    for old in in_rotation_order(auto_backups(folder, stem), now)[:-keep]:
        _remove_backup(old)
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


def _stage(src: Path, staging: Path, target: Path) -> int:
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
        version = database.inspect(db.conn, src, verify=False)
        changed = schema_check.differences(db.conn, version)
        if changed:
            raise BackupError(
                f"The backup {src} cannot be restored. {schema_check.describe(changed)} Nothing "
                "was changed: the records file is as it was. Choose another backup, and keep "
                "this one as it is for investigation."
            )
        _check_trail(db, src, target)
        return version
    finally:
        db.close()


def _check_trail(db: Database, src: Path, target: Path) -> None:
    """A backup's audit chain must be whole, and hold the head its sidecar anchor recorded
    when it was made (``anchor``): a backup whose newest entries were cut is refused."""
    problems = list(audit.verify(db).problems)
    problems += anchor.problems(db.conn, target, anchor.anchor_path(src))
    if problems:
        raise BackupError(
            f"The backup {src} was changed after it was made: {problems[0]} Nothing was "
            "changed: the records file is as it was. Choose another backup, and keep this one "
            "as it is for investigation."
        )


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
                db, folder / f"{target.stem}-before-restore-{stamp(moment)}{SUFFIX}", unique=True
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
                version = _stage(src, staging, target)
            except BackupError:
                raise
            except StorageError as exc:
                raise _source_problem(src, exc) from exc
            except sqlite3.DatabaseError as exc:
                raise _source_problem(src, database.translate(exc, src)) from exc
            pictures = _pictures_of(src, staging, target)
            kept = _keep_current(target, moment) if target.exists() else None
            database.place_file(staging, target, replace=True)
            database.make_private(target)
            # The anchor beside the records was the replaced file's (kept beside its copy).
            anchor.forget(target)
            _restore_pictures(src, target, pictures, kept)
        finally:
            database.remove_with_sides(staging)
    _rotate_kept(target)
    with RecordStore.open(target, provider=provider, verify=False) as store, store.transaction():
        store.audit_event(Action.RESTORE, "database", detail=f"schema version {version}")
    return RestoreResult(target, kept, version)


def _pictures_of(src: Path, staging: Path, target: Path) -> set[str]:
    """The pictures the backup's photos need; BackupError (nothing changed) when one is in
    neither the backup's photo folder nor the records' own with its SHA-256."""
    from consult.storage.copies import _kept_pictures

    needed = _kept_pictures(staging)
    if not needed:
        return needed
    beside = photo_files.backup_folder_of(src)
    live = photo_files.folder_of(target)
    gone, changed = [], []
    for sha in sorted(needed):
        for folder in (beside, live):
            try:
                if photo_files.digest(photo_files.path_of(folder, sha)) == sha:
                    break
                changed.append(sha)
            except FileNotFoundError:
                continue
        else:
            gone.append(sha)
    if gone:
        raise BackupError(
            f"The backup {src} keeps {len(needed)} photo(s), and the pictures of {len(gone)} "
            f"are not in the folder {beside} beside it. Copy that folder with the backup file, "
            "then restore again. Nothing was changed: the records file is as it was."
        )
    return needed


def _restore_pictures(src: Path, target: Path, needed: set[str], kept: Path | None) -> None:
    """The restored photos' pictures into the photo folder; then the pictures no restored
    photo keeps are erased, when the file replaced was kept with its photos."""
    live = photo_files.folder_of(target)
    beside = photo_files.backup_folder_of(src)
    missing = [sha for sha in sorted(needed) if not photo_files.path_of(live, sha).exists()]
    if missing:
        photo_files.copy_into(beside, live, missing)
    if kept is not None and photo_files.backup_folder_of(kept).is_dir():
        photo_files.prune(live, needed)


KEEP_BEFORE_RESTORE = 10


def _rotate_kept(target: Path) -> None:
    """The copies kept before restores: the newest ``KEEP_BEFORE_RESTORE``."""
    folder = backups_dir(target)
    kept = sorted(
        folder.glob(f"{target.stem}-before-restore-*{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns
    )
    for old in kept[:-KEEP_BEFORE_RESTORE]:
        _remove_backup(old)


def _remove_backup(old: Path) -> None:
    """A backup file rotated away, with its side files, anchor and photos."""
    database.remove_with_sides(old)
    anchor.anchor_path(old).unlink(missing_ok=True)
    photo_files.remove_folder(photo_files.backup_folder_of(old))


__all__ = ["RestoreResult", "auto_backup", "backup_with_audit", "restore"]
