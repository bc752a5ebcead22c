"""The SQLite library this process uses, set up for work on several threads at once.

SQLite keeps statistics of the memory it allocates (``sqlite3_memory_used``) unless it was
built without them; Debian's build (the one Python's ``sqlite3`` uses on Linux) keeps them,
and keeping them takes one lock shared by the whole process around every allocation. Two
threads building text in SQLite at once then wait on each other at every allocation: the
final consultations' content computed in two halves on two threads took as long as in one
(2.0 s), and 0.95 s with the statistics off. SQLite recommends building without them
(``SQLITE_DEFAULT_MEMSTATUS=0``, sqlite.org/compile.html#recommended_compile_time_options);
``without_memory_statistics`` switches them off at run time instead, through SQLite's own
``sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)``. Nothing here uses them: they serve only
``sqlite3_memory_used``, ``sqlite3_status`` and the heap limits, which the app never sets.

SQLite takes that setting only while it is not initialised, and Python's ``sqlite3``
initialises it when it is imported: so the library is shut down first, which SQLite allows
only while no connection is open. That is why this runs once, when the ``consult`` command
starts, before anything opens a database, and never inside a process that may already hold
one (the tests, a caller of ``cli.run``). Where the library cannot be reached (a build of
Python that links SQLite into its module without exporting it) nothing is changed: the work
is the same, only slower on several threads.
"""

from __future__ import annotations

import sys

SQLITE_OK = 0
SQLITE_CONFIG_MEMSTATUS = 9
_switched = False


def _library():
    """The SQLite library Python's ``sqlite3`` module uses, through ctypes, or None."""
    import _sqlite3
    import ctypes
    import sqlite3
    from pathlib import Path

    candidates = [_sqlite3.__file__]
    if sys.platform == "win32":  # the module links sqlite3.dll, which lies beside it
        candidates.append(str(Path(_sqlite3.__file__).with_name("sqlite3.dll")))
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
            names = ("sqlite3_shutdown", "sqlite3_config", "sqlite3_initialize")
            if not all(hasattr(lib, name) for name in names):
                continue
            if lib.sqlite3_libversion_number() != _version_number(sqlite3.sqlite_version_info):
                continue  # not the library the module was built with
            return lib
        except (OSError, AttributeError):
            continue
    return None


def _version_number(info: tuple[int, int, int]) -> int:
    major, minor, patch = info
    return major * 1_000_000 + minor * 1_000 + patch


def without_memory_statistics() -> bool:
    """Switch SQLite's memory statistics off for this process (see above); whether they are
    off. Only at the start of a process, before any database is opened."""
    global _switched
    if _switched:
        return True
    if sys.platform == "darwin":
        # ctypes passes a variadic function's arguments as if it were not variadic, which
        # arm64 macOS does differently; nothing there needs this badly enough to risk it.
        return False
    import ctypes

    lib = _library()
    if lib is None:
        return False
    if lib.sqlite3_shutdown() != SQLITE_OK:
        return False
    switched = lib.sqlite3_config(SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0)) == SQLITE_OK
    if lib.sqlite3_initialize() != SQLITE_OK:
        # Python's sqlite3 initialises the library again itself on its next connection.
        return False
    _switched = switched
    return switched
