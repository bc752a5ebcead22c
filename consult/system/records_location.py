"""Where this computer's records are: the SQLite file in the data folder (the default), or
the clinic's PostgreSQL server, named in ``records.toml`` in the config folder::

    # Where Consult keeps its records on this computer (File → Records…).
    records_url = "postgresql://consult@clinic-server/consult?sslmode=verify-full"

The file names the server and the database user, never a password: that lives in the
keyring (``consult db set-password``) or in a ``.pgpass``/service file the clinic
manages, so a URL with a password in it is refused here, before it is ever kept. ``--db`` on
the command line wins over the file.
"""

from __future__ import annotations

from pathlib import Path

from consult.system.folders import config_dir

# Read at every start: what it needs besides is imported when there is something to read
# (tomllib, when records.toml exists) or to keep (json, the private file's writer).

FILE_NAME = "records.toml"
KEY = "records_url"
SCHEMES = ("postgresql", "postgres")


class LocationError(ValueError):
    """The records' location cannot be used; ``str(error)`` says why, in plain words."""


def config_file(create: bool = False) -> Path:
    """``records.toml`` in the config folder (made only to keep a choice: reading it at start
    never makes the folder)."""
    return config_dir(create=create) / FILE_NAME


def is_server(target: object) -> bool:
    """Whether ``target`` names the clinic's PostgreSQL server (a postgresql:// URL)."""
    return isinstance(target, str) and target.lower().startswith(tuple(f"{s}://" for s in SCHEMES))


def checked_url(url: str) -> str:
    """``url`` if it names a server the app can use, without a password; else LocationError."""
    url = url.strip()
    if not is_server(url):
        raise LocationError(
            "The records server must be given as postgresql://USER@HOST/DATABASE "
            "(for example postgresql://consult@clinic-server/consult)."
        )
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise LocationError(
            "The records server's address cannot be read: check the host name and the port."
        ) from None
    if parts.password is not None:
        raise LocationError(
            "The address holds a password. Passwords are never kept in the settings: "
            "remove it from the address and keep it in the keyring (consult db "
            "set-password) or in the clinic's .pgpass file."
        )
    if not parts.path.strip("/"):
        raise LocationError(
            "The address names no database: add it after the host, as in "
            "postgresql://consult@clinic-server/consult."
        )
    return url


def configured() -> str | None:
    """The server named in ``records.toml``, or None for the records file on this computer.
    A file that cannot be used raises LocationError saying why (the app does not quietly
    fall back to another set of records)."""
    path = config_file()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LocationError(
            f"The records' location in {path} cannot be read ({exc.strerror or exc})."
        ) from None
    import tomllib

    try:
        values = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LocationError(
            f"The records' location in {path} cannot be read ({exc}). Correct it in "
            "File → Records…, or remove the file to use the records on this computer."
        ) from None
    url = values.get(KEY)
    if url is None or url == "":
        return None
    if not isinstance(url, str):
        raise LocationError(f"{KEY} in {path} must be text, a postgresql:// address.")
    try:
        return checked_url(url)
    except LocationError as exc:
        raise LocationError(f"{exc} (in {path})") from None


def save(url: str | None) -> Path:
    """Keep ``url`` (checked) as this computer's records, or None for the file here."""
    import json

    from consult.system.files import write_private_atomic

    lines = ["# Where Consult keeps its records on this computer (File → Records…)."]
    if url:
        # A JSON string is a TOML basic string: quotes, backslashes and controls escaped.
        lines.append(f"{KEY} = {json.dumps(checked_url(url), ensure_ascii=False)}")
    else:
        lines.append("# No server: the records file in the data folder.")
    path = config_file(create=True)
    write_private_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path
