"""Hypothesis drives the repository (save, finalise, amend, delete, reopen, back up, restore)
and checks it against a plain in-memory model after every step."""

from __future__ import annotations

import copy
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from storage_helpers import (
    CATALOG,
    FACE_ACNE,
    NECK_LINES,
    NO,
    TODAY,
    Clock,
    assert_list_dates_in_step,
    consultation,
    plan_for,
)

from consult.domain.model import Answer, Patient, Status
from consult.storage import RecordStore, restore
from consult.storage.backup import backup_with_audit

NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20)
AREA_SETS = st.sampled_from([(FACE_ACNE,), (NECK_LINES,), (FACE_ACNE, NECK_LINES)])
SCREENINGS = st.sampled_from([dict(NO), {}, dict(NO, keloid=Answer.YES)])


@dataclass
class Model:
    patients: dict[int, Patient] = field(default_factory=dict)
    consultations: dict[int, object] = field(default_factory=dict)  # id -> Consultation
    replaced: set[int] = field(default_factory=set)

    def drafts(self) -> list[int]:
        return sorted(i for i, c in self.consultations.items() if c.status is Status.DRAFT)

    def current_finals(self) -> list[int]:
        return sorted(
            i
            for i, c in self.consultations.items()
            if c.status is Status.FINAL and i not in self.replaced
        )


class RecordsMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="consult-stateful-"))
        self.path = self.folder / "records.sqlite3"
        self.clock = Clock()
        self.repo = RecordStore.open(self.path, catalog=CATALOG, clock=self.clock)
        self.model = Model()
        self.backups: list[tuple[Path, Model]] = []

    def teardown(self):
        self.repo.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(name=NAMES)
    def one_final_to_start_with(self, name):
        p = self.repo.patients.save(Patient(name, date(1980, 2, 29), 4))
        self.model.patients[p.id] = p
        c = consultation(p)
        final = self.repo.consultations.finalize(c, plan_for(c))
        self.model.consultations[final.id] = final

    # -- patients and drafts

    @rule(name=NAMES, days=st.integers(0, 20000), fitzpatrick=st.integers(1, 6))
    def add_patient(self, name, days, fitzpatrick):
        p = Patient(name, date(1940, 1, 1) + timedelta(days=days), fitzpatrick)
        saved = self.repo.patients.save(p)
        assert saved == replace(p, id=saved.id)
        self.model.patients[saved.id] = saved

    @precondition(lambda self: self.model.patients)
    @rule(data=st.data(), areas=AREA_SETS, screening=SCREENINGS, notes=NAMES)
    def save_draft(self, data, areas, screening, notes):
        pid = data.draw(st.sampled_from(sorted(self.model.patients)))
        c = consultation(self.model.patients[pid], areas=areas, screening=screening, notes=notes)
        saved = self.repo.consultations.save_draft(c)
        assert saved.status is Status.DRAFT
        self.model.consultations[saved.id] = saved

    @precondition(lambda self: self.model.drafts())
    @rule(data=st.data(), notes=NAMES)
    def edit_draft(self, data, notes):
        cid = data.draw(st.sampled_from(self.model.drafts()))
        changed = replace(self.model.consultations[cid], notes=notes)
        assert self.repo.consultations.save_draft(changed) == changed
        self.model.consultations[cid] = changed

    @precondition(lambda self: self.model.drafts())
    @rule(data=st.data(), days=st.integers(-60, 60))
    def move_or_redate_draft(self, data, days):
        """A draft for another patient (perhaps the same one), on another day."""
        cid = data.draw(st.sampled_from(self.model.drafts()))
        pid = data.draw(st.sampled_from(sorted(self.model.patients)))
        draft = self.model.consultations[cid]
        changed = replace(
            draft,
            patient=self.model.patients[pid],
            date=TODAY + timedelta(days=days),
            start_date=TODAY + timedelta(days=days + 5),
        )
        assert self.repo.consultations.save_draft(changed) == changed
        self.model.consultations[cid] = changed

    @precondition(lambda self: self.model.drafts())
    @rule(data=st.data())
    def delete_draft(self, data):
        cid = data.draw(st.sampled_from(self.model.drafts()))
        self.repo.consultations.delete_draft(cid)
        del self.model.consultations[cid]

    # -- finals

    @precondition(lambda self: self.model.drafts())
    @rule(data=st.data())
    def finalize(self, data):
        cid = data.draw(st.sampled_from(self.model.drafts()))
        draft = self.model.consultations[cid]
        plan = plan_for(draft)
        if not plan.screening.may_finish:
            return  # the repository refuses these; covered in test_repository
        final = self.repo.consultations.finalize(draft, plan)
        event("finalised a draft")
        assert final == replace(draft, status=Status.FINAL)
        self.model.consultations[cid] = final

    @precondition(lambda self: self.model.patients)
    @rule(data=st.data(), areas=AREA_SETS, notes=NAMES)
    def finalize_at_once(self, data, areas, notes):
        pid = data.draw(st.sampled_from(sorted(self.model.patients)))
        c = consultation(self.model.patients[pid], areas=areas, notes=notes)
        final = self.repo.consultations.finalize(c, plan_for(c))
        assert final == replace(c, status=Status.FINAL, id=final.id)
        self.model.consultations[final.id] = final

    @precondition(lambda self: self.model.current_finals())
    @rule(data=st.data(), areas=AREA_SETS, notes=NAMES, later=st.integers(0, 90))
    def amend(self, data, areas, notes, later):
        old = data.draw(st.sampled_from(self.model.current_finals()))
        replaced = self.model.consultations[old]
        start = replaced.start_date + timedelta(days=later)  # another plan, other dates
        changed = replace(replaced, areas=areas, notes=notes, start_date=start)
        new = self.repo.consultations.amend(old, changed, plan_for(changed))
        assert new.revision_of == old
        event("amended a final")
        self.model.consultations[new.id] = new
        self.model.replaced.add(old)

    @rule(days=st.integers(1, 120))
    def days_pass(self, days):
        self.clock.moment += timedelta(days=days)

    # -- files

    @rule()
    def reopen(self):
        self.repo.close()
        self.repo = RecordStore.open(self.path, catalog=CATALOG, clock=self.clock)

    @rule()
    def backup(self):
        dest = backup_with_audit(self.repo, self.folder / f"backup-{len(self.backups)}.sqlite3")
        self.backups.append((dest, copy.deepcopy(self.model)))

    @precondition(lambda self: self.backups)
    @rule(data=st.data())
    def restore_backup(self, data):
        source, snapshot = data.draw(st.sampled_from(self.backups))
        self.repo.close()
        result = restore(source, self.path)
        assert result.kept is not None
        self.repo = RecordStore.open(self.path, catalog=CATALOG, clock=self.clock)
        self.model = copy.deepcopy(snapshot)
        event("restored a backup")

    # -- what must always hold

    @invariant()
    def records_match_the_model(self):
        repo, model = self.repo, self.model
        for pid, p in model.patients.items():
            assert repo.patients.get(pid) == p
        for cid, c in model.consultations.items():
            assert repo.records.consultation(cid) == c
            if c.status is Status.FINAL:
                assert repo.records.planned_sessions(cid) == plan_for(c).sessions
        counts = repo.health.counts()
        assert counts["patients"] == len(model.patients)
        assert counts["consultations"] == len(model.consultations)
        assert counts["drafts"] == len(model.drafts())

    @invariant()
    def the_list_dates_kept_are_the_consultations(self):
        assert_list_dates_in_step(self.repo, self.clock.moment.date())

    @invariant()
    def revisions_and_audit_hold(self):
        for cid in self.model.current_finals():
            chain = self.repo.records.revisions(cid)
            assert chain[-1].id == cid
            assert all(c.id in self.model.replaced for c in chain[:-1])
        assert self.repo.audit.verify().intact


RecordsMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)
test_records_against_a_model = pytest.mark.slow(RecordsMachine.TestCase)
