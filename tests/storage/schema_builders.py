"""Databases as each earlier schema version made them, for the migration tests.

How to add a schema version N+1 (a new migration in consult/storage/migrations.py):

1. Keep ``build_vN`` as it is: it writes rows with the SQL of version N, frozen here.
2. Add ``build_vN1`` writing the same kind of rows with the SQL of version N+1, and register
   it in ``BUILDERS``.
3. Save the schema snapshot ``fixtures/schema-vN1.sql`` (run this file: ``python
   tests/storage/schema_builders.py``; it writes a snapshot for every version).

Each builder returns what the current app must read back after upgrading: the patients and
consultations (as domain objects, without ids) and the planned session dates of the finals.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path

from sqlite_utils import Database

from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ConcernChoice,
    Consultation,
    Override,
    Patient,
    Status,
)
from consult.storage import audit, database, migrations

FIXTURES = Path(__file__).resolve().parents[2] / "resources" / "schema"  # schema-vN.sql


@dataclass
class Expected:
    patients: list[Patient] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)
    sessions: dict[str, list[date]] = field(default_factory=dict)  # by consultation uuid
    audit_entries: int = 0
    consents: list[tuple[str, str, str]] = field(default_factory=list)  # uuid, decision, text
    photos: list[tuple[str, str, bool]] = field(default_factory=list)  # uuid, sha256, deleted


def schema_at(path: Path, version: int) -> Database:
    """A new database file with the migrations up to ``version`` applied."""
    names = migrations.names()
    stop = names[version] if version < len(names) else None
    path.touch(mode=0o600)
    db = database.connect(path)
    database.set_write_pragmas(db)
    migrations.apply(db, stop_before=stop)
    assert db.execute("PRAGMA user_version").fetchone()[0] == version
    return db


def schema_sql(path: Path) -> str:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
    ).fetchall()
    conn.close()
    return "".join(f"-- {kind} {name}\n{' '.join(sql.split())};\n\n" for kind, name, sql in rows)


# --------------------------------------------------------------------------- version 1

V1_PATIENTS = [
    # uuid, name, search words (as version 1 wrote them), date of birth, phone
    (
        "6f1c2d3e-0001-4000-8000-000000000001",
        "Zoë O'Brien",
        "zoe o brien obrien",
        "1990-05-17",
        "+34 612 345 678",
    ),
    ("6f1c2d3e-0002-4000-8000-000000000002", "김민준", "김민준 민준 준", "1985-11-02", ""),
]


def build_v1(path: Path) -> Expected:
    return _rows_v1(schema_at(path, 1))


def _rows_v1(db: Database) -> Expected:
    """The rows, written with the SQL of version 1 (into a schema of version 1 or later)."""
    x = db.execute
    for i, (uuid, name, words, dob, phone) in enumerate(V1_PATIENTS, start=1):
        digits = "".join(c for c in phone if c.isdigit())
        x(
            "INSERT INTO patients (id, uuid, name, search_name, date_of_birth, fitzpatrick, "
            "language, phone, phone_digits, phone_reversed, email, demo, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 3, 'en', ?, ?, ?, '', 0, ?, ?)",
            [
                i,
                uuid,
                name,
                words,
                dob,
                phone,
                digits,
                digits[::-1],
                "2026-01-05T10:00:00+00:00",
                "2026-01-05T10:00:00+00:00",
            ],
        )
    # A final consultation, amended once, and a draft.
    for cid, uuid, status in (
        (1, "c0000000-0001-4000-8000-000000000001", "draft"),
        (2, "c0000000-0002-4000-8000-000000000002", "draft"),
        (3, "c0000000-0003-4000-8000-000000000003", "draft"),
    ):
        x(
            "INSERT INTO consultations (id, uuid, patient_id, status, provider, date, start_date, "
            "session_count, notes, catalog_version, override_reason, override_provider, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, 'Dr Reyes', '2026-01-05', '2026-01-12', "
            "NULL, ?, '2026.11.1', ?, ?, '2026-01-05T10:00:00+00:00', "
            "'2026-01-05T10:00:00+00:00')",
            [
                cid,
                uuid,
                1 if cid < 3 else 2,
                status,
                f"note {cid}",
                "Resolved on examination." if cid == 2 else None,
                "Dr Reyes" if cid == 2 else None,
            ],
        )
        x("INSERT INTO consultation_areas VALUES (?, 0, 'face')", [cid])
        x("INSERT INTO consultation_zones VALUES (?, 0, 0, 'cheeks')", [cid])
        x(
            "INSERT INTO consultation_concerns VALUES (?, 0, 0, 'acne_scars', 'moderate', NULL)",
            [cid],
        )
        x("INSERT INTO consultation_adjuncts VALUES (?, 0, 'peel_mandelic')", [cid])
        x("INSERT INTO screening_answers VALUES (?, 0, 'pregnancy', 'no')", [cid])
        x("INSERT INTO screening_answers VALUES (?, 1, 'keloid', 'not_sure')", [cid])
    sessions = [date(2026, 1, 12), date(2026, 2, 9), date(2026, 3, 9), date(2026, 4, 6)]
    for cid in (1, 2):
        for n, day in enumerate(sessions, start=1):
            x("INSERT INTO planned_sessions VALUES (?, ?, ?)", [cid, n, day.isoformat()])
        x("INSERT INTO adjunct_visits VALUES (?, 0, 'peel_mandelic', '2026-01-26', 1)", [cid])
        x(
            "UPDATE consultations SET status = 'final', revision_of = ?, screening_outcome = "
            "'proceed_with_caution', interval_weeks = 4, results_from = '2026-07-01', "
            "results_to = '2026-10-01', finalized_at = '2026-01-05T10:30:00+00:00' WHERE id = ?",
            [1 if cid == 2 else None, cid],
        )
    db.close()

    zoe = Patient("Zoë O'Brien", date(1990, 5, 17), 3, "en", "+34 612 345 678", "")
    kim = Patient("김민준", date(1985, 11, 2), 3, "en", "", "")

    def c(who, status, cid):
        return Consultation(
            patient=who,
            provider="Dr Reyes",
            date=date(2026, 1, 5),
            screening={"pregnancy": Answer.NO, "keloid": Answer.NOT_SURE},
            areas=(AreaChoice("face", ("cheeks",), (ConcernChoice("acne_scars", "moderate"),)),),
            adjuncts=("peel_mandelic",),
            override=Override("Resolved on examination.", "Dr Reyes") if cid == 2 else None,
            start_date=date(2026, 1, 12),
            notes=f"note {cid}",
            status=status,
            catalog_version="2026.11.1",
        )

    return Expected(
        patients=[zoe, kim],
        consultations=[c(zoe, Status.FINAL, 1), c(zoe, Status.FINAL, 2), c(kim, Status.DRAFT, 3)],
        sessions={
            "c0000000-0001-4000-8000-000000000001": sessions,
            "c0000000-0002-4000-8000-000000000002": sessions,
        },
    )


# --------------------------------------------------------------------------- version 2


def build_v2(path: Path) -> Expected:
    """Version 2 only replaced an index (consultations by patient, status and date): its rows
    are written with the same SQL as version 1's."""
    return _rows_v1(schema_at(path, 2))


