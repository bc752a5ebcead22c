"""The records schema on PostgreSQL: migrations applied, once, and never over a newer or
foreign database; the same tables, columns, indexes, keys, checks and guard triggers as a
fresh SQLite records file, but for the differences listed here; the guards refuse with
SQLite's words; the app's role cannot change the audit trail even past the triggers."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
import uuid

import pytest

from consult.storage import migrations, pg_schema
from consult.storage.errors import NewerSchemaError, NotADatabaseError, StorageError
from consult.system.resources import resource_path

psycopg = pytest.importorskip("psycopg")

# ``repo`` here is the SQLite side of each comparison; the server's side is ``pg_url``.
pytestmark = pytest.mark.sqlite_only

# --------------------------------------------------------------------------- on purpose
# Every difference between the two schemas, and nothing else:
# - each engine records its migrations in its own table (SQLite's is sqlite-utils');
#   sqlite_sequence is SQLite's own counter for AUTOINCREMENT;
# - audit_head keeps the audit chain's head on PostgreSQL (ids without gaps);
# - photo_pictures keeps the photos' pictures in the server (a file keeps them in a folder);
SQLITE_ONLY_TABLES = {migrations.MIGRATIONS_TABLE, "sqlite_sequence"}
POSTGRESQL_ONLY_TABLES = {pg_schema.MIGRATIONS_TABLE, "audit_head", "photo_pictures"}
# - an INTEGER PRIMARY KEY is an identity, but for a key that is another row's id;
NO_IDENTITY = {("photo_thumbnails", "photo_id")}
# - SQLite's BINARY (every text column but these) is "C"; its NOCASE is the ICU collation
#   nocase (case ignored in every script, where SQLite folds A-Z only).
COLLATIONS = {"BINARY": "C", "NOCASE": "nocase"}
TYPES = {"INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea", "REAL": "double precision"}


@pytest.fixture
def pg(pg_url):
    with psycopg.connect(pg_url) as conn:
        yield conn


@pytest.fixture
def pg_empty(pg_empty_url):
    with psycopg.connect(pg_empty_url) as conn:
        yield conn


def _migration_rows(conn) -> list[tuple]:
    with conn.transaction():
        return conn.execute(
            f"SELECT id, migration_set, name, applied_at FROM {pg_schema.MIGRATIONS_TABLE} "
            "ORDER BY id"
        ).fetchall()


# --------------------------------------------------------------------------- migrations


def test_each_sqlite_migration_has_its_postgresql_twin():
    folder = resource_path("schema", "postgresql")
    assert sorted(p.stem for p in folder.glob("*.sql")) == list(migrations.names())
    assert pg_schema.names() == migrations.names()


def test_migrations_apply_on_an_empty_database(pg_empty):
    assert pg_schema.applied(pg_empty) == []
    assert pg_schema.pending(pg_empty) == list(migrations.names())
    assert pg_schema.apply(pg_empty) == list(migrations.names())
    assert pg_schema.applied(pg_empty) == list(migrations.names())
    assert pg_schema.pending(pg_empty) == []
    assert pg_schema.version(pg_empty) == migrations.SCHEMA_VERSION
    assert pg_schema.check(pg_empty) == migrations.SCHEMA_VERSION
    rows = _migration_rows(pg_empty)
    assert {row[1] for row in rows} == {migrations.MIGRATION_SET}
    # The connection is left as it was found: outside a transaction.
    assert pg_empty.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    # The audit chain's head starts where SQLite's chain starts.
    from consult.storage.audit import GENESIS

    assert pg_empty.execute("SELECT last_id, last_hash FROM audit_head").fetchall() == [
        (0, GENESIS)
    ]


def test_applying_again_changes_nothing(pg):
    before = _migration_rows(pg), _catalog(pg)
    assert pg_schema.apply(pg) == []
    assert (_migration_rows(pg), _catalog(pg)) == before


def test_each_migration_is_its_own_transaction(pg_empty):
    names = migrations.names()
    assert pg_schema.apply(pg_empty, stop_before=names[4]) == list(names[:4])
    assert pg_schema.version(pg_empty) == 4
    assert pg_schema.apply(pg_empty) == list(names[4:])
    assert [row[2] for row in _migration_rows(pg_empty)] == list(names)


def test_two_rooms_starting_at_once_migrate_once(pg_empty_url):
    """Both wait on the writers' lock; each migration runs once, in order, between them."""
    ran: list[list[str]] = []
    failed: list[BaseException] = []
    start = threading.Barrier(2)

    def room():
        try:
            with psycopg.connect(pg_empty_url) as conn:
                start.wait()
                ran.append(pg_schema.apply(conn))
        except BaseException as exc:
            failed.append(exc)

    rooms = [threading.Thread(target=room) for _ in range(2)]
    for r in rooms:
        r.start()
    for r in rooms:
        r.join(60)
    assert failed == []
    assert sorted(name for names in ran for name in names) == sorted(migrations.names())
    with psycopg.connect(pg_empty_url) as conn:
        assert [row[2] for row in _migration_rows(conn)] == list(migrations.names())


