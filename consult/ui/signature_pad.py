"""A pad to sign on with a finger, a pen (its pressure kept) or the mouse.

What is drawn is kept as strokes of points (``consult.domain.consent.Signature``): x, y, the
pen's pressure (1 for a mouse or a finger) and the time since the stroke began. A visible
line shows where to sign. ``clear()`` starts again; ``signature().problem()`` says whether
what is drawn can count as a signature (not empty, not a dot).
"""

from __future__ import annotations

import itertools
import time

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from consult.domain.consent import Point, Signature

INK = QColor(16, 32, 96)
BASELINE_AT = 0.72  # the line to sign on, as a share of the pad's height
PEN_WIDTH = 3.2  # at full pressure, in pixels


class SignaturePad(QWidget):
    """Emits ``changed`` whenever a stroke is added or the pad is cleared."""

    changed = Signal()

    def __init__(self, hint: str = "Sign above the line", parent=None):
        super().__init__(parent)
        self._hint = hint
        self._strokes: list[list[Point]] = []
        self._current: list[Point] | None = None
        self._started = 0.0
        self.setMinimumSize(560, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Signature pad")
        self.setAccessibleDescription(
            "Sign with a finger, a pen or the mouse above the line. Clear starts again."
        )

    def set_hint(self, hint: str) -> None:
        """The words under the line while the pad is empty (in the patient's language)."""
        self._hint = hint
        self.update()

    # -- what was drawn

    def signature(self) -> Signature:
        strokes = [s for s in self._strokes if s]
        return Signature(
            float(self.width()), float(self.height()), tuple(tuple(s) for s in strokes)
        )

    @property
    def is_empty(self) -> bool:
        return not any(self._strokes)

    def clear(self) -> None:
        self._strokes.clear()
        self._current = None
        self.update()
        self.changed.emit()

    # -- drawing

    def _begin(self, position: QPointF, pressure: float) -> None:
        self._started = time.monotonic()
        self._current = []
        self._strokes.append(self._current)
        self._add(position, pressure)

    def _add(self, position: QPointF, pressure: float) -> None:
        if self._current is None:
            return
        x = min(max(position.x(), 0.0), float(self.width()))
        y = min(max(position.y(), 0.0), float(self.height()))
        if self._current and (self._current[-1].x, self._current[-1].y) == (x, y):
            return  # the button or pen lifted where it last was: nothing new
        ms = int((time.monotonic() - self._started) * 1000)
        self._current.append(Point(x, y, max(0.05, min(pressure, 1.0)), ms))
        self.update()

    def _end(self) -> None:
        if self._current is not None:
            self._current = None
            self.changed.emit()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), 1.0)
            event.accept()

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._add(event.position(), 1.0)
            event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._add(event.position(), 1.0)
            self._end()
            event.accept()

    def tabletEvent(self, event) -> None:
        """A pen: its pressure widens the line. Accepted, so Qt makes no mouse events too."""
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletMove and self._current is not None:
            self._add(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletRelease:
            self._add(event.position(), event.pressure())
            self._end()
        event.accept()

    def event(self, event) -> bool:
        """A finger on a touch screen: the first touch point draws."""
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd):
            points = event.points()
            if points:
                where = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self._begin(where, 1.0)
                elif kind == QEvent.Type.TouchUpdate:
                    self._add(where, 1.0)
                else:
                    self._add(where, 1.0)
                    self._end()
            event.accept()
            return True
        return super().event(event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        # The line to sign on, and where to start.
        baseline = self.height() * BASELINE_AT
        margin = 28.0
        painter.setPen(QPen(QColor(120, 130, 140), 1.5))
        painter.drawLine(QPointF(margin, baseline), QPointF(self.width() - margin, baseline))
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF(), 11.0))
        painter.setFont(font)
        painter.setPen(QColor(90, 100, 110))
        painter.drawText(QPointF(margin, baseline - 8), "✕")
        if self.is_empty:
            painter.drawText(
                QRectF(margin, baseline + 6, self.width() - 2 * margin, 28),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                self._hint,
            )
        painter.setPen(QPen(QColor(150, 160, 170), 1))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        for stroke in self._strokes:
            if len(stroke) == 1:
                p = stroke[0]
                r = PEN_WIDTH * (0.5 + p.pressure) / 2
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(INK)
                painter.drawEllipse(QPointF(p.x, p.y), r, r)
                continue
            for a, b in itertools.pairwise(stroke):
                width = PEN_WIDTH * (0.5 + (a.pressure + b.pressure) / 2) / 1.5
                pen = QPen(INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
                painter.setPen(pen)
                painter.drawLine(QPointF(a.x, a.y), QPointF(b.x, b.y))
        painter.end()
