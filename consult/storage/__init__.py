"""The records database: SQLite through sqlite-utils. No Qt here.

``Repository`` is the only way the rest of the app reads or writes records; see
docs/storage.md for the schema and the guarantees.
"""

from consult.storage.backup import RestoreResult, restore
from consult.storage.database import default_path
from consult.storage.errors import StorageError
from consult.storage.repository import CheckReport, DueSession, PatientRow, Repository, StoredPlan

__all__ = [
    "CheckReport",
    "DueSession",
    "PatientRow",
    "Repository",
    "RestoreResult",
    "StorageError",
    "StoredPlan",
    "default_path",
    "restore",
]
