"""``consult demo-plan``, run as a user would."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from report_helpers import pdf_text


def consult(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "consult", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )


def test_demo_plan_writes_a_private_pdf(tmp_path):
    dest = tmp_path / "plan.pdf"
    result = consult(
        "demo-plan", "-o", str(dest), "--name", "Иванова <b>", "--lang", "es", "--paper", "letter"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {dest} (")
    assert result.stderr == ""
    if os.name == "posix":
        assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    text = pdf_text(dest.read_bytes())
    assert "Иванова <b>" in text and "Sus citas" in text
    assert [p.name for p in tmp_path.iterdir()] == ["plan.pdf"]


def test_demo_plan_large_print(tmp_path):
    dest = tmp_path / "large.pdf"
    assert consult("demo-plan", "-o", str(dest), "--large-print").returncode == 0
    assert "Your appointments" in pdf_text(dest.read_bytes())


def test_demo_plan_says_which_characters_cannot_print(tmp_path):
    result = consult("demo-plan", "-o", str(tmp_path / "p.pdf"), "--name", "Ana 🌸")
    assert result.returncode == 0
    assert "U+1F338" in result.stderr


def test_demo_plan_refuses_an_unknown_language(tmp_path):
    result = consult("demo-plan", "-o", str(tmp_path / "p.pdf"), "--lang", "fr")
    assert result.returncode == 2
    assert "no 'fr' texts" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_demo_plan_into_a_missing_folder(tmp_path):
    result = consult("demo-plan", "-o", str(tmp_path / "nowhere" / "p.pdf"))
    assert result.returncode == 1
    assert "could not write the plan" in result.stderr
    assert "Traceback" not in result.stderr
