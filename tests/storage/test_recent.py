"""Before anything is typed, the list shows who is due this week (the soonest first), then the
newest patients; a page at a time, each patient once."""

from __future__ import annotations

from datetime import date, timedelta

from storage_helpers import consultation, patient, plan_for


def test_due_this_week_first_then_newest(repo):
    due = repo.patients.save(patient("Zoë Due"))
    repo.consultations.finalize(
        consultation(due), plan_for(consultation(due))
    )  # first session 1 Dec 2026
    older = repo.patients.save(patient("Anna Older"))
    newest = repo.patients.save(patient("Bruno Newest"))
    first = plan_for(consultation(due)).sessions[0].date  # 1 Dec: within 7 days of 26 Nov
    page = repo.patient_list.recent(limit=2)
    assert [r.id for r in page.rows] == [due.id, newest.id]
    assert page.rows[0].next_session == first
    assert page.more and page.kind == "recent"
    rest = repo.patient_list.recent(limit=2, after=page.after)
    assert [r.id for r in rest.rows] == [older.id] and not rest.more
    assert {r.id for r in repo.patient_list.recent(limit=10).rows} == {due.id, older.id, newest.id}


def test_empty_database(repo):
    page = repo.patient_list.recent()
    assert page.rows == () and not page.more and page.after is None


def _due_on(repo, name: str, *starts: date, final: bool = True):
    """A patient with a consultation starting on each of ``starts`` (its first session)."""
    who = repo.patients.save(patient(name))
    for start in starts:
        c = consultation(who, start_date=start)
        if final:
            repo.consultations.finalize(c, plan_for(c))
        else:
            repo.consultations.save_draft(c)
    return who


def test_the_soonest_first_each_patient_once_drafts_and_replaced_plans_left_out(repo):
    today = date(2026, 11, 26)  # the test clock's day; sessions fall on open days
    friday = _due_on(repo, "Ana Friday", date(2026, 11, 27))
    twice = _due_on(repo, "Zed Twice", date(2026, 12, 2), date(2026, 11, 30))
    monday = _due_on(repo, "Bea Monday", date(2026, 11, 30))
    draft = _due_on(repo, "Cy Draft", date(2026, 11, 27), final=False)
    moved = _due_on(repo, "Di Moved", date(2026, 11, 27))
    (old,) = repo.records.for_patient(moved.id)
    later = consultation(moved, start_date=date(2027, 1, 11))
    repo.consultations.amend(old.id, later, plan_for(later))  # the plan due this week was replaced
    past = _due_on(repo, "Ed Past", date(2026, 11, 2))
    rows = repo.patient_list.recent(limit=3).rows
    assert [r.id for r in rows] == [friday.id, twice.id, monday.id]  # 27 Nov, 30 Nov, 30 Nov
    assert [r.next_session for r in rows] == [
        date(2026, 11, 27),
        date(2026, 11, 30),
        date(2026, 11, 30),
    ]
    assert all(r.next_session >= today for r in rows)
    everyone = repo.patient_list.recent(limit=50).rows
    assert [r.id for r in everyone] == [
        friday.id,
        twice.id,
        monday.id,
        past.id,  # then the others, the newest first
        moved.id,
        draft.id,
    ]


def test_paging_through_lists_everybody_once(repo):
    due = [
        _due_on(repo, f"Due {i}", date(2026, 11, 27) + timedelta(days=i % 6 + (i % 6 > 2)))
        for i in range(9)
    ]
    others = [repo.patients.save(patient(f"Other {i}")) for i in range(11)]
    whole = repo.patient_list.recent(limit=100).rows
    assert {r.id for r in whole[:9]} == {p.id for p in due}
    assert [r.id for r in whole[9:]] == [p.id for p in reversed(others)]
    assert [r.next_session for r in whole[:9]] == sorted(r.next_session for r in whole[:9])
    for limit in (1, 2, 3, 4, 9, 10, 20, 21):
        seen, after = [], None
        while True:
            page = repo.patient_list.recent(limit=limit, after=after)
            seen += page.rows
            if not page.more:
                break
            assert len(page.rows) == limit
            after = page.after
        assert seen == list(whole), limit
