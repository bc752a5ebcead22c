"""What can go wrong with the records database, said in plain words.

Every error carries ``message``: one paragraph for the person at the desk saying what happened
and what to do. Messages may name a file, never a patient: no names, dates of birth or notes.
"""

from __future__ import annotations

from pathlib import Path

RESTORE_HINT = (
    "Restore the latest backup with “consult db restore”, or point the app at another file "
    "with --db."
)


class StorageError(Exception):
    """The records database cannot do what was asked; ``message`` says why and what to do."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class NotADatabaseError(StorageError):
    """The file is not a consult records database (garbage, another app's file)."""


class EmptyFileError(StorageError):
    """The file exists but holds zero bytes; never treated as a new database."""


class NewerSchemaError(StorageError):
    """The file was written by a newer version of the app."""


class CorruptDatabaseError(StorageError):
    """SQLite reports damage (a corrupt page, a failed integrity check)."""


class ReadOnlyError(StorageError):
    """The file or its folder cannot be written."""


class DatabaseBusyError(StorageError):
    """Another program holds the database (another window, a backup tool)."""


class ServerUnreachableError(StorageError):
    """The clinic's records server cannot be reached, or the connection to it was lost."""


class NotFoundError(StorageError):
    """A record asked for by id does not exist."""


class ConflictError(StorageError):
    """The change is not allowed on this record (a final is never overwritten)."""


class ExchangeError(StorageError):
    """An export or import file cannot be written or read."""


class SchemaChangedError(StorageError):
    """The file's tables, indexes or triggers differ from what the migrations made.
    ``mendable``: only guard triggers are missing, which the app can put back once told."""

    def __init__(self, message: str, mendable: bool = False):
        super().__init__(message)
        self.mendable = mendable


class BackupError(StorageError):
    """A backup or restore could not be done."""


def not_a_database(path: Path) -> NotADatabaseError:
    return NotADatabaseError(
        f"The file {path} is not a consult records database: it does not start the way an "
        "SQLite database does, so it may be a different kind of file or badly damaged. The app "
        f"has not changed it. {RESTORE_HINT}"
    )


def foreign_database(path: Path) -> NotADatabaseError:
    return NotADatabaseError(
        f"The file {path} is an SQLite database, but not one made by this app, so the app will "
        "not use or change it. Point the app at its own records file with --db, or leave --db "
        "out to use the usual one."
    )


def empty_file(path: Path) -> EmptyFileError:
    return EmptyFileError(
        f"The records file {path} is empty (0 bytes). This usually means it was damaged while "
        "being copied or when the disk was full; the app will not treat it as a new database "
        f"and has not changed it. {RESTORE_HINT}"
    )


def newer_schema(path: Path, found: int, known: int) -> NewerSchemaError:
    return NewerSchemaError(
        f"The records file {path} was written by a newer version of this app (records format "
        f"{found}; this version knows up to {known}). To keep the records safe, this version "
        "will not open it and has not changed it. Install the newer version of the app, or "
        "restore a backup made with this version."
    )


def corrupt(path: Path) -> CorruptDatabaseError:
    return CorruptDatabaseError(
        f"The records file {path} is damaged: SQLite found broken pages inside it. The app has "
        "stopped using it and has not changed it. Restore the latest backup with “consult db "
        "restore”; keep the damaged file in case it is needed later."
    )


def read_only_file(path: Path) -> ReadOnlyError:
    return ReadOnlyError(
        f"The records file {path} is read-only, so the app cannot save anything in it and has "
        "not changed it. Give your user account permission to write the file (or copy it to a "
        "folder you can write), then try again, or point the app at another file with --db."
    )


def read_only_folder(folder: Path) -> ReadOnlyError:
    return ReadOnlyError(
        f"The folder {folder} is read-only. The app needs to write next to the records file "
        "(SQLite keeps its journal there), so it has not opened or changed anything. Give your "
        "user account permission to write the folder, or point the app at a file in another "
        "folder with --db."
    )


def busy(path: Path) -> DatabaseBusyError:
    return DatabaseBusyError(
        f"The records file {path} is in use by another program or window and stayed locked. "
        "Nothing was saved. Close the other window (or wait for its backup to finish), then "
        "try again."
    )
