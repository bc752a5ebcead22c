"""Benchmarks: how fast consult starts, renders, searches and saves, as ratios to the floor.

    make bench                        # sets up .venv, then runs this
    .venv/bin/python bench/run.py     # every figure, on 1,000, 10,000 and 100,000 patients
    … --quick                         # leave out 100,000 patients unless already built
    … --smoke                         # 50 patients, one run each: checks the harness only

Prints a Markdown table: each figure's median over several runs, the floor measured in the
same run on the same machine, their ratio, the target and PASS or MISS. The demo databases
are built on first use and cached in bench/.cache/ (about two minutes for 100,000 patients).
Benchmarks print figures; nothing here is a timed test (``--strict`` exits 1 on a MISS).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import figures
import server_bench
from dbs import BENCH_DIR, data_folder, demo_databases

SIZES = (1_000, 10_000, 100_000)
SMOKE_SIZE = 50


@dataclass(frozen=True)
class Repeats:
    startup: int
    warmup: int
    memory: int
    pdf: int
    printing: int
    search: int
    names: int
    save: int
    checks: int
    photos: int


FULL = Repeats(
    startup=7,
    warmup=1,
    memory=3,
    pdf=10,
    printing=3,
    search=3,
    names=8,
    save=30,
    checks=3,
    photos=5,
)
SMOKE = Repeats(
    startup=1,
    warmup=0,
    memory=1,
    pdf=1,
    printing=1,
    search=1,
    names=2,
    save=2,
    checks=1,
    photos=1,
)


@dataclass(frozen=True)
class Row:
    figure: str
    value: float
    floor: float
    floor_label: str
    unit: str  # "s" or "B"
    target: str = ""
    ok: bool | None = None  # None: shown for information, no target

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("inf")

    @property
    def result(self) -> str:
        return "" if self.ok is None else ("PASS" if self.ok else "MISS")


def amount(value: float, unit: str) -> str:
    if unit == "B":
        return f"{value / 2**20:.0f} MiB"
    if value >= 1:
        return f"{value:.2f} s"
    ms = value * 1000
    return f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms" if ms >= 1 else f"{ms:.2f} ms"


def table(rows: list[Row]) -> str:
    head = ["figure", "median", "floor", "ratio", "target", "result"]
    lines = [head]
    for r in rows:
        floor = f"{amount(r.floor, r.unit)} ({r.floor_label})"
        lines.append(
            [r.figure, amount(r.value, r.unit), floor, f"{r.ratio:.2f}×", r.target, r.result]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "| " + " | ".join("-" * w for w in widths) + " |"
    return "\n".join([fmt(lines[0]), rule, *(fmt(line) for line in lines[1:])])


def median(values: list[float]) -> float:
    return statistics.median(values)


def full_page_keystrokes(small: figures.Samples, large: figures.Samples) -> list[str]:
    """What was typed that lists a full page at both sizes: the same output from files of
    different sizes, so their times differ only by the file, not by the rows listed."""
    listed = [
        {key: size for key, size in zip(s.keys, s.sizes, strict=True)} for s in (small, large)
    ]
    return [
        key
        for key in dict.fromkeys(large.keys)
        if listed[0].get(key) == small.page and listed[1].get(key) == large.page
    ]


def times_of(samples: figures.Samples, keys: list[str]) -> list[float]:
    wanted = set(keys)
    return [t for key, t in zip(samples.keys, samples.figure, strict=True) if key in wanted]


def machine() -> str:
    import PySide6
    import reportlab

    from consult import __version__

    return (
        f"consult {__version__} · {date.today().isoformat()} · {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"PySide6 {PySide6.__version__} · SQLite {sqlite3.sqlite_version} · "
        f"reportlab {reportlab.Version}"
    )


def server_rows(
    rows: list[Row],
    db: Path,
    folder: Path,
    size: str,
    names: list[tuple[str, str]],
    repeats: Repeats,
) -> str:
    """The clinic server's rows (PostgreSQL on loopback), beside SQLite's; what was done."""
    if server_bench.server() is None:
        return (
            f"\nClinic server: not measured ({server_bench.ENV} names no PostgreSQL server; "
            ".ci/run starts one, or point it at any server you may create databases on)."
        )
    url = figures.timed(
        "copy onto the server", lambda: server_bench.bench_database(db, int(size.replace(",", "")))
    )
    found = figures.timed(
        f"server search, {size} patients",
        lambda: server_bench.search(url, folder, names, repeats.search),
    )
    saved = figures.timed("server save", lambda: server_bench.save(url, repeats.save))
    started = figures.timed(
        "server start-up",
        lambda: server_bench.startup(url, folder, repeats.startup, repeats.warmup),
    )
    searched = median(found.figure)
    rows.append(
        Row(
            f"clinic server: patient search per keystroke, {size} patients",
            searched,
            median(found.floor),
            "lookup by uuid, open connection",
            "s",
            "≤ 5 ms",
            searched <= 0.005,
        )
    )
    rows.append(
        Row(
            "clinic server: saving one consultation (finalize, audited)",
            median(saved.figure),
            median(saved.floor),
            "one row committed",
            "s",
            "≤ 20 ms",
            median(saved.figure) <= 0.020,
        )
    )
    on_server, on_file = median(started["server"]), median(started["sqlite"])
    rows.append(
        Row(
            f"clinic server: cold start to main window shown, {size} patients",
            on_server,
            on_file,
            "the same start on SQLite",
            "s",
            "≤ 1.3×",
            on_server <= 1.3 * on_file,
        )
    )
    return (
        f"\nClinic server: PostgreSQL {server_bench.describe()} on loopback; patients listed "
        f"per keystroke (median): {median(found.sizes):.0f}; {len(found.figure)} keystrokes, "
        f"{len(saved.figure)} saves, "
        f"{len(started['server'])} start-ups each way."
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", action="store_true", help="leave out 100,000 patients unless already built"
    )
    mode.add_argument(
        "--smoke", action="store_true", help="50 patients, one run of each: checks the harness"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=BENCH_DIR / ".cache",
        help="where the demo databases are kept (default: bench/.cache)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    cache: Path = args.cache.resolve()
    figures.PYCACHE = cache / "pycache"
    repeats = SMOKE if args.smoke else FULL
    sizes = [SMOKE_SIZE] if args.smoke else list(SIZES)
    dbs = demo_databases(sizes, cache, to_build=sizes[:-1] if args.quick else sizes)
    small, large = min(dbs), max(dbs)
    folders = {n: data_folder(path, cache / f"data-{n}") for n, path in sorted(dbs.items())}
    label = {n: f"{n:,}" for n in dbs}

    times = figures.timed(
        "start-up", lambda: figures.startup(folders, repeats.startup, repeats.warmup)
    )
    mem = figures.timed("memory", lambda: figures.memory(folders[large], repeats.memory))
    pdf = figures.timed("plan PDF", lambda: figures.plan_pdf(repeats.pdf, repeats.warmup))
    printed = figures.timed(
        "printing", lambda: figures.print_plan(repeats.printing, cache / "scratch")
    )
    names = figures.typed_names(dbs[small], repeats.names)
    searches = {
        n: figures.timed(
            f"search, {label[n]} patients",
            lambda n=n: figures.search(dbs[n], folders[n], names, repeats.search),
        )
        for n in sorted(dbs)
    }
    saved = figures.timed("save", lambda: figures.save(dbs[large], cache / "scratch", repeats.save))
    shot = figures.timed(
        "photos",
        lambda: figures.photos(repeats.photos, cache / "scratch", 20 if args.smoke else 200),
    )
    checked = figures.timed(
        "db check and db verify",
        lambda: figures.checks(dbs[large], cache / "scratch", repeats.checks),
    )

    bare = median(times["bare"])
    start = {n: median(times[str(n)]) for n in dbs}
    search = {n: median(s.figure) for n, s in searches.items()}
    lookup = median(searches[large].floor)
    full = full_page_keystrokes(searches[small], searches[large])
    rows = [
        Row(
            f"cold start to main window shown, {label[large]} patients",
            start[large],
            bare,
            "bare QMainWindow",
            "s",
            "≤ 2.0×",
            start[large] <= 2.0 * bare,
        ),
        Row(
            "plan PDF rendered, warm process",
            median(pdf.figure),
            median(pdf.floor),
            "bare platypus, same fonts and length",
            "s",
            "≤ 3×",
            median(pdf.figure) <= 3 * median(pdf.floor),
        ),
        Row(
            "printing a 4-page plan to a PDF printer (the PDF itself)",
            median(printed["pdf"].figure),
            median(printed["none"].figure),
            "writing the PDF to a file",
            "s",
            "≤ 2 s",
            median(printed["pdf"].figure) <= 2.0,
        ),
        Row(
            "peak memory printing it to a PDF printer",
            median(printed["pdf"].other),
            median(printed["none"].other),
            "the same process printing nothing",
            "B",
            "≤ 300 MB",
            median(printed["pdf"].other) <= 300e6,
        ),
        Row(
            "printing it as 600-dpi page images (printers that cannot take PDF)",
            median(printed["raster"].figure),
            median(printed["none"].figure),
            "writing the PDF to a file",
            "s",
            "≤ 2 s",
            median(printed["raster"].figure) <= 2.0,
        ),
        Row(
            "peak memory printing it as page images",
            median(printed["raster"].other),
            median(printed["none"].other),
            "the same process printing nothing",
            "B",
            "≤ 300 MB",
            median(printed["raster"].other) <= 300e6,
        ),
        Row(
            f"patient search per keystroke, {label[large]} patients",
            search[large],
            lookup,
            "fresh connection, one indexed lookup",
            "s",
            "≤ 10 ms and ≤ 5×",
            search[large] <= 0.010 and search[large] <= 5 * lookup,
        ),
        Row(
            "saving one consultation durably",
            median(saved.figure),
            median(saved.floor),
            "one-row durable commit",
            "s",
            "≤ 20 ms",
            median(saved.figure) <= 0.020,
        ),
        Row(
            f"db check + db verify (whole commands), {label[large]} patients",
            median(checked.figure),
            median(checked.floor),
            "SQLite's page check alone",
            "s",
            "≤ 5 s",
            median(checked.figure) <= 5.0,
        ),
        Row(
            "resident memory, main window idle",
            median(mem.figure),
            median(mem.floor),
            "bare QMainWindow",
            "B",
            "≤ 2×",
            median(mem.figure) <= 2 * median(mem.floor),
        ),
        Row(
            "a 12 MP JPEG taken in (upright, metadata dropped, kept, thumbnail)",
            median(shot["import"].figure),
            median(shot["import"].floor),
            "Pillow decoding and encoding it again",
            "s",
            "≤ 5×",
            median(shot["import"].figure) <= 5 * median(shot["import"].floor),
        ),
        Row(
            f"a patient's gallery of {20 if args.smoke else 200} photos opened, thumbnails shown",
            median(shot["gallery"].figure),
            median(shot["gallery"].floor),
            "reading the 200 thumbnails (one query)",
            "s",
            "≤ 150 ms",
            median(shot["gallery"].figure) <= 0.150,
        ),
        Row(
            "memory the compare view adds for two 12 MP photos",
            median(shot["memory"].figure),
            median(shot["memory"].floor),
            "the two decoded, alone",
            "B",
            "≤ 2×",
            median(shot["memory"].figure) <= 2 * median(shot["memory"].floor),
        ),
        Row(
            f"start-up, {label[large]} vs {label[small]} patients",
            start[large],
            start[small],
            f"{label[small]} patients",
            "s",
            "≤ 1.2×",
            start[large] <= 1.2 * start[small],
        ),
    ]
    # Flat means the file's size does not slow a keystroke down: measured on the keystrokes
    # whose output is the same at both sizes (a full page each). Over all keystrokes the
    # larger file also lists more patients (a page against a handful), shown beside it.
    listed = {n: median(s.sizes) for n, s in searches.items()}
    if full:
        same_large = median(times_of(searches[large], full))
        same_small = median(times_of(searches[small], full))
        rows.append(
            Row(
                f"search per keystroke, {label[large]} vs {label[small]} patients, "
                "a full page listed at both",
                same_large,
                same_small,
                f"{label[small]} patients, the keystrokes listing a full page at both",
                "s",
                "≤ 1.2×",
                same_large <= 1.2 * same_small,
            )
        )
    else:  # the smoke run's tiny file never fills a page
        rows.append(
            Row(
                f"search per keystroke, {label[large]} vs {label[small]} patients, "
                "a full page listed at both",
                search[large],
                search[small],
                f"{label[small]} patients; no keystroke fills a page: all of them",
                "s",
                "≤ 1.2×",
                search[large] <= 1.2 * search[small],
            )
        )
    rows.append(
        Row(
            f"search per keystroke, {label[large]} vs {label[small]} patients, every "
            f"keystroke ({listed[large]:.0f} vs {listed[small]:.0f} patients listed)",
            search[large],
            search[small],
            f"{label[small]} patients",
            "s",
        )
    )
    rows.append(
        Row(
            f"search per keystroke, a new connection each, {label[large]} patients",
            median(searches[large].other),
            lookup,
            "lookup",
            "s",
        )
    )
    for n in sorted(dbs):
        if n != large:
            rows.append(Row(f"cold start, {label[n]} patients", start[n], bare, "bare", "s"))
    for n in sorted(dbs):
        if n != large:
            floor = median(searches[n].floor)
            rows.append(
                Row(f"search per keystroke, {label[n]} patients", search[n], floor, "lookup", "s")
            )

    server_note = server_rows(rows, dbs[large], folders[large], label[large], names, repeats)

    print(machine())
    print()
    print(table(rows))
    print(server_note)
    print()
    print(f"Plan PDF: {pdf.note}.")
    print(f"Printing: {printed['pdf'].note}; the page images are drawn in bands on a worker.")
    print(
        f"Photos: {shot['import'].note}; {shot['gallery'].note}; {shot['memory'].note} "
        f"(the compare view's peak: {median(shot['memory'].other) / 1e6:.0f} MB)."
    )
    shown = ", ".join(f"{median(s.sizes):.0f} at {label[n]}" for n, s in searches.items())
    print(f"Search: {searches[large].note}; patients listed per keystroke (median): {shown}.")
    page = searches[large].page
    for n, s in searches.items():
        full_pages = sum(size == page for size in s.sizes)
        print(
            f"Search, {label[n]} patients: a keystroke lists {min(s.sizes)} to {max(s.sizes)} "
            f"patients (the page is {page}); {full_pages} of {len(s.sizes)} list a full page."
        )
    typed = len(dict.fromkeys(searches[large].keys))
    which = ": " + ", ".join(f"“{key}”" for key in full) if full else ""
    print(
        f"Keystrokes listing a full page at both {label[small]} and {label[large]} patients: "
        f"{len(full)} of {typed}{which}."
    )
    runs = (
        f"Medians of {repeats.startup} start-ups, {repeats.memory} memory readings, "
        f"{repeats.pdf} renders, {repeats.printing} prints each way, {repeats.search}× every "
        f"keystroke and {repeats.save} saves"
    )
    print(f"{runs}; databases in {cache}.")
    if len(dbs) < (1 if args.smoke else len(SIZES)):
        print("Not every database size was measured (--quick): run without it for all.")
    for problem in sorted(figures.PROBLEMS):
        print(f"Problem: {problem}")
    missed = [r for r in rows if r.ok is False]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
