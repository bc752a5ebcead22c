"""Writing files the way patient data needs: whole or not at all, and private to the user."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no folder handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private_atomic(
    dest: Path,
    data: bytes,
    *,
    replace: bool = True,
    before_visible: Callable[[], None] | None = None,
) -> None:
    """Write ``data`` to ``dest`` all at once, readable by the user only (mode 0600).

    The bytes go to a temporary file in ``dest``'s own folder (never a temp folder), are
    flushed to disk, and the file is then renamed over ``dest``: a reader sees the old file or
    the whole new one, never part of one, and nothing is left behind if writing fails.
    Without ``replace``, an existing ``dest`` (even one that appears while writing) is never
    overwritten: FileExistsError, and nothing is left behind. ``before_visible`` runs once the
    bytes are safely on disk and before the file takes its name (an audit entry: when it
    fails, no file is left).
    """
    dest = Path(dest)
    folder = dest.parent
    # mkstemp creates the file with mode 0600, in the destination folder.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        tmp.chmod(0o600)
        if before_visible is not None:
            before_visible()
        if replace:
            tmp.replace(dest)
        else:
            place_new(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_folder(folder)


def place_new(tmp: Path, dest: Path) -> None:
    """Give ``tmp`` the name ``dest`` only if no file has it (a hard link fails on an existing
    name, atomically), then drop the temporary name."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename.
        if dest.exists() or dest.is_symlink():
            raise FileExistsError(dest) from None
        tmp.replace(dest)
        return
    tmp.unlink()
