"""The records on the clinic's PostgreSQL server: copies both ways, backups, several rooms at
once, a busy server, a server that goes away. Needs a server (the ``pg_url`` fixture)."""

from __future__ import annotations

import json
import multiprocessing

import psycopg
import pytest
from storage_helpers import CATALOG, consultation, patient, plan_for

from consult.app.demo_consents import seed_demo_consents
from consult.app.demo_course import seed_demo_courses
from consult.storage import RecordStore, server
from consult.storage.backup import backup_with_audit
from consult.storage.demo import seed_demo
from consult.storage.errors import (
    DatabaseBusyError,
    ServerUnreachableError,
    StorageError,
)
from consult.storage.exchange import export
from consult.storage.transfer import CopyError, copy_records

pytestmark = pytest.mark.postgresql


def _export_text(store, dest):
    """An export with what legitimately differs between two copies taken out (when it was
    made, and the copy's own audit entry)."""
    data = json.loads(export(store, dest, "json", photos=False).read_text())
    data.pop("exported_at", None)
    return data


def test_a_file_goes_to_the_server_and_back_exactly(tmp_path, pg_url):
    first = tmp_path / "first.sqlite3"
    with RecordStore.open(first, catalog=CATALOG) as source:
        seed_demo(source, CATALOG, 60, seed=7)
        seed_demo_consents(CATALOG, source, tmp_path, seed=7)
        seed_demo_courses(CATALOG, source, tmp_path, seed=7)
        before = _export_text(source, tmp_path / "before.json")
        entries = source.audit.verify().entries
    with (
        RecordStore.open(first, catalog=CATALOG) as source,
        RecordStore.open(pg_url, catalog=CATALOG) as onto,
    ):
        result = copy_records(source, onto)
        assert result.counts["patients"] == len(before["patients"]) > 60
        assert result.counts["consents"] and result.counts["visits"]
        report = onto.audit.verify()
        assert report.intact and report.sealed and report.entries == entries + 1
        assert onto.health.check().healthy
        on_server = _export_text(onto, tmp_path / "server.json")
    back = tmp_path / "back.sqlite3"
    with (
        RecordStore.open(pg_url, catalog=CATALOG) as source,
        RecordStore.open(back, catalog=CATALOG) as onto,
    ):
        copy_records(source, onto)
        assert onto.audit.verify().intact
        again = _export_text(onto, tmp_path / "again.json")
    for data in (on_server, again):
        assert data == before


def test_a_copy_never_mixes_two_clinics_records(tmp_path, pg_url):
    with RecordStore.open(pg_url, catalog=CATALOG) as there:
        there.patients.save(patient("Ana Ruiz"))
    with RecordStore.open(tmp_path / "here.sqlite3", catalog=CATALOG) as here:
        here.patients.save(patient())
        with RecordStore.open(pg_url, catalog=CATALOG) as there:
            with pytest.raises(CopyError, match="already holds records"):
                copy_records(here, there)
            assert there.health.counts()["patients"] == 1
            assert [r.name for r in there.patient_list.search("ana").rows] == ["Ana Ruiz"]


def test_a_backup_of_the_server_is_a_records_file_that_verifies(tmp_path, pg_url):
    with RecordStore.open(pg_url, catalog=CATALOG, provider="Dr Reyes") as store:
        zoe = store.patients.save(patient())
        c = consultation(zoe)
        final = store.consultations.finalize(c, plan_for(c))
        dest = backup_with_audit(store, tmp_path / "server-backup.sqlite3")
        assert store.audit.entries()[-1]["action"] == "backup"
        with pytest.raises(StorageError, match="never overwrites"):
            backup_with_audit(store, dest)
    assert oct(dest.stat().st_mode & 0o777) == "0o600"
    with RecordStore.open(dest, catalog=CATALOG, readonly=True) as copy:
        assert copy.records.consultation(final.id) == final
        assert copy.audit.verify().intact
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".json")) == [
        "server-backup.sqlite3"
    ]


