"""A checked copy of a live records file: ``VACUUM INTO``, never a raw copy of its bytes.

``backup_to`` writes a consistent snapshot into a private temporary file beside the
destination, checks it, and moves it into place: a backup file is whole or absent.

The photos go with it: beside the backup ``NAME`` is ``NAME.photos``, holding the picture of
every photo the snapshot keeps (not deleted), named by its SHA-256 as in the photo folder.
On the same disk each is a hard link to the photo folder's file (a picture is never changed
in place, so a link costs no space and holds the bytes even once the photo is deleted);
on another disk, a copy checked against its name. The folder is made before the snapshot
(every picture then present), completed after it (pictures added meanwhile), pruned of
pictures the snapshot does not keep, and named before the backup file is: a backup file
never exists without its photos.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from consult.storage import anchor, database, errors, photo_files, protect
from consult.storage.errors import BackupError
from consult.storage.rotation import unique_path

if TYPE_CHECKING:
    from sqlite_utils import Database


def quick_check(path: Path) -> list[str]:
    return _checked(path)[0]


def _checked(path: Path) -> tuple[list[str], anchor.Head | None]:
    """SQLite's quick check of a copy, and its audit chain's head (None if it has none)."""
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        result = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        try:
            head = anchor.head_of(conn)
        except sqlite3.Error:
            head = None
        return result, head
    finally:
        conn.close()


def check_new_backup(dest: Path) -> Path:
    """The folder a backup at ``dest`` goes into, once it is sure the backup may be written
    there: nothing at ``dest`` yet (a backup never overwrites), the folder there and writable."""
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
    return folder


def backup_to(
    db: Database,
    dest: Path,
    *,
    unique: bool = False,
    before_visible: Callable[[], None] | None = None,
) -> Path:
    """A checked snapshot of ``db`` at ``dest`` (mode 0600), with the head of its audit
    chain in a sidecar anchor (``anchor``). ``dest`` must not exist yet; with ``unique``
    (the app's own backups), a name taken meanwhile by another process gets "-2", "-3"…"""
    dest = Path(dest).expanduser().absolute()
    if unique and (dest.is_symlink() or dest.exists()):
        dest = unique_path(dest)
    folder = check_new_backup(dest)
    if db_file := _main_file(db):
        protect.check_output(dest, records=db_file, what="backup", backups_allowed=True)
    live_photos = photo_files.folder_of(db_file) if (db_file := _main_file(db)) else None
    with database.translated(dest):
        tmp = database.new_private_file(folder, dest.name)
        staging = folder / f".{dest.name}.photos.{tmp.name[-12:]}.tmp"
        try:
            if live_photos is not None and live_photos.is_dir():
                _link_all(live_photos, staging)
            with database.private_umask():
                db.execute("VACUUM INTO ?", [str(tmp)])
            database.make_private(tmp)
            result, head = _checked(tmp)
            if result != ["ok"]:
                raise BackupError(
                    f"The backup written to {dest} did not read back correctly, so it was "
                    "removed. The disk may be failing: try another disk or folder."
                )
            kept = _kept_pictures(tmp)
            if kept and live_photos is not None:
                _complete(live_photos, staging, kept)
            if before_visible is not None:
                before_visible()  # its audit entry: no backup appears without it
            dest = _place(tmp, dest, unique, staging if kept else None)
        finally:
            database.remove_with_sides(tmp)
            photo_files.remove_folder(staging)
    if head is not None and head.entries:
        records = _main_file(db) or dest
        with contextlib.suppress(OSError):  # the backup stands without it
            anchor.write(records, head, dest=anchor.anchor_path(dest))
    return dest


def _place(tmp: Path, dest: Path, unique: bool, photos: Path | None) -> Path:
    """Give the backup its name (and first its photos theirs: ``NAME.photos``)."""
    for _ in range(100):
        named = None
        try:
            if photos is not None:
                named = photo_files.backup_folder_of(dest)
                if named.exists() or named.is_symlink():
                    raise FileExistsError(named)
                photos.rename(named)
            database.place_file(tmp, dest)
        except FileExistsError:
            if named is not None and named.exists() and not photos.exists():
                named.rename(photos)  # the photos wait for the next free name
            if not unique:
                raise BackupError(
                    f"{dest} appeared while the backup was being written; nothing was "
                    "overwritten. Choose a new file name."
                ) from None
            dest = unique_path(dest)
            continue
        return dest
    raise BackupError(f"No free name for the backup was found beside {dest}.")


def _link_all(live: Path, staging: Path) -> None:
    """Every picture now in the photo folder, into the backup's staging folder."""
    photo_files.copy_into(live, staging, list(photo_files.names(live)))


def _kept_pictures(copy: Path) -> set[str]:
    """The pictures the snapshot ``copy`` keeps: its photos not deleted (none before
    schema 10)."""
    conn = sqlite3.connect(f"file:{quote(str(copy))}?mode=ro", uri=True)
    try:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'photos'"
        ).fetchone()
        if found is None:
            return set()
        return {
            sha
            for (sha,) in conn.execute(
                "SELECT sha256 FROM photos AS f WHERE NOT EXISTS "
                "(SELECT 1 FROM photo_deletions AS d WHERE d.photo_id = f.id)"
            )
        }
    finally:
        conn.close()


def _complete(live: Path, staging: Path, kept: set[str]) -> None:
    """The staging folder holds exactly the pictures ``kept``: those added since it was made
    are brought in, those the snapshot does not keep are taken out."""
    try:
        photo_files.copy_into(live, staging, sorted(kept))
    except FileNotFoundError:
        raise BackupError(
            "A photo was deleted while the backup was being made, so the backup was not "
            "written. Make the backup again."
        ) from None
    except ValueError:
        raise BackupError(
            "A photo's picture in the photo folder was changed outside the app (it no longer "
            "has its SHA-256), so no backup was written. Run “consult db verify”."
        ) from None
    photo_files.prune(staging, kept)


def _main_file(db: Database) -> Path | None:
    """The file of ``db``'s main database (``None`` in memory)."""
    for _, name, file in db.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None
