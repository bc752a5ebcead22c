"""Sub-commands of ``consult``. Each module has ``register(subparsers, common)``.

``common`` is a parent parser carrying the options every command accepts (``--db``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

MODULES = (
    "consult.commands.accounts",
    "consult.commands.catalog",
    "consult.commands.consent",
    "consult.commands.course",
    "consult.commands.db",
    "consult.commands.photos",
    "consult.commands.report",
    "consult.commands.selftest",
)


def records_target(text: str) -> Path | str:
    """``--db``: a records file, or the clinic's server (a postgresql:// address, checked:
    never one with a password in it)."""
    from consult.system.records_location import LocationError, checked_url, is_server

    if is_server(text):
        try:
            return checked_url(text)
        except LocationError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return Path(text)
