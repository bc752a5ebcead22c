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
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consult import __version__
from consult.domain.model import (
    Answer,
    AreaChoice,
    ConcernChoice,
    Consultation,
    Override,
    Patient,
    Status,
    ValidationError,
)
from consult.domain.serialize import areas_to_dicts, override_to_dict, times_to_dict
from consult.storage import database, migrations
from consult.storage.audit import Action
from consult.storage.errors import ExchangeError

if TYPE_CHECKING:
    from consult.storage.repository import Repository

FORMAT = "consult-records"
FORMAT_VERSION = 1
FORMATS = ("json", "csv")


# --------------------------------------------------------------------------- building


def _patients(repo: Repository) -> list[dict[str, Any]]:
    return [
        {
            "uuid": r["uuid"],
            "name": r["name"],
            "date_of_birth": r["date_of_birth"],
            "fitzpatrick": r["fitzpatrick"],
            "language": r["language"],
            "phone": r["phone"],
            "email": r["email"],
            "demo": bool(r["demo"]),
            "created_at": r["created_at"],
            "updated_at": r["updated_at"],
        }
        for r in repo.db.query("SELECT * FROM patients ORDER BY created_at, uuid")
    ]


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row[1:])
    return grouped


def _consultations(repo: Repository) -> list[dict[str, Any]]:
    db = repo.db
    objects = {c.id: c for c in repo.load_consultations("1")}
    sessions = _grouped(
        db.execute(
            "SELECT consultation_id, number, date, time FROM planned_sessions "
            "ORDER BY consultation_id, number"
        )
    )
    visits = _grouped(
        db.execute(
            "SELECT consultation_id, adjunct_id, date, after_session, time FROM adjunct_visits "
            "ORDER BY consultation_id, visit_no"
        )
    )
    rows = db.query(
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
            plan = {
                "screening_outcome": r["screening_outcome"],
                "interval_weeks": r["interval_weeks"],
                "results_from": r["results_from"],
                "results_to": r["results_to"],
                "sessions": [
                    {"number": n, "date": d, "time": t} for n, d, t in sessions.get(r["id"], [])
                ],
                "adjunct_visits": [
                    {"adjunct": a, "date": d, "after_session": s, "time": t}
                    for a, d, s, t in visits.get(r["id"], [])
                ],
            }
        result.append(
            {
                "uuid": r["uuid"],
                "patient": r["patient_uuid"],
                "status": r["status"],
                "revision_of": r["revision_of_uuid"],
                "provider": c.provider,
                "date": c.date.isoformat(),
                "start_date": c.start_date.isoformat() if c.start_date else None,
                "session_count": c.session_count,
                "notes": c.notes,
                "catalog_version": c.catalog_version,
                "override": override_to_dict(c.override),
                "appointment_time": _hhmm(c.appointment_time),
                "times": times_to_dict(c.times),
                "amend_reason": c.amend_reason,
                "screening": [
                    {"question": q, "answer": getattr(a, "value", a)}
                    for q, a in c.screening.items()
                ],
                "areas": areas_to_dicts(c.areas),
                "adjuncts": list(c.adjuncts),
                "plan": plan,
                "demo": bool(r["demo"]),
                "created_at": r["created_at"],
                "updated_at": r["updated_at"],
                "finalized_at": r["finalized_at"],
            }
        )
    return result


def export_data(repo: Repository) -> dict[str, Any]:
    """Every record as plain JSON-ready data."""
    db = repo.db
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": migrations.SCHEMA_VERSION,
        "app_version": __version__,
        "exported_at": repo.now(),
        "settings": {
            key: {"value": json.loads(value), "updated_at": updated}
            for key, value, updated in db.execute(
                "SELECT key, value, updated_at FROM settings ORDER BY key"
            )
        },
        "providers": [
            {"name": n, "active": bool(a), "created_at": t}
            for n, a, t in db.execute(
                "SELECT name, active, created_at FROM providers ORDER BY created_at, name"
            )
        ],
        "patients": _patients(repo),
        "consultations": _consultations(repo),
    }


