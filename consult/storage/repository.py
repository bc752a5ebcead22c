"""The records API: domain objects in, domain objects out. Nothing above storage writes SQL.

A ``Repository`` wraps one connection (use one per thread). Every method either does all of
its work or none: writes run in one transaction (``BEGIN IMMEDIATE`` so a second writer waits
for the lock instead of failing half-way, then ``db.atomic()`` inside it), together with their
audit entry. SQLite and OS errors come out as ``StorageError`` with a plain-words ``message``.

Finals are immutable: ``finalize`` writes a consultation, its parts and its plan and marks it
final in one transaction; ``amend`` adds a new final revision pointing at the one it replaces;
triggers in the database refuse any change to a final row or its parts.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from consult.domain.catalog import Catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    FieldProblem,
    Override,
    Patient,
    Status,
    ValidationError,
    normalize_text,
)
from consult.domain.plan import AdjunctVisit, Plan, Session
from consult.storage import audit, database, errors, listing, migrations, search
from consult.storage.audit import Action, AuditReport
from consult.storage.errors import ConflictError, NotFoundError, StorageError

if TYPE_CHECKING:
    from sqlite_utils import Database

T = TypeVar("T")

ANSWERS = {a.value: a for a in Answer}

# A consultation ``c`` is current unless a newer revision replaces it.
CURRENT = listing.CURRENT

# What the list shows beside a patient ``p``, kept in its row (see ``listing``).
LISTED = "p.id, p.name, p.date_of_birth, p.last_consultation, p.session_dates"


@dataclass(frozen=True)
class PatientRow:
    """One line of a patient search result."""

    id: int
    name: str
    date_of_birth: date
    last_consultation: date | None = None
    next_session: date | None = None


PAGE = 40
"""Patients listed at once: about a screenful. The list asks for the next page when it is
scrolled to the end."""


@dataclass(frozen=True)
class Cursor:
    """Where a list's next page starts (pass it back as ``after``); opaque to callers."""

    position: tuple[Any, ...]


@dataclass(frozen=True)
class Page:
    """One page of a patient list: its rows, and whether more follow (``after`` is then the
    cursor for the next page). ``kind`` says what the list is: "name", "date_of_birth",
    "phone", "recent", or "" when nothing searchable was typed."""

    rows: tuple[PatientRow, ...]
    more: bool = False
    after: Cursor | None = None
    kind: str = ""


@dataclass(frozen=True)
class DueSession:
    date: date
    number: int
    consultation_id: int
    patient_id: int
    patient_name: str


@dataclass(frozen=True)
class StoredPlan:
    """The dated part of a final consultation's plan, as it was agreed."""

    sessions: tuple[Session, ...]
    adjunct_visits: tuple[AdjunctVisit, ...]
    interval_weeks: int | None
    results_from: date | None
    results_to: date | None
    screening_outcome: str | None
    catalog_version: str


@dataclass(frozen=True)
class CheckReport:
    path: Path | None
    schema_version: int
    problems: tuple[str, ...]
    audit: AuditReport
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return not self.problems and self.audit.intact

    def summary(self) -> str:
        counts = ", ".join(f"{v} {k}" for k, v in self.counts.items())
        lines = []
        if self.problems:
            lines.append(
                f"The records database {self.path} is damaged: "
                + " ".join(self.problems)
                + " Restore the latest backup with “consult db restore”; keep this file."
            )
        else:
            lines.append(
                f"The records database {self.path} is healthy (schema version "
                f"{self.schema_version}; {counts})."
            )
        lines.append(self.audit.summary())
        return "\n".join(lines)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _hhmm(at: time | None) -> str | None:
    return at.strftime("%H:%M") if at is not None else None


