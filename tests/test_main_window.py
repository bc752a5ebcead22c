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
from uihelpers import on_label, shown_preview

from consult.app.catalog import load_catalog
from consult.app.clinic import SEARCH_PAGE
from consult.domain.model import Patient, Status
from consult.system.folders import data_dir
from consult.ui.main_window import MainWindow

pytestmark = pytest.mark.gui
CATALOG = load_catalog().catalog


@pytest.fixture
def window(qtbot, clinic, answered):
    win = MainWindow(clinic)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()  # before the clinic it uses are closed


def add_patient(clinic, name="Zoë O'Brien-Łukasiewicz") -> Patient:
    return clinic.store.patients.save(
        Patient(name, date(1990, 5, 17), 4, "en", "+1 555 0100", "zoe@example.org")
    )


def find(qtbot, window, text):
    window.search.setText(text)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=5000)


def test_title_never_names_a_patient(qtbot, window, clinic):
    add_patient(clinic)
    find(qtbot, window, "zoe")
    window.table.selectRow(0)
    assert "Zoë" not in window.windowTitle()
    assert "Zoë" in window.header.text()


def test_whole_consultation_is_saved_and_printed(qtbot, window, clinic, answered):
    patient = add_patient(clinic)
    find(qtbot, window, "lukasiewicz")
    qtbot.mouseClick(
        window.table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=window.table.visualRect(window.model.index(0, 0)).center(),
    )
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    wizard = window.wizard
    assert wizard is not None and wizard.state.patient.id == patient.id
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

    qtbot.waitUntil(lambda: shown_preview(window) is not None, timeout=15000)
    assert answered == []
    [saved] = clinic.store.records.for_patient(patient.id)
    assert saved.status is Status.FINAL
    assert saved.areas[0].area_id == "face" and saved.areas[0].zones == ("cheeks",)
    assert saved.areas[0].concerns[0].concern_id == "acne_scars"
    assert saved.adjuncts == ("peel_mandelic",)
    sessions = clinic.store.records.planned_sessions(saved.id)
    assert len(sessions) == 4

    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(shown_preview(window).pdf)).pages
    )
    assert "Zoë O'Brien-Łukasiewicz" in text
    assert "Mandelic" in text
    first = sessions[0].date
    assert f"{first:%B} {first.day}, {first.year}" in text
    actions = [e["action"] for e in clinic.store.audit.entries("consultation", saved.id)]
    assert actions == ["finalize", "view"]
    assert clinic.drafts.all() == []


def test_privacy_hides_other_patients(qtbot, window, clinic):
    add_patient(clinic, "Zoë Benoît")
    add_patient(clinic, "Zoë Bérenger")
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


def test_draft_is_restored_after_a_crash(qtbot, clinic, answered):
    first = MainWindow(clinic)
    qtbot.addWidget(first)
    first.show()
    first.new_consultation()
    page = first.wizard.currentPage()
    qtbot.keyClicks(page.name, "Ana Lopez")
    qtbot.waitUntil(lambda: clinic.drafts.all() != [], timeout=5000)  # autosaved
    first.wizard.hide()  # the app dies here: no cancel, no finish
    [draft] = clinic.drafts.all()
    assert draft.patient_name == "Ana Lopez"

    second = MainWindow(clinic)  # offers the signed-in account its draft
    qtbot.addWidget(second)
    second.show()
    qtbot.waitUntil(lambda: second.wizard is not None)
    assert second.wizard.state.patient.name == "Ana Lopez"
    first.close()
    second.close()


