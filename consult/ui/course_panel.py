"""The treatment course on screen: Today's list, a course's timeline, and the dialogs that
move its dates or record its review. The rules are the application's (``clinic.course``);
these widgets show its answers and pass on what the provider chose."""

from __future__ import annotations

from datetime import date, time
from html import escape

from PySide6.QtCore import QDate, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from consult.app.course import CourseView, TodayList, TodayRow
from consult.domain.course import Kind, State
from consult.domain.visit import (
    NEXT_STEP_WORDS,
    NEXT_STEPS,
    REVIEW_SCALE,
    REVIEW_SCALE_WORDS,
    SATISFACTION,
    SATISFACTION_WORDS,
    Review,
    review_keys,
)
from consult.report import dates
from consult.ui import style
from consult.ui.wizard.pages import SlotBox


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


# --------------------------------------------------------------------------- Today


class TodayPanel(QWidget):
    """Who is due today and in the next days; Enter or a double click on a row opens the
    patient and starts the visit (``start_visit``), a single click opens the patient."""

    start_visit = Signal(object)  # a TodayRow
    open_patient = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setAccessibleName("Today")
        layout.addWidget(self.heading)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["When", "Patient", "Appointment", "Consent", "Needs attention"])
        self.tree.setAccessibleName("Patients due")
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.itemActivated.connect(self._activated)
        self.tree.currentItemChanged.connect(self._current)
        layout.addWidget(self.tree, 1)
        self.start_button = QPushButton("&Start visit")
        self.start_button.setToolTip("Check the selected patient in for their session (Enter)")
        self.start_button.setEnabled(False)
        self.start_button.clicked.connect(self._start_selected)
        layout.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignRight)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout.addWidget(self.note)

    def show_loading(self, day: date) -> None:
        self.heading.setText(f"<h2>Today · {escape(dates.day(day))}</h2>Looking for who is due…")

    def show_list(self, listed: TodayList) -> None:
        self.tree.clear()
        total = len(listed.today) + len(listed.week)
        self.heading.setText(
            f"<h2>Today · {escape(dates.day(listed.day))}</h2>"
            f"{len(listed.today)} due today, {len(listed.week)} in the next days, "
            f"{len(listed.attention)} need attention."
        )
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for title, rows in (
            ("Today", listed.today),
            ("Next days", listed.week),
            ("Needs attention", listed.attention),
        ):
            if not rows:
                continue
            group = QTreeWidgetItem([f"{title} ({len(rows)})"])
            group.setFont(0, bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(group)
            for row in rows:
                self.tree.addTopLevelItem(self._item(row, title == "Today"))
        first = next(
            (
                self.tree.topLevelItem(i)
                for i in range(self.tree.topLevelItemCount())
                if self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) is not None
            ),
            None,
        )
        if first is not None:
            self.tree.setCurrentItem(first)
        self.note.setText(
            "Nobody is due today or in the next days."
            if total == 0 and not listed.attention
            else (
                f"{listed.left_out} more courses were not looked at: search for the patient."
                if listed.left_out
                else ""
            )
        )

    def _item(self, row: TodayRow, today: bool) -> QTreeWidgetItem:
        when = dates.time_of_day(row.time) if row.time else "—"
        if not today:
            when = f"{dates.day(row.day)} {when if row.time else ''}".strip()
        consent = ""
        if row.kind is Kind.SESSION:
            consent = "✓ signed" if row.consent_ok else "✗ needed"
        attention = list(row.attention)
        if row.checked_in:
            attention.insert(0, "Checked in, waiting")
        item = QTreeWidgetItem([when, row.patient_name, row.what, consent, "; ".join(attention)])
        item.setData(0, Qt.ItemDataRole.UserRole, row)
        item.setToolTip(3, row.consent)
        colour = style.colour("proceed" if row.consent_ok else "danger")
        if row.kind is Kind.SESSION:
            item.setForeground(3, QColor(colour))
        if attention:
            item.setForeground(4, QColor(style.colour("danger")))
        return item

    def selected(self) -> TodayRow | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def _current(self, current, _previous) -> None:
        row = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        self.start_button.setEnabled(row is not None and row.kind is Kind.SESSION)

    def _activated(self, item, _column) -> None:
        row = item.data(0, Qt.ItemDataRole.UserRole)
        if row is not None:
            self.start_visit.emit(row)

    def _start_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.start_visit.emit(row)


