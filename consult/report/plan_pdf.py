"""The patient's printed plan: a PDF handout built with reportlab's platypus.

``render_plan_pdf`` turns a consultation and its plan into PDF bytes; ``write_pdf_atomic`` puts
them on disk. Every word comes from the catalog or from ``resources/report/strings.toml``, in the
patient's language; every piece of text goes through ``fonts.Markup`` (escaped, font per run of
characters) before it reaches a Paragraph. The consultation's own ``notes`` are the provider's
internal notes and are never printed; a message for the patient is passed as ``patient_note``.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from functools import partial
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    ImageAndFlowables,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from consult import __version__
from consult.domain.catalog import Catalog
from consult.domain.model import ClinicSettings, Consultation, Outcome
from consult.domain.plan import Plan
from consult.report import dates
from consult.report.figure import ZoneFigure, chosen_drawings
from consult.report.fonts import BASE, BASE_BOLD, MARKER, Markup, needs_shaping
from consult.report.strings import LanguageStrings, builtin_strings
from consult.report.styles import (
    ACCENT,
    HEAD_BG,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    MUTED,
    NOTICE_BG,
    NOTICE_RULE,
    PANEL_BG,
    PAPER,
    RULE,
    ZEBRA,
    Styles,
    styles,
)
from consult.system.drawings import treated_keys
from consult.system.files import write_private_atomic

PAGES_FORM = "consult-page-count"
BAND_TOP = 7 * mm  # the provisional band's distance from the top of the page
BAND_PAD = 2.5 * mm
LOGO_MAX = (45 * mm, 18 * mm)
FOOTER_RIGHT = 0.58  # the share of the width for the footer's right-hand block

# reportlab keeps global state (font registry, per-document font subsets): one render at a time.
_RENDER_LOCK = threading.Lock()


class PlanPdf(bytes):
    """The PDF's bytes, with what the caller should know about them.

    ``missing_characters``: characters no bundled font has (printed as a marked ``[?]`` and
    listed on the plan), as ``U+XXXX`` codes. ``warnings``: other problems in plain words
    (e.g. a logo that could not be read). ``page_count``: the number of pages.
    """

    missing_characters: tuple[str, ...]
    warnings: tuple[str, ...]
    page_count: int

    def __new__(
        cls,
        data: bytes,
        missing_characters: Iterable[str] = (),
        warnings: Iterable[str] = (),
        page_count: int = 0,
    ) -> PlanPdf:
        self = super().__new__(cls, data)
        self.missing_characters = tuple(missing_characters)
        self.warnings = tuple(warnings)
        self.page_count = page_count
        return self


def lower_first(text: str) -> str:
    """``text`` with its first letter in lower case: a name in a list after a colon."""
    return text[:1].lower() + text[1:]


# --------------------------------------------------------------------------- page furniture


_SHAPED: dict[int, ParagraphStyle] = {}


def shaped(style: ParagraphStyle) -> ParagraphStyle:
    """``style`` with HarfBuzz shaping, for a paragraph in a script whose letters join and
    reorder (Devanagari, Bengali, Tamil, Thai…). Only such paragraphs are shaped: the Arabic
    and Hebrew ones are put in visual order beforehand (see ``fonts``)."""
    found = _SHAPED.get(id(style))
    if found is None:
        found = _SHAPED[id(style)] = ParagraphStyle(f"{style.name}-shaped", parent=style, shaping=1)
    return found


class _Heading(Paragraph):
    """A section heading: it also gets a bookmark in the PDF's outline."""

    def __init__(self, text: str, style, outline_title: str):
        super().__init__(text, style)
        self.outline_title = outline_title


class _PlanCanvas(Canvas):
    """A canvas that writes the total page count, used by every page's footer, at the end."""

    def __init__(self, *args, footer_size: float = 9, **kwargs):
        super().__init__(*args, **kwargs)
        self.footer_size = footer_size
        self.page_count = 0

    def save(self) -> None:
        self.page_count = self.getPageNumber() - 1
        self.beginForm(PAGES_FORM, lowerx=0, lowery=-4, upperx=60, uppery=20)
        self.setFont(BASE, self.footer_size)
        self.setFillColor(MUTED)
        self.drawString(0, 0, str(self.page_count))
        self.endForm()
        super().save()


