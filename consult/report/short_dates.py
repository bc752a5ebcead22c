"""The patient list's dates ("Nov 30, 2026", as ``dates.short_date`` writes them) without
loading babel at start-up.

babel and its locale data take about 30 ms to load: the list is shown as the app opens, so
the pattern and the month names of the screens' locale are kept in the cache folder, as
babel gave them, and a date is written from them with a few string operations. The first
start (or another locale, or a pattern this does not know) asks babel, and keeps the answer.
No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date
from pathlib import Path

CACHE_FILE = "short-dates.json"
FORMAT = 1
_FIELD = re.compile(r"'[^']*'|y+|M+|d+|[^'yMd]+")
_KNOWN = {"y", "yyyy", "M", "MM", "MMM", "d", "dd"}


class ShortDates:
    """``short_date`` for the screens' locale, from the cache when it can."""

    def __init__(self, folder: Path | None):
        self.file = folder / CACHE_FILE if folder is not None else None
        self._pattern: list[str] | None = None
        self._months: list[str] = []
        self._locale = ""
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            if self.file is not None:
                kept = json.loads(self.file.read_text(encoding="utf-8"))
                if kept["format"] == FORMAT and kept["locale"] == self._current_locale():
                    self._use(kept["pattern"], kept["months"], kept["locale"])

    @staticmethod
    def _current_locale() -> str:
        """The screens' locale as the environment names it (no babel needed to read it)."""
        import os

        for name in ("LC_ALL", "LC_TIME", "LANG"):
            if os.environ.get(name):
                return os.environ[name]
        return ""

    def _use(self, pattern: str, months: list[str], locale: str) -> None:
        fields = _FIELD.findall(pattern)
        if all(f in _KNOWN or f[0] not in "yMd" for f in fields) and len(months) == 12:
            self._pattern, self._months, self._locale = fields, months, locale

    def __call__(self, value: date) -> str:
        if self._pattern is None:
            self._learn()
            if self._pattern is None:
                from consult.report import dates

                return dates.short_date(value)
        out = []
        for f in self._pattern:
            if f in ("y", "yyyy"):
                out.append(str(value.year).zfill(len(f)))
            elif f == "M":
                out.append(str(value.month))
            elif f == "MM":
                out.append(f"{value.month:02d}")
            elif f == "MMM":
                out.append(self._months[value.month - 1])
            elif f == "d":
                out.append(str(value.day))
            elif f == "dd":
                out.append(f"{value.day:02d}")
            elif f.startswith("'"):
                out.append(f[1:-1] or "'")
            else:
                out.append(f)
        return "".join(out)

    def _learn(self) -> None:
        """Ask babel once (loading it), and keep its answer for the next start."""
        from babel import Locale

        from consult.report import dates

        locale = Locale.parse(dates.screen_locale())
        pattern = locale.datetime_skeletons["yMMMd"].pattern
        months = [locale.months["format"]["abbreviated"][m] for m in range(1, 13)]
        self._use(pattern, months, self._current_locale())
        if self._pattern is None or self.file is None:
            return
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            self.file.write_text(
                json.dumps(
                    {
                        "format": FORMAT,
                        "locale": self._locale,
                        "pattern": pattern,
                        "months": months,
                    },
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
