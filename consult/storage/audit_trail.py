"""``store.audit``: the audit trail as the layers above read it, and its checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from consult.storage import anchor, audit, content
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
        """Walk the chain, and check every patient, final consultation and consent against its last
        sealed content (one state of the records, while others may be saving)."""
        path = self.store.path
        if anchored is None and path is not None and not self.conn.in_transaction:
            anchored = anchor.read(path)  # before the snapshot: see ``anchor.problems``
        with self.store.scanning(), self.store.snapshot_readers(content.FINALS_PARTS) as readers:
            return self.verify_in(readers, anchored)

    def verify_in(
        self,
        readers: Readers,
        anchored: anchor.Anchored | str | None,
        finals: Callable[[], dict[int, str]] | None = None,
        meanwhile: Callable[[], object] | None = None,
        *,
        seals: bool = True,
    ) -> AuditReport:
        """``verify`` inside a snapshot already begun (``store.snapshot_readers``): the final
        consultations' content, mostly SQLite's work, is handed to ``readers`` (unless the
        caller handed it already: ``finals``, from ``content.finals_in_parts``) while this
        thread walks the chain and checks the rest. ``meanwhile``: the caller's own work,
        done after the walk, while the readers finish the finals. Without ``seals``, the
        chain alone (and the anchor): what ``db check`` asks of the trail."""
        path = self.store.path
        sealed = seals and audit.has_content_column(self.conn)
        if sealed and finals is None:
            finals = content.finals_in_parts(readers)
        report, found = audit.walk(self.conn)
        cut = anchor.problems(self.conn, path, anchored=anchored) if anchored else []
        if meanwhile is not None:
            meanwhile()
        if not sealed or finals is None:
            # The chain alone; or an older file, whose records are sealed when it is upgraded.
            return AuditReport(report.entries, (*report.problems, *cut))
        files = None
        if path is not None or self.store.on_server:  # the photo folder, or the server's
            files = self.store.photos.pictures.problems
        problems = content.mismatches(self.conn, found, files, finals)
        return AuditReport(report.entries, (*report.problems, *cut, *problems), sealed=True)

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
