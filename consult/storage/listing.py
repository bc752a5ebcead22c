"""What the patient list shows beside each patient, kept with the patient (schema 4).

Each listed patient shows the date of the last consultation and of the next session. Both
come from the consultation tables, the source of truth; ``patients`` keeps a summary of them
so that listing a patient reads the patient's row and nothing else:

- ``last_consultation``: the latest date of the patient's current consultations, drafts
  included (NULL when there is none);
- ``session_dates``: the dates of every session of the patient's current final plans, sorted,
  each once, space-separated (``''`` when there is none). The next session is the first of
  them on or after today (``next_session``).

"Current" means not replaced by a newer revision. ``compute`` reads the summary from the
consultation tables; ``store`` writes it for some patients, in the caller's transaction. Every
write of a consultation calls ``store`` for its patient (see ``RecordStore``), the upgrade to
schema 4 for every patient, and ``mismatched`` (``db check``) compares the two.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import msgspec

from consult.storage.engine import on_server

# A consultation ``c`` is current unless a newer revision replaces it.
CURRENT = "NOT EXISTS (SELECT 1 FROM consultations AS newer WHERE newer.revision_of = c.id)"

Summary = tuple[str | None, str]
"""(last_consultation, session_dates) as stored."""

NONE: Summary = (None, "")
_decode = msgspec.json.Decoder(list[tuple[object, object]]).decode
_CHUNK = 500  # patient ids per query: well under SQLite's limit on bound parameters


def compute(
    conn: sqlite3.Connection, patient_ids: Iterable[int] | None = None
) -> dict[int, Summary]:
    """Each patient's summary from the consultation tables: of ``patient_ids``, or of every
    patient with a consultation when None. Patients missing from the result have ``NONE``."""
    if patient_ids is None:
        return _compute(conn, "TRUE", [])
    ids = sorted(set(patient_ids))
    found: dict[int, Summary] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        where = f"c.patient_id IN ({', '.join('?' for _ in chunk)})"
        found |= _compute(conn, where, chunk)
    return found


def _compute(conn: sqlite3.Connection, where: str, params: list[int]) -> dict[int, Summary]:
    if on_server(conn):
        return _compute_by_rows(conn, where, params)
    # Each query hands back one JSON text (a row per patient inside it): ``db check`` runs
    # this beside its other work, where a row at a time would wait for Python's lock.
    (last,) = conn.execute(
        "SELECT json_group_array(json_array(patient_id, last)) FROM ("
        "SELECT c.patient_id, max(c.date) AS last FROM consultations AS c "
        f"WHERE {where} AND {CURRENT} GROUP BY c.patient_id)",
        params,
    ).fetchone()
    (dates,) = conn.execute(
        "SELECT json_group_array(json_array(patient_id, json(dates))) FROM ("
        "SELECT c.patient_id, json_group_array(s.date) AS dates FROM consultations AS c "
        "JOIN planned_sessions AS s ON s.consultation_id = c.id "
        f"WHERE {where} AND c.status = 'final' AND {CURRENT} GROUP BY c.patient_id)",
        params,
    ).fetchone()
    latest = dict(_decode(last))
    sessions = dict(_decode(dates))
    return {
        patient_id: (latest.get(patient_id), " ".join(sorted(set(sessions.get(patient_id, ())))))
        for patient_id in latest.keys() | sessions.keys()
    }


def _compute_by_rows(conn: Any, where: str, params: list[int]) -> dict[int, Summary]:
    """``_compute`` on the clinic's server, whose JSON functions are not SQLite's: the same
    two queries, a row a patient (the server does the work, not this process's threads)."""
    latest = dict(
        conn.execute(
            "SELECT c.patient_id, max(c.date) FROM consultations AS c "
            f"WHERE {where} AND {CURRENT} GROUP BY c.patient_id",
            params,
        )
    )
    sessions: dict[int, set[str]] = defaultdict(set)
    for patient_id, day in conn.execute(
        "SELECT c.patient_id, s.date FROM consultations AS c "
        "JOIN planned_sessions AS s ON s.consultation_id = c.id "
        f"WHERE {where} AND c.status = 'final' AND {CURRENT}",
        params,
    ):
        sessions[patient_id].add(day)
    return {
        patient_id: (latest.get(patient_id), " ".join(sorted(sessions.get(patient_id, ()))))
        for patient_id in latest.keys() | sessions.keys()
    }


def store(conn: sqlite3.Connection, patient_ids: Iterable[int]) -> None:
    """Write the summary of ``patient_ids`` from the consultation tables (in the caller's
    transaction)."""
    ids = sorted(set(patient_ids))
    found = compute(conn, ids)
    conn.executemany(
        "UPDATE patients SET last_consultation = ?, session_dates = ? WHERE id = ?",
        [(*found.get(patient_id, NONE), patient_id) for patient_id in ids],
    )


def store_all(conn: sqlite3.Connection) -> None:
    """Write every patient's summary (the upgrade to schema 4: every patient starts at
    ``NONE``, so only those with a consultation are written)."""
    found = compute(conn)
    conn.executemany(
        "UPDATE patients SET last_consultation = ?, session_dates = ? WHERE id = ?",
        [(*summary, patient_id) for patient_id, summary in sorted(found.items())],
    )


def mismatched(conn: sqlite3.Connection, found: dict[int, Summary] | None = None) -> int:
    """How many patients' stored summary is not what the consultation tables give (``found``:
    ``compute(conn)``, made elsewhere, of the same state)."""
    if found is None:
        found = compute(conn)
    wrong = 0
    for patient_id, last, dates in conn.execute(
        "SELECT id, last_consultation, session_dates FROM patients"
    ):
        if (last, dates) != found.get(patient_id, NONE):
            wrong += 1
    return wrong


def next_session(session_dates: str | None, today: str) -> str | None:
    """The first of ``session_dates`` (as stored) on or after ``today`` (ISO), or None."""
    if not session_dates:
        return None
    dates = session_dates.split(" ")
    i = bisect.bisect_left(dates, today)
    return dates[i] if i < len(dates) else None
