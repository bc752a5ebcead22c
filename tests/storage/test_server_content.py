"""The server's seals are SQLite's, byte for byte: ``content_server`` writes JSON as SQLite's
``json_array`` does, for any value a record can hold. No server needed: SQLite is the oracle."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.storage.content_server import json_array, json_text

# Any text SQLite keeps (no lone surrogates: Python cannot encode them for SQLite either).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
VALUE = st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), TEXT)


def sqlite_json_array(values) -> str:
    conn = sqlite3.connect(":memory:")
    try:
        marks = ", ".join("?" for _ in values)
        return conn.execute(f"SELECT json_array({marks})", list(values)).fetchone()[0]
    finally:
        conn.close()


@settings(max_examples=400, deadline=None)
@given(st.lists(VALUE, max_size=6))
def test_any_values_are_written_as_sqlite_writes_them(values):
    assert json_array(values) == sqlite_json_array(values)


def test_every_control_character_and_the_awkward_ones():
    awkward = ["".join(chr(c) for c in range(0x20)), '"\\/', "\x7f\u2028\u2029\ufeff", "é😀"]
    for text in awkward:
        assert json_text(text) == sqlite_json_array([text])[1:-1]


def test_no_seal_is_written_from_a_real():
    """No column of the records is REAL; should one be added, this says it needs a writer."""
    with pytest.raises(TypeError, match="no seal"):
        json_array([0.5])


def test_nested_rows_as_json_group_array():
    from consult.storage.content_server import _nested

    conn = sqlite3.connect(":memory:")
    rows = [(1, "a\n"), (2, None), (3, 'q"')]
    conn.execute("CREATE TABLE t (n, v)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", rows)
    expected = conn.execute(
        "SELECT json_group_array(json_array(n, v)) FROM (SELECT * FROM t ORDER BY n)"
    ).fetchone()[0]
    assert _nested(rows) == expected
    assert _nested([]) == conn.execute("SELECT json_group_array(1) FROM t WHERE 0").fetchone()[0]
