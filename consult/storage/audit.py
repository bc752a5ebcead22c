"""The audit trail: who did what to which record, and when, in a tamper-evident chain.

Each entry holds the time (UTC), the action, the kind of record and its id and uuid, the
provider, and a short detail without patient data (never a name, date of birth or note).
Its ``hash`` is SHA-256 over the canonical JSON of the entry's fields and the previous
entry's hash, so changing or deleting an entry outside the app breaks the chain from there
on. An entry for a change to a patient or a consultation also carries the record's content
hash after the change (``content_hash``, schema 5; see ``content``), inside the chained fields,
so the records themselves are sealed too. ``id`` is AUTOINCREMENT: SQLite remembers the
highest id ever used, so even deleting the newest entries shows. Triggers refuse UPDATE and
DELETE on the table inside SQLite.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from consult.storage import content
from consult.storage.engine import on_server

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


CONTENT_FIELD = "content_hash"  # chained when present (entries from schema 5 on)


class Action:
    SEAL = "seal"  # a record's content hash, written when an older file was upgraded
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
    SIGN = "sign"  # a consent signed (or refused, deferred, withdrawn: its detail says which)
    CHECK_IN = "check-in"  # a patient checked in for a session (not sealed: it may change)
    CHART = "chart"  # a visit signed off (sealed)
    RESCHEDULE = "reschedule"  # a change to a course's dates (its detail: which kind)
    RECALL = "recall"  # the patients treated with a cartridge lot were listed
    COMPARE = "compare"  # two photos shown side by side (an entry for each)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 (not escaped): byte for byte what
    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` gives,
    which the chain has always hashed (a test holds the two to it), ten times faster."""
    return msgspec.json.encode(value, order="sorted")


# The hashed fields as structs whose fields are in the canonical JSON's (sorted) order:
# msgspec writes a struct's fields in the order declared, so ``_encode(_Sealed(...))`` is
# byte for byte ``canonical_json`` of the same fields as a dict, without building the dict
# and sorting its keys for every entry (a test holds the two to it).


class _Sealed(msgspec.Struct):
    """An entry with a content hash (schema 5 on)."""

    action: Any
    at: Any
    content_hash: Any
    detail: Any
    id: Any
    prev_hash: Any
    provider: Any
    record_id: Any
    record_type: Any
    record_uuid: Any


class _Unsealed(msgspec.Struct):
    """An entry without one."""

    action: Any
    at: Any
    detail: Any
    id: Any
    prev_hash: Any
    provider: Any
    record_id: Any
    record_type: Any
    record_uuid: Any


#: Every hashed field, the content hash included, in the canonical order; a row read in this
#: order is hashed by ``_row_hash``.
SORTED_FIELDS = tuple(_Sealed.__struct_fields__)
_encode = msgspec.json.Encoder().encode


def _row_hash(values: tuple[Any, ...] | list[Any]) -> str:
    """The hash of an entry given as its ``SORTED_FIELDS``' values (content hash None: left
    out, as entries from before schema 5 have none)."""
    if values[2] is None:
        fields: msgspec.Struct = _Unsealed(values[0], values[1], *values[3:10])
    else:
        fields = _Sealed(*values[:10])
    return hashlib.sha256(_encode(fields)).hexdigest()


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the entry's ``HASHED_FIELDS`` (and its content hash
    when it has one)."""
    return _row_hash([entry.get(k) if k == CONTENT_FIELD else entry[k] for k in SORTED_FIELDS])


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _head(db: Database) -> tuple[int, str]:
    """The chain's head: the highest id it ever gave an entry and the newest entry's hash.
    On the server, its row of ``audit_head`` (made with the table, moved with every entry in
    the same transaction, under the write lock: no id is ever skipped, as a sequence would
    skip one for every rolled-back transaction)."""
    if on_server(db):
        last_id, last_hash = db.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
        return int(last_id), last_hash
    last = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return _last_used_id(db), last[0] if last else GENESIS


def move_head(db: Database, last_id: int, last_hash: str) -> None:
    """On the server, the chain's head after entries written (or copied) in this
    transaction; SQLite keeps its own (AUTOINCREMENT)."""
    db.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", [last_id, last_hash])


def _last_used_id(db: Database) -> int:
    """The highest id the chain ever gave an entry (a deleted newest entry still counts):
    SQLite's AUTOINCREMENT record, or the chain's head row on the server."""
    if on_server(db):
        return _head(db)[0]
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
    content_hash: str | None = None,
) -> int:
    """Add one entry at the end of the chain. Call inside the transaction of the change."""
    return append_many(
        db, [(action, record_type, record_id, record_uuid, provider, detail, content_hash)], at
    )


def append_many(
    db: Database,
    entries: list[tuple[str, str, int | None, str | None, str, str, str | None]],
    at: str | None = None,
) -> int:
    """Add entries (action, record_type, record_id, record_uuid, provider, detail,
    content_hash) at the end of the chain, in order; the last one's id. In the caller's
    transaction."""
    ident, previous = _head(db)
    moment = at or now_utc()
    has_content = has_content_column(db)
    rows = []
    for action, record_type, record_id, record_uuid, provider, detail, sealed in entries:
        ident += 1
        entry = {
            "id": ident,
            "at": moment,
            "action": action,
            "record_type": record_type,
            "record_id": record_id,
            "record_uuid": record_uuid,
            "provider": provider,
            "detail": detail,
            "prev_hash": previous,
        }
        if has_content:
            entry[CONTENT_FIELD] = sealed
        entry["hash"] = previous = entry_hash(entry)
        rows.append(entry)
    if rows:
        columns = ", ".join(rows[0])
        marks = ", ".join("?" for _ in rows[0])
        db.conn.executemany(
            f"INSERT INTO audit_log ({columns}) VALUES ({marks})", [list(r.values()) for r in rows]
        )
        if on_server(db):
            move_head(db, ident, previous)
    return ident


def has_content_column(db: Database | Any) -> bool:
    """Whether this file's audit trail has the content column (schema 5 and later)."""
    return any(row[1] == CONTENT_FIELD for row in db.execute("PRAGMA table_info(audit_log)"))