def test_a_write_waits_for_another_rooms_then_says_busy(pg_url, monkeypatch):
    monkeypatch.setattr(server, "LOCK_TIMEOUT_MS", 300)
    with (
        RecordStore.open(pg_url, catalog=CATALOG) as room1,
        RecordStore.open(pg_url, catalog=CATALOG) as room3,
    ):
        with room1.transaction():
            room1.patients.save(patient("Ana Ruiz"))
            with pytest.raises(DatabaseBusyError, match="another exam room is saving"):
                room3.patients.save(patient("Bea Soto"))
        assert not room3.conn.in_transaction
        room3.patients.save(patient("Bea Soto"))  # the lock is free again
        assert [r.name for r in room1.patient_list.search("bea").rows] == ["Bea Soto"]
        assert room1.health.counts()["patients"] == 2
        assert room1.audit.verify().intact


def _amend(url: str, final_id: int, note: str, start, out) -> None:
    from dataclasses import replace as changed_by

    from storage_helpers import plan_for as plan_of

    with RecordStore.open(url, catalog=CATALOG, provider=note) as room:
        final = room.records.consultation(final_id)
        changed = changed_by(final, notes=note)
        plan = plan_of(changed)
        start.wait(30)
        try:
            out.put(("amended", room.consultations.amend(final_id, changed, plan).id))
        except StorageError as exc:
            out.put((type(exc).__name__, exc.message))


@pytest.mark.process
def test_two_rooms_amending_the_same_final_one_is_refused_plainly(pg_url):
    with RecordStore.open(pg_url, catalog=CATALOG) as store:
        zoe = store.patients.save(patient())
        c = consultation(zoe)
        final = store.consultations.finalize(c, plan_for(c))
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(2), context.Queue()
    rooms = [
        context.Process(target=_amend, args=(pg_url, final.id, f"room {n}", start, out))
        for n in (1, 3)
    ]
    for room in rooms:
        room.start()
    outcomes = [out.get(timeout=120) for _ in rooms]
    for room in rooms:
        room.join(60)
        assert room.exitcode == 0
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ConflictError", "amended"], outcomes
    refusal = next(said for kind, said in outcomes if kind == "ConflictError")
    assert "Traceback" not in refusal and "Zoë" not in refusal
    with RecordStore.open(pg_url, catalog=CATALOG) as store:
        assert store.audit.verify().intact


def test_a_server_that_goes_away_mid_session_loses_nothing_half_saved(pg_url):
    with RecordStore.open(pg_url, catalog=CATALOG) as store:
        zoe = store.patients.save(patient())
        pid = store.conn.raw.info.backend_pid
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        c = consultation(zoe)
        with pytest.raises(ServerUnreachableError, match="cannot be reached") as lost:
            store.consultations.finalize(c, plan_for(c))
        assert "half-saved" in lost.value.message
        with RecordStore.open(pg_url, catalog=CATALOG) as other_room:
            assert other_room.health.counts()["consultations"] == 0  # nothing half-saved
        final = store.consultations.finalize(c, plan_for(c))  # the retry, same window
        assert store.records.consultation(final.id).notes == c.notes
        assert store.audit.verify().intact


def _saves(url: str, room: int, count: int, out) -> None:
    from storage_helpers import patient as make

    with RecordStore.open(url, catalog=CATALOG, provider=f"room {room}") as store:
        ids = [store.patients.save(make(f"Room{room} Patient{n}")).id for n in range(count)]
    out.put(ids)


@pytest.mark.slow
@pytest.mark.process
def test_five_rooms_saving_at_once_lose_nothing(pg_url):
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    rooms = [context.Process(target=_saves, args=(pg_url, n, 200, out)) for n in range(5)]
    for room in rooms:
        room.start()
    saved = [out.get(timeout=300) for _ in rooms]
    for room in rooms:
        room.join(60)
        assert room.exitcode == 0
    acknowledged = {i for ids in saved for i in ids}
    assert len(acknowledged) == 1000
    with RecordStore.open(pg_url, catalog=CATALOG) as store:
        kept = {r[0] for r in store.conn.execute("SELECT id FROM patients").fetchall()}
        assert acknowledged <= kept
        report = store.audit.verify()
        assert report.intact and report.entries == 1000
        ids = [r[0] for r in store.conn.execute("SELECT id FROM audit_log ORDER BY id")]
        assert ids == list(range(1, 1001))  # no gaps, whatever rolled back
