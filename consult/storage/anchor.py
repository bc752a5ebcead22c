"""The audit chain's head, kept outside the records file: removing the newest entries shows.

The chain proves that no entry was changed or removed *between* others, but someone with the
file can remove the newest entries (and set SQLite's counter back) and leave a shorter chain
that is whole. So the chain's head — how many entries, and the last one's hash — is also
written outside the file: in an anchor file beside the records (``records.anchor.json``),
written when the app opens and closes the records and after each command that changes them,
and beside every backup (``<backup>.anchor.json``). ``db verify`` and ``db check`` then ask
that the chain still holds the anchored entry, with the anchored hash.

Where the computer has a keyring (Windows Credential Manager, macOS Keychain, the Secret
Service on Linux), the anchor also carries an HMAC-SHA-256 under a random key kept there, so
an anchor rewritten to match a truncated chain is caught too.

What this proves, and what it does not (docs/storage.md says the same): entries removed
after the anchor was last written are found, as long as the anchor file survives; an anchor
made to agree with an altered file is found when it carries a MAC and the attacker does not
hold the keyring's key. Someone who holds the computer's user account (and so its keyring)
can rewrite file, anchor and MAC together; only a copy kept elsewhere (a backup with its
anchor on another disk) shows that.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from consult.system.files import write_private_atomic

FORMAT = "consult-anchor"
SUFFIX = ".anchor.json"
KEYRING_SERVICE = "consult records anchor"
MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Head:
    """How many entries the chain had, and the last one's hash."""

    entries: int
    hash: str


def anchor_path(records: Path) -> Path:
    """``records.anchor.json`` beside ``records.sqlite3`` (or beside a backup)."""
    return records.with_name(records.stem + SUFFIX)


def head_of(conn: Any) -> Head:
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return Head(row[0], row[1]) if row else Head(0, "")


# --------------------------------------------------------------------------- the keyring


def _keyring():
    """The keyring module when the computer has a real keyring, else None (never an error:
    the anchor then goes without a MAC)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # any keyring trouble: no MAC
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return keyring


def _account(records: Path) -> str:
    return hashlib.sha256(str(records.absolute()).encode()).hexdigest()[:32]


def _key(records: Path, *, create: bool) -> bytes | None:
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        stored = keyring.get_password(KEYRING_SERVICE, _account(records))
        if stored is None and create:
            stored = secrets.token_hex(32)
            keyring.set_password(KEYRING_SERVICE, _account(records), stored)
    except Exception:  # a locked or broken keyring: no MAC
        return None
    return bytes.fromhex(stored) if stored else None


def _mac(key: bytes, body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- writing, checking


def write(
    records: Path, head: Head, *, at: datetime | None = None, dest: Path | None = None
) -> Path:
    """Keep ``head`` in the anchor beside ``records`` (or at ``dest``: a backup's)."""
    dest = dest or anchor_path(records)
    body = {
        "format": FORMAT,
        "version": 1,
        "records": records.name,
        "entries": head.entries,
        "hash": head.hash,
        "at": (at or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    key = _key(records, create=True)
    body["mac"] = _mac(key, body) if key else None
    write_private_atomic(dest, json.dumps(body, indent=1).encode())
    return dest


@dataclass(frozen=True)
class Anchored:
    head: Head
    at: str
    mac_checked: bool


def read(records: Path, source: Path | None = None) -> Anchored | str | None:
    """The anchored head, None when there is no anchor, or a problem in plain words."""
    source = source or anchor_path(records)
    try:
        if source.stat().st_size > MAX_BYTES:
            return f"The anchor file {source} is far too large to be one."
        body = json.loads(source.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return f"The anchor file {source} cannot be read as one."
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return f"The anchor file {source} is not an anchor of these records."
    entries, last, at, mac = body.get("entries"), body.get("hash"), body.get("at"), body.get("mac")
    if not isinstance(entries, int) or not isinstance(last, str) or not isinstance(at, str):
        return f"The anchor file {source} is not an anchor of these records."
    checked = False
    if mac is not None:
        key = _key(records, create=False)
        if key is not None:
            unsigned = {k: v for k, v in body.items() if k != "mac"}
            if not hmac.compare_digest(str(mac), _mac(key, unsigned)):
                return (
                    f"The anchor file {source} was changed by something other than the app "
                    "(its seal does not match the key in this computer's keyring)."
                )
            checked = True
    return Anchored(Head(entries, last), at, checked)


def problems(
    conn: Any, records: Path, source: Path | None = None, *, anchored: Anchored | str | None = None
) -> list[str]:
    """What the anchor says is missing from the chain (empty when it holds, or there is no
    anchor). Reads the chain through ``conn``.

    Read inside a snapshot of the records, the anchor must have been read *before* that
    snapshot began (pass it as ``anchored``): an anchor written by another process after the
    snapshot began may name entries the snapshot cannot see yet."""
    found = read(records, source) if anchored is None else anchored
    if found is None:
        return []
    if isinstance(found, str):
        return [found]
    head = found.head
    if head.entries == 0:
        return []
    row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", [head.entries]).fetchone()
    if row is None:
        count = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        return [
            f"The audit trail has {count} entries, but it had {head.entries} on {found.at} "
            "(as its anchor file recorded): the newest entries were removed outside the app."
        ]
    if row[0] != head.hash:
        return [
            f"Audit entry {head.entries} is not the one its anchor file recorded on "
            f"{found.at}: the trail was replaced outside the app."
        ]
    return []


def forget(records: Path) -> None:
    """Remove the anchor beside ``records`` (a restore puts another chain in place)."""
    with contextlib.suppress(FileNotFoundError):
        anchor_path(records).unlink()


def update(conn: Any, records: Path) -> list[str]:
    """Write the chain's current head beside ``records`` — unless the anchor already there
    says entries are missing: then it is kept as the evidence, and its problems returned."""
    found = problems(conn, records)
    if found:
        return found
    head = head_of(conn)
    if head.entries:
        write(records, head)
    return []
