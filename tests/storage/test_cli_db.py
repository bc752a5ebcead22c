"""``consult db …`` run as a user would, on a temp data folder."""

from __future__ import annotations

from storage_helpers import consult_cli


def test_db_commands_on_a_fresh_data_folder(tmp_path):
    data = tmp_path / "data"
    result = consult_cli("db", "check", data_dir=data)
    assert result.returncode == 1
    assert "There is no records database" in result.stderr
    assert consult_cli("db", "seed-demo", "--patients", "6", data_dir=data).returncode == 0
    result = consult_cli("db", "check", data_dir=data)
    assert result.returncode == 0, result.stderr
    # Six demo patients, and four more part-way through a treatment course.
    assert "is healthy" in result.stdout and "10 patients" in result.stdout
    assert "visits" in result.stdout and "1 course changes" not in result.stdout
    assert "is checked by “consult db verify”" in result.stdout
    verified = consult_cli("db", "verify", data_dir=data)
    assert verified.returncode == 0, verified.stderr
    assert "audit trail is intact" in verified.stdout
    result = consult_cli("db", "verify", data_dir=data)
    assert result.returncode == 0 and "intact" in result.stdout


def test_db_option_before_and_after_the_command(tmp_path):
    path = tmp_path / "elsewhere.sqlite3"
    assert consult_cli("--db", path, "db", "seed-demo", "--patients", "2").returncode == 0
    assert consult_cli("db", "--db", path, "check").returncode == 0
    result = consult_cli("db", "check", "--db", path)
    assert result.returncode == 0 and str(path) in result.stdout


def test_db_help_lists_the_actions():
    result = consult_cli("db", "--help")
    assert result.returncode == 0
    for action in ("backup", "restore", "check", "verify", "export", "import", "seed-demo"):
        assert action in result.stdout


def test_headless_line_names_the_db_command():
    import os
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        [sys.executable, "-m", "consult"], capture_output=True, text=True, env=env, timeout=60
    )
    if sys.platform.startswith("linux"):
        assert "consult db" in result.stderr


def test_reading_commands_do_not_create_a_database(tmp_path):
    missing = tmp_path / "typo.sqlite3"
    for command in (
        ["db", "check"],
        ["db", "verify"],
        ["db", "export", tmp_path / "e.json"],
        ["db", "backup", tmp_path / "b.sqlite3"],
    ):
        result = consult_cli("--db", missing, *command)
        assert result.returncode == 1
        assert "There is no records database" in result.stderr
    assert list(tmp_path.iterdir()) == []
