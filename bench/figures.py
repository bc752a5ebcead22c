"""The measurements. Each returns samples of the figure and of its floor, taken in the same run
on the same machine, interleaved so that a slow moment of the machine hits both alike."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from urllib.parse import quote

from dbs import BENCH_DIR, REPO_ROOT, log


@dataclass
class Samples:
    figure: list[float]
    floor: list[float]
    note: str = ""
    other: list[float] = field(default_factory=list)  # a variant shown for comparison
    sizes: list[int] = field(default_factory=list)  # e.g. the rows each search returned
    keys: list[str] = field(default_factory=list)  # e.g. what was typed, for each figure
    page: int = 0  # e.g. the most rows a search lists at once


# Processes started here run with their bytecode cached (in the cache's pycache/, leaving the
# source tree alone), as an installed program has it compiled, even where the environment
# says PYTHONDONTWRITEBYTECODE; the first (warm-up) runs compile it.
PYCACHE = BENCH_DIR / ".cache" / "pycache"


def _env(data_folder: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPYCACHEPREFIX=str(PYCACHE))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if data_folder is not None:
        env["CONSULT_DATA_DIR"] = str(data_folder)
    return env


# Tracebacks a process printed though it exited normally, reported under the table.
PROBLEMS: set[str] = set()


def _run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run a whole process; wall seconds and its standard output. Fails if it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO_ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr.strip()}"
        )
    if "Traceback" in done.stderr:
        lines = done.stderr.strip().splitlines()
        program = Path(command[1]).name if command[1] != "-m" else command[2]
        PROBLEMS.add(f"{program} printed a traceback: {lines[-1]}")
    return seconds, done.stdout


APP = [sys.executable, "-m", "consult", "--quit-after-launch"]
BARE = [sys.executable, str(BENCH_DIR / "bare_window.py")]


# --------------------------------------------------------------------------- start-up, memory


def startup(folders: dict[int, Path], repeat: int, warmup: int) -> dict[str, list[float]]:
    """``consult --quit-after-launch`` (whole process) for each data folder, and the bare
    window; keyed by size and "bare"."""
    runs: list[tuple[str, list[str], dict[str, str]]] = [("bare", BARE, _env())]
    runs += [(str(n), APP, _env(folder)) for n, folder in folders.items()]
    times: dict[str, list[float]] = {key: [] for key, _, _ in runs}
    for round_no in range(warmup + repeat):
        for key, command, env in runs:
            seconds, _ = _run(command, env)
            if round_no >= warmup:
                times[key].append(seconds)
    return times


def memory(folder: Path, repeat: int) -> Samples:
    """Resident memory (bytes) of the app idle with its main window shown, and of the bare
    window, each measured from inside the process once the window is shown and idle."""
    app = [sys.executable, str(BENCH_DIR / "app_memory.py")]
    bare = [*BARE, "--rss"]
    samples = Samples([], [])
    for _ in range(repeat):
        for command, env, into in (
            (bare, _env(), samples.floor),
            (app, _env(folder), samples.figure),
        ):
            _, out = _run(command, env)
            kib = json.loads(out.strip().splitlines()[-1])["rss_kib"]
            if kib is None:
                raise RuntimeError("resident memory cannot be read here (no /proc, no psutil)")
            into.append(kib * 1024.0)
    return samples


# --------------------------------------------------------------------------- photos


def photos(repeat: int, scratch: Path, gallery: int = 200) -> dict[str, Samples]:
    """The photo figures (bench/photo_bench.py, a process each): a 12 MP JPEG taken in
    against Pillow decoding and encoding it again; the gallery of 200 photos opened against
    reading their thumbnails; the memory the compare view adds for two 12 MP photos against
    decoding the two alone."""
    script = [sys.executable, str(BENCH_DIR / "photo_bench.py")]
    scratch = scratch / "photos"

    def result(*args: str) -> dict:
        _, text = _run([*script, *args], _env())
        return json.loads(text.strip().splitlines()[-1])

    found = {"import": Samples([], []), "gallery": Samples([], []), "memory": Samples([], [])}
    taken = result("import", str(scratch), str(repeat))
    found["import"].figure += taken["figure"]
    found["import"].floor += taken["floor"]
    found["import"].note = f"a 4000 × 3000 JPEG of {taken['bytes'] / 1e6:.1f} MB"
    shown = result("gallery", str(scratch), str(repeat), str(gallery))
    found["gallery"].figure += shown["figure"]
    found["gallery"].floor += shown["floor"]
    found["gallery"].note = f"{shown['shown']} thumbnails on screen of {shown['count']}"
    result("memory-setup", str(scratch))
    for _ in range(max(1, repeat // 2)):
        used = result("memory", str(scratch))
        alone = result("memory-floor", str(scratch))
        found["memory"].figure.append(used["added"])
        found["memory"].floor.append(alone["added"])
        found["memory"].other.append(used["peak_added"])
        found["memory"].note = f"the two decoded: {alone['decoded'] / 1e6:.0f} MB"
    return found


# --------------------------------------------------------------------------- the plan PDF


def plan_pdf(repeat: int, warmup: int) -> Samples:
    """Rendering the demo plan in a warm process, and the bare platypus floor."""
    from pdf_floor import floor_story, plan_story, render_floor

    from consult.app.catalog import load_catalog
    from consult.domain.plan import build_plan
    from consult.report.demo import DEMO_PLAN_ID, demo_clinic, demo_consultation
    from consult.report.fonts import BASE, BASE_BOLD
    from consult.report.plan_pdf import render_plan_pdf
    from consult.report.styles import MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, PAPER

    catalog = load_catalog().catalog
    today = date.today()
    clinic = demo_clinic(catalog)
    consultation = demo_consultation(catalog, today)
    plan = build_plan(catalog, consultation, clinic.calendar, clinic.interval_weeks)

    def render():
        return render_plan_pdf(
            catalog, consultation, plan, clinic, printed_on=today, plan_id=DEMO_PLAN_ID
        )

    story, pdf = plan_story(render)
    margins = (MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM)

    def floor():
        return render_floor(floor_story(story, BASE, BASE_BOLD), PAPER["a4"], margins)

    _, floor_pages = floor()
    samples = Samples([], [])
    for round_no in range(warmup + repeat):
        for fn, into in ((render, samples.figure), (floor, samples.floor)):
            started = time.perf_counter()
            fn()
            if round_no >= warmup:
                into.append(time.perf_counter() - started)
    paragraphs = sum(1 for f in story if type(f).__name__ in ("Paragraph", "_Heading"))
    tables = sum(1 for f in story if type(f).__name__ == "Table")
    samples.note = (
        f"{pdf.page_count} pages, {paragraphs} paragraphs and {tables} tables at the top "
        f"level (floor: {floor_pages} pages)"
    )
    return samples


# --------------------------------------------------------------------------- printing


def print_plan(repeat: int, scratch: Path) -> dict[str, Samples]:
    """Printing a four-page plan (bench/print_plan.py, a process each): to a PDF printer (the
    PDF itself) and as 600-dpi page images, each beside the same process printing nothing.
    ``figure`` holds the seconds the print took, ``other`` the process's peak memory."""
    scratch.mkdir(parents=True, exist_ok=True)
    script = [sys.executable, str(BENCH_DIR / "print_plan.py")]
    found = {way: Samples([], []) for way in ("pdf", "raster", "none")}
    for _ in range(repeat):
        for way, samples in found.items():
            out = scratch / f"printed-{way}.pdf"
            out.unlink(missing_ok=True)
            _, text = _run([*script, way, str(out)], _env())
            result = json.loads(text.strip().splitlines()[-1])
            samples.figure.append(result["seconds"])
            samples.other.append(result["peak_kib"] * 1024.0)
            samples.note = f"the demo plan has {result['pages']} pages; 4 printed"
    return found


