"""Hostile text is stored and read back exactly: through the repository, search, and an
export/import round trip (JSON), and intact in the CSV export."""

from __future__ import annotations

import csv
import json
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_helpers import CATALOG, consultation, patient, plan_for

from consult.domain.model import Override, normalize_text
from consult.storage import RecordStore
from consult.storage.errors import StorageError
from consult.storage.exchange import export, import_json

HOSTILE = [
    "Robert'); DROP TABLE patients;--",
    'Zoë "the quote" O\'Brien `tick` \\ backslash',
    "a\x00b\x00",  # NUL inside text
    "👩🏽‍⚕️ 🇪🇸 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010fffd",
    "مريم \u202eevil\u202c עברית",  # right-to-left text and overrides
    "Zoe\u0308 Zoë",  # decomposed and composed
    "line one\nline two\r\n\ttabbed",
    "100% _under_ LIKE's %wildcards%",
    'NEAR("x" OR *) AND -y',
    '=HYPERLINK("http://evil")',
    "+1-SUM(A1)",
    "@cmd",
    "\ufeffbom",
    " leading and trailing spaces ",
    "",
]
LONG_NOTE = ("Lorem ipsum ünïcödé 漢字 \x00 " * 400)[:10_000]


def without_ids(c):
    return replace(c, id=None, revision_of=None, patient=replace(c.patient, id=None))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_round_trip(repo, text):
    if repo.on_server and "\x00" in text:
        _refused_on_the_server(repo, text)
        return
    saved = repo.patients.save(patient(text or "x", phone=text, email=text))
    assert repo.patients.get(saved.id) == saved
    assert saved.name == (text or "x") and saved.phone == text and saved.email == text
    c = consultation(
        saved,
        provider=text,
        notes=text,
        override=Override("Reason: " + text + " (ten chars)", text),
        catalog_version=CATALOG.version,
    )
    final = repo.consultations.finalize(c, plan_for(c))
    again = repo.records.consultation(final.id)
    assert again == final
    assert again.notes == text and again.provider == text
    assert again.override.reason == "Reason: " + text + " (ten chars)"
    assert isinstance(repo.patient_list.search(text).rows, tuple)
    repo.provider = text
    repo.audit.record("view", final.id)
    assert repo.audit.entries()[-1]["provider"] == text
    assert repo.audit.verify().intact


def _refused_on_the_server(repo, text):
    """PostgreSQL keeps no NUL in text: the save is refused in plain words, nothing kept."""
    with pytest.raises(StorageError, match="NUL character") as refused:
        repo.patients.save(patient("Zoë", phone=text))
    assert text not in refused.value.message
    assert repo.patient_list.search("Zoë").rows == ()
    assert repo.audit.entries() == []


def test_ten_thousand_character_note(repo):
    assert len(LONG_NOTE) == 10_000
    if repo.on_server:
        _refused_on_the_server(repo, LONG_NOTE)
        return
    c = consultation(patient(), notes=LONG_NOTE)
    final = repo.consultations.finalize(c, plan_for(c))
    assert repo.records.consultation(final.id).notes == LONG_NOTE


# What the app itself saves of each: names NFC and trimmed (``Patient.validated``), and no
# control characters in a name or phone (the app refuses them, and so does an import).
SAVABLE = [
    normalize_text(t) for t in HOSTILE if not any(unicodedata.category(ch) == "Cc" for ch in t)
]


def test_hostile_text_survives_export_and_import(repo, tmp_path):
    for text in SAVABLE:
        p = repo.patients.save(patient(text or "x", phone=text))
        c = consultation(p, provider=text or "x", notes=text + LONG_NOTE.replace("\x00", ""))
        repo.consultations.finalize(c, plan_for(c))
    exported = export(repo, tmp_path / "all.json")
    with RecordStore.open(tmp_path / "other.sqlite3", catalog=CATALOG) as other:
        import_json(other, exported)
        again = export(other, tmp_path / "again.json")
        assert sorted(map(without_ids, other.records.every_consultation()), key=repr) == sorted(
            map(without_ids, repo.records.every_consultation()), key=repr
        )
    first, second = json.loads(exported.read_text()), json.loads(again.read_text())
    first.pop("exported_at"), second.pop("exported_at")
    assert first == second

    folder = export(repo, tmp_path / "csv", "csv")
    with (folder / "patients.csv").open(encoding="utf-8-sig", newline="") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    expected = [t or "x" for t in SAVABLE]
    spreadsheet_safe = [
        "'" + t if t[:1] in ("=", "@") or t.startswith("+1-SUM") else t for t in expected
    ]
    assert sorted(names) == sorted(spreadsheet_safe)


@settings(max_examples=40)
@given(name=st.text(min_size=1, max_size=60), notes=st.text(max_size=300))
def test_any_text_round_trips(tmp_path_factory, name, notes):
    path = tmp_path_factory.getbasetemp() / "any-text.sqlite3"
    with RecordStore.open(path, verify=False) as repo:
        saved = repo.patients.save(patient(name))
        assert repo.patients.get(saved.id).name == name
        draft = repo.consultations.save_draft(consultation(saved, notes=notes))
        assert repo.records.consultation(draft.id).notes == notes
