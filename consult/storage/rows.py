"""Writing records' rows: the storage layer's own writers, in the caller's transaction.

The parts of the store (a new patient, a draft, a final consultation) and the import and demo
seeding (which keep a record's uuid and times) share these. They are not part of the store's
public surface: they check nothing the caller must check (that a final stays final, that the
audit entry is written), and they take the store they write to.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from consult.domain.model import Answer, Consultation, Patient, Status
from consult.storage import content, listing, search
from consult.storage.audit import Action
from consult.storage.errors import ConflictError
from consult.storage.part import missing

if TYPE_CHECKING:
    from consult.domain.plan import Plan
    from consult.storage.store import RecordStore


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def hhmm(at) -> str | None:
    """A time of day as the records keep it ("09:30"), or None."""
    return at.strftime("%H:%M") if at is not None else None


def _insert(store: RecordStore, table: str, values: dict[str, Any]) -> int:
    cursor = store.db.execute(
        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
        list(values.values()),
    )
    return int(cursor.lastrowid)


def _update(store: RecordStore, table: str, values: dict[str, Any], record_id: int) -> None:
    store.db.execute(
        f"UPDATE {table} SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
        [*values.values(), record_id],
    )


# --------------------------------------------------------------------------- patients


def write_patient(
    store: RecordStore,
    patient: Patient,
    *,
    record_uuid: str | None = None,
    created_at: str | None = None,
    updated_at: str | None = None,
    demo: bool = False,
    audit_it: bool = True,
) -> int:
    """Insert a new patient (no id) or update one, with its name keys; its id."""
    now = store.now()
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
        patient_id = _insert(store, "patients", values)
        action = Action.CREATE
        old_words = None
    else:
        patient_id = patient.id
        old = store.conn.execute(
            "SELECT search_name FROM patients WHERE id = ?", [patient_id]
        ).fetchone()
        if old is None:
            raise missing("patient", patient_id)
        old_words = old[0]
        _update(store, "patients", values, patient_id)
        action = Action.UPDATE
    if words != old_words:
        write_name_keys(store, patient_id, old_words, words)
    if audit_it:
        store.audit_event(
            action,
            "patient",
            patient_id,
            store.uuid_of("patients", patient_id),
            content_hash=content.of_patient(store.conn, patient_id),
        )
    return patient_id


def write_name_keys(store: RecordStore, patient_id: int, old: str | None, new: str) -> None:
    """Keep ``name_keys`` in step with a patient's ``search_name``: ``old`` before this save
    (None for a new patient), ``new`` after it. The old keys are deleted by their primary
    key: no scan of the table."""
    conn = store.conn
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


# --------------------------------------------------------------------------- consultations


def consultation_values(consultation: Consultation, patient_id: int) -> dict[str, Any]:
    override = consultation.override
    clearance = consultation.clearance
    return {
        "clearance_by": clearance.cleared_by if clearance else None,
        "clearance_on": _iso(clearance.cleared_on) if clearance else None,
        "clearance_note": clearance.note if clearance else None,
        "clearance_recorded_by": clearance.recorded_by if clearance else None,
        "clearance_covers": " ".join(clearance.covers) if clearance else None,
        "patient_id": patient_id,
        "provider": consultation.provider,
        "date": consultation.date.isoformat(),
        "start_date": _iso(consultation.start_date),
        "session_count": consultation.session_count,
        "notes": consultation.notes,
        "catalog_version": consultation.catalog_version,
        "override_reason": override.reason if override else None,
        "override_provider": override.provider if override else None,
        "appointment_time": hhmm(consultation.appointment_time),
        "appointment_times": json.dumps(
            {key: hhmm(at) for key, at in sorted(consultation.times.items())}
        ),
        "amend_reason": consultation.amend_reason,
    }


def store_list_dates(store: RecordStore, *patient_ids: int) -> None:
    """Write what the list shows beside these patients from their consultations: called by
    every write of a consultation (see ``listing``)."""
    listing.store(store.conn, patient_ids)


def insert_consultation(
    store: RecordStore,
    consultation: Consultation,
    patient_id: int,
    *,
    record_uuid: str | None = None,
    created_at: str | None = None,
    updated_at: str | None = None,
    demo: bool = False,
) -> int:
    """A new draft row (its parts and plan are written separately); its id."""
    now = store.now()
    values = consultation_values(consultation, patient_id) | {
        "uuid": record_uuid or str(uuid.uuid4()),
        "status": Status.DRAFT.value,
        "demo": int(demo),
        "created_at": created_at or now,
        "updated_at": updated_at or now,
    }
    consultation_id = _insert(store, "consultations", values)
    store_list_dates(store, patient_id)
    return consultation_id


def update_draft(store: RecordStore, consultation_id: int, values: dict[str, Any]) -> None:
    _update(store, "consultations", values, consultation_id)


def write_parts(store: RecordStore, consultation_id: int, consultation: Consultation) -> None:
    """The chosen areas, zones, concerns, adjuncts and screening answers of a draft."""
    conn = store.conn
    for table in ("consultation_areas", "consultation_adjuncts"):
        conn.execute(f"DELETE FROM {table} WHERE consultation_id = ?", [consultation_id])
    areas, zones, concerns = [], [], []
    for area_no, area in enumerate(consultation.areas):
        areas.append((consultation_id, area_no, area.area_id))
        zones += [(consultation_id, area_no, i, z) for i, z in enumerate(area.zones)]
        concerns += [
            (consultation_id, area_no, i, c.concern_id, c.severity, c.kind)
            for i, c in enumerate(area.concerns)
        ]
    conn.executemany("INSERT INTO consultation_areas VALUES (?, ?, ?)", areas)
    conn.executemany("INSERT INTO consultation_zones VALUES (?, ?, ?, ?)", zones)
    conn.executemany("INSERT INTO consultation_concerns VALUES (?, ?, ?, ?, ?, ?)", concerns)
    conn.executemany(
        "INSERT INTO consultation_adjuncts VALUES (?, ?, ?)",
        [(consultation_id, i, a) for i, a in enumerate(consultation.adjuncts)],
    )
    # One text (schema 12), written by SQLite's JSON functions as the content hash reads it:
    # [[question_no, question_id, answer], ...] in question order.
    answers = [[q, Answer(a).value] for q, a in consultation.screening.items()]
    if store.on_server:  # the same text, written as SQLite's JSON functions write it
        from consult.storage.content_server import json_array

        text = "[" + ",".join(json_array([n, q, a]) for n, (q, a) in enumerate(answers)) + "]"
        conn.execute("UPDATE consultations SET answers = ? WHERE id = ?", [text, consultation_id])
        return
    conn.execute(
        "UPDATE consultations SET answers = (SELECT json_group_array(json_array(key, "
        "json_extract(value, '$[0]'), json_extract(value, '$[1]'))) FROM ("
        "SELECT key, value FROM json_each(?) ORDER BY key)) WHERE id = ?",
        [json.dumps(answers), consultation_id],
    )


def write_plan(store: RecordStore, consultation_id: int, plan: Plan) -> None:
    write_plan_rows(
        store,
        consultation_id,
        [(s.number, s.date.isoformat(), hhmm(s.time)) for s in plan.sessions],
        [
            (v.adjunct_id, v.date.isoformat(), v.after_session, hhmm(v.time))
            for v in plan.adjunct_visits
        ],
    )


def write_plan_rows(
    store: RecordStore,
    consultation_id: int,
    sessions: list[tuple[int, str, str | None]],
    visits: list[tuple[str, str, int, str | None]],
) -> None:
    """The agreed plan's rows: sessions as (number, date, time), visits as (adjunct, date,
    after session, time); a time is "HH:MM", or None when none was booked."""
    conn = store.conn
    conn.executemany(
        "INSERT INTO planned_sessions (consultation_id, number, date, time) VALUES (?, ?, ?, ?)",
        [(consultation_id, *session) for session in sessions],
    )
    conn.executemany(
        "INSERT INTO adjunct_visits "
        "(consultation_id, visit_no, adjunct_id, date, after_session, time) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(consultation_id, i, *visit) for i, visit in enumerate(visits)],
    )


def plan_fields(plan: Plan) -> dict[str, Any]:
    """What a final consultation's row keeps of its plan (a "do not treat" one has no
    sessions, so no results window)."""
    return {
        "catalog_version": plan.catalog_version,
        "screening_outcome": plan.screening.outcome.value,
        "interval_weeks": plan.interval_weeks,
        "results_from": _iso(plan.results_from),
        "results_to": _iso(plan.results_to),
    }


def owner(store: RecordStore, consultation_id: int) -> int:
    """The id of the patient a consultation is for."""
    return consultation_column(store, consultation_id, "patient_id")


def status(store: RecordStore, consultation_id: int) -> str:
    return consultation_column(store, consultation_id, "status")


_COLUMNS = frozenset({"patient_id", "status"})


def consultation_column(store: RecordStore, consultation_id: int, column: str) -> Any:
    if column not in _COLUMNS:
        raise ValueError(f"not a column read this way: {column!r}")
    row = store.conn.execute(
        f"SELECT {column} FROM consultations WHERE id = ?", [consultation_id]
    ).fetchone()
    if row is None:
        raise missing("consultation", consultation_id)
    return row[0]


def final_is_final(consultation_id: int) -> ConflictError:
    return ConflictError(
        f"Consultation {consultation_id} is final, so it cannot be changed or deleted. To "
        "correct it, amend it: the amendment is saved as a new revision and the original "
        "stays readable."
    )


def mark_final(
    store: RecordStore,
    consultation_id: int,
    fields: dict[str, Any],
    *,
    revision_of: int | None,
    finalized_at: str | None = None,
    updated_at: str | None = None,
) -> None:
    """Turn the draft row final (its parts and plan already written). ``fields`` as from
    ``plan_fields``. From here its sessions are listed, and those of the revision it
    replaces are not."""
    now = store.now()
    values = {
        "status": Status.FINAL.value,
        "revision_of": revision_of,
        **fields,
        "finalized_at": finalized_at or now,
        "updated_at": updated_at or now,
    }
    cursor = store.db.execute(
        f"UPDATE consultations SET {', '.join(f'{k} = ?' for k in values)} "
        "WHERE id = ? AND status = 'draft'",
        [*values.values(), consultation_id],
    )
    if cursor.rowcount != 1:
        raise final_is_final(consultation_id)
    store_list_dates(store, owner(store, consultation_id))


# --------------------------------------------------------------------------- settings


def write_settings(
    store: RecordStore, values: dict[str, Any], updated_at: str | None = None
) -> None:
    now = updated_at or store.now()
    store.conn.executemany(
        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        [(k, json.dumps(v, ensure_ascii=False), now) for k, v in values.items()],
    )
