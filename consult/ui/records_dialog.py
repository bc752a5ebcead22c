"""File → Records…: this computer's records file, or the clinic's server for every room.

The address is tried before it is kept (off the window's thread), and the choice takes effect
at the next start. The password is never typed here: it is kept in the keyring
(``consult db set-password``) or the clinic's ``.pgpass`` file (docs/clinic-server.md).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from consult.app import records
from consult.app.errors import UserFacingError
from consult.storage.errors import StorageError
from consult.ui import dialogs
from consult.ui.worker import run_in_background

EXAMPLE = "postgresql://consult@clinic-server/consult"


class RecordsDialog(QDialog):
    """Which records this computer uses. ``accept`` keeps the choice (tried first)."""

    def __init__(self, file: Path, server: str | None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Records")
        self.setMinimumWidth(620)
        self.kept: str | None = None  # what was said when the choice was kept
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Where this computer keeps the clinic's records. With several exam rooms, point "
            "every room at the clinic's server; one computer on its own keeps its file."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.local = QRadioButton(f"The records &file on this computer ({file})")
        self.server = QRadioButton("The clinic's &server:")
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.server)
        layout.addWidget(self.local)
        row = QHBoxLayout()
        row.addWidget(self.server)
        self.address = QLineEdit(server or "")
        self.address.setPlaceholderText(EXAMPLE)
        self.address.setAccessibleName("Server address")
        self.address.setToolTip(
            "postgresql://USER@HOST/DATABASE, with ?sslmode=verify-full for a server that "
            "has a certificate. No password here: see docs/clinic-server.md."
        )
        self.address.setMinimumWidth(380)
        row.addWidget(self.address, 1)
        self.try_button = QPushButton("&Try")
        self.try_button.setToolTip("Reach the server and look, without changing anything")
        self.try_button.clicked.connect(self._try)
        row.addWidget(self.try_button)
        layout.addLayout(row)
        self.found = QLabel()
        self.found.setWordWrap(True)
        self.found.setAccessibleName("What trying the server found")
        layout.addWidget(self.found)
        note = QLabel(
            "The password of the server's database user is never typed or kept here: keep it "
            "in this computer's keyring with “consult db set-password”, or in the clinic's "
            ".pgpass file. The choice takes effect when Consult starts again."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._keep)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.server if server else self.local).setChecked(True)
        self.address.textEdited.connect(lambda _text: self.server.setChecked(True))
        self._found_for: str | None = None  # the address last reached

    def chosen(self) -> str | None:
        return self.address.text().strip() if self.server.isChecked() else None

    def _busy(self, busy: bool) -> None:
        self.try_button.setEnabled(not busy)
        self.buttons.setEnabled(not busy)

    def _say(self, text: str) -> None:
        """What trying found, with the dialog grown to show all of it."""
        self.found.setText(text)
        self.layout().activate()
        self.adjustSize()

    def _try(self, then_keep: bool = False) -> None:
        url = self.address.text().strip()
        self._say("Reaching the server…")
        self._busy(True)

        def done(found: records.ServerFound) -> None:
            self._busy(False)
            self._found_for = url
            self._say(found.summary())
            if then_keep:
                self._keep()

        def failed(exc: Exception) -> None:
            self._busy(False)
            self._found_for = None
            if isinstance(exc, (UserFacingError, StorageError)):
                self._say(exc.message)
            else:
                self._say(f"The server could not be tried ({type(exc).__name__}).")

        run_in_background(lambda: records.try_server(url), done, failed)

    def _keep(self) -> None:
        url = self.chosen()
        if url is not None and self._found_for != url:
            self._try(then_keep=True)  # never kept without being reached
            return
        try:
            self.kept = records.choose(url)
        except (UserFacingError, StorageError) as exc:
            dialogs.error(self, "The choice was not kept", exc.message)
            return
        self.accept()
