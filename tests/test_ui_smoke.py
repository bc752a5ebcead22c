"""The app starts offscreen as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.gui


def python(*args: str) -> subprocess.CompletedProcess:
    """A fresh Python process, offscreen, as the app would be started."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_quit_after_launch_exits_cleanly():
    result = python("-m", "consult", "--quit-after-launch")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


SLOW_START_UP_SEARCH = textwrap.dedent(
    """
    import time

    import consult.app.clinic as clinic

    search = clinic.Clinic.search

    def slow_search(self, text):
        time.sleep(0.5)  # the patient list of a large database, still loading at quit
        return search(self, text)

    clinic.Clinic.search = slow_search
    from consult.cli import run

    raise SystemExit(run(["--quit-after-launch"]))
    """
)


def test_quitting_lets_background_work_finish():
    """Closing while the patient list still loads: the search finishes, nothing it reports
    to is gone ("Signal source has been deleted" was printed at quit before)."""
    result = python("-c", SLOW_START_UP_SEARCH)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


LOADED_AT_START_UP = textwrap.dedent(
    """
    import sys

    from consult.cli import run

    assert run(["--quit-after-launch"]) == 0
    print(" ".join(sorted(sys.modules)))
    """
)
# Loaded when first used, not to show the main window: sqlite-utils (the records are opened
# and listed on the plain connection), reportlab, Qt's PDF and printing modules, the wizard
# and the settings dialog; argon2 (the sign-in's hash runs after the window shows), the audit
# viewer and the accounts dialog; pyHanko (about half a second: the seal of a signed consent)
# and the signing screen.
NOT_AT_START_UP = (
    # The clinic server's driver and keyring: only for records on a server.
    "psycopg",
    "keyring",
    "consult.storage.pg_schema",
    "consult.ui.records_dialog",
    "pyhanko",
    "pyhanko_certvalidator",
    "consult.report.seal",
    "consult.report.consent_pdf",
    "consult.ui.consent_dialog",
    "consult.ui.signature_pad",
    "sqlite_utils",
    "argon2",
    "_argon2_cffi_bindings",
    "consult.ui.audit_view",
    "consult.ui.accounts_dialog",
    "reportlab",
    "consult.report.plan_pdf",
    "PySide6.QtPdf",
    "PySide6.QtPrintSupport",
    "consult.ui.preview",
    "consult.ui.wizard",
    "consult.ui.settings_dialog",
    # Photos: Pillow and pillow-heif on the first photo taken in, the photo windows when a
    # patient's photos are opened, QtMultimedia (where installed) when the camera is.
    "PIL",
    "pillow_heif",
    "consult.system.imaging",
    "consult.ui.photos.gallery",
    "consult.ui.photos.compare",
    "consult.ui.photos.camera",
    "PySide6.QtMultimedia",
)


def test_start_up_loads_only_what_the_main_window_needs():
    from consult.storage import RecordStore

    RecordStore.open().close()  # the records exist, as at every start but the first
    result = python("-c", LOADED_AT_START_UP)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert "consult.ui.main_window" in loaded
    assert [name for name in NOT_AT_START_UP if name in loaded] == []


COLLECTOR_AT_START_UP = textwrap.dedent(
    """
    import gc

    import consult.ui.app as app

    seen = []
    started = app._started

    def spy():
        seen.append(gc.isenabled())
        started()
        seen.append(gc.isenabled())
        seen.append(gc.get_freeze_count() > 10_000)

    app._started = spy
    from consult.cli import run

    assert run(["--quit-after-launch"]) == 0
    print(seen, gc.isenabled())
    """
)


def test_the_cycle_collector_waits_for_the_window_then_skips_what_start_up_made():
    result = python("-c", COLLECTOR_AT_START_UP)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "[False, True, True] True"
