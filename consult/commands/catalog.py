"""``consult catalog validate|summary``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(commands, common: argparse.ArgumentParser) -> None:
    catalog = commands.add_parser(
        "catalog", parents=[common], help="check or summarise the clinic catalog"
    )
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    validate = actions.add_parser(
        "validate",
        parents=[common],
        help="check a catalog and list every problem (exit 1 if any)",
        description="With no FILE, checks the catalog the app would use (the built-in one with "
        "the clinic's own laid over it). FILE may be a clinic catalog file, laid over the "
        "built-in one, or a folder holding a whole catalog.",
    )
    validate.add_argument("file", nargs="?", type=Path, metavar="FILE")
    validate.set_defaults(func=validate_command)
    summary = actions.add_parser("summary", parents=[common], help="print what the catalog holds")
    summary.set_defaults(func=summary_command)


def validate_command(args: argparse.Namespace) -> int:
    from consult.app.catalog import builtin_catalog_dir
    from consult.domain.catalog import Problem, check
    from consult.system.folders import clinic_catalog_file

    path: Path | None = args.file
    if path is None:
        clinic = clinic_catalog_file()
        catalog, problems = check(builtin_catalog_dir(), clinic if clinic.exists() else None)
        checked = (
            f"the built-in catalog with {clinic}" if clinic.exists() else "the built-in catalog"
        )
    elif path.is_dir():
        catalog, problems = check(path)
        checked = str(path)
    elif not path.exists():
        catalog, problems = None, [Problem(path.name, "(file)", "does not exist")]
        checked = str(path)
    else:
        catalog, problems = check(builtin_catalog_dir(), path)
        checked = f"{path} (laid over the built-in catalog)"
    if problems:
        for problem in problems:
            print(problem)
        count = len(problems)
        print(f"{count} problem{'s' if count != 1 else ''} in {checked}.", file=sys.stderr)
        return 1
    print(f"{checked}: valid (catalog version {catalog.version}).")
    return 0


def summary_command(args: argparse.Namespace) -> int:
    from consult.app.catalog import load_catalog
    from consult.domain.catalog import CatalogError

    try:
        result = load_catalog()
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 1
    catalog = result.catalog
    print(f"Catalog version {catalog.version}; languages: {', '.join(catalog.languages)}")
    for name, count in catalog.counts().items():
        print(f"  {name}: {count}")
    for problem in result.clinic_problems:
        print(f"Not using the clinic catalog: {problem}", file=sys.stderr)
    return 0
