"""The patient list: a table model over search results from the repository, a page at a time.

The model holds the pages fetched so far. When the view is scrolled to the end and more
patients match (``set_rows(..., more=True)``), Qt asks ``canFetchMore``/``fetchMore``: the
model then emits ``more_wanted`` once, and whoever fetches the next page (off the UI thread)
hands it to ``append_rows``, or calls ``fetch_failed``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal


class PatientRowLike(Protocol):
    id: int
    name: str
    date_of_birth: date
    last_consultation: date | None
    next_session: date | None


COLUMNS = ("Name", "Date of birth", "Last consultation", "Next session")
Index = QModelIndex | QPersistentModelIndex


_short_dates = None


def _day(value: date | None) -> str:
    """A date as every screen writes it (``dates.short_date``), from the cached pattern so that
    listing patients as the app opens does not wait for babel (see ``short_dates``)."""
    global _short_dates
    if value is None:
        return "—"
    if _short_dates is None:
        from consult.report.short_dates import ShortDates
        from consult.system.folders import cache_dir

        try:
            folder = cache_dir()
        except OSError:
            folder = None
        _short_dates = ShortDates(folder)
    return _short_dates(value)


class PatientTableModel(QAbstractTableModel):
    """Rows come from a search, a page at a time; in privacy mode only one patient can be
    shown, and no more are fetched."""

    more_wanted = Signal()  # the view reached the end and more patients match: fetch them

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[PatientRowLike] = []
        self._all_rows: list[PatientRowLike] = []
        self._private_id: int | None = None
        self._more = False  # more patients match than the pages fetched so far
        self._fetching = False  # the next page was asked for and has not arrived

    # -- filling

    def set_rows(self, rows: Sequence[PatientRowLike], more: bool = False) -> None:
        """A new list: its first page, and whether more patients follow."""
        self._all_rows = list(rows)
        self._more, self._fetching = more, False
        self._apply()

    def append_rows(self, rows: Sequence[PatientRowLike], more: bool) -> None:
        """The next page of the same list, as asked for by ``more_wanted``."""
        self._more, self._fetching = more, False
        added = list(rows)
        self._all_rows += added
        shown = added if self._private_id is None else []
        if shown:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
            self._rows += shown
            self.endInsertRows()

    def fetch_failed(self) -> None:
        """The next page did not come: reaching the end asks again."""
        self._fetching = False

    @property
    def more(self) -> bool:
        """More patients match than are listed."""
        return self._more

    def set_privacy(self, patient_id: int | None) -> None:
        """Show only ``patient_id`` (or nobody when it is None) until privacy is turned off."""
        self._private_id = patient_id if patient_id is not None else -1
        self._apply()

    def clear_privacy(self) -> None:
        self._private_id = None
        self._apply()

    @property
    def private(self) -> bool:
        return self._private_id is not None

    def _apply(self) -> None:
        self.beginResetModel()
        if self._private_id is None:
            self._rows = list(self._all_rows)
        else:
            self._rows = [r for r in self._all_rows if r.id == self._private_id]
        self.endResetModel()

    def row_at(self, row: int) -> PatientRowLike | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, patient_id: int) -> int:
        for number, item in enumerate(self._rows):
            if item.id == patient_id:
                return number
        return -1

    # -- the model

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (
            not parent.isValid() and self._more and not self._fetching and self._private_id is None
        )

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetching = True
            self.more_wanted.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            values = (
                item.name,
                _day(item.date_of_birth),
                _day(item.last_consultation),
                _day(item.next_session),
            )
            return values[column]
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None
