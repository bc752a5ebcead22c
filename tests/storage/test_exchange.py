"""Export and import: exact round trip by uuid, twice adds nothing, CSV for spreadsheets."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date, time

import pytest
from storage_helpers import (
    CATALOG,
    NECK_LINES,
    NO,
    consult_cli,
    consultation,
    patient,
    plan_for,
)

from consult.domain.model import Answer, Clearance, ClinicSettings
from consult.storage import RecordStore
from consult.storage.demo import seed_demo
from consult.storage.errors import ExchangeError
from consult.storage.exchange import export, import_json


@pytest.fixture
def filled(repo):
    seed_demo(repo, CATALOG, 40, seed=11, today=date(2026, 11, 26))
    zoe = repo.patients.save(patient())
    draft = repo.consultations.save_draft(consultation(zoe, screening={}))
    c = consultation(zoe)
    first = repo.consultations.finalize(c, plan_for(c))
    # The amendment books times (one session at another time) and says why it was made.
    changed = replace(
        first,
        areas=(*first.areas, NECK_LINES),
        appointment_time=time(9, 30),
        times={"session-2": time(16, 15)},
        amend_reason="Neck added at the patient's request.",
    )
    repo.consultations.amend(first.id, changed, plan_for(changed))
    repo.clinic.save_settings(
        ClinicSettings(name="Clínica", holidays=frozenset({date(2026, 12, 25)}))
    )
    return repo, draft


def _without_time(data):
    data = dict(data)
    data.pop("exported_at")
    return data


def test_round_trip_is_exact(filled, tmp_path):
    repo, _ = filled
    first = export(repo, tmp_path / "a.json")
    with RecordStore.open(tmp_path / "other.sqlite3") as other:
        result = import_json(other, first)
        assert result.patients_added == repo.health.counts()["patients"]
        assert result.consultations_added == repo.health.counts()["consultations"]
        second = export(other, tmp_path / "b.json")
        assert other.clinic.settings() == repo.clinic.settings()
        assert other.clinic.providers() == repo.clinic.providers()
        assert other.health.check().healthy
        # The records read back through the API are the same, revisions and plans included.
        by_uuid = {
            row["uuid"]: row["id"] for row in repo.db.query("SELECT id, uuid FROM consultations")
        }
        for row in other.db.query("SELECT id, uuid FROM consultations"):
            mine, theirs = (
                repo.records.consultation(by_uuid[row["uuid"]]),
                other.records.consultation(row["id"]),
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
            assert other.records.planned_sessions(row["id"]) == repo.records.planned_sessions(
                mine.id
            )
            assert other.records.adjunct_visits(row["id"]) == repo.records.adjunct_visits(mine.id)
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    assert _without_time(a) == _without_time(b)
    [amended] = [c for c in a["consultations"] if c["amend_reason"]]
    assert amended["appointment_time"] == "09:30" and amended["times"] == {"session-2": "16:15"}
    assert [s["time"] for s in amended["plan"]["sessions"]][:3] == ["09:30", "16:15", "09:30"]


def test_an_export_from_before_appointment_times_imports(filled, tmp_path):
    """Exports made before format 3 have no times nor amendment reasons: they import
    without them."""
    repo, _ = filled
    data = json.loads(export(repo, tmp_path / "a.json").read_text())
    for item in data["consultations"]:
        for key in ("appointment_time", "times", "amend_reason"):
            item.pop(key)
        for row in (item["plan"] or {}).get("sessions", []):
            row.pop("time")
        for row in (item["plan"] or {}).get("adjunct_visits", []):
            row.pop("time")
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    with RecordStore.open(tmp_path / "other.sqlite3") as other:
        import_json(other, old)
        finals = [c for c in other.records.every_consultation() if c.status.value == "final"]
        assert finals and all(c.appointment_time is None and not c.times for c in finals)
        assert all(s.time is None for c in finals for s in other.records.planned_sessions(c.id))


def test_a_time_that_is_not_a_time_is_refused(filled, tmp_path):
    repo, _ = filled
    data = json.loads(export(repo, tmp_path / "a.json").read_text())
    [amended] = [c for c in data["consultations"] if c["amend_reason"]]
    amended["times"]["session-2"] = "quarter past four"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with RecordStore.open(tmp_path / "other.sqlite3") as other:
        with pytest.raises(ExchangeError, match=r"\.times\[\.\.\.\] has the wrong type"):
            import_json(other, bad)
        assert other.health.counts()["consultations"] == 0


def test_importing_twice_adds_nothing(filled, tmp_path):
    repo, _ = filled
    exported = export(repo, tmp_path / "a.json")
    before = repo.health.counts()
    again = import_json(repo, exported)
    assert (again.patients_added, again.consultations_added) == (0, 0)
    assert again.patients_present == before["patients"]
    after = repo.health.counts()
    assert {k: after[k] for k in ("patients", "consultations", "drafts")} == {
        k: before[k] for k in ("patients", "consultations", "drafts")
    }
    with RecordStore.open(tmp_path / "other.sqlite3") as other:
        import_json(other, exported)
        import_json(other, exported)
        assert other.health.counts()["consultations"] == before["consultations"]


def test_export_contains_no_row_ids_and_marks_demo(filled, tmp_path):
    repo, _ = filled
    data = json.loads(export(repo, tmp_path / "a.json").read_text())
    assert data["format"] == "consult-records" and data["format_version"] == 6
    assert all("id" not in p for p in data["patients"])
    revised = [c for c in data["consultations"] if c["revision_of"]]
    assert revised and all(len(c["revision_of"]) == 36 for c in revised)
    assert sum(p["demo"] for p in data["patients"]) == 40
    finals = [c for c in data["consultations"] if c["status"] == "final"]
    # Every final has its plan: sessions, or none for "do not treat" (a letter).
    assert all(c["plan"] is not None for c in finals)
    letters = [c for c in finals if c["plan"]["screening_outcome"] == "do_not_treat"]
    assert all(c["plan"]["sessions"] for c in finals if c not in letters)
    assert all(not c["plan"]["sessions"] for c in letters if not c["override"])
    assert all(c["plan"] is None for c in data["consultations"] if c["status"] == "draft")


def test_csv_export(filled, tmp_path):
    repo, _ = filled
    folder = export(repo, tmp_path / "csv", "csv")
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        f"{t}.csv"
        for t in (
            "patients",
            "visits",
            "course_changes",
            "consultations",
            "consultation_areas",
            "consultation_zones",
            "consultation_concerns",
            "consultation_adjuncts",
            "screening_answers",
            "planned_sessions",
            "adjunct_visits",
            "consents",
            "photos",
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
        export(repo, folder, "csv")


def test_export_never_overwrites(repo, tmp_path):
    dest = tmp_path / "a.json"
    dest.write_text("keep me")
    with pytest.raises(ExchangeError, match="never overwrites"):
        export(repo, dest)
    assert dest.read_text() == "keep me"
    with pytest.raises(ExchangeError, match="json or csv"):
        export(repo, tmp_path / "x.xml", "xml")


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
    repo.patients.save(patient())
    before = repo.health.counts()
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(ExchangeError) as caught:
        import_json(repo, bad)
    assert words in caught.value.message
    assert "Zoë" not in caught.value.message
    assert repo.health.counts() == before


def test_import_with_a_broken_revision_imports_nothing(filled, tmp_path):
    repo, _ = filled
    data = json.loads(export(repo, tmp_path / "a.json").read_text())
    revised = next(c for c in data["consultations"] if c["revision_of"])
    revised["revision_of"] = "00000000-0000-4000-8000-000000000000"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with RecordStore.open(tmp_path / "other.sqlite3") as other:
        with pytest.raises(ExchangeError, match="revision_of names no consultation"):
            import_json(other, bad)
        assert other.health.counts()["patients"] == 0


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
    assert "Imported 8 patients" in result.stdout  # 4 demo, 4 part-way through a course
    assert "Treatment course:" in result.stdout
    result = consult_cli("db", "import", tmp_path / "all.json", "--db", other)
    assert "Imported 0 patients, 0 consultations and 0 consents" in result.stdout
    result = consult_cli("--db", other, "db", "import", tmp_path / "missing.json")
    assert result.returncode == 1 and "There is no file" in result.stderr


def test_an_import_that_breaks_the_floor_imports_nothing(filled, tmp_path):
    """No path brings a plan closer than the catalog's minimum interval into the records."""
    repo, _ = filled
    data = json.loads(export(repo, tmp_path / "a.json").read_text())
    final = next(c for c in data["consultations"] if c["plan"] and len(c["plan"]["sessions"]) > 1)
    first = date.fromisoformat(final["plan"]["sessions"][0]["date"])
    for n, session in enumerate(final["plan"]["sessions"]):
        session["date"] = date.fromordinal(first.toordinal() + 14 * n).isoformat()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with RecordStore.open(tmp_path / "other.sqlite3", catalog=CATALOG) as other:
        with pytest.raises(ExchangeError) as caught:
            import_json(other, bad)
        assert "breaks the clinic catalog's rules" in caught.value.message
        assert "14 days apart" in caught.value.message
        counts = other.health.counts()
        assert counts["patients"] == 0 and counts["consultations"] == 0


