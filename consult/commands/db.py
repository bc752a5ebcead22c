"""``consult db backup|restore|check|verify|export|import|seed-demo``: the records database.

Every problem is printed as one plain paragraph on stderr with exit code 1, never a
traceback. ``--db PATH`` picks the records file (default: records.sqlite3 in the data folder).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from consult.commands import credentials
from consult.domain.access import Permission

if TYPE_CHECKING:
    from consult.storage.store import RecordStore


def register(commands, common: argparse.ArgumentParser) -> None:
    db = commands.add_parser(
        "db",
        parents=[common],
        help="back up, restore, check, export or import the records database",
        description="Work with the records database (by default records.sqlite3 in the data "
        "folder; choose another file with --db PATH).",
    )
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    backup = actions.add_parser(
        "backup",
        parents=[common],
        help="write a checked copy of the database to DEST (never overwrites)",
    )
    backup.add_argument("dest", type=Path, metavar="DEST")
    backup.set_defaults(func=_command(backup_command))

    restore = actions.add_parser(
        "restore",
        parents=[common],
        help="replace the database with a backup, after checking it (the old file is kept)",
    )
    restore.add_argument("source", type=Path, metavar="SRC")
    restore.set_defaults(func=_command(restore_command))

    check = actions.add_parser(
        "check",
        parents=[common],
        help="check the database for damage and walk the audit trail (exit 1 on a problem)",
    )
    check.add_argument(
        "--full",
        action="store_true",
        help="also check every index against its table (SQLite's integrity_check; slower)",
    )
    check.add_argument(
        "--repair",
        action="store_true",
        help="put back safety checks (triggers) removed outside the app, then check",
    )
    check.set_defaults(func=_command(check_command))

    verify = actions.add_parser(
        "verify",
        parents=[common],
        help="walk the audit trail's hash chain (exit 1 if an entry was changed or deleted)",
    )
    verify.set_defaults(func=_command(verify_command))

    export = actions.add_parser(
        "export",
        parents=[common],
        help="write every record to DEST: a JSON file or a folder of CSV files",
    )
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument(
        "--records-only",
        action="store_true",
        help="leave the photos out (for sharing): the file says how many it left out",
    )
    export.add_argument("dest", type=Path, metavar="DEST")
    export.set_defaults(func=_command(export_command))

    imp = actions.add_parser(
        "import",
        parents=[common],
        help="add the records of a JSON export that are not in the database yet",
    )
    imp.add_argument("source", type=Path, metavar="FILE.json")
    imp.set_defaults(func=_command(import_command))

    seed = actions.add_parser(
        "seed-demo",
        parents=[common],
        help="add demo patients and consultations, marked as demo data",
    )
    seed.add_argument("--patients", type=int, default=50, metavar="N")
    seed.add_argument("--seed", type=int, default=None, help="repeatable demo data")
    seed.set_defaults(func=_command(seed_command))

    from consult.commands.course import register_db

    register_db(actions, common)


def _command(body: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import sqlite3

        from consult.app.errors import UserFacingError
        from consult.domain.catalog import CatalogError
        from consult.storage.database import resolve, translate
        from consult.storage.errors import StorageError

        try:
            status = body(args)
            if status == 0:
                credentials.note_if_unprotected()
            return status
        except (StorageError, UserFacingError) as exc:
            print(exc.message, file=sys.stderr)
            return 1
        except (sqlite3.Error, OSError) as exc:
            print(translate(exc, resolve(getattr(args, "db", None))).message, file=sys.stderr)
            return 1
        except CatalogError as exc:
            print(f"The catalog cannot be used: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("Stopped; nothing half-done was saved.", file=sys.stderr)
            return 130

    return run


@contextlib.contextmanager
def _open(args: argparse.Namespace, permission: Permission, **options) -> Iterator[RecordStore]:
    """The records, opened for an account that may do ``permission`` (see credentials)."""
    from consult.storage import RecordStore

    with RecordStore.open(getattr(args, "db", None), **options) as store:
        credentials.sign_in(args, store, permission)
        yield store


def backup_command(args: argparse.Namespace) -> int:
    from consult.storage.backup import backup_with_audit

    with _open(args, Permission.BACKUP, create=False) as store:
        path = backup_with_audit(store, args.dest)
        counts = store.health.counts()
    print(
        f"Backed up {counts['patients']} patients and {counts['consultations']} consultations "
        f"to {path}."
    )
    return 0


def restore_command(args: argparse.Namespace) -> int:
    from consult.storage import RecordStore, restore
    from consult.storage.database import resolve
    from consult.storage.errors import StorageError

    target = resolve(getattr(args, "db", None))
    # The records being replaced decide who may replace them; when they cannot be opened
    # (damaged: the reason to restore), the backup's own accounts do.
    try:
        store = RecordStore.open(target, readonly=True, verify=False)
    except StorageError:
        store = RecordStore.open(args.source, readonly=True, verify=False)
    with store:
        credentials.sign_in(args, store, Permission.RESTORE)
        provider = store.provider
    result = restore(args.source, target, provider=provider)
    print(f"Restored {result.path} from {args.source}.")
    if result.kept is not None:
        print(f"The file it replaced is kept at {result.kept}.")
    return 0


def check_command(args: argparse.Namespace) -> int:
    from consult.system import diskcrypt

    if getattr(args, "repair", False):
        from consult.storage import RecordStore
        from consult.storage.database import connect_raw, resolve
        from consult.storage.opening import repair_guards

        # Putting the file's safety checks back changes it: an administrator's task. The
        # file is refused by the ordinary opening (that is why it needs repair), so the
        # sign-in is checked on a connection without the schema check.
        path = resolve(getattr(args, "db", None))
        with RecordStore(connect_raw(path), path) as store:
            credentials.sign_in(args, store, Permission.RESTORE)
        names = repair_guards(path)
        if names:
            print(f"Put back {len(names)} safety check(s): {', '.join(names)}.")
    with _open(args, Permission.BACKUP, readonly=True, verify=False) as store:
        report = store.health.check(full=args.full)
        path = store.path
    print(report.summary(), file=sys.stdout if report.healthy else sys.stderr)
    for problem in report.audit.problems:
        print(f"  {problem}", file=sys.stderr)
    # Advice, not a problem with the file: the exit code says only whether the file is sound.
    disk = diskcrypt.check(path.parent if path is not None else Path.cwd())
    print(f"Disk encryption: {disk.summary()}", file=sys.stdout if disk.encrypted else sys.stderr)
    return 0 if report.healthy else 1


def verify_command(args: argparse.Namespace) -> int:
    from consult.storage import errors
    from consult.storage.database import resolve
    from consult.storage.health import PageCheck

    # A damaged file is refused, as opening it with its page check would (``verify=True``);
    # the page check runs on a thread of its own while the trail is walked, as in db check.
    path = resolve(getattr(args, "db", None))
    pages = PageCheck(path, full=False)
    try:
        with _open(args, Permission.BACKUP, readonly=True, verify=False) as store:
            report = store.audit.verify()
    except Exception:
        if pages.damaged():
            raise errors.corrupt(path) from None
        raise
    if pages.damaged():
        raise errors.corrupt(path)
    pages.result()  # an error that stopped the page check, if any
    if report.intact:
        print(report.summary())
        return 0
    print(report.summary(), file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def export_command(args: argparse.Namespace) -> int:
    from consult.storage.exchange import export

    with _open(args, Permission.EXCHANGE, create=False) as store:
        path = export(store, args.dest, args.format, photos=not args.records_only)
        counts = store.health.counts()
        records = store.photos.count(deleted=True) if "photos" in counts else 0
    what = "JSON file" if args.format == "json" else "folder of CSV files"
    print(
        f"Exported {counts['patients']} patients and {counts['consultations']} consultations "
        f"to the {what} {path}."
    )
    photos = counts.get("photos", 0)
    if args.records_only and records:
        print(f"Records only: the {records} photo records were left out, as the file says.")
    elif photos and args.format == "json":
        print(f"The {photos} photos' pictures are in {path}.photos beside it: keep them together.")
    elif photos:
        print("The photos are listed in photos.csv; their pictures are only in a JSON export.")
    return 0


def import_command(args: argparse.Namespace) -> int:
    from consult.storage.backup import auto_backup
    from consult.storage.exchange import import_json

    # Every imported plan is checked against the catalog in use.
    with _open(args, Permission.EXCHANGE) as store:
        auto_backup(store)
        result = import_json(store, args.source)
    print(result.summary())
    return 0


def seed_command(args: argparse.Namespace) -> int:
    from consult.app.catalog import load_catalog
    from consult.storage.demo import seed_demo

    if args.patients < 0:
        print("The number of patients cannot be negative.", file=sys.stderr)
        return 1
    catalog = load_catalog().catalog
    from consult.app.demo_consents import seed_demo_consents
    from consult.app.demo_course import seed_demo_courses
    from consult.storage.backup import auto_backup
    from consult.system.folders import data_dir

    with _open(args, Permission.EXCHANGE) as store:
        store.catalog = catalog
        auto_backup(store)
        result = seed_demo(store, catalog, args.patients, seed=args.seed)
        consents = seed_demo_consents(catalog, store, data_dir(), seed=args.seed)
        courses = seed_demo_courses(catalog, store, data_dir(), seed=args.seed)
    print(result.summary())
    if consents:
        print(
            f"Added {consents} demo consent records (the signed ones sealed), marked as demo data."
        )
    if courses:
        print(
            f"Added {courses} demo patients part-way through a course (sessions charted, one "
            "missed, one rescheduled), marked as demo data."
        )
    return 0
