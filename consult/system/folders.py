"""Where the app keeps its data and configuration.

``CONSULT_DATA_DIR`` (when set) is the root of all three: data in it, configuration in
``$CONSULT_DATA_DIR/config``, caches in ``$CONSULT_DATA_DIR/cache``. Otherwise the platform's
user folders (platformdirs).
Folders are created private to the user (0700 on POSIX).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import platformdirs

APP_NAME = "consult"
ENV_DATA_DIR = "CONSULT_DATA_DIR"


def _private_dir(path: Path) -> Path:
    """``path``, made if missing, with every folder made on the way private too (e.g. the
    ``CONSULT_DATA_DIR`` root when its ``cache/`` is made first)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True, mode=0o700)
    return path


def _root_override() -> Path | None:
    value = os.environ.get(ENV_DATA_DIR, "").strip()
    return Path(value).expanduser() if value else None


def _user_dir(sub: str, platform_dir: Callable[..., str], create: bool) -> Path:
    """``sub`` under ``CONSULT_DATA_DIR`` when it is set, else the platform's folder."""
    root = _root_override()
    path = root / sub if root is not None else Path(platform_dir(APP_NAME, appauthor=False))
    return _private_dir(path) if create else path


def data_dir(create: bool = True) -> Path:
    return _user_dir("", platformdirs.user_data_dir, create)


def config_dir(create: bool = True) -> Path:
    return _user_dir("config", platformdirs.user_config_dir, create)


def cache_dir(create: bool = True) -> Path:
    """What the app can always make again (the catalog files, parsed); safe to delete."""
    return _user_dir("cache", platformdirs.user_cache_dir, create)


def clinic_catalog_file() -> Path:
    """The clinic's own catalog, laid over the built-in one when it exists."""
    return config_dir(create=False) / "catalog.toml"
