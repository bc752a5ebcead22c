"""``consult demo-plan`` (a built-in demo, no records) and ``consult render-plan`` (a saved one)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

FORCE_HELP = (
    "replace FILE.pdf if it exists (never the records file, a backup, another database or a link)"
)


def output_target(args: argparse.Namespace) -> Path | None:
    """Where the plan may be written, or ``None`` after saying why not (see storage.protect):
    checked before the plan is rendered, and again when it is written."""
    from consult.storage.database import resolve
    from consult.storage.errors import StorageError
    from consult.storage.protect import check_output

    try:
        return check_output(args.output, records=resolve(args.db), replace=args.force, what="plan")
    except StorageError as exc:
        print(f"consult: {exc.message}", file=sys.stderr)
        return None


def register(commands, common: argparse.ArgumentParser) -> None:
    demo = commands.add_parser(
        "demo-plan",
        parents=[common],
        help="write the patient's plan for a built-in demo consultation as a PDF",
        description="Renders the printed plan of a demo consultation (face: acne scars and "
        "texture, with a peel, a facial and skincare), to see how plans look. Touches no "
        "records database.",
    )
    demo.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")
    demo.add_argument("--force", action="store_true", help=FORCE_HELP)
    demo.add_argument("--name", help="the demo patient's name (any script)")
    demo.add_argument("--lang", help="the plan's language (default: en)")
    demo.add_argument("--paper", choices=("a4", "letter"), default="a4")
    demo.add_argument("--large-print", action="store_true", help="body text of 14 pt or more")
    demo.set_defaults(func=demo_plan_command)

    saved = commands.add_parser(
        "render-plan",
        parents=[common],
        help="write the patient's plan of a saved consultation as a PDF",
        description="Renders the printed plan of a finished consultation from the records, "
        "in the patient's language and on the clinic's paper unless told otherwise. The "
        "export is written to the audit trail.",
    )
    saved.add_argument("consultation_id", type=int, metavar="CONSULTATION_ID")
    saved.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")
    saved.add_argument("--force", action="store_true", help=FORCE_HELP)
    saved.add_argument("--lang", help="the plan's language (default: the patient's)")
    saved.add_argument("--paper", choices=("a4", "letter"), help="default: the clinic's setting")
    saved.add_argument("--large-print", action="store_true", help="body text of 14 pt or more")
    saved.set_defaults(func=render_plan_command)


def demo_plan_command(args: argparse.Namespace) -> int:
    from consult.app import plans
    from consult.app.catalog import load_catalog
    from consult.app.errors import UserFacingError
    from consult.domain.catalog import CatalogError
    from consult.domain.plan import build_plan
    from consult.report.demo import DEMO_NAME, DEMO_PLAN_ID, demo_clinic, demo_consultation
    from consult.report.plan_pdf import render_plan_pdf
    from consult.storage.database import resolve

    try:
        catalog = load_catalog().catalog
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 1
    lang = args.lang or "en"
    if lang not in catalog.languages:
        names = ", ".join(catalog.languages)
        print(f"consult: the catalog has no {lang!r} texts (it has {names}).", file=sys.stderr)
        return 2
    dest = output_target(args)
    if dest is None:
        return 1
    today = date.today()
    clinic = demo_clinic(catalog)
    consultation = demo_consultation(catalog, today, args.name or DEMO_NAME, lang)
    plan = build_plan(catalog, consultation, clinic.calendar, clinic.interval_weeks)
    try:
        pdf = render_plan_pdf(
            catalog,
            consultation,
            plan,
            clinic,
            paper=args.paper,
            large_print=args.large_print,
            printed_on=today,
            plan_id=DEMO_PLAN_ID,
        )
        plans.save_pdf(bytes(pdf), dest, records=resolve(args.db), replace=args.force)
    except UserFacingError as exc:
        print(f"consult: {exc.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"consult: could not write the plan to {args.output}: {exc}", file=sys.stderr)
        return 1
    if pdf.missing_characters:
        codes = ", ".join(pdf.missing_characters)
        print(
            f"consult: no font has these characters; they print as [?]: {codes}",
            file=sys.stderr,
        )
    for warning in pdf.warnings:
        print(f"consult: {warning}", file=sys.stderr)
    pages = pdf.page_count
    print(f"Wrote {args.output} ({pages} page{'s' if pages != 1 else ''}).")
    return 0


def render_plan_command(args: argparse.Namespace) -> int:
    from consult.app import plans
    from consult.app.catalog import load_catalog
    from consult.app.errors import UserFacingError
    from consult.commands import credentials
    from consult.domain.access import Permission
    from consult.domain.catalog import CatalogError
    from consult.storage import RecordStore
    from consult.storage.errors import StorageError

    dest = output_target(args)
    if dest is None:
        return 1
    try:
        catalog = load_catalog().catalog
        with RecordStore.open(args.db, catalog=catalog, create=False, verify=False) as store:
            credentials.sign_in(args, store, Permission.PRINT_PLAN)
            pdf = plans.export_plan(
                catalog,
                store,
                args.consultation_id,
                dest,
                lang=args.lang,
                paper=args.paper,
                large_print=args.large_print,
                replace=args.force,
            )
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (StorageError, UserFacingError) as exc:
        print(f"consult: {exc.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"consult: could not write the plan to {args.output}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    pages = pdf.page_count
    print(f"Wrote {args.output} ({pages} page{'s' if pages != 1 else ''}).")
    credentials.note_if_unprotected()
    return 0
