"""The work-around for PySide6's reference leak on emit keeps True alive."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from consult.ui.qtcompat import emit


class Sender(QObject):
    fired = Signal(int)


def test_emit_does_not_leak_references_to_true(qapp):
    sender = Sender()
    received = []
    sender.fired.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(1000):
        emit(sender.fired, i)
    assert received == list(range(1000))
    assert abs(sys.getrefcount(True) - before) < 50