# --------------------------------------------------------------------------- version 3

# The name search keys of V1_PATIENTS, as version 3 writes them: every start of each search
# word, beside the search words (the list's order).
V3_NAME_KEYS = {
    1: (
        "zoe o brien obrien",
        [
            "z",
            "zo",
            "zoe",
            "o",
            "b",
            "br",
            "bri",
            "brie",
            "brien",
            "ob",
            "obr",
            "obri",
            "obrie",
            "obrien",
        ],
    ),
    2: ("김민준 민준 준", ["김", "김민", "김민준", "민", "민준", "준"]),
}


def build_v3(path: Path) -> Expected:
    """Version 3 replaced the FTS5 name index with ``name_keys``: the rows of version 1, and
    the name keys of each patient."""
    return build_v3_into(schema_at(path, 3), path)


def build_v3_into(schema: Database, path: Path) -> Expected:
    """The rows of version 3, written with its SQL into ``schema`` (version 3 or later)."""
    expected = _rows_v1(schema)
    db = database.connect(path)
    for patient_id, (sort_name, keys) in V3_NAME_KEYS.items():
        db.conn.executemany(
            "INSERT INTO name_keys (key, sort_name, patient_id) VALUES (?, ?, ?)",
            [(key, sort_name, patient_id) for key in keys],
        )
    db.conn.commit()
    db.close()
    return expected


