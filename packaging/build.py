#!/usr/bin/env python3
"""Build the one-folder program with PyInstaller, then smoke-test what was built.

    python3 packaging/build.py                 # build dist/consult and test it
    python3 packaging/build.py --no-build      # test the dist/consult already there

The build runs from a virtual environment (``.venv`` unless ``--venv``; made if missing) into
which it installs the app with its ``packaging`` extra (PyInstaller). The smoke tests run the
frozen program as a clinic would, from outside the checkout, on a fresh temporary data folder:
``consult --version``, ``consult selftest`` with no display, ``consult --quit-after-launch``
offscreen; on Linux also ``--quit-after-launch`` on X11 under Xvfb, the desktop files'
validators (each when installed) and a staged ``packaging/linux/install.sh``. It prints the
bundle's size and the build time, and exits 1 with a line saying which step failed, or 0.

Needs only the Python standard library itself; Linux needs binutils (objdump, strip).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "consult.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / "consult"
IS_WINDOWS = sys.platform == "win32"
AIM_MB = 176
# Environment variables that would let the frozen program see this checkout's Python.
PYTHON_VARS = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")


class StepFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"packaging: {message}", flush=True)


def version() -> str:
    text = (ROOT / "consult" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if IS_WINDOWS else "bin/python")


def prepare_venv(venv: Path) -> Path:
    """The venv's python, with the app and PyInstaller installed (again if pyproject changed)."""
    python = venv_python(venv)
    if not python.exists():
        say(f"creating {venv}")
        run_step("create the venv", [sys.executable, "-m", "venv", str(venv)])
    stamp = venv / ".packaging-installed"
    pyproject = ROOT / "pyproject.toml"
    if not stamp.exists() or stamp.stat().st_mtime < pyproject.stat().st_mtime:
        say("installing the app and PyInstaller into the venv")
        run_step(
            "install the app with its packaging extra",
            [str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[packaging]"],
        )
        stamp.touch()
    return python


def run_step(what: str, command: list[str], log: Path | None = None, **kwargs) -> None:
    if log is None:
        result = subprocess.run(command, check=False, **kwargs)
    else:
        with log.open("w", encoding="utf-8") as out:
            result = subprocess.run(
                command, check=False, stdout=out, stderr=subprocess.STDOUT, **kwargs
            )
    if result.returncode != 0:
        if log is not None:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
            print("\n".join(f"  | {line}" for line in tail))
            raise StepFailed(f"{what} (exit {result.returncode}; full log in {log})")
        raise StepFailed(f"{what} (exit {result.returncode})")


def build(python: Path) -> float:
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK.parent / "pyinstaller.log"
    pyinstaller = subprocess.run(
        [str(python), "-m", "PyInstaller", "--version"], capture_output=True, text=True
    ).stdout.strip()
    say(f"building {BUNDLE.relative_to(ROOT)} with PyInstaller {pyinstaller} (log: {log})")
    started = time.monotonic()
    run_step(
        "PyInstaller",
        [
            str(python),
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(WORK),
            str(SPEC),
        ],
        log=log,
        cwd=ROOT,
    )
    seconds = time.monotonic() - started
    left_out = re.search(r"consult\.spec: left out .*", log.read_text(encoding="utf-8"))
    if left_out:
        say(left_out.group(0).removeprefix("consult.spec: ").rstrip(":"))
    return seconds


def bundle_size(folder: Path) -> int:
    """Bytes in the folder (links counted as links, not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir() or p.is_symlink())


def check_links(folder: Path) -> None:
    dangling = [p for p in folder.rglob("*") if p.is_symlink() and not p.exists()]
    if dangling:
        names = ", ".join(str(p.relative_to(folder)) for p in dangling[:5])
        raise StepFailed(f"the bundle has {len(dangling)} broken links ({names})")


def program(bundle: Path, cli: bool = True) -> Path:
    if IS_WINDOWS:
        return bundle / ("consult-cli.exe" if cli else "consult.exe")
    return bundle / "consult"


def clean_env(data: Path, **extra: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PYTHON_VARS}
    env["CONSULT_DATA_DIR"] = str(data)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def smoke(name: str, command: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run the frozen program; its output, or StepFailed naming the step."""
    started = time.monotonic()
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=cwd, timeout=180
        )
    except subprocess.TimeoutExpired as exc:
        raise StepFailed(f"smoke test {name!r} did not finish in 180 s") from exc
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or "Traceback" in output:
        print("\n".join(f"  | {line}" for line in output.splitlines()[-30:]))
        raise StepFailed(f"smoke test {name!r} (exit {result.returncode})")
    say(f"ok {name} ({time.monotonic() - started:.1f} s)")
    return result.stdout