def test_a_newer_database_is_refused_and_left_alone(pg):
    pg.execute(
        f"INSERT INTO {pg_schema.MIGRATIONS_TABLE} (migration_set, name) VALUES (%s, %s)",
        [migrations.MIGRATION_SET, "9999_from_a_newer_version"],
    )
    pg.commit()
    before = _migration_rows(pg), _catalog(pg)
    for attempt in (pg_schema.apply, pg_schema.check):
        with pytest.raises(NewerSchemaError) as refused:
            attempt(pg)
        message = refused.value.message
        assert "newer version of this app" in message
        assert f"this version knows up to {migrations.SCHEMA_VERSION}" in message
        assert pg.info.dbname in message
    assert pg_schema.unknown_applied(pg) == ["9999_from_a_newer_version"]
    assert (_migration_rows(pg), _catalog(pg)) == before


def test_another_programs_database_is_refused(pg_empty):
    pg_empty.execute("CREATE TABLE invoices (id bigint PRIMARY KEY)")
    pg_empty.commit()
    with pytest.raises(NotADatabaseError, match="did not make"):
        pg_schema.apply(pg_empty)
    assert pg_empty.execute("SELECT to_regclass('consult_migrations')").fetchone()[0] is None


def test_the_steps_sqlite_writes_from_python_find_no_records(pg_empty):
    """0003 writes name keys from the patients on SQLite; on a server it never has any."""
    pg_schema.apply(pg_empty, stop_before="0003_name_keys")
    pg_empty.execute(
        "INSERT INTO patients (uuid, name, search_name, date_of_birth, fitzpatrick, language, "
        "created_at, updated_at) VALUES ('u', 'N', 'n', '1990-01-01', 2, 'en', 'x', 'x')"
    )
    pg_empty.commit()
    with pytest.raises(StorageError, match="0003_name_keys"):
        pg_schema.apply(pg_empty)
    assert pg_schema.version(pg_empty) == 2


