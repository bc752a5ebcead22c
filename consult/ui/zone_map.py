"""A clickable face and body map: treatment areas and face zones drawn as shapes.

The map only draws; which areas and zones exist comes from the catalog. Shapes are keyed by
``(area_id, zone_id)`` (``zone_id`` is ``None`` for a whole area); an area the catalog has but
the map does not draw is still offered in the checklist beside it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QSizePolicy,
)

Key = tuple[str, str | None]


def _ellipse(x: float, y: float, w: float, h: float) -> QPainterPath:
    path = QPainterPath()
    path.addEllipse(QRectF(x, y, w, h))
    return path


def _rect(x: float, y: float, w: float, h: float, radius: float = 8) -> QPainterPath:
    path = QPainterPath()
    path.addRoundedRect(QRectF(x, y, w, h), radius, radius)
    return path


def _polygon(*points: tuple[float, float]) -> QPainterPath:
    path = QPainterPath()
    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
    path.closeSubpath()
    return path


def _face_shapes() -> dict[Key, QPainterPath]:
    head = _ellipse(40, 20, 220, 300)
    chin = head.intersected(_ellipse(112, 262, 76, 60))
    jaw = (
        head.subtracted(_ellipse(62, 30, 176, 268))
        .intersected(_rect(0, 205, 300, 120, 0))
        .subtracted(chin)
    )
    return {
        ("face", "forehead"): head.intersected(_rect(0, 20, 300, 88, 0)),
        ("face", "periorbital"): _ellipse(76, 118, 62, 36).united(_ellipse(162, 118, 62, 36)),
        ("face", "nose"): _polygon((142, 128), (158, 128), (172, 206), (128, 206)),
        ("face", "cheeks"): _ellipse(66, 162, 58, 74).united(_ellipse(176, 162, 58, 74)),
        ("face", "upper_lip"): _rect(122, 212, 56, 20, 9),
        ("face", "chin"): chin,
        ("face", "jawline"): jaw,
    }


def _limbs(ox: float) -> dict[Key, QPainterPath]:
    """Shapes seen from the front and the back alike."""
    return {
        ("thighs", None): _rect(ox + 72, 284, 34, 92, 12).united(_rect(ox + 114, 284, 34, 92, 12)),
        ("upper_arms", None): _rect(ox + 26, 98, 30, 86, 12).united(
            _rect(ox + 164, 98, 30, 86, 12)
        ),
    }


def _body_front(ox: float) -> dict[Key, QPainterPath]:
    return {
        ("neck", None): _rect(ox + 88, 62, 44, 30, 6),
        ("chest", None): _rect(ox + 62, 94, 96, 34, 10),
        ("breasts", None): _ellipse(ox + 66, 128, 42, 36).united(_ellipse(ox + 112, 128, 42, 36)),
        ("abdomen", None): _rect(ox + 68, 168, 84, 66, 10),
        ("hips", None): _rect(ox + 56, 236, 26, 44, 10).united(_rect(ox + 138, 236, 26, 44, 10)),
        ("thighs", None): _rect(ox + 72, 284, 34, 92, 12).united(_rect(ox + 114, 284, 34, 92, 12)),
        ("upper_arms", None): _rect(ox + 26, 98, 30, 86, 12).united(
            _rect(ox + 164, 98, 30, 86, 12)
        ),
        ("hands", None): _ellipse(ox + 12, 262, 30, 40).united(_ellipse(ox + 178, 262, 30, 40)),
    }


def _body_back(ox: float) -> dict[Key, QPainterPath]:
    return {
        ("back", None): _rect(ox + 62, 94, 96, 140, 12),
        ("buttocks", None): _ellipse(ox + 66, 236, 44, 46).united(_ellipse(ox + 110, 236, 44, 46)),
        ("thighs", None): _rect(ox + 72, 284, 34, 92, 12).united(_rect(ox + 114, 284, 34, 92, 12)),
        ("upper_arms", None): _rect(ox + 26, 98, 30, 86, 12).united(
            _rect(ox + 164, 98, 30, 86, 12)
        ),
    }


def _silhouette(ox: float) -> QPainterPath:
    """The outline of a standing figure, drawn under the areas."""
    outline = _ellipse(ox + 82, 10, 56, 56)
    for part in (
        _rect(ox + 88, 60, 44, 34, 6),
        _rect(ox + 56, 92, 108, 190, 24),
        _rect(ox + 22, 96, 38, 180, 16),
        _rect(ox + 160, 96, 38, 180, 16),
        _rect(ox + 68, 270, 42, 120, 14),
        _rect(ox + 110, 270, 42, 120, 14),
        _ellipse(ox + 12, 262, 30, 40),
        _ellipse(ox + 178, 262, 30, 40),
    ):
        outline = outline.united(part)
    return outline


class ZoneItem(QGraphicsPathItem):
    """One clickable shape; it highlights on hover and when chosen."""

    def __init__(self, key: Key, name: str, path: QPainterPath, on_click: Callable[[Key], None]):
        super().__init__(path)
        self.key = key
        self.name = name
        self._on_click = on_click
        self._hover = False
        self._chosen = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(name)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.refresh()

    def set_chosen(self, chosen: bool) -> None:
        self._chosen = chosen
        self.refresh()

    def refresh(self) -> None:
        palette = self.scene().palette() if self.scene() else QPalette()
        accent = palette.color(QPalette.ColorRole.Highlight)
        text = palette.color(QPalette.ColorRole.WindowText)
        fill = QColor(accent)
        if self._chosen:
            fill.setAlpha(200 if self._hover else 170)
        else:
            fill = QColor(text)
            fill.setAlpha(70 if self._hover else 22)
        self.setBrush(QBrush(fill))
        pen = QPen(accent if (self._chosen or self._hover) else text)
        pen.setWidthF(2.2 if self._hover else 1.2)
        pen.setCosmetic(True)
        self.setPen(pen)

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.refresh()
        view = self.scene().views()[0] if self.scene() and self.scene().views() else None
        if isinstance(view, ZoneMap):
            view.hovered.emit(self.name)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.refresh()
        view = self.scene().views()[0] if self.scene() and self.scene().views() else None
        if isinstance(view, ZoneMap):
            view.hovered.emit("")
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._on_click(self.key)
            event.accept()
        else:
            super().mousePressEvent(event)


class ZoneMap(QGraphicsView):
    """The face (with zones) and the body, front and back. Emits ``clicked(area, zone)``."""

    clicked = Signal(str, object)  # area_id, zone_id or None
    hovered = Signal(str)  # the name under the mouse, "" when none

    def __init__(self, names: dict[Key, str], parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(420, 260)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the checklist beside it takes the keyboard
        self.setAccessibleName("Face and body map")
        self.setAccessibleDescription(
            "Click an area or face zone to choose it; the checklist beside the map does the same."
        )
        self.items_by_key: dict[Key, list[ZoneItem]] = {}
        self._draw(names)

    def _draw(self, names: dict[Key, str]) -> None:
        scene = self.scene()
        text_color = self.palette().color(QPalette.ColorRole.WindowText)
        outline_pen = QPen(text_color)
        outline_pen.setCosmetic(True)
        outline_pen.setStyle(Qt.PenStyle.DotLine)
        head = scene.addPath(_ellipse(40, 20, 220, 300), outline_pen)
        head.setZValue(-1)
        for ox in (320.0, 560.0):
            scene.addPath(_silhouette(ox), outline_pen).setZValue(-1)
        shapes = {**_face_shapes(), **_body_front(320.0)}
        back = _body_back(560.0)
        for key, path in [*shapes.items(), *back.items()]:
            if key not in names:
                continue  # the clinic's catalog does not offer this area or zone
            item = ZoneItem(key, names[key], path, self._clicked)
            scene.addItem(item)
            item.refresh()
            self.items_by_key.setdefault(key, []).append(item)
        for x, caption in ((150, "Face"), (430, "Front"), (670, "Back")):
            label = QGraphicsSimpleTextItem(caption)
            label.setBrush(QBrush(text_color))
            label.setPos(x - label.boundingRect().width() / 2, 392)
            scene.addItem(label)
        self.setSceneRect(scene.itemsBoundingRect().adjusted(-10, -10, 10, 10))

    def _clicked(self, key: Key) -> None:
        self.clicked.emit(key[0], key[1])

    def set_chosen(self, chosen: set[Key]) -> None:
        for key, items in self.items_by_key.items():
            for item in items:
                item.set_chosen(key in chosen)

    def chosen(self) -> set[Key]:
        return {key for key, items in self.items_by_key.items() if items[0]._chosen}

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
