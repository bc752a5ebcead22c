"""The consultation wizard's steps: one page class per step."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, time
from functools import partial
from html import escape
from itertools import pairwise

from PySide6.QtCore import QDate, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from consult.app.draft import ConsultationDraft
from consult.domain.adjuncts import all_eligibility, suggestions
from consult.domain.amendment import changes, describe_area, describe_concern, reason_problem
from consult.domain.consent import needed_documents
from consult.domain.model import ROMAN, Answer, Outcome, Patient, ValidationError, age_on
from consult.domain.plan import session_bounds
from consult.report import dates
from consult.ui import dialogs, outcomes, style
from consult.ui.plan_text import rules_html, status_text
from consult.ui.zone_map import ZoneMap

UI_LANG = "en"  # the provider's screens; the patient's language is for the printed plan
NO_DATE = QDate(1900, 1, 1)
ANSWER_IDS = {Answer.YES: 1, Answer.NO: 2, Answer.NOT_SURE: 3}
ANSWER_LABELS = {Answer.YES: "Yes", Answer.NO: "No", Answer.NOT_SURE: "Not sure"}
CHECKED = {True: Qt.CheckState.Checked, False: Qt.CheckState.Unchecked}


def to_qdate(day: date | None) -> QDate:
    return NO_DATE if day is None else QDate(day.year, day.month, day.day)


def from_qdate(value: QDate) -> date | None:
    return None if value == NO_DATE or not value.isValid() else value.toPython()


def parse_day(text: str) -> date | None:
    """A complete yyyy-mm-dd date, or None while it is incomplete or impossible."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def long_date(day: date) -> str:
    """A date as every screen writes it (see ``consult.report.dates``)."""
    return dates.day(day)


_QT_DATE_FIELDS = {"E": "ddd", "EE": "ddd", "EEE": "ddd", "EEEE": "dddd", "y": "yyyy"}


def qt_date_format() -> str:
    """``dates.day``'s pattern for the screens' locale, written for a Qt date field."""
    import re

    pattern = dates.day_pattern()
    return re.sub(r"E+|y+", lambda m: _QT_DATE_FIELDS.get(m.group(), m.group()), pattern)


