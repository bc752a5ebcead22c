"""Before-and-after photos taken in and kept: every format, turned upright, every metadata
block gone, bad files refused in plain words, the consent checked first, a deletion a record
of its own, and a picture changed or removed outside the app found by ``db verify``."""

from __future__ import annotations

import io
import os
import sqlite3
from datetime import date

import outside
import photo_samples as samples
import pytest
from photo_helpers import finished, photo_consent
from PIL import Image
from signin_helpers import TEST_SECRET

from consult.app.errors import UserFacingError
from consult.app.photos import PhotosRefused, read_files
from consult.domain.access import Role
from consult.domain.consent import Decision
from consult.domain.photos import Visit, VisitKind
from consult.storage import photo_files
from consult.storage.errors import ConflictError
from consult.system import imaging

BASELINE = Visit(VisitKind.BASELINE)
# What an upright, stripped JPEG may hold before its pixels: JFIF (APP0), quantisation and
# Huffman tables, the frame header. No APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC), COM…
PLAIN_JPEG_MARKERS = {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD}


@pytest.fixture
def patient(clinic):
    item = finished(clinic.store, clinic.catalog)
    photo_consent(clinic.store, clinic.catalog, item, teaching=True)
    return item.patient.id


def take_in(clinic, patient_id, paths, view="face_front", visit=BASELINE, taken_on=None):
    return clinic.photos.import_files(
        patient_id, paths, visit=visit, area_id="face", view_id=view, taken_on=taken_on
    )


def assert_no_metadata(jpeg: bytes) -> None:
    markers = {marker for marker, _ in samples.jpeg_segments(jpeg)}
    assert markers <= PLAIN_JPEG_MARKERS, [hex(m) for m in markers - PLAIN_JPEG_MARKERS]
    with Image.open(io.BytesIO(jpeg)) as image:
        assert not image.getexif()
        assert "icc_profile" not in image.info and "exif" not in image.info


def test_every_format_is_taken_in_as_an_upright_plain_jpeg(clinic, patient, tmp_path):
    files = samples.every_format(tmp_path)
    added = take_in(clinic, patient, list(files.values()))
    pupil = tuple(round(v) for v in samples.face(900, 1200).pupils[0])
    assert [p.source for p in added] == ["JPEG", "PNG", "TIFF", "WebP", "HEIC"]
    for photo in added:
        picture = clinic.photos.image(photo.id)
        assert_no_metadata(picture)
        with Image.open(io.BytesIO(picture)) as image:
            assert image.format == "JPEG" and image.size == (900, 1200)
            # The same face in every format: its pupils are where they were drawn.
            assert sum(image.getpixel(pupil)) < 120
        assert_no_metadata(clinic.store.photos.thumbnail(photo.id))
        assert photo.taken_by == clinic.session.name and photo.visit == BASELINE
        assert (photo.teaching, photo.marketing) == (True, False)  # as the consent said


def test_the_exif_orientation_is_applied(clinic, patient, tmp_path):
    data, upright = samples.sideways_jpeg()
    (photo,) = take_in(clinic, patient, [samples.write(tmp_path / "sideways.jpg", data)])
    assert (photo.width, photo.height) == upright
    with Image.open(io.BytesIO(clinic.photos.image(photo.id))) as image:
        assert image.size == upright
        left, right = image.getpixel((50, 100)), image.getpixel((350, 100))
    assert left[0] > 180 and left[2] < 80  # red on the left, as it was taken
    assert right[2] > 180 and right[0] < 80