# --------------------------------------------------------------------------- version 4

# What the list shows beside each of V1_PATIENTS, as version 4 keeps it in ``patients``: the
# date of the latest current consultation (Kim's only one is a draft: drafts count), and the
# session dates of the current final plans (Zoë's: the amendment's, not the replaced plan's).
V4_LIST_DATES = {
    1: ("2026-01-05", "2026-01-12 2026-02-09 2026-03-09 2026-04-06"),
    2: ("2026-01-05", ""),
}


def build_v4(path: Path) -> Expected:
    """Version 4 keeps the list's dates with each patient: the rows of version 3, and each
    patient's ``last_consultation`` and ``session_dates``."""
    return build_v4_into(schema_at(path, 4), path)


def build_v4_into(schema: Database, path: Path) -> Expected:
    """The rows of version 4, written with its SQL into ``schema`` (version 4 or later)."""
    expected = build_v3_into(schema, path)
    db = database.connect(path)
    db.conn.executemany(
        "UPDATE patients SET last_consultation = ?, session_dates = ? WHERE id = ?",
        [(last, dates, patient_id) for patient_id, (last, dates) in V4_LIST_DATES.items()],
    )
    db.conn.commit()
    db.close()
    return expected


# --------------------------------------------------------------------------- version 5

# A doctor's clearance, as version 5 keeps it in the consultation's row: who, when, a note,
# who recorded it, and the screening questions it answers. Written on Kim's draft (a draft's
# row may still change; a final's may not).
V5_CLEARANCE = ("Dr Sam Okafor", "2026-01-20", "Letter on file.", "Dr Reyes", "keloid")


def build_v5(path: Path) -> Expected:
    """Version 5 keeps a doctor's clearance with the consultation: the rows of version 4, and
    a clearance on one consultation."""
    return build_v5_into(schema_at(path, 5), path)


def build_v5_into(schema: Database, path: Path) -> Expected:
    """The rows of version 5, written with its SQL into ``schema`` (version 5 or later)."""
    expected = build_v4_into(schema, path)
    db = database.connect(path)
    db.conn.execute(
        "UPDATE consultations SET clearance_by = ?, clearance_on = ?, clearance_note = ?, "
        "clearance_recorded_by = ?, clearance_covers = ? WHERE id = 3",
        V5_CLEARANCE,
    )
    db.conn.commit()
    db.close()
    by, on, note, recorded_by, covers = V5_CLEARANCE
    cleared = Clearance(by, date.fromisoformat(on), note, recorded_by, tuple(covers.split()))
    expected.consultations[2] = replace(expected.consultations[2], clearance=cleared)
    return expected


# --------------------------------------------------------------------------- version 6


def build_v6(path: Path) -> Expected:
    """Version 6 seals records in the audit trail: the rows of version 5, and an entry with
    the content hash of each patient and final consultation (``audit.seal``, as the upgrade
    to version 6 writes them)."""
    return build_v6_into(schema_at(path, 6), path)


