"""The app as ``consult`` starts it, reporting its resident memory once the main window is
shown and idle (the start-up work done: the patient list filled, the daily backup checked).

    CONSULT_DATA_DIR=… python bench/app_memory.py    # prints {"rss_kib": …}, quits

Only the moment of quitting is added: ``consult.ui.app._after_start`` (what follows a normal
start) runs as usual, then this waits for the background jobs and the events to settle.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication
from qtprobe import settle_then_report

import consult.ui.app as app_module
from consult.cli import run

_after_start = app_module._after_start


def _after_start_then_report(window, clinic, loaded) -> None:
    _after_start(window, clinic, loaded)
    settle_then_report(QApplication.instance(), window)


if __name__ == "__main__":
    app_module._after_start = _after_start_then_report
    sys.exit(run([]))
