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

import atexit
import contextlib
import getpass
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import HealthCheck, settings

# Tests never need a real screen; a developer may set QT_QPA_PLATFORM=xcb to watch them.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_REAL_HOME = Path(os.environ.get("HOME") or Path.home())
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="consult-tests-home-"))
# Gone when the session ends, however it ends: nothing a test wrote stays in the temp folder.
atexit.register(shutil.rmtree, _SESSION_HOME, ignore_errors=True)
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


POSTGRESQL_FIXTURES = {"pg_server", "pg_url", "pg_empty_url"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"qtbot", "qapp"}:
            item.add_marker(pytest.mark.gui)
        if names & POSTGRESQL_FIXTURES:
            item.add_marker(pytest.mark.postgresql)
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
    """The app's clinic on a fresh records file in the test's data folder (or a fresh
    database on the server: ``engine``), with its first administrator (``TEST_ADMIN``)
    signed in and the clinic's name and phone set (a plan is never printed without them)."""
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
    if "engine" not in names or "clinic" not in names or "qtbot" in names or "repo" in names:
        return
    engines = ["sqlite"]
    if metafunc.definition.get_closest_marker("sqlite_only") is None:
        engines.append("postgresql")
    metafunc.parametrize("engine", engines, indirect=True)


@pytest.fixture
def engine(request):
    """Which engine this test's records are on (see ``pytest_generate_tests``)."""
    return getattr(request, "param", "sqlite")


# --------------------------------------------------------------------------- PostgreSQL
#
# The tests of records on a clinic's server need a PostgreSQL server on which they may make
# and drop databases, as a superuser. In order:
#   1. CONSULT_TEST_POSTGRES=postgresql://user@host:port/db names one (.ci/run starts one);
#   2. otherwise, when PostgreSQL's programs are installed and we are not root (initdb refuses
#      root), the session starts a private server of its own in a temp folder, listening on
#      a Unix socket there only, and stops it at the end;
#   3. otherwise each such test skips, with one line saying why; with CI set it fails instead.
# Each test gets a database of its own (``pg_url``: migrated, copied from a template migrated
# once per session; ``pg_empty_url``: empty), dropped after it.

PG_ENV = "CONSULT_TEST_POSTGRES"
PG_TEST_ROLE = "consult_test"


def _postgres_programs() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or where Debian and Red Hat put them."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    found = [*Path("/usr/lib/postgresql").glob("*/bin"), *Path("/usr").glob("pgsql-*/bin")]
    found = [f for f in found if (f / "initdb").exists() and (f / "pg_ctl").exists()]

    def major(folder: Path) -> int:  # 15 of /usr/lib/postgresql/15/bin, /usr/pgsql-15/bin
        return int("".join(c for c in folder.parent.name if c.isdigit()) or 0)

    return max(found, key=major) if found else None


def _url_with_database(url: str, name: str) -> str:
    """``url`` with its database replaced (its host, port, user and options kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _start_private_postgres(programs: Path) -> tuple[str, Path]:
    """A throwaway server in a temp folder: trust on its own socket, no TCP, no fsync."""
    folder = Path(tempfile.mkdtemp(prefix="consult-pg-"))
    data = folder / "data"
    subprocess.run(
        [programs / "initdb", "-D", data, "-U", PG_TEST_ROLE, "-A", "trust", "-E", "UTF8",
         "--no-locale", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = (
        f"-c listen_addresses='' -k '{folder}' -p 5432 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    subprocess.run(
        [programs / "pg_ctl", "-D", data, "-l", folder / "server.log", "-w", "-o", options,
         "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    return f"postgresql://{PG_TEST_ROLE}@/postgres?host={folder}&port=5432", folder


def _stop_private_postgres(programs: Path, folder: Path) -> None:
    subprocess.run(
        [programs / "pg_ctl", "-D", folder / "data", "-m", "fast", "-w", "stop"],
        check=False, capture_output=True,
    )  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)


PG_SKIPPED = "PostgreSQL tests skipped: "


def _no_postgres(reason: str):
    """Skip (one line for them all: see below) or, in CI, fail: there the tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"CI needs a PostgreSQL server for these tests: {reason}", pytrace=False)
    pytest.skip(PG_SKIPPED + reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skip from a fixture is reported at each test's line; these are one reason, so they
    are folded into one line of the summary, at the fixture's file."""
    report = (yield).get_result()
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2]
        if PG_SKIPPED in reason:
            report.longrepr = (__file__, None, reason)


@pytest.fixture(scope="session")
def pg_server():
    """The URL of a PostgreSQL server where the tests may make and drop databases."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - it is a dependency of the app
        _no_postgres("psycopg is not installed")
    url = os.environ.get(PG_ENV)
    started = None
    if not url:
        programs = _postgres_programs()
        if programs is None:
            _no_postgres(f"no server named by {PG_ENV} and PostgreSQL's initdb is not installed")
        elif os.name == "posix" and os.geteuid() == 0:
            _no_postgres(
                f"no server named by {PG_ENV}, and initdb will not run as root "
                "(.ci/run starts one as the postgres user)"
            )
        elif os.environ.get("CONSULT_TESTS_FAST"):
            _no_postgres(f"no server named by {PG_ENV}, and the fast set starts none")
        try:
            url, folder = _start_private_postgres(programs)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            last = detail.decode(errors="replace").strip().splitlines()[-1:] or [str(exc)]
            _no_postgres(f"could not start a private server with {programs}: {last[0]}")
        started = (programs, folder)
    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.Error as exc:
        if started:
            _stop_private_postgres(*started)
        where = "the private server" if started else PG_ENV
        pytest.fail(f"cannot connect to {where}: {str(exc).strip()}", pytrace=False)
    yield url
    if started:
        _stop_private_postgres(*started)


@contextlib.contextmanager
def _pg_admin(server: str):
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        yield conn


def _pg_database_name(kind: str) -> str:
    user = "".join(c for c in getpass.getuser().lower() if c.isalnum())[:12]
    return f"consult_{kind}_{user}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def _drop_database(server: str, name: str) -> None:
    with _pg_admin(server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _pg_template(pg_server):
    """A database migrated to the latest schema once per session, copied by ``pg_url``."""
    import psycopg

    from consult.storage import pg_schema

    name = _pg_database_name("template")
    with _pg_admin(pg_server) as admin:
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        with psycopg.connect(_url_with_database(pg_server, name)) as conn:
            pg_schema.apply(conn)
        yield name
    finally:
        _drop_database(pg_server, name)


@pytest.fixture
def pg_url(pg_server, _pg_template):
    """A fresh database on the test server, already migrated to the latest schema."""
    name = _pg_database_name("test")
    with _pg_admin(pg_server) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template}"')
    try:
        yield _url_with_database(pg_server, name)
    finally:
        _drop_database(pg_server, name)


@pytest.fixture
def pg_empty_url(pg_server):
    """A fresh, empty database on the test server (UTF8, as the records need)."""
    name = _pg_database_name("empty")
    with _pg_admin(pg_server) as admin:
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        yield _url_with_database(pg_server, name)
    finally:
        _drop_database(pg_server, name)
