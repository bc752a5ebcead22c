"""Signing on screen: the pad takes the mouse, a finger and a pen (with its pressure), refuses
an empty or dot-sized signature; the form is read to the end before signing opens; the
patient signs, then the provider; the signed PDF is shown to print; refusal is recorded."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QInputDevice, QMouseEvent, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from consult.domain.consent import Decision
from consult.domain.model import (
    Answer,
    AreaChoice,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import build_plan
from consult.ui.consent_dialog import PATIENT, PROVIDER, READ, ConsentDialog
from consult.ui.main_window import MainWindow
from consult.ui.preview import PreviewDialog
from consult.ui.signature_pad import SignaturePad

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
PEN = QPointingDevice(
    "test pen",
    7,
    QInputDevice.DeviceType.Stylus,
    QPointingDevice.PointerType.Pen,
    QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
    1,
    3,
)


def name_path(pad, dy: float = 0.0) -> list[QPointF]:
    """A name written across the pad's line: loops from left to right."""
    w, h = pad.width(), pad.height()
    return [
        QPointF(w * (0.12 + 0.6 * i / 40), h * (0.55 + dy + 0.12 * ((-1) ** i) * (i % 3) / 2))
        for i in range(41)
    ]


def draw_with_mouse(pad, points) -> None:
    """Press, drag and release the left button, as a hand on a mouse does."""
    first, *rest = points

    def send(kind, where, button, buttons):
        global_at = pad.mapToGlobal(where.toPoint()).toPointF()
        QApplication.sendEvent(pad, QMouseEvent(kind, where, global_at, button, buttons, NONE))

    send(QEvent.Type.MouseButtonPress, first, LEFT, LEFT)
    for where in rest:
        send(QEvent.Type.MouseMove, where, Qt.MouseButton.NoButton, LEFT)
    send(QEvent.Type.MouseButtonRelease, rest[-1], LEFT, Qt.MouseButton.NoButton)


def draw_with_pen(pad, points, pressures) -> None:
    """A stylus on a tablet: press, move and lift, each with its pressure."""
    kinds = [QEvent.Type.TabletPress] + [QEvent.Type.TabletMove] * (len(points) - 2)
    kinds.append(QEvent.Type.TabletRelease)
    for kind, where, pressure in zip(kinds, points, pressures, strict=True):
        held = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else LEFT
        global_at = pad.mapToGlobal(where.toPoint()).toPointF()
        event = QTabletEvent(
            kind, PEN, where, global_at, pressure, 0.0, 0.0, 0.0, 0.0, 0.0, NONE, LEFT, held
        )
        QApplication.sendEvent(pad, event)


@pytest.fixture
def pad(qtbot):
    widget = SignaturePad()
    qtbot.addWidget(widget)
    widget.resize(800, 240)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_mouse_signs_and_clear_starts_again(pad, qtbot):
    assert "no signature" in pad.signature().problem()
    with qtbot.waitSignal(pad.changed):
        draw_with_mouse(pad, name_path(pad))
    signature = pad.signature()
    assert signature.problem() is None
    assert len(signature.strokes) == 1 and len(signature.strokes[0]) == 41
    assert {p.pressure for p in signature.strokes[0]} == {1.0}
    assert (signature.width, signature.height) == (800, 240)
    # What is on screen is ink where the mouse went.
    image = pad.grab().toImage()
    x, y = name_path(pad)[20].toPoint().toTuple()
    assert image.pixelColor(x, y).blue() > image.pixelColor(x, y).red() + 20
    pad.clear()
    assert pad.is_empty and pad.signature().problem() is not None


def test_a_pen_signs_with_its_pressure(pad):
    points = name_path(pad)
    pressures = [0.2 + 0.7 * i / 40 for i in range(41)]
    draw_with_pen(pad, points, pressures)
    signature = pad.signature()
    assert signature.problem() is None
    kept = [p.pressure for p in signature.strokes[0]]
    assert kept == pytest.approx(pressures)
    # A second stroke (the dot on an i) adds to the first.
    draw_with_pen(pad, [QPointF(500, 80), QPointF(502, 82), QPointF(503, 81)], [0.5, 0.6, 0.4])
    assert len(pad.signature().strokes) == 2


