"""Content hashes of records on the clinic's server: the same seals, byte for byte, as on SQLite.

``content`` hashes each record from SQLite's own JSON text (``json_array``,
``json_group_array``). PostgreSQL writes JSON differently (spaces after commas), so on the
server the same columns are read as values and written here as SQLite writes them: compact,
``null`` for NULL, integers in decimal, text with ``"`` and ``\\`` escaped, the control
characters as ``\\b \\t \\n \\f \\r`` or ``\\u00XX``, everything else as it is (UTF-8). A test
holds the two writers equal for any text (``tests/storage/test_server_content.py``): a record
copied from one engine to the other keeps its seal, and ``db verify`` agrees on both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from consult.storage import content

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_ESCAPES["\r"] = "\\r"
_NEEDS = frozenset(_ESCAPES) | frozenset(chr(c) for c in range(0x20))


def json_text(value: Any) -> str:
    """One value as SQLite's JSON functions write it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if not _NEEDS.intersection(value):
            return f'"{value}"'
        return '"' + "".join(_escape(ch) for ch in value) + '"'
    # No column of the records is REAL, and SQLite's own rounding of reals (its printf) is not
    # Python's: a REAL column would need its own writer here, held to SQLite's by a test.
    raise TypeError(f"no seal is written from {type(value).__name__} values")


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ch < " ":
        return f"\\u{ord(ch):04x}"
    return ch


def json_array(values: Sequence[Any]) -> str:
    """``json_array(v1, v2, …)`` as SQLite writes it."""
    return "[" + ",".join(json_text(v) for v in values) + "]"


def _nested(rows: Iterable[Sequence[Any]]) -> str:
    """``json_group_array(json_array(…))`` over ``rows``."""
    return "[" + ",".join(json_array(r) for r in rows) + "]"


def _plain(fields: Iterable[str]) -> str:
    """The columns ``content`` puts in ``json_array``, selected as values here."""
    return ", ".join(
        f"coalesce(upper(encode({f[4:-1]}, 'hex')), '')" if f.startswith("hex(") else f
        for f in fields
    )


def _by_id(conn: Any, sql: str, table: str, ids: Iterable[int] | None) -> dict[int, str]:
    found = {}
    for low, high in content._slices(conn, table, ids):
        for row in conn.execute(sql, [low, high]):
            found[row[0]] = content.digest(json_array(row[1:]))
    return found


def patient_hashes(conn: Any, ids: Iterable[int] | None = None) -> dict[int, str]:
    sql = (
        f"SELECT id, {_plain(content.PATIENT_FIELDS)} FROM patients "
        "WHERE id BETWEEN ? AND ? ORDER BY id"
    )
    return _by_id(conn, sql, "patients", ids)


def consultation_hashes(
    conn: Any, ids: Iterable[int] | None = None, *, finals_only: bool = False
) -> dict[int, str]:
    fields = ", ".join(f"c.{f}" for f in content.CONSULTATION_FIELDS)
    status = " AND c.status = 'final'" if finals_only else ""
    found = {}
    for low, high in content._slices(conn, "consultations", ids):
        rows = conn.execute(
            f"SELECT c.id, {fields}, p.uuid, r.uuid, c.appointment_time, c.appointment_times, "
            f"c.amend_reason, {content.ANSWERS_COLUMN} FROM consultations AS c "
            "JOIN patients AS p ON p.id = c.patient_id "
            "LEFT JOIN consultations AS r ON r.id = c.revision_of "
            f"WHERE c.id BETWEEN ? AND ?{status} ORDER BY c.id",
            [low, high],
        ).fetchall()
        if not rows:
            continue
        # The answers are kept as their part's very text (schema 12): read with the row.
        named = [name for name in content.PARTS if name != "answers"]
        selects = [
            *(content.PARTS[name] for name in named),
            "SELECT consultation_id, number, time FROM planned_sessions WHERE time IS NOT NULL",
            "SELECT consultation_id, visit_no, time FROM adjunct_visits WHERE time IS NOT NULL",
        ]
        grouped = _parts(conn, selects, low, high)
        parts, (times, visit_times) = grouped[: len(named)], grouped[len(named) :]
        width = len(content.CONSULTATION_FIELDS) + 2
        for row in rows:
            cid = row[0]
            texts = [json_array(row[1 : 1 + width])]
            appointment_time, appointment_times, amend_reason, answers = row[1 + width :]
            rows_of = dict(zip(named, parts, strict=True))
            texts += [
                answers
                if name == "answers"
                else (_nested(rows_of[name][cid]) if cid in rows_of[name] else None)
                for name in content.PARTS
            ]
            # What schema 9 added, only when the consultation has any of it (``BOOKED``).
            if (
                appointment_time is not None
                or appointment_times != "{}"
                or amend_reason != ""
                or cid in times
                or cid in visit_times
            ):
                booked = [appointment_time, appointment_times, amend_reason]
                texts.append(
                    json_array(booked)[:-1]
                    + f",{_nested(times.get(cid, []))},{_nested(visit_times.get(cid, []))}]"
                )
            found[cid] = content.digest(*texts)
    return found


