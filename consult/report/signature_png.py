"""A signature's strokes as a PNG: one drawing of the vector data, wherever it is needed.

The signing screen keeps what the pen, finger or mouse drew as strokes of points (with a
pen's pressure); the PNG kept beside them, and printed on the consent, is drawn from those
strokes here, so the picture and the vectors always agree. Pillow (which reportlab needs
anyway) draws it: dark ink on a transparent background, wider where the pen pressed harder.
"""

from __future__ import annotations

import io
import itertools

from PIL import Image, ImageDraw

from consult.domain.consent import Signature

INK = (16, 32, 96, 255)
SCALE = 2  # drawn at twice the pad's size, then reduced: smooth edges
MAX_SIDE = 1600  # pixels: a pad larger than this is drawn smaller
MARGIN = 12  # pixels of empty space kept around the ink


def signature_png(signature: Signature, *, ink: tuple[int, int, int, int] = INK) -> bytes:
    """The strokes as a PNG, cropped to the ink with a small margin (the pad's empty space
    would print the signature tiny); at most ``MAX_SIDE`` pixels on a side."""
    width = max(round(signature.width), 1)
    height = max(round(signature.height), 1)
    shrink = min(1.0, MAX_SIDE / max(width, height))
    out_w, out_h = max(int(width * shrink), 1), max(int(height * shrink), 1)
    k = shrink * SCALE
    image = Image.new("RGBA", (out_w * SCALE, out_h * SCALE), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    base = 2.6 * k
    for stroke in signature.strokes:
        if len(stroke) == 1:
            p = stroke[0]
            r = base * (0.5 + p.pressure) / 2
            draw.ellipse((p.x * k - r, p.y * k - r, p.x * k + r, p.y * k + r), fill=ink)
            continue
        for a, b in itertools.pairwise(stroke):
            w = max(1, round(base * (0.5 + (a.pressure + b.pressure) / 2)))
            draw.line((a.x * k, a.y * k, b.x * k, b.y * k), fill=ink, width=w)
            r = w / 2
            draw.ellipse((b.x * k - r, b.y * k - r, b.x * k + r, b.y * k + r), fill=ink)
    image = image.resize((out_w, out_h), Image.Resampling.LANCZOS)
    box = image.getbbox()  # where there is ink
    if box is not None:
        margin = MARGIN
        left, top, right, bottom = box
        image = image.crop(
            (
                max(left - margin, 0),
                max(top - margin, 0),
                min(right + margin, out_w),
                min(bottom + margin, out_h),
            )
        )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