# --------------------------------------------------------------------------- writing


def _write_private(dest: Path, content: bytes | Iterable[bytes]) -> None:
    """Write ``dest`` (mode 0600) through a temporary file beside it; never overwrite."""
    tmp = database.new_private_file(dest.parent, dest.name)
    try:
        with tmp.open("wb") as handle:
            if isinstance(content, bytes):
                handle.write(content)
            else:
                handle.writelines(content)
        database.place_file(tmp, dest)
    except FileExistsError:
        raise _exists(dest) from None
    finally:
        tmp.unlink(missing_ok=True)


def json_lines(data: dict[str, Any]) -> Iterator[bytes]:
    """The export as JSON text with one record per line: valid JSON, quick to write, easy to
    read and to compare line by line."""

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    lists = ("patients", "consultations")
    yield b"{\n"
    for key, value in data.items():
        if key not in lists:
            yield f" {dumps(key)}: {dumps(value)},\n".encode()
    for n, key in enumerate(lists):
        yield f" {dumps(key)}: [\n".encode()
        items = data[key]
        for i, item in enumerate(items):
            yield f"  {dumps(item)}{',' if i < len(items) - 1 else ''}\n".encode()
        yield f" ]{',' if n < len(lists) - 1 else ''}\n".encode()
    yield b"}\n"


def _exists(dest: Path) -> ExchangeError:
    return ExchangeError(
        f"{dest} already exists, and an export never overwrites anything. Choose a new name, "
        "or move the old export away first."
    )


def export(repo: Repository, dest: Path, format: str = "json") -> Path:
    """Write every record to ``dest``: a JSON file, or a folder of CSV files."""
    if format not in FORMATS:
        raise ExchangeError(f"Choose the export format json or csv (not {format!r}).")
    dest = dest.expanduser().absolute()
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
    data = export_data(repo)
    if format == "json":
        if dest.exists():
            raise _exists(dest)
        _write_private(dest, json_lines(data))
    else:
        _export_csv(data, dest)
    counts = f"{len(data['patients'])} patients, {len(data['consultations'])} consultations"
    with repo.transaction():
        repo.audit_event(Action.EXPORT, "database", detail=f"{format}: {counts}")
    return dest


_SAFE_NUMBER = re.compile(r"^[+-][\d\s().-]*$")


