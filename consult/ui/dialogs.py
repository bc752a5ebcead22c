"""Every message box and file dialog goes through here, so tests can replace them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

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


class ListQuestion(QDialog):
    """A question about a list that may be long (the screening questions left): the list
    scrolls, and the answer buttons stay on screen however many items it has. Answers like a
    ``QMessageBox`` (``text``, ``buttons``, ``defaultButton``, ``clickedButton``)."""

    def __init__(self, parent, title: str, text: str, items: list[str], yes: str, no: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        self._text = text
        self._items = list(items)
        label = QLabel(text)
        label.setWordWrap(True)
        listed = QListWidget()
        listed.addItems(self._items)
        listed.setWordWrap(True)
        listed.setAccessibleName("The questions")
        listed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        box = QDialogButtonBox()
        self._yes = box.addButton(yes, QDialogButtonBox.ButtonRole.AcceptRole)
        self._no = box.addButton(no, QDialogButtonBox.ButtonRole.RejectRole)
        self._yes.setDefault(True)
        self._clicked = None
        box.clicked.connect(self._answer)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(listed, 1)
        layout.addWidget(box)
        screen = (parent.screen() if parent is not None else None) or QApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        height = min(560, int(room.height() * 0.8)) if room is not None else 560
        self.resize(640, height)

    def _answer(self, button) -> None:
        self._clicked = button
        self.accept() if button is self._yes else self.reject()

    def text(self) -> str:
        return "\n".join([self._text, "", *self._items])

    def buttons(self) -> list:
        return [self._yes, self._no]

    def defaultButton(self):
        return self._yes

    def clickedButton(self):
        return self._clicked


def ask_list(
    parent: QWidget | None, title: str, text: str, items: list[str], yes: str, no: str
) -> bool:
    """``ask`` about a list of any length: the list scrolls, the buttons stay visible."""
    dialog = ListQuestion(parent, title, text, items, yes, no)
    run_dialog(dialog)
    return dialog.clickedButton() is dialog.defaultButton()


def save_file(parent: QWidget | None, title: str, suggested: str, filters: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return Path(path) if path else None


def open_file(parent: QWidget | None, title: str, filters: str) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return Path(path) if path else None


def open_files(parent: QWidget | None, title: str, filters: str) -> list[Path]:
    paths, _ = QFileDialog.getOpenFileNames(parent, title, "", filters)
    return [Path(p) for p in paths]


def choose_folder(parent: QWidget | None, title: str) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, title)
    return Path(path) if path else None


def run_dialog(dialog: QDialog) -> int:
    """``dialog.exec()``, its controls touch-sized; tests replace this to answer dialogs
    without a person."""
    style.touch_size(dialog)
    return dialog.exec()