class SlotBox(QComboBox):
    """A time of day chosen from the clinic's slots, every 15 minutes from 7:00 to 20:45,
    written as the screens' locale writes times; another time can be typed ("10:40")."""

    timeChanged = Signal(QTime)

    def __init__(self, at: time | None = None, parent=None):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(12)
        for minutes in range(7 * 60, 21 * 60, 15):
            slot = time(minutes // 60, minutes % 60)
            self.addItem(dates.time_of_day(slot), slot)
        self._current: time | None = None
        self.currentIndexChanged.connect(lambda _i: self._picked(self.currentData()))
        self.lineEdit().editingFinished.connect(self._typed)
        if at is not None:
            self.setTime(QTime(at))

    def time(self) -> QTime:
        return QTime(self._current) if self._current is not None else QTime()

    def setTime(self, value: QTime) -> None:
        at = value.toPython().replace(second=0, microsecond=0)
        index = self.findData(at)
        if index < 0:  # not on a slot: kept as its own item, in order
            index = sum(1 for i in range(self.count()) if self.itemData(i) < at)
            self.insertItem(index, dates.time_of_day(at), at)
        self.setCurrentIndex(index)
        self._picked(at)

    def _picked(self, at) -> None:
        if isinstance(at, time) and at != self._current:
            self._current = at
            self.timeChanged.emit(QTime(at))

    def _typed(self) -> None:
        """A time typed in the box: "10:40", "1040", "4:15 pm"."""
        text = self.lineEdit().text().strip().lower().replace(".", ":")
        match = re.fullmatch(r"(\d{1,2}):?(\d{2})?\s*([ap])?\.?m?\.?", text)
        if match is None:
            self.setEditText(dates.time_of_day(self._current) if self._current else "")
            return
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if match.group(3) == "p" and hour < 12:
            hour += 12
        if match.group(3) == "a" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            self.setEditText(dates.time_of_day(self._current) if self._current else "")
            return
        self.setTime(QTime(hour, minute))


def swatch_icon(colour: str) -> QIcon:
    pixmap = QPixmap(28, 28)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def outcome_lines(result) -> list[str]:
    """What the screening's outcome means for the plan, in the provider's words."""
    if result.label_reasons:
        return [
            "A contraindication on the device's label: it cannot be overridden. Finishing gives "
            "the patient a letter saying what happens next, not a plan."
        ]
    if result.overridden:
        return ["Overridden by the provider with a written reason."]
    if result.outcome is Outcome.DO_NOT_TREAT:
        return [
            "Without a written reason to go ahead, finishing gives the patient a letter saying "
            "what happens next, not a plan."
        ]
    if result.outcome is Outcome.NEEDS_CLEARANCE:
        return [
            "The plan will be provisional, its dates proposed, until a doctor's clearance is "
            "recorded (Record clearance… on the main window)."
        ]
    return []


class DateLineEdit(QLineEdit):
    """A masked yyyy-mm-dd field that starts typing at the year, however it got the focus."""

    def _empty(self) -> bool:
        return not self.text().replace("-", "").replace("_", "").strip()

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        if self._empty():
            self.setCursorPosition(0)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self._empty():
            self.setCursorPosition(0)


class Page(QWizardPage):
    """A page that reads and writes the wizard's ConsultationDraft."""

    @property
    def state(self) -> ConsultationDraft:
        return self.wizard().state

    def changed(self) -> None:
        self.completeChanged.emit()
        wizard = self.wizard()
        if wizard is not None:
            wizard.changed.emit()


# --------------------------------------------------------------------------- 1. patient


class PatientPage(Page):
    def __init__(self, find_patients: Callable[[str], list[Patient]] | None, providers: list[str]):
        super().__init__()
        self.setTitle("Patient")
        self.setSubTitle("Choose an existing patient or enter a new one.")
        self._find = find_patients
        layout = QVBoxLayout(self)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a patient by name, date of birth or phone")
        self.search.setAccessibleName("Find an existing patient")
        self.results = QListWidget()
        self.results.setAccessibleName("Matching patients")
        self.results.setMaximumHeight(110)
        self.new_button = QPushButton("New &patient")
        self.new_button.setAccessibleName("Start a new patient")
        if find_patients is not None:
            row = QHBoxLayout()
            row.addWidget(self.search, 1)
            row.addWidget(self.new_button)
            layout.addLayout(row)
            layout.addWidget(self.results)
        else:
            self.search.hide()
            self.results.hide()
            self.new_button.hide()
        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.results.itemActivated.connect(self._pick)
        self.results.itemClicked.connect(self._pick)
        self.new_button.clicked.connect(self._new_patient)

        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("Patient name")
        self.name.setMaxLength(200)
        self.dob = DateLineEdit()
        # Typed as digits into year-month-day: unambiguous in every country.
        self.dob.setInputMask("0000-00-00;_")
        self.dob.setAccessibleName("Date of birth, year-month-day")
        self.dob.setToolTip("Type the year, month and day, e.g. 19850309 for 9 March 1985")
        self.dob_words = QLabel()
        self.dob_words.setAccessibleName("Date of birth in words")
        dob_row = QHBoxLayout()
        dob_row.addWidget(self.dob)
        dob_row.addWidget(self.dob_words, 1)
        self.language = QComboBox()
        self.language.setAccessibleName("Language of the printed plan")
        self.phone = QLineEdit()
        self.phone.setAccessibleName("Phone")
        self.email = QLineEdit()
        self.email.setAccessibleName("Email")
        self.provider = QComboBox()
        self.provider.setEditable(True)
        self.provider.addItems(providers)
        self.provider.setAccessibleName("Provider")
        self.provider.lineEdit().setPlaceholderText("Your name")

        self.skin_group = QButtonGroup(self)
        skin_box = QWidget()
        skin_layout = QVBoxLayout(skin_box)
        skin_layout.setContentsMargins(0, 0, 0, 0)
        skin_layout.setSpacing(2)
        self.skin_buttons: dict[int, QRadioButton] = {}

        name_label = QLabel("Full na&me:")
        name_label.setBuddy(self.name)
        dob_label = QLabel("&Date of birth:")
        dob_label.setBuddy(self.dob)
        form.addRow(name_label, self.name)
        form.addRow(dob_label, dob_row)
        skin_label = QLabel("&Skin type:")
        form.addRow(skin_label, skin_box)
        self._skin_layout, self._skin_label = skin_layout, skin_label
        lang_label = QLabel("Plan &language:")
        lang_label.setBuddy(self.language)
        form.addRow(lang_label, self.language)
        phone_label = QLabel("P&hone:")
        phone_label.setBuddy(self.phone)
        form.addRow(phone_label, self.phone)
        email_label = QLabel("&Email:")
        email_label.setBuddy(self.email)
        form.addRow(email_label, self.email)
        provider_label = QLabel("Pro&vider:")
        provider_label.setBuddy(self.provider)
        form.addRow(provider_label, self.provider)
        layout.addLayout(form)

        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(style.problem_css())
        self.problems.setAccessibleName("Problems with the patient's details")
        layout.addWidget(self.problems)
        layout.addStretch(1)

        for widget in (self.name, self.phone, self.email):
            widget.textChanged.connect(self._store)
        self.dob.textChanged.connect(self._store)
        self.language.currentIndexChanged.connect(self._store)
        self.provider.currentTextChanged.connect(self._store)
        self.skin_group.idToggled.connect(lambda *_: self._store())
        self._loading = False

    def initializePage(self) -> None:
        state = self.state
        if getattr(self.wizard(), "amending", False):
            # An amendment is for the same patient: no search, no new patient.
            for widget in (self.search, self.results, self.new_button):
                widget.hide()
            self.setSubTitle("The patient's details, as they are now.")
        self._loading = True  # building the widgets must not overwrite the state
        if not self.skin_buttons:
            for skin in state.catalog.skin_types:
                button = QRadioButton(f"{ROMAN[skin.type]} — {skin.description[UI_LANG]}")
                button.setIcon(swatch_icon(skin.swatch))
                button.setIconSize(button.iconSize().expandedTo(QPixmap(22, 22).size()))
                button.setAccessibleName(f"Skin type {ROMAN[skin.type]}")
                button.setMinimumHeight(style.TOUCH_HEIGHT)
                self.skin_group.addButton(button, skin.type)
                self._skin_layout.addWidget(button)
                self.skin_buttons[skin.type] = button
            self._skin_label.setBuddy(self.skin_buttons[min(self.skin_buttons)])
            # The skin types were made after the other fields: put them back in reading order.
            chain = [self.dob, *self.skin_buttons.values(), self.language]
            for before, after in pairwise(chain):
                QWidget.setTabOrder(before, after)
            for lang in state.catalog.languages:
                self.language.addItem(dates.language_name(lang), lang)
        self.load_from_state()

    def load_from_state(self) -> None:
        state = self.state
        self._loading = True
        try:
            self.name.setText(state.patient.name)
            born = state.patient.date_of_birth
            self.dob.setText(born.isoformat() if born else "")
            self.phone.setText(state.patient.phone)
            self.email.setText(state.patient.email)
            index = self.language.findData(state.patient.language)
            self.language.setCurrentIndex(max(index, 0))
            if state.provider:
                self.provider.setCurrentText(state.provider)
            self.skin_group.setExclusive(False)
            for number, button in self.skin_buttons.items():
                button.setChecked(number == state.patient.fitzpatrick)
            self.skin_group.setExclusive(True)
        finally:
            self._loading = False
        self._store()

    def _store(self) -> None:
        if self._loading:
            return
        state = self.state
        state.patient.name = self.name.text()
        state.patient.date_of_birth = parse_day(self.dob.text())
        if state.patient.date_of_birth is None:
            typed = self.dob.text().replace("-", "").replace("_", "").strip()
            self.dob_words.setText("not a date" if len(typed) == 8 else "")
        else:
            age = state.patient.date_of_birth and age_on(state.patient.date_of_birth, state.today)
            words = dates.long_date(state.patient.date_of_birth, UI_LANG)
            self.dob_words.setText(f"{words} (age {age})")
        state.patient.phone = self.phone.text()
        state.patient.email = self.email.text()
        state.patient.language = self.language.currentData() or "en"
        state.provider = self.provider.currentText().strip()
        chosen = self.skin_group.checkedId()
        state.patient.fitzpatrick = chosen if chosen > 0 else None
        self.problems.setText("")
        self.changed()

    def _run_search(self) -> None:
        self.results.clear()
        text = self.search.text().strip()
        if not text or self._find is None:
            return
        for patient in self._find(text)[:20]:
            born = dates.long_date(patient.date_of_birth, UI_LANG)
            item = QListWidgetItem(f"{patient.name} — born {born}")
            item.setData(Qt.ItemDataRole.UserRole, patient)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def _pick(self, item: QListWidgetItem) -> None:
        patient: Patient = item.data(Qt.ItemDataRole.UserRole)
        state = self.state
        state.patient.id = patient.id
        state.patient.name, state.patient.date_of_birth = patient.name, patient.date_of_birth
        state.patient.fitzpatrick, state.patient.language = patient.fitzpatrick, patient.language
        state.patient.phone, state.patient.email = patient.phone, patient.email
        self.load_from_state()
        self.name.setFocus()

    def _new_patient(self) -> None:
        """A new patient; a name typed in the search (and not found) becomes their name."""
        state = self.state
        typed = " ".join(self.search.text().split())
        is_name = bool(typed) and not any(ch.isdigit() for ch in typed)
        state.patient.id = None
        state.patient.name = typed if is_name else ""
        state.patient.date_of_birth, state.patient.fitzpatrick = None, None
        state.patient.phone = state.patient.email = ""
        self.search.clear()
        self.load_from_state()
        (self.dob if is_name else self.name).setFocus()

    def isComplete(self) -> bool:
        state = self.state
        return bool(
            state.patient.name.strip()
            and state.patient.date_of_birth
            and state.patient.fitzpatrick
            and state.provider
        )

    def validatePage(self) -> bool:
        problems = self.state.patient_problems()
        if problems:
            self.problems.setText("\n".join(problems))
            return False
        return True


# --------------------------------------------------------------------------- 2. screening


class ScreeningPage(Page):
    def __init__(self):
        super().__init__()
        self.setTitle("Safety screening")
        self.setSubTitle("Ask each question. The outcome shows once every question is answered.")
        layout = QVBoxLayout(self)
        self.banner_box = QFrame()
        self.banner_box.setObjectName("screening-banner")
        banner_row = QHBoxLayout(self.banner_box)
        self.banner_icon = QLabel()
        self.banner_icon.setAccessibleName("Screening outcome icon")
        self.banner_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setAccessibleName("Screening outcome")
        self.answered = QLabel()
        self.answered.setAccessibleName("Questions answered")
        self.answered.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        banner_row.addWidget(self.banner_icon)
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.answered)
        layout.addWidget(self.banner_box)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setColumnStretch(0, 1)
        self.scroll.setWidget(self.grid_host)
        layout.addWidget(self.scroll, 1)
        self.scroll.verticalScrollBar().valueChanged.connect(lambda _v: self._show_below())
        # Once the questions are laid out at the new size (the range changes first).
        self.scroll.verticalScrollBar().rangeChanged.connect(
            lambda *_: QTimer.singleShot(0, self, self._show_below)
        )

        # Under the questions: how many are out of sight and unanswered, and ways to them.
        self.below = QLabel()
        self.below.setAccessibleName("Questions below")
        self.next_unanswered = QPushButton("Next &unanswered")
        self.next_unanswered.setToolTip("Scrolls to the first question not answered yet")
        self.next_unanswered.clicked.connect(self.go_to_unanswered)
        self.rest_no = QPushButton("Answer the &rest “No”…")
        self.rest_no.setToolTip(
            "After you asked them: marks every unanswered question “No”, once you confirm the list."
        )
        self.rest_no.clicked.connect(self._rest_no)
        row = QHBoxLayout()
        row.addWidget(self.below, 1)
        row.addWidget(self.next_unanswered)
        row.addWidget(self.rest_no)
        layout.addLayout(row)

        self.override_box = QGroupBox("Going ahead despite “do not treat”")
        override_layout = QVBoxLayout(self.override_box)
        override_layout.addWidget(
            QLabel("Write why it is safe to go ahead. The reason is kept with the consultation.")
        )
        self.override = QPlainTextEdit()
        self.override.setAccessibleName("Reason for going ahead")
        self.override.setTabChangesFocus(True)
        self.override.setMaximumHeight(70)
        self.override.textChanged.connect(self._store_override)
        override_layout.addWidget(self.override)
        layout.addWidget(self.override_box)
        self.groups: dict[str, QButtonGroup] = {}
        self.labels: dict[str, QLabel] = {}

    def _asked(self, question) -> str:
        return question.ask(UI_LANG, self.state.settings.placeholders)

    def initializePage(self) -> None:
        state = self.state
        if not self.groups:
            for row, question in enumerate(state.catalog.questions):
                asked = self._asked(question)
                text = QLabel(f"{row + 1}. {asked}")
                text.setTextFormat(Qt.TextFormat.PlainText)
                text.setWordWrap(True)
                self.grid.addWidget(text, row, 0)
                self.labels[question.id] = text
                group = QButtonGroup(self)
                for answer, column in ANSWER_IDS.items():
                    label = ANSWER_LABELS[answer]
                    button = QRadioButton(label)
                    button.setAccessibleName(f"{label}: {asked}")
                    button.setMinimumHeight(40)
                    group.addButton(button, column)
                    self.grid.addWidget(button, row, column)
                group.idToggled.connect(partial(self._toggled, question.id))
                self.groups[question.id] = group
        self.load_from_state()

    def load_from_state(self) -> None:
        ids = ANSWER_IDS
        for question_id, group in self.groups.items():
            answer = self.state.answers.get(question_id)
            group.blockSignals(True)
            group.setExclusive(False)
            for button in group.buttons():
                button.setChecked(answer is not None and group.id(button) == ids[answer])
            group.setExclusive(True)
            group.blockSignals(False)
        self.override.blockSignals(True)
        self.override.setPlainText(self.state.override_reason)
        self.override.blockSignals(False)
        self.refresh()

    def _toggled(self, question_id: str, _button_id: int, checked: bool) -> None:
        if checked:
            self._answered(question_id)

    def _answered(self, question_id: str) -> None:
        answers = {number: answer for answer, number in ANSWER_IDS.items()}
        self.state.answers[question_id] = answers[self.groups[question_id].checkedId()]
        self.refresh()
        self.changed()

    def unanswered(self) -> list:
        return [q for q in self.state.catalog.questions if q.id not in self.state.answers]

    def _rest_no(self) -> None:
        """Never silently: the provider confirms the questions it marks, listed by name."""
        left = self.unanswered()
        if not left:
            return
        numbers = {q.id: i for i, q in enumerate(self.state.catalog.questions, start=1)}
        listed = [f"{numbers[q.id]}. {self._asked(q)}" for q in left]
        if not dialogs.ask_list(
            self,
            "Answer the rest “No”?",
            f"Did the patient say no to each of these {len(left)} questions?",
            listed,
            f"&Yes, mark {'it' if len(left) == 1 else f'all {len(left)}'} “No”",
            "&Go back and ask",
        ):
            return
        for question in left:
            self.state.answers.setdefault(question.id, Answer.NO)
        self.load_from_state()
        self.changed()

    def go_to_unanswered(self) -> None:
        left = self.unanswered()
        if not left:
            return
        label = self.labels[left[0].id]
        self.scroll.ensureWidgetVisible(label, 0, 40)
        self.groups[left[0].id].button(ANSWER_IDS[Answer.YES]).setFocus()
        self._show_below()

    def _store_override(self) -> None:
        self.state.override_reason = self.override.toPlainText()
        self.refresh()
        self.changed()

    def _show_below(self) -> None:
        """Says how many questions are below the visible part, and how many are unanswered."""
        if not self.labels:
            return
        top = self.scroll.verticalScrollBar().value()
        bottom = top + self.scroll.viewport().height()
        hidden = [qid for qid, label in self.labels.items() if label.geometry().top() >= bottom]
        waiting = [qid for qid in hidden if qid not in self.state.answers]
        above = [
            qid
            for qid, label in self.labels.items()
            if label.geometry().bottom() <= top and qid not in self.state.answers
        ]
        parts = []
        if hidden:
            text = f"▼ {len(hidden)} more question{'s' if len(hidden) != 1 else ''} below"
            if waiting:
                text += f", {len(waiting)} not answered"
            parts.append(text)
        if above:
            parts.append(f"▲ {len(above)} not answered above")
        self.below.setText(" · ".join(parts))
        self.next_unanswered.setEnabled(bool(self.unanswered()))

    def refresh(self) -> None:
        result = self.state.screening()
        catalog = self.state.catalog
        total = len(catalog.questions)
        answered = total - len(result.unanswered)
        found = outcomes.look(result.outcome if result.complete else None)
        colour = style.colour(found.colour)
        lines = [f"<b style='font-size:large'>{escape(found.headline)}</b>"]
        # What happens next: the provider's next step, then what it means for the plan.
        if not result.complete:
            lines.append(escape(found.next_step, quote=False))
        elif result.label_reasons:  # the device's label rules it out: no override
            lines += [f"<b>{escape(line)}</b>" for line in outcome_lines(result)]
        elif result.overridden:
            lines.append("<b>Going ahead: the provider wrote the reason below.</b>")
        else:
            lines.append(escape(found.next_step, quote=False))
            if result.outcome is Outcome.DO_NOT_TREAT:
                lines += [escape(line) for line in outcome_lines(result)]
        if result.reasons:
            lines.append("So far:" if not result.complete else "Because:")
        for reason in result.reasons:
            question = catalog.question(reason.question_id)
            answer = "not sure" if reason.answer is Answer.NOT_SURE else "yes"
            reason_colour = style.colour(outcomes.look(reason.outcome).colour)
            label = " — <b>on the device's label</b>" if reason.label else ""
            lines.append(
                f"• <span style='color:{reason_colour}'><b>{escape(reason.outcome.label)}</b>"
                f"</span>: {escape(self._asked(question))} (<i>{answer}</i>){label}<br>"
                f"&nbsp;&nbsp;<small>Source: {escape(catalog.cite(question.sources))}</small>"
            )
        self.banner.setText("<br>".join(lines))
        self.banner_icon.setPixmap(
            outcomes.outcome_icon(result.outcome if result.complete else None, 44)
        )
        self.banner_icon.setToolTip(found.headline)
        self.answered.setText(f"<b>{answered} of {total}</b><br>answered")
        self.banner_box.setStyleSheet(
            f"QFrame#screening-banner {{ border: 2px solid {colour}; border-left: 8px solid "
            f"{colour}; border-radius: 6px; }}"
        )
        self.banner.setAccessibleDescription(f"{found.headline}. {answered} of {total} answered.")
        self.rest_no.setEnabled(bool(result.unanswered))
        self.override_box.setVisible(result.complete and result.overridable)
        self._show_below()

    def isComplete(self) -> bool:
        return self.state.screening().complete


