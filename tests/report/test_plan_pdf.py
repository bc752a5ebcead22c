"""The printed plan, read back with pypdf: its words, dates, footer, metadata and safety."""

from __future__ import annotations

import time
import unicodedata
from dataclasses import replace
from datetime import date

import pytest
from report_helpers import NAMES, page_texts, pdf_text, reader

from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ConcernChoice,
    Outcome,
    Override,
)
from consult.report.demo import demo_clinic
from consult.report.fonts import MARKER, needs_shaping

EN_SECTIONS = [
    "Your microneedling treatment plan",
    "Your plan",
    "Your appointments",
    "Your health and this treatment",
    "Looking after your skin",
    "Sun protection for your skin",
    "When results usually show",
    "At-home microneedling devices",
]


def test_english_plan_reads_as_expected(render, catalog):
    pdf, consultation, _ = render()
    text = pdf_text(pdf)
    for expected in [
        *EN_SECTIONS,
        "Northside Skin Clinic",
        "Phone (217) 555-0142",
        "Zoë O'Brien-Łukasiewicz",
        "May 17, 1988",
        "Dr Ana Reyes",
        "Face: cheeks, upper lip, chin",
        "We recommend 5 microneedling sessions, 4 weeks apart.",
        "Your first session: Thursday, December 10, 2026",
        "Microneedling session 1 of 5 Thursday December 10, 2026",
        "Microneedling session 5 of 5 Thursday April 1, 2027",
        "Mandelic acid peel Thursday December 24, 2026",
        "Usually around July to October 2027",
        "between July 2027 and October 2027",
        "Call us on (217) 555-0142.",
        "Recovery skincare (at home)",
    ]:
        assert expected in text, expected
    # Patient words only: the screening explanation, never the provider's question or source.
    question = catalog.question("cold_sore_history")
    assert question.explanation["en"] in text
    assert question.question["en"] not in text
    assert "Alster" not in text
    # The sun advice for the patient's skin type, and the at-home device warning.
    assert catalog.skin_type(4).sun_protection["en"] in text
    assert catalog.texts["at_home_warning"].by_lang["en"] in text
    # Every phase of care that applies, in catalog order.
    titles = [p.title["en"] for p in catalog.phases]
    assert [text.index(t) for t in titles] == sorted(text.index(t) for t in titles)
    # The provider's internal notes are never printed.
    assert consultation.notes and consultation.notes not in text
    assert pdf.missing_characters == () and pdf.warnings == ()


def test_spanish_plan_has_spanish_dates_and_words(render):
    pdf, _, _ = render(lang="es")
    text = pdf_text(pdf)
    for expected in [
        "Dra. Ana Reyes",
        "Cara: mejillas, labio superior, mentón",  # lower case after a colon
        "Su plan de tratamiento con microneedling",
        "Sus citas",
        "Su primera sesión: jueves, 10 de diciembre de 2026",
        "Sesión de microneedling 1 de 5 Jueves 10 de diciembre de 2026",
        "Por lo general, entre julio y octubre de 2027",
        "entre julio de 2027 y octubre de 2027",
        "17 de mayo de 1988",
        f"Página 1 de {pdf.page_count}",
        "Impreso el 26 de noviembre de 2026",
        "Catálogo 2026.12.2",
        "Llámenos al (217) 555-0142.",
    ]:
        assert expected in text, expected
    for english in ("Your plan", "Page 1", "Thursday", "December"):
        assert english not in text


def test_results_window_across_two_years(render):
    pdf, _, plan = render(today=date(2027, 3, 1))
    assert plan.results_from.year != plan.results_to.year
    assert "Usually around October 2027 to January 2028" in pdf_text(pdf)
    pdf, _, _ = render(today=date(2027, 3, 1), lang="es")
    assert "Por lo general, entre octubre de 2027 y enero de 2028" in pdf_text(pdf)


