"""The layers depend one way: ui -> storage, report -> domain. Checked on the source."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "consult"

FORBIDDEN = {
    "domain": (
        "PySide6",
        "shiboken6",
        "sqlite3",
        "sqlite_utils",
        "reportlab",
        "consult.ui",
        "consult.storage",
        "consult.report",
    ),
    "storage": ("PySide6", "shiboken6", "reportlab", "consult.ui", "consult.report"),
    "report": ("PySide6", "shiboken6", "sqlite3", "sqlite_utils", "consult.ui", "consult.storage"),
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offending(layer: str) -> list[str]:
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer]):
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer):
    assert (PACKAGE / layer).is_dir()
    assert offending(layer) == []


def test_qt_is_imported_only_in_ui():
    outside = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
        for name in imported_modules(path)
        if name.split(".")[0] in ("PySide6", "shiboken6")
    ]
    assert outside == []


def test_the_checker_catches_a_forbidden_import(tmp_path, monkeypatch):
    """The check itself works: a domain module importing Qt is reported."""
    fake = tmp_path / "consult"
    (fake / "domain").mkdir(parents=True)
    (fake / "domain" / "bad.py").write_text("from PySide6.QtCore import QObject\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert offending("domain") == ["consult/domain/bad.py imports PySide6.QtCore"]
