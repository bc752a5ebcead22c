"""Where the app's bundled resources (catalog, fonts, icons) live.

One helper for every case, never the current directory:

- frozen by PyInstaller: ``<bundle>/resources``;
- installed from a wheel: ``consult/_resources`` inside the package;
- run from a source checkout (or an editable install): ``<checkout>/resources``.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen_root:
        candidates.append(Path(frozen_root) / "resources")
    package_dir = Path(__file__).resolve().parent.parent  # consult/
    candidates += [package_dir / "_resources", package_dir.parent / "resources"]
    for candidate in candidates:
        if (candidate / "catalog").is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"the app's resources folder is missing (looked in: {tried})")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
