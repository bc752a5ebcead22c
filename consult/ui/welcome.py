"""The first start: the clinic's name, address and phone, its providers, and demo patients to
try the app with. The same dialog asks for the name and phone before a plan is printed
without them (the plan is headed with the clinic and tells the patient to call it)."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
)

from consult.domain.model import ClinicSettings
from consult.ui import style
from consult.ui.settings_dialog import _list_editor, enter_adds

DEMO_PATIENTS = 50


class ClinicDetailsDialog(QDialog):
    """``first_run``: the welcome, with providers and demo patients; otherwise only the
    clinic's details that a printed plan needs."""

    def __init__(
        self,
        settings: ClinicSettings,
        providers: list[str],
        *,
        first_run: bool,
        parent=None,
    ):
        super().__init__(parent)
        self._settings = settings
        self.first_run = first_run
        self.setWindowTitle("Welcome to Consult" if first_run else "The clinic's details")
        intro = QLabel(
            "<h2>Welcome to Consult</h2>"
            "<p>First, the clinic's details: every printed plan is headed with them, and it "
            "tells the patient to call this number with any question.</p>"
            if first_run
            else "<p><b>The plan needs the clinic's name and phone.</b> It is headed with the "
            "clinic's name and tells the patient to call this number with any question. Enter "
            "them once; they are kept in Settings.</p>"
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.name = QLineEdit(settings.name)
        self.name.setAccessibleName("Clinic name")
        self.name.setPlaceholderText("e.g. Northside Skin Clinic")
        self.address = QPlainTextEdit(settings.address)
        self.address.setAccessibleName("Clinic address")
        self.address.setTabChangesFocus(True)
        self.address.setMaximumHeight(70)
        self.phone = QLineEdit(settings.phone)
        self.phone.setAccessibleName("Clinic phone")
        self.phone.setPlaceholderText("the number patients call")
        form = QFormLayout()
        form.addRow("Clinic &name:", self.name)
        form.addRow("&Address:", self.address)
        form.addRow("&Phone:", self.phone)

        self.providers = QListWidget()
        self.providers.addItems(providers)
        self.providers.setAccessibleName("Providers")
        self.providers.setMaximumHeight(90)
        self.new_provider = QLineEdit()
        self.new_provider.setPlaceholderText("Name of a provider, e.g. Dr Ana Reyes")
        self.new_provider.setAccessibleName("New provider's name")
        enter_adds(self.new_provider, self._add_provider)
        self.demo = QCheckBox(
            f"Add {DEMO_PATIENTS} demo patients to try the app with (marked as demo)"
        )
        self.demo.setAccessibleName("Add demo patients")
        if first_run:
            form.addRow(
                "Providers:",
                _list_editor(
                    self.providers, self.new_provider, ("&Add", self._add_provider), "&Remove"
                ),
            )
            form.addRow("", self.demo)
        else:
            self.providers.hide()
            self.new_provider.hide()
            self.demo.hide()
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(style.problem_css())
        self.problems.setAccessibleName("What is missing")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(
            "&Start" if first_run else "&Save and go on"
        )
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            "&Later" if first_run else "Cancel"
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.resize(620, 0)
        style.touch_size(self)

    def _add_provider(self) -> None:
        name = " ".join(self.new_provider.text().split())
        listed = [self.providers.item(i).text() for i in range(self.providers.count())]
        if name and name not in listed:
            self.providers.addItem(name)
        self.new_provider.clear()

    def provider_names(self) -> list[str]:
        pending = " ".join(self.new_provider.text().split())
        names = [self.providers.item(i).text() for i in range(self.providers.count())]
        return names + ([pending] if pending and pending not in names else [])

    def settings(self) -> ClinicSettings:
        return dataclasses.replace(
            self._settings,
            name=" ".join(self.name.text().split()),
            address=self.address.toPlainText().strip(),
            phone=self.phone.text().strip(),
        )

    def accept(self) -> None:
        missing = self.settings().missing_for_print()
        if missing:
            words = {"name": "the clinic's name", "phone": "a phone number patients can call"}
            self.problems.setText("Enter " + " and ".join(words[m] for m in missing) + ".")
            (self.name if "name" in missing else self.phone).setFocus()
            return
        super().accept()
