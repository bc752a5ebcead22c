"""Export (JSON or CSV) and import (JSON): the clinic is never locked in.

Records are identified by their uuid, never by the database's row ids, so an export imported
into another database reproduces every record exactly (same uuids, texts, dates, timestamps,
statuses, revisions and plans), and importing the same file twice adds nothing. Exporting the
imported database gives the same file again, but for ``exported_at``.

The audit trail belongs to one database file and is not exported; an import is itself
recorded in the audit trail of the database it goes into.

The CSV export is a folder of files, one per table, UTF-8 with a byte-order mark so
spreadsheets read every script. A cell that a spreadsheet would run as a formula (starting
with ``=``, ``@``, or ``+``/``-`` not followed by a number) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from consult import __version__
from consult.domain import checks
from consult.domain.catalog import Catalog
from consult.domain.model import Patient, Status, ValidationError
from consult.domain.plan import schedule_problems
from consult.storage import (
    audit,
    content,
    database,
    errors,
    migrations,
    photo_files,
    protect,
    shapes,
)
from consult.storage.audit import Action
from consult.storage.consents import insert_row
from consult.storage.errors import ExchangeError, StorageError
from consult.storage.part import guarded
from consult.storage.photos import insert_rows
from consult.storage.pictures import FolderPictures, copy_pictures
from consult.storage.rows import (
    insert_consultation,
    mark_final,
    write_parts,
    write_patient,
    write_plan_rows,
)
from consult.storage.shapes import (
    ExportedChange,
    ExportedConsent,
    ExportedConsultation,
    ExportedDeletion,
    ExportedPatient,
    ExportedPhoto,
    ExportedProvider,
    ExportedVisit,
    ExportFile,
    SettingValue,
)
from consult.system.files import fsync_folder

if TYPE_CHECKING:
    from consult.storage.store import RecordStore

FORMAT = "consult-records"
# 2: a consultation may carry a doctor's clearance. 3: the consents. 4: appointments booked at a
# time of day (the consultation's ``appointment_time`` and ``times``, each planned session's
# and visit's ``time``) and an amendment's ``amend_reason``. 5: the treatment course (visits
# charted, changes to a course's dates). 6: the photos, each with its thumbnail, and their
# pictures in a folder beside the file (``<file>.photos``), or, in a records-only export for
# sharing, none and how many were left out (``photos_left_out``). Earlier files are read as
# they are; an app that reads only an earlier version refuses a newer file rather than drop
# what it does not know.
FORMAT_VERSION = 6
FORMATS = ("json", "csv")


# --------------------------------------------------------------------------- building


def _patients(store: RecordStore) -> list[ExportedPatient]:
    return [
        ExportedPatient(
            uuid=r["uuid"],
            name=r["name"],
            date_of_birth=date.fromisoformat(r["date_of_birth"]),
            fitzpatrick=r["fitzpatrick"],
            language=r["language"],
            phone=r["phone"],
            email=r["email"],
            demo=bool(r["demo"]),
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in store.db.query("SELECT * FROM patients ORDER BY created_at, uuid")
    ]


_PLAN_FIELDS = ("screening_outcome", "interval_weeks", "results_from", "results_to")


def _consultations(store: RecordStore) -> list[ExportedConsultation]:
    objects = {c.id: c for c in store.records.every_consultation()}
    rows = store.db.query(
        """
        SELECT c.*, p.uuid AS patient_uuid, r.uuid AS revision_of_uuid
        FROM consultations AS c
        JOIN patients AS p ON p.id = c.patient_id
        LEFT JOIN consultations AS r ON r.id = c.revision_of
        ORDER BY c.created_at, c.uuid
        """
    )
    result = []
    for r in rows:
        c = objects[r["id"]]
        plan = None
        if r["status"] == Status.FINAL:
            plan = shapes.exported_plan(
                {k: r[k] for k in _PLAN_FIELDS},
                store.records.planned_sessions(c.id),
                store.records.adjunct_visits(c.id),
            )
        result.append(
            ExportedConsultation(
                **shapes.body_of(c),
                uuid=r["uuid"],
                patient=r["patient_uuid"],
                status=r["status"],
                revision_of=r["revision_of_uuid"],
                plan=plan,
                demo=bool(r["demo"]),
                created_at=r["created_at"],
                updated_at=r["updated_at"],
                finalized_at=r["finalized_at"],
            )
        )
    return result


_CONSENT_COLUMNS = (
    "document",
    "version",
    "document_hash",
    "language",
    "decision",
    "text",
    "text_hash",
    "screening_hash",
    "patient_name",
    "patient_strokes",
    "patient_png",
    "provider",
    "provider_strokes",
    "provider_png",
    "signed_at",
    "pdf",
    "pdf_sha256",
    "note",
    "created_at",
)


def _consents(store: RecordStore) -> list[ExportedConsent]:
    columns = ", ".join(f"c.{k}" for k in _CONSENT_COLUMNS)
    rows = store.conn.execute(
        f"SELECT c.uuid, p.uuid, k.uuid, w.uuid, c.choices, c.demo, {columns} "
        "FROM consents AS c JOIN patients AS p ON p.id = c.patient_id "
        "JOIN consultations AS k ON k.id = c.consultation_id "
        "LEFT JOIN consents AS w ON w.id = c.withdraws ORDER BY c.created_at, c.uuid"
    )
    return [
        ExportedConsent(
            uuid=r[0],
            patient=r[1],
            consultation=r[2],
            withdraws=r[3],
            choices=json.loads(r[4]),
            demo=bool(r[5]),
            **dict(zip(_CONSENT_COLUMNS, r[6:], strict=True)),
        )
        for r in rows
    ]


_VISIT_COLUMNS = tuple(
    name
    for name in ExportedVisit.__struct_fields__
    if name not in ("patient", "consultation", "revision_of", "uuid", "demo", "aftercare_given")
)
_CHANGE_COLUMNS = tuple(
    name
    for name in ExportedChange.__struct_fields__
    if name not in ("patient", "consultation", "uuid", "demo")
)


def _visits(store: RecordStore) -> list[ExportedVisit]:
    if not content.has_course(store.conn):
        return []
    columns = ", ".join(f"v.{k}" for k in _VISIT_COLUMNS)
    rows = store.conn.execute(
        f"SELECT v.uuid, p.uuid, k.uuid, r.uuid, v.demo, v.aftercare_given, {columns} "
        "FROM visits AS v JOIN patients AS p ON p.id = v.patient_id "
        "JOIN consultations AS k ON k.id = v.consultation_id "
        "LEFT JOIN visits AS r ON r.id = v.revision_of ORDER BY v.created_at, v.uuid"
    )
    found = []
    for r in rows:
        values = dict(zip(_VISIT_COLUMNS, r[6:], strict=True))
        for key in ("date", "lot_expiry"):
            values[key] = date.fromisoformat(values[key]) if values[key] else None
        found.append(
            ExportedVisit(
                uuid=r[0],
                patient=r[1],
                consultation=r[2],
                revision_of=r[3],
                demo=bool(r[4]),
                aftercare_given=None if r[5] is None else bool(r[5]),
                **values,
            )
        )
    return found


def _changes(store: RecordStore) -> list[ExportedChange]:
    if not content.has_course(store.conn):
        return []
    columns = ", ".join(f"g.{k}" for k in _CHANGE_COLUMNS)
    rows = store.conn.execute(
        f"SELECT g.uuid, p.uuid, k.uuid, g.demo, {columns} FROM course_changes AS g "
        "JOIN patients AS p ON p.id = g.patient_id "
        "JOIN consultations AS k ON k.id = g.consultation_id ORDER BY g.created_at, g.uuid"
    )
    found = []
    for r in rows:
        values = dict(zip(_CHANGE_COLUMNS, r[4:], strict=True))
        for key in ("was", "date"):
            values[key] = date.fromisoformat(values[key]) if values[key] else None
        found.append(
            ExportedChange(uuid=r[0], patient=r[1], consultation=r[2], demo=bool(r[3]), **values)
        )
    return found


def _photos(store: RecordStore) -> list[ExportedPhoto]:
    if not content.has_photos(store.conn):
        return []
    rows = store.conn.execute(
        "SELECT f.uuid, p.uuid, k.uuid, f.visit, f.session, f.area_id, f.view_id, f.taken_on, "
        "f.taken_by, f.source, f.sha256, f.bytes, f.width, f.height, t.jpeg, "
        "f.thumbnail_sha256, f.teaching, f.marketing, f.demo, f.created_at, d.uuid, d.reason, "
        "d.deleted_by, d.deleted_at FROM photos AS f "
        "JOIN patients AS p ON p.id = f.patient_id JOIN consents AS k ON k.id = f.consent_id "
        "LEFT JOIN photo_thumbnails AS t ON t.photo_id = f.id "
        "LEFT JOIN photo_deletions AS d ON d.photo_id = f.id ORDER BY f.created_at, f.uuid"
    )
    found = []
    for r in rows:
        deletion = (
            ExportedDeletion(uuid=r[20], reason=r[21], deleted_by=r[22], deleted_at=r[23])
            if r[20] is not None
            else None
        )
        found.append(
            ExportedPhoto(
                uuid=r[0],
                patient=r[1],
                consent=r[2],
                visit=r[3],
                session=r[4],
                area=r[5],
                view=r[6],
                taken_on=date.fromisoformat(r[7]),
                taken_by=r[8],
                source=r[9],
                sha256=r[10],
                bytes=r[11],
                width=r[12],
                height=r[13],
                thumbnail=r[14],
                thumbnail_sha256=r[15],
                teaching=bool(r[16]),
                marketing=bool(r[17]),
                demo=bool(r[18]),
                created_at=r[19],
                deletion=deletion,
            )
        )
    return found


def export_file(store: RecordStore, *, photos: bool = True) -> ExportFile:
    """Every record, in the export's shape (read in the caller's snapshot). Without
    ``photos``: none, and how many were left out."""
    db = store.db
    kept = _photos(store)
    return ExportFile(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        schema_version=migrations.SCHEMA_VERSION,
        app_version=__version__,
        exported_at=store.now(),
        settings={
            key: SettingValue(json.loads(value), updated)
            for key, value, updated in db.execute(
                "SELECT key, value, updated_at FROM settings ORDER BY key"
            )
        },
        providers=[
            ExportedProvider(n, bool(a), t)
            for n, a, t in db.execute(
                "SELECT name, active, created_at FROM providers ORDER BY created_at, name"
            )
        ],
        patients=_patients(store),
        consultations=_consultations(store),
        consents=_consents(store),
        visits=_visits(store),
        course_changes=_changes(store),
        photos=kept if photos else [],
        photos_left_out=0 if photos else len(kept),
    )


def export_data(store: RecordStore, *, photos: bool = True) -> dict[str, Any]:
    """Every record as plain JSON-ready data (the export file's content)."""
    with store.snapshot():
        return msgspec.to_builtins(export_file(store, photos=photos))


# --------------------------------------------------------------------------- writing


def _write_private(
    dest: Path, content: bytes | Iterable[bytes], before_visible: Callable[[], None] | None = None
) -> None:
    """Write ``dest`` (mode 0600) through a temporary file beside it; never overwrite.
    ``before_visible`` (the export's audit entry) runs before the file takes its name."""
    tmp = database.new_private_file(dest.parent, dest.name)
    try:
        with tmp.open("wb") as handle:
            if isinstance(content, bytes):
                handle.write(content)
            else:
                handle.writelines(content)
        if before_visible is not None:
            before_visible()
        database.place_file(tmp, dest)
    except FileExistsError:
        raise _exists(dest) from None
    finally:
        tmp.unlink(missing_ok=True)


def json_lines(data: ExportFile) -> Iterator[bytes]:
    """The export as JSON text with one record per line: valid JSON, quick to write, easy to
    read and to compare line by line."""
    encode = msgspec.json.encode
    lists = ("patients", "consultations", "consents", "visits", "course_changes", "photos")
    yield b"{\n"
    for key in data.__struct_fields__:
        if key not in lists:
            yield b" " + encode(key) + b": " + encode(getattr(data, key)) + b",\n"
    for n, key in enumerate(lists):
        yield b" " + encode(key) + b": [\n"
        items = getattr(data, key)
        for i, item in enumerate(items):
            yield b"  " + encode(item) + (b"," if i < len(items) - 1 else b"") + b"\n"
        yield b" ]" + (b"," if n < len(lists) - 1 else b"") + b"\n"
    yield b"}\n"


def _exists(dest: Path) -> ExchangeError:
    return ExchangeError(
        f"{dest} already exists, and an export never overwrites anything. Choose a new name, "
        "or move the old export away first."
    )


@guarded
def export(
    store: RecordStore, dest: Path | str, format: str = "json", *, photos: bool = True
) -> Path:
    """Write every record to ``dest``: a JSON file, or a folder of CSV files. A JSON export
    carries the photos (their pictures in the folder ``<dest>.photos`` beside it, written
    first); without ``photos`` (records only, for sharing) it leaves them out and says how
    many. A CSV export lists the photos (``photos.csv``) without their pictures."""
    if format not in FORMATS:
        raise ExchangeError(f"Choose the export format json or csv (not {format!r}).")
    dest = Path(dest).expanduser().absolute()
    if not dest.parent.is_dir():
        raise ExchangeError(
            f"The folder {dest.parent} does not exist, so the export cannot be written there. "
            "Create it first or choose another folder."
        )
    if database.is_read_only(dest) and not dest.is_dir():
        raise ExchangeError(
            f"The folder {dest.parent} is read-only, so the export cannot be written there. "
            "Choose a folder you can write to."
        )
    with_pictures = photos and format == "json"
    with store.snapshot():  # a save made meanwhile is in the export whole, or not at all
        data = export_file(store, photos=photos)
    counts = (
        f"{len(data.patients)} patients, {len(data.consultations)} consultations, "
        f"{len(data.consents)} consents, {len(data.visits)} visits, "
        + (
            f"{len(data.photos)} photos"
            if photos
            else f"no photos ({data.photos_left_out} left out)"
        )
    )

    def audited() -> None:  # before the file appears: no export without its audit entry
        with store.transaction():
            store.audit_event(Action.EXPORT, "database", detail=f"{format}: {counts}")

    if format == "json":
        if dest.exists():
            raise _exists(dest)
        pictures = photo_files.backup_folder_of(dest)
        live = sorted({p.sha256 for p in data.photos if p.deletion is None})
        if with_pictures and live:
            _export_pictures(store, pictures, live)
        try:
            _write_private(dest, json_lines(data), audited)
        except BaseException:
            if with_pictures and live:
                photo_files.remove_folder(pictures)
            raise
    else:
        _export_csv(msgspec.to_builtins(data), dest, audited)
    return dest


def _export_pictures(store: RecordStore, folder: Path, shas: list[str]) -> None:
    """The pictures of the photos exported, copied (and checked) into ``folder``, which
    must not exist yet: a staging folder beside it is renamed once whole."""
    if folder.exists() or folder.is_symlink():
        raise ExchangeError(
            f"{folder} already exists, and an export never overwrites anything. Choose a new "
            "name for the export, or move the old one (and its photo folder) away first."
        )
    staging = folder.with_name(f".{folder.name}.{os.urandom(6).hex()}.tmp")
    try:
        try:
            copy_pictures(store.photos.pictures, FolderPictures(staging), shas)
        except FileNotFoundError as exc:
            raise ExchangeError(
                f"A photo's picture is missing from the photo folder ({exc}), so the export "
                "was not written. Run “consult db verify”, or export the records only "
                "(--records-only)."
            ) from None
        except ValueError:
            raise ExchangeError(
                "A photo's picture in the photo folder was changed outside the app, so the "
                "export was not written. Run “consult db verify”."
            ) from None
        staging.rename(folder)
        fsync_folder(folder.parent)
    finally:
        photo_files.remove_folder(staging)


_SAFE_NUMBER = re.compile(r"^[+-][\d\s().-]*$")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as typed: text that would run as a formula gets a
    leading ``'``."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value:
        first = value[0]
        if first in "=@\t\r" or (first in "+-" and not _SAFE_NUMBER.match(value)):
            return "'" + value
    return value


def _csv_tables(data: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {}
    patient_cols = [
        "uuid",
        "name",
        "date_of_birth",
        "fitzpatrick",
        "language",
        "phone",
        "email",
        "demo",
        "created_at",
        "updated_at",
    ]
    tables["patients"] = (patient_cols, [[p[k] for k in patient_cols] for p in data["patients"]])
    c_cols = [
        "uuid",
        "patient",
        "status",
        "revision_of",
        "provider",
        "date",
        "start_date",
        "session_count",
        "notes",
        "catalog_version",
        "override_reason",
        "override_provider",
        "appointment_time",
        "appointment_times",
        "amend_reason",
        "screening_outcome",
        "interval_weeks",
        "results_from",
        "results_to",
        "clearance_by",
        "clearance_on",
        "clearance_note",
        "clearance_recorded_by",
        "clearance_covers",
        "demo",
        "created_at",
        "updated_at",
        "finalized_at",
    ]
    rows: dict[str, list[list[Any]]] = {
        k: []
        for k in (
            "consultations",
            "consultation_areas",
            "consultation_zones",
            "consultation_concerns",
            "consultation_adjuncts",
            "screening_answers",
            "planned_sessions",
            "adjunct_visits",
        )
    }
    for c in data["consultations"]:
        u = c["uuid"]
        override = c["override"] or {}
        plan = c["plan"] or {}
        clearance = c.get("clearance") or {}
        flat = c | {
            "clearance_by": clearance.get("cleared_by"),
            "clearance_on": clearance.get("cleared_on"),
            "clearance_note": clearance.get("note"),
            "clearance_recorded_by": clearance.get("recorded_by"),
            "clearance_covers": " ".join(clearance["covers"]) if clearance else None,
            "override_reason": override.get("reason"),
            "override_provider": override.get("provider"),
            "appointment_times": json.dumps(c.get("times") or {}, sort_keys=True),
            "screening_outcome": plan.get("screening_outcome"),
            "interval_weeks": plan.get("interval_weeks"),
            "results_from": plan.get("results_from"),
            "results_to": plan.get("results_to"),
        }
        rows["consultations"].append([flat[k] for k in c_cols])
        for area_no, area in enumerate(c["areas"]):
            rows["consultation_areas"].append([u, area_no, area["area"]])
            for zone_no, zone in enumerate(area["zones"]):
                rows["consultation_zones"].append([u, area_no, zone_no, zone])
            for concern_no, k in enumerate(area["concerns"]):
                rows["consultation_concerns"].append(
                    [u, area_no, concern_no, k["concern"], k["severity"], k["kind"]]
                )
        for no, adjunct in enumerate(c["adjuncts"]):
            rows["consultation_adjuncts"].append([u, no, adjunct])
        for no, answer in enumerate(c["screening"]):
            rows["screening_answers"].append([u, no, answer["question"], answer["answer"]])
        for s in plan.get("sessions", []):
            rows["planned_sessions"].append([u, s["number"], s["date"], s.get("time")])
        for no, v in enumerate(plan.get("adjunct_visits", [])):
            rows["adjunct_visits"].append(
                [u, no, v["adjunct"], v["date"], v["after_session"], v.get("time")]
            )
    headers = {
        "consultations": c_cols,
        "consultation_areas": ["consultation", "area_no", "area"],
        "consultation_zones": ["consultation", "area_no", "zone_no", "zone"],
        "consultation_concerns": [
            "consultation",
            "area_no",
            "concern_no",
            "concern",
            "severity",
            "kind",
        ],
        "consultation_adjuncts": ["consultation", "adjunct_no", "adjunct"],
        "screening_answers": ["consultation", "question_no", "question", "answer"],
        "planned_sessions": ["consultation", "number", "date", "time"],
        "adjunct_visits": [
            "consultation",
            "visit_no",
            "adjunct",
            "date",
            "after_session",
            "time",
        ],
    }
    for name, table_rows in rows.items():
        tables[name] = (headers[name], table_rows)
    # Consents without their bytes (PNGs, PDF): a spreadsheet has no use for them; the JSON
    # export carries them whole.
    consent_cols = [
        "uuid",
        "patient",
        "consultation",
        "document",
        "version",
        "document_hash",
        "language",
        "decision",
        "text",
        "text_hash",
        "screening_hash",
        "choices",
        "patient_name",
        "provider",
        "signed_at",
        "pdf_sha256",
        "withdraws",
        "note",
        "demo",
        "created_at",
    ]
    tables["consents"] = (
        consent_cols,
        [
            [json.dumps(c[k], sort_keys=True) if k == "choices" else c[k] for k in consent_cols]
            for c in data.get("consents", [])
        ],
    )
    visit_cols = list(ExportedVisit.__struct_fields__)
    tables["visits"] = (
        visit_cols,
        [[v[k] for k in visit_cols] for v in data.get("visits", [])],
    )
    change_cols = list(ExportedChange.__struct_fields__)
    tables["course_changes"] = (
        change_cols,
        [[c[k] for k in change_cols] for c in data.get("course_changes", [])],
    )
    # Photos without their pictures (a spreadsheet has no use for them): what each is of.
    photo_cols = [
        "uuid",
        "patient",
        "consent",
        "visit",
        "session",
        "area",
        "view",
        "taken_on",
        "taken_by",
        "source",
        "sha256",
        "bytes",
        "width",
        "height",
        "teaching",
        "marketing",
        "demo",
        "created_at",
        "deleted_at",
        "deleted_by",
        "deletion_reason",
    ]
    photo_rows = []
    for f in data.get("photos", []):
        deletion = f.get("deletion") or {}
        flat = f | {
            "deleted_at": deletion.get("deleted_at"),
            "deleted_by": deletion.get("deleted_by"),
            "deletion_reason": deletion.get("reason"),
        }
        photo_rows.append([flat[k] for k in photo_cols])
    tables["photos"] = (photo_cols, photo_rows)
    tables["providers"] = (
        ["name", "active", "created_at"],
        [[p["name"], p["active"], p["created_at"]] for p in data["providers"]],
    )
    tables["settings"] = (
        ["key", "value", "updated_at"],
        [
            [k, json.dumps(v["value"], ensure_ascii=False), v["updated_at"]]
            for k, v in data["settings"].items()
        ],
    )
    return tables


def _export_csv(data: dict[str, Any], folder: Path, before_visible: Callable[[], None]) -> None:
    """The CSV files in a private folder of their own, named ``folder`` once whole (and once
    ``before_visible``, the export's audit entry, has run)."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ExchangeError(
            f"{folder} already exists and is not an empty folder. A CSV export is a folder of "
            "files: give the name of a new folder, and nothing is overwritten."
        )
    staging = database.private_folder(folder.parent / f".{folder.name}.{os.urandom(6).hex()}.tmp")
    try:
        for name, (header, rows) in _csv_tables(data).items():
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows([safe_cell(v) for v in row] for row in rows)
            _write_private(staging / f"{name}.csv", buffer.getvalue().encode("utf-8-sig"))
        before_visible()
        try:
            staging.rename(folder)  # onto an empty folder, or none
        except OSError:
            raise ExchangeError(
                f"{folder} appeared while the export was being written, and is not an empty "
                "folder; nothing was overwritten. Give the name of a new folder."
            ) from None
        fsync_folder(folder.parent)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------- importing

MAX_IMPORT_BYTES = 2 * 1024**3  # far above any clinic's records; a bigger file is not one


@dataclass(frozen=True)
class ImportResult:
    patients_added: int
    consultations_added: int
    patients_present: int
    consultations_present: int
    consents_added: int = 0
    consents_present: int = 0
    visits_added: int = 0
    changes_added: int = 0
    photos_added: int = 0
    photos_present: int = 0
    photos_left_out: int = 0  # by a records-only export

    def summary(self) -> str:
        return (
            f"Imported {self.patients_added} patients, {self.consultations_added} "
            f"consultations and {self.consents_added} consents; {self.patients_present} "
            f"patients, {self.consultations_present} consultations and "
            f"{self.consents_present} consents were already in the database."
            + (
                f" Treatment course: {self.visits_added} visits and {self.changes_added} "
                "changes to dates added."
                if self.visits_added or self.changes_added
                else ""
            )
            + (
                f" Photos: {self.photos_added} added, {self.photos_present} already there."
                if self.photos_added or self.photos_present
                else ""
            )
            + (
                f" The file is a records-only export: it left out {self.photos_left_out} "
                "photos, so none were imported."
                if self.photos_left_out
                else ""
            )
        )


def _refused(source: Path, where: str, what: str) -> ExchangeError:
    return ExchangeError(
        f"The import file {source} cannot be imported: {where} {what}. Nothing was "
        "imported. Use a file made by “consult db export --format json”, unchanged."
    )


def _read(source: Path) -> ExportFile:
    """The export in ``source``, decoded and checked against its shape; ExchangeError naming
    the first problem (by its path in the file) otherwise."""
    try:
        source = protect.check_input(source, what="consult export")
        if source.stat().st_size > MAX_IMPORT_BYTES:
            raise ExchangeError(
                f"The import file {source} is far larger than any consult export "
                f"({source.stat().st_size // 1024**2:,} MB). Nothing was imported."
            )
        raw = source.read_bytes()
    except errors.NotFoundError:
        raise ExchangeError(f"There is no file at {source}. Check the name.") from None
    except ExchangeError:
        raise
    except StorageError as exc:
        raise ExchangeError(exc.message) from None
    except FileNotFoundError:
        raise ExchangeError(f"There is no file at {source}. Check the name.") from None
    except OSError as exc:
        raise ExchangeError(
            f"The import file {source} cannot be read ({exc.strerror or exc}). Check that it "
            "exists and that your account may read it."
        ) from None
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark some editors add
    try:
        header = msgspec.json.decode(raw, type=shapes.ExportHeader)
    except (msgspec.DecodeError, RecursionError):
        raise ExchangeError(
            f"The import file {source} is not a consult export: it is not JSON text. Nothing "
            "was imported. Use a file made by “consult db export --format json”."
        ) from None
    except msgspec.ValidationError:
        header = shapes.ExportHeader()
    if header.format != FORMAT:
        raise ExchangeError(
            f"The import file {source} is not a consult export (it does not say "
            f'"format": "{FORMAT}"). Nothing was imported.'
        )
    if header.format_version > FORMAT_VERSION:
        raise ExchangeError(
            f"The import file {source} was made by a newer version of this app (export format "
            f"{header.format_version}; this version reads up to {FORMAT_VERSION}). Nothing was "
            "imported. Install the newer version to import it."
        )
    try:
        return msgspec.json.decode(raw, type=ExportFile)
    except msgspec.ValidationError as exc:
        raise _refused(source, *shapes.where(exc)) from None
    except (msgspec.DecodeError, RecursionError):
        raise _refused(source, "the file", "is not whole JSON text") from None


def _checked_stamps(source: Path, data: ExportFile) -> None:
    """Every moment in the file reads as a date and time."""
    places = [(f"$.settings.{k}.updated_at", v.updated_at) for k, v in data.settings.items()]
    places += [(f"$.providers[{i}].created_at", p.created_at) for i, p in enumerate(data.providers)]
    for i, p in enumerate(data.patients):
        places += [(f"$.patients[{i}].{k}", getattr(p, k)) for k in ("created_at", "updated_at")]
    for i, c in enumerate(data.consultations):
        for k in ("created_at", "updated_at", "finalized_at"):
            places.append((f"$.consultations[{i}].{k}", getattr(c, k)))
    for i, c in enumerate(data.consents):
        for k in ("signed_at", "created_at"):
            places.append((f"$.consents[{i}].{k}", getattr(c, k)))
    for place, text in places:
        if not shapes.check_stamp(text):
            raise _refused(source, place, "is not a date and time")


def _parsed(source: Path, data: ExportFile, catalog: Catalog, today: date) -> tuple[list, list]:
    """The file's patients and consultations as domain objects, every one checked against
    the catalog and the domain's rules (``domain.checks``), and every final plan against the
    catalog's rules (the minimum interval, the sessions' range)."""
    _checked_stamps(source, data)
    placeholder = Patient("", date(1900, 1, 1), 1)
    patients = []
    for i, record in enumerate(data.patients):
        patient = shapes.patient_of(record)
        for field, what in checks.patient_problems(catalog, patient, today):
            raise _refused(source, f"$.patients[{i}].{field}", what)
        patients.append((record, patient))
    consultations = []
    for i, c in enumerate(data.consultations):
        where = f"$.consultations[{i}]"
        try:
            consultation = shapes.consultation_of(c, placeholder, c.status)
        except ValidationError:
            raise _refused(source, f"{where}.override.reason", "is too short") from None
        except ValueError:
            raise _refused(source, f"{where}.date", "is missing") from None
        for field, what in checks.consultation_problems(catalog, consultation, today):
            raise _refused(source, f"{where}.{field}", what)
        if c.status == Status.FINAL and c.plan is None:
            raise _refused(source, f"{where}.plan", "is missing from a final consultation")
        if c.status == Status.FINAL and c.plan is not None:
            broken = schedule_problems(
                catalog,
                consultation,
                [s.date for s in c.plan.sessions],
                c.plan.interval_weeks,
            )
            if broken:
                raise ExchangeError(
                    f"The import file {source} cannot be imported: the plan of {where} breaks "
                    f"the clinic catalog's rules ({'; '.join(broken)}). Nothing was imported. "
                    "Correct that plan where it was made, or leave it out of the file."
                )
        consultations.append((where, c, consultation))
    return patients, consultations


@guarded
def import_json(store: RecordStore, source: Path | str) -> ImportResult:
    """Add the records of an export that are not in the database yet (matched by uuid)."""
    source = Path(source).expanduser().absolute()
    data = _read(source)
    # Every imported plan is checked against the catalog's rules before anything is written.
    catalog = store.rules_catalog()
    patients, consultations = _parsed(source, data, catalog, store.today())
    _checked_settings(source, data, store)
    added_pictures = _import_pictures(source, store, data)
    try:
        return _import_records(store, source, data, patients, consultations)
    except BaseException:
        live = store.photos.live_hashes()
        pictures = store.photos.pictures
        for sha in added_pictures:
            if sha not in live:
                pictures.remove(sha)
        raise


def _import_pictures(source: Path, store: RecordStore, data: ExportFile) -> list[str]:
    """Every picture the file's photos (not deleted) need, checked first against its name,
    then copied into the photo folder; those it added. Nothing is copied when one is missing
    or changed."""
    for i, photo in enumerate(data.photos):
        if photo.deletion is None and photo.thumbnail is None:
            raise _refused(source, f"$.photos[{i}].thumbnail", "is missing")
        if photo.thumbnail is not None and (
            hashlib.sha256(photo.thumbnail).hexdigest() != photo.thumbnail_sha256
        ):
            raise _refused(
                source, f"$.photos[{i}].thumbnail", "does not have the SHA-256 kept beside it"
            )
    live = sorted({p.sha256 for p in data.photos if p.deletion is None})
    if not live:
        return []
    pictures = photo_files.backup_folder_of(source)
    target = store.photos.pictures
    for sha in live:
        try:
            if _photo_bytes(pictures, sha) != sha:
                raise ExchangeError(
                    f"The import file's photo {sha} in {pictures} does not have the SHA-256 it "
                    "is named by (changed after the export). Nothing was imported."
                )
        except FileNotFoundError:
            raise ExchangeError(
                f"The import file {source} holds photos, and their pictures belong in the "
                f"folder {pictures} beside it, which lacks {sha}. Copy that folder with the "
                "file, then import again. Nothing was imported."
            ) from None
    present = target.names()
    copy_pictures(FolderPictures(pictures), target, live)
    return [sha for sha in live if sha not in present]


def _photo_bytes(folder: Path, sha: str) -> str:
    """The SHA-256 of an export's picture file (FileNotFoundError when it is missing)."""
    return photo_files.digest(photo_files.path_of(folder, sha))


def _import_records(
    store: RecordStore, source: Path, data: ExportFile, patients: list, consultations: list
) -> ImportResult:
    db = store.db
    with store.transaction():
        existing_patients = {u: i for i, u in db.execute("SELECT id, uuid FROM patients")}
        existing_consultations = {u: i for i, u in db.execute("SELECT id, uuid FROM consultations")}
        _refuse_conflicts(source, store, data, existing_patients, existing_consultations)
        for provider in data.providers:
            db.execute(
                "INSERT INTO providers (name, active, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO NOTHING",
                [provider.name, int(provider.active), provider.created_at],
            )
        if db.execute("SELECT count(*) FROM settings").fetchone()[0] == 0:
            for key, item in data.settings.items():
                db.execute(
                    "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                    [key, json.dumps(item.value, ensure_ascii=False), item.updated_at],
                )
        added_patients = 0
        new_patients: list[int] = []
        new_consultations: list[int] = []
        for record, patient in patients:
            if record.uuid in existing_patients:
                continue
            existing_patients[record.uuid] = write_patient(
                store,
                patient,
                record_uuid=record.uuid,
                created_at=record.created_at,
                updated_at=record.updated_at,
                demo=record.demo,
                audit_it=False,
            )
            added_patients += 1
            new_patients.append(existing_patients[record.uuid])
        added_consultations = 0
        pending = [c for c in consultations if c[1].uuid not in existing_consultations]
        while pending:
            ready = [
                c
                for c in pending
                if c[1].revision_of is None or c[1].revision_of in existing_consultations
            ]
            if not ready:
                raise _refused(source, f"{pending[0][0]}.revision_of", "names no consultation")
            for where, record, consultation in ready:
                if record.patient not in existing_patients:
                    raise _refused(source, f"{where}.patient", "names no patient")
                if record.revision_of is not None:
                    replaced = existing_consultations[record.revision_of]
                    owner, status = db.execute(
                        "SELECT patient_id, status FROM consultations WHERE id = ?", [replaced]
                    ).fetchone()
                    if owner != existing_patients[record.patient]:
                        raise _refused(
                            source, f"{where}.revision_of", "names another patient's consultation"
                        )
                    if status != Status.FINAL:
                        raise _refused(source, f"{where}.revision_of", "names a draft, not a final")
                consultation_id = insert_consultation(
                    store,
                    consultation,
                    existing_patients[record.patient],
                    record_uuid=record.uuid,
                    created_at=record.created_at,
                    updated_at=record.updated_at,
                    demo=record.demo,
                )
                write_parts(store, consultation_id, consultation)
                if record.plan is not None and record.status == Status.FINAL:
                    sessions, visits = shapes.plan_rows(record.plan)
                    write_plan_rows(store, consultation_id, sessions, visits)
                    revision_of = (
                        existing_consultations[record.revision_of] if record.revision_of else None
                    )
                    fields = {
                        "catalog_version": record.catalog_version,
                        "screening_outcome": record.plan.screening_outcome,
                        "interval_weeks": record.plan.interval_weeks,
                        "results_from": _iso(record.plan.results_from),
                        "results_to": _iso(record.plan.results_to),
                    }
                    mark_final(
                        store,
                        consultation_id,
                        fields,
                        revision_of=revision_of,
                        finalized_at=record.finalized_at,
                        updated_at=record.updated_at,
                    )
                elif record.revision_of is not None:
                    raise _refused(source, f"{where}.revision_of", "is set on a draft")
                existing_consultations[record.uuid] = consultation_id
                new_consultations.append(consultation_id)
                added_consultations += 1
            pending = [c for c in pending if c[1].uuid not in existing_consultations]
        new_consents = _import_consents(
            source, store, data, existing_patients, existing_consultations
        )
        new_visits, new_changes = _import_course(
            source, store, data, existing_patients, existing_consultations
        )
        new_photos, new_deletions = _import_photos(source, store, data, existing_patients)
        result = ImportResult(
            added_patients,
            added_consultations,
            len(patients) - added_patients,
            len(consultations) - added_consultations,
            len(new_consents),
            len(data.consents) - len(new_consents),
            len(new_visits),
            len(new_changes),
            len(new_photos),
            len(data.photos) - len(new_photos),
            data.photos_left_out,
        )
        # Every record added is in the audit trail, sealed with its content.
        audit.seal(
            store.db,
            Action.IMPORT,
            patients=new_patients,
            consultations=new_consultations,
            consents=new_consents,
            visits=[v for v in new_visits if v in _finals(store, new_visits)],
            course_changes=new_changes,
            photos=new_photos,
            photo_deletions=new_deletions,
            provider=store.provider,
            detail=f"from {source.name}",
            at=store.now(),
        )
        store.audit_event(
            Action.IMPORT,
            "database",
            detail=(
                f"{added_patients} patients, {added_consultations} consultations, "
                f"{len(new_consents)} consents, {len(new_photos)} photos added"
            ),
        )
    return result


def _import_consents(
    source: Path,
    store: RecordStore,
    data: ExportFile,
    patients: dict[str, int],
    consultations: dict[str, int],
) -> list[int]:
    """Add the file's consents not in the records yet, exactly as exported: each one's text
    and PDF must still have the SHA-256 kept beside them (a consent changed in the file is
    refused, as it would be found by ``db verify`` once imported). Their ids, in order."""
    existing = dict(store.conn.execute("SELECT uuid, id FROM consents").fetchall())
    added: list[int] = []
    # Withdrawals after the consents they take back.
    ordered = sorted(enumerate(data.consents), key=lambda pair: pair[1].decision == "withdrawn")
    for i, record in ordered:
        where = f"$.consents[{i}]"
        if hashlib.sha256(record.text.encode("utf-8")).hexdigest() != record.text_hash:
            raise _refused(source, f"{where}.text", "does not have the SHA-256 kept beside it")
        if (record.pdf is None) != (record.pdf_sha256 is None) or (
            record.pdf is not None and hashlib.sha256(record.pdf).hexdigest() != record.pdf_sha256
        ):
            raise _refused(source, f"{where}.pdf", "does not have the SHA-256 kept beside it")
        if record.uuid in existing:
            continue
        if record.patient not in patients:
            raise _refused(source, f"{where}.patient", "names no patient")
        if record.consultation not in consultations:
            raise _refused(source, f"{where}.consultation", "names no consultation")
        withdraws = None
        if record.withdraws is not None:
            withdraws = existing.get(record.withdraws)
            if withdraws is None:
                raise _refused(source, f"{where}.withdraws", "names no consent")
        values = msgspec.structs.asdict(record)
        values |= {
            "patient_id": patients[record.patient],
            "consultation_id": consultations[record.consultation],
            "withdraws": withdraws,
            "choices": json.dumps(dict(sorted(record.choices.items())), separators=(",", ":")),
            "demo": int(record.demo),
        }
        for key in ("patient", "consultation"):
            values.pop(key)
        try:
            consent_id = insert_row(store, values)
        except sqlite3.IntegrityError:
            raise _refused(
                source, where, "breaks the rules a consent keeps (a signature, its PDF)"
            ) from None
        existing[record.uuid] = consent_id
        added.append(consent_id)
    return added


def _finals(store: RecordStore, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    rows = store.conn.execute(
        "SELECT id FROM visits WHERE status = 'final' AND id IN (SELECT value FROM json_each(?))",
        [json.dumps(ids)],
    )
    return {r[0] for r in rows}


def _import_course(
    source: Path,
    store: RecordStore,
    data: ExportFile,
    patients: dict[str, int],
    consultations: dict[str, int],
) -> tuple[list[int], list[int]]:
    """Add the file's visits and changes to a course not in the records yet, exactly as
    exported (format 5); those already there must say the same. Their ids."""
    if not data.visits and not data.course_changes:
        return [], []
    mine_v = {v.uuid: v for v in _visits(store)}
    mine_c = {c.uuid: c for c in _changes(store)}
    existing = dict(store.conn.execute("SELECT uuid, id FROM visits").fetchall())
    owners = dict(store.conn.execute("SELECT id, patient_id FROM consultations").fetchall())
    added_v: list[int] = []
    pending = list(enumerate(data.visits))
    while pending:
        ready = [(i, v) for i, v in pending if v.revision_of is None or v.revision_of in existing]
        if not ready:
            raise _refused(source, f"$.visits[{pending[0][0]}].revision_of", "names no visit")
        for i, record in ready:
            where = f"$.visits[{i}]"
            if record.uuid in mine_v:
                if mine_v[record.uuid] != record:
                    raise _conflict(source, where, "visit")
                continue
            for key in ("created_at", "updated_at", "signed_at"):
                if not shapes.check_stamp(getattr(record, key)):
                    raise _refused(source, f"{where}.{key}", "is not a date and time")
            try:
                msgspec.json.decode(record.answers, type=dict[str, shapes.AnswerText])
                msgspec.json.decode(record.zones, type=list[shapes.ZoneShape])
                if record.review is not None:
                    msgspec.json.decode(record.review, type=shapes.ReviewShape)
            except (msgspec.ValidationError, msgspec.DecodeError):
                raise _refused(
                    source, where, "holds answers, zones or a review not as saved"
                ) from None
            if record.patient not in patients:
                raise _refused(source, f"{where}.patient", "names no patient")
            consultation_id = consultations.get(record.consultation)
            if consultation_id is None or owners.get(consultation_id) != patients[record.patient]:
                raise _refused(
                    source, f"{where}.consultation", "names no consultation of its patient"
                )
            values = msgspec.structs.asdict(record)
            values |= {
                "patient_id": patients[record.patient],
                "consultation_id": consultation_id,
                "revision_of": existing.get(record.revision_of) if record.revision_of else None,
                "date": record.date.isoformat(),
                "lot_expiry": _iso(record.lot_expiry),
                "aftercare_given": None
                if record.aftercare_given is None
                else int(record.aftercare_given),
                "demo": int(record.demo),
            }
            for key in ("patient", "consultation"):
                values.pop(key)
            try:
                cursor = store.conn.execute(
                    f"INSERT INTO visits ({', '.join(values)}) "
                    f"VALUES ({', '.join('?' for _ in values)})",
                    list(values.values()),
                )
            except sqlite3.IntegrityError:
                raise _refused(source, where, "breaks the rules a visit keeps") from None
            existing[record.uuid] = int(cursor.lastrowid)
            added_v.append(existing[record.uuid])
        done = {i for i, _ in ready}
        pending = [(i, v) for i, v in pending if i not in done]
    added_c: list[int] = []
    for i, record in enumerate(data.course_changes):
        where = f"$.course_changes[{i}]"
        if record.uuid in mine_c:
            if mine_c[record.uuid] != record:
                raise _conflict(source, where, "change to a course")
            continue
        if not shapes.check_stamp(record.created_at):
            raise _refused(source, f"{where}.created_at", "is not a date and time")
        if record.patient not in patients:
            raise _refused(source, f"{where}.patient", "names no patient")
        consultation_id = consultations.get(record.consultation)
        if consultation_id is None or owners.get(consultation_id) != patients[record.patient]:
            raise _refused(source, f"{where}.consultation", "names no consultation of its patient")
        values = msgspec.structs.asdict(record)
        values |= {
            "patient_id": patients[record.patient],
            "consultation_id": consultation_id,
            "was": record.was.isoformat(),
            "date": _iso(record.date),
            "demo": int(record.demo),
        }
        for key in ("patient", "consultation"):
            values.pop(key)
        try:
            cursor = store.conn.execute(
                f"INSERT INTO course_changes ({', '.join(values)}) "
                f"VALUES ({', '.join('?' for _ in values)})",
                list(values.values()),
            )
        except sqlite3.IntegrityError:
            raise _refused(source, where, "breaks the rules a change to a course keeps") from None
        added_c.append(int(cursor.lastrowid))
    return added_v, added_c


def _import_photos(
    source: Path, store: RecordStore, data: ExportFile, patients: dict[str, int]
) -> tuple[list[int], list[int]]:
    """Add the file's photos not in the records yet, exactly as exported (their pictures are
    already in the photo folder), and their deletions. The ids added, and those deleted."""
    if not data.photos:
        return [], []
    existing = {u for (u,) in store.conn.execute("SELECT uuid FROM photos")}
    consents = dict(store.conn.execute("SELECT uuid, id FROM consents").fetchall())
    added: list[int] = []
    deleted: list[int] = []
    for i, record in enumerate(data.photos):
        where = f"$.photos[{i}]"
        if record.uuid in existing:
            continue
        if record.patient not in patients:
            raise _refused(source, f"{where}.patient", "names no patient")
        if record.consent not in consents:
            raise _refused(source, f"{where}.consent", "names no consent")
        if (record.visit == "session") != (record.session is not None):
            raise _refused(source, f"{where}.session", "is given only for a session visit")
        values = {
            "uuid": record.uuid,
            "patient_id": patients[record.patient],
            "visit": record.visit,
            "session": record.session,
            "area_id": record.area,
            "view_id": record.view,
            "taken_on": record.taken_on.isoformat(),
            "taken_by": record.taken_by,
            "source": record.source,
            "sha256": record.sha256,
            "bytes": record.bytes,
            "width": record.width,
            "height": record.height,
            "thumbnail_sha256": record.thumbnail_sha256,
            "consent_id": consents[record.consent],
            "teaching": int(record.teaching),
            "marketing": int(record.marketing),
            "demo": int(record.demo),
            "created_at": record.created_at,
        }
        try:
            photo_id = insert_rows(store.conn, values, record.thumbnail or b"")
            added.append(photo_id)
            if record.deletion is not None:
                d = record.deletion
                store.conn.execute(
                    "INSERT INTO photo_deletions (uuid, photo_id, reason, deleted_by, "
                    "deleted_at) VALUES (?, ?, ?, ?, ?)",
                    [d.uuid, photo_id, d.reason, d.deleted_by, d.deleted_at],
                )
                store.conn.execute("DELETE FROM photo_thumbnails WHERE photo_id = ?", [photo_id])
                deleted.append(photo_id)
        except sqlite3.IntegrityError:
            raise _refused(source, where, "breaks the rules a photo keeps") from None
    return added, deleted


def _checked_settings(source: Path, data: ExportFile, store: RecordStore) -> None:
    """The file's settings pass the settings dialog's own checks (``clinic.settings_checked``)."""
    from consult.storage.clinic import settings_checked

    values = {key: item.value for key, item in data.settings.items()}
    floor = store.rules_catalog().protocol.min_interval_weeks
    _, invalid = settings_checked(values, store.clinic.settings(), floor)
    for key, what in invalid:
        raise _refused(source, f"$.settings.{key}.value", what.rstrip(".").lower())


def _refuse_conflicts(
    source: Path,
    store: RecordStore,
    data: ExportFile,
    patients: dict[str, int],
    consultations: dict[str, int],
) -> None:
    """A record whose uuid is already in the records must say the same: else it is a
    conflict (two different records under one uuid), not "already there"."""
    shared_consents = {u for (u,) in store.conn.execute("SELECT uuid FROM consents")} & {
        c.uuid for c in data.consents
    }
    if shared_consents:
        mine_k = {k.uuid: k for k in _consents(store) if k.uuid in shared_consents}
        for i, record in enumerate(data.consents):
            if record.uuid in mine_k and mine_k[record.uuid] != record:
                raise _conflict(source, f"$.consents[{i}]", "consent")
    if data.photos and content.has_photos(store.conn):
        mine_f = {f.uuid: f for f in _photos(store)}
        for i, record in enumerate(data.photos):
            if record.uuid in mine_f and mine_f[record.uuid] != record:
                raise _conflict(source, f"$.photos[{i}]", "photo")
    shared_patients = [p.uuid for p in data.patients if p.uuid in patients]
    shared_consultations = [c.uuid for c in data.consultations if c.uuid in consultations]
    if not shared_patients and not shared_consultations:
        return
    mine_p = {p.uuid: p for p in _patients(store) if p.uuid in set(shared_patients)}
    for i, record in enumerate(data.patients):
        if record.uuid in mine_p and mine_p[record.uuid] != record:
            raise _conflict(source, f"$.patients[{i}]", "patient")
    if shared_consultations:
        mine_c = {c.uuid: c for c in _consultations(store) if c.uuid in set(shared_consultations)}
        for i, record in enumerate(data.consultations):
            theirs = (
                msgspec.structs.replace(record, updated_at=mine_c[record.uuid].updated_at)
                if (record.uuid in mine_c)
                else None
            )
            if theirs is not None and theirs != mine_c[record.uuid]:
                raise _conflict(source, f"$.consultations[{i}]", "consultation")


def _conflict(source: Path, where: str, kind: str) -> ExchangeError:
    return ExchangeError(
        f"The import file {source} cannot be imported: {where} has the uuid of a {kind} "
        "already in the records, but says something else (two different records under one "
        "uuid). Nothing was imported. Find out which is right before importing this file."
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
