"""``Clinic``: the records, the catalog and the data folder, and the tasks done with them.

The windows and the command line ask this of the layers below (as Anki's GUI asks its
``Collection``): it calls the record store (storage), the plan engine (domain) and the PDF
renderer (report), and holds no widget. A window chooses only the thread a task runs on and
how its result or error is shown. Errors leave as ``UserFacingError``, in plain words.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from consult.app import plans
from consult.app.errors import UserFacingError, plain_error
from consult.app.session import AccessDenied, Session, require
from consult.domain.access import Permission, Role
from consult.domain.amendment import reason_problem
from consult.domain.catalog import Catalog
from consult.domain.model import (
    Clearance,
    ClinicSettings,
    Consultation,
    Patient,
    Status,
    ValidationError,
)
from consult.storage import Cursor, Page, RecordStore
from consult.storage.accounts import Account, AccountAction, AccountError, SignInRefused
from consult.storage.audit import SEEING, AuditEntry, AuditPage, AuditQuery, AuditReport
from consult.storage.backup import auto_backup
from consult.storage.database import private_folder
from consult.storage.errors import StorageError
from consult.storage.patient_list import PAGE
from consult.storage.protect import check_input
from consult.storage.rotation import stale_warning
from consult.storage.store import SYSTEM
from consult.system.files import write_private_atomic

if TYPE_CHECKING:
    from consult.app.consents import ConsentDesk
    from consult.app.course import CourseDesk, TodayList
    from consult.app.draft import ConsultationDraft
    from consult.app.drafts import DraftStore
    from consult.app.photos import PhotoDesk
    from consult.domain.plan import Plan
    from consult.report.plan_pdf import PlanPhoto

SEARCH_CACHE_MIB = 8  # the pages the searches' connection keeps in memory (see search)
SEARCH_PAGE = PAGE  # patients listed at once: about a screenful; scrolling fetches the next
MAX_LOGO_BYTES = 10 * 1024**2
RECENT_DAYS = 7  # before anything is typed: the patients with a session this many days ahead

__all__ = [
    "RECENT_DAYS",
    "SEARCH_PAGE",
    "AccessDenied",
    "Clinic",
    "Session",
    "UserFacingError",
    "plain_error",
]


class Clinic:
    """Open with the catalog, the records (a file, or the clinic's server as a postgresql://
    address) and the data folder; close when done."""

    def __init__(
        self,
        catalog: Catalog,
        db_path: Path | str,
        data_folder: Path,
        *,
        clock: Callable[[], datetime] | None = None,
    ):
        self.catalog = catalog
        self.db_path = db_path
        #: The records file, None when the records are on the clinic's server.
        self.records_file: Path | None = db_path if isinstance(db_path, Path) else None
        self.data_folder = data_folder
        self.clock = clock
        # The page-by-page check takes seconds on a large file: the daily backup runs it
        # off the window's thread instead (see auto_backup).
        self.store = RecordStore.open(db_path, catalog=catalog, verify=False, clock=clock)
        # Who is signed in (None: no one). Every task checks it first (``require``).
        self.session: Session | None = None
        self._seen: set[int] = set()  # patients whose page this session has shown
        # The drafts', consents', photos' and course's tasks are made on first use, their
        # modules loaded only then: the window shows without them.
        self._desks_lock = threading.Lock()
        self._drafts: DraftStore | None = None
        self._consents: ConsentDesk | None = None
        self._photos: PhotoDesk | None = None
        self._course: CourseDesk | None = None
        self.viewer_folder = data_folder / "viewer"
        self.clear_viewer_copies()
        # The patient searches' own read-only connection, opened by the first (see search).
        self._search_lock = threading.Lock()
        self._search_store: RecordStore | None = None
        self._closed = False

    def close(self) -> None:
        with self._search_lock:
            self._closed = True
            self._close_search_connection()
        self.store.close()

    def _close_search_connection(self) -> None:
        if self._search_store is not None:
            store, self._search_store = self._search_store, None
            store.close()

    # -- settings

    def settings(self) -> ClinicSettings:
        return self.store.clinic.settings()

    def providers(self) -> list[str]:
        return list(self.store.clinic.providers())

    def settings_problems(self) -> list[str]:
        """The saved settings that could not be used (the defaults stand in), in plain words."""
        self.store.clinic.settings()
        return [f"{key.replace('_', ' ')}: {what}" for key, what in self.store.clinic.invalid]

    def save_settings(self, settings: ClinicSettings, providers: list[str]) -> None:
        """The clinic's settings and its providers, saved together or not at all."""
        self.require(Permission.SETTINGS)
        try:
            settings = self.keep_logo(settings)
            clinic = self.store.clinic
            with self.store.transaction():
                clinic.save_settings(settings)
                for name in set(clinic.providers()) - set(providers):
                    clinic.remove_provider(name)
                for name in providers:
                    clinic.save_provider(name)
        except (StorageError, OSError, ValidationError, UserFacingError) as exc:
            raise plain_error(exc) from exc

    def keep_logo(self, settings: ClinicSettings) -> ClinicSettings:
        """A copy of the chosen logo in the data folder, so the plan keeps it when the
        original is moved or deleted (and it moves to a new computer with the data)."""
        if not settings.logo_path:
            return settings
        source = check_input(settings.logo_path, what="logo picture")
        if source.stat().st_size > MAX_LOGO_BYTES:
            raise UserFacingError(
                f"The logo picture {source} is too large ({source.stat().st_size // 1024**2} "
                f"MB); a logo of at most {MAX_LOGO_BYTES // 1024**2} MB prints as well. Choose a "
                "smaller picture."
            )
        kept = self.data_folder / f"clinic-logo{source.suffix.lower()}"
        if source.resolve() != kept.resolve():
            write_private_atomic(kept, source.read_bytes())
        return replace(settings, logo_path=str(kept))

    # -- patients

    def search(self, text: str, after: Cursor | None = None) -> Page:
        """Runs on a worker thread: the list's page for what was typed (the first, or the one
        after ``after``, the previous page's ``after``); nothing typed: who is due soon, then
        the newest patients. The searches share one read-only connection, one search at a
        time: it keeps the schema and the pages that earlier keystrokes read, which a new
        connection per keystroke read again every time (half of each search on 100,000
        patients). Each search still sees everything saved before it started."""
        self.require(Permission.VIEW_PATIENTS)
        with self._search_lock:
            if self._closed:  # a late search: a connection of its own, closed when done
                with RecordStore.open(self.db_path, readonly=True, verify=False) as store:
                    return self._search(store, text, after)
            if self._search_store is None:
                self._search_store = RecordStore.open(
                    self.db_path, readonly=True, verify=False, any_thread=True
                )
                # A keystroke on 100,000 patients reads about 5 MiB of pages: kept, the next
                # keystroke finds them here instead of asking the OS (a quarter faster).
                self._search_store.set_cache_size(SEARCH_CACHE_MIB)
            try:
                return self._search(self._search_store, text, after)
            except StorageError:
                self._close_search_connection()  # the next search starts afresh
                raise

    @staticmethod
    def _search(store: RecordStore, text: str, after: Cursor | None) -> Page:
        if not text.strip():
            return store.patient_list.recent(limit=SEARCH_PAGE, after=after, days=RECENT_DAYS)
        return store.patient_list.search(text, limit=SEARCH_PAGE, after=after)

    def patient_page(self, patient_id: int) -> tuple[Patient, list[Consultation]]:
        """A patient's details and every consultation of theirs (replaced ones too), for the
        patient's page. The first time a session shows a patient, the view is in the audit
        trail ("Who has seen this record" lists it)."""
        self.require(Permission.VIEW_PATIENTS)
        try:
            patient = self.store.patients.get(patient_id)
            history = self.store.records.for_patient(patient_id, include_superseded=True)
            if patient_id not in self._seen:
                self.store.audit.record("view", patient_id, record_type="patient")
                self._seen.add(patient_id)
        except StorageError as exc:
            raise plain_error(exc) from exc
        return patient, history

    @property
    def drafts(self) -> DraftStore:
        """``clinic.drafts``: the consultations in progress kept on this computer, made on
        first use (the window shows without loading how they are written)."""
        with self._desks_lock:
            if self._drafts is None:
                from consult.app.drafts import DraftStore

                self._drafts = DraftStore(self.data_folder / "drafts")
            return self._drafts

    @property
    def consents(self) -> ConsentDesk:
        """``clinic.consents``: informed consent's tasks, made on first use."""
        with self._desks_lock:
            if self._consents is None:
                from consult.app.consents import ConsentDesk

                self._consents = ConsentDesk(
                    self.catalog, self.store, self.data_folder, lambda: self.session
                )
            return self._consents

    @property
    def photos(self) -> PhotoDesk:
        """``clinic.photos``: the photos' tasks, made on first use."""
        consents = self.consents
        with self._desks_lock:
            if self._photos is None:
                from consult.app.photos import PhotoDesk

                self._photos = PhotoDesk(self.catalog, self.store, consents, lambda: self.session)
            return self._photos

    @property
    def course(self) -> CourseDesk:
        """``clinic.course``: the treatment course's tasks, made on first use (the window
        shows without loading them)."""
        consents = self.consents
        with self._desks_lock:
            if self._course is None:
                from consult.app.course import CourseDesk

                self._course = CourseDesk(self.catalog, self.store, consents, lambda: self.session)
            return self._course

    def today_list(self, day: date) -> TodayList:
        """Runs on a worker thread: who is due today and in the next days, and what needs
        attention (see ``CourseDesk.today``), on a read-only connection of its own."""
        self.require(Permission.VIEW_PATIENTS)
        try:
            with RecordStore.open(
                self.db_path, readonly=True, verify=False, catalog=self.catalog
            ) as store:
                from consult.app.consents import ConsentDesk
                from consult.app.course import CourseDesk

                consents = ConsentDesk(self.catalog, store, self.data_folder, lambda: self.session)
                return CourseDesk(self.catalog, store, consents, lambda: self.session).today(day)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def patient(self, patient_id: int) -> Patient:
        self.require(Permission.VIEW_PATIENTS)
        try:
            return self.store.patients.get(patient_id)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def find_patients(self, text: str) -> list[Patient]:
        self.require(Permission.VIEW_PATIENTS)
        rows = self.store.patient_list.search(text, limit=20).rows
        return [self.store.patients.get(row.id) for row in rows]

    # -- consultations

    def new_draft(self, today, patient: Patient | None = None) -> ConsultationDraft:
        """A consultation to fill in, for ``patient`` when one is chosen; its provider is
        the signed-in account (the provider may change it)."""
        from consult.app.draft import ConsultationDraft, PatientDraft

        self.require(Permission.CONSULT)
        draft = ConsultationDraft(self.catalog, self.settings(), today)
        draft.provider = self.default_provider()
        if patient is not None:
            draft.patient = PatientDraft.of(patient)
        return draft

    def amendment_of(self, item: Consultation, today) -> ConsultationDraft:
        """A draft that amends the final consultation ``item`` when finished (its reason
        still to be written)."""
        self.require(Permission.CONSULT)
        from consult.app.draft import ConsultationDraft

        draft = ConsultationDraft.from_consultation(self.catalog, self.settings(), today, item)
        draft.consultation_id = None
        draft.revision_of = item.id
        draft.amend_reason = ""
        return draft

    def plan_for(self, item: Consultation) -> Plan:
        """The plan of ``item``; for a saved one, with the dates as they were agreed."""
        self.require(Permission.VIEW_PATIENTS)
        return plans.agreed_plan(self.catalog, self.store, item)

    def finalize(self, draft: ConsultationDraft) -> Consultation:
        """Save a finished consultation as final (or as the amendment of the one it revises):
        the patient's details, the provider and the consultation with its plan, together or
        not at all."""
        self.require(Permission.CONSULT)
        if draft.revision_of is not None and (problem := reason_problem(draft.amend_reason)):
            raise UserFacingError(problem, "The amendment was not saved")
        try:
            patient = draft.patient.validated(
                draft.today, draft.settings.min_age, self.catalog.languages
            )
            with self.store.transaction():
                patient = self.store.patients.save(patient)
                item = replace(draft.consultation(Status.FINAL), patient=patient)
                settings = self.settings()
                from consult.domain.plan import build_plan  # the plan engine, loaded on use

                plan = build_plan(
                    self.catalog,
                    item,
                    settings.calendar,
                    settings.interval_weeks,
                    settings.placeholders,
                )
                if item.provider not in self.providers():
                    self.store.clinic.save_provider(item.provider)  # offered next time
                if draft.revision_of is not None:
                    return self.store.consultations.amend(draft.revision_of, item, plan)
                return self.store.consultations.finalize(item, plan)
        except (StorageError, ValidationError) as exc:
            raise plain_error(exc) from exc

    def clearance_start(self, item: Consultation, plan: Plan, today: date) -> date:
        """The first session a clearance confirms unless the provider picks another: the one
        proposed, while it is still ahead; otherwise the clinic's next open day."""
        self.require(Permission.CONSULT)
        proposed = plan.first_session if plan.sessions else None
        if proposed is not None and proposed >= today:
            return proposed
        return self.settings().calendar.next_open_day(today)

    def record_clearance(
        self, item: Consultation, clearance: Clearance, start_date: date, today: date
    ) -> Consultation:
        """Record a doctor's clearance of a provisional plan: a new final revision of the
        consultation, carrying the clearance and the confirmed dates from ``start_date``; the
        provisional one stays readable. The clearance covers every answer that needed one."""
        self.require(Permission.CONSULT)
        if item.id is None or item.status is not Status.FINAL:
            raise UserFacingError("Finish the consultation before recording a clearance.")
        plan = self.plan_for(item)
        if not plan.provisional:
            raise UserFacingError(
                "This plan does not need a doctor's clearance, so none was recorded."
            )
        if start_date < today:
            raise UserFacingError("The first session cannot be in the past: choose a later date.")
        earlier = item.clearance.covers if item.clearance else ()
        covers = tuple(dict.fromkeys((*earlier, *plan.uncleared)))
        try:
            clearance = Clearance(
                clearance.cleared_by,
                clearance.cleared_on,
                clearance.note,
                clearance.recorded_by,
                covers,
            ).validated(today)
        except ValidationError as exc:
            raise plain_error(exc) from exc
        cleared = replace(
            item,
            clearance=clearance,
            start_date=start_date,
            id=None,
            revision_of=item.id,
            status=Status.FINAL,
            amend_reason=f"Clearance recorded: {clearance.cleared_by}, "
            f"{clearance.cleared_on.isoformat()}.",
        )
        settings = self.settings()
        from consult.domain.plan import build_plan

        confirmed = build_plan(
            self.catalog, cleared, settings.calendar, settings.interval_weeks, settings.placeholders
        )
        try:
            return self.store.consultations.amend(
                item.id, cleared, confirmed, detail="clearance recorded"
            )
        except StorageError as exc:
            raise plain_error(exc) from exc

    def audit(self, action: str, item: Consultation) -> None:
        """The signed-in account viewed, printed or exported ``item``'s plan."""
        self.require(Permission.PRINT_PLAN)
        with contextlib.suppress(StorageError):  # never stop a print because of the log
            self.store.audit.record(action, item.id)

    def auto_backup(self) -> Path | None:
        """Runs on a worker thread: today's backup, if none was made yet (rotating). The
        app's own duty, whoever is signed in (the trail names them, or ``system``)."""
        with RecordStore.open(self.db_path, verify=False, provider=self.actor()) as store:
            return auto_backup(store)

    @property
    def records_where(self) -> str:
        """Where the records are, for the status bar: the file, or "records on HOST/DB"."""
        return self.store.where

    def backup_warning(self) -> str | None:
        """A warning when the newest automatic backup is over two days old (or missing)."""
        if self.records_file is None:
            return None  # the server's backups are the clinic's (docs/clinic-server.md)
        return stale_warning(self.records_file)

    # -- the plan PDF

    def replaced(self, item: Consultation) -> tuple[str, date] | None:
        """For an amendment, the plan it replaces (its id and date), as its plan says."""
        try:
            return plans.replaced(self.store, item)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def render(
        self,
        item: Consultation,
        plan: Plan,
        settings: ClinicSettings,
        large_print: bool = False,
        replaces: tuple[str, date] | None = None,
        photos: Sequence[PlanPhoto] = (),
    ) -> bytes:
        """Pure work on data already read: safe on a worker thread. ``photos``: the baseline
        photo page (``photos.for_plan``, read on the window's thread)."""
        self.require(Permission.PRINT_PLAN)
        return plans.render(
            self.catalog,
            item,
            plan,
            settings,
            large_print=large_print,
            replaces=replaces,
            photos=photos,
        )

    def is_first_run(self) -> bool:
        """No clinic details yet and no patient: the welcome is shown."""
        if not self.settings().missing_for_print():
            return False
        return not self.store.conn.execute("SELECT 1 FROM patients LIMIT 1").fetchone()

    def load_demo(self, patients: int):
        """Runs on a worker thread: demo patients to try the app with (marked as demo), after
        a backup as ``db seed-demo`` makes. An administrator's task, named in the trail."""
        from consult.storage.demo import seed_demo

        self.require(Permission.EXCHANGE)
        with self._own_store(provider=self.actor()) as store:
            auto_backup(store)
            return seed_demo(store, self.catalog, patients)

    def suggested_file_name(self, item: Consultation) -> str:
        name = re.sub(r"[^\w\-]+", "-", item.patient.name, flags=re.UNICODE).strip("-")
        return f"plan-{name or 'patient'}-{item.date.isoformat()}.pdf"

    def clear_viewer_copies(self) -> None:
        """Copies made for the system viewer last time: no patient PDF is left lying around."""
        if self.viewer_folder.is_dir():
            for old in self.viewer_folder.glob("*.pdf"):
                with contextlib.suppress(OSError):
                    old.unlink()

    def viewer_path(self, item: Consultation) -> Path:
        return self.viewer_folder / f"plan-{item.id}.pdf"

    def save_pdf(
        self, data: bytes, path: Path, *, replace: bool = True, item: Consultation | None = None
    ) -> None:
        """Write a plan the provider asked for; ``replace``: the save dialog already asked
        before replacing an existing file. Never onto the records, a backup or a link. With
        ``item``, the export is in the audit trail before the file appears (and no file
        appears if it cannot be written there)."""
        self.require(Permission.PRINT_PLAN)
        if path.parent == self.viewer_folder:
            private_folder(self.viewer_folder)

        def audited() -> None:
            if item is not None:
                try:
                    self.store.audit.record("export", item.id)
                except StorageError as exc:
                    raise plain_error(exc) from exc

        plans.save_pdf(
            data, path, records=self.records_file, replace=replace, before_visible=audited
        )

    # -- who is at the keyboard

    def require(self, permission: Permission) -> None:
        """Refuse (``AccessDenied``) unless the signed-in account may do this now."""
        require(self.session, permission)

    def may(self, permission: Permission) -> bool:
        return self.session is not None and self.session.may(permission)

    def actor(self) -> str:
        """The name the audit trail gives what is done now: the signed-in account's."""
        return self.session.name if self.session is not None else SYSTEM

    def default_provider(self) -> str:
        """A new consultation's provider: the signed-in account, unless an assistant's."""
        session = self.session
        if session is None or session.role is Role.ASSISTANT:
            return ""
        return session.name

    def needs_first_administrator(self) -> bool:
        """True until the first account is made: the first start asks for the
        administrator before anything else."""
        try:
            return self.store.accounts.count() == 0
        except StorageError as exc:
            raise plain_error(exc) from exc

    def account_names(self) -> list[str]:
        """Who may sign in (for the sign-in screen's list)."""
        try:
            return [a.name for a in self.store.accounts.all() if a.active]
        except StorageError as exc:
            raise plain_error(exc) from exc

    def create_first_administrator(self, name: str, secret: str) -> Session:
        """The first account, an administrator, made and signed in; refused once any
        account exists. Safe on a worker thread (a connection of its own)."""
        try:
            with self._own_store(provider=name) as store:
                with store.transaction():
                    if store.accounts.count():
                        raise AccessDenied(
                            "The administrator was already created. Sign in with that account.",
                            title="Already set up",
                        )
                    store.accounts.add(name, Role.ADMINISTRATOR, secret)
                account = store.accounts.sign_in(name, secret)
        except (StorageError, AccountError) as exc:
            raise plain_error(exc) from exc
        return self._begin(Session(account))

    def sign_in(self, name: str, secret: str) -> Session:
        """Sign ``name`` in (replacing whoever was signed in, whose drafts stay theirs), or
        unlock the locked screen when it is the same person. ``UserFacingError`` for a
        wrong secret, a disabled account or a lockout; every attempt is audited. Safe on a
        worker thread: the check (about 0.15 s) runs on a connection of its own."""
        previous = self.session
        unlocking = previous is not None and previous.name.casefold() == name.casefold()
        try:
            with self._own_store(provider=name) as store:
                account = store.accounts.sign_in(name, secret, unlock=unlocking)
                if previous is not None and not unlocking:
                    store.accounts.record_event(
                        AccountAction.SIGN_OUT, previous.account, "another account signed in"
                    )
        except SignInRefused as exc:
            raise UserFacingError(exc.message, title="Not signed in") from exc
        except StorageError as exc:
            raise plain_error(exc) from exc
        if unlocking and previous is not None:
            previous.account = account
            previous.locked = False
            return self._begin(previous, fresh=False)
        return self._begin(Session(account))

    def lock(self, reason: str) -> None:
        """Lock the screen: nothing can be done until the same account unlocks it or another
        signs in. ``reason`` ("idle 5 minutes", "Ctrl+L") goes in the audit trail."""
        session = self.session
        if session is None or session.locked:
            return
        session.locked = True
        with contextlib.suppress(StorageError):  # the lock holds even if the log fails
            self.store.accounts.record_event(AccountAction.LOCK, session.account, reason)

    def sign_out(self) -> None:
        session, self.session = self.session, None
        self.store.provider = SYSTEM
        self._seen.clear()
        if session is not None:
            with contextlib.suppress(StorageError):
                self.store.accounts.record_event(AccountAction.SIGN_OUT, session.account)

    def _begin(self, session: Session, fresh: bool = True) -> Session:
        self.session = session
        self.store.provider = session.name
        if fresh:
            self._seen = set()
        return session

    def _own_store(self, provider: str) -> RecordStore:
        return RecordStore.open(
            self.db_path, catalog=self.catalog, verify=False, clock=self.clock, provider=provider
        )

    def drafts_of_signed_in(self):
        """The unfinished consultations the signed-in account may resume, newest first."""
        if not self.may(Permission.CONSULT):
            return []
        assert self.session is not None
        return self.drafts.all(owner=self.session.name)

    # -- accounts (administrators)

    def accounts(self) -> list[Account]:
        self.require(Permission.ACCOUNTS)
        try:
            return self.store.accounts.all()
        except StorageError as exc:
            raise plain_error(exc) from exc

    def add_account(self, name: str, role: Role, secret: str) -> Account:
        self.require(Permission.ACCOUNTS)
        try:
            return self.store.accounts.add(name, role, secret)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def set_account_active(self, name: str, active: bool) -> Account:
        self.require(Permission.ACCOUNTS)
        if not active and self.session is not None and self.session.name == name:
            raise UserFacingError("You cannot disable the account you are signed in with.")
        try:
            return self.store.accounts.set_active(name, active)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def set_account_secret(self, name: str, secret: str) -> Account:
        self.require(Permission.ACCOUNTS)
        try:
            return self.store.accounts.set_secret(name, secret)
        except StorageError as exc:
            raise plain_error(exc) from exc

    # -- reading the audit trail

    def audit_entries(self, query: AuditQuery) -> AuditPage:
        """Runs on a worker thread: the entries an administrator filtered for, newest
        first (a read-only connection of its own)."""
        self.require(Permission.AUDIT)
        try:
            with RecordStore.open(self.db_path, readonly=True, verify=False) as store:
                return store.audit.search(query)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def audit_names(self) -> tuple[list[str], list[str]]:
        """The accounts and the actions the trail holds (the viewer's filter lists)."""
        self.require(Permission.AUDIT)
        try:
            return self.store.audit.accounts_named(), sorted(self.store.audit.actions_named())
        except StorageError as exc:
            raise plain_error(exc) from exc

    def verify_audit(self) -> AuditReport:
        """Runs on a worker thread: ``db verify``'s walk of the chain."""
        self.require(Permission.AUDIT)
        try:
            with RecordStore.open(self.db_path, readonly=True, verify=False) as store:
                return store.audit.verify()
        except StorageError as exc:
            raise plain_error(exc) from exc

    def who_has_seen(self, patient_id: int) -> list[AuditEntry]:
        """Who viewed, printed, exported, created or changed this patient's record or one of
        their consultations, and when: newest first."""
        self.require(Permission.PATIENT_AUDIT)
        try:
            page = self.store.audit.search(AuditQuery(patient_id=patient_id, actions=SEEING))
        except StorageError as exc:
            raise plain_error(exc) from exc
        return list(page.entries)

    def export_audit(self, entries: list[AuditEntry], dest: Path, *, replace: bool) -> Path:
        """The entries shown, as a CSV file where the administrator asked (never onto the
        records, a backup or a link); the export is itself in the trail."""
        from consult.storage.audit_export import write_csv

        self.require(Permission.AUDIT)
        try:
            written = write_csv(entries, dest, records=self.records_file, replace=replace)
            with self.store.transaction():
                self.store.audit_event("export", "audit", detail=f"{len(entries)} entries as CSV")
        except (StorageError, OSError) as exc:
            raise plain_error(exc) from exc
        return written
