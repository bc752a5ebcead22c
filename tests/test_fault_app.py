"""The lost-records fault (issue 11) through the real app: the window saves consultations,
runs its background work (the daily backup, searches) on connections it opens and closes,
while other processes check and back up the records; every save must be in the file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date

import pytest
from signin_helpers import TEST_ADMIN, TEST_SECRET
from uihelpers import shown_preview, type_text

from consult.domain.model import Answer, Patient
from consult.storage import database
from consult.ui import worker
from consult.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _cli(*args: str) -> subprocess.CompletedProcess:
    """A command of the clinic's administrator (its PIN on standard input)."""
    return subprocess.run(
        [sys.executable, "-m", "consult", *args, "--user", TEST_ADMIN, "--password-stdin"],
        input=TEST_SECRET + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )


def _finish_consultation(qtbot, window, patient_id: int) -> None:
    """A consultation as the wizard makes it: the patient, every answer, the face, a concern."""
    window.show_patient(patient_id)
    window.new_consultation()
    wizard = window.wizard
    state = wizard.state
    state.provider = "Dr Ana Reyes"
    state.answers = {q.id: Answer.NO for q in state.catalog.questions}
    state.areas = {"face": set()}
    state.concerns = {"face": {"acne_scars": ("moderate", None)}}
    wizard.accept()  # Finish: saved, then the plan is shown
    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    shown_preview(window).close()
    qtbot.waitUntil(lambda: shown_preview(window) is None)


def _fresh_count(path) -> int:
    """Consultations as a new process sees them."""
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "print(c.execute('SELECT count(*) FROM consultations').fetchone()[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr  # "disk I/O error" when the log was deleted
    return int(done.stdout)


def test_saves_in_the_window_survive_checks_and_backups_from_other_processes(
    qtbot, clinic, answered, tmp_path
):
    path = clinic.db_path
    patients = [
        clinic.store.patients.save(Patient(f"Nguyễn Văn {n}", date(1980, 1, n + 1), 3, "en")).id
        for n in range(3)
    ]
    window = MainWindow(clinic)
    qtbot.addWidget(window)
    window.show()
    for round_number, patient_id in enumerate(patients):
        _finish_consultation(qtbot, window, patient_id)
        # The app's own background work: a backup (its own connection, opened and closed)
        # and a search (the searches' connection).
        done = []
        worker.run_in_background(clinic.auto_backup, done.append, done.append)
        type_text(window.search, "nguy")
        qtbot.waitUntil(lambda done=done: bool(done) and worker.pending() == 0, timeout=15000)
        check = _cli("--db", str(path), "db", "check")
        assert "is healthy" in check.stdout, check.stderr
        backup = tmp_path / f"copy-{round_number}.sqlite3"
        made = _cli("--db", str(path), "db", "backup", str(backup))
        assert made.returncode == 0, made.stderr
        assert database.side_file(path, "-wal").exists()  # nobody removed the app's log
        assert _fresh_count(path) == round_number + 1
        with sqlite3.connect(backup) as copy:
            assert copy.execute("SELECT count(*) FROM consultations").fetchone()[0] == (
                round_number + 1
            )
    verify = _cli("--db", str(path), "db", "verify")
    assert verify.returncode == 0, verify.stderr
    window.close()