# --------------------------------------------------------------------------- the timeline

LOOKS = {
    "done": ("proceed", "●"),
    "next": ("caution", "◆"),
    "planned": ("pending", "○"),
    "cancelled": ("pending", "✕"),
    "missed": ("danger", "▲"),
    "not treated": ("danger", "■"),
    "review": ("clearance", "★"),
}


def marks(view: CourseView) -> list[tuple[date, str, str]]:
    """(day, look, label) of everything on a course's timeline, in order."""
    state = view.state
    upcoming = state.next_session()
    found = []
    for a in state.appointments:
        if a.kind is Kind.ADJUNCT:
            continue
        if a.kind is Kind.REVIEW:
            look = "done" if a.state is State.DONE else "review"
            label = "Review" + (" ✓" if a.state is State.DONE else "")
        elif a.state is State.DONE:
            look, label = "done", f"S{a.ordinal}"
        elif a.state is State.CANCELLED:
            look, label = "cancelled", f"S{a.number}✕"
        elif upcoming is not None and a.key == upcoming.key:
            look, label = "next", f"S{a.ordinal} next"
        else:
            look, label = "planned", f"S{a.ordinal}"
        found.append((a.day, look, label))
    for h in state.happenings:
        found.append((h.day, h.what, "missed" if h.what == "missed" else "stopped"))
    return sorted(found, key=lambda m: m[0])


