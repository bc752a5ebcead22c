"""Clinic settings: the clinic's details for the printed plan, providers and scheduling rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from consult.domain.model import WEEKDAYS, ClinicSettings
from consult.ui import dialogs, style

MAX_LOGO_BYTES = 2 * 1024 * 1024


def holiday_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: ClinicSettings,
        providers: list[str],
        parent=None,
        today: date | None = None,
        min_interval_weeks: int = 1,
    ):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = settings
        self.min_interval_weeks = min_interval_weeks  # the catalog's floor
        form = QFormLayout()

        self.name = QLineEdit(settings.name)
        self.name.setAccessibleName("Clinic name")
        self.address = QPlainTextEdit(settings.address)
        self.address.setAccessibleName("Clinic address")
        self.address.setTabChangesFocus(True)
        self.address.setMaximumHeight(70)
        self.phone = QLineEdit(settings.phone)
        self.phone.setAccessibleName("Clinic phone")
        self.logo_path = getattr(settings, "logo_path", "")
        self.logo = QLabel()
        self.logo.setMinimumHeight(48)
        logo_button = QPushButton("Choose &logo…")
        logo_clear = QPushButton("No logo")
        logo_button.clicked.connect(self._choose_logo)
        logo_clear.clicked.connect(lambda: self._set_logo(""))
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(logo_button)
        logo_row.addWidget(logo_clear)
        self._set_logo(self.logo_path)

        self.providers = QListWidget()
        self.providers.addItems(providers)
        self.providers.setAccessibleName("Providers")
        self.providers.setMaximumHeight(100)
        self.new_provider = QLineEdit()
        self.new_provider.setPlaceholderText("Name of a provider to add")
        self.new_provider.setAccessibleName("New provider's name")
        enter_adds(self.new_provider, self._add_provider)
        provider_box = _list_editor(
            self.providers, self.new_provider, ("&Add", self._add_provider), "&Remove"
        )

        self.paper = QComboBox()
        self.paper.addItem("A4", "a4")
        self.paper.addItem("US Letter", "letter")
        self.paper.setCurrentIndex(max(self.paper.findData(settings.paper_size), 0))
        self.paper.setAccessibleName("Paper size")
        self.interval = self._spin(
            1, 26, settings.interval_weeks, " weeks", "Weeks between sessions"
        )
        self.interval.setToolTip(
            f"At least {min_interval_weeks} weeks: the minimum interval in the clinic's catalog."
        )
        self.min_age = self._spin(0, 120, settings.min_age, " years", "Minimum age")
        self.iso_window = self._spin(
            0, 60, settings.isotretinoin_window_months, " months", "Isotretinoin window"
        )
        self.lock_minutes = self._spin(
            1, 60, settings.lock_minutes, " minutes", "Lock the screen after idle minutes"
        )
        self.lock_minutes.setToolTip(
            "The window locks itself after this many minutes without a key press or click "
            "(Ctrl+L locks it at once)."
        )
        self.consent_months = self._spin(
            1, 120, settings.consent_valid_months, " months", "A signed consent counts for"
        )
        self.consent_months.setToolTip(
            "After this long the patient signs the consent again before the next session."
        )
        days = QWidget()
        day_row = QHBoxLayout(days)
        day_row.setContentsMargins(0, 0, 0, 0)
        self.closed: list[QCheckBox] = []
        for number, day in enumerate(WEEKDAYS):
            box = QCheckBox(day[:3].title())
            box.setChecked(number in settings.closed_weekdays)
            box.setAccessibleName(f"Closed on {day.title()}")
            day_row.addWidget(box)
            self.closed.append(box)
        holiday_box = self._build_holidays(settings.holidays, today or date.today())

        form.addRow("Clinic &name:", self.name)
        form.addRow("&Address:", self.address)
        form.addRow("&Phone:", self.phone)
        form.addRow("Logo:", logo_row)
        form.addRow("Providers:", provider_box)
        form.addRow("Pape&r size:", self.paper)
        form.addRow("&Interval:", self.interval)
        form.addRow("Closed on:", days)
        form.addRow("Holidays:", holiday_box)
        form.addRow("&Minimum age:", self.min_age)
        form.addRow("Isotretinoin &window:", self.iso_window)
        form.addRow("Loc&k after:", self.lock_minutes)
        form.addRow("Consent &valid for:", self.consent_months)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(style.problem_css())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        style.touch_size(self)

    def _build_holidays(self, holidays: frozenset[date], today: date) -> QVBoxLayout:
        """Days the clinic is closed besides its weekly closed days: no session is planned on
        them (the plan moves it to the next open day)."""
        self.holidays = QListWidget()
        self.holidays.setAccessibleName("Holidays")
        self.holidays.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.holidays.setMaximumHeight(100)
        for day in holidays:
            self._add_holiday_item(day)
        self.holiday_date = QDateEdit(QDate(today.year, today.month, today.day))
        self.holiday_date.setCalendarPopup(True)
        self.holiday_date.setDisplayFormat("yyyy-MM-dd")
        self.holiday_date.setAccessibleName("Holiday to add")
        return _list_editor(
            self.holidays,
            self.holiday_date,
            ("Add holi&day", self._add_holiday),
            "Remo&ve holiday",
        )

    def _add_holiday_item(self, day: date) -> None:
        days = self.holiday_dates()
        if day in days:
            return
        position = sum(1 for d in days if d < day)  # the list stays in date order
        self.holidays.insertItem(position, holiday_label(day))
        self.holidays.item(position).setData(Qt.ItemDataRole.UserRole, day.isoformat())

    def _add_holiday(self) -> None:
        picked = self.holiday_date.date()
        self._add_holiday_item(date(picked.year(), picked.month(), picked.day()))

    def holiday_dates(self) -> list[date]:
        return [
            date.fromisoformat(self.holidays.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.holidays.count())
        ]

    @staticmethod
    def _spin(low: int, high: int, value: int, suffix: str, name: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setAccessibleName(name)
        return spin

    def _add_provider(self) -> None:
        name = " ".join(self.new_provider.text().split())
        existing = {self.providers.item(i).text() for i in range(self.providers.count())}
        if name and name not in existing:
            self.providers.addItem(name)
        self.new_provider.clear()

    def _choose_logo(self) -> None:
        path = dialogs.open_file(self, "Choose the clinic's logo", "Images (*.png *.jpg *.jpeg)")
        if path is None:
            return
        problem = logo_problem(path)
        if problem:
            dialogs.warning(self, "Cannot use this logo", problem)
            return
        self._set_logo(str(path))

    def _set_logo(self, path: str) -> None:
        self.logo_path = path
        if path:
            pixmap = QPixmap(path)
            self.logo.setPixmap(pixmap.scaledToHeight(48))
        else:
            self.logo.setText("No logo: the plan shows the clinic's name only.")

    def settings(self) -> ClinicSettings:
        values = dict(
            name=self.name.text().strip(),
            address=self.address.toPlainText().strip(),
            phone=self.phone.text().strip(),
            paper_size=self.paper.currentData(),
            interval_weeks=self.interval.value(),
            min_age=self.min_age.value(),
            isotretinoin_window_months=self.iso_window.value(),
            lock_minutes=self.lock_minutes.value(),
            consent_valid_months=self.consent_months.value(),
            closed_weekdays=frozenset(i for i, box in enumerate(self.closed) if box.isChecked()),
            holidays=frozenset(self.holiday_dates()),
        )
        if hasattr(self._settings, "logo_path"):
            values["logo_path"] = self.logo_path
        return dataclasses.replace(self._settings, **values)

    def provider_names(self) -> list[str]:
        return [self.providers.item(i).text() for i in range(self.providers.count())]

    def accept(self) -> None:
        problems = self.settings().problems(self.min_interval_weeks)
        if problems:
            self.problems.setText("\n".join(p.message for p in problems))
            return
        super().accept()


class _EnterAdds(QObject):
    """Enter in a list's "new item" field adds the item, and only that: it does not also
    press the dialog's default button (which would close the dialog half-filled)."""

    def __init__(self, field: QLineEdit, add: Callable[[], None]):
        super().__init__(field)
        self._add = add

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):
            self._add()
            return True
        return False


def enter_adds(field: QLineEdit, add: Callable[[], None]) -> None:
    field.installEventFilter(_EnterAdds(field, add))


def _list_editor(
    items: QListWidget, field: QWidget, add: tuple[str, Callable[[], None]], remove: str
) -> QVBoxLayout:
    """A list, and under it the field for a new item with its Add and Remove buttons (which
    removes the selected items)."""
    add_button, remove_button = QPushButton(add[0]), QPushButton(remove)
    add_button.clicked.connect(add[1])
    remove_button.clicked.connect(
        lambda: [items.takeItem(items.row(item)) for item in items.selectedItems()]
    )
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(add_button)
    row.addWidget(remove_button)
    box = QVBoxLayout()
    box.addWidget(items)
    box.addLayout(row)
    return box


def logo_problem(path: Path) -> str:
    """Why an image cannot be the clinic's logo, or "" when it can."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"The file cannot be read: {exc.strerror or exc}."
    if size > MAX_LOGO_BYTES:
        return "The image is larger than 2 MB; save a smaller copy and choose that."
    reader = QImageReader(str(path))
    if not reader.canRead():
        return "The file is not a PNG or JPEG image the app can read."
    return ""
