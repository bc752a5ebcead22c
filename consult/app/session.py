"""Who is at the keyboard: the signed-in account, and the check every task makes first.

A ``Session`` is made only by signing in (``Clinic.sign_in``, the command line's
credentials). ``require`` is the one check, made by the application layer before each task,
so the window and the command line refuse the same things; a locked session may do nothing
until the same person unlocks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from consult.app.errors import UserFacingError
from consult.domain.access import TOKEN_PERMISSIONS, Permission, Role, allows

if TYPE_CHECKING:
    from consult.storage.accounts import Account


class AccessDenied(UserFacingError):
    """The signed-in account may not do this (or no one is signed in, or the screen is
    locked); ``message`` says so."""


@dataclass
class Session:
    account: Account
    via_token: bool = False  # an administrator's token for scripted backups: backups only
    locked: bool = field(default=False)

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def role(self) -> Role:
        return self.account.role

    def may(self, permission: Permission) -> bool:
        if self.locked:
            return False
        if self.via_token:
            return permission in TOKEN_PERMISSIONS
        return allows(self.account.role, permission)

    def require(self, permission: Permission) -> None:
        if self.may(permission):
            return
        if self.locked:
            raise AccessDenied(
                "The screen is locked. Sign in again to go on.", title="The screen is locked"
            )
        who = "An administrator's token" if self.via_token else f"A{_n(self.role)} account"
        raise AccessDenied(
            f"{who} may not {permission.label}. Ask an administrator if you need to.",
            title="Not allowed for your account",
        )


def require(session: Session | None, permission: Permission) -> None:
    """``session.require``, and a refusal when no one is signed in."""
    if session is None:
        raise AccessDenied(
            f"Sign in first: only a signed-in account may {permission.label}.",
            title="Sign in first",
        )
    session.require(permission)


def _n(role: Role) -> str:
    return f"n {role.value}" if role.value[0] in "aeiou" else f" {role.value}"
