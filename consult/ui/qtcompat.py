"""A work-around for a bug in the Qt bindings, applied before any widget exists.

PySide6 6.12.0 on Python 3.11 hands back ``None`` from every void method, and ``True`` from
``Signal.emit()``, without taking a reference. Each call takes one reference from the
singleton; after a few thousand calls its count reaches zero and the interpreter aborts
("none_dealloc: deallocating None"). From Python 3.12 these singletons are immortal (their
count is pinned very high) and the bug is harmless. ``protect_singletons()`` gives Python 3.11
the same protection: it raises the counts of ``None``, ``True`` and ``False`` by 2**40, which a
program leaking one reference per call cannot use up. These objects are never freed anyway.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 40


def needs_protection() -> bool:
    return sys.implementation.name == "cpython" and sys.version_info < (3, 12)


def protect_singletons() -> None:
    if not needs_protection():
        return
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt comes first
        if refcount.value < HEADROOM:
            refcount.value += HEADROOM