class CourseTimeline(QWidget):
    """The course drawn as a line: done, next, missed, the review — each with its own shape
    as well as colour (told apart without colour too), its date under it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view: CourseView | None = None
        self.today: date | None = None
        self.setMinimumHeight(86)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Course timeline")

    def show_course(self, view: CourseView | None, today: date) -> None:
        self.view, self.today = view, today
        if view is not None:
            done, total = view.state.done, view.state.total
            self.setAccessibleDescription(
                f"{done} of {total} sessions done; "
                + "; ".join(f"{label} {d.isoformat()}" for d, _, label in marks(view))
            )
        self.update()

    def paintEvent(self, _event) -> None:
        if self.view is None:
            return
        found = marks(self.view)
        if not found:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        margin, width = 40, self.width() - 80
        first, last = found[0][0], found[-1][0]
        span = max((last - first).days, 1)
        y = 34
        painter.setPen(QPen(QColor(style.colour("pending")), 2))
        painter.drawLine(margin, y, margin + width, y)

        def x_of(day: date) -> float:
            return margin + width * (day - first).days / span

        if self.today is not None and first <= self.today <= last:
            tx = x_of(self.today)
            painter.setPen(QPen(QColor(style.colour("caution")), 1, Qt.PenStyle.DashLine))
            painter.drawLine(int(tx), 8, int(tx), y + 12)
            painter.drawText(QRectF(tx - 30, 0, 60, 12), Qt.AlignmentFlag.AlignCenter, "today")
        font = QFont(self.font())
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() * 0.85, 7))
        last_label_x = -1000.0
        for day, look, label in found:
            colour, glyph = LOOKS[look]
            x = x_of(day)
            painter.setPen(QColor(style.colour(colour)))
            big = QFont(font)
            big.setPointSizeF(font.pointSizeF() * 1.5)
            painter.setFont(big)
            painter.drawText(QRectF(x - 12, y - 14, 24, 28), Qt.AlignmentFlag.AlignCenter, glyph)
            if x - last_label_x > 54:  # no two labels on top of each other
                painter.setFont(small)
                painter.drawText(
                    QRectF(x - 40, y + 14, 80, 16), Qt.AlignmentFlag.AlignCenter, label
                )
                painter.drawText(
                    QRectF(x - 40, y + 30, 80, 16),
                    Qt.AlignmentFlag.AlignCenter,
                    day.strftime("%d %b"),
                )
                last_label_x = x
        painter.end()


# --------------------------------------------------------------------------- dialogs


class DateDialog(QDialog):
    """A new date (and time) for a session or the review, with why: reschedule, or rebook
    a missed session; or, for a cancellation, only why."""

    def __init__(self, title: str, text: str, proposed: date | None, at: time | None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        intro = QLabel(text)
        intro.setWordWrap(True)
        form.addRow(intro)
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setAccessibleName("New date")
        self.time = SlotBox(at)
        self.time.setAccessibleName("New time")
        if proposed is not None:
            self.day.setDate(_qdate(proposed))
            form.addRow("New &date:", self.day)
            form.addRow("New &time:", self.time)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        form.addRow("&Why:", self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.has_date = proposed is not None

    def chosen(self) -> tuple[date | None, time | None, str]:
        at = self.time.time()
        return (
            self.day.date().toPython() if self.has_date else None,
            at.toPython() if at.isValid() and self.has_date else None,
            self.reason.text(),
        )


class ReviewDialog(QDialog):
    """The results review: each concern's questions on a scale, satisfaction, what next."""

    def __init__(self, view: CourseView, catalog, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Results review")
        form = QFormLayout(self)
        intro = QLabel(
            f"{escape(view.item.patient.name)}: how have the treated concerns changed since "
            "the course began? Ask, and compare the photographs where there are some."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.boxes: dict[str, QComboBox] = {}
        for key, question in review_keys(catalog, view.plan):
            box = QComboBox()
            box.addItem("— choose —", "")
            for value in REVIEW_SCALE:
                box.addItem(REVIEW_SCALE_WORDS[value], value)
            box.setAccessibleName(question)
            label = QLabel(question)
            label.setWordWrap(True)
            form.addRow(label, box)
            self.boxes[key] = box
        self.satisfied = QComboBox()
        self.satisfied.addItem("— choose —", "")
        for value in SATISFACTION:
            self.satisfied.addItem(SATISFACTION_WORDS[value], value)
        form.addRow("&Satisfied:", self.satisfied)
        self.next_step = QComboBox()
        self.next_step.addItem("— choose —", "")
        for value in NEXT_STEPS:
            self.next_step.addItem(NEXT_STEP_WORDS[value], value)
        form.addRow("&Next:", self.next_step)
        self.notes = QLineEdit()
        self.notes.setAccessibleName("Notes")
        form.addRow("N&otes:", self.notes)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def review(self) -> Review:
        return Review(
            {k: b.currentData() for k, b in self.boxes.items()},
            self.satisfied.currentData(),
            self.next_step.currentData(),
            self.notes.text(),
        )


class LotDialog(QDialog):
    """A manufacturer's recall: every patient treated with a cartridge lot."""

    def __init__(self, clinic, parent=None):
        super().__init__(parent)
        self.clinic = clinic
        self.setWindowTitle("Lot recall")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Type the lot number from the manufacturer's notice: every signed-off session that "
            "used it is listed with the patient's phone, to call them. The search is recorded "
            "in the audit trail."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.lot = QLineEdit()
        self.lot.setAccessibleName("Lot number")
        self.lot.returnPressed.connect(self.search)
        form.addRow("&Lot:", self.lot)
        layout.addLayout(form)
        self.result = QTreeWidget()
        self.result.setRootIsDecorated(False)
        self.result.setHeaderLabels(
            ["Date", "Patient", "Born", "Phone", "Session", "Device", "Lot", "Expiry", "Provider"]
        )
        self.result.setAccessibleName("Patients treated with the lot")
        layout.addWidget(self.result, 1)
        self.count = QLabel()
        layout.addWidget(self.count)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        find = buttons.addButton("&Find", QDialogButtonBox.ButtonRole.ActionRole)
        find.clicked.connect(self.search)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, 500)

    def search(self) -> None:
        from consult.app.errors import plain_error
        from consult.ui import dialogs

        try:
            rows = self.clinic.course.lots(self.lot.text())
        except Exception as exc:
            explained = plain_error(exc)
            dialogs.error(self, explained.title or "Not found", explained.message)
            return
        names = {d.id: d.name for d in self.clinic.catalog.devices}
        self.result.clear()
        for r in rows:
            self.result.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        dates.day(r.day),
                        r.name,
                        dates.day(r.date_of_birth),
                        r.phone,
                        str(r.session or ""),
                        names.get(r.device, r.device),
                        r.lot,
                        dates.day(r.lot_expiry) if r.lot_expiry else "",
                        r.provider,
                    ]
                )
            )
        patients = len({r.patient_id for r in rows})
        self.count.setText(f"{len(rows)} session(s), {patients} patient(s).")