def test_footer_on_every_page(render):
    pdf, _, _ = render()
    pages = page_texts(pdf)
    assert len(pages) == pdf.page_count >= 2
    for number, text in enumerate(pages, 1):
        for expected in (
            f"Page {number} of {len(pages)}",
            "Plan DEMO-1",
            "Catalog 2026.12.2",
            "(217) 555-0142",
            "Printed November 26, 2026",
        ):
            assert expected in text, (number, expected)
    assert "Zoë O'Brien-Łukasiewicz · Your microneedling treatment plan" in pages[1]


def test_metadata_language_and_bookmarks(render):
    pdf, _, _ = render()
    pdf_reader = reader(pdf)
    meta = pdf_reader.metadata
    assert meta.title == "Your microneedling treatment plan"
    assert meta.author == "Northside Skin Clinic"
    assert meta.subject.startswith("Your appointments")
    assert pdf_reader.trailer["/Root"]["/Lang"] == "en"
    assert [item.title for item in pdf_reader.outline] == EN_SECTIONS
    pdf, _, _ = render(lang="es")
    assert reader(pdf).trailer["/Root"]["/Lang"] == "es"


@pytest.mark.parametrize("script", sorted(NAMES))
def test_names_in_every_script(render, script):
    name = NAMES[script]
    pdf, _, _ = render(name=name)
    text = unicodedata.normalize("NFKC", pdf_text(pdf))
    if script in ("arabic", "hebrew"):
        # Laid out in visual order (pypdf puts right-to-left text back in logical order).
        assert name in text or name[::-1] in text
    elif needs_shaping(name):
        # Shaped (letters joined and reordered into glyphs, which text extraction does not
        # undo): printed in the script's own font.
        fonts = reader(pdf).pages[0]["/Resources"]["/Font"]
        names = {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}
        assert any(f"NotoSans{script.title()}" in n for n in names), names
    else:
        assert name in text
    assert pdf.missing_characters == ()
    assert MARKER not in text


@pytest.mark.parametrize(
    "tricky",
    ["<b>", "Smith <Jr>", "&nbsp;", '<img src="/etc/passwd"/>', "</para>", "<b>&", "a & b"],
)
def test_user_text_is_printed_literally(render, catalog, tricky):
    clinic = replace(demo_clinic(catalog), name=f"Clinic {tricky}", address=tricky)
    pdf, _, _ = render(name=f"Ana {tricky}", clinic=clinic, patient_note=f"Note {tricky}")
    text = pdf_text(pdf)
    assert f"Ana {tricky}" in text
    assert f"Clinic {tricky}" in text
    assert f"Note {tricky}" in text
    assert reader(pdf).metadata.author == f"Clinic {tricky}"
    assert b"/Subtype /Image" not in pdf  # nothing was loaded from disk


def test_patient_note_keeps_its_lines(render):
    pdf, _, _ = render(patient_note="First line\nSecond line\n\nNew paragraph")
    lines = [line.strip() for p in reader(pdf).pages for line in p.extract_text().splitlines()]
    assert [
        line
        for line in lines
        if line in ("A note for you", "First line", "Second line", "New paragraph")
    ] == ["A note for you", "First line", "Second line", "New paragraph"]
    start = lines.index("First line")
    assert lines[start + 1] == "Second line"


def test_a_10000_word_note_and_long_words_paginate(render):
    words = [f"word{i}" for i in range(10_000)]
    note = "\n".join(" ".join(words[i : i + 12]) for i in range(0, len(words), 12))
    note += "\n\n" + " ".join(words[:2000]) + "\n" + "x" * 5000 + "\n" + "李" * 3000 + "\nthe-end"
    pdf, _, _ = render(patient_note=note, name="N" * 200)
    assert pdf.page_count > 10
    text = pdf_text(pdf)
    assert "word9999" in text and "the-end" in text