def test_a_finger_signs_on_a_touch_screen(pad):
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    screen = QTest.createTouchDevice()
    QTest.touchEvent(pad, screen).press(0, QPoint(100, 150)).commit()
    for i in range(1, 30):
        QTest.touchEvent(pad, screen).move(0, QPoint(100 + i * 15, 150 + (i % 3) * 10)).commit()
    QTest.touchEvent(pad, screen).release(0, QPoint(550, 150)).commit()
    signature = pad.signature()
    assert signature.problem() is None
    assert len(signature.strokes) == 1 and signature.points == 31


def test_a_dot_is_refused(pad):
    draw_with_mouse(pad, [QPointF(300, 150), QPointF(302, 151), QPointF(303, 150)])
    assert "dot" in pad.signature().problem()


# ------------------------------------------------------------------ signing in the window


def finalize(clinic, catalog, adjuncts=(), name="Zoë O'Brien", lang="en"):
    patient = clinic.store.patients.save(Patient(name, date(1988, 2, 3), 3, lang))
    item = Consultation(
        patient=patient,
        provider="Dr Reyes",
        date=date(2026, 11, 20),
        screening={q.id: Answer.NO for q in catalog.questions},
        areas=(AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),)),),
        adjuncts=tuple(adjuncts),
        start_date=date(2026, 12, 1),
        status=Status.FINAL,
        catalog_version=catalog.version,
    )
    return clinic.store.consultations.finalize(item, build_plan(catalog, item))


@pytest.fixture
def window(qtbot, clinic):
    made = MainWindow(clinic, today=date(2026, 11, 20))
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


def open_signing(window, qtbot, item) -> ConsentDialog:
    window.show_patient(item.patient.id)
    assert window.consent_button.isEnabled()
    assert "Consent needed before the first session" in window.plan_status.text()
    qtbot.mouseClick(window.consent_button, LEFT)
    dialog = next(d for d in window.findChildren(ConsentDialog) if d.isVisible())
    qtbot.waitExposed(dialog)
    return dialog