def test_gps_serial_owner_xmp_and_comment_are_gone(clinic, patient, tmp_path):
    source = samples.write(tmp_path / "phone.jpg", samples.gps_jpeg())
    raw = source.read_bytes()
    for secret in (samples.SERIAL.encode(), samples.OWNER.encode(), b"GPS", b"Patient 17"):
        assert secret in raw or secret == b"GPS"  # the file as the phone wrote it
    with Image.open(source) as image:
        assert image.getexif().get_ifd(0x8825)  # it carries a GPS position
    (photo,) = take_in(clinic, patient, [source])
    kept = clinic.store.photos.pictures.read(photo.sha256)
    assert_no_metadata(kept)
    for secret in (samples.SERIAL, samples.OWNER, "Patient 17", "mwg-rs", "PhoneMaker", "Exif"):
        assert secret.encode() not in kept
        assert secret.encode() not in clinic.store.photos.thumbnail(photo.id)
    # Only the day survives, as the photo's date.
    assert photo.taken_on == date(2026, 3, 4)


def test_a_colour_profile_is_applied_then_dropped(tmp_path):
    from PIL import ImageCms

    picture = samples.face(400, 500).image
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = samples.encoded(picture, "JPEG", icc_profile=profile)
    assert any(marker == 0xE2 for marker, _ in samples.jpeg_segments(data))
    assert_no_metadata(imaging.prepare(data).jpeg)


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("cut-short.jpg", samples.truncated_jpeg(), "damaged or cut short"),
        ("notes.jpg", b"Patient notes, not a photo.\n" * 20, "not a photo the app can read"),
        ("dot.png", samples.one_pixel_png(), "only 1 × 1 pixels"),
        ("bomb.png", samples.bomb_png(), "far more pixels than a photo (10,000 × 10,000"),
        ("empty.jpg", b"", "empty (0 bytes)"),
    ],
)
def test_bad_files_are_refused_in_plain_words(tmp_path, name, data, said):
    path = samples.write(tmp_path / name, data)
    done, refused = read_files([path])
    assert done == []
    (refusal,) = refused
    assert refusal.path == path and said in refusal.message
    assert "Traceback" not in refusal.message and "PIL" not in refusal.message


def test_one_bad_file_and_nothing_is_taken_in(clinic, patient, tmp_path):
    good = samples.every_format(tmp_path)
    bad = samples.write(tmp_path / "bomb.png", samples.bomb_png())
    text = samples.write(tmp_path / "text.jpg", b"not a photo at all")
    with pytest.raises(PhotosRefused) as refused:
        take_in(clinic, patient, [*good.values(), bad, text])
    assert [r.path for r in refused.value.refusals] == [bad, text]
    assert str(bad) in refused.value.message and str(text) in refused.value.message
    assert clinic.store.photos.count() == 0
    assert clinic.store.photos.pictures.names() == set()


def test_no_photo_without_a_photo_consent_saying_yes_to_the_record(clinic, tmp_path):
    item = finished(clinic.store, clinic.catalog)
    photo = samples.write(tmp_path / "face.jpg", samples.encoded(samples.face().image, "JPEG"))
    with pytest.raises(UserFacingError, match="no valid consent to photographs"):
        take_in(clinic, item.patient.id, [photo])
    photo_consent(clinic.store, clinic.catalog, item, decision=Decision.REFUSED)
    with pytest.raises(UserFacingError, match="no valid consent to photographs"):
        take_in(clinic, item.patient.id, [photo])
    photo_consent(clinic.store, clinic.catalog, item, record=False, teaching=True)
    with pytest.raises(UserFacingError, match="said no to photographs in their clinical record"):
        take_in(clinic, item.patient.id, [photo])
    signed = photo_consent(clinic.store, clinic.catalog, item, marketing=True)
    (added,) = take_in(clinic, item.patient.id, [photo])
    assert (added.consent_id, added.teaching, added.marketing) == (signed.id, False, True)
    clinic.consents.withdraw(signed.id, note="Asked by phone to stop photographs.")
    with pytest.raises(UserFacingError, match="no valid consent to photographs"):
        take_in(clinic, item.patient.id, [photo])
    assert clinic.store.photos.count() == 1  # the photo taken under it stays


