"""``store.clinic``: the clinic's settings and its providers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

from consult.domain.model import ClinicSettings, FieldProblem, ValidationError, normalize_text
from consult.storage import protect, rows, search
from consult.storage.audit import Action
from consult.storage.part import Part, guarded


def settings_to_json(settings: ClinicSettings) -> dict[str, Any]:
    return {
        "name": settings.name,
        "address": settings.address,
        "phone": settings.phone,
        "interval_weeks": settings.interval_weeks,
        "closed_weekdays": sorted(settings.closed_weekdays),
        "holidays": sorted(d.isoformat() for d in settings.holidays),
        "min_age": settings.min_age,
        "isotretinoin_window_months": settings.isotretinoin_window_months,
        "paper_size": settings.paper_size,
        "logo_path": settings.logo_path,
        "lock_minutes": settings.lock_minutes,
        "consent_valid_months": settings.consent_valid_months,
        "calendar_details": settings.calendar_details,
    }


_UNREADABLE = object()  # a stored value that is not JSON


def _parse(key: str, value: Any) -> Any:
    """One stored setting as ``ClinicSettings`` holds it; ValueError/TypeError if it cannot be."""
    if key == "closed_weekdays":
        return frozenset(_integer(v) for v in _sequence(value))
    if key == "holidays":
        return frozenset(date.fromisoformat(_string(v)) for v in _sequence(value))
    if key == "calendar_details":
        if not isinstance(value, bool):
            raise TypeError("not true or false")
        return value
    if key in (
        "interval_weeks",
        "min_age",
        "isotretinoin_window_months",
        "lock_minutes",
        "consent_valid_months",
    ):
        return _integer(value)
    return _string(value)


def _sequence(value: Any) -> list:
    if not isinstance(value, list) or len(value) > 5000:
        raise TypeError("not a list")
    return value


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 10**6:
        raise TypeError("not a whole number")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def settings_checked(
    values: dict[str, Any], base: ClinicSettings, min_interval_weeks: int = 1
) -> tuple[ClinicSettings, list[tuple[str, str]]]:
    """The settings from their stored values, each one that cannot be read or breaks the
    settings dialog's rules left at ``base``'s value; and those, as (key, problem)."""
    known = settings_to_json(base)
    fields = {k: getattr(base, k) for k in known}
    invalid: list[tuple[str, str]] = []
    for key, value in values.items():
        if key not in known:
            continue  # a setting of a newer version: kept in the file, not used here
        try:
            fields[key] = _parse(key, value)
        except (TypeError, ValueError, OverflowError):
            invalid.append((key, "cannot be read"))
    settings = ClinicSettings(**fields)
    for problem in settings.problems(min_interval_weeks):
        if problem.field in fields and problem.field not in {k for k, _ in invalid}:
            invalid.append((problem.field, problem.message))
            settings = replace(settings, **{problem.field: getattr(base, problem.field)})
    return settings, invalid


def settings_from_json(values: dict[str, Any], base: ClinicSettings) -> ClinicSettings:
    return settings_checked(values, base)[0]


class Clinic(Part):
    #: The saved settings that could not be used when last read (key, problem): the app
    #: shows them and goes on with the defaults (``settings_checked``).
    invalid: list[tuple[str, str]]

    def __init__(self, store) -> None:
        super().__init__(store)
        self.invalid = []

    def _defaults(self) -> ClinicSettings:
        catalog = self.store.catalog
        if catalog is None:
            return ClinicSettings()
        protocol = catalog.protocol
        return ClinicSettings(
            interval_weeks=protocol.interval_weeks,
            closed_weekdays=protocol.closed_weekdays,
            min_age=protocol.min_age,
            isotretinoin_window_months=protocol.isotretinoin_window_months,
        )

    @guarded
    def stored_settings(self) -> dict[str, Any]:
        """The settings as saved (JSON values by key); what was never set is absent, and so is
        a value that is not JSON (damaged outside the app: its default is used)."""
        found = {}
        for key, value in self.conn.execute("SELECT key, value FROM settings"):
            try:
                found[key] = json.loads(value)
            except (TypeError, ValueError, RecursionError):
                found[key] = _UNREADABLE
        return found

    @guarded
    def settings(self) -> ClinicSettings:
        """The clinic's settings; what was never set comes from the catalog's protocol.

        A logo path naming a records file open here, or a pipe or device, is left out: the
        plan's renderer would open it from Python (see ``protect``)."""
        settings, self.invalid = settings_checked(
            self.stored_settings(), self._defaults(), self._floor()
        )
        if settings.logo_path and not protect.may_read(settings.logo_path):
            settings = replace(settings, logo_path="")
        return settings

    def _floor(self) -> int:
        catalog = self.store.catalog
        return catalog.protocol.min_interval_weeks if catalog is not None else 1

    @guarded
    def save_settings(self, settings: ClinicSettings) -> ClinicSettings:
        problems = settings.problems(self.store.rules_catalog().protocol.min_interval_weeks)
        if problems:
            raise ValidationError(problems)
        with self.store.transaction():
            rows.write_settings(self.store, settings_to_json(settings))
            self.store.audit_event(Action.UPDATE, "settings")
        return self.settings()

    @guarded
    def providers(self) -> list[str]:
        names = [r[0] for r in self.conn.execute("SELECT name FROM providers WHERE active = 1")]
        return sorted(names, key=lambda n: (search.fold(n), n))

    @guarded
    def save_provider(self, name: str) -> str:
        """Add a provider (or bring a removed one back); the name as saved."""
        name = normalize_text(name)
        if not name:
            raise ValidationError([FieldProblem("provider", "Enter the provider's name.")])
        with self.store.transaction():
            self.conn.execute(
                "INSERT INTO providers (name, active, created_at) VALUES (?, 1, ?) "
                "ON CONFLICT (name) DO UPDATE SET active = 1",
                [name, self.store.now()],
            )
            self.store.audit_event(Action.UPDATE, "provider", detail="added")
        return name

    @guarded
    def remove_provider(self, name: str) -> None:
        """Take a provider off the list; consultations keep the name they were saved with."""
        with self.store.transaction():
            self.conn.execute("UPDATE providers SET active = 0 WHERE name = ?", [name])
            self.store.audit_event(Action.UPDATE, "provider", detail="removed")
