"""Which records this computer uses (File → Records…): its own file, or the clinic's server.

The choice is the computer's, not the records': it is kept in ``records.toml`` in the config
folder (``system.records_location``) and takes effect when the app starts again. Before it is
kept, the server is tried: a room is never pointed at a server it cannot reach.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from consult.app.errors import UserFacingError
from consult.storage import RecordStore
from consult.storage.errors import StorageError
from consult.system import records_location


@dataclass(frozen=True)
class ServerFound:
    """What trying a server found: where, and how many patients are there already."""

    where: str
    patients: int
    schema_version: int
    up_to_date: bool

    def summary(self) -> str:
        state = (
            "ready"
            if self.up_to_date
            else "made by an older version: the first room to start brings it up to date"
        )
        if not self.schema_version:
            return (
                f"Reached {self.where}: an empty database, which the app sets up the first "
                "time a room starts with it."
            )
        return f"Reached {self.where}: {self.patients} patients ({state})."


def current() -> str | None:
    """The server this computer is set to use, or None for its records file."""
    try:
        return records_location.configured()
    except records_location.LocationError as exc:
        raise UserFacingError(str(exc)) from None


def try_server(url: str) -> ServerFound:
    """Reach the server at ``url`` and look, writing nothing (a worker thread's task)."""
    from consult.storage import pg_schema, server

    try:
        url = records_location.checked_url(url)
    except records_location.LocationError as exc:
        raise UserFacingError(str(exc)) from None
    where = f"records on {server.describe(url)}"
    try:
        conn = server.connect(url, readonly=True)
    except sqlite3.Error as exc:  # the server's refusals, said in plain words
        from consult.storage.opening import server_error

        raise server_error(exc, server.describe(url)) from exc
    try:
        applied = pg_schema.applied(conn.raw)
        pending = pg_schema.pending(conn.raw)
    finally:
        conn.close()
    if not applied:
        return ServerFound(where, 0, 0, False)
    if pending:
        return ServerFound(where, 0, len(applied), False)
    with RecordStore.open(url, readonly=True, verify=False) as store:
        patients = store.health.counts()["patients"]
    return ServerFound(where, patients, len(applied), True)


def choose(url: str | None) -> str:
    """Keep ``url`` (or None: this computer's file) as the records to use from the next
    start; what to tell the person."""
    try:
        path = records_location.save(url)
    except records_location.LocationError as exc:
        raise UserFacingError(str(exc)) from None
    except OSError as exc:
        raise StorageError(
            f"The choice could not be kept in {path_hint()} ({exc.strerror or exc}); nothing "
            "was changed."
        ) from None
    what = "the clinic's server" if url else "the records file on this computer"
    return f"From the next start, Consult uses {what}. Kept in {path}."


def path_hint() -> str:
    return str(records_location.config_file())
