"""``consult db copy SRC DEST``: every record, audit trail included, from one engine to the other.

A clinic moving to its server copies its SQLite file into an empty PostgreSQL database; one
leaving the server copies back into a new file. Rows keep their ids (the audit trail names
records by id) and every column as it is, so the audit chain and every record's seal verify
on the destination exactly as on the source. The copy is one transaction on the destination:
it is there whole, or not at all. A destination that already holds records is refused.

Finished consultations cannot gain parts (the guard triggers), so each consultation is first
written unfinished, its parts after it, and then finished with the revision it replaces, as
an import does.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from consult.storage import audit
from consult.storage.audit import Action
from consult.storage.errors import StorageError
from consult.storage.pictures import copy_pictures

if TYPE_CHECKING:
    from consult.storage.store import RecordStore

#: Every table of records, in an order in which each row's references are already there.
TABLES = (
    "settings",
    "providers",
    "accounts",
    "patients",
    "name_keys",
    "consultations",
    "consultation_areas",
    "consultation_zones",
    "consultation_concerns",
    "consultation_adjuncts",
    "planned_sessions",
    "adjunct_visits",
    "consents",
    "visits",
    "course_changes",
    "photos",
    "photo_thumbnails",
    "photo_deletions",
    "audit_log",
)
BATCH = 2_000


class CopyError(StorageError):
    """The records cannot be copied (a destination that is not empty, another schema)."""


@dataclass(frozen=True)
class CopyResult:
    counts: dict[str, int]
    audit_entries: int

    def summary(self, source: str, dest: str) -> str:
        shown = ", ".join(
            f"{self.counts.get(t, 0)} {t}"
            for t in ("patients", "consultations", "consents", "visits", "photos")
        )
        return (
            f"Copied every record from {source} to {dest}: {shown}, and the audit trail "
            f"({self.audit_entries} entries)."
        )


def _columns(store: RecordStore, table: str) -> list[str]:
    return [row[1] for row in store.conn.execute(f"PRAGMA table_info({table})")]


def _count(store: RecordStore, table: str) -> int:
    return int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def copy_records(
    source: RecordStore,
    dest: RecordStore,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> CopyResult:
    """Copy every record of ``source`` into ``dest`` (empty, same schema), in one
    transaction on ``dest`` and one snapshot of ``source``."""
    for table in TABLES:
        if _columns(source, table) != _columns(dest, table):
            raise CopyError(
                f"The two sets of records are not of the same version (the table {table} "
                "differs), so nothing was copied. Open each once with this version of the "
                "app, then copy again."
            )
    full = [t for t in TABLES if _count(dest, t)]
    if full:
        raise CopyError(
            f"The destination ({dest.where}) already holds records ({', '.join(full[:3])}), "
            "so nothing was copied: a copy never mixes two clinics' records. Copy into a new "
            "file, or an empty database on the server."
        )
    counts: dict[str, int] = {}
    with source.snapshot():
        # The pictures first, as for a photo taken in: no photo row without its picture.
        live = sorted(source.photos.live_hashes()) if _count(source, "photos") else []
        target = dest.photos.pictures if live else None
        added = [s for s in live if target is not None and s not in target.names()]
        try:
            if target is not None:
                copy_pictures(source.photos.pictures, target, live)
            return _copy_rows(source, dest, counts, progress)
        except BaseException:
            for sha in added:
                with contextlib.suppress(Exception):
                    target.remove(sha)  # type: ignore[union-attr]
            raise


def _copy_rows(
    source: RecordStore,
    dest: RecordStore,
    counts: dict[str, int],
    progress: Callable[[str, int], None] | None,
) -> CopyResult:
    with dest.transaction():
        finals: list[tuple[int, int | None]] = []
        for table in TABLES:
            counts[table] = _copy_table(source, dest, table, finals, progress)
        dest.conn.executemany(
            "UPDATE consultations SET status = 'final', revision_of = ? WHERE id = ?",
            [(revision, ident) for ident, revision in finals],
        )
        last = audit._last_used_id(source.db)
        head = source.conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
        row = head.fetchone()
        _follow_identities(dest, last, row[0] if row else audit.GENESIS)
        dest.audit_event(
            Action.IMPORT,
            "database",
            detail=json.dumps(
                {"copied_from": source.where if source.on_server else "a records file"}
                | {t: counts[t] for t in ("patients", "consultations", "audit_log")},
                sort_keys=True,
            ),
        )
    return CopyResult(counts, counts["audit_log"] + 1)


def _copy_table(
    source: RecordStore,
    dest: RecordStore,
    table: str,
    finals: list[tuple[int, int | None]],
    progress: Callable[[str, int], None] | None,
) -> int:
    columns = _columns(source, table)
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    order = "id" if "id" in columns else ", ".join(columns[:3])
    if table == "consultations":
        status = columns.index("status")
        revision = columns.index("revision_of")
    copied = 0
    cursor = source.conn.execute(f"SELECT {names} FROM {table} ORDER BY {order}")
    while True:
        rows: list[Any] = cursor.fetchmany(BATCH)
        if not rows:
            break
        if table == "consultations":
            # Unfinished first, so that their parts may be written; finished afterwards.
            batch = []
            for row in rows:
                values = list(row)
                if values[status] == "final":
                    finals.append((values[0], values[revision]))
                    values[status] = "draft"
                values[revision] = None
                batch.append(values)
            rows = batch
        if dest.on_server:
            dest.conn.copy_rows(table, columns, rows)  # type: ignore[attr-defined]
        else:
            dest.conn.executemany(insert, rows)
        copied += len(rows)
        if progress is not None:
            progress(table, copied)
    return copied


def _follow_identities(dest: RecordStore, last_audit_id: int, last_hash: str) -> None:
    """The next id of each table after the copied rows, and the chain's head: on the server
    its identities and ``audit_head``; in a file, SQLite's AUTOINCREMENT record."""
    if dest.on_server:
        from consult.storage.server import ID_TABLES

        for table in sorted(ID_TABLES):
            dest.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        audit.move_head(dest.db, last_audit_id, last_hash)
        return
    # A newest entry deleted on the source still counts, as it did there.
    dest.conn.execute(
        "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'audit_log'", [last_audit_id]
    )
