"""``consult ics`` (a patient's appointments as a calendar file) and ``consult db lots`` (who
was treated with a cartridge lot, for a manufacturer's recall)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

FORCE_HELP = (
    "replace FILE.ics if it exists (never the records file, a backup, another database or a link)"
)


def register(commands, common: argparse.ArgumentParser) -> None:
    ics = commands.add_parser(
        "ics",
        parents=[common],
        help="write a patient's appointments as a calendar file (.ics)",
        description="Writes every appointment of a course (sessions, add-on visits, the "
        "results review) as calendar events the patient can add to their calendar: the "
        "clinic's address, a reminder the day before, and a lasting identifier per "
        "appointment, so a file issued again after a date moved updates the events instead "
        "of adding new ones. Events say only 'Appointment at <clinic>' unless the clinic "
        "turned on treatment details in Settings. The export is in the audit trail.",
    )
    ics.add_argument(
        "target",
        metavar="PATIENT_OR_CONSULTATION",
        help="a consultation's id (its course), or patient:ID for every course of a patient",
    )
    ics.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.ics")
    ics.add_argument("--force", action="store_true", help=FORCE_HELP)
    ics.set_defaults(func=ics_command)


def register_db(actions, common: argparse.ArgumentParser) -> None:
    lots = actions.add_parser(
        "lots",
        parents=[common],
        help="list every patient treated with a cartridge lot (a manufacturer's recall)",
    )
    lots.add_argument("lot", metavar="LOT")
    lots.set_defaults(func=lots_command)


def _views(desk, store, target: str):
    from consult.app.errors import UserFacingError

    kind, _, number = target.rpartition(":")
    if not number.isdigit() or kind not in ("", "patient", "consultation"):
        raise UserFacingError(
            f"{target!r} names no course: give a consultation's id (e.g. 12) or patient:ID "
            "(e.g. patient:7)."
        )
    if kind == "patient":
        views = desk.courses_of(int(number))
        if not views:
            raise UserFacingError(f"Patient {number} has no course with sessions.")
        return views
    item = store.records.consultation(int(number))
    view = desk.view(item, with_consent=False)
    if not view.plan.sessions:
        raise UserFacingError(f"Consultation {number} has no sessions to put in a calendar.")
    return [view]


def ics_command(args: argparse.Namespace) -> int:
    from consult.app.catalog import load_catalog
    from consult.app.consents import ConsentDesk
    from consult.app.course import CourseDesk
    from consult.app.errors import UserFacingError
    from consult.commands import credentials
    from consult.domain.access import Permission
    from consult.domain.catalog import CatalogError
    from consult.storage import RecordStore
    from consult.storage.database import resolve
    from consult.storage.errors import StorageError
    from consult.system.folders import data_dir

    try:
        catalog = load_catalog().catalog
        with RecordStore.open(args.db, catalog=catalog, create=False, verify=False) as store:
            credentials.sign_in(args, store, Permission.PRINT_PLAN)
            desk = CourseDesk(catalog, store, ConsentDesk(catalog, store, data_dir()))
            views = _views(desk, store, args.target)
            path = desk.save_calendar(
                views, args.output, resolve(args.db), replace=args.force, now=datetime.now(UTC)
            )
            count = sum(len(v.state.appointments) for v in views)
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (StorageError, UserFacingError) as exc:
        print(f"consult: {exc.message}", file=sys.stderr)
        return 1
    print(f"Wrote {path} ({count} appointment{'s' if count != 1 else ''}).")
    credentials.note_if_unprotected()
    return 0


def lots_command(args: argparse.Namespace) -> int:
    from consult.app.catalog import load_catalog
    from consult.app.consents import ConsentDesk
    from consult.app.course import CourseDesk
    from consult.app.errors import UserFacingError
    from consult.commands import credentials
    from consult.domain.access import Permission
    from consult.storage import RecordStore
    from consult.storage.errors import StorageError
    from consult.system.folders import data_dir

    try:
        catalog = load_catalog().catalog
        with RecordStore.open(args.db, catalog=catalog, create=False, verify=False) as store:
            credentials.sign_in(args, store, Permission.RECALL)
            desk = CourseDesk(catalog, store, ConsentDesk(catalog, store, data_dir()))
            rows = desk.lots(args.lot)
    except (StorageError, UserFacingError) as exc:
        print(f"consult: {exc.message}", file=sys.stderr)
        return 1
    if not rows:
        print(f"No signed-off visit used lot {args.lot.strip()}.")
        credentials.note_if_unprotected()
        return 0
    names = {d.id: d.name for d in catalog.devices}
    patients = len({r.patient_id for r in rows})
    print(f"{len(rows)} visit(s) used lot {args.lot.strip()}, {patients} patient(s):")
    print("date\tpatient id\tname\tborn\tphone\tsession\tdevice\tlot\texpiry\tprovider")
    for r in rows:
        print(
            "\t".join(
                [
                    r.day.isoformat(),
                    str(r.patient_id),
                    r.name,
                    r.date_of_birth.isoformat(),
                    r.phone,
                    str(r.session or ""),
                    names.get(r.device, r.device),
                    r.lot,
                    r.lot_expiry.isoformat() if r.lot_expiry else "",
                    r.provider,
                ]
            )
        )
    credentials.note_if_unprotected()
    return 0
