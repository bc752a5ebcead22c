"""``consult consent list|pdf|verify``: the signed consents, from the command line.

``list PATIENT_ID`` shows every consent decision of a patient (signed, refused, deferred,
withdrawn) and whether each counts today; ``pdf ID -o FILE.pdf`` writes a signed consent's
sealed PDF exactly as stored (audited); ``verify ID [FILE.pdf]`` recomputes the hashes of the
stored consent, or of a copy, and checks the PDF's digital seal: exit 1 on any mismatch;
``withdraw ID --note TEXT`` records that the patient took a signed consent back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORCE_HELP = "replace FILE.pdf if it exists (never the records file, a backup or a link)"


def register(commands, common: argparse.ArgumentParser) -> None:
    consent = commands.add_parser(
        "consent",
        parents=[common],
        help="list, write or verify signed consents",
        description="Informed consent as patients gave it on the signing screen.",
    )
    actions = consent.add_subparsers(dest="consent_command", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", parents=[common], help="every consent decision of a patient"
    )
    listing.add_argument("patient_id", type=int, metavar="PATIENT_ID")
    listing.set_defaults(func=_command(list_command))
    pdf = actions.add_parser(
        "pdf", parents=[common], help="write a signed consent's sealed PDF, exactly as stored"
    )
    pdf.add_argument("consent_id", type=int, metavar="ID")
    pdf.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")
    pdf.add_argument("--force", action="store_true", help=FORCE_HELP)
    pdf.set_defaults(func=_command(pdf_command))
    verify = actions.add_parser(
        "verify",
        parents=[common],
        help="recompute a consent's hashes and check its PDF's seal (exit 1 on a mismatch)",
    )
    verify.add_argument("consent_id", type=int, metavar="ID")
    verify.add_argument(
        "file", type=Path, nargs="?", metavar="FILE.pdf", help="a copy to check instead"
    )
    verify.set_defaults(func=_command(verify_command))
    withdraw = actions.add_parser(
        "withdraw",
        parents=[common],
        help="record that the patient withdrew a signed consent (a new record)",
    )
    withdraw.add_argument("consent_id", type=int, metavar="ID")
    withdraw.add_argument(
        "--note", required=True, help="how and when the patient said so (no other patient data)"
    )
    withdraw.add_argument(
        "--provider",
        help="who records it, on records without accounts (default: the consultation's "
        "provider); otherwise the signed-in account",
    )
    withdraw.set_defaults(func=_command(withdraw_command))


def _command(body):
    def run(args: argparse.Namespace) -> int:
        from consult.app.errors import UserFacingError
        from consult.domain.catalog import CatalogError
        from consult.storage.errors import StorageError

        try:
            return body(args)
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


def _desk(args: argparse.Namespace, permission, **options):
    """The records, signed in for an account that may do ``permission`` (see credentials),
    and the consent tasks on them."""
    from consult.app.catalog import load_catalog
    from consult.app.consents import ConsentDesk
    from consult.commands import credentials
    from consult.storage import RecordStore
    from consult.system.folders import data_dir

    catalog = load_catalog().catalog
    store = RecordStore.open(
        getattr(args, "db", None), catalog=catalog, create=False, verify=False, **options
    )
    try:
        session = credentials.sign_in(args, store, permission)
    except BaseException:
        store.close()
        raise
    # The consent's provider is the signed-in account (none on records without accounts).
    signed_in = (lambda: session) if session is not None else None
    return store, ConsentDesk(catalog, store, data_dir(), signed_in)


def list_command(args: argparse.Namespace) -> int:
    from consult.domain.access import Permission
    from consult.domain.consent import DECISION_WORDS, Decision, judge

    store, desk = _desk(args, Permission.VIEW_PATIENTS, readonly=True)
    with store:
        patient = store.patients.get(args.patient_id)
        found = desk.history(args.patient_id)
        months = store.clinic.settings().consent_valid_months
        now = desk._now()
        print(f"Consents of patient {args.patient_id} ({len(found)} record(s)):")
        records = [c.record() for c in found]
        known = {d.id: d for d in desk.catalog.consents}
        for c in found:
            state = ""
            if c.decision is Decision.SIGNED and c.document in known:
                valid, why = judge(known[c.document], records, now=now, valid_months=months)
                state = " · valid" if valid is not None and valid.id == c.id else f" · {why}"
                if valid is None or valid.id != c.id:
                    state = f" · not valid ({why or 'a later record replaces it'})"
            extra = f" (withdraws {c.withdraws})" if c.withdraws else ""
            demo = " [demo]" if c.demo else ""
            print(
                f"  #{c.id}  {c.signed_at.astimezone():%Y-%m-%d %H:%M}  {c.document} "
                f"v{c.version} ({c.language})  {DECISION_WORDS[c.decision]}{extra}  "
                f"provider: {c.provider}  consultation {c.consultation_id}{state}{demo}"
            )
            if c.pdf_sha256:
                print(f"      PDF SHA-256 {c.pdf_sha256}")
        if not found:
            print(f"  none yet for {patient.name}.")
    return 0


def pdf_command(args: argparse.Namespace) -> int:
    from consult.commands import credentials
    from consult.domain.access import Permission

    store, desk = _desk(args, Permission.PRINT_PLAN)
    with store:
        dest = desk.save_pdf(args.consent_id, args.output, replace=args.force)
    print(f"Wrote {dest}.")
    credentials.note_if_unprotected()
    return 0


def verify_command(args: argparse.Namespace) -> int:
    from consult.domain.access import Permission

    store, desk = _desk(args, Permission.PRINT_PLAN, readonly=True)
    with store:
        report = desk.verify(args.consent_id, args.file)
    print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def withdraw_command(args: argparse.Namespace) -> int:
    from consult.commands import credentials
    from consult.domain.access import Permission

    store, desk = _desk(args, Permission.CONSULT)
    with store:
        record = desk.withdraw(args.consent_id, provider=args.provider, note=args.note)
    print(f"Recorded the withdrawal of consent {args.consent_id} (record {record.id}).")
    credentials.note_if_unprotected()
    return 0
