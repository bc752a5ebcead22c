"""The benchmark harness still runs (bench/run.py --smoke): figures are printed, not checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

FIGURES = (
    "cold start to main window shown, 50 patients",
    "plan PDF rendered, warm process",
    "patient search per keystroke, 50 patients",
    "saving one consultation durably",
    "resident memory, main window idle",
    "start-up, 50 vs 50 patients",
    "search per keystroke, 50 vs 50 patients, a full page listed at both",
)


def test_the_benchmarks_run(tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--smoke", "--cache", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].split("|")[1].strip() == "figure"
    for figure in FIGURES:
        row = next(r for r in rows if r.split("|")[1].strip() == figure)
        assert row.rstrip(" |").endswith(("PASS", "MISS")), row
    assert "Problem:" not in done.stdout, done.stdout
