"""The printed plan after issue 19: the treated zones drawn and shaded, booked times in the
calendar, a revised plan saying what it replaces, and a calendar that goes on over the page
with its header repeated rather than leaving page 1 empty."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest
from report_helpers import TODAY, page_texts, pdf_text, reader

from consult.domain.model import AreaChoice, ConcernChoice
from consult.drawings import treated_keys
from consult.report.demo import demo_consultation
from consult.report.figure import chosen_drawings
from consult.report.styles import ACCENT


def _fill(colour) -> bytes:
    from reportlab.lib.rl_accel import fp_str

    return f"{fp_str(colour.red, colour.green, colour.blue)} rg".encode()


def _page_one(pdf) -> bytes:
    return reader(pdf).pages[0].get_contents().get_data()


def test_the_treated_zones_are_drawn_and_shaded(render, catalog):
    cheeks = AreaChoice("face", ("cheeks",), (ConcernChoice("acne_scars", "moderate"),))
    item = replace(demo_consultation(catalog, TODAY), areas=(cheeks,))
    pdf, _, _ = render(consultation=item)
    text = page_texts(pdf)[0]
    assert "Face and neck" in text  # the drawing's caption, on page 1
    assert "Front" not in text  # no body drawing for the face alone
    content = _page_one(pdf)
    assert _fill(ACCENT) in content  # the shaded zone
    # A stretch-marks plan shows the body instead, front or back as the areas need.
    thighs = AreaChoice("thighs", (), (ConcernChoice("stretch_marks", "recent"),))
    item = replace(item, areas=(thighs,), adjuncts=())
    text = page_texts(render(consultation=item)[0])[0]
    assert "Front" in text and "Back" in text and "Face and neck" not in text


def test_the_drawings_chosen_follow_the_areas():
    def names(*areas):
        return [d.name for d in chosen_drawings(areas)]

    assert names(AreaChoice("face", ("chin",))) == ["face"]
    assert names(AreaChoice("neck")) == ["face"]  # the neck is on the face drawing
    assert names(AreaChoice("face"), AreaChoice("neck")) == ["face"]
    assert names(AreaChoice("back")) == ["body-back"]
    assert names(AreaChoice("face"), AreaChoice("abdomen")) == ["face", "body-front"]
    assert names(AreaChoice("thighs")) == ["body-front", "body-back"]
    assert ("face", "chin") in treated_keys([AreaChoice("face", ("chin",))])


def test_booked_times_are_in_the_calendar(render, catalog):
    item = replace(
        demo_consultation(catalog, TODAY),
        appointment_time=time(14, 30),
        times={"session-2": time(9, 0)},
    )
    text = pdf_text(render(consultation=item)[0])
    assert "Time" in text and "2:30 PM" in text.replace("\u202f", " ")
    assert "9:00 AM" in text.replace("\u202f", " ")
    spanish = pdf_text(render(consultation=replace(item, patient=replace(item.patient,
                                                                         language="es")))[0])
    assert "Hora" in spanish and "14:30" in spanish
    # Without a booked time there is no time column.
    assert "Time" not in pdf_text(render()[0]).split("Your appointments")[1][:40]


def test_a_revised_plan_says_which_plan_it_replaces(render):
    pdf, _, _ = render(replaces=("12", date(2026, 11, 2)))
    assert "Revised plan: it replaces plan 12 of November 2, 2026." in page_texts(pdf)[0]
    spanish = page_texts(render(lang="es", replaces=("12", date(2026, 11, 2)))[0])[0]
    assert "Plan revisado: sustituye al plan 12 del 2 de noviembre de 2026." in spanish
    assert "Revised plan" not in pdf_text(render()[0])


@pytest.mark.parametrize("large", [False, True])
def test_a_long_calendar_starts_on_page_1_and_goes_on_with_its_header(render, catalog, large):
    neck = AreaChoice("neck", (), (ConcernChoice("fine_lines", "deep"),))
    item = replace(
        demo_consultation(catalog, TODAY), areas=(neck,), adjuncts=(), session_count=6
    )
    pdf, _, plan = render(consultation=item, large_print=large)
    texts = page_texts(pdf)
    count = len(plan.sessions)
    first = texts[0]
    if "Your appointments" in first:  # it starts where there is room for its first rows
        on_first = first.count("Microneedling session")
        assert on_first >= 2, "the heading is kept with its first rows"
        if on_first < count:  # it goes on, the header row repeated
            assert texts[1].count("Microneedling session") == count - on_first
            assert "Visit Day Date" in texts[1]
    else:  # no room for its first rows: it starts the next page whole
        assert f"Microneedling session 1 of {count}" in texts[1]


def test_page_one_is_not_left_a_third_empty(render, catalog):
    """The calendar that used to move whole to page 2 starts on page 1."""
    neck = AreaChoice("neck", (), (ConcernChoice("fine_lines", "deep"),))
    item = replace(demo_consultation(catalog, TODAY), areas=(neck,), adjuncts=(), session_count=6)
    pdf, _, plan = render(consultation=item)
    first, second = page_texts(pdf)[:2]
    assert "Your appointments" in first
    assert f"Microneedling session 1 of {len(plan.sessions)}" in first
    assert "Visit Day Date" in second  # split, its header on the next page too
