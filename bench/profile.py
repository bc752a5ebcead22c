"""Where the time goes: one benchmark's work under pyinstrument (``pip install -e '.[bench]'``).

    .venv/bin/python bench/profile.py startup   # consult --quit-after-launch, largest database
    .venv/bin/python bench/profile.py search    # typing the benchmark's names
    .venv/bin/python bench/profile.py pdf       # rendering the demo plan 20 times
    .venv/bin/python bench/profile.py imports   # start-up imports, slowest first (-X importtime)

Uses the databases ``bench/run.py`` built (run it once first).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import date
from pathlib import Path

from dbs import BENCH_DIR, REPO_ROOT, cached_name, data_folder

SIZES = (100_000, 10_000, 1_000, 50)


def largest(cache: Path) -> tuple[Path, Path]:
    for n in SIZES:
        db = cache / cached_name(n)
        if db.exists():
            return db, data_folder(db, cache / f"data-{n}")
    raise SystemExit("no benchmark database yet: run bench/run.py first")


def _app_env(cache: Path) -> dict[str, str]:
    """As bench/run.py starts the app: offscreen, bytecode cached, the largest database."""
    import figures

    _, folder = largest(cache)
    figures.PYCACHE = cache / "pycache"
    env = figures._env(folder)
    app = [sys.executable, "-m", "consult", "--quit-after-launch"]
    subprocess.run(app, env=env, cwd=REPO_ROOT, check=True, capture_output=True)  # compiled
    return env


def profile_startup(cache: Path) -> None:
    command = [sys.executable, "-m", "pyinstrument", "-i", "0.0005", "-m", "consult"]
    env = _app_env(cache)
    subprocess.run([*command, "--quit-after-launch"], env=env, cwd=REPO_ROOT, check=True)


def profile_imports(cache: Path) -> None:
    command = [sys.executable, "-X", "importtime", "-m", "consult", "--quit-after-launch"]
    env = _app_env(cache)
    done = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            own, total, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
            rows.append((int(total), int(own), name))
    for total, own, name in sorted(rows, reverse=True)[:40]:
        print(f"{total / 1000:8.1f} ms {own / 1000:8.1f} ms  {name}")


def in_process(work) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    work()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=sys.stdout.isatty()))


def profile_search(cache: Path) -> None:
    import figures

    db, folder = largest(cache)
    from consult.app.catalog import load_catalog
    from consult.app.clinic import Clinic

    names = figures.typed_names(db, 8)
    clinic = Clinic(load_catalog().catalog, db, folder)
    figures.sign_in(clinic)
    try:

        def work():
            for _ in range(3):
                for typed, _uuid in names:
                    for end in range(1, len(typed) + 1):
                        clinic.search(typed[:end])

        in_process(work)
    finally:
        clinic.close()


def profile_pdf(_cache: Path) -> None:
    from consult.app.catalog import load_catalog
    from consult.domain.plan import build_plan
    from consult.report.demo import demo_clinic, demo_consultation
    from consult.report.plan_pdf import render_plan_pdf

    catalog = load_catalog().catalog
    clinic = demo_clinic(catalog)
    consultation = demo_consultation(catalog, date.today())
    plan = build_plan(catalog, consultation, clinic.calendar, clinic.interval_weeks)

    def render():
        render_plan_pdf(catalog, consultation, plan, clinic, printed_on=date.today(), plan_id="1")

    render()  # warm: fonts registered, styles built
    in_process(lambda: [render() for _ in range(20)])


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/profile.py", description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("startup", "imports", "search", "pdf"))
    parser.add_argument("--cache", type=Path, default=BENCH_DIR / ".cache")
    args = parser.parse_args()
    globals()[f"profile_{args.what}"](args.cache.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
