"""The photo figures, each in a process of its own; prints one JSON line.

    python bench/photo_bench.py import SCRATCH REPEAT   # a 12 MP JPEG taken in, vs Pillow
    python bench/photo_bench.py gallery SCRATCH REPEAT N  # N photos' gallery opened
    python bench/photo_bench.py memory-setup SCRATCH    # the records the next two open
    python bench/photo_bench.py memory SCRATCH          # comparing two 12 MP photos
    python bench/photo_bench.py memory-floor SCRATCH    # the two decoded, alone

The pictures are drawn by ``tests/photo_samples.py`` (face-like test images, 4000 × 3000);
the records live in SCRATCH, a folder of the benchmark's own.

- **import**: ``clinic.photos.import_files`` of a 12 MP JPEG — read, turned upright, every
  metadata block dropped, kept as JPEG (SHA-256, the file written durably), its thumbnail
  made, its row and audit entry committed — against Pillow alone decoding the same file and
  encoding it again with the same settings. Each run takes in a different picture.
- **gallery**: a patient with 200 photos: from asking for the gallery to the window painted
  with the thumbnails that show (the gallery's one read, its audit entry, the thumbnails
  decoded as they are painted), against reading the 200 thumbnails with one query.
- **memory**: the resident memory the compare view adds while showing two 12 MP photos (in
  each mode, zoomed to 1:1), against what decoding the two pictures alone adds (4 bytes a
  pixel, as Qt draws them), each in a fresh process.
"""

from __future__ import annotations

import gc
import io
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import photo_samples as samples  # noqa: E402
from photo_helpers import finished, photo_consent  # noqa: E402

WIDTH, HEIGHT = 4000, 3000  # 12 megapixels


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no /proc/self/status")


def clinic_in(folder: Path):
    from consult.app.catalog import load_catalog
    from consult.app.clinic import Clinic
    from consult.storage.database import resolve
    from consult.system.folders import data_dir

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    os.environ["CONSULT_DATA_DIR"] = str(folder)
    catalog = load_catalog().catalog
    clinic = Clinic(catalog, resolve(None), data_dir())
    clinic.create_first_administrator("Bench Admin", "246810")
    item = finished(clinic.store, catalog)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    photo_consent(clinic.store, catalog, item, signed_at=yesterday)
    return clinic, item.patient.id


def twelve_megapixels(seed: int) -> bytes:
    picture = samples.face(WIDTH, HEIGHT, seed=seed, marks=60 + seed).image
    return samples.encoded(picture, "JPEG", quality=92)


def pillow_alone(data: bytes) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92, subsampling=0)


def bench_import(scratch: Path, repeat: int) -> dict:
    from consult.domain.photos import Visit

    pictures = [scratch / f"twelve-{n}.jpg" for n in range(repeat + 1)]
    scratch.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(pictures):
        if not path.exists():
            path.write_bytes(twelve_megapixels(n))
    clinic, patient = clinic_in(scratch / "records")
    figure, floor = [], []
    for n, path in enumerate(pictures):
        data = path.read_bytes()
        started = time.perf_counter()
        pillow_alone(data)
        alone = time.perf_counter() - started
        started = time.perf_counter()
        clinic.photos.import_files(
            patient, [path], visit=Visit.parse("baseline"), area_id="face", view_id="face_front"
        )
        took = time.perf_counter() - started
        if n:  # the first of each warms up (imports, the thumbnail's first allocation)
            floor.append(alone)
            figure.append(took)
    clinic.close()
    return {"figure": figure, "floor": floor, "bytes": pictures[0].stat().st_size}


def bench_gallery(scratch: Path, repeat: int, count: int = 200) -> dict:
    from PySide6.QtWidgets import QApplication

    from consult.domain.photos import Visit
    from consult.system import imaging
    from consult.ui.app import make_application
    from consult.ui.photos.gallery import PhotoWindow

    app = make_application()
    clinic, patient = clinic_in(scratch / "gallery")
    visits = ["baseline", *(f"session-{k}" for k in range(1, 6)), "review"]
    views = [v.id for v in clinic.catalog.views_for("face")]
    for n in range(count):
        picture = samples.face(600, 800, seed=n, marks=20 + n % 50).image
        prepared = imaging.prepare(samples.encoded(picture, "JPEG", quality=90))
        clinic.photos.add(
            patient,
            [(prepared, views[n % len(views)])],
            visit=Visit.parse(visits[n % len(visits)]),
            area_id="face",
            taken_on=clinic.store.today(),
        )
    figure, floor = [], []
    for _ in range(repeat + 1):
        gc.collect()
        started = time.perf_counter()
        window = PhotoWindow(clinic, patient)
        window.resize(1280, 820)
        window.show()
        window.repaint()  # offscreen: paints now, the visible thumbnails decoded
        app.processEvents()
        figure.append(time.perf_counter() - started)
        shown = sum(
            1
            for row in range(window.model.rowCount())
            if window.list.visualRect(window.model.index(row)).intersects(
                window.list.viewport().rect()
            )
        )
        window.close()
        window.deleteLater()
        app.processEvents()
        started = time.perf_counter()
        clinic.store.photos.thumbnails(patient)
        floor.append(time.perf_counter() - started)
    clinic.close()
    QApplication.processEvents()
    return {"figure": figure[1:], "floor": floor[1:], "shown": shown, "count": count}


