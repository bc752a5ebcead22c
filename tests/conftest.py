"""Shared test set-up: every data and config folder points at a fresh temp dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Tests never need a real screen; a developer may set QT_QPA_PLATFORM=xcb to watch them.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_folders(tmp_path_factory, monkeypatch):
    """Point CONSULT_DATA_DIR, HOME and the XDG folders at a temp dir for every test."""
    root = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CONSULT_DATA_DIR", str(root / "consult-data"))
    monkeypatch.setenv("HOME", str(root))
    for name, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        monkeypatch.setenv(name, str(root / sub))
    runtime = root / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return root


@pytest.fixture(scope="session")
def catalog():
    from consult.context import load_catalog

    return load_catalog().catalog


@pytest.fixture(scope="session")
def qapp():
    """The application as the app itself sets it up (names, icon)."""
    from consult.ui.app import make_application

    return make_application()


@pytest.fixture(autouse=True)
def background_work_done(request):
    """UI tests leave no job running into the next test."""
    yield
    if "qtbot" in request.fixturenames:
        from consult.ui.worker import wait_for_background_work

        wait_for_background_work()


@pytest.fixture
def answered(monkeypatch):
    """Dialogs answer themselves (yes to questions); what they said is kept for the test."""
    from consult.ui import dialogs

    said = []

    def record(kind):
        return lambda parent, title, text, *args, **kwargs: said.append((kind, title, text))

    for kind in ("error", "warning", "information"):
        monkeypatch.setattr(dialogs, kind, record(kind))
    monkeypatch.setattr(dialogs, "ask", lambda *args, **kwargs: True)
    return said


CLINIC = {"name": "Northside Skin Clinic", "phone": "(217) 555-0142"}


@pytest.fixture
def services(catalog):
    """The app's services on a fresh records file in the test's data folder, the clinic's
    name and phone set (a plan is never printed without them)."""
    from consult.domain.model import ClinicSettings
    from consult.paths import data_dir
    from consult.storage.database import resolve
    from consult.ui.services import Services

    made = Services(catalog, resolve(None), data_dir())
    made.repo.save_settings(ClinicSettings(**CLINIC))
    yield made
    made.close()


@pytest.fixture(autouse=True)
def no_dialog_left_open(request, monkeypatch):
    """A dialog a UI test did not expect is closed after 20 s and fails the test, rather
    than waiting for a person for ever."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    from PySide6.QtCore import QTimer

    from consult.ui import dialogs

    stuck: list[str] = []
    real = dialogs.run_dialog

    def guarded(dialog):
        def close() -> None:
            if dialog.isVisible():
                stuck.append(dialog.windowTitle() or type(dialog).__name__)
                dialog.reject()

        QTimer.singleShot(20_000, dialog, close)
        return real(dialog)

    monkeypatch.setattr(dialogs, "run_dialog", guarded)
    yield
    if stuck:
        pytest.fail(f"a dialog was left open for a person to answer: {stuck}")