def test_clearances_travel_with_the_export(repo, tmp_path):
    zoe = repo.patients.save(patient())
    c = consultation(zoe, screening=dict(NO, anticoagulants=Answer.YES))
    provisional = repo.consultations.finalize(c, plan_for(c))
    cleared = replace(
        provisional,
        id=None,
        revision_of=provisional.id,
        clearance=Clearance(
            "Dr Sam Okafor", date(2026, 11, 24), "Letter on file.", "Dr Reyes", ("anticoagulants",)
        ),
    )
    saved = repo.consultations.amend(
        provisional.id, cleared, plan_for(cleared), detail="clearance recorded"
    )
    exported = export(repo, tmp_path / "a.json")
    with RecordStore.open(tmp_path / "other.sqlite3", catalog=CATALOG) as other:
        import_json(other, exported)
        (row,) = other.db.execute(
            "SELECT id FROM consultations WHERE clearance_by IS NOT NULL"
        ).fetchall()
        assert other.records.consultation(row[0]).clearance == saved.clearance
    assert "replaces 1; clearance recorded" in [e["detail"] for e in repo.audit.entries()]
    folder = export(repo, tmp_path / "csv", "csv")
    with (folder / "consultations.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["clearance_covers"] for r in rows if r["clearance_by"]] == ["anticoagulants"]
