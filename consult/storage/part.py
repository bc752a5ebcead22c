"""What every part of the record store shares: the store it works on, and plain errors."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from consult.storage import database
from consult.storage.errors import NotFoundError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from consult.storage.store import RecordStore

T = TypeVar("T")


class Part:
    """One part of a ``RecordStore`` (``store.patients``, ``store.records``, …)."""

    def __init__(self, store: RecordStore):
        self.store = store

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.conn

    @property
    def db(self) -> Database:
        return self.store.db


def guarded(method: Callable[..., T]) -> Callable[..., T]:
    """SQLite and OS errors leave a method of the store or of a part as StorageError, in
    plain words."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            store = getattr(self, "store", self)
            where = store.where if store.on_server else ""
            raise database.translate(exc, store.path, where=where) from exc

    return wrapper


def missing(kind: str, record_id: int | None) -> NotFoundError:
    return NotFoundError(
        f"There is no {kind} with id {record_id} in the records database. It may have been "
        "deleted (a draft), or the records file was replaced by a restore. Search for it "
        "again."
    )