def test_a_non_utf8_database_is_refused(pg_server):
    name = f"consult_latin1_{uuid.uuid4().hex[:8]}"
    server = psycopg.connect(pg_server, autocommit=True)
    with server:
        server.execute(
            f"CREATE DATABASE {name} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' "
            "TEMPLATE template0"
        )
        try:
            with psycopg.connect(pg_server, dbname=name) as conn:
                with pytest.raises(StorageError, match="ENCODING 'UTF8'"):
                    pg_schema.apply(conn)
                assert pg_schema.version(conn) == 0
        finally:
            server.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_pg_schema_does_not_load_psycopg_until_used():
    """The app on SQLite never loads psycopg: importing the module does not either."""
    code = (
        "import sys\n"
        "import consult.storage.pg_schema\n"
        "assert 'psycopg' not in sys.modules, 'psycopg was loaded'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- the comparison


def _sqlite_column_collations(create_sql: str) -> dict[str, str]:
    """Each column's collation as its definition in CREATE TABLE names it (else BINARY)."""
    body = create_sql[create_sql.index("(") + 1 : create_sql.rindex(")")]
    parts, depth, current = [], 0, ""
    for char in body:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    found = {}
    for part in parts:
        words = part.split()
        if not words or words[0].upper() in {"PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}:
            continue
        collate = re.search(r"\bCOLLATE\s+(\w+)", part, re.IGNORECASE)
        found[words[0].strip('"[]`')] = collate.group(1).upper() if collate else "BINARY"
    return found


def _sqlite_schema(conn: sqlite3.Connection) -> dict:
    tables = {}
    for name, create_sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    ):
        if name in SQLITE_ONLY_TABLES:
            continue
        without_rowid = bool(re.search(r"\)\s*WITHOUT\s+ROWID\s*$", create_sql, re.I))
        info = conn.execute(f"PRAGMA table_info({name})").fetchall()
        keys = [col for col in sorted(info, key=lambda c: c[5]) if col[5]]
        rowid_alias = (
            None
            if without_rowid or len(keys) != 1 or keys[0][2].upper() != "INTEGER"
            else keys[0][1]
        )
        collations = _sqlite_column_collations(create_sql)
        columns = []
        for _cid, column, kind, notnull, default, pk in info:
            text = kind.upper() == "TEXT"
            identity = column == rowid_alias and (name, column) not in NO_IDENTITY
            columns.append(
                (
                    column,
                    TYPES[kind.upper()],
                    bool(notnull or pk),
                    default,
                    "BY DEFAULT" if identity else None,
                    COLLATIONS[collations[column]] if text else None,
                )
            )
        indexes, unique = {}, set()
        for _seq, index, is_unique, origin, _partial in conn.execute(
            f"PRAGMA index_list({name})"
        ):
            # As PostgreSQL shows them: a collation only where it is not the column's own.
            cols = tuple(
                column
                if collation.upper() == collations[column]
                else f"{column} COLLATE {COLLATIONS[collation.upper()]}"
                for _n, _cid, column, _desc, collation, key in conn.execute(
                    f"PRAGMA index_xinfo({index})"
                )
                if key
            )
            if origin == "c":
                indexes[index] = (cols, bool(is_unique))
            elif origin == "u":
                unique.add(cols)
        foreign = set()
        by_id: dict[int, list] = {}
        for fk_id, _seq, target, source, to, _upd, on_delete, _match in conn.execute(
            f"PRAGMA foreign_key_list({name})"
        ):
            by_id.setdefault(fk_id, [target, [], [], on_delete])
            by_id[fk_id][1].append(source)
            by_id[fk_id][2].append(to)
        for target, source, to, on_delete in by_id.values():
            text = f"FOREIGN KEY ({', '.join(source)}) REFERENCES {target}({', '.join(to)})"
            foreign.add(text + (" ON DELETE CASCADE" if on_delete == "CASCADE" else ""))
        tables[name] = {
            "columns": columns,
            "primary key": tuple(col[1] for col in keys),
            "unique": unique,
            "indexes": indexes,
            "foreign keys": foreign,
            "checks": len(re.findall(r"\bCHECK\s*\(", create_sql, re.I)),
        }
    triggers = {
        (table, trigger)
        for trigger, table in conn.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
        )
    }
    return {"tables": tables, "triggers": triggers}


def _pg_default(default: str | None) -> str | None:
    if default is None:
        return None
    return re.sub(r"::(text|bigint)$", "", default)


def _pg_schema(conn) -> dict:
    tables = {}
    names = [
        name
        for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "ORDER BY tablename"
        )
    ]
    for name in names:
        if name in POSTGRESQL_ONLY_TABLES:
            continue
        columns = [
            (column, kind, notnull == "NO", _pg_default(default), generation, collation)
            for column, kind, notnull, default, generation, collation in conn.execute(
                "SELECT column_name, data_type, is_nullable, column_default, "
                "identity_generation, collation_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s "
                "ORDER BY ordinal_position",
                [name],
            )
        ]
        constraints = conn.execute(
            "SELECT contype, pg_get_constraintdef(oid), conindid FROM pg_constraint "
            "WHERE conrelid = %s::regclass",
            [name],
        ).fetchall()
        backing = {indid for contype, _text, indid in constraints if contype in "pu"}
        primary = [t for contype, t, _ in constraints if contype == "p"]
        unique = {
            tuple(re.fullmatch(r"UNIQUE \((.*)\)", t).group(1).split(", "))
            for contype, t, _ in constraints
            if contype == "u"
        }
        indexes = {}
        for index, oid, is_unique, definition in conn.execute(
            "SELECT c.relname, i.indexrelid, i.indisunique, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass",
            [name],
        ):
            if oid in backing:
                continue
            cols = re.fullmatch(r".* USING btree \((.*)\)", definition).group(1)
            indexes[index] = (tuple(cols.split(", ")), is_unique)
        tables[name] = {
            "columns": columns,
            "primary key": tuple(
                re.fullmatch(r"PRIMARY KEY \((.*)\)", primary[0]).group(1).split(", ")
            )
            if primary
            else (),
            "unique": unique,
            "indexes": indexes,
            "foreign keys": {t for contype, t, _ in constraints if contype == "f"},
            "checks": sum(contype == "c" for contype, _t, _ in constraints),
        }
    triggers = {
        (table, trigger)
        for trigger, table in conn.execute(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
        )
        if table not in POSTGRESQL_ONLY_TABLES
    }
    return {"tables": tables, "triggers": triggers}


