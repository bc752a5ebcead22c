"""The anatomical drawings (``resources/drawings/*.svg``) read as plain geometry.

Each drawing is an SVG file drawn for this project (``tools/draw_figures.py`` makes them): a
group ``outline`` of line art, and a group ``zones`` whose paths are the treatment areas and
face zones, each named by the catalog's ids — ``id="face.cheeks"`` is the face's cheeks zone,
``id="neck"`` the whole neck, and ``data-area``/``data-zone`` say the same for a program. The
screens render the line art with QtSvg and make the zones clickable from the paths read here;
the printed plan draws the same paths with reportlab, the treated zones shaded.

Only what the drawings use is read: ``<path>`` elements with absolute or relative ``M``,
``L``, ``H``, ``V``, ``C``, ``Q`` and ``Z`` commands, no transforms. Anything else is an
error naming the file and the element, so a drawing that would show wrongly never loads.
No Qt and no reportlab here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from consult.system.resources import resource_path

SVG = "{http://www.w3.org/2000/svg}"
DRAWINGS = ("face", "body-front", "body-back")

Point = tuple[float, float]
# A path as drawing commands in absolute coordinates: ("M", p), ("L", p), ("C", c1, c2, p),
# ("Z",). Quadratic curves are turned into cubic ones.
Command = tuple
Key = tuple[str, str | None]


class DrawingError(ValueError):
    pass


@dataclass(frozen=True)
class Shape:
    commands: tuple[Command, ...]
    even_odd: bool = False  # a hole (an eye in the skin around it) stays empty

    def bounds(self) -> tuple[float, float, float, float]:
        xs, ys = [], []
        for command in self.commands:
            for x, y in command[1:]:
                xs.append(x)
                ys.append(y)
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Zone:
    key: Key  # (area id, zone id or None for the whole area)
    element_id: str
    shape: Shape


@dataclass(frozen=True)
class Drawing:
    name: str
    path: Path
    width: float
    height: float
    outline: tuple[tuple[Shape, float], ...]  # each line with its stroke width
    zones: tuple[Zone, ...]
    caption: str

    def keys(self) -> set[Key]:
        return {zone.key for zone in self.zones}


_TOKEN = re.compile(r"[MmLlHhVvCcQqZz]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def parse_path(d: str, where: str = "path") -> tuple[Command, ...]:
    """An SVG path's ``d`` as absolute commands."""
    tokens = _TOKEN.findall(d)
    if "".join(tokens).replace(" ", "") == "" and d.strip():
        raise DrawingError(f"{where}: no path data")
    leftover = _TOKEN.sub(" ", d).replace(",", " ").strip()
    if leftover:
        raise DrawingError(f"{where}: unsupported path data {leftover[:20]!r}")
    commands: list[Command] = []
    x = y = 0.0
    start = (0.0, 0.0)
    i = 0
    op = ""

    def number() -> float:
        nonlocal i
        if i >= len(tokens) or tokens[i].isalpha():
            raise DrawingError(f"{where}: a number is missing after {op!r}")
        value = float(tokens[i])
        i += 1
        return value

    while i < len(tokens):
        if tokens[i].isalpha():
            op = tokens[i]
            i += 1
        elif not op:
            raise DrawingError(f"{where}: path data must start with a command")
        relative = op.islower()
        kind = op.upper()
        dx, dy = (x, y) if relative else (0.0, 0.0)
        if kind == "Z":
            commands.append(("Z",))
            x, y = start
            op = ""
            continue
        if kind == "M":
            x, y = number() + dx, number() + dy
            start = (x, y)
            commands.append(("M", (x, y)))
            op = "l" if relative else "L"  # further pairs are lines
        elif kind == "L":
            x, y = number() + dx, number() + dy
            commands.append(("L", (x, y)))
        elif kind == "H":
            x = number() + dx
            commands.append(("L", (x, y)))
        elif kind == "V":
            y = number() + dy
            commands.append(("L", (x, y)))
        elif kind == "C":
            c1 = (number() + dx, number() + dy)
            c2 = (number() + dx, number() + dy)
            x, y = number() + dx, number() + dy
            commands.append(("C", c1, c2, (x, y)))
        elif kind == "Q":
            q = (number() + dx, number() + dy)
            end = (number() + dx, number() + dy)
            c1 = (x + 2 / 3 * (q[0] - x), y + 2 / 3 * (q[1] - y))
            c2 = (end[0] + 2 / 3 * (q[0] - end[0]), end[1] + 2 / 3 * (q[1] - end[1]))
            x, y = end
            commands.append(("C", c1, c2, end))
        else:
            raise DrawingError(f"{where}: the path command {op!r} is not supported")
    if not commands or commands[0][0] != "M":
        raise DrawingError(f"{where}: a path must start with M")
    return tuple(commands)


