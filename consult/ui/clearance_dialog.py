"""Recording a doctor's clearance of a provisional plan: who gave it, when, a note, and the
first session it confirms."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
)

from consult.domain.catalog import Catalog
from consult.domain.model import Clearance, ClinicSettings
from consult.domain.plan import Plan
from consult.ui import style


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class ClearanceDialog(QDialog):
    def __init__(
        self,
        catalog: Catalog,
        settings: ClinicSettings,
        plan: Plan,
        providers: list[str],
        recorded_by: str,
        start: date,
        today: date,
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Record a doctor's clearance")
        self.today = today
        questions = [catalog.question(q) for q in plan.uncleared]
        asked = "".join(
            f"<li>{escape(q.ask('en', settings.placeholders))} "
            f"<small>(source: {escape(catalog.cite(q.sources))})</small></li>"
            for q in questions
        )
        intro = QLabel(
            "The plan is provisional until a doctor confirms it is safe to go ahead. The "
            f"clearance answers:<ul>{asked}</ul>Recording it saves a new revision of the "
            "consultation with confirmed dates; the provisional one stays in the record."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        self.cleared_by = QLineEdit()
        self.cleared_by.setPlaceholderText("e.g. Dr Sam Okafor, family doctor")
        self.cleared_by.setAccessibleName("Who gave the clearance")
        self.cleared_on = QDateEdit(_qdate(today))
        self.cleared_on.setCalendarPopup(True)
        self.cleared_on.setDisplayFormat("ddd d MMM yyyy")
        self.cleared_on.setMaximumDate(_qdate(today))
        self.cleared_on.setAccessibleName("Date of the clearance")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What the doctor said, or where their letter is kept")
        self.note.setAccessibleName("Note on the clearance")
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(80)
        self.start = QDateEdit(_qdate(start))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("ddd d MMM yyyy")
        self.start.setMinimumDate(_qdate(today))
        self.start.setAccessibleName("Confirmed first session")
        self.recorded_by = QComboBox()
        self.recorded_by.setEditable(True)
        self.recorded_by.addItems(providers)
        self.recorded_by.setCurrentText(recorded_by)
        self.recorded_by.setAccessibleName("Recorded by")

        form = QFormLayout()
        for text, widget in (
            ("Cleared &by:", self.cleared_by),
            ("&Date of clearance:", self.cleared_on),
            ("&Note:", self.note),
            ("&First session:", self.start),
            ("&Recorded by:", self.recorded_by),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(style.problem_css())
        self.problems.setAccessibleName("Problems with the clearance")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.resize(620, 480)

    def clearance(self) -> Clearance:
        return Clearance(
            self.cleared_by.text(),
            self.cleared_on.date().toPython(),
            self.note.toPlainText(),
            self.recorded_by.currentText(),
        )

    def start_date(self) -> date:
        return self.start.date().toPython()

    def accept(self) -> None:
        problems = [p.message for p in self.clearance().problems(self.today)]
        if self.start_date() < self.today:
            problems.append("The first session cannot be in the past.")
        if problems:
            self.problems.setText("\n".join(problems))
            return
        super().accept()
