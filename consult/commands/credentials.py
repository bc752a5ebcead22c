"""Who runs a command: the account behind a command that reads or changes the records.

A command that reads or changes patient data signs in first, as the app's window does, and
the application layer's ``require`` decides what the account may do. The account's name comes
from ``--user NAME`` (or ``CONSULT_USER``, or a prompt on a terminal); its PIN or password is
read from the terminal without echo, or, with ``--password-stdin``, as the first line of
standard input — never from the command line, where other users of the computer could see it
in the process list. An administrator's token, for scripted backups, is read from the
``CONSULT_TOKEN`` environment variable and allows ``db backup``, ``db check`` and
``db verify`` only.

Every sign-in and failure is in the audit trail, and five wrong secrets in a row lock the
account for 15 minutes, as in the window. A records file with no account yet (a new file, or
one from before accounts) is not protected: commands run as ``command line (<system user>)``,
with a note saying so, until the administrator is created (the app's first start, or
``consult accounts add NAME --role administrator``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING

from consult.app.errors import UserFacingError
from consult.app.session import Session
from consult.domain.access import TOKEN_PERMISSIONS, Permission

if TYPE_CHECKING:
    from consult.storage.store import RecordStore

TOKEN_VARIABLE = "CONSULT_TOKEN"  # noqa: S105 - a variable name, not a secret
USER_VARIABLE = "CONSULT_USER"


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"


def unprotected_name() -> str:
    return f"command line ({os_user()})"


_unprotected: list[object] = []  # records a command used without an account


def note_if_unprotected() -> None:
    """After a command that went well: a note when it ran on records that have no account
    yet (a failure's one paragraph says only what failed)."""
    if _unprotected:
        _unprotected.clear()
        print(
            "consult: these records have no accounts yet, so anyone at this computer can use "
            "them. Start the app to create the administrator, or run “consult accounts add "
            "NAME --role administrator”.",
            file=sys.stderr,
        )


class SecretReader:
    """The secrets a command needs, in order: lines of standard input with
    ``--password-stdin``, otherwise prompts on the terminal (no echo)."""

    def __init__(self, args: argparse.Namespace):
        self.from_stdin = bool(getattr(args, "password_stdin", False))

    def read(self, prompt: str) -> str:
        if self.from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise UserFacingError(
                    "--password-stdin was given, but standard input ended before the PIN or "
                    "password: give one line for each secret the command asks for."
                )
            return line.rstrip("\r\n")
        if not sys.stdin.isatty():
            raise UserFacingError(
                "This command needs a PIN or password, and there is no terminal to ask for "
                "it on: pass it on standard input with --password-stdin (never on the "
                "command line)."
            )
        return getpass.getpass(prompt)

    def new_secret(self, whose: str) -> str:
        """A new PIN or password, typed twice on a terminal (once from standard input)."""
        first = self.read(f"New PIN or password for {whose}: ")
        if not self.from_stdin:
            again = self.read("The same again: ")
            if again != first:
                raise UserFacingError("The two did not match; nothing was changed. Try again.")
        return first


def account_name(args: argparse.Namespace) -> str:
    name = getattr(args, "user", None) or os.environ.get(USER_VARIABLE, "")
    if name:
        return name
    if not sys.stdin.isatty() or getattr(args, "password_stdin", False):
        token_note = (
            f" ({TOKEN_VARIABLE} is set, but an administrator's token runs only db backup, "
            "db check and db verify.)"
            if os.environ.get(TOKEN_VARIABLE, "").strip()
            else ""
        )
        raise UserFacingError(
            "This command reads or changes the records, so it needs an account: give it "
            f"with --user NAME (or set {USER_VARIABLE}).{token_note}"
        )
    return input("Account: ").strip()


def sign_in(
    args: argparse.Namespace,
    store: RecordStore,
    permission: Permission,
    secrets: SecretReader | None = None,
) -> Session | None:
    """Sign the command in on ``store`` and check it may do ``permission``; the store's
    audit entries then name the account. ``None`` when the records have no account yet. Raises
    ``UserFacingError`` (a refusal, in plain words). The note that the records are not
    protected is printed by ``note_if_unprotected`` once the command went well."""
    from consult.app.session import require
    from consult.storage import RecordStore
    from consult.storage.accounts import SignInRefused
    from consult.storage.database import is_read_only

    if store.accounts.count() == 0:
        store.provider = unprotected_name()
        _unprotected.append(store.path)
        return None
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    use_token = bool(token) and permission in TOKEN_PERMISSIONS
    if not use_token:
        name = account_name(args)
        secret = (secrets or SecretReader(args)).read(f"PIN or password for {name}: ")
    writable = store.on_server or (store.path is not None and not is_read_only(store.path))
    try:
        if store.readonly and writable:
            # A read-only command (db check) still records who ran it: the sign-in is
            # written on a connection of its own.
            with RecordStore.open(store.target, create=False, verify=False) as auth:
                account = (
                    auth.accounts.sign_in_token(token)
                    if use_token
                    else auth.accounts.sign_in(name, secret)
                )
        elif use_token:
            account = store.accounts.sign_in_token(token, record=writable)
        else:
            account = store.accounts.sign_in(name, secret, record=writable)
    except SignInRefused as exc:
        raise UserFacingError(exc.message) from exc
    session = Session(account, via_token=use_token)
    store.provider = session.name
    require(session, permission)
    return session
