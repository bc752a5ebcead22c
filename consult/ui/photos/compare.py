"""Two photos of one view, compared: side by side, a wipe slider, an onion-skin fade.

``CompareCanvas`` draws both with one view (zoom and pan), so they move together: every
point is kept in the first photo's pixels, and the second is drawn through a transform that
carries its pixels onto the first's — proportional when the photos are not lined up (the
same height on screen), the similarity from two marked points when they are
(``domain.photos.align``: the pupils, say, marked on each). ``CompareDialog`` puts the canvas
under the choice of photos, the mode, the slider, the zoom and the marking.

Memory: each photo is kept decoded once at full size (for zooming in) and once at most
``PREVIEW_SIDE`` pixels on its longest side (drawn whenever the screen shows fewer pixels
than that), so the pair costs about 1.3 times their decoded size, never a scaled copy per
paint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from consult.domain.photos import PhotoError, Similarity, align, progress_label

PREVIEW_SIDE = 2048
MIN_ZOOM, MAX_ZOOM = 0.02, 8.0
BACKGROUND = QColor(38, 40, 44)
MARK_COLOURS = (QColor(255, 196, 0), QColor(0, 200, 255))


class Mode(Enum):
    SIDE_BY_SIDE = "Side by side"
    WIPE = "Wipe"
    ONION = "Onion skin"


@dataclass
class Shown:
    """One photo on the canvas: full size, a preview, and its label."""

    full: QImage
    preview: QImage
    label: str

    @classmethod
    def of(cls, image: QImage, label: str) -> Shown:
        if max(image.width(), image.height()) > PREVIEW_SIDE:
            preview = image.scaled(
                PREVIEW_SIDE,
                PREVIEW_SIDE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        else:
            preview = image
        return cls(image, preview, label)


def decoded(data: bytes) -> QImage:
    """A kept photo (JPEG bytes) as a QImage in the format Qt draws fastest."""
    image = QImage.fromData(data, "JPG")
    if image.isNull():
        raise ValueError("the picture could not be decoded")
    return image.convertToFormat(QImage.Format.Format_RGB32)


class CompareCanvas(QWidget):
    """Both photos through one view. Wheel: zoom about the pointer; drag: pan; double-click:
    fit. While marking, clicks mark two points on each photo (side by side)."""

    marks_changed = Signal()
    view_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(480, 360)
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("The two photos")
        self.before: Shown | None = None
        self.after: Shown | None = None
        self.mode = Mode.SIDE_BY_SIDE
        self.position = 0.5  # the wipe's place, or the onion skin's opacity of the second
        self.zoom = 1.0  # screen pixels per pixel of the first photo
        self.center = QPointF(0, 0)  # the first photo's point at the centre of each pane
        self.fitted = True
        self.aligned: Similarity | None = None
        self.use_alignment = False
        self.marking = False
        self.marks: tuple[list[QPointF], list[QPointF]] = ([], [])
        self._drag: QPointF | None = None

    # -- what is shown

    def set_photos(self, before: Shown | None, after: Shown | None) -> None:
        self.before, self.after = before, after
        self.aligned = None
        self.use_alignment = False
        self.marks = ([], [])
        self.fit()

    def clear(self) -> None:
        """Nothing of either photo is kept (the window is hidden or closed)."""
        self.before = self.after = None
        self.marks = ([], [])
        self.aligned = None
        self.update()

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        if self.fitted:
            self.fit()
        self.update()

    def set_position(self, value: float) -> None:
        self.position = min(1.0, max(0.0, value))
        self.update()

    # -- the view

    def panes(self) -> list[QRectF]:
        full = QRectF(self.rect())
        if self.mode is Mode.SIDE_BY_SIDE:
            half = full.width() / 2
            return [
                QRectF(0, 0, half - 2, full.height()),
                QRectF(half + 2, 0, half - 2, full.height()),
            ]
        return [full]

    def fit(self) -> None:
        """The whole of the first photo in its pane."""
        self.fitted = True
        if self.before is None:
            self.update()
            return
        pane = self.panes()[0]
        w, h = self.before.full.width(), self.before.full.height()
        self.zoom = max(MIN_ZOOM, min(pane.width() / w, pane.height() / h))
        self.center = QPointF(w / 2, h / 2)
        self.update()
        self.view_changed.emit()

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def set_zoom(self, zoom: float, about: QPointF | None = None) -> None:
        """Zoom both photos together, keeping the first photo's point under ``about`` (a
        point on the canvas) where it is."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        if about is not None:
            pane = self._pane_at(about)
            fixed = self.to_photo(about, pane)
            self.zoom = zoom
            offset = about - pane.center()
            self.center = fixed - offset / zoom
        else:
            self.zoom = zoom
        self.fitted = False
        self.update()
        self.view_changed.emit()

    def pan(self, by: QPointF) -> None:
        self.center -= by / self.zoom
        self.fitted = False
        self.update()
        self.view_changed.emit()

    def view(self, pane: QRectF) -> QTransform:
        """The first photo's pixels to the canvas, in ``pane``."""
        transform = QTransform()
        transform.translate(pane.center().x(), pane.center().y())
        transform.scale(self.zoom, self.zoom)
        transform.translate(-self.center.x(), -self.center.y())
        return transform

    def second_to_first(self) -> QTransform:
        """The second photo's pixels to the first's: the alignment, or the same height."""
        if self.use_alignment and self.aligned is not None:
            m11, m12, m21, m22, dx, dy = self.aligned.matrix()
            return QTransform(m11, m12, m21, m22, dx, dy)
        if self.before is None or self.after is None:
            return QTransform()
        ratio = self.before.full.height() / self.after.full.height()
        shift = (self.before.full.width() - self.after.full.width() * ratio) / 2
        return QTransform(ratio, 0, 0, ratio, shift, 0)

    def to_photo(self, point: QPointF, pane: QRectF) -> QPointF:
        inverse, _ok = self.view(pane).inverted()
        return inverse.map(point)

    def _pane_at(self, point: QPointF) -> QRectF:
        for pane in self.panes():
            if pane.contains(point):
                return pane
        return self.panes()[0]

    # -- painting

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.before is None:
            painter.setPen(QColor(220, 220, 220))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No photo chosen")
            return
        panes = self.panes()
        if self.mode is Mode.SIDE_BY_SIDE:
            self._draw(painter, panes[0], self.before, QTransform())
            if self.after is not None:
                self._draw(painter, panes[1], self.after, self.second_to_first())
            else:
                painter.setPen(QColor(220, 220, 220))
                painter.drawText(
                    panes[1], Qt.AlignmentFlag.AlignCenter, "No other photo of this view yet"
                )
            self._label(painter, panes[0], self.before.label, left=True)
            if self.after is not None:
                self._label(painter, panes[1], self.after.label, left=True)
            self._draw_marks(painter, panes)
            return
        pane = panes[0]
        self._draw(painter, pane, self.before, QTransform())
        if self.after is not None:
            if self.mode is Mode.WIPE:
                x = pane.left() + pane.width() * self.position
                painter.save()
                painter.setClipRect(QRectF(x, pane.top(), pane.right() - x, pane.height()))
                self._draw(painter, pane, self.after, self.second_to_first())
                painter.restore()
                painter.setPen(QPen(QColor(255, 255, 255), 3))
                painter.drawLine(QPointF(x, pane.top()), QPointF(x, pane.bottom()))
                self._label(painter, pane, f"◀ {self.before.label}", left=True)
                self._label(painter, pane, f"{self.after.label} ▶", left=False)
            else:
                painter.save()
                painter.setOpacity(self.position)
                self._draw(painter, pane, self.after, self.second_to_first())
                painter.restore()
                share = round(self.position * 100)
                self._label(painter, pane, f"{self.before.label} {100 - share}%", left=True)
                self._label(painter, pane, f"{self.after.label} {share}%", left=False)
        else:
            self._label(painter, pane, self.before.label, left=True)

    def _draw(self, painter: QPainter, pane: QRectF, shown: Shown, to_first: QTransform) -> None:
        painter.save()
        painter.setClipRect(pane)
        transform = to_first * self.view(pane)
        scale = (transform.m11() ** 2 + transform.m12() ** 2) ** 0.5
        image = shown.full
        if shown.preview is not shown.full and scale * shown.full.width() <= shown.preview.width():
            # The screen shows fewer pixels than the preview has: draw the preview.
            factor = shown.full.width() / shown.preview.width()
            transform = QTransform.fromScale(factor, factor) * transform
            image = shown.preview
        painter.setTransform(transform)
        painter.drawImage(0, 0, image)
        painter.restore()

    def _label(self, painter: QPainter, pane: QRectF, text: str, *, left: bool) -> None:
        painter.save()
        font = QFont(self.font())
        font.setPointSizeF(max(11.0, font.pointSizeF() * 1.15))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 20
        height = metrics.height() + 10
        x = pane.left() + 10 if left else pane.right() - width - 10
        box = QRectF(x, pane.top() + 10, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _draw_marks(self, painter: QPainter, panes: list[QRectF]) -> None:
        if not self.marking and not any(self.marks):
            return
        for side, (pane, marks) in enumerate(zip(panes, self.marks, strict=False)):
            transform = self.view(pane)
            if side == 1:
                transform = self.second_to_first() * transform
            for number, point in enumerate(marks, start=1):
                at = transform.map(point)
                painter.setPen(QPen(QColor(0, 0, 0), 4))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(at, 12, 12)
                painter.setPen(QPen(MARK_COLOURS[number - 1], 2))
                painter.drawEllipse(at, 12, 12)
                painter.drawLine(at - QPointF(18, 0), at - QPointF(6, 0))
                painter.drawLine(at + QPointF(6, 0), at + QPointF(18, 0))
                painter.drawLine(at - QPointF(0, 18), at - QPointF(0, 6))
                painter.drawLine(at + QPointF(0, 6), at + QPointF(0, 18))
                painter.drawText(at + QPointF(14, -14), str(number))

    # -- the mouse

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        if self.marking and event.button() == Qt.MouseButton.LeftButton:
            self.mark(point)
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = point

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            point = event.position()
            self.pan(point - self._drag)
            self._drag = point

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self._drag = None

    def mouseDoubleClickEvent(self, _event: QMouseEvent) -> None:
        if not self.marking:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.set_zoom(self.zoom * (1.25**steps), event.position())

    def mark(self, point: QPointF) -> None:
        """A point marked where the canvas was clicked: on the first photo in the left
        pane, on the second in the right (each at most two)."""
        panes = self.panes()
        side = 1 if len(panes) > 1 and panes[1].contains(point) else 0
        if side == 1 and self.after is None:
            return
        photo_point = self.to_photo(point, panes[side])
        if side == 1:
            inverse, _ok = self.second_to_first().inverted()
            photo_point = inverse.map(photo_point)
        marks = self.marks[side]
        if len(marks) >= 2:
            marks.clear()
        marks.append(photo_point)
        self.update()
        self.marks_changed.emit()

    def alignment(self) -> Similarity:
        """The second photo onto the first, from the marks (PhotoError if they will not do)."""
        first, second = self.marks
        if len(first) < 2 or len(second) < 2:
            raise PhotoError("Mark two points on each photo first (the pupils, say).")
        return align(
            ((first[0].x(), first[0].y()), (first[1].x(), first[1].y())),
            ((second[0].x(), second[0].y()), (second[1].x(), second[1].y())),
        )


class CompareDialog(QDialog):
    """A patient's photos of one view, two at a time. ``load(photo_id)`` gives a picture's
    bytes (audited by the caller's desk); ``on_visible(bool)``: told when it shows and hides
    (the main window hides other patients meanwhile)."""

    def __init__(
        self,
        photos: list,
        label: Callable[[object], str],
        load: Callable[[int, int | None], tuple[bytes, bytes | None]],
        first_id: int,
        second_id: int | None,
        parent: QWidget | None = None,
        on_visible: Callable[[bool], None] | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Compare photos")  # never a patient's name
        self.setAccessibleName("Compare photos")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(1400, 900)
        self._photos = photos
        self._label = label
        self._load = load
        self._on_visible = on_visible
        self.heading = QLabel()
        self.heading.setAccessibleName("What is compared")
        heading_font = self.heading.font()
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.5)
        heading_font.setBold(True)
        self.heading.setFont(heading_font)
        self.first = QComboBox()
        self.second = QComboBox()
        self.first.setAccessibleName("First photo")
        self.second.setAccessibleName("Second photo")
        for combo in (self.first, self.second):
            for photo in photos:
                combo.addItem(label(photo), photo.id)
        self.first.setCurrentIndex(self.first.findData(first_id))
        self.second.setCurrentIndex(self.second.findData(second_id) if second_id else -1)
        self.first.activated.connect(lambda _i: self.show_chosen())
        self.second.activated.connect(lambda _i: self.show_chosen())
        self.canvas = CompareCanvas(self)
        self.canvas.marks_changed.connect(self._marks_changed)
        self.modes = QButtonGroup(self)
        mode_row = QHBoxLayout()
        for mode in Mode:
            button = QPushButton(mode.value)
            button.setCheckable(True)
            button.setChecked(mode is Mode.SIDE_BY_SIDE)
            button.clicked.connect(lambda _c=False, m=mode: self.set_mode(m))
            self.modes.addButton(button)
            mode_row.addWidget(button)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(50)
        self.slider.setAccessibleName("Wipe position or fade")
        self.slider.valueChanged.connect(lambda v: self.canvas.set_position(v / 100))
        self.slider.setEnabled(False)
        self.slider.setMinimumWidth(240)
        mode_row.addWidget(self.slider, 1)
        fit = QPushButton("&Fit")
        fit.clicked.connect(self.canvas.fit)
        actual = QPushButton("1:1")
        actual.clicked.connect(self.canvas.actual_size)
        zoom_in = QPushButton("+")
        zoom_in.setAccessibleName("Zoom in")
        zoom_in.clicked.connect(lambda: self.canvas.set_zoom(self.canvas.zoom * 1.5))
        zoom_out = QPushButton("−")
        zoom_out.setAccessibleName("Zoom out")
        zoom_out.clicked.connect(lambda: self.canvas.set_zoom(self.canvas.zoom / 1.5))
        for button in (fit, actual, zoom_out, zoom_in):
            mode_row.addWidget(button)
        self.mark_button = QPushButton("&Mark points to line up…")
        self.mark_button.setCheckable(True)
        self.mark_button.toggled.connect(self.set_marking)
        self.aligned = QCheckBox("&Lined up")
        self.aligned.setEnabled(False)
        self.aligned.toggled.connect(self._use_alignment)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("How to line the photos up")
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Compare"))
        choose.addWidget(self.first, 1)
        choose.addWidget(QLabel("with"))
        choose.addWidget(self.second, 1)
        choose.addWidget(self.mark_button)
        choose.addWidget(self.aligned)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(choose)
        layout.addLayout(mode_row)
        layout.addWidget(self.hint)
        layout.addWidget(self.canvas, 1)
        self.show_chosen()

    def chosen(self) -> tuple[int | None, int | None]:
        return self.first.currentData(), self.second.currentData()

    def show_chosen(self) -> None:
        """Load and show the photos chosen, in course order (the earlier one first)."""
        first_id, second_id = self.chosen()
        by_id = {p.id: p for p in self._photos}
        if first_id is None:
            self.canvas.set_photos(None, None)
            return
        if second_id == first_id:
            second_id = None
        if second_id is not None:
            a, b = by_id[first_id], by_id[second_id]
            if (b.visit.order, b.taken_on) < (a.visit.order, a.taken_on):
                first_id, second_id = second_id, first_id
                self.first.setCurrentIndex(self.first.findData(first_id))
                self.second.setCurrentIndex(self.second.findData(second_id))
        before_bytes, after_bytes = self._load(first_id, second_id)
        before = Shown.of(decoded(before_bytes), self._label(by_id[first_id]))
        after = (
            Shown.of(decoded(after_bytes), self._label(by_id[second_id]))
            if after_bytes is not None and second_id is not None
            else None
        )
        self.canvas.set_photos(before, after)
        self.aligned.setChecked(False)
        self.aligned.setEnabled(False)
        if second_id is not None:
            self.heading.setText(progress_label(by_id[first_id].visit, by_id[second_id].visit))
        else:
            self.heading.setText(by_id[first_id].visit.label)
        self._marks_changed()

    def set_mode(self, mode: Mode) -> None:
        if mode is not Mode.SIDE_BY_SIDE and self.mark_button.isChecked():
            self.mark_button.setChecked(False)
        self.canvas.set_mode(mode)
        self.slider.setEnabled(mode is not Mode.SIDE_BY_SIDE)
        for button in self.modes.buttons():
            button.setChecked(button.text() == mode.value)

    def set_marking(self, on: bool) -> None:
        if on:
            self.set_mode(Mode.SIDE_BY_SIDE)
            self.aligned.setChecked(False)
            self.canvas.marks = ([], [])
        self.canvas.marking = on
        self.canvas.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self.canvas.update()
        self._marks_changed()

    def _marks_changed(self) -> None:
        first, second = self.canvas.marks
        if not self.canvas.marking:
            self.hint.setText(
                "Wheel to zoom, drag to move: both photos move together. To line them up, "
                "mark the same two points on each (the pupils, say)."
                if self.canvas.after is not None
                else ""
            )
            return
        if len(first) < 2:
            self.hint.setText(f"Click point {len(first) + 1} of 2 on the left photo.")
        elif len(second) < 2:
            self.hint.setText(f"Click the same point {len(second) + 1} of 2 on the right photo.")
        else:
            try:
                self.canvas.aligned = self.canvas.alignment()
            except PhotoError as exc:
                self.hint.setText(exc.message)
                return
            found = self.canvas.aligned
            self.mark_button.setChecked(False)
            self.aligned.setEnabled(True)
            self.aligned.setChecked(True)
            self.hint.setText(
                f"Lined up: the second photo scaled {found.scale:.2f}× and turned "
                f"{found.degrees:+.1f}° to match the first."
            )

    def _use_alignment(self, on: bool) -> None:
        self.canvas.use_alignment = on
        self.canvas.update()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._on_visible is not None:
            self._on_visible(True)

    def hideEvent(self, event) -> None:
        if self._on_visible is not None:
            self._on_visible(False)
        super().hideEvent(event)

    def closeEvent(self, event) -> None:
        self.canvas.clear()
        super().closeEvent(event)
