"""The command line: ``consult`` starts the app; sub-commands work without a display."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from consult import __version__

HEADLESS_COMMANDS = "consult catalog validate, consult catalog summary, consult --version"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="consult",
        description="Consultation assistant for microneedling clinics. "
        "With no command, opens the app window.",
    )
    parser.add_argument("--version", action="version", version=f"consult {__version__}")
    parser.add_argument(
        "--quit-after-launch",
        action="store_true",
        help="open the main window, wait until it is shown, then exit (for smoke tests)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    catalog = commands.add_parser("catalog", help="check or summarise the clinic catalog")
    catalog_commands = catalog.add_subparsers(
        dest="catalog_command", metavar="ACTION", required=True
    )
    validate = catalog_commands.add_parser(
        "validate",
        help="check a catalog and list every problem (exit 1 if any)",
        description="With no FILE, checks the catalog the app would use (the built-in one with "
        "the clinic's own laid over it). FILE may be a clinic catalog file, laid over the "
        "built-in one, or a folder holding a whole catalog.",
    )
    validate.add_argument("file", nargs="?", type=Path, metavar="FILE")
    catalog_commands.add_parser("summary", help="print what the catalog holds")
    return parser


def _has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )


def _catalog_validate(path: Path | None) -> int:
    from consult.context import builtin_catalog_dir
    from consult.domain.catalog import Problem, check
    from consult.paths import clinic_catalog_file

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


def _catalog_summary() -> int:
    from consult.context import load_catalog
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


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "catalog":
        if args.catalog_command == "validate":
            return _catalog_validate(args.file)
        return _catalog_summary()
    if not _has_display():
        print(
            "consult: no display found, so the app window cannot open; "
            f"commands that need no display: {HEADLESS_COMMANDS}.",
            file=sys.stderr,
        )
        return 2
    from consult.ui.app import run_app

    return run_app(quit_after_launch=args.quit_after_launch)
