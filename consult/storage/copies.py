"""A checked copy of a live records file: ``VACUUM INTO``, never a raw copy of its bytes.

``backup_to`` writes a consistent snapshot into a private temporary file beside the
destination, checks it, and moves it into place: a backup file is whole or absent.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from consult.storage import anchor, database, errors, protect
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
            result, head = _checked(tmp)
            if result != ["ok"]:
                raise BackupError(
                    f"The backup written to {dest} did not read back correctly, so it was "
                    "removed. The disk may be failing: try another disk or folder."
                )
            if before_visible is not None:
                before_visible()  # its audit entry: no backup appears without it
            dest = _place(tmp, dest, unique)
        finally:
            database.remove_with_sides(tmp)
    if head is not None and head.entries:
        records = _main_file(db) or dest
        with contextlib.suppress(OSError):  # the backup stands without it
            anchor.write(records, head, dest=anchor.anchor_path(dest))
    return dest


def _place(tmp: Path, dest: Path, unique: bool) -> Path:
    for _ in range(100):
        try:
            database.place_file(tmp, dest)
        except FileExistsError:
            if not unique:
                raise BackupError(
                    f"{dest} appeared while the backup was being written; nothing was "
                    "overwritten. Choose a new file name."
                ) from None
            dest = unique_path(dest)
            continue
        return dest
    raise BackupError(f"No free name for the backup was found beside {dest}.")


def _main_file(db: Database) -> Path | None:
    """The file of ``db``'s main database (``None`` in memory)."""
    for _, name, file in db.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None
