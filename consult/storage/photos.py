"""``store.photos``: before-and-after photos, a row per photo and its picture in the photo folder.

Adding a photo writes its picture first (``photo_files``: named by its SHA-256, 0600, whole
or absent), then, in one transaction, its row, its thumbnail and its audit entry, sealed
with the row's content hash (``content.photo_hashes``). Should the transaction fail, a
picture this call added is erased again: no file is left that no record names.

A photo row is never changed or deleted (triggers). Deleting a photo is a record of its own:
a ``photo_deletions`` row with the reason, who and when, its audit entry (sealed too), and
its thumbnail removed, in one transaction; then its picture is erased from the photo folder
(unless another photo still shows the same bytes). The row stays, so the trail can always
say what was deleted, by whom and why; nothing is lost without a record.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from consult.domain.photos import PhotoTag, PhotoUses, Visit, VisitKind, reason_problem
from consult.storage import content, photo_files
from consult.storage.audit import Action
from consult.storage.errors import ConflictError, StorageError
from consult.storage.part import Part, guarded, missing
from consult.storage.pictures import FolderPictures, Pictures, ServerPictures

_COLUMNS = (
    "f.id, f.uuid, f.patient_id, f.visit, f.session, f.area_id, f.view_id, f.taken_on, "
    "f.taken_by, f.source, f.sha256, f.bytes, f.width, f.height, f.thumbnail_sha256, "
    "f.consent_id, f.teaching, f.marketing, f.demo, f.created_at, d.reason, d.deleted_by, "
    "d.deleted_at"
)
_FROM = "photos AS f LEFT JOIN photo_deletions AS d ON d.photo_id = f.id"


class PhotoFileError(StorageError):
    """A photo's file is missing from the photo folder, or no longer has its SHA-256."""


@dataclass(frozen=True)
class Deletion:
    reason: str
    deleted_by: str
    deleted_at: str


@dataclass(frozen=True)
class StoredPhoto:
    """A photo as the records keep it (its picture is read on its own: ``image``)."""

    id: int
    uuid: str
    patient_id: int
    visit: Visit
    area_id: str
    view_id: str
    taken_on: date
    taken_by: str
    source: str
    sha256: str
    bytes: int
    width: int
    height: int
    thumbnail_sha256: str
    consent_id: int
    teaching: bool
    marketing: bool
    demo: bool
    created_at: str
    deletion: Deletion | None = None

    @property
    def deleted(self) -> bool:
        return self.deletion is not None


@dataclass(frozen=True)
class NewPhoto:
    """A photo ready to keep: its tag, the uses the consent allows, and its prepared bytes."""

    tag: PhotoTag
    uses: PhotoUses
    jpeg: bytes
    sha256: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_sha256: str
    source: str


def _stored(row: tuple) -> StoredPhoto:
    (
        ident,
        record_uuid,
        patient_id,
        visit,
        session,
        area_id,
        view_id,
        taken_on,
        taken_by,
        source,
        sha,
        size,
        width,
        height,
        thumb_sha,
        consent_id,
        teaching,
        marketing,
        demo,
        created_at,
        reason,
        deleted_by,
        deleted_at,
    ) = row
    deletion = Deletion(reason, deleted_by, deleted_at) if reason is not None else None
    return StoredPhoto(
        ident,
        record_uuid,
        patient_id,
        Visit(VisitKind(visit), session),
        area_id,
        view_id,
        date.fromisoformat(taken_on),
        taken_by,
        source,
        sha,
        size,
        width,
        height,
        thumb_sha,
        consent_id,
        bool(teaching),
        bool(marketing),
        bool(demo),
        created_at,
        deletion,
    )


def photo_values(new: NewPhoto, *, record_uuid: str, created_at: str, demo: bool) -> dict:
    tag = new.tag
    return {
        "uuid": record_uuid,
        "patient_id": tag.patient_id,
        "visit": tag.visit.kind.value,
        "session": tag.visit.session,
        "area_id": tag.area_id,
        "view_id": tag.view_id,
        "taken_on": tag.taken_on.isoformat(),
        "taken_by": tag.taken_by,
        "source": new.source,
        "sha256": new.sha256,
        "bytes": len(new.jpeg),
        "width": new.width,
        "height": new.height,
        "thumbnail_sha256": new.thumbnail_sha256,
        "consent_id": new.uses.consent_id,
        "teaching": int(new.uses.teaching),
        "marketing": int(new.uses.marketing),
        "demo": int(demo),
        "created_at": created_at,
    }


