"""``consult selftest``: as a real process with no display, and how it reports failures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from consult.commands import selftest

EXPECTED = ["catalog", "fonts", "dates", "pdf", "database", "sign-in", "qt", "consent", "photos"]


def no_display_env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["TMPDIR"] = str(tmp)
    return env


@pytest.mark.gui
def test_selftest_passes_without_a_display_and_leaves_nothing(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    data = Path(os.environ["CONSULT_DATA_DIR"])
    result = subprocess.run(
        [sys.executable, "-m", "consult", "selftest"],
        capture_output=True,
        text=True,
        env=no_display_env(tmp),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The disk's encryption is advice on its own line (stdout when encrypted, else stderr).
    assert "Disk encryption: The disk holding the records" in result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("Disk ")]
    assert [line.split()[1] for line in lines[:-1]] == EXPECTED
    assert all(line.startswith("ok ") for line in lines[:-1])
    assert lines[0].startswith("ok catalog 2026.")
    assert re.fullmatch(r"ok pdf en \d+ pages, es \d+ pages, written and read back", lines[3])
    assert re.match(r"ok database schema \d+: demo consultation saved final", lines[4])
    assert lines[5].startswith("ok sign-in argon2id: account made, PIN accepted")
    assert re.match(r"ok qt 6\.\d+\.\d+ \(offscreen\): plan opened in QtPdf", lines[6])
    assert lines[-1].startswith(f"consult selftest: all {len(EXPECTED)} checks passed")
    assert "Traceback" not in result.stderr
    # Its temporary folder is gone, and the real data folder was never created.
    assert list(tmp.iterdir()) == []
    assert not data.exists()


def test_db_option_is_not_used(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(selftest, "CHECKS", (("noop", lambda run: "fine"),))
    from consult.cli import run

    db = tmp_path / "records.sqlite3"
    assert run(["selftest", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "--db is not used" in out
    assert "ok noop fine" in out
    assert not db.exists()


def test_failures_are_reported_and_the_other_checks_still_run(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    data_before = os.environ["CONSULT_DATA_DIR"]
    folders = []

    def broken(run):
        folders.append(run.folder)
        assert os.environ["CONSULT_DATA_DIR"] == str(run.folder / "data")
        raise ValueError("the widget is unscrewed")

    def refuses(run):
        raise selftest.CheckFailed("the plan has no pages")

    def bare(run):
        raise KeyError

    checks = (
        ("first", lambda run: "1 thing"),
        ("broken", broken),
        ("bare", bare),
        ("refuses", refuses),
        ("needs", lambda run: run.need_catalog()),
        ("last", lambda run: ""),
    )
    assert selftest.run_checks(checks) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "ok first 1 thing",
        "FAIL broken: ValueError: the widget is unscrewed",
        "FAIL bare: KeyError",
        "FAIL refuses: the plan has no pages",
        "skip needs: needs the catalog",
        "ok last",
    ]
    assert captured.err.strip() == (
        "consult selftest: 4 of 6 checks did not pass (broken, bare, refuses, needs)."
    )
    assert not folders[0].exists()
    assert os.environ["CONSULT_DATA_DIR"] == data_before


def test_a_damaged_catalog_fails_the_catalog_check(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "catalog"
    broken.mkdir()
    (broken / "catalog.toml").write_text('catalog_version = "x"\nlanguages = "en"\n')
    monkeypatch.setattr("consult.app.catalog.builtin_catalog_dir", lambda: broken)
    assert selftest.run_checks(selftest.CHECKS) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("FAIL catalog: the built-in catalog has problems: ")
    assert lines[1].startswith("ok fonts ")
    assert lines[5].startswith("ok sign-in ")  # the accounts need no catalog
    assert lines[8].startswith("ok photos ")  # nor do the photos
    assert lines[2:5] + lines[6:8] == [
        "skip dates: needs the catalog",
        "skip pdf: needs the catalog",
        "skip database: needs the catalog",
        "skip qt: needs the printed plan",
        "skip consent: needs the catalog",
    ]


def test_selftest_is_listed_among_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "consult", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "selftest" in result.stdout
