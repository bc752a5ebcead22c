"""``consult photos import|export|list|delete``: bulk imports by an administrator, all or
nothing, each refused file named in plain words; exports, lists and deletions."""

from __future__ import annotations

import os
import subprocess
import sys

import photo_samples as samples
import pytest
from photo_helpers import finished, photo_consent

from consult.app.catalog import load_catalog
from consult.domain.access import Role
from consult.storage import RecordStore, photo_files

ADMIN, ADMIN_PIN = "Dr Admin", "admin-pin-1"
PIN = "246810"
pytestmark = pytest.mark.process  # every test runs the command line


def consult(records, user, secret, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "consult",
            *map(str, args),
            "--db",
            str(records),
            "--user",
            user,
            "--password-stdin",
        ],
        input=secret + "\n",
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


@pytest.fixture
def records(tmp_path):
    """An administrator, a provider, an assistant, and a patient with a photo consent."""
    catalog = load_catalog().catalog
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path, provider=ADMIN, catalog=catalog) as store:
        store.accounts.add(ADMIN, Role.ADMINISTRATOR, ADMIN_PIN)
        store.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
        store.accounts.add("Ben", Role.ASSISTANT, PIN)
        item = finished(store, catalog)
        photo_consent(store, catalog, item)
    return path


def test_import_list_export_and_delete(records, tmp_path):
    files = samples.every_format(tmp_path)
    done = consult(
        records,
        ADMIN,
        ADMIN_PIN,
        "photos",
        "import",
        1,
        *files.values(),
        "--visit",
        "session-2",
        "--view",
        "face_left_45",
    )
    assert done.returncode == 0, done.stderr
    assert "Imported 5 photo(s) for patient 1 (Session 2, Face, left 45°)" in done.stdout
    listed = consult(records, "Ben", PIN, "photos", "list", 1)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("Session 2") == 5 and "HEIC" in listed.stdout
    out = tmp_path / "out"
    out.mkdir()
    exported = consult(records, "Dr Reyes", PIN, "photos", "export", 1, out)
    assert exported.returncode == 0, exported.stderr
    assert len(list(out.glob("*-session-2-face_left_45-photo*.jpg"))) == 5
    deleted = consult(
        records, "Dr Reyes", PIN, "photos", "delete", 1, "--reason", "Taken of the wrong patient."
    )
    assert deleted.returncode == 0, deleted.stderr
    listed = consult(records, ADMIN, ADMIN_PIN, "photos", "list", 1, "--deleted")
    assert "DELETED" in listed.stdout and "by Dr Reyes" in listed.stdout
    assert consult(records, ADMIN, ADMIN_PIN, "db", "verify").returncode == 0
    shared = tmp_path / "to-share.json"
    done = consult(records, ADMIN, ADMIN_PIN, "db", "export", "--records-only", shared)
    assert done.returncode == 0, done.stderr
    assert "Records only: the 5 photo records were left out" in done.stdout  # 1 deleted
    assert '"photos_left_out":5' in shared.read_text().replace(" ", "")
    whole = tmp_path / "all.json"
    done = consult(records, ADMIN, ADMIN_PIN, "db", "export", whole)
    assert f"pictures are in {whole}.photos beside it" in done.stdout
    with RecordStore.open(records) as store:  # the PNG and the TIFF are one picture
        assert set(photo_files.names(tmp_path / "all.json.photos")) == store.photos.live_hashes()


def test_one_refused_file_and_nothing_is_imported(records, tmp_path):
    good = samples.every_format(tmp_path)["JPEG"]
    cut = samples.write(tmp_path / "cut.jpg", samples.truncated_jpeg())
    text = samples.write(tmp_path / "notes.jpg", b"These are notes, not a photo.")
    dot = samples.write(tmp_path / "dot.png", samples.one_pixel_png())
    bomb = samples.write(tmp_path / "bomb.png", samples.bomb_png())
    done = consult(
        records,
        ADMIN,
        ADMIN_PIN,
        "photos",
        "import",
        1,
        good,
        cut,
        text,
        dot,
        bomb,
        "--visit",
        "baseline",
        "--view",
        "face_front",
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "consult: no photo was imported; 4 file(s) refused:"
    assert f"  {cut}: is damaged or cut short" in done.stderr
    assert f"  {text}: is not a photo the app can read" in done.stderr
    assert f"  {dot}: is only 1 × 1 pixels" in done.stderr
    assert f"  {bomb}: has far more pixels than a photo (10,000 × 10,000 pixels)" in done.stderr
    assert "Traceback" not in done.stderr
    with RecordStore.open(records) as store:
        assert store.photos.count(deleted=True) == 0
        assert list(photo_files.names(store.photos.folder)) == []


def test_bulk_imports_are_an_administrators(records, tmp_path):
    good = samples.every_format(tmp_path)["JPEG"]
    for user in ("Dr Reyes", "Ben"):
        done = consult(
            records,
            user,
            PIN,
            "photos",
            "import",
            1,
            good,
            "--visit",
            "baseline",
            "--view",
            "face_front",
        )
        assert done.returncode == 1
        assert "may not export, import or add demo records" in done.stderr
    wrong = consult(
        records,
        ADMIN,
        ADMIN_PIN,
        "photos",
        "import",
        1,
        good,
        "--visit",
        "follow-up",
        "--view",
        "face_front",
    )
    assert wrong.returncode == 1 and "is not a visit" in wrong.stderr


def test_no_consent_no_import(records, tmp_path):
    catalog = load_catalog().catalog
    with RecordStore.open(records, provider=ADMIN, catalog=catalog) as store:
        finished(store, catalog, name="Kim Min-jun")
    good = samples.every_format(tmp_path)["JPEG"]
    done = consult(
        records,
        ADMIN,
        ADMIN_PIN,
        "photos",
        "import",
        2,
        good,
        "--visit",
        "baseline",
        "--view",
        "face_front",
    )
    assert done.returncode == 1
    assert "no valid consent to photographs" in done.stderr
