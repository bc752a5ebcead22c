"""What the windows ask of the layers below, in one place (no widgets here).

The main window and dialogs call these; they call the repository (storage), the plan engine
(domain) and the PDF renderer (report). Errors from below arrive as ``UserFacingError`` with
a short message in plain words.
"""

from __future__ import annotations

import contextlib
import re
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from consult.context import agreed_plan
from consult.domain.amendment import reason_problem
from consult.domain.catalog import Catalog
from consult.domain.model import ClinicSettings, Consultation, Patient, Status
from consult.domain.plan import Plan, build_plan
from consult.fileio import write_private_atomic
from consult.resources import resource_path
from consult.storage.drafts import DraftStore
from consult.storage.errors import StorageError
from consult.storage.repository import PAGE, Cursor, Page, Repository

if TYPE_CHECKING:
    from consult.ui.wizard.state import ConsultationState

# reportlab (the plan PDF) is imported when the first plan is rendered, not at start-up.

SEARCH_CACHE_MIB = 8  # the pages the searches' connection keeps in memory (see search)
SEARCH_PAGE = PAGE  # patients listed at once: about a screenful; scrolling fetches the next
RECENT_DAYS = 7  # before anything is typed: the patients with a session this many days ahead


class UserFacingError(Exception):
    def __init__(self, message: str, title: str = ""):
        super().__init__(message)
        self.message = message
        self.title = title


def plain_error(exc: Exception) -> UserFacingError:
    """Any error from below as a short message in the provider's words (never a traceback)."""
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, StorageError):
        return UserFacingError(exc.message)
    if isinstance(exc, OSError):
        return UserFacingError(
            f"A file could not be read or written: {exc.strerror or exc}. Nothing you typed is "
            "lost; check the disk and folder, then try again."
        )
    return UserFacingError(
        "The app could not finish this. Nothing you typed is lost; try again, and if it keeps "
        f"happening, note the time and call your IT support. ({type(exc).__name__})"
    )


