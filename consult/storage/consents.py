"""``store.consents``: informed consent as the patient gave it, never changed afterwards.

Each decision is one row (signed, refused, deferred, withdrawn), added with its audit entry
in one transaction; the entry carries the row's content hash (``content.consent_hashes``), so
``db verify`` finds any later change. Triggers refuse every UPDATE and DELETE of a consent:
a withdrawal is a new row naming the consent it takes back.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from consult.domain.consent import (
    ConsentEntry,
    ConsentRecord,
    ConsentText,
    Decision,
    Signature,
)
from consult.domain.model import Status
from consult.storage import content
from consult.storage.audit import Action
from consult.storage.errors import ConflictError
from consult.storage.part import Part, guarded, missing

# Everything but the PDF's bytes (read on their own, by ``pdf``).
_COLUMNS = (
    "id, uuid, patient_id, consultation_id, document, version, document_hash, language, "
    "decision, text, text_hash, screening_hash, choices, patient_name, patient_strokes, "
    "patient_png, provider, provider_strokes, provider_png, signed_at, pdf_sha256, withdraws, "
    "note, demo, created_at"
)


@dataclass(frozen=True)
class StoredConsent:
    """A consent as the records keep it."""

    id: int
    uuid: str
    patient_id: int
    consultation_id: int
    document: str
    version: int
    document_hash: str
    language: str
    decision: Decision
    text: ConsentText
    text_hash: str
    screening_hash: str
    choices: dict[str, bool]
    patient_name: str
    patient_signature: Signature | None
    patient_png: bytes | None
    provider: str
    provider_signature: Signature | None
    provider_png: bytes | None
    signed_at: datetime
    pdf_sha256: str | None
    withdraws: int | None
    note: str
    demo: bool
    created_at: str
    withdrawn_by: int | None = field(default=None)

    @property
    def has_pdf(self) -> bool:
        return self.pdf_sha256 is not None

    def record(self) -> ConsentRecord:
        """What the consent rules need of it."""
        return ConsentRecord(
            self.id,
            self.document,
            self.version,
            self.decision,
            self.signed_at,
            self.screening_hash,
            self.withdraws,
            dict(self.choices),
        )


def _stored(row: tuple, withdrawn_by: dict[int, int]) -> StoredConsent:
    (
        ident,
        record_uuid,
        patient_id,
        consultation_id,
        document,
        version,
        document_hash,
        language,
        decision,
        text,
        text_sha,
        screening,
        choices,
        patient_name,
        patient_strokes,
        patient_png,
        provider,
        provider_strokes,
        provider_png,
        signed_at,
        pdf_sha,
        withdraws,
        note,
        demo,
        created_at,
    ) = row
    return StoredConsent(
        ident,
        record_uuid,
        patient_id,
        consultation_id,
        document,
        version,
        document_hash,
        language,
        Decision(decision),
        ConsentText.from_json(text),
        text_sha,
        screening,
        {k: bool(v) for k, v in json.loads(choices).items()},
        patient_name,
        Signature.from_json(patient_strokes) if patient_strokes else None,
        patient_png,
        provider,
        Signature.from_json(provider_strokes) if provider_strokes else None,
        provider_png,
        datetime.fromisoformat(signed_at),
        pdf_sha,
        withdraws,
        note,
        bool(demo),
        created_at,
        withdrawn_by.get(ident),
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def consent_values(
    entry: ConsentEntry, *, record_uuid: str, created_at: str, demo: bool = False
) -> dict[str, Any]:
    """The row of a new consent (import and demo seeding give their own uuid and times)."""
    text = entry.text.to_json()
    return {
        "uuid": record_uuid,
        "patient_id": entry.patient_id,
        "consultation_id": entry.consultation_id,
        "document": entry.text.document,
        "version": entry.text.version,
        "document_hash": entry.text.document_hash,
        "language": entry.text.language,
        "decision": entry.decision.value,
        "text": text,
        "text_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "screening_hash": entry.screening_hash,
        "choices": json.dumps(dict(sorted(entry.choices.items())), separators=(",", ":")),
        "patient_name": entry.patient_name,
        "patient_strokes": entry.patient_signature.to_json() if entry.patient_signature else None,
        "patient_png": entry.patient_png,
        "provider": entry.provider,
        "provider_strokes": (
            entry.provider_signature.to_json() if entry.provider_signature else None
        ),
        "provider_png": entry.provider_png,
        "signed_at": entry.signed_at.isoformat(timespec="microseconds"),
        "pdf": entry.pdf,
        "pdf_sha256": sha256(entry.pdf) if entry.pdf is not None else None,
        "withdraws": entry.withdraws,
        "note": entry.note,
        "demo": int(demo),
        "created_at": created_at,
    }


def insert_row(store: Any, values: dict[str, Any], record_id: int | None = None) -> int:
    """Insert a consent row as given (no checks, no audit entry); its id."""
    if record_id is not None:
        values = {"id": record_id, **values}
    cursor = store.conn.execute(
        f"INSERT INTO consents ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
        list(values.values()),
    )
    return int(cursor.lastrowid)


class Consents(Part):
    """``store.consents``: add a consent decision; read consents back."""

    @guarded
    def next_id(self) -> int:
        """The id the next consent will have (its PDF prints it). Inside a write transaction
        nobody else can take it; outside one, ``add`` with ``record_id`` refuses if taken."""
        return int(self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM consents").fetchone()[0])

    @guarded
    def add(
        self, entry: ConsentEntry, record_id: int | None = None, *, demo: bool = False
    ) -> StoredConsent:
        """Record a consent decision with its audit entry, in one transaction. ``record_id``:
        the id its PDF was made with (``next_id``); ConflictError if another took it.
        ``demo``: a demo record (``db seed-demo``), marked as such."""
        problems = entry.problems()
        if problems:
            raise ConflictError("The consent was not saved: " + " ".join(problems))
        store = self.store
        with store.transaction():
            self._check(entry)
            if record_id is not None and record_id != self.next_id():
                raise ConflictError(
                    f"Consent record {record_id} was taken meanwhile; make its PDF again."
                )
            values = consent_values(
                entry, record_uuid=str(uuid.uuid4()), created_at=store.now(), demo=demo
            )
            consent_id = insert_row(store, values, record_id)
            what = entry.decision.value
            detail = f"{what} {entry.text.document} v{entry.text.version}"
            if entry.withdraws is not None:
                detail += f"; withdraws {entry.withdraws}"
            store.audit_event(
                Action.SIGN,
                "consent",
                consent_id,
                values["uuid"],
                detail=detail,
                content_hash=content.of_consent(store.conn, consent_id),
            )
        return self.get(consent_id)

    def _check(self, entry: ConsentEntry) -> None:
        row = self.conn.execute(
            "SELECT patient_id, status FROM consultations WHERE id = ?", [entry.consultation_id]
        ).fetchone()
        if row is None:
            raise missing("consultation", entry.consultation_id)
        if row[0] != entry.patient_id:
            raise ConflictError("A consent must be for the patient of its consultation.")
        if row[1] != Status.FINAL:
            raise ConflictError(
                f"Consultation {entry.consultation_id} is a draft: finish it before the consent."
            )
        if entry.withdraws is None:
            return
        taken = self.conn.execute(
            "SELECT patient_id, document, decision FROM consents WHERE id = ?", [entry.withdraws]
        ).fetchone()
        if taken is None:
            raise missing("consent", entry.withdraws)
        if taken[0] != entry.patient_id or taken[1] != entry.text.document:
            raise ConflictError("A withdrawal must be of the same patient's same consent.")
        if taken[2] != Decision.SIGNED:
            raise ConflictError(f"Consent {entry.withdraws} was not signed: nothing to withdraw.")
        again = self.conn.execute(
            "SELECT id FROM consents WHERE withdraws = ?", [entry.withdraws]
        ).fetchone()
        if again is not None:
            raise ConflictError(
                f"Consent {entry.withdraws} was already withdrawn (record {again[0]})."
            )

    def _read(self, where: str, params: list[Any]) -> list[StoredConsent]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM consents WHERE {where} ORDER BY signed_at, id", params
        ).fetchall()
        if not rows:
            return []
        ids = [r[0] for r in rows]
        withdrawn_by = dict(
            self.conn.execute(
                "SELECT withdraws, id FROM consents WHERE withdraws IN "
                "(SELECT value FROM json_each(?))",
                [json.dumps(ids)],
            ).fetchall()
        )
        return [_stored(r, withdrawn_by) for r in rows]

    @guarded
    def get(self, consent_id: int) -> StoredConsent:
        found = self._read("id = ?", [consent_id])
        if not found:
            raise missing("consent", consent_id)
        return found[0]

    @guarded
    def for_patient(self, patient_id: int) -> list[StoredConsent]:
        """Every consent decision of a patient, oldest first."""
        return self._read("patient_id = ?", [patient_id])

    @guarded
    def for_consultation(self, consultation_id: int) -> list[StoredConsent]:
        """The consents given for a consultation or any revision of it (an amendment, a
        clearance recorded), oldest first."""
        return self._read(
            "consultation_id IN ("
            " WITH RECURSIVE older(id, revision_of) AS ("
            "  SELECT id, revision_of FROM consultations WHERE id = ?"
            "  UNION SELECT c.id, c.revision_of FROM consultations AS c"
            "   JOIN older AS o ON c.id = o.revision_of),"
            " newer(id) AS ("
            "  SELECT id FROM consultations WHERE id = ?"
            "  UNION SELECT c.id FROM consultations AS c JOIN newer AS n ON c.revision_of = n.id)"
            " SELECT id FROM older UNION SELECT id FROM newer)",
            [consultation_id, consultation_id],
        )

    @guarded
    def pdf(self, consent_id: int) -> bytes | None:
        """The sealed PDF of a signed consent, as stored (None for one with no signature)."""
        row = self.conn.execute("SELECT pdf FROM consents WHERE id = ?", [consent_id]).fetchone()
        if row is None:
            raise missing("consent", consent_id)
        return row[0]

    @guarded
    def matches_seal(self, consent_id: int) -> bool:
        """Whether the consent is still what its audit entry sealed when it was recorded."""
        row = self.conn.execute(
            "SELECT content_hash FROM audit_log WHERE record_type = 'consent' AND record_id = ? "
            "AND content_hash IS NOT NULL ORDER BY id DESC LIMIT 1",
            [consent_id],
        ).fetchone()
        return row is not None and row[0] == content.of_consent(self.conn, consent_id)

    @guarded
    def demo_candidates(self, limit: int) -> list[int]:
        """The newest current demo consultations with sessions whose patient has no consent
        yet (for ``db seed-demo``'s demo consents)."""
        rows = self.conn.execute(
            "SELECT c.id FROM consultations AS c WHERE c.demo = 1 AND c.status = 'final' "
            "AND NOT EXISTS (SELECT 1 FROM consultations AS n WHERE n.revision_of = c.id) "
            "AND EXISTS (SELECT 1 FROM planned_sessions AS s WHERE s.consultation_id = c.id) "
            "AND NOT EXISTS (SELECT 1 FROM consents AS k WHERE k.patient_id = c.patient_id) "
            "ORDER BY c.date DESC, c.id DESC LIMIT ?",
            [limit],
        ).fetchall()
        return [r[0] for r in rows]

    @guarded
    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM consents").fetchone()[0])