# --------------------------------------------------------------------------- search


_TYPABLE = re.compile(r"[a-z][a-z' -]+")


def typed_names(db: Path, count: int) -> list[tuple[str, str]]:
    """What a provider types to find ``count`` real patients (spread over the file): their
    first two name words as typed on a plain keyboard, e.g. "maria garcia"; with their uuid."""
    from consult.storage.search import fold

    conn = sqlite3.connect(f"file:{quote(str(db))}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT name, uuid FROM patients ORDER BY id").fetchall()
    finally:
        conn.close()
    picked: list[tuple[str, str]] = []
    step = max(1, len(rows) // count)
    for start in range(0, len(rows), step):
        for name, uuid in rows[start : start + step]:
            typed = " ".join(fold(name).split()[:2])
            if _TYPABLE.fullmatch(typed) and typed not in {t for t, _ in picked}:
                picked.append((typed, uuid))
                break
        if len(picked) == count:
            break
    return picked


BENCH_ACCOUNT, BENCH_SECRET = "Bench Administrator", "bench-secret"


def sign_in(clinic) -> None:
    """Searching needs an account, as in the window: the benchmarks' own administrator."""
    if clinic.needs_first_administrator():
        clinic.create_first_administrator(BENCH_ACCOUNT, BENCH_SECRET)
    else:
        clinic.sign_in(BENCH_ACCOUNT, BENCH_SECRET)


def search(db: Path, data_folder: Path, names: list[tuple[str, str]], repeat: int) -> Samples:
    """Each keystroke of typing the names, searched as the main window's worker does
    (``Clinic.search``: the list's first page); the floor: a fresh sqlite3 connection, one
    indexed equality lookup (a patient by uuid), closed. ``other``: the same search on a new
    connection of its own per keystroke (``RecordStore.open`` … ``search_patients`` …
    ``close``). ``sizes`` and ``keys``: the patients each keystroke listed, and what was
    typed; ``page``: the most the list shows at once."""
    from consult.app.catalog import load_catalog
    from consult.app.clinic import SEARCH_PAGE, Clinic
    from consult.storage.store import RecordStore

    clinic = Clinic(load_catalog().catalog, db, data_folder)
    sign_in(clinic)
    uri = f"file:{quote(str(db))}?mode=ro"

    def lookup(uuid: str) -> None:
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute("SELECT id, name FROM patients WHERE uuid = ?", [uuid]).fetchall()
        finally:
            conn.close()

    def fresh(typed: str) -> None:
        with RecordStore.open(db, readonly=True, verify=False) as repo:
            repo.patient_list.search(typed, limit=SEARCH_PAGE)

    try:
        return typing(clinic, names, repeat, lookup, fresh)
    finally:
        clinic.close()


def typing(
    clinic,
    names: list[tuple[str, str]],
    repeat: int,
    lookup: Callable[[str], object],
    other: Callable[[str], object] | None = None,
) -> Samples:
    """Each keystroke of typing ``names`` through ``clinic.search`` (the figure), beside
    ``lookup`` of the patient's uuid (the floor) and, if given, ``other`` of what was typed."""
    from consult.app.clinic import SEARCH_PAGE

    samples = Samples([], [])
    found = 0
    clinic.search(names[0][0])  # the records' first pages in the cache
    for _ in range(repeat):
        for typed, uuid in names:
            for end in range(1, len(typed) + 1):
                started = time.perf_counter()
                rows = clinic.search(typed[:end]).rows
                samples.figure.append(time.perf_counter() - started)
                samples.sizes.append(len(rows))
                samples.keys.append(typed[:end])
                started = time.perf_counter()
                lookup(uuid)
                samples.floor.append(time.perf_counter() - started)
                if other is not None:
                    started = time.perf_counter()
                    other(typed[:end])
                    samples.other.append(time.perf_counter() - started)
            found += bool(rows)
    samples.page = SEARCH_PAGE
    keys = sum(len(t) for t, _ in names)
    samples.note = f"{len(names)} names, {keys} keystrokes: " + ", ".join(
        f"“{t}”" for t, _ in names
    )
    if found < len(names) * repeat:
        raise RuntimeError("a typed name found nobody: the search benchmark is broken")
    return samples


# --------------------------------------------------------------------------- saving


def save(db: Path, scratch: Path, repeat: int) -> Samples:
    """``store.consultations.finalize`` of a new consultation on a copy of ``db``
    (synchronous=FULL, as the app opens it); the floor: one row committed durably (WAL,
    synchronous=FULL) in a file on the same disk."""
    from consult.app.catalog import load_catalog
    from consult.domain.plan import build_plan
    from consult.report.demo import demo_clinic, demo_consultation
    from consult.storage import database
    from consult.storage.store import RecordStore

    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    copy = scratch / "records.sqlite3"
    shutil.copyfile(db, copy)
    catalog = load_catalog().catalog
    clinic = demo_clinic(catalog)
    floor_conn = sqlite3.connect(scratch / "floor.sqlite3", isolation_level=None)
    samples = Samples([], [])
    try:
        floor_conn.execute("PRAGMA journal_mode = WAL")
        floor_conn.execute("PRAGMA synchronous = FULL")
        floor_conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT)")
        with RecordStore.open(copy, catalog=catalog, verify=False) as repo:
            synchronous = repo.db.execute("PRAGMA synchronous").fetchone()[0]
            if synchronous != 2:
                raise RuntimeError(
                    f"the records are not opened with synchronous=FULL ({synchronous})"
                )
            for i in range(repeat):
                consultation = demo_consultation(catalog, date.today(), f"Bench Patient {i}")
                patient = repo.patients.save(consultation.patient)  # the UI saves it first
                consultation = replace(consultation, patient=patient)
                plan = build_plan(catalog, consultation, clinic.calendar, clinic.interval_weeks)
                started = time.perf_counter()
                repo.consultations.finalize(consultation, plan)
                samples.figure.append(time.perf_counter() - started)
                started = time.perf_counter()
                floor_conn.execute("BEGIN IMMEDIATE")
                floor_conn.execute("INSERT INTO t (value) VALUES (?)", [f"row {i}"])
                floor_conn.execute("COMMIT")
                samples.floor.append(time.perf_counter() - started)
    finally:
        floor_conn.close()
        database.remove_with_sides(copy)
        shutil.rmtree(scratch, ignore_errors=True)
    return samples


