"""The photo windows, driven as a provider would: the gallery of one patient, taking photos
in (from files, dropped onto the patient's page), the compare view (side by side, wipe,
onion skin, zoom and pan together, lined up on two marked points) hiding other patients, and
the camera offered only where QtMultimedia imports."""

from __future__ import annotations

import importlib
import re
import types
from datetime import date

import photo_samples as samples
import pytest
from photo_helpers import finished, photo_consent
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from consult.domain.photos import Visit
from consult.ui.main_window import MainWindow
from consult.ui.photos import camera
from consult.ui.photos.compare import Mode
from consult.ui.photos.gallery import ImportDialog, PhotoWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def course(clinic, tmp_path):
    """Zoë with a course of photos from the front (baseline, session 1, review), and Kim,
    another patient, with a photo of their own."""
    item = finished(clinic.store, clinic.catalog)
    photo_consent(clinic.store, clinic.catalog, item)
    faces = samples.visits(600, 800)
    ids = []
    for visit, day in (("baseline", 5), ("session-1", 12), ("review", 19)):
        path = samples.write(tmp_path / f"{visit}.jpg", samples.encoded(faces[visit].image, "JPEG"))
        (photo,) = clinic.photos.import_files(
            item.patient.id,
            [path],
            visit=Visit.parse(visit),
            area_id="face",
            view_id="face_front",
            taken_on=date(2026, 1, day),
        )
        ids.append(photo.id)
    other = finished(clinic.store, clinic.catalog, name="Kim Other")
    photo_consent(clinic.store, clinic.catalog, other)
    clinic.photos.import_files(
        other.patient.id,
        [tmp_path / "baseline.jpg"],
        visit=Visit.parse("baseline"),
        area_id="face",
        view_id="face_front",
    )
    return item.patient.id, ids, faces


def photo_window(qtbot, clinic, patient_id, **kwargs) -> PhotoWindow:
    window = PhotoWindow(clinic, patient_id, **kwargs)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_gallery_shows_one_patients_photos_in_course_order(qtbot, clinic, course):
    patient_id, ids, _faces = course
    window = photo_window(qtbot, clinic, patient_id)
    assert window.windowTitle() == "Photos"
    assert [window.model.photo(r).id for r in range(window.model.rowCount())] == ids
    captions = [window.model.data(window.model.index(r)) for r in range(3)]
    assert captions[0].startswith("Baseline\n") and captions[2].startswith("Review\n")
    assert all(c.endswith("Face, front") for c in captions)
    assert window.model.data(window.model.index(0), Qt.ItemDataRole.ToolTipRole) is None
    assert "clinical record yes, teaching no, marketing no" in window.header.text()
    # The thumbnails are real pictures, decoded when shown.
    icon = window.model.data(window.model.index(0), Qt.ItemDataRole.DecorationRole)
    assert not icon.isNull() and max(icon.width(), icon.height()) == 200
    trail = [(e["action"], e["record_type"], e["detail"]) for e in clinic.store.audit.entries()]
    assert ("view", "patient", "photo gallery: 3 photos") in trail


def test_photos_are_taken_in_and_tagged(qtbot, clinic, course, tmp_path, monkeypatch, answered):
    from consult.ui import dialogs

    patient_id, ids, _faces = course
    window = photo_window(qtbot, clinic, patient_id)
    (tmp_path / "in").mkdir()
    files = samples.every_format(tmp_path / "in")
    bad = samples.write(tmp_path / "notes.jpg", b"not a photo")
    asked = []

    def tag(dialog):
        if isinstance(dialog, ImportDialog):
            asked.append(dialog)
            dialog.kind.setCurrentIndex(dialog.kind.findText("Session"))
            dialog.session.setValue(2)
            dialog.view_boxes[1].setCurrentIndex(dialog.view_boxes[1].findData("face_left_45"))
            return dialog.DialogCode.Accepted
        return 0

    monkeypatch.setattr(dialogs, "run_dialog", tag)
    window.import_files([files["JPEG"], files["HEIC"], bad])
    qtbot.waitUntil(lambda: window.model.rowCount() == 5 or bool(answered), timeout=20000)
    assert answered == []
    (dialog,) = asked
    assert dialog.table.rowCount() == 2
    labels = [label.text() for label in dialog.findChildren(type(window.header))]
    assert any("notes.jpg: is not a photo the app can read" in text for text in labels)
    new = [p for p in clinic.photos.photos_of(patient_id) if p.id not in ids]
    assert sorted((p.visit.key, p.view_id, p.source) for p in new) == [
        ("session-2", "face_front", "JPEG"),
        ("session-2", "face_left_45", "HEIC"),
    ]


def test_photo_files_dropped_onto_the_patients_page(qtbot, clinic, course, tmp_path, monkeypatch):
    from consult.ui import dialogs

    patient_id, _ids, _faces = course
    window = MainWindow(clinic)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.show_patient(patient_id)
    monkeypatch.setattr(dialogs, "run_dialog", lambda d: d.DialogCode.Accepted)
    path = samples.every_format(tmp_path)["WebP"]
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    page = window.patient_page_widget
    enter = QDragEnterEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: len(clinic.photos.photos_of(patient_id)) == 4, timeout=20000)
    photos = window.open_photos()
    assert photos.patient_id == patient_id and photos.isVisible()
    # Choosing another patient closes the first one's photos.
    window.show_patient(None)
    assert not photos.isVisible()


