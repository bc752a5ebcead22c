"""The records database: SQLite through sqlite-utils. No Qt here.

``RecordStore`` is the only way the rest of the app reads or writes records (its public
surface: ``protocol.RecordStoreAPI``); see docs/storage.md for the schema and the guarantees.
"""

import importlib
from typing import TYPE_CHECKING

from consult.storage.errors import StorageError

if TYPE_CHECKING:
    from consult.storage.backup import RestoreResult, restore
    from consult.storage.database import default_path
    from consult.storage.health import CheckReport
    from consult.storage.patient_list import Cursor, Page, PatientRow
    from consult.storage.records import DueSession, StoredPlan
    from consult.storage.store import RecordStore

# Each name is imported from its module when first asked for (PEP 562): the package loads
# what its user needs, not the whole record store (a command that checks the records never
# imports the modules that write consultations).
_FROM = {
    "RestoreResult": "backup",
    "restore": "backup",
    "default_path": "database",
    "CheckReport": "health",
    "Cursor": "patient_list",
    "Page": "patient_list",
    "PatientRow": "patient_list",
    "DueSession": "records",
    "StoredPlan": "records",
    "RecordStore": "store",
}


def __getattr__(name: str):
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CheckReport",
    "Cursor",
    "DueSession",
    "Page",
    "PatientRow",
    "RecordStore",
    "RestoreResult",
    "StorageError",
    "StoredPlan",
    "default_path",
    "restore",
]
