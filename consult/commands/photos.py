"""``consult photos import|export|list|delete``: a patient's photos, from the command line.

``import PATIENT_ID FILE… --visit baseline|session-N|review --view VIEW`` takes photos in in
bulk (an administrator's task): every file is read, turned upright and stripped of its
metadata, and checked, and the patient's photo consent with it, before anything is kept; one
file refused and nothing is (exit 1, a line for each refused file). ``export PATIENT_ID DIR``
copies a patient's photos into a folder (audited); ``list PATIENT_ID`` lists them;
``delete PHOTO_ID --reason TEXT`` deletes one, the deletion a record of its own.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def register(commands, common: argparse.ArgumentParser) -> None:
    photos = commands.add_parser(
        "photos",
        parents=[common],
        help="import, export, list or delete a patient's before-and-after photos",
        description="A patient's before-and-after photos (kept beside the records file).",
    )
    actions = photos.add_subparsers(dest="photos_command", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import",
        parents=[common],
        help="take photo files in for a patient (JPEG, PNG, TIFF, WebP, HEIC); all or none",
    )
    imp.add_argument("patient_id", type=int, metavar="PATIENT_ID")
    imp.add_argument("files", type=Path, nargs="+", metavar="FILE")
    imp.add_argument(
        "--visit", required=True, help="baseline, session-N (the session's number) or review"
    )
    imp.add_argument(
        "--view", required=True, help="the standard view, e.g. face_front (see `photos views`)"
    )
    imp.add_argument("--area", help="the treated area (default: the one the view is of)")
    imp.add_argument(
        "--taken",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the day they were taken (default: each photo's own, else today)",
    )
    imp.set_defaults(func=_command(import_command))
    exp = actions.add_parser(
        "export", parents=[common], help="copy a patient's photos into a folder (audited)"
    )
    exp.add_argument("patient_id", type=int, metavar="PATIENT_ID")
    exp.add_argument("folder", type=Path, metavar="DIR")
    exp.set_defaults(func=_command(export_command))
    listing = actions.add_parser("list", parents=[common], help="a patient's photos")
    listing.add_argument("patient_id", type=int, metavar="PATIENT_ID")
    listing.add_argument("--deleted", action="store_true", help="list deleted photos too")
    listing.set_defaults(func=_command(list_command))
    delete = actions.add_parser(
        "delete", parents=[common], help="delete a photo (a record of its own, with a reason)"
    )
    delete.add_argument("photo_id", type=int, metavar="PHOTO_ID")
    delete.add_argument("--reason", required=True, help="why it is deleted (kept in the record)")
    delete.set_defaults(func=_command(delete_command))
    views = actions.add_parser("views", parents=[common], help="the catalog's standard views")
    views.set_defaults(func=_command(views_command))


def _command(body):
    def run(args: argparse.Namespace) -> int:
        from consult.app.errors import UserFacingError
        from consult.app.photos import PhotosRefused
        from consult.domain.catalog import CatalogError
        from consult.storage.errors import StorageError

        try:
            return body(args)
        except PhotosRefused as exc:
            print(
                f"consult: no photo was imported; {len(exc.refusals)} file(s) refused:",
                file=sys.stderr,
            )
            for refusal in exc.refusals:
                print(f"  {refusal.path}: {refusal.message}", file=sys.stderr)
            return 1
        except (StorageError, UserFacingError) as exc:
            print(f"consult: {exc.message}", file=sys.stderr)
            return 1
        except CatalogError as exc:
            print(f"The catalog cannot be used: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"consult: {exc.strerror or exc}", file=sys.stderr)
            return 1

    return run


def _desk(args: argparse.Namespace, *permissions, readonly: bool = False):
    """The records, signed in for an account that may do ``permissions``, and the photo
    tasks on them."""
    from consult.app.catalog import load_catalog
    from consult.app.consents import ConsentDesk
    from consult.app.photos import PhotoDesk
    from consult.app.session import require
    from consult.commands import credentials
    from consult.storage import RecordStore
    from consult.system.folders import data_dir

    catalog = load_catalog().catalog
    store = RecordStore.open(
        getattr(args, "db", None), catalog=catalog, create=False, verify=False, readonly=readonly
    )
    try:
        session = credentials.sign_in(args, store, permissions[0])
        for permission in permissions[1:]:
            if session is not None:
                require(session, permission)
    except BaseException:
        store.close()
        raise
    signed_in = (lambda: session) if session is not None else None
    consents = ConsentDesk(catalog, store, data_dir(), signed_in)
    return store, PhotoDesk(catalog, store, consents, signed_in)


def _area(desk, patient_id: int, view_id: str, given: str | None) -> str:
    from consult.app.errors import UserFacingError

    try:
        view = desk.catalog.photo_view(view_id)
    except KeyError:
        known = ", ".join(v.id for v in desk.catalog.photo_views)
        raise UserFacingError(f'"{view_id}" is not a standard view. The views: {known}.') from None
    if given:
        return given
    if len(view.areas) == 1:
        return view.areas[0]
    treated = [a for a in desk.areas_for(patient_id) if a in view.areas]
    return treated[0]


def import_command(args: argparse.Namespace) -> int:
    from consult.app.errors import UserFacingError
    from consult.commands import credentials
    from consult.domain.access import Permission
    from consult.domain.photos import PhotoError, Visit

    try:
        visit = Visit.parse(args.visit)
    except PhotoError as exc:
        raise UserFacingError(exc.message) from exc
    store, desk = _desk(args, Permission.EXCHANGE, Permission.PHOTOS)
    with store:
        store.patients.get(args.patient_id)
        area = _area(desk, args.patient_id, args.view, args.area)
        added = desk.import_files(
            args.patient_id,
            args.files,
            visit=visit,
            area_id=area,
            view_id=args.view,
            taken_on=args.taken,
        )
    print(
        f"Imported {len(added)} photo(s) for patient {args.patient_id} ({visit.label}, "
        f"{desk.view_name(args.view)}): " + ", ".join(f"#{p.id}" for p in added) + "."
    )
    print("Each was turned upright and kept without its metadata (GPS, camera, time).")
    credentials.note_if_unprotected()
    return 0


def export_command(args: argparse.Namespace) -> int:
    from consult.commands import credentials
    from consult.domain.access import Permission

    store, desk = _desk(args, Permission.EXPORT_PHOTOS)
    with store:
        store.patients.get(args.patient_id)
        written = desk.export(args.patient_id, args.folder)
    print(f"Exported {len(written)} photo(s) of patient {args.patient_id} to {args.folder}.")
    credentials.note_if_unprotected()
    return 0


def list_command(args: argparse.Namespace) -> int:
    from consult.domain.access import Permission

    store, desk = _desk(args, Permission.PHOTOS, readonly=True)
    with store:
        store.patients.get(args.patient_id)
        photos = store.photos.for_patient(args.patient_id, deleted=args.deleted)
    print(f"Photos of patient {args.patient_id} ({len(photos)}):")
    for p in photos:
        uses = [u for u, on in (("teaching", p.teaching), ("marketing", p.marketing)) if on]
        state = (
            f"  DELETED {p.deletion.deleted_at[:10]} by {p.deletion.deleted_by}"
            if (p.deletion)
            else ""
        )
        print(
            f"  #{p.id}  {p.taken_on}  {p.visit.label:<11} {desk.view_name(p.view_id):<24} "
            f"{p.width}×{p.height} {p.source:<6} by {p.taken_by}"
            f"  uses: record{''.join(', ' + u for u in uses)}{state}"
        )
    return 0


def delete_command(args: argparse.Namespace) -> int:
    from consult.commands import credentials
    from consult.domain.access import Permission

    store, desk = _desk(args, Permission.DELETE_PHOTO)
    with store:
        desk.delete(args.photo_id, args.reason)
    print(
        f"Deleted photo {args.photo_id}: its picture was erased; the deletion and its reason "
        "are kept in the record."
    )
    credentials.note_if_unprotected()
    return 0


def views_command(args: argparse.Namespace) -> int:
    from consult.app.catalog import load_catalog

    catalog = load_catalog().catalog
    for view in catalog.photo_views:
        print(f"  {view.id:<20} {view.name['en']:<26} areas: {', '.join(view.areas)}")
    return 0
