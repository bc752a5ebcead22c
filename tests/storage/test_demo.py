"""Demo records: many scripts, the real catalog and plan engine, marked as demo."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from storage_helpers import CATALOG, consult_cli

from consult.domain.plan import build_plan
from consult.storage import RecordStore
from consult.storage.demo import seed_demo

TODAY = date(2026, 11, 26)


def _scripts(names):
    found = set()
    for name in names:
        for ch in name:
            if ch.isalpha():
                script = unicodedata.name(ch, "").split()[0]
                if ord(ch) > 0x7F and script == "LATIN":
                    script = "LATIN-DIACRITIC"
                found.add(script)
    return found


def test_demo_data(repo):
    result = seed_demo(repo, CATALOG, 300, seed=1, today=TODAY)
    assert result.patients == 300
    assert result.finals and result.drafts and result.amendments
    names = [r[0] for r in repo.db.execute("SELECT name FROM patients")]
    assert {
        "LATIN-DIACRITIC",
        "GREEK",
        "CYRILLIC",
        "CJK",
        "HANGUL",
        "ARABIC",
        "HEBREW",
        "DEVANAGARI",
    } <= _scripts(names)
    assert any(" " in n and "CJK" in _scripts([n]) for n in names)  # Japanese: family given
    assert any("ễ" in n or "ạ" in n or "ặ" in n or "ỳ" in n for n in names)  # Vietnamese
    assert repo.db.execute("SELECT min(demo) FROM patients").fetchone()[0] == 1
    assert repo.db.execute("SELECT min(demo) FROM consultations").fetchone()[0] == 1
    areas = {r[0] for r in repo.db.execute("SELECT DISTINCT area_id FROM consultation_areas")}
    concerns = {
        r[0] for r in repo.db.execute("SELECT DISTINCT concern_id FROM consultation_concerns")
    }
    assert len(areas) >= 8 and len(concerns) >= 5
    dates = [date.fromisoformat(r[0]) for r in repo.db.execute("SELECT date FROM consultations")]
    assert min(dates) < TODAY - timedelta(days=365) and max(dates) <= TODAY
    assert repo.health.check().healthy


def test_demo_plans_are_the_plan_engines(repo):
    seed_demo(repo, CATALOG, 30, seed=2, today=TODAY)
    settings = repo.clinic.settings()
    finals = [c for c in repo.records.every_consultation() if c.status == "final"]
    assert finals
    for c in finals:
        plan = build_plan(CATALOG, c, settings.calendar, settings.interval_weeks)
        assert repo.records.planned_sessions(c.id) == plan.sessions
        assert repo.records.adjunct_visits(c.id) == plan.adjunct_visits
        assert plan.screening.may_finish


def test_demo_answers_real_questions(repo):
    seed_demo(repo, CATALOG, 200, seed=3, today=TODAY)
    assert repo.records.sessions_due(TODAY, TODAY + timedelta(days=30))
    assert repo.records.patients_with_concern("acne_scars")


def test_same_seed_same_records(tmp_path):
    exports = []
    for name in ("a", "b"):
        with RecordStore.open(tmp_path / f"{name}.sqlite3", catalog=CATALOG) as repo:
            seed_demo(repo, CATALOG, 20, seed=9, today=TODAY)
            exports.append(
                [tuple(r) for r in repo.db.execute("SELECT uuid, name FROM patients ORDER BY id")]
            )
    assert exports[0] == exports[1]


def test_cli_seed_demo(tmp_path):
    result = consult_cli("db", "seed-demo", "--patients", "12", data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert "Added 12 demo patients" in result.stdout and "marked as demo data" in result.stdout
    result = consult_cli("db", "seed-demo", "--patients", "-1", data_dir=tmp_path / "data")
    assert result.returncode == 1 and "cannot be negative" in result.stderr