def build_v6_into(schema: Database, path: Path) -> Expected:
    """The rows of version 6, written with its SQL into ``schema`` (version 6 or later)."""
    expected = build_v5_into(schema, path)
    db = database.connect(path)
    with db.conn:
        audit.seal(
            db,
            "seal",
            patients=[r[0] for r in db.execute("SELECT id FROM patients")],
            consultations=[
                r[0] for r in db.execute("SELECT id FROM consultations WHERE status = 'final'")
            ],
            provider="tests",
        )
    db.close()
    return expected


# --------------------------------------------------------------------------- version 7

# An administrator and a disabled provider, as version 7 keeps them: an argon2id hash of the
# PIN "246810" (made with the tests' small cost; the encoded hash carries its parameters).
V7_ACCOUNTS = [
    (1, "Dr Admin", "administrator", 1),
    (2, "Dr Gone", "provider", 0),
]
V7_SECRET = "246810"
V7_HASH = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$GtlkD2jkNFGSaHE3jhIZvvhRy90rDmywNxo2ZEdUy3U"


def build_v7(path: Path) -> Expected:
    """Version 7 adds accounts: the rows of version 6, and two accounts."""
    return build_v7_into(schema_at(path, 7), path)


def build_v7_into(schema: Database, path: Path) -> Expected:
    """The rows of version 7, written with its SQL into ``schema`` (version 7 or later)."""
    expected = build_v6_into(schema, path)
    _add_accounts(path)
    return expected


def _add_accounts(path: Path) -> None:
    """Version 7's two accounts (into version 7 or later)."""
    db = database.connect(path)
    db.conn.executemany(
        "INSERT INTO accounts (id, name, role, secret_hash, active, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, '2026-01-05T10:00:00+00:00', '2026-01-05T10:00:00+00:00')",
        [(i, name, role, V7_HASH, active) for i, name, role, active in V7_ACCOUNTS],
    )
    db.conn.commit()
    db.close()


# --------------------------------------------------------------------------- version 8

# A signed consent and a refusal, as version 8 keeps them: the text shown (a snapshot), its
# hash, the strokes and a PNG of each signature, the sealed PDF and its hash.
V8_TEXT = (
    '{"blocks":[{"kind":"title","text":"Consent to microneedling"},'
    '{"kind":"agreement","text":"I agree."}],"document":"microneedling",'
    '"document_hash":"' + "ab" * 32 + '","language":"en","version":1}'
)
V8_STROKES = '{"width":800,"height":240,"strokes":[[[100,150,1,0],[400,90,1,50]]]}'
V8_PNG = b"\x89PNG\r\n\x1a\n version 8"
V8_PDF = b"%PDF-1.7 version 8 consent"
V8_CONSENTS = (
    ("5e000000-0001-4000-8000-000000000001", "signed"),
    ("5e000000-0002-4000-8000-000000000002", "refused"),
)


def build_v8(path: Path) -> Expected:
    """Version 8 keeps informed consent: the rows of version 7, a signed consent to Zoë's
    amended consultation and a refusal, each sealed in the audit trail."""
    expected = build_v7_into(schema_at(path, 8), path)
    _add_consents(path)
    expected.consents = [(uuid, decision, V8_TEXT) for uuid, decision in V8_CONSENTS]
    return expected


