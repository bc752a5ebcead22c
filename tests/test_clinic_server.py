"""The app on the clinic's server: a server that goes away mid-consultation loses nothing."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from signin_helpers import TEST_ADMIN, TEST_SECRET
from uihelpers import CLINIC

from consult.app.clinic import Clinic
from consult.app.draft import ConsultationDraft
from consult.app.errors import UserFacingError
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.storage import RecordStore
from consult.system.folders import data_dir

pytestmark = pytest.mark.postgresql


@pytest.fixture
def room(catalog, pg_url):
    made = Clinic(catalog, pg_url, data_dir())
    made.create_first_administrator(TEST_ADMIN, TEST_SECRET)
    made.store.clinic.save_settings(ClinicSettings(**CLINIC))
    yield made
    made.close()


def draft_of(room, catalog) -> ConsultationDraft:
    item = Consultation(
        patient=Patient("Zoë O'Brien", date(1988, 2, 3), 3, "en"),
        provider=TEST_ADMIN,
        date=date(2026, 11, 20),
        screening={q.id: Answer.NO for q in catalog.questions},
        areas=(AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),)),),
        adjuncts=(),
        start_date=date(2026, 12, 1),
        status=Status.DRAFT,
        catalog_version=catalog.version,
    )
    return ConsultationDraft.from_consultation(catalog, room.settings(), date(2026, 11, 20), item)


def test_the_server_gone_at_the_finish_keeps_the_draft_here_and_the_retry_saves(room, catalog):
    draft = draft_of(room, catalog)
    key = room.drafts.new_key()
    room.drafts.save(key, draft, owner=TEST_ADMIN)  # as the wizard keeps it while typing
    with psycopg.connect(room.db_path, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    with pytest.raises(UserFacingError, match="cannot be reached") as lost:
        room.finalize(draft)
    assert "nothing was half-saved" in lost.value.message
    assert "Zoë" not in lost.value.message
    assert [d.key for d in room.drafts.all()] == [key]  # still on this computer
    with RecordStore.open(room.db_path, readonly=True) as other_room:
        assert other_room.health.counts()["consultations"] == 0
    saved = room.finalize(draft)  # the retry: the connection is made again
    assert room.store.records.consultation(saved.id).patient.name == "Zoë O'Brien"
    assert room.store.audit.verify().intact


def _room(url: str, folder: str, name: str, out) -> None:
    """One exam room: its own process and data folder, the clinic's server."""
    import os

    os.environ["CONSULT_DATA_DIR"] = folder
    from consult.app.catalog import load_catalog

    catalog = load_catalog().catalog
    room = Clinic(catalog, url, data_dir())
    try:
        if room.needs_first_administrator():
            room.create_first_administrator(TEST_ADMIN, TEST_SECRET)
            room.store.clinic.save_settings(ClinicSettings(**CLINIC))
        else:
            room.sign_in(TEST_ADMIN, TEST_SECRET)
        if name:
            draft = draft_of(room, catalog)
            draft.patient.name = name
            out.put(("saved", room.finalize(draft).id))
        else:
            out.put(("found", [r.name for r in room.search("ximena").rows]))
        out.put(("intact", room.store.audit.verify().intact))
    finally:
        room.close()


@pytest.mark.process
def test_a_consultation_finished_in_one_room_is_found_in_another(pg_url, tmp_path):
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    said = []
    for folder, name in ((tmp_path / "room1", "Ximena Quispe"), (tmp_path / "room3", "")):
        room = context.Process(target=_room, args=(pg_url, str(folder), name, out))
        room.start()
        said += [out.get(timeout=120), out.get(timeout=120)]
        room.join(60)
        assert room.exitcode == 0
    assert said[0][0] == "saved" and said[2] == ("found", ["Ximena Quispe"])
    assert said[1] == ("intact", True) and said[3] == ("intact", True)
    assert (tmp_path / "room1").is_dir() and (tmp_path / "room3").is_dir()