def memory_setup(scratch: Path) -> dict:
    """The records the memory figure opens: a patient with two 12 MP photos (made in a
    process of its own, so that decoding them here costs the measuring process nothing)."""
    from consult.domain.photos import Visit

    scratch.mkdir(parents=True, exist_ok=True)
    clinic, patient = clinic_in(scratch / "memory")
    for n, visit in enumerate(("baseline", "review")):
        path = scratch / f"compare-{n}.jpg"
        if not path.exists():
            path.write_bytes(twelve_megapixels(10 + n))
        clinic.photos.import_files(
            patient, [path], visit=Visit.parse(visit), area_id="face", view_id="face_front"
        )
    clinic.close()
    return {"patient": patient}


def _open_clinic(scratch: Path):
    from consult.app.catalog import load_catalog
    from consult.app.clinic import Clinic
    from consult.storage.database import resolve
    from consult.system.folders import data_dir

    os.environ["CONSULT_DATA_DIR"] = str(scratch / "memory")
    clinic = Clinic(load_catalog().catalog, resolve(None), data_dir())
    clinic.sign_in("Bench Admin", "246810")
    return clinic


def bench_memory(scratch: Path) -> dict:
    """What the compare view adds to the resident memory while it shows two 12 MP photos."""
    from PySide6.QtWidgets import QApplication

    from consult.ui.app import make_application
    from consult.ui.photos.compare import Mode
    from consult.ui.photos.gallery import PhotoWindow

    app = make_application()
    clinic = _open_clinic(scratch)
    patient = 1
    window = PhotoWindow(clinic, patient)
    window.show()
    app.processEvents()
    first, second = (p.id for p in clinic.photos.photos_of(patient))
    gc.collect()
    app.processEvents()
    before = rss_kib()
    dialog = window.compare(first, second)
    dialog.resize(1600, 1000)
    dialog.show()
    peak = 0
    for mode in (Mode.SIDE_BY_SIDE, Mode.WIPE, Mode.ONION, Mode.SIDE_BY_SIDE):
        dialog.set_mode(mode)
        dialog.repaint()
        app.processEvents()
        peak = max(peak, rss_kib())
    dialog.canvas.actual_size()  # zoomed in: the full pictures are drawn
    dialog.repaint()
    app.processEvents()
    peak = max(peak, rss_kib())
    gc.collect()
    during = rss_kib()
    shown = dialog.canvas.before is not None and dialog.canvas.after is not None
    dialog.close()
    window.close()
    clinic.close()
    QApplication.processEvents()
    return {"added": (during - before) * 1024, "peak_added": (peak - before) * 1024, "shown": shown}


def memory_floor(scratch: Path) -> dict:
    """What decoding the same two pictures into QImages (4 bytes a pixel) adds, alone."""
    from PySide6.QtGui import QImage

    from consult.ui.app import make_application

    make_application()
    clinic = _open_clinic(scratch)
    pictures = [clinic.store.photos.image(p.id) for p in clinic.photos.photos_of(1)]
    clinic.close()
    gc.collect()
    before = rss_kib()
    decoded = [
        QImage.fromData(data, "JPG").convertToFormat(QImage.Format.Format_RGB32)
        for data in pictures
    ]
    after = rss_kib()
    size = sum(image.sizeInBytes() for image in decoded)
    return {"added": (after - before) * 1024, "decoded": size}


def main() -> None:
    what, scratch = sys.argv[1], Path(sys.argv[2])
    if what == "import":
        result = bench_import(scratch, int(sys.argv[3]))
    elif what == "gallery":
        result = bench_gallery(scratch, int(sys.argv[3]), int(sys.argv[4]))
    elif what == "memory-setup":
        result = memory_setup(scratch)
    elif what == "memory-floor":
        result = memory_floor(scratch)
    else:
        result = bench_memory(scratch)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