def _catalog(conn) -> dict:
    with conn.transaction():
        return _pg_schema(conn)


def test_postgresql_schema_is_sqlites(repo, pg):
    """A fresh SQLite records file at the latest version against a fresh database, table by
    table: columns (names, order, types, NOT NULL, defaults, identities, collations), the
    primary key, unique constraints, indexes (names, columns, uniqueness), foreign keys, how
    many CHECKs, and the triggers by name."""
    sqlite = _sqlite_schema(repo.conn)
    postgres = _catalog(pg)
    assert sorted(postgres["tables"]) == sorted(sqlite["tables"])
    for table, wanted in sqlite["tables"].items():
        found = postgres["tables"][table]
        for part in wanted:
            assert (table, part, found[part]) == (table, part, wanted[part])
    assert postgres["triggers"] == sqlite["triggers"]


def test_every_text_column_sorts_as_sqlite_does(pg):
    """Byte order (or nocase, where SQLite has NOCASE): the keyset paging of the search
    depends on it, whatever the database's own locale."""
    rows = pg.execute(
        "SELECT table_name, column_name, collation_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND data_type = 'text'"
    ).fetchall()
    assert {collation for _t, _c, collation in rows} == {"C", "nocase"}
    assert sorted((t, c) for t, c, collation in rows if collation == "nocase") == [
        ("accounts", "name")
    ]
    pg.execute(
        "INSERT INTO patients (uuid, name, search_name, date_of_birth, fitzpatrick, language, "
        "created_at, updated_at) VALUES ('u', 'N', 'n', '1990-01-01', 2, 'en', 'x', 'x')"
    )
    keys = ["zoe", "Zoe", "zoë", "a b", "ab", "_x", "éa", "eb", "10", "9"]
    pg.cursor().executemany(
        "INSERT INTO name_keys (key, sort_name, patient_id) "
        "VALUES (%s, '', (SELECT id FROM patients))",
        [[k] for k in keys],
    )
    found = [k for (k,) in pg.execute("SELECT key FROM name_keys ORDER BY key")]
    assert found == sorted(keys, key=lambda k: k.encode())


# --------------------------------------------------------------------------- the guards

