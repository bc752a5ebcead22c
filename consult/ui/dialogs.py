"""Every message box and file dialog goes through here, so tests can replace them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from consult.ui import style


def _box(icon, parent, title, text, details="") -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    return box


def error(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    run_dialog(_box(QMessageBox.Icon.Critical, parent, title, text, details))


def warning(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    run_dialog(_box(QMessageBox.Icon.Warning, parent, title, text, details))


def information(parent: QWidget | None, title: str, text: str) -> None:
    run_dialog(_box(QMessageBox.Icon.Information, parent, title, text))


def ask(parent: QWidget | None, title: str, text: str, yes: str, no: str) -> bool:
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes_button)
    run_dialog(box)
    return box.clickedButton() is yes_button


def save_file(parent: QWidget | None, title: str, suggested: str, filters: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return Path(path) if path else None


def open_file(parent: QWidget | None, title: str, filters: str) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return Path(path) if path else None


def run_dialog(dialog: QDialog) -> int:
    """``dialog.exec()``, its controls touch-sized; tests replace this to answer dialogs
    without a person."""
    style.touch_size(dialog)
    return dialog.exec()
