"""The wizard's step indicator: where the provider is ("3 of 7 — Areas") and every step,
those already visited clickable to go back (or forward again) to them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from consult.ui import style


class StepList(QWidget):
    def __init__(self, names: list[str], go_to: Callable[[int], None], parent=None):
        super().__init__(parent)
        self.names = names
        self._go_to = go_to
        self.heading = QLabel()
        self.heading.setAccessibleName("Step")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.heading.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 8, 8)
        layout.addWidget(self.heading)
        self.buttons: list[QPushButton] = []
        for number, name in enumerate(names, start=1):
            button = QPushButton(f"{number}  {name}")
            button.setFlat(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Alt+Left/Right move by keyboard
            button.setStyleSheet("QPushButton { text-align: left; padding: 4px 8px; }")
            button.setMinimumHeight(style.TOUCH_HEIGHT)
            button.clicked.connect(lambda _checked=False, i=number - 1: self._clicked(i))
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)
        self.setMinimumWidth(170)
        self.reached = 0
        self.current = 0

    def _clicked(self, index: int) -> None:
        if index != self.current:
            self._go_to(index)

    def show_step(self, index: int) -> None:
        """Mark step ``index`` (from 0) as the current one."""
        self.reached = max(self.reached, index)
        self.current = index
        total = len(self.names)
        self.heading.setText(f"{index + 1} of {total} — {self.names[index]}")
        for i, button in enumerate(self.buttons):
            font = button.font()
            font.setBold(i == index)
            button.setFont(font)
            mark = "▶" if i == index else ("✓" if i < index else " ")
            button.setText(f"{mark}  {i + 1}  {self.names[i]}")
            button.setEnabled(i <= self.reached)  # the current one too: it reads as "here"
            button.setAccessibleName(
                f"Step {i + 1} of {total}: {self.names[i]}" + (" (current)" if i == index else "")
            )
