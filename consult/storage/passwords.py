"""Hashing an account's PIN or password: argon2id, memory-hard, never kept in clear.

Each account keeps only the argon2id hash of its secret (the encoded string holds the salt
and the parameters, so a hash made with weaker parameters is recognised and made again at the
next sign-in). The parameters are RFC 9106's second recommendation with one lane: 64 MiB of
memory and 3 passes, about 0.15 s on a clinic's desktop, which is felt once at sign-in and
makes guessing from a stolen file slow. A PIN of six digits is still a million guesses
(about two days of one core): the lockout protects against the person at the keyboard, and
encryption at rest (``cipher``) against a stolen file.

argon2-cffi is imported on first use, never at start-up: the window shows first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_SECRET = 6  # characters; a PIN of six digits or a password
MAX_SECRET = 1024  # no secret this long is typed; it bounds the work of one sign-in


@dataclass(frozen=True)
class Parameters:
    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 1


#: What new hashes are made with. Tests of other things lower it (see tests/conftest.py).
PARAMETERS = Parameters()

_hashers: dict[Parameters, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    params = PARAMETERS
    found = _hashers.get(params)
    if found is None:
        from argon2 import PasswordHasher, Type

        found = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            type=Type.ID,
        )
        _hashers[params] = found
    return found


class WeakSecret(ValueError):
    """The secret is too short or too long; ``str(exc)`` says so in plain words."""


def check_strength(secret: str) -> None:
    if len(secret) < MIN_SECRET:
        raise WeakSecret(
            f"A PIN or password needs at least {MIN_SECRET} characters (digits for a PIN)."
        )
    if len(secret) > MAX_SECRET:
        raise WeakSecret(f"A PIN or password can have at most {MAX_SECRET} characters.")
    if not secret.strip():
        raise WeakSecret("A PIN or password cannot be only spaces.")


def hash_secret(secret: str) -> str:
    """The argon2id hash of ``secret`` (a new random salt each time)."""
    check_strength(secret)
    return _hasher().hash(secret)


def verify(encoded: str, secret: str) -> bool:
    """True when ``secret`` is the one ``encoded`` was made from. Never raises for a wrong
    secret or a damaged hash (both are simply not a match)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    if len(secret) > MAX_SECRET:
        return False
    try:
        return _hasher().verify(encoded, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    """True when ``encoded`` was made with other parameters than today's."""
    from argon2.exceptions import InvalidHashError

    try:
        return _hasher().check_needs_rehash(encoded)
    except InvalidHashError:
        return True


_DUMMY: dict[Parameters, str] = {}


def waste_time(secret: str) -> None:
    """The work of one verification, for a name that has no account: a sign-in takes as
    long whether the name exists or not, so the time does not tell who has an account."""
    params = PARAMETERS
    if params not in _DUMMY:
        _DUMMY[params] = _hasher().hash(secrets.token_hex(8))
    verify(_DUMMY[params], secret)


# --------------------------------------------------------------------------- tokens

TOKEN_PREFIX = "consult-token-"  # noqa: S105 - how a token starts


def new_token() -> str:
    """A random administrator token (256 bits), shown once; only its digest is kept."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 of a token. A token is 256 random bits, so a fast hash is enough: no one
    guesses it, whatever the speed (a PIN needs the slow hash above)."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def token_matches(digest: str, token: str) -> bool:
    return hmac.compare_digest(digest, token_digest(token))