# --------------------------------------------------------------------------- 3. areas


class AreasPage(Page):
    def __init__(self):
        super().__init__()
        self.setTitle("Treatment areas")
        self.setSubTitle(
            "Click the map or tick the list. A face with no zone ticked means the whole face."
        )
        self.map: ZoneMap | None = None
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Treatment areas and face zones")
        self.tree.itemChanged.connect(self._tree_changed)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setAccessibleName("Chosen areas")
        self.depth = QLabel()
        self.depth.setWordWrap(True)
        self.splitter = QSplitter()
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.depth)
        self._syncing = False
        self.items: dict[tuple[str, str | None], QTreeWidgetItem] = {}

    def initializePage(self) -> None:
        catalog = self.state.catalog
        if self.map is None:
            names = {}
            for area in catalog.areas:
                names[(area.id, None)] = area.name[UI_LANG]
                for zone in area.zones:
                    names[(area.id, zone.id)] = f"{area.name[UI_LANG]}: {zone.name[UI_LANG]}"
            self.map = ZoneMap(names)
            self.map.clicked.connect(self._map_clicked)
            self.splitter.addWidget(self.map)
            self.splitter.addWidget(self.tree)
            self.splitter.setStretchFactor(0, 3)
            self.splitter.setStretchFactor(1, 2)
            self.splitter.setSizes([640, 300])
            self._syncing = True
            for group in catalog.area_groups:
                group_item = QTreeWidgetItem(self.tree, [group.name[UI_LANG]])
                group_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group_item.setExpanded(True)
                for area in (a for a in catalog.areas if a.group == group.id):
                    item = QTreeWidgetItem(group_item, [area.name[UI_LANG]])
                    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                    if area.zones:
                        flags |= Qt.ItemFlag.ItemIsAutoTristate
                    item.setFlags(flags)
                    item.setCheckState(0, Qt.CheckState.Unchecked)
                    self.items[(area.id, None)] = item
                    for zone in area.zones:
                        low, high = zone.depth_mm
                        child = QTreeWidgetItem(item, [f"{zone.name[UI_LANG]}  ({low}–{high} mm)"])
                        child.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                        child.setCheckState(0, Qt.CheckState.Unchecked)
                        self.items[(area.id, zone.id)] = child
                    item.setExpanded(bool(area.zones))
            self._syncing = False
            self.depth.setText(f"<small>{escape(catalog.protocol.depth_note[UI_LANG])}</small>")
        self.load_from_state()

    def load_from_state(self) -> None:
        self._syncing = True
        try:
            for (area_id, zone_id), item in self.items.items():
                area = self.state.catalog.area(area_id)
                chosen = area_id in self.state.areas
                zones = self.state.areas.get(area_id, set())
                if zone_id is None and not area.zones:
                    item.setCheckState(
                        0, Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked
                    )
                elif zone_id is not None:
                    on = chosen and (not zones or zone_id in zones)
                    item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        finally:
            self._syncing = False
        self._sync_map()

    def _tree_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if self._syncing:
            return
        self._read_tree()

    def _read_tree(self) -> None:
        catalog = self.state.catalog
        chosen: dict[str, set[str]] = {}
        for area in catalog.areas:
            item = self.items.get((area.id, None))
            if item is None:
                continue
            if area.zones:
                zones = {
                    z.id
                    for z in area.zones
                    if self.items[(area.id, z.id)].checkState(0) == Qt.CheckState.Checked
                }
                if zones:
                    chosen[area.id] = set() if len(zones) == len(area.zones) else zones
            elif item.checkState(0) == Qt.CheckState.Checked:
                chosen[area.id] = set()
        # keep the order in which areas were first chosen
        self.state.areas = {
            **{a: chosen[a] for a in self.state.areas if a in chosen},
            **{a: z for a, z in chosen.items() if a not in self.state.areas},
        }
        self._sync_map()
        self.changed()

    def _map_clicked(self, area_id: str, zone_id: str | None) -> None:
        item = self.items[(area_id, zone_id)]
        on = item.checkState(0) != Qt.CheckState.Checked
        item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.tree.setCurrentItem(item)

    def _show_chosen(self) -> None:
        """The caption lists everything chosen, in the order chosen."""
        from consult.domain.amendment import describe_area

        state = self.state
        chosen = [
            describe_area(state.catalog, choice.area_id, choice.zones, UI_LANG)
            for choice in sorted(
                state.area_choices(), key=lambda c: list(state.areas).index(c.area_id)
            )
        ]
        if chosen:
            self.caption.setText("<b>Chosen:</b> " + escape(" · ".join(chosen)))
        else:
            self.caption.setText("<b>Chosen:</b> nothing yet — click the map or tick the list.")

    def _sync_map(self) -> None:
        self._show_chosen()
        if self.map is None:
            return
        chosen = set()
        for area_id, zones in self.state.areas.items():
            area = self.state.catalog.area(area_id)
            chosen.add((area_id, None))
            for zone in area.zones:
                if not zones or zone.id in zones:
                    chosen.add((area_id, zone.id))
        self.map.set_chosen(chosen)

    def isComplete(self) -> bool:
        return bool(self.state.areas)


