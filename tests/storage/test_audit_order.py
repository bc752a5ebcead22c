"""An export, a plan written to a file or a backup is in the audit trail before the file is
visible; when the audit entry cannot be written, no file is left behind (issue 13)."""

from __future__ import annotations

import pytest
from storage_helpers import CATALOG, consultation, patient, plan_for

from consult.app import plans
from consult.app.errors import UserFacingError
from consult.domain.model import ClinicSettings
from consult.storage import RecordStore
from consult.storage.backup import backup_with_audit
from consult.storage.errors import StorageError
from consult.storage.exchange import export


@pytest.fixture
def store(tmp_path):
    with RecordStore.open(tmp_path / "records.sqlite3", catalog=CATALOG) as opened:
        # A plan is never printed without the clinic's name and phone.
        opened.clinic.save_settings(ClinicSettings(name="Clínica", phone="+34 910 000 000"))
        c = consultation(patient())
        opened.final = opened.consultations.finalize(c, plan_for(c))
        yield opened


def _writes(store, target):
    """Each way of writing a file for the user, to ``target``."""
    return {
        "json": lambda: export(store, target),
        "csv": lambda: export(store, target, "csv"),
        "backup": lambda: backup_with_audit(store, target),
        "plan": lambda: plans.export_plan(CATALOG, store, store.final.id, target),
    }


@pytest.mark.parametrize("kind", ["json", "csv", "backup", "plan"])
def test_the_entry_is_written_before_the_file_appears(store, tmp_path, monkeypatch, kind):
    target = tmp_path / "out" / f"file-{kind}"
    target.parent.mkdir()
    seen = []
    append = store.audit_event

    def watch(*args, **kwargs):
        seen.append(target.exists())
        return append(*args, **kwargs)

    monkeypatch.setattr(store, "audit_event", watch)
    _writes(store, target)[kind]()
    assert seen == [False] and target.exists()


@pytest.mark.parametrize("kind", ["json", "csv", "backup", "plan"])
def test_no_file_is_left_when_the_audit_cannot_be_written(store, tmp_path, monkeypatch, kind):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"file-{kind}"

    def fail(*args, **kwargs):
        raise StorageError("The disk holding the records is full.")

    monkeypatch.setattr(store, "audit_event", fail)
    with pytest.raises((StorageError, UserFacingError)):
        _writes(store, target)[kind]()
    assert list(folder.iterdir()) == []


# ------------------------------------------------------------------ closures and holidays


def test_a_long_closure_moves_plans_plainly_and_never_redates_a_saved_one(store, tmp_path):
    from dataclasses import replace
    from datetime import date, timedelta

    from consult.storage.demo import seed_demo

    saved = store.records.planned_sessions(store.final.id)
    closure = frozenset(date(2026, 11, 1) + timedelta(days=n) for n in range(400))
    settings = replace(store.clinic.settings(), holidays=closure)
    store.clinic.save_settings(settings)
    # Re-printing the saved plan: the dates it was agreed with, not re-planned.
    item = store.records.consultation(store.final.id)
    assert plans.agreed_plan(CATALOG, store, item).sessions == saved
    # A new plan goes past the closure; seeding plans around it too.
    c = consultation(patient("Nuevo Paciente"))
    fresh = plans.agreed_plan(CATALOG, store, c)
    assert fresh.sessions and all(s.date not in closure for s in fresh.sessions)
    seed_demo(store, CATALOG, 5, seed=1, today=date(2026, 11, 26))
    pdf = plans.export_plan(CATALOG, store, store.final.id, tmp_path / "again.pdf")
    assert pdf.page_count >= 1
