"""The records on the clinic's PostgreSQL server, through psycopg 3.

A clinic with several exam rooms points every room at one PostgreSQL database (GNUmed's
shape: a desktop client talking straight to the server). The store's parts are written once,
in plain SQL with ``?`` placeholders, against the DB-API surface they use on SQLite:
``execute``, ``executemany``, ``in_transaction``, cursors with ``fetchone``/``fetchall``
and ``lastrowid``. ``ServerConnection`` gives them that surface over psycopg:

- placeholders become psycopg's (``?`` → ``%s``, a literal ``%`` → ``%%``), outside quotes;
- ``BEGIN IMMEDIATE`` (SQLite's "one writer at a time") becomes a transaction that first
  takes a transaction-scoped advisory lock, with a lock timeout: the amend checks, the audit
  chain and the list's dates stay correct exactly as on SQLite, and a writer that waits too
  long gets "the records are busy, try again";
- ``BEGIN DEFERRED`` (one snapshot for several reads) becomes REPEATABLE READ;
- the few questions the parts ask of SQLite's catalog (does this table, this column exist)
  are asked of PostgreSQL's;
- the server's errors are raised as the sqlite3 module's DB-API classes (subclasses of
  them, carrying the server's SQLSTATE), so the parts' ``except sqlite3.IntegrityError``
  and the store's translation into plain words serve both engines.

psycopg is imported only when a server is used: the app on SQLite never loads it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from consult.storage.database import APPLICATION_ID
from consult.system.records_location import is_server

__all__ = ["is_server"]  # what a --db value or records.toml names: see records_location

if TYPE_CHECKING:
    import psycopg

#: The advisory lock every write transaction takes first (one writer at a time, as on
#: SQLite): the one the migrations take too (``pg_schema.WRITER_LOCK``, the app's id), so a
#: room upgrading the records and another saving never overlap.
WRITE_LOCK = APPLICATION_ID
#: How long a write waits for another room's write to finish before "busy, try again".
LOCK_TIMEOUT_MS = 10_000
#: How long opening waits for the server to answer.
CONNECT_TIMEOUT_S = 5
#: The name keyring keeps the records server's password under (``keyring set``).
KEYRING_SERVICE = "consult records server"


def describe(url: str) -> str:
    """Where the records are, for people: "clinic-server/consult" (host and database, never
    the user or a password)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    if parts.port and parts.port != 5432:
        host = f"{host}:{parts.port}"
    name = unquote(parts.path.lstrip("/")) or (parts.username or "")
    if not parts.hostname:
        # A socket folder given as ?host=/path: say which folder, not "localhost".
        for pair in parts.query.split("&"):
            key, _, value = pair.partition("=")
            if key == "host" and value:
                host = unquote(value)
    return f"{host}/{name}"


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


# --------------------------------------------------------------------------- errors


class ServerError(sqlite3.DatabaseError):
    """An error the records server reported (``sqlstate``: PostgreSQL's code)."""

    sqlstate: str | None = None


class ServerIntegrityError(sqlite3.IntegrityError):
    """The server refused a change: a constraint or a guard trigger."""

    sqlstate: str | None = None


class ServerOperationalError(sqlite3.OperationalError):
    """The server could not be reached, went away, or a lock wait timed out."""

    sqlstate: str | None = None


# SQLSTATE classes: https://www.postgresql.org/docs/current/errcodes-appendix.html
LOCK_NOT_AVAILABLE = "55P03"
SERIALIZATION_FAILURE = "40001"
DEADLOCK = "40P01"
INSUFFICIENT_PRIVILEGE = "42501"
QUERY_CANCELED = "57014"
CHARACTER_NOT_IN_REPERTOIRE = "22021"


def raised_as(exc: Exception) -> sqlite3.Error:
    """The DB-API error the parts catch, for a psycopg error."""
    import psycopg

    state = getattr(exc, "sqlstate", None)
    message = _first_line(exc)
    if state is None and isinstance(exc, psycopg.DataError) and "NUL" in message:
        state = CHARACTER_NOT_IN_REPERTOIRE  # refused by psycopg before it reached the server
    if state is None and isinstance(exc, psycopg.OperationalError):
        state = _refused_at_connect(str(exc))
    made: sqlite3.Error
    if isinstance(exc, psycopg.IntegrityError) or state == "23001":
        made = ServerIntegrityError(message)
    elif isinstance(exc, psycopg.OperationalError) or state in (
        LOCK_NOT_AVAILABLE,
        SERIALIZATION_FAILURE,
        DEADLOCK,
        QUERY_CANCELED,
    ):
        made = ServerOperationalError(message)
    elif isinstance(exc, psycopg.errors.RaiseException):
        made = ServerIntegrityError(message)
    else:
        made = ServerError(message)
    made.sqlstate = state  # type: ignore[attr-defined]
    return made


