"""A clickable face and body map: the anatomical drawings, their zones chosen by a click.

The line art is the drawings' own SVG, rendered by QtSvg in the palette's text colour; the
zones are the drawings' named paths (``consult.system.drawings``), which highlight under the mouse
(with their name beside them) and when chosen. Zones are keyed by ``(area_id, zone_id)``
(``zone_id`` None for a whole area); a zone the clinic's catalog does not offer is left out,
and an area the catalog has but no drawing shows is still in the checklist beside the map.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtSvgWidgets import QGraphicsSvgItem
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QSizePolicy,
)

from consult.system import drawings
from consult.system.drawings import Drawing, Shape

Key = tuple[str, str | None]
HEIGHT = 540.0  # every drawing is shown this tall in the scene
GAP = 36.0
CAPTIONS = {"face": "Face and neck", "body-front": "Front", "body-back": "Back"}
INK_IN_FILE = 'color="#2b2b2b"'


def painter_path(shape: Shape) -> QPainterPath:
    path = QPainterPath()
    if shape.even_odd:
        path.setFillRule(Qt.FillRule.OddEvenFill)
    for command in shape.commands:
        kind = command[0]
        if kind == "M":
            path.moveTo(*command[1])
        elif kind == "L":
            path.lineTo(*command[1])
        elif kind == "C":
            path.cubicTo(QPointF(*command[1]), QPointF(*command[2]), QPointF(*command[3]))
        else:
            path.closeSubpath()
    return path


class ZoneItem(QGraphicsPathItem):
    """One clickable zone; it highlights on hover and when chosen."""

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

    @property
    def chosen(self) -> bool:
        return self._chosen

    @property
    def hovered(self) -> bool:
        return self._hover

    def set_chosen(self, chosen: bool) -> None:
        self._chosen = chosen
        self.refresh()

    def colours(self) -> tuple[QColor, QColor | None]:
        """The fill, and the edge (None: no edge), for the zone's state."""
        palette = self.scene().palette() if self.scene() else QPalette()
        accent = QColor(palette.color(QPalette.ColorRole.Highlight))
        fill = QColor(accent)
        if self._chosen:
            fill.setAlpha(185 if self._hover else 140)
            edge = QColor(accent).darker(130)
        elif self._hover:
            fill.setAlpha(75)
            edge = QColor(accent)
        else:
            fill.setAlpha(22)  # a faint tint: every zone is something to click
            edge = None
        return fill, edge

    def refresh(self) -> None:
        fill, edge = self.colours()
        self.setBrush(QBrush(fill))
        if edge is None:
            self.setPen(QPen(Qt.PenStyle.NoPen))
        else:
            pen = QPen(edge)
            pen.setWidthF(2.0)
            pen.setCosmetic(True)
            pen.setStyle(Qt.PenStyle.SolidLine if self._chosen else Qt.PenStyle.DashLine)
            self.setPen(pen)

    def _view(self) -> ZoneMap | None:
        views = self.scene().views() if self.scene() else []
        return views[0] if views and isinstance(views[0], ZoneMap) else None

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.refresh()
        view = self._view()
        if view is not None:
            view.show_label(self)
            view.hovered.emit(self.name)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.refresh()
        view = self._view()
        if view is not None:
            view.show_label(None)
            view.hovered.emit("")
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._on_click(self.key)
            event.accept()
        else:
            super().mousePressEvent(event)


