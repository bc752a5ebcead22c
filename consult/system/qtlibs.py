"""Before Qt opens a window on Linux: are the system libraries its X11 plugin needs there?

Qt's "xcb" platform plugin (the one used on an X11 desktop) links against a handful of X
libraries that a fresh Debian or Ubuntu desktop may lack — ``libxcb-cursor0`` most of all,
needed since Qt 6.5. Without one, Qt prints a page about plugins and aborts. The app asks
first and says in one line which package to install. No Qt here (it runs before Qt loads).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# What the xcb plugin needs beyond a desktop's basics, by library, with its Debian/Ubuntu
# package (the names are the same on both).
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def uses_xcb(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will open its windows through X11 (the xcb plugin) here."""
    env = os.environ if env is None else env
    if not (platform or sys.platform).startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    wayland = env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY")
    return bool(env.get("DISPLAY")) and not wayland


def missing_packages(load: Callable[[str], object] = ctypes.CDLL) -> list[str]:
    """The packages whose libraries cannot be loaded, in the order above."""
    missing = []
    for library, package in XCB_LIBRARIES.items():
        try:
            load(library)
        except OSError:
            missing.append(package)
    return missing


def missing_message(packages: list[str]) -> str:
    """One plain line naming what to install."""
    names = " ".join(packages)
    what = "the library" if len(packages) == 1 else "the libraries"
    return (
        f"consult: this computer lacks {what} {names} that Qt needs to open its window; "
        f"install {'it' if len(packages) == 1 else 'them'} (sudo apt install {names}) and "
        "start consult again."
    )
