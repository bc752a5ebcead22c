"""What a record says, as one hash: the seal each audit entry of a change carries.

The audit trail's chain shows when an entry is changed or removed; it cannot show a change
made to the records themselves with the file in another program. So each audit entry of a
change to a patient or a consultation also carries the SHA-256 of the record's canonical
content *after* the change (``content_hash``), and ``db verify`` recomputes it for every
patient and every final consultation: one whose content no longer matches its last audited
hash was changed outside the app, and one with no audited hash at all was added outside it.

The content is everything the record says, by uuid (never a row id): the patient's details;
a consultation's fields, its patient, the revision it replaces, its areas, zones, concerns,
adjuncts, screening answers and dated plan, and (schema 8) the booked times and an
amendment's reason when it has any. Not ``updated_at``: that says when, not what.
Canonical JSON (sorted keys, no spaces, UTF-8) hashed with SHA-256.

Computed for one record at each save, and for every record in slices of ids when checking.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from consult.storage.engine import on_server

if TYPE_CHECKING:
    from consult.storage.audit import Seals
    from consult.storage.readers import Readers

PATIENT_FIELDS = (
    "uuid",
    "name",
    "date_of_birth",
    "fitzpatrick",
    "language",
    "phone",
    "email",
    "demo",
    "created_at",
)
CONSULTATION_FIELDS = (
    "uuid",
    "status",
    "provider",
    "date",
    "start_date",
    "session_count",
    "notes",
    "catalog_version",
    "override_reason",
    "override_provider",
    "screening_outcome",
    "interval_weeks",
    "results_from",
    "results_to",
    "demo",
    "created_at",
    "finalized_at",
    "clearance_by",
    "clearance_on",
    "clearance_note",
    "clearance_recorded_by",
    "clearance_covers",
)
# The parts of a consultation, each read in its primary key's order (after the id).
PARTS = {
    "areas": "SELECT consultation_id, area_no, area_id FROM consultation_areas",
    "zones": "SELECT consultation_id, area_no, zone_no, zone_id FROM consultation_zones",
    "concerns": (
        "SELECT consultation_id, area_no, concern_no, concern_id, severity, kind "
        "FROM consultation_concerns"
    ),
    "adjuncts": "SELECT consultation_id, adjunct_no, adjunct_id FROM consultation_adjuncts",
    # Until schema 12; from then on the text is kept as it is (``ANSWERS_COLUMN``).
    "answers": "SELECT consultation_id, question_no, question_id, answer FROM screening_answers",
    "sessions": "SELECT consultation_id, number, date FROM planned_sessions",
    "visits": (
        "SELECT consultation_id, visit_no, adjunct_id, date, after_session FROM adjunct_visits"
    ),
}
# Schema 12 keeps a consultation's screening answers as the JSON their part has always been
# hashed as: [[question_no, question_id, answer], ...] in question order, as SQLite writes it.
ANSWERS_COLUMN = "c.answers"
# A consent's content (schema 8): every column but its row id, by uuid; its PNGs as hex
# (JSON holds no bytes); its PDF by the SHA-256 kept beside it, which ``mismatches`` checks
# against the PDF's bytes.
CONSENT_FIELDS = (
    "c.uuid",
    "p.uuid",
    "k.uuid",
    "c.document",
    "c.version",
    "c.document_hash",
    "c.language",
    "c.decision",
    "c.text",
    "c.text_hash",
    "c.screening_hash",
    "c.choices",
    "c.patient_name",
    "c.patient_strokes",
    "hex(c.patient_png)",
    "c.provider",
    "c.provider_strokes",
    "hex(c.provider_png)",
    "c.signed_at",
    "c.pdf_sha256",
    "w.uuid",
    "c.note",
    "c.demo",
    "c.created_at",
)
# What schema 9 added: the booked times and an amendment's reason. A consultation that has
# none of them hashes as it did before (no re-seal on upgrade); one that has them adds one
# more line, so changing a booked time or the reason outside the app shows too.
BOOKED = (
    "CASE WHEN c.appointment_time IS NOT NULL OR c.appointment_times != '{}' "
    "OR c.amend_reason != '' "
    "OR EXISTS (SELECT 1 FROM planned_sessions WHERE consultation_id = c.id "
    "AND time IS NOT NULL) "
    "OR EXISTS (SELECT 1 FROM adjunct_visits WHERE consultation_id = c.id AND time IS NOT NULL) "
    "THEN char(10) || json_array(c.appointment_time, c.appointment_times, c.amend_reason, "
    "(SELECT json_group_array(json_array(number, time)) FROM (SELECT number, time "
    "FROM planned_sessions WHERE consultation_id = c.id AND time IS NOT NULL ORDER BY number)), "
    "(SELECT json_group_array(json_array(visit_no, time)) FROM (SELECT visit_no, time "
    "FROM adjunct_visits WHERE consultation_id = c.id AND time IS NOT NULL ORDER BY visit_no))) "
    "ELSE '' END"
)
# A signed-off visit (schema 10): every column but its row id and ``updated_at``, by uuid.
VISIT_FIELDS = (
    "v.uuid",
    "p.uuid",
    "k.uuid",
    "v.kind",
    "v.session",
    "v.date",
    "v.status",
    "v.outcome",
    "v.stop_reason",
    "v.answers",
    "v.checked_in_by",
    "v.device",
    "v.cartridge",
    "v.lot",
    "v.lot_expiry",
    "v.zones",
    "v.endpoint",
    "v.numbing_agent",
    "v.numbing_area_cm2",
    "v.numbing_minutes",
    "v.glide_product",
    "v.adjunct_given",
    "v.reaction",
    "v.reaction_note",
    "v.aftercare_given",
    "v.review",
    "v.provider",
    "v.room",
    "v.notes",
    "r.uuid",
    "v.amend_reason",
    "v.demo",
    "v.created_at",
    "v.signed_at",
)
# A change to a course's dates (schema 10): every column but its row id, by uuid.
CHANGE_FIELDS = (
    "g.uuid",
    "p.uuid",
    "k.uuid",
    "g.kind",
    "g.appointment",
    "g.was",
    "g.date",
    "g.time",
    "g.reason",
    "g.recorded_by",
    "g.demo",
    "g.created_at",
)
# A photo's content (schema 11): every column but its row id, by uuid; its picture and its
# thumbnail by their SHA-256 (``mismatches`` checks the file and the thumbnail against them).
PHOTO_FIELDS = (
    "f.uuid",
    "p.uuid",
    "f.visit",
    "f.session",
    "f.area_id",
    "f.view_id",
    "f.taken_on",
    "f.taken_by",
    "f.source",
    "f.sha256",
    "f.bytes",
    "f.width",
    "f.height",
    "f.thumbnail_sha256",
    "k.uuid",
    "f.teaching",
    "f.marketing",
    "f.demo",
    "f.created_at",
)
# A photo's deletion: which photo, why, who, when.
DELETION_FIELDS = ("d.uuid", "f.uuid", "d.reason", "d.deleted_by", "d.deleted_at")
SLICE = 5_000  # ids read at once when checking every record


def digest(*texts: str | None) -> str:
    """SHA-256 of the record's content texts, each SQLite's own JSON (one line per part)."""
    return hashlib.sha256("\n".join(t or "[]" for t in texts).encode("utf-8")).hexdigest()


def _slices(
    conn: sqlite3.Connection, table: str, ids: Iterable[int] | None, share: tuple[int, int] = (0, 1)
) -> Iterator[list]:
    """(low, high) id ranges covering ``ids``, or every row of ``table``; with ``share`` (k,
    n), every n-th of those of every row, from the k-th (n parts of the work, one each)."""
    if ids is not None:
        ordered = sorted(set(ids))
        start = 0
        while start < len(ordered):  # runs of consecutive ids, at most SLICE long
            end = start
            while (
                end + 1 < len(ordered)
                and ordered[end + 1] == ordered[end] + 1
                and end - start < SLICE
            ):
                end += 1
            yield [ordered[start], ordered[end]]
            start = end + 1
        return
    low, high = conn.execute(f"SELECT min(id), max(id) FROM {table}").fetchone()
    if low is None:
        return
    part, parts = share
    for start in range(low + part * SLICE, high + 1, parts * SLICE):
        yield [start, start + SLICE - 1]


def patient_hashes(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Each patient's content hash (of ``ids``, or of every patient)."""
    if on_server(conn):
        return conn.content_hashes("patient", ids)
    fields = ", ".join(PATIENT_FIELDS)
    found = {}
    for low, high in _slices(conn, "patients", ids):
        for pid, text in conn.execute(
            f"SELECT id, json_array({fields}) FROM patients WHERE id BETWEEN ? AND ? ORDER BY id",
            [low, high],
        ):
            found[pid] = digest(text)
    return found