def _time(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


def _times(text: str | None) -> dict[str, time]:
    """``consultations.appointment_times``: the appointments booked at their own time."""
    return {key: time.fromisoformat(at) for key, at in json.loads(text or "{}").items()}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """SQLite and OS errors leave a Repository method as StorageError, in plain words."""

    @functools.wraps(method)
    def wrapper(self: Repository, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            raise database.translate(exc, self.path) from exc

    return wrapper


class Repository:
    """The clinic's records. Open with ``Repository.open(path)``; close when done."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path | None = None,
        *,
        catalog: Catalog | None = None,
        provider: str = "",
        clock: Callable[[], datetime] | None = None,
        readonly: bool = False,
    ):
        # The plain connection serves the reads; the sqlite-utils Database over it is made on
        # first use (see ``db``), so listing patients never waits for the library to import.
        self.conn = conn
        self._db: Database | None = None
        self.path = path
        self.catalog = catalog
        self.provider = provider  # who is at the desk: recorded in the audit trail
        self.readonly = readonly
        self._clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        catalog: Catalog | None = None,
        provider: str = "",
        readonly: bool = False,
        create: bool = True,
        verify: bool = True,
        clock: Callable[[], datetime] | None = None,
        any_thread: bool = False,
    ) -> Repository:
        """Open (or create) the records file; see ``database.open_connection``. ``any_thread``:
        usable from any thread, one at a time (by default only from the opening thread)."""
        resolved = database.resolve(path)
        conn = database.open_connection(
            resolved, create=create, readonly=readonly, verify=verify, any_thread=any_thread
        )
        return cls(
            conn, resolved, catalog=catalog, provider=provider, clock=clock, readonly=readonly
        )

    @property
    def db(self) -> Database:
        """The connection as a sqlite-utils ``Database`` (transactions, rows as dicts)."""
        if self._db is None:
            self._db = database.wrap(self.conn)
        return self._db

    def close(self) -> None:
        self.conn.close()

    def set_cache_size(self, mib: int) -> None:
        """Keep up to ``mib`` MiB of the file's pages in memory on this connection, for the
        next queries to find there (SQLite's default is 2 MiB)."""
        self.conn.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing

    def now(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="microseconds")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction; nested calls join the outer one (as savepoints)."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            with self.db.atomic():
                yield self.db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full, I/O error) must not leave a transaction open that
            # later calls would silently join.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def audit_event(
        self,
        action: str,
        record_type: str,
        record_id: int | None = None,
        record_uuid: str | None = None,
        provider: str | None = None,
        detail: str = "",
    ) -> None:
        audit.append(
            self.db,
            action,
            record_type,
            record_id,
            record_uuid,
            self.provider if provider is None else provider,
            detail,
            at=self.now(),
        )

    def _one(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    # ------------------------------------------------------------------ patients

    @_guarded
    def save_patient(self, patient: Patient) -> Patient:
        """Insert a new patient (no id) or update one; the saved patient, with its id."""
        with self.transaction():
            patient_id = self.write_patient(patient)
        return self.get_patient(patient_id)

    def write_patient(
        self,
        patient: Patient,
        *,
        record_uuid: str | None = None,
        created_at: str | None = None,
        updated_at: str | None = None,
        demo: bool = False,
        audit_it: bool = True,
    ) -> int:
        now = self.now()
        digits = search.phone_digits(patient.phone)
        words = search.search_name(patient.name)
        values = {
            "name": patient.name,
            "search_name": words,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "fitzpatrick": patient.fitzpatrick,
            "language": patient.language,
            "phone": patient.phone,
            "phone_digits": digits,
            "phone_reversed": digits[::-1],
            "email": patient.email,
            "updated_at": updated_at or now,
        }
        if patient.id is None:
            values |= {
                "uuid": record_uuid or str(uuid.uuid4()),
                "demo": int(demo),
                "created_at": created_at or now,
            }
            cursor = self.db.execute(
                f"INSERT INTO patients ({', '.join(values)}) "
                f"VALUES ({', '.join('?' for _ in values)})",
                list(values.values()),
            )
            patient_id = int(cursor.lastrowid)
            action = Action.CREATE
            old_words = None
        else:
            patient_id = patient.id
            old = self.conn.execute(
                "SELECT search_name FROM patients WHERE id = ?", [patient_id]
            ).fetchone()
            if old is None:
                raise self._missing("patient", patient_id)
            old_words = old[0]
            self.db.execute(
                f"UPDATE patients SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                [*values.values(), patient_id],
            )
            action = Action.UPDATE
        if words != old_words:
            self._write_name_keys(patient_id, old_words, words)
        if audit_it:
            self.audit_event(action, "patient", patient_id, self._uuid("patients", patient_id))
        return patient_id

    def _write_name_keys(self, patient_id: int, old: str | None, new: str) -> None:
        """Keep ``name_keys`` in step with a patient's ``search_name``: ``old`` before this
        save (None for a new patient), ``new`` after it; in the caller's transaction. The old
        keys are deleted by their primary key: no scan of the table."""
        conn = self.conn
        if old is not None:
            old_sort = search.sort_name(old)
            conn.executemany(
                "DELETE FROM name_keys WHERE key = ? AND sort_name = ? AND patient_id = ?",
                [(key, old_sort, patient_id) for key in search.name_keys(old)],
            )
        new_sort = search.sort_name(new)
        conn.executemany(
            # OR IGNORE: a row left over in a damaged table is the row wanted.
            "INSERT OR IGNORE INTO name_keys (key, sort_name, patient_id) VALUES (?, ?, ?)",
            [(key, new_sort, patient_id) for key in search.name_keys(new)],
        )

    def _uuid(self, table: str, record_id: int) -> str | None:
        row = self.conn.execute(f"SELECT uuid FROM {table} WHERE id = ?", [record_id]).fetchone()
        return row[0] if row else None

    @staticmethod
    def _missing(kind: str, record_id: int | None) -> NotFoundError:
        return NotFoundError(
            f"There is no {kind} with id {record_id} in the records database. It may have been "
            "deleted (a draft), or the records file was replaced by a restore. Search for it "
            "again."
        )

    @staticmethod
    def _patient(row: dict[str, Any]) -> Patient:
        return Patient(
            name=row["name"],
            date_of_birth=date.fromisoformat(row["date_of_birth"]),
            fitzpatrick=row["fitzpatrick"],
            language=row["language"],
            phone=row["phone"],
            email=row["email"],
            id=row["id"],
        )

    @_guarded
    def get_patient(self, patient_id: int) -> Patient:
        row = self._one("SELECT * FROM patients WHERE id = ?", [patient_id])
        if row is None:
            raise self._missing("patient", patient_id)
        return self._patient(row)

    def _rows(self, where: str, params: dict[str, Any], limit: int | None) -> list[PatientRow]:
        """Patient rows for a WHERE clause on ``p``, in name order."""
        sql = f"SELECT {LISTED} FROM patients AS p WHERE {where} ORDER BY p.search_name, p.id"
        if limit is not None:
            sql += " LIMIT :limit"
            params = {**params, "limit": limit}
        today = self._today()
        return [self._listed(row, today) for row in self.conn.execute(sql, params)]

    def _today(self) -> str:
        return self._clock().date().isoformat()

    @staticmethod
    def _listed(row: tuple[Any, ...], today: str) -> PatientRow:
        """A list row from the patient's ``LISTED`` columns (the first five of ``row``)."""
        id_, name, born, last, sessions = row[:5]
        return PatientRow(
            id_,
            name,
            date.fromisoformat(born),
            _day(last),
            _day(listing.next_session(sessions, today)),
        )

    @_guarded
    def recent_patients(
        self, limit: int = PAGE, after: Cursor | None = None, days: int = 7
    ) -> Page:
        """What the list shows before anything is typed: the patients with a session in the
        next ``days`` days, the soonest first, then every other patient, the newest first;
        ``limit`` at a time, from ``after`` (the previous page's ``after``).

        A page costs the same however large the file: the first part walks the sessions'
        date index from today (skipping drafts, replaced plans and patients already listed),
        the second walks the patients' ids down, and both stop at the page.
        """
        today = self._clock().date()
        params: dict[str, Any] = {
            "today": today.isoformat(),
            "until": (today + timedelta(days=days)).isoformat(),
        }
        position = after.position if after is not None else ("due",)
        listed: list[PatientRow] = []
        if position[0] == "due":
            due = self._due_soon(params, position[1:], limit + 1)
            if len(due) > limit:
                rows = tuple(row for row, _ in due[:limit])
                return Page(rows, True, Cursor(("due", *due[limit - 1][1])), "recent")
            listed = [r for r, _ in due]
            position = ("new",)
        wanted = limit - len(listed)
        below = position[1] if len(position) > 1 else None
        newest = self._newest_not_due(params, below, wanted + 1)
        listed += newest[:wanted]
        if len(newest) <= wanted:
            return Page(tuple(listed), False, None, "recent")
        below = newest[wanted - 1].id if wanted else below
        return Page(tuple(listed), True, Cursor(("new", below)), "recent")

    def _due_soon(
        self, params: dict[str, Any], after: tuple[Any, ...], limit: int
    ) -> list[tuple[PatientRow, tuple[str, int, int]]]:
        """Patients by their first session from today to ``until``, soonest first, each with
        the session's (date, consultation id, number): the order walked, and the cursor."""
        params = {**params, "limit": limit}
        since = ":today"
        if after:
            since = ":after_date"
            params |= dict(zip(("after_date", "after_id", "after_number"), after, strict=True))
        later = (
            "AND (s.date, s.consultation_id, s.number) > (:after_date, :after_id, :after_number)"
            if after
            else ""
        )
        sql = f"""
            SELECT p.id, p.name, p.date_of_birth, p.last_consultation,
                w.date, w.consultation_id, w.number
            FROM (
                SELECT s.date, s.consultation_id, s.number, c.patient_id
                FROM planned_sessions AS s
                JOIN consultations AS c ON c.id = s.consultation_id
                WHERE s.date BETWEEN {since} AND :until {later}
                    AND c.status = 'final' AND {CURRENT}
                    AND NOT EXISTS (
                        SELECT 1 FROM consultations AS e
                        JOIN planned_sessions AS es ON es.consultation_id = e.id
                        WHERE e.patient_id = c.patient_id AND e.status = 'final'
                            AND NOT EXISTS (
                                SELECT 1 FROM consultations AS newer
                                WHERE newer.revision_of = e.id)
                            AND es.date >= :today
                            AND (es.date, es.consultation_id, es.number)
                                < (s.date, s.consultation_id, s.number))
                ORDER BY s.date, s.consultation_id, s.number
                LIMIT :limit
            ) AS w
            JOIN patients AS p ON p.id = w.patient_id
            ORDER BY w.date, w.consultation_id, w.number
        """
        return [
            (
                PatientRow(id_, name, date.fromisoformat(born), _day(last), _day(day)),
                (day, consultation_id, number),
            )
            for id_, name, born, last, day, consultation_id, number in self.conn.execute(
                sql, params
            )
        ]

    def _newest_not_due(
        self, params: dict[str, Any], below: int | None, limit: int
    ) -> list[PatientRow]:
        """Patients without a session from today to ``until``, the newest first (with an id
        below ``below``, when given)."""
        params = {**params, "limit": limit}
        if below is not None:
            params["below"] = below
        sql = f"""
            SELECT {LISTED}
            FROM patients AS p
            WHERE {"p.id < :below AND" if below is not None else ""} NOT EXISTS (
                SELECT 1 FROM consultations AS c
                JOIN planned_sessions AS s ON s.consultation_id = c.id
                WHERE c.patient_id = p.id AND c.status = 'final' AND {CURRENT}
                    AND s.date BETWEEN :today AND :until)
            ORDER BY p.id DESC
            LIMIT :limit
        """
        today = params["today"]
        return [self._listed(row, today) for row in self.conn.execute(sql, params)]

    @_guarded
    def search_patients(self, text: str, limit: int = PAGE, after: Cursor | None = None) -> Page:
        """Patients matching what was typed, by name, date of birth or phone: ``limit`` at a
        time in name order, from ``after`` (the previous page's ``after``).

        - a date (``1990-05-17`` or ``17/05/1990``): the patients born that day;
        - digits, perhaps with ``+ - ( ) .`` and spaces (3 digits or more): phones starting
          or ending with those digits;
        - anything else: every word typed starts a word of the name, ignoring case and
          accents ("zoe obr" finds "Zoë O'Brien").

        A name search walks ``name_keys`` in list order and stops at the page, however many
        patients match; each listed patient is then one read of its row, which keeps the
        dates the list shows.
        """
        if limit < 1:
            raise ValueError("a page lists at least one patient")
        query = search.parse_query(text)
        if query.names is not None:
            return self._name_page(query.names, limit, after)
        sort = f"substr(p.search_name, 1, {search.SORT_CHARS})"
        if query.date_of_birth is not None:
            kind, where = "date_of_birth", "p.date_of_birth = :dob"
            params: dict[str, Any] = {"dob": query.date_of_birth.isoformat()}
        elif query.phone is not None:
            digits = query.phone
            kind = "phone"
            where = (
                "((p.phone_digits >= :d AND p.phone_digits < :d || ':') "
                "OR (p.phone_reversed >= :r AND p.phone_reversed < :r || ':'))"
            )
            params = {"d": digits, "r": digits[::-1]}
        else:
            return Page(())
        if after is not None:
            where += f" AND ({sort}, p.id) > (:after_sort, :after_id)"
            params |= {"after_sort": after.position[0], "after_id": after.position[1]}
        page = (
            f"SELECT {LISTED}, {sort} AS sort_name FROM patients AS p "
            f"WHERE {where} ORDER BY sort_name, p.id LIMIT :limit"
        )
        return self._sorted_page(page, params, limit, kind)

    def _name_page(self, terms: tuple[str, ...], limit: int, after: Cursor | None) -> Page:
        """Patients each of whose ``terms`` starts a word of the name. The first term (the
        longest) drives: its keys are read in list order straight off the primary key; each
        other term is one lookup of the same key row's neighbour for that term."""
        params: dict[str, Any] = {}
        where = []
        for i, term in enumerate(terms):
            params[f"k{i}"] = term[: search.KEY_CHARS]
            if i:
                where.append(
                    f"EXISTS (SELECT 1 FROM name_keys AS k{i} WHERE k{i}.key = :k{i} "
                    f"AND k{i}.sort_name = k.sort_name AND k{i}.patient_id = k.patient_id)"
                )
        for i, term in enumerate(terms):
            if len(term) > search.KEY_CHARS:  # the keys hold its start: check the whole word
                params[f"w{i}"] = term
                where.append(f"instr(' ' || p.search_name, ' ' || :w{i}) > 0")
        if after is not None:
            where.append("(k.sort_name, k.patient_id) > (:after_sort, :after_id)")
            params |= {"after_sort": after.position[0], "after_id": after.position[1]}
        page = f"""
            SELECT {LISTED}, k.sort_name AS sort_name
            FROM name_keys AS k JOIN patients AS p ON p.id = k.patient_id
            WHERE k.key = :k0 {"".join(f" AND {w}" for w in where)}
            ORDER BY k.sort_name, k.patient_id
            LIMIT :limit
        """
        return self._sorted_page(page, params, limit, "name")

    def _sorted_page(self, page: str, params: dict[str, Any], limit: int, kind: str) -> Page:
        """The rows of ``page`` (a query of the ``LISTED`` columns and sort_name in
        (sort_name, id) order, ``LIMIT :limit``); one row more than the page is asked for, to
        know whether more follow."""
        found = self.conn.execute(page, {**params, "limit": limit + 1}).fetchall()
        today = self._today()
        rows = tuple(self._listed(row, today) for row in found[:limit])
        if len(found) <= limit:
            return Page(rows, False, None, kind)
        last = found[limit - 1]
        return Page(rows, True, Cursor((last[5], last[0])), kind)

    # ------------------------------------------------------------------ consultations

    def insert_consultation(
        self,
        consultation: Consultation,
        patient_id: int,
        *,
        record_uuid: str | None = None,
        created_at: str | None = None,
        updated_at: str | None = None,
        demo: bool = False,
    ) -> int:
        now = self.now()
        values = self._consultation_values(consultation, patient_id) | {
            "uuid": record_uuid or str(uuid.uuid4()),
            "status": Status.DRAFT.value,
            "demo": int(demo),
            "created_at": created_at or now,
            "updated_at": updated_at or now,
        }
        cursor = self.db.execute(
            f"INSERT INTO consultations ({', '.join(values)}) "
            f"VALUES ({', '.join('?' for _ in values)})",
            list(values.values()),
        )
        consultation_id = int(cursor.lastrowid)
        self._store_list_dates(patient_id)
        return consultation_id

    def _store_list_dates(self, *patient_ids: int) -> None:
        """Write what the list shows beside these patients from their consultations, in the
        caller's transaction: called by every write of a consultation (see ``listing``)."""
        listing.store(self.conn, patient_ids)

    @staticmethod
    def _consultation_values(consultation: Consultation, patient_id: int) -> dict[str, Any]:
        override = consultation.override
        return {
            "patient_id": patient_id,
            "provider": consultation.provider,
            "date": consultation.date.isoformat(),
            "start_date": _iso(consultation.start_date),
            "session_count": consultation.session_count,
            "notes": consultation.notes,
            "catalog_version": consultation.catalog_version,
            "override_reason": override.reason if override else None,
            "override_provider": override.provider if override else None,
            "appointment_time": _hhmm(consultation.appointment_time),
            "appointment_times": json.dumps(
                {key: _hhmm(at) for key, at in sorted(consultation.times.items())}
            ),
            "amend_reason": consultation.amend_reason,
        }

    def write_parts(self, consultation_id: int, consultation: Consultation) -> None:
        """The chosen areas, zones, concerns, adjuncts and screening answers of a draft."""
        db = self.db
        for table in ("consultation_areas", "consultation_adjuncts", "screening_answers"):
            db.execute(f"DELETE FROM {table} WHERE consultation_id = ?", [consultation_id])
        areas, zones, concerns = [], [], []
        for area_no, area in enumerate(consultation.areas):
            areas.append((consultation_id, area_no, area.area_id))
            zones += [(consultation_id, area_no, i, z) for i, z in enumerate(area.zones)]
            concerns += [
                (consultation_id, area_no, i, c.concern_id, c.severity, c.kind)
                for i, c in enumerate(area.concerns)
            ]
        conn = db.conn
        conn.executemany("INSERT INTO consultation_areas VALUES (?, ?, ?)", areas)
        conn.executemany("INSERT INTO consultation_zones VALUES (?, ?, ?, ?)", zones)
        conn.executemany("INSERT INTO consultation_concerns VALUES (?, ?, ?, ?, ?, ?)", concerns)
        conn.executemany(
            "INSERT INTO consultation_adjuncts VALUES (?, ?, ?)",
            [(consultation_id, i, a) for i, a in enumerate(consultation.adjuncts)],
        )
        conn.executemany(
            "INSERT INTO screening_answers VALUES (?, ?, ?, ?)",
            [
                (consultation_id, i, q, Answer(a).value)
                for i, (q, a) in enumerate(consultation.screening.items())
            ],
        )

    def write_plan(self, consultation_id: int, plan: Plan) -> None:
        self.write_plan_rows(
            consultation_id,
            [(s.number, s.date.isoformat(), _hhmm(s.time)) for s in plan.sessions],
            [
                (v.adjunct_id, v.date.isoformat(), v.after_session, _hhmm(v.time))
                for v in plan.adjunct_visits
            ],
        )

    def write_plan_rows(
        self,
        consultation_id: int,
        sessions: list[tuple[int, str, str | None]],
        visits: list[tuple[str, str, int, str | None]],
    ) -> None:
        """The agreed plan's rows: sessions as (number, date, time), visits as (adjunct,
        date, after session, time); a time is "HH:MM", or None when none was booked."""
        conn = self.db.conn
        conn.executemany(
            "INSERT INTO planned_sessions (consultation_id, number, date, time) "
            "VALUES (?, ?, ?, ?)",
            [(consultation_id, *session) for session in sessions],
        )
        conn.executemany(
            "INSERT INTO adjunct_visits "
            "(consultation_id, visit_no, adjunct_id, date, after_session, time) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(consultation_id, i, *visit) for i, visit in enumerate(visits)],
        )

    @staticmethod
    def plan_fields(plan: Plan) -> dict[str, Any]:
        """What a final consultation's row keeps of its plan."""
        return {
            "catalog_version": plan.catalog_version,
            "screening_outcome": plan.screening.outcome.value,
            "interval_weeks": plan.interval_weeks,
            "results_from": plan.results_from.isoformat(),
            "results_to": plan.results_to.isoformat(),
        }

    def mark_final(
        self,
        consultation_id: int,
        fields: dict[str, Any],
        *,
        revision_of: int | None,
        finalized_at: str | None = None,
        updated_at: str | None = None,
    ) -> None:
        """Turn the draft row final (its parts and plan already written), in the caller's
        transaction. ``fields`` as from ``plan_fields``. From here its sessions are listed,
        and those of the revision it replaces are not."""
        now = self.now()
        values = {
            "status": Status.FINAL.value,
            "revision_of": revision_of,
            **fields,
            "finalized_at": finalized_at or now,
            "updated_at": updated_at or now,
        }
        cursor = self.db.execute(
            f"UPDATE consultations SET {', '.join(f'{k} = ?' for k in values)} "
            "WHERE id = ? AND status = 'draft'",
            [*values.values(), consultation_id],
        )
        if cursor.rowcount != 1:
            raise self._final_is_final(consultation_id)
        self._store_list_dates(self._owner(consultation_id))

    def _owner(self, consultation_id: int) -> int:
        """The id of the patient a consultation is for."""
        return self._consultation_column(consultation_id, "patient_id")

    def _patient_id_for(self, consultation: Consultation) -> int:
        if consultation.patient.id is None:
            return self.write_patient(consultation.patient)
        if self._uuid("patients", consultation.patient.id) is None:
            raise self._missing("patient", consultation.patient.id)
        return consultation.patient.id

    def _status(self, consultation_id: int) -> str:
        return self._consultation_column(consultation_id, "status")

    def _consultation_column(self, consultation_id: int, column: str) -> Any:
        row = self.conn.execute(
            f"SELECT {column} FROM consultations WHERE id = ?", [consultation_id]
        ).fetchone()
        if row is None:
            raise self._missing("consultation", consultation_id)
        return row[0]

    @staticmethod
    def _final_is_final(consultation_id: int) -> ConflictError:
        return ConflictError(
            f"Consultation {consultation_id} is final, so it cannot be changed or deleted. To "
            "correct it, amend it: the amendment is saved as a new revision and the original "
            "stays readable."
        )

    def _update_draft(self, consultation: Consultation, patient_id: int) -> int:
        consultation_id = consultation.id
        assert consultation_id is not None
        if self._status(consultation_id) != Status.DRAFT:
            raise self._final_is_final(consultation_id)
        was_for = self._owner(consultation_id)
        values = self._consultation_values(consultation, patient_id) | {"updated_at": self.now()}
        self.db.execute(
            f"UPDATE consultations SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
            [*values.values(), consultation_id],
        )
        self._store_list_dates(was_for, patient_id)  # its date, or its patient, may change
        return consultation_id

    @_guarded
    def save_draft(self, consultation: Consultation) -> Consultation:
        """Insert a new draft (no id) or update a draft; a final is never changed."""
        with self.transaction():
            patient_id = self._patient_id_for(consultation)
            if consultation.id is None:
                consultation_id = self.insert_consultation(consultation, patient_id)
                action = Action.CREATE
            else:
                consultation_id = self._update_draft(consultation, patient_id)
                action = Action.UPDATE
            self.write_parts(consultation_id, consultation)
            self.audit_event(
                action,
                "consultation",
                consultation_id,
                self._uuid("consultations", consultation_id),
                provider=consultation.provider,
                detail="draft",
            )
        return self.get_consultation(consultation_id)

    @staticmethod
    def _check_plan(plan: Plan) -> None:
        if not plan.sessions:
            raise ConflictError(
                "The plan has no sessions, so the consultation cannot be finalised. Choose the "
                "areas and concerns, then build the plan again."
            )
        if not plan.screening.may_finish:
            raise ConflictError(
                "The consultation cannot be finalised yet: the screening is not complete, or "
                "it says do not treat and there is no written override. Finish the screening "
                "(or record the reason for going ahead), then finalise."
            )

    @_guarded
    def finalize(self, consultation: Consultation, plan: Plan) -> Consultation:
        """Save ``consultation`` as final with its plan, in one transaction.

        A draft (with id) becomes final; a consultation without id is saved final at once.
        """
        self._check_plan(plan)
        with self.transaction():
            patient_id = self._patient_id_for(consultation)
            if consultation.id is None:
                consultation_id = self.insert_consultation(consultation, patient_id)
            else:
                consultation_id = self._update_draft(consultation, patient_id)
            self.write_parts(consultation_id, consultation)
            self.write_plan(consultation_id, plan)
            self.mark_final(consultation_id, self.plan_fields(plan), revision_of=None)
            self.audit_event(
                Action.FINALIZE,
                "consultation",
                consultation_id,
                self._uuid("consultations", consultation_id),
                provider=consultation.provider,
            )
        return self.get_consultation(consultation_id)

    @_guarded
    def amend(self, final_id: int, consultation: Consultation, plan: Plan) -> Consultation:
        """A new final revision replacing ``final_id``; the replaced one stays as it was."""
        self._check_plan(plan)
        with self.transaction():
            row = self._one("SELECT status, patient_id FROM consultations WHERE id = ?", [final_id])
            if row is None:
                raise self._missing("consultation", final_id)
            if row["status"] != Status.FINAL:
                raise ConflictError(
                    f"Consultation {final_id} is a draft, not a final one: change the draft and "
                    "finalise it instead of amending it."
                )
            newer = self.db.execute(
                "SELECT id FROM consultations WHERE revision_of = ?", [final_id]
            ).fetchone()
            if newer is not None:
                raise ConflictError(
                    f"Consultation {final_id} has already been amended (by consultation "
                    f"{newer[0]}). Amend the newest revision instead."
                )
            if consultation.patient.id not in (None, row["patient_id"]):
                raise ConflictError(
                    "An amendment must be for the same patient as the consultation it replaces. "
                    "For another patient, start a new consultation."
                )
            consultation_id = self.insert_consultation(consultation, row["patient_id"])
            self.write_parts(consultation_id, consultation)
            self.write_plan(consultation_id, plan)
            self.mark_final(consultation_id, self.plan_fields(plan), revision_of=final_id)
            self.audit_event(
                Action.AMEND,
                "consultation",
                consultation_id,
                self._uuid("consultations", consultation_id),
                provider=consultation.provider,
                detail=f"replaces {final_id}",
            )
        return self.get_consultation(consultation_id)

    @_guarded
    def delete_draft(self, consultation_id: int) -> None:
        with self.transaction():
            if self._status(consultation_id) != Status.DRAFT:
                raise self._final_is_final(consultation_id)
            record_uuid = self._uuid("consultations", consultation_id)
            was_for = self._owner(consultation_id)
            self.db.execute("DELETE FROM consultations WHERE id = ?", [consultation_id])
            self._store_list_dates(was_for)
            self.audit_event(Action.DELETE, "consultation", consultation_id, record_uuid)

    # ------------------------------------------------------------------ reading consultations

    def load_consultations(
        self, where: str, params: list[Any] | tuple[Any, ...] = (), order: str = "c.id"
    ) -> list[Consultation]:
        """Consultations (with their parts and patients) for a WHERE clause on ``c``.

        Storage-internal: a handful of queries whatever the number of consultations.
        """
        params = list(params)
        subset = f"SELECT c.id FROM consultations AS c WHERE {where}"
        rows = list(
            self.db.query(
                f"SELECT c.* FROM consultations AS c WHERE {where} ORDER BY {order}", params
            )
        )
        if not rows:
            return []
        patients = {
            r["id"]: self._patient(r)
            for r in self.db.query(
                "SELECT * FROM patients WHERE id IN "
                f"(SELECT c.patient_id FROM consultations AS c WHERE {where})",
                params,
            )
        }
        areas: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for cid, no, area_id in self.conn.execute(
            "SELECT consultation_id, area_no, area_id FROM consultation_areas "
            f"WHERE consultation_id IN ({subset}) ORDER BY consultation_id, area_no",
            params,
        ):
            areas[cid].append((no, area_id))
        zones: dict[tuple[int, int], list[str]] = defaultdict(list)
        for cid, no, zone_id in self.conn.execute(
            "SELECT consultation_id, area_no, zone_id FROM consultation_zones "
            f"WHERE consultation_id IN ({subset}) ORDER BY consultation_id, area_no, zone_no",
            params,
        ):
            zones[cid, no].append(zone_id)
        concerns: dict[tuple[int, int], list[ConcernChoice]] = defaultdict(list)
        for cid, no, concern_id, severity, kind in self.conn.execute(
            "SELECT consultation_id, area_no, concern_id, severity, kind "
            f"FROM consultation_concerns WHERE consultation_id IN ({subset}) "
            "ORDER BY consultation_id, area_no, concern_no",
            params,
        ):
            concerns[cid, no].append(ConcernChoice(concern_id, severity, kind))
        adjuncts: dict[int, list[str]] = defaultdict(list)
        for cid, adjunct_id in self.conn.execute(
            "SELECT consultation_id, adjunct_id FROM consultation_adjuncts "
            f"WHERE consultation_id IN ({subset}) ORDER BY consultation_id, adjunct_no",
            params,
        ):
            adjuncts[cid].append(adjunct_id)
        answers: dict[int, dict[str, Answer]] = defaultdict(dict)
        for cid, question_id, answer in self.conn.execute(
            "SELECT consultation_id, question_id, answer FROM screening_answers "
            f"WHERE consultation_id IN ({subset}) ORDER BY consultation_id, question_no",
            params,
        ):
            answers[cid][question_id] = ANSWERS[answer]
        result = []
        for r in rows:
            cid = r["id"]
            override = (
                Override(r["override_reason"], r["override_provider"])
                if r["override_reason"] is not None
                else None
            )
            result.append(
                Consultation(
                    patient=patients[r["patient_id"]],
                    provider=r["provider"],
                    date=date.fromisoformat(r["date"]),
                    screening=answers.get(cid, {}),
                    areas=tuple(
                        AreaChoice(
                            area_id,
                            tuple(zones.get((cid, no), ())),
                            tuple(concerns.get((cid, no), ())),
                        )
                        for no, area_id in areas.get(cid, ())
                    ),
                    adjuncts=tuple(adjuncts.get(cid, ())),
                    override=override,
                    start_date=_day(r["start_date"]),
                    session_count=r["session_count"],
                    notes=r["notes"],
                    status=Status(r["status"]),
                    catalog_version=r["catalog_version"],
                    id=cid,
                    revision_of=r["revision_of"],
                    # A file of schema 4 or older (read without upgrading) has no times.
                    appointment_time=_time(r.get("appointment_time")),
                    times=_times(r.get("appointment_times")),
                    amend_reason=r.get("amend_reason") or "",
                )
            )
        return result

    @_guarded
    def get_consultation(self, consultation_id: int) -> Consultation:
        found = self.load_consultations("c.id = ?", [consultation_id])
        if not found:
            raise self._missing("consultation", consultation_id)
        return found[0]

    @_guarded
    def consultations_for_patient(
        self, patient_id: int, include_superseded: bool = False
    ) -> list[Consultation]:
        """The patient's consultations, newest first; replaced revisions only when asked."""
        where = "c.patient_id = ?" + ("" if include_superseded else f" AND {CURRENT}")
        return self.load_consultations(where, [patient_id], order="c.date DESC, c.id DESC")

    @_guarded
    def revisions(self, consultation_id: int) -> list[Consultation]:
        """Every revision of a consultation, the first one first, the current one last."""
        if self._uuid("consultations", consultation_id) is None:
            raise self._missing("consultation", consultation_id)
        chain = self.conn.execute(
            """
            WITH RECURSIVE
                up (id, revision_of) AS (
                    SELECT id, revision_of FROM consultations WHERE id = ?
                    UNION SELECT c.id, c.revision_of FROM consultations AS c
                        JOIN up ON c.id = up.revision_of
                ),
                root (id) AS (SELECT id FROM up WHERE revision_of IS NULL),
                down (id) AS (
                    SELECT id FROM root
                    UNION SELECT c.id FROM consultations AS c JOIN down ON c.revision_of = down.id
                )
            SELECT id FROM down
            """,
            [consultation_id],
        ).fetchall()
        ids = [row[0] for row in chain]
        by_id = {
            c.id: c
            for c in self.load_consultations(f"c.id IN ({', '.join('?' for _ in ids)})", ids)
        }
        ordered, current = [], next((i for i in ids if by_id[i].revision_of is None), None)
        while current is not None:
            ordered.append(by_id[current])
            current = next((i for i in ids if by_id[i].revision_of == current), None)
        return ordered

    @_guarded
    def planned_sessions(self, consultation_id: int) -> tuple[Session, ...]:
        return tuple(
            Session(r["number"], date.fromisoformat(r["date"]), _time(r.get("time")))
            for r in self._one_per_row(
                "SELECT * FROM planned_sessions WHERE consultation_id = ? ORDER BY number",
                [consultation_id],
            )
        )

    @_guarded
    def adjunct_visits(self, consultation_id: int) -> tuple[AdjunctVisit, ...]:
        return tuple(
            AdjunctVisit(
                r["adjunct_id"],
                date.fromisoformat(r["date"]),
                r["after_session"],
                _time(r.get("time")),
            )
            for r in self._one_per_row(
                "SELECT * FROM adjunct_visits WHERE consultation_id = ? ORDER BY visit_no",
                [consultation_id],
            )
        )

    def _one_per_row(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """Rows as dicts by column name (a file of an older schema lacks the newer columns)."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    @_guarded
    def stored_plan(self, consultation_id: int) -> StoredPlan | None:
        """The dated plan saved with a final consultation (None for a draft)."""
        row = self._one("SELECT * FROM consultations WHERE id = ?", [consultation_id])
        if row is None:
            raise self._missing("consultation", consultation_id)
        if row["status"] != Status.FINAL:
            return None
        return StoredPlan(
            sessions=self.planned_sessions(consultation_id),
            adjunct_visits=self.adjunct_visits(consultation_id),
            interval_weeks=row["interval_weeks"],
            results_from=_day(row["results_from"]),
            results_to=_day(row["results_to"]),
            screening_outcome=row["screening_outcome"],
            catalog_version=row["catalog_version"],
        )

    # ------------------------------------------------------------------ questions

    @_guarded
    def sessions_due(self, start: date, end: date) -> list[DueSession]:
        """Planned sessions from ``start`` to ``end`` (both included), of current finals."""
        return [
            DueSession(date.fromisoformat(r["date"]), r["number"], r["cid"], r["pid"], r["name"])
            for r in self.db.query(
                f"""
                SELECT s.date, s.number, c.id AS cid, p.id AS pid, p.name
                FROM planned_sessions AS s
                JOIN consultations AS c ON c.id = s.consultation_id
                JOIN patients AS p ON p.id = c.patient_id
                WHERE s.date BETWEEN ? AND ? AND c.status = 'final' AND {CURRENT}
                ORDER BY s.date, p.search_name, s.number
                """,
                [start.isoformat(), end.isoformat()],
            )
        ]

    @_guarded
    def patients_with_concern(self, concern_id: str) -> list[PatientRow]:
        """Patients whose current final plan treats ``concern_id`` (e.g. "acne_scars")."""
        where = f"""p.id IN (
            SELECT c.patient_id FROM consultation_concerns AS k
            JOIN consultations AS c ON c.id = k.consultation_id
            WHERE k.concern_id = :concern AND c.status = 'final' AND {CURRENT})"""
        return self._rows(where, {"concern": concern_id}, None)

    @_guarded
    def counts(self) -> dict[str, int]:
        one = self.conn.execute
        return {
            "patients": one("SELECT count(*) FROM patients").fetchone()[0],
            "consultations": one("SELECT count(*) FROM consultations").fetchone()[0],
            "drafts": one("SELECT count(*) FROM consultations WHERE status = 'draft'").fetchone()[
                0
            ],
            "audit entries": one("SELECT count(*) FROM audit_log").fetchone()[0],
        }

    # ------------------------------------------------------------------ settings, providers

    def _default_settings(self) -> ClinicSettings:
        if self.catalog is None:
            return ClinicSettings()
        protocol = self.catalog.protocol
        return ClinicSettings(
            interval_weeks=protocol.interval_weeks,
            closed_weekdays=protocol.closed_weekdays,
            min_age=protocol.min_age,
            isotretinoin_window_months=protocol.isotretinoin_window_months,
        )

    @staticmethod
    def settings_to_json(settings: ClinicSettings) -> dict[str, Any]:
        return {
            "name": settings.name,
            "address": settings.address,
            "phone": settings.phone,
            "interval_weeks": settings.interval_weeks,
            "closed_weekdays": sorted(settings.closed_weekdays),
            "holidays": sorted(d.isoformat() for d in settings.holidays),
            "min_age": settings.min_age,
            "isotretinoin_window_months": settings.isotretinoin_window_months,
            "paper_size": settings.paper_size,
            "logo_path": settings.logo_path,
        }

    @staticmethod
    def settings_from_json(values: dict[str, Any], base: ClinicSettings) -> ClinicSettings:
        fields: dict[str, Any] = {}
        for key, value in values.items():
            if key == "closed_weekdays":
                fields[key] = frozenset(int(v) for v in value)
            elif key == "holidays":
                fields[key] = frozenset(date.fromisoformat(v) for v in value)
            elif key in ("interval_weeks", "min_age", "isotretinoin_window_months"):
                fields[key] = int(value)
            elif key in ("name", "address", "phone", "paper_size", "logo_path"):
                fields[key] = str(value)
        current = Repository.settings_to_json(base)
        current_fields = {k: getattr(base, k) for k in current}
        return ClinicSettings(**(current_fields | fields))

    @_guarded
    def stored_settings(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM settings")}

    @_guarded
    def settings(self) -> ClinicSettings:
        """The clinic's settings; what was never set comes from the catalog's protocol."""
        return self.settings_from_json(self.stored_settings(), self._default_settings())

    @_guarded
    def save_settings(self, settings: ClinicSettings) -> ClinicSettings:
        problems = settings.problems()
        if problems:
            raise ValidationError(problems)
        with self.transaction():
            self.write_settings(self.settings_to_json(settings))
            self.audit_event(Action.UPDATE, "settings")
        return self.settings()

    def write_settings(self, values: dict[str, Any], updated_at: str | None = None) -> None:
        now = updated_at or self.now()
        self.db.conn.executemany(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at",
            [(k, json.dumps(v, ensure_ascii=False), now) for k, v in values.items()],
        )

    @_guarded
    def providers(self) -> list[str]:
        names = [r[0] for r in self.conn.execute("SELECT name FROM providers WHERE active = 1")]
        return sorted(names, key=lambda n: (search.fold(n), n))

    @_guarded
    def save_provider(self, name: str) -> str:
        """Add a provider (or bring a removed one back); the name as saved."""
        name = normalize_text(name)
        if not name:
            raise ValidationError([FieldProblem("provider", "Enter the provider's name.")])
        with self.transaction():
            self.db.execute(
                "INSERT INTO providers (name, active, created_at) VALUES (?, 1, ?) "
                "ON CONFLICT (name) DO UPDATE SET active = 1",
                [name, self.now()],
            )
            self.audit_event(Action.UPDATE, "provider", detail="added")
        return name

    @_guarded
    def remove_provider(self, name: str) -> None:
        """Take a provider off the list; consultations keep the name they were saved with."""
        with self.transaction():
            self.db.execute("UPDATE providers SET active = 0 WHERE name = ?", [name])
            self.audit_event(Action.UPDATE, "provider", detail="removed")

    # ------------------------------------------------------------------ audit

    RECORD_TABLES: ClassVar[dict[str, str]] = {
        "consultation": "consultations",
        "patient": "patients",
    }

    @_guarded
    def record_event(
        self,
        action: str,
        record_id: int | None,
        provider: str,
        record_type: str = "consultation",
        detail: str = "",
    ) -> None:
        """Log that ``provider`` viewed, printed or exported a record (no patient data)."""
        if action not in (Action.VIEW, Action.PRINT, Action.EXPORT):
            raise ValueError(f"record_event is for view, print and export, not {action!r}")
        table = self.RECORD_TABLES.get(record_type)
        if table is None:
            raise ValueError(f"unknown record type {record_type!r}")
        record_uuid = self._uuid(table, record_id) if record_id is not None else None
        if record_id is not None and record_uuid is None:
            raise self._missing(record_type, record_id)
        with self.transaction():
            self.audit_event(action, record_type, record_id, record_uuid, provider, detail)

    @_guarded
    def audit_entries(self, record_type: str | None = None, record_id: int | None = None):
        """The audit trail (oldest first), optionally for one record: a list of dicts."""
        where, params = "1", []
        if record_type is not None:
            where, params = "record_type = ? AND record_id IS ?", [record_type, record_id]
        return list(self.db.query(f"SELECT * FROM audit_log WHERE {where} ORDER BY id", params))

    @_guarded
    def verify_audit(self) -> AuditReport:
        return audit.verify(self.db)

    # ------------------------------------------------------------------ checking

    @_guarded
    def check(self) -> CheckReport:
        """SQLite's full integrity check, foreign keys, the name search keys, the dates the
        list shows, the audit chain."""
        problems = []
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        result = [r[0] for r in self.conn.execute("PRAGMA integrity_check(20)")]
        if result != ["ok"]:
            problems.append(f"SQLite's integrity check found {len(result)} problem(s).")
        else:
            if self.conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                problems.append("Some parts of records point to records that do not exist.")
            # An older file (read here without upgrading it) lacks the newer derived tables.
            wrong = 0
            if version >= migrations.version_of("0003_name_keys"):
                wrong = self._name_key_problems()
            if wrong:
                problems.append(
                    f"The name search keys of {wrong} patient(s) do not match their names, "
                    "so a search may miss them."
                )
            wrong = 0
            if version >= migrations.version_of("0004_list_dates"):
                wrong = listing.mismatched(self.conn)
            if wrong:
                problems.append(
                    f"The dates the patient list shows for {wrong} patient(s) (last "
                    "consultation, next session) do not match their consultations."
                )
        if version < migrations.SCHEMA_VERSION:
            problems.append(
                f"The schema is version {version}; opening it for writing upgrades it to "
                f"{migrations.SCHEMA_VERSION}."
            )
        report = audit.verify(self.db)
        counts = {} if problems else self.counts()
        return CheckReport(self.path, version, tuple(problems), report, counts)

    def _name_key_problems(self) -> int:
        """How many patients' search words (``search_name``) or name keys (``name_keys``) are
        not what their names give, counting keys that name no patient as one more. Reads
        every key once, grouped by patient, beside the patients in id order."""
        stored = self.conn.execute(
            "SELECT patient_id, sort_name, group_concat(key, char(31)) FROM name_keys "
            "GROUP BY patient_id, sort_name ORDER BY patient_id, sort_name"
        )
        groups = iter(stored)
        group = next(groups, None)
        wrong = 0
        for patient_id, name, stored_words in self.conn.execute(
            "SELECT id, name, search_name FROM patients ORDER BY id"
        ):
            while group is not None and group[0] < patient_id:  # keys of no patient
                wrong += 1
                group = next(groups, None)
            found = []
            while group is not None and group[0] == patient_id:
                found.append((group[1], sorted(group[2].split("\x1f"))))
                group = next(groups, None)
            words = search.search_name(name)
            expected = [(search.sort_name(words), sorted(search.name_keys(words)))]
            if stored_words != words or found != expected:
                wrong += 1
        if group is not None:
            wrong += 1
        return wrong

    # ------------------------------------------------------------------ files

    @_guarded
    def backup(self, dest: Path | str) -> Path:
        """A consistent copy of the whole database at ``dest`` (never overwritten)."""
        from consult.storage.backup import backup_with_audit

        return backup_with_audit(self, Path(dest))

    @_guarded
    def auto_backup(self, keep: int | None = None) -> Path | None:
        """The daily rotating backup beside the records file: made when the newest is a day
        old, keeping the last ``keep``. The new backup's path, or None when none was due."""
        from consult.storage.backup import KEEP, auto_backup

        return auto_backup(self, keep=KEEP if keep is None else keep)

    @_guarded
    def export(self, dest: Path | str, format: str = "json") -> Path:
        from consult.storage.exchange import export

        return export(self, Path(dest), format)

    @_guarded
    def import_json(self, source: Path | str):
        from consult.storage.exchange import import_json

        return import_json(self, Path(source))


__all__ = [
    "CheckReport",
    "DueSession",
    "PatientRow",
    "Repository",
    "StorageError",
    "StoredPlan",
    "errors",
]