def _parts(conn: Any, selects: list[str], low: int, high: int) -> list[dict[int, list[tuple]]]:
    """Each part's rows of each consultation in ``low..high``, without the consultation's id,
    in primary key order: the parts' queries sent together (``fetch_all``)."""
    queries = []
    for select in selects:
        joiner = " AND " if " WHERE " in select else " WHERE "
        queries.append(
            (f"{select}{joiner}consultation_id BETWEEN ? AND ? ORDER BY 1, 2, 3", [low, high])
        )
    found = []
    for rows in conn.fetch_all(queries):
        grouped: dict[int, list[tuple]] = {}
        for row in rows:
            grouped.setdefault(row[0], []).append(row[1:])
        found.append(grouped)
    return found


def consent_hashes(conn: Any, ids: Iterable[int] | None = None) -> dict[int, str]:
    sql = (
        f"SELECT c.id, {_plain(content.CONSENT_FIELDS)} FROM consents AS c "
        "JOIN patients AS p ON p.id = c.patient_id "
        "JOIN consultations AS k ON k.id = c.consultation_id "
        "LEFT JOIN consents AS w ON w.id = c.withdraws "
        "WHERE c.id BETWEEN ? AND ? ORDER BY c.id"
    )
    return _by_id(conn, sql, "consents", ids)


def visit_hashes(conn: Any, ids: Iterable[int] | None = None) -> dict[int, str]:
    sql = (
        f"SELECT v.id, {_plain(content.VISIT_FIELDS)} FROM visits AS v "
        "JOIN patients AS p ON p.id = v.patient_id "
        "JOIN consultations AS k ON k.id = v.consultation_id "
        "LEFT JOIN visits AS r ON r.id = v.revision_of "
        "WHERE v.id BETWEEN ? AND ? AND v.status = 'final' ORDER BY v.id"
    )
    return _by_id(conn, sql, "visits", ids)


def change_hashes(conn: Any, ids: Iterable[int] | None = None) -> dict[int, str]:
    sql = (
        f"SELECT g.id, {_plain(content.CHANGE_FIELDS)} FROM course_changes AS g "
        "JOIN patients AS p ON p.id = g.patient_id "
        "JOIN consultations AS k ON k.id = g.consultation_id "
        "WHERE g.id BETWEEN ? AND ? ORDER BY g.id"
    )
    return _by_id(conn, sql, "course_changes", ids)


def photo_hashes(conn: Any, ids: Iterable[int] | None = None) -> dict[int, str]:
    sql = (
        f"SELECT f.id, {_plain(content.PHOTO_FIELDS)} FROM photos AS f "
        "JOIN patients AS p ON p.id = f.patient_id "
        "JOIN consents AS k ON k.id = f.consent_id "
        "WHERE f.id BETWEEN ? AND ? ORDER BY f.id"
    )
    return _by_id(conn, sql, "photos", ids)


def deletion_hashes(conn: Any) -> dict[int, str]:
    return {
        row[0]: content.digest(json_array(row[1:]))
        for row in conn.execute(
            f"SELECT d.photo_id, {_plain(content.DELETION_FIELDS)} FROM photo_deletions AS d "
            "JOIN photos AS f ON f.id = d.photo_id ORDER BY d.photo_id"
        )
    }
