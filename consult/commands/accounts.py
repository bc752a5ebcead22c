"""``consult accounts add|list|disable|enable|set-secret|token``: who may use the records.

Every action needs an administrator's credentials (``--user NAME``; the PIN or password from
the terminal, or with ``--password-stdin`` from standard input), except the very first
account of a records file, which must be an administrator. A new secret is typed twice on a
terminal; with ``--password-stdin`` standard input gives the administrator's secret on its
first line and the new secret on the next. Secrets are never taken from the command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from consult.domain.access import Role

ROLES = tuple(role.value for role in Role)


def register(commands, common: argparse.ArgumentParser) -> None:
    accounts = commands.add_parser(
        "accounts",
        parents=[common],
        help="add, list, disable or enable the people who may use the records",
        description="Each person has an account with a role: provider, assistant or "
        "administrator. An administrator's credentials are needed for every action here, "
        "but for creating the first administrator of a records file.",
    )
    actions = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        parents=[common],
        help="add an account (its PIN or password is asked for, never given on the command line)",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", choices=ROLES, required=True)
    add.set_defaults(func=_command(add_command))

    listing = actions.add_parser("list", parents=[common], help="list every account")
    listing.set_defaults(func=_command(list_command))

    disable = actions.add_parser(
        "disable", parents=[common], help="stop an account from signing in (kept, never deleted)"
    )
    disable.add_argument("name", metavar="NAME")
    disable.set_defaults(func=_command(lambda args: active_command(args, False)))

    enable = actions.add_parser("enable", parents=[common], help="let a disabled account in again")
    enable.add_argument("name", metavar="NAME")
    enable.set_defaults(func=_command(lambda args: active_command(args, True)))

    secret = actions.add_parser(
        "set-secret",
        parents=[common],
        help="give an account a new PIN or password (this also ends a lockout)",
    )
    secret.add_argument("name", metavar="NAME")
    secret.set_defaults(func=_command(secret_command))

    token = actions.add_parser(
        "token",
        parents=[common],
        help="make a new token for an administrator's scripted backups (shown once)",
        description="Prints a new token for the administrator NAME, replacing any earlier "
        "one. Set it in the CONSULT_TOKEN environment variable of a scheduled job: it allows "
        "db backup, db check and db verify, and nothing that reads a patient.",
    )
    token.add_argument("name", metavar="NAME")
    token.set_defaults(func=_command(token_command))


def _command(body: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from consult.app.errors import UserFacingError
        from consult.storage.errors import StorageError

        try:
            return body(args)
        except (StorageError, UserFacingError) as exc:
            print(f"consult: {exc.message}", file=sys.stderr)
            return 1
        except (KeyboardInterrupt, EOFError):
            print("Stopped; nothing was changed.", file=sys.stderr)
            return 130

    return run


def _administrator(args: argparse.Namespace, store, secrets) -> None:
    from consult.commands import credentials
    from consult.domain.access import Permission

    credentials.sign_in(args, store, Permission.ACCOUNTS, secrets)


def add_command(args: argparse.Namespace) -> int:
    from consult.app.errors import UserFacingError
    from consult.commands.credentials import SecretReader
    from consult.storage import RecordStore

    role = Role(args.role)
    secrets = SecretReader(args)
    with RecordStore.open(getattr(args, "db", None)) as store:
        if store.accounts.count() == 0:
            if role is not Role.ADMINISTRATOR:
                raise UserFacingError(
                    "These records have no accounts yet: the first one must be the "
                    "administrator (--role administrator)."
                )
            store.provider = args.name  # the first administrator adds themself
        else:
            _administrator(args, store, secrets)
        account = store.accounts.add(args.name, role, secrets.new_secret(args.name))
    print(f"Added {account.name} ({account.role.value}).")
    return 0


def list_command(args: argparse.Namespace) -> int:
    from consult.commands.credentials import SecretReader
    from consult.storage import RecordStore

    with RecordStore.open(getattr(args, "db", None), create=False) as store:
        _administrator(args, store, SecretReader(args))
        accounts = store.accounts.all()
        now = store.clock().astimezone(UTC)
    if not accounts:
        print("No accounts yet.")
        return 0
    width = max(len(a.name) for a in accounts)
    for account in accounts:
        state = "active" if account.active else "disabled"
        if account.active and account.locked_at(now):
            state = f"locked until {_local(account.locked_until)}"
        print(f"{account.name:<{width}}  {account.role.value:<13}  {state}")
    return 0


def _local(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M") if moment else ""


def active_command(args: argparse.Namespace, active: bool) -> int:
    from consult.commands.credentials import SecretReader
    from consult.storage import RecordStore

    with RecordStore.open(getattr(args, "db", None), create=False) as store:
        _administrator(args, store, SecretReader(args))
        if not active and store.provider.casefold() == args.name.casefold():
            print("consult: you cannot disable the account you signed in with.", file=sys.stderr)
            return 1
        account = store.accounts.set_active(args.name, active)
    print(f"{account.name} is {'enabled' if active else 'disabled'}.")
    return 0


def secret_command(args: argparse.Namespace) -> int:
    from consult.commands.credentials import SecretReader
    from consult.storage import RecordStore

    secrets = SecretReader(args)
    with RecordStore.open(getattr(args, "db", None), create=False) as store:
        _administrator(args, store, secrets)
        account = store.accounts.set_secret(args.name, secrets.new_secret(args.name))
    print(f"{account.name} has a new PIN or password.")
    return 0


def token_command(args: argparse.Namespace) -> int:
    from consult.commands.credentials import SecretReader
    from consult.storage import RecordStore

    with RecordStore.open(getattr(args, "db", None), create=False) as store:
        _administrator(args, store, SecretReader(args))
        token = store.accounts.issue_token(args.name)
    print(token)
    print(
        "Keep this token like a password: it is shown only this once. Put it in the "
        "CONSULT_TOKEN environment variable of the backup job.",
        file=sys.stderr,
    )
    return 0
