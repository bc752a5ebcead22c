"""The administrator's accounts: who may sign in, with which role; new accounts, new PINs.

What it does is ``Clinic``'s (which checks the administrator's role again); a PIN typed here
goes straight to the hash and is cleared from its field.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from consult.app.clinic import Clinic, plain_error
from consult.domain.access import Role
from consult.storage.accounts import Account
from consult.ui import dialogs, style


def _secret_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


class SecretDialog(QDialog):
    """A new account (name, role, PIN twice), or a new PIN for one (``name`` given)."""

    def __init__(self, parent: QWidget | None = None, name: str = ""):
        super().__init__(parent)
        self.setWindowTitle(f"New PIN for {name}" if name else "Add an account")
        form = QFormLayout(self)
        self.name = QLineEdit(name)
        self.name.setAccessibleName("Name")
        self.name.setReadOnly(bool(name))
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role in (Role.PROVIDER, Role.ASSISTANT, Role.ADMINISTRATOR):
            self.role.addItem(role.label, role)
        self.secret = _secret_field("PIN or password")
        self.again = _secret_field("PIN or password again")
        form.addRow("&Name:", self.name)
        if not name:
            form.addRow("&Role:", self.role)
        form.addRow("&PIN or password:", self.secret)
        form.addRow("The same &again:", self.again)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(style.problem_css())
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _check(self) -> None:
        if not self.name.text().strip():
            self.problem.setText("Enter the person's name.")
        elif self.secret.text() != self.again.text():
            self.problem.setText("The two PINs or passwords are not the same.")
            self.secret.clear()
            self.again.clear()
        else:
            self.accept()

    def take_secret(self) -> str:
        """The PIN typed, once: the fields are cleared."""
        secret = self.secret.text()
        self.secret.clear()
        self.again.clear()
        return secret


class AccountsDialog(QDialog):
    def __init__(self, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(parent)
        self.clinic = clinic
        self.setWindowTitle("Accounts")
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Name", "Role", "State"])
        self.table.setAccessibleName("Accounts")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("&Add…")
        self.toggle_button = QPushButton("&Disable")
        self.secret_button = QPushButton("New &PIN…")
        self.add_button.clicked.connect(self.add)
        self.toggle_button.clicked.connect(self.toggle)
        self.secret_button.clicked.connect(self.new_secret)
        for button in (self.add_button, self.toggle_button, self.secret_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.accounts: list[Account] = []
        self.refresh()

    def refresh(self) -> None:
        try:
            self.accounts = self.clinic.accounts()
        except Exception as exc:
            dialogs.error(self, "Accounts", plain_error(exc).message)
            return
        now = datetime.now(UTC)
        self.table.setRowCount(len(self.accounts))
        for number, account in enumerate(self.accounts):
            state = "active" if account.active else "disabled"
            if account.active and account.locked_at(now):
                until = account.locked_until.astimezone().strftime("%H:%M")
                state = f"locked until {until}"
            for column, text in enumerate((account.name, account.role.label, state)):
                self.table.setItem(number, column, QTableWidgetItem(text))
        self._update_buttons()

    def selected(self) -> Account | None:
        rows = self.table.selectionModel().selectedRows()
        return self.accounts[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        account = self.selected()
        self.toggle_button.setEnabled(account is not None)
        self.secret_button.setEnabled(account is not None)
        self.toggle_button.setText("&Enable" if account and not account.active else "&Disable")

    def add(self) -> None:
        dialog = SecretDialog(self)
        if dialogs.run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        self._do(
            lambda: self.clinic.add_account(
                dialog.name.text(), dialog.role.currentData(), dialog.take_secret()
            )
        )

    def toggle(self) -> None:
        account = self.selected()
        if account is not None:
            self._do(lambda: self.clinic.set_account_active(account.name, not account.active))

    def new_secret(self) -> None:
        account = self.selected()
        if account is None:
            return
        dialog = SecretDialog(self, account.name)
        if dialogs.run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        self._do(lambda: self.clinic.set_account_secret(account.name, dialog.take_secret()))

    def _do(self, change) -> None:
        try:
            change()
        except Exception as exc:
            dialogs.error(self, "The account was not changed", plain_error(exc).message)
        self.refresh()
