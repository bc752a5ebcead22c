"""The app window starts, offscreen, in-process and as a real process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from consult.context import load_catalog

pytestmark = pytest.mark.gui


def test_main_window_shows_the_catalog(qtbot):
    from consult.ui.main_window import MainWindow

    window = MainWindow(load_catalog())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Consult"
    assert load_catalog().catalog.version in window.statusBar().currentMessage()


def test_quit_after_launch_exits_cleanly():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "consult", "--quit-after-launch"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
