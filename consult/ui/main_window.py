"""The main window. For now it shows the loaded catalog; the consultation screens come next."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from consult.domain.catalog import LoadResult
from consult.ui import dialogs


class MainWindow(QMainWindow):
    def __init__(self, loaded: LoadResult):
        super().__init__()
        self.loaded = loaded
        self.setWindowTitle("Consult")
        self.resize(900, 600)
        catalog = loaded.catalog
        counts = "".join(f"<li>{name}: {count}</li>" for name, count in catalog.counts().items())
        source = (
            "the clinic's own catalog" if loaded.used_clinic_catalog else "the built-in catalog"
        )
        label = QLabel(
            "<h2>Consult</h2>"
            "<p>The consultation screens are not built yet. This window shows that the app "
            "starts and which clinical catalog it loaded.</p>"
            f"<p>Using {source}, version {catalog.version}:</p><ul>{counts}</ul>"
        )
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(label)
        self.setCentralWidget(central)
        self.statusBar().showMessage(f"Catalog {catalog.version}")

    def explain_catalog_fallback(self) -> None:
        problems = self.loaded.clinic_problems
        dialogs.warning(
            self,
            "Using the built-in catalog",
            f"The clinic's catalog ({self.loaded.clinic_file}) has {len(problems)} problem(s), "
            "so the app is using its built-in catalog. Run “consult catalog validate” or see the "
            "details to fix the file.",
            details="\n".join(str(p) for p in problems),
        )
