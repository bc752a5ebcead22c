"""Shared test set-up: every data and config folder points at a fresh temp dir.

The real home folder is never touched: before any test module is imported (some load the
catalog when imported, which reads the config folder and writes the cache folder), HOME, the
XDG folders and CONSULT_DATA_DIR point at a folder of this session's own, and each test gets
a fresh one of its own (``isolated_folders``). The session fails if this process opened,
made or removed anything in the real home's consult folders (an audit hook watches).

Markers are given by what a test uses (``pytest_collection_modifyitems``): ``gui`` for Qt
widgets, ``process`` for starting other processes. ``make test-fast`` runs the rest, and there
starting a process fails the test, so the split cannot quietly go stale.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Tests never need a real screen; a developer may set QT_QPA_PLATFORM=xcb to watch them.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_REAL_HOME = Path(os.environ.get("HOME") or Path.home())
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="consult-tests-home-"))
# The app's folders under the real home (platformdirs' choices on Linux, macOS and Windows).
_WATCHED = tuple(
    str(_REAL_HOME / sub / "consult")
    for sub in (".local/share", ".config", ".cache", "Library/Application Support", "AppData")
)
_ESCAPES: list[str] = []


def _audit(event: str, args: tuple) -> None:
    """Every file this process opens, makes, moves or removes under the real home's consult
    folders (other programs, an app a developer has open, are not this suite's doing)."""
    if event in ("open", "os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.replace"):
        target = args[0] if args else None
        if isinstance(target, (str, bytes, os.PathLike)):
            text = os.fsdecode(target)
            if text.startswith(_WATCHED):
                _ESCAPES.append(f"{event} {text}")


sys.addaudithook(_audit)
os.environ["HOME"] = str(_SESSION_HOME)
os.environ["CONSULT_DATA_DIR"] = str(_SESSION_HOME / "consult-data")
for _name, _sub in (
    ("XDG_DATA_HOME", "data"),
    ("XDG_CONFIG_HOME", "config"),
    ("XDG_CACHE_HOME", "cache"),
    ("XDG_STATE_HOME", "state"),
):
    os.environ[_name] = str(_SESSION_HOME / _sub)


def pytest_sessionfinish(session, exitstatus):
    if _ESCAPES:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(
            "\nThe test suite touched the real home folder's consult folders (a test escaped "
            "its temporary folders): " + "; ".join(sorted(set(_ESCAPES))[:10])
        )


PROCESS_HINTS = (
    "subprocess",
    "Popen",
    "consult_cli(",
    "consult(",
    "python(",
    "_cli(",
    "_spawn(",
    "Writer(",
    "_holder(",
    "_reader(",
    "_fresh_count(",
    "assert_refused_by_every_command(",
    "run_bench(",
    "_run_writers(",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"qtbot", "qapp"}:
            item.add_marker(pytest.mark.gui)
        function = getattr(item, "function", None)
        source = inspect.getsource(function) if function is not None else ""
        if any(hint in source for hint in PROCESS_HINTS):
            item.add_marker(pytest.mark.process)


def pytest_runtest_setup(item):
    """Platform markers, as qutebrowser has them: a test that needs another system skips."""
    if item.get_closest_marker("posix") and os.name != "posix":
        pytest.skip("needs POSIX")
    if item.get_closest_marker("linux") and not sys.platform.startswith("linux"):
        pytest.skip("needs Linux")
    if item.get_closest_marker("windows") and os.name != "nt":
        pytest.skip("needs Windows")


if os.environ.get("CONSULT_TESTS_FAST"):

    def _no_processes(*args, **kwargs):
        raise RuntimeError(
            "a test in the fast set started a process: mark it (PROCESS_HINTS in conftest)"
        )

    subprocess.Popen.__init__ = _no_processes  # type: ignore[method-assign]

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
    from consult.app.catalog import load_catalog

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
    monkeypatch.setattr(dialogs, "ask_list", lambda *args, **kwargs: True)
    return said


from signin_helpers import TEST_ADMIN, TEST_SECRET  # noqa: E402 - after the folders are set


@pytest.fixture(autouse=True)
def quick_hashes(request, monkeypatch):
    """Accounts' hashes made with argon2id's smallest cost, so that tests that sign in many
    times stay fast; tests of the real cost ask for ``real_hashes``."""
    if "real_hashes" in request.fixturenames:
        return
    from consult.storage import passwords

    monkeypatch.setattr(
        passwords, "PARAMETERS", passwords.Parameters(time_cost=1, memory_kib=8, parallelism=1)
    )


@pytest.fixture
def real_hashes():
    """The production argon2id parameters (see ``quick_hashes``)."""


@pytest.fixture
def clinic(request, engine, catalog):
    """The app's clinic on a fresh records file (or a fresh database on the server) in the test's data folder, with its first
    administrator (``TEST_ADMIN``) signed in and the clinic's name and phone set (a plan is
    never printed without them)."""
    from uihelpers import CLINIC

    from consult.app.clinic import Clinic
    from consult.domain.model import ClinicSettings
    from consult.storage.database import resolve
    from consult.system.folders import data_dir

    target = request.getfixturevalue("pg_url") if engine == "postgresql" else resolve(None)
    made = Clinic(catalog, target, data_dir())
    made.create_first_administrator(TEST_ADMIN, TEST_SECRET)
    made.store.clinic.save_settings(ClinicSettings(**CLINIC))
    yield made
    made.close()


@pytest.fixture(autouse=True)
def no_window_left_open(request):
    """A window a UI test left shown (a wizard, a preview: children of a window pytest-qt
    closed) is closed after it, so that it cannot block the next test's input as a modal."""
    yield
    if "qtbot" not in request.fixturenames:
        return
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()


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


# ------------------------------------------------------------------ both engines


def pytest_generate_tests(metafunc):
    """An application-layer test on the ``clinic`` (no window) runs on both engines: SQLite
    and the clinic's PostgreSQL server; one marked ``sqlite_only`` on SQLite alone. (The
    record store's own tests: tests/storage/conftest.py.)"""
    names = metafunc.fixturenames
    if "clinic" not in names or "qtbot" in names or "repo" in names:
        return
    engines = ["sqlite"]
    if metafunc.definition.get_closest_marker("sqlite_only") is None:
        engines.append("postgresql")
    metafunc.parametrize("engine", engines, indirect=True)


@pytest.fixture
def engine(request):
    """Which engine this test's records are on (see ``pytest_generate_tests``)."""
    return getattr(request, "param", "sqlite")


# TEMPORARY until the shared fixture lands: a fresh migrated database per test.


@pytest.fixture(scope="session")
def _pg_template():
    import psycopg

    from consult.storage import RecordStore

    base = os.environ.get("CONSULT_TEST_POSTGRES")
    if not base:
        pytest.skip("no PostgreSQL server (set CONSULT_TEST_POSTGRES)")
    with psycopg.connect(base, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS consult_tmpl")
        c.execute("CREATE DATABASE consult_tmpl")
    url = base.rsplit("/", 1)[0] + "/consult_tmpl"
    RecordStore.open(url).close()
    return base


@pytest.fixture
def pg_url(_pg_template):
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(_pg_template, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name} TEMPLATE consult_tmpl")
    yield _pg_template.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(_pg_template, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
