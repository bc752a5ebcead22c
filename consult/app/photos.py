"""Before-and-after photos: the tasks the photo window, the camera and the command line share.

``clinic.photos`` (a ``PhotoDesk``) takes photos in — from files (``prepare`` reads, turns
and strips each one off the window's thread; ``add`` keeps them), or from the camera —, shows
a patient's gallery, a photo and a comparison of two, deletes a photo with a reason and
exports a patient's photos to a folder. Every task checks first that the signed-in account
may do it, and that the patient's photo consent allows it: without a valid consent whose
"clinical record" choice is yes, nothing is added. Viewing, comparing and exporting are
written to the audit trail, as for plans.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from consult.app.errors import UserFacingError, plain_error
from consult.app.session import require
from consult.domain.access import Permission
from consult.domain.photos import PhotoError, PhotoTag, PhotoUses, Visit, photo_uses
from consult.storage.errors import StorageError
from consult.storage.photos import NewPhoto, StoredPhoto
from consult.storage.protect import check_folder, check_input

if TYPE_CHECKING:
    from consult.app.consents import ConsentDesk
    from consult.app.session import Session
    from consult.domain.catalog import Catalog, PhotoView
    from consult.report.plan_pdf import PlanPhoto
    from consult.storage.protocol import RecordStoreAPI
    from consult.system.imaging import Prepared

MAX_FILES = 500  # taken in at once
#: What a folder's files must be named to be taken in from it (a phone's export, a USB stick).
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".heic", ".heif")


@dataclass(frozen=True)
class Refusal:
    """A file that could not be taken in, and why (one plain sentence)."""

    path: Path
    message: str


@dataclass(frozen=True)
class ReadFile:
    """A file read and made ready to keep (its picture upright, its metadata gone)."""

    path: Path
    prepared: Prepared


@dataclass(frozen=True)
class Gallery:
    """A patient's photos (oldest first) and their thumbnails, by photo id."""

    photos: tuple[StoredPhoto, ...]
    thumbnails: dict[int, bytes]


class PhotosRefused(UserFacingError):
    """Some files could not be taken in: nothing was added. ``refusals`` names each."""

    def __init__(self, refusals: list[Refusal]):
        lines = [f"{r.path}: {r.message}" for r in refusals]
        super().__init__(
            f"No photo was added: {len(refusals)} file(s) could not be taken in.\n"
            + "\n".join(lines),
            title="No photo was added",
        )
        self.refusals = refusals


def photo_files_in(paths: Iterable[Path | str]) -> list[Path]:
    """The files named, a folder standing for the photos in it and its subfolders (a phone's
    export, a USB stick's DCIM): files named like photos, hidden ones left out, in order."""
    found: list[Path] = []
    for given in paths:
        path = Path(given).expanduser().absolute()
        if path.is_dir() and not path.is_symlink():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in PHOTO_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and p.is_file()
            )
            found += inside
        else:
            found.append(path)
    return found


def read_files(paths: Iterable[Path | str]) -> tuple[list[ReadFile], list[Refusal]]:
    """Read each file (a folder: the photos in it), turn it upright and strip its metadata
    (pure work on files the user named: safe on a worker thread). What could be read, and
    what was refused and why."""
    from consult.system import imaging

    done: list[ReadFile] = []
    refused: list[Refusal] = []
    for given in photo_files_in(paths)[: MAX_FILES + 1]:
        path = Path(given).expanduser().absolute()
        if len(done) + len(refused) >= MAX_FILES:
            refused.append(Refusal(path, f"more than {MAX_FILES} files at once: take in fewer."))
            break
        try:
            source = check_input(path, what="photo")
            size = source.stat().st_size
            if size == 0:
                raise imaging.ImageRefused("The file is empty (0 bytes): it is not a photo.")
            if size > imaging.MAX_BYTES:
                raise imaging.ImageRefused(
                    f"The file is {size // 1024**2} MB, larger than any photo "
                    f"({imaging.MAX_BYTES // 1024**2} MB at most)."
                )
            done.append(ReadFile(path, imaging.prepare(source.read_bytes(), "The file")))
        except imaging.ImageRefused as exc:
            refused.append(Refusal(path, _sentence(exc.message)))
        except StorageError as exc:
            refused.append(Refusal(path, exc.message))
        except OSError as exc:
            refused.append(Refusal(path, f"cannot be read ({exc.strerror or exc})."))
    return done, refused