def _key(element: ET.Element, where: str) -> Key:
    area = element.get("data-area")
    if not area:
        raise DrawingError(f"{where}: a zone needs data-area")
    zone = element.get("data-zone") or None
    expected = f"{area}.{zone}" if zone else area
    if element.get("id", "").split("#")[0] != expected:
        raise DrawingError(f"{where}: its id should be {expected!r}")
    return area, zone


def read_drawing(path: Path) -> Drawing:
    """Read one drawing; DrawingError says what is wrong, and where."""
    try:
        # Only the app's own bundled drawings are read (never a file from outside).
        root = ET.parse(path).getroot()  # noqa: S314
    except (ET.ParseError, OSError) as exc:
        raise DrawingError(f"{path.name}: {exc}") from exc
    view = [float(v) for v in (root.get("viewBox") or "").split()]
    if len(view) != 4 or view[:2] != [0, 0]:
        raise DrawingError(f"{path.name}: the svg needs viewBox='0 0 WIDTH HEIGHT'")
    outline: list[tuple[Shape, float]] = []
    zones: list[Zone] = []
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    for name in ("outline", "zones"):
        if name not in groups:
            raise DrawingError(f"{path.name}: the group {name!r} is missing")
    for element in root.iter():
        if element.get("transform"):
            raise DrawingError(f"{path.name}: transforms are not supported ({element.tag})")
    default_width = float(groups["outline"].get("stroke-width", "2"))
    for element in groups["outline"].iter(f"{SVG}path"):
        where = f"{path.name}: outline path {element.get('id', '')}".rstrip()
        width = float(element.get("stroke-width", default_width))
        outline.append((Shape(parse_path(element.get("d", ""), where)), width))
    for element in groups["zones"].iter(f"{SVG}path"):
        where = f"{path.name}: zone {element.get('id', '?')}"
        shape = Shape(
            parse_path(element.get("d", ""), where), element.get("fill-rule") == "evenodd"
        )
        zones.append(Zone(_key(element, where), element.get("id", ""), shape))
    caption = ""
    for title in root.iter(f"{SVG}title"):
        caption = (title.text or "").strip()
        break
    return Drawing(path.stem, path, view[2], view[3], tuple(outline), tuple(zones), caption)


@cache
def drawings() -> tuple[Drawing, ...]:
    """The bundled drawings: the face, and the body from the front and from the back."""
    return tuple(read_drawing(resource_path("drawings", f"{name}.svg")) for name in DRAWINGS)


def drawing(name: str) -> Drawing:
    return next(d for d in drawings() if d.name == name)


def treated_keys(areas) -> set[Key]:
    """The zones to shade for these chosen areas (``AreaChoice``-like: ``area_id``,
    ``zones``): a chosen zone; every zone and the whole of an area chosen whole."""
    keys: set[Key] = set()
    drawn = {zone.key for d in drawings() for zone in d.zones}
    for choice in areas:
        if choice.zones:
            keys |= {(choice.area_id, z) for z in choice.zones}
        else:
            keys |= {k for k in drawn if k[0] == choice.area_id}
            keys.add((choice.area_id, None))
    return keys
