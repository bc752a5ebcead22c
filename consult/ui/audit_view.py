"""Reading the audit trail: the administrator's viewer, and "who has seen this record".

The viewer filters by patient, account, action and dates, newest first, with the chain's check
(``consult db verify``) on top; the entries shown can be saved as CSV. It reads on a worker
thread (a large trail must not freeze the window). Entries hold no patient data: a record is
named by its kind and number; the patient filter is chosen by searching, as in the window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
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
from consult.storage.audit import AuditEntry, AuditQuery
from consult.ui import dialogs
from consult.ui.worker import run_in_background

ANY = "Any"

# What each action means, said as the viewer's table says it.
ACTION_WORDS = {
    "view": "viewed",
    "print": "printed",
    "export": "exported",
    "create": "created",
    "update": "changed",
    "finalize": "finished",
    "amend": "amended",
    "delete": "deleted",
    "import": "imported",
    "backup": "backed up",
    "restore": "restored",
    "seed-demo": "added demo records",
    "sign-in": "signed in",
    "sign-in-failed": "failed to sign in",
    "locked-out": "was locked out",
    "lock": "locked the screen",
    "unlock": "unlocked the screen",
    "sign-out": "signed out",
    "account-add": "added an account",
    "account-disable": "disabled an account",
    "account-enable": "enabled an account",
    "account-secret": "set a new PIN or password",
    "token-issued": "made a backup token",
}


def local_time(at: str) -> str:
    """An entry's time (UTC in the trail) in this computer's time zone."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def record_words(entry: AuditEntry) -> str:
    if entry.record_id is None:
        return entry.record_type
    return f"{entry.record_type} #{entry.record_id}"


