"""Pages rendered to pictures (pdftoppm, when installed): nothing printed in the margins."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image

from consult.report.styles import MARGIN_LEFT, MARGIN_RIGHT

pytestmark = [
    pytest.mark.process,  # pdftoppm
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm not installed"),
]

DPI = 40


def pages_as_png(pdf: bytes, folder) -> list[Image.Image]:
    source = folder / "plan.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-png", str(source), str(folder / "page")],
        check=True,
        timeout=60,
    )
    images = []
    for path in sorted(folder.glob("page-*.png")):
        with Image.open(path) as image:
            images.append(image.convert("L"))
    return images


@pytest.mark.parametrize(
    ("lang", "paper", "large", "name"),
    [
        ("en", "a4", False, "Zoë O'Brien-Łukasiewicz"),
        ("es", "letter", True, "Nguyễn Thị Minh Khai 李小龍 محمد " + "W" * 120),
        ("es", "a4", True, "김민준 Αλέξανδρος Иванова דוד"),
    ],
)
def test_pages_render_and_margins_stay_clear(render, tmp_path, lang, paper, large, name):
    pdf, _, _ = render(name=name, lang=lang, paper=paper, large_print=large)
    pages = pages_as_png(pdf, tmp_path)
    assert len(pages) == pdf.page_count
    for image in pages:
        width, height = image.size
        left = int(MARGIN_LEFT / 72 * DPI) - 2
        right = width - int(MARGIN_RIGHT / 72 * DPI) + 2
        # Nothing is drawn in the side margins, from top to bottom.
        for box in ((0, 0, left, height), (right, 0, width, height)):
            assert image.crop(box).getextrema()[0] >= 250, (box, image.size)
        # The page has content: dark text.
        assert image.getextrema()[0] < 80


def test_the_provisional_band_stays_inside_the_margins(render, tmp_path):
    from dataclasses import replace

    from consult.domain.model import Answer

    def needs_clearance(consultation):
        answers = dict(consultation.screening, anticoagulants=Answer.YES)
        return replace(consultation, screening=answers)

    pdf, _, plan = render(large_print=True, consultation_change=needs_clearance)
    assert plan.provisional
    pages = pages_as_png(pdf, tmp_path)
    for image in pages:
        width, height = image.size
        left = int(MARGIN_LEFT / 72 * DPI) - 2
        right = width - int(MARGIN_RIGHT / 72 * DPI) + 2
        for box in ((0, 0, left, height), (right, 0, width, height)):
            assert image.crop(box).getextrema()[0] >= 250, (box, image.size)
        # The band is at the top of every page: its tinted background shows there.
        top = image.crop((left + 10, 0, right - 10, int(height * 0.06)))
        assert top.getextrema()[0] < 250
