"""Draw the anatomical figures: resources/drawings/{face,body-front,body-back}.svg.

    .venv/bin/python tools/draw_figures.py

Every line is a smooth curve (Catmull–Rom through the points below, written as cubic
Béziers), one half of the figure drawn and mirrored. Each treatment zone is a closed path
made of the very curves the line art draws where it follows the outline (the jawline zone
follows the jaw), so shading lines up with the lines on screen and on paper. Zones are named
by the catalog's ids (``face.cheeks``, ``neck``) with ``data-area`` and ``data-zone``.
Change a point here, run this, and look at the result (tools/screenshots.py shows the map).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "resources" / "drawings"
INK = "#2b2b2b"
ZONE_FILL = "#9fb3bc"

Pt = tuple[float, float]
Seg = tuple[Pt, Pt, Pt, Pt]  # a cubic Bézier: start, control 1, control 2, end


def mirror_x(points, cx: float):
    """The points mirrored across x = cx (a corner mark kept)."""
    return [(2 * cx - p[0], p[1], *p[2:]) for p in points]


def spline(points, closed: bool = False) -> list[Seg]:
    """Catmull–Rom through ``points``; a point (x, y, "corner") is a sharp corner."""
    pts = [(float(p[0]), float(p[1])) for p in points]
    corner = [len(p) > 2 for p in points]
    n = len(pts)
    segs = []
    last = n if closed else n - 1
    for i in range(last):
        p0 = pts[(i - 1) % n] if (closed or i > 0) else pts[i]
        p1, p2 = pts[i], pts[(i + 1) % n]
        p3 = pts[(i + 2) % n] if (closed or i + 2 < n) else p2
        c1 = p1 if corner[i] else (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        j = (i + 1) % n
        c2 = p2 if corner[j] else (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        segs.append((p1, c1, c2, p2))
    return segs


def reverse(segs: list[Seg]) -> list[Seg]:
    return [(d, c, b, a) for a, b, c, d in reversed(segs)]


def between(loop: list[Seg], i: int, j: int) -> list[Seg]:
    """The segments of a closed spline from its point ``i`` forward to point ``j``."""
    n = len(loop)
    out, k = [], i
    while k % n != j % n:
        out.append(loop[k % n])
        k += 1
    return out


def line(*chains: list[Seg]) -> list[Seg]:
    """Chains joined end to start (each must start where the last ended)."""
    joined: list[Seg] = []
    for chain in chains:
        if joined and chain:
            end, start = joined[-1][3], chain[0][0]
            if math.dist(end, start) > 0.01:
                raise ValueError(f"chains do not meet: {end} vs {start}")
        joined += chain
    return joined


def d(*paths: list[Seg], close: bool = True, dx: float = 0.0) -> str:
    """Path data for these chains, moved ``dx`` to the right."""
    parts = []
    for segs in paths:
        x, y = segs[0][0]
        parts.append(f"M {x + dx:.1f} {y:.1f}")
        for _, (ax, ay), (bx, by), (ex, ey) in segs:
            parts.append(f"C {ax + dx:.1f} {ay:.1f} {bx + dx:.1f} {by:.1f} {ex + dx:.1f} {ey:.1f}")
        if close:
            parts.append("Z")
    return " ".join(parts)


def circle(cx: float, cy: float, r: float) -> list[Seg]:
    k = 0.5523 * r
    return [
        ((cx + r, cy), (cx + r, cy + k), (cx + k, cy + r), (cx, cy + r)),
        ((cx, cy + r), (cx - k, cy + r), (cx - r, cy + k), (cx - r, cy)),
        ((cx - r, cy), (cx - r, cy - k), (cx - k, cy - r), (cx, cy - r)),
        ((cx, cy - r), (cx + k, cy - r), (cx + r, cy - k), (cx + r, cy)),
    ]


class Svg:
    def __init__(self, name: str, width: float, height: float, title: str):
        self.name, self.width, self.height, self.title = name, width, height, title
        self.lines: list[tuple[str, float, str]] = []
        self.zones: list[tuple[str, str, str | None, str, bool]] = []

    def draw(self, ident: str, path_data: str, width: float = 2.2) -> None:
        self.lines.append((ident, width, path_data))

    def zone(self, area: str, zone: str | None, path_data: str, evenodd: bool = False):
        ident = f"{area}.{zone}" if zone else area
        self.zones.append((ident, area, zone, path_data, evenodd))

    def write(self) -> Path:
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:g} '
            f'{self.height:g}" width="{self.width:g}" height="{self.height:g}" color="{INK}">',
            f"  <title>{self.title}</title>",
            "  <desc>Drawn for consult by tools/draw_figures.py. Each path in the group "
            "'zones' is a treatment area or face zone named by the catalog's ids.</desc>",
            f'  <g id="zones" fill="{ZONE_FILL}" fill-opacity="0.25" stroke="none">',
        ]
        for ident, area, zone, data, evenodd in self.zones:
            extra = f' data-zone="{zone}"' if zone else ""
            rule = ' fill-rule="evenodd"' if evenodd else ""
            out.append(f'    <path id="{ident}" data-area="{area}"{extra}{rule} d="{data}"/>')
        out.append("  </g>")
        out.append(
            '  <g id="outline" fill="none" stroke="currentColor" stroke-width="2.2" '
            'stroke-linecap="round" stroke-linejoin="round">'
        )
        for ident, width, data in self.lines:
            w = f' stroke-width="{width:g}"' if width != 2.2 else ""
            out.append(f'    <path id="{ident}"{w} d="{data}"/>')
        out.append("  </g>")
        out.append("</svg>")
        path = OUT / f"{self.name}.svg"
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        return path


# --------------------------------------------------------------------------- the face

CX = 200.0


def face() -> Svg:
    svg = Svg("face", 400, 540, "Face and neck, from the front")
    # The head's outline, the viewer's right half from the crown to the chin (point 11).
    half = [
        (200, 34),
        (254, 40),
        (296, 63),
        (322, 104),
        (331, 160),  # 4: where the hairline meets it
        (333, 200),  # 5: brow level
        (331, 244),  # 6: the cheekbone
        (324, 290),  # 7: below the ear, where the jawline starts
        (310, 330),  # 8: the angle of the jaw
        (284, 364),  # 9: where the neck leaves the jaw
        (246, 389),  # 10: where the chin starts
        (200, 398),  # 11: the chin
    ]
    knots = half + mirror_x(half[1:-1], CX)[::-1]
    n = len(knots)  # the mirror of point k (1..10) is point n - k

    def m(k: int) -> int:
        return n - k

    head = spline(knots, closed=True)
    svg.draw("head", d(head))

    # Hairline, from the left temple over the forehead to the right temple.
    hair_half = [(200, 104), (238, 100), (276, 108), (306, 126), knots[4]]
    hair_pts = mirror_x(hair_half[1:], CX)[::-1] + hair_half
    hairline = spline(hair_pts)
    svg.draw("hairline", d(hairline, close=False))
    # A side parting, and the hair's sweep from it.
    svg.draw("parting", d(spline([(232, 38), (230, 58), (226, 80), (222, 101)]), close=False), 1.3)

    # Brows, eyes, nose, lips (the right side drawn, the left mirrored).
    brow = [(218, 201), (240, 190), (266, 188), (290, 194), (304, 204)]
    upper_lid = [(220, 230, "c"), (234, 219), (252, 216), (270, 221), (281, 229, "c")]
    lower_lid = [(220, 230, "c"), (236, 237), (256, 239), (281, 229, "c")]
    crease = [(226, 219), (244, 209), (266, 210), (282, 220)]
    for side, flip in (("right", False), ("left", True)):

        def pts(points, flip=flip):
            return mirror_x(points, CX) if flip else points

        svg.draw(f"brow-{side}", d(spline(pts(brow)), close=False), 3.2)
        svg.draw(f"eye-{side}", d(spline(pts(upper_lid)), spline(pts(lower_lid)), close=False))
        svg.draw(f"lid-{side}", d(spline(pts(crease)), close=False), 1.3)
        iris_x = 2 * CX - 251 if flip else 251
        svg.draw(f"iris-{side}", d(circle(iris_x, 227.5, 10.2)), 1.6)
        svg.draw(f"pupil-{side}", d(circle(iris_x, 227.5, 3.2)), 3.4)
    wing = [(217, 275), (226, 284), (224, 294), (214, 297)]
    svg.draw("nose-bridge", d(spline([(211, 238), (213, 256), (217, 270)]), close=False), 1.6)
    svg.draw("nose-wing-right", d(spline(wing), close=False))
    svg.draw("nose-wing-left", d(spline(mirror_x(wing, CX)), close=False))
    svg.draw("nose-tip", d(spline([(208, 299), (200, 302), (192, 299)]), close=False))
    upper_lip = [
        (231, 333, "c"),
        (216, 324),
        (206, 321),
        (200, 325, "c"),
        (194, 321),
        (184, 324),
        (169, 333, "c"),
    ]
    mouth = [(231, 333, "c"), (215, 334.5), (200, 336), (185, 334.5), (169, 333, "c")]
    lower_lip = [(229, 336), (214, 348), (200, 351), (186, 348), (171, 336)]
    svg.draw("lip-upper", d(spline(upper_lip), close=False))
    svg.draw("mouth", d(spline(mouth), close=False), 2.4)
    svg.draw("lip-lower", d(spline(lower_lip), close=False))
    svg.draw("chin-crease", d(spline([(190, 366), (200, 368), (210, 366)]), close=False), 1.2)

    # Ears.
    ear = [(333, 210), (347, 203), (357, 214), (357, 242), (349, 267), (337, 284), (326, 289)]
    inner_ear = [(343, 219), (349, 233), (345, 253), (338, 264)]
    for side, points in (("right", ear), ("left", mirror_x(ear, CX))):
        svg.draw(f"ear-{side}", d(spline(points), close=False))
    for side, points in (("right", inner_ear), ("left", mirror_x(inner_ear, CX))):
        svg.draw(f"ear-inner-{side}", d(spline(points), close=False), 1.3)

    # Neck and shoulders.
    neck_right = spline([knots[9], (281, 402), (283, 440), (292, 466)])
    neck_left = spline([(108, 466), (117, 440), (119, 402), knots[m(9)]])
    shoulder = [(292, 466), (318, 480), (358, 492), (398, 502)]
    svg.draw("neck-right", d(neck_right, close=False))
    svg.draw("neck-left", d(neck_left, close=False))
    svg.draw("shoulder-right", d(spline(shoulder), close=False))
    svg.draw("shoulder-left", d(spline(mirror_x(shoulder, CX)), close=False))
    collar = [(214, 500), (246, 494), (282, 496), (318, 506)]
    svg.draw("collarbone-right", d(spline(collar), close=False), 1.6)
    svg.draw("collarbone-left", d(spline(mirror_x(collar, CX)), close=False), 1.6)
    svg.draw("notch", d(spline([(190, 497), (200, 505), (210, 497)]), close=False), 1.4)

    # --- zones
    forehead_low = spline(
        [
            knots[5],
            (314, 190),
            (282, 179),
            (240, 176),
            (200, 183),
            (160, 176),
            (118, 179),
            (86, 190),
            knots[m(5)],
        ]
    )
    forehead = line(
        between(head, m(5), m(4)),
        hairline,
        between(head, 4, 5),
        forehead_low,
    )
    svg.zone("face", "forehead", d(forehead))

    around = [
        (206, 229),
        (212, 213),
        (238, 204),
        (272, 205),
        (298, 215),
        (308, 232),
        (298, 249),
        (268, 258),
        (238, 256),
        (214, 246),
    ]
    eye = line(spline(upper_lid), reverse(spline(lower_lid)))
    around_left = mirror_x(around, CX)
    eye_left = line(spline(mirror_x(upper_lid, CX)), reverse(spline(mirror_x(lower_lid, CX))))
    svg.zone(
        "face",
        "periorbital",
        d(spline(around, closed=True), eye, spline(around_left, closed=True), eye_left),
        evenodd=True,
    )

    nose = [
        (191, 234),
        (187, 256),
        (180, 274),
        (175, 289),
        (185, 300),
        (200, 304),
        (215, 300),
        (225, 289),
        (220, 274),
        (213, 256),
        (209, 234),
        (200, 231),
    ]
    svg.zone("face", "nose", d(spline(nose, closed=True)))

    cheek_top = spline([knots[6], (302, 258), (268, 265), (238, 266, "c")])
    cheek_inner = spline(
        [(238, 266, "c"), (234, 286), (244, 310), (268, 324), (298, 312), knots[7]]
    )
    cheek = line(cheek_top, cheek_inner, reverse(between(head, 6, 7)))
    svg.zone("face", "cheeks", d(cheek, mirror_segments(cheek)))

    lip_top = spline([(172, 311, "c"), (186, 307), (200, 310), (214, 307), (228, 311, "c")])
    lip_right = spline([(228, 311, "c"), (236, 322), upper_lip[0]])
    lip_left = spline([upper_lip[-1], (164, 322), (172, 311, "c")])
    svg.zone("face", "upper_lip", d(line(lip_top, lip_right, spline(upper_lip), lip_left)))

    chin_top = spline([(178, 359, "c"), (200, 363), (222, 359, "c")])
    chin_right = spline([(222, 359, "c"), (238, 372), knots[10]])
    chin_left = spline([knots[m(10)], (162, 372), (178, 359, "c")])
    chin = line(chin_top, chin_right, between(head, 10, m(10)), chin_left)
    svg.zone("face", "chin", d(chin))

    jaw_inner = spline([knots[10], (258, 372), (281, 349), (297, 322), (307, 298), knots[7]])
    jaw = line(between(head, 7, 10), jaw_inner)
    svg.zone("face", "jawline", d(jaw, mirror_segments(jaw)))

    neck_low = spline([(292, 466), (250, 476), (200, 479), (150, 476), (108, 466)])
    neck = line(reverse(between(head, 9, m(9))), neck_right, neck_low, neck_left)
    svg.zone("neck", None, d(neck))
    return svg


def mirror_segments(segs: list[Seg], cx: float = CX) -> list[Seg]:
    return [tuple((2 * cx - x, y) for x, y in seg) for seg in segs]


# --------------------------------------------------------------------------- the body

BX = 130.0
BODY_DX = -35.0

# The body's outline, the viewer's right half from the neck (point 0) round the arm and down
# the leg to the crotch (the last point); the left half is its mirror.
BODY = [
    (139, 75),  # 0: the neck under the jaw
    (142, 89),  # 1: the base of the neck
    (165, 96),  # 2: the top of the shoulder
    (186, 108),  # 3: the point of the shoulder
    (194, 128),
    (198, 158),
    (201, 186),  # 6: the elbow, outside
    (205, 216),
    (209, 246),  # 8: the wrist, outside
    (215, 264),
    (219, 284),
    (212, 299),  # 11: the fingertips
    (203, 292),
    (199, 270),
    (197, 249),  # 14: the wrist, inside
    (192, 218),
    (186, 189),  # 16: the elbow, inside
    (181, 160),
    (174, 133, "c"),  # 18: the armpit
    (172, 152),
    (167, 180),
    (163, 207),  # 21: the waist
    (166, 232),  # 22: where the hip starts
    (174, 257),
    (178, 283),  # 24: the widest of the hips
    (177, 320),
    (169, 363),  # 26: the knee, outside
    (168, 392),
    (170, 421),
    (164, 452),
    (159, 470),
    (167, 487),
    (161, 496, "c"),  # 32: the toes
    (141, 496, "c"),
    (139, 476),
    (141, 450),
    (144, 421),
    (142, 392),
    (140, 363),  # 38: the knee, inside
    (138, 324),
    (134, 298),
    (130, 291, "c"),  # 41: the crotch
]


def dd(*paths: list[Seg], close: bool = True) -> str:
    return d(*paths, close=close, dx=BODY_DX)


def body(view: str) -> Svg:
    front = view == "front"
    title = "The body from the front" if front else "The body from the back"
    # Drawn about x = 130 and moved left, so the figure fills its 190-wide drawing.
    svg = Svg(f"body-{view}", 190, 520, title)
    right = BODY
    left = mirror_x(BODY, BX)
    last = len(BODY) - 1
    # One open line from the left neck, round the left arm and leg, to the crotch and on
    # round the right leg and arm to the right neck.
    sequence = left + right[::-1][1:]  # the crotch once
    outline = spline(sequence)
    # Points of the right half in ``sequence``: right[k] is at len(left) + (last - k) - 1.
    offset = len(left) - 1

    def r(k: int) -> int:
        return offset + (last - k)

    def lft(k: int) -> int:
        return k

    def along(a: int, b: int) -> list[Seg]:
        """The outline from sequence point a to b (either direction)."""
        return outline[a:b] if a < b else reverse(outline[b:a])

    svg.draw("body", dd(outline, close=False))
    head = [(130, 11), (147, 16), (155, 34), (153, 52), (146, 66), (138, 75), (130, 78)]
    head_pts = head + mirror_x(head[1:-1], BX)[::-1]
    svg.draw("head", dd(spline(head_pts, closed=True)))
    if front:
        svg.draw("collar", dd(spline([(118, 95), (130, 99), (142, 95)]), close=False), 1.3)
        for sign in (1, -1):
            clav = [(BX + sign * 8, 97), (BX + sign * 22, 95), (BX + sign * 36, 98)]
            svg.draw(f"clavicle-{sign}", dd(spline(clav), close=False), 1.2)
            fold = [(BX + sign * 6, 158), (BX + sign * 18, 162), (BX + sign * 34, 156)]
            svg.draw(f"breast-fold-{sign}", dd(spline(fold), close=False), 1.4)
            knee = [(BX + sign * 13, 372), (BX + sign * 21, 376), (BX + sign * 30, 371)]
            svg.draw(f"knee-{sign}", dd(spline(knee), close=False), 1.1)
        svg.draw("navel", dd(circle(130, 214, 1.8)), 1.4)
        svg.draw("groin-r", dd(spline([(154, 250), (143, 270), (133, 286)]), close=False), 1.2)
        svg.draw("groin-l", dd(spline([(106, 250), (117, 270), (127, 286)]), close=False), 1.2)
    else:
        svg.draw(
            "spine", dd(spline([(130, 98), (131, 150), (130, 200), (130, 240)]), close=False), 1.2
        )
        for sign in (1, -1):
            blade = [
                (BX + sign * 12, 112),
                (BX + sign * 28, 118),
                (BX + sign * 30, 138),
                (BX + sign * 18, 150),
            ]
            svg.draw(f"blade-{sign}", dd(spline(blade), close=False), 1.2)
            fold = [(BX + sign * 4, 302), (BX + sign * 24, 306), (BX + sign * 42, 298)]
            svg.draw(f"gluteal-fold-{sign}", dd(spline(fold), close=False), 1.4)
            knee = [(BX + sign * 14, 368), (BX + sign * 22, 366), (BX + sign * 30, 368)]
            svg.draw(f"knee-back-{sign}", dd(spline(knee), close=False), 1.1)
        svg.draw("cleft", dd(spline([(130, 250), (130, 276), (130, 292)]), close=False), 1.3)
        hair = [(108, 52), (116, 62), (130, 66), (144, 62), (152, 52)]
        svg.draw("hair", dd(spline(hair), close=False), 1.2)
        svg.draw("crown", dd(spline([(130, 16), (128, 30), (130, 44)]), close=False), 1.1)

    def both(path: list[Seg]) -> str:
        return dd(path, mirror_segments(path, BX))

    arm = line(
        along(r(3), r(6)),
        spline([right[6], (193, 190), right[16]]),
        along(r(16), r(18)),
        spline([right[18], (181, 118), right[3]]),
    )
    svg.zone("upper_arms", None, both(arm))
    thigh_bottom = spline([right[26], (154, 367), right[38]])
    if front:
        neck = line(
            spline([left[0], (130, 80), right[0]]),
            along(r(0), r(1)),
            spline([right[1], (130, 93), left[1]]),
            along(lft(1), lft(0)),
        )
        svg.zone("neck", None, dd(neck))
        chest = line(
            spline([left[1], (130, 93), right[1]]),
            along(r(1), r(2)),
            spline([right[2], (164, 110), (152, 123), (130, 127), (108, 123), (96, 110), left[2]]),
            along(lft(2), lft(1)),
        )
        svg.zone("chest", None, dd(chest))
        breast = [
            (137, 131),
            (153, 127),
            (166, 135),
            (168, 149),
            (158, 160),
            (142, 161),
            (134, 151),
            (133, 139),
        ]
        svg.zone(
            "breasts",
            None,
            dd(spline(breast, closed=True), spline(mirror_x(breast, BX), closed=True)),
        )
        abdomen = [
            (161, 167, "c"),
            (158, 196),
            (157, 222),
            (160, 245, "c"),
            (146, 257),
            (130, 262),
            (114, 257),
            (100, 245, "c"),
            (103, 222),
            (102, 196),
            (99, 167, "c"),
            (115, 164),
            (130, 165),
            (145, 164),
        ]
        svg.zone("abdomen", None, dd(spline(abdomen, closed=True)))
        hip = line(along(r(22), r(24)), spline([right[24], (168, 278), (162, 256), right[22]]))
        svg.zone("hips", None, both(hip))
        hand = line(along(r(8), r(14)), spline([right[14], (203, 246), right[8]]))
        svg.zone("hands", None, both(hand))
        thigh = line(
            along(r(24), r(26)),
            thigh_bottom,
            along(r(38), r(40)),
            spline([right[40], (152, 291), right[24]]),
        )
        svg.zone("thighs", None, both(thigh))
    else:
        back = line(
            spline([left[1], (130, 93), right[1]]),
            along(r(1), r(2)),
            spline([right[2], (170, 112), right[18]]),
            along(r(18), r(22)),
            spline([right[22], (146, 244), (130, 246), (114, 244), left[22]]),
            along(lft(22), lft(18)),
            spline([left[18], (90, 112), left[2]]),
            along(lft(2), lft(1)),
        )
        svg.zone("back", None, dd(back))
        fold = spline([right[24], (172, 296), (152, 306), (131, 300, "c")])
        buttock = line(
            spline([(131, 250, "c"), (146, 246), right[22]]),
            along(r(22), r(24)),
            fold,
            spline([(131, 300, "c"), (131, 275), (131, 250, "c")]),
        )
        svg.zone("buttocks", None, both(buttock))
        thigh = line(
            reverse(fold),
            along(r(24), r(26)),
            thigh_bottom,
            along(r(38), r(40)),
            spline([right[40], (131, 300, "c")]),
        )
        svg.zone("thighs", None, both(thigh))
    return svg


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for svg in (face(), body("front"), body("back")):
        print(svg.write())


if __name__ == "__main__":
    sys.exit(main())