def consultation_hashes(
    conn: sqlite3.Connection,
    ids: Iterable[int] | None = None,
    *,
    finals_only: bool = False,
    share: tuple[int, int] = (0, 1),
) -> dict[int, str]:
    """Each consultation's content hash (of ``ids``, or of every one; only finals if asked;
    with ``share``, that part of every one: see ``_slices``).

    SQLite writes each consultation's content, its fields and then each part as JSON (its
    rows read in its primary key's order), a line each, and hands back the texts of a slice
    of ids as one string, each text after its id; Python only hashes them. One string a slice
    rather than a row a consultation: a check running this on a thread of its own then
    spends its time in SQLite, which works without Python's lock, instead of waiting for that
    lock at every row while another thread holds it."""
    if on_server(conn):
        return conn.content_hashes("consultation", ids, finals_only=finals_only)
    query = _consultations_text(conn, finals_only)
    sha256 = hashlib.sha256
    found = {}
    for low, high in _slices(conn, "consultations", ids, share):
        (joined,) = conn.execute(query, [low, high]).fetchone()
        if joined is None:
            continue
        for record in joined.split(_RECORD):
            ident, _, text = record.partition(_ID)
            found[int(ident)] = sha256(text.encode("utf-8")).hexdigest()
    return found


# JSON never holds a raw control character (SQLite writes them as \u001e and \u001f), so
# these two separate the texts of a slice and each text from its id.
_RECORD, _ID = "\x1e", "\x1f"


