"""The command line: ``consult`` starts the app; sub-commands work without a display."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys

from consult import __version__
from consult.commands import MODULES, records_target


def build_parser(with_commands: bool = True) -> argparse.ArgumentParser:
    """The command line. Without ``with_commands``, only the options that open the window:
    building the sub-commands' parsers (importing their modules) is skipped at start-up."""
    parser = argparse.ArgumentParser(
        prog="consult",
        description="Consultation assistant for microneedling clinics. "
        "With no command, opens the app window.",
    )
    parser.add_argument("--version", action="version", version=f"consult {__version__}")
    parser.add_argument(
        "--db",
        type=records_target,
        metavar="PATH|URL",
        help="the records: a database file, or the clinic's server as "
        "postgresql://USER@HOST/DATABASE (default: File → Records…, else records.sqlite3 "
        "in the data folder)",
    )
    parser.add_argument(
        "--quit-after-launch",
        action="store_true",
        help="open the main window, wait until it is shown, then exit (for smoke tests)",
    )
    add_account_options(parser, suppress=False)
    if not with_commands:
        parser.set_defaults(command=None)
        return parser
    # Every command also takes --db after its name; SUPPRESS keeps the top-level value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=records_target,
        metavar="PATH|URL",
        default=argparse.SUPPRESS,
        help="the records: a database file, or postgresql://USER@HOST/DATABASE",
    )
    add_account_options(common, suppress=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in MODULES:
        importlib.import_module(name).register(commands, common)
    return parser


def configured_records(args: argparse.Namespace) -> str | None:
    """Without ``--db``, the records this computer is set to use (File → Records…); the
    reason, in plain words, when that setting cannot be used (None when all is well)."""
    if getattr(args, "db", None) is not None:
        return None
    from consult.system.records_location import LocationError, configured

    try:
        args.db = configured()
    except LocationError as exc:
        return str(exc)
    return None


def add_account_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """``--user`` and ``--password-stdin`` (see ``consult.commands.credentials``): on the
    top-level parser, and on every command (``suppress``: a command's own option does not
    hide the top-level value)."""
    parser.add_argument(
        "--user",
        metavar="NAME",
        default=argparse.SUPPRESS if suppress else None,
        help="the account to run a command as (default: $CONSULT_USER, or asked)",
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="read the PIN or password from the first line of standard input "
        "(it is never taken from the command line)",
    )


def has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )


def headless_commands(parser: argparse.ArgumentParser) -> list[str]:
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [f"consult {name}" for name in subparsers.choices]


def opens_window(argv: list[str]) -> bool:
    """True when ``argv`` can only mean "open the window": options alone, no command, no
    help. (``--db PATH`` looks like a command here; the whole parser then reads it.)"""
    return all(arg.startswith("-") and arg not in ("-h", "--help") for arg in argv)


def run(argv: list[str], *, entry: bool = False) -> int:
    """Run the command ``argv`` names, or the app. ``entry``: this is the start of the
    ``consult`` process (nothing has opened a database yet)."""
    parser = build_parser(with_commands=not opens_window(argv))
    args = parser.parse_args(argv)
    if entry and args.command is not None:
        from consult.storage.sqlite_library import without_memory_statistics

        without_memory_statistics()  # before any database is opened: see its module
    problem = configured_records(args)
    if problem is not None and (args.command is not None or not has_display()):
        print(f"consult: {problem}", file=sys.stderr)
        return 1
    if args.command is not None:
        return args.func(args)
    if not has_display():
        names = ", ".join(headless_commands(build_parser()))
        print(
            "consult: no display found, so the app window cannot open; without a display use "
            f"{names} or consult --version (consult --help says more).",
            file=sys.stderr,
        )
        return 2
    from consult.system import qtlibs

    if qtlibs.uses_xcb():
        missing = qtlibs.missing_packages()
        if missing:
            print(qtlibs.missing_message(missing), file=sys.stderr)
            return 2
    # Start-up makes hundreds of thousands of objects that live as long as the app (modules,
    # Qt's types, the catalog): the cycle collector would go over them again and again while
    # they are made. It is held off until the window is shown, then those objects are set
    # aside for good (gc.freeze) so that later collections skip them too.
    gc.disable()
    try:
        from consult.ui.app import run_app

        return run_app(
            quit_after_launch=args.quit_after_launch, db_path=args.db, records_problem=problem
        )
    finally:
        gc.enable()
