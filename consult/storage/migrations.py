"""The records schema, as named, append-only migrations (``sqlite_utils.Migrations``).

Rules, because the files in clinics must upgrade without loss:

- Never edit or reorder a migration that has shipped; add a new one at the end.
- Each migration is plain SQL, frozen here, not sqlite-utils table helpers whose output may
  change between library versions. Rows derived from others by the app's own rules (the
  name search keys) are written by the same function that writes them for a new save.
- Each migration runs in one transaction with the record of it having run, and sets
  ``PRAGMA user_version`` to its number: the schema version, readable from the file's header
  without SQLite (see ``database.check_header``).
- Every version gets a builder in ``tests/storage/schema_builders.py`` and a schema snapshot
  in ``tests/storage/fixtures/``, so a database made by each earlier version is upgraded in
  the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from consult.storage import audit, listing, search

if TYPE_CHECKING:
    import sqlite3

    from sqlite_utils import Database, Migrations

MIGRATION_SET = "consult-records"
# Where sqlite-utils' ``Migrations`` records what ran (its ``migrations_table``; a test checks
# they agree). Named here so that opening the records, which only reads it, does not import
# sqlite-utils: the library is loaded when a migration has to run.
MIGRATIONS_TABLE = "_sqlite_migrations"
_STEPS: list[tuple[str, Callable[[Database], None]]] = []
_NAMES: list[str] = []


def migration(name: str) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    """Register the next migration; its position (from 1) is the schema version it makes."""

    def register(body: Callable[[Database], None]) -> Callable[[Database], None]:
        version = len(_NAMES) + 1

        def run(db: Database) -> None:
            body(db)
            db.execute(f"PRAGMA user_version = {version}")

        run.__name__ = name
        _STEPS.append((name, run))
        _NAMES.append(name)
        return body

    return register


def names() -> tuple[str, ...]:
    return tuple(_NAMES)


def version_of(name: str) -> int:
    """The schema version that migration ``name`` makes: a file of an older version (opened
    read-only, so not upgraded) lacks what it adds."""
    return _NAMES.index(name) + 1


def applied(db: Database | sqlite3.Connection) -> list[str]:
    """The migrations of this set recorded in the file, in the order they ran.

    Two plain queries: every open of the records asks, and sqlite-utils' own
    ``Migrations.applied`` looks the table's schema over first, which took most of the time
    of opening a connection to search.
    """
    table = MIGRATIONS_TABLE
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    if found is None:
        return []
    rows = db.execute(
        f"SELECT name FROM [{table}] WHERE migration_set = ? ORDER BY rowid", [MIGRATION_SET]
    )
    return [name for (name,) in rows]


def unknown_applied(db: Database | sqlite3.Connection) -> list[str]:
    """Migrations recorded in the file that this version of the app does not know."""
    known = set(_NAMES)
    return [name for name in applied(db) if name not in known]


def pending(db: Database | sqlite3.Connection) -> list[str]:
    done = set(applied(db))
    return [name for name in _NAMES if name not in done]


def migrations() -> Migrations:
    """This app's migrations as a sqlite-utils ``Migrations`` set, ready to apply."""
    from sqlite_utils import Migrations

    found = Migrations(MIGRATION_SET)
    for name, run in _STEPS:
        found(name=name)(run)
    return found


def apply(db: Database, *, stop_before: str | None = None) -> None:
    migrations().apply(db, stop_before=stop_before)


def _run(db: Database, statements: list[str]) -> None:
    for statement in statements:
        db.execute(statement)


# Tables holding a consultation's parts; a final consultation's parts never change.
_CHILD_TABLES_V1 = (
    "consultation_areas",
    "consultation_zones",
    "consultation_concerns",
    "consultation_adjuncts",
    "screening_answers",
    "planned_sessions",
    "adjunct_visits",
)