CHANGED = "a final consultation cannot be changed"
# A patient, a consultation with one of each part, made final; an account, an audit entry, a
# consent, a signed-off and a checked-in visit, a change to the course, two photos with their
# thumbnails and the second's deletion: the same SQL on both engines (? becomes %s).
ROWS: list[tuple[str, tuple]] = [
    (
        "INSERT INTO patients (id, uuid, name, search_name, date_of_birth, fitzpatrick, "
        "language, created_at, updated_at) VALUES (1, 'p-1', 'Test Patient', 'test patient', "
        "'1990-05-17', 3, 'en', '2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z')",
        (),
    ),
    (
        "INSERT INTO consultations (id, uuid, patient_id, status, provider, date, created_at, "
        "updated_at) VALUES (1, 'c-1', 1, 'draft', 'Dr Test', '2026-11-20', "
        "'2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z')",
        (),
    ),
    (
        "INSERT INTO consultation_areas (consultation_id, area_no, area_id) "
        "VALUES (1, 1, 'face')",
        (),
    ),
    (
        "INSERT INTO consultation_zones (consultation_id, area_no, zone_no, zone_id) "
        "VALUES (1, 1, 1, 'cheeks')",
        (),
    ),
    (
        "INSERT INTO consultation_concerns (consultation_id, area_no, concern_no, concern_id, "
        "severity) VALUES (1, 1, 1, 'acne_scars', 'moderate')",
        (),
    ),
    (
        "INSERT INTO consultation_adjuncts (consultation_id, adjunct_no, adjunct_id) "
        "VALUES (1, 1, 'peel')",
        (),
    ),
    (
        "INSERT INTO planned_sessions (consultation_id, number, date) "
        "VALUES (1, 1, '2026-12-01')",
        (),
    ),
    (
        "INSERT INTO adjunct_visits (consultation_id, visit_no, adjunct_id, date, "
        "after_session) VALUES (1, 1, 'peel', '2026-12-15', 1)",
        (),
    ),
    (
        "UPDATE consultations SET status = 'final', finalized_at = '2026-11-20T10:00:00Z' "
        "WHERE id = 1",
        (),
    ),
    (
        "INSERT INTO accounts (id, name, role, secret_hash, created_at, updated_at) "
        "VALUES (1, 'Alice', 'administrator', 'x', '2026-11-20', '2026-11-20')",
        (),
    ),
    (
        "INSERT INTO audit_log (id, at, action, record_type, record_id, record_uuid, "
        "prev_hash, hash) VALUES (1, '2026-11-20T09:00:00Z', 'create', 'patient', 1, 'p-1', "
        "?, ?)",
        ("0" * 64, "1" * 64),
    ),
    (
        "INSERT INTO consents (id, uuid, patient_id, consultation_id, document, version, "
        "document_hash, language, decision, text, text_hash, patient_name, provider, "
        "signed_at, created_at) VALUES (1, 'k-1', 1, 1, 'microneedling', 1, 'h', 'en', "
        "'refused', '{}', 'h', 'Test Patient', 'Dr Test', '2026-11-20', '2026-11-20')",
        (),
    ),
    (
        "INSERT INTO visits (id, uuid, patient_id, consultation_id, kind, date, status, "
        "outcome, created_at, updated_at, signed_at) VALUES (1, 'v-1', 1, 1, 'review', "
        "'2027-03-01', 'final', 'reviewed', '2027-03-01', '2027-03-01', '2027-03-01')",
        (),
    ),
    (
        "INSERT INTO visits (id, uuid, patient_id, consultation_id, kind, session, date, "
        "status, created_at, updated_at) VALUES (2, 'v-2', 1, 1, 'session', 1, "
        "'2026-12-01', 'checked_in', '2026-12-01', '2026-12-01')",
        (),
    ),
    (
        "INSERT INTO course_changes (id, uuid, patient_id, consultation_id, kind, appointment, "
        "was, recorded_by, created_at) VALUES (1, 'cc-1', 1, 1, 'cancel', 'session-2', "
        "'2027-01-01', 'Dr Test', '2026-11-21')",
        (),
    ),
    *(
        (
            "INSERT INTO photos (id, uuid, patient_id, visit, area_id, view_id, taken_on, "
            "taken_by, source, sha256, bytes, width, height, thumbnail_sha256, consent_id, "
            f"teaching, marketing, created_at) VALUES ({n}, 'ph-{n}', 1, 'baseline', 'face', "
            "'front', '2026-11-20', 'Dr Test', 'camera', ?, 100, 10, 10, ?, 1, 0, 0, "
            "'2026-11-20')",
            (str(n) * 64, "f" * 64),
        )
        for n in (1, 2)
    ),
    ("INSERT INTO photo_thumbnails (photo_id, jpeg) VALUES (1, ?), (2, ?)", (b"\xff", b"\xfe")),
    (
        "INSERT INTO photo_deletions (id, uuid, photo_id, reason, deleted_by, deleted_at) "
        "VALUES (1, 'pd-1', 2, 'wrong patient', 'Dr Test', '2026-11-21')",
        (),
    ),
]

