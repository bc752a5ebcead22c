"""The packaging files agree with the app and with each other (the build itself is
packaging/build.py's job, run by CI): ids, versions, icons, and installers that keep the data."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from consult import APP_ID, __version__

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
LINUX = PACKAGING / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
ISS = PACKAGING / "windows" / "consult.iss"
PNG_SIZES = (16, 32, 48, 64, 128, 256)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_spec_reads_the_version_and_id_the_app_has():
    """consult.spec reads consult/__init__.py with patterns rather than importing it."""
    init = (REPO / "consult" / "__init__.py").read_text(encoding="utf-8")
    spec = (PACKAGING / "consult.spec").read_text(encoding="utf-8")
    patterns = re.findall(r"re\.search\(r'(.+?)', _INIT, re\.M\)", spec)
    assert [re.search(p, init, re.M).group(1) for p in patterns] == [__version__, APP_ID]


def test_desktop_file():
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "consult"
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert "MedicalSoftware" in entry["Categories"].split(";")


def test_metainfo_names_the_app_and_its_current_version():
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "consult"
    assert root.findtext("project_license") == "GPL-3.0-or-later"
    newest = root.find("releases/release")
    assert newest is not None and newest.get("version") == __version__


def test_icons_in_every_size():
    icons = REPO / "resources" / "icons"
    assert (icons / "consult.svg").is_file()
    for size in PNG_SIZES:
        assert png_size((icons / f"consult-{size}.png").read_bytes()) == (size, size)


def test_windows_and_macos_icons():
    ico = (PACKAGING / "windows" / "consult.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 6
    sides = sorted(ico[6 + 16 * i] or 256 for i in range(count))
    assert {16, 32, 48, 256} <= set(sides)
    icns = (PACKAGING / "macos" / "consult.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)


def iss_lines() -> list[str]:
    text = ISS.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if not line.strip().startswith(";")]


def test_windows_installer_keeps_the_data_and_knows_the_version():
    lines = iss_lines()
    assert f'#define AppVersion "{__version__}"' in lines
    # The uninstaller removes only what it installed: nothing is ever deleted beyond that,
    # and the one thing an upgrade clears is the program's own folder.
    assert "[UninstallDelete]" not in lines
    deletes = [line for line in lines if line.startswith("Type: filesandordirs")]
    assert deletes == ['Type: filesandordirs; Name: "{app}\\_internal"']
    assert not any("localappdata" in line.lower() and "Name:" in line for line in lines)
    app_id = next(line for line in lines if line.startswith("AppId="))
    assert re.fullmatch(r"AppId=\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", app_id)
    assert 'Source: "..\\..\\dist\\consult\\*"' in " ".join(lines)


def test_build_output_is_not_committed():
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored and "dist/" in ignored


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="not installed")
def test_desktop_file_validates():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout + result.stderr == ""


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="not installed")
def test_metainfo_validates():
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Only infos are allowed (0.16 does not know AppStream 1.0's <developer>): no warnings.
    assert not re.search(r"^[EW]: ", result.stdout, re.M), result.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux installer")
@pytest.mark.parametrize("user", [False, True])
def test_linux_install_and_uninstall_keep_the_data(tmp_path, user):
    """System-wide into a staging root; for one user into a (temporary) home, right next to
    the data folder in ~/.local/share/consult, which the uninstaller must leave alone."""
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    program = bundle / "consult"
    program.write_text("#!/bin/sh\necho consult fake\n")
    program.chmod(0o755)
    home = tmp_path / "home"
    data = home / ".local" / "share" / "consult"
    data.mkdir(parents=True)
    (data / "records.sqlite3").write_text("the clinic's records")
    env = dict(os.environ, BUNDLE=str(bundle), HOME=str(home))
    env.pop("XDG_DATA_HOME", None)
    if user:
        flags = ["--user"]
        root = Path("/")
        share = home / ".local" / "share"
        app = home / ".local" / "opt" / "consult"
        link = home / ".local" / "bin" / "consult"
    else:
        flags = []
        root = tmp_path / "stage"
        env["DESTDIR"] = str(root)
        share = root / "usr" / "local" / "share"
        app = root / "opt" / "consult"
        link = root / "usr" / "local" / "bin" / "consult"
    installed_path = "/" + str(app.relative_to(root))
    script = str(LINUX / "install.sh")

    result = subprocess.run(["sh", script, *flags], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (app / "consult").is_file() and (app / "_internal").is_dir()
    assert str(link.readlink()) == f"{installed_path}/consult"
    installed = share / "applications" / DESKTOP.name
    exec_line = next(line for line in installed.read_text().splitlines() if line[:5] == "Exec=")
    assert exec_line == (f"Exec={installed_path}/consult" if user else "Exec=consult")
    assert (share / "metainfo" / METAINFO.name).is_file()
    assert (share / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg").is_file()
    for size in PNG_SIZES:
        assert (share / f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png").is_file()

    result = subprocess.run(
        ["sh", script, "--uninstall", *flags], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "data folder was left" in result.stdout
    assert not app.exists() and not link.is_symlink() and not installed.exists()
    assert (data / "records.sqlite3").read_text() == "the clinic's records"
