"""Locking the window after some minutes without a key press, click or touch.

``IdleWatch`` watches the application's input events and asks, every ``check_ms``, whether
the last one was longer ago than the limit; then it emits ``idle``. The clock is given (a
monotonic one by default), so tests move it by hand instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

CHECK_MS = 10_000  # how often the time since the last input is looked at

_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatch(QObject):
    idle = Signal()

    def __init__(
        self,
        parent: QObject,
        minutes: float,
        clock: Callable[[], float] = time.monotonic,
        check_ms: int = CHECK_MS,
    ):
        super().__init__(parent)
        self.clock = clock
        self.minutes = minutes
        self._last = clock()
        self._timer = QTimer(self, interval=check_ms)
        self._timer.timeout.connect(self.check)
        self._watching = False

    def start(self) -> None:
        """Count from now. Input is watched only while counting (every event of the app
        passes through the filter, so none does on the lock screen)."""
        self._last = self.clock()
        self._timer.start()
        app = QApplication.instance()
        if app is not None and not self._watching:
            app.installEventFilter(self)
            self._watching = True

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._watching:
            app.removeEventFilter(self)
            self._watching = False

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self._last = self.clock()
        return False

    def check(self) -> None:
        if self._timer.isActive() and self.clock() - self._last >= self.minutes * 60:
            self.stop()
            self.idle.emit()

    def close(self) -> None:
        self.stop()