# --------------------------------------------------------------------------- 4. concerns


class ConcernsPage(Page):
    def __init__(self):
        super().__init__()
        self.setTitle("Concerns")
        self.setSubTitle("For each area, tick what the patient wants to improve.")
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.missing.setStyleSheet(style.problem_css())
        self.missing.setAccessibleName("Why Next is not available yet")
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll)
        layout.addWidget(self.missing)
        self.checks: dict[tuple[str, str], QCheckBox] = {}
        self.completeChanged.connect(self._say_what_is_missing)

    def initializePage(self) -> None:
        state = self.state
        catalog = state.catalog
        host = QWidget()
        layout = QVBoxLayout(host)
        self.checks = {}
        for area_id in state.areas:
            area = catalog.area(area_id)
            box = QGroupBox(area.name[UI_LANG])
            grid = QGridLayout(box)
            chosen = state.concerns.setdefault(area_id, {})
            for row, concern_id in enumerate(area.concerns):
                concern = catalog.concern(concern_id)
                check = QCheckBox(concern.name[UI_LANG])
                check.setMinimumHeight(40)
                check.setAccessibleName(f"{area.name[UI_LANG]}: {concern.name[UI_LANG]}")
                check.setChecked(concern_id in chosen)
                grid.addWidget(check, row, 0)
                self.checks[(area_id, concern_id)] = check
                severity = self._combo(
                    "Severity",
                    [(s.id, s.name[UI_LANG]) for s in concern.severities],
                    chosen.get(concern_id, (None, None))[0],
                    check,
                )
                kind = self._combo(
                    "Kind",
                    [(k.id, k.name[UI_LANG]) for k in concern.kinds],
                    chosen.get(concern_id, (None, None))[1],
                    check,
                )
                for column, combo in ((1, severity), (2, kind)):
                    if combo is not None:
                        grid.addWidget(combo, row, column)

                def store(*_args, a=area_id, c=concern_id, chk=check, sev=severity, knd=kind):
                    values = state.concerns.setdefault(a, {})
                    if chk.isChecked():
                        values[c] = (
                            sev.currentData() if sev is not None else None,
                            knd.currentData() if knd is not None else None,
                        )
                    else:
                        values.pop(c, None)
                    for combo in (sev, knd):
                        if combo is not None:
                            combo.setEnabled(chk.isChecked())
                    self.changed()

                check.toggled.connect(store)
                for combo in (severity, kind):
                    if combo is not None:
                        combo.currentIndexChanged.connect(store)
                        combo.setEnabled(check.isChecked())
            grid.setColumnStretch(0, 1)
            layout.addWidget(box)
        layout.addStretch(1)
        self.scroll.setWidget(host)
        # forget concerns of areas no longer chosen
        for area_id in list(state.concerns):
            if area_id not in state.areas:
                del state.concerns[area_id]
        self._say_what_is_missing()

    @staticmethod
    def _combo(label, options, current, owner) -> QComboBox | None:
        if not options:
            return None
        combo = QComboBox()
        combo.addItem(f"{label}: not set", None)
        for value, text in options:
            combo.addItem(text, value)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.setAccessibleName(f"{label} for {owner.accessibleName()}")
        combo.setMinimumHeight(40)
        return combo

    def areas_without_concern(self) -> list[str]:
        state = self.state
        return [
            state.catalog.area(a).name[UI_LANG] for a in state.areas if not state.concerns.get(a)
        ]

    def _say_what_is_missing(self) -> None:
        missing = self.areas_without_concern()
        if not missing:
            self.missing.setText("")
        elif len(missing) == 1:
            self.missing.setText(f"To go on, tick at least one concern for: {missing[0]}.")
        else:
            self.missing.setText(
                "To go on, tick at least one concern for each area. Still without one: "
                + ", ".join(missing)
                + "."
            )

    def isComplete(self) -> bool:
        return bool(self.state.areas) and not self.areas_without_concern()


