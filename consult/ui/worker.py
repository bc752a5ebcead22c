"""Long work (PDF rendering, backups, searches on a big database) off the UI thread.

``run_in_background(fn, on_done, on_error)`` runs ``fn()`` on Qt's global thread pool and
calls ``on_done(result)`` or ``on_error(exception)`` back on the UI thread. ``fn`` must not
touch widgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)
_running: set[_Job] = set()  # keeps jobs (and their signal bridges) alive until they report


class _Bridge(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any]):
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.bridge = _Bridge()

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported to the UI thread, which explains it to the user
            log.debug("background job failed: %s", type(exc).__name__)
            self._report(self.bridge.failed, exc)
        else:
            self._report(self.bridge.done, result)

    @staticmethod
    def _report(signal, value) -> None:
        try:
            signal.emit(value)
        except RuntimeError:
            log.debug("background job finished after the app closed")  # nobody to tell


def pending() -> int:
    """How many jobs have not reported back yet (their callback not yet run)."""
    return len(_running)


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
) -> None:
    job = _Job(fn)

    def finish(callback, value) -> None:
        _running.discard(job)
        callback(value)

    job.bridge.done.connect(lambda result: finish(on_done, result))
    job.bridge.failed.connect(lambda exc: finish(on_error, exc))
    _running.add(job)
    QThreadPool.globalInstance().start(job)


def wait_for_background_work(timeout_ms: int = 30_000) -> bool:
    """Let running jobs finish (at exit, so nothing is cut off mid-write)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