def test_large_print_and_paper_sizes(render):
    for paper, size in (("a4", (595.28, 841.89)), ("letter", (612, 792))):
        for large in (False, True):
            pdf, _, _ = render(paper=paper, large_print=large)
            box = reader(pdf).pages[0].mediabox
            assert (float(box.width), float(box.height)) == pytest.approx(size, abs=0.01)
            sizes = font_sizes(pdf)
            assert min(sizes["body"]) >= (14 if large else 11)
            assert min(sizes["margins"]) >= (12 if large else 9)


def font_sizes(pdf: bytes) -> dict[str, list[float]]:
    """Font sizes of the text in the body frame, and in the header and footer margins."""
    found: dict[str, list[float]] = {"body": [], "margins": []}
    for page in reader(pdf).pages:
        height = float(page.mediabox.height)

        def visit(text, cm, tm, font, size, height=height):
            if not text.strip():
                return
            y = tm[5] * cm[3] + cm[5]
            scale = abs(tm[3] * cm[3]) or 1
            where = "body" if 24 * 72 / 25.4 < y < height - 20 * 72 / 25.4 else "margins"
            found[where].append(round(size * scale, 1))

        page.extract_text(visitor_text=visit)
    return found


def test_clinic_defaults_are_neutral(render, catalog):
    from consult.domain.model import ClinicSettings

    pdf, _, _ = render(clinic=ClinicSettings())
    text = pdf_text(pdf)
    assert "Your microneedling treatment plan" in text
    assert "Phone" not in text and "Call us on" not in text
    assert reader(pdf).metadata.author == "consult"


def test_clinic_logo(render, catalog, tmp_path):
    from PIL import Image as PILImage

    logo = tmp_path / "logo.png"
    PILImage.new("RGB", (300, 100), "#0B4A5C").save(logo)
    pdf, _, _ = render(clinic=replace(demo_clinic(catalog), logo_path=str(logo)))
    assert b"/Subtype /Image" in pdf and pdf.warnings == ()
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    pdf, _, _ = render(clinic=replace(demo_clinic(catalog), logo_path=str(broken)))
    assert b"/Subtype /Image" not in pdf
    assert len(pdf.warnings) == 1 and "logo" in pdf.warnings[0]


def provisional_case(consultation):
    return replace(consultation, screening=dict(consultation.screening, anticoagulants=Answer.YES))


CLEARED = Clearance(
    "Dr Sam Okafor", date(2026, 11, 30), "Letter on file.", "Dr Ana Reyes", ("anticoagulants",)
)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_proceed_with_caution_prints_a_confirmed_plan(render, catalog, lang):
    pdf, _, plan = render(lang=lang)
    assert plan.screening.outcome is Outcome.CAUTION
    text = pdf_text(pdf)
    first = {
        "en": "Your first session: Thursday, December 10, 2026",
        "es": "Su primera sesión: jueves, 10 de diciembre de 2026",
    }[lang]
    assert first in text
    for page in page_texts(pdf):
        assert "rovisional" not in page
    assert catalog.question("recent_tanning").explanation[lang] in text
    # "During" says what the patient may see: pinpoint bleeding and possible bruising.
    during = catalog.texts["during"].format(lang, {"numbing_minutes": 20})
    assert during in text
    assert {"en": "pinpoint spots of bleeding", "es": "puntos de sangrado"}[lang] in during
    assert {"en": "bruising", "es": "moretón"}[lang] in during


