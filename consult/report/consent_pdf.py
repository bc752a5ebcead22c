"""The signed consent as a PDF: the exact text the patient read, their answers, both
signatures, the date and time, and the record's id and the text's hash in every page's footer.

Built only from the consent's snapshot (``ConsentText``) and what was recorded with it, never
from the catalog: the same record always makes the same document, whatever the catalog says
today. The same fonts and escaping as the plan (``fonts.Markup``): a name in any script prints
as typed and nothing in it is taken as markup. ``seal.seal_pdf`` then signs the bytes (PAdES).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from consult import __version__
from consult.domain.consent import ANSWER_SEPARATOR, ConsentText
from consult.domain.model import ClinicSettings, Patient
from consult.report import dates
from consult.report.fonts import Markup
from consult.report.plan_pdf import _RENDER_LOCK, PlanPdf, _Heading, _PlanCanvas, _PlanDoc
from consult.report.strings import builtin_strings
from consult.report.styles import (
    ACCENT,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MUTED,
    NOTICE_BG,
    NOTICE_RULE,
    PANEL_BG,
    PAPER,
    RULE,
    styles,
)

SIGNATURE_BOX = (80 * mm, 24 * mm)  # the most room a signature's picture takes


@dataclass(frozen=True)
class ConsentSheet:
    """What the consent PDF shows besides the text: the record's id, who, when."""

    record_id: int
    patient: Patient
    provider: str
    signed_at: datetime  # local time, as the computer's clock gave it
    patient_png: bytes
    provider_png: bytes
    choices: dict[str, bool]
    yes: str = "Yes"  # the catalog's words for a photo choice (consent_labels)
    no: str = "No"


