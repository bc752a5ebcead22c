"""Loading what the whole app shares: the catalog (built-in, with the clinic's laid over)."""

from __future__ import annotations

from consult.domain.catalog import LoadResult, load
from consult.paths import clinic_catalog_file
from consult.resources import resource_path


def builtin_catalog_dir():
    return resource_path("catalog")


def load_catalog() -> LoadResult:
    """The catalog to use. Raises CatalogError only if the built-in catalog is damaged."""
    return load(builtin_catalog_dir(), clinic_catalog_file())
