"""``consult demo-plan`` (a built-in demo, no records) and ``consult render-plan`` (a saved one)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


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
    saved.add_argument("--lang", help="the plan's language (default: the patient's)")
    saved.add_argument("--paper", choices=("a4", "letter"), help="default: the clinic's setting")
    saved.add_argument("--large-print", action="store_true", help="body text of 14 pt or more")
    saved.set_defaults(func=render_plan_command)


def demo_plan_command(args: argparse.Namespace) -> int:
    from consult.context import load_catalog
    from consult.domain.catalog import CatalogError
    from consult.domain.plan import build_plan
    from consult.report.demo import DEMO_NAME, DEMO_PLAN_ID, demo_clinic, demo_consultation
    from consult.report.plan_pdf import render_plan_pdf, write_pdf_atomic

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
        write_pdf_atomic(pdf, args.output)
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
    from consult.context import agreed_plan, load_catalog
    from consult.domain.catalog import CatalogError
    from consult.domain.model import Status
    from consult.report.plan_pdf import render_plan_pdf, write_pdf_atomic
    from consult.storage.errors import StorageError
    from consult.storage.repository import Repository

    try:
        catalog = load_catalog().catalog
        with Repository.open(args.db, catalog=catalog, create=False, verify=False) as repo:
            item = repo.get_consultation(args.consultation_id)
            if item.status is not Status.FINAL:
                print(
                    f"consult: consultation {args.consultation_id} is a draft; finish it in the "
                    "app before printing its plan.",
                    file=sys.stderr,
                )
                return 1
            lang = args.lang or item.patient.language
            if lang not in catalog.languages:
                names = ", ".join(catalog.languages)
                print(
                    f"consult: the catalog has no {lang!r} texts (it has {names}).", file=sys.stderr
                )
                return 2
            settings = repo.settings()
            missing = settings.missing_for_print()
            if missing:
                print(
                    f"consult: the clinic's {' and '.join(missing)} must be set before a plan is "
                    "printed (the plan tells the patient to call the clinic): set them in the "
                    "app, under Settings.",
                    file=sys.stderr,
                )
                return 1
            plan = agreed_plan(catalog, repo, item)
            replaces = None
            if item.revision_of is not None:
                old = repo.get_consultation(item.revision_of)
                replaces = (str(old.id), old.date)
            pdf = render_plan_pdf(
                catalog,
                item,
                plan,
                settings,
                lang=lang,
                paper=args.paper or settings.paper_size,
                large_print=args.large_print,
                printed_on=date.today(),
                plan_id=str(item.id),
                replaces=replaces,
            )
            write_pdf_atomic(pdf, args.output)
            repo.record_event("export", item.id, "command line", detail="render-plan")
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 1
    except StorageError as exc:
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
    return 0