def _token(records: Path) -> dict[str, str]:
    """The environment of a scheduled check: the benchmarks' administrator's token, as a
    clinic's nightly job has it (records without accounts need none)."""
    from consult.storage.store import RecordStore

    with RecordStore.open(records, verify=False) as store:
        if not store.accounts.get(BENCH_ACCOUNT):
            return {}
        return {"CONSULT_TOKEN": store.accounts.issue_token(BENCH_ACCOUNT)}


def checks(db: Path, scratch: Path, repeat: int) -> Samples:
    """``consult db check`` then ``consult db verify`` on a copy of ``db``, as whole commands
    (what an administrator waits for); the floor: SQLite's own page check (``quick_check``)
    of the same file on a fresh connection, which no check of the records can skip."""
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    copy = scratch / "records.sqlite3"
    shutil.copyfile(db, copy)
    env = _env(scratch / "data")
    env.update(_token(copy))
    samples = Samples([], [])
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            for command in ("check", "verify"):
                done = subprocess.run(
                    [sys.executable, "-m", "consult", "--db", str(copy), "db", command],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                )
                if done.returncode != 0:
                    raise RuntimeError(f"db {command} failed: {done.stderr.strip()}")
            samples.figure.append(time.perf_counter() - started)
            started = time.perf_counter()
            conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            try:
                conn.execute("PRAGMA quick_check").fetchall()
            finally:
                conn.close()
            samples.floor.append(time.perf_counter() - started)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return samples


def timed(label: str, fn: Callable[[], object]):
    started = time.perf_counter()
    log(f"{label} …")
    result = fn()
    log(f"  done in {time.perf_counter() - started:.1f} s")
    return result