@dataclass(frozen=True)
class AuditReport:
    entries: int
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems

    #: Whether the records were checked against their sealed content too (schema 5 on).
    sealed: bool = False

    def summary(self) -> str:
        if self.intact:
            records = (
                "; every patient, final consultation, consent, signed-off visit and photo "
                "matches its sealed content"
                if self.sealed
                else ""
            )
            return (
                f"The audit trail is intact ({self.entries} entries, each chained to the last"
                f"{records})."
            )
        count = len(self.problems)
        return (
            f"The records or their audit trail have been changed outside the app: {count} "
            f"problem{'s' if count != 1 else ''} found ({self.entries} entries). Keep this file "
            "as it is for investigation, and restore a backup to go on working."
        )


#: The kinds of record whose content ``content.mismatches`` checks against their seals.
SEALED_TYPES = ("patient", "consultation", "consent", "visit", "course_change")


@dataclass(frozen=True)
class Seals:
    """What the trail last sealed of each record, read on the walk along the chain: for
    ``SEALED_TYPES``, (kind, id) -> (content hash, action) of the record's last entry with a
    content hash or deleting it; for photos, id -> the last content hash of the photo, and of
    its deletion."""

    records: dict[tuple[str, Any], tuple[str | None, str]]
    photos: dict[Any, str | None]
    photo_deletions: dict[Any, str | None]


def verify(db: Database | Any) -> AuditReport:
    """Walk the chain from the first entry; report every entry changed, deleted or moved."""
    return walk(db)[0]


def walk(db: Database | Any) -> tuple[AuditReport, Seals]:
    """``verify``, and the seals the walk passed (``Seals``): one read of the trail, in id
    order, for both."""
    problems: list[str] = []
    expected_prev = GENESIS
    expected_id = 1
    count = 0
    seals: dict[tuple[str, Any], tuple[str | None, str]] = {}
    photos: dict[Any, str | None] = {}
    deletions: dict[Any, str | None] = {}
    sealed_types = frozenset(SEALED_TYPES)
    content_column = CONTENT_FIELD if has_content_column(db) else "NULL"
    columns = [content_column if f == CONTENT_FIELD else f for f in SORTED_FIELDS]
    cursor = db.execute(f"SELECT {', '.join(columns)}, hash FROM audit_log ORDER BY id")
    for row in cursor:
        action, _, sealed, _, ident, prev_hash, _, record_id, record_type, _, stored = row
        count += 1
        if ident > expected_id:
            problems.append(_deleted(expected_id, ident - 1))
        elif ident < expected_id:
            problems.append(f"Entry {ident} is out of order.")
        if stored != _row_hash(row):
            problems.append(f"Entry {ident} was changed after it was written.")
        if prev_hash != expected_prev and ident == expected_id:
            problems.append(f"Entry {ident} does not follow the entry before it.")
        expected_prev = stored
        expected_id = ident + 1
        if record_id is None:
            continue
        if record_type in sealed_types:
            if sealed is not None or action == Action.DELETE:
                seals[record_type, record_id] = (sealed, action)
        elif record_type == "photo" and sealed is not None:
            (deletions if action == Action.DELETE else photos)[record_id] = sealed
    last_used = _last_used_id(db)
    if last_used >= expected_id:
        problems.append(_deleted(expected_id, last_used, newest=True))
    return AuditReport(count, tuple(problems)), Seals(seals, photos, deletions)


def _deleted(first: int, last: int, newest: bool = False) -> str:
    if first == last:
        return f"Entry {first}{', the newest,' if newest else ''} was deleted outside the app."
    return (
        f"Entries {first}–{last}{', the newest,' if newest else ''} were deleted outside the app."
    )


