"""``store.accounts``: who may use the records, their sign-ins, and the lockout.

Each person has an account: a name (unique whatever its case, never changed, never reused),
a role (``domain.access.Role``) and the argon2id hash of a PIN or password
(``passwords``). Secrets are never stored, logged or put in an error message.

Signing in checks the secret outside any transaction (the hash takes ~0.15 s, and a write
lock held that long would hold up every other save), then records the outcome in one
transaction with its audit entry: a success, a failure, or the lockout that
``MAX_FAILURES`` failures in a row start (``LOCKOUT`` long, during which even the right
secret is refused). A name with no account takes as long as a wrong secret, and its failure is
audited without the name typed (people type secrets into name fields).

Every change to an account (added, disabled, enabled, new secret, a token issued) is audited
under the name of the account that made it (``store.provider``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from consult.domain.access import Role
from consult.domain.model import normalize_text
from consult.storage import passwords
from consult.storage.errors import ConflictError, StorageError
from consult.storage.part import Part, guarded

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MAX_NAME = 80


class AccountAction:
    SIGN_IN = "sign-in"
    SIGN_IN_FAILED = "sign-in-failed"
    LOCKED_OUT = "locked-out"
    LOCK = "lock"
    UNLOCK = "unlock"
    SIGN_OUT = "sign-out"
    ADD = "account-add"
    DISABLE = "account-disable"
    ENABLE = "account-enable"
    NEW_SECRET = "account-secret"  # noqa: S105 - an action name
    TOKEN = "token-issued"  # noqa: S105 - an action name


RECORD_TYPE = "account"


class SignInRefused(StorageError):
    """The name, the secret or the account's state does not allow signing in; ``message``
    says so without saying which of name and secret was wrong."""


class AccountError(StorageError):
    """An account cannot be added or changed as asked (``message`` says why)."""


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: Role
    active: bool
    locked_until: datetime | None
    created_at: str

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def _parse(at: str | None) -> datetime | None:
    return datetime.fromisoformat(at) if at else None


_COLUMNS = "id, name, role, active, locked_until, created_at"


def _account(row: tuple) -> Account:
    ident, name, role, active, locked_until, created_at = row
    return Account(ident, name, Role(role), bool(active), _parse(locked_until), created_at)


def _wrong() -> SignInRefused:
    return SignInRefused(
        "That name and PIN or password do not match an account. Try again (after five "
        "wrong tries in a row an account is locked for 15 minutes)."
    )


def clean_name(name: str) -> str:
    name = normalize_text(name)
    if not name:
        raise AccountError("Enter the person's name for the account.")
    if len(name) > MAX_NAME:
        raise AccountError(f"An account's name can have at most {MAX_NAME} characters.")
    return name


class Accounts(Part):
    """``store.accounts``."""

    # ------------------------------------------------------------------ reading

    @guarded
    def all(self) -> list[Account]:
        """Every account, disabled ones too, by name."""
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM accounts ORDER BY name COLLATE NOCASE")
        return [_account(row) for row in rows]

    @guarded
    def count(self) -> int:
        """How many accounts may sign in (none: the records are not protected yet)."""
        if not self._table_exists():
            return 0
        return self.conn.execute("SELECT count(*) FROM accounts WHERE active = 1").fetchone()[0]

    @guarded
    def get(self, name: str) -> Account | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM accounts WHERE name = ?", [normalize_text(name)]
        ).fetchone()
        return _account(row) if row else None

    def _table_exists(self) -> bool:
        # A file of an earlier schema, opened read-only (``db check``), has no accounts table.
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts'"
        ).fetchone()
        return found is not None

    # ------------------------------------------------------------------ changing

    @guarded
    def add(self, name: str, role: Role, secret: str) -> Account:
        """A new account; ``AccountError`` when the name is taken or the secret too short."""
        name = clean_name(name)
        try:
            secret_hash = passwords.hash_secret(secret)
        except passwords.WeakSecret as exc:
            raise AccountError(str(exc)) from None
        now = self.store.now()
        try:
            with self.store.transaction():
                cursor = self.conn.execute(
                    "INSERT INTO accounts (name, role, secret_hash, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [name, role.value, secret_hash, now, now],
                )
                ident = cursor.lastrowid
                self.store.audit_event(
                    AccountAction.ADD, RECORD_TYPE, ident, detail=f"role {role.value}"
                )
        except sqlite3.IntegrityError:
            raise AccountError(
                f"There is already an account named “{name}”. Choose another name (an account "
                "is never deleted, so a disabled one keeps its name)."
            ) from None
        found = self.get(name)
        assert found is not None
        return found

    def _require(self, name: str) -> Account:
        found = self.get(name)
        if found is None:
            raise AccountError(f"There is no account named “{normalize_text(name)}”.")
        return found

    @guarded
    def set_active(self, name: str, active: bool) -> Account:
        """Disable an account (it can no longer sign in) or enable it again. The last active
        administrator is never disabled: someone must be able to manage the accounts."""
        account = self._require(name)
        with self.store.transaction():
            if not active and account.role is Role.ADMINISTRATOR and account.active:
                others = self.conn.execute(
                    "SELECT count(*) FROM accounts WHERE role = 'administrator' AND active = 1 "
                    "AND id != ?",
                    [account.id],
                ).fetchone()[0]
                if not others:
                    raise ConflictError(
                        f"“{account.name}” is the only administrator who can sign in; add "
                        "another administrator before disabling this account."
                    )
            self.conn.execute(
                "UPDATE accounts SET active = ?, failed_sign_ins = 0, locked_until = NULL, "
                "updated_at = ? WHERE id = ?",
                [int(active), self.store.now(), account.id],
            )
            action = AccountAction.ENABLE if active else AccountAction.DISABLE
            self.store.audit_event(action, RECORD_TYPE, account.id)
        return self._require(name)

    @guarded
    def set_secret(self, name: str, secret: str) -> Account:
        """A new PIN or password (a forgotten one is replaced, never shown); it also ends a
        lockout."""
        account = self._require(name)
        try:
            secret_hash = passwords.hash_secret(secret)
        except passwords.WeakSecret as exc:
            raise AccountError(str(exc)) from None
        with self.store.transaction():
            self.conn.execute(
                "UPDATE accounts SET secret_hash = ?, failed_sign_ins = 0, locked_until = NULL, "
                "updated_at = ? WHERE id = ?",
                [secret_hash, self.store.now(), account.id],
            )
            self.store.audit_event(AccountAction.NEW_SECRET, RECORD_TYPE, account.id)
        return self._require(name)

    @guarded
    def issue_token(self, name: str) -> str:
        """A new token for an administrator's scripted backups, replacing any earlier one.
        Only its digest is kept: it is shown once, here."""
        account = self._require(name)
        if account.role is not Role.ADMINISTRATOR or not account.active:
            raise AccountError("Only an active administrator's account can have a token.")
        token = passwords.new_token()
        with self.store.transaction():
            self.conn.execute(
                "UPDATE accounts SET token_digest = ?, updated_at = ? WHERE id = ?",
                [passwords.token_digest(token), self.store.now(), account.id],
            )
            self.store.audit_event(AccountAction.TOKEN, RECORD_TYPE, account.id)
        return token

    # ------------------------------------------------------------------ signing in

    @guarded
    def sign_in(
        self, name: str, secret: str, *, unlock: bool = False, record: bool = True
    ) -> Account:
        """The account, when ``secret`` is its own and it may sign in now; otherwise
        ``SignInRefused``. Either way the attempt is in the audit trail (``unlock``: the
        same person back at a locked screen, recorded as an unlock). ``record=False`` only
        for a records file that cannot be written (a read-only copy): nothing is recorded,
        and a failure is not counted towards the lockout."""
        now = self.store.clock().astimezone(UTC)
        row = self.conn.execute(
            f"SELECT {_COLUMNS}, secret_hash FROM accounts WHERE name = ?",
            [normalize_text(name)],
        ).fetchone()
        if row is None:
            passwords.waste_time(secret)
            self._record(record, AccountAction.SIGN_IN_FAILED, None, "", "no such account")
            raise _wrong()
        account, secret_hash = _account(row[:-1]), row[-1]
        if not account.active:
            passwords.waste_time(secret)
            self._record(record, AccountAction.SIGN_IN_FAILED, account.id, account.name, "disabled")
            raise SignInRefused(
                f"The account “{account.name}” is disabled. Ask an administrator to enable it."
            )
        if account.locked_at(now):
            self._record(
                record, AccountAction.SIGN_IN_FAILED, account.id, account.name, "locked out"
            )
            raise SignInRefused(_locked_message(account, now))
        if not passwords.verify(secret_hash, secret):
            locked = self._failed(account, now) if record else None
            if locked is not None:
                raise SignInRefused(_locked_message(locked, now))
            raise _wrong()
        if not record:
            return account
        rehashed = passwords.hash_secret(secret) if passwords.needs_rehash(secret_hash) else None
        with self.store.transaction():
            self.conn.execute(
                "UPDATE accounts SET failed_sign_ins = 0, locked_until = NULL, "
                "secret_hash = coalesce(?, secret_hash) WHERE id = ?",
                [rehashed, account.id],
            )
            action = AccountAction.UNLOCK if unlock else AccountAction.SIGN_IN
            self.store.audit_event(action, RECORD_TYPE, account.id, provider=account.name)
        return account

    @guarded
    def sign_in_token(self, token: str, *, record: bool = True) -> Account:
        """The administrator whose token this is (``SignInRefused`` otherwise); audited
        (unless ``record`` is False: a read-only file)."""
        digest = passwords.token_digest(token)
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM accounts WHERE token_digest = ? AND active = 1 "
            "AND role = 'administrator'",
            [digest],
        ).fetchone()
        if row is None:
            self._record(record, AccountAction.SIGN_IN_FAILED, None, "", "unknown token")
            raise SignInRefused(
                "The administrator token is not valid (it was replaced, or its account was "
                "disabled). Make a new one with “consult accounts token NAME”."
            )
        account = _account(row)
        self._record(record, AccountAction.SIGN_IN, account.id, account.name, "token")
        return account

    @guarded
    def record_event(self, action: str, account: Account, detail: str = "") -> None:
        """A lock, an unlock or a sign-out of ``account``, in the audit trail."""
        if action not in (AccountAction.LOCK, AccountAction.UNLOCK, AccountAction.SIGN_OUT):
            raise ValueError(f"not an account event: {action!r}")
        self._record(True, action, account.id, account.name, detail)

    def _record(self, record: bool, action: str, ident: int | None, name: str, detail: str) -> None:
        if not record:
            return
        with self.store.transaction():
            self.store.audit_event(action, RECORD_TYPE, ident, provider=name, detail=detail)

    def _failed(self, account: Account, now: datetime) -> Account | None:
        """Count a wrong secret; the account as locked when this failure locks it."""
        with self.store.transaction():
            failures = self.conn.execute(
                "UPDATE accounts SET failed_sign_ins = failed_sign_ins + 1 WHERE id = ? "
                "RETURNING failed_sign_ins",
                [account.id],
            ).fetchone()[0]
            self.store.audit_event(
                AccountAction.SIGN_IN_FAILED,
                RECORD_TYPE,
                account.id,
                provider=account.name,
                detail=f"wrong secret ({failures} in a row)",
            )
            if failures < MAX_FAILURES:
                return None
            until = now + LOCKOUT
            self.conn.execute(
                "UPDATE accounts SET failed_sign_ins = 0, locked_until = ? WHERE id = ?",
                [until.isoformat(timespec="microseconds"), account.id],
            )
            self.store.audit_event(
                AccountAction.LOCKED_OUT,
                RECORD_TYPE,
                account.id,
                provider=account.name,
                detail=f"{MAX_FAILURES} wrong secrets; locked for {_minutes(LOCKOUT)} minutes",
            )
        return self._require(account.name)


def _minutes(span: timedelta) -> int:
    return max(1, -(-int(span.total_seconds()) // 60))


def _locked_message(account: Account, now: datetime) -> str:
    assert account.locked_until is not None
    left = _minutes(account.locked_until - now)
    return (
        f"The account “{account.name}” is locked for {left} more minute{'s' if left != 1 else ''} "
        f"after {MAX_FAILURES} wrong tries in a row. Wait, or ask an administrator to set a new "
        "PIN or password."
    )
