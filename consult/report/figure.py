"""The treatment-area drawings on the printed plan, the treated zones shaded.

The same drawings the provider clicked on screen (``consult.system.drawings``), drawn with
reportlab's own paths: the line art in the text colour, every treated zone filled, so the
patient sees at home what will be treated. No Qt here.
"""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from consult.report.fonts import BASE
from consult.system.drawings import Drawing, Key, drawings, treated_keys

GAP = 4 * mm


def chosen_drawings(areas) -> list[Drawing]:
    """The drawings that show the chosen areas: the face and neck for those; the body for any
    other area (the neck alone is shown on the face)."""
    keys = treated_keys(areas)
    found = []
    face = next(d for d in drawings() if d.name == "face")
    shown_on_face = bool(keys & face.keys())
    for drawing in drawings():
        wanted = keys & drawing.keys()
        if drawing is not face and shown_on_face:
            on_face = {area for area, _zone in face.keys()}  # noqa: SIM118 (a method)
            wanted = {k for k in wanted if k[0] not in on_face}
        if wanted:
            found.append(drawing)
    return found


class ZoneFigure(Flowable):
    """The drawings side by side, ``height`` tall, each captioned below."""

    def __init__(
        self,
        shown: Iterable[Drawing],
        treated: set[Key],
        captions: dict[str, str],
        *,
        height: float,
        ink: colors.Color,
        shade: colors.Color,
        caption_size: float,
    ):
        super().__init__()
        self.shown = list(shown)
        self.treated = treated
        self.captions = captions
        self.figure_height = height
        self.ink, self.shade = ink, shade
        self.caption_size = caption_size
        self.width = sum(d.width * height / d.height for d in self.shown) + GAP * (
            len(self.shown) - 1
        )
        self.height = height + caption_size * 1.8

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def _restrictSize(self, avail_width, avail_height):
        """What ``ImageAndFlowables`` asks of the figure it puts beside the text (it is never
        scaled down: the text beside it gives way)."""
        return self.width, self.height

    def _unRestrictSize(self):
        """``ImageAndFlowables`` undoes a restriction when it splits: there is none."""

    def _path(self, canv, shape):
        path = canv.beginPath()
        for command in shape.commands:
            kind = command[0]
            if kind == "M":
                path.moveTo(*command[1])
            elif kind == "L":
                path.lineTo(*command[1])
            elif kind == "C":
                path.curveTo(*command[1], *command[2], *command[3])
            else:
                path.close()
        return path

    def draw(self) -> None:
        canv = self.canv
        x = 0.0
        for drawing in self.shown:
            scale = self.figure_height / drawing.height
            width = drawing.width * scale
            canv.saveState()
            # The drawing's y runs down the page; the figure's top is at self.height.
            canv.transform(scale, 0, 0, -scale, x, self.height)
            canv.setFillColor(self.shade)
            canv.setStrokeColor(self.shade)
            canv.setFillAlpha(0.55)
            canv.setLineWidth(1.2 / scale)
            for zone in drawing.zones:
                if zone.key in self.treated:
                    canv.drawPath(
                        self._path(canv, zone.shape),
                        stroke=1,
                        fill=1,
                        fillMode=1 if zone.shape.even_odd else 0,  # FILL_EVEN_ODD
                    )
            canv.setFillAlpha(1)
            canv.setStrokeColor(self.ink)
            canv.setLineCap(1)
            canv.setLineJoin(1)
            for shape, stroke in drawing.outline:
                canv.setLineWidth(stroke * 0.8)
                canv.drawPath(self._path(canv, shape), stroke=1, fill=0)
            canv.restoreState()
            caption = self.captions.get(drawing.name, "")
            if caption:
                canv.setFont(BASE, self.caption_size)
                canv.setFillColor(self.ink)
                canv.drawCentredString(x + width / 2, self.caption_size * 0.4, caption)
            x += width + GAP
