"""The record store: one connection to the records, and the parts that work on it.

As Anki's collection hands its work to managers, ``RecordStore`` owns the connection, the
transactions and the clock, and each kind of record has a part of its own:

======================  ===================================================================
``store.patients``      a patient's details (``patients.py``)
``store.patient_list``  the list beside the window: who is due, searches (``patient_list.py``)
``store.consultations`` drafts, finalising, amending (``consultations.py``)
``store.records``       reading consultations and their plans back (``records.py``)
``store.consents``      informed consent: signed, refused, withdrawn (``consents.py``)
``store.photos``        before-and-after photos, their pictures in the photo folder (``photos.py``)
``store.clinic``        the clinic's settings and providers (``clinic.py``)
``store.audit``         the audit trail (``audit.py``)
``store.accounts``      who may sign in, their roles, sign-ins and lockouts (``accounts.py``)
``store.health``        counts and the damage check (``health.py``)
``store.visits``        the treatment course: visits charted, changes to its dates (``visits.py``)
======================  ===================================================================

What the layers above may call is the typed ``RecordStoreAPI`` (``protocol.py``); a second
engine implements the same surface. Every write runs in one transaction (``BEGIN IMMEDIATE``,
so a second writer waits for the lock instead of failing half-way) together with its audit
entry; a part's method called inside another's transaction joins it. SQLite and OS errors
leave the store as ``StorageError`` with a plain-words ``message``. Use one store per thread.
"""

from __future__ import annotations

import contextlib
import importlib
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consult.storage import anchor, audit, database, engine, opening, readers
from consult.storage.readers import Readers

if TYPE_CHECKING:
    from sqlite_utils import Database

    from consult.domain.catalog import Catalog
    from consult.storage.accounts import Accounts
    from consult.storage.audit_trail import AuditTrail
    from consult.storage.clinic import Clinic
    from consult.storage.consents import Consents
    from consult.storage.consultations import Consultations
    from consult.storage.health import Health
    from consult.storage.patient_list import PatientList
    from consult.storage.patients import Patients
    from consult.storage.photos import Photos
    from consult.storage.records import Records
    from consult.storage.visits import Visits


class _Part:
    """A part of the store (``store.patients``, ``store.health``, …), made the first time it
    is used, its module imported only then: a command that checks the records never loads
    the modules that make consultations, consents or photos (the catalog and the plan
    engine with them), and the window loads each when it first needs it."""

    def __init__(self, module: str, name: str):
        self._module = f"consult.storage.{module}"
        self._class = name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self._attribute = attribute

    def __get__(self, store: RecordStore | None, owner: type) -> Any:
        if store is None:
            return self
        part = getattr(importlib.import_module(self._module), self._class)(store)
        store.__dict__[self._attribute] = part  # from now on the attribute itself
        return part


#: The name in the audit trail of what the app does on its own, with no one signed in.
SYSTEM = "system"