@migration("0001_records")
def _records(db: Database) -> None:
    statements = [
        "PRAGMA application_id = 1131376243",  # 0x436F6E73, "Cons"
        """
        CREATE TABLE patients (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            search_name TEXT NOT NULL,
            date_of_birth TEXT NOT NULL,
            fitzpatrick INTEGER NOT NULL,
            language TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            phone_digits TEXT NOT NULL DEFAULT '',
            phone_reversed TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX patients_date_of_birth ON patients (date_of_birth)",
        "CREATE INDEX patients_phone_digits ON patients (phone_digits)",
        "CREATE INDEX patients_phone_reversed ON patients (phone_reversed)",
        # Name search: words of the folded name (see search.py), prefixes indexed.
        """
        CREATE VIRTUAL TABLE patient_names USING fts5 (
            search_name,
            content = 'patients',
            content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '1 2 3'
        )
        """,
        """
        CREATE TRIGGER patients_names_insert AFTER INSERT ON patients BEGIN
            INSERT INTO patient_names (rowid, search_name) VALUES (new.id, new.search_name);
        END
        """,
        """
        CREATE TRIGGER patients_names_delete AFTER DELETE ON patients BEGIN
            INSERT INTO patient_names (patient_names, rowid, search_name)
            VALUES ('delete', old.id, old.search_name);
        END
        """,
        """
        CREATE TRIGGER patients_names_update AFTER UPDATE OF search_name ON patients BEGIN
            INSERT INTO patient_names (patient_names, rowid, search_name)
            VALUES ('delete', old.id, old.search_name);
            INSERT INTO patient_names (rowid, search_name) VALUES (new.id, new.search_name);
        END
        """,
        """
        CREATE TABLE consultations (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            patient_id INTEGER NOT NULL REFERENCES patients (id),
            status TEXT NOT NULL CHECK (status IN ('draft', 'final')),
            revision_of INTEGER UNIQUE REFERENCES consultations (id),
            provider TEXT NOT NULL,
            date TEXT NOT NULL,
            start_date TEXT,
            session_count INTEGER,
            notes TEXT NOT NULL DEFAULT '',
            catalog_version TEXT NOT NULL DEFAULT '',
            override_reason TEXT,
            override_provider TEXT,
            screening_outcome TEXT,
            interval_weeks INTEGER,
            results_from TEXT,
            results_to TEXT,
            demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finalized_at TEXT,
            CHECK ((override_reason IS NULL) = (override_provider IS NULL)),
            CHECK (status = 'draft' OR finalized_at IS NOT NULL),
            CHECK (revision_of IS NULL OR status = 'final')
        )
        """,
        "CREATE INDEX consultations_patient ON consultations (patient_id, date)",
        "CREATE INDEX consultations_date ON consultations (date)",
        """
        CREATE TABLE consultation_areas (
            consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
            area_no INTEGER NOT NULL,
            area_id TEXT NOT NULL,
            PRIMARY KEY (consultation_id, area_no)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX consultation_areas_area ON consultation_areas (area_id)",
        """
        CREATE TABLE consultation_zones (
            consultation_id INTEGER NOT NULL,
            area_no INTEGER NOT NULL,
            zone_no INTEGER NOT NULL,
            zone_id TEXT NOT NULL,
            PRIMARY KEY (consultation_id, area_no, zone_no),
            FOREIGN KEY (consultation_id, area_no)
                REFERENCES consultation_areas (consultation_id, area_no) ON DELETE CASCADE
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE consultation_concerns (
            consultation_id INTEGER NOT NULL,
            area_no INTEGER NOT NULL,
            concern_no INTEGER NOT NULL,
            concern_id TEXT NOT NULL,
            severity TEXT,
            kind TEXT,
            PRIMARY KEY (consultation_id, area_no, concern_no),
            FOREIGN KEY (consultation_id, area_no)
                REFERENCES consultation_areas (consultation_id, area_no) ON DELETE CASCADE
        ) WITHOUT ROWID
        """,
        "CREATE INDEX consultation_concerns_concern ON consultation_concerns (concern_id)",
        """
        CREATE TABLE consultation_adjuncts (
            consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
            adjunct_no INTEGER NOT NULL,
            adjunct_id TEXT NOT NULL,
            PRIMARY KEY (consultation_id, adjunct_no)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE screening_answers (
            consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
            question_no INTEGER NOT NULL,
            question_id TEXT NOT NULL,
            answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'not_sure')),
            PRIMARY KEY (consultation_id, question_no),
            UNIQUE (consultation_id, question_id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE planned_sessions (
            consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            date TEXT NOT NULL,
            PRIMARY KEY (consultation_id, number)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX planned_sessions_date ON planned_sessions (date)",
        """
        CREATE TABLE adjunct_visits (
            consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
            visit_no INTEGER NOT NULL,
            adjunct_id TEXT NOT NULL,
            date TEXT NOT NULL,
            after_session INTEGER NOT NULL,
            PRIMARY KEY (consultation_id, visit_no)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX adjunct_visits_date ON adjunct_visits (date)",
        """
        CREATE TABLE providers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            created_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            record_type TEXT NOT NULL,
            record_id INTEGER,
            record_uuid TEXT,
            provider TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE
        )
        """,
        "CREATE INDEX audit_log_record ON audit_log (record_type, record_id)",
        """
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
            SELECT RAISE (ABORT, 'audit log entries cannot be changed');
        END
        """,
        """
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
            SELECT RAISE (ABORT, 'audit log entries cannot be deleted');
        END
        """,
        # A final consultation is never overwritten or deleted; an amendment is a new row.
        """
        CREATE TRIGGER consultations_final_no_update BEFORE UPDATE ON consultations
        WHEN old.status = 'final' BEGIN
            SELECT RAISE (ABORT, 'a final consultation cannot be changed');
        END
        """,
        """
        CREATE TRIGGER consultations_final_no_delete BEFORE DELETE ON consultations
        WHEN old.status = 'final' BEGIN
            SELECT RAISE (ABORT, 'a final consultation cannot be deleted');
        END
        """,
    ]
    for table in _CHILD_TABLES_V1:
        for event, row in (("INSERT", "new"), ("UPDATE", "old"), ("DELETE", "old")):
            statements.append(
                f"""
                CREATE TRIGGER {table}_final_no_{event.lower()} BEFORE {event} ON {table}
                WHEN (SELECT status FROM consultations WHERE id = {row}.consultation_id)
                    = 'final'
                BEGIN
                    SELECT RAISE (ABORT, 'a final consultation cannot be changed');
                END
                """
            )
    _run(db, statements)


@migration("0002_consultations_by_patient_and_status")
def _consultations_by_patient_and_status(db: Database) -> None:
    """The patient list's dates (last consultation, next session) read a patient's
    consultations and, for the next session, whether each is final. With the status in the
    index they are read from the index alone, without a visit to each consultation's row. It
    replaces the index on (patient_id, date), which it also serves."""
    _run(
        db,
        [
            "DROP INDEX consultations_patient",
            "CREATE INDEX consultations_patient_status ON consultations (patient_id, status, date)",
        ],
    )


@migration("0003_name_keys")
def _name_keys(db: Database) -> None:
    """Name search from a table of word starts instead of FTS5.

    ``name_keys`` holds, for each patient, every start of each search word of the name
    (``search.name_keys``), beside the start of the patient's ``search_name``: the order the
    list shows. It is read in that order straight off its primary key, so a keystroke's first
    page costs the same whether 10 or 10,000 patients match, where FTS5 gave every match,
    to be sorted before the first page could be cut. It answers what FTS5 answered (each
    typed word starts a word of the name), so ``patient_names`` and its triggers go.

    ``search_name`` is written again from each name by the app's current folding rules, so
    that it and the keys agree; the keys are then written by the function that writes them
    for every save.
    """
    _run(
        db,
        [
            "DROP TRIGGER patients_names_insert",
            "DROP TRIGGER patients_names_delete",
            "DROP TRIGGER patients_names_update",
            "DROP TABLE patient_names",
            """
            CREATE TABLE name_keys (
                key TEXT NOT NULL,
                sort_name TEXT NOT NULL,
                patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
                PRIMARY KEY (key, sort_name, patient_id)
            ) WITHOUT ROWID
            """,
        ],
    )
    patients = db.execute("SELECT id, name, search_name FROM patients ORDER BY id").fetchall()
    renamed = []
    keys = []
    for patient_id, name, stored in patients:
        words = search.search_name(name)
        if words != stored:
            renamed.append((words, patient_id))
        sort_name = search.sort_name(words)
        keys.extend((key, sort_name, patient_id) for key in search.name_keys(words))
    db.conn.executemany("UPDATE patients SET search_name = ? WHERE id = ?", renamed)
    # In the table's order: each row is appended, not wedged between others.
    keys.sort()
    db.conn.executemany("INSERT INTO name_keys VALUES (?, ?, ?)", keys)


@migration("0004_list_dates")
def _list_dates(db: Database) -> None:
    """What the patient list shows beside each patient, kept with the patient.

    The list showed the last consultation and the next session from two subqueries per
    listed patient, each several lookups in the consultation tables: most of a keystroke's
    time in a large file, where those pages are rarely in memory. ``patients`` now keeps
    them (see ``listing``): ``last_consultation``, the latest date of the current
    consultations, drafts included; ``session_dates``, the sorted dates of the sessions of
    the current final plans, of which the list shows the first from today.

    They are filled from the consultation tables by the function that writes them for every
    save, so an upgraded file lists what it listed before.
    """
    _run(
        db,
        [
            "ALTER TABLE patients ADD COLUMN last_consultation TEXT",
            "ALTER TABLE patients ADD COLUMN session_dates TEXT NOT NULL DEFAULT ''",
        ],
    )
    listing.store_all(db.conn)


@migration("0005_clearance")
def _clearance(db: Database) -> None:
    """A doctor's clearance, kept with the consultation whose screening needed it: who gave
    it, when, a note, who recorded it, and the screening questions it answers (their ids,
    separated by spaces). Recording one amends the consultation: a new final revision with
    the clearance and the confirmed dates; the provisional one stays readable."""
    _run(
        db,
        [
            "ALTER TABLE consultations ADD COLUMN clearance_by TEXT",
            "ALTER TABLE consultations ADD COLUMN clearance_on TEXT",
            "ALTER TABLE consultations ADD COLUMN clearance_note TEXT",
            "ALTER TABLE consultations ADD COLUMN clearance_recorded_by TEXT",
            "ALTER TABLE consultations ADD COLUMN clearance_covers TEXT",
        ],
    )


@migration("0006_audit_content")
def _audit_content(db: Database) -> None:
    """Audit entries seal the records they are about (see ``content``).

    Each entry for a change to a patient or a consultation carries the record's content hash
    after the change, chained with the entry's other fields. A file from an earlier version
    gets one ``seal`` entry for every patient and every final consultation, so that from here
    on a change made to any of them outside the app shows.
    """
    _run(db, ["ALTER TABLE audit_log ADD COLUMN content_hash TEXT"])
    audit.seal(
        db,
        "seal",
        patients=[row[0] for row in db.execute("SELECT id FROM patients")],
        consultations=[
            row[0] for row in db.execute("SELECT id FROM consultations WHERE status = 'final'")
        ],
        provider="consult (records upgraded)",
        detail="sealed at the upgrade to records format 6",
    )


@migration("0007_accounts")
def _accounts(db: Database) -> None:
    """Who may use the records: one account per person, with a role, and the audit trail
    read by account.

    ``accounts`` keeps each person's name (unique, whatever its case), role, the argon2id
    hash of their PIN or password (``passwords``; never the secret), whether the account may
    sign in, the failed sign-ins in a row and until when the account is locked after too
    many, and the digest of an administrator's token for scripted backups. An account is
    disabled, never deleted, and keeps its name: the audit trail names accounts, and each
    name must keep meaning the same person. From this version the audit trail's ``provider``
    is the signed-in account's name. The audit viewer reads entries by account, by action
    and by time, hence the indexes.
    """
    _run(
        db,
        [
            """
            CREATE TABLE accounts (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
                role TEXT NOT NULL CHECK (role IN ('provider', 'assistant', 'administrator')),
                secret_hash TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                failed_sign_ins INTEGER NOT NULL DEFAULT 0,
                locked_until TEXT,
                token_digest TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            """
            CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts BEGIN
                SELECT RAISE (ABORT, 'accounts are disabled, never deleted');
            END
            """,
            """
            CREATE TRIGGER accounts_name_fixed BEFORE UPDATE OF name ON accounts
            WHEN old.name IS NOT new.name BEGIN
                SELECT RAISE (ABORT, 'an account keeps its name');
            END
            """,
            "CREATE INDEX audit_log_provider ON audit_log (provider, id)",
            "CREATE INDEX audit_log_action ON audit_log (action, id)",
            "CREATE INDEX audit_log_at ON audit_log (at)",
        ],
    )


@migration("0008_consents")
def _consents(db: Database) -> None:
    """Informed consent, as the patient gave it (see ``consult.domain.consent``).

    One row per decision: signed, refused, deferred ("wants to think about it"), or a
    withdrawal of an earlier signed consent (``withdraws``). Each keeps the exact text shown
    (the snapshot, JSON) and its SHA-256, the form's id, version and catalog hash, the
    language, the health answers' hash, the photo choices, who signed and when, and for a
    signature: the strokes (vector JSON) and a PNG of each, and the sealed PDF with its
    SHA-256. A consent row is never changed or deleted: triggers refuse it, as for a final
    consultation; a withdrawal is a new row.
    """
    _run(
        db,
        [
            """
            CREATE TABLE consents (
                id INTEGER PRIMARY KEY,
                uuid TEXT NOT NULL UNIQUE,
                patient_id INTEGER NOT NULL REFERENCES patients (id),
                consultation_id INTEGER NOT NULL REFERENCES consultations (id),
                document TEXT NOT NULL,
                version INTEGER NOT NULL,
                document_hash TEXT NOT NULL,
                language TEXT NOT NULL,
                decision TEXT NOT NULL
                    CHECK (decision IN ('signed', 'refused', 'deferred', 'withdrawn')),
                text TEXT NOT NULL,
                text_hash TEXT NOT NULL,
                screening_hash TEXT NOT NULL DEFAULT '',
                choices TEXT NOT NULL DEFAULT '{}',
                patient_name TEXT NOT NULL,
                patient_strokes TEXT,
                patient_png BLOB,
                provider TEXT NOT NULL,
                provider_strokes TEXT,
                provider_png BLOB,
                signed_at TEXT NOT NULL,
                pdf BLOB,
                pdf_sha256 TEXT,
                withdraws INTEGER UNIQUE REFERENCES consents (id),
                note TEXT NOT NULL DEFAULT '',
                demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
                created_at TEXT NOT NULL,
                CHECK ((decision = 'signed') = (patient_strokes IS NOT NULL)),
                CHECK ((decision = 'signed') = (provider_strokes IS NOT NULL)),
                CHECK ((decision = 'signed') = (pdf IS NOT NULL)),
                CHECK ((pdf IS NULL) = (pdf_sha256 IS NULL)),
                CHECK ((decision = 'withdrawn') = (withdraws IS NOT NULL))
            )
            """,
            "CREATE INDEX consents_patient ON consents (patient_id, document)",
            "CREATE INDEX consents_consultation ON consents (consultation_id)",
            """
            CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents BEGIN
                SELECT RAISE (ABORT, 'a consent cannot be changed; a withdrawal is a new record');
            END
            """,
            """
            CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents BEGIN
                SELECT RAISE (ABORT, 'a consent cannot be deleted; a withdrawal is a new record');
            END
            """,
        ],
    )


@migration("0009_appointment_times_and_amend_reason")
def _appointment_times_and_amend_reason(db: Database) -> None:
    """Appointments are booked at a time of day, and an amendment says why it was made.

    ``consultations.appointment_time`` is the time ("HH:MM") the provider books the
    appointments at, ``appointment_times`` the appointments booked at another time, as a
    JSON object by appointment (``plan.session_key``, ``plan.visit_key``: ``{}`` for none);
    the plan's rows keep the time each appointment was agreed at (``time``, NULL when none
    was booked). ``amend_reason`` is why the provider amended a consultation ('' for one
    that replaces nothing). Consultations saved before have no times, as before.
    """
    _run(
        db,
        [
            "ALTER TABLE consultations ADD COLUMN appointment_time TEXT",
            "ALTER TABLE consultations ADD COLUMN appointment_times TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE consultations ADD COLUMN amend_reason TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE planned_sessions ADD COLUMN time TEXT",
            "ALTER TABLE adjunct_visits ADD COLUMN time TEXT",
        ],
    )


@migration("0010_treatment_course")
def _treatment_course(db: Database) -> None:
    """The treatment course: each visit charted, and each change to the course's dates.

    ``visits`` keeps a session visit (``kind`` session, ``session`` the number it has in the
    agreed plan) or the results review: its day, the check-in's answers (JSON, question:
    answer) and who checked the patient in; once signed off (``status`` final) what became of
    it (treated, not treated with ``stop_reason``, reviewed) and, for a session treated, the
    treatment record: device, cartridge, the cartridge's ``lot`` and ``lot_expiry``, the
    depth and passes per zone (``zones``, JSON), endpoint, numbing agent, area and minutes,
    glide product, any add-on given, the reaction, whether the aftercare was given, provider
    and room; for the review, its answers (``review``, JSON). A visit only checked in may
    still change or be deleted; a final one never (triggers), and is amended by a new row
    (``revision_of``, ``amend_reason``). The lot is indexed for a manufacturer's recall.

    ``course_changes`` keeps each session or review rescheduled, cancelled or missed (with
    the date it had, ``was``, and the new one), who recorded it, and why; never changed or
    deleted. The course's dates are worked out from the plan and these (``domain.course``).
    """
    _run(
        db,
        [
            """
            CREATE TABLE visits (
                id INTEGER PRIMARY KEY,
                uuid TEXT NOT NULL UNIQUE,
                patient_id INTEGER NOT NULL REFERENCES patients (id),
                consultation_id INTEGER NOT NULL REFERENCES consultations (id),
                kind TEXT NOT NULL CHECK (kind IN ('session', 'review')),
                session INTEGER,
                date TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('checked_in', 'final')),
                outcome TEXT CHECK (outcome IN ('treated', 'not_treated', 'reviewed')),
                stop_reason TEXT NOT NULL DEFAULT '',
                answers TEXT NOT NULL DEFAULT '{}',
                checked_in_by TEXT NOT NULL DEFAULT '',
                device TEXT,
                cartridge TEXT,
                lot TEXT,
                lot_expiry TEXT,
                zones TEXT NOT NULL DEFAULT '[]',
                endpoint TEXT,
                numbing_agent TEXT,
                numbing_area_cm2 INTEGER,
                numbing_minutes INTEGER,
                glide_product TEXT,
                adjunct_given TEXT NOT NULL DEFAULT '',
                reaction TEXT,
                reaction_note TEXT NOT NULL DEFAULT '',
                aftercare_given INTEGER CHECK (aftercare_given IN (0, 1)),
                review TEXT,
                provider TEXT NOT NULL DEFAULT '',
                room TEXT NOT NULL DEFAULT '',
                notes TEXT NOT NULL DEFAULT '',
                revision_of INTEGER UNIQUE REFERENCES visits (id),
                amend_reason TEXT NOT NULL DEFAULT '',
                demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                signed_at TEXT,
                CHECK (status = 'checked_in' OR (outcome IS NOT NULL AND signed_at IS NOT NULL)),
                CHECK ((kind = 'session') = (session IS NOT NULL)),
                CHECK (revision_of IS NULL OR status = 'final'),
                CHECK ((outcome = 'treated') = (lot IS NOT NULL))
            )
            """,
            "CREATE INDEX visits_consultation ON visits (consultation_id, status)",
            "CREATE INDEX visits_patient ON visits (patient_id, date)",
            "CREATE INDEX visits_date ON visits (date)",
            "CREATE INDEX visits_lot ON visits (lot COLLATE NOCASE)",
            """
            CREATE TRIGGER visits_final_no_update BEFORE UPDATE ON visits
            WHEN old.status = 'final' BEGIN
                SELECT RAISE (ABORT, 'a signed-off visit cannot be changed; amend it');
            END
            """,
            """
            CREATE TRIGGER visits_final_no_delete BEFORE DELETE ON visits
            WHEN old.status = 'final' BEGIN
                SELECT RAISE (ABORT, 'a signed-off visit cannot be deleted');
            END
            """,
            """
            CREATE TABLE course_changes (
                id INTEGER PRIMARY KEY,
                uuid TEXT NOT NULL UNIQUE,
                patient_id INTEGER NOT NULL REFERENCES patients (id),
                consultation_id INTEGER NOT NULL REFERENCES consultations (id),
                kind TEXT NOT NULL CHECK (kind IN ('reschedule', 'cancel', 'missed')),
                appointment TEXT NOT NULL,
                was TEXT NOT NULL,
                date TEXT,
                time TEXT,
                reason TEXT NOT NULL DEFAULT '',
                recorded_by TEXT NOT NULL,
                demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
                created_at TEXT NOT NULL,
                CHECK ((kind = 'cancel') = (date IS NULL))
            )
            """,
            "CREATE INDEX course_changes_consultation ON course_changes (consultation_id)",
            "CREATE INDEX course_changes_patient ON course_changes (patient_id, created_at)",
            """
            CREATE TRIGGER course_changes_no_update BEFORE UPDATE ON course_changes BEGIN
                SELECT RAISE (ABORT, 'a change to the course is never changed; record another');
            END
            """,
            """
            CREATE TRIGGER course_changes_no_delete BEFORE DELETE ON course_changes BEGIN
                SELECT RAISE (ABORT, 'a change to the course is never deleted');
            END
            """,
        ],
    )


@migration("0011_photos")
def _photos(db: Database) -> None:
    """Before-and-after photos: a row per photo, its thumbnail, and each deletion's record.

    The picture itself is a file, named by the SHA-256 of its bytes, in the photo folder
    beside the records file (``photo_files``); ``photos`` keeps what it is of (the patient,
    the visit — baseline, session N or review —, the area, the catalog's standard view, the
    day taken, who took it, where it came from), its hash, size and pixels, the hash of its
    thumbnail (kept in ``photo_thumbnails``, made once), the photo consent it was taken
    under and the teaching and marketing choices as they stood then. A photo row never
    changes and is never deleted (triggers): deleting a photo is a ``photo_deletions`` row
    with its reason, who and when; its thumbnail goes with it, and its file is erased.
    """
    _run(
        db,
        [
            """
            CREATE TABLE photos (
                id INTEGER PRIMARY KEY,
                uuid TEXT NOT NULL UNIQUE,
                patient_id INTEGER NOT NULL REFERENCES patients (id),
                visit TEXT NOT NULL CHECK (visit IN ('baseline', 'session', 'review')),
                session INTEGER CHECK (session BETWEEN 1 AND 99),
                area_id TEXT NOT NULL,
                view_id TEXT NOT NULL,
                taken_on TEXT NOT NULL,
                taken_by TEXT NOT NULL,
                source TEXT NOT NULL,
                sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                bytes INTEGER NOT NULL CHECK (bytes > 0),
                width INTEGER NOT NULL CHECK (width > 0),
                height INTEGER NOT NULL CHECK (height > 0),
                thumbnail_sha256 TEXT NOT NULL CHECK (length(thumbnail_sha256) = 64),
                consent_id INTEGER NOT NULL REFERENCES consents (id),
                teaching INTEGER NOT NULL CHECK (teaching IN (0, 1)),
                marketing INTEGER NOT NULL CHECK (marketing IN (0, 1)),
                demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
                created_at TEXT NOT NULL,
                CHECK ((visit = 'session') = (session IS NOT NULL))
            )
            """,
            "CREATE INDEX photos_patient ON photos (patient_id, view_id, taken_on)",
            "CREATE INDEX photos_sha256 ON photos (sha256)",
            """
            CREATE TABLE photo_thumbnails (
                photo_id INTEGER PRIMARY KEY REFERENCES photos (id),
                jpeg BLOB NOT NULL
            )
            """,
            """
            CREATE TABLE photo_deletions (
                id INTEGER PRIMARY KEY,
                uuid TEXT NOT NULL UNIQUE,
                photo_id INTEGER NOT NULL UNIQUE REFERENCES photos (id),
                reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
                deleted_by TEXT NOT NULL,
                deleted_at TEXT NOT NULL
            )
            """,
            """
            CREATE TRIGGER photos_no_update BEFORE UPDATE ON photos BEGIN
                SELECT RAISE (ABORT, 'a photo record cannot be changed');
            END
            """,
            """
            CREATE TRIGGER photos_no_delete BEFORE DELETE ON photos BEGIN
                SELECT RAISE (ABORT, 'a photo record is never deleted; its deletion is a record');
            END
            """,
            """
            CREATE TRIGGER photo_thumbnails_no_update BEFORE UPDATE ON photo_thumbnails BEGIN
                SELECT RAISE (ABORT, 'a thumbnail cannot be changed');
            END
            """,
            """
            CREATE TRIGGER photo_thumbnails_kept BEFORE DELETE ON photo_thumbnails
            WHEN NOT EXISTS (SELECT 1 FROM photo_deletions WHERE photo_id = old.photo_id) BEGIN
                SELECT RAISE (ABORT, 'a thumbnail goes only with its photo''s deletion');
            END
            """,
            """
            CREATE TRIGGER photo_deletions_no_update BEFORE UPDATE ON photo_deletions BEGIN
                SELECT RAISE (ABORT, 'a photo''s deletion cannot be changed');
            END
            """,
            """
            CREATE TRIGGER photo_deletions_no_delete BEFORE DELETE ON photo_deletions BEGIN
                SELECT RAISE (ABORT, 'a photo''s deletion cannot be undone');
            END
            """,
        ],
    )


@migration("0012_screening_answers_as_one_column")
def _screening_answers_as_one_column(db: Database) -> None:
    """A consultation's screening answers, kept with it as one text: ``consultations.answers``
    instead of a row per answer in ``screening_answers``.

    The text is the JSON the content hash has always read for the answers (``content``):
    ``[[question_no, question_id, answer], …]`` in question order, as SQLite's own JSON
    functions write it (``[]`` when there are none). So every seal in the audit trail stays
    valid, and checking a consultation reads one value where it read a row per question:
    4.4 million rows at 100,000 patients, most of what ``db check`` and ``db verify`` spent
    on the records. A final consultation's answers are guarded as the rest of its row is
    (``consultations_final_no_update``), put back unchanged after the answers are moved.
    """
    _run(
        db,
        [
            "ALTER TABLE consultations ADD COLUMN answers TEXT NOT NULL DEFAULT '[]'",
            "DROP TRIGGER consultations_final_no_update",
            """
            UPDATE consultations SET answers = (
                SELECT json_group_array(json_array(question_no, question_id, answer)) FROM (
                    SELECT question_no, question_id, answer FROM screening_answers
                    WHERE consultation_id = consultations.id ORDER BY question_no
                )
            )
            """,
            """
        CREATE TRIGGER consultations_final_no_update BEFORE UPDATE ON consultations
        WHEN old.status = 'final' BEGIN
            SELECT RAISE (ABORT, 'a final consultation cannot be changed');
        END
        """,
            "DROP TABLE screening_answers",  # and its three guard triggers
        ],
    )


@migration("0013_name_keys_by_patient")
def _name_keys_by_patient(db: Database) -> None:
    """Each patient's name keys read together: an index of ``name_keys`` by patient (and the
    list's order), holding the keys too. ``db check`` compares every patient's keys with
    what the name gives; it had SQLite sort all the keys (1.1 million at 100,000 patients)
    by patient first. Removing a patient's keys no longer reads the whole table either."""
    _run(db, ["CREATE INDEX name_keys_patient ON name_keys (patient_id, sort_name)"])


SCHEMA_VERSION = len(_NAMES)