def _first_line(exc: Exception) -> str:
    """The server's message, first line only: PostgreSQL may add a DETAIL line quoting the
    row's values (a patient's data); those never leave here."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return primary or (str(exc).splitlines() or [type(exc).__name__])[0]


def _refused_at_connect(text: str) -> str | None:
    """The SQLSTATE of a refusal while connecting, which libpq reports as text only."""
    if "does not exist" in text and "database" in text:
        return "3D000"
    if "password authentication failed" in text or "no password supplied" in text:
        return "28P01"
    if "role" in text and "does not exist" in text:
        return "28000"
    if "no pg_hba.conf entry" in text or ("SSL" in text and "required" in text):
        return "28000"
    return None


# --------------------------------------------------------------------------- SQL


# Quoted text and names are left alone; ``?``, ``:name`` and a literal ``%`` are rewritten.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|%|(?<![:\w]):[A-Za-z_]\w*")
_TABLE_EXISTS = re.compile(
    r"SELECT\s+1\s+FROM\s+sqlite_master\s+WHERE\s+type\s*=\s*'table'\s+AND\s+name\s*=\s*"
    r"('(?:[^']|'')*'|\?)",
    re.IGNORECASE,
)
_TABLE_INFO = re.compile(r"^\s*PRAGMA\s+table_info\(\s*\[?(\w+)\]?\s*\)\s*$", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """The statement as psycopg takes it (placeholders, SQLite's catalog)."""
    sql = _TABLE_EXISTS.sub(
        lambda m: (
            "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
            f"AND tablename = {m.group(1)}"
        ),
        sql,
    )
    info = _TABLE_INFO.match(sql)
    if info:
        # SQLite's (cid, name, type, notnull, dflt_value, pk), from PostgreSQL's catalog.
        return (
            "SELECT a.attnum - 1, a.attname, format_type(a.atttypid, a.atttypmod), "
            "a.attnotnull::int, pg_get_expr(d.adbin, d.adrelid), "
            "coalesce((SELECT array_position(i.indkey::int2[], a.attnum) "
            "FROM pg_index AS i WHERE i.indrelid = a.attrelid AND i.indisprimary), 0) "
            "FROM pg_attribute AS a LEFT JOIN pg_attrdef AS d "
            "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            f"WHERE a.attrelid = '{info.group(1)}'::regclass AND a.attnum > 0 "
            "AND NOT a.attisdropped ORDER BY a.attnum"
        )
    if re.match(r"^\s*PRAGMA\b", sql, re.IGNORECASE):
        raise ServerError(f"not a question for the records server: {sql.strip()[:60]}")
    for pattern, replacement in _DIALECT:
        sql = pattern.sub(replacement, sql)
    if _IGNORE.match(sql):
        sql = _IGNORE.sub("INSERT INTO", sql) + " ON CONFLICT DO NOTHING"
    return _TOKENS.sub(_token, sql)


# SQLite's spelling → PostgreSQL's, for the few functions the parts use.
_DIALECT = [
    # A JSON array of ids as a set (``IN (SELECT value FROM json_each(?))``).
    (
        re.compile(r"\(SELECT value FROM json_each\(\?\)\)", re.IGNORECASE),
        "(SELECT value::bigint FROM json_array_elements_text(?::json))",
    ),
    (re.compile(r"\binstr\(", re.IGNORECASE), "strpos("),
    # ``IS ?``: equal, or both NULL.
    (re.compile(r"\bIS NOT \?"), "IS DISTINCT FROM ?"),
    (re.compile(r"\bIS \?"), "IS NOT DISTINCT FROM ?"),
    (re.compile(r"\bgroup_concat\(", re.IGNORECASE), "string_agg("),
    (re.compile(r"\bchar\((\d+)\)", re.IGNORECASE), r"chr(\1)"),
]
_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO", re.IGNORECASE)


def _token(match: re.Match[str]) -> str:
    text = match.group(0)
    if text == "?":
        return "%s"
    if text == "%":
        return "%%"
    if text.startswith(":"):
        return f"%({text[1:]})s"
    return text.replace("%", "%%")  # quoted: psycopg reads every % of a statement


# --------------------------------------------------------------------------- connection


class ServerCursor:
    """A psycopg cursor with sqlite3's cursor surface."""

    def __init__(
        self, conn: ServerConnection, raw: psycopg.Cursor[Any], lastrowid: int | None = None
    ):
        self._conn = conn
        self._raw = raw
        self._lastrowid = lastrowid

    def fetchone(self) -> Any:
        with self._conn.raising():
            return self._raw.fetchone() if self._raw.description else None

    def fetchall(self) -> list[Any]:
        with self._conn.raising():
            return self._raw.fetchall() if self._raw.description else []

    def fetchmany(self, size: int = 1) -> list[Any]:
        with self._conn.raising():
            return self._raw.fetchmany(size) if self._raw.description else []

    def __iter__(self) -> Iterator[Any]:
        if not self._raw.description:
            return iter(())
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._raw.rowcount

    @property
    def description(self) -> Any:
        return self._raw.description

    @property
    def lastrowid(self) -> int | None:
        """The id of the row an INSERT into a table with ids wrote (its ``RETURNING id``,
        whether the id was given or taken from the identity), as sqlite3's cursor says."""
        return self._lastrowid

    def close(self) -> None:
        self._raw.close()


class ServerConnection:
    """A connection to the records server with the sqlite3 surface the store's parts use."""

    engine = "postgresql"

    def __init__(self, raw: psycopg.Connection[Any], url: str, *, readonly: bool = False):
        self.raw = raw
        self.url = url
        self.where = describe(url)
        self.readonly = readonly
        self._closed = False

    def _ensure(self) -> None:
        """A connection the server dropped (restarted, the network came back) is made again
        for the next statement, outside a transaction only: what a lost transaction was
        writing is gone whole, and the person is told to try again."""
        if self._closed or not (self.raw.closed or self.raw.broken):
            return
        fresh = connect(self.url, readonly=self.readonly)
        self.raw = fresh.raw

    # -- what sqlite3.Connection offers

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        # A lost connection holds no transaction (UNKNOWN): the next statement reconnects.
        return self.raw.info.transaction_status in (
            TransactionStatus.INTRANS,
            TransactionStatus.INERROR,
            TransactionStatus.ACTIVE,
        )

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> ServerCursor:
        self._ensure()
        verb = sql.strip().upper()
        if verb in ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"):
            self.begin_write()
            return ServerCursor(self, self.raw.cursor())
        if verb in ("BEGIN DEFERRED", "BEGIN"):
            self._run("BEGIN ISOLATION LEVEL REPEATABLE READ" + (" READ ONLY" * self.readonly))
            return ServerCursor(self, self.raw.cursor())
        cursor = self.raw.cursor()
        text = translate(sql)
        returning = _returns_id(text)
        with self.raising():
            cursor.execute(text + " RETURNING id" if returning else text, _params(params))
            if returning:
                row = cursor.fetchone()
                table = _gives_id(text)
                if table and row is not None:
                    # SQLite's next id follows any id given; a sequence does not, by itself.
                    self.raw.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), max(id)) FROM {table}",
                        [table],
                    )
                return ServerCursor(self, cursor, row[0] if row else None)
        return ServerCursor(self, cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> ServerCursor:
        self._ensure()
        cursor = self.raw.cursor()
        with self.raising():
            cursor.executemany(translate(sql), [_params(r) for r in rows])
        return ServerCursor(self, cursor)

    def commit(self) -> None:
        if self.in_transaction:
            self._run("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self._run("ROLLBACK")

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(Exception):
            self.raw.close()

    # -- the server's own

    def begin_write(self) -> None:
        """A write transaction, after every other room's (the advisory lock), or "busy"."""
        if self.readonly:
            raise ServerOperationalError("the records were opened read-only")
        try:
            # One round trip: the three statements as one simple query, in order.
            self._run(
                "BEGIN ISOLATION LEVEL READ COMMITTED; "
                f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}; "
                f"SELECT pg_advisory_xact_lock({WRITE_LOCK})"
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self.rollback()
            raise

    def content_hashes(self, kind: str, *args: Any, **options: Any) -> dict[int, str]:
        """``content``'s hashes of records of ``kind`` ("patient", "consultation", …), written
        here as SQLite writes them (``content_server``)."""
        from consult.storage import content_server

        return getattr(content_server, f"{kind}_hashes")(self, *args, **options)

    def copy_rows(self, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> int:
        """Rows into ``table`` with PostgreSQL's COPY (for ``db copy``: many times faster than
        one INSERT a row; the row triggers still run). How many were written."""
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        written = 0
        self._ensure()
        with self.raising(), self.raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([_value(v) for v in row])
                written += 1
        return written

    def fetch_all(self, queries: list[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
        """The rows of each query, the queries sent together (psycopg's pipeline mode): one
        round trip to the server instead of one each."""
        self._ensure()
        with self.raising():
            with self.raw.pipeline():
                cursors = [self.raw.cursor() for _ in queries]
                for cursor, (sql, params) in zip(cursors, queries, strict=True):
                    cursor.execute(translate(sql), _params(params))
            return [cursor.fetchall() for cursor in cursors]

    def _run(self, sql: str) -> None:
        with self.raising():
            self.raw.execute(sql)

    @contextlib.contextmanager
    def raising(self) -> Iterator[None]:
        """psycopg's errors leave as the DB-API errors the parts catch."""
        import psycopg

        try:
            yield
        except psycopg.Error as exc:
            raise raised_as(exc) from exc


#: The tables whose rows have an ``id``: an INSERT into one tells its row's id (lastrowid).
ID_TABLES = frozenset(
    {
        "accounts",
        "audit_log",
        "consents",
        "consultations",
        "course_changes",
        "patients",
        "photo_deletions",
        "photos",
        "providers",
        "visits",
    }
)
_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _returns_id(sql: str) -> bool:
    found = _INSERT.match(sql)
    return bool(found and found.group(1).lower() in ID_TABLES and "RETURNING" not in sql.upper())


_COLUMNS = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _gives_id(sql: str) -> str | None:
    """The table, when an INSERT names the row's ``id`` itself."""
    found = _COLUMNS.match(sql)
    if found and "id" in (c.strip().lower() for c in found.group(2).split(",")):
        return found.group(1).lower()
    return None


def _params(params: Sequence[Any] | dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
    if isinstance(params, dict):
        return params
    return [_value(p) for p in params]


def _value(value: Any) -> Any:
    # SQLite keeps True as 1; the records' columns are integers on both engines.
    if value is True or value is False:
        return int(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


class ServerDatabase:
    """What ``store.db`` is on the server: the part of sqlite-utils' ``Database`` the store
    uses (``execute``, ``query`` as dicts, ``atomic`` savepoints, ``conn``)."""

    def __init__(self, conn: ServerConnection):
        self.conn = conn
        self._depth = 0

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> ServerCursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Iterator[dict]:
        cursor = self.conn.execute(sql, params)
        names = [d.name for d in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        self._depth += 1
        name = f"consult_{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:  # not on a lost connection: nothing to undo there
                with contextlib.suppress(Exception):
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    self.conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self.conn.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self._depth -= 1

    def close(self) -> None:
        self.conn.close()


def connect(url: str, *, readonly: bool = False) -> ServerConnection:
    """Connect to the records server at ``url``: the password from the URL, the keyring
    (``KEYRING_SERVICE``, user@host/database) or libpq's own .pgpass / service file."""
    import psycopg

    kwargs: dict[str, Any] = {
        "autocommit": True,
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": "consult",
    }
    try:
        try:
            raw = psycopg.connect(url, **kwargs)
        except psycopg.OperationalError as exc:
            # Asked for a password that neither the address nor .pgpass gave: the keyring's,
            # looked for only now (loading the keyring takes time at every start).
            if "password" not in str(exc) or urlsplit(url).password is not None:
                raise
            secret = _keyring_password(url)
            if not secret:
                raise
            raw = psycopg.connect(url, password=secret, **kwargs)
    except psycopg.Error as exc:
        raise raised_as(exc) from exc
    conn = ServerConnection(raw, url, readonly=readonly)
    conn._run("SET TIME ZONE 'UTC'")
    if readonly:
        conn._run("SET default_transaction_read_only = on")
    return conn


def keyring_user(url: str) -> str:
    """The name the password is kept under in the keyring: user@host/database."""
    parts = urlsplit(url)
    return f"{unquote(parts.username or '')}@{describe(url)}"


def _keyring_password(url: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_user(url))
    except (KeyringError, RuntimeError, OSError):
        return None
