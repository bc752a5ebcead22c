"""How a screening outcome looks: a colour, a shape and words, told apart by all three.

The four outcomes (and "not screened yet") differ in hue, chosen from the Okabe–Ito palette
that colour-blind readers tell apart, and in the icon's shape: a circle with a tick, a
triangle with "!", a circle with a pause sign (on hold until the doctor's clearance) and an
octagon with a bar (stop). Each has a light and a dark-theme colour (see ``style``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from consult.domain.model import Outcome
from consult.ui import style

NOT_SCREENED = "not_screened"


@dataclass(frozen=True)
class Look:
    colour: str  # a name in style's colours
    shape: str
    headline: str
    next_step: str


LOOKS: dict[str, Look] = {
    NOT_SCREENED: Look(
        "pending",
        "question",
        "Not screened yet",
        "Ask the patient every question; the outcome shows once all are answered.",
    ),
    Outcome.PROCEED: Look(
        "proceed",
        "tick",
        "Proceed",
        "Nothing found against treatment. Go on to the treatment areas.",
    ),
    Outcome.CAUTION: Look(
        "caution",
        "warning",
        "Proceed with caution",
        "Treat with care for the points below; the patient's plan explains them.",
    ),
    Outcome.NEEDS_CLEARANCE: Look(
        "clearance",
        "pause",
        "Needs clearance",
        "Ask the patient's doctor for clearance; the plan will print as provisional.",
    ),
    Outcome.DO_NOT_TREAT: Look(
        "danger",
        "stop",
        "Do not treat",
        "Do not treat today. To go ahead anyway, write the reason below; it is kept with "
        "the consultation.",
    ),
}


def look(outcome: Outcome | None) -> Look:
    """The look of an outcome; None: not screened yet."""
    return LOOKS[NOT_SCREENED if outcome is None else outcome]


def icon(shape: str, colour: str, size: int = 40) -> QPixmap:
    """The outcome's icon, ``size`` pixels square, in ``colour`` (white marks inside)."""
    ratio = 2.0  # drawn at twice the size, so it stays sharp on high-density screens
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(colour)
    mark = QColor("#ffffff") if fill.lightness() < 150 else QColor("#1a1a1a")
    s = float(size)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(fill)
    if shape == "warning":
        p.drawPolygon(
            QPolygonF(
                [QPointF(s / 2, s * 0.06), QPointF(s * 0.97, s * 0.92), QPointF(s * 0.03, s * 0.92)]
            )
        )
    elif shape == "stop":
        corners = []
        for i in range(8):
            angle = math.radians(22.5 + 45 * i)
            corners.append(
                QPointF(s / 2 + s * 0.48 * math.cos(angle), s / 2 + s * 0.48 * math.sin(angle))
            )
        p.drawPolygon(QPolygonF(corners))
    elif shape == "question":
        pen = QPen(fill, s * 0.08)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QRectF(s * 0.06, s * 0.06, s * 0.88, s * 0.88))
        mark = fill
    else:
        p.drawEllipse(QRectF(s * 0.03, s * 0.03, s * 0.94, s * 0.94))
    pen = QPen(
        mark, s * 0.11, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
    )
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if shape == "tick":
        path = QPainterPath(QPointF(s * 0.28, s * 0.52))
        path.lineTo(s * 0.44, s * 0.68)
        path.lineTo(s * 0.74, s * 0.34)
        p.drawPath(path)
    elif shape == "warning":
        p.drawLine(QPointF(s / 2, s * 0.38), QPointF(s / 2, s * 0.62))
        p.drawPoint(QPointF(s / 2, s * 0.78))
    elif shape == "pause":
        p.drawLine(QPointF(s * 0.40, s * 0.32), QPointF(s * 0.40, s * 0.68))
        p.drawLine(QPointF(s * 0.60, s * 0.32), QPointF(s * 0.60, s * 0.68))
    elif shape == "stop":
        p.drawLine(QPointF(s * 0.28, s / 2), QPointF(s * 0.72, s / 2))
    elif shape == "question":
        p.setPen(QPen(mark, s * 0.09, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        path = QPainterPath(QPointF(s * 0.37, s * 0.38))
        path.cubicTo(s * 0.37, s * 0.22, s * 0.63, s * 0.22, s * 0.63, s * 0.38)
        path.cubicTo(s * 0.63, s * 0.50, s * 0.50, s * 0.48, s * 0.50, s * 0.60)
        p.drawPath(path)
        p.drawPoint(QPointF(s / 2, s * 0.76))
    p.end()
    return pixmap


def outcome_icon(outcome: Outcome | None, size: int = 40) -> QPixmap:
    found = look(outcome)
    return icon(found.shape, style.colour(found.colour), size)
