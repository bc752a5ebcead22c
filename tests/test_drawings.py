"""The anatomical drawings: every area and face zone of the catalog is a named path, the
files read back as the geometry the screens and the plan draw, and the map on screen
highlights, names and chooses a zone."""

from __future__ import annotations

import pytest

from consult.app.catalog import load_catalog
from consult.domain.model import AreaChoice
from consult.system.drawings import DrawingError, drawings, parse_path, read_drawing, treated_keys

CATALOG = load_catalog().catalog


def test_every_area_and_face_zone_is_drawn_and_named_by_its_ids():
    drawn = {zone.key for d in drawings() for zone in d.zones}
    wanted = {(a.id, None) for a in CATALOG.areas if not a.zones}
    wanted |= {(a.id, z.id) for a in CATALOG.areas for z in a.zones}
    assert drawn == wanted
    for drawing in drawings():
        for zone in drawing.zones:
            area, part = zone.key
            assert zone.element_id == (f"{area}.{part}" if part else area)


def test_zones_lie_inside_their_drawing_and_each_face_zone_is_apart():
    for drawing in drawings():
        for zone in drawing.zones:
            left, top, right, bottom = zone.shape.bounds()
            assert 0 <= left < right <= drawing.width and 0 <= top < bottom <= drawing.height
    face = next(d for d in drawings() if d.name == "face")
    boxes = {z.key[1]: z.shape.bounds() for z in face.zones if z.key[0] == "face"}
    # Forehead above the eyes, the eyes above the upper lip, the lip above the chin.
    assert boxes["forehead"][3] < boxes["periorbital"][3] < boxes["upper_lip"][1]
    assert boxes["upper_lip"][3] < boxes["chin"][3]


def test_path_data_reads_as_absolute_commands():
    commands = parse_path("M 10 10 l 5 0 h 5 v 5 c 0 5 -5 5 -5 5 Q 0 20 0 10 Z")
    assert commands[0] == ("M", (10.0, 10.0))
    assert commands[1] == ("L", (15.0, 10.0))
    assert commands[2] == ("L", (20.0, 10.0))
    assert commands[3] == ("L", (20.0, 15.0))
    assert commands[4] == ("C", (20.0, 20.0), (15.0, 20.0), (15.0, 20.0))
    assert commands[5][0] == "C" and commands[5][3] == (0.0, 10.0)
    assert commands[-1] == ("Z",)


@pytest.mark.parametrize(
    ("data", "words"),
    [("L 1 1", "must start with"), ("M 1 1 A 1 1 0 0 1 2 2", "unsupported"), ("M 1", "missing")],
)
def test_path_data_it_cannot_draw_is_refused(data, words):
    with pytest.raises(DrawingError, match=words):
        parse_path(data)


def test_a_drawing_with_a_misnamed_zone_is_refused(tmp_path):
    bad = tmp_path / "bad.svg"
    bad.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g id="zones">'
        '<path id="face.cheek" data-area="face" data-zone="cheeks" d="M 1 1 L 2 2 Z"/></g>'
        '<g id="outline"><path d="M 0 0 L 1 1"/></g></svg>'
    )
    with pytest.raises(DrawingError, match=r"its id should be 'face\.cheeks'"):
        read_drawing(bad)


def test_treated_zones_are_those_chosen_or_all_of_an_area_chosen_whole():
    keys = treated_keys([AreaChoice("face", ("cheeks",)), AreaChoice("neck")])
    assert ("face", "cheeks") in keys and ("face", "chin") not in keys
    assert ("neck", None) in keys
    whole = treated_keys([AreaChoice("face")])
    assert {("face", z.id) for z in CATALOG.area("face").zones} <= whole


@pytest.mark.gui
def test_the_map_highlights_names_and_chooses_a_zone(qtbot):
    from PySide6.QtCore import QPoint, QPointF, Qt

    from consult.ui.zone_map import ZoneMap

    names = {("face", "cheeks"): "Face: Cheeks", ("neck", None): "Neck"}
    view = ZoneMap(names)
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    qtbot.waitExposed(view)
    assert set(view.items_by_key) == set(names)  # only what the catalog offers
    assert len(view.items_by_key[("neck", None)]) == 2  # on the face and on the body
    cheeks = view.items_by_key[("face", "cheeks")][0]
    box = cheeks.path().boundingRect()
    inside = next(
        QPointF(box.left() + box.width() * fx, box.top() + box.height() * 0.5)
        for fx in (0.15, 0.2, 0.25, 0.8, 0.85)
        if cheeks.path().contains(QPointF(box.left() + box.width() * fx, box.center().y()))
    )
    point = view.mapFromScene(cheeks.mapToScene(inside))
    idle = cheeks.brush().color().alpha()
    qtbot.mouseMove(view.viewport(), QPoint(1, 1))  # from outside any zone, onto the cheek
    qtbot.mouseMove(view.viewport(), point)
    qtbot.waitUntil(lambda: cheeks.hovered)
    assert view.label_text() == "Face: Cheeks"
    assert cheeks.brush().color().alpha() > idle
    with qtbot.waitSignal(view.clicked) as clicked:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert clicked.args == ["face", "cheeks"]
    view.set_chosen({("face", "cheeks")})
    assert view.chosen() == {("face", "cheeks")}
    assert cheeks.brush().color().alpha() > 100
