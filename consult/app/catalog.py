"""Loading what the whole app shares: the catalog (built-in, with the clinic's laid over)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from consult.domain.catalog import LoadResult, load, parse_toml
from consult.system.files import write_private_atomic
from consult.system.folders import cache_dir, clinic_catalog_file
from consult.system.resources import resource_path

PARSED_CACHE = "catalog-parsed.json"
PARSED_FORMAT = 1


def builtin_catalog_dir() -> Path:
    return resource_path("catalog")


def load_catalog(*, cached: bool = True) -> LoadResult:
    """The catalog to use. Raises CatalogError only if the built-in catalog is damaged.

    Parsing the TOML files was most of what start-up spent on the catalog, so (``cached``)
    their parsed tables are kept in the cache folder as JSON, by the SHA-256 of each file's
    text; every check still runs on every start (see ``ParsedCache``).
    """
    if not cached:
        return load(builtin_catalog_dir(), clinic_catalog_file())
    parsed = ParsedCache(cache_dir() / PARSED_CACHE)
    result = load(builtin_catalog_dir(), clinic_catalog_file(), parse=parsed.parse)
    parsed.save()
    return result


class ParsedCache:
    """TOML files' tables as parsed before, found by the SHA-256 of the file's text.

    A file that changes has another digest, so it is parsed again; the cache keeps only the
    files the last load read. It is plain JSON (tables, strings, numbers, booleans): a file
    whose tables do not come back from JSON exactly is simply parsed each time, and an
    unreadable cache is ignored and written again.
    """

    def __init__(self, path: Path):
        self.path = path
        self._kept: dict[str, str] = {}
        self._used: dict[str, str] = {}
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            found = json.loads(path.read_bytes())
            if found.get("format") == PARSED_FORMAT:
                self._kept = {k: v for k, v in found["documents"].items() if isinstance(v, str)}

    def parse(self, text: str) -> dict[str, Any]:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        kept = self._kept.get(digest)
        if kept is not None:
            with contextlib.suppress(ValueError):
                tables = json.loads(kept)
                if isinstance(tables, dict):
                    self._used[digest] = kept
                    return tables
        tables = parse_toml(text)  # a TOML error goes to the caller, as without the cache
        encoded = json.dumps(tables, ensure_ascii=False)
        if json.loads(encoded) == tables:  # dates, for one, would not come back as dates
            self._used[digest] = encoded
        return tables

    def save(self) -> None:
        """Keep what this load used, if it differs from what was kept (best effort)."""
        if self._used == self._kept:
            return
        data = {"format": PARSED_FORMAT, "documents": self._used}
        with contextlib.suppress(OSError):
            write_private_atomic(self.path, json.dumps(data, ensure_ascii=False).encode())
