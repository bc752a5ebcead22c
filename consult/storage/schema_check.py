"""The file's structure against what the migrations make: a trigger or table changed outside
the app shows.

Someone with the file can add a trigger that quietly rewrites what is saved (a restored backup
that changes every new screening answer), drop the guards that keep final consultations and
the audit trail from changing, or alter a table. SQLite's own checks see nothing wrong with
any of that. So ``db check`` and ``db restore`` compare every table, column, index, trigger
and view in the file with the schema the migrations make for its version — kept, one file a
version, in ``resources/schema/schema-vN.sql`` (a test rebuilds each from the migrations and
compares) — and report any difference as a change made outside the app.

A file missing only guard triggers can be mended: ``restore_guards`` puts them back as the
migrations wrote them, once the person at the desk has been told (``db check --repair`` or
the app's own question at start-up). Anything else is refused: restore a backup.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cache

from consult.system.resources import resource_path

Key = tuple[str, str]  # (type, name)


def _normalised(sql: str) -> str:
    return " ".join(sql.split())


@cache
def reference(version: int) -> dict[Key, str]:
    """The objects the migrations make for ``version``: (type, name) -> normalised SQL."""
    text = resource_path("schema", f"schema-v{version}.sql").read_text(encoding="utf-8")
    found: dict[Key, str] = {}
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        if len(lines) >= 2 and lines[0].startswith("-- "):
            kind, name = lines[0][3:].split(" ", 1)
            found[kind, name] = _normalised(" ".join(lines[1:]).rstrip(";"))
    return found


def current(conn: sqlite3.Connection) -> dict[Key, str]:
    return {
        (kind, name): _normalised(sql)
        for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        )
    }


@dataclass(frozen=True)
class Difference:
    change: str  # "extra", "missing" or "altered"
    kind: str  # table, index, trigger, view
    name: str

    def __str__(self) -> str:
        return {
            "extra": f"an added {self.kind} {self.name!r}",
            "missing": f"the {self.kind} {self.name!r} is missing",
            "altered": f"the {self.kind} {self.name!r} was altered",
        }[self.change]


def differences(conn: sqlite3.Connection, version: int) -> list[Difference]:
    """How the file's structure differs from what the migrations make for ``version``."""
    try:
        wanted = reference(version)
    except OSError:
        return []  # a version this app has no snapshot of is refused when opened
    found = current(conn)
    result = [Difference("extra", k, n) for (k, n) in sorted(found.keys() - wanted.keys())]
    result += [Difference("missing", k, n) for (k, n) in sorted(wanted.keys() - found.keys())]
    result += [
        Difference("altered", k, n)
        for (k, n) in sorted(found.keys() & wanted.keys())
        if found[k, n] != wanted[k, n]
    ]
    return result


def only_missing_guards(found: list[Difference]) -> bool:
    """True when the only differences are guard triggers that are missing (mendable)."""
    return bool(found) and all(d.change == "missing" and d.kind == "trigger" for d in found)


def describe(found: list[Difference]) -> str:
    shown = "; ".join(str(d) for d in found[:8])
    more = f"; and {len(found) - 8} more" if len(found) > 8 else ""
    return (
        f"The records' structure was changed outside the app ({shown}{more}). A trigger or "
        "table added or changed this way can quietly alter what is saved."
    )


def restore_guards(conn: sqlite3.Connection, version: int) -> list[str]:
    """Put back the missing guard triggers as the migrations wrote them; their names."""
    wanted = reference(version)
    missing = [
        d for d in differences(conn, version) if d.change == "missing" and d.kind == "trigger"
    ]
    with conn:
        for d in missing:
            conn.execute(wanted["trigger", d.name])
    return [d.name for d in missing]
