"""Before anything is typed, the list shows who is due this week, then the newest patients."""

from __future__ import annotations

from storage_helpers import consultation, patient, plan_for


def test_due_this_week_first_then_newest(repo):
    due = repo.save_patient(patient("Zoë Due"))
    repo.finalize(consultation(due), plan_for(consultation(due)))  # first session 1 Dec 2026
    older = repo.save_patient(patient("Anna Older"))
    newest = repo.save_patient(patient("Bruno Newest"))
    first = plan_for(consultation(due)).sessions[0].date  # 1 Dec: within 7 days of 26 Nov
    rows = repo.recent_patients(limit=2)
    assert [r.id for r in rows] == [due.id, newest.id]
    assert rows[0].next_session == first
    assert {r.id for r in repo.recent_patients(limit=10)} == {due.id, older.id, newest.id}


def test_empty_database(repo):
    assert repo.recent_patients() == []
