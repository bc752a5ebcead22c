"""The command line, run as a user would: a real process, its output and exit code."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from consult import __version__


def consult(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "consult", *args],
        capture_output=True,
        text=True,
        env=env or os.environ.copy(),
        timeout=60,
    )


def test_version():
    result = consult("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"consult {__version__}"


def test_no_display_gives_one_clear_line():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = consult(env=env)
    if not sys.platform.startswith("linux"):
        pytest.skip("display detection is for Linux")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "no display found" in lines[0]
    assert "consult catalog" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("argv", "window"),
    [
        ([], True),
        (["--quit-after-launch"], True),
        (["--db=records.sqlite3"], True),
        (["--db", "records.sqlite3"], False),  # read by the whole parser: the same answer
        (["--help"], False),
        (["-h"], False),
        (["db", "check"], False),
        (["--db=x.sqlite3", "selftest"], False),
    ],
)
def test_opening_the_window_reads_the_options_without_the_commands(argv, window):
    from consult.cli import build_parser, opens_window

    assert opens_window(argv) is window
    if window and "-h" not in argv:
        slim = vars(build_parser(with_commands=False).parse_args(argv))
        assert slim == vars(build_parser().parse_args(argv))


def test_help_lists_the_commands():
    result = consult("--help")
    assert result.returncode == 0
    for name in ("catalog", "db", "demo-plan", "render-plan", "selftest"):
        assert name in result.stdout


def test_catalog_validate_builtin():
    result = consult("catalog", "validate")
    assert result.returncode == 0
    assert "valid" in result.stdout


def test_catalog_validate_reports_each_problem(tmp_path):
    clinic = tmp_path / "catalog.toml"
    clinic.write_text(
        "[protocol]\ninterval_weeks = -1\n"
        '[[areas]]\nid = "scalp"\ngroup = "main"\n'
        'name = { en = "Scalp" }\nconcerns = ["texture"]\ndepth_mm = [0.25, 0.5]\n'
        'sources = ["clinic_protocol"]\n',
        encoding="utf-8",
    )
    result = consult("catalog", "validate", str(clinic))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "catalog.toml: protocol.interval_weeks: must be at least 1 (it is -1)",
        "catalog.toml: areas[scalp].name: has no Spanish (es) text",
    ]
    assert "2 problems" in result.stderr
    assert "Traceback" not in result.stderr


def test_catalog_validate_missing_file(tmp_path):
    result = consult("catalog", "validate", str(tmp_path / "nope.toml"))
    assert result.returncode == 1
    assert result.stdout.strip() == "nope.toml: (file): does not exist"


def test_clinic_catalog_in_config_folder_is_used(tmp_path):
    config = tmp_path / "data" / "config"
    config.mkdir(parents=True)
    (config / "catalog.toml").write_text('catalog_version = "clinic-7"\n', encoding="utf-8")
    env = dict(os.environ, CONSULT_DATA_DIR=str(tmp_path / "data"))
    result = consult("catalog", "summary", env=env)
    assert result.returncode == 0
    assert "Catalog version clinic-7" in result.stdout
    result = consult("catalog", "validate", env=env)
    assert result.returncode == 0, result.stdout
