"""The bundled fonts (``resources/fonts/``), in the order a character is looked for in them.

Plain data, so that the window (``consult.ui.fonts``) registers the same fonts as the printed
plan (``consult.report.fonts``) without importing reportlab.
"""

from __future__ import annotations

# Registered name, regular file, bold file (None: print bold text in the regular weight).
# The order is the fallback order.
FONT_FILES = (
    ("ConsultSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("ConsultArabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("ConsultHebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    # Scripts of South and South-East Asia: their letters join and reorder, so a paragraph
    # holding them is shaped (HarfBuzz, see ``needs_shaping``).
    ("ConsultDevanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    ("ConsultBengali", "NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf"),
    ("ConsultGurmukhi", "NotoSansGurmukhi-Regular.ttf", "NotoSansGurmukhi-Bold.ttf"),
    ("ConsultGujarati", "NotoSansGujarati-Regular.ttf", "NotoSansGujarati-Bold.ttf"),
    ("ConsultTamil", "NotoSansTamil-Regular.ttf", "NotoSansTamil-Bold.ttf"),
    ("ConsultThai", "NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf"),
    ("ConsultCJK", "DroidSansFallback.ttf", None),
)
# Unicode blocks whose text must be shaped to read right: Devanagari to Malayalam (the
# Indic scripts), Sinhala, Thai.
SHAPED_RANGES = ((0x0900, 0x0DFF), (0x0E00, 0x0E7F))
