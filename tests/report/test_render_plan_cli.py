"""``consult render-plan``: a saved consultation's plan, from the records, audited."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date

from pypdf import PdfReader

from consult.app.catalog import load_catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import build_plan
from consult.storage.store import RecordStore

CATALOG = load_catalog().catalog


def consult(*args):
    return subprocess.run(
        [sys.executable, "-m", "consult", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )


def saved(tmp_path, status=Status.FINAL, clinic=True):
    db = tmp_path / "records.sqlite3"
    with RecordStore.open(db, catalog=CATALOG) as repo:
        if clinic:
            repo.clinic.save_settings(ClinicSettings(name="Clínica Norte", phone="+34 910 000 000"))
        patient = repo.patients.save(Patient("Αλέξανδρος Παπαδόπουλος", date(1979, 4, 2), 3, "es"))
        item = Consultation(
            patient=patient,
            provider="Dr Ana Reyes",
            date=date(2026, 11, 26),
            screening={q.id: Answer.NO for q in CATALOG.questions},
            areas=(AreaChoice("abdomen", (), (ConcernChoice("stretch_marks", "recent"),)),),
            start_date=date(2026, 12, 1),
            catalog_version=CATALOG.version,
        )
        if status is Status.FINAL:
            item = repo.consultations.finalize(item, build_plan(CATALOG, item))
        else:
            item = repo.consultations.save_draft(item)
    return db, item


def test_writes_the_plan_in_the_patients_language_and_audits_it(tmp_path):
    db, item = saved(tmp_path)
    out = tmp_path / "plan.pdf"
    result = consult("render-plan", str(item.id), "-o", str(out), "--db", str(db))
    assert result.returncode == 0, result.stderr
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Αλέξανδρος Παπαδόπουλος" in text
    assert "diciembre de 2026" in text  # Spanish, the patient's language
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    with RecordStore.open(db, readonly=True) as repo:
        actions = [e["action"] for e in repo.audit.entries("consultation", item.id)]
    assert actions[-1] == "export"


def test_a_draft_or_a_missing_id_is_refused_plainly(tmp_path):
    db, draft = saved(tmp_path, Status.DRAFT)
    result = consult("render-plan", str(draft.id), "-o", str(tmp_path / "a.pdf"), "--db", str(db))
    assert result.returncode == 1 and "draft" in result.stderr
    result = consult("render-plan", "999", "-o", str(tmp_path / "b.pdf"), "--db", str(db))
    assert result.returncode == 1 and "no consultation with id 999" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "b.pdf").exists()


def test_a_plan_is_not_printed_without_the_clinics_name_and_phone(tmp_path):
    db, item = saved(tmp_path, clinic=False)
    out = tmp_path / "plan.pdf"
    result = consult("render-plan", str(item.id), "-o", str(out), "--db", str(db))
    assert result.returncode == 1
    assert "the clinic's name and phone must be set" in result.stderr.lower()
    assert "Traceback" not in result.stderr and not out.exists()
