"""The records schema on a clinic's PostgreSQL server: the same migrations, as SQL files.

Each migration of ``migrations.py`` has its PostgreSQL twin, ``resources/schema/postgresql/
NNNN_<name>.sql``, with the same name, in the same order, making the same tables, columns,
indexes, constraints and guard triggers (``tests/storage/test_pg_schema.py`` compares a
fresh SQLite file with a fresh database). What SQLite keeps in ``PRAGMA user_version`` and
sqlite-utils' ``_sqlite_migrations`` is the table ``consult_migrations`` here: a row per
applied migration; the schema version is how many there are.

``apply`` runs each pending migration in a transaction of its own, with its row, after taking
the writers' advisory lock (``WRITER_LOCK``), so that two rooms started at once do not both
migrate: the second waits, then finds the work done. It runs as the role that owns the
records (the one that made the database); the app's everyday role, set up by
``grant_app_role``, may read and write rows but never change the schema, and never change or
delete what the triggers guard.

psycopg is imported by whoever opens a connection, not here: starting the app on SQLite never
loads it. Every function takes an open ``psycopg.Connection`` and leaves it as it found it
(outside a transaction, or inside the caller's, which a read joins through a savepoint).
Nothing here prints or logs a connection string: a message names the server and database only.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from consult.storage import migrations
from consult.storage.database import APPLICATION_ID
from consult.storage.errors import NewerSchemaError, NotADatabaseError, StorageError
from consult.system.resources import resource_path

if TYPE_CHECKING:
    import psycopg

MIGRATION_SET = migrations.MIGRATION_SET
MIGRATIONS_TABLE = "consult_migrations"
# The one advisory lock that writers take (``pg_advisory_xact_lock``) before they write: a
# migration takes it too, so no room writes while another changes the schema.
WRITER_LOCK = APPLICATION_ID

_CREATE_MIGRATIONS_TABLE = f"""
CREATE TABLE {MIGRATIONS_TABLE} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    migration_set text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (migration_set, name)
)
"""

# Migrations whose SQLite step also writes rows from Python, from the records already there:
# 0003 the name keys of every patient, 0004 every patient's list dates, 0006 a seal entry for
# every patient and final consultation. A records database on a server is always made at the
# latest version, by this module, before any record is written, so these steps only ever see
# empty tables and have nothing to write. That is checked, not assumed (``_check_no_records``).
_ROWS_FROM_PYTHON = {
    "0003_name_keys": ("patients",),
    "0004_list_dates": ("patients", "consultations"),
    "0006_audit_content": ("patients", "consultations"),
}

# What the app's role may not do to each table (never TRUNCATE, which skips row triggers, on
# any): the rows of these are never changed, or never deleted, once written. The triggers
# refuse it too, for every role; these grants refuse it before any trigger runs.
WITHHELD: dict[str, frozenset[str]] = {
    "audit_log": frozenset({"UPDATE", "DELETE"}),
    "consents": frozenset({"UPDATE", "DELETE"}),
    "course_changes": frozenset({"UPDATE", "DELETE"}),
    "photos": frozenset({"UPDATE", "DELETE"}),
    "photo_deletions": frozenset({"UPDATE", "DELETE"}),
    # A thumbnail goes with its photo's deletion (a trigger checks for the deletion's row).
    "photo_thumbnails": frozenset({"UPDATE"}),
    # The server's pictures (0011_photos): never changed; one goes with its photo's deletion.
    "photo_pictures": frozenset({"UPDATE"}),
    "accounts": frozenset({"DELETE"}),
    # One row, made by its migration: read and moved on with every audit entry, nothing else.
    "audit_head": frozenset({"INSERT", "DELETE"}),
    MIGRATIONS_TABLE: frozenset({"INSERT", "UPDATE", "DELETE"}),
}
_ROW_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")


def names() -> tuple[str, ...]:
    """The migrations, in order: the same as SQLite's."""
    return migrations.names()


@cache
def script(name: str) -> str:
    """The SQL of migration ``name``."""
    path = resource_path("schema", "postgresql", f"{name}.sql")
    return path.read_text(encoding="utf-8")


def where(conn: psycopg.Connection) -> str:
    """The records in words, e.g. "clinic-server/consult": never the user or a password."""
    host = conn.info.host
    if not host or host.startswith("/"):
        host = "this computer"  # a Unix socket
    return f"{host}/{conn.info.dbname}"


def applied(conn: psycopg.Connection) -> list[str]:
    """The migrations of this set recorded in the database, in the order they ran."""
    with conn.transaction():
        return _applied(conn)


def unknown_applied(conn: psycopg.Connection) -> list[str]:
    """Migrations recorded in the database that this version of the app does not know."""
    known = set(names())
    return [name for name in applied(conn) if name not in known]


def pending(conn: psycopg.Connection) -> list[str]:
    done = set(applied(conn))
    return [name for name in names() if name not in done]


def version(conn: psycopg.Connection) -> int:
    """The schema version: how many migrations have run (SQLite's ``user_version``)."""
    return len(applied(conn))


def check(conn: psycopg.Connection) -> int:
    """The schema version, after refusing a database written by a newer version of the app."""
    done = applied(conn)
    _refuse_newer(conn, done)
    return len(done)