def test_the_tag_is_checked(clinic, patient, tmp_path):
    photo = samples.write(tmp_path / "face.jpg", samples.encoded(samples.face().image, "JPEG"))
    with pytest.raises(UserFacingError, match="not a standard view of this area"):
        take_in(clinic, patient, [photo], view="body_back")
    with pytest.raises(UserFacingError, match="cannot be in the future"):
        take_in(clinic, patient, [photo], taken_on=date(2999, 1, 1))
    (added,) = take_in(clinic, patient, [photo], visit=Visit.parse("session-3"))
    assert added.visit.label == "Session 3"


def test_pictures_are_private_files_named_by_their_hash(clinic, patient, tmp_path):
    files = samples.every_format(tmp_path)
    added = take_in(clinic, patient, [files["JPEG"], files["JPEG"]])
    assert added[0].sha256 == added[1].sha256  # the same picture twice: one file
    pictures = clinic.store.photos.pictures
    assert pictures.names() == {added[0].sha256}
    if clinic.records_file is not None and os.name == "posix":
        folder = clinic.store.photos.folder
        path = photo_files.path_of(folder, added[0].sha256)
        assert folder.stat().st_mode & 0o777 == 0o700
        assert path.parent.stat().st_mode & 0o777 == 0o700
        assert path.stat().st_mode & 0o777 == 0o600
    # Deleting one of the two keeps the picture the other shows.
    clinic.photos.delete(added[0].id, "Taken twice by mistake.")
    assert pictures.names() == {added[0].sha256}
    clinic.photos.delete(added[1].id, "Taken of the wrong side.")
    assert pictures.names() == set()


