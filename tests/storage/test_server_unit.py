"""The server connection's translation of the parts' SQL, and its words: no server needed."""

from __future__ import annotations

import pytest

from consult.storage import server
from consult.storage.database import translate as plain_words
from consult.storage.errors import DatabaseBusyError, ServerUnreachableError


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = %s AND c = %s"),
        ("SELECT '?%' || ?", "SELECT '?%%' || %s"),  # quoted: left as it is (psycopg's %%)
        ('SELECT "a?" FROM t', 'SELECT "a?" FROM t'),
        (
            "SELECT x WHERE n LIKE :w0 AND m::text = ?",
            "SELECT x WHERE n LIKE %(w0)s AND m::text = %s",
        ),
        (
            "INSERT OR IGNORE INTO k (a) VALUES (?)",
            "INSERT INTO k (a) VALUES (%s) ON CONFLICT DO NOTHING",
        ),
        ("SELECT instr(a, ?)", "SELECT strpos(a, %s)"),
        ("SELECT 1 WHERE record_id IS ?", "SELECT 1 WHERE record_id IS NOT DISTINCT FROM %s"),
        (
            "SELECT c.id WHERE c.id IN (SELECT value FROM json_each(?))",
            "SELECT c.id WHERE c.id IN "
            "(SELECT value::bigint FROM json_array_elements_text(%s::json))",
        ),
        (
            # as it is: the server's schema has a collation "nocase" (0007_accounts)
            "SELECT name FROM accounts ORDER BY name COLLATE NOCASE",
            "SELECT name FROM accounts ORDER BY name COLLATE NOCASE",
        ),
    ],
)
def test_the_parts_sql_is_translated(sql, expected):
    assert server.translate(sql) == expected


def test_a_question_only_sqlite_answers_is_refused_not_guessed():
    with pytest.raises(server.ServerError, match="not a question for the records server"):
        server.translate("PRAGMA journal_mode")


def test_where_the_records_are_never_names_the_user_or_password():
    assert server.describe("postgresql://consult@clinic-server/consult") == "clinic-server/consult"
    assert server.describe("postgresql://u@10.0.0.5:6543/rooms") == "10.0.0.5:6543/rooms"
    assert server.redact("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


def test_the_servers_refusals_in_plain_words():
    lost = server.ServerOperationalError("server closed the connection unexpectedly")
    lost.sqlstate = None
    busy = server.ServerOperationalError("canceling statement due to lock timeout")
    busy.sqlstate = server.LOCK_NOT_AVAILABLE
    assert isinstance(plain_words(lost, None, where="records on h/db"), ServerUnreachableError)
    said = plain_words(busy, None, where="records on h/db")
    assert isinstance(said, DatabaseBusyError) and "try again" in said.message


def test_the_keyring_is_asked_only_when_the_server_wants_a_password(monkeypatch):
    import psycopg

    tried: list[dict] = []
    asked: list[str] = []

    class Connected(Exception):
        pass

    def connect(url, **kwargs):
        tried.append(kwargs)
        if "password" not in kwargs:
            raise psycopg.OperationalError("fe_sendauth: no password supplied")
        raise Connected

    def from_keyring(url):
        asked.append(url)
        return "kept-in-keyring"

    monkeypatch.setattr(psycopg, "connect", connect)
    monkeypatch.setattr(server, "_keyring_password", from_keyring)
    with pytest.raises(Connected):
        server.connect("postgresql://consult_app@clinic-server/consult")
    assert asked == ["postgresql://consult_app@clinic-server/consult"]
    assert [k.get("password") for k in tried] == [None, "kept-in-keyring"]
    assert server.keyring_user("postgresql://consult_app@clinic-server/consult") == (
        "consult_app@clinic-server/consult"
    )


def test_a_server_that_asks_no_password_never_loads_the_keyring(monkeypatch):
    import psycopg

    class Connected(Exception):
        pass

    def connect(url, **kwargs):
        raise Connected

    monkeypatch.setattr(psycopg, "connect", connect)
    monkeypatch.setattr(server, "_keyring_password", lambda url: pytest.fail("keyring asked"))
    with pytest.raises(Connected):
        server.connect("postgresql://consult_app@clinic-server/consult")
