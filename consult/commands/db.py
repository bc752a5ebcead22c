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

from consult.commands import credentials, records_target
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
        help="check the database for damage: its pages, links, search keys, list dates and "
        "structure (exit 1 on a problem)",
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
        help="check that nothing was changed outside the app: the audit trail's chain and "
        "anchor, every record against its seal, the file's structure (exit 1 if something was)",
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

    copy = actions.add_parser(
        "copy",
        parents=[common],
        help="copy every record, audit trail included, from SRC to an empty DEST "
        "(a records file or postgresql://USER@HOST/DATABASE; either way)",
        description="Copy every record and the whole audit trail from SRC into DEST, which "
        "must hold no records yet: a SQLite file onto the clinic's server, or back into a new "
        "file. The audit trail is checked on both sides afterwards.",
    )
    copy.add_argument("source", type=records_target, metavar="SRC")
    copy.add_argument("dest", type=records_target, metavar="DEST")
    copy.set_defaults(func=_command(copy_command))

    password = actions.add_parser(
        "set-password",
        parents=[common],
        help="keep the records server's password for --db URL in this computer's keyring",
        description="Ask for the password of the database user in the server's address "
        "(--db, or File → Records…) and keep it in the keyring, never in a file. "
        "With --password-stdin it is read from standard input.",
    )
    password.set_defaults(func=_command(set_password_command))

    grant = actions.add_parser(
        "grant-app-role",
        parents=[common],
        help="on the clinic's server, as the records' owner: give the app's database ROLE "
        "what it needs, and not the right to change or delete the audit trail or any record "
        "that never changes",
    )
    grant.add_argument("role", metavar="ROLE")
    grant.set_defaults(func=_command(grant_command))

    from consult.commands.course import register_db

    register_db(actions, common)


def _command(body: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import sqlite3

        from consult.app.errors import UserFacingError
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
        except KeyboardInterrupt:
            print("Stopped; nothing half-done was saved.", file=sys.stderr)
            return 130
        except Exception as exc:
            # A catalog error can only come from a command that loaded the catalog: the
            # others (db check, db verify) never import it, not even for this.
            catalog = sys.modules.get("consult.domain.catalog")
            if catalog is None or not isinstance(exc, catalog.CatalogError):
                raise
            print(f"The catalog cannot be used: {exc}", file=sys.stderr)
            return 1

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


def _refuse_on_server(args: argparse.Namespace, what: str) -> None:
    from consult.app.errors import UserFacingError
    from consult.system.records_location import is_server

    if is_server(getattr(args, "db", None)):
        raise UserFacingError(
            f"{what} works on a records file, and these records are on the clinic's server. "
            "On the server, copy a backup into an empty database with “consult db copy "
            "BACKUP postgresql://…”, or use the server's own tools (docs/clinic-server.md)."
        )


def restore_command(args: argparse.Namespace) -> int:
    from consult.storage import RecordStore, restore
    from consult.storage.database import resolve
    from consult.storage.errors import StorageError

    _refuse_on_server(args, "Restoring a backup")
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
        _refuse_on_server(args, "Putting back a file's safety checks")
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
    # Advice, not a problem with the file: the exit code says only whether the file is sound.
    if path is not None:  # on the server, its disks are the clinic's (docs/clinic-server.md)
        disk = diskcrypt.check(path.parent)
        shown = sys.stdout if disk.encrypted else sys.stderr
        print(f"Disk encryption: {disk.summary()}", file=shown)
    return 0 if report.healthy else 1


def verify_command(args: argparse.Namespace) -> int:
    # Whether anything was changed outside the app; whether the file is damaged is db
    # check's (SQLite's page check): a damaged page verify reads is refused all the same.
    with _open(args, Permission.BACKUP, readonly=True, verify=False) as store:
        report = store.audit.verify()
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


def copy_command(args: argparse.Namespace) -> int:
    """Every record from SRC into an empty DEST; both audit trails checked afterwards."""
    from consult.app.errors import UserFacingError
    from consult.storage import RecordStore
    from consult.storage.transfer import copy_records

    if str(args.source) == str(args.dest):
        raise UserFacingError("SRC and DEST are the same records; nothing was copied.")
    # The records copied decide who may copy them, as for a backup.
    with RecordStore.open(args.source, create=False, verify=False) as source:
        credentials.sign_in(args, source, Permission.BACKUP)
        before = source.audit.verify()
        if not before.intact:
            raise UserFacingError(
                "The records in SRC do not verify, so nothing was copied (a copy would hide "
                f"what was changed): {before.problems[0]} Run “consult db check” on them."
            )
        with RecordStore.open(args.dest, catalog=source.catalog, provider=source.provider) as dest:
            result = copy_records(source, dest)
            after = dest.audit.verify()
            print(result.summary(source.where, dest.where))
    if not after.intact:
        print(after.summary(), file=sys.stderr)
        for problem in after.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Both audit trails verify: {before.entries} entries in SRC, {after.entries} in DEST.")
    return 0


def set_password_command(args: argparse.Namespace) -> int:
    """The server's password into the keyring (never a file, never printed)."""
    import getpass

    from consult.app.errors import UserFacingError
    from consult.storage import server
    from consult.system.records_location import is_server

    url = getattr(args, "db", None)
    if not is_server(url):
        raise UserFacingError(
            "Give the server's address with --db postgresql://USER@HOST/DATABASE (or set it "
            "in File → Records… first); a records file has no password."
        )
    if getattr(args, "password_stdin", False):
        secret = sys.stdin.readline().rstrip("\n")
    else:
        secret = getpass.getpass(f"Password for {server.keyring_user(url)}: ")
    if not secret:
        raise UserFacingError("No password was given; nothing was kept.")
    try:
        import keyring
        from keyring.errors import KeyringError

        keyring.set_password(server.KEYRING_SERVICE, server.keyring_user(url), secret)
    except (ImportError, KeyringError, RuntimeError) as exc:
        raise UserFacingError(
            "This computer has no keyring the app can use, so the password was not kept. "
            "Keep it in the .pgpass file of the account that runs the app instead "
            f"(docs/clinic-server.md). ({type(exc).__name__})"
        ) from None
    print(f"The password for {server.keyring_user(url)} is kept in this computer's keyring.")
    return 0


def grant_command(args: argparse.Namespace) -> int:
    """As the records' owner (--db postgresql://OWNER@HOST/DATABASE): bring the schema up to
    date, then give the app's login role its grants (``pg_schema.grant_app_role``)."""
    from consult.app.errors import UserFacingError
    from consult.storage import RecordStore, pg_schema
    from consult.system.records_location import is_server

    if not is_server(getattr(args, "db", None)):
        raise UserFacingError(
            "Give the server as the records' owner with --db postgresql://OWNER@HOST/DATABASE; "
            "a records file has no database roles."
        )
    with RecordStore.open(args.db, create=True, verify=False) as store:
        credentials.sign_in(args, store, Permission.RESTORE)
        raw = store.conn.raw  # type: ignore[attr-defined]
        owner = raw.execute(
            "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
            "WHERE oid = to_regclass('audit_log')"
        ).fetchone()
        if not (owner and owner[0]):
            raise UserFacingError(
                "Only the records' owner may give the app's role its rights: connect as the "
                "owner (--db postgresql://OWNER@HOST/DATABASE). Nothing was changed."
            )
        pg_schema.grant_app_role(raw, args.role)
        where = store.where
    print(
        f"The role {args.role} may now use the {where}: read and write records, never change "
        "or delete the audit trail, finished records, consents, photos or accounts, and never "
        "change the tables. Point every room at it (File → Records…)."
    )
    return 0
