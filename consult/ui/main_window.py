"""The main window: patients, their consultations and plans, and the actions on them."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as clock_time
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from consult import __version__
from consult.app.clinic import RECENT_DAYS, Clinic, Session, plain_error
from consult.domain.access import Permission
from consult.domain.model import ROMAN, Consultation, Status
from consult.system.resources import resource_path
from consult.ui import dialogs, style
from consult.ui.fonts import use_bundled_fonts
from consult.ui.idle import CHECK_MS, IdleWatch
from consult.ui.lock_screen import LockScreen
from consult.ui.patient_model import PatientTableModel
from consult.ui.worker import run_in_background

if TYPE_CHECKING:
    from consult.app.drafts import Draft
    from consult.ui.wizard import ConsultationWizard

# The wizard, the preview (Qt PDF and printing) and the settings dialog are imported when
# first opened, not at start-up: the window shows sooner (see bench/).

SEARCH_DELAY_MS = 150
DRAFT_DELAY_MS = 1500


class MainWindow(QMainWindow):
    """The clinic's window. It shows patients only while an account is signed in and the
    screen is not locked; otherwise the lock screen covers it (see ``lock``).

    ``idle_clock`` and ``idle_check_ms``: the clock the automatic lock reads and how often
    (tests move a clock of their own instead of waiting); ``now``: the time the lock screen
    says it was locked at."""

    def __init__(
        self,
        clinic: Clinic,
        today: date | None = None,
        *,
        idle_clock: Callable[[], float] = time.monotonic,
        idle_check_ms: int = CHECK_MS,
        now: Callable[[], datetime] = datetime.now,
    ):
        super().__init__()
        self.clinic = clinic
        self.today = today or date.today()
        self._locked = True  # until someone is signed in
        self._stash: tuple[str, int | None] | None = None  # what a locked screen hid
        self._hidden: list[QWidget] = []  # the wizard and previews a lock hid
        self._draft_owner = ""
        self._now = now
        self.setWindowTitle(self._title())
        self.setWindowIcon(QIcon(str(resource_path("icons", "consult.svg"))))
        self.resize(1200, 760)
        self._search_serial = 0
        self._listed = ("", None, "")  # the list shown: what was typed, next page, its kind
        self._current_patient_id: int | None = None
        self._current_consultation: Consultation | None = None
        self._current_plan = None  # the selected consultation's plan, when it is current
        self._wizard: ConsultationWizard | None = None
        self._visit = None  # the session visit being charted (a VisitWizard), or None
        self._photo_window = None  # the shown patient's photos (a PhotoWindow), if open
        self._privacy_for_photos = False
        self._draft_key: str | None = None
        self._closed = False
        self._build_actions()
        # The patients' side is built when someone signs in: the window shows the sign-in
        # screen sooner, and nothing of a patient exists in it before then.
        self.body: QWidget | None = None
        self._build_lock_screen()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.run_search)
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self.who_label = QLabel()
        self.who_label.setAccessibleName("Signed in")
        self.statusBar().addPermanentWidget(self.who_label)
        # Every room on the clinic's server sees which records it is working on.
        self.records_label = QLabel()
        self.records_label.setAccessibleName("Records in use")
        if self.clinic.records_file is None:
            self.records_label.setText(f"·  {self.clinic.records_where.capitalize()}")
        self.statusBar().addPermanentWidget(self.records_label)
        self.idle = IdleWatch(self, clinic.settings().lock_minutes, idle_clock, idle_check_ms)
        self.idle.idle.connect(lambda: self.lock(f"idle {self.idle.minutes:g} minutes"))
        style.touch_size(self)
        session = clinic.session
        if session is not None and not session.locked:
            self._build_body()
            self._enter(fresh=True)
        else:
            self._show_lock_screen()

    # ------------------------------------------------------------------ building

    @property
    def wizard(self):
        """The consultation being entered (a ``ConsultationWizard``), or None."""
        return self._wizard

    @property
    def current_patient_id(self) -> int | None:
        """The patient shown on the right, or None."""
        return self._current_patient_id

    def open_records(self) -> None:
        """File → Records…: which records this computer uses from its next start."""
        from consult.app import records
        from consult.storage.database import default_path
        from consult.ui.records_dialog import RecordsDialog

        if not self.clinic.may(Permission.RESTORE):
            return
        try:
            server = records.current()
        except Exception as exc:
            self._explain(exc, "The records' location cannot be read")
            server = None
        dialog = RecordsDialog(self.clinic.records_file or default_path(), server, self)
        self.lockable(dialog)
        if dialogs.run_dialog(dialog) == RecordsDialog.DialogCode.Accepted and dialog.kept:
            dialogs.information(self, "Records", dialog.kept)

    def _records_in(self) -> str:
        if self.clinic.records_file is None:
            return self.clinic.records_where
        return f"records in {self.clinic.records_file}"

    def _title(self) -> str:
        clinic = self.clinic.settings().name
        return f"Consult — {clinic}" if clinic else "Consult"

    def _action(self, text, shortcut, slot, tip="") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setToolTip(tip or text.replace("&", ""))
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(
            "&New consultation",
            QKeySequence.StandardKey.New,
            self.new_consultation,
            "Start a consultation (Ctrl+N)",
        )
        self.find_action = self._action(
            "&Find patient",
            QKeySequence.StandardKey.Find,
            self.focus_search,
            "Search patients (Ctrl+F)",
        )
        self.print_action = self._action(
            "&Print plan…",
            QKeySequence.StandardKey.Print,
            self.print_current,
            "Preview and print the selected plan",
        )
        self.privacy_action = self._action(
            "&Hide other patients",
            QKeySequence("Ctrl+Shift+H"),
            self.toggle_privacy,
            "Hide every other patient while the patient looks at the screen (Ctrl+Shift+H)",
        )
        self.privacy_action.setCheckable(True)
        self.settings_action = self._action(
            "&Settings…", QKeySequence.StandardKey.Preferences, self.open_settings
        )
        self.records_action = self._action(
            "&Records…",
            None,
            self.open_records,
            "This computer's records file, or the clinic's server for every exam room",
        )
        self.lock_action = self._action(
            "&Lock",
            QKeySequence("Ctrl+L"),
            lambda: self.lock("Ctrl+L"),
            "Lock the screen now (Ctrl+L); you, or another provider, sign in again",
        )
        # Ctrl+L works from any window of the app (the consultation, a preview) too.
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.audit_action = self._action(
            "&Audit trail…", QKeySequence("Ctrl+Shift+A"), self.open_audit, "Who did what, and when"
        )
        self.accounts_action = self._action(
            "A&ccounts…", None, self.open_accounts, "Add, disable or change accounts"
        )
        self.today_action = self._action(
            "&Today",
            QKeySequence("Ctrl+T"),
            self.show_today,
            "Who is due today and in the next days (Ctrl+T)",
        )
        self.visit_action = self._action(
            "Start &visit",
            QKeySequence("Ctrl+Shift+V"),
            self.start_visit,
            "Check the patient in and chart today's session (Ctrl+Shift+V)",
        )
        self.lots_action = self._action(
            "Lot &recall…", None, self.open_lots, "Every patient treated with a cartridge lot"
        )
        self.about_action = self._action("&About consult", None, self.about)
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for action in (
            self.new_action,
            self.print_action,
            self.lots_action,
            None,
            self.settings_action,
            self.records_action,
            self.accounts_action,
            self.audit_action,
            None,
            self.lock_action,
            self.quit_action,
        ):
            file_menu.addSeparator() if action is None else file_menu.addAction(action)
        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.today_action)
        view_menu.addAction(self.find_action)
        view_menu.addAction(self.privacy_action)
        menu.addMenu("&Help").addAction(self.about_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.today_action,
            self.new_action,
            self.visit_action,
            self.find_action,
            self.print_action,
            self.privacy_action,
            self.settings_action,
            self.lock_action,
        ):
            toolbar.addAction(action)
        self.toolbar = toolbar

    def _build_body(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name, date of birth or phone")
        self.search.setAccessibleName("Search patients")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._focus_first_result)
        self.model = PatientTableModel(self)
        self.model.more_wanted.connect(self._fetch_more)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Patients")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTabKeyNavigation(False)
        self.table.selectionModel().currentRowChanged.connect(self._patient_selected)
        self.table.doubleClicked.connect(lambda _index: self.new_consultation())
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.table, 1)
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        self.count_label.setAccessibleName("What the list shows")
        left_layout.addWidget(self.count_label)

        self.header = QLabel("Choose a patient, or start a new consultation (Ctrl+N).")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setAccessibleName("Patient details")
        self.consultations = QTreeWidget()
        self.consultations.setHeaderLabels(["Consultation", "Status", "Provider", "Treating"])
        self.consultations.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.consultations.header().setStretchLastSection(True)
        self.consultations.setAccessibleName("Consultations and revisions")
        self.consultations.currentItemChanged.connect(self._consultation_selected)
        self.sessions = QTableWidget(0, 4)
        self.sessions.setHorizontalHeaderLabels(["Date", "Time", "Appointment", "Status"])
        sessions_header = self.sessions.horizontalHeader()
        sessions_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        sessions_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        sessions_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        sessions_header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.sessions.setWordWrap(False)  # a date is never wrapped nor cut
        self.sessions.verticalHeader().hide()
        self.sessions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sessions.setAccessibleName("Planned sessions")
        self.sessions.setTabKeyNavigation(False)
        self.open_button = QPushButton("&Open plan")
        self.amend_button = QPushButton("&Amend…")
        self.reprint_button = QPushButton("&Re-print…")
        self.clearance_button = QPushButton("Record &clearance…")
        self.clearance_button.setToolTip(
            "Record a doctor's clearance of a provisional plan: who, when, a note; the plan "
            "can then be printed with confirmed dates."
        )
        self.seen_button = QPushButton("&Who has seen this record…")
        self.seen_button.setToolTip("Everyone who viewed, printed or changed this patient's record")
        self.seen_button.clicked.connect(self.show_who_has_seen)
        self.consent_button = QPushButton("Conse&nt…")
        self.consent_button.setToolTip(
            "The patient reads and signs the consent forms this plan needs (and the photo "
            "consent); or records that they refuse, or want to think about it."
        )
        self.photos_button = QPushButton("Photos…")  # every letter of it is taken (Alt+H: Help)
        self.photos_button.setToolTip(
            "The patient's before-and-after photos: take or import them, compare visits "
            "(or drop photo files onto the patient's page)"
        )
        buttons_list = (
            self.open_button,
            self.amend_button,
            self.reprint_button,
            self.clearance_button,
            self.consent_button,
            self.photos_button,
        )
        for button in (*buttons_list, self.seen_button):
            button.setMinimumHeight(40)
            button.setEnabled(False)
        self.open_button.clicked.connect(self.print_current)
        self.reprint_button.clicked.connect(lambda: self.print_current(print_now=True))
        self.amend_button.clicked.connect(self.amend_current)
        self.clearance_button.clicked.connect(self.record_clearance)
        self.consent_button.clicked.connect(lambda: self.open_consent())
        self.photos_button.clicked.connect(lambda: self.open_photos())
        buttons = QHBoxLayout()
        for button in buttons_list:
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.seen_button)
        self.plan_status = QLabel()
        self.plan_status.setWordWrap(True)
        self.plan_status.setAccessibleName("Status of the selected plan")
        right = QWidget()
        right.setAcceptDrops(True)  # photo files dropped onto the patient's page
        right.installEventFilter(self)
        self.patient_page_widget = right
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.header)
        right_layout.addWidget(QLabel("Consultations:"))
        right_layout.addWidget(self.consultations, 1)
        right_layout.addWidget(QLabel("The course:"))
        right_layout.addWidget(self.plan_status)
        from consult.ui.course_panel import CourseTimeline, TodayPanel

        self.timeline = CourseTimeline()
        right_layout.addWidget(self.timeline)
        right_layout.addWidget(self.sessions, 1)
        course_buttons = QHBoxLayout()
        self.visit_button = QPushButton("Start &visit")
        self.visit_button.clicked.connect(self.start_visit)
        self.reschedule_button = QPushButton("Re&schedule…")
        self.reschedule_button.clicked.connect(lambda: self.change_date("reschedule"))
        self.missed_button = QPushButton("&Missed…")
        self.missed_button.clicked.connect(lambda: self.change_date("missed"))
        self.cancel_button = QPushButton("Cance&l session…")
        self.cancel_button.clicked.connect(lambda: self.change_date("cancel"))
        self.review_button = QPushButton("Results re&view…")
        self.review_button.clicked.connect(self.record_review)
        self.ics_button = QPushButton("Calendar &file…")
        self.ics_button.setToolTip("The appointments as a calendar file for the patient (.ics)")
        self.ics_button.clicked.connect(self.save_calendar)
        self.course_buttons = (
            self.visit_button,
            self.reschedule_button,
            self.missed_button,
            self.cancel_button,
            self.review_button,
            self.ics_button,
        )
        for button in self.course_buttons:
            button.setMinimumHeight(40)
            button.setEnabled(False)
            course_buttons.addWidget(button)
        course_buttons.addStretch(1)
        right_layout.addLayout(course_buttons)
        right_layout.addLayout(buttons)
        self.today_panel = TodayPanel()
        self.today_panel.start_visit.connect(self._start_from_today)
        self.right_stack = QStackedWidget()
        self.right_stack.addWidget(self.today_panel)
        self.right_stack.addWidget(right)
        self.patient_side = right
        self._course_view = None
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.right_stack)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.body = splitter
        self.stack.insertWidget(0, splitter)
        style.touch_size(splitter)

    def _build_lock_screen(self) -> None:
        self.lock_screen = LockScreen()
        self.lock_screen.sign_in_requested.connect(self._sign_in)
        self.lock_screen.create_requested.connect(self._create_administrator)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)

    # ------------------------------------------------------------------ errors

    def _explain(self, exc: Exception, title: str = "Something went wrong") -> None:
        """Every error from storage or report reaches the provider as a short plain message."""
        if self._closed:
            return
        explained = plain_error(exc)
        dialogs.error(self, explained.title or title, explained.message)

    def closeEvent(self, event) -> None:
        """Late answers from background work are ignored once the window is closing."""
        self._closed = True
        self._search_timer.stop()
        self._draft_timer.stop()
        self.idle.close()
        if self._wizard is not None:
            self.save_draft()
        super().closeEvent(event)

    # ------------------------------------------------------------------ search

    def focus_search(self) -> None:
        if self.model.private:
            return
        self.search.setFocus()
        self.search.selectAll()

    def run_search(self) -> None:
        if self.model.private or self._locked:
            return
        self._search_serial += 1
        serial, text = self._search_serial, self.search.text().strip()
        run_in_background(
            lambda: self.clinic.search(text),
            lambda page: self._show_results(serial, text, page),
            lambda exc: self._explain(exc, "Search failed"),
        )

    def _show_results(self, serial: int, text: str, page) -> None:
        """The first page of a list: about a screenful; scrolling to its end fetches more."""
        if self._closed or serial != self._search_serial or self.model.private or self._locked:
            return  # a newer search is on its way, or the screen is private or locked
        self._listed = (text, page.after, page.kind)
        # Names in any script show with the bundled fonts: registered by now, after the
        # window was shown (a few milliseconds the window need not wait for).
        use_bundled_fonts(QApplication.instance())
        self.model.set_rows(page.rows, more=page.more)
        self._count_listed()
        self._select_current()

    def _fetch_more(self) -> None:
        """The list was scrolled to its end: the next page, off the window's thread."""
        text, after, _kind = self._listed
        if self._closed or self.model.private or self._locked or after is None:
            self.model.fetch_failed()
            return
        serial = self._search_serial
        run_in_background(
            lambda: self.clinic.search(text, after),
            lambda page: self._show_more(serial, page),
            lambda exc: self._more_failed(serial, exc),
        )

    def _show_more(self, serial: int, page) -> None:
        if self._closed or serial != self._search_serial or self.model.private or self._locked:
            return  # a newer list replaced this one, or the screen is private or locked
        text, _after, kind = self._listed
        self._listed = (text, page.after, kind)
        self.model.append_rows(page.rows, more=page.more)
        self._count_listed()
        if not self.table.currentIndex().isValid():
            self._select_current()

    def _more_failed(self, serial: int, exc: Exception) -> None:
        if serial == self._search_serial:
            self.model.fetch_failed()
        self._explain(exc, "Search failed")

    def _count_listed(self) -> None:
        """Says what the list shows, truly: all of it, or its start."""
        text, _after, kind = self._listed
        count, more = self.model.rowCount(), self.model.more
        if not text and count == 0:
            self.count_label.setText(
                "No patients yet. Start a consultation with New consultation (Ctrl+N); each "
                "patient you see is listed here."
            )
        elif not text:
            caption = (
                f"Patients with a session in the next {RECENT_DAYS} days, the soonest first, "
                "then the newest patients"
            )
            self.count_label.setText(caption + (" — scroll for more." if more else "."))
        elif more:
            what = "number" if kind == "phone" else "name"
            self.count_label.setText(
                f"The first {count} patients found — scroll for more, or type more of the {what}"
            )
        elif count == 0:
            self.count_label.setText("No patients found")
        else:
            self.count_label.setText(f"{count} patient{'s' if count != 1 else ''} found")

    def _select_current(self) -> None:
        """Keeps the patient shown on the right selected in the list, when it is listed."""
        if self._current_patient_id is not None:
            row = self.model.row_of(self._current_patient_id)
            if row >= 0:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    def _focus_first_result(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    # ------------------------------------------------------------------ patient detail

    def _patient_selected(self, current, _previous) -> None:
        if self._closed:
            return
        row = self.model.row_at(current.row()) if current.isValid() else None
        self.show_patient(row.id if row else None)

    def show_patient(self, patient_id: int | None) -> None:
        photos = self._photo_window
        if photos is not None and photos.patient_id != patient_id and not self._locked:
            self._photo_window = None  # one patient's photos only while that patient is shown
            photos.close()
            photos.deleteLater()
        self._current_patient_id = patient_id
        self.seen_button.setEnabled(False)
        self.photos_button.setEnabled(False)
        self.consultations.clear()
        self.sessions.setRowCount(0)
        self._current_consultation = None
        self._course_view = None
        self.timeline.show_course(None, self.today)
        self._update_buttons()
        if patient_id is None:
            self.header.setText("Choose a patient, or start a new consultation (Ctrl+N).")
            self.show_today()
            return
        self.right_stack.setCurrentWidget(self.patient_side)
        try:
            patient, history = self.clinic.patient_page(patient_id)
        except Exception as exc:
            self._explain(exc, "Could not open the patient")
            return
        self.seen_button.setEnabled(True)
        self.photos_button.setEnabled(self.clinic.may(Permission.PHOTOS))
        from consult.report import dates

        age = patient.age_on(self.today)
        born = dates.long_date(patient.date_of_birth, dates.SCREEN_LANGUAGE)
        self.header.setText(
            f"<h2>{escape(patient.name)}</h2>"
            f"Born {escape(born)} (age {age}) · skin type "
            f"{ROMAN.get(patient.fitzpatrick, '?')} · plan in "
            f"{escape(dates.language_name(patient.language))}"
            + (f" · {escape(patient.phone)}" if patient.phone else "")
        )
        by_id = {c.id: c for c in history}
        replaced = {c.revision_of for c in history if c.revision_of}
        for item in sorted(history, key=lambda c: (c.date, c.id or 0), reverse=True):
            if item.id in replaced:
                continue  # shown under the revision that replaced it
            node = self._consultation_item(item)
            self.consultations.addTopLevelItem(node)
            older = by_id.get(item.revision_of)
            while older is not None:
                node.addChild(self._consultation_item(older, revision=True))
                older = by_id.get(older.revision_of)
        if self.consultations.topLevelItemCount():
            self.consultations.setCurrentItem(self.consultations.topLevelItem(0))

    def _consultation_item(self, item: Consultation, revision: bool = False) -> QTreeWidgetItem:
        catalog = self.clinic.catalog
        known_areas = {a.id for a in catalog.areas}
        known_concerns = {c.id for c in catalog.concerns}
        treating = "; ".join(
            (catalog.area(a.area_id).name["en"] if a.area_id in known_areas else a.area_id)
            + ": "
            + ", ".join(
                catalog.concern(c.concern_id).name["en"].lower()
                if c.concern_id in known_concerns
                else c.concern_id
                for c in a.concerns
            )
            for a in item.areas
        )
        from consult.report import dates

        label = f"{dates.day(item.date)} · #{item.id}"
        status = "replaced" if revision else item.status.value
        if item.clearance is not None and not revision:
            status += " · cleared"
        node = QTreeWidgetItem([label, status, item.provider, treating])
        if item.amend_reason:  # why this revision was made, where the revision is listed
            node.setToolTip(0, f"Amended: {item.amend_reason}")
            node.setToolTip(1, f"Amended: {item.amend_reason}")
        node.setData(0, Qt.ItemDataRole.UserRole, item)
        node.setData(1, Qt.ItemDataRole.UserRole, revision)
        return node

    def _consultation_selected(self, current, _previous) -> None:
        item = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        replaced = bool(current.data(1, Qt.ItemDataRole.UserRole)) if current is not None else False
        self._current_consultation = item
        self._current_plan = None
        self.sessions.setRowCount(0)
        self.plan_status.setText("")
        self._update_buttons()
        if item is None:
            return
        try:
            plan = self.clinic.plan_for(item)
        except Exception as exc:
            self._explain(exc, "Could not show the plan")
            return
        if not replaced:
            self._current_plan = plan
        if item.status is Status.FINAL:
            prefix = "This revision was replaced. " if replaced else ""
            from consult.ui.plan_text import status_text  # with the plan engine, on use

            text = f"<b>{escape(prefix + status_text(plan))}</b>"
            if not replaced:
                text += self._consent_line(item, plan)
            self.plan_status.setText(text)
        self._update_buttons()
        self._show_course(item, plan, replaced)

    def _show_course(self, item: Consultation, plan, replaced: bool) -> None:
        """The course as it stands: every appointment with its state, missed and stopped
        visits, and the timeline drawn above (the agreed plan for a replaced revision)."""
        from consult.app.course import appointment_name
        from consult.report import dates

        view = None
        if item.status is Status.FINAL and not replaced and plan.sessions:
            try:
                view = self.clinic.course.view(item)
            except Exception as exc:
                self._explain(exc, "Could not show the course")
        self._course_view = view
        self.timeline.show_course(view, self.today)
        rows = []
        if view is None:
            catalog = self.clinic.catalog
            proposed = "Proposed: " if plan.provisional else ""
            count = len(plan.sessions)
            rows = [
                (s.date, s.time, f"{proposed}Microneedling session {s.number} of {count}", "", "")
                for s in plan.sessions
            ]
            rows += [
                (v.date, v.time, catalog.adjunct(v.adjunct_id).name["en"], "", "")
                for v in plan.adjunct_visits
            ]
        else:
            state = view.state
            upcoming = state.next_session()
            proposed = "Proposed: " if plan.provisional else ""
            for a in state.appointments:
                name = appointment_name(self.clinic.catalog, state, a)
                if a.kind.value == "session" and a.state.value != "cancelled":
                    name = f"{proposed}Microneedling {name[0].lower()}{name[1:]}"
                status = {"done": "✓ Done", "cancelled": "✕ Cancelled"}.get(a.state.value, "")
                if upcoming is not None and a.key == upcoming.key:
                    status = "◆ Next"
                elif a.state.value == "planned":
                    status = "Review" if a.kind.value == "review" else "Planned"
                if a.moved and a.state.value == "planned":
                    status += " (moved)"
                rows.append((a.day, a.time, name, status, a.key))
            for h in state.happenings:
                what = "▲ Missed" if h.what == "missed" else "■ Not treated"
                label = state.get(h.key)
                rows.append((h.day, None, state.label(label) if label else h.key, what, ""))
        rows.sort(key=lambda r: (r[0], r[1] is None, r[1] or clock_time.min))
        self.sessions.setRowCount(len(rows))
        for number, (day, at, what, status, key) in enumerate(rows):
            first = QTableWidgetItem(dates.day(day))
            first.setData(Qt.ItemDataRole.UserRole, key)
            self.sessions.setItem(number, 0, first)
            self.sessions.setItem(number, 1, QTableWidgetItem(dates.time_of_day(at) if at else "—"))
            self.sessions.setItem(number, 2, QTableWidgetItem(what))
            self.sessions.setItem(number, 3, QTableWidgetItem(status))
        if view is not None and view.state.next_session() is not None:
            text = (
                f"<br>{view.state.done} of {view.state.total} sessions done; next: "
                f"{escape(view.state.label(view.state.next_session()))} on "
                f"{escape(dates.day(view.state.next_session().day))}."
            )
            self.plan_status.setText(self.plan_status.text() + text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        item = self._current_consultation
        final = item is not None and item.status is Status.FINAL and not self._locked
        printing = final and self.clinic.may(Permission.PRINT_PLAN)
        consulting = final and self.clinic.may(Permission.CONSULT)
        self.open_button.setEnabled(printing)
        self.reprint_button.setEnabled(printing)
        self.print_action.setEnabled(printing)
        self.amend_button.setEnabled(consulting)
        plan = self._current_plan
        self.clearance_button.setEnabled(consulting and plan is not None and plan.provisional)
        self.consent_button.setEnabled(
            consulting and plan is not None and not plan.not_treating and bool(plan.sessions)
        )
        view = getattr(self, "_course_view", None)
        open_course = view is not None and not self._locked
        upcoming = view.state.next_session() if view is not None else None
        review = view.state.review if view is not None else None
        self.visit_button.setEnabled(
            open_course and upcoming is not None and self.clinic.may(Permission.CHECK_IN)
        )
        self.visit_action.setEnabled(self.visit_button.isEnabled())
        scheduling = open_course and self.clinic.may(Permission.SCHEDULE)
        self.reschedule_button.setEnabled(scheduling)
        self.missed_button.setEnabled(scheduling and upcoming is not None)
        self.cancel_button.setEnabled(scheduling and upcoming is not None)
        self.review_button.setEnabled(
            open_course
            and self.clinic.may(Permission.CONSULT)
            and review is not None
            and review.state.value == "planned"
            and upcoming is None
        )
        self.ics_button.setEnabled(open_course and self.clinic.may(Permission.PRINT_PLAN))

    # ------------------------------------------------------------------ consent

    def _consent_line(self, item: Consultation, plan) -> str:
        """Whether the plan has the consents it needs, for the plan's status."""
        try:
            status = self.clinic.consents.status(item, plan)
        except Exception:
            return ""
        if not status.needed:
            return ""
        colour = style.colour("proceed" if status.ok else "danger")
        return f"<br><span style='color:{colour}'><b>{escape(status.summary())}</b></span>"

    def open_consent(self, item: Consultation | None = None):
        """The signing screen for the forms ``item``'s plan still needs (the selected
        consultation's by default), then the photo consent; the signed PDFs are shown to
        print or save for the patient. Returns the dialog (None when nothing is left)."""
        from consult.domain.consent import photo_choices
        from consult.ui.consent_dialog import ConsentDialog

        item = item or self._current_consultation
        if item is None or item.status is not Status.FINAL:
            return None
        desk = self.clinic.consents
        try:
            plan = self.clinic.plan_for(item)
            status = desk.status(item, plan)
            missing = {m.document for m in status.missing}
            records = [c.record() for c in desk.store.consents.for_consultation(item.id)]
            months = self.clinic.settings().consent_valid_months
            photos = photo_choices(
                self.clinic.catalog, records, now=desk._now(), valid_months=months
            )
            documents = [
                d
                for d in desk.documents(item, plan)
                if d.id in missing or (d.kind == "photo" and photos is None)
            ]
        except Exception as exc:
            self._explain(exc, "The consent forms could not be opened")
            return None
        if not documents:
            dialogs.information(
                self,
                "Consent",
                "Every consent this plan needs is signed and valid, and so is the photo consent.",
            )
            return None
        dialog = ConsentDialog(desk, item, plan, documents, self.clinic.providers(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.recorded.connect(self._consent_recorded)
        dialog.finished.connect(lambda _result: self._refresh_patient(item.patient.id))
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _refresh_patient(self, patient_id: int | None) -> None:
        if not self._closed and patient_id is not None and patient_id == self._current_patient_id:
            self.show_patient(patient_id)

    def _consent_recorded(self, stored) -> None:
        """A signed consent: its sealed PDF, to print or save for the patient."""
        if stored.has_pdf:
            self.show_consent_pdf(stored)

    def show_consent_pdf(self, stored) -> None:
        from consult.ui.preview import PreviewDialog

        if self._closed:
            return
        desk = self.clinic.consents
        try:
            pdf = desk.pdf(stored.id)
        except Exception as exc:
            self._explain(exc, "The signed consent could not be shown")
            return
        desk.audit("view", stored.id)
        dialog = PreviewDialog(
            pdf,
            "Signed consent",
            desk.suggested_file_name(stored),
            save=lambda _data, path, replace=True: desk.save_pdf(stored.id, path, replace=replace),
            viewer_path=self.clinic.viewer_folder / f"consent-{stored.id}.pdf",
            on_event=lambda action: desk.audit(action, stored.id),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    # ------------------------------------------------------------------ Today, the course

    def show_today(self) -> None:
        """The Today list on the right (the window opens on it), made off the window's
        thread; the patient list and its search stay where they are."""
        if self._locked or self.body is None:
            return
        self.right_stack.setCurrentWidget(self.today_panel)
        self.today_panel.show_loading(self.today)
        day = self.today
        run_in_background(
            lambda: self.clinic.today_list(day),
            self._show_today_list,
            lambda exc: self._explain(exc, "Today's list could not be made"),
        )

    def _show_today_list(self, listed) -> None:
        if self._closed or self._locked:
            return
        use_bundled_fonts(QApplication.instance())
        self.today_panel.show_list(listed)

    def _start_from_today(self, row) -> None:
        """A row of Today: the patient's page, then the visit for that course."""
        self.show_patient(row.patient_id)
        for index in range(self.consultations.topLevelItemCount()):
            node = self.consultations.topLevelItem(index)
            item = node.data(0, Qt.ItemDataRole.UserRole)
            if item is not None and item.id == row.consultation_id:
                self.consultations.setCurrentItem(node)
                break
        if row.kind.value == "session":
            self.start_visit()
        elif row.kind.value == "review":
            self.record_review()

    def start_visit(self) -> None:
        """The session visit for the selected course: check-in, record, next."""
        from consult.ui.visit_wizard import VisitWizard

        item = self._current_consultation
        if item is None or self._course_view is None or self._visit is not None:
            if self._visit is not None:
                self._visit.raise_()
            return
        try:
            start = self.clinic.course.start_visit(item, self.today)
        except Exception as exc:
            self._explain(exc, "The visit cannot start")
            return
        wizard = VisitWizard(
            self.clinic.course,
            start,
            self.clinic.providers(),
            may_chart=self.clinic.may(Permission.CONSULT),
            parent=self,
        )
        self.lockable(wizard)
        self._visit = wizard
        wizard.finished.connect(lambda _r: self._visit_closed(wizard, item))
        wizard.setWindowModality(Qt.WindowModality.WindowModal)
        wizard.show()
        wizard.raise_()
        wizard.activateWindow()

    def _visit_closed(self, wizard, item: Consultation) -> None:
        self._visit = None
        stored = wizard.stored
        printing = wizard.print_after and stored is not None and stored.final
        wizard.deleteLater()
        if self._closed or self._locked:
            return
        self.show_patient(item.patient.id)
        if stored is not None:
            self.statusBar().showMessage(
                "Visit signed off." if stored.final else "Check-in saved for the provider.", 8000
            )
        if printing and stored.record is not None:
            self.preview(item)

    def _selected_key(self) -> str | None:
        row = self.sessions.currentRow()
        item = self.sessions.item(row, 0) if row >= 0 else None
        key = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return key or None

    def change_date(self, kind: str) -> None:
        """Reschedule the selected session or review (the next session when none is
        selected), mark the next session missed and rebook it, or cancel it."""
        from consult.report import dates
        from consult.ui.course_panel import DateDialog

        item, view = self._current_consultation, self._course_view
        if item is None or view is None:
            return
        upcoming = view.state.next_session()
        key = self._selected_key() if kind == "reschedule" else None
        if key is None or key.count("-after-"):
            key = upcoming.key if upcoming is not None else "review"
        appointment = view.state.get(key)
        if appointment is None:
            return
        label = view.state.label(appointment)
        course = self.clinic.course
        try:
            proposed = course.proposed(item, key, self.today) if kind != "cancel" else None
        except Exception as exc:
            self._explain(exc, "Could not work out a date")
            return
        if kind == "reschedule":
            proposed = max(appointment.day, self.today)
        titles = {
            "reschedule": (
                f"Reschedule {label.lower()}",
                f"{label} is on {dates.day(appointment.day)}. Choose the new date; the rest "
                "of the course follows it.",
            ),
            "missed": (
                f"{label}: missed",
                f"{label} was on {dates.day(appointment.day)}. It is kept as missed and booked "
                "again: the first date the course allows is filled in.",
            ),
            "cancel": (
                f"Cancel {label.lower()}",
                f"{label} will not take place; the course goes on without it.",
            ),
        }
        title, text = titles[kind]
        dialog = DateDialog(title, text, proposed, appointment.time, self)
        self.lockable(dialog)
        if dialogs.run_dialog(dialog) != DateDialog.DialogCode.Accepted:
            return
        day, at, reason = dialog.chosen()
        try:
            if kind == "reschedule":
                course.reschedule(item, key, day, at, reason, self.today, dates.day)
            elif kind == "missed":
                course.mark_missed(item, key, day, at, reason, self.today, dates.day)
            else:
                course.cancel(item, key, reason)
        except Exception as exc:
            self._explain(exc, "The course was not changed")
            return
        self.show_patient(item.patient.id)
        self.statusBar().showMessage(
            "The course was re-dated; re-print the plan for the patient.", 8000
        )

    def record_review(self) -> None:
        from consult.ui.course_panel import ReviewDialog

        item, view = self._current_consultation, self._course_view
        if item is None or view is None:
            return
        dialog = ReviewDialog(view, self.clinic.catalog, self)
        self.lockable(dialog)
        if dialogs.run_dialog(dialog) != ReviewDialog.DialogCode.Accepted:
            return
        try:
            self.clinic.course.record_review(item, dialog.review(), self.today)
        except Exception as exc:
            self._explain(exc, "The review was not saved")
            return
        self.show_patient(item.patient.id)

    def save_calendar(self, item: Consultation | None = None) -> None:
        """The course's appointments as a calendar file for the patient (.ics)."""
        from consult.app.calendar import suggested_name

        item = item or self._current_consultation
        if item is None:
            return
        path = dialogs.save_file(
            self,
            "Add to calendar",
            suggested_name(item.patient.name, self.today),
            "Calendar files (*.ics)",
        )
        if path is None:
            return
        if path.suffix.lower() != ".ics":
            path = path.with_suffix(".ics")
        try:
            view = self.clinic.course.view(item, with_consent=False)
            self.clinic.course.save_calendar(
                [view],
                path,
                self.clinic.records_file,
                replace=True,
                now=datetime.now().astimezone(),
            )
        except Exception as exc:
            self._explain(exc, "The calendar file was not written")
            return
        self.statusBar().showMessage(f"Calendar file written: {path}", 8000)

    def open_lots(self) -> None:
        from consult.ui.course_panel import LotDialog

        if not self.clinic.may(Permission.RECALL):
            return
        dialogs.run_dialog(self.lockable(LotDialog(self.clinic, self)))

    # ------------------------------------------------------------------ photos

    def open_photos(self, paths: list | None = None):
        """The shown patient's photos (their window, raised if already open); ``paths``:
        photo files to take in (dropped onto the patient's page). Returns the window."""
        from consult.ui.photos.gallery import PhotoWindow

        patient_id = self._current_patient_id
        if patient_id is None or self._locked or not self.clinic.may(Permission.PHOTOS):
            return None
        window = self._photo_window
        if window is None:
            try:
                window = PhotoWindow(self.clinic, patient_id, self, privacy=self._photo_privacy)
            except Exception as exc:
                self._explain(exc, "The photos could not be shown")
                return None
            window.finished.connect(lambda _r, w=window: self._photo_window_closed(w))
            self._photo_window = window
        window.show()
        window.raise_()
        window.activateWindow()
        if paths:
            window.import_files(paths)
        return window

    def _photo_window_closed(self, window) -> None:
        if self._photo_window is window:
            self._photo_window = None

    def _photo_privacy(self, on: bool) -> None:
        """A comparison shows: other patients are hidden meanwhile (and shown again after,
        unless the provider had hidden them already)."""
        if self._locked or self._closed:
            return
        if on and not self.privacy_action.isChecked():
            self.privacy_action.setChecked(True)
            self.toggle_privacy(True)
            self._privacy_for_photos = True
        elif not on and self._privacy_for_photos:
            self._privacy_for_photos = False
            if self.privacy_action.isChecked():
                self.privacy_action.setChecked(False)
                self.toggle_privacy(False)

    def eventFilter(self, watched, event) -> bool:
        """Photo files dropped onto the patient's page open the patient's photos to tag them."""
        from PySide6.QtCore import QEvent

        if watched is getattr(self, "patient_page_widget", None):
            kind = event.type()
            if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
                if event.mimeData().hasUrls() and self.photos_button.isEnabled():
                    event.acceptProposedAction()
                    return True
            elif kind == QEvent.Type.Drop and self.photos_button.isEnabled():
                from pathlib import Path

                urls = event.mimeData().urls()
                paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
                if paths:
                    event.acceptProposedAction()
                    self.open_photos(paths)
                    return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ clearance

    def record_clearance(self) -> None:
        """A doctor's clearance of the selected provisional plan: a new revision with
        confirmed dates, then its plan is shown to print."""
        from consult.ui.clearance_dialog import ClearanceDialog

        item, plan = self._current_consultation, self._current_plan
        if item is None or plan is None or not plan.provisional:
            return
        clinic = self.clinic
        try:
            start = clinic.clearance_start(item, plan, self.today)
            dialog = ClearanceDialog(
                clinic.catalog,
                clinic.settings(),
                plan,
                clinic.providers(),
                item.provider,
                start,
                self.today,
                self,
            )
        except Exception as exc:
            self._explain(exc, "Could not record the clearance")
            return
        self.lockable(dialog)
        if dialogs.run_dialog(dialog) != ClearanceDialog.DialogCode.Accepted:
            return
        try:
            saved = clinic.record_clearance(
                item, dialog.clearance(), dialog.start_date(), self.today
            )
        except Exception as exc:
            self._explain(exc, "The clearance was not recorded")
            return
        self.show_patient(saved.patient.id)
        self.preview(saved)

    # ------------------------------------------------------------------ consultations

    def new_consultation(self) -> None:
        patient = None
        if self._current_patient_id is not None:
            try:
                patient = self.clinic.patient(self._current_patient_id)
            except Exception as exc:
                self._explain(exc, "Could not open the patient")
                return
        self._start_wizard(patient=patient)

    def amend_current(self) -> None:
        item = self._current_consultation
        if item is None or item.status is not Status.FINAL:
            return
        try:
            replaces = (item, self.clinic.plan_for(item))
        except Exception as exc:
            self._explain(exc, "Could not open the consultation")
            return
        self._start_wizard(draft=self.clinic.amendment_of(item, self.today), replaces=replaces)

    def resume_draft(self, draft: Draft) -> None:
        state = draft.resume(self.clinic.catalog, self.clinic.settings(), self.today)
        replaces = None
        if state.revision_of is not None:  # an unfinished amendment: what it amends, to compare
            try:
                old = self.clinic.store.records.consultation(state.revision_of)
                replaces = (old, self.clinic.plan_for(old))
            except Exception as exc:
                self._explain(exc, "Could not open the consultation being amended")
                return
        self._start_wizard(draft=state, key=draft.key, replaces=replaces)

    def _start_wizard(self, patient=None, draft=None, replaces=None, key=None) -> None:
        if self._wizard is not None:
            self._wizard.raise_()
            return
        from consult.ui.wizard import ConsultationWizard

        clinic = self.clinic
        try:
            draft = draft if draft is not None else clinic.new_draft(self.today, patient)
        except Exception as exc:
            self._explain(exc, "The consultation cannot be started")
            return
        wizard = ConsultationWizard(
            clinic.catalog,
            clinic.settings(),
            self.today,
            providers=clinic.providers(),
            find_patients=clinic.find_patients,
            draft=draft,
            replaces=replaces,
            parent=self,
        )
        self.lockable(wizard)
        self._wizard = wizard
        self._draft_key = key or clinic.drafts.new_key()
        self._draft_owner = clinic.session.name if clinic.session else ""
        wizard.changed.connect(self._draft_timer.start)
        wizard.accepted.connect(self._wizard_finished)
        wizard.rejected.connect(self._wizard_cancelled)
        wizard.setWindowModality(Qt.WindowModality.WindowModal)
        wizard.show()
        wizard.raise_()
        wizard.activateWindow()

    def save_draft(self, state=None) -> None:
        """Save what the provider has typed so far (the open wizard's, unless given)."""
        if state is None:
            state = self._wizard.state if self._wizard is not None else None
        if state is None or self._draft_key is None:
            return
        try:
            self.clinic.drafts.save(self._draft_key, state, owner=self._draft_owner)
        except OSError:
            self.statusBar().showMessage("The draft could not be saved; keep the window open.")

    def _wizard_cancelled(self) -> None:
        wizard, self._wizard = self._wizard, None
        self._draft_timer.stop()
        if wizard is None:
            return
        if self._draft_key is not None:
            self.clinic.drafts.delete(self._draft_key)
        wizard.deleteLater()

    def _wizard_finished(self) -> None:
        wizard, self._wizard = self._wizard, None
        self._draft_timer.stop()
        if wizard is None:
            return
        state = wizard.state
        try:
            saved = self.clinic.finalize(state)
        except Exception as exc:
            # Keep what was typed: the draft stays, and the wizard reopens on it.
            self.save_draft(state)
            self._explain(exc, "The consultation was not saved")
            wizard.deleteLater()
            return
        if self._draft_key is not None:
            self.clinic.drafts.delete(self._draft_key)
        wizard.deleteLater()
        self._current_patient_id = saved.patient.id
        # The list is made again with what the search box holds (its text is kept): the
        # saved patient stays selected when listed.
        self.run_search()
        self.show_patient(saved.patient.id)
        self.preview(saved)

    # ------------------------------------------------------------------ preview and print

    def print_current(self, print_now: bool = False) -> None:
        if self._current_consultation is not None:
            self.preview(self._current_consultation, print_now=print_now)

    def clinic_ready_to_print(self) -> bool:
        """A plan is never printed without the clinic's name and phone: they are asked for
        first (and kept in Settings). False when the provider does not give them."""
        from consult.ui.welcome import ClinicDetailsDialog

        clinic = self.clinic
        try:
            settings = clinic.settings()
        except Exception as exc:
            self._explain(exc, "The plan could not be made")
            return False
        if not settings.missing_for_print():
            return True
        dialog = ClinicDetailsDialog(settings, clinic.providers(), first_run=False, parent=self)
        if dialogs.run_dialog(self.lockable(dialog)) != ClinicDetailsDialog.DialogCode.Accepted:
            self.statusBar().showMessage(
                "The plan was not made: it needs the clinic's name and phone.", 8000
            )
            return False
        try:
            clinic.save_settings(dialog.settings(), clinic.providers())
        except Exception as exc:
            self._explain(exc, "Settings were not saved")
            return False
        self.setWindowTitle(self._title())
        return True

    def preview(self, item: Consultation, print_now: bool = False) -> None:
        if not self.clinic_ready_to_print():
            return
        self.statusBar().showMessage("Preparing the plan…")
        try:
            plan = self.clinic.plan_for(item)
            settings = self.clinic.settings()
            replaces = self.clinic.replaced(item)
        except Exception as exc:
            self._explain(exc, "The plan could not be made")
            return
        run_in_background(
            lambda: self.clinic.render(item, plan, settings, replaces=replaces),
            lambda pdf: self._show_preview(item, pdf, print_now, plan, settings, replaces),
            lambda exc: self._explain(exc, "The plan could not be made"),
        )

    def _show_preview(self, item, pdf: bytes, print_now: bool, plan, settings, replaces) -> None:
        from consult.ui.preview import PreviewDialog

        if self._closed:
            return
        self.statusBar().clearMessage()
        clinic = self.clinic
        clinic.audit("view", item)
        notice, action = "", None
        try:
            status = clinic.consents.status(item, plan)
        except Exception:
            status = None
        if status is not None and not status.ok:
            notice = status.summary()
            action = ("Si&gn consent…", lambda: self.open_consent(item))
        dialog = PreviewDialog(
            pdf,
            "Plan preview",
            clinic.suggested_file_name(item),
            save=lambda data, path, replace=True: clinic.save_pdf(
                data, path, replace=replace, item=item
            ),
            viewer_path=clinic.viewer_path(item),
            on_event=lambda action: clinic.audit(action, item),
            rerender=lambda large: clinic.render(
                item, plan, settings, large_print=large, replaces=replaces
            ),
            photo_page=self._photo_page(item, plan, settings, replaces),
            notice=notice,
            notice_action=action,
            extra_action=(
                ("Add to &calendar…", lambda: self.save_calendar(item))
                if plan.sessions and not plan.not_treating
                else None
            ),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.lockable(dialog)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        if print_now:
            dialog.print()

    def _photo_page(self, item: Consultation, plan, settings, replaces):
        """The plan made again with the patient's baseline photos on a page of their own,
        for the preview's toggle: offered only when the patient agreed (a valid photo
        consent, clinical record yes) and has baseline photos."""
        clinic = self.clinic
        if not clinic.may(Permission.PHOTOS) or item.patient.id is None:
            return None
        try:
            if clinic.photos.consent_problem(item.patient.id) is not None:
                return None
            if not any(p.visit.key == "baseline" for p in clinic.photos.photos_of(item.patient.id)):
                return None
        except Exception:
            return None

        def page(with_photos: bool):
            photos = (
                clinic.photos.for_plan(item.patient.id, item.patient.language)
                if with_photos
                else []
            )
            return lambda large: clinic.render(
                item, plan, settings, large_print=large, replaces=replaces, photos=photos
            )

        return page

    # ------------------------------------------------------------------ signing in, locking

    @property
    def locked(self) -> bool:
        """True while the lock screen covers the window (no one signed in, or locked)."""
        return self._locked

    def lock(self, reason: str = "Ctrl+L") -> None:
        """Cover the window: the draft is saved first, then every patient's name and detail
        leaves the screen (list, page, search text, title, the consultation and any preview,
        hidden until the same person unlocks). ``reason`` goes in the audit trail."""
        session = self.clinic.session
        if self._locked or session is None:
            return
        if self._wizard is not None:
            self._draft_timer.stop()
            self.save_draft()
        self._stash = (self.search.text(), self._current_patient_id)
        self._hide_windows()
        if self.privacy_action.isChecked():
            self.privacy_action.setChecked(False)
            self.model.clear_privacy()
            self.search.setEnabled(True)
        self._locked = True
        self._search_serial += 1  # a list on its way is not shown
        self._search_timer.stop()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.model.set_rows((), more=False)
        self.count_label.clear()
        self.show_patient(None)
        self.today_panel.tree.clear()
        self.clinic.lock(reason)
        self._show_lock_screen(locked_by=session.name)

    def lockable(self, window: QWidget) -> QWidget:
        """Ctrl+L locks from ``window`` too: a modal window blocks the main window's own
        shortcuts, so the lock action is added to it."""
        window.addAction(self.lock_action)
        return window

    def _hide_windows(self) -> None:
        """The consultation and the previews are hidden, to be shown again on unlock; any
        other dialog (settings, audit, a question) is closed."""
        from consult.ui.preview import PreviewDialog

        keep: list[QWidget] = []
        if self._wizard is not None and self._wizard.isVisible():
            keep.append(self._wizard)
        if self._visit is not None and self._visit.isVisible():
            keep.append(self._visit)
        keep += [d for d in self.findChildren(PreviewDialog) if d.isVisible()]
        if self._photo_window is not None:  # the photos, a comparison, the camera
            photos = self._photo_window
            keep += [d for d in (photos, *photos.findChildren(QDialog)) if d.isVisible()]
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible() and widget not in keep:
                widget.reject()
        for widget in keep:
            widget.hide()
        self._hidden = keep

    def _show_lock_screen(self, locked_by: str = "") -> None:
        self._locked = True
        self.idle.stop()
        self.stack.setCurrentWidget(self.lock_screen)
        self.menuBar().hide()
        self.toolbar.hide()
        for action in self._guarded_actions():
            action.setEnabled(False)
        self.who_label.clear()
        self.statusBar().clearMessage()
        self.statusBar().hide()
        name = self.clinic.settings().name
        if self.clinic.needs_first_administrator():
            self.setWindowTitle("Consult — welcome")
            self.lock_screen.show_first_run(name)
            return
        self.setWindowTitle("Consult — locked" if locked_by else "Consult — sign in")
        at = self._now().strftime("%H:%M")
        self.lock_screen.show_sign_in(name, self.clinic.account_names(), locked_by, at)

    def _guarded_actions(self) -> list[QAction]:
        return [
            self.today_action,
            self.visit_action,
            self.lots_action,
            self.new_action,
            self.find_action,
            self.print_action,
            self.privacy_action,
            self.settings_action,
            self.records_action,
            self.accounts_action,
            self.audit_action,
            self.lock_action,
        ]

    def _sign_in(self, name: str, secret: str) -> None:
        """The lock screen's sign-in, checked off the window's thread (the hash is slow on
        purpose)."""
        before = self.clinic.session
        run_in_background(
            lambda: self.clinic.sign_in(name, secret),
            lambda session: self._signed_in(session, before),
            self._sign_in_failed,
        )

    def _create_administrator(self, name: str, secret: str) -> None:
        run_in_background(
            lambda: self.clinic.create_first_administrator(name, secret),
            lambda session: self._signed_in(session, None),
            self._sign_in_failed,
        )

    def _sign_in_failed(self, exc: Exception) -> None:
        if not self._closed:
            self.lock_screen.failed(plain_error(exc).message)

    def _signed_in(self, session: Session, before: Session | None) -> None:
        if self._closed:
            return
        if before is not None and session is before:
            self._enter(fresh=False)  # the same person: back where they were
            return
        self._drop_previous_work()
        self._enter(fresh=True)

    def _drop_previous_work(self) -> None:
        """Another account signed in at the locked screen: the consultation of the one
        before stays saved as their draft (offered to them when they sign in again), and
        their previews close."""
        wizard, self._wizard = self._wizard, None
        if wizard is not None:
            wizard.blockSignals(True)
            wizard.hide()
            wizard.deleteLater()
        visit, self._visit = self._visit, None
        if visit is not None:  # another account: the visit not signed off is dropped
            visit.blockSignals(True)
            visit.hide()
            visit.deleteLater()
        self._draft_key = None
        for widget in self._hidden:
            if widget is not wizard and widget is not visit:
                widget.close()
        self._hidden = []
        self._photo_window = None
        self._stash = None
        self._current_consultation = None

    def _enter(self, fresh: bool) -> None:
        """Show the window to the signed-in account: fresh, or as the lock left it."""
        session = self.clinic.session
        assert session is not None
        if self.body is None:
            self._build_body()
        self._locked = False
        self.stack.setCurrentWidget(self.body)
        self.menuBar().show()
        self.toolbar.show()
        self.statusBar().show()
        self.apply_role()
        self.who_label.setText(f"Signed in: {session.name} ({session.role.value})")
        self.setWindowTitle(self._title())
        self.statusBar().showMessage(
            f"Catalog {self.clinic.catalog.version} · {self._records_in()}", 8000
        )
        self.idle.minutes = self.clinic.settings().lock_minutes
        self.idle.start()
        stash, self._stash = self._stash, None
        if fresh or stash is None:
            self.show_patient(None)
            self.run_search()
            if fresh:
                QTimer.singleShot(0, self._after_sign_in)
            return
        text, patient_id = stash
        self.search.blockSignals(True)
        self.search.setText(text)
        self.search.blockSignals(False)
        self._current_patient_id = patient_id
        self.run_search()
        self.show_patient(patient_id)
        hidden, self._hidden = self._hidden, []
        for widget in hidden:
            widget.show()
            widget.raise_()

    def apply_role(self) -> None:
        """What the signed-in role cannot do is not offered (the clinic refuses it anyway)."""
        may = self.clinic.may
        shown = {
            self.new_action: may(Permission.CONSULT),
            self.print_action: may(Permission.PRINT_PLAN),
            self.settings_action: may(Permission.SETTINGS),
            self.records_action: may(Permission.RESTORE),
            self.accounts_action: may(Permission.ACCOUNTS),
            self.audit_action: may(Permission.AUDIT),
            self.lots_action: may(Permission.RECALL),
            self.visit_action: may(Permission.CHECK_IN),
        }
        for action, allowed in shown.items():
            action.setVisible(allowed)
        for action in self._guarded_actions():
            action.setEnabled(True)
        self.amend_button.setVisible(may(Permission.CONSULT))
        self.clearance_button.setVisible(may(Permission.CONSULT))
        self.consent_button.setVisible(may(Permission.CONSULT))
        self.photos_button.setVisible(may(Permission.PHOTOS))
        self.open_button.setVisible(may(Permission.PRINT_PLAN))
        self.reprint_button.setVisible(may(Permission.PRINT_PLAN))
        self.seen_button.setVisible(may(Permission.PATIENT_AUDIT))
        self._update_buttons()

    def _after_sign_in(self) -> None:
        """On a first start (no clinic details, no patient) the administrator is welcomed
        with the clinic's details; then the account's unfinished consultation is offered."""
        if self._closed or self._locked:
            return
        if self.clinic.may(Permission.SETTINGS):
            try:
                first_run = self.clinic.is_first_run()
            except Exception:  # a file that cannot say: no welcome, the app still opens
                first_run = False
            if first_run:
                self.welcome()
        self._offer_drafts()

    def _offer_drafts(self) -> None:
        """The signed-in account's unfinished consultation, if any, to resume."""
        if self._closed or self._locked or self._wizard is not None:
            return
        drafts = self.clinic.drafts_of_signed_in()
        if not drafts:
            return
        draft = drafts[0]
        name = draft.patient_name or "a new patient"
        saved = f"{draft.saved_at:%d %b %Y at %H:%M}"
        if (
            dialogs.ask(
                self,
                "Resume the unfinished consultation?",
                f"A consultation for {name}, last saved {saved}, was not finished. Resume it now?",
                "&Resume",
                "&Later",
            )
            and not self._locked
        ):
            self.resume_draft(draft)

    # ------------------------------------------------------------------ the audit trail

    def open_audit(self) -> None:
        from consult.ui.audit_view import AuditDialog

        if not self.clinic.may(Permission.AUDIT):
            return
        dialogs.run_dialog(self.lockable(AuditDialog(self.clinic, self)))

    def show_who_has_seen(self) -> None:
        from consult.ui.audit_view import WhoHasSeenDialog

        patient_id = self._current_patient_id
        if patient_id is None:
            return
        try:
            patient = self.clinic.patient(patient_id)
            entries = self.clinic.who_has_seen(patient_id)
        except Exception as exc:
            self._explain(exc, "Could not read the audit trail")
            return
        dialogs.run_dialog(self.lockable(WhoHasSeenDialog(patient.name, entries, self)))

    def open_accounts(self) -> None:
        from consult.ui.accounts_dialog import AccountsDialog

        if not self.clinic.may(Permission.ACCOUNTS):
            return
        dialogs.run_dialog(self.lockable(AccountsDialog(self.clinic, self)))

    # ------------------------------------------------------------------ privacy, settings

    def toggle_privacy(self, on: bool) -> None:
        if self._locked:
            return
        if on:
            self._search_serial += 1  # a list or page on its way is not shown
            self.model.set_privacy(self._current_patient_id)
            self.search.setEnabled(False)
            self.statusBar().showMessage("Other patients are hidden. Ctrl+Shift+H shows them.")
        else:
            self.model.clear_privacy()
            self.search.setEnabled(True)
            self.statusBar().clearMessage()
            self.run_search()
        self.setWindowTitle(self._title())

    def open_settings(self) -> None:
        from consult.ui.settings_dialog import SettingsDialog

        clinic = self.clinic
        dialog = SettingsDialog(
            clinic.settings(),
            clinic.providers(),
            self,
            today=self.today,
            min_interval_weeks=clinic.catalog.protocol.min_interval_weeks,
        )
        self.lockable(dialog)
        if dialogs.run_dialog(dialog) != SettingsDialog.DialogCode.Accepted:
            return
        try:
            clinic.save_settings(dialog.settings(), dialog.provider_names())
        except Exception as exc:
            self._explain(exc, "Settings were not saved")
        self.idle.minutes = clinic.settings().lock_minutes
        self.setWindowTitle(self._title())

    def welcome(self) -> None:
        """The first start on an empty records file: the clinic's details, its providers,
        and demo patients if wanted."""
        from consult.ui.welcome import DEMO_PATIENTS, ClinicDetailsDialog

        clinic = self.clinic
        dialog = ClinicDetailsDialog(
            clinic.settings(), clinic.providers(), first_run=True, parent=self
        )
        if dialogs.run_dialog(self.lockable(dialog)) != ClinicDetailsDialog.DialogCode.Accepted:
            self.statusBar().showMessage(
                "The clinic's details can be entered later, under Settings.", 10000
            )
            return
        try:
            clinic.save_settings(dialog.settings(), dialog.provider_names())
        except Exception as exc:
            self._explain(exc, "Settings were not saved")
            return
        self.setWindowTitle(self._title())
        if dialog.demo.isChecked():
            self.statusBar().showMessage(f"Adding {DEMO_PATIENTS} demo patients…")
            run_in_background(
                lambda: clinic.load_demo(DEMO_PATIENTS),
                lambda _done: self._demo_loaded(),
                lambda exc: self._explain(exc, "The demo patients were not added"),
            )

    def _demo_loaded(self) -> None:
        if self._closed:
            return
        self.statusBar().showMessage("Demo patients added (marked as demo).", 8000)
        self.run_search()

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About consult",
            f"<b>consult {__version__}</b><br>A consultation assistant for microneedling "
            f"clinics.<br>Catalog version {escape(self.clinic.catalog.version)}.",
        )
