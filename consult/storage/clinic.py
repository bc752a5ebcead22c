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
    }


def settings_from_json(values: dict[str, Any], base: ClinicSettings) -> ClinicSettings:
    fields: dict[str, Any] = {}
    for key, value in values.items():
        if key == "closed_weekdays":
            fields[key] = frozenset(int(v) for v in value)
        elif key == "holidays":
            fields[key] = frozenset(date.fromisoformat(v) for v in value)
        elif key in ("interval_weeks", "min_age", "isotretinoin_window_months"):
            fields[key] = int(value)
        elif key in ("name", "address", "phone", "paper_size", "logo_path"):
            fields[key] = str(value)
    current = settings_to_json(base)
    current_fields = {k: getattr(base, k) for k in current}
    return ClinicSettings(**(current_fields | fields))


class Clinic(Part):
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
        """The settings as saved (JSON values by key); what was never set is absent."""
        return {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM settings")}

    @guarded
    def settings(self) -> ClinicSettings:
        """The clinic's settings; what was never set comes from the catalog's protocol.

        A logo path naming a records file open here, or a pipe or device, is left out: the
        plan's renderer would open it from Python (see ``protect``)."""
        settings = settings_from_json(self.stored_settings(), self._defaults())
        if settings.logo_path and not protect.may_read(settings.logo_path):
            settings = replace(settings, logo_path="")
        return settings

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
