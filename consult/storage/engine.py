"""Which engine a connection reaches: the few places whose SQL differs by engine ask here."""

from __future__ import annotations


def on_server(conn: object) -> bool:
    """Whether ``conn`` — a connection, or what holds one as ``.conn`` (the store, a
    sqlite-utils ``Database``) — reaches the clinic's PostgreSQL server (``server``) rather
    than a SQLite file."""
    return getattr(getattr(conn, "conn", conn), "engine", "sqlite") == "postgresql"
