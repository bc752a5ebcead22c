"""PySide6 6.12 on Python 3.11 leaks references to None and True; the app survives it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.process  # each case runs Python in a child process

SCRIPT = textwrap.dedent(
    """
    import sys
    {protect}
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication, QLabel

    class Sender(QObject):
        fired = Signal()

    app = QApplication([])
    label, sender = QLabel(), Sender()
    for _ in range(20_000):
        label.setText("x")      # a void method: leaks a reference to None on 3.11
        sender.fired.emit()     # leaks a reference to True on 3.11
    print("survived")
    """
)


def run(protect: bool) -> subprocess.CompletedProcess:
    code = SCRIPT.format(protect="import consult.ui" if protect else "")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_many_qt_calls_do_not_crash_the_app():
    result = run(protect=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "survived"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None and True are immortal from 3.12")
def test_the_bug_is_real_without_the_work_around():
    """If this starts passing, PySide6 is fixed and consult/ui/qtcompat.py can go."""
    result = run(protect=False)
    assert result.returncode != 0
    assert "dealloc" in result.stderr