_PARTS = {
    "consultation_areas": ("(consultation_id, area_no, area_id)", "(1, 2, 'neck')", "area_id"),
    "consultation_zones": (
        "(consultation_id, area_no, zone_no, zone_id)",
        "(1, 1, 2, 'chin')",
        "zone_id",
    ),
    "consultation_concerns": (
        "(consultation_id, area_no, concern_no, concern_id)",
        "(1, 1, 2, 'fine_lines')",
        "severity",
    ),
    "consultation_adjuncts": (
        "(consultation_id, adjunct_no, adjunct_id)",
        "(1, 2, 'facial')",
        "adjunct_id",
    ),
    "planned_sessions": ("(consultation_id, number, date)", "(1, 2, '2027-01-01')", "date"),
    "adjunct_visits": (
        "(consultation_id, visit_no, adjunct_id, date, after_session)",
        "(1, 2, 'facial', '2027-01-15', 2)",
        "date",
    ),
}
# (the trigger that refuses it, the statement, what it says)
GUARDS: list[tuple[str, str, str]] = [
    (
        "audit_log_no_update",
        "UPDATE audit_log SET detail = 'x'",
        "audit log entries cannot be changed",
    ),
    ("audit_log_no_delete", "DELETE FROM audit_log", "audit log entries cannot be deleted"),
    ("consultations_final_no_update", "UPDATE consultations SET notes = 'x'", CHANGED),
    (
        "consultations_final_no_delete",
        "DELETE FROM consultations",
        "a final consultation cannot be deleted",
    ),
    *(
        guard
        for table, (columns, values, column) in _PARTS.items()
        for guard in (
            (f"{table}_final_no_insert", f"INSERT INTO {table} {columns} VALUES {values}", CHANGED),
            (f"{table}_final_no_update", f"UPDATE {table} SET {column} = {column}", CHANGED),
            (f"{table}_final_no_delete", f"DELETE FROM {table}", CHANGED),
        )
    ),
    ("accounts_no_delete", "DELETE FROM accounts", "accounts are disabled, never deleted"),
    ("accounts_name_fixed", "UPDATE accounts SET name = 'Bob'", "an account keeps its name"),
    (
        "consents_no_update",
        "UPDATE consents SET note = 'x'",
        "a consent cannot be changed; a withdrawal is a new record",
    ),
    (
        "consents_no_delete",
        "DELETE FROM consents",
        "a consent cannot be deleted; a withdrawal is a new record",
    ),
    (
        "visits_final_no_update",
        "UPDATE visits SET notes = 'x' WHERE id = 1",
        "a signed-off visit cannot be changed; amend it",
    ),
    (
        "visits_final_no_delete",
        "DELETE FROM visits WHERE id = 1",
        "a signed-off visit cannot be deleted",
    ),
    (
        "course_changes_no_update",
        "UPDATE course_changes SET reason = 'x'",
        "a change to the course is never changed; record another",
    ),
    (
        "course_changes_no_delete",
        "DELETE FROM course_changes",
        "a change to the course is never deleted",
    ),
    (
        "photos_no_update",
        "UPDATE photos SET source = 'x' WHERE id = 1",
        "a photo record cannot be changed",
    ),
    (
        "photos_no_delete",
        "DELETE FROM photos WHERE id = 1",
        "a photo record is never deleted; its deletion is a record",
    ),
    (
        "photo_thumbnails_no_update",
        "UPDATE photo_thumbnails SET jpeg = jpeg WHERE photo_id = 1",
        "a thumbnail cannot be changed",
    ),
    (
        "photo_thumbnails_kept",
        "DELETE FROM photo_thumbnails WHERE photo_id = 1",
        "a thumbnail goes only with its photo's deletion",
    ),
    (
        "photo_deletions_no_update",
        "UPDATE photo_deletions SET reason = 'x'",
        "a photo's deletion cannot be changed",
    ),
    (
        "photo_deletions_no_delete",
        "DELETE FROM photo_deletions",
        "a photo's deletion cannot be undone",
    ),
]
# What the same guards let through, on both engines.
ALLOWED = [
    "UPDATE accounts SET name = 'ALICE'",  # a change of case only: NOCASE and nocase agree
    "UPDATE accounts SET active = 0",
    "UPDATE visits SET notes = 'x' WHERE id = 2",  # checked in, not signed off
    "DELETE FROM photo_thumbnails WHERE photo_id = 2",  # its photo's deletion is recorded
    "INSERT INTO consultations (id, uuid, patient_id, status, provider, date, created_at, "
    "updated_at) VALUES (2, 'c-2', 1, 'draft', 'Dr Test', '2026-11-21', 'x', 'x')",
    "INSERT INTO planned_sessions (consultation_id, number, date) VALUES (2, 1, '2027-01-01')",
    "UPDATE consultations SET notes = 'x' WHERE id = 2",
    "DELETE FROM consultations WHERE id = 2",
]


