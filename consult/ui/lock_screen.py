"""The screen that covers the window when no one is signed in, or it is locked.

It shows no patient data: the clinic's name, who locked the screen and when, the names of the
accounts, and the fields to sign in. On the first start it asks for the administrator's
account instead. It only collects what is typed and says what went wrong: the window checks
the secret off its own thread (``Clinic.sign_in``), so the slow hash never freezes it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

PANEL_WIDTH = 480
MARGIN = 32
FIELD_HEIGHT = 40
MIN_SECRET = 6  # as storage.passwords.MIN_SECRET: said before the slow check, not after it


def _label(text: str, field: QWidget) -> QLabel:
    """A field's label, as tall as the (touch-sized) field and centred beside it."""
    label = QLabel(text)
    label.setBuddy(field)
    label.setMinimumHeight(FIELD_HEIGHT)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


class LockScreen(QWidget):
    """``sign_in_requested(name, secret)`` and ``create_requested(name, secret)``: the window
    does the work and calls ``failed(message)`` or moves on."""

    sign_in_requested = Signal(str, str)
    create_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lock-screen")
        self.setAccessibleName("Sign in")
        self.setAutoFillBackground(True)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self.panel = QFrame()
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        # A fixed width: the wrapped texts' heights are then known, and nothing is clipped.
        self.panel.setFixedWidth(PANEL_WIDTH)
        self.panel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        column = QVBoxLayout(self.panel)
        column.setContentsMargins(MARGIN, 28, MARGIN, 28)
        column.setSpacing(12)
        self.clinic_label = QLabel()
        self.clinic_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = QLabel()
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.heading.setFont(font)
        self.note = QLabel()
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.clinic_label)
        column.addWidget(self.heading)
        column.addWidget(self.note)
        # One of the two forms shows (a hidden one takes no room).
        self.sign_in_page = self._sign_in_page()
        self.first_run_page = self._first_run_page()
        column.addWidget(self.sign_in_page)
        column.addWidget(self.first_run_page)
        self._first_run = False
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setObjectName("lock-error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setAccessibleName("Sign-in problem")
        column.addWidget(self.error)
        row = QVBoxLayout()
        row.addWidget(self.panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addLayout(row)
        outer.addStretch(2)

    # ------------------------------------------------------------------ the two forms

    def _secret_field(self, accessible: str) -> QLineEdit:
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setAccessibleName(accessible)
        field.setMinimumHeight(FIELD_HEIGHT)
        # No copy, no drag, no input method suggestions for a secret.
        field.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        field.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
        )
        return field

    def _sign_in_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.account = QComboBox()
        self.account.setEditable(True)
        self.account.setAccessibleName("Account")
        self.account.setMinimumHeight(FIELD_HEIGHT)
        self.account.lineEdit().setPlaceholderText("Your name")
        self.secret = self._secret_field("PIN or password")
        self.secret.returnPressed.connect(self._submit)
        self.sign_in_button = QPushButton("&Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setMinimumHeight(44)
        self.sign_in_button.clicked.connect(self._submit)
        account_label = _label("&Account:", self.account)
        secret_label = _label("&PIN or password:", self.secret)
        form.addRow(account_label, self.account)
        form.addRow(secret_label, self.secret)
        form.addRow(self.sign_in_button)
        return page

    def _first_run_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.new_name = QLineEdit()
        self.new_name.setAccessibleName("Administrator's name")
        self.new_name.setMinimumHeight(FIELD_HEIGHT)
        self.new_secret = self._secret_field("New PIN or password")
        self.new_secret_again = self._secret_field("New PIN or password again")
        self.new_secret_again.returnPressed.connect(self._create)
        self.create_button = QPushButton("&Create and sign in")
        self.create_button.setMinimumHeight(44)
        self.create_button.clicked.connect(self._create)
        for text, field in (
            ("Your &name:", self.new_name),
            ("&PIN or password:", self.new_secret),
            ("The same &again:", self.new_secret_again),
        ):
            form.addRow(_label(text, field), field)
        form.addRow(self.create_button)
        return page

    # ------------------------------------------------------------------ states

    @property
    def first_run(self) -> bool:
        return self._first_run

    def _show_page(self, first_run: bool) -> None:
        self._first_run = first_run
        self.sign_in_page.setVisible(not first_run)
        self.first_run_page.setVisible(first_run)

    def show_first_run(self, clinic_name: str) -> None:
        self._set_clinic(clinic_name)
        self.heading.setText("Welcome")
        self.note.setText(
            "Create the administrator's account first. The administrator adds the other "
            "accounts (providers and assistants) and changes the settings. Use a PIN of six "
            "digits or more, or a password."
        )
        self._fit(self.note)
        self._show_page(True)
        self.error.clear()
        self.set_busy(False)
        self.new_name.setFocus()

    def show_sign_in(
        self, clinic_name: str, names: list[str], locked_by: str = "", locked_at: str = ""
    ) -> None:
        """The sign-in form; ``locked_by``: the account whose screen this locked (chosen
        first, so that person only types the PIN)."""
        self._set_clinic(clinic_name)
        self.account.clear()
        self.account.addItems(names)
        if locked_by:
            self.heading.setText("Locked")
            self.note.setText(
                f"{locked_by} locked the screen at {locked_at}. Enter your PIN to go on where "
                "you were, or choose your own name to sign in."
            )
            self.account.setCurrentText(locked_by)
            self.sign_in_button.setText("&Unlock")
        else:
            self.heading.setText("Sign in")
            self.note.setText("Choose your name and enter your PIN or password.")
            self.account.setCurrentIndex(-1)
            self.account.setCurrentText("")
            self.sign_in_button.setText("&Sign in")
        self._fit(self.note)
        self._show_page(False)
        self.error.clear()
        self.secret.clear()
        self.set_busy(False)
        (self.secret if locked_by else self.account).setFocus()

    def _set_clinic(self, name: str) -> None:
        self.clinic_label.setText(name or "Consult")

    def _fit(self, label: QLabel) -> None:
        """A wrapped text's height at the panel's width, so that nothing is clipped."""
        label.setMinimumHeight(label.heightForWidth(PANEL_WIDTH - 2 * MARGIN))

    def set_busy(self, busy: bool) -> None:
        for widget in (self.sign_in_button, self.create_button, self.secret, self.account):
            widget.setEnabled(not busy)
        for widget in (self.new_name, self.new_secret, self.new_secret_again):
            widget.setEnabled(not busy)
        if busy:
            self.error.setText("Checking…")

    def failed(self, message: str) -> None:
        self.set_busy(False)
        self.error.setText(message)
        self._fit(self.error)
        self.secret.clear()
        self.new_secret.clear()
        self.new_secret_again.clear()
        (self.new_secret if self.first_run else self.secret).setFocus()

    # ------------------------------------------------------------------ submitting

    def _submit(self) -> None:
        name = self.account.currentText().strip()
        secret = self.secret.text()
        self.secret.clear()
        if not name:
            self.failed("Choose your name first.")
            return
        if not secret:
            self.failed("Enter your PIN or password.")
            return
        self.set_busy(True)
        self.sign_in_requested.emit(name, secret)

    def _create(self) -> None:
        name = self.new_name.text().strip()
        secret, again = self.new_secret.text(), self.new_secret_again.text()
        self.new_secret.clear()
        self.new_secret_again.clear()
        if not name:
            self.failed("Enter your name for the account.")
            return
        if len(secret) < MIN_SECRET:
            self.failed(f"A PIN or password needs at least {MIN_SECRET} characters.")
            return
        if secret != again:
            self.failed("The two PINs or passwords are not the same. Type them again.")
            return
        self.set_busy(True)
        self.create_requested.emit(name, secret)
