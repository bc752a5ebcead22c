"""Loading what the whole app shares: the catalog (built-in, with the clinic's laid over)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from consult.domain.catalog import Catalog, LoadResult, load
from consult.domain.model import Consultation
from consult.domain.plan import Plan, build_plan
from consult.paths import clinic_catalog_file
from consult.resources import resource_path


def builtin_catalog_dir() -> Path:
    return resource_path("catalog")


def load_catalog() -> LoadResult:
    """The catalog to use. Raises CatalogError only if the built-in catalog is damaged."""
    return load(builtin_catalog_dir(), clinic_catalog_file())


def agreed_plan(catalog: Catalog, repo, item: Consultation) -> Plan:
    """The plan of ``item`` with the clinic's settings; for a saved consultation, with the
    dates as they were agreed (settings changed since then do not move them)."""
    settings = repo.settings()
    plan = build_plan(catalog, item, settings.calendar, settings.interval_weeks)
    stored = repo.stored_plan(item.id) if item.id is not None else None
    if stored is None or not stored.sessions:
        return plan
    return replace(
        plan,
        sessions=stored.sessions,
        adjunct_visits=stored.adjunct_visits,
        interval_weeks=stored.interval_weeks or plan.interval_weeks,
        results_from=stored.results_from or plan.results_from,
        results_to=stored.results_to or plan.results_to,
    )
