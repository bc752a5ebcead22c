"""Shared by the window scripts: when a window is on screen and the app idle, then report.

Imports PySide6 only, so the bare-window floor loads nothing of consult.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

POLL_MS = 10  # as the app's own --quit-after-launch polls
SETTLE_MS = 500  # events settled: nothing left running for this long


def rss_kib() -> int | None:
    """This process's resident memory (KiB), or None where it cannot be read."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    try:
        import psutil
    except ImportError:
        return None
    return psutil.Process(os.getpid()).memory_info().rss // 1024


def when_shown(window: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` once ``window`` is exposed (polled like --quit-after-launch does)."""
    handle = window.windowHandle()
    if handle is not None and handle.isExposed():
        then()
    else:
        QTimer.singleShot(POLL_MS, lambda: when_shown(window, then))


def when_idle(then: Callable[[], None], quiet_ms: int = 0) -> None:
    """Call ``then`` once no background job has run for ``SETTLE_MS``."""
    if QThreadPool.globalInstance().activeThreadCount():
        QTimer.singleShot(POLL_MS, lambda: when_idle(then, 0))
    elif quiet_ms >= SETTLE_MS:
        then()
    else:
        QTimer.singleShot(POLL_MS, lambda: when_idle(then, quiet_ms + POLL_MS))


def report_memory_and_quit(app: QApplication) -> None:
    print(json.dumps({"rss_kib": rss_kib()}), flush=True)
    app.quit()


def settle_then_report(app: QApplication, window: QWidget) -> None:
    when_shown(window, lambda: when_idle(lambda: report_memory_and_quit(app)))
