"""Printing the demo plan as the preview prints it, in a process of its own, reporting the
time the print took and the process's peak memory.

    python bench/print_plan.py pdf|raster|none OUT.pdf     # prints {"seconds": …, "peak_kib": …}

``pdf``: a PDF printer (Qt's "print to file"), which gets the plan's PDF itself; ``raster``:
the way for printers that cannot take PDF, each page drawn as images of at most 600 dpi (here
into a PDF printer, which also compresses them: slower than a real printer's driver takes
them); ``none``: everything but the print (the floor: the app's modules, the window system,
the plan rendered). The first four pages are printed: a four-page plan.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from consult.app.catalog import load_catalog
from consult.domain.plan import build_plan
from consult.report.demo import DEMO_PLAN_ID, demo_clinic, demo_consultation
from consult.report.plan_pdf import render_plan_pdf, write_pdf_atomic
from consult.ui import printing

PAGES = 4


def main(way: str, out: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    catalog = load_catalog().catalog
    today = date.today()
    clinic = demo_clinic(catalog)
    consultation = demo_consultation(catalog, today)
    plan = build_plan(catalog, consultation, clinic.calendar, clinic.interval_weeks)
    pdf = render_plan_pdf(
        catalog, consultation, plan, clinic, printed_on=today, plan_id=DEMO_PLAN_ID
    )
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setFromTo(1, PAGES)
    started = time.perf_counter()
    if way == "pdf":
        job = printing.PrintJob(
            bytes(pdf), pdf.page_count, printer, lambda data, path: write_pdf_atomic(data, path)
        )
        loop = QEventLoop()
        ended: list[str] = []
        job.finished.connect(lambda text: (ended.append(text), loop.quit()))
        job.failed.connect(lambda text: (ended.append(text), loop.quit()))
        job.start()
        if not ended:
            loop.exec()
        assert job.way == "pdf", job.way
    elif way == "raster":
        printing.raster(
            bytes(pdf), printer, printing.Pages(1, PAGES), lambda n, of: None, threading.Event()
        )
    elif way == "none":
        write_pdf_atomic(bytes(pdf), out, replace=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib, "pages": pdf.page_count}))
    app.quit()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
