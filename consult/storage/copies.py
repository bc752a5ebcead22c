"""A checked copy of a live records file: ``VACUUM INTO``, never a raw copy of its bytes.

``backup_to`` writes a consistent snapshot into a private temporary file beside the
destination, checks it, and moves it into place: a backup file is whole or absent.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from consult.storage import database, errors, protect
from consult.storage.errors import BackupError

if TYPE_CHECKING:
    from sqlite_utils import Database


def quick_check(path: Path) -> list[str]:
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
            if quick_check(tmp) != ["ok"]:
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
