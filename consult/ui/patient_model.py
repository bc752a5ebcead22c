"""The patient list: a table model over search results from the repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt


class PatientRowLike(Protocol):
    id: int
    name: str
    date_of_birth: date
    last_consultation: date | None
    next_session: date | None


COLUMNS = ("Name", "Date of birth", "Last consultation", "Next session")
Index = QModelIndex | QPersistentModelIndex


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


class PatientTableModel(QAbstractTableModel):
    """Rows come from a search; in privacy mode only one patient can be shown."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[PatientRowLike] = []
        self._all_rows: list[PatientRowLike] = []
        self._private_id: int | None = None

    # -- filling

    def set_rows(self, rows: Sequence[PatientRowLike]) -> None:
        self._all_rows = list(rows)
        self._apply()

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
