"""Taking a photo with the computer's camera, lined up on the last one: where QtMultimedia is.

QtMultimedia is in PySide6's Addons wheel, not in Essentials: it is the ``consult[camera]``
extra, never in the default install or the built program. ``camera_available()`` says
whether it imports here; the photo window offers **Take photo…** only then.

``GuideView`` draws the camera's live picture with the matching earlier photo over it as a
ghost (its opacity on a slider) and the view's framing guide (an oval for a face from the
front, turned for 45°, a profile line, thirds for the body), so each visit's photo is taken
the same way. It takes its frames from anything (``set_frame``): ``CameraDialog`` feeds it
the camera's, through a ``QVideoSink``.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from consult.domain.photos import Visit, VisitKind

MULTIMEDIA = "PySide6.QtMultimedia"
CAPTURE_QUALITY = 95


@cache
def multimedia() -> ModuleType | None:
    """QtMultimedia when it imports here (the ``consult[camera]`` extra), else None."""
    try:
        return importlib.import_module(MULTIMEDIA)
    except ImportError:
        return None


def camera_available() -> bool:
    return multimedia() is not None


def jpeg_of(image: QImage) -> bytes:
    """A frame as JPEG bytes (kept as a file's photo would be: turned, stripped, hashed)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPG", CAPTURE_QUALITY)
    buffer.close()
    return bytes(data.data())


class GuideView(QWidget):
    """A live picture with the earlier photo as a ghost and the view's framing guide."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(640, 480)
        self.setAccessibleName("The camera's picture")
        self.frame: QImage | None = None
        self.ghost: QImage | None = None
        self.ghost_opacity = 0.35
        self.guide = "face_front"
        self.mirror = False

    def set_frame(self, image: QImage | None) -> None:
        self.frame = image
        self.update()

    def set_ghost(self, image: QImage | None, opacity: float | None = None) -> None:
        self.ghost = image
        if opacity is not None:
            self.ghost_opacity = opacity
        self.update()

    def set_guide(self, guide: str, mirror: bool = False) -> None:
        self.guide, self.mirror = guide, mirror
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the frame is drawn: fitted, centred."""
        size = self.frame.size() if self.frame is not None else None
        area = QRectF(self.rect())
        if size is None or size.isEmpty():
            return area
        scale = min(area.width() / size.width(), area.height() / size.height())
        w, h = size.width() * scale, size.height() * scale
        return QRectF(area.center().x() - w / 2, area.center().y() - h / 2, w, h)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 20, 22))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        target = self.picture_rect()
        if self.frame is not None:
            painter.drawImage(target, self.frame)
        else:
            painter.setPen(QColor(220, 220, 220))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Waiting for the camera…")
        if self.ghost is not None and self.ghost_opacity > 0:
            painter.save()
            painter.setOpacity(self.ghost_opacity)
            painter.drawImage(self._fitted(self.ghost, target), self.ghost)
            painter.restore()
        self._draw_guide(painter, target)

    @staticmethod
    def _fitted(image: QImage, area: QRectF) -> QRectF:
        scale = min(area.width() / image.width(), area.height() / image.height())
        w, h = image.width() * scale, image.height() * scale
        return QRectF(area.center().x() - w / 2, area.center().y() - h / 2, w, h)

    def _draw_guide(self, painter: QPainter, area: QRectF) -> None:
        painter.save()
        if self.mirror:
            painter.translate(area.center().x() * 2, 0)
            painter.scale(-1, 1)
        w, h = area.width(), area.height()
        cx, cy = area.center().x(), area.top() + h * 0.46
        outline = QPen(QColor(255, 255, 255, 200), 2, Qt.PenStyle.DashLine)
        thin = QPen(QColor(255, 255, 255, 120), 1, Qt.PenStyle.DotLine)
        painter.setPen(thin)
        for k in (1, 2):  # thirds
            painter.drawLine(
                QPointF(area.left() + w * k / 3, area.top()),
                QPointF(area.left() + w * k / 3, area.bottom()),
            )
            painter.drawLine(
                QPointF(area.left(), area.top() + h * k / 3),
                QPointF(area.right(), area.top() + h * k / 3),
            )
        painter.setPen(outline)
        rx, ry = min(w, h) * 0.24, min(w, h) * 0.32
        if self.guide == "face_front":
            painter.drawEllipse(QPointF(cx, cy), rx, ry)
            painter.drawLine(QPointF(cx, cy - ry), QPointF(cx, cy + ry))  # the midline
            painter.drawLine(QPointF(cx - rx, cy - ry * 0.15), QPointF(cx + rx, cy - ry * 0.15))
        elif self.guide == "face_oblique":
            painter.drawEllipse(QPointF(cx, cy), rx * 0.9, ry)
            mid = cx - rx * 0.35  # the face's midline turned 45°
            painter.drawLine(QPointF(mid, cy - ry), QPointF(mid, cy + ry))
            painter.drawLine(QPointF(cx - rx, cy - ry * 0.15), QPointF(cx + rx, cy - ry * 0.15))
        elif self.guide == "face_profile":
            path = QPainterPath(QPointF(cx + rx * 0.2, cy - ry))
            path.cubicTo(
                QPointF(cx - rx * 0.9, cy - ry * 0.9),
                QPointF(cx - rx * 0.7, cy - ry * 0.2),
                QPointF(cx - rx * 0.95, cy + ry * 0.05),  # the nose
            )
            path.cubicTo(
                QPointF(cx - rx * 0.6, cy + ry * 0.4),
                QPointF(cx - rx * 0.7, cy + ry * 0.8),
                QPointF(cx, cy + ry),
            )
            painter.drawPath(path)
            painter.drawLine(QPointF(cx + rx * 0.2, cy - ry), QPointF(cx + rx * 0.4, cy + ry))
        else:  # the body: a centred frame
            painter.drawRect(QRectF(cx - w * 0.3, area.top() + h * 0.08, w * 0.6, h * 0.84))
            painter.drawLine(QPointF(cx, area.top() + h * 0.08), QPointF(cx, area.bottom()))
        painter.restore()


