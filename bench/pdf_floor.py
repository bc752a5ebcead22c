"""The floor for the plan PDF: a bare reportlab platypus document of the same length and fonts.

``plan_story`` renders a plan with ``consult.report.plan_pdf`` and keeps the flowables it laid
out. ``floor_story`` turns them into plain platypus: each paragraph's text (escaped, no
per-script font runs) in the same font, size and spacing, each table with the same cells and
column widths, no styling, and the spacers as they were. ``render_floor`` lays that out on
the same paper and margins in a plain ``SimpleDocTemplate``: no page furniture, no outline,
no page count. What is left between the two is what the app adds.
"""

from __future__ import annotations

import io
from unittest import mock
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    ImageAndFlowables,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)


def plan_story(render) -> tuple[list[Flowable], bytes]:
    """Call ``render()`` (which renders a plan) and return the flowables it laid out."""
    from consult.report import plan_pdf

    captured: list[Flowable] = []
    build = plan_pdf._PlanDoc.build

    def capturing_build(self, flowables, *args, **kwargs):
        captured.extend(_flat(flowables))  # platypus consumes the list it is given
        return build(self, flowables, *args, **kwargs)

    with mock.patch.object(plan_pdf._PlanDoc, "build", capturing_build):
        pdf = render()
    return captured, pdf


def _flat(story: list) -> list:
    """The story with the text that flows round the treatment-area drawing kept whole (its
    list is consumed as it is laid out: copied before)."""
    return [
        ImageAndFlowables(item._I, list(item._content))
        if isinstance(item, ImageAndFlowables)
        else item
        for item in story
    ]


class _Plain:
    def __init__(self, regular: str, bold: str):
        self.regular, self.bold = regular, bold
        self.styles: dict[str, ParagraphStyle] = {}

    def style(self, original: ParagraphStyle) -> ParagraphStyle:
        found = self.styles.get(original.name)
        if found is None:
            bold = original.fontName.endswith("-Bold")
            found = ParagraphStyle(
                f"floor-{original.name}",
                fontName=self.bold if bold else self.regular,
                fontSize=original.fontSize,
                leading=original.leading,
                spaceBefore=original.spaceBefore,
                spaceAfter=original.spaceAfter,
                leftIndent=original.leftIndent,
            )
            self.styles[original.name] = found
        return found

    def __call__(self, item):
        if isinstance(item, Paragraph):
            return Paragraph(escape(item.getPlainText()), self.style(item.style))
        if isinstance(item, Table):
            rows = [[self(cell) for cell in row] for row in item._cellvalues]
            return Table(rows, colWidths=item._colWidths)
        if isinstance(item, ImageAndFlowables):
            # The text that flows round the treatment-area drawing: as plain paragraphs, the
            # drawing as a space of its size (a drawing is not what the floor measures).
            return [Spacer(1, item._I.height), *[self(x) for x in item._content]]
        if isinstance(item, list | tuple):
            return [self(x) for x in item]
        return item  # spacers, strings


def floor_story(story: list[Flowable], regular: str, bold: str) -> list[Flowable]:
    plain = _Plain(regular, bold)
    flat: list[Flowable] = []
    for item in story:
        made = plain(item)
        flat.extend(made if isinstance(made, list) else [made])
    return flat


def render_floor(story: list[Flowable], pagesize, margins: tuple[float, float, float, float]):
    """The PDF's bytes and its page count."""
    buffer = io.BytesIO()
    left, right, top, bottom = margins
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        pageCompression=1,  # as the plan: compression is a property of the file, not overhead
    )
    doc.build(story)
    return buffer.getvalue(), doc.page
