"""The backups folder: how automatic backups are named, found, rotated and judged fresh.

Nothing here opens the records; ``backup`` makes the copies and ``health`` warns with these.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from consult.storage import protect

KEEP = 10
INTERVAL = timedelta(days=1)
STALE_AFTER = timedelta(days=2)  # older than this, the status bar and ``db check`` warn
CLOCK_SLACK = timedelta(minutes=5)  # a stamp this far ahead is still "now" (clock drift)
BACKUP_FOLDER = protect.BACKUP_FOLDER
SUFFIX = ".sqlite3"
_STAMP = "%Y%m%d-%H%M%S"


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / BACKUP_FOLDER


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime(_STAMP)


def unique_path(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


_AUTO = re.compile(r"^(?P<stem>.+)-auto-(?P<stamp>\d{8}-\d{6})(?:-\d+)?\.sqlite3$")


def auto_backups(folder: Path, stem: str) -> list[tuple[datetime, Path]]:
    """The automatic backups of ``stem`` in ``folder``, oldest first."""
    found = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = _AUTO.match(path.name)
        if match and match["stem"] == stem:
            moment = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
            found.append((moment, path))
    return sorted(found)


def in_rotation_order(found: list[tuple[datetime, Path]], now: datetime) -> list[Path]:
    """Oldest first; a backup named in the future (made while the computer's clock was wrong)
    counts as the oldest of all, since when it was really made cannot be known."""
    future = [path for moment, path in found if moment > now + CLOCK_SLACK]
    past = [path for moment, path in found if moment <= now + CLOCK_SLACK]
    return future + past


def newest_backup(db_path: Path, now: datetime | None = None) -> datetime | None:
    """When the newest automatic backup of ``db_path`` was made, ignoring any named in the
    future (a clock that was once wrong); ``None`` when there is none."""
    now = now or datetime.now(UTC)
    made = auto_backups(backups_dir(db_path), db_path.stem)
    found = [moment for moment, _ in made if moment <= now + CLOCK_SLACK]
    return found[-1] if found else None


def stale_warning(db_path: Path, now: datetime | None = None) -> str | None:
    """A plain warning when the newest automatic backup is older than ``STALE_AFTER``, or
    there is none; ``None`` when all is well."""
    now = now or datetime.now(UTC)
    newest = newest_backup(db_path, now)
    if newest is None:
        return (
            "No automatic backup of these records has been made yet. Start the app once, or "
            "run “consult db backup FILE”, and keep a copy on another disk."
        )
    age = now - newest
    if age <= STALE_AFTER:
        return None
    return (
        f"The newest automatic backup of these records is {age.days} days old (made "
        f"{newest.date().isoformat()}). Check that the backups folder can be written and the "
        "disk is not full, then run “consult db backup FILE”."
    )
