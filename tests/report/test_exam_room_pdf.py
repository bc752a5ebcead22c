"""The printed plan after issue 19: the treated zones drawn and shaded, booked times in the
calendar, a revised plan saying what it replaces, and a calendar that goes on over the page
with its header repeated rather than leaving page 1 empty."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from report_helpers import TODAY, page_texts, pdf_text, reader

from consult.domain.model import AreaChoice, ConcernChoice
from consult.report.demo import demo_consultation
from consult.report.figure import chosen_drawings
from consult.report.styles import ACCENT
from consult.system.drawings import treated_keys


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
    spanish = pdf_text(
        render(consultation=replace(item, patient=replace(item.patient, language="es")))[0]
    )
    assert "Hora" in spanish and "14:30" in spanish
    # Without a booked time there is no time column.
    assert "Time" not in pdf_text(render()[0]).split("Your appointments")[1][:40]


def test_a_revised_plan_says_which_plan_it_replaces(render):
    pdf, _, _ = render(replaces=("12", date(2026, 11, 2)))
    assert "Revised plan: it replaces plan 12 of November 2, 2026." in page_texts(pdf)[0]
    spanish = page_texts(render(lang="es", replaces=("12", date(2026, 11, 2)))[0])[0]
    assert "Plan revisado: sustituye al plan 12 del 2 de noviembre de 2026." in spanish
    assert "Revised plan" not in pdf_text(render()[0])


def _lowest_body_text(page) -> float:
    """How high the lowest line of body text sits on a page, in points (the footer aside)."""
    lowest = [float(page.mediabox.height)]
    footer_top = 24 * 72 / 25.4

    def visit(text, cm, tm, font, size):
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and y > footer_top:
            lowest.append(y)

    page.extract_text(visitor_text=visit)
    return min(lowest)


def test_a_long_calendar_splits_with_its_header_and_never_leaves_a_page_a_third_empty(
    render, catalog
):
    """Whatever comes before it (here: an address of 0 to 42 lines), the calendar either
    starts where its heading and first rows fit and goes on over the page with its header
    repeated, or, with no room for them, starts the next page: and then the page before is
    full to within that room (it used to move whole and leave a third of page 1 empty)."""
    from dataclasses import replace as copy

    from consult.report.demo import demo_clinic

    neck = AreaChoice("neck", (), (ConcernChoice("fine_lines", "deep"),))
    item = replace(
        demo_consultation(catalog, TODAY),
        areas=(neck,),
        adjuncts=("peel_mandelic", "facial_custom"),
        session_count=6,
    )
    clinic = demo_clinic(catalog)
    room = 130  # points: the heading, the header and two rows, the least it starts with
    split = 0
    for lines in range(0, 43, 3):
        address = "\n".join(f"Line {n} of the address" for n in range(lines))
        pdf, _, plan = render(consultation=item, clinic=copy(clinic, address=address))
        pages = reader(pdf).pages
        texts = page_texts(pdf)
        first = next(i for i, t in enumerate(texts) if "Your appointments" in t)
        count = len(plan.sessions)
        on_first = texts[first].count("Microneedling session")
        assert on_first >= 1, (lines, on_first)  # never the heading alone
        if on_first < count:  # it goes on over the page, the header row repeated
            split += 1
            assert texts[first + 1].count("Microneedling session") == count - on_first
            assert "Visit Day Date" in texts[first + 1]
        heading_at_top = texts[first].split("Your appointments")[0].count("•") == 0
        if first > 0 and heading_at_top:
            assert _lowest_body_text(pages[first - 1]) < 24 * 72 / 25.4 + room, lines
    assert split, "no address length made the calendar go on over a page"
