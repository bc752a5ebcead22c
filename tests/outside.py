"""Changing the records as another program would, outside the app: on a records file with
sqlite3, on the clinic's server with psycopg as the test server's superuser. Guards (triggers)
are dropped by name and table first, as someone set on changing the records would."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from consult.system.records_location import is_server


def change(store: Any, sql: str, params: Sequence[Any] = (), *, drop: Sequence[str] = ()) -> None:
    """Run ``sql`` (with ``?`` placeholders) on ``store``'s records, each trigger in ``drop``
    ("name ON table") dropped first: on a records file on the store's own connection (as
    another program with the file would), on the server on a connection of its own."""
    target = store.target
    if is_server(target):
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            for trigger in drop:
                conn.execute(f"DROP TRIGGER {trigger}")
            conn.execute(sql.replace("?", "%s"), list(params))
        return
    conn = store.conn
    for trigger in drop:
        conn.execute(f"DROP TRIGGER {trigger.split(' ON ')[0]}")
    conn.execute(sql, list(params))
    conn.commit()
