"""Every control can be found by a screen reader and hit by a finger."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QScrollBar,
    QWidget,
)
from signin_helpers import TEST_SECRET

from consult.app.catalog import load_catalog
from consult.app.clinic import Clinic
from consult.domain.model import Answer
from consult.storage.database import resolve
from consult.system.folders import data_dir
from consult.ui.main_window import MainWindow
from consult.ui.settings_dialog import SettingsDialog
from consult.ui.style import TOUCH_HEIGHT

pytestmark = pytest.mark.gui
CATALOG = load_catalog().catalog
CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractScrollArea)


def problems_in(top: QWidget) -> list[str]:
    found = []
    for widget in top.findChildren(QWidget):
        if not widget.isVisibleTo(top) or isinstance(widget, QScrollBar):
            continue
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not isinstance(widget, CONTROLS):
            continue
        if isinstance(widget, QLineEdit) and isinstance(
            widget.parent(), QComboBox | QAbstractSpinBox
        ):
            continue  # part of its combo box or spin box, which carries the name
        name = widget.accessibleName() or (
            widget.text() if isinstance(widget, QAbstractButton) else ""
        )
        label = f"{type(widget).__name__} {name!r} on {type(top).__name__}"
        if not name.strip():
            found.append(f"{label}: no accessible name")
        if not isinstance(widget, QAbstractScrollArea) and widget.height() < TOUCH_HEIGHT:
            found.append(f"{label}: {widget.height()} px tall")
    return found


def test_every_window_and_step(qtbot, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from consult.ui import dialogs

    clinic = Clinic(CATALOG, resolve(None), data_dir())
    window = MainWindow(clinic)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    found = problems_in(window)  # the first start: the administrator's account
    welcomed = []

    def welcome(dialog):  # the welcome with the clinic's details follows: looked at, later
        dialog.show()
        welcomed.append(problems_in(dialog))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(dialogs, "run_dialog", welcome)
    window.lock_screen.new_name.setText("Dr Ana Reyes")
    window.lock_screen.new_secret.setText(TEST_SECRET)
    window.lock_screen.new_secret_again.setText(TEST_SECRET)
    window.lock_screen.create_button.click()
    qtbot.waitUntil(lambda: not window.locked)
    qtbot.waitUntil(lambda: len(welcomed) == 1)
    found += welcomed[0]
    monkeypatch.undo()
    found += problems_in(window)
    window.lock("Ctrl+L")
    found += problems_in(window)  # the sign-in form
    window.lock_screen.secret.setText(TEST_SECRET)
    window.lock_screen.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.locked)
    window.new_consultation()
    wizard = window.wizard
    wizard.state.patient.name = "Ana"
    for _ in range(7):
        qtbot.wait(10)
        page = wizard.currentPage()
        if hasattr(page, "rest_no"):
            page.rest_no.click()
        found += problems_in(wizard)
        wizard.state.answers = {q.id: Answer.NO for q in CATALOG.questions}
        wizard.state.areas = wizard.state.areas or {"face": set()}
        wizard.state.concerns = wizard.state.concerns or {"face": {"texture": (None, None)}}
        wizard.state.provider = wizard.state.provider or "Dr Ana Reyes"
        wizard.next()
    settings = SettingsDialog(clinic.settings(), ["Dr Ana Reyes"])
    qtbot.addWidget(settings)
    settings.show()
    qtbot.waitExposed(settings)
    found += problems_in(settings)
    window.close()
    clinic.close()
    assert found == [], "\n".join(found)


def test_touch_sizing_leaves_the_parts_of_controls_to_their_owners(qtbot):
    from PySide6.QtWidgets import QMessageBox, QSpinBox, QTableView, QToolButton, QVBoxLayout

    from consult.ui import dialogs, style

    top = QWidget()
    qtbot.addWidget(top)
    layout = QVBoxLayout(top)
    field = QLineEdit()
    field.setClearButtonEnabled(True)
    field.setText("Zoë")
    spin = QSpinBox()
    table = QTableView()
    for widget in (field, spin, table):
        layout.addWidget(widget)
    style.touch_size(top)
    top.show()
    qtbot.waitExposed(top)
    assert field.height() >= TOUCH_HEIGHT and spin.height() >= TOUCH_HEIGHT
    (clear,) = field.findChildren(QToolButton)
    assert clear.height() < TOUCH_HEIGHT  # the field's clear button stays inside it
    assert spin.findChild(QLineEdit).minimumHeight() < TOUCH_HEIGHT
    assert all(b.minimumHeight() < TOUCH_HEIGHT for b in table.findChildren(QAbstractButton))

    box = dialogs._box(QMessageBox.Icon.Warning, None, "Title", "Text")
    qtbot.addWidget(box)
    style.touch_size(box)  # as dialogs.run_dialog does before showing it
    assert [b.minimumHeight() for b in box.buttons()] == [TOUCH_HEIGHT]