def insert_rows(conn: Any, values: dict[str, Any], thumbnail: bytes) -> int:
    """A photo's row and thumbnail as given (no checks, no audit entry); its id."""
    cursor = conn.execute(
        f"INSERT INTO photos ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
        list(values.values()),
    )
    photo_id = int(cursor.lastrowid)
    conn.execute(
        "INSERT INTO photo_thumbnails (photo_id, jpeg) VALUES (?, ?)", [photo_id, thumbnail]
    )
    return photo_id


class Photos(Part):
    """``store.photos``: add, list, read and delete a patient's photos."""

    @property
    def folder(self) -> Path:
        """The photo folder beside the records file (records on a server have none: their
        pictures are in the server, see ``pictures``)."""
        path = self.store.path
        if path is None:
            raise StorageError("Photos are kept beside a records file; this store has none.")
        return photo_files.folder_of(path)

    @property
    def pictures(self) -> Pictures:
        """Where this store's pictures are: the photo folder, or the records server."""
        if self.store.on_server:
            return ServerPictures(self.conn)
        return FolderPictures(self.folder)

    # -- adding

    @guarded
    def add(self, new: NewPhoto, *, demo: bool = False) -> StoredPhoto:
        """Keep one photo: its picture, then its row, thumbnail and audit entry."""
        return self.get(self.add_many([new], demo=demo)[0])

    @guarded
    def add_many(self, photos: list[NewPhoto], *, demo: bool = False) -> list[int]:
        """Keep photos all together or none: every picture is written first, then every row
        in one transaction; if that fails, the pictures it added are erased. Their ids."""
        store = self.store
        pictures = self.pictures
        written: list[str] = []
        try:
            for new in photos:
                if pictures.write(new.sha256, new.jpeg):
                    written.append(new.sha256)
            ids = []
            with store.transaction():
                for new in photos:
                    self._check(new)
                    values = photo_values(
                        new, record_uuid=str(uuid.uuid4()), created_at=store.now(), demo=demo
                    )
                    photo_id = insert_rows(self.conn, values, new.thumbnail)
                    tag = new.tag
                    store.audit_event(
                        Action.CREATE,
                        "photo",
                        photo_id,
                        values["uuid"],
                        detail=f"{tag.visit.key} {tag.view_id} ({new.source})",
                        content_hash=content.of_photo(self.conn, photo_id),
                    )
                    ids.append(photo_id)
        except BaseException:
            for sha in written:
                if not self._named(sha):
                    pictures.remove(sha)
            raise
        return ids

    def _check(self, new: NewPhoto) -> None:
        row = self.conn.execute(
            "SELECT patient_id, document, decision FROM consents WHERE id = ?",
            [new.uses.consent_id],
        ).fetchone()
        if row is None:
            raise missing("consent", new.uses.consent_id)
        if row[0] != new.tag.patient_id:
            raise ConflictError("A photo must be taken under its own patient's photo consent.")
        if row[2] != "signed":
            raise ConflictError("A photo is taken only under a signed photo consent.")

    def _named(self, sha: str) -> bool:
        """Whether a photo not deleted still shows these bytes."""
        return (
            self.conn.execute(
                "SELECT 1 FROM photos AS f WHERE f.sha256 = ? AND NOT EXISTS "
                "(SELECT 1 FROM photo_deletions AS d WHERE d.photo_id = f.id)",
                [sha],
            ).fetchone()
            is not None
        )

    # -- reading

    def _read(self, where: str, params: list[Any]) -> list[StoredPhoto]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE {where} "
            "ORDER BY f.taken_on, f.visit = 'review', f.session, f.id",
            params,
        ).fetchall()
        return [_stored(r) for r in rows]

    @guarded
    def get(self, photo_id: int) -> StoredPhoto:
        found = self._read("f.id = ?", [photo_id])
        if not found:
            raise missing("photo", photo_id)
        return found[0]

    @guarded
    def for_patient(self, patient_id: int, *, deleted: bool = False) -> list[StoredPhoto]:
        """A patient's photos, oldest first (deleted ones too if asked)."""
        where = "f.patient_id = ?" + ("" if deleted else " AND d.photo_id IS NULL")
        return self._read(where, [patient_id])

    @guarded
    def thumbnails(self, patient_id: int) -> dict[int, bytes]:
        """Every thumbnail of a patient's photos (not deleted), by photo id: one read."""
        return dict(
            self.conn.execute(
                "SELECT t.photo_id, t.jpeg FROM photo_thumbnails AS t JOIN photos AS f "
                "ON f.id = t.photo_id WHERE f.patient_id = ?",
                [patient_id],
            ).fetchall()
        )

    @guarded
    def thumbnail(self, photo_id: int) -> bytes:
        row = self.conn.execute(
            "SELECT jpeg FROM photo_thumbnails WHERE photo_id = ?", [photo_id]
        ).fetchone()
        if row is None:
            raise missing("photo", photo_id)
        return row[0]

    @guarded
    def image(self, photo_id: int) -> bytes:
        """A photo's picture, checked against its SHA-256 (PhotoFileError if it was changed
        or removed outside the app)."""
        import hashlib

        photo = self.get(photo_id)
        if photo.deleted:
            raise ConflictError(f"Photo {photo_id} was deleted; its picture was erased.")
        pictures = self.pictures
        try:
            data = pictures.read(photo.sha256)
        except FileNotFoundError:
            raise PhotoFileError(
                f"The picture of photo {photo_id} is missing from {pictures.where}: it was "
                "removed outside the app. Restore a backup to get it back."
            ) from None
        if hashlib.sha256(data).hexdigest() != photo.sha256:
            raise PhotoFileError(
                f"The picture of photo {photo_id} in {pictures.where} was changed outside the "
                "app (it no longer has its SHA-256), so it is not shown. Restore a backup."
            )
        return data

    @guarded
    def count(self, *, deleted: bool = False) -> int:
        sql = "SELECT count(*) FROM photos AS f"
        if not deleted:
            sql += " WHERE NOT EXISTS (SELECT 1 FROM photo_deletions AS d WHERE d.photo_id = f.id)"
        return int(self.conn.execute(sql).fetchone()[0])

    @guarded
    def live_hashes(self) -> set[str]:
        """The SHA-256 of every picture a photo not deleted shows."""
        return {
            sha
            for (sha,) in self.conn.execute(
                "SELECT sha256 FROM photos AS f WHERE NOT EXISTS "
                "(SELECT 1 FROM photo_deletions AS d WHERE d.photo_id = f.id)"
            )
        }

    @guarded
    def matches_seal(self, photo_id: int) -> bool:
        row = self.conn.execute(
            "SELECT content_hash FROM audit_log WHERE record_type = 'photo' AND record_id = ? "
            "AND action != 'delete' AND content_hash IS NOT NULL ORDER BY id DESC LIMIT 1",
            [photo_id],
        ).fetchone()
        return row is not None and row[0] == content.of_photo(self.conn, photo_id)

    # -- deleting

    @guarded
    def delete(self, photo_id: int, reason: str) -> StoredPhoto:
        """Delete a photo: a record of the deletion with ``reason`` (ConflictError when too
        short), its thumbnail removed, its picture erased. Audited, by the signed-in account."""
        problem = reason_problem(reason)
        if problem is not None:
            raise ConflictError(problem)
        store = self.store
        with store.transaction():
            photo = self.get(photo_id)
            if photo.deleted:
                raise ConflictError(f"Photo {photo_id} was already deleted.")
            self.conn.execute(
                "INSERT INTO photo_deletions (uuid, photo_id, reason, deleted_by, deleted_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [str(uuid.uuid4()), photo_id, reason.strip(), store.provider, store.now()],
            )
            self.conn.execute("DELETE FROM photo_thumbnails WHERE photo_id = ?", [photo_id])
            store.audit_event(
                Action.DELETE,
                "photo",
                photo_id,
                photo.uuid,
                detail="deleted, with a reason",
                content_hash=content.of_deletion(self.conn, photo_id),
            )
        if not self._named(photo.sha256):
            # The deletion stands if the disk will not erase the file: no backup made after
            # this keeps it, and the photo is never shown again.
            with contextlib.suppress(OSError, sqlite3.Error):
                self.pictures.remove(photo.sha256)
        return self.get(photo_id)