@pytest.mark.parametrize("lang", ["en", "es"])
def test_needs_clearance_prints_proposed_dates_on_every_page(render, catalog, lang):
    pdf, _, plan = render(lang=lang, consultation_change=provisional_case)
    assert plan.provisional
    banner = {
        "en": "Provisional plan: these dates are proposed, to be confirmed once we hear from "
        "your doctor.",
        "es": "Plan provisional: estas fechas son una propuesta y se confirmarán cuando tengamos "
        "la respuesta de su médico.",
    }[lang]
    pages = page_texts(pdf)
    assert len(pages) >= 2
    for page in pages:
        assert banner in page
    text = pdf_text(pdf)
    proposed = {
        "en": "Proposed first session: Thursday, December 10, 2026 (to be confirmed once we hear "
        "from your doctor)",
        "es": "Primera sesión propuesta: jueves, 10 de diciembre de 2026 (se confirmará cuando "
        "tengamos la respuesta de su médico)",
    }[lang]
    assert proposed in text
    assert {"en": "Your first session:", "es": "Su primera sesión:"}[lang] not in text
    assert {"en": "Your proposed appointments", "es": "Sus citas propuestas"}[lang] in text
    assert catalog.texts["clearance_needed"][lang] in text
    assert catalog.question("anticoagulants").explanation[lang] in text
    # The bruising reassurance goes with blood thinners.
    assert (
        catalog.instructions
        and next(i for i in catalog.instructions if i.id == "before_keep_medicines").text[lang]
        in text
    )
    title = reader(pdf).metadata.title
    assert title.endswith("(provisional)")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_after_clearance_the_plan_prints_confirmed_dates(render, catalog, lang):
    def cleared(consultation):
        return replace(provisional_case(consultation), clearance=CLEARED)

    pdf, _, plan = render(lang=lang, consultation_change=cleared)
    assert not plan.provisional
    text = pdf_text(pdf)
    for page in page_texts(pdf):
        assert "rovisional" not in page
    first = {
        "en": "Your first session: Thursday, December 10, 2026",
        "es": "Su primera sesión: jueves, 10 de diciembre de 2026",
    }[lang]
    assert first in text
    heard = {
        "en": "we heard on November 30, 2026",
        "es": "recibimos su respuesta el 30 de noviembre de 2026",
    }[lang]
    assert heard in text
    assert {"en": "Your doctor's clearance", "es": "El visto bueno de su médico"}[lang] in text
    # The reason the clearance answered says so, not only that "we will check first".
    since = {
        "en": "Your doctor has since confirmed that you can go ahead.",
        "es": "Desde entonces, su médico confirmó que puede seguir adelante.",
    }[lang]
    assert catalog.question("anticoagulants").explanation[lang] + " " + since in text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_label_contraindication_prints_only_a_letter(render, catalog, lang):
    def pregnant(consultation):
        return replace(consultation, screening=dict(consultation.screening, pregnancy=Answer.YES))

    pdf, _, plan = render(lang=lang, consultation_change=pregnant)
    assert plan.not_treating and plan.sessions == ()
    text = pdf_text(pdf)
    assert pdf.page_count == 1
    for expected in (
        {"en": "About your microneedling consultation", "es": "Sobre su consulta de microneedling"},
        {"en": "What happens next", "es": "Próximos pasos"},
        {"en": "Call us on (217) 555-0142.", "es": "Llámenos al (217) 555-0142."},
    ):
        assert expected[lang] in text
    assert catalog.question("pregnancy").explanation[lang] in text
    assert catalog.texts["not_treating"][lang] in text
    for absent in (
        {"en": "Microneedling session", "es": "Sesión de microneedling"},
        {"en": "Your appointments", "es": "Sus citas"},
        {"en": "Looking after your skin", "es": "Cómo cuidar su piel"},
        {"en": "first session", "es": "primera sesión"},
        {"en": "December 10, 2026", "es": "10 de diciembre de 2026"},
    ):
        assert absent[lang] not in text
    assert (
        reader(pdf).metadata.title
        == {
            "en": "About your microneedling consultation",
            "es": "Sobre su consulta de microneedling",
        }[lang]
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_overridden_do_not_treat_prints_the_text_written_for_it(render, catalog, lang):
    def sunburn(consultation):
        return replace(
            consultation,
            screening=dict(consultation.screening, sunburn=Answer.YES),
            override=Override("Sunburn is on the back only; treating the face.", "Dr Ana Reyes"),
        )

    pdf, _, plan = render(lang=lang, consultation_change=sunburn)
    assert plan.screening.overridden and len(plan.sessions) == 5
    text = pdf_text(pdf)
    question = catalog.question("sunburn")
    assert question.override_explanation[lang] in text
    assert question.explanation[lang] not in text
    # Nothing that says "we do not treat" above a calendar.
    for refusal in ("We do not", "we will not treat", "No realizamos", "no trataremos"):
        assert refusal not in text


def test_a_label_override_cannot_reach_the_plan(render, catalog):
    def allergic(consultation):
        return replace(
            consultation,
            screening=dict(consultation.screening, allergy=Answer.YES),
            override=Override("Patch test negative, going ahead anyway.", "Dr Ana Reyes"),
        )

    pdf, _, plan = render(consultation_change=allergic)
    assert plan.not_treating and pdf.page_count == 1
    assert "Microneedling session" not in pdf_text(pdf)


def test_melasma_prints_its_caveat(render, catalog):
    def melasma(consultation):
        areas = (AreaChoice("face", (), (ConcernChoice("pigmentation", None, "melasma"),)),)
        return replace(consultation, areas=areas)

    pdf, _, _ = render(consultation_change=melasma)
    caveat = catalog.concern("pigmentation").kind("melasma").caveat["en"]
    assert caveat in pdf_text(pdf)


def test_large_areas_print_the_numbing_limit(render, catalog):
    def thighs(consultation):
        areas = (AreaChoice("thighs", (), (ConcernChoice("stretch_marks", "mature"),)),)
        return replace(consultation, areas=areas, adjuncts=())

    pdf, _, _ = render(consultation_change=thighs)
    text = pdf_text(pdf)
    assert "we numb no more than 400 cm² of skin at one visit" in text
    assert "never cover numbing cream with plastic wrap" in text
    assert catalog.texts["off_label"]["en"] in text


def test_a_character_no_font_has_is_reported_on_the_plan(render):
    pdf, _, _ = render(name="Ana 🌸 Pérez")
    assert pdf.missing_characters == ("U+1F338",)
    text = pdf_text(pdf)
    assert f"Ana {MARKER} Pérez" in text
    assert "Some characters could not be printed and are shown as [?]: U+1F338." in text


def test_invariant_output_is_repeatable(render):
    first, _, _ = render(name="李小龍", lang="es")
    second, _, _ = render(name="李小龍", lang="es")
    assert bytes(first) == bytes(second)


def test_wrong_language_or_paper_is_refused(render):
    with pytest.raises(ValueError, match="no 'fr' texts"):
        render(lang="fr")
    with pytest.raises(ValueError, match="paper size"):
        render(paper="a5")


def test_a_warm_render_is_quick(render):
    render()
    started = time.perf_counter()
    for _ in range(3):
        render(invariant=False)
    per_plan = (time.perf_counter() - started) / 3
    assert per_plan < 0.5  # about 50 ms on the reference machine; bench/ measures it properly


def test_the_plan_is_in_the_patients_language_unless_told_otherwise(render):
    pdf, consultation, _ = render(lang="es")
    assert consultation.patient.language == "es"
    assert "Sus citas" in pdf_text(pdf)
    pdf, _, _ = render(lang="es", print_lang="en")
    assert "Your appointments" in pdf_text(pdf)


def test_page_furniture_shortens_very_long_names(render, catalog):
    name = "María de los Ángeles Fernández-Villaverde " * 5
    clinic = replace(demo_clinic(catalog), name="Clinic " + "Dermatology " * 12)
    pdf, _, _ = render(name=name.strip(), clinic=clinic, large_print=True)
    pages = page_texts(pdf)
    assert name.strip() in pdf_text(pdf)  # in full where it is printed as the patient's name
    assert "… · Your microneedling treatment plan" in pages[1]
    assert "… · (217) 555-0142" in pages[1]