def _sentence(message: str) -> str:
    """ "The file is …" as a clause after the file's name: "is …"."""
    return message.removeprefix("The file ").strip()


class PhotoDesk:
    """``clinic.photos``: photo tasks on the clinic's records and catalog."""

    def __init__(
        self,
        catalog: Catalog,
        store: RecordStoreAPI,
        consents: ConsentDesk,
        session: Callable[[], Session | None] | None = None,
        *,
        today: Callable[[], date] | None = None,
    ):
        """``session``: who is signed in (the window's ``Clinic``); each task checks that
        account may do it. Without it (the command line checks when it signs in), no check
        is made here, and ``taken_by`` names the store's account."""
        self.catalog = catalog
        self.store = store
        self.consents = consents
        self._session = session
        self._today = today

    # -- who, and may they

    def require(self, permission: Permission) -> None:
        if self._session is not None:
            require(self._session(), permission)

    def who(self) -> str:
        session = self._session() if self._session is not None else None
        return session.name if session is not None else self.store.provider

    def today(self) -> date:
        return self._today() if self._today is not None else self.store.today()

    def uses(self, patient_id: int) -> PhotoUses:
        """What the patient's photo consent allows a new photo (UserFacingError when it
        allows none)."""
        self.require(Permission.PHOTOS)
        try:
            found = self.consents.photo_consent(patient_id)
            consent_id, choices = found if found is not None else (None, None)
            return photo_uses(consent_id, choices)
        except PhotoError as exc:
            raise UserFacingError(exc.message, title="No consent to photographs") from exc
        except StorageError as exc:
            raise plain_error(exc) from exc

    def consent_problem(self, patient_id: int) -> str | None:
        """Why no photo can be added for this patient now (None: photos may be added)."""
        try:
            self.uses(patient_id)
        except UserFacingError as exc:
            return exc.message
        return None

    # -- the catalog's views

    def views(self, area_id: str) -> tuple[PhotoView, ...]:
        return self.catalog.views_for(area_id)

    def areas_for(self, patient_id: int) -> list[str]:
        """The areas a photo of this patient may be of: those their consultations treat
        first, then every other area of the catalog."""
        self.require(Permission.PHOTOS)
        treated: list[str] = []
        try:
            for item in self.store.records.for_patient(patient_id):
                treated += [a.area_id for a in item.areas]
        except StorageError as exc:
            raise plain_error(exc) from exc
        known = [a.id for a in self.catalog.areas]
        first = [a for a in dict.fromkeys(treated) if a in known]
        return first + [a for a in known if a not in first]

    def view_name(self, view_id: str) -> str:
        try:
            return self.catalog.photo_view(view_id).name["en"]
        except KeyError:
            return view_id  # a view of an earlier catalog: its id is what the record keeps

    # -- taking photos in

    def tag(
        self, patient_id: int, visit: Visit, area_id: str, view_id: str, taken_on: date
    ) -> PhotoTag:
        """A checked tag (UserFacingError naming what is wrong)."""
        tag = PhotoTag(patient_id, visit, area_id, view_id, taken_on, self.who())
        areas = {a.id: tuple(v.id for v in self.views(a.id)) for a in self.catalog.areas}
        problems = tag.problems(self.today(), areas)
        if problems:
            raise UserFacingError(" ".join(problems), title="The photo was not added")
        return tag

    def add(
        self,
        patient_id: int,
        items: list[tuple[Prepared, str]],
        *,
        visit: Visit,
        area_id: str,
        taken_on: date,
        demo: bool = False,
    ) -> list[StoredPhoto]:
        """Keep prepared photos (each with its view), all or none: the consent is checked
        first, and every photo is tagged with the visit, area, day and the signed-in account."""
        self.require(Permission.PHOTOS)
        uses = self.uses(patient_id)
        news = [
            _new(self.tag(patient_id, visit, area_id, view_id, taken_on), uses, prepared)
            for prepared, view_id in items
        ]
        try:
            ids = self.store.photos.add_many(news, demo=demo)
            return [self.store.photos.get(i) for i in ids]
        except StorageError as exc:
            raise plain_error(exc) from exc

    def import_files(
        self,
        patient_id: int,
        paths: Iterable[Path | str],
        *,
        visit: Visit,
        area_id: str,
        view_id: str,
        taken_on: date | None = None,
    ) -> list[StoredPhoto]:
        """The command line's import: every file is checked (and the consent, and the tag)
        before anything is kept; one refused file and nothing is (``PhotosRefused`` names
        each). ``taken_on``: the day, else each photo's EXIF day, else today."""
        self.require(Permission.PHOTOS)
        uses = self.uses(patient_id)  # the consent first: no file is read without it
        self.tag(patient_id, visit, area_id, view_id, taken_on or self.today())
        done, refused = read_files(paths)
        if refused:
            raise PhotosRefused(refused)
        if not done:
            raise UserFacingError("No file was named: nothing was added.")
        by_day: dict[date, list[tuple[Prepared, str]]] = {}
        for item in done:
            day = taken_on or item.prepared.taken_on or self.today()
            if day > self.today():  # a camera whose clock was wrong
                day = self.today()
            by_day.setdefault(day, []).append((item.prepared, view_id))
        news = []
        for day, items in by_day.items():
            for prepared, view in items:
                news.append(_new(self.tag(patient_id, visit, area_id, view, day), uses, prepared))
        try:
            ids = self.store.photos.add_many(news)
            return [self.store.photos.get(i) for i in ids]
        except StorageError as exc:
            raise plain_error(exc) from exc

    def add_camera_frame(
        self,
        patient_id: int,
        jpeg: bytes,
        *,
        visit: Visit,
        area_id: str,
        view_id: str,
    ) -> StoredPhoto:
        """A frame the camera took (a JPEG the window encoded): kept as a file would be."""
        from consult.system import imaging

        self.require(Permission.PHOTOS)
        try:
            prepared = imaging.prepare(jpeg, "The camera's picture", source_format="camera")
        except imaging.ImageRefused as exc:
            raise UserFacingError(exc.message) from exc
        (stored,) = self.add(
            patient_id, [(prepared, view_id)], visit=visit, area_id=area_id, taken_on=self.today()
        )
        return stored

    # -- seeing

    def gallery(self, patient_id: int) -> Gallery:
        """A patient's photos and thumbnails (one read), audited as a view of the gallery."""
        self.require(Permission.PHOTOS)
        try:
            with self.store.snapshot():
                photos = tuple(self.store.photos.for_patient(patient_id))
                thumbnails = self.store.photos.thumbnails(patient_id)
            self._audit("view", patient_id, "patient", f"photo gallery: {len(photos)} photos")
        except StorageError as exc:
            raise plain_error(exc) from exc
        return Gallery(photos, thumbnails)

    def photos_of(self, patient_id: int) -> list[StoredPhoto]:
        """A patient's photos (no thumbnails, no audit entry: for lists and choices)."""
        self.require(Permission.PHOTOS)
        try:
            return self.store.photos.for_patient(patient_id)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def image(self, photo_id: int, *, action: str = "view") -> bytes:
        """A photo's picture (checked against its SHA-256), audited as viewed."""
        self.require(Permission.PHOTOS)
        try:
            data = self.store.photos.image(photo_id)
        except StorageError as exc:
            raise plain_error(exc) from exc
        self._audit(action, photo_id, "photo")
        return data

    def compare(self, first_id: int, second_id: int) -> tuple[bytes, bytes]:
        """Two photos of one patient and one view, to compare; each audited as compared."""
        self.require(Permission.PHOTOS)
        try:
            first, second = self.store.photos.get(first_id), self.store.photos.get(second_id)
        except StorageError as exc:
            raise plain_error(exc) from exc
        if first.patient_id != second.patient_id:
            raise UserFacingError("Only two photos of the same patient are compared.")
        if first.view_id != second.view_id:
            raise UserFacingError(
                "Compare two photos of the same view (they are "
                f"{self.view_name(first.view_id)} and {self.view_name(second.view_id)})."
            )
        try:
            pictures = (self.store.photos.image(first_id), self.store.photos.image(second_id))
        except StorageError as exc:
            raise plain_error(exc) from exc
        self._audit("compare", first_id, "photo", f"with photo {second_id}")
        self._audit("compare", second_id, "photo", f"with photo {first_id}")
        return pictures

    def ghost(self, patient_id: int, view_id: str) -> StoredPhoto | None:
        """The photo the camera shows as a ghost to line a new one up: this patient's latest
        of the same view (None when there is none)."""
        same = [p for p in self.photos_of(patient_id) if p.view_id == view_id]
        return max(same, key=lambda p: (p.taken_on, p.visit.order, p.id), default=None)

    # -- the plan's photo page

    def for_plan(self, patient_id: int, lang: str) -> list[PlanPhoto]:
        """The baseline photos for the patient's plan (the latest baseline of each view,
        made small for print), only when the patient agreed: a valid photo consent whose
        "clinical record" choice is yes; otherwise none. Each is audited as printed."""
        from consult.report import dates
        from consult.report.plan_pdf import PlanPhoto
        from consult.system import imaging

        self.require(Permission.PHOTOS)
        if self.consent_problem(patient_id) is not None:
            return []
        baseline = [p for p in self.photos_of(patient_id) if p.visit.kind.value == "baseline"]
        latest: dict[str, StoredPhoto] = {}
        for photo in baseline:  # oldest first: the last of each view wins
            latest[photo.view_id] = photo
        found = []
        for photo in latest.values():
            try:
                small = imaging.downscaled(self.store.photos.image(photo.id), 1200)
            except StorageError as exc:
                raise plain_error(exc) from exc
            try:
                name = self.catalog.photo_view(photo.view_id).name[lang]
            except KeyError:
                name = self.view_name(photo.view_id)
            width, height = (
                (photo.width, photo.height)
                if max(photo.width, photo.height) <= 1200
                else _fitted(photo.width, photo.height, 1200)
            )
            caption = f"{name} · {dates.long_date(photo.taken_on, lang)}"
            found.append(PlanPhoto(small, width, height, caption, photo.taken_on))
            self._audit("print", photo.id, "photo", "on the plan's photo page")
        return found

    # -- deleting, exporting

    def delete(self, photo_id: int, reason: str) -> StoredPhoto:
        """Delete a photo: a record of its own with the reason; its picture is erased."""
        self.require(Permission.DELETE_PHOTO)
        try:
            return self.store.photos.delete(photo_id, reason)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def export(self, patient_id: int, folder: Path | str) -> list[Path]:
        """Copy a patient's photos (as kept: upright, without metadata) into ``folder``, one
        file each, named by day, visit, view and id (never the patient's name); existing
        files are never replaced. Each export is in the audit trail before its file
        appears."""
        from consult.system.files import write_private_atomic

        self.require(Permission.EXPORT_PHOTOS)
        try:
            target = check_folder(folder, records=self.store.path)
            photos = self.store.photos.for_patient(patient_id)
        except StorageError as exc:
            raise plain_error(exc) from exc
        if not photos:
            raise UserFacingError("This patient has no photos to export.")
        names = {p.id: target / file_name(p) for p in photos}
        taken = [str(path) for path in names.values() if path.exists() or path.is_symlink()]
        if taken:
            raise UserFacingError(
                f"{taken[0]} already exists (and {len(taken) - 1} more): nothing was "
                "overwritten. Choose an empty folder."
            )
        written = []
        for photo in photos:
            try:
                data = self.store.photos.image(photo.id)
            except StorageError as exc:
                raise plain_error(exc) from exc

            def audited(photo_id: int = photo.id) -> None:
                try:
                    self.store.audit.record("export", photo_id, record_type="photo")
                except StorageError as exc:
                    raise plain_error(exc) from exc

            try:
                write_private_atomic(names[photo.id], data, replace=False, before_visible=audited)
            except FileExistsError:
                raise UserFacingError(
                    f"{names[photo.id]} appeared meanwhile; nothing was overwritten."
                ) from None
            except OSError as exc:
                raise plain_error(exc) from exc
            written.append(names[photo.id])
        return written

    def _audit(self, action: str, record_id: int, record_type: str, detail: str = "") -> None:
        with contextlib.suppress(StorageError):  # never stop a view because of the log
            self.store.audit.record(action, record_id, record_type=record_type, detail=detail)


def _fitted(width: int, height: int, side: int) -> tuple[int, int]:
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def file_name(photo: StoredPhoto) -> str:
    return f"{photo.taken_on.isoformat()}-{photo.visit.key}-{photo.view_id}-photo{photo.id}.jpg"


def _new(tag: PhotoTag, uses: PhotoUses, prepared: Prepared) -> NewPhoto:
    from consult.system.imaging import sha256

    return NewPhoto(
        tag,
        uses,
        prepared.jpeg,
        prepared.sha256,
        prepared.width,
        prepared.height,
        prepared.thumbnail,
        sha256(prepared.thumbnail),
        prepared.source_format,
    )
