"""Starting the Qt application."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from consult import APP_ID, __version__
from consult.context import load_catalog
from consult.domain.catalog import CatalogError
from consult.resources import resource_path
from consult.ui import dialogs
from consult.ui.main_window import MainWindow


def run_app(quit_after_launch: bool = False, db_path=None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("consult")
    app.setApplicationDisplayName("Consult")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("consult")
    # Lets Linux desktops match the window to the installed .desktop file and its icon.
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(resource_path("icons", "consult.svg"))))
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
    window = MainWindow(loaded)
    window.show()
    if quit_after_launch:
        QTimer.singleShot(0, app.quit)
    elif loaded.clinic_problems:
        QTimer.singleShot(0, window.explain_catalog_fallback)
    return app.exec()
