"""Fault: the process is killed (SIGKILL) in the middle of saving, again and again.

Real processes (``kill_child.py``) save consultations in a loop and are killed at random
moments, most while saving, some while still starting up and making the database. After
every kill the file must pass SQLite's integrity check and the audit chain, and each
consultation found must be whole: exactly what the child meant to save, parts and plan.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from kill_child import expected
from storage_helpers import CATALOG, plan_for

from consult.domain.model import Status
from consult.storage import RecordStore

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
]
CHILD = Path(__file__).with_name("kill_child.py")
REPO = CHILD.parents[2]
KILLS_WHILE_SAVING = 24
KILLS_WHILE_STARTING = 6
TIME_BUDGET = 25.0  # seconds; stop early rather than slow the suite on a slow machine


def _spawn(path: Path) -> subprocess.Popen:
    # This checkout's code, also where another checkout is the one installed (editable).
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=CHILD.parent,
        env=env,
    )


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL


def _without_ids(c):
    return replace(c, id=None, revision_of=None, patient=replace(c.patient, id=None))


def check_whole(path: Path) -> int:
    """Open after the crash and check everything; the number of patients found."""
    with RecordStore.open(path, catalog=CATALOG) as repo:
        report = repo.health.check()
        assert report.healthy, report.summary()
        patients = repo.health.counts()["patients"]
        consultations = repo.records.every_consultation()
        seen = set()
        for c in consultations:
            k = int(c.notes.split()[1])
            amended = c.revision_of is not None
            want = expected(k, amended=amended)
            status = c.status
            if status is Status.FINAL:
                want = replace(want, status=Status.FINAL)
                assert repo.records.planned_sessions(c.id) == plan_for(want).sessions
                assert repo.records.adjunct_visits(c.id) == plan_for(want).adjunct_visits
            else:
                assert k % 3 == 1  # only "draft first" leaves a draft between its two saves
                assert repo.records.planned_sessions(c.id) == ()
            assert _without_ids(c) == _without_ids(want)
            seen.add(k)
        # A patient is saved in the same transaction as its first consultation.
        assert seen == set(range(patients))
        for c in consultations:
            if c.revision_of is not None:
                assert repo.records.consultation(c.revision_of).status is Status.FINAL
    return patients


def test_sigkill_while_saving_leaves_whole_consultations(tmp_path):
    rng = random.Random(20261126)
    started = time.monotonic()
    path = tmp_path / "records.sqlite3"
    kills = 0
    saved = 0
    for _ in range(KILLS_WHILE_SAVING):
        if time.monotonic() - started > TIME_BUDGET:
            break
        child = _spawn(path)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.2))
        _kill(child)
        kills += 1
        count = check_whole(path)
        assert count >= saved  # nothing saved before is ever lost
        saved = count
    assert kills >= 10, f"only {kills} kills in the time budget"
    assert saved > kills  # the children really were saving when killed


def test_sigkill_while_starting_leaves_no_half_made_database(tmp_path):
    rng = random.Random(7)
    for i in range(KILLS_WHILE_STARTING):
        path = tmp_path / f"fresh-{i}" / "records.sqlite3"
        path.parent.mkdir()
        child = _spawn(path)
        time.sleep(rng.uniform(0.05, 0.6))
        _kill(child)
        if path.exists():
            assert path.stat().st_size > 0
            check_whole(path)
        else:
            with RecordStore.open(path) as repo:  # made afresh, not from a half-made file
                assert repo.health.counts()["patients"] == 0
