"""The main window driven as a provider would: find a patient, consult, save, preview."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from uihelpers import on_label

from consult.context import load_catalog
from consult.domain.model import Patient, Status
from consult.paths import data_dir
from consult.ui.main_window import MainWindow

pytestmark = pytest.mark.gui
CATALOG = load_catalog().catalog


@pytest.fixture
def window(qtbot, services, answered):
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()  # before the services it uses are closed


def add_patient(services, name="Zoë O'Brien-Łukasiewicz") -> Patient:
    return services.repo.save_patient(
        Patient(name, date(1990, 5, 17), 4, "en", "+1 555 0100", "zoe@example.org")
    )


def find(qtbot, window, text):
    window.search.setText(text)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=5000)


def test_title_never_names_a_patient(qtbot, window, services):
    add_patient(services)
    find(qtbot, window, "zoe")
    window.table.selectRow(0)
    assert "Zoë" not in window.windowTitle()
    assert "Zoë" in window.header.text()


def test_whole_consultation_is_saved_and_printed(qtbot, window, services, answered):
    patient = add_patient(services)
    find(qtbot, window, "lukasiewicz")
    qtbot.mouseClick(
        window.table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=window.table.visualRect(window.model.index(0, 0)).center(),
    )
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    wizard = window._wizard
    assert wizard is not None and wizard.state.patient_id == patient.id
    qtbot.keyClicks(wizard.currentPage().provider, "Dr Ana Reyes")  # the first provider

    def next_page():
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)

    next_page()
    qtbot.mouseClick(wizard.currentPage().rest_no, Qt.MouseButton.LeftButton)
    next_page()
    areas = wizard.currentPage()
    face = areas.items[("face", "cheeks")]
    face.setCheckState(0, Qt.CheckState.Checked)
    next_page()
    acne = wizard.currentPage().checks[("face", "acne_scars")]
    qtbot.mouseClick(acne, Qt.MouseButton.LeftButton, pos=on_label(acne))
    next_page()
    peel = wizard.currentPage().checks["peel_mandelic"]
    qtbot.mouseClick(peel, Qt.MouseButton.LeftButton, pos=on_label(peel))
    next_page()
    next_page()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: hasattr(window, "last_preview"), timeout=15000)
    assert answered == []
    [saved] = services.repo.consultations_for_patient(patient.id)
    assert saved.status is Status.FINAL
    assert saved.areas[0].area_id == "face" and saved.areas[0].zones == ("cheeks",)
    assert saved.areas[0].concerns[0].concern_id == "acne_scars"
    assert saved.adjuncts == ("peel_mandelic",)
    sessions = services.repo.planned_sessions(saved.id)
    assert len(sessions) == 4

    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(window.last_preview.pdf)).pages
    )
    assert "Zoë O'Brien-Łukasiewicz" in text
    assert "Mandelic" in text
    first = sessions[0].date
    assert f"{first:%B} {first.day}, {first.year}" in text
    actions = [e["action"] for e in services.repo.audit_entries("consultation", saved.id)]
    assert actions == ["finalize", "view"]
    assert services.drafts.all() == []


def test_privacy_hides_other_patients(qtbot, window, services):
    add_patient(services, "Zoë Benoît")
    add_patient(services, "Zoë Bérenger")
    find(qtbot, window, "zoe")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.table.selectRow(0)
    shown = window.model.row_at(0).name
    qtbot.keyClick(
        window,
        Qt.Key.Key_H,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.privacy_action.isChecked()
    assert [window.model.row_at(r).name for r in range(window.model.rowCount())] == [shown]
    assert not window.search.isEnabled()
    window.privacy_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)


def test_draft_is_restored_after_a_crash(qtbot, services, answered):
    first = MainWindow(services)
    qtbot.addWidget(first)
    first.show()
    first.new_consultation()
    page = first._wizard.currentPage()
    qtbot.keyClicks(page.name, "Ana Lopez")
    qtbot.waitUntil(lambda: services.drafts.all() != [], timeout=5000)  # autosaved
    first._wizard.hide()  # the app dies here: no cancel, no finish
    [draft] = services.drafts.all()
    assert draft.consultation.patient.name == "Ana Lopez"

    from consult.ui.app import _after_start

    second = MainWindow(services)
    qtbot.addWidget(second)
    second.show()
    _after_start(second, services, load_catalog())
    assert second._wizard is not None
    assert second._wizard.state.name == "Ana Lopez"
    first.close()
    second.close()


HOLD_LOCK = textwrap.dedent("""
    import sys
    from consult.paths import data_dir
    from consult.ui.instance import acquire_instance_lock
    lock = acquire_instance_lock(data_dir())
    print("locked", flush=True)
    sys.stdin.read()
""")


def start_app(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "consult", "--quit-after-launch"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def lock_holder(env) -> subprocess.Popen:
    """Another consult process holding the data folder's lock until its stdin closes."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_instance_is_refused():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with lock_holder(env) as holder:
        second = start_app(env)
        assert second.returncode == 1
        assert "already open" in second.stderr
        holder.stdin.close()
        holder.wait(timeout=10)
    third = start_app(env)  # the lock went with its process
    assert third.returncode == 0, third.stderr


def test_a_lock_left_by_a_crashed_app_is_recovered():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with lock_holder(env) as holder:
        holder.kill()  # SIGKILL: the lock file stays behind
        holder.wait(timeout=10)
    assert (data_dir() / "consult.lock").exists()
    started = start_app(env)
    assert started.returncode == 0, started.stderr
