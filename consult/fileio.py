"""Writing files the way patient data needs: whole or not at all, and private to the user."""

from __future__ import annotations

import contextlib
import os
import tempfile
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


def write_private_atomic(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` all at once, readable by the user only (mode 0600).

    The bytes go to a temporary file in ``dest``'s own folder (never a temp folder), are
    flushed to disk, and the file is then renamed over ``dest``: a reader sees the old file or
    the whole new one, never part of one, and nothing is left behind if writing fails.
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
        tmp.replace(dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_folder(folder)
