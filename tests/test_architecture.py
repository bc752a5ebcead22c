"""The layers, as pyproject.toml's import-linter contracts state them, and code that would
break on another platform.

``.ci/run`` runs ``lint-imports`` too; this test runs the same contracts from pytest so a
broken layer shows in ``make test`` (and a contract that cannot fail is caught below).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "consult"


def _lint(config: Path) -> int:
    from importlinter.cli import lint_imports

    return lint_imports(config_filename=str(config), no_cache=True, no_logo=True)


@pytest.mark.process  # grimp reads every module of the package: a second or two
def test_the_layer_contracts_hold(capsys):
    assert _lint(REPO / "pyproject.toml") == 0, capsys.readouterr().out


@pytest.mark.process
def test_the_contracts_catch_a_forbidden_import(tmp_path, monkeypatch, capsys):
    """The contracts themselves work: a domain module importing Qt breaks them."""
    import shutil

    copy = tmp_path / "consult"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "domain" / "bad.py").write_text("from consult.ui import dialogs\n")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for name in [m for m in list(__import__("sys").modules) if m.split(".")[0] == "consult"]:
        monkeypatch.delitem(__import__("sys").modules, name)
    assert _lint(tmp_path / "pyproject.toml") != 0
    assert "consult.domain.bad" in capsys.readouterr().out


def test_no_date_format_that_windows_rejects():
    """``%-d`` (day without a leading zero) is glibc's; Windows' strftime refuses it. Dates on
    screen come from babel or QLocale, or ``day.day``."""
    found = [
        f"{path.relative_to(REPO)}:{n}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"%-[a-zA-Z]", line)
    ]
    assert found == []
