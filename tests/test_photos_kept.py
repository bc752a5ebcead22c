"""Photos go where the records go: an export carries them (or says it left them out), an
import brings them back exactly, a backup holds them beside it and a restore puts them back;
and the alignment maths that lines two photos up."""

from __future__ import annotations

import json
import math
import shutil

import photo_samples as samples
import pytest
from hypothesis import given
from hypothesis import strategies as st
from photo_helpers import finished, photo_consent

from consult.domain.photos import (
    PhotoError,
    Similarity,
    Visit,
    VisitKind,
    align,
    progress_label,
)
from consult.storage import RecordStore, photo_files
from consult.storage.backup import auto_backup, backup_with_audit, restore
from consult.storage.errors import BackupError, ExchangeError
from consult.storage.exchange import export, import_json


@pytest.fixture
def kept(clinic, tmp_path):
    """A patient with three photos, one of them deleted."""
    item = finished(clinic.store, clinic.catalog)
    photo_consent(clinic.store, clinic.catalog, item, teaching=True)
    (tmp_path / "in").mkdir()
    files = samples.every_format(tmp_path / "in")
    added = clinic.photos.import_files(
        item.patient.id,
        [files["JPEG"], files["HEIC"], files["PNG"]],
        visit=Visit(VisitKind.BASELINE),
        area_id="face",
        view_id="face_front",
    )
    clinic.photos.delete(added[2].id, "Taken of the wrong patient.")
    return clinic, added


def pictures(store) -> set[str]:
    return set(photo_files.names(store.photos.folder))


def test_an_export_carries_the_photos_and_imports_back_exactly(kept, tmp_path):
    clinic, added = kept
    dest = tmp_path / "all.json"
    export(clinic.store, dest)
    folder = dest.with_name("all.json.photos")
    assert set(photo_files.names(folder)) == {added[0].sha256, added[1].sha256}
    data = json.loads(dest.read_text())
    assert data["format_version"] == 6 and data["photos_left_out"] == 0
    assert [p["deletion"] is not None for p in data["photos"]] == [False, False, True]
    other = tmp_path / "other" / "records.sqlite3"
    other.parent.mkdir()
    with RecordStore.open(other, catalog=clinic.catalog) as store:
        result = import_json(store, dest)
        assert (result.photos_added, result.photos_present) == (3, 0)
        assert pictures(store) == {added[0].sha256, added[1].sha256}
        assert store.photos.image(1) == clinic.store.photos.image(added[0].id)
        assert store.audit.verify().intact
        again = tmp_path / "again.json"
        export(store, again)
        assert import_json(store, dest).photos_added == 0  # twice adds nothing
    strip = lambda d: {k: v for k, v in d.items() if k != "exported_at"}  # noqa: E731
    assert strip(json.loads(again.read_text())) == strip(data)


def test_a_records_only_export_says_it_left_the_photos_out(kept, tmp_path):
    clinic, added = kept
    dest = tmp_path / "to-share.json"
    export(clinic.store, dest, photos=False)
    data = json.loads(dest.read_text())
    assert data["photos"] == [] and data["photos_left_out"] == 3
    assert not dest.with_name("to-share.json.photos").exists()
    text = dest.read_text()
    assert not any(p.sha256 in text or p.uuid in text for p in added)
    assert "thumbnail" not in text
    entry = clinic.store.audit.entries("database", None)[-1]
    assert entry["detail"].endswith("no photos (3 left out)")
    other = tmp_path / "other.sqlite3"
    with RecordStore.open(other, catalog=clinic.catalog) as store:
        result = import_json(store, dest)
        assert result.photos_added == 0 and result.photos_left_out == 3
        assert "records-only export: it left out 3 photos" in result.summary()
        assert store.photos.count(deleted=True) == 0


def test_an_import_without_its_photo_folder_imports_nothing(kept, tmp_path):
    clinic, _added = kept
    dest = tmp_path / "all.json"
    export(clinic.store, dest)
    shutil.rmtree(dest.with_name("all.json.photos"))
    other = tmp_path / "other.sqlite3"
    with RecordStore.open(other, catalog=clinic.catalog) as store:
        with pytest.raises(ExchangeError, match="Copy that folder with the file"):
            import_json(store, dest)
        assert store.health.counts()["patients"] == 0 and pictures(store) == set()


def test_a_picture_changed_in_the_export_imports_nothing(kept, tmp_path):
    clinic, added = kept
    dest = tmp_path / "all.json"
    export(clinic.store, dest)
    picture = photo_files.path_of(dest.with_name("all.json.photos"), added[0].sha256)
    picture.write_bytes(picture.read_bytes()[:-10])
    with RecordStore.open(tmp_path / "other.sqlite3", catalog=clinic.catalog) as store:
        with pytest.raises(ExchangeError, match="does not have the SHA-256"):
            import_json(store, dest)
        assert pictures(store) == set()


