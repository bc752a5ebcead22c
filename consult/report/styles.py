"""The plan's look: page sizes, margins, colours and paragraph styles, built once per size."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from consult.report.fonts import BASE, BASE_BOLD, faces

PAPER = {"a4": A4, "letter": LETTER}
MARGIN_LEFT = MARGIN_RIGHT = 18 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 24 * mm

# Dark text on white; every colour used for text has a contrast ratio above 7:1 on white.
TEXT = colors.HexColor("#161616")
ACCENT = colors.HexColor("#0B4A5C")
MUTED = colors.HexColor("#3B474D")
RULE = colors.HexColor("#9FB3BC")
HEAD_BG = colors.HexColor("#E1ECF0")
ZEBRA = colors.HexColor("#F4F8FA")
PANEL_BG = colors.HexColor("#F1F6F8")
NOTICE_BG = colors.HexColor("#FFF5DC")
NOTICE_RULE = colors.HexColor("#B7791F")


@dataclass(frozen=True)
class Styles:
    large_print: bool
    title: ParagraphStyle
    clinic_name: ParagraphStyle
    clinic_detail: ParagraphStyle
    section: ParagraphStyle
    subsection: ParagraphStyle
    body: ParagraphStyle
    area: ParagraphStyle
    lead: ParagraphStyle
    bullet: ParagraphStyle
    label: ParagraphStyle
    value: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_head: ParagraphStyle
    notice: ParagraphStyle
    caveat: ParagraphStyle
    band: ParagraphStyle
    note: ParagraphStyle
    running_head: ParagraphStyle
    footer: ParagraphStyle
    footer_right: ParagraphStyle

    @property
    def footer_size(self) -> float:
        return self.footer.fontSize

    @property
    def gap(self) -> float:
        """Space between blocks of a section."""
        return self.body.leading * 0.5


@cache
def styles(large_print: bool = False) -> Styles:
    """The paragraph styles: no text under 11 pt (14 pt in large print) but the footer."""
    faces()  # the fonts the styles name must be registered first
    k = 14 / 11 if large_print else 1.0  # the smallest text, 11 pt, becomes 14 pt

    def style(name: str, size: float, leading: float, **extra) -> ParagraphStyle:
        base = {
            "fontName": BASE,
            "fontSize": round(size * k, 1),
            "leading": round(leading * k, 1),
            "textColor": TEXT,
            "alignment": TA_LEFT,
            "splitLongWords": 1,
            "allowOrphans": 0,
            "allowWidows": 0,
        }
        base.update(extra)
        base.setdefault("bulletFontSize", base["fontSize"])
        for key in ("spaceBefore", "spaceAfter", "leftIndent", "bulletIndent"):
            if key in base:
                base[key] = round(base[key] * k, 1)
        return ParagraphStyle(name, **base)

    footer_size = 12 if large_print else 9
    footer = ParagraphStyle(
        "footer",
        fontName=BASE,
        fontSize=footer_size,
        leading=footer_size * 1.3,
        textColor=MUTED,
        splitLongWords=1,
    )
    return Styles(
        large_print=large_print,
        title=style("title", 21, 26, fontName=BASE_BOLD, textColor=ACCENT, spaceAfter=8),
        clinic_name=style("clinic_name", 15, 19, fontName=BASE_BOLD, textColor=ACCENT),
        clinic_detail=style("clinic_detail", 11, 14.5, textColor=MUTED),
        section=style(
            "section",
            15.5,
            20,
            fontName=BASE_BOLD,
            textColor=ACCENT,
            spaceBefore=16,
            spaceAfter=6,
            keepWithNext=1,
        ),
        subsection=style(
            "subsection",
            12.5,
            16,
            fontName=BASE_BOLD,
            textColor=TEXT,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,
        ),
        body=style("body", 11.5, 16, spaceAfter=5),
        area=style(
            "area", 11.5, 16, fontName=BASE_BOLD, spaceBefore=2, spaceAfter=2, keepWithNext=1
        ),
        lead=style("lead", 12.5, 17, fontName=BASE_BOLD, spaceAfter=6),
        bullet=style(
            "bullet",
            11.5,
            15.5,
            leftIndent=14,
            bulletIndent=2,
            bulletFontName=BASE,
            spaceAfter=3,
        ),
        label=style("label", 11, 13.5, textColor=MUTED),
        value=style("value", 12, 15.5, fontName=BASE_BOLD),
        cell=style("cell", 11.5, 15),
        cell_bold=style("cell_bold", 11.5, 15, fontName=BASE_BOLD),
        cell_head=style("cell_head", 11, 14, fontName=BASE_BOLD, textColor=ACCENT),
        notice=style("notice", 11.5, 15.5),
        # What the patient should know about a concern, right under it.
        caveat=style("caveat", 11, 14.5, leftIndent=14, textColor=MUTED, spaceAfter=4),
        # Across the top of every page of a provisional plan.
        band=style("band", 11, 14, fontName=BASE_BOLD),
        note=style("note", 11.5, 16),
        running_head=ParagraphStyle(
            "running_head",
            parent=footer,
            fontSize=footer_size,
            leading=footer_size * 1.3,
        ),
        footer=footer,
        footer_right=ParagraphStyle("footer_right", parent=footer, alignment=TA_RIGHT),
    )