def test_the_compare_view_moves_both_photos_together_and_lines_them_up(qtbot, clinic, course):
    patient_id, ids, faces = course
    window = photo_window(qtbot, clinic, patient_id)
    dialog = window.compare(ids[0], ids[2])
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "Compare photos"
    assert dialog.heading.text() == "Baseline → Review"
    canvas = dialog.canvas
    left, right = canvas.panes()
    # Zoom and pan are one view for both: the same point of the first photo sits at the same
    # place in each pane.
    canvas.set_zoom(canvas.zoom * 2, left.center() + QPointF(40, -30))
    canvas.pan(QPointF(25, 10))
    point = QPointF(300, 400)
    on_left = canvas.view(left).map(point)
    on_right = (canvas.second_to_first() * canvas.view(right)).map(
        canvas.second_to_first().inverted()[0].map(point)
    )
    assert on_right.x() - right.left() == pytest.approx(on_left.x() - left.left())
    assert on_right.y() == pytest.approx(on_left.y())
    # Mark the pupils on each, with the mouse, as a provider would.
    canvas.fit()
    dialog.mark_button.click()
    for side, pupils in ((0, faces["baseline"].pupils), (1, faces["review"].pupils)):
        pane = canvas.panes()[side]
        to_screen = canvas.view(pane)
        if side == 1:
            to_screen = canvas.second_to_first() * to_screen
        for pupil in pupils:
            at = to_screen.map(QPointF(*pupil)).toPoint()
            qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at)
    assert dialog.aligned.isChecked()
    # The review was framed 1.1× nearer and turned 4° (clicks land on whole screen pixels).
    scale, degrees = map(
        float, re.findall(r"scaled ([\d.]+)× and turned ([-+\d.]+)°", dialog.hint.text())[0]
    )
    assert scale == pytest.approx(1 / 1.1, abs=0.02) and degrees == pytest.approx(-4, abs=0.5)
    carried = canvas.second_to_first().map(QPointF(*faces["review"].pupils[1]))
    assert carried.x() == pytest.approx(faces["baseline"].pupils[1][0], abs=3)
    assert carried.y() == pytest.approx(faces["baseline"].pupils[1][1], abs=3)
    # Wipe and onion skin draw the second photo over the first in one pane.
    for mode in (Mode.WIPE, Mode.ONION):
        dialog.set_mode(mode)
        assert len(canvas.panes()) == 1 and dialog.slider.isEnabled()
        image = canvas.grab().toImage()
        assert not image.isNull()
    dialog.set_mode(Mode.WIPE)
    dialog.slider.setValue(100)  # all of the first photo
    full_first = canvas.grab().toImage()
    dialog.slider.setValue(0)  # all of the second
    full_second = canvas.grab().toImage()
    assert full_first != full_second
    trail = [(e["action"], e["record_id"]) for e in clinic.store.audit.entries()]
    assert ("compare", ids[0]) in trail and ("compare", ids[2]) in trail


def test_comparing_hides_other_patients(qtbot, clinic, course):
    patient_id, ids, _faces = course
    window = MainWindow(clinic)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    row = window.model.row_of(patient_id)
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.current_patient_id == patient_id)
    photos = window.open_photos()
    dialog = photos.compare(ids[0], ids[1])
    qtbot.waitExposed(dialog)
    assert window.privacy_action.isChecked()
    assert window.model.rowCount() == 1  # only this patient
    assert "Kim Other" not in window.windowTitle()
    dialog.close()
    qtbot.waitUntil(lambda: not window.privacy_action.isChecked())
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)


def test_the_camera_is_offered_only_where_qtmultimedia_imports(qtbot, clinic, course, monkeypatch):
    patient_id, _ids, _faces = course
    real = importlib.util.find_spec("PySide6.QtMultimedia") is not None
    camera.multimedia.cache_clear()
    assert camera.camera_available() is real
    camera.multimedia.cache_clear()

    def missing(name, *args):
        if name == camera.MULTIMEDIA:
            raise ImportError("No module named 'PySide6.QtMultimedia'")
        return importlib.import_module(name, *args)

    # The camera module's own importlib only: the records' parts are imported on first use
    # through the real one.
    monkeypatch.setattr(camera, "importlib", types.SimpleNamespace(import_module=missing))
    assert camera.camera_available() is False
    assert not photo_window(qtbot, clinic, patient_id).camera_button.isVisible()
    camera.multimedia.cache_clear()
    stub = types.ModuleType(camera.MULTIMEDIA)
    only_stub = types.SimpleNamespace(import_module=lambda name, *a: stub)
    monkeypatch.setattr(camera, "importlib", only_stub)
    assert camera.camera_available() is True
    assert photo_window(qtbot, clinic, patient_id).camera_button.isVisible()
    camera.multimedia.cache_clear()


def test_the_camera_view_shows_the_last_photo_as_a_ghost(qtbot):
    view = camera.GuideView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    frame = QImage(640, 480, QImage.Format.Format_RGB32)
    frame.fill(Qt.GlobalColor.black)
    ghost = QImage(640, 480, QImage.Format.Format_RGB32)
    ghost.fill(Qt.GlobalColor.white)
    view.set_frame(frame)
    view.set_ghost(ghost, 0.5)
    view.set_guide("body")
    corner = view.grab().toImage().pixelColor(QPoint(5, 5))
    assert 100 < corner.red() < 160  # half of the white ghost over the black frame
    view.set_ghost(ghost, 0.0)
    assert view.grab().toImage().pixelColor(QPoint(5, 5)).red() < 20
    # A frame is kept as a plain JPEG, like a file's photo.
    from consult.system import imaging

    kept = imaging.prepare(camera.jpeg_of(frame), source_format="camera")
    assert kept.source_format == "camera" and (kept.width, kept.height) == (640, 480)
