"""The patient list model: correct for Qt (qtmodeltester) and private when asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from PySide6.QtCore import Qt

from consult.report import dates
from consult.ui.patient_model import PatientTableModel

pytestmark = pytest.mark.gui


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    date_of_birth: date
    last_consultation: date | None = None
    next_session: date | None = None


ROWS = [
    Row(1, "Zoë O'Brien-Łukasiewicz", date(1990, 5, 17), date(2026, 11, 2), date(2026, 11, 30)),
    Row(2, "李小龍", date(1980, 11, 27)),
    Row(3, "محمد", date(2001, 1, 1), date(2026, 1, 5)),
]


def test_model_passes_qtmodeltester(qtmodeltester):
    model = PatientTableModel()
    model.set_rows(ROWS)
    qtmodeltester.check(model, force_py=True)
    model.set_privacy(2)
    qtmodeltester.check(model, force_py=True)


def test_columns_and_values():
    model = PatientTableModel()
    model.set_rows(ROWS)
    assert model.rowCount() == 3 and model.columnCount() == 4
    assert model.data(model.index(0, 0)) == "Zoë O'Brien-Łukasiewicz"
    # Dates as every screen writes them (babel's, through the list's cached pattern).
    assert model.data(model.index(0, 3)) == dates.short_date(date(2026, 11, 30))
    assert model.data(model.index(1, 2)) == "—"
    assert model.data(model.index(2, 0), Qt.ItemDataRole.UserRole) == 3


def test_privacy_hides_every_other_patient():
    model = PatientTableModel()
    model.set_rows(ROWS)
    model.set_privacy(1)
    names = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert names == ["Zoë O'Brien-Łukasiewicz"]
    model.set_rows(ROWS)  # a search result arriving while private changes nothing
    assert model.rowCount() == 1
    model.set_privacy(None)
    assert model.rowCount() == 0
    model.clear_privacy()
    assert model.rowCount() == 3


def test_the_next_page_is_fetched_once_and_appended(qtmodeltester):
    model = PatientTableModel()
    asked = []
    model.more_wanted.connect(lambda: asked.append(True))
    model.set_rows(ROWS[:2], more=True)
    assert model.canFetchMore() and model.more
    model.fetchMore()
    model.fetchMore()  # asked once until the page arrives
    assert asked == [True] and not model.canFetchMore()
    model.append_rows(ROWS[2:], more=False)
    assert model.rowCount() == 3 and not model.canFetchMore() and not model.more
    assert model.data(model.index(2, 0)) == "محمد"
    qtmodeltester.check(model, force_py=True)


def test_a_failed_fetch_can_be_asked_again_and_a_new_list_starts_afresh(qtmodeltester):
    model = PatientTableModel()
    model.set_rows(ROWS[:1], more=True)
    model.fetchMore()
    model.fetch_failed()
    assert model.canFetchMore()
    model.fetchMore()
    model.set_rows(ROWS, more=True)  # a new search: its own next page
    assert model.canFetchMore()
    qtmodeltester.check(model, force_py=True)


def test_privacy_fetches_nothing_more():
    model = PatientTableModel()
    model.set_rows(ROWS[:2], more=True)
    model.set_privacy(1)
    assert not model.canFetchMore()
    model.append_rows(ROWS[2:], more=False)  # a page already on its way shows nobody else
    assert model.rowCount() == 1
    model.clear_privacy()
    assert model.rowCount() == 3


def test_the_lists_dates_come_from_a_kept_pattern_as_babel_writes_them(tmp_path):
    """Listing patients as the app opens does not wait for babel: the screens' pattern and
    month names are kept in the cache folder and written the same way."""
    from consult.report.short_dates import CACHE_FILE, ShortDates

    first = ShortDates(tmp_path)
    days = [date(2026, 1, 5), date(2027, 12, 31), date(1990, 5, 17)]
    assert [first(d) for d in days] == [dates.short_date(d) for d in days]
    assert (tmp_path / CACHE_FILE).exists()
    again = ShortDates(tmp_path)  # as at the next start: read from the file
    assert again._pattern is not None
    assert [again(d) for d in days] == [dates.short_date(d) for d in days]
    (tmp_path / CACHE_FILE).write_text("not json")  # a damaged file: babel again, no error
    assert ShortDates(tmp_path)(days[0]) == dates.short_date(days[0])