def _cell(value: Any) -> Any:
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
        flat = c | {
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


def _export_csv(data: dict[str, Any], folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ExchangeError(
            f"{folder} already exists and is not an empty folder. A CSV export is a folder of "
            "files: give the name of a new folder, and nothing is overwritten."
        )
    database.private_folder(folder)
    for name, (header, rows) in _csv_tables(data).items():
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([_cell(v) for v in row] for row in rows)
        _write_private(folder / f"{name}.csv", buffer.getvalue().encode("utf-8-sig"))


# --------------------------------------------------------------------------- importing


@dataclass(frozen=True)
class ImportResult:
    patients_added: int
    consultations_added: int
    patients_present: int
    consultations_present: int

    def summary(self) -> str:
        return (
            f"Imported {self.patients_added} patients and {self.consultations_added} "
            f"consultations; {self.patients_present} patients and "
            f"{self.consultations_present} consultations were already in the database."
        )


class _Reader:
    """Typed access to the parsed file; every problem names where, never a value."""

    def __init__(self, source: Path):
        self.source = source

    def fail(self, where: str, what: str) -> ExchangeError:
        return ExchangeError(
            f"The import file {self.source} cannot be imported: {where} {what}. Nothing was "
            "imported. Use a file made by “consult db export --format json”, unchanged."
        )

    def get(
        self, node: Any, key: str, where: str, kind: type | tuple[type, ...], optional: bool = False
    ) -> Any:
        if not isinstance(node, dict):
            raise self.fail(where, "is not an object")
        if key not in node:
            raise self.fail(f"{where}.{key}", "is missing")
        value = node[key]
        if value is None and optional:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where}.{key}", "has the wrong type")
        return value

    def day(self, node: Any, key: str, where: str, optional: bool = False) -> date | None:
        text = self.get(node, key, where, str, optional)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.fail(f"{where}.{key}", "is not a date (yyyy-mm-dd)") from None

    def items(self, node: Any, key: str, where: str) -> list[Any]:
        return self.get(node, key, where, list)

    def newer(self, node: Any, key: str, where: str, kind: type) -> Any:
        """A field that exports from earlier versions do not have: None when absent."""
        if isinstance(node, dict) and key not in node:
            return None
        return self.get(node, key, where, kind, optional=True)

    def time(self, node: Any, key: str, where: str) -> time | None:
        """A time of day ("HH:MM"), from exports that have times; None when absent."""
        text = self.newer(node, key, where, str)
        if text is None:
            return None
        try:
            return time.fromisoformat(text)
        except ValueError:
            raise self.fail(f"{where}.{key}", "is not a time of day (hh:mm)") from None


def _read(source: Path) -> tuple[_Reader, dict[str, Any]]:
    reader = _Reader(source)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise ExchangeError(f"There is no file at {source}. Check the name.") from None
    except OSError as exc:
        raise ExchangeError(
            f"The import file {source} cannot be read ({exc.strerror or exc}). Check that it "
            "exists and that your account may read it."
        ) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ExchangeError(
            f"The import file {source} is not a consult export: it is not JSON text. Nothing "
            "was imported. Use a file made by “consult db export --format json”."
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExchangeError(
            f"The import file {source} is not a consult export (it does not say "
            f'"format": "{FORMAT}"). Nothing was imported.'
        )
    version = reader.get(data, "format_version", "the file", int)
    if version > FORMAT_VERSION:
        raise ExchangeError(
            f"The import file {source} was made by a newer version of this app (export format "
            f"{version}; this version reads up to {FORMAT_VERSION}). Nothing was imported. "
            "Install the newer version to import it."
        )
    return reader, data


def _parse_patient(r: _Reader, node: Any, where: str) -> Patient:
    return Patient(
        name=r.get(node, "name", where, str),
        date_of_birth=r.day(node, "date_of_birth", where),
        fitzpatrick=r.get(node, "fitzpatrick", where, int),
        language=r.get(node, "language", where, str),
        phone=r.get(node, "phone", where, str),
        email=r.get(node, "email", where, str),
    )


def _parse_consultation(r: _Reader, node: Any, where: str, patient: Patient) -> Consultation:
    override_node = r.get(node, "override", where, dict, optional=True)
    override = None
    if override_node is not None:
        try:
            override = Override(
                r.get(override_node, "reason", f"{where}.override", str),
                r.get(override_node, "provider", f"{where}.override", str),
            )
        except ValidationError:
            raise r.fail(f"{where}.override.reason", "is too short") from None
    screening: dict[str, Answer] = {}
    for i, item in enumerate(r.items(node, "screening", where)):
        place = f"{where}.screening[{i}]"
        try:
            answer = Answer(r.get(item, "answer", place, str))
        except ValueError:
            raise r.fail(f"{place}.answer", "is not yes, no or not_sure") from None
        screening[r.get(item, "question", place, str)] = answer
    areas = []
    for i, item in enumerate(r.items(node, "areas", where)):
        place = f"{where}.areas[{i}]"
        zones = r.items(item, "zones", place)
        if not all(isinstance(z, str) for z in zones):
            raise r.fail(f"{place}.zones", "has the wrong type")
        concerns = tuple(
            ConcernChoice(
                r.get(k, "concern", f"{place}.concerns[{j}]", str),
                r.get(k, "severity", f"{place}.concerns[{j}]", str, optional=True),
                r.get(k, "kind", f"{place}.concerns[{j}]", str, optional=True),
            )
            for j, k in enumerate(r.items(item, "concerns", place))
        )
        areas.append(AreaChoice(r.get(item, "area", place, str), tuple(zones), concerns))
    adjuncts = r.items(node, "adjuncts", where)
    if not all(isinstance(a, str) for a in adjuncts):
        raise r.fail(f"{where}.adjuncts", "has the wrong type")
    status = r.get(node, "status", where, str)
    if status not in (Status.DRAFT, Status.FINAL):
        raise r.fail(f"{where}.status", "is not draft or final")
    return Consultation(
        patient=patient,
        provider=r.get(node, "provider", where, str),
        date=r.day(node, "date", where),
        screening=screening,
        areas=tuple(areas),
        adjuncts=tuple(adjuncts),
        override=override,
        start_date=r.day(node, "start_date", where, optional=True),
        session_count=r.get(node, "session_count", where, int, optional=True),
        notes=r.get(node, "notes", where, str),
        status=Status(status),
        catalog_version=r.get(node, "catalog_version", where, str),
        # Exports made before appointment times (and amendment reasons) have none.
        appointment_time=r.time(node, "appointment_time", where),
        times={
            key: r.time(times, key, f"{where}.times")
            for times in [r.newer(node, "times", where, dict) or {}]
            for key in times
        },
        amend_reason=r.newer(node, "amend_reason", where, str) or "",
    )


def _parse_plan(r: _Reader, node: Any, where: str) -> tuple[dict, list, list]:
    plan = r.get(node, "plan", where, dict)
    where = f"{where}.plan"
    fields = {
        "catalog_version": r.get(node, "catalog_version", where, str),
        "screening_outcome": r.get(plan, "screening_outcome", where, str, optional=True),
        "interval_weeks": r.get(plan, "interval_weeks", where, int, optional=True),
        "results_from": _iso(r.day(plan, "results_from", where, optional=True)),
        "results_to": _iso(r.day(plan, "results_to", where, optional=True)),
    }
    sessions = [
        (
            r.get(s, "number", f"{where}.sessions[{i}]", int),
            _iso(r.day(s, "date", f"{where}.sessions[{i}]")),
            _hhmm(r.time(s, "time", f"{where}.sessions[{i}]")),
        )
        for i, s in enumerate(r.items(plan, "sessions", where))
    ]
    visits = [
        (
            r.get(v, "adjunct", f"{where}.adjunct_visits[{i}]", str),
            _iso(r.day(v, "date", f"{where}.adjunct_visits[{i}]")),
            r.get(v, "after_session", f"{where}.adjunct_visits[{i}]", int),
            _hhmm(r.time(v, "time", f"{where}.adjunct_visits[{i}]")),
        )
        for i, v in enumerate(r.items(plan, "adjunct_visits", where))
    ]
    return fields, sessions, visits


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _hhmm(at: time | None) -> str | None:
    return at.strftime("%H:%M") if at else None


def _timestamp(r: _Reader, node: Any, key: str, where: str, optional: bool = False) -> Any:
    text = r.get(node, key, where, str, optional)
    if text is not None:
        try:
            datetime.fromisoformat(text)
        except ValueError:
            raise r.fail(f"{where}.{key}", "is not a date and time") from None
    return text


def import_json(repo: Repository, source: Path) -> ImportResult:
    """Add the records of an export that are not in the database yet (matched by uuid)."""
    source = source.expanduser().absolute()
    r, data = _read(source)
    db = repo.db
    patients_in = r.items(data, "patients", "the file")
    consultations_in = r.items(data, "consultations", "the file")
    # Parse everything before writing anything.
    patients = []
    for i, node in enumerate(patients_in):
        where = f"patients[{i}]"
        patients.append(
            (
                r.get(node, "uuid", where, str),
                _parse_patient(r, node, where),
                bool(r.get(node, "demo", where, bool)),
                _timestamp(r, node, "created_at", where),
                _timestamp(r, node, "updated_at", where),
            )
        )
    consultations = []
    for i, node in enumerate(consultations_in):
        where = f"consultations[{i}]"
        patient_uuid = r.get(node, "patient", where, str)
        placeholder = Patient("", date(1900, 1, 1), 1)
        consultation = _parse_consultation(r, node, where, placeholder)
        plan = _parse_plan(r, node, where) if consultation.status is Status.FINAL else None
        consultations.append(
            {
                "uuid": r.get(node, "uuid", where, str),
                "patient": patient_uuid,
                "revision_of": r.get(node, "revision_of", where, str, optional=True),
                "consultation": consultation,
                "plan": plan,
                "demo": bool(r.get(node, "demo", where, bool)),
                "created_at": _timestamp(r, node, "created_at", where),
                "updated_at": _timestamp(r, node, "updated_at", where),
                "finalized_at": _timestamp(r, node, "finalized_at", where, optional=True),
                "where": where,
            }
        )
    settings = r.get(data, "settings", "the file", dict)
    providers = r.items(data, "providers", "the file")

    with repo.transaction():
        existing_patients = {u: i for i, u in db.execute("SELECT id, uuid FROM patients")}
        existing_consultations = {u: i for i, u in db.execute("SELECT id, uuid FROM consultations")}
        for i, node in enumerate(providers):
            where = f"providers[{i}]"
            db.execute(
                "INSERT INTO providers (name, active, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO NOTHING",
                [
                    r.get(node, "name", where, str),
                    int(r.get(node, "active", where, bool)),
                    _timestamp(r, node, "created_at", where),
                ],
            )
        if db.execute("SELECT count(*) FROM settings").fetchone()[0] == 0:
            for key, item in settings.items():
                where = f"settings.{key}"
                db.execute(
                    "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                    [
                        key,
                        json.dumps(r.get(item, "value", where, object), ensure_ascii=False),
                        _timestamp(r, item, "updated_at", where),
                    ],
                )
        added_patients = 0
        for record_uuid, patient, demo, created, updated in patients:
            if record_uuid in existing_patients:
                continue
            existing_patients[record_uuid] = repo.write_patient(
                patient,
                record_uuid=record_uuid,
                created_at=created,
                updated_at=updated,
                demo=demo,
                audit_it=False,
            )
            added_patients += 1
        added_consultations = 0
        pending = [c for c in consultations if c["uuid"] not in existing_consultations]
        while pending:
            ready = [
                c
                for c in pending
                if c["revision_of"] is None or c["revision_of"] in existing_consultations
            ]
            if not ready:
                raise r.fail(pending[0]["where"] + ".revision_of", "names no consultation")
            for c in ready:
                if c["patient"] not in existing_patients:
                    raise r.fail(c["where"] + ".patient", "names no patient")
                consultation_id = repo.insert_consultation(
                    c["consultation"],
                    existing_patients[c["patient"]],
                    record_uuid=c["uuid"],
                    created_at=c["created_at"],
                    updated_at=c["updated_at"],
                    demo=c["demo"],
                )
                repo.write_parts(consultation_id, c["consultation"])
                if c["plan"] is not None:
                    fields, sessions, visits = c["plan"]
                    repo.write_plan_rows(consultation_id, sessions, visits)
                    revision_of = (
                        existing_consultations[c["revision_of"]] if c["revision_of"] else None
                    )
                    repo.mark_final(
                        consultation_id,
                        fields,
                        revision_of=revision_of,
                        finalized_at=c["finalized_at"],
                        updated_at=c["updated_at"],
                    )
                elif c["revision_of"] is not None:
                    raise r.fail(c["where"] + ".revision_of", "is set on a draft")
                existing_consultations[c["uuid"]] = consultation_id
                added_consultations += 1
            pending = [c for c in pending if c["uuid"] not in existing_consultations]
        result = ImportResult(
            added_patients,
            added_consultations,
            len(patients) - added_patients,
            len(consultations) - added_consultations,
        )
        repo.audit_event(
            Action.IMPORT,
            "database",
            detail=f"{added_patients} patients, {added_consultations} consultations added",
        )
    return result