def _add_consents(path: Path) -> None:
    """Version 8's signed consent and refusal (into version 8 or later), sealed."""
    import hashlib

    db = database.connect(path)
    text_hash = hashlib.sha256(V8_TEXT.encode()).hexdigest()
    with db.conn:
        for n, (uuid, decision) in enumerate(V8_CONSENTS, start=1):
            signed = decision == "signed"
            db.execute(
                "INSERT INTO consents (id, uuid, patient_id, consultation_id, document, version, "
                "document_hash, language, decision, text, text_hash, screening_hash, choices, "
                "patient_name, patient_strokes, patient_png, provider, provider_strokes, "
                "provider_png, signed_at, pdf, pdf_sha256, withdraws, note, demo, created_at) "
                "VALUES (?, ?, 1, 2, 'microneedling', 1, ?, 'en', ?, ?, ?, '', '{}', "
                "'Zoë O''Brien', ?, ?, 'Dr Reyes', ?, ?, '2026-01-05T10:40:00+00:00', ?, ?, NULL, "
                "'', 0, '2026-01-05T10:40:01+00:00')",
                [
                    n,
                    uuid,
                    "ab" * 32,
                    decision,
                    V8_TEXT,
                    text_hash,
                    V8_STROKES if signed else None,
                    V8_PNG if signed else None,
                    V8_STROKES if signed else None,
                    V8_PNG if signed else None,
                    V8_PDF if signed else None,
                    hashlib.sha256(V8_PDF).hexdigest() if signed else None,
                ],
            )
        audit.seal(db, "seal", consents=[1, 2], provider="tests")
    db.close()


# --------------------------------------------------------------------------- version 9

# The times version 9 books: the amendment (consultation 2) at half past nine, its second
# session in the afternoon, with the reason it was amended.
V9_TIMES = {"appointment_time": "09:30", "appointment_times": '{"session-2": "14:00"}'}
V9_REASON = "The patient prefers mornings."


def build_v9(path: Path) -> Expected:
    """Version 9 books appointments at a time and keeps why an amendment was made: the rows
    of version 8 (Kim's clearance, the records sealed, two accounts, the consents), written
    with version 9's SQL (the plan's rows name their columns and have a time), and the
    amendment booked at times, with its reason."""
    return _rows_v9_at(path, 9)


def build_v10(path: Path) -> Expected:
    """Version 10 keeps the treatment course (visits, changes to a course's dates): the rows
    of version 9 written at version 10, whose new tables start empty."""
    return _rows_v9_at(path, 10)