def _table(headers: list[str], accessible: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(accessible)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setTabKeyNavigation(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for number, row in enumerate(rows):
        for column, text in enumerate(row):
            table.setItem(number, column, QTableWidgetItem(text))


class AuditDialog(QDialog):
    """The administrator's view of the whole trail."""

    def __init__(self, clinic: Clinic, parent: QWidget | None = None, *, today: date | None = None):
        super().__init__(parent)
        self.clinic = clinic
        self.today = today or date.today()
        self.entries: list[AuditEntry] = []
        self._serial = 0
        self.setWindowTitle("Audit trail")
        self.resize(1100, 700)
        layout = QVBoxLayout(self)
        self.chain = QLabel("Checking the audit trail…")
        self.chain.setWordWrap(True)
        self.chain.setAccessibleName("Audit trail check")
        layout.addWidget(self.chain)
        layout.addLayout(self._filters())
        self.table = _table(["When", "Account", "Action", "Record", "Detail"], "Audit entries")
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        layout.addWidget(self.count)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = buttons.addButton(
            "&Export CSV…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.clicked.connect(self.export_csv)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._check_chain()
        self.refresh()

    def _filters(self) -> QGridLayout:
        grid = QGridLayout()
        accounts, actions = self.clinic.audit_names()
        self.patient_text = QLineEdit()
        self.patient_text.setPlaceholderText("Name, date of birth or phone")
        self.patient_text.setAccessibleName("Find a patient")
        self.patient_text.returnPressed.connect(self.find_patient)
        find = QPushButton("&Find")
        find.clicked.connect(self.find_patient)
        self.patient = QComboBox()
        self.patient.setAccessibleName("Patient")
        self.patient.addItem(ANY, None)
        self.patient.currentIndexChanged.connect(lambda _i: self.refresh())
        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        self.account.addItem(ANY, None)
        for name in accounts:
            self.account.addItem(name, name)
        self.account.currentIndexChanged.connect(lambda _i: self.refresh())
        self.action = QComboBox()
        self.action.setAccessibleName("Action")
        self.action.addItem(ANY, None)
        for action in actions:
            self.action.addItem(f"{action} ({ACTION_WORDS.get(action, action)})", action)
        self.action.currentIndexChanged.connect(lambda _i: self.refresh())
        self.all_dates = QCheckBox("All &dates")
        self.all_dates.setChecked(True)
        self.since = QDateEdit(QDate(self.today - timedelta(days=30)))
        self.until = QDateEdit(QDate(self.today))
        for edit, name in ((self.since, "From"), (self.until, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.dateChanged.connect(lambda _d: self.refresh())
        self.all_dates.toggled.connect(self._dates_toggled)
        self._dates_toggled(True)
        grid.addWidget(QLabel("Patient:"), 0, 0)
        patient_row = QHBoxLayout()
        patient_row.addWidget(self.patient_text, 2)
        patient_row.addWidget(find)
        patient_row.addWidget(self.patient, 3)
        grid.addLayout(patient_row, 0, 1, 1, 5)
        grid.addWidget(QLabel("Account:"), 1, 0)
        grid.addWidget(self.account, 1, 1)
        grid.addWidget(QLabel("Action:"), 1, 2)
        grid.addWidget(self.action, 1, 3)
        dates = QHBoxLayout()
        dates.addWidget(self.all_dates)
        dates.addWidget(QLabel("from"))
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.until)
        grid.addLayout(dates, 1, 4, 1, 2)
        return grid

    def _dates_toggled(self, every: bool) -> None:
        self.since.setEnabled(not every)
        self.until.setEnabled(not every)
        if hasattr(self, "table"):
            self.refresh()

    # ------------------------------------------------------------------ reading

    def query(self) -> AuditQuery:
        since = until = None
        if not self.all_dates.isChecked():
            first = self.since.date().toPython()
            last = self.until.date().toPython()
            since = _utc(datetime.combine(first, time.min))
            until = _utc(datetime.combine(last + timedelta(days=1), time.min))
        return AuditQuery(
            patient_id=self.patient.currentData(),
            account=self.account.currentData(),
            action=self.action.currentData(),
            since=since,
            until=until,
        )

    def refresh(self) -> None:
        self._serial += 1
        serial, query = self._serial, self.query()
        self.count.setText("Reading…")
        run_in_background(
            lambda: self.clinic.audit_entries(query),
            lambda page: self._show(serial, page),
            self._failed,
        )

    def _show(self, serial: int, page) -> None:
        if serial != self._serial or (not self.isVisible() and self.result()):
            return
        self.entries = list(page.entries)
        _fill(
            self.table,
            [
                (
                    local_time(e.at),
                    e.provider,
                    ACTION_WORDS.get(e.action, e.action),
                    record_words(e),
                    e.detail,
                )
                for e in self.entries
            ],
        )
        shown = len(self.entries)
        more = " (the newest; narrow the filters to see older ones)" if page.more else ""
        self.count.setText(f"{shown} entr{'ies' if shown != 1 else 'y'}{more}")

    def _failed(self, exc: Exception) -> None:
        self.count.setText(plain_error(exc).message)

    def _check_chain(self) -> None:
        def done(report) -> None:
            self.chain.setText(report.summary())
            if not report.intact:
                self.chain.setStyleSheet("color: #b00020; font-weight: bold;")

        run_in_background(self.clinic.verify_audit, done, self._failed)

    def find_patient(self) -> None:
        text = self.patient_text.text().strip()
        if not text:
            return
        try:
            found = self.clinic.find_patients(text)
        except Exception as exc:
            self._failed(exc)
            return
        self.patient.blockSignals(True)
        self.patient.clear()
        self.patient.addItem(ANY, None)
        for patient in found:
            self.patient.addItem(f"{patient.name} · {patient.date_of_birth}", patient.id)
        self.patient.blockSignals(False)
        if found:
            self.patient.setCurrentIndex(1)
        else:
            self.count.setText("No patient found.")

    # ------------------------------------------------------------------ export

    def export_csv(self) -> None:
        path = dialogs.save_file(
            self, "Save the audit entries", f"audit-{self.today.isoformat()}.csv", "CSV (*.csv)"
        )
        if path is None:
            return
        try:
            written = self.clinic.export_audit(self.entries, path, replace=True)
        except Exception as exc:
            explained = plain_error(exc)
            dialogs.error(self, "The entries were not saved", explained.message)
            return
        self.count.setText(f"{len(self.entries)} entries saved to {written}.")


def _utc(moment: datetime) -> str:
    return moment.astimezone().astimezone(UTC).isoformat(timespec="microseconds")


class WhoHasSeenDialog(QDialog):
    """Everyone who viewed, printed, exported, created or changed one patient's record."""

    def __init__(self, patient_name: str, entries: list[AuditEntry], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Who has seen this record")
        self.resize(760, 480)
        layout = QVBoxLayout(self)
        title = QLabel()
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setText(f"Who has seen the record of {patient_name}")
        title.setStyleSheet("font-weight: bold;")
        layout.addWidget(title)
        self.table = _table(["When", "Who", "What", "Record"], "Who has seen this record")
        _fill(
            self.table,
            [
                (
                    local_time(e.at),
                    e.provider,
                    _what(e),
                    record_words(e),
                )
                for e in entries
            ],
        )
        layout.addWidget(self.table, 1)
        people = sorted({e.provider for e in entries})
        summary = QLabel(
            f"{len(entries)} entr{'ies' if len(entries) != 1 else 'y'} by "
            + (", ".join(people) if people else "no one")
            + "."
        )
        summary.setWordWrap(True)
        layout.addWidget(summary)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def _what(entry: AuditEntry) -> str:
    if entry.action == "view" and entry.record_type == "patient":
        return "opened the patient's page"
    if entry.action == "view":
        return "viewed the plan"
    if entry.action == "print":
        return "printed the plan"
    if entry.action == "export":
        return "saved the plan as a file" if entry.record_type == "consultation" else "exported"
    return ACTION_WORDS.get(entry.action, entry.action)
