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
from dataclasses import replace
from datetime import date
from pathlib import Path

from consult.app import plans
from consult.app.draft import ConsultationDraft
from consult.app.drafts import DraftStore
from consult.app.errors import UserFacingError, plain_error
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
from consult.domain.plan import Plan, build_plan
from consult.storage import Cursor, Page, RecordStore
from consult.storage.backup import auto_backup
from consult.storage.database import private_folder
from consult.storage.errors import StorageError
from consult.storage.patient_list import PAGE
from consult.storage.protect import check_input
from consult.storage.rotation import stale_warning
from consult.system.files import write_private_atomic

SEARCH_CACHE_MIB = 8  # the pages the searches' connection keeps in memory (see search)
SEARCH_PAGE = PAGE  # patients listed at once: about a screenful; scrolling fetches the next
MAX_LOGO_BYTES = 10 * 1024**2
RECENT_DAYS = 7  # before anything is typed: the patients with a session this many days ahead

__all__ = ["RECENT_DAYS", "SEARCH_PAGE", "Clinic", "UserFacingError", "plain_error"]


class Clinic:
    """Open with the catalog, the records file and the data folder; close when done."""

    def __init__(self, catalog: Catalog, db_path: Path, data_folder: Path):
        self.catalog = catalog
        self.db_path = db_path
        self.data_folder = data_folder
        # The page-by-page check takes seconds on a large file: the daily backup runs it
        # off the window's thread instead (see auto_backup).
        self.store = RecordStore.open(db_path, catalog=catalog, verify=False)
        self.drafts = DraftStore(data_folder / "drafts")
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

    def find_patients(self, text: str) -> list[Patient]:
        rows = self.store.patient_list.search(text, limit=20).rows
        return [self.store.patients.get(row.id) for row in rows]

    # -- consultations

    def new_draft(self, today, patient: Patient | None = None) -> ConsultationDraft:
        """A consultation to fill in, for ``patient`` when one is chosen."""
        from consult.app.draft import PatientDraft

        draft = ConsultationDraft(self.catalog, self.settings(), today)
        if patient is not None:
            draft.patient = PatientDraft.of(patient)
        return draft

    def amendment_of(self, item: Consultation, today) -> ConsultationDraft:
        """A draft that amends the final consultation ``item`` when finished (its reason
        still to be written)."""
        draft = ConsultationDraft.from_consultation(self.catalog, self.settings(), today, item)
        draft.consultation_id = None
        draft.revision_of = item.id
        draft.amend_reason = ""
        return draft

    def plan_for(self, item: Consultation) -> Plan:
        """The plan of ``item``; for a saved one, with the dates as they were agreed."""
        return plans.agreed_plan(self.catalog, self.store, item)

    def finalize(self, draft: ConsultationDraft) -> Consultation:
        """Save a finished consultation as final (or as the amendment of the one it revises):
        the patient's details, the provider and the consultation with its plan, together or
        not at all."""
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
        with contextlib.suppress(StorageError):  # never stop a print because of the log
            self.store.audit.record(action, item.id, item.provider)

    def auto_backup(self) -> Path | None:
        """Runs on a worker thread: today's backup, if none was made yet (rotating)."""
        with RecordStore.open(self.db_path, verify=False) as store:
            return auto_backup(store)

    def backup_warning(self) -> str | None:
        """A warning when the newest automatic backup is over two days old (or missing)."""
        return stale_warning(self.db_path)

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
    ) -> bytes:
        """Pure work on data already read: safe on a worker thread."""
        return plans.render(
            self.catalog, item, plan, settings, large_print=large_print, replaces=replaces
        )

    def is_first_run(self) -> bool:
        """No clinic details yet and no patient: the welcome is shown."""
        if not self.settings().missing_for_print():
            return False
        return not self.store.conn.execute("SELECT 1 FROM patients LIMIT 1").fetchone()

    def load_demo(self, patients: int):
        """Runs on a worker thread: demo patients to try the app with (marked as demo), after
        a backup as ``db seed-demo`` makes."""
        from consult.storage.demo import seed_demo

        with RecordStore.open(self.db_path, catalog=self.catalog, verify=False) as store:
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
        if path.parent == self.viewer_folder:
            private_folder(self.viewer_folder)

        def audited() -> None:
            if item is not None:
                try:
                    self.store.audit.record("export", item.id, item.provider)
                except StorageError as exc:
                    raise plain_error(exc) from exc

        plans.save_pdf(data, path, records=self.db_path, replace=replace, before_visible=audited)
