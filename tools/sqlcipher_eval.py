"""The SQLCipher evaluation behind docs/security.md ("Encryption at rest"), to run again.

Run it in a virtual environment of its own with ``sqlcipher3-binary`` (or
``sqlcipher3-wheels``) and ``sqlite-utils`` installed; it touches nothing but a temporary
folder and prints one line per finding::

    python -m venv /tmp/sqlc && /tmp/sqlc/bin/pip install sqlcipher3-binary sqlite-utils
    /tmp/sqlc/bin/python tools/sqlcipher_eval.py

What it asks: does sqlite-utils work over a SQLCipher connection; what does a wrong key do;
do ``VACUUM INTO`` and the backup API keep the encryption; what can be read of an encrypted
file's header before SQLite opens it; are SQLCipher's errors ``sqlite3.Error``; and which
SQLite library is linked (a second copy of SQLite in the process is SQLite's own "how to
corrupt" case 2.2.1).
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

KEY = "x'" + "ab" * 32 + "'"  # a raw 256-bit key: no passphrase KDF inside SQLCipher
WRONG = "x'" + "cd" * 32 + "'"


def main() -> None:
    from sqlcipher3 import dbapi2
    from sqlite_utils import Database

    folder = Path(tempfile.mkdtemp(prefix="sqlcipher-eval-"))
    path = folder / "records.sqlite3"
    conn = dbapi2.connect(str(path))
    conn.execute(f'PRAGMA key = "{KEY}"')
    cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
    linked = conn.execute("SELECT sqlite_version()").fetchone()[0]
    print(f"SQLCipher {cipher}, its SQLite {linked}; Python's sqlite3: {sqlite3.sqlite_version}")
    print(f"a SQLCipher connection is a sqlite3.Connection: {isinstance(conn, sqlite3.Connection)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA application_id = 1131376243")
    db = Database(conn)
    with db.atomic():
        db["patients"].insert({"id": 1, "name": "Zoë O'Brien"})
    names = list(db.query("SELECT name FROM patients"))
    print(f"sqlite-utils over it: {names}")
    conn.commit()
    head = path.read_bytes()[:16]
    print(f"first 16 bytes are SQLite's header: {head == b'SQLite format 3' + bytes(1)}")

    other = dbapi2.connect(str(path))
    other.execute(f'PRAGMA key = "{WRONG}"')
    try:
        other.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        print(
            f"wrong key: {type(exc).__module__}.{type(exc).__name__}: {exc} (code {code}); "
            f"a sqlite3.Error: {isinstance(exc, sqlite3.Error)}"
        )
    finally:
        other.close()

    copy = folder / "vacuumed.sqlite3"
    conn.execute(f"VACUUM INTO '{copy}'")
    print(f"VACUUM INTO keeps the encryption: {copy.read_bytes()[:16] == head}")
    backup = dbapi2.connect(str(folder / "backup.sqlite3"))
    backup.execute(f'PRAGMA key = "{KEY}"')
    conn.backup(backup)
    copied = backup.execute("SELECT count(*) FROM patients").fetchone()
    print(f"backup API to a keyed file: {copied}")
    backup.close()
    plain = folder / "plain.sqlite3"
    conn.execute(f"ATTACH DATABASE '{plain}' AS plain KEY ''")
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    decrypted = sqlite3.connect(plain).execute("SELECT name FROM patients").fetchall()
    print(f"sqlcipher_export to a plain file: {decrypted}")
    conn.close()


if __name__ == "__main__":
    main()
