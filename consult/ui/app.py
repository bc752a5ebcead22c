"""Starting the Qt application: one instance per data folder, the catalog, the records."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from consult import APP_ID, __version__
from consult.app.catalog import load_catalog
from consult.app.clinic import Clinic
from consult.domain.catalog import CatalogError
from consult.storage.database import needs_upgrade, resolve
from consult.storage.errors import SchemaChangedError, StorageError
from consult.storage.opening import repair_guards
from consult.system.folders import data_dir
from consult.system.records_location import is_server
from consult.system.resources import resource_path
from consult.ui import dialogs
from consult.ui.fonts import use_bundled_fonts
from consult.ui.instance import AlreadyRunning, acquire_instance_lock
from consult.ui.main_window import MainWindow
from consult.ui.worker import run_in_background, wait_for_background_work


def make_application(defer_fonts: bool = False) -> QApplication:
    """The application, named and with its icon. Its bundled fonts are registered now, or
    (``defer_fonts``, as the app starts) by the main window once its window is up, before
    the first patients are listed (see ``consult.ui.fonts``)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("consult")
    app.setApplicationDisplayName("Consult")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("consult")
    # Lets Linux desktops match the window to the installed .desktop file and its icon.
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(resource_path("icons", "consult.svg"))))
    if not defer_fonts:
        use_bundled_fonts(app)  # names in any script the plan prints show on screen too
    return app


def run_app(
    quit_after_launch: bool = False,
    db_path: Path | str | None = None,
    records_problem: str | None = None,
) -> int:
    app = make_application(defer_fonts=True)
    if records_problem is not None:  # records.toml cannot be used: said, not guessed around
        print(f"consult: {records_problem}", file=sys.stderr)
        if not quit_after_launch:
            dialogs.error(None, "The records' location cannot be used", records_problem)
        return 1
    folder = data_dir()
    try:
        lock = acquire_instance_lock(folder)
    except AlreadyRunning:
        message = (
            "Consult is already open on this computer for these records. Switch to the open "
            "window (it may be behind others or minimised)."
        )
        print(f"consult: {message}", file=sys.stderr)
        if not quit_after_launch:
            dialogs.information(None, "Consult is already open", message)
        return 1
    except OSError as exc:
        print(f"consult: {exc}", file=sys.stderr)
        return 1
    try:
        return _run(app, folder, quit_after_launch, db_path)
    finally:
        lock.unlock()


def _run(
    app: QApplication, folder: Path, quit_after_launch: bool, db_path: Path | str | None
) -> int:
    try:
        loaded = load_catalog()
    except CatalogError as exc:
        dialogs.error(
            None,
            "The app's built-in catalog is damaged",
            "The installation looks damaged: its clinical catalog cannot be read. Reinstall the "
            "app; your records are not affected.",
            details=str(exc),
        )
        return 1
    try:
        path = db_path if is_server(db_path) else resolve(db_path)
        if isinstance(path, Path) and needs_upgrade(path):
            upgrade_records(path)
        clinic = open_clinic(loaded.catalog, path, folder, ask=not quit_after_launch)
    except StorageError as exc:
        print(f"consult: {exc.message}", file=sys.stderr)
        if not quit_after_launch:
            dialogs.error(None, "The records cannot be opened", exc.message)
        return 1
    try:
        window = MainWindow(clinic)
        window.show()
        QTimer.singleShot(0, _started)
        if quit_after_launch:
            QTimer.singleShot(0, lambda: _quit_when_shown(app, window))
        else:
            QTimer.singleShot(0, lambda: _after_start(window, clinic, loaded))
        return app.exec()
    finally:
        wait_for_background_work()
        clinic.close()


def open_clinic(catalog, path: Path | str, folder: Path, *, ask: bool = True) -> Clinic:
    """The clinic's records, opened. When only safety checks (guard triggers) were removed
    from the file outside the app, the person at the desk is told and asked before they are
    put back; anything else changed in the file's structure is refused (StorageError)."""
    try:
        return Clinic(catalog, path, folder)
    except SchemaChangedError as exc:
        if not (exc.mendable and ask) or not isinstance(path, Path):
            raise
        if not dialogs.ask(
            None,
            "The records' safety checks were removed",
            f"{exc.message}\n\nPut the safety checks back now? The records themselves are "
            "not changed; the repair is written to the audit trail. Run “consult db check” "
            "afterwards to see whether anything else was changed.",
            "&Put them back",
            "&Quit",
        ):
            raise
        repair_guards(path)
        return Clinic(catalog, path, folder)