def _rows_v9_at(path: Path, version: int) -> Expected:
    schema = schema_at(path, version)
    x = schema.execute
    for i, (uuid, name, words, dob, phone) in enumerate(V1_PATIENTS, start=1):
        digits = "".join(c for c in phone if c.isdigit())
        last, dates = V4_LIST_DATES[i]
        x(
            "INSERT INTO patients (id, uuid, name, search_name, date_of_birth, fitzpatrick, "
            "language, phone, phone_digits, phone_reversed, email, demo, created_at, "
            "updated_at, last_consultation, session_dates) "
            "VALUES (?, ?, ?, ?, ?, 3, 'en', ?, ?, ?, '', 0, ?, ?, ?, ?)",
            [
                i,
                uuid,
                name,
                words,
                dob,
                phone,
                digits,
                digits[::-1],
                "2026-01-05T10:00:00+00:00",
                "2026-01-05T10:00:00+00:00",
                last,
                dates,
            ],
        )
        sort_name, keys = V3_NAME_KEYS[i]
        schema.conn.executemany(
            "INSERT INTO name_keys (key, sort_name, patient_id) VALUES (?, ?, ?)",
            [(key, sort_name, i) for key in keys],
        )
    for cid, uuid in (
        (1, "c0000000-0001-4000-8000-000000000001"),
        (2, "c0000000-0002-4000-8000-000000000002"),
        (3, "c0000000-0003-4000-8000-000000000003"),
    ):
        booked = V9_TIMES if cid == 2 else {"appointment_time": None, "appointment_times": "{}"}
        cleared = V5_CLEARANCE if cid == 3 else (None,) * 5
        x(
            "INSERT INTO consultations (id, uuid, patient_id, status, provider, date, start_date, "
            "session_count, notes, catalog_version, override_reason, override_provider, "
            "clearance_by, clearance_on, clearance_note, clearance_recorded_by, "
            "clearance_covers, appointment_time, appointment_times, amend_reason, created_at, "
            "updated_at) VALUES (?, ?, ?, 'draft', 'Dr Reyes', '2026-01-05', '2026-01-12', NULL, "
            "?, '2026.11.1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '2026-01-05T10:00:00+00:00', "
            "'2026-01-05T10:00:00+00:00')",
            [
                cid,
                uuid,
                1 if cid < 3 else 2,
                f"note {cid}",
                "Resolved on examination." if cid == 2 else None,
                "Dr Reyes" if cid == 2 else None,
                *cleared,
                booked["appointment_time"],
                booked["appointment_times"],
                V9_REASON if cid == 2 else "",
            ],
        )
        x("INSERT INTO consultation_areas VALUES (?, 0, 'face')", [cid])
        x("INSERT INTO consultation_zones VALUES (?, 0, 0, 'cheeks')", [cid])
        x(
            "INSERT INTO consultation_concerns VALUES (?, 0, 0, 'acne_scars', 'moderate', NULL)",
            [cid],
        )
        x("INSERT INTO consultation_adjuncts VALUES (?, 0, 'peel_mandelic')", [cid])
        if version >= 12:  # the answers as one text, as the content hash reads them
            x(
                "UPDATE consultations SET answers = "
                """'[[0,"pregnancy","no"],[1,"keloid","not_sure"]]' WHERE id = ?""",
                [cid],
            )
        else:
            x("INSERT INTO screening_answers VALUES (?, 0, 'pregnancy', 'no')", [cid])
            x("INSERT INTO screening_answers VALUES (?, 1, 'keloid', 'not_sure')", [cid])
    sessions = [date(2026, 1, 12), date(2026, 2, 9), date(2026, 3, 9), date(2026, 4, 6)]
    for cid in (1, 2):
        for n, day in enumerate(sessions, start=1):
            at = None if cid == 1 else ("14:00" if n == 2 else "09:30")
            x(
                "INSERT INTO planned_sessions (consultation_id, number, date, time) "
                "VALUES (?, ?, ?, ?)",
                [cid, n, day.isoformat(), at],
            )
        x(
            "INSERT INTO adjunct_visits (consultation_id, visit_no, adjunct_id, date, "
            "after_session, time) VALUES (?, 0, 'peel_mandelic', '2026-01-26', 1, ?)",
            [cid, None if cid == 1 else "09:30"],
        )
        x(
            "UPDATE consultations SET status = 'final', revision_of = ?, screening_outcome = "
            "'proceed_with_caution', interval_weeks = 4, results_from = '2026-07-01', "
            "results_to = '2026-10-01', finalized_at = '2026-01-05T10:30:00+00:00' WHERE id = ?",
            [1 if cid == 2 else None, cid],
        )
    schema.conn.commit()
    with schema.conn:
        audit.seal(
            schema,
            "seal",
            patients=[r[0] for r in schema.execute("SELECT id FROM patients")],
            consultations=[
                r[0] for r in schema.execute("SELECT id FROM consultations WHERE status = 'final'")
            ],
            provider="tests",
        )
    schema.close()
    _add_accounts(path)
    _add_consents(path)
    expected = _rows_v6_expected()
    expected.consents = [(uuid, decision, V8_TEXT) for uuid, decision in V8_CONSENTS]
    amended = expected.consultations[1]
    expected.consultations[1] = replace(
        amended,
        appointment_time=time(9, 30),
        times={"session-2": time(14, 0)},
        amend_reason=V9_REASON,
    )
    return expected


# --------------------------------------------------------------------------- version 10

# Version 11 keeps photos: Zoë's baseline photo of her face, and a second one deleted (taken
# of the wrong patient), their pictures in the photo folder beside the records.
V11_PICTURE = b"\xff\xd8\xff\xe0 a picture kept by version 11 \xff\xd9"
V11_THUMBNAIL = b"\xff\xd8\xff\xe0 its thumbnail \xff\xd9"
V11_PHOTOS = (
    ("f0000000-0001-4000-8000-000000000001", False),
    ("f0000000-0002-4000-8000-000000000002", True),
)


