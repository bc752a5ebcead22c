"""Work-arounds for bugs in the Qt bindings, in one place.

PySide6 6.12.0 on Python 3.11: ``Signal.emit()`` returns ``True`` without taking a
reference to it, so every emit from Python takes one reference from ``True``; after enough
emits the interpreter aborts ("bool_dealloc: deallocating True or False"). From Python 3.12
``True`` is immortal and the bug is harmless. ``emit()`` below measures the leak once and gives
the reference back when it happens. Every signal the app emits from Python goes through it.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def _leaks_true() -> bool:
    if sys.version_info >= (3, 12):
        return False
    probe = _Probe()
    before = sys.getrefcount(True)
    probe.ping.emit()
    leaked = sys.getrefcount(True) < before
    if leaked:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return leaked


_LEAKS = _leaks_true()
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def emit(signal, *args) -> None:
    """``signal.emit(*args)``, without the reference leak of PySide6 6.12 on Python 3.11."""
    signal.emit(*args)
    if _LEAKS:
        _incref(True)
