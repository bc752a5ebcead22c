"""Content hashes: what the checks recompute is what every earlier version sealed."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace as changed
from datetime import time

import pytest
from schema_builders import BUILDERS
from storage_helpers import CATALOG, consultation, patient, plan_for

from consult.storage import RecordStore, content
from consult.storage.migrations import SCHEMA_VERSION

# A consultation's content as the checks computed it before each was written by one query:
# every part read in its own query, ordered explicitly, and the booked times in another.
# Frozen here as the tests' own reckoning of what was sealed.
_BOOKED = (
    "SELECT c.id, json_array(c.appointment_time, c.appointment_times, c.amend_reason, "
    "(SELECT json_group_array(json_array(number, time)) FROM (SELECT number, time "
    "FROM planned_sessions WHERE consultation_id = c.id AND time IS NOT NULL ORDER BY number)), "
    "(SELECT json_group_array(json_array(visit_no, time)) FROM (SELECT visit_no, time "
    "FROM adjunct_visits WHERE consultation_id = c.id AND time IS NOT NULL ORDER BY visit_no))) "
    "FROM consultations AS c WHERE ("
    "c.appointment_time IS NOT NULL OR c.appointment_times != '{}' OR c.amend_reason != '' "
    "OR EXISTS (SELECT 1 FROM planned_sessions WHERE consultation_id = c.id "
    "AND time IS NOT NULL) "
    "OR EXISTS (SELECT 1 FROM adjunct_visits WHERE consultation_id = c.id AND time IS NOT NULL))"
)


def _grouped(select: str) -> str:
    columns = select.removeprefix("SELECT ").split(" FROM ")[0]
    rest = [c.strip() for c in columns.split(",")][1:]
    return (
        f"SELECT consultation_id, json_group_array(json_array({', '.join(rest)})) FROM ("
        f"{select} ORDER BY 1, 2, 3) GROUP BY consultation_id"
    )


def reference_hashes(conn: sqlite3.Connection) -> dict[int, str]:
    fields = ", ".join(f"c.{f}" for f in content.CONSULTATION_FIELDS)
    rows = conn.execute(
        f"SELECT c.id, json_array({fields}, p.uuid, r.uuid) FROM consultations AS c "
        "JOIN patients AS p ON p.id = c.patient_id "
        "LEFT JOIN consultations AS r ON r.id = c.revision_of ORDER BY c.id"
    ).fetchall()
    inline = content._has_answers_column(conn)  # schema 12 keeps the answers' text as is
    parts = [
        dict(conn.execute("SELECT id, answers FROM consultations"))
        if name == "answers" and inline
        else dict(conn.execute(_grouped(sql)))
        for name, sql in content.PARTS.items()
    ]
    booked = dict(conn.execute(_BOOKED))
    return {
        cid: content.digest(
            text, *(part.get(cid) for part in parts), *([booked[cid]] if cid in booked else [])
        )
        for cid, text in rows
    }


@pytest.fixture
def records(tmp_path):
    """Consultations with every part: areas, zones, concerns, adjuncts and their visits,
    answers, sessions; booked times, an amendment with its reason, a draft, one with nothing."""
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path, catalog=CATALOG, provider="Dr Reyes") as store:
        c = consultation(patient())
        plan = plan_for(c)
        booked = changed(plan, sessions=tuple(changed(s, time=time(16, 15)) for s in plan.sessions))
        first = store.consultations.finalize(c, booked)
        store.consultations.amend(first.id, changed(c, amend_reason="Later dates"), booked)
        other = store.patients.save(patient("Ана Иванова"))
        plain = consultation(other)
        store.consultations.finalize(plain, plan_for(plain))
        store.consultations.save_draft(consultation(other, notes='"quoted" \\ and\nlines'))
        store.consultations.save_draft(consultation(other, areas=(), adjuncts=()))
    return path


def test_every_consultation_hashes_as_it_was_sealed(records):
    conn = sqlite3.connect(records)
    try:
        expected = reference_hashes(conn)
        assert len(expected) == 5
        assert content.consultation_hashes(conn) == expected
        finals = {
            cid for (cid,) in conn.execute("SELECT id FROM consultations WHERE status = 'final'")
        }
        assert content.finals(conn) == {cid: h for cid, h in expected.items() if cid in finals}
        assert all(content.of_consultation(conn, cid) == h for cid, h in expected.items())
    finally:
        conn.close()


def test_each_part_is_read_in_its_primary_keys_order(records):
    """The parts' JSON arrays list their rows in the order SQLite reads them: each part must
    be read by its primary key, whose first column is the consultation."""
    conn = sqlite3.connect(records)
    try:
        plan = [
            row[3]
            for row in conn.execute(
                "EXPLAIN QUERY PLAN " + content._consultations_text(conn, True), [1, 9]
            )
        ]
    finally:
        conn.close()
    for name, select in content.PARTS.items():
        if name == "answers":
            continue  # one text in the consultation's row (schema 12)
        table = select.split(" FROM ")[1]
        assert f"SEARCH {table} USING PRIMARY KEY (consultation_id=?)" in plan, plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_the_answers_moved_into_their_consultation_hash_as_before(tmp_path):
    """Schema 12 moves each consultation's answers into one text: every hash, computed from
    the answer rows of schema 11, is the same from the text after the upgrade."""
    path = tmp_path / "records.sqlite3"
    BUILDERS[11](path)
    conn = sqlite3.connect(path)
    try:
        before = reference_hashes(conn)
        rows = conn.execute("SELECT count(*) FROM screening_answers").fetchone()[0]
    finally:
        conn.close()
    assert rows and len(before) == 3
    RecordStore.open(path).close()  # upgraded
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert content.consultation_hashes(conn) == before == reference_hashes(conn)
        answers = conn.execute("SELECT answers FROM consultations WHERE id = 1").fetchone()[0]
        assert answers == '[[0,"pregnancy","no"],[1,"keloid","not_sure"]]'
    finally:
        conn.close()


def test_a_draft_saved_again_keeps_its_answers_in_the_form_the_hash_reads(records):
    """The app writes the text with SQLite's JSON functions, as the upgrade did."""
    with RecordStore.open(records, catalog=CATALOG) as store:
        (draft_id,) = store.conn.execute(
            "SELECT id FROM consultations WHERE status = 'draft' AND notes != '' LIMIT 1"
        ).fetchone()
        draft = store.records.consultation(draft_id)
        again = store.consultations.save_draft(changed(draft, notes="again"))
        text = store.conn.execute(
            "SELECT answers FROM consultations WHERE id = ?", [again.id]
        ).fetchone()[0]
        expected = store.conn.execute(
            "SELECT json_group_array(json_array(key, json_extract(value, '$[0]'), "
            "json_extract(value, '$[1]'))) FROM json_each(?)",
            [json.dumps([[q, a.value] for q, a in draft.screening.items()])],
        ).fetchone()[0]
    assert draft.screening and text == expected
    assert json.loads(text)[0][:2] == [0, next(iter(draft.screening))]