def test_deleting_is_a_record_with_its_reason(clinic, patient, tmp_path):
    (photo,) = take_in(clinic, patient, [samples.every_format(tmp_path)["JPEG"]])
    with pytest.raises(UserFacingError, match="Say why the photo is deleted"):
        clinic.photos.delete(photo.id, "oops")
    deleted = clinic.photos.delete(photo.id, "Taken of the wrong patient.")
    assert deleted.deletion.reason == "Taken of the wrong patient."
    assert deleted.deletion.deleted_by == clinic.session.name
    assert clinic.photos.photos_of(patient) == []
    assert [p.id for p in clinic.store.photos.for_patient(patient, deleted=True)] == [photo.id]
    assert photo.sha256 not in clinic.store.photos.pictures.names()
    with pytest.raises(UserFacingError, match="was deleted"):
        clinic.photos.image(photo.id)
    with pytest.raises(ConflictError, match="already deleted"):
        clinic.store.photos.delete(photo.id, "Taken of the wrong patient.")
    entry = clinic.store.audit.entries("photo", photo.id)[-1]
    assert (entry["action"], entry["provider"]) == ("delete", clinic.session.name)
    assert "wrong patient" not in entry["detail"]  # the reason is in the record, not the log
    assert clinic.store.audit.verify().intact
    # Nothing is silently lost: the records refuse to forget a photo or its deletion.
    conn = clinic.store.conn
    for sql in (
        "DELETE FROM photos WHERE id = ?",
        "UPDATE photos SET view_id = 'face_left_45' WHERE id = ?",
        "DELETE FROM photo_deletions WHERE photo_id = ?",
        "UPDATE photo_deletions SET reason = 'no reason' WHERE photo_id = ?",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(sql, [photo.id])


def test_a_thumbnail_goes_only_with_a_deletion(clinic, patient, tmp_path):
    (photo,) = take_in(clinic, patient, [samples.every_format(tmp_path)["PNG"]])
    with pytest.raises(sqlite3.IntegrityError):
        clinic.store.conn.execute("DELETE FROM photo_thumbnails WHERE photo_id = ?", [photo.id])


def test_db_verify_finds_a_picture_changed_or_removed_outside_the_app(clinic, patient, tmp_path):
    files = samples.every_format(tmp_path)
    first, second = take_in(clinic, patient, [files["JPEG"], files["WebP"]])
    assert clinic.store.audit.verify().intact
    data = bytearray(clinic.store.photos.pictures.read(first.sha256))
    data[len(data) // 2] ^= 0xFF
    if clinic.records_file is None:  # on the server, by its owner, the guards set aside
        outside.change(
            clinic.store,
            "UPDATE photo_pictures SET picture = ? WHERE sha256 = ?",
            [bytes(data), first.sha256],
            drop=["photo_pictures_no_update ON photo_pictures"],
        )
        outside.change(
            clinic.store,
            "DELETE FROM photo_pictures WHERE sha256 = ?",
            [second.sha256],
            drop=["photo_pictures_kept ON photo_pictures"],
        )
    else:
        folder = clinic.store.photos.folder
        photo_files.path_of(folder, first.sha256).write_bytes(bytes(data))
        photo_files.path_of(folder, second.sha256).unlink()
    report = clinic.store.audit.verify()
    assert not report.intact
    text = " ".join(report.problems)
    assert (
        "whose picture was changed outside the app (it no longer has its SHA-256): "
        f"photo {first.id}" in text
    )
    assert f"whose picture is missing (removed outside the app): photo {second.id}" in text
    with pytest.raises(UserFacingError, match="was changed outside the app"):
        clinic.photos.image(first.id)
    with pytest.raises(UserFacingError, match="was removed outside the app"):
        clinic.photos.image(second.id)


def test_db_verify_finds_a_photo_row_changed_outside_the_app(clinic, patient, tmp_path):
    (photo,) = take_in(clinic, patient, [samples.every_format(tmp_path)["JPEG"]])
    outside.change(
        clinic.store,
        "UPDATE photos SET teaching = 0, marketing = 1 WHERE id = ?",
        [photo.id],
        drop=["photos_no_update ON photos"],
    )
    problems = " ".join(clinic.store.audit.verify().problems)
    assert (
        "1 photo(s) changed outside the app (its content no longer matches the audit "
        f"trail): photo {photo.id}" in problems
    )


def test_viewing_comparing_and_exporting_are_audited(clinic, patient, tmp_path):
    files = samples.every_format(tmp_path)
    first, second = take_in(clinic, patient, [files["JPEG"], files["PNG"]])
    clinic.photos.gallery(patient)
    clinic.photos.compare(first.id, second.id)
    out = tmp_path / "for-the-patient"
    out.mkdir()
    written = clinic.photos.export(patient, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert all("Quintana" not in p.name for p in written)
    for path in written:
        assert_no_metadata(path.read_bytes())
    trail = [(e["action"], e["record_type"], e["record_id"]) for e in clinic.store.audit.entries()]
    assert ("view", "patient", patient) in trail
    assert ("compare", "photo", first.id) in trail and ("compare", "photo", second.id) in trail
    assert ("export", "photo", first.id) in trail and ("export", "photo", second.id) in trail
    seen = clinic.who_has_seen(patient)
    assert {"compare", "export"} <= {e.action for e in seen}
    with pytest.raises(UserFacingError, match="already exists"):
        clinic.photos.export(patient, out)


def test_photos_of_two_views_are_not_compared(clinic, patient, tmp_path):
    files = samples.every_format(tmp_path)
    (front,) = take_in(clinic, patient, [files["JPEG"]])
    (side,) = take_in(clinic, patient, [files["PNG"]], view="face_left_45")
    with pytest.raises(UserFacingError, match="same view"):
        clinic.photos.compare(front.id, side.id)


@pytest.mark.sqlite_only  # the photo folder beside a records file
def test_an_export_never_lands_in_the_photo_or_backup_folder(clinic, patient, tmp_path):
    take_in(clinic, patient, [samples.every_format(tmp_path)["JPEG"]])
    folder = clinic.store.photos.folder
    with pytest.raises(UserFacingError, match="keeps for itself"):
        clinic.photos.export(patient, folder)
    with pytest.raises(UserFacingError, match="photos"):
        clinic.save_pdf(b"%PDF-1.4", folder / "plan.pdf")


def test_an_assistant_takes_photos_but_neither_deletes_nor_exports(clinic, patient, tmp_path):
    clinic.add_account("Ben Assistant", Role.ASSISTANT, TEST_SECRET)
    clinic.sign_in("Ben Assistant", TEST_SECRET)
    (photo,) = take_in(clinic, patient, [samples.every_format(tmp_path)["JPEG"]])
    assert photo.taken_by == "Ben Assistant"
    with pytest.raises(UserFacingError, match="may not delete a patient's photo"):
        clinic.photos.delete(photo.id, "Taken of the wrong patient.")
    with pytest.raises(UserFacingError, match="may not export a patient's photos"):
        clinic.photos.export(patient, tmp_path)
    clinic.lock("Ctrl+L")
    with pytest.raises(UserFacingError, match="The screen is locked"):
        clinic.photos.gallery(patient)


def test_a_failed_save_leaves_no_picture(clinic, patient, tmp_path, monkeypatch):
    from consult.storage import photos

    def boom(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(photos, "insert_rows", boom)
    with pytest.raises(RuntimeError):
        take_in(clinic, patient, list(samples.every_format(tmp_path).values()))
    assert clinic.store.photos.pictures.names() == set()
    assert clinic.store.photos.count(deleted=True) == 0


def test_the_plan_has_a_baseline_photo_page_only_when_the_patient_agreed(clinic, tmp_path):
    from pypdf import PdfReader

    item = finished(clinic.store, clinic.catalog)
    course = samples.visits(600, 800)
    paths = {
        visit: samples.write(
            tmp_path / f"{visit}.jpg", samples.encoded(course[visit].image, "JPEG")
        )
        for visit in ("baseline", "session-1", "review")
    }
    signed = photo_consent(clinic.store, clinic.catalog, item)
    for picture, visit, view in (
        ("baseline", "baseline", "face_front"),
        ("session-1", "baseline", "face_left_45"),
        ("review", "review", "face_front"),
    ):
        take_in(clinic, item.patient.id, [paths[picture]], view=view, visit=Visit.parse(visit))
    page = clinic.photos.for_plan(item.patient.id, "es")
    assert [p.caption.split(" · ")[0] for p in page] == ["Cara, de frente", "Cara, izquierda 45°"]
    plan = clinic.plan_for(item)
    without = PdfReader(io.BytesIO(clinic.render(item, plan, clinic.settings())))
    pdf = PdfReader(io.BytesIO(clinic.render(item, plan, clinic.settings(), photos=page)))
    assert len(pdf.pages) == len(without.pages) + 1
    last = pdf.pages[-1]
    assert "Your starting point" in last.extract_text()
    assert len(last.images) == 2
    (tmp_path / "plan.pdf").write_bytes(clinic.render(item, plan, clinic.settings(), photos=page))
    printed = [e for e in clinic.store.audit.entries() if e["action"] == "print"]
    assert {e["record_id"] for e in printed if e["record_type"] == "photo"} == {1, 2}
    # Withdrawn: the plan has no photo page any more.
    clinic.consents.withdraw(signed.id, note="Asked at the desk to stop photographs.")
    assert clinic.photos.for_plan(item.patient.id, "en") == []


def test_a_folder_stands_for_the_photos_in_it(clinic, patient, tmp_path):
    """A phone's export or a USB stick: every photo in the folder and its subfolders, other
    files and hidden ones left alone."""
    export = tmp_path / "DCIM"
    (export / "100APPLE").mkdir(parents=True)
    (export / ".thumbnails").mkdir()
    files = samples.every_format(export / "100APPLE")
    samples.write(export / "notes.txt", b"not a photo")
    samples.write(export / ".thumbnails" / "face.jpg", files["JPEG"].read_bytes())
    added = take_in(clinic, patient, [export])
    assert sorted(p.source for p in added) == ["HEIC", "JPEG", "PNG", "TIFF", "WebP"]
