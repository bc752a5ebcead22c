"""Render the photo gallery and the compare view to PNG (offscreen), to look at them as a
provider showing a patient their progress would.

    .venv/bin/python tools/photo_screens.py OUT_DIR

In a data folder of its own (a private temporary folder, removed after the run: never the
user's records). One patient with a course of face-like test pictures drawn by
``tests/photo_samples.py`` (no real photo of anyone): the baseline, sessions 1 and 3 and the
review, each framed a little differently, from the front and at 45°. Writes the gallery, the
compare view side by side, with the wipe, as an onion skin, zoomed in, and lined up on the
pupils, and the camera's guide with its ghost.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import photo_samples as samples  # noqa: E402
from photo_helpers import finished, photo_consent  # noqa: E402
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

COURSE = (
    ("baseline", date(2026, 1, 5)),
    ("session-1", date(2026, 1, 12)),
    ("session-3", date(2026, 3, 9)),
    ("review", date(2026, 7, 6)),
)


def settle(app) -> None:
    for _ in range(5):
        app.processEvents()


def main(out: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="consult-photo-screens-"))
    os.environ["CONSULT_DATA_DIR"] = str(folder)
    try:
        render(out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def render(out: Path) -> None:
    from consult.app.catalog import load_catalog
    from consult.app.clinic import Clinic
    from consult.domain.model import ClinicSettings
    from consult.domain.photos import Visit
    from consult.storage.database import resolve
    from consult.system.folders import data_dir
    from consult.ui.app import make_application
    from consult.ui.photos.camera import GuideView
    from consult.ui.photos.compare import Mode
    from consult.ui.photos.gallery import PhotoWindow

    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    catalog = load_catalog().catalog
    clinic = Clinic(catalog, resolve(None), data_dir())
    clinic.create_first_administrator("Dr Ana Reyes", "246810")
    clinic.save_settings(ClinicSettings(name="Northside Skin Clinic", phone="(217) 555-0142"), [])
    item = finished(clinic.store, catalog, name="Zoë Quintana-Okafor")
    photo_consent(
        clinic.store, catalog, item, teaching=True, signed_at=datetime.now(UTC) - timedelta(days=1)
    )
    scratch = Path(tempfile.mkdtemp(prefix="consult-photo-files-"))
    course = samples.visits(1800, 2400)
    sideways = samples.visits(1800, 2400)
    for n, (visit, day) in enumerate(COURSE):
        front = samples.write(
            scratch / f"front-{n}.jpg", samples.encoded(course[visit].image, "JPEG", quality=92)
        )
        turned = sideways[visit].image.transform(
            sideways[visit].image.size, 0, (1, 0.18, -200, 0, 1, 0)
        )
        side = samples.write(scratch / f"side-{n}.jpg", samples.encoded(turned, "JPEG", quality=92))
        for path, view in ((front, "face_front"), (side, "face_left_45")):
            clinic.photos.import_files(
                item.patient.id,
                [path],
                visit=Visit.parse(visit),
                area_id="face",
                view_id=view,
                taken_on=day,
            )
    shutil.rmtree(scratch)

    window = PhotoWindow(clinic, item.patient.id)
    window.resize(1280, 820)
    window.show()
    settle(app)
    window.grab().save(str(out / "photos-gallery.png"))
    window.view_filter.setCurrentIndex(window.view_filter.findData("face_front"))
    window._show()
    settle(app)
    window.grab().save(str(out / "photos-gallery-one-view.png"))

    fronts = [p for p in clinic.photos.photos_of(item.patient.id) if p.view_id == "face_front"]
    dialog = window.compare(fronts[0].id, fronts[-1].id)
    dialog.resize(1500, 950)
    settle(app)
    dialog.canvas.fit()
    settle(app)
    dialog.grab().save(str(out / "photos-compare-side-by-side.png"))
    # Lined up on the pupils, as a provider would mark them.
    first, second = course["baseline"].pupils, course["review"].pupils
    dialog.canvas.marks = (
        [QPointF(*first[0]), QPointF(*first[1])],
        [QPointF(*second[0]), QPointF(*second[1])],
    )
    dialog.mark_button.setChecked(True)
    dialog.canvas.marks = (
        [QPointF(*first[0]), QPointF(*first[1])],
        [QPointF(*second[0]), QPointF(*second[1])],
    )
    dialog._marks_changed()
    settle(app)
    dialog.grab().save(str(out / "photos-compare-lined-up.png"))
    dialog.set_mode(Mode.WIPE)
    dialog.slider.setValue(55)
    settle(app)
    dialog.grab().save(str(out / "photos-compare-wipe.png"))
    dialog.set_mode(Mode.ONION)
    dialog.slider.setValue(50)
    settle(app)
    dialog.grab().save(str(out / "photos-compare-onion.png"))
    dialog.set_mode(Mode.SIDE_BY_SIDE)
    canvas = dialog.canvas
    pane = canvas.panes()[0]
    cheek = canvas.view(pane).map(QPointF(first[0][0] + 80, first[0][1] + 330))
    canvas.set_zoom(canvas.zoom * 3.5, cheek)
    settle(app)
    dialog.grab().save(str(out / "photos-compare-zoomed.png"))

    guide = GuideView()
    guide.resize(960, 720)
    live = samples.face(960, 1280, marks=25, seed=3, redness=0.3, scale=1.04, angle=2).image
    guide.set_frame(
        QImage(
            live.tobytes(), live.width, live.height, 3 * live.width, QImage.Format.Format_RGB888
        ).copy()
    )
    ghost = samples.face(960, 1280, marks=70, seed=3).image
    guide.set_ghost(
        QImage(
            ghost.tobytes(), ghost.width, ghost.height, 3 * ghost.width, QImage.Format.Format_RGB888
        ).copy(),
        0.35,
    )
    guide.show()
    settle(app)
    guide.grab().save(str(out / "photos-camera-guide.png"))
    for widget in QApplication.topLevelWidgets():
        widget.close()
    clinic.close()
    print(f"Wrote the photo screens to {out}.")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots")