def upgrade_records(path: Path) -> None:
    """Bring a records file made by an earlier version up to date before the window opens:
    off the window's thread, with a message saying what is happening (on a large file it
    takes seconds). Raises StorageError as opening the records would."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QProgressDialog

    from consult.storage import RecordStore

    note = QProgressDialog(
        "Updating the records for this version of Consult. This happens once, after an "
        "update; a copy of the records is kept first.",
        "",
        0,
        0,
    )
    note.setWindowTitle("Consult")
    note.setCancelButton(None)
    note.setMinimumDuration(0)
    note.show()
    loop = QEventLoop()
    failed: list[Exception] = []

    def fail(exc: Exception) -> None:
        failed.append(exc)
        loop.quit()

    run_in_background(
        lambda: RecordStore.open(path, verify=False).close(), lambda _done: loop.quit(), fail
    )
    loop.exec()
    note.close()
    note.deleteLater()
    if failed:
        problem = failed[0]
        if isinstance(problem, StorageError):
            raise problem
        raise StorageError(
            f"The records file {path} could not be updated for this version of the app "
            f"({type(problem).__name__}). Each step of an update is all or nothing, and a "
            "copy of the file is kept before the first, so nothing in it is lost. Go on with "
            "the previous version of the app for now, and report this problem."
        ) from problem


def _started() -> None:
    """The window is up. What start-up made lives as long as the app: it is set aside from
    the cycle collector for good, which ``consult.cli.run`` held off while it was made."""
    gc.freeze()
    gc.enable()


def _quit_when_shown(app: QApplication, window: MainWindow) -> None:
    handle = window.windowHandle()
    if handle is not None and handle.isExposed():
        app.quit()
    else:
        QTimer.singleShot(10, lambda: _quit_when_shown(app, window))


def _after_start(window: MainWindow, clinic: Clinic, loaded) -> None:
    """What follows a normal start: the catalog fallback and the daily backup. (The welcome
    on a first start, and a draft to resume, follow the sign-in: see ``MainWindow``.)"""
    if loaded.clinic_problems:
        problems = loaded.clinic_problems
        dialogs.warning(
            window,
            "Using the built-in catalog",
            f"The clinic's catalog ({loaded.clinic_file}) has {len(problems)} problem(s), so the "
            "app is using its built-in catalog. Run “consult catalog validate” or see the "
            "details to fix the file.",
            details="\n".join(str(p) for p in problems),
        )
    invalid = clinic.settings_problems()
    if invalid:
        dialogs.warning(
            window,
            "Some settings could not be used",
            "These saved settings could not be used, so the app uses their defaults until they "
            "are corrected in Settings: " + "; ".join(invalid),
        )
    daily_backup(window, clinic)
    # A clinic leaves the app open for days: the daily backup is looked at again every hour.
    timer = QTimer(window)
    timer.setInterval(BACKUP_CHECK_MS)
    timer.timeout.connect(lambda: daily_backup(window, clinic))
    timer.start()


BACKUP_CHECK_MS = 60 * 60 * 1000


def daily_backup(window: MainWindow, clinic: Clinic) -> None:
    """Today's backup, off the window's thread, if none was made yet; the status bar says so,
    or warns (and keeps warning) when the newest backup is older than two days."""
    path = clinic.db_path

    def made(backup: Path | None) -> None:
        warning = clinic.backup_warning()
        if warning:
            window.statusBar().showMessage(warning)
        elif backup:
            window.statusBar().showMessage(f"Backup saved: {backup.name}", 8000)

    def failed(_exc: Exception) -> None:
        message = (
            "The daily backup could not be made; run “consult db backup” to make one "
            f"({path.name if isinstance(path, Path) else path})."
        )
        warning = clinic.backup_warning()
        window.statusBar().showMessage(f"{message} {warning}" if warning else message, 15000)

    run_in_background(lambda: clinic.auto_backup(), made, failed)