class _PlanDoc(BaseDocTemplate):
    def __init__(self, buffer, *, decorate, top_margin: float = MARGIN_TOP, **kwargs):
        super().__init__(
            buffer,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=top_margin,
            bottomMargin=MARGIN_BOTTOM,
            **kwargs,
        )
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate("plan", [frame], onPage=decorate)])
        self._sections = 0

    def afterFlowable(self, flowable: Flowable) -> None:
        title = getattr(flowable, "outline_title", None)
        if title:
            key = f"section-{self._sections}"
            self._sections += 1
            top = self.frame._y + flowable.height + flowable.getSpaceBefore()
            self.canv.bookmarkPage(key, fit="XYZ", left=0, top=top, zoom=0)
            self.canv.addOutlineEntry(title, key, level=0)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class PlanPhoto:
    """A photo on the plan's photo page (``photos``: the baseline photos the patient agreed
    to take home; the caller checks the consent): a small JPEG, its size and caption."""

    jpeg: bytes
    width: int
    height: int
    caption: str
    taken_on: date


@dataclass
class _Builder:
    catalog: Catalog
    consultation: Consultation
    plan: Plan
    clinic: ClinicSettings
    lang: str
    t: LanguageStrings
    st: Styles
    width: float
    markup: Markup
    warnings: list[str]
    panel: Flowable | None = None
    replaces: tuple[str, date] | None = None  # the plan this one replaces: its id and date

    # -- helpers

    def m(self, text: str, bold: bool = False) -> str:
        return self.markup(text, bold=bold)

    def one_line(self, text: str, tail: str, style, width: float) -> str:
        """Markup of ``text`` then ``tail`` that fits one line, ``text`` shortened if need be."""
        keep = len(text)
        while True:
            cut = text if keep == len(text) else text[:keep].rstrip() + "…"
            markup = self.m(cut) + tail
            if keep <= 1 or Paragraph(markup, style).wrap(width, 1000)[1] <= style.leading * 1.01:
                return markup
            keep = int(keep * 0.85)

    def para(self, text: str, style=None, bold: bool = False) -> Paragraph:
        style = style or self.st.body
        return Paragraph(self.m(text, bold), shaped(style) if needs_shaping(text) else style)

    def heading(self, key: str) -> Paragraph:
        title = self.t(key)
        return _Heading(self.m(title, bold=True), self.st.section, title)

    def bullet(self, text: str) -> Paragraph:
        return Paragraph(self.m(text), self.st.bullet, bulletText="•")

    def values(self) -> dict[str, object]:
        """The placeholders catalog texts may use."""
        values: dict[str, object] = dict(self.catalog.protocol.placeholders)
        values.update(
            interval_weeks=self.plan.interval_weeks,
            count=len(self.plan.sessions),
            first_month=dates.month_year(self.plan.results_from, self.lang),
            last_month=dates.month_year(self.plan.results_to, self.lang),
            isotretinoin_window_months=self.clinic.isotretinoin_window_months,
            min_age=self.clinic.min_age,
        )
        if self.plan.clearance is not None:
            values["cleared_on"] = dates.long_date(self.plan.clearance.cleared_on, self.lang)
        return values

    def text(self, key: str) -> str:
        return self.catalog.texts[key].format(self.lang, self.values())

    # -- parts

    def story(self, patient_note: str, photos: Sequence[PlanPhoto] = ()) -> list[Flowable]:
        if self.plan.not_treating:
            return self.letter(patient_note)
        parts: list[Flowable] = [*self.letterhead(), *self.patient_panel()]
        parts += self.your_plan()
        parts += self.calendar()
        parts += self.health()
        parts += self.care()
        parts += self.sun()
        parts += self.results()
        parts += self.devices()
        parts += self.note(patient_note)
        parts += self.photo_page(photos)
        return parts

    def photo_page(self, photos: Sequence[PlanPhoto]) -> list[Flowable]:
        """The baseline photos the patient agreed to take home: a page of their own, two to
        a row, each with its view and day."""
        if not photos:
            return []
        from reportlab.platypus import Image as PdfImage
        from reportlab.platypus import PageBreak, Table, TableStyle

        day = dates.long_date(min(p.taken_on for p in photos), self.lang)
        parts: list[Flowable] = [PageBreak(), self.heading("section_photos")]
        parts.append(self.para(self.t("photos_intro", date=day)))
        parts.append(Spacer(1, self.st.gap))
        column = (self.width - 12) / 2
        caption = ParagraphStyle("photo_caption", parent=self.st.cell, alignment=1)  # centred
        cells = []
        for photo in photos:
            ratio = photo.height / photo.width
            w = min(column, 86 * mm / ratio)
            image = PdfImage(io.BytesIO(photo.jpeg), width=w, height=w * ratio)
            cells.append([image, self.para(photo.caption, caption)])
        rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
        if len(rows[-1]) == 1:
            rows[-1].append("")
        table = Table(rows, colWidths=[column + 6, column + 6], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
                ]
            )
        )
        parts.append(table)
        return parts

    def letter(self, patient_note: str) -> list[Flowable]:
        """ "Do not treat", not overridden: a plain letter saying why and what happens next;
        no sessions, no calendar, no care instructions."""
        parts: list[Flowable] = [*self.letterhead("letter_title"), *self.patient_panel()]
        parts.append(Spacer(1, self.st.gap))
        day = dates.long_date(self.consultation.date, self.lang)
        parts.append(self.para(self.t("letter_thanks", date=day)))
        parts.append(self.para(self.text("not_treating"), self.st.lead, bold=True))
        values = self.values()
        reasons = [
            r for r in self.plan.screening.reasons if r.outcome is Outcome.DO_NOT_TREAT
        ] or list(self.plan.screening.reasons)
        parts.append(self.heading("section_letter_reasons"))
        seen: set[str] = set()
        for reason in reasons:
            if reason.question_id in seen:
                continue
            seen.add(reason.question_id)
            question = self.catalog.question(reason.question_id)
            parts.append(self.bullet(question.explanation.format(self.lang, values)))
        parts.append(self.heading("section_next"))
        parts.append(self.para(self.t("letter_next")))
        if self.clinic.phone.strip():
            parts.append(self.para(self.t("call_us", phone=self.clinic.phone), bold=True))
        parts += self.note(patient_note)
        return parts

    def letterhead(self, title_key: str = "document_title") -> list[Flowable]:
        clinic = self.clinic
        lines: list[Flowable] = []
        if clinic.name.strip():
            lines.append(self.para(clinic.name, self.st.clinic_name, bold=True))
        if clinic.address.strip():
            lines.append(self.para(clinic.address, self.st.clinic_detail))
        if clinic.phone.strip():
            lines.append(
                self.para(self.t("clinic_phone", phone=clinic.phone), self.st.clinic_detail)
            )
        logo = self.logo()
        parts: list[Flowable] = []
        if logo is not None or lines:
            if logo is not None:
                gap = 6 * mm
                block = Table(
                    [[logo, lines or ""]],
                    colWidths=[logo.drawWidth + gap, self.width - logo.drawWidth - gap],
                )
            else:
                block = Table([[lines]], colWidths=[self.width])
            block.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                        ("TOPPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                        ("LINEBELOW", (0, 0), (-1, -1), 1, ACCENT),
                    ]
                )
            )
            parts += [block, Spacer(1, 10)]
        title = self.t(title_key)
        parts.append(_Heading(self.m(title, bold=True), self.st.title, title))
        if self.replaces is not None:
            plan_id, day = self.replaces
            words = self.t("revised_plan", plan_id=plan_id, date=dates.long_date(day, self.lang))
            parts.append(self.para(words, self.st.lead, bold=True))
        return parts

    def logo(self) -> Image | None:
        path = self.clinic.logo_path.strip()
        if not path:
            return None
        try:
            width, height = ImageReader(path).getSize()
            scale = min(LOGO_MAX[0] / width, LOGO_MAX[1] / height)
            return Image(path, width * scale, height * scale)
        except Exception as exc:  # any unreadable image: print the plan without it
            self.warnings.append(f"The clinic logo {path} could not be used ({exc}).")
            return None

    def patient_panel(self) -> list[Flowable]:
        patient, c = self.consultation.patient, self.consultation

        def cell(label_key: str, value: str) -> list[Flowable]:
            return [
                self.para(self.t(label_key), self.st.label),
                self.para(value, self.st.value, bold=True),
            ]

        half = self.width / 2
        panel = Table(
            [
                [
                    cell("label_name", patient.name),
                    cell("label_date_of_birth", dates.long_date(patient.date_of_birth, self.lang)),
                ],
                [
                    cell("label_consultation", dates.long_date(c.date, self.lang)),
                    cell("label_provider", c.provider),
                ],
            ],
            colWidths=[half, half],
        )
        panel.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), PANEL_BG),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        self.panel = panel
        return [panel]

    def your_plan(self) -> list[Flowable]:
        plan, catalog = self.plan, self.catalog
        first = dates.full_date(plan.first_session, self.lang)
        first_key = "first_session_proposed" if plan.provisional else "first_session"
        parts: list[Flowable] = [
            self.heading("section_plan"),
            self.para(self.text("sessions_summary"), self.st.lead, bold=True),
            self.para(self.t(first_key, date=first), self.st.lead, bold=True),
        ]
        if plan.provisional:
            parts.append(
                self.notice_box(
                    [
                        self.para(self.t("clearance_heading"), self.st.cell_bold, bold=True),
                        self.para(self.text("clearance_needed"), self.st.notice),
                    ]
                )
            )
        elif plan.clearance is not None and plan.clearance.covers:
            parts.append(
                self.notice_box(
                    [
                        self.para(self.t("clearance_done_heading"), self.st.cell_bold, bold=True),
                        self.para(self.text("clearance_received"), self.st.notice),
                    ]
                )
            )
        parts += [self.para(self.text("about")), self.para(self.text("during"))]
        treated = [choice for choice in plan.areas if choice.concerns]
        listed: list[Flowable] = []
        if treated:  # the heading goes beside the drawing too, never left alone at a foot
            listed.append(self.subheading(self.t("treating_heading")))
        for choice in treated:
            # Paragraphs rather than a table: they split across pages and leave no gaps.
            area = catalog.area(choice.area_id)
            where = area.name[self.lang]
            if choice.zones:
                # A list after a colon, in lower case ("Face: cheeks, upper lip").
                zones = ", ".join(lower_first(area.zone(z).name[self.lang]) for z in choice.zones)
                where = f"{where}: {zones}"
            listed.append(self.para(where, self.st.area, bold=True))
            for pick in choice.concerns:
                concern = catalog.concern(pick.concern_id)
                name = concern.name[self.lang]
                kind = concern.kind(pick.kind)
                if kind is not None:
                    name = f"{name}: {kind.name[self.lang]}"
                text = self.m(name, bold=True) + self.m(" — " + concern.description[self.lang])
                listed.append(Paragraph(text, self.st.bullet, bulletText="•"))
                if kind is not None and kind.caveat is not None:
                    listed.append(Paragraph(self.m(kind.caveat[self.lang]), self.st.caveat))
        # What follows the list flows round the drawing too, so no gap is left beside it.
        if plan.off_label:
            listed.append(self.subheading(self.t("off_label_heading")))
            listed.append(self.para(self.text("off_label")))
        if plan.adjuncts:
            listed.append(self.subheading(self.t("adjuncts_heading")))
            for adjunct_id in plan.adjuncts:
                adjunct = catalog.adjunct(adjunct_id)
                name = adjunct.name[self.lang]
                if adjunct_id in plan.ongoing_adjuncts:
                    name = f"{name} ({self.t('adjunct_at_home')})"
                text = self.m(name, bold=True) + self.m(" — " + adjunct.description[self.lang])
                listed.append(Paragraph(text, self.st.bullet, bulletText="•"))
        figure = self.figure(treated)
        if figure is not None and listed:
            # The drawing beside the list, the text flowing round it (and on to the next
            # page if it must).
            parts.append(ImageAndFlowables(figure, listed, imageLeftPadding=8, imageSide="right"))
        else:
            parts += listed
        return parts

    def figure(self, treated) -> ZoneFigure | None:
        """The drawings of the treated areas, the treated zones shaded."""
        shown = chosen_drawings(treated)
        if not shown:
            return None
        captions = {
            "face": self.t("figure_face"),
            "body-front": self.t("figure_front"),
            "body-back": self.t("figure_back"),
        }
        height = (54 if len(shown) == 1 else 48) * mm
        if self.st.large_print:
            height *= 1.15
        return ZoneFigure(
            shown,
            treated_keys(treated),
            captions,
            height=height,
            ink=MUTED,
            shade=ACCENT,
            caption_size=self.st.label.fontSize,
        )

    def subheading(self, text: str) -> Paragraph:
        return self.para(text, self.st.subsection, bold=True)

    def table(self, rows: list[list[object]], fractions: list[float]) -> Table:
        table = Table(
            rows,
            colWidths=[self.width * f for f in fractions],
            repeatRows=1,
            hAlign="LEFT",
        )
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                    ("LINEBELOW", (0, 0), (-1, 0), 1, ACCENT),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [None, ZEBRA]),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 6),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        return table

    def notice_box(self, content: list[Flowable]) -> Table:
        box = Table([[content]], colWidths=[self.width])
        box.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), NOTICE_BG),
                    ("LINEBEFORE", (0, 0), (0, -1), 3, NOTICE_RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        box.spaceBefore = box.spaceAfter = self.st.gap
        return box

    def calendar(self) -> list[Flowable]:
        plan, lang = self.plan, self.lang
        visits: list[tuple[date, int, str, bool, time | None]] = []
        count = len(plan.sessions)
        for session in plan.sessions:
            label = self.t("session_row", number=session.number, count=count)
            visits.append((session.date, 0, label, True, session.time))
        for visit in plan.adjunct_visits:
            name = self.catalog.adjunct(visit.adjunct_id).name[lang]
            visits.append((visit.date, 1, name, False, visit.time))
        visits.sort(key=lambda v: (v[0], v[1]))
        timed = any(v[4] is not None for v in visits)
        keys = ["column_visit", "column_day", "column_date"] + (["column_time"] if timed else [])
        head = [self.para(self.t(key), self.st.cell_head, True) for key in keys]
        rows: list[list[object]] = [head]
        for day, _, label, is_session, at in visits:
            style = self.st.cell_bold if is_session else self.st.cell
            row = [
                self.para(label, style, bold=is_session),
                self.para(dates.capitalized(dates.weekday(day, lang)), style, is_session),
                self.para(dates.long_date(day, lang), style, bold=is_session),
            ]
            if timed:
                row.append(self.para(dates.time_of_day(at, lang) if at else "", style, is_session))
            rows.append(row)
        # The day, date and time columns as wide as their longest entry, the visit the rest.
        pad = 14
        size = self.st.cell_bold.fontSize

        def widest(texts) -> float:
            return pad + max(stringWidth(text, BASE_BOLD, size) for text in texts)

        day_w = min(
            widest(dates.capitalized(dates.weekday(v[0], lang)) for v in visits), self.width * 0.22
        )
        date_w = min(widest(dates.long_date(v[0], lang) for v in visits), self.width * 0.4)
        times = [dates.time_of_day(v[4], lang) for v in visits if v[4]]
        time_w = widest([self.t("column_time"), *times]) if timed else 0
        visit_w = self.width - day_w - date_w - time_w
        widths = [visit_w, day_w, date_w] + ([time_w] if timed else [])
        # A long calendar goes on over the next page, its header repeated; the heading stays
        # with at least its first rows (a kept-together heading and table would move whole
        # to the next page and leave this one a third empty).
        section = self.st.section
        heading_style = ParagraphStyle("section_then_table", parent=section, keepWithNext=0)
        proposed = "_proposed" if plan.provisional else ""
        title = self.t("section_calendar" + proposed)
        heading = _Heading(self.m(title, bold=True), heading_style, title)
        # The heading, the header row and two rows of one line each (padding 9 points).
        first_rows = section.spaceBefore + section.leading + section.spaceAfter
        first_rows += 3 * (self.st.cell_bold.leading + 9)
        return [
            CondPageBreak(first_rows),
            heading,
            self.table(rows, [w / self.width for w in widths]),
            Spacer(1, self.st.gap),
            self.para(self.t("calendar_note" + proposed), bold=plan.provisional),
        ]

    def health(self) -> list[Flowable]:
        reasons = self.plan.screening.reasons
        if not reasons:
            return []
        values = self.values()
        parts: list[Flowable] = [self.heading("section_health")]
        seen: set[str] = set()
        clearance = self.plan.clearance
        covered = set(clearance.covers) if clearance and not self.plan.provisional else set()
        for reason in reasons:
            if reason.question_id in seen:
                continue
            seen.add(reason.question_id)
            question = self.catalog.question(reason.question_id)
            text = question.explanation
            if (
                self.plan.screening.overridden
                and reason.outcome is Outcome.DO_NOT_TREAT
                and question.override_explanation is not None
            ):
                # Never "we do not treat…" above a calendar: the text written for this case.
                text = question.override_explanation
            said = text.format(self.lang, values)
            if reason.question_id in covered:
                said = f"{said} {self.t('cleared_note')}"
            parts.append(self.bullet(said))
        return parts

    def care(self) -> list[Flowable]:
        values = self.values()
        parts: list[Flowable] = [self.heading("section_care")]
        for phase in self.catalog.phases:
            items = self.plan.instructions_for(phase.id)
            if not items:
                continue
            parts.append(self.subheading(phase.title[self.lang]))
            parts += [self.bullet(i.text.format(self.lang, values)) for i in items]
            if phase.id == "call_clinic" and self.clinic.phone.strip():
                parts.append(self.para(self.t("call_us", phone=self.clinic.phone), bold=True))
        return parts

    def sun(self) -> list[Flowable]:
        skin = self.catalog.skin_type(self.consultation.patient.fitzpatrick)
        return [self.heading("section_sun"), self.para(skin.sun_protection[self.lang])]

    def results(self) -> list[Flowable]:
        start, end, lang = self.plan.results_from, self.plan.results_to, self.lang
        if start.year == end.year:
            window = self.t(
                "results_window_one_year",
                first=dates.month(start, lang),
                last=dates.month(end, lang),
                year=end.year,
            )
        else:
            window = self.t(
                "results_window_two_years",
                first=dates.month_year(start, lang),
                last=dates.month_year(end, lang),
            )
        return [
            self.heading("section_results"),
            self.para(window, self.st.lead, bold=True),
            self.para(self.text("results")),
        ]

    def devices(self) -> list[Flowable]:
        return [self.heading("section_devices"), self.para(self.text("at_home_warning"))]

    def note(self, patient_note: str) -> list[Flowable]:
        if not patient_note.strip():
            return []
        parts: list[Flowable] = [self.heading("section_note")]
        # A Paragraph per line (a blank line leaves a gap), so a very long note splits across
        # pages in linear time; reportlab splits words too long for a line.
        lines = patient_note.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")
        for line in lines:
            if line.strip():
                parts.append(self.para(line, self.st.note))
            else:
                parts.append(Spacer(1, self.st.gap))
        return parts

    def missing_notice(self) -> Flowable | None:
        if not self.markup.missing:
            return None
        text = self.t(
            "missing_characters", marker=MARKER, characters=", ".join(self.markup.missing_codes())
        )
        box = self.notice_box([Paragraph(self.m(text), self.st.notice)])
        return box

    # -- page furniture

    def band(self) -> Paragraph | None:
        """The band across the top of every page of a provisional plan."""
        if not self.plan.provisional:
            return None
        return Paragraph(self.m(self.t("provisional_banner"), bold=True), self.st.band)

    def band_height(self, band: Paragraph | None) -> float:
        if band is None:
            return 0.0
        _, h = band.wrap(self.width - BAND_PAD * 2, 100 * mm)
        return h + BAND_PAD * 2

    def decorate(
        self,
        pagesize: tuple[float, float],
        running_head: str,
        footer: dict,
        band: Paragraph | None = None,
    ):
        """The onPage callback: the provisional band on every page (when there is one), the
        running head from page 2 on, and the footer on every page."""
        shape_head = needs_shaping(self.consultation.patient.name)
        page_width, page_height = pagesize
        st = self.st
        left, right = MARGIN_LEFT, page_width - MARGIN_RIGHT
        size = st.footer_size
        prefix, _, suffix = self.t("footer_page", page="{page}", pages="\0").partition("\0")
        band_h = self.band_height(band)
        top_margin = MARGIN_TOP + band_h

        def on_page(canv: Canvas, doc) -> None:
            page = canv.getPageNumber()
            canv.saveState()
            if band is not None:
                y0 = page_height - BAND_TOP - band_h
                canv.setFillColor(NOTICE_BG)
                canv.setStrokeColor(NOTICE_RULE)
                canv.rect(left, y0, right - left, band_h, stroke=0, fill=1)
                canv.setLineWidth(3)
                canv.line(left + 1.5, y0, left + 1.5, y0 + band_h)
                band.wrapOn(canv, right - left - BAND_PAD * 2, band_h)
                band.drawOn(canv, left + BAND_PAD, y0 + BAND_PAD)
            if page == 1:
                canv.showOutline()
            else:
                head_style = shaped(st.running_head) if shape_head else st.running_head
                head = Paragraph(running_head, head_style)
                _, h = head.wrapOn(canv, right - left, MARGIN_TOP)
                y = page_height - top_margin + 5 * mm
                head.drawOn(canv, left, y)
                canv.setStrokeColor(RULE)
                canv.setLineWidth(0.5)
                canv.line(left, y - 2, right, y - 2)
            top = MARGIN_BOTTOM - 7 * mm
            canv.setStrokeColor(RULE)
            canv.setLineWidth(0.5)
            canv.line(left, top, right, top)
            # Left: "Page x of y" (y is a form filled in when the document ends), then ids.
            baseline = top - size * 1.25
            canv.setFont(BASE, size)
            canv.setFillColor(MUTED)
            text = prefix.replace("{page}", str(page))
            canv.drawString(left, baseline, text)
            x = left + stringWidth(text, BASE, size)
            canv.saveState()
            canv.translate(x, baseline)
            canv.doForm(PAGES_FORM)
            canv.restoreState()
            if suffix:
                canv.drawString(x + stringWidth("000", BASE, size), baseline, suffix)
            ids = Paragraph(footer["left"], st.footer)
            _, h = ids.wrapOn(canv, (right - left) * (1 - FOOTER_RIGHT), 40 * mm)
            ids.drawOn(canv, left, baseline - size * 0.35 - h)
            right_style = st.footer_right
            if needs_shaping(self.clinic.name):
                right_style = shaped(right_style)
            clinic = Paragraph(footer["right"], right_style)
            _, h = clinic.wrapOn(canv, (right - left) * FOOTER_RIGHT, 40 * mm)
            clinic.drawOn(canv, right - (right - left) * FOOTER_RIGHT, top - 3 - h)
            canv.restoreState()

        return on_page


def render_plan_pdf(
    catalog: Catalog,
    consultation: Consultation,
    plan: Plan,
    clinic: ClinicSettings,
    *,
    lang: str | None = None,
    paper: str | None = None,
    large_print: bool = False,
    printed_on: date,
    plan_id: str,
    invariant: bool = False,
    patient_note: str = "",
    replaces: tuple[str, date] | None = None,
    photos: Sequence[PlanPhoto] = (),
) -> PlanPdf:
    """The patient's plan as PDF bytes (a ``PlanPdf``, which also says what could not be printed).

    ``lang`` defaults to the patient's language, ``paper`` ("a4" or "letter") to the clinic's
    paper size. ``invariant`` makes the bytes repeatable (for tests). ``patient_note`` is an
    optional message for the patient; the consultation's notes are internal and never printed.
    ``replaces``: for an amendment, the id and date of the plan it replaces ("Revised plan: it
    replaces plan 12 of March 3, 2027" under the title).
    """
    lang = lang or consultation.patient.language
    if lang not in catalog.languages:
        names = ", ".join(catalog.languages)
        raise ValueError(f"The catalog has no {lang!r} texts (it has {names}).")
    t = builtin_strings().for_language(lang)
    paper = (paper or clinic.paper_size or "a4").lower()
    if paper not in PAPER:
        raise ValueError(f"Unknown paper size {paper!r}: use a4 or letter.")
    if not plan.sessions and not plan.not_treating:
        raise ValueError("The plan has no sessions to print.")
    pagesize = PAPER[paper]
    st = styles(large_print)
    width = pagesize[0] - MARGIN_LEFT - MARGIN_RIGHT
    builder = _Builder(
        catalog,
        consultation,
        plan,
        clinic,
        lang,
        t,
        st,
        width,
        Markup(),
        warnings=[],
        replaces=replaces,
    )

    with _RENDER_LOCK:
        story = builder.story(patient_note, photos)
        m = builder.m
        dot = m(" · ")
        # Page furniture stays on one line: a very long name or clinic name is shortened there.
        title_key = "letter_title" if plan.not_treating else "document_title"
        running_head = builder.one_line(
            consultation.patient.name, dot + m(t(title_key)), st.running_head, width
        )
        left = (
            m(t("footer_plan", plan_id=plan_id))
            + dot
            + m(t("footer_catalog", version=plan.catalog_version or catalog.version))
        )
        phone = m(clinic.phone) if clinic.phone.strip() else ""
        if clinic.name.strip():
            tail = dot + phone if phone else ""
            right = builder.one_line(clinic.name, tail, st.footer_right, width * FOOTER_RIGHT)
        else:
            right = phone
        printed = m(t("footer_printed", date=dates.long_date(printed_on, lang)))
        right = f"{right}<br/>{printed}" if right else printed
        notice = builder.missing_notice()
        if notice is not None:
            # Right under the patient's details, where the name is.
            story.insert(story.index(builder.panel) + 1, notice)
        band = builder.band()
        on_page = builder.decorate(pagesize, running_head, {"left": left, "right": right}, band)
        buffer = io.BytesIO()
        title = t(title_key)
        if plan.provisional:
            title = t("document_title_provisional")
        doc = _PlanDoc(
            buffer,
            decorate=on_page,
            top_margin=MARGIN_TOP + builder.band_height(band),
            pagesize=pagesize,
            title=title,
            author=clinic.name.strip() or "consult",
            subject=t("letter_subject" if plan.not_treating else "document_subject"),
            creator=f"consult {__version__}",
            lang=lang,
            invariant=1 if invariant else 0,
            pageCompression=1,
        )
        doc.build(story, canvasmaker=partial(_PlanCanvas, footer_size=st.footer_size))
        page_count = doc.canv.page_count
    return PlanPdf(
        buffer.getvalue(),
        missing_characters=builder.markup.missing_codes(),
        warnings=builder.warnings,
        page_count=page_count,
    )


def write_pdf_atomic(
    data: bytes, dest: Path, *, replace: bool = False, before_visible=None
) -> None:
    """Save a plan: whole or not at all, mode 0600, never via a temp folder (see system.files).
    An existing file is replaced only with ``replace`` (the caller asked the user);
    ``before_visible`` (its audit entry) runs before the file takes its name."""
    write_private_atomic(Path(dest), data, replace=replace, before_visible=before_visible)