def _sqlite_guarded(repo) -> sqlite3.Connection:
    conn = repo.conn
    with conn:
        for statement, values in ROWS:
            conn.execute(statement, values)
    return conn


def _pg_guarded(pg):
    with pg.transaction():
        for statement, values in ROWS:
            pg.execute(statement.replace("?", "%s"), values)
    return pg


def _sqlite_refusal(conn: sqlite3.Connection, statement: str) -> str | None:
    try:
        conn.execute(statement)
    except sqlite3.IntegrityError as exc:
        return str(exc)
    finally:
        conn.rollback()
    return None


def _pg_refusal(conn, statement: str) -> str | None:
    try:
        with conn.transaction():
            conn.execute(statement)
            raise _RolledBack
    except psycopg.errors.RestrictViolation as exc:
        return exc.diag.message_primary
    except _RolledBack:
        return None


class _RolledBack(Exception):
    """Undoes a statement that went through (psycopg rolls back on any exception)."""


def test_every_sqlite_guard_is_tested(repo):
    guards = {
        name
        for name, sql in repo.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        )
        if "RAISE" in sql.upper()
    }
    assert guards == {trigger for trigger, _s, _m in GUARDS}


def test_each_guard_refuses_with_sqlites_words(repo, pg):
    sqlite = _sqlite_guarded(repo)
    postgres = _pg_guarded(pg)
    said = [
        (trigger, _sqlite_refusal(sqlite, statement), _pg_refusal(postgres, statement))
        for trigger, statement, _message in GUARDS
    ]
    assert said == [(trigger, message, message) for trigger, _s, message in GUARDS]


def test_what_the_guards_allow_both_allow(repo, pg):
    sqlite = _sqlite_guarded(repo)
    postgres = _pg_guarded(pg)
    for statement in ALLOWED:
        with sqlite:
            sqlite.execute(statement)
        with postgres.transaction():
            postgres.execute(statement)
    assert postgres.execute("SELECT name FROM accounts").fetchall() == [("ALICE",)]
    # nocase, as NOCASE: the name is found whatever its case, and taken whatever its case.
    assert postgres.execute("SELECT id FROM accounts WHERE name = 'alice'").fetchall() == [(1,)]
    assert sqlite.execute("SELECT id FROM accounts WHERE name = 'alice'").fetchall() == [(1,)]
    for conn, refused in (
        (sqlite, sqlite3.IntegrityError),
        (postgres, psycopg.errors.UniqueViolation),
    ):
        with pytest.raises(refused):
            conn.execute(
                "INSERT INTO accounts (name, role, secret_hash, created_at, updated_at) "
                "VALUES ('alice', 'provider', 'x', 'x', 'x')"
            )
        conn.rollback()


# --------------------------------------------------------------------------- the app's role


@pytest.fixture
def app_role(pg_url, pg_server):
    """A login role for the app, granted its rights on the test database; dropped after."""
    role = f"consult_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as server:
        server.execute(f"CREATE ROLE {role} LOGIN")
    try:
        with psycopg.connect(pg_url) as owner:
            _pg_guarded(owner)
            pg_schema.grant_app_role(owner, role)
        yield role
    finally:
        with psycopg.connect(pg_url, autocommit=True) as owner:
            owner.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [role],
            )
            owner.execute(f"DROP OWNED BY {role}")
        with psycopg.connect(pg_server, autocommit=True) as server:
            server.execute(f"DROP ROLE {role}")