def apply(conn: psycopg.Connection, *, stop_before: str | None = None) -> list[str]:
    """Apply the pending migrations (up to ``stop_before``, for tests); the names applied.

    Each in its own transaction with its row in ``consult_migrations``, under the writers'
    lock. Raises ``NewerSchemaError`` for a database a newer app has migrated, and
    ``NotADatabaseError`` for one that holds other tables but no record of migrations.
    """
    from psycopg.pq import TransactionStatus

    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise RuntimeError(
            "pg_schema.apply runs each migration in a transaction of its own: call it "
            "outside a transaction"
        )
    ran: list[str] = []
    while True:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
            if _table_exists(conn, MIGRATIONS_TABLE):
                done = _applied(conn)
            else:
                _refuse_foreign(conn)
                _refuse_encoding(conn)
                conn.execute(_CREATE_MIGRATIONS_TABLE)
                done = []
            _refuse_newer(conn, done)
            todo = [name for name in names() if name not in set(done)]
            if not todo or todo[0] == stop_before:
                return ran
            name = todo[0]
            _check_no_records(conn, name)
            conn.execute(script(name))
            conn.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} (migration_set, name) VALUES (%s, %s)",
                [MIGRATION_SET, name],
            )
        ran.append(name)


def grant_app_role(conn: psycopg.Connection, role: str) -> None:
    """Give the app's login ``role`` what it needs on the records, and no more.

    Run by the records' owner after ``apply`` (again after each upgrade: a new table needs its
    grants). The role may connect, read every table and write rows, but not TRUNCATE, and not
    UPDATE or DELETE where ``WITHHELD`` says: the audit trail, consents, changes to the course,
    photos and their deletions, thumbnails, accounts. It owns nothing, so it can neither alter
    a table nor drop a trigger. A superuser, or a member of the owner's role, would pass every
    grant, and is refused; so is a role that still holds a withheld right through another.
    """
    from psycopg import sql

    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
        found = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        if found is None:
            raise StorageError(f"There is no role {role!r} on the server {where(conn)}.")
        if found[0]:
            raise StorageError(
                f"The role {role!r} is a superuser, which no grant limits: give the app a "
                "role of its own (see docs/clinic-server.md)."
            )
        schema, tables = _record_tables(conn)
        owners = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname = ANY(%s) "
            "AND pg_has_role(%s, c.relowner, 'MEMBER')",
            [schema, tables, role],
        ).fetchall()
        if owners:
            raise StorageError(
                f"The role {role!r} owns the records' tables (or acts as their owner), so it "
                "could change or drop them: give the app a role of its own."
            )
        who = sql.Identifier(role)
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(conn.info.dbname), who
            )
        )
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), who))
        for table in tables:
            target = sql.Identifier(schema, table)
            conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(target, who))
            withheld = WITHHELD.get(table, frozenset())
            allowed = [p for p in _ROW_PRIVILEGES if p not in withheld]
            conn.execute(
                sql.SQL("GRANT {} ON {} TO {}").format(
                    sql.SQL(", ").join(sql.SQL(p) for p in allowed), target, who
                )
            )
        # The identities' sequences: an import or a copy with explicit ids moves them on.
        conn.execute(
            sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                sql.Identifier(schema), who
            )
        )
        still = [
            f"{privilege} on {table}"
            for table in tables
            for privilege in (*sorted(WITHHELD.get(table, ())), "TRUNCATE")
            if conn.execute(
                "SELECT has_table_privilege(%s, %s, %s)",
                [role, f"{_quoted(schema)}.{_quoted(table)}", privilege],
            ).fetchone()[0]
        ]
        if still:
            raise StorageError(
                f"The role {role!r} still has {', '.join(still)} through another role it "
                "belongs to (or PUBLIC): revoke those, then grant again."
            )


# --------------------------------------------------------------------------- inside


def _table_exists(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0] is not None


def _applied(conn: psycopg.Connection) -> list[str]:
    if not _table_exists(conn, MIGRATIONS_TABLE):
        return []
    rows = conn.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = %s ORDER BY id",
        [MIGRATION_SET],
    )
    return [name for (name,) in rows]


def _refuse_newer(conn: psycopg.Connection, done: list[str]) -> None:
    known = set(names())
    if any(name not in known for name in done):
        found = max(len(done), len(known) + 1)
        raise NewerSchemaError(
            f"The records database {where(conn)} was written by a newer version of this app "
            f"(records format {found}; this version knows up to {len(known)}). To keep the "
            "records safe, this version will not use it and has not changed it. Install the "
            "newer version of the app in this room too."
        )


def _refuse_foreign(conn: psycopg.Connection) -> None:
    """A database with tables but no record of our migrations is another program's."""
    (count,) = conn.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
    ).fetchone()
    if count:
        raise NotADatabaseError(
            f"The database {where(conn)} already holds tables that this app did not make, so "
            "the app will not use or change it. Point the app at an empty database made for "
            "the records (see docs/clinic-server.md)."
        )


def _refuse_encoding(conn: psycopg.Connection) -> None:
    """Names and notes in any script need UTF8 (0001_records checks it too)."""
    (encoding,) = conn.execute("SHOW server_encoding").fetchone()
    if encoding != "UTF8":
        raise StorageError(
            f"The database {where(conn)} keeps text as {encoding}, which cannot hold every "
            "name the app may be given: make the records' database with ENCODING 'UTF8' (see "
            "docs/clinic-server.md). The app has not changed it."
        )


def _check_no_records(conn: psycopg.Connection, name: str) -> None:
    for table in _ROWS_FROM_PYTHON.get(name, ()):
        if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            raise StorageError(
                f"The records database {where(conn)} holds records at a version older than "
                f"{name}, which this app never makes on a server; it has not changed it."
            )


def _record_tables(conn: psycopg.Connection) -> tuple[str, list[str]]:
    """The schema holding the records, and its tables."""
    found = conn.execute(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = to_regclass(%s)",
        [MIGRATIONS_TABLE],
    ).fetchone()
    if found is None:
        raise StorageError(
            f"The database {where(conn)} holds no records yet: apply the migrations first."
        )
    (schema,) = found
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
    )
    return schema, [table for (table,) in rows]


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