def _consultations_text(conn: sqlite3.Connection, finals_only: bool) -> str:
    """The query giving the texts ``digest`` hashes of a slice of consultations, joined."""
    fields = ", ".join(f"c.{f}" for f in CONSULTATION_FIELDS)
    inline = _has_answers_column(conn)
    lines = [f"json_array({fields}, p.uuid, r.uuid)"]
    for name, select in PARTS.items():
        # Schema 12 keeps the answers as this very text (see ``ANSWERS_COLUMN``).
        lines.append(ANSWERS_COLUMN if name == "answers" and inline else _part(select))
    text = " || char(10) || ".join(lines) + (f" || {BOOKED}" if _has_booked(conn) else "")
    status = " AND c.status = 'final'" if finals_only else ""
    return (
        f"SELECT group_concat(c.id || char(31) || {text}, char(30)) FROM consultations AS c "
        "JOIN patients AS p ON p.id = c.patient_id "
        "LEFT JOIN consultations AS r ON r.id = c.revision_of "
        f"WHERE c.id BETWEEN ? AND ?{status}"
    )


def consent_hashes(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Each consent's content hash (of ``ids``, or of every consent)."""
    if on_server(conn):
        return conn.content_hashes("consent", ids)
    fields = ", ".join(CONSENT_FIELDS)
    found = {}
    for low, high in _slices(conn, "consents", ids):
        for cid, text in conn.execute(
            f"SELECT c.id, json_array({fields}) FROM consents AS c "
            "JOIN patients AS p ON p.id = c.patient_id "
            "JOIN consultations AS k ON k.id = c.consultation_id "
            "LEFT JOIN consents AS w ON w.id = c.withdraws "
            "WHERE c.id BETWEEN ? AND ? ORDER BY c.id",
            [low, high],
        ):
            found[cid] = digest(text)
    return found


def visit_hashes(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Each signed-off visit's content hash (of ``ids``, or of every one); a visit only
    checked in is not sealed (it may still change)."""
    if on_server(conn):
        return conn.content_hashes("visit", ids)
    fields = ", ".join(VISIT_FIELDS)
    found = {}
    for low, high in _slices(conn, "visits", ids):
        for vid, text in conn.execute(
            f"SELECT v.id, json_array({fields}) FROM visits AS v "
            "JOIN patients AS p ON p.id = v.patient_id "
            "JOIN consultations AS k ON k.id = v.consultation_id "
            "LEFT JOIN visits AS r ON r.id = v.revision_of "
            "WHERE v.id BETWEEN ? AND ? AND v.status = 'final' ORDER BY v.id",
            [low, high],
        ):
            found[vid] = digest(text)
    return found


def change_hashes(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Each change to a course's content hash (of ``ids``, or of every one)."""
    if on_server(conn):
        return conn.content_hashes("change", ids)
    fields = ", ".join(CHANGE_FIELDS)
    found = {}
    for low, high in _slices(conn, "course_changes", ids):
        for gid, text in conn.execute(
            f"SELECT g.id, json_array({fields}) FROM course_changes AS g "
            "JOIN patients AS p ON p.id = g.patient_id "
            "JOIN consultations AS k ON k.id = g.consultation_id "
            "WHERE g.id BETWEEN ? AND ? ORDER BY g.id",
            [low, high],
        ):
            found[gid] = digest(text)
    return found


def has_course(conn: sqlite3.Connection) -> bool:
    """Whether the file keeps the treatment course (schema 10 and later)."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'visits'")
    return found.fetchone() is not None


def of_visit(conn: sqlite3.Connection, visit_id: int) -> str | None:
    return visit_hashes(conn, [visit_id]).get(visit_id)


def of_change(conn: sqlite3.Connection, change_id: int) -> str | None:
    return change_hashes(conn, [change_id]).get(change_id)


def of_consent(conn: sqlite3.Connection, consent_id: int) -> str | None:
    return consent_hashes(conn, [consent_id]).get(consent_id)


def photo_hashes(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Each photo's content hash (of ``ids``, or of every photo)."""
    if on_server(conn):
        return conn.content_hashes("photo", ids)
    fields = ", ".join(PHOTO_FIELDS)
    found = {}
    for low, high in _slices(conn, "photos", ids):
        for pid, text in conn.execute(
            f"SELECT f.id, json_array({fields}) FROM photos AS f "
            "JOIN patients AS p ON p.id = f.patient_id "
            "JOIN consents AS k ON k.id = f.consent_id "
            "WHERE f.id BETWEEN ? AND ? ORDER BY f.id",
            [low, high],
        ):
            found[pid] = digest(text)
    return found


def deletion_hashes(conn: sqlite3.Connection) -> dict[int, str]:
    """Each deleted photo's deletion hash, by the photo's id."""
    if on_server(conn):
        return conn.content_hashes("deletion")
    fields = ", ".join(DELETION_FIELDS)
    return {
        pid: digest(text)
        for pid, text in conn.execute(
            f"SELECT d.photo_id, json_array({fields}) FROM photo_deletions AS d "
            "JOIN photos AS f ON f.id = d.photo_id ORDER BY d.photo_id"
        )
    }


def of_photo(conn: sqlite3.Connection, photo_id: int) -> str | None:
    return photo_hashes(conn, [photo_id]).get(photo_id)


def of_deletion(conn: sqlite3.Connection, photo_id: int) -> str | None:
    return deletion_hashes(conn).get(photo_id)


def has_photos(conn: sqlite3.Connection) -> bool:
    """Whether the file keeps photos (schema 11 and later)."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'photos'")
    return found.fetchone() is not None


#: Given the photos not deleted ((id, sha256) each), those whose file is gone and those whose
#: file no longer has its SHA-256 (``photo_files.problems`` on the photo folder).
FileCheck = Callable[[list[tuple[int, str]]], tuple[list[int], list[int]]]


def photo_mismatches(conn: sqlite3.Connection, files: FileCheck | None, sealed: Seals) -> list[str]:
    """Every photo (and photo deletion) whose content differs from what the audit trail
    sealed (``sealed``: as the walk along the chain found it), or was never sealed; every
    photo row gone; every photo whose thumbnail or, with ``files``, whose file was changed or
    removed outside the app. By id only."""
    seals, deleted = sealed.photos, sealed.photo_deletions
    current = photo_hashes(conn)
    deletions = deletion_hashes(conn)
    changed = sorted(i for i, h in current.items() if i in seals and seals[i] != h)
    changed += sorted(i for i, h in deletions.items() if i in deleted and deleted[i] != h)
    unsealed = sorted(i for i in current if i not in seals)
    unsealed += sorted(i for i in deletions if i not in deleted)
    gone = sorted(i for i in seals if i not in current)
    gone += sorted(i for i in deleted if i not in deletions)
    live = [
        (pid, sha, thumb_sha, thumb)
        for pid, sha, thumb_sha, thumb in conn.execute(
            "SELECT f.id, f.sha256, f.thumbnail_sha256, t.jpeg FROM photos AS f "
            "LEFT JOIN photo_thumbnails AS t ON t.photo_id = f.id "
            "WHERE NOT EXISTS (SELECT 1 FROM photo_deletions AS d WHERE d.photo_id = f.id) "
            "ORDER BY f.id"
        )
    ]
    thumbs = sorted(
        pid
        for pid, _, thumb_sha, thumb in live
        if thumb is None or hashlib.sha256(thumb).hexdigest() != thumb_sha
    )
    files_gone: list[int] = []
    files_changed: list[int] = []
    if files is not None:
        files_gone, files_changed = files([(p, s) for p, s, _, _ in live])
    problems = []
    for what, found in (
        ("changed outside the app (its content no longer matches the audit trail)", changed),
        ("added outside the app (the audit trail never recorded it)", unsealed),
        ("removed outside the app (the audit trail never recorded its deletion)", gone),
        ("with a thumbnail changed or removed outside the app", thumbs),
        ("whose picture was changed outside the app (it no longer has its SHA-256)", files_changed),
        ("whose picture is missing (removed outside the app)", files_gone),
    ):
        if found:
            shown = ", ".join(f"photo {ident}" for ident in found[:10])
            more = f" and {len(found) - 10} more" if len(found) > 10 else ""
            problems.append(f"{len(found)} photo(s) {what}: {shown}{more}.")
    return problems


def has_consents(conn: sqlite3.Connection) -> bool:
    """Whether the file keeps consents (schema 8 and later)."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'consents'")
    return found.fetchone() is not None


def consent_files_changed(conn: sqlite3.Connection) -> list[int]:
    """Consents whose kept text or PDF no longer has the SHA-256 kept beside it."""
    changed = []
    for cid, text, text_sha, pdf, pdf_sha in conn.execute(
        "SELECT id, text, text_hash, pdf, pdf_sha256 FROM consents ORDER BY id"
    ):
        text_changed = hashlib.sha256(text.encode("utf-8")).hexdigest() != text_sha
        pdf_changed = pdf is not None and hashlib.sha256(pdf).hexdigest() != pdf_sha
        if text_changed or pdf_changed:
            changed.append(cid)
    return changed


def _has_answers_column(conn: sqlite3.Connection) -> bool:
    """Whether the file keeps each consultation's answers in one column (schema 12 on)."""
    return any(row[1] == "answers" for row in conn.execute("PRAGMA table_info(consultations)"))


def _has_booked(conn: sqlite3.Connection) -> bool:
    """Whether the file has schema 9's columns (an upgrade seals at schema 6 first)."""
    return any(row[1] == "amend_reason" for row in conn.execute("PRAGMA table_info(consultations)"))


def _part(select: str) -> str:
    """One JSON array of a part's rows of consultation ``c`` (``[]`` when it has none, as
    ``digest`` writes a missing part), in its primary key's order: SQLite reads the rows of one
    consultation by the primary key, whose first column is ``consultation_id``, and adds each
    to the array as it reads it (``test_content`` holds every part's plan to it)."""
    columns, table = select.removeprefix("SELECT ").split(" FROM ")
    rest = [c.strip() for c in columns.split(",")][1:]
    return (
        f"(SELECT json_group_array(json_array({', '.join(rest)})) FROM {table} "
        "WHERE consultation_id = c.id)"
    )


def of_patient(conn: sqlite3.Connection, patient_id: int) -> str | None:
    return patient_hashes(conn, [patient_id]).get(patient_id)


def of_consultation(conn: sqlite3.Connection, consultation_id: int) -> str | None:
    return consultation_hashes(conn, [consultation_id]).get(consultation_id)


def finals(conn: sqlite3.Connection, share: tuple[int, int] = (0, 1)) -> dict[int, str]:
    """Every final consultation's content hash (with ``share``: a part of them, see
    ``_slices``)."""
    return consultation_hashes(conn, finals_only=True, share=share)


#: The final consultations' hashes are computed in this many parts, each on a reader of its
#: own where there are readers: the largest part of ``db verify``, and all
#: SQLite's work, so two parts keep two cores busy while Python walks the chain.
FINALS_PARTS = 2


def finals_in_parts(readers: Readers) -> Callable[[], dict[int, str]]:
    """``finals``, handed to ``readers`` in ``FINALS_PARTS`` parts (one, where they have no
    connections of their own): a function that gives them all, joined."""
    count = FINALS_PARTS if readers.parallel else 1
    parts = [readers.submit(lambda conn, k=k: finals(conn, (k, count))) for k in range(count)]

    def joined() -> dict[int, str]:
        found: dict[int, str] = {}
        for part in parts:
            found |= part()
        return found

    return joined


def mismatches(
    conn: sqlite3.Connection,
    sealed: Seals,
    photo_files: FileCheck | None = None,
    final_hashes: Callable[[], dict[int, str]] | None = None,
) -> list[str]:
    """Every patient, final consultation, consent, signed-off visit and change to a course
    whose content differs from its last audited hash (``sealed``: as the walk along the
    chain found them), has none, or is gone although the trail never recorded its deletion;
    and every consent whose kept text or PDF no longer has the SHA-256 kept beside it. Names
    records by kind and id, never by what they say. ``final_hashes``: gives ``finals`` of
    the same state, computed elsewhere (on a connection of its own, on another thread); asked
    last, after the rest is computed here."""
    seals = sealed.records
    problems = []
    current = {("patient", i): h for i, h in patient_hashes(conn).items()}
    files_changed: list[tuple[str, int]] = []
    if has_consents(conn):
        current |= {("consent", i): h for i, h in consent_hashes(conn).items()}
        files_changed = [("consent", i) for i in consent_files_changed(conn)]
    if has_course(conn):
        current |= {("visit", i): h for i, h in visit_hashes(conn).items()}
        current |= {("course_change", i): h for i, h in change_hashes(conn).items()}
    drafts = {row[0] for row in conn.execute("SELECT id FROM consultations WHERE status = 'draft'")}
    computed = final_hashes() if final_hashes is not None else finals(conn)
    current |= {("consultation", i): h for i, h in computed.items()}
    changed = sorted(k for k, h in current.items() if k in seals and seals[k][0] != h)
    unsealed = sorted(k for k in current if k not in seals)
    gone = sorted(
        k
        for k, (_, action) in seals.items()
        if action != "delete"
        and k not in current
        and not (k[0] == "consultation" and k[1] in drafts)
    )
    changed = sorted(set(changed) | set(files_changed))
    for what, found in (
        ("changed outside the app (its content no longer matches the audit trail)", changed),
        ("added outside the app (the audit trail never recorded it)", unsealed),
        ("removed outside the app (the audit trail never recorded its deletion)", gone),
    ):
        if found:
            shown = ", ".join(f"{kind} {ident}" for kind, ident in found[:10])
            more = f" and {len(found) - 10} more" if len(found) > 10 else ""
            problems.append(f"{len(found)} record(s) {what}: {shown}{more}.")
    if has_photos(conn):
        problems += photo_mismatches(conn, photo_files, sealed)
    return problems


def uuids_of(conn: sqlite3.Connection, table: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        conn.execute(f"SELECT id, uuid FROM {table} WHERE id BETWEEN ? AND ?", [ids[0], ids[-1]])
    )
