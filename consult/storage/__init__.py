"""The records database: SQLite through sqlite-utils. No Qt here.

``RecordStore`` is the only way the rest of the app reads or writes records (its public
surface: ``protocol.RecordStoreAPI``); see docs/storage.md for the schema and the guarantees.
"""

from consult.storage.backup import RestoreResult, restore
from consult.storage.database import default_path
from consult.storage.errors import StorageError
from consult.storage.health import CheckReport
from consult.storage.patient_list import Cursor, Page, PatientRow
from consult.storage.records import DueSession, StoredPlan
from consult.storage.store import RecordStore

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