class CameraDialog(QDialog):
    """The camera's live view, lined up on the last photo of the same view; **Take photo**
    keeps the frame as a photo of the patient. The camera runs only while the dialog shows
    (a locked screen stops it)."""

    taken = Signal(object)

    def __init__(self, desk, patient_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk = desk
        self.patient_id = patient_id
        self.setWindowTitle("Take a photo")  # never the patient's name
        self.view = GuideView(self)
        self.kind = QComboBox()
        for kind, label in (
            (VisitKind.BASELINE, "Baseline"),
            (VisitKind.SESSION, "Session"),
            (VisitKind.REVIEW, "Review"),
        ):
            self.kind.addItem(label, kind)
        self.session = QSpinBox()
        self.session.setRange(1, 99)
        self.session.setEnabled(False)
        self.kind.currentIndexChanged.connect(
            lambda _i: self.session.setEnabled(
                VisitKind(self.kind.currentData()) is VisitKind.SESSION
            )
        )
        self.area = QComboBox()
        for area_id in desk.areas_for(patient_id):
            self.area.addItem(desk.catalog.area(area_id).name["en"], area_id)
        self.view_box = QComboBox()
        self.area.currentIndexChanged.connect(lambda _i: self._fill_views())
        self.view_box.currentIndexChanged.connect(lambda _i: self._view_chosen())
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 80)
        self.opacity.setValue(35)
        self.opacity.setAccessibleName("Ghost of the last photo")
        self.opacity.valueChanged.connect(lambda v: self.view.set_ghost(self.view.ghost, v / 100))
        self.status = QLabel()
        self.take_button = QPushButton("&Take photo")
        self.take_button.setMinimumHeight(48)
        self.take_button.clicked.connect(self.take)
        row = QHBoxLayout()
        for widget in (
            QLabel("Visit:"),
            self.kind,
            self.session,
            QLabel("Area:"),
            self.area,
            QLabel("View:"),
            self.view_box,
            QLabel("Last photo:"),
            self.opacity,
        ):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.take_button)
        layout.addLayout(bottom)
        self.resize(1000, 760)
        self._camera = None
        self._session = None
        self._sink = None
        self._fill_views()

    def _fill_views(self) -> None:
        self.view_box.clear()
        for view in self.desk.views(self.area.currentData()):
            self.view_box.addItem(view.name["en"], view.id)

    def _view_chosen(self) -> None:
        view_id = self.view_box.currentData()
        if view_id is None:
            return
        view = self.desk.catalog.photo_view(view_id)
        self.view.set_guide(view.guide, view.mirror)
        earlier = self.desk.ghost(self.patient_id, view_id)
        ghost = None
        if earlier is not None:
            ghost = QImage.fromData(self.desk.image(earlier.id), "JPG")
        self.view.set_ghost(ghost)

    def visit(self) -> Visit:
        kind = VisitKind(self.kind.currentData())
        return Visit(kind, self.session.value() if kind is VisitKind.SESSION else None)

    # -- the camera (needs QtMultimedia and a camera)

    def start(self) -> None:
        module = multimedia()
        if module is None:
            self.status.setText("The camera needs QtMultimedia (install consult[camera]).")
            return
        devices = module.QMediaDevices.videoInputs()
        if not devices:
            self.status.setText("No camera was found on this computer.")
            self.take_button.setEnabled(False)
            return
        self._camera = module.QCamera(devices[0])
        self._session = module.QMediaCaptureSession()
        self._sink = module.QVideoSink()
        self._session.setCamera(self._camera)
        self._session.setVideoSink(self._sink)
        self._sink.videoFrameChanged.connect(lambda frame: self.view.set_frame(frame.toImage()))
        self._camera.start()
        self.status.setText(f"Camera: {devices[0].description()}")

    def stop(self) -> None:
        if self._camera is not None:
            self._camera.stop()
        self._camera = self._session = self._sink = None
        self.view.set_frame(None)

    def take(self) -> None:
        from consult.ui import dialogs

        frame = self.view.frame
        if frame is None or frame.isNull():
            return
        try:
            stored = self.desk.add_camera_frame(
                self.patient_id,
                jpeg_of(frame),
                visit=self.visit(),
                area_id=self.area.currentData(),
                view_id=self.view_box.currentData(),
            )
        except Exception as exc:
            from consult.app.errors import plain_error

            dialogs.error(self, "The photo was not kept", plain_error(exc).message)
            return
        self.status.setText(f"Photo kept ({stored.visit.label}).")
        self.taken.emit(stored)
        self._view_chosen()  # the new photo is the ghost for the next

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._view_chosen()
        self.start()

    def hideEvent(self, event) -> None:
        self.stop()
        self.view.set_ghost(None)
        super().hideEvent(event)