def build_v11(path: Path) -> Expected:
    """Version 11 keeps before-and-after photos: the rows of version 9 (written at version
    11, the course's tables empty), a photo of Zoë's face at her baseline (its picture in the
    photo folder), and a second photo deleted with its reason, all sealed in the audit
    trail."""
    return _rows_v11_at(path, 11)


def build_v12(path: Path) -> Expected:
    """Version 12 keeps a consultation's screening answers as one text in ``consultations``
    (no ``screening_answers`` table): the rows of version 11 written at version 12."""
    return _rows_v11_at(path, 12)


def build_v13(path: Path) -> Expected:
    """Version 13 indexes the name keys by patient: the rows of version 12 at version 13."""
    return _rows_v11_at(path, 13)


def _rows_v11_at(path: Path, version: int) -> Expected:
    import hashlib

    expected = _rows_v9_at(path, version)
    sha = hashlib.sha256(V11_PICTURE).hexdigest()
    thumb_sha = hashlib.sha256(V11_THUMBNAIL).hexdigest()
    folder = path.with_name(path.stem + "-photos") / sha[:2]
    folder.mkdir(parents=True, mode=0o700)
    (folder / f"{sha}.jpg").write_bytes(V11_PICTURE)
    db = database.connect(path)
    with db.conn:
        for n, (uuid, _deleted) in enumerate(V11_PHOTOS, start=1):
            db.execute(
                "INSERT INTO photos (id, uuid, patient_id, visit, session, area_id, view_id, "
                "taken_on, taken_by, source, sha256, bytes, width, height, thumbnail_sha256, "
                "consent_id, teaching, marketing, demo, created_at) VALUES (?, ?, 1, "
                "'baseline', NULL, 'face', 'face_front', '2026-01-05', 'Dr Reyes', 'JPEG', ?, ?, "
                "1200, 1600, ?, 1, 1, 0, 0, '2026-01-05T10:50:00+00:00')",
                [n, uuid, sha, len(V11_PICTURE), thumb_sha],
            )
            db.execute(
                "INSERT INTO photo_thumbnails (photo_id, jpeg) VALUES (?, ?)", [n, V11_THUMBNAIL]
            )
        audit.seal(db, "seal", photos=[1, 2], provider="tests")
        db.execute(
            "INSERT INTO photo_deletions (uuid, photo_id, reason, deleted_by, deleted_at) VALUES "
            "('d0000000-0002-4000-8000-000000000002', 2, 'Taken of the wrong patient.', "
            "'Dr Reyes', '2026-01-05T11:00:00+00:00')"
        )
        db.execute("DELETE FROM photo_thumbnails WHERE photo_id = 2")
        audit.seal(db, "seal", photo_deletions=[2], provider="tests")
    db.close()
    expected.photos = [(uuid, sha, deleted) for uuid, deleted in V11_PHOTOS]
    return expected


def _rows_v6_expected() -> Expected:
    """What ``build_v6`` writes, as the app reads it back (made on a scratch file)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return build_v6(Path(tmp) / "scratch.sqlite3")


# Every schema version the app has shipped, and how to make a database of it.
BUILDERS: dict[int, Callable[[Path], Expected]] = {
    1: build_v1,
    2: build_v2,
    3: build_v3,
    4: build_v4,
    5: build_v5,
    6: build_v6,
    7: build_v7,
    8: build_v8,
    9: build_v9,
    10: build_v10,
    11: build_v11,
    12: build_v12,
    13: build_v13,
}


def write_snapshots() -> None:
    import tempfile

    FIXTURES.mkdir(exist_ok=True)
    for version in range(1, migrations.SCHEMA_VERSION + 1):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "schema.sqlite3"
            schema_at(path, version).close()
            (FIXTURES / f"schema-v{version}.sql").write_text(schema_sql(path), encoding="utf-8")


if __name__ == "__main__":
    write_snapshots()
