"""Helpers for the printed plan's tests: read a PDF back with pypdf."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

from pypdf import PdfReader

TODAY = date(2026, 11, 26)

NAMES = {
    "latin": "Zoë O'Brien-Łukasiewicz",
    "chinese": "李小龍",
    "arabic": "محمد",
    "vietnamese": "Nguyễn Thị Minh Khai",
    "greek": "Αλέξανδρος",
    "cyrillic": "Иванова",
    "japanese": "山田太郎",
    "korean": "김민준",
    "hebrew": "דוד",
    "devanagari": "प्रिया शर्मा",
    "bengali": "সুমিত্রা দাস",
    "gurmukhi": "ਗੁਰਪ੍ਰੀਤ ਕੌਰ",
    "gujarati": "હેતલ પટેલ",
    "tamil": "ஸ்ரீநிவாசன்",
    "thai": "สมชาย ใจดี",
}


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def pdf_text(pdf: bytes) -> str:
    """All the text, NFC, with runs of white space made single spaces."""
    text = " ".join(page.extract_text() for page in reader(pdf).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader(pdf).pages]