class Services:
    def __init__(self, catalog: Catalog, db_path: Path, data_folder: Path):
        self.catalog = catalog
        self.db_path = db_path
        self.data_folder = data_folder
        self.icon_path = resource_path("icons", "consult.svg")
        # The page-by-page check takes seconds on a large file: the daily backup runs it
        # off the UI thread instead (see auto_backup).
        self.repo = Repository.open(db_path, catalog=catalog, verify=False)
        self.drafts = DraftStore(data_folder / "drafts")
        self.viewer_folder = data_folder / "viewer"
        self.clear_viewer_copies()
        # The patient searches' own read-only connection, opened by the first (see search).
        self._search_lock = threading.Lock()
        self._search_repo: Repository | None = None
        self._closed = False

    def close(self) -> None:
        with self._search_lock:
            self._closed = True
            self._close_search_connection()
        self.repo.close()

    def _close_search_connection(self) -> None:
        if self._search_repo is not None:
            repo, self._search_repo = self._search_repo, None
            repo.close()

    # -- settings

    def settings(self) -> ClinicSettings:
        return self.repo.settings()

    def providers(self) -> list[str]:
        return list(self.repo.providers())

    def save_settings(self, settings: ClinicSettings, providers: list[str]) -> None:
        try:
            settings = self.keep_logo(settings)
            self.repo.save_settings(settings)
            for name in set(self.repo.providers()) - set(providers):
                self.repo.remove_provider(name)
            for name in providers:
                self.repo.save_provider(name)
        except (StorageError, OSError) as exc:
            raise plain_error(exc) from exc

    def keep_logo(self, settings: ClinicSettings) -> ClinicSettings:
        """A copy of the chosen logo in the data folder, so the plan keeps it when the
        original is moved or deleted (and it moves to a new computer with the data)."""
        if not settings.logo_path:
            return settings
        source = Path(settings.logo_path)
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
                with Repository.open(self.db_path, readonly=True, verify=False) as repo:
                    return self._search(repo, text, after)
            if self._search_repo is None:
                self._search_repo = Repository.open(
                    self.db_path, readonly=True, verify=False, any_thread=True
                )
                # A keystroke on 100,000 patients reads about 5 MiB of pages: kept, the next
                # keystroke finds them here instead of asking the OS (a quarter faster).
                self._search_repo.set_cache_size(SEARCH_CACHE_MIB)
            try:
                return self._search(self._search_repo, text, after)
            except StorageError:
                self._close_search_connection()  # the next search starts afresh
                raise

    @staticmethod
    def _search(repo: Repository, text: str, after: Cursor | None) -> Page:
        from consult.report import dates

        dates.short_date(date.today())  # the list's dates: their locale data loaded here
        if not text.strip():
            return repo.recent_patients(limit=SEARCH_PAGE, after=after, days=RECENT_DAYS)
        return repo.search_patients(text, limit=SEARCH_PAGE, after=after)

    def find_patients(self, text: str) -> list[Patient]:
        rows = self.repo.search_patients(text, limit=20).rows
        return [self.repo.get_patient(row.id) for row in rows]

    # -- consultations

    def plan_for(self, item: Consultation) -> Plan:
        """The plan of ``item``; for a saved one, with the dates as they were agreed."""
        return agreed_plan(self.catalog, self.repo, item)

    def finalize(self, state: ConsultationState) -> Consultation:
        patient = state.patient().validated(
            state.today, state.settings.min_age, self.catalog.languages
        )
        if state.revision_of is not None and (problem := reason_problem(state.amend_reason)):
            raise UserFacingError(problem, "The amendment was not saved")
        try:
            # One transaction: the patient's details, the provider and the consultation are
            # saved together or not at all.
            with self.repo.transaction():
                patient = self.repo.save_patient(patient)
                item = replace(state.consultation(Status.FINAL), patient=patient)
                settings = self.settings()
                plan = build_plan(self.catalog, item, settings.calendar, settings.interval_weeks)
                if item.provider not in self.providers():
                    self.repo.save_provider(item.provider)  # offered next time
                if state.revision_of is not None:
                    return self.repo.amend(state.revision_of, item, plan)
                return self.repo.finalize(item, plan)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def audit(self, action: str, item: Consultation) -> None:
        with contextlib.suppress(StorageError):  # never stop a print because of the log
            self.repo.record_event(action, item.id, item.provider)

    def auto_backup(self):
        """Runs on a worker thread: today's backup, if none was made yet (rotating)."""
        with Repository.open(self.db_path, verify=False) as repo:
            return repo.auto_backup()

    # -- the plan PDF

    def replaced(self, item: Consultation) -> tuple[str, date] | None:
        """For an amendment, the plan it replaces (its id and date), as its plan says."""
        if item.revision_of is None:
            return None
        try:
            old = self.repo.get_consultation(item.revision_of)
        except StorageError as exc:
            raise plain_error(exc) from exc
        return str(old.id), old.date

    def render(
        self,
        item: Consultation,
        plan: Plan,
        settings: ClinicSettings,
        large_print: bool = False,
        replaces: tuple[str, date] | None = None,
    ) -> bytes:
        """Pure work on data already read: safe on a worker thread."""
        from consult.report.plan_pdf import render_plan_pdf

        return render_plan_pdf(
            self.catalog,
            item,
            plan,
            settings,
            paper=settings.paper_size,
            large_print=large_print,
            printed_on=date.today(),
            plan_id=f"{item.id}",
            replaces=replaces,
        )

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

    def is_first_run(self) -> bool:
        """No clinic details yet and no patient: the welcome is shown."""
        settings = self.settings()
        return bool(settings.missing_for_print()) and not self.repo.counts().get("patients")

    def load_demo(self, patients: int):
        """Runs on a worker thread: demo patients to try the app with (marked as demo), after
        a backup as ``db seed-demo`` makes."""
        from consult.storage.demo import seed_demo

        with Repository.open(self.db_path, catalog=self.catalog, verify=False) as repo:
            repo.auto_backup()
            return seed_demo(repo, self.catalog, patients)

    def save_pdf(self, data: bytes, path: Path) -> None:
        from consult.report.plan_pdf import write_pdf_atomic

        path.parent.mkdir(parents=True, exist_ok=True)
        write_pdf_atomic(data, path)
