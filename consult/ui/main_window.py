"""The main window: patients, their consultations and plans, and the actions on them."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from consult import __version__
from consult.app.clinic import RECENT_DAYS, Clinic, plain_error
from consult.app.drafts import Draft
from consult.domain.model import ROMAN, Consultation, Status
from consult.system.resources import resource_path
from consult.ui import dialogs, style
from consult.ui.fonts import use_bundled_fonts
from consult.ui.patient_model import PatientTableModel
from consult.ui.plan_text import status_text
from consult.ui.worker import run_in_background

if TYPE_CHECKING:
    from consult.ui.wizard import ConsultationWizard

# The wizard, the preview (Qt PDF and printing) and the settings dialog are imported when
# first opened, not at start-up: the window shows sooner (see bench/).

SEARCH_DELAY_MS = 150
DRAFT_DELAY_MS = 1500


class MainWindow(QMainWindow):
    def __init__(self, clinic: Clinic, today: date | None = None):
        super().__init__()
        self.clinic = clinic
        self.today = today or date.today()
        self.setWindowTitle(self._title())
        self.setWindowIcon(QIcon(str(resource_path("icons", "consult.svg"))))
        self.resize(1200, 760)
        self._search_serial = 0
        self._listed = ("", None, "")  # the list shown: what was typed, next page, its kind
        self._current_patient_id: int | None = None
        self._current_consultation: Consultation | None = None
        self._current_plan = None  # the selected consultation's plan, when it is current
        self._wizard: ConsultationWizard | None = None
        self._draft_key: str | None = None
        self._closed = False
        self._build_actions()
        self._build_body()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.run_search)
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        catalog = clinic.catalog
        self.statusBar().showMessage(f"Catalog {catalog.version} · records in {clinic.db_path}")
        style.touch_size(self)
        self.run_search()

    # ------------------------------------------------------------------ building

    @property
    def wizard(self):
        """The consultation being entered (a ``ConsultationWizard``), or None."""
        return self._wizard

    @property
    def current_patient_id(self) -> int | None:
        """The patient shown on the right, or None."""
        return self._current_patient_id

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
        self.about_action = self._action("&About consult", None, self.about)
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for action in (
            self.new_action,
            self.print_action,
            None,
            self.settings_action,
            None,
            self.quit_action,
        ):
            file_menu.addSeparator() if action is None else file_menu.addAction(action)
        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.find_action)
        view_menu.addAction(self.privacy_action)
        menu.addMenu("&Help").addAction(self.about_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.new_action,
            self.find_action,
            self.print_action,
            self.privacy_action,
            self.settings_action,
        ):
            toolbar.addAction(action)

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
        self.sessions = QTableWidget(0, 3)
        self.sessions.setHorizontalHeaderLabels(["Date", "Time", "Appointment"])
        sessions_header = self.sessions.horizontalHeader()
        sessions_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        sessions_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        sessions_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
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
        buttons_list = (
            self.open_button,
            self.amend_button,
            self.reprint_button,
            self.clearance_button,
        )
        for button in buttons_list:
            button.setMinimumHeight(40)
            button.setEnabled(False)
        self.open_button.clicked.connect(self.print_current)
        self.reprint_button.clicked.connect(lambda: self.print_current(print_now=True))
        self.amend_button.clicked.connect(self.amend_current)
        self.clearance_button.clicked.connect(self.record_clearance)
        buttons = QHBoxLayout()
        for button in buttons_list:
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.plan_status = QLabel()
        self.plan_status.setWordWrap(True)
        self.plan_status.setAccessibleName("Status of the selected plan")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.header)
        right_layout.addWidget(QLabel("Consultations:"))
        right_layout.addWidget(self.consultations, 1)
        right_layout.addWidget(QLabel("Planned appointments:"))
        right_layout.addWidget(self.plan_status)
        right_layout.addWidget(self.sessions, 1)
        right_layout.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.setCentralWidget(splitter)

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
        if self.model.private:
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
        if self._closed or serial != self._search_serial or self.model.private:
            return  # a newer search is on its way, or the screen is private
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
        if self._closed or self.model.private or after is None:
            self.model.fetch_failed()
            return
        serial = self._search_serial
        run_in_background(
            lambda: self.clinic.search(text, after),
            lambda page: self._show_more(serial, page),
            lambda exc: self._more_failed(serial, exc),
        )

    def _show_more(self, serial: int, page) -> None:
        if self._closed or serial != self._search_serial or self.model.private:
            return  # a newer list replaced this one, or the screen is private
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
        self._current_patient_id = patient_id
        self.consultations.clear()
        self.sessions.setRowCount(0)
        self._current_consultation = None
        self._update_buttons()
        if patient_id is None:
            self.header.setText("Choose a patient, or start a new consultation (Ctrl+N).")
            return
        try:
            patient = self.clinic.store.patients.get(patient_id)
            history = self.clinic.store.records.for_patient(patient_id, include_superseded=True)
        except Exception as exc:
            self._explain(exc, "Could not open the patient")
            return
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
            self.plan_status.setText(f"<b>{escape(prefix + status_text(plan))}</b>")
        self._update_buttons()
        from consult.report import dates

        catalog = self.clinic.catalog
        proposed = "Proposed: " if plan.provisional else ""
        count = len(plan.sessions)
        rows = [
            (s.date, s.time, f"{proposed}Microneedling session {s.number} of {count}")
            for s in plan.sessions
        ]
        rows += [
            (v.date, v.time, catalog.adjunct(v.adjunct_id).name["en"]) for v in plan.adjunct_visits
        ]
        rows.sort(key=lambda r: (r[0], r[1] is None, r[1]))
        self.sessions.setRowCount(len(rows))
        for number, (day, at, what) in enumerate(rows):
            self.sessions.setItem(number, 0, QTableWidgetItem(dates.day(day)))
            self.sessions.setItem(number, 1, QTableWidgetItem(dates.time_of_day(at) if at else "—"))
            self.sessions.setItem(number, 2, QTableWidgetItem(what))

    def _update_buttons(self) -> None:
        item = self._current_consultation
        final = item is not None and item.status is Status.FINAL
        self.open_button.setEnabled(final)
        self.reprint_button.setEnabled(final)
        self.print_action.setEnabled(final)
        self.amend_button.setEnabled(final)
        plan = self._current_plan
        self.clearance_button.setEnabled(final and plan is not None and plan.provisional)

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
                patient = self.clinic.store.patients.get(self._current_patient_id)
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
        wizard = ConsultationWizard(
            clinic.catalog,
            clinic.settings(),
            self.today,
            providers=clinic.providers(),
            find_patients=clinic.find_patients,
            patient=patient,
            draft=draft,
            replaces=replaces,
            parent=self,
        )
        self._wizard = wizard
        self._draft_key = key or clinic.drafts.new_key()
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
            self.clinic.drafts.save(self._draft_key, state)
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
        if dialogs.run_dialog(dialog) != ClinicDetailsDialog.DialogCode.Accepted:
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
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        if print_now:
            dialog.print()

    # ------------------------------------------------------------------ privacy, settings

    def toggle_privacy(self, on: bool) -> None:
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
        if dialogs.run_dialog(dialog) != SettingsDialog.DialogCode.Accepted:
            return
        try:
            clinic.save_settings(dialog.settings(), dialog.provider_names())
        except Exception as exc:
            self._explain(exc, "Settings were not saved")
        self.setWindowTitle(self._title())

    def welcome(self) -> None:
        """The first start on an empty records file: the clinic's details, its providers,
        and demo patients if wanted."""
        from consult.ui.welcome import DEMO_PATIENTS, ClinicDetailsDialog

        clinic = self.clinic
        dialog = ClinicDetailsDialog(
            clinic.settings(), clinic.providers(), first_run=True, parent=self
        )
        if dialogs.run_dialog(dialog) != ClinicDetailsDialog.DialogCode.Accepted:
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
