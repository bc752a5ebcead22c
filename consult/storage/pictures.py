"""Where the photos' pictures are kept: beside a records file, or in the clinic's server.

A records file keeps each picture as a file named by its SHA-256 in the photo folder beside
it (``photo_files``). Records on the clinic's server keep them in the server, in the table
``photo_pictures`` (one row per SHA-256), so that every exam room sees the same photos and the
server's own backups (``pg_dump``) carry them. Either way a picture is written once, before its
photo's row, checked against its SHA-256 whenever it is read, and erased when its photo is
deleted. ``store.photos.pictures`` is the one for the store's records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from consult.storage import photo_files


class Pictures(Protocol):
    #: Where they are, for messages: the photo folder, or "the records server".
    where: str

    def write(self, sha256: str, data: bytes) -> bool: ...
    def read(self, sha256: str) -> bytes: ...
    def remove(self, sha256: str) -> None: ...
    def names(self) -> set[str]: ...
    def problems(self, expected: Iterable[tuple[int, str]]) -> tuple[list[int], list[int]]: ...


class FolderPictures:
    """The photo folder beside a records file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.where = f"the photo folder {folder}"

    def write(self, sha256: str, data: bytes) -> bool:
        return photo_files.write(self.folder, sha256, data)

    def read(self, sha256: str) -> bytes:
        return photo_files.read(self.folder, sha256)

    def remove(self, sha256: str) -> None:
        photo_files.remove(self.folder, sha256)

    def names(self) -> set[str]:
        return set(photo_files.names(self.folder))

    def problems(self, expected: Iterable[tuple[int, str]]) -> tuple[list[int], list[int]]:
        return photo_files.problems(self.folder, expected)


class ServerPictures:
    """The pictures in the records server's ``photo_pictures`` table."""

    def __init__(self, conn: Any):
        self.conn = conn
        self.where = f"the records server ({conn.where})"

    def write(self, sha256: str, data: bytes) -> bool:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("a picture must have its SHA-256")
        done = self.conn.execute(
            "INSERT INTO photo_pictures (sha256, picture) VALUES (?, ?) "
            "ON CONFLICT (sha256) DO NOTHING",
            [sha256, data],
        )
        return done.rowcount == 1

    def read(self, sha256: str) -> bytes:
        row = self.conn.execute(
            "SELECT picture FROM photo_pictures WHERE sha256 = ?", [sha256]
        ).fetchone()
        if row is None:
            raise FileNotFoundError(sha256)
        return bytes(row[0])

    def remove(self, sha256: str) -> None:
        self.conn.execute("DELETE FROM photo_pictures WHERE sha256 = ?", [sha256])

    def names(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT sha256 FROM photo_pictures")}

    def problems(self, expected: Iterable[tuple[int, str]]) -> tuple[list[int], list[int]]:
        """Of the photos ``expected``, those whose picture is gone and those whose picture no
        longer has its SHA-256 (hashed on the server, so pictures are not sent here)."""
        wanted = list(expected)
        found = dict(
            self.conn.execute("SELECT sha256, encode(sha256(picture), 'hex') FROM photo_pictures")
        )
        gone = [i for i, sha in wanted if sha not in found]
        changed = [i for i, sha in wanted if sha in found and found[sha] != sha]
        return gone, changed


def copy_pictures(source: Pictures, target: Pictures, shas: Iterable[str]) -> int:
    """Each picture of ``shas`` from ``source`` into ``target``, checked; how many were new."""
    added = 0
    for sha in sorted(set(shas)):
        data = source.read(sha)
        if hashlib.sha256(data).hexdigest() != sha:
            raise ValueError(sha)
        added += target.write(sha, data)
    return added
