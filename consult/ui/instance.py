"""One running app per data folder, so two windows never edit the same records."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile


class AlreadyRunning(Exception):
    """Another consult is open on this data folder."""


def acquire_instance_lock(folder: Path) -> QLockFile:
    """Hold the folder's lock for as long as the returned object lives.

    A lock left by a crashed process (its PID is gone) is recovered automatically; the
    lock of a live process is never taken over, however old.
    """
    lock = QLockFile(str(folder / "consult.lock"))
    lock.setStaleLockTime(0)
    if not lock.tryLock(200):
        if lock.error() == QLockFile.LockError.LockFailedError:
            raise AlreadyRunning
        raise OSError(f"cannot create the lock file in {folder}")
    return lock