def test_the_apps_role_cannot_change_the_audit_trail_past_the_triggers(pg_url, app_role):
    """Refused by permission (SQLSTATE 42501) before any trigger runs; the same for what
    else never changes. What the app does every day still works."""
    with psycopg.connect(pg_url, user=app_role) as app:
        for statement in (
            "UPDATE audit_log SET detail = 'x' WHERE id = 1",
            "DELETE FROM audit_log WHERE id = 1",
            "TRUNCATE audit_log",
            "UPDATE consents SET note = 'x'",
            "DELETE FROM consents",
            "UPDATE course_changes SET reason = 'x'",
            "UPDATE photos SET source = 'x'",
            "DELETE FROM photo_deletions",
            "UPDATE photo_thumbnails SET jpeg = jpeg",
            "DELETE FROM accounts",
            "DELETE FROM audit_head",
            "INSERT INTO audit_head (last_id, last_hash) VALUES (0, '')",
            "DELETE FROM consult_migrations",
            "TRUNCATE patients CASCADE",
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete ON audit_log",
            "CREATE TABLE other (id bigint)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), app.transaction():
                app.execute(statement)
        with app.transaction():
            app.execute(
                "INSERT INTO audit_log (id, at, action, record_type, prev_hash, hash) "
                "VALUES (2, 'x', 'view', 'patient', %s, %s)",
                ["1" * 64, "2" * 64],
            )
            app.execute("UPDATE audit_head SET last_id = 2, last_hash = %s", ["2" * 64])
            # After rows with explicit ids (an import, a copy), the identity is moved on.
            app.execute("SELECT setval(pg_get_serial_sequence('patients', 'id'), 1)")
            app.execute(
                "INSERT INTO patients (uuid, name, search_name, date_of_birth, fitzpatrick, "
                "language, created_at, updated_at) "
                "VALUES ('p-2', 'N', 'n', '1990-01-01', 2, 'en', 'x', 'x')"
            )
            app.execute("UPDATE patients SET phone = '1' WHERE uuid = 'p-2'")
            app.execute("DELETE FROM photo_thumbnails WHERE photo_id = 2")
            app.execute("UPDATE accounts SET failed_sign_ins = 1")
            app.execute("UPDATE visits SET notes = 'x' WHERE id = 2")
            assert app.execute("SELECT count(*) FROM consult_migrations").fetchone()[0] == (
                migrations.SCHEMA_VERSION
            )
        # And where a grant allows it, the trigger still refuses.
        with pytest.raises(psycopg.errors.RestrictViolation), app.transaction():
            app.execute("UPDATE visits SET notes = 'x' WHERE id = 1")
        # A temporary table (searched first, unless named) cannot stand in for the records'
        # in a guard's lookup and pass a final consultation off as a draft.
        with pytest.raises(psycopg.errors.RestrictViolation), app.transaction():
            app.execute("CREATE TEMP TABLE consultations (id bigint, status text)")
            app.execute("INSERT INTO consultations VALUES (1, 'draft')")
            app.execute(
                "INSERT INTO planned_sessions (consultation_id, number, date) "
                "VALUES (1, 9, '2027-01-01')"
            )
        with pytest.raises(psycopg.errors.RestrictViolation), app.transaction():
            app.execute("CREATE TEMP TABLE photo_deletions (photo_id bigint)")
            app.execute("INSERT INTO photo_deletions VALUES (1)")
            app.execute("DELETE FROM photo_thumbnails WHERE photo_id = 1")


def test_every_table_guarded_outright_is_withheld(repo):
    """A table whose rows SQLite's triggers refuse to change (or delete) whatever the row
    holds is one the app's role is refused the same on (grant_app_role's WITHHELD)."""
    outright: dict[str, set[str]] = {}
    for table, sql in repo.conn.execute(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
    ):
        event = re.search(r"BEFORE (UPDATE|DELETE) ON", sql)
        if event and " WHEN " not in sql:
            outright.setdefault(table, set()).add(event.group(1))
    assert outright == {
        table: set(withheld) - {"INSERT"}
        for table, withheld in pg_schema.WITHHELD.items()
        if table in outright
    }
    assert set(outright) <= set(pg_schema.WITHHELD)


def test_a_superuser_is_no_app_role(pg, pg_server):
    (user,) = pg.execute("SELECT current_user").fetchone()
    with pytest.raises(StorageError, match="superuser"):
        pg_schema.grant_app_role(pg, user)
