"""File → Records…: the records file here, or the clinic's server (tried before it is kept)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from consult.system import records_location
from consult.ui.records_dialog import RecordsDialog


@pytest.fixture
def dialog(qtbot, tmp_path):
    made = RecordsDialog(tmp_path / "records.sqlite3", None)
    qtbot.addWidget(made)
    made.show()
    return made


def ok(dialog):
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_the_file_here_is_chosen_by_default_and_kept(dialog):
    assert dialog.local.isChecked()
    ok(dialog)
    assert dialog.result() == RecordsDialog.DialogCode.Accepted
    assert records_location.configured() is None
    assert "records file on this computer" in dialog.kept


def test_an_address_with_a_password_is_refused_in_plain_words(qtbot, dialog):
    qtbot.keyClicks(dialog.address, "postgresql://consult:secret@clinic-server/consult")
    assert dialog.server.isChecked()  # typing an address chooses the server
    ok(dialog)
    qtbot.waitUntil(lambda: "holds a password" in dialog.found.text(), timeout=5000)
    assert "secret" not in dialog.found.text()
    assert dialog.isVisible() and not records_location.config_file().exists()


def test_a_server_that_cannot_be_reached_is_not_kept(qtbot, dialog):
    qtbot.keyClicks(dialog.address, "postgresql://consult@127.0.0.1:1/consult")
    ok(dialog)
    qtbot.waitUntil(lambda: "cannot be reached" in dialog.found.text(), timeout=15000)
    assert dialog.isVisible() and not records_location.config_file().exists()


@pytest.mark.postgresql
def test_a_server_reached_is_described_then_kept(qtbot, dialog, pg_url):
    qtbot.keyClicks(dialog.address, pg_url)
    dialog.try_button.click()
    qtbot.waitUntil(lambda: "patients" in dialog.found.text(), timeout=15000)
    assert "0 patients (ready)" in dialog.found.text()
    ok(dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert records_location.configured() == pg_url
    assert "clinic's server" in dialog.kept


def test_a_records_location_that_cannot_be_used_is_said_in_a_window(qtbot, answered, capsys):
    """Started from the desktop with a damaged records.toml: a message in a window (no
    terminal to print to), and no other records opened in their place."""
    from consult import cli

    records_location.config_file(create=True).write_text("records_url = 5\n")
    assert cli.run([]) == 1
    (said,) = answered
    assert said[0] == "error" and "must be text, a postgresql:// address" in said[2]
    assert "must be text" in capsys.readouterr().err
