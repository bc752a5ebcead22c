"""A fresh Linux desktop without libxcb-cursor0: one plain line naming the package, not
Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from consult.system import qtlibs

REPO = Path(__file__).resolve().parent.parent


def test_x11_is_recognised_from_the_environment():
    linux = "linux"
    assert qtlibs.uses_xcb({"DISPLAY": ":0"}, linux)
    assert not qtlibs.uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, linux)
    assert qtlibs.uses_xcb({"QT_QPA_PLATFORM": "xcb"}, linux)
    wayland = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}
    assert not qtlibs.uses_xcb(wayland, linux)
    assert not qtlibs.uses_xcb({"DISPLAY": ":0"}, "win32")


def test_a_missing_library_is_named_by_its_package():
    def load(name):
        if name == "libxcb-cursor.so.0":
            raise OSError(f"{name}: cannot open shared object file")

    assert qtlibs.missing_packages(load) == ["libxcb-cursor0"]
    message = qtlibs.missing_message(["libxcb-cursor0"])
    assert "\n" not in message
    assert "sudo apt install libxcb-cursor0" in message


def test_this_machine_has_them():
    """The test machine opens windows under Xvfb: nothing is missing."""
    if sys.platform.startswith("linux"):
        assert qtlibs.missing_packages() == []


def test_the_app_says_so_in_one_line_instead_of_aborting(tmp_path):
    """``consult`` on an X11 display where the library cannot be loaded."""
    script = (
        "import ctypes, sys\n"
        "real = ctypes.CDLL\n"
        "def fake(name, *a, **k):\n"
        "    if name == 'libxcb-cursor.so.0':\n"
        "        raise OSError(name + ': cannot open shared object file')\n"
        "    return real(name, *a, **k)\n"
        "ctypes.CDLL = fake\n"
        "from consult.cli import run\n"
        "code = run([])\n"
        "assert 'PySide6' not in sys.modules, 'Qt was loaded'\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":99", PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "libxcb-cursor0" in lines[0]
    assert "Traceback" not in result.stderr