@pytest.mark.sqlite_only  # backups beside a records file
def test_a_backup_holds_the_photos_and_a_restore_puts_them_back(kept, tmp_path):
    clinic, added = kept
    dest = tmp_path / "backup.sqlite3"
    backup_with_audit(clinic.store, dest)
    beside = photo_files.backup_folder_of(dest)
    assert set(photo_files.names(beside)) == {added[0].sha256, added[1].sha256}
    path = clinic.db_path
    clinic.close()
    live = photo_files.folder_of(path)
    shutil.rmtree(live)  # the disk lost the photo folder
    restore(dest, path)
    with RecordStore.open(path) as store:
        assert pictures(store) == {added[0].sha256, added[1].sha256}
        assert store.photos.image(added[1].id) == photo_files.read(beside, added[1].sha256)
        assert store.audit.verify().intact
    # A backup whose photo folder was not copied with it is refused, and nothing changes.
    shutil.rmtree(live)
    shutil.rmtree(beside)
    with pytest.raises(BackupError, match="Copy that folder with the backup file"):
        restore(dest, path)


@pytest.mark.sqlite_only  # backups beside a records file
def test_the_daily_backups_keep_their_photos_and_lose_them_when_rotated(kept, tmp_path):
    from datetime import UTC, datetime, timedelta

    clinic, added = kept
    store = clinic.store
    days = iter(range(20))
    store.clock = lambda: datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=next(days))
    made = [auto_backup(store, keep=2) for _ in range(3)]
    assert not made[0].exists() and not photo_files.backup_folder_of(made[0]).exists()
    for backup in made[1:]:
        folder = photo_files.backup_folder_of(backup)
        assert set(photo_files.names(folder)) == {added[0].sha256, added[1].sha256}
        # On the same disk a backup's picture is the photo folder's file, not a second copy.
        same = photo_files.path_of(folder, added[0].sha256).stat()
        assert (
            same.st_ino == photo_files.path_of(store.photos.folder, added[0].sha256).stat().st_ino
        )


# --------------------------------------------------------------------------- alignment

coordinate = st.floats(-2000, 2000, allow_nan=False)


@given(
    scale=st.floats(0.25, 4),
    degrees=st.floats(-179, 179),
    dx=coordinate,
    dy=coordinate,
    first=st.tuples(coordinate, coordinate),
    second=st.tuples(coordinate, coordinate),
)
def test_two_marked_points_give_the_scale_and_rotation(scale, degrees, dx, dy, first, second):
    """Mark two points on a photo, and where the same two landmarks are on another taken
    nearer or farther, turned and moved: the transform found carries one onto the other."""
    if math.dist(first, second) * min(scale, 1) < 10:
        return  # points too close on either photo are refused (MIN_POINT_DISTANCE)
    truth = Similarity(scale, math.radians(degrees), dx, dy)
    moved = (truth.apply(first), truth.apply(second))
    found = align(moved, (first, second))
    assert found.scale == pytest.approx(scale, rel=1e-6)
    assert math.remainder(found.degrees - degrees, 360) == pytest.approx(0, abs=1e-6)
    for point in ((0.0, 0.0), (123.0, -45.0), first):
        assert found.apply(point) == pytest.approx(truth.apply(point), abs=1e-6)
        assert found.inverse().apply(found.apply(point)) == pytest.approx(point, abs=1e-6)


def test_the_pupils_of_two_visits_line_up():
    course = samples.visits(600, 750)
    before, after = course["baseline"], course["review"]
    lined_up = align(before.pupils, after.pupils)
    # The review was framed 1.1× nearer and turned 4°: the transform undoes both.
    assert lined_up.scale == pytest.approx(1 / 1.1, rel=1e-6)
    assert lined_up.degrees == pytest.approx(-4, abs=1e-6)
    m11, m12, m21, m22, dx, dy = lined_up.matrix()
    x, y = after.pupils[0]
    assert (m11 * x + m21 * y + dx, m12 * x + m22 * y + dy) == pytest.approx(before.pupils[0])


def test_two_points_on_top_of_each_other_give_no_direction():
    with pytest.raises(PhotoError, match="on the second photo are on top of each other"):
        align(((10, 10), (200, 10)), ((50, 50), (51, 50)))


def test_visits_are_written_and_ordered_as_a_course():
    visits = [Visit.parse(t) for t in ("review", "session-3", "baseline", "Session 1")]
    assert [v.key for v in sorted(visits, key=lambda v: v.order)] == [
        "baseline",
        "session-1",
        "session-3",
        "review",
    ]
    assert progress_label(Visit.parse("review"), Visit.parse("session-1")) == "Session 1 → Review"
    for bad in ("session-0", "session", "follow-up", "session-100"):
        with pytest.raises(PhotoError):
            Visit.parse(bad)