class ZoneMap(QGraphicsView):
    """The face and neck, and the body from the front and the back. Emits
    ``clicked(area, zone)``; ``hovered(name)`` with the name under the mouse ("" for none)."""

    clicked = Signal(str, object)  # area_id, zone_id or None
    hovered = Signal(str)

    def __init__(self, names: dict[Key, str], parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(420, 300)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the checklist beside it takes the keyboard
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Face and body map")
        self.setAccessibleDescription(
            "Click a face zone or body area to choose it; the checklist beside the map does "
            "the same."
        )
        self.items_by_key: dict[Key, list[ZoneItem]] = {}
        self.renderers: list[QSvgRenderer] = []
        self._draw(names)
        self.viewport().setMouseTracking(True)  # hover, and the zone's name, without a click

    def _ink(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.WindowText)

    def _draw(self, names: dict[Key, str]) -> None:
        scene = self.scene()
        ink = self._ink()
        x = 0.0
        for drawing in drawings.drawings():
            scale = HEIGHT / drawing.height
            self._add_drawing(drawing, names, QPointF(x, 0), scale, ink)
            caption = QGraphicsSimpleTextItem(CAPTIONS.get(drawing.name, drawing.caption))
            font = caption.font()
            font.setPointSizeF(font.pointSizeF() * 1.9)
            caption.setFont(font)
            caption.setBrush(QBrush(ink))
            width = drawing.width * scale
            caption.setPos(x + (width - caption.boundingRect().width()) / 2, HEIGHT + 8)
            scene.addItem(caption)
            x += width + GAP
        # The tag naming the zone under the mouse: screen-sized, however small the map.
        self._label_box = QGraphicsRectItem()
        self._label_box.setZValue(20)
        self._label_box.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._label = QGraphicsSimpleTextItem(self._label_box)
        font = QFont(self._label.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self._label.setFont(font)
        scene.addItem(self._label_box)
        self._label_box.hide()
        self.setSceneRect(scene.itemsBoundingRect().adjusted(-8, -8, 8, 8))

    def _add_drawing(
        self, drawing: Drawing, names: dict[Key, str], at: QPointF, scale: float, ink: QColor
    ) -> None:
        scene = self.scene()
        for zone in drawing.zones:
            if zone.key not in names:
                continue  # the clinic's catalog does not offer this area or zone
            item = ZoneItem(zone.key, names[zone.key], painter_path(zone.shape), self._clicked)
            item.setPos(at)
            item.setScale(scale)
            item.setZValue(0)
            scene.addItem(item)
            item.refresh()
            self.items_by_key.setdefault(zone.key, []).append(item)
        # The line art, in the palette's text colour (dark or light theme alike).
        svg = drawing.path.read_text(encoding="utf-8").replace(
            INK_IN_FILE, f'color="{ink.name()}"', 1
        )
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")), self)
        self.renderers.append(renderer)
        art = QGraphicsSvgItem()
        art.setSharedRenderer(renderer)
        art.setElementId("outline")
        art.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # clicks reach the zones
        art.setAcceptHoverEvents(False)
        bounds = renderer.boundsOnElement("outline")
        art.setPos(at + bounds.topLeft() * scale)
        art.setScale(scale)
        art.setZValue(10)
        scene.addItem(art)

    def show_label(self, item: ZoneItem | None) -> None:
        """The name of the zone under the mouse, on a tag just above it."""
        if item is None:
            self._label_box.hide()
            return
        palette = self.palette()
        self._label.setText(item.name)
        self._label.setBrush(QBrush(palette.color(QPalette.ColorRole.ToolTipText)))
        text = self._label.boundingRect()
        box = QRectF(0, 0, text.width() + 16, text.height() + 8)
        self._label_box.setRect(box)
        self._label_box.setBrush(QBrush(palette.color(QPalette.ColorRole.ToolTipBase)))
        self._label_box.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1.5))
        self._label.setPos(8, 4)
        # Placed in the view's pixels, centred above the zone (below it near the top).
        zone = self.mapFromScene(item.sceneBoundingRect()).boundingRect()
        view = self.viewport().rect()
        x = min(max(zone.center().x() - box.width() / 2, 0), view.width() - box.width())
        y = zone.top() - box.height() - 4
        if y < 0:
            y = zone.bottom() + 4
        self._label_box.setPos(self.mapToScene(round(x), round(y)))
        self._label_box.show()

    def label_text(self) -> str:
        return self._label.text() if self._label_box.isVisible() else ""

    def _clicked(self, key: Key) -> None:
        self.clicked.emit(key[0], key[1])

    def set_chosen(self, chosen: set[Key]) -> None:
        for key, items in self.items_by_key.items():
            for item in items:
                item.set_chosen(key in chosen)

    def chosen(self) -> set[Key]:
        return {key for key, items in self.items_by_key.items() if items[0].chosen}

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
