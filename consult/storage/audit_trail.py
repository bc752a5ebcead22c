"""``store.audit``: the audit trail as the layers above read it, and its checks."""

from __future__ import annotations

from typing import Any

from consult.storage import anchor, audit, content, schema_check
from consult.storage.audit import Action, AuditEntry, AuditPage, AuditQuery, AuditReport
from consult.storage.part import Part, guarded, missing
from consult.storage.readers import Readers

_RECORD_TABLES = {
    "consultation": "consultations",
    "patient": "patients",
    "consent": "consents",
    "photo": "photos",
}


class AuditTrail(Part):
    """``store.audit``: what was done to the records, by whom; the chain's check."""

    @guarded
    def record(
        self,
        action: str,
        record_id: int | None,
        record_type: str = "consultation",
        detail: str = "",
    ) -> None:
        """Log that the signed-in account (``store.provider``) viewed, printed or exported a
        record (no patient data)."""
        if action not in (Action.VIEW, Action.PRINT, Action.EXPORT, Action.COMPARE):
            raise ValueError(f"record is for view, print and export, not {action!r}")
        table = _RECORD_TABLES.get(record_type)
        if table is None:
            raise ValueError(f"unknown record type {record_type!r}")
        record_uuid = self.store.uuid_of(table, record_id) if record_id is not None else None
        if record_id is not None and record_uuid is None:
            raise missing(record_type, record_id)
        with self.store.transaction():
            self.store.audit_event(action, record_type, record_id, record_uuid, detail=detail)

    @guarded
    def entries(
        self, record_type: str | None = None, record_id: int | None = None
    ) -> list[dict[str, Any]]:
        """The audit trail (oldest first), optionally for one record: a list of dicts."""
        if record_type is None:
            return list(self.db.query("SELECT * FROM audit_log ORDER BY id"))
        return list(
            self.db.query(
                "SELECT * FROM audit_log WHERE record_type = ? AND record_id IS ? ORDER BY id",
                [record_type, record_id],
            )
        )

    @guarded
    def verify(self, anchored: anchor.Anchored | str | None = None) -> AuditReport:
        """Whether anything was changed outside the app: the chain walked, its head against
        the anchor outside the file, every patient, final consultation, consent, visit,
        change to a course and photo against its last sealed content, and (a file) its
        structure against the migrations' schema. One state of the records, while others may
        be saving."""
        path = self.store.path
        if anchored is None and path is not None and not self.conn.in_transaction:
            anchored = anchor.read(path)  # before the snapshot: see ``anchor.problems``
        with self.store.scanning(), self.store.snapshot_readers(content.FINALS_PARTS) as readers:
            # The finals' content, mostly SQLite's work, goes to the readers in parts while
            # this thread walks the chain and checks the rest.
            return self._verify(readers, anchored)

    def _verify(self, readers: Readers, anchored: anchor.Anchored | str | None) -> AuditReport:
        path = self.store.path
        sealed = audit.has_content_column(self.conn)
        finals = content.finals_in_parts(readers) if sealed else None
        report, seals = audit.walk(self.conn)
        cut = anchor.problems(self.conn, path, anchored=anchored) if anchored else []
        structure = self._structure_problems()
        if finals is None:
            # An older file: its records are sealed when it is upgraded.
            return AuditReport(report.entries, (*report.problems, *cut, *structure))
        files = None
        if path is not None or self.store.on_server:  # the photo folder, or the server's
            files = self.store.photos.pictures.problems
        problems = content.mismatches(self.conn, seals, files, finals)
        return AuditReport(
            report.entries, (*report.problems, *cut, *structure, *problems), sealed=True
        )

    def _structure_problems(self) -> list[str]:
        """A file's tables, columns, indexes, triggers and views against what the migrations
        make for its version (``schema_check``): an added trigger rewrites what is saved, so
        it is tampering too (``db check`` reports it as well). The server's role may not
        alter its tables."""
        if self.store.on_server:
            return []
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        changed = schema_check.differences(self.conn, version)
        return [schema_check.describe(changed)] if changed else []

    @guarded
    def search(self, query: AuditQuery) -> AuditPage:
        """The entries ``query`` asks for, newest first, at most ``query.limit`` of them (one
        state of the trail)."""
        where, params = query.conditions()
        sql = (
            "SELECT id, at, action, record_type, record_id, record_uuid, provider, detail "
            f"FROM audit_log {where} ORDER BY id DESC LIMIT ?"
        )
        with self.store.snapshot():
            rows = self.conn.execute(sql, [*params, query.limit + 1]).fetchall()
        names = ("id", "at", "action", "record_type", "record_id", "record_uuid", "provider")
        entries = [AuditEntry(**dict(zip((*names, "detail"), row, strict=True))) for row in rows]
        return AuditPage(tuple(entries[: query.limit]), more=len(entries) > query.limit)

    @guarded
    def accounts_named(self) -> list[str]:
        """Every name the trail's entries carry (accounts, and providers before sign-in)."""
        rows = self.conn.execute("SELECT DISTINCT provider FROM audit_log ORDER BY provider")
        return [name for (name,) in rows if name]

    @guarded
    def actions_named(self) -> list[str]:
        return [a for (a,) in self.conn.execute("SELECT DISTINCT action FROM audit_log")]
