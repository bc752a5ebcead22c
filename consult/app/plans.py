"""The patient's plan: as it was agreed, rendered to PDF, saved where the user asked.

The windows (preview, print, save) and the command line (``consult render-plan``) use the same
steps: the plan is built by the domain's engine, a saved consultation keeps the dates it was
agreed with, and the PDF is written through ``storage.protect`` (never onto the records, a
backup or a link) and recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from consult.app.errors import UserFacingError
from consult.domain.catalog import Catalog
from consult.domain.model import ClinicCalendar, ClinicSettings, Consultation, Status
from consult.storage.errors import StorageError
from consult.storage.protect import check_output

if TYPE_CHECKING:
    from consult.domain.plan import Plan
    from consult.report.plan_pdf import PlanPdf, PlanPhoto
    from consult.storage.protocol import RecordStoreAPI

# reportlab (the plan PDF) is imported when the first plan is rendered, not at start-up.


def agreed_plan(catalog: Catalog, store: RecordStoreAPI, item: Consultation) -> Plan:
    """The plan of ``item`` with the clinic's settings; for a saved consultation, with the
    dates as they were agreed (settings changed since then do not move them). Whether it is
    confirmed, provisional or a letter follows the screening under the catalog in use."""
    settings = store.clinic.settings()
    stored = store.records.stored_plan(item.id) if item.id is not None else None
    # A saved plan keeps the dates it was agreed with: today's closures and holidays never
    # re-date it (it is built again only for what it says besides its dates).
    calendar = settings.calendar
    if stored is not None and stored.sessions:
        calendar = ClinicCalendar(frozenset(), frozenset())
    from consult.domain.plan import build_plan  # the plan engine, when a plan is first made

    plan = build_plan(catalog, item, calendar, settings.interval_weeks, settings.placeholders)
    if stored is None or not stored.sessions or plan.not_treating:
        # "Do not treat" under the catalog in use prints a letter, whatever was stored.
        return plan
    return replace(
        plan,
        sessions=stored.sessions,
        adjunct_visits=stored.adjunct_visits,
        interval_weeks=stored.interval_weeks or plan.interval_weeks,
        results_from=stored.results_from or plan.results_from,
        results_to=stored.results_to or plan.results_to,
    )


def render(
    catalog: Catalog,
    item: Consultation,
    plan: Plan,
    settings: ClinicSettings,
    *,
    lang: str | None = None,
    paper: str | None = None,
    large_print: bool = False,
    printed_on: date | None = None,
    replaces: tuple[str, date] | None = None,
    photos: Sequence[PlanPhoto] = (),
) -> PlanPdf:
    """The plan's PDF (pure work on data already read: safe on a worker thread).
    ``replaces``: for an amendment, the plan it replaces (see ``replaced``)."""
    from consult.report.plan_pdf import render_plan_pdf

    return render_plan_pdf(
        catalog,
        item,
        plan,
        settings,
        lang=lang,
        paper=paper or settings.paper_size,
        large_print=large_print,
        printed_on=printed_on or date.today(),
        plan_id=f"{item.id}",
        photos=photos,
        replaces=replaces,
    )


def replaced(store: RecordStoreAPI, item: Consultation) -> tuple[str, date] | None:
    """For an amendment, the plan it replaces: its id and date ("Revised plan: it replaces
    plan 12 of March 3, 2027"); None for a first plan."""
    if item.revision_of is None:
        return None
    old = store.records.consultation(item.revision_of)
    return str(old.id), old.date


def check_clinic(settings: ClinicSettings) -> None:
    """A plan is never printed without the clinic's name and phone (the plan is headed with
    the clinic and tells the patient to call it): UserFacingError naming what is missing."""
    missing = settings.missing_for_print()
    if missing:
        raise UserFacingError(
            f"The clinic's {' and '.join(missing)} must be set before a plan is printed (the "
            "plan tells the patient to call the clinic): set them in the app, under Settings."
        )


def save_pdf(
    data: bytes,
    dest: Path,
    *,
    records: Path | None,
    replace: bool,
    before_visible: Callable[[], None] | None = None,
) -> Path:
    """Write a plan the user asked for; never onto the records, a backup or a link, and over
    an existing file only with ``replace``. ``before_visible`` (the export's audit entry)
    runs before the file takes its name: if it fails, no file is left. Where it was written."""
    from consult.report.plan_pdf import write_pdf_atomic

    try:
        dest = check_output(dest, records=records, replace=replace, what="plan")
    except StorageError as exc:
        raise UserFacingError(exc.message) from exc
    try:
        write_pdf_atomic(data, dest, replace=replace, before_visible=before_visible)
    except FileExistsError:
        raise UserFacingError(
            f"{dest} appeared while the plan was being written; nothing was overwritten. "
            "Choose a new file name."
        ) from None
    return dest


def final_consultation(store: RecordStoreAPI, consultation_id: int) -> Consultation:
    """A saved consultation whose plan may be printed (UserFacingError for a draft)."""
    item = store.records.consultation(consultation_id)
    if item.status is not Status.FINAL:
        raise UserFacingError(
            f"Consultation {consultation_id} is a draft; finish it in the app before printing "
            "its plan."
        )
    return item


def export_plan(
    catalog: Catalog,
    store: RecordStoreAPI,
    consultation_id: int,
    dest: Path,
    *,
    lang: str | None = None,
    paper: str | None = None,
    large_print: bool = False,
    replace: bool = False,
) -> PlanPdf:
    """A saved consultation's plan written to ``dest`` and recorded as exported by the
    store's signed-in account."""
    item = final_consultation(store, consultation_id)
    lang = lang or item.patient.language
    if lang not in catalog.languages:
        names = ", ".join(catalog.languages)
        raise UserFacingError(f"The catalog has no {lang!r} texts (it has {names}).")
    settings = store.clinic.settings()
    check_clinic(settings)
    plan = agreed_plan(catalog, store, item)
    pdf = render(
        catalog,
        item,
        plan,
        settings,
        lang=lang,
        paper=paper,
        large_print=large_print,
        replaces=replaced(store, item),
    )
    save_pdf(
        bytes(pdf),
        dest,
        records=store.path,
        replace=replace,
        before_visible=lambda: store.audit.record("export", item.id, detail="render-plan"),
    )
    return pdf