# --------------------------------------------------------------------------- 5. adjuncts


class AdjunctsPage(Page):
    def __init__(self):
        super().__init__()
        self.setTitle("Adjuncts")
        self.setSubTitle("Peels, facials and skincare that go with the plan (optional).")
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll)
        self.checks: dict[str, QCheckBox] = {}

    def initializePage(self) -> None:
        state = self.state
        catalog = state.catalog
        screening = state.screening()
        verdicts = all_eligibility(
            catalog,
            state.patient.fitzpatrick,
            screening.reason_ids(),
            list(state.areas),
            values=state.settings.placeholders,
        )
        wanted = [c.concern_id for a in state.area_choices() for c in a.concerns]
        suggested = suggestions(
            catalog, state.patient.fitzpatrick, wanted, list(state.areas), verdicts
        )
        host = QWidget()
        layout = QVBoxLayout(host)
        if suggested:
            note = QLabel(
                "★ marks what the catalog suggests for these concerns and this skin type, "
                "with why; the choice is yours."
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        self.checks = {}
        self.suggested = suggested
        for kind in catalog.adjunct_kinds:
            box = QGroupBox(kind.name[UI_LANG])
            box_layout = QVBoxLayout(box)
            for adjunct in (a for a in catalog.adjuncts if a.kind == kind.id):
                verdict = verdicts[adjunct.id]
                suggestion = suggested.get(adjunct.id)
                label = adjunct.name[UI_LANG] + ("  ★ suggested" if suggestion else "")
                check = QCheckBox(label)
                check.setMinimumHeight(40)
                check.setAccessibleName(adjunct.name[UI_LANG])
                check.setToolTip(adjunct.description[UI_LANG])
                if suggestion:
                    font = check.font()
                    font.setBold(True)
                    check.setFont(font)
                    check.setAccessibleDescription(f"Suggested: {suggestion.reason}")
                if not verdict.eligible:
                    check.setEnabled(False)
                    check.setChecked(False)
                    if adjunct.id in state.adjuncts:
                        state.adjuncts.remove(adjunct.id)
                    why = " ".join(verdict.reasons)
                    check.setAccessibleDescription(f"Not available: {why}")
                else:
                    check.setChecked(adjunct.id in state.adjuncts)
                check.toggled.connect(lambda on, a=adjunct.id: self._toggle(a, on))
                box_layout.addWidget(check)
                if not verdict.eligible:
                    words = "<i>Not available: " + escape(" ".join(verdict.reasons)) + "</i>"
                elif suggestion:
                    words = f"<b>Suggested:</b> {escape(suggestion.reason)}<br>" + escape(
                        adjunct.description[UI_LANG]
                    )
                else:
                    words = escape(adjunct.description[UI_LANG])
                detail = QLabel(words)
                detail.setWordWrap(True)
                detail.setIndent(28)
                detail.setEnabled(verdict.eligible)
                box_layout.addWidget(detail)
                self.checks[adjunct.id] = check
            layout.addWidget(box)
        layout.addStretch(1)
        self.scroll.setWidget(host)

    def _toggle(self, adjunct_id: str, on: bool) -> None:
        adjuncts = self.state.adjuncts
        if on and adjunct_id not in adjuncts:
            adjuncts.append(adjunct_id)
        elif not on and adjunct_id in adjuncts:
            adjuncts.remove(adjunct_id)
        self.changed()


# --------------------------------------------------------------------------- 6. plan


class PlanPage(Page):
    DEFAULT_TIME = time(9, 0)

    def __init__(self):
        super().__init__()
        self.setTitle("Plan")
        self.setSubTitle("Check the dates and book the times. Changes update the plan at once.")
        self.start = QDateEdit()
        self.start.setDisplayFormat(qt_date_format())
        self.start.setCalendarPopup(True)
        self.start.setAccessibleName("Date of the first session")
        self.count = QSpinBox()
        self.count.setAccessibleName("Number of sessions")
        self.count.setMinimumHeight(36)
        self.count.setMinimumWidth(80)
        self.bounds = QLabel()
        self.book = QCheckBox("Book at")
        self.book.setAccessibleName("Book the appointments at a time of day")
        self.time = SlotBox()
        self.time.setAccessibleName("Time of day of the appointments")
        self.time.setToolTip("Every appointment at this time; change one in the table below")
        self.time_note = QLabel()
        form = QFormLayout()
        start_label = QLabel("Fi&rst session:")
        start_label.setBuddy(self.start)
        count_label = QLabel("&Sessions:")
        count_label.setBuddy(self.count)
        start_row = QHBoxLayout()
        start_row.addWidget(self.start)
        start_row.addStretch(1)
        form.addRow(start_label, start_row)
        count_row = QHBoxLayout()
        count_row.addWidget(self.count)
        count_row.addWidget(self.bounds, 1)
        form.addRow(count_label, count_row)
        time_label = QLabel("&Time:")
        time_label.setBuddy(self.book)
        time_row = QHBoxLayout()
        time_row.addWidget(self.book)
        time_row.addWidget(self.time)
        time_row.addWidget(self.time_note, 1)
        form.addRow(time_label, time_row)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Date", "Time", "Appointment"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        # Rows tall enough for the time boxes in them (touch-sized, like every control).
        self.table.verticalHeader().setDefaultSectionSize(style.TOUCH_HEIGHT + 2)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Planned appointments")
        self.table.setTabKeyNavigation(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Plan status")
        self.rules = QLabel()
        self.rules.setWordWrap(True)
        self.rules.setTextFormat(Qt.TextFormat.RichText)
        self.rules.setAccessibleName("Rules applied, with their sources")
        self.results = QLabel()
        self.results.setWordWrap(True)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(f"color: {style.colour('caution')};")
        self.warnings.setAccessibleName("Plan warnings")
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes for the record (not printed on the patient's plan)")
        self.notes.setAccessibleName("Provider notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(80)
        notes_label = QLabel("N&otes:")
        notes_label.setBuddy(self.notes)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.results)
        layout.addWidget(self.warnings)
        layout.addWidget(self.rules)
        layout.addWidget(notes_label)
        layout.addWidget(self.notes)
        self.start.dateChanged.connect(self._store)
        self.count.valueChanged.connect(self._store)
        self.notes.textChanged.connect(self._store)
        self.book.toggled.connect(self._store)
        self.time.timeChanged.connect(self._store)
        self.row_times: dict[str, SlotBox] = {}
        self._loading = False

    def initializePage(self) -> None:
        state = self.state
        bounds = session_bounds(
            state.catalog, [c for a in state.area_choices() for c in a.concerns]
        )
        if state.start_date is None:
            state.start_date = state.settings.calendar.next_open_day(state.today)
        if state.session_count is None or not bounds.low <= state.session_count <= bounds.high:
            state.session_count = bounds.recommended
        self._loading = True
        self.start.setMinimumDate(to_qdate(state.today))
        self.start.setDate(to_qdate(state.start_date))
        self.count.setRange(bounds.low, bounds.high)
        self.count.setValue(state.session_count)
        self.book.setChecked(state.appointment_time is not None)
        self.time.setTime(QTime(state.appointment_time or self.DEFAULT_TIME))
        if self.notes.toPlainText() != state.notes:
            self.notes.setPlainText(state.notes)
        self.bounds.setText(
            f"recommended {bounds.recommended} for the chosen concerns "
            f"(from {bounds.low} to {bounds.high}), every {state.settings.interval_weeks} weeks"
        )
        self._loading = False
        self.refresh()

    def _store(self) -> None:
        if self._loading:
            return
        state = self.state
        state.start_date = from_qdate(self.start.date())
        state.session_count = self.count.value()
        state.notes = self.notes.toPlainText()
        state.appointment_time = self.time.time().toPython() if self.book.isChecked() else None
        self.refresh()
        self.changed()

    def _row_time_changed(self, key: str, value: QTime) -> None:
        """One appointment at its own time; back at the usual time, it follows the usual."""
        if self._loading:
            return
        state = self.state
        chosen = value.toPython()
        if chosen == state.appointment_time:
            state.times.pop(key, None)
        else:
            state.times[key] = chosen
        self.refresh()
        self.changed()

    def refresh(self) -> None:
        state = self.state
        plan = state.plan()
        catalog = state.catalog
        self.status.setText(f"<b>{escape(status_text(plan))}</b>")
        self.start.setEnabled(not plan.not_treating)
        self.count.setEnabled(not plan.not_treating)
        rules = rules_html(catalog, plan)
        self.rules.setText(f"<b>Rules applied:</b>{rules}" if rules else "")
        self.book.setEnabled(not plan.not_treating)
        self.time.setEnabled(self.book.isChecked() and not plan.not_treating)
        own = len(state.times)
        self.time_note.setText(
            "no time booked yet: the plan shows the dates only"
            if state.appointment_time is None
            else (f"every appointment, {own} at its own time" if own else "every appointment")
        )
        proposed = "Proposed: " if plan.provisional else ""
        rows = [
            (s.date, s.time, s.key, f"{proposed}Microneedling session {s.number}")
            for s in plan.sessions
        ]
        rows += [
            (v.date, v.time, v.key, catalog.adjunct(v.adjunct_id).name[UI_LANG])
            for v in plan.adjunct_visits
        ]
        rows.sort(key=lambda r: r[0])
        self._loading = True
        try:
            self.table.setRowCount(len(rows))
            self.row_times = {}
            for row, (day_, at, key, what) in enumerate(rows):
                self.table.setItem(row, 0, QTableWidgetItem(dates.day(day_)))
                if state.appointment_time is None:
                    self.table.removeCellWidget(row, 1)
                    self.table.setItem(row, 1, QTableWidgetItem("—"))
                else:
                    self.table.setItem(row, 1, QTableWidgetItem(""))
                    edit = SlotBox(at or state.appointment_time)
                    edit.setFrame(False)
                    edit.setAccessibleName(f"Time of {what} on {dates.day(day_)}")
                    edit.timeChanged.connect(partial(self._row_time_changed, key))
                    if key in state.times:
                        font = edit.font()
                        font.setBold(True)
                        edit.setFont(font)
                        edit.setToolTip("At its own time (the others follow the usual time)")
                    self.table.setCellWidget(row, 1, edit)
                    self.row_times[key] = edit
                self.table.setItem(row, 2, QTableWidgetItem(what))
        finally:
            self._loading = False
        self.table.resizeColumnsToContents()
        ongoing = [catalog.adjunct(a).name[UI_LANG] for a in plan.ongoing_adjuncts]
        low, high = catalog.protocol.results_months
        if plan.results_from is None:
            text = "No sessions are planned."
        else:
            text = (
                f"Results: usually best around {dates.month_year(plan.results_from, UI_LANG)} "
                f"to {dates.month_year(plan.results_to, UI_LANG)} ({low}–{high} months after "
                "the last session)."
            )
        if ongoing:
            text += " At home: " + ", ".join(ongoing) + "."
        self.results.setText(text)
        self.warnings.setText("\n".join(f"⚠ {w.message}" for w in plan.warnings))


# --------------------------------------------------------------------------- 7. review


class ReviewPage(Page):
    def __init__(self):
        super().__init__()
        self.setTitle("Finish")
        self.setSubTitle("Check the summary, then Finish to save the plan and preview it.")
        self.summary = QTextBrowser()
        self.summary.setAccessibleName("Summary of the consultation")
        self.reason_box = QGroupBox("Why is the consultation amended?")
        reason_layout = QVBoxLayout(self.reason_box)
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Reason for the amendment")
        self.reason.setPlaceholderText(
            "For example: the patient asked to add the neck; sessions moved to mornings."
        )
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(70)
        self.reason.textChanged.connect(self._store_reason)
        reason_layout.addWidget(self.reason)
        self.reason_box.hide()
        self.blocker = QLabel()
        self.blocker.setWordWrap(True)
        self.blocker.setStyleSheet(style.problem_css())
        self.blocker.setAccessibleName("Why the consultation cannot be finished yet")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.reason_box)
        layout.addWidget(self.blocker)
        self.setFinalPage(True)

    @property
    def replaces(self):
        wizard = self.wizard()
        return getattr(wizard, "replaces", None) if wizard is not None else None

    def initializePage(self) -> None:
        state = self.state
        catalog = state.catalog
        plan = state.plan()
        screening = plan.screening
        replaces = self.replaces
        parts = []
        if replaces is not None:
            old, old_plan = replaces
            self.setTitle("Finish the amendment")
            self.setSubTitle(
                "The amendment is saved as a new revision; the one it replaces stays readable."
            )
            try:
                now = state.consultation()
            except ValidationError:  # the patient's details are not whole yet
                now = replace(old, patient=old.patient)
            changed = changes(
                catalog,
                old,
                now,
                old_plan,
                plan,
                describe_day=dates.day,
                describe_language=dates.language_name,
            )
            parts.append(
                f"<p><b>Amending consultation #{old.id} of {escape(dates.day(old.date))}.</b> "
                + (
                    "What changes:</p><ul>"
                    + "".join(f"<li>{escape(line)}</li>" for line in changed)
                    + "</ul>"
                    if changed
                    else "Nothing is changed yet: go back to a step (left) to change it.</p>"
                )
            )
            self.reason_box.show()
            if self.reason.toPlainText() != state.amend_reason:
                self.reason.blockSignals(True)
                self.reason.setPlainText(state.amend_reason)
                self.reason.blockSignals(False)
        who = state.patient
        born = dates.long_date(who.date_of_birth, UI_LANG) if who.date_of_birth else "?"
        outcome_colour = style.colour(outcomes.look(screening.outcome).colour)
        parts += [
            f"<h3>{escape(who.name)}</h3>",
            f"<p>Born {escape(born)} · skin type {ROMAN.get(who.fitzpatrick or 0, '?')}"
            f" · plan in {escape(dates.language_name(who.language))}"
            f" · provider {escape(state.provider)}</p>",
            f"<p><b>Screening:</b> <b style='color:{outcome_colour}'>"
            f"{escape(screening.outcome.label)}</b>"
            + (" (overridden with a written reason)" if screening.overridden else "")
            + "</p>",
            f"<p><b>{escape(status_text(plan))}</b></p>",
        ]
        needed = needed_documents(catalog, plan)
        if needed:
            titles = "; ".join(d.title[UI_LANG] for d in needed)
            parts.append(
                f"<p style='color:{style.colour('clearance')}'><b>Consent needed</b> before the "
                f"first session: {escape(titles)}. The patient reads and signs after Finish "
                "(Sign consent… on the preview, or Consent… on the main window).</p>"
            )
        parts.append("<p><b>Treating:</b></p><ul>")
        for choice in plan.areas:
            where = describe_area(catalog, choice.area_id, choice.zones, UI_LANG)
            concerns = ", ".join(describe_concern(catalog, c, UI_LANG) for c in choice.concerns)
            parts.append(f"<li><b>{escape(where)}</b>: {escape(concerns)}</li>")
        parts.append("</ul>")
        if plan.adjuncts:
            names = ", ".join(catalog.adjunct(a).name[UI_LANG] for a in plan.adjuncts)
            parts.append(f"<p><b>Adjuncts:</b> {escape(names)}</p>")
        if plan.sessions:
            proposed = "proposed " if plan.provisional else ""
            at = (
                f", at {dates.time_of_day(state.appointment_time)}"
                + (f" ({len(state.times)} at another time)" if state.times else "")
                if state.appointment_time
                else ", times not booked yet"
            )
            parts.append(
                f"<p><b>{len(plan.sessions)} sessions</b>, {proposed}from "
                f"{escape(long_date(plan.first_session))} to "
                f"{escape(long_date(plan.last_session))}{escape(at)}; results usually best "
                f"around {escape(dates.month_year(plan.results_from, UI_LANG))} to "
                f"{escape(dates.month_year(plan.results_to, UI_LANG))}.</p>"
            )
        rules = rules_html(catalog, plan)
        if rules:
            parts.append(f"<p><b>Rules applied:</b></p>{rules}")
        if plan.warnings:
            parts.append("<p><b>Warnings:</b></p><ul>")
            parts += [f"<li>{escape(w.message)}</li>" for w in plan.warnings]
            parts.append("</ul>")
        self.summary.setHtml("".join(parts))
        self.refresh_blocker()

    def _store_reason(self) -> None:
        self.state.amend_reason = self.reason.toPlainText()
        self.refresh_blocker()
        self.changed()

    def problems(self) -> list[str]:
        screening = self.state.screening()
        problems = []
        if not screening.complete:
            problems.append("Some screening questions are not answered.")
        problems += self.state.patient_problems()
        if self.replaces is not None:
            problem = reason_problem(self.state.amend_reason)
            if problem:
                problems.append(problem)
        return problems

    def refresh_blocker(self) -> None:
        self.blocker.setText("\n".join(self.problems()))

    def isComplete(self) -> bool:
        return not self.problems()
