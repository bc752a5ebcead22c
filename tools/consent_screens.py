"""Render the signing screen and the signed consent to PNG (offscreen), to look at them as a
patient would from the chair.

    .venv/bin/python tools/consent_screens.py OUT_DIR

In a data folder of its own (``CONSULT_DATA_DIR`` when set, otherwise a private folder made
for the run and removed after it: never the user's own records). For four patients (English,
Spanish, a Chinese and an Arabic name): the form as it opens, the patient's signature, the
provider's page; then signs, writes the sealed PDF, and its pages as PNG when pdftoppm is
there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from consult.app.catalog import load_catalog
from consult.app.clinic import Clinic
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import build_plan
from consult.storage.database import resolve
from consult.system.folders import data_dir
from consult.ui.app import make_application
from consult.ui.consent_dialog import ConsentDialog

PATIENTS = (
    ("en", "Zoë O'Brien-Łukasiewicz", "en"),
    ("es", "María José Núñez García", "es"),
    ("cjk", "王秀英", "en"),
    ("arabic", "فاطمة الزهراء", "es"),
)


def sign_on(pad, wobble: int) -> None:
    w, h = pad.width(), pad.height()
    points = [
        QPointF(w * (0.1 + 0.55 * i / 60), h * (0.58 - 0.16 * ((i * wobble) % 7) / 7))
        for i in range(61)
    ]
    left = Qt.MouseButton.LeftButton
    for n, where in enumerate(points):
        kind = QEvent.Type.MouseButtonPress if n == 0 else QEvent.Type.MouseMove
        if n == len(points) - 1:
            kind = QEvent.Type.MouseButtonRelease
        held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else left
        button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else left
        global_at = pad.mapToGlobal(where.toPoint()).toPointF()
        QApplication.sendEvent(
            pad, QMouseEvent(kind, where, global_at, button, held, Qt.KeyboardModifier.NoModifier)
        )


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    catalog = load_catalog().catalog
    clinic = Clinic(catalog, resolve(None), data_dir())
    clinic.save_settings(
        ClinicSettings(
            name="West County Dermatology", address="12 Orchard Road", phone="+1 555 0100"
        ),
        ["Dr Ana Reyes"],
    )

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()

    for tag, name, lang in PATIENTS:
        patient = clinic.store.patients.save(Patient(name, date(1990, 5, 17), 4, lang))
        item = Consultation(
            patient,
            "Dr Ana Reyes",
            date.today(),
            screening={q.id: Answer.NO for q in catalog.questions} | {"keloid": Answer.NOT_SURE},
            areas=(AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),)),),
            adjuncts=("peel_mandelic",),
            start_date=date.today(),
            status=Status.FINAL,
            catalog_version=catalog.version,
        )
        item = clinic.store.consultations.finalize(item, build_plan(catalog, item))
        plan = clinic.plan_for(item)
        documents = clinic.consents.documents(item, plan)
        dialog = ConsentDialog(clinic.consents, item, plan, documents, clinic.providers())
        dialog.resize(1280, 900)
        dialog.show()
        pump(0.5)
        dialog.grab().save(str(out / f"signing-{tag}-1-read.png"))
        bar = dialog.reader.verticalScrollBar()
        bar.setValue(bar.maximum())
        pump(0.3)
        dialog.grab().save(str(out / f"signing-{tag}-2-read-end.png"))
        dialog.to_sign_button.click()
        pump(0.3)
        sign_on(dialog.patient_pad, 3)
        pump(0.3)
        dialog.grab().save(str(out / f"signing-{tag}-3-patient.png"))
        dialog.patient_next.click()
        sign_on(dialog.provider_pad, 5)
        pump(0.3)
        dialog.grab().save(str(out / f"signing-{tag}-4-provider.png"))
        dialog.sign_button.click()
        deadline = time.monotonic() + 30
        while not dialog.saved and time.monotonic() < deadline:
            pump(0.1)
        signed = dialog.saved[0]
        # The add-on treatment's form, then the photographs with their separate choices.
        while dialog.isVisible() and dialog.document.kind != "photo":
            bar = dialog.reader.verticalScrollBar()
            bar.setValue(bar.maximum())
            pump(0.2)
            dialog.to_sign_button.click()
            sign_on(dialog.patient_pad, 2)
            dialog.patient_next.click()
            sign_on(dialog.provider_pad, 4)
            count = len(dialog.saved)
            dialog.sign_button.click()
            deadline = time.monotonic() + 30
            while len(dialog.saved) == count and time.monotonic() < deadline:
                pump(0.1)
        if dialog.isVisible():
            for ref, group in dialog.choice_groups.items():
                group.button(1 if ref != "marketing" else 0).setChecked(True)
            bar = dialog.reader.verticalScrollBar()
            bar.setValue(bar.maximum())
            pump(0.3)
            dialog.grab().save(str(out / f"signing-{tag}-5-photographs.png"))
        pdf = out / f"consent-{tag}.pdf"
        pdf.write_bytes(clinic.consents.pdf(signed.id))
        if shutil.which("pdftoppm"):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", str(pdf), str(out / f"consent-{tag}")], check=True
            )
        dialog.close()
    clinic.close()


if __name__ == "__main__":
    own_folder = None
    if not os.environ.get("CONSULT_DATA_DIR"):
        own_folder = tempfile.mkdtemp(prefix="consult-consent-screens-")
        os.environ["CONSULT_DATA_DIR"] = own_folder
    try:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("screens"))
    finally:
        if own_folder is not None:
            shutil.rmtree(own_folder, ignore_errors=True)
