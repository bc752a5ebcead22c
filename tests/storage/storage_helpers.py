"""Helpers for the records-database tests: consultations built with the real catalog and the
real plan engine, a hand-moved clock, and running the CLI."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from consult.context import load_catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import build_plan

CATALOG = load_catalog().catalog
NO = {q.id: Answer.NO for q in CATALOG.questions}
TODAY = date(2026, 11, 26)
FACE_ACNE = AreaChoice("face", ("cheeks", "chin"), (ConcernChoice("acne_scars", "moderate"),))
NECK_LINES = AreaChoice("neck", (), (ConcernChoice("fine_lines", "mild"),))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def patient(name: str = "Zoë O'Brien-Łukasiewicz", **extra) -> Patient:
    values = {
        "date_of_birth": date(1990, 5, 17),
        "fitzpatrick": 3,
        "language": "en",
        "phone": "+34 612 345 678",
        "email": "zoe@example.com",
    } | extra
    return Patient(name, **values)


def consultation(who: Patient, areas=(FACE_ACNE,), adjuncts=("peel_mandelic",), **extra):
    values = {
        "provider": "Dr Reyes",
        "date": date(2026, 11, 20),
        "screening": dict(NO),
        "areas": tuple(areas),
        "adjuncts": tuple(adjuncts),
        "start_date": date(2026, 12, 1),
        "notes": "Prefers mornings.",
        "catalog_version": CATALOG.version,
    } | extra
    return Consultation(patient=who, **values)


def plan_for(c: Consultation):
    return build_plan(CATALOG, c)


def as_final(c: Consultation, saved: Consultation) -> Consultation:
    """What ``c`` should read back as once saved final (ids filled in)."""
    return replace(
        c,
        patient=saved.patient,
        status=Status.FINAL,
        id=saved.id,
        revision_of=saved.revision_of,
        catalog_version=CATALOG.version,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def consult_cli(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess:
    env = os.environ.copy()
    if data_dir is not None:
        env["CONSULT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "consult", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def assert_plain_failure(result: subprocess.CompletedProcess, *words: str) -> None:
    """Exit code not 0, one plain paragraph on stderr, no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    text = result.stderr.strip()
    assert text and "\n" not in text, text
    for word in words:
        assert word.lower() in text.lower(), text


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))
