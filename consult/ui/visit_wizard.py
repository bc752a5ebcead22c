"""A session visit: check-in → treatment record → next. Keyboard-first like the consultation
(a step list on the left, Alt+Right / Alt+Left for Next / Back).

The wizard holds no rule: every check is the application's (``clinic.course``): the check-in
(``assess``), the record (``sign`` refuses what is wrong, in plain words) and the next date.
An assistant's account sees the check-in only, and saves it for the provider.
"""

from __future__ import annotations

from datetime import date, time
from functools import partial
from html import escape

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from consult.app.course import CourseDesk, VisitStart
from consult.domain.model import Answer
from consult.domain.visit import TreatmentRecord, ZoneDepth, depth_range, treated_zones, zone_name
from consult.report import dates
from consult.ui import style
from consult.ui.wizard.pages import ANSWER_IDS, ANSWER_LABELS, DateLineEdit, SlotBox, parse_day
from consult.ui.wizard.steps import StepList

STEPS = ["Check-in", "Treatment", "Next"]


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class CheckInPage(QWizardPage):
    def __init__(self, wizard: VisitWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Check-in: has anything changed since last time?")
        self.setSubTitle(
            "Ask each question again. The last answers are filled in; change any that changed."
        )
        layout = QVBoxLayout(self)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setAccessibleName("Check-in outcome")
        self.banner.setObjectName("checkin-banner")
        layout.addWidget(self.banner)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        host = QWidget()
        grid = QGridLayout(host)
        grid.setColumnStretch(0, 1)
        self.groups: dict[str, QButtonGroup] = {}
        values = wizard.desk.store.clinic.settings().placeholders
        for row, question in enumerate(wizard.desk.catalog.questions):
            asked = question.ask("en", values)
            label = QLabel(f"{row + 1}. {asked}")
            label.setWordWrap(True)
            grid.addWidget(label, row, 0)
            group = QButtonGroup(self)
            for answer, column in ANSWER_IDS.items():
                button = QRadioButton(ANSWER_LABELS[answer])
                button.setAccessibleName(f"{ANSWER_LABELS[answer]}: {asked}")
                group.addButton(button, column)
                grid.addWidget(button, row, column)
            current = wizard.answers.get(question.id)
            if current is not None:
                group.button(ANSWER_IDS[Answer(current)]).setChecked(True)
            group.idToggled.connect(partial(self._toggled, question.id))
            self.groups[question.id] = group
        scroll.setWidget(host)
        layout.addWidget(scroll, 1)
        self.refresh()

    def _toggled(self, question_id: str, button_id: int, checked: bool) -> None:
        if not checked:
            return
        answers = {number: answer for answer, number in ANSWER_IDS.items()}
        self.w.answers[question_id] = answers[button_id]
        self.refresh()
        self.completeChanged.emit()

    def refresh(self) -> None:
        start = self.w.start
        result = self.w.desk.assess(start, self.w.answers)
        lines = [f"<b style='font-size:large'>{escape(start.label)} · {escape(self.w.patient)}</b>"]
        colour = style.colour("proceed")
        if start.blockers:
            colour = style.colour("danger")
            lines += [f"<b>{escape(b)}</b>" for b in start.blockers]
        if not result.screening.complete:
            lines.append(f"{len(result.screening.unanswered)} question(s) not answered yet.")
        elif result.stops:
            colour = style.colour("danger")
            lines.append("<b>Stop: this visit cannot go on.</b>")
            lines += [f"• {escape(s)}" for s in result.stops]
        else:
            lines.append("<b>No stop: the session may go on.</b>")
        if result.cautions:
            lines += [f"• {escape(c)}" for c in result.cautions]
        if result.changed:
            lines.append(f"Changed since last time: {len(result.changed)} answer(s).")
        consent = start.consent
        lines.append(escape(consent.summary()))
        self.banner.setText("<br>".join(lines))
        self.banner.setStyleSheet(
            f"QLabel#checkin-banner {{ border: 2px solid {colour}; border-left: 8px solid "
            f"{colour}; border-radius: 6px; padding: 6px; }}"
        )
        self.w.refresh_buttons()

    def isComplete(self) -> bool:
        result = self.w.desk.assess(self.w.start, self.w.answers)
        return result.may_treat and not self.w.start.blockers and self.w.provider_may_chart

    def nextId(self) -> int:
        return 1


class RecordPage(QWizardPage):
    def __init__(self, wizard: VisitWizard):
        super().__init__()
        self.w = wizard
        catalog = wizard.desk.catalog
        self.setTitle("Treatment record")
        self.setSubTitle(
            "Depths within the suggested range and the device's labelled maximum; outside "
            "them, write why in the reason column."
        )
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        host = QWidget()
        form = QFormLayout(host)
        self.device = QComboBox()
        for device in catalog.devices:
            self.device.addItem(f"{device.name} (max {device.max_depth_mm:g} mm)", device.id)
        self.device.currentIndexChanged.connect(self._device_changed)
        form.addRow("&Device:", self.device)
        self.cartridge = QComboBox()
        form.addRow("&Cartridge:", self.cartridge)
        self.lot = QLineEdit()
        self.lot.setAccessibleName("Cartridge lot number")
        self.lot.setPlaceholderText("As printed on the cartridge's pouch")
        form.addRow("&Lot:", self.lot)
        # Typed from the pouch, never filled in: an expiry nobody read would let an expired
        # cartridge through.
        self.expiry = DateLineEdit()
        self.expiry.setInputMask("0000-00-00;_")
        self.expiry.setPlaceholderText("yyyy-mm-dd")
        self.expiry.setAccessibleName("Cartridge expiry date (yyyy-mm-dd)")
        form.addRow("E&xpiry:", self.expiry)
        self.zones = treated_zones(catalog, wizard.start.view.plan)
        self.table = QTableWidget(len(self.zones), 4)
        self.table.setHorizontalHeaderLabels(["Zone (suggested)", "Depth mm", "Passes", "Reason"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Depth per treated zone")
        self.depths: list[QDoubleSpinBox] = []
        self.passes: list[QSpinBox] = []
        self.reasons: list[QLineEdit] = []
        for row, (area_id, zone_id) in enumerate(self.zones):
            suggested = depth_range(catalog, area_id, zone_id) or (0.25, 1.0)
            name = zone_name(catalog, area_id, zone_id)
            label = QLabel(f"{name} ({suggested[0]:g}–{suggested[1]:g})")
            self.table.setCellWidget(row, 0, label)
            depth = QDoubleSpinBox()
            depth.setRange(0.0, 3.0)
            depth.setSingleStep(0.25)
            depth.setDecimals(2)
            depth.setValue(suggested[0])
            depth.setAccessibleName(f"Depth, {name}")
            passes = QSpinBox()
            passes.setRange(1, 10)
            passes.setValue(2)
            passes.setAccessibleName(f"Passes, {name}")
            reason = QLineEdit()
            reason.setAccessibleName(f"Why outside the range, {name}")
            self.table.setCellWidget(row, 1, depth)
            self.table.setCellWidget(row, 2, passes)
            self.table.setCellWidget(row, 3, reason)
            self.depths.append(depth)
            self.passes.append(passes)
            self.reasons.append(reason)
        self.table.verticalHeader().setDefaultSectionSize(style.TOUCH_HEIGHT + 8)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, 110)
        self.table.setColumnWidth(2, 80)
        self.table.setMinimumHeight(min(36 + (style.TOUCH_HEIGHT + 8) * len(self.zones), 320))
        form.addRow("&Zones:", self.table)
        self.endpoint = self._combo(catalog.endpoints)
        form.addRow("&Endpoint:", self.endpoint)
        self.numbing = self._combo(catalog.numbing_agents)
        form.addRow("&Numbing:", self.numbing)
        numbing_row = QHBoxLayout()
        self.area = QSpinBox()
        self.area.setRange(0, 5000)
        self.area.setSuffix(" cm²")
        self.area.setValue(300)
        self.area.setAccessibleName("Area numbed")
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 120)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(catalog.protocol.numbing_minutes)
        self.minutes.setAccessibleName("Minutes numbed")
        numbing_row.addWidget(self.area)
        numbing_row.addWidget(self.minutes)
        numbing_row.addStretch(1)
        form.addRow("Area, minutes:", numbing_row)
        self.glide = self._combo(catalog.glide_products)
        form.addRow("&Glide:", self.glide)
        self.adjunct = QComboBox()
        self.adjunct.addItem("None", "")
        for adjunct in catalog.adjuncts:
            if adjunct.placement != "ongoing":
                self.adjunct.addItem(adjunct.name["en"], adjunct.id)
        form.addRow("Add-on &today:", self.adjunct)
        self.reaction = self._combo(catalog.reactions)
        form.addRow("&Reaction:", self.reaction)
        self.note = QLineEdit()
        self.note.setAccessibleName("Reaction note")
        form.addRow("Reaction n&ote:", self.note)
        self.aftercare = QCheckBox("&Aftercare explained and printed for the patient")
        self.aftercare.setChecked(True)
        form.addRow("", self.aftercare)
        self.provider = QComboBox()
        self.provider.setEditable(True)
        self.provider.addItems(wizard.providers)
        self.provider.setCurrentText(wizard.desk.actor())
        form.addRow("&Provider:", self.provider)
        self.room = QLineEdit()
        self.room.setAccessibleName("Room")
        form.addRow("Roo&m:", self.room)
        scroll.setWidget(host)
        outer.addWidget(scroll, 1)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(style.problem_css())
        self.problem.setAccessibleName("What the record still needs")
        outer.addWidget(self.problem)
        self._device_changed()
        for widget in (self.lot, self.expiry, self.note, self.room, *self.reasons):
            widget.textChanged.connect(lambda _t: self.completeChanged.emit())

    @staticmethod
    def _combo(choices) -> QComboBox:
        box = QComboBox()
        for choice in choices:
            box.addItem(choice.name, choice.id)
        return box

    def _device_changed(self) -> None:
        self.cartridge.clear()
        device_id = self.device.currentData()
        for device in self.w.desk.catalog.devices:
            if device.id == device_id:
                for cartridge in device.cartridges:
                    self.cartridge.addItem(cartridge.name, cartridge.id)

    def record(self) -> TreatmentRecord:
        return TreatmentRecord(
            device_id=self.device.currentData() or "",
            cartridge_id=self.cartridge.currentData() or "",
            lot=self.lot.text(),
            lot_expiry=parse_day(self.expiry.text()),
            zones=tuple(
                ZoneDepth(a, z, round(d.value(), 2), p.value(), r.text())
                for (a, z), d, p, r in zip(
                    self.zones, self.depths, self.passes, self.reasons, strict=True
                )
            ),
            endpoint=self.endpoint.currentData() or "",
            numbing_agent=self.numbing.currentData() or "",
            numbing_area_cm2=self.area.value(),
            numbing_minutes=self.minutes.value(),
            glide_product=self.glide.currentData() or "",
            adjunct_given=self.adjunct.currentData() or "",
            reaction=self.reaction.currentData() or "",
            reaction_note=self.note.text(),
            aftercare_given=self.aftercare.isChecked(),
            provider=self.provider.currentText(),
            room=self.room.text(),
        )

    def validatePage(self) -> bool:
        from consult.domain.visit import record_problems

        problems = record_problems(
            self.w.desk.catalog, self.record(), self.w.start.today, self.zones
        )
        self.problem.setText(" ".join(p.message for p in problems))
        return not problems


class NextPage(QWizardPage):
    def __init__(self, wizard: VisitWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Next session, and sign off")
        self.setSubTitle(
            "The next date is the course's, worked out from today; move it if the patient "
            "books another day. Signing off makes the visit final."
        )
        form = QFormLayout(self)
        after = wizard.desk.after_today(wizard.start)
        self.upcoming = after.next_session()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("After today")
        form.addRow(self.summary)
        self.next_day = QDateEdit()
        self.next_day.setCalendarPopup(True)
        self.next_day.setDisplayFormat("yyyy-MM-dd")
        self.next_day.setAccessibleName("Next session's date")
        self.next_time = SlotBox()
        self.next_time.setAccessibleName("Next session's time")
        if self.upcoming is not None:
            self.next_day.setDate(_qdate(self.upcoming.day))
            if self.upcoming.time is not None:
                from PySide6.QtCore import QTime

                self.next_time.setTime(QTime(self.upcoming.time))
            text = (
                f"Today: {escape(wizard.start.label)}. Next: "
                f"{escape(after.label(self.upcoming))} on {escape(dates.day(self.upcoming.day))}."
            )
        else:
            self.next_day.setEnabled(False)
            self.next_time.setEnabled(False)
            review = after.review
            text = f"Today: {escape(wizard.start.label)}, the last of the course." + (
                f" Results review around {escape(dates.day(review.day))}." if review else ""
            )
        self.summary.setText(text)
        form.addRow("Next &date:", self.next_day)
        form.addRow("Next &time:", self.next_time)
        self.print_after = QCheckBox("&Print today's aftercare with the updated plan")
        self.print_after.setChecked(True)
        form.addRow("", self.print_after)

    def next_date(self) -> tuple[date | None, time | None]:
        if self.upcoming is None:
            return None, None
        qtime = self.next_time.time()
        return self.next_day.date().toPython(), qtime.toPython() if qtime.isValid() else None


class VisitWizard(QWizard):
    """``signed`` carries the visit signed off; ``checked_in`` a check-in saved."""

    signed = Signal(object)
    checked_in = Signal(object)

    def __init__(
        self,
        desk: CourseDesk,
        start: VisitStart,
        providers: list[str],
        *,
        may_chart: bool,
        parent=None,
    ):
        super().__init__(parent)
        self.desk = desk
        self.start = start
        self.providers = providers
        self.provider_may_chart = may_chart
        self.answers: dict[str, Answer] = dict(start.last_answers)
        if start.view.checked_in is not None:
            self.answers = dict(start.view.checked_in.answers)
        self.patient = start.view.item.patient.name
        self.setWindowTitle(f"Session visit — {start.label}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton2, True)
        self.setButtonText(QWizard.WizardButton.CustomButton1, "&Save check-in")
        self.setButtonText(QWizard.WizardButton.CustomButton2, "S&top visit")
        self.button(QWizard.WizardButton.CustomButton1).setToolTip(
            "Keep the answers; the provider goes on with the treatment record"
        )
        self.button(QWizard.WizardButton.CustomButton2).setToolTip(
            "The check-in stops the visit: keep it as not treated, with the reasons"
        )
        self.customButtonClicked.connect(self._custom)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Sign off")
        self.check_in_page = CheckInPage(self)
        self.addPage(self.check_in_page)
        self.record_page: RecordPage | None = None
        self.next_page: NextPage | None = None
        if may_chart:
            self.record_page = RecordPage(self)
            self.next_page = NextPage(self)
            self.addPage(self.record_page)
            self.addPage(self.next_page)
        self.steps = StepList(STEPS if may_chart else STEPS[:1], self._go_to)
        self.setSideWidget(self.steps)
        self.currentIdChanged.connect(self._show_step)
        QShortcut(QKeySequence("Alt+Right"), self, self.forward)
        QShortcut(QKeySequence("Alt+Left"), self, self.back)
        self.resize(1000, 760)
        self.refresh_buttons()
        style.touch_size(self)
        self.stored = None

    def _show_step(self, page_id: int) -> None:
        if page_id >= 0:
            self.steps.show_step(self.pageIds().index(page_id))
        self.refresh_buttons()

    def _go_to(self, index: int) -> None:
        while self.pageIds().index(self.currentId()) > index:
            self.back()
        while self.pageIds().index(self.currentId()) < index:
            before = self.currentId()
            self.next()
            if self.currentId() == before:
                return

    def forward(self) -> None:
        for kind in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.NextButton):
            button = self.button(kind)
            if button.isVisible() and button.isEnabled():
                button.click()
                return

    def refresh_buttons(self) -> None:
        on_check_in = self.currentId() in (-1, 0)
        result = self.desk.assess(self.start, self.answers)
        save = self.button(QWizard.WizardButton.CustomButton1)
        stop = self.button(QWizard.WizardButton.CustomButton2)
        save.setVisible(on_check_in)
        stop.setVisible(on_check_in)
        save.setEnabled(result.screening.complete)
        stop.setEnabled(result.screening.complete and bool(result.stops))

    def _custom(self, which: int) -> None:
        from consult.app.errors import plain_error
        from consult.ui import dialogs

        try:
            if which == QWizard.WizardButton.CustomButton1.value:
                stored = self.desk.check_in(self.start, self.answers)
                self.checked_in.emit(stored)
            else:
                stored = self.desk.stop(self.start, self.answers)
                self.signed.emit(stored)
        except Exception as exc:
            explained = plain_error(exc)
            dialogs.error(self, explained.title or "Not saved", explained.message)
            return
        self.stored = stored
        self.done(QWizard.DialogCode.Accepted.value)

    def validateCurrentPage(self) -> bool:
        if not super().validateCurrentPage():
            return False
        if self.currentPage() is not self.next_page:
            return True
        from consult.app.errors import plain_error
        from consult.ui import dialogs

        assert self.record_page is not None and self.next_page is not None
        day, at = self.next_page.next_date()
        try:
            self.stored = self.desk.sign(
                self.start, self.answers, self.record_page.record(), day, at
            )
        except Exception as exc:
            explained = plain_error(exc)
            dialogs.error(self, explained.title or "Not signed off", explained.message)
            return False
        self.signed.emit(self.stored)
        return True

    @property
    def print_after(self) -> bool:
        return self.next_page is not None and self.next_page.print_after.isChecked()
