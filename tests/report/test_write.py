"""Writing the PDF: all at once, private to the user, nothing left behind."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from consult.report.plan_pdf import write_pdf_atomic
from consult.system import files as fileio


@pytest.fixture(autouse=True)
def watched_temp_folder(tmp_path, monkeypatch):
    """The system temp folder, pointed somewhere we can check stays empty."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []


@pytest.fixture
def out(tmp_path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_writes_a_private_file_and_nothing_else(out):
    dest = out / "plan.pdf"
    write_pdf_atomic(b"%PDF-1.4 new", dest)
    assert dest.read_bytes() == b"%PDF-1.4 new"
    if os.name == "posix":
        assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert [p.name for p in out.iterdir()] == ["plan.pdf"]


def test_never_replaces_an_existing_file_unless_told(out):
    dest = out / "plan.pdf"
    dest.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        write_pdf_atomic(b"new", dest)
    assert dest.read_bytes() == b"old"
    assert [p.name for p in out.iterdir()] == ["plan.pdf"]


def test_replaces_an_existing_file_when_told(out):
    dest = out / "plan.pdf"
    dest.write_bytes(b"old")
    dest.chmod(0o644)
    write_pdf_atomic(b"new", dest, replace=True)
    assert dest.read_bytes() == b"new"
    if os.name == "posix":
        assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert [p.name for p in out.iterdir()] == ["plan.pdf"]


def test_a_failed_write_leaves_the_old_file_and_no_partial_file(out, monkeypatch):
    dest = out / "plan.pdf"
    dest.write_bytes(b"old")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_pdf_atomic(b"new" * 1000, dest)
    assert dest.read_bytes() == b"old"
    assert [p.name for p in out.iterdir()] == ["plan.pdf"]


def test_a_failed_rename_leaves_nothing_behind(out, monkeypatch):
    def broken_replace(self, target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", broken_replace)
    with pytest.raises(PermissionError):
        write_pdf_atomic(b"new", out / "plan.pdf", replace=True)
    assert list(out.iterdir()) == []


def test_a_missing_folder_is_an_error(out):
    with pytest.raises(FileNotFoundError):
        write_pdf_atomic(b"new", out / "nowhere" / "plan.pdf")
    assert list(out.iterdir()) == []


def test_a_real_plan(render, out):
    pdf, _, _ = render()
    dest = out / "Zoë plan.pdf"
    write_pdf_atomic(pdf, dest)
    assert dest.read_bytes() == bytes(pdf)