def read_to_the_end(dialog, qtbot) -> None:
    bar = dialog.reader.verticalScrollBar()
    assert bar.maximum() > 0, "the form fits on one screen: nothing to scroll"
    assert not dialog.to_sign_button.isEnabled()  # not before the form is read
    bar.setValue(bar.maximum() // 2)
    assert not dialog.to_sign_button.isEnabled()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(dialog.to_sign_button.isEnabled)


def test_sign_with_mouse_and_pen_then_the_signed_pdf_is_shown(window, qtbot, clinic, catalog):
    item = finalize(clinic, catalog)
    dialog = open_signing(window, qtbot, item)
    assert dialog.pages.currentIndex() == READ
    assert "Consent to microneedling" in dialog.reader.toPlainText()
    assert dialog.reader.font().pointSize() >= 18  # read from the patient's chair
    read_to_the_end(dialog, qtbot)
    qtbot.mouseClick(dialog.to_sign_button, LEFT)
    assert dialog.pages.currentIndex() == PATIENT
    # An empty pad does not pass.
    qtbot.mouseClick(dialog.patient_next, LEFT)
    assert dialog.pages.currentIndex() == PATIENT and "no signature" in dialog.problem.text()
    draw_with_mouse(dialog.patient_pad, name_path(dialog.patient_pad))
    qtbot.mouseClick(dialog.patient_next, LEFT)
    assert dialog.pages.currentIndex() == PROVIDER
    pad = dialog.provider_pad
    draw_with_pen(pad, name_path(pad), [0.3 + 0.01 * i for i in range(41)])
    qtbot.mouseClick(dialog.sign_button, LEFT)
    qtbot.waitUntil(lambda: len(dialog.saved) == 1, timeout=20000)
    signed = dialog.saved[0]
    # The signed-in account signs for the clinic: no one else can be chosen.
    assert signed.decision is Decision.SIGNED and signed.provider == clinic.session.name
    assert not dialog.provider.isEnabled()
    assert signed.provider_signature.strokes[0][0].pressure == pytest.approx(0.3)
    # The photo consent comes next: each use is a separate choice.
    assert "Consent to photographs" in dialog.step.text()
    read_to_the_end_or_fits(dialog, qtbot)
    assert not dialog.to_sign_button.isEnabled()  # no choice made yet
    for ref, group in dialog.choice_groups.items():
        button = group.button(1 if ref == "record" else 0)
        qtbot.mouseClick(button, LEFT, pos=button.rect().center())
    qtbot.waitUntil(dialog.to_sign_button.isEnabled)
    qtbot.mouseClick(dialog.to_sign_button, LEFT)
    draw_with_mouse(dialog.patient_pad, name_path(dialog.patient_pad))
    qtbot.mouseClick(dialog.patient_next, LEFT)
    draw_with_mouse(dialog.provider_pad, name_path(dialog.provider_pad, dy=0.05))
    with qtbot.waitSignal(dialog.finished, timeout=20000):
        qtbot.mouseClick(dialog.sign_button, LEFT)
    photos = clinic.consents.history(item.patient.id)[-1]
    assert photos.choices == {"record": True, "teaching": False, "marketing": False}
    # Both signed PDFs are shown to print or save for the patient.
    previews = [d for d in window.findChildren(PreviewDialog) if d.isVisible()]
    assert len(previews) == 2 and all(p.windowTitle() == "Signed consent" for p in previews)
    assert previews[0].pdf == clinic.consents.pdf(signed.id)
    assert clinic.consents.verify(signed.id).ok
    # The plan's status now says so, and nothing is left to sign.
    qtbot.waitUntil(lambda: "Consent: signed and valid" in window.plan_status.text())
    assert clinic.consents.may_record_session(item.id).ok


def read_to_the_end_or_fits(dialog, qtbot) -> None:
    bar = dialog.reader.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: dialog.read_to_end)


def test_refusal_is_recorded_without_a_signature(window, qtbot, clinic, catalog, answered):
    item = finalize(clinic, catalog, adjuncts=("peel_mandelic",))
    dialog = open_signing(window, qtbot, item)
    qtbot.mouseClick(dialog.refuse_button, LEFT)
    (refused,) = dialog.saved
    assert refused.decision is Decision.REFUSED and refused.patient_signature is None
    assert "Consent to chemical peels" in dialog.step.text()  # on to the next form
    qtbot.mouseClick(dialog.defer_button, LEFT)
    assert dialog.saved[-1].decision is Decision.DEFERRED
    dialog.reject()
    status = clinic.consents.status(item)
    assert "refused" in status.missing[0].reason
    assert not [d for d in window.findChildren(PreviewDialog) if d.isVisible()]


def test_the_plan_preview_says_consent_needed(window, qtbot, clinic, catalog):
    item = finalize(clinic, catalog)
    window.show_patient(item.patient.id)
    window.preview(item)
    qtbot.waitUntil(
        lambda: any(d.isVisible() for d in window.findChildren(PreviewDialog)), timeout=15000
    )
    preview = next(d for d in window.findChildren(PreviewDialog) if d.isVisible())
    assert "Consent needed before the first session" in preview.notice.text()
    assert preview.notice.isVisible() and preview.notice_button.isVisible()
    qtbot.mouseClick(preview.notice_button, LEFT)
    assert any(d.isVisible() for d in window.findChildren(ConsentDialog))


def test_the_form_is_in_the_patients_language(window, qtbot, clinic, catalog):
    item = finalize(clinic, catalog, name="María José Núñez", lang="es")
    dialog = open_signing(window, qtbot, item)
    assert "Consentimiento para microneedling" in dialog.reader.toPlainText()
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    assert "Consent to microneedling" in dialog.reader.toPlainText()
    assert not dialog.read_to_end or dialog.reader.verticalScrollBar().maximum() == 0
    dialog.reject()
