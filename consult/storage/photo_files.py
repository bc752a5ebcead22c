"""The photo folder: each photo's bytes in a file named by their SHA-256.

Beside the records file ``records.sqlite3`` is ``records-photos/`` (mode 0700), holding
``ab/abcdef….jpg`` for a photo whose SHA-256 starts ``ab`` (mode 0600). A file is written
whole or not at all (a temporary name in the same folder, flushed, then renamed), never
changed afterwards, and named by its content: the same picture taken in twice is one file,
and a file whose bytes no longer hash to its name was changed outside the app.

This is the only module that opens a photo's file from Python, and it opens only files in a
photo folder: never the records file, its side files or a backup of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from consult.storage import database
from consult.system.files import fsync_folder, write_private_atomic

SUFFIX = ".jpg"
FOLDER_SUFFIX = "-photos"
_NAME = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


def folder_of(records: Path) -> Path:
    """The photo folder of a records file (or of a backup: ``<backup>.photos``)."""
    records = Path(records)
    return records.with_name(records.stem + FOLDER_SUFFIX)


def backup_folder_of(backup: Path) -> Path:
    """The photos of a backup file, beside it: ``<backup name>.photos``."""
    backup = Path(backup)
    return backup.with_name(backup.name + ".photos")


def path_of(folder: Path, sha256: str) -> Path:
    if not _NAME.match(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return folder / sha256[:2] / f"{sha256}{SUFFIX}"


def digest(path: Path) -> str:
    """The SHA-256 of a photo file, read in pieces."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def read(folder: Path, sha256: str) -> bytes:
    """A photo's bytes (FileNotFoundError when its file is gone)."""
    return path_of(folder, sha256).read_bytes()


def write(folder: Path, sha256: str, data: bytes) -> bool:
    """Keep ``data`` as the photo ``sha256``; True when the file is new (False: a whole file
    with these bytes was already there). Folders are made private as needed."""
    target = path_of(folder, sha256)
    if target.exists() and digest(target) == sha256:
        return False
    database.private_folder(folder)
    database.private_folder(target.parent)
    write_private_atomic(target, data)
    return True


def remove(folder: Path, sha256: str) -> None:
    """Erase a photo's file (nothing when it is already gone)."""
    target = path_of(folder, sha256)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
        fsync_folder(target.parent)


def names(folder: Path) -> Iterator[str]:
    """The SHA-256 of every photo file in ``folder``."""
    if not folder.is_dir():
        return
    for sub in sorted(folder.iterdir()):
        if sub.is_dir() and len(sub.name) == 2:
            for item in sorted(sub.glob(f"*{SUFFIX}")):
                name = item.name.removesuffix(SUFFIX)
                if _NAME.match(name):
                    yield name


def problems(folder: Path, expected: Iterable[tuple[int, str]]) -> tuple[list[int], list[int]]:
    """Of the photos ``expected`` ((id, sha256) each), those whose file is gone and those
    whose file no longer has its SHA-256."""
    gone, changed = [], []
    for photo_id, sha in expected:
        target = path_of(folder, sha)
        try:
            if digest(target) != sha:
                changed.append(photo_id)
        except FileNotFoundError:
            gone.append(photo_id)
    return gone, changed


def copy_into(source: Path, target: Path, shas: Iterable[str], *, link: bool = True) -> int:
    """Put the photos ``shas`` of folder ``source`` into folder ``target`` (made private): a
    hard link where the two are on one disk and ``link``, else a copy; each copy checked
    against its name. A photo already whole in ``target`` is left. How many were added;
    FileNotFoundError naming a photo missing from ``source``, ValueError for one whose
    bytes do not match its name."""
    added = 0
    for sha in shas:
        dest = path_of(target, sha)
        if dest.exists():
            if digest(dest) == sha:
                continue
            dest.unlink()
        origin = path_of(source, sha)
        if not origin.exists():
            raise FileNotFoundError(origin)
        database.private_folder(target)
        database.private_folder(dest.parent)
        if link:
            try:
                os.link(origin, dest)
                added += 1
                continue
            except OSError:
                pass  # another disk, or no hard links here: copy
        tmp = dest.with_name(f".{dest.name}.part")
        try:
            shutil.copyfile(origin, tmp)
            tmp.chmod(0o600)
            if digest(tmp) != sha:
                raise ValueError(f"{origin} does not have the SHA-256 it is named by")
            with tmp.open("rb") as handle:
                os.fsync(handle.fileno())
            tmp.replace(dest)
        finally:
            tmp.unlink(missing_ok=True)
        added += 1
    if added:
        fsync_folder(target)
    return added


def remove_folder(folder: Path) -> None:
    """Remove a photo folder of a backup that is itself removed."""
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder, ignore_errors=True)


def prune(folder: Path, keep: set[str]) -> int:
    """Erase the photo files of ``folder`` not named in ``keep``; how many."""
    erased = 0
    for sha in list(names(folder)):
        if sha not in keep:
            remove(folder, sha)
            erased += 1
    return erased