def seal(
    db: Any,
    action: str,
    *,
    patients: Iterable[int] = (),
    consultations: Iterable[int] = (),
    consents: Iterable[int] = (),
    visits: Iterable[int] = (),
    course_changes: Iterable[int] = (),
    photos: Iterable[int] = (),
    photo_deletions: Iterable[int] = (),
    provider: str = "",
    detail: str = "",
    at: str | None = None,
) -> None:
    """One audit entry per record written in bulk (an import, demo records, an upgrade),
    each with its content hash; in the caller's transaction. ``db`` is a sqlite-utils
    ``Database``."""
    conn = db.conn
    patient_ids = sorted(set(patients))
    consultation_ids = sorted(set(consultations))
    hashes = content.patient_hashes(conn, patient_ids) if patient_ids else {}
    entries = []
    uuids = content.uuids_of(conn, "patients", patient_ids)
    for pid in patient_ids:
        entries.append((action, "patient", pid, uuids.get(pid), provider, detail, hashes[pid]))
    if consultation_ids:
        hashes = content.consultation_hashes(conn, consultation_ids)
        uuids = content.uuids_of(conn, "consultations", consultation_ids)
        for cid in consultation_ids:
            entries.append(
                (action, "consultation", cid, uuids.get(cid), provider, detail, hashes[cid])
            )
    consent_ids = sorted(set(consents))
    if consent_ids:
        hashes = content.consent_hashes(conn, consent_ids)
        uuids = content.uuids_of(conn, "consents", consent_ids)
        for cid in consent_ids:
            entries.append((action, "consent", cid, uuids.get(cid), provider, detail, hashes[cid]))
    for kind, table, ids, hasher in (
        ("visit", "visits", visits, content.visit_hashes),
        ("course_change", "course_changes", course_changes, content.change_hashes),
    ):
        ordered = sorted(set(ids))
        if not ordered:
            continue
        hashes = hasher(conn, ordered)
        uuids = content.uuids_of(conn, table, ordered)
        for rid in ordered:
            entries.append((action, kind, rid, uuids.get(rid), provider, detail, hashes[rid]))
    photo_ids = sorted(set(photos))
    if photo_ids:
        hashes = content.photo_hashes(conn, photo_ids)
        uuids = content.uuids_of(conn, "photos", photo_ids)
        for pid in photo_ids:
            entries.append((action, "photo", pid, uuids.get(pid), provider, detail, hashes[pid]))
    deleted = sorted(set(photo_deletions))
    if deleted:
        hashes = content.deletion_hashes(conn)
        uuids = content.uuids_of(conn, "photos", deleted)
        for pid in deleted:
            entries.append(
                (Action.DELETE, "photo", pid, uuids.get(pid), provider, detail, hashes[pid])
            )
    append_many(db, entries, at)


# --------------------------------------------------------------------------- reading it


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    action: str
    record_type: str
    record_id: int | None
    record_uuid: str | None
    provider: str
    detail: str


@dataclass(frozen=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    more: bool  # more entries match than were returned


#: What "seeing a patient's record" is in the trail: each of these on the patient or one of
#: their consultations.
SEEING = (
    Action.VIEW,
    Action.COMPARE,
    Action.PRINT,
    Action.EXPORT,
    Action.CREATE,
    Action.UPDATE,
    Action.FINALIZE,
    Action.AMEND,
    Action.CHECK_IN,
    Action.CHART,
)


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to read: each given condition must hold."""

    patient_id: int | None = None  # the patient's record and every consultation of theirs
    account: str | None = None  # the name in the entry's ``provider``
    action: str | None = None
    actions: tuple[str, ...] | None = None  # any of these
    since: str | None = None  # ISO time (UTC), inclusive
    until: str | None = None  # ISO time (UTC), exclusive
    limit: int = 500

    def conditions(self) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        if self.patient_id is not None:
            parts.append(
                "((record_type = 'patient' AND record_id = ?) OR (record_type = 'consultation' "
                "AND record_id IN (SELECT id FROM consultations WHERE patient_id = ?)) OR "
                "(record_type = 'visit' AND record_id IN "
                "(SELECT id FROM visits WHERE patient_id = ?))"
                " OR (record_type = 'photo' AND record_id IN (SELECT id FROM photos WHERE "
                "patient_id = ?)))"
            )
            params += [self.patient_id] * 4
        if self.account is not None:
            parts.append("provider = ?")
            params.append(self.account)
        if self.action is not None:
            parts.append("action = ?")
            params.append(self.action)
        if self.actions is not None:
            parts.append(f"action IN ({', '.join('?' for _ in self.actions)})")
            params += list(self.actions)
        if self.since is not None:
            parts.append("at >= ?")
            params.append(self.since)
        if self.until is not None:
            parts.append("at < ?")
            params.append(self.until)
        return ("WHERE " + " AND ".join(parts) if parts else ""), params