HOLD_LOCK = textwrap.dedent("""
    import sys
    from consult.system.folders import data_dir
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


PAGE_TEST_PATIENTS = 2 * SEARCH_PAGE + 5
MODIFIERS_PRIVACY = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def many_smiths(clinic):
    """More patients named Smith than two pages of the list, and one other."""
    saved = [
        clinic.store.patients.save(Patient(f"Smith {i:03d}", date(1980, 1, 2), 3, "en"))
        for i in range(PAGE_TEST_PATIENTS)
    ]
    clinic.store.patients.save(Patient("Zoë Other", date(1980, 1, 2), 3, "en"))
    return saved


def wait_rows(qtbot, window, count):
    qtbot.waitUntil(lambda: window.model.rowCount() == count, timeout=5000)


def test_scrolling_to_the_end_fetches_the_next_page(qtbot, window, many_smiths):
    window.search.setText("smi")
    wait_rows(qtbot, window, SEARCH_PAGE)
    assert window.count_label.text() == (
        f"The first {SEARCH_PAGE} patients found — scroll for more, or type more of the name"
    )
    last = window.table.visualRect(window.model.index(SEARCH_PAGE - 1, 0))
    assert not window.table.viewport().rect().contains(last)  # more than a screenful
    window.table.setFocus()
    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    wait_rows(qtbot, window, 2 * SEARCH_PAGE)
    assert window.count_label.text().startswith(f"The first {2 * SEARCH_PAGE} patients found")
    for _ in range(20):  # PageDown to the end of the list, as far as it goes
        qtbot.keyClick(window.table, Qt.Key.Key_PageDown)
        if window.model.rowCount() == PAGE_TEST_PATIENTS:
            break
        qtbot.wait(20)
    wait_rows(qtbot, window, PAGE_TEST_PATIENTS)
    assert window.count_label.text() == f"{PAGE_TEST_PATIENTS} patients found"
    names = [window.model.row_at(r).name for r in range(window.model.rowCount())]
    assert names == [p.name for p in many_smiths]  # every match, once, in name order
    assert not window.model.canFetchMore()


def two_pages_by_the_scrollbar(qtbot, window):
    """Search "smith", then drag the scroll bar to the end: the second page arrives."""
    window.search.setText("smith")
    wait_rows(qtbot, window, SEARCH_PAGE)
    bar = window.table.verticalScrollBar()
    bar.setValue(bar.maximum())
    wait_rows(qtbot, window, 2 * SEARCH_PAGE)
    return bar


def test_the_scrollbar_fetches_too_and_a_new_search_starts_afresh(qtbot, window, many_smiths):
    two_pages_by_the_scrollbar(qtbot, window)
    window.search.setText("smith 00")
    wait_rows(qtbot, window, 10)
    assert window.count_label.text() == "10 patients found"
    window.search.setText("smith 000")
    wait_rows(qtbot, window, 1)
    assert window.count_label.text() == "1 patient found"
    window.search.setText("nobody")
    wait_rows(qtbot, window, 0)
    qtbot.waitUntil(lambda: window.count_label.text() == "No patients found", timeout=5000)


def test_privacy_and_the_selected_patient_survive_paging(qtbot, window, many_smiths):
    bar = two_pages_by_the_scrollbar(qtbot, window)
    chosen = many_smiths[SEARCH_PAGE + 3]  # on the second page
    window.table.selectRow(SEARCH_PAGE + 3)
    assert window.current_patient_id == chosen.id
    qtbot.keyClick(window, Qt.Key.Key_H, MODIFIERS_PRIVACY)
    assert window.model.rowCount() == 1 and not window.model.canFetchMore()
    bar.setValue(bar.maximum())
    qtbot.wait(100)
    assert window.model.rowCount() == 1  # nobody else, however it is scrolled
    qtbot.keyClick(window, Qt.Key.Key_H, MODIFIERS_PRIVACY)
    wait_rows(qtbot, window, SEARCH_PAGE)  # the list again, from its first page
    assert window.current_patient_id == chosen.id
    bar.setValue(bar.maximum())
    wait_rows(qtbot, window, 2 * SEARCH_PAGE)
    assert window.model.row_at(window.table.currentIndex().row()).id == chosen.id


def test_before_anything_is_typed_the_list_says_what_it_shows(qtbot, window, many_smiths):
    window.search.setText("x")
    window.search.clear()
    wait_rows(qtbot, window, SEARCH_PAGE)
    qtbot.waitUntil(lambda: "next 7 days" in window.count_label.text(), timeout=5000)
    assert window.count_label.text() == (
        "Patients with a session in the next 7 days, the soonest first, then the newest "
        "patients — scroll for more."
    )
    assert window.model.row_at(0).name == "Zoë Other"  # the newest first: nobody is due