class RecordStore:
    """The clinic's records. Open with ``RecordStore.open(path)``; close when done."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path | None = None,
        *,
        catalog: Catalog | None = None,
        provider: str = SYSTEM,
        clock: Callable[[], datetime] | None = None,
        readonly: bool = False,
    ):
        # The plain connection serves the reads; the sqlite-utils Database over it is made on
        # first use (see ``db``), so listing patients never waits for the library to import.
        self.conn = conn
        self._db: Database | None = None
        self.path = path
        self.catalog = catalog
        # Who is at the keyboard: the signed-in account's name, which every audit entry
        # carries; ``SYSTEM`` for the app's own work before anyone signs in (the daily backup,
        # an upgrade) and for code that opens the records without an account (seeding).
        self.provider = provider
        self.readonly = readonly
        self.clock = clock or (lambda: datetime.now(UTC))
        self.wrote = False  # a write transaction was committed: the anchor is updated at close
        self.url: str | None = None  # the server's address, for records on a server

    if TYPE_CHECKING:
        patients: Patients
        patient_list: PatientList
        consultations: Consultations
        consents: Consents
        photos: Photos
        records: Records
        clinic: Clinic
        audit: AuditTrail
        health: Health
        accounts: Accounts
        visits: Visits
    else:
        patients = _Part("patients", "Patients")
        patient_list = _Part("patient_list", "PatientList")
        consultations = _Part("consultations", "Consultations")
        consents = _Part("consents", "Consents")
        photos = _Part("photos", "Photos")
        records = _Part("records", "Records")
        clinic = _Part("clinic", "Clinic")
        audit = _Part("audit_trail", "AuditTrail")
        health = _Part("health", "Health")
        accounts = _Part("accounts", "Accounts")
        visits = _Part("visits", "Visits")

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        catalog: Catalog | None = None,
        provider: str = SYSTEM,
        readonly: bool = False,
        create: bool = True,
        verify: bool = True,
        clock: Callable[[], datetime] | None = None,
        any_thread: bool = False,
    ) -> RecordStore:
        """Open (or create) the records file; see ``opening.open_connection``. ``any_thread``:
        usable from any thread, one at a time (by default only from the opening thread).

        ``path`` may instead name the clinic's PostgreSQL server
        (``postgresql://user@host/dbname``, see ``server``): the records there, their schema
        brought up to date first."""
        from consult.system.records_location import is_server

        if is_server(path):
            assert isinstance(path, str)
            store = cls(
                opening.open_server(path, readonly=readonly),
                None,
                catalog=catalog,
                provider=provider,
                clock=clock,
                readonly=readonly,
            )
            store.url = path
            return store
        resolved = database.resolve(path)
        conn = opening.open_connection(
            resolved, create=create, readonly=readonly, verify=verify, any_thread=any_thread
        )
        return cls(
            conn, resolved, catalog=catalog, provider=provider, clock=clock, readonly=readonly
        )

    @property
    def db(self) -> Database:
        """The connection as a sqlite-utils ``Database`` (transactions, rows as dicts); on
        the server, ``server.ServerDatabase`` with the same surface."""
        if self._db is None:
            if self.on_server:
                from consult.storage.server import ServerDatabase

                self._db = ServerDatabase(self.conn)  # type: ignore[assignment,arg-type]
            else:
                self._db = database.wrap(self.conn)
        return self._db  # type: ignore[return-value]

    @property
    def on_server(self) -> bool:
        """Whether the records are on the clinic's PostgreSQL server (not a SQLite file)."""
        return engine.on_server(self.conn)

    @property
    def target(self) -> Path | str | None:
        """What ``open`` was given: the records file, or the server's address."""
        return self.url if self.url is not None else self.path

    @property
    def where(self) -> str:
        """Where the records are, for people: the file, or "records on HOST/DATABASE"."""
        if self.on_server:
            return f"records on {self.conn.where}"  # type: ignore[attr-defined]
        return str(self.path)

    def close(self) -> None:
        """Close the connection; after writes, first keep the audit chain's head in the
        anchor beside the file (``anchor``)."""
        try:
            if self.wrote and self.path is not None and not self.readonly:
                with contextlib.suppress(sqlite3.Error, OSError):
                    anchor.update(self.conn, self.path)
        finally:
            self.conn.close()

    def set_cache_size(self, mib: int) -> None:
        """Keep up to ``mib`` MiB of the file's pages in memory on this connection, for the
        next queries to find there (SQLite's default is 2 MiB). The server keeps its own."""
        if self.on_server:
            return
        self.conn.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rules_catalog(self) -> Catalog:
        """The catalog whose rules every saved plan must keep: the one given, or else the one
        the app uses (the built-in catalog with the clinic's laid over it). No path saves a
        plan unchecked."""
        if self.catalog is None:
            from consult.domain.catalog import load
            from consult.system.folders import clinic_catalog_file
            from consult.system.resources import resource_path

            self.catalog = load(resource_path("catalog"), clinic_catalog_file()).catalog
        return self.catalog

    # ------------------------------------------------------------------ time

    def now(self) -> str:
        """This moment, as the records keep it (UTC, ISO 8601, microseconds)."""
        return self.clock().astimezone(UTC).isoformat(timespec="microseconds")

    def today(self) -> date:
        return self.clock().date()

    # ------------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction; nested calls join the outer one (as savepoints)."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:  # busy, or the server gone: in plain words
            raise self.plain(exc) from exc
        try:
            if self.on_server:  # ROLLBACK undoes it all; a savepoint would cost two round trips
                yield self.db
            else:
                with self.db.atomic():
                    yield self.db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
            self.wrote = True
        except BaseException as exc:
            # A failed COMMIT (disk full, I/O error) must not leave a transaction open that
            # later calls would silently join.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self.plain(exc) from exc
            raise

    def plain(self, exc: BaseException) -> Exception:
        """``exc`` (SQLite's, the server's or the OS's) as a StorageError in plain words."""
        return database.translate(exc, self.path, where=self.where if self.on_server else "")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """The reads inside see one state of the records, however many statements they take
        and whatever other connections commit meanwhile (one read transaction)."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")  # nothing was written: this only ends the read

    @contextlib.contextmanager
    def scanning(self) -> Iterator[None]:
        """The store's connection reads its file through a memory map while the block runs
        (``database.mapped_for_scan``): for the checks that read every record."""
        if self.path is None or self.on_server:
            yield
            return
        with database.mapped_for_scan(self.conn):
            yield

    @contextlib.contextmanager
    def snapshot_readers(self, count: int) -> Iterator[Readers]:
        """``snapshot``, with up to ``count`` more connections reading the same state for
        parts of the work to run on threads of their own (see ``readers``); none inside
        another transaction, or for records without a file, where every part runs on this
        connection."""
        conn = self.conn
        if conn.in_transaction or self.path is None or count <= 0:
            with self.snapshot():
                yield Readers(conn, [])
            return
        found = Readers(conn, readers.begin_together(conn, self.path, count))
        failed = False
        try:
            yield found
        except BaseException:
            failed = True
            raise
        finally:
            try:
                found.close(failed)
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")  # nothing was written: this only ends the read

    def audit_event(
        self,
        action: str,
        record_type: str,
        record_id: int | None = None,
        record_uuid: str | None = None,
        provider: str | None = None,
        detail: str = "",
        content_hash: str | None = None,
    ) -> None:
        """One entry at the end of the audit chain, in the caller's transaction; for a change
        to a patient or consultation, with the record's content hash after it (``content``)."""
        audit.append(
            self.db,
            action,
            record_type,
            record_id,
            record_uuid,
            self.provider if provider is None else provider,
            detail,
            at=self.now(),
            content_hash=content_hash,
        )

    # ------------------------------------------------------------------ small reads

    def uuid_of(self, table: str, record_id: int) -> str | None:
        """The uuid of a patient, consultation or consent (``table`` names which), None if
        absent."""
        if table not in (
            "patients",
            "consultations",
            "consents",
            "visits",
            "course_changes",
            "photos",
        ):
            raise ValueError(f"no uuids in {table!r}")
        row = self.conn.execute(f"SELECT uuid FROM {table} WHERE id = ?", [record_id]).fetchone()
        return row[0] if row else None

    def row(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """The first row of a storage-internal query, as a dict (None when there is none)."""
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None
