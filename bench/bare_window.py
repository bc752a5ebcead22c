"""The floor for start-up and memory: a bare PySide6 QMainWindow, shown, then closed.

    python bench/bare_window.py          # quits once the window is shown (like
                                         # consult --quit-after-launch)
    python bench/bare_window.py --rss    # waits until idle, prints {"rss_kib": …}, quits

Nothing of consult is imported: this is what any PySide6 program pays.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMainWindow
from qtprobe import settle_then_report, when_shown


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1200, 760)  # the size of consult's main window
    window.show()
    if "--rss" in sys.argv:
        settle_then_report(app, window)
    else:
        when_shown(window, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
