"""The audit trail's entries as a CSV file an administrator asked for.

Written as the records' own CSV export is: UTF-8 with a byte-order mark (so spreadsheets read
every script), a cell a spreadsheet would run as a formula made text with a leading ``'``,
privately (0600) and whole, and only where ``protect.check_output`` allows: never onto the
records, a backup, another database or through a link; an existing file only with
``replace``. The entries hold no patient data (see ``audit``), and neither does the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from consult.storage.audit import AuditEntry
from consult.storage.exchange import safe_cell
from consult.storage.protect import check_output
from consult.system.files import write_private_atomic

HEADER = ("id", "at", "action", "record_type", "record_id", "record_uuid", "account", "detail")


def to_csv(entries: Iterable[AuditEntry]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for e in entries:
        row = (e.id, e.at, e.action, e.record_type, e.record_id, e.record_uuid, e.provider)
        writer.writerow([safe_cell(v) for v in (*row, e.detail)])
    return buffer.getvalue().encode("utf-8-sig")


def write_csv(
    entries: Iterable[AuditEntry], dest: Path | str, *, records: Path | None, replace: bool
) -> Path:
    """Write ``entries`` to ``dest`` (checked first); where it was written."""
    target = check_output(dest, records=records, replace=replace, what="audit export")
    write_private_atomic(target, to_csv(entries), replace=replace)
    return target
