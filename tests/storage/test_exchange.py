"""Export and import: exact round trip by uuid, twice adds nothing, CSV for spreadsheets."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date, time

import pytest
from storage_helpers import CATALOG, NECK_LINES, consult_cli, consultation, patient, plan_for

from consult.domain.model import ClinicSettings
from consult.storage import Repository
from consult.storage.demo import seed_demo
from consult.storage.errors import ExchangeError


@pytest.fixture
def filled(repo):
    seed_demo(repo, CATALOG, 40, seed=11, today=date(2026, 11, 26))
    zoe = repo.save_patient(patient())
    draft = repo.save_draft(consultation(zoe, screening={}))
    c = consultation(zoe)
    first = repo.finalize(c, plan_for(c))
    # The amendment books times (one session at another time) and says why it was made.
    changed = replace(
        first,
        areas=(*first.areas, NECK_LINES),
        appointment_time=time(9, 30),
        times={"session-2": time(16, 15)},
        amend_reason="Neck added at the patient's request.",
    )
    repo.amend(first.id, changed, plan_for(changed))
    repo.save_settings(ClinicSettings(name="Clínica", holidays=frozenset({date(2026, 12, 25)})))
    return repo, draft


def _without_time(data):
    data = dict(data)
    data.pop("exported_at")
    return data


def test_round_trip_is_exact(filled, tmp_path):
    repo, _ = filled
    first = repo.export(tmp_path / "a.json")
    with Repository.open(tmp_path / "other.sqlite3") as other:
        result = other.import_json(first)
        assert result.patients_added == repo.counts()["patients"]
        assert result.consultations_added == repo.counts()["consultations"]
        second = other.export(tmp_path / "b.json")
        assert other.settings() == repo.settings()
        assert other.providers() == repo.providers()
        assert other.check().healthy
        # The records read back through the API are the same, revisions and plans included.
        by_uuid = {
            row["uuid"]: row["id"] for row in repo.db.query("SELECT id, uuid FROM consultations")
        }
        for row in other.db.query("SELECT id, uuid FROM consultations"):
            mine, theirs = (
                repo.get_consultation(by_uuid[row["uuid"]]),
                other.get_consultation(row["id"]),
            )
            assert (
                replace(
                    theirs,
                    id=mine.id,
                    revision_of=mine.revision_of,
                    patient=replace(theirs.patient, id=mine.patient.id),
                )
                == mine
            )
            assert other.planned_sessions(row["id"]) == repo.planned_sessions(mine.id)
            assert other.adjunct_visits(row["id"]) == repo.adjunct_visits(mine.id)
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    assert _without_time(a) == _without_time(b)
    [amended] = [c for c in a["consultations"] if c["amend_reason"]]
    assert amended["appointment_time"] == "09:30" and amended["times"] == {"session-2": "16:15"}
    assert [s["time"] for s in amended["plan"]["sessions"]][:3] == ["09:30", "16:15", "09:30"]


def test_an_export_from_before_appointment_times_imports(filled, tmp_path):
    """Exports made before schema 5 have no times nor amendment reasons: they import
    without them."""
    repo, _ = filled
    data = json.loads(repo.export(tmp_path / "a.json").read_text())
    for item in data["consultations"]:
        for key in ("appointment_time", "times", "amend_reason"):
            item.pop(key)
        for row in (item["plan"] or {}).get("sessions", []):
            row.pop("time")
        for row in (item["plan"] or {}).get("adjunct_visits", []):
            row.pop("time")
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    with Repository.open(tmp_path / "other.sqlite3") as other:
        other.import_json(old)
        finals = other.load_consultations("c.status = 'final'")
        assert finals and all(c.appointment_time is None and not c.times for c in finals)
        assert all(s.time is None for c in finals for s in other.planned_sessions(c.id))


def test_a_time_that_is_not_a_time_is_refused(filled, tmp_path):
    repo, _ = filled
    data = json.loads(repo.export(tmp_path / "a.json").read_text())
    [amended] = [c for c in data["consultations"] if c["amend_reason"]]
    amended["times"]["session-2"] = "quarter past four"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with Repository.open(tmp_path / "other.sqlite3") as other:
        with pytest.raises(ExchangeError, match=r"times.session-2 is not a time of day"):
            other.import_json(bad)
        assert other.counts()["consultations"] == 0


def test_importing_twice_adds_nothing(filled, tmp_path):
    repo, _ = filled
    exported = repo.export(tmp_path / "a.json")
    before = repo.counts()
    again = repo.import_json(exported)
    assert (again.patients_added, again.consultations_added) == (0, 0)
    assert again.patients_present == before["patients"]
    after = repo.counts()
    assert {k: after[k] for k in ("patients", "consultations", "drafts")} == {
        k: before[k] for k in ("patients", "consultations", "drafts")
    }
    with Repository.open(tmp_path / "other.sqlite3") as other:
        other.import_json(exported)
        other.import_json(exported)
        assert other.counts()["consultations"] == before["consultations"]


def test_export_contains_no_row_ids_and_marks_demo(filled, tmp_path):
    repo, _ = filled
    data = json.loads(repo.export(tmp_path / "a.json").read_text())
    assert data["format"] == "consult-records" and data["format_version"] == 1
    assert all("id" not in p for p in data["patients"])
    revised = [c for c in data["consultations"] if c["revision_of"]]
    assert revised and all(len(c["revision_of"]) == 36 for c in revised)
    assert sum(p["demo"] for p in data["patients"]) == 40
    finals = [c for c in data["consultations"] if c["status"] == "final"]
    assert all(c["plan"]["sessions"] for c in finals)
    assert all(c["plan"] is None for c in data["consultations"] if c["status"] == "draft")


def test_csv_export(filled, tmp_path):
    repo, _ = filled
    folder = repo.export(tmp_path / "csv", "csv")
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        f"{t}.csv"
        for t in (
            "patients",
            "consultations",
            "consultation_areas",
            "consultation_zones",
            "consultation_concerns",
            "consultation_adjuncts",
            "screening_answers",
            "planned_sessions",
            "adjunct_visits",
            "providers",
            "settings",
        )
    )
    assert (folder / "patients.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with (folder / "planned_sessions.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    planned = repo.db.execute("SELECT count(*) FROM planned_sessions").fetchone()[0]
    assert len(rows) == planned
    assert set(rows[0]) == {"consultation", "number", "date", "time"}
    with pytest.raises(ExchangeError, match="not an empty folder"):
        repo.export(folder, "csv")


def test_export_never_overwrites(repo, tmp_path):
    dest = tmp_path / "a.json"
    dest.write_text("keep me")
    with pytest.raises(ExchangeError, match="never overwrites"):
        repo.export(dest)
    assert dest.read_text() == "keep me"
    with pytest.raises(ExchangeError, match="json or csv"):
        repo.export(tmp_path / "x.xml", "xml")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe garbage", "not JSON"),
        (b"[1, 2, 3]", "not a consult export"),
        (b'{"format": "something-else"}', "not a consult export"),
        (b'{"format": "consult-records", "format_version": 99}', "newer version"),
        (
            b'{"format": "consult-records", "format_version": 1, "patients": [{"uuid": "u"}],'
            b' "consultations": [], "settings": {}, "providers": []}',
            "patients[0].name is missing",
        ),
    ],
)
def test_bad_import_files_change_nothing(repo, tmp_path, content, words):
    repo.save_patient(patient())
    before = repo.counts()
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(ExchangeError) as caught:
        repo.import_json(bad)
    assert words in caught.value.message
    assert "Zoë" not in caught.value.message
    assert repo.counts() == before


def test_import_with_a_broken_revision_imports_nothing(filled, tmp_path):
    repo, _ = filled
    data = json.loads(repo.export(tmp_path / "a.json").read_text())
    revised = next(c for c in data["consultations"] if c["revision_of"])
    revised["revision_of"] = "00000000-0000-4000-8000-000000000000"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with Repository.open(tmp_path / "other.sqlite3") as other:
        with pytest.raises(ExchangeError, match="revision_of names no consultation"):
            other.import_json(bad)
        assert other.counts()["patients"] == 0


def test_cli_export_and_import(tmp_path):
    data = tmp_path / "data"
    assert (
        consult_cli("db", "seed-demo", "--patients", "4", "--seed", "1", data_dir=data).returncode
        == 0
    )
    result = consult_cli("db", "export", "--format", "csv", tmp_path / "csv", data_dir=data)
    assert result.returncode == 0, result.stderr
    assert "folder of CSV files" in result.stdout
    result = consult_cli("db", "export", tmp_path / "all.json", data_dir=data)
    assert result.returncode == 0, result.stderr
    other = tmp_path / "other.sqlite3"
    result = consult_cli("--db", other, "db", "import", tmp_path / "all.json")
    assert result.returncode == 0, result.stderr
    assert "Imported 4 patients" in result.stdout
    result = consult_cli("db", "import", tmp_path / "all.json", "--db", other)
    assert "Imported 0 patients and 0 consultations" in result.stdout
    result = consult_cli("--db", other, "db", "import", tmp_path / "missing.json")
    assert result.returncode == 1 and "There is no file" in result.stderr