def smoke_tests(bundle: Path) -> None:
    exe = program(bundle)
    if not exe.exists():
        raise StepFailed(f"there is no built program at {exe}")
    check_links(bundle)
    with tempfile.TemporaryDirectory(prefix="consult-smoke-") as tmp:
        tmp_path = Path(tmp)
        # selftest must leave its data folder alone (it works in a throwaway one of its own);
        # the window creates its records in a data folder of its own.
        data = tmp_path / "data"
        out = smoke("consult --version", [str(exe), "--version"], clean_env(data), tmp_path)
        if out.strip() != f"consult {version()}":
            raise StepFailed(f"consult --version said {out.strip()!r}, not consult {version()}")

        headless = clean_env(data, DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None)
        out = smoke("consult selftest (no display)", [str(exe), "selftest"], headless, tmp_path)
        print("\n".join(f"  | {line}" for line in out.splitlines()))
        if data.exists():
            raise StepFailed(f"consult selftest wrote into the data folder {data}")

        window = [str(program(bundle, cli=False)), "--quit-after-launch"]
        offscreen = clean_env(tmp_path / "window-data", QT_QPA_PLATFORM="offscreen")
        smoke("consult --quit-after-launch (offscreen)", window, offscreen, tmp_path)
        if sys.platform.startswith("linux") and shutil.which("xvfb-run"):
            # The real X11 platform plugin and what it links to, on a virtual screen.
            x11 = clean_env(tmp_path / "x11-data", QT_QPA_PLATFORM="xcb", WAYLAND_DISPLAY=None)
            command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", *window]
            smoke("consult --quit-after-launch (X11, under Xvfb)", command, x11, tmp_path)
        if sys.platform.startswith("linux"):
            linux_checks(bundle, tmp_path)


def linux_checks(bundle: Path, tmp: Path) -> None:
    linux = ROOT / "packaging" / "linux"
    validators = {
        "desktop-file-validate": ["desktop-file-validate", str(next(linux.glob("*.desktop")))],
        "appstreamcli": [
            "appstreamcli",
            "validate",
            "--no-net",
            str(next(linux.glob("*.metainfo.xml"))),
        ],
    }
    for tool, command in validators.items():
        if shutil.which(tool) is None:
            say(f"skip {tool}: not installed")
            continue
        result = subprocess.run(command, capture_output=True, text=True)
        output = (result.stdout + result.stderr).strip()
        if result.returncode != 0:
            print("\n".join(f"  | {line}" for line in output.splitlines()))
            raise StepFailed(f"{tool} rejected {Path(command[-1]).name}")
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        say(f"ok {tool}" + (f": {' / '.join(lines)}" if lines else ""))

    # The installer, staged in a temporary root; the installed copy must run from its new place.
    stage = tmp / "stage"
    env = dict(os.environ, DESTDIR=str(stage), BUNDLE=str(bundle))
    run_step("packaging/linux/install.sh", ["sh", str(linux / "install.sh")], env=env)
    installed = stage / "opt" / "consult" / "consult"
    expected = [
        stage / "usr/local/bin/consult",
        stage / "usr/local/share/applications/org.consult.Consult.desktop",
        stage / "usr/local/share/metainfo/org.consult.Consult.metainfo.xml",
        stage / "usr/local/share/icons/hicolor/scalable/apps/org.consult.Consult.svg",
        stage / "usr/local/share/icons/hicolor/256x256/apps/org.consult.Consult.png",
    ]
    missing = [str(p.relative_to(stage)) for p in expected if not p.is_symlink() and not p.exists()]
    if missing:
        raise StepFailed(f"install.sh did not install {', '.join(missing)}")
    smoke("installed copy: consult --version", [str(installed), "--version"], dict(os.environ), tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="default: .venv")
    parser.add_argument("--no-build", action="store_true", help="only smoke-test dist/consult")
    parser.add_argument(
        "--max-mb",
        type=float,
        default=180,
        help="fail when the bundle is larger (default 180; the aim is under 176)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        seconds = None
        if not args.no_build:
            python = prepare_venv(args.venv)
            seconds = build(python)
        size_mb = bundle_size(BUNDLE) / 2**20 if BUNDLE.is_dir() else 0
        smoke_tests(BUNDLE)
        if size_mb > args.max_mb:
            raise StepFailed(f"the bundle is {size_mb:.1f} MB, over the {args.max_mb:g} MB limit")
    except StepFailed as exc:
        say(f"FAILED: {exc}")
        return 1
    built = f"built in {seconds:.0f} s, " if seconds is not None else ""
    say(
        f"{BUNDLE.relative_to(ROOT)}: {built}{size_mb:.1f} MB (aim: under {AIM_MB} MB); "
        f"all smoke tests passed; {time.monotonic() - started:.0f} s in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
