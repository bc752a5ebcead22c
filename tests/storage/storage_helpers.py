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

from consult.app.catalog import load_catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import build_plan
from consult.storage import listing

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


def commands_on(tmp: Path) -> list[list[str]]:
    """One of each kind of ``consult db`` command: reading, writing a file, changing records."""
    return [
        ["db", "check"],
        ["db", "verify"],
        ["db", "export", "--format", "json", str(tmp / "export.json")],
        ["db", "backup", str(tmp / "backup.sqlite3")],
        ["db", "seed-demo", "--patients", "1"],
    ]


def assert_refused_by_every_command(path: Path, tmp: Path, *words: str) -> None:
    """Every command fails in plain words and leaves the file byte-for-byte as it was."""
    before = sha256(path)
    names = siblings(path)
    for command in commands_on(tmp):
        result = consult_cli("--db", str(path), *command)
        assert_plain_failure(result, *words)
        assert sha256(path) == before, command
        assert siblings(path) == names, command
    assert not (tmp / "export.json").exists()
    assert not (tmp / "backup.sqlite3").exists()


# The list's dates as the app looked them up before schema 4 kept them with the patient: two
# subqueries per listed patient ``p``. Frozen here as the tests' own reckoning, independent of
# ``listing``, of what the list must show.
_CURRENT = "NOT EXISTS (SELECT 1 FROM consultations AS newer WHERE newer.revision_of = c.id)"
_LAST = f"""(SELECT max(c.date) FROM consultations AS c
    WHERE c.patient_id = p.id AND {_CURRENT})"""
_NEXT = f"""(SELECT min(s.date) FROM planned_sessions AS s
    JOIN consultations AS c ON c.id = s.consultation_id
    WHERE c.patient_id = p.id AND c.status = 'final' AND {_CURRENT} AND s.date >= :today)"""


def dates_by_subqueries(conn, today: date) -> dict[int, tuple[date | None, date | None]]:
    """Each patient's (last consultation, next session) by the subqueries of schema 3."""
    rows = conn.execute(
        f"SELECT p.id, {_LAST}, {_NEXT} FROM patients AS p", {"today": today.isoformat()}
    )
    return {
        pid: (date.fromisoformat(last) if last else None, date.fromisoformat(nxt) if nxt else None)
        for pid, last, nxt in rows
    }


def listed_dates(repo) -> dict[int, tuple[date | None, date | None]]:
    """Each patient's (last consultation, next session) as the list shows them: the list
    before anything is typed names every patient, a page at a time."""
    found, after = {}, None
    while True:
        page = repo.patient_list.recent(limit=500, after=after)
        found |= {r.id: (r.last_consultation, r.next_session) for r in page.rows}
        if not page.more:
            return found
        after = page.after


def assert_list_dates_in_step(repo, today: date = TODAY) -> None:
    """The dates kept with each patient are what the consultation tables give (``today``
    being the day of the repository's clock), and the list shows what it showed before
    they were kept."""
    stored = {
        pid: (last, dates)
        for pid, last, dates in repo.conn.execute(
            "SELECT id, last_consultation, session_dates FROM patients"
        )
    }
    computed = listing.compute(repo.conn, stored)
    assert stored == {pid: computed.get(pid, listing.NONE) for pid in stored}
    assert listing.mismatched(repo.conn) == 0
    assert listed_dates(repo) == dates_by_subqueries(repo.conn, today)