def render_consent_pdf(
    text: ConsentText,
    sheet: ConsentSheet,
    clinic: ClinicSettings,
    *,
    paper: str | None = None,
    invariant: bool = False,
) -> PlanPdf:
    """The signed consent's PDF (unsealed). ``invariant``: repeatable bytes, for tests."""
    lang = text.language
    t = builtin_strings().for_language(lang)
    paper = (paper or clinic.paper_size or "a4").lower()
    pagesize = PAPER[paper]
    st = styles(False)
    width = pagesize[0] - MARGIN_LEFT - MARGIN_RIGHT
    markup = Markup()
    warnings: list[str] = []

    def m(value: str, bold: bool = False) -> str:
        return markup(value, bold=bold)

    def para(value: str, style=None, bold: bool = False) -> Paragraph:
        return Paragraph(m(value, bold), style or st.body)

    def notice(content: list[Flowable]) -> Table:
        box = Table([[content]], colWidths=[width])
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
        box.spaceBefore = box.spaceAfter = st.gap
        return box

    with _RENDER_LOCK:
        story: list[Flowable] = []
        lines = [para(clinic.name, st.clinic_name, True)] if clinic.name.strip() else []
        if clinic.address.strip():
            lines.append(para(clinic.address, st.clinic_detail))
        if clinic.phone.strip():
            lines.append(para(t("clinic_phone", phone=clinic.phone), st.clinic_detail))
        if lines:
            head = Table([[lines]], colWidths=[width])
            head.setStyle(
                TableStyle(
                    [
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                        ("TOPPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                        ("LINEBELOW", (0, 0), (-1, -1), 1, ACCENT),
                    ]
                )
            )
            story += [head, Spacer(1, 10)]
        story.append(_Heading(m(text.title, bold=True), st.title, text.title))
        signed_day = dates.long_date(sheet.signed_at.date(), lang)
        signed_time = dates.time_of_day(sheet.signed_at, lang)
        when = t("signed_at", date=signed_day, time=signed_time)

        def cell(label: str, value: str) -> list[Flowable]:
            return [para(label, st.label), para(value, st.value, bold=True)]

        half = width / 2
        panel = Table(
            [
                [
                    cell(t("label_name"), sheet.patient.name),
                    cell(
                        t("label_date_of_birth"),
                        dates.long_date(sheet.patient.date_of_birth, lang),
                    ),
                ],
                [cell(t("label_provider"), sheet.provider), cell(t("label_signed_at"), when)],
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
        story.append(panel)
        missing_at = len(story)
        agreement = None
        for block in text.blocks:
            if block.kind == "title":
                continue
            if block.kind == "heading":
                story.append(_Heading(m(block.text, bold=True), st.section, block.text))
            elif block.kind == "paragraph":
                story.append(para(block.text))
            elif block.kind == "item":
                story.append(Paragraph(m(block.text), st.bullet, bulletText="•"))
            elif block.kind == "answer":
                asked, _, answer = block.text.rpartition(ANSWER_SEPARATOR)
                shown = (
                    m(asked) + m(ANSWER_SEPARATOR) + m(answer, bold=True)
                    if asked
                    else m(block.text)
                )
                story.append(Paragraph(shown, st.bullet, bulletText="•"))
            elif block.kind == "note":
                story.append(notice([para(block.text, st.notice)]))
            elif block.kind == "choice":
                chosen = sheet.choices.get(block.ref)
                answer = sheet.yes if chosen else sheet.no
                story.append(
                    Paragraph(
                        m(block.text) + m(" — ") + m(answer, bold=True), st.bullet, bulletText="•"
                    )
                )
            elif block.kind == "agreement":
                agreement = block.text
        closing: list[Flowable] = []
        if agreement is not None:
            closing.append(notice([para(agreement, st.lead, bold=True)]))
        closing.append(
            _signatures(
                sheet,
                width,
                st,
                para,
                t("label_patient_signature"),
                t("label_provider_signature"),
                when,
                warnings,
            )
        )
        closing.append(Spacer(1, st.gap))
        closing.append(para(t("consent_sealed"), st.caveat))
        story.append(KeepTogether(closing))
        if markup.missing:
            codes = ", ".join(markup.missing_codes())
            note = t("missing_characters", marker="[?]", characters=codes)
            story.insert(missing_at, notice([Paragraph(m(note), st.notice)]))
        footer_left = (
            m(
                t(
                    "footer_consent",
                    record=sheet.record_id,
                    document=text.document,
                    version=text.version,
                )
            )
            + "<br/>"
            + m(t("footer_text_hash", hash=text.hash))
        )
        footer_right = m(clinic.name) if clinic.name.strip() else ""
        buffer = io.BytesIO()
        on_page = _decorate(pagesize, st, t, footer_left, footer_right)
        doc = _PlanDoc(
            buffer,
            decorate=on_page,
            pagesize=pagesize,
            title=text.title,
            author=clinic.name.strip() or "consult",
            subject=t("consent_subject"),
            creator=f"consult {__version__}",
            lang=lang,
            invariant=1 if invariant else 0,
            pageCompression=1,
        )
        doc.build(story, canvasmaker=partial(_PlanCanvas, footer_size=st.footer_size))
        pages = doc.canv.page_count
    return PlanPdf(buffer.getvalue(), markup.missing_codes(), warnings, pages)


def _signatures(sheet, width, st, para, patient_label, provider_label, when, warnings) -> Table:
    """The two signatures side by side, each above a line with who signed and when."""

    def picture(png: bytes) -> Flowable:
        try:
            reader = ImageReader(io.BytesIO(png))
            w, h = reader.getSize()
            scale = min(SIGNATURE_BOX[0] / w, SIGNATURE_BOX[1] / h)
            return Image(io.BytesIO(png), w * scale, h * scale)
        except Exception as exc:  # a signature that cannot be drawn: say so, never fail
            warnings.append(f"A signature could not be drawn ({type(exc).__name__}).")
            return Spacer(1, SIGNATURE_BOX[1])

    half = width / 2
    rows = [
        [picture(sheet.patient_png), picture(sheet.provider_png)],
        [
            [para(patient_label, st.label), para(sheet.patient.name, st.value, bold=True)],
            [para(provider_label, st.label), para(sheet.provider, st.value, bold=True)],
        ],
        [para(when, st.label), para(when, st.label)],
    ]
    table = Table(rows, colWidths=[half, half], rowHeights=[SIGNATURE_BOX[1] + 4, None, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("VALIGN", (0, 1), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (0, 0), 0.8, MUTED),
                ("LINEBELOW", (1, 0), (1, 0), 0.8, MUTED),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 14),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    table.spaceBefore = 10
    return table


def _decorate(pagesize, st, t, footer_left: str, footer_right: str):
    """Every page's footer: page x of y, the record and the text's hash, the clinic."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from consult.report.fonts import BASE
    from consult.report.plan_pdf import PAGES_FORM

    page_width, _ = pagesize
    left, right = MARGIN_LEFT, page_width - MARGIN_RIGHT
    size = st.footer_size
    prefix, _, suffix = t("footer_page", page="{page}", pages="\0").partition("\0")

    def on_page(canv, doc) -> None:
        page = canv.getPageNumber()
        canv.saveState()
        if page == 1:
            canv.showOutline()
        top = MARGIN_BOTTOM - 7 * mm
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(left, top, right, top)
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
        ids = Paragraph(footer_left, st.footer)
        _, h = ids.wrapOn(canv, (right - left) * 0.75, 40 * mm)
        ids.drawOn(canv, left, baseline - size * 0.35 - h)
        if footer_right:
            clinic = Paragraph(footer_right, st.footer_right)
            _, h = clinic.wrapOn(canv, (right - left) * 0.25, 40 * mm)
            clinic.drawOn(canv, right - (right - left) * 0.25, top - 3 - h)
        canv.restoreState()

    return on_page
