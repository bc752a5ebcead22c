"""Migrations: a database made by every earlier schema version opens and upgrades without
loss, applied migrations never change, and the schema is recorded in the file."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from schema_builders import (
    BUILDERS,
    FIXTURES,
    V3_NAME_KEYS,
    V4_LIST_DATES,
    V7_ACCOUNTS,
    V7_SECRET,
    schema_at,
    schema_sql,
)
from sqlite_utils import Migrations

from consult.storage import RecordStore, migrations
from consult.storage.database import APPLICATION_ID, read_header
from consult.storage.errors import StorageError
from consult.storage.migrations import MIGRATION_SET, SCHEMA_VERSION, names
from consult.storage.rotation import backups_dir

# Every migration that has shipped, in order. Append only: never rename, reorder or edit.
SHIPPED = (
    "0001_records",
    "0002_consultations_by_patient_and_status",
    "0003_name_keys",
    "0004_list_dates",
    "0005_clearance",
    "0006_audit_content",
    "0007_accounts",
    "0008_consents",
    "0009_appointment_times_and_amend_reason",
    "0010_treatment_course",
    "0011_photos",
    "0012_screening_answers_as_one_column",
    "0013_name_keys_by_patient",
)


def test_applied_migrations_never_change():
    assert names()[: len(SHIPPED)] == SHIPPED
    assert len(names()) == SCHEMA_VERSION


def test_every_version_has_a_builder_and_a_snapshot():
    assert sorted(BUILDERS) == list(range(1, SCHEMA_VERSION + 1))
    for version in BUILDERS:
        assert (FIXTURES / f"schema-v{version}.sql").exists()


@pytest.mark.parametrize("version", sorted(BUILDERS))
def test_schema_of_each_version_matches_its_snapshot(tmp_path, version):
    """Editing a shipped migration changes the schema it makes: this test catches it."""
    path = tmp_path / "schema.sqlite3"
    schema_at(path, version).close()
    snapshot = (FIXTURES / f"schema-v{version}.sql").read_text(encoding="utf-8")
    assert schema_sql(path) == snapshot


def test_the_migrations_table_is_where_sqlite_utils_records_them():
    # Opening the records reads the table by this name without importing sqlite-utils.
    assert Migrations.migrations_table == migrations.MIGRATIONS_TABLE
    assert [m.name for m in migrations.migrations()._migrations] == list(names())


def _without_ids(c):
    return replace(c, id=None, revision_of=None, patient=replace(c.patient, id=None))


@pytest.mark.parametrize("version", sorted(BUILDERS))
def test_each_version_upgrades_without_loss(tmp_path, version):
    path = tmp_path / "records.sqlite3"
    expected = BUILDERS[version](path)
    with RecordStore.open(path) as repo:
        assert repo.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        applied = [
            r[0]
            for r in repo.db.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
            )
        ]
        assert applied == list(names())
        rows = list(repo.db.query("SELECT id FROM patients ORDER BY id"))
        patients = [replace(repo.patients.get(r["id"]), id=None) for r in rows]
        assert patients == expected.patients
        consultations = repo.records.every_consultation()
        assert [_without_ids(c) for c in consultations] == expected.consultations
        for uuid, dates in expected.sessions.items():
            (cid,) = repo.db.execute(
                "SELECT id FROM consultations WHERE uuid = ?", [uuid]
            ).fetchone()
            assert [s.date for s in repo.records.planned_sessions(cid)] == dates
        # Amendments, search and the questions still work on upgraded data.
        assert [c.id for c in repo.records.revisions(1)] == [1, 2]
        assert [r.name for r in repo.patient_list.search("obrien").rows] == ["Zoë O'Brien"]
        assert [r.name for r in repo.patient_list.search("민준").rows] == ["김민준"]
        assert repo.records.patients_with_concern("acne_scars")
        # Consents (version 7 on) read back as they were kept; earlier files have none.
        kept = [(c.uuid, c.decision.value, c.text.to_json()) for c in repo.consents.for_patient(1)]
        assert kept == expected.consents
        # Photos (version 10 on) read back with their deletions; their pictures are checked.
        photos = [(p.uuid, p.sha256, p.deleted) for p in repo.photos.for_patient(1, deleted=True)]
        assert photos == expected.photos
        assert repo.health.check().healthy
        # The name keys are what version 3 writes, however the file got them.
        keys = repo.conn.execute("SELECT patient_id, sort_name, key FROM name_keys").fetchall()
        assert sorted(keys) == sorted(
            (i, sort_name, key) for i, (sort_name, ks) in V3_NAME_KEYS.items() for key in ks
        )
        # The list's dates are what version 4 keeps, however the file got them.
        kept = repo.conn.execute(
            "SELECT id, last_consultation, session_dates FROM patients ORDER BY id"
        ).fetchall()
        assert kept == [(i, *values) for i, values in sorted(V4_LIST_DATES.items())]
    # And the list shows them: the last consultation, drafts included; the next session of
    # the current plan only.
    new_year = datetime(2026, 1, 1, 9, tzinfo=UTC)
    with RecordStore.open(path, clock=lambda: new_year) as repo:
        (zoe,) = repo.patient_list.search("obrien").rows
        (kim,) = repo.patient_list.search("민준").rows
        assert (zoe.last_consultation, zoe.next_session) == (date(2026, 1, 5), date(2026, 1, 12))
        assert (kim.last_consultation, kim.next_session) == (date(2026, 1, 5), None)
    # The upgraded file has the schema a new one gets.
    latest = (FIXTURES / f"schema-v{SCHEMA_VERSION}.sql").read_text(encoding="utf-8")
    assert schema_sql(path) == latest
    if version < SCHEMA_VERSION:
        assert any("before-upgrade" in p.name for p in backups_dir(path).iterdir())


@pytest.mark.parametrize("version", sorted(BUILDERS))
def test_accounts_after_each_upgrade(tmp_path, version):
    """A file from before accounts opens with none (the app's first start then asks for the
    administrator); one with accounts keeps them, and they still sign in."""
    path = tmp_path / "records.sqlite3"
    BUILDERS[version](path)
    with RecordStore.open(path) as repo:
        if version < migrations.version_of("0007_accounts"):
            assert repo.accounts.all() == []
            assert repo.accounts.count() == 0
            return
        kept = [(a.id, a.name, a.role.value, int(a.active)) for a in repo.accounts.all()]
        assert kept == V7_ACCOUNTS
        assert repo.accounts.sign_in("dr admin", V7_SECRET).name == "Dr Admin"


def test_version_3_writes_the_name_keys_from_the_names(tmp_path):
    """The keys come from each name by this app's folding rules, whatever search words an
    older version stored beside it; those are written again too."""
    path = tmp_path / "records.sqlite3"
    BUILDERS[2](path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE patients SET search_name = 'stale words' WHERE id = 1")
    conn.commit()
    conn.close()
    with RecordStore.open(path) as repo:
        stored = repo.conn.execute("SELECT search_name FROM patients WHERE id = 1").fetchone()
        assert stored == ("zoe o brien obrien",)
        assert [r.id for r in repo.patient_list.search("o'bri").rows] == [1]
        assert repo.patient_list.search("stale").rows == ()
        assert repo.health.check().healthy


def test_the_file_says_what_it_is(tmp_path):
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path):
        pass
    header = read_header(path)
    assert header.application_id == APPLICATION_ID
    assert header.user_version == SCHEMA_VERSION
    assert header.wal


@pytest.fixture
def future(monkeypatch):
    """Pretend this app knows a migration 2 (added at the end, as a real one would be)."""
    steps = list(migrations._STEPS)
    added = []

    def add(body):
        def run(db):
            body(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

        steps.append(("0002_test_only", run))
        added.append(run)

    monkeypatch.setattr(migrations, "_STEPS", steps)
    monkeypatch.setattr(migrations, "_NAMES", [*names(), "0002_test_only"])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    return add


def test_an_upgrade_backs_up_first_then_migrates(tmp_path, future):
    path = tmp_path / "records.sqlite3"
    expected = BUILDERS[SCHEMA_VERSION](path)
    future(lambda db: db.execute("ALTER TABLE patients ADD COLUMN nickname TEXT DEFAULT ''"))
    with RecordStore.open(path) as repo:
        assert repo.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert "nickname" in repo.db["patients"].columns_dict
        assert [replace(repo.patients.get(i), id=None) for i in (1, 2)] == expected.patients
    (kept,) = backups_dir(path).glob("*.sqlite3")
    assert kept.name.startswith(f"records-before-upgrade-v{SCHEMA_VERSION}-")
    assert read_header(kept).user_version == SCHEMA_VERSION


def test_a_failed_upgrade_changes_nothing(tmp_path, future):
    path = tmp_path / "records.sqlite3"
    BUILDERS[SCHEMA_VERSION](path)

    def broken(db):
        db.execute("ALTER TABLE patients ADD COLUMN nickname TEXT")
        db.execute("SELECT * FROM no_such_table")

    future(broken)
    with pytest.raises(StorageError) as caught:
        RecordStore.open(path)
    message = caught.value.message
    assert "could not be upgraded" in message and "before the upgrade" in message
    conn = sqlite3.connect(path)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(patients)")]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    assert "nickname" not in columns
    assert version == SCHEMA_VERSION


@pytest.mark.parametrize("version", sorted(v for v in BUILDERS if v < SCHEMA_VERSION))
def test_check_reads_an_older_file_without_upgrading_it(tmp_path, version):
    """``db check`` opens read-only: an older file is checked as it is (without the tables
    and columns later versions derive), and its version reported."""
    path = tmp_path / "records.sqlite3"
    BUILDERS[version](path)
    with RecordStore.open(path, readonly=True, verify=False) as repo:
        report = repo.health.check()
    (problem,) = report.problems
    assert f"The schema is version {version}" in problem
    assert read_header(path).user_version == version


@pytest.mark.parametrize("version", sorted(BUILDERS))
def test_a_file_from_an_earlier_version_is_known_from_its_header(tmp_path, version):
    from consult.storage.database import needs_upgrade

    path = tmp_path / "records.sqlite3"
    BUILDERS[version](path)
    assert needs_upgrade(path) is (version < SCHEMA_VERSION)
    with RecordStore.open(path):
        pass
    assert not needs_upgrade(path)


def test_what_cannot_be_upgraded_is_left_for_opening_to_explain(tmp_path):
    from consult.storage.database import needs_upgrade

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database" * 100)
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    for path in (tmp_path / "missing.sqlite3", garbage, empty, tmp_path):
        assert not needs_upgrade(path)


@pytest.mark.gui
def test_the_app_upgrades_an_earlier_file_before_its_window_opens(tmp_path):
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    path = data / "records.sqlite3"
    expected = BUILDERS[min(BUILDERS)](path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CONSULT_DATA_DIR=str(data))
    done = subprocess.run(
        [sys.executable, "-m", "consult", "--quit-after-launch"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert read_header(path).user_version == SCHEMA_VERSION
    (kept,) = backups_dir(path).glob("records-before-upgrade-*")
    assert read_header(kept).user_version == min(BUILDERS)
    with RecordStore.open(path) as repo:
        assert len(repo.patient_list.search("zoe").rows) >= 1
        assert len(expected.patients) == repo.health.counts()["patients"]


@pytest.mark.gui
def test_upgrading_says_so_on_screen_while_it_works(tmp_path, qtbot, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QProgressDialog

    from consult.ui import app

    path = tmp_path / "records.sqlite3"
    BUILDERS[min(BUILDERS)](path)
    opened = RecordStore.open

    def slow_open(*args, **kwargs):
        import time

        time.sleep(0.3)  # a large file
        return opened(*args, **kwargs)

    monkeypatch.setattr(RecordStore, "open", slow_open)
    seen: list[str] = []

    def look():
        seen.extend(
            w.labelText()
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QProgressDialog) and w.isVisible()
        )

    QTimer.singleShot(100, look)
    app.upgrade_records(path)
    assert seen and "Updating the records" in seen[0]
    assert read_header(path).user_version == SCHEMA_VERSION
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


@pytest.mark.gui
@pytest.mark.parametrize("problem", [StorageError("The disk is full."), ValueError("a bug")])
def test_an_upgrade_that_fails_is_explained_as_opening_would_be(
    tmp_path, qtbot, monkeypatch, problem
):
    from consult.ui import app

    path = tmp_path / "records.sqlite3"
    BUILDERS[min(BUILDERS)](path)

    def failing_open(*args, **kwargs):
        raise problem

    monkeypatch.setattr(RecordStore, "open", failing_open)
    with pytest.raises(StorageError) as raised:
        app.upgrade_records(path)
    if isinstance(problem, StorageError):
        assert raised.value is problem
    else:
        assert "could not be updated" in raised.value.message
        assert "nothing in it is lost" in raised.value.message
