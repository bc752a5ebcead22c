"""Files the user names (a plan to save, an export, a file to import, a logo) never touch the
records.

A file the app writes for the user may not land on the records file, its -wal, -shm or
-journal, anything in the backups folder, or any other SQLite database; it is never written
through or over a symbolic link; and an existing file is replaced only when the user said so
(``--force``, or the save dialog's own question). A file the app reads for the user may not be
one of the records files this process has open (reading it from Python would cancel SQLite's
locks on it, see ``openfiles``), and must be a plain file, not a pipe or a device.
"""

from __future__ import annotations

from pathlib import Path

from consult.storage import errors, openfiles
from consult.storage.errors import StorageError

SQLITE_MAGIC = b"SQLite format 3\x00"
# The first four bytes of a write-ahead log (big-endian 0x377f0682 or 0x377f0683).
WAL_MAGICS = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
BACKUP_FOLDER = "backups"


class ProtectedFileError(StorageError):
    """The file named is one the app must not write (or read) for this."""


def _records_candidates(records: Path | None) -> list[Path]:
    """The records files to keep safe: the one in use, the default one, and those open here."""
    from consult.storage.database import default_path

    found = [*openfiles.held_paths(), default_path()]
    if records is not None:
        found.insert(0, Path(records).expanduser().absolute())
    return found


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _looks_like_records(path: Path) -> bool:
    """True when ``path`` starts like an SQLite database or its log (a records file, a
    backup, another program's database). Never read while this process has it open."""
    try:
        head = openfiles.read_prefix(path, 16)
    except OSError:
        return False
    if head is None:  # open here: it is a records file
        return True
    return head.startswith(SQLITE_MAGIC) or head[:4] in WAL_MAGICS


def check_output(
    dest: Path | str,
    *,
    records: Path | None = None,
    replace: bool = False,
    what: str = "file",
    backups_allowed: bool = False,
) -> Path:
    """Where ``dest`` may be written, as an absolute path; ProtectedFileError (in plain words,
    saying nothing was written) when it may not be. ``replace``: the user agreed to replace an
    existing plain file. ``records``: the records file in use, if not the default one.
    ``backups_allowed``: a new backup may go into the backups folder."""
    dest = Path(dest).expanduser().absolute()
    if dest.is_symlink():
        raise ProtectedFileError(
            f"{dest} is a link to another file, and the app never writes through a link. "
            f"Nothing was written. Choose a plain file name for the {what}."
        )
    for candidate in _records_candidates(records):
        if openfiles.is_same_or_side(dest, candidate):
            raise ProtectedFileError(
                f"{dest} is the clinic's records file (or part of it), and the {what} is "
                "never written over it. Nothing was written. Choose another file name."
            )
        backups = candidate.parent / BACKUP_FOLDER
        if not backups_allowed and _same_folder(dest.parent, backups):
            raise ProtectedFileError(
                f"{dest.parent} is the folder of the records' backups, which the app keeps "
                f"for itself. Nothing was written. Save the {what} in another folder."
            )
        if in_photo_folder(dest, candidate):
            raise ProtectedFileError(
                f"{dest} is in the folder of the records' photos, which the app keeps for "
                f"itself. Nothing was written. Save the {what} in another folder."
            )
    if dest.is_dir():
        raise ProtectedFileError(
            f"{dest} is a folder. Nothing was written. Give a file name for the {what}."
        )
    if dest.exists():
        if not openfiles.is_regular_file(dest):
            raise ProtectedFileError(
                f"{dest} is not a plain file (a device, a pipe or a socket). Nothing was "
                f"written. Choose a plain file name for the {what}."
            )
        if _looks_like_records(dest):
            raise ProtectedFileError(
                f"{dest} is a records database (or a backup of one), and the {what} is never "
                "written over it. Nothing was written. Choose another file name."
            )
        if not replace:
            raise ProtectedFileError(
                f"{dest} already exists, and nothing was overwritten. Choose a new file name, "
                "or add --force to replace that file."
            )
    return dest


def in_photo_folder(path: Path, records: Path) -> bool:
    """Whether ``path`` is the photo folder of ``records``, or inside it."""
    from consult.storage.photo_files import folder_of

    photos = folder_of(records)
    return any(f == photos or _same_folder(f, photos) for f in (path, *path.parents))


def check_folder(dest: Path | str, *, records: Path | None = None, what: str = "photos") -> Path:
    """Where a folder the user named may receive files (an export of photos): an existing
    folder that is not a link, not the backups folder, not the photo folder, and not inside
    either. ProtectedFileError (in plain words) otherwise."""
    dest = Path(dest).expanduser().absolute()
    if dest.is_symlink():
        raise ProtectedFileError(
            f"{dest} is a link to another folder, and the app never writes through a link. "
            f"Nothing was written. Choose a plain folder for the {what}."
        )
    if not dest.is_dir():
        raise ProtectedFileError(
            f"There is no folder {dest}. Nothing was written. Create it, or choose another."
        )
    for candidate in _records_candidates(records):
        backups = candidate.parent / BACKUP_FOLDER
        inside_backups = any(_same_folder(folder, backups) for folder in (dest, *dest.parents))
        if inside_backups or in_photo_folder(dest, candidate):
            raise ProtectedFileError(
                f"{dest} is a folder the app keeps for itself (the records' backups or "
                f"photos). Nothing was written. Choose another folder for the {what}."
            )
    return dest


def check_input(source: Path | str, *, what: str = "file") -> Path:
    """``source`` as an absolute path when the app may read it for the user (a plain file
    that is not a records file open in this process); ProtectedFileError otherwise."""
    source = Path(source).expanduser().absolute()
    records = openfiles.records_file_named(source)
    if records is not None:
        raise ProtectedFileError(
            f"{source} is the clinic's records file (or part of it), not a {what}. Nothing "
            "was read. Choose the file again."
        )
    if not source.exists():
        raise errors.NotFoundError(f"There is no {what} at {source}. Check the name.")
    if source.is_dir():
        raise ProtectedFileError(f"{source} is a folder, not a {what}. Choose a file.")
    if not openfiles.is_regular_file(source):
        raise ProtectedFileError(
            f"{source} is not a plain file (a device, a pipe or a socket), so it cannot be "
            f"read as a {what}. Choose a file."
        )
    return source


def may_read(source: Path | str) -> bool:
    """False when reading ``source`` from Python is forbidden: it is a records file open in
    this process, or it exists and is not a plain file (a pipe would hang the reader). A
    missing file may be read: the reader reports it (for optional files such as a logo)."""
    source = Path(source).expanduser().absolute()
    if openfiles.records_file_named(source) is not None:
        return False
    return not source.exists() or openfiles.is_regular_file(source)
