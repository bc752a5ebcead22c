"""``consult demo-plan``: print the plan of a built-in demo consultation (no database)."""

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
