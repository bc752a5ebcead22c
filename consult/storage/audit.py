"""The audit trail: who did what to which record, and when, in a tamper-evident chain.

Each entry holds the time (UTC), the action, the kind of record and its id and uuid, the
provider, and a short detail without patient data (never a name, date of birth or note).
Its ``hash`` is SHA-256 over the canonical JSON of the entry's fields and the previous
entry's hash, so changing or deleting an entry outside the app breaks the chain from there
on. ``id`` is AUTOINCREMENT: SQLite remembers the highest id ever used, so even deleting the
newest entries shows. Triggers refuse UPDATE and DELETE on the table inside SQLite.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from consult.storage.part import Part, guarded, missing

if TYPE_CHECKING:
    from sqlite_utils import Database

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "at",
    "action",
    "record_type",
    "record_id",
    "record_uuid",
    "provider",
    "detail",
    "prev_hash",
)


class Action:
    CREATE = "create"
    UPDATE = "update"
    FINALIZE = "finalize"
    AMEND = "amend"
    DELETE = "delete"
    VIEW = "view"
    PRINT = "print"
    EXPORT = "export"
    IMPORT = "import"
    BACKUP = "backup"
    RESTORE = "restore"
    SEED_DEMO = "seed-demo"


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json({k: entry[k] for k in HASHED_FIELDS})).hexdigest()


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _last_used_id(db: Database) -> int:
    row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    return int(row[0]) if row else 0


def append(
    db: Database,
    action: str,
    record_type: str,
    record_id: int | None = None,
    record_uuid: str | None = None,
    provider: str = "",
    detail: str = "",
    at: str | None = None,
) -> int:
    """Add one entry at the end of the chain. Call inside the transaction of the change."""
    last = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    entry = {
        "id": _last_used_id(db) + 1,
        "at": at or now_utc(),
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "record_uuid": record_uuid,
        "provider": provider,
        "detail": detail,
        "prev_hash": last[0] if last else GENESIS,
    }
    entry["hash"] = entry_hash(entry)
    columns = ", ".join(entry)
    marks = ", ".join("?" for _ in entry)
    db.execute(f"INSERT INTO audit_log ({columns}) VALUES ({marks})", list(entry.values()))
    return entry["id"]


@dataclass(frozen=True)
class AuditReport:
    entries: int
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.intact:
            return f"The audit trail is intact ({self.entries} entries, each chained to the last)."
        count = len(self.problems)
        return (
            f"The audit trail has been changed outside the app: {count} problem"
            f"{'s' if count != 1 else ''} found in {self.entries} entries. Keep this file as it "
            "is for investigation, and restore a backup to go on working."
        )


def verify(db: Database) -> AuditReport:
    """Walk the chain from the first entry; report every entry changed, deleted or moved."""
    problems: list[str] = []
    expected_prev = GENESIS
    expected_id = 1
    count = 0
    cursor = db.execute(f"SELECT {', '.join(HASHED_FIELDS)}, hash FROM audit_log ORDER BY id")
    names = [*HASHED_FIELDS, "hash"]
    for values in cursor:
        entry = dict(zip(names, values, strict=True))
        count += 1
        ident = entry["id"]
        if ident > expected_id:
            problems.append(_deleted(expected_id, ident - 1))
        elif ident < expected_id:
            problems.append(f"Entry {ident} is out of order.")
        if entry["hash"] != entry_hash(entry):
            problems.append(f"Entry {ident} was changed after it was written.")
        if entry["prev_hash"] != expected_prev and ident == expected_id:
            problems.append(f"Entry {ident} does not follow the entry before it.")
        expected_prev = entry["hash"]
        expected_id = ident + 1
    last_used = _last_used_id(db)
    if last_used >= expected_id:
        problems.append(_deleted(expected_id, last_used, newest=True))
    return AuditReport(count, tuple(problems))


def _deleted(first: int, last: int, newest: bool = False) -> str:
    if first == last:
        return f"Entry {first}{', the newest,' if newest else ''} was deleted outside the app."
    return (
        f"Entries {first}–{last}{', the newest,' if newest else ''} were deleted outside the app."
    )


# --------------------------------------------------------------------------- the store's part

_RECORD_TABLES = {"consultation": "consultations", "patient": "patients"}


class AuditTrail(Part):
    """``store.audit``: what was done to the records, by whom; the chain's check."""

    @guarded
    def record(
        self,
        action: str,
        record_id: int | None,
        provider: str,
        record_type: str = "consultation",
        detail: str = "",
    ) -> None:
        """Log that ``provider`` viewed, printed or exported a record (no patient data)."""
        if action not in (Action.VIEW, Action.PRINT, Action.EXPORT):
            raise ValueError(f"record is for view, print and export, not {action!r}")
        table = _RECORD_TABLES.get(record_type)
        if table is None:
            raise ValueError(f"unknown record type {record_type!r}")
        record_uuid = self.store.uuid_of(table, record_id) if record_id is not None else None
        if record_id is not None and record_uuid is None:
            raise missing(record_type, record_id)
        with self.store.transaction():
            self.store.audit_event(action, record_type, record_id, record_uuid, provider, detail)

    @guarded
    def entries(
        self, record_type: str | None = None, record_id: int | None = None
    ) -> list[dict[str, Any]]:
        """The audit trail (oldest first), optionally for one record: a list of dicts."""
        if record_type is None:
            return list(self.db.query("SELECT * FROM audit_log ORDER BY id"))
        return list(
            self.db.query(
                "SELECT * FROM audit_log WHERE record_type = ? AND record_id IS ? ORDER BY id",
                [record_type, record_id],
            )
        )

    @guarded
    def verify(self) -> AuditReport:
        """Walk the chain (one state of it, while others may be saving)."""
        with self.store.snapshot():
            return verify(self.db)
