"""Drafts: saved privately and atomically, read back exactly, removed when done."""

from __future__ import annotations

import stat
from datetime import date

from consult.domain.model import (
    Answer,
    AreaChoice,
    ConcernChoice,
    Consultation,
    Override,
    Patient,
)
from consult.storage.drafts import DraftStore


def sample(name="Zoë O'Brien-Łukasiewicz", dob=date(1990, 5, 17)) -> Consultation:
    return Consultation(
        patient=Patient(name, dob, 4, "es", "+1 555", "z@example.org", 3),
        provider="Dr Ana Reyes",
        date=date(2026, 11, 26),
        screening={"pregnancy": Answer.YES, "keloid": Answer.NOT_SURE},
        areas=(AreaChoice("face", ("cheeks",), (ConcernChoice("acne_scars", "severe"),)),),
        adjuncts=("peel_mandelic",),
        override=Override("Confirmed by obstetrician letter.", "Dr Ana Reyes"),
        start_date=date(2026, 12, 1),
        session_count=5,
        notes="<b>&\n'); DROP TABLE patients; --\n" + "x" * 10_000,
    )


def test_round_trip_and_privacy(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    key = store.new_key()
    store.save(key, sample())
    [draft] = store.all()
    assert draft.consultation == sample()
    files = list((tmp_path / "drafts").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    store.delete(key)
    assert store.all() == []


def test_incomplete_patient_is_kept(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    item = sample(name="", dob=date.min)
    store.save("abc", item)
    assert store.load("abc").consultation == item


def test_a_damaged_draft_is_skipped_not_deleted(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    store.save("good", sample())
    bad = tmp_path / "drafts" / "bad.draft.json"
    bad.write_text("{not json", encoding="utf-8")
    assert [d.key for d in store.all()] == ["good"]
    assert bad.exists()
