"""Drafts: saved privately and atomically, read back exactly, removed when done; files written
by earlier versions still read."""

from __future__ import annotations

import json
import stat
from datetime import date

from consult.app.catalog import load_catalog
from consult.app.draft import ConsultationDraft, PatientDraft
from consult.app.drafts import DraftStore
from consult.domain.model import Answer, ClinicSettings

CATALOG = load_catalog(cached=False).catalog
TODAY = date(2026, 11, 26)


def sample(name="Zoë O'Brien-Łukasiewicz", dob=date(1990, 5, 17), fitzpatrick=4):
    draft = ConsultationDraft(
        CATALOG,
        ClinicSettings(),
        TODAY,
        patient=PatientDraft(name, dob, fitzpatrick, "es", "+1 555", "z@example.org", 3),
        provider="Dr Ana Reyes",
        answers={"pregnancy": Answer.YES, "keloid": Answer.NOT_SURE},
        override_reason="Confirmed by obstetrician letter.",
        adjuncts=["peel_mandelic"],
        start_date=date(2026, 12, 1),
        session_count=5,
        notes="<b>&\n'); DROP TABLE patients; --\n" + "x" * 10_000,
    )
    draft.areas = {"face": {"cheeks"}}
    draft.concerns = {"face": {"acne_scars": ("severe", None)}}
    return draft


def resumed(store, key):
    return store.load(key).resume(CATALOG, ClinicSettings(), TODAY)


def test_round_trip_and_privacy(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    key = store.new_key()
    store.save(key, sample())
    [draft] = store.all()
    assert draft.resume(CATALOG, ClinicSettings(), TODAY) == sample()
    assert draft.patient_name == "Zoë O'Brien-Łukasiewicz"
    files = list((tmp_path / "drafts").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    store.delete(key)
    assert store.all() == []


def test_an_incomplete_patient_is_kept_as_missing_not_stood_in_for(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    item = sample(name="", dob=None, fitzpatrick=None)
    store.save("abc", item)
    again = resumed(store, "abc")
    assert again == item
    assert again.patient.date_of_birth is None and again.patient.fitzpatrick is None
    assert "Enter the date of birth." in again.patient_problems()


def test_an_override_reason_still_being_typed_is_kept(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    item = sample()
    item.override_reason = "Conf"  # too short to count yet
    store.save("abc", item)
    assert resumed(store, "abc").override_reason == "Conf"


def test_a_damaged_draft_is_skipped_not_deleted(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    store.save("good", sample())
    bad = tmp_path / "drafts" / "bad.draft.json"
    bad.write_text("{not json", encoding="utf-8")
    wrong = tmp_path / "drafts" / "wrong.draft.json"
    wrong.write_text('{"saved_at": "2026-11-26T10:00:00+01:00", "consultation": 7}')
    assert [d.key for d in store.all()] == ["good"]
    assert bad.exists() and wrong.exists()


def test_a_draft_from_the_previous_version_reads(tmp_path):
    """The format of drafts up to 0.1.0 (answers as an object, a missing date as null)."""
    folder = tmp_path / "drafts"
    folder.mkdir()
    old = {
        "saved_at": "2026-11-26T10:00:00+01:00",
        "consultation": {
            "id": None,
            "revision_of": None,
            "status": "draft",
            "patient": {
                "id": None,
                "name": "Ana",
                "date_of_birth": None,
                "fitzpatrick": 0,
                "language": "es",
                "phone": "",
                "email": "",
            },
            "provider": "Dr Reyes",
            "date": "2026-11-26",
            "screening": {"pregnancy": "no"},
            "override": None,
            "areas": [{"area": "neck", "zones": [], "concerns": []}],
            "adjuncts": [],
            "start_date": None,
            "session_count": None,
            "notes": "",
            "catalog_version": "2026.11.1",
        },
    }
    (folder / "old.draft.json").write_text(json.dumps(old), encoding="utf-8")
    draft = resumed(DraftStore(folder), "old")
    assert draft.patient.name == "Ana" and draft.patient.fitzpatrick is None
    assert draft.answers == {"pregnancy": Answer.NO}
    assert draft.areas == {"neck": set()}
