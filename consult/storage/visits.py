"""``store.visits``: the treatment course's visits and the changes to its dates.

A visit is checked in first (the health questions asked again; by an assistant or a
provider), then signed off by a provider: treated with its treatment record, stopped at
check-in (not treated, with the reason), or the results review. A signed-off visit is final:
triggers refuse any change, and it is corrected by an amendment (a new row replacing it, with
the reason). Each change to a course's dates (a session or the review rescheduled, a session
cancelled or missed) is a row of its own, never changed. Every signed-off visit and every
change is sealed in the audit trail (its content hash), like consultations.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from consult.domain.course import Change, ChangeKind, Charted, Kind
from consult.domain.model import Answer
from consult.domain.visit import Review, TreatmentRecord, VisitOutcome, ZoneDepth
from consult.storage import content
from consult.storage.audit import Action
from consult.storage.errors import ConflictError
from consult.storage.part import Part, guarded, missing


@dataclass(frozen=True)
class NewVisit:
    """A visit to check in or sign off."""

    patient_id: int
    consultation_id: int
    kind: Kind
    day: date
    session: int | None = None
    answers: dict[str, Answer] | None = None
    checked_in_by: str = ""
    outcome: VisitOutcome | None = None
    stop_reason: str = ""
    record: TreatmentRecord | None = None
    review: Review | None = None
    provider: str = ""
    notes: str = ""


@dataclass(frozen=True)
class StoredVisit:
    id: int
    uuid: str
    patient_id: int
    consultation_id: int
    kind: Kind
    session: int | None
    day: date
    final: bool
    outcome: VisitOutcome | None
    stop_reason: str
    answers: dict[str, Answer]
    checked_in_by: str
    record: TreatmentRecord | None
    review: Review | None
    provider: str
    room: str
    notes: str
    revision_of: int | None
    amend_reason: str
    demo: bool
    signed_at: str | None
    replaced_by: int | None = None

    def charted(self) -> Charted:
        return Charted(
            self.kind, self.day, self.session, treated=self.outcome is not VisitOutcome.NOT_TREATED
        )


@dataclass(frozen=True)
class StoredChange:
    id: int
    uuid: str
    patient_id: int
    consultation_id: int
    change: Change
    recorded_by: str
    created_at: str


@dataclass(frozen=True)
class LotRow:
    """A patient treated with a cartridge lot (a recall), with the visit."""

    patient_id: int
    name: str
    date_of_birth: date
    phone: str
    visit_id: int
    day: date
    session: int | None
    device: str
    cartridge: str
    lot: str
    lot_expiry: date | None
    provider: str


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _hhmm(at: time | None) -> str | None:
    return at.strftime("%H:%M") if at is not None else None


def record_columns(record: TreatmentRecord | None) -> dict[str, Any]:
    if record is None:
        return {"lot": None}
    return {
        "device": record.device_id,
        "cartridge": record.cartridge_id,
        "lot": record.lot.strip(),
        "lot_expiry": _iso(record.lot_expiry),
        "zones": json.dumps(
            [
                {
                    "area": z.area_id,
                    "zone": z.zone_id,
                    "depth_mm": z.depth_mm,
                    "passes": z.passes,
                    "reason": z.reason,
                }
                for z in record.zones
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        "endpoint": record.endpoint,
        "numbing_agent": record.numbing_agent,
        "numbing_area_cm2": record.numbing_area_cm2,
        "numbing_minutes": record.numbing_minutes,
        "glide_product": record.glide_product,
        "adjunct_given": record.adjunct_given,
        "reaction": record.reaction,
        "reaction_note": record.reaction_note,
        "aftercare_given": int(record.aftercare_given),
        "provider": record.provider,
        "room": record.room,
    }


def review_json(review: Review | None) -> str | None:
    if review is None:
        return None
    return json.dumps(
        {
            "answers": dict(sorted(review.answers.items())),
            "satisfied": review.satisfied,
            "next_step": review.next_step,
            "notes": review.notes,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def answers_json(answers: dict[str, Answer] | None) -> str:
    return json.dumps(
        {q: Answer(a).value for q, a in (answers or {}).items()}, separators=(",", ":")
    )


def visit_values(visit: NewVisit) -> dict[str, Any]:
    """The row of a visit (without its uuid, status and times)."""
    values: dict[str, Any] = {
        "patient_id": visit.patient_id,
        "consultation_id": visit.consultation_id,
        "kind": visit.kind.value,
        "session": visit.session,
        "date": visit.day.isoformat(),
        "outcome": visit.outcome.value if visit.outcome else None,
        "stop_reason": visit.stop_reason,
        "answers": answers_json(visit.answers),
        "checked_in_by": visit.checked_in_by,
        "review": review_json(visit.review),
        "provider": visit.provider,
        "room": "",
        "notes": visit.notes,
    }
    values |= record_columns(visit.record)
    if visit.record is not None:
        values["notes"] = visit.record.notes
    return values


def _record(row: dict[str, Any]) -> TreatmentRecord | None:
    if row["lot"] is None:
        return None
    return TreatmentRecord(
        device_id=row["device"] or "",
        cartridge_id=row["cartridge"] or "",
        lot=row["lot"],
        lot_expiry=date.fromisoformat(row["lot_expiry"]) if row["lot_expiry"] else None,
        zones=tuple(
            ZoneDepth(z["area"], z["zone"], float(z["depth_mm"]), int(z["passes"]), z["reason"])
            for z in json.loads(row["zones"])
        ),
        endpoint=row["endpoint"] or "",
        numbing_agent=row["numbing_agent"] or "",
        numbing_area_cm2=row["numbing_area_cm2"] or 0,
        numbing_minutes=row["numbing_minutes"] or 0,
        glide_product=row["glide_product"] or "",
        adjunct_given=row["adjunct_given"],
        reaction=row["reaction"] or "",
        reaction_note=row["reaction_note"],
        aftercare_given=bool(row["aftercare_given"]),
        provider=row["provider"],
        room=row["room"],
        notes=row["notes"],
    )


def _review(text: str | None) -> Review | None:
    if text is None:
        return None
    data = json.loads(text)
    return Review(data["answers"], data["satisfied"], data["next_step"], data["notes"])


def _stored(row: dict[str, Any], replaced_by: dict[int, int]) -> StoredVisit:
    return StoredVisit(
        id=row["id"],
        uuid=row["uuid"],
        patient_id=row["patient_id"],
        consultation_id=row["consultation_id"],
        kind=Kind(row["kind"]),
        session=row["session"],
        day=date.fromisoformat(row["date"]),
        final=row["status"] == "final",
        outcome=VisitOutcome(row["outcome"]) if row["outcome"] else None,
        stop_reason=row["stop_reason"],
        answers={q: Answer(a) for q, a in json.loads(row["answers"]).items()},
        checked_in_by=row["checked_in_by"],
        record=_record(row),
        review=_review(row["review"]),
        provider=row["provider"],
        room=row["room"],
        notes=row["notes"],
        revision_of=row["revision_of"],
        amend_reason=row["amend_reason"],
        demo=bool(row["demo"]),
        signed_at=row["signed_at"],
        replaced_by=replaced_by.get(row["id"]),
    )


def _change(row: dict[str, Any]) -> StoredChange:
    return StoredChange(
        id=row["id"],
        uuid=row["uuid"],
        patient_id=row["patient_id"],
        consultation_id=row["consultation_id"],
        change=Change(
            ChangeKind(row["kind"]),
            row["appointment"],
            date.fromisoformat(row["was"]),
            date.fromisoformat(row["date"]) if row["date"] else None,
            time.fromisoformat(row["time"]) if row["time"] else None,
            row["reason"],
        ),
        recorded_by=row["recorded_by"],
        created_at=row["created_at"],
    )


def insert_visit(
    store: Any,
    visit: NewVisit,
    *,
    final: bool,
    record_uuid: str | None = None,
    created_at: str | None = None,
    signed_at: str | None = None,
    revision_of: int | None = None,
    amend_reason: str = "",
    demo: bool = False,
) -> int:
    """A new visit row (no checks, no audit entry); its id. Import and demo seeding too."""
    now = store.now()
    values = visit_values(visit) | {
        "uuid": record_uuid or str(uuid.uuid4()),
        "status": "final" if final else "checked_in",
        "revision_of": revision_of,
        "amend_reason": amend_reason,
        "demo": int(demo),
        "created_at": created_at or now,
        "updated_at": created_at or now,
        "signed_at": (signed_at or now) if final else None,
    }
    cursor = store.conn.execute(
        f"INSERT INTO visits ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
        list(values.values()),
    )
    return int(cursor.lastrowid)


def insert_change(
    store: Any,
    patient_id: int,
    consultation_id: int,
    change: Change,
    recorded_by: str,
    *,
    record_uuid: str | None = None,
    created_at: str | None = None,
    demo: bool = False,
) -> int:
    values = {
        "uuid": record_uuid or str(uuid.uuid4()),
        "patient_id": patient_id,
        "consultation_id": consultation_id,
        "kind": change.kind.value,
        "appointment": change.key,
        "was": change.was.isoformat(),
        "date": _iso(change.day),
        "time": _hhmm(change.at),
        "reason": change.reason,
        "recorded_by": recorded_by,
        "demo": int(demo),
        "created_at": created_at or store.now(),
    }
    cursor = store.conn.execute(
        f"INSERT INTO course_changes ({', '.join(values)}) "
        f"VALUES ({', '.join('?' for _ in values)})",
        list(values.values()),
    )
    return int(cursor.lastrowid)


_CURRENT_VISIT = "NOT EXISTS (SELECT 1 FROM visits AS n WHERE n.revision_of = v.id)"


class Visits(Part):
    """``store.visits``: check in, sign off and amend visits; record changes to a course."""

    def _audit(self, action: str, kind: str, record_id: int, detail: str, sealed: bool) -> None:
        store = self.store
        table = "visits" if kind == "visit" else "course_changes"
        digest = None
        if sealed:
            digest = (
                content.of_visit(store.conn, record_id)
                if kind == "visit"
                else content.of_change(store.conn, record_id)
            )
        store.audit_event(
            action,
            kind,
            record_id,
            store.uuid_of(table, record_id),
            detail=detail,
            content_hash=digest,
        )

    def _check_owner(self, visit: NewVisit) -> None:
        row = self.conn.execute(
            "SELECT patient_id, status FROM consultations WHERE id = ?", [visit.consultation_id]
        ).fetchone()
        if row is None:
            raise missing("consultation", visit.consultation_id)
        if row[0] != visit.patient_id:
            raise ConflictError("A visit must be for the patient of its consultation.")
        if row[1] != "final":
            raise ConflictError("A visit follows a finished consultation, not a draft.")

    @guarded
    def check_in(self, visit: NewVisit, visit_id: int | None = None) -> StoredVisit:
        """Save a check-in (a new one, or the answers of one not signed off yet)."""
        store = self.store
        with store.transaction():
            self._check_owner(visit)
            if visit_id is None:
                visit_id = insert_visit(store, visit, final=False)
            else:
                self._update_checked_in(visit_id, visit)
            self._audit(Action.CHECK_IN, "visit", visit_id, visit.kind.value, sealed=False)
        return self.get(visit_id)

    def _update_checked_in(self, visit_id: int, visit: NewVisit) -> None:
        row = self.conn.execute("SELECT status FROM visits WHERE id = ?", [visit_id]).fetchone()
        if row is None:
            raise missing("visit", visit_id)
        if row[0] == "final":
            raise ConflictError(
                f"Visit {visit_id} is signed off, so it cannot be changed. Amend it instead."
            )
        values = visit_values(visit) | {"updated_at": self.store.now()}
        self.conn.execute(
            f"UPDATE visits SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
            [*values.values(), visit_id],
        )

    @guarded
    def sign(
        self, visit: NewVisit, visit_id: int | None = None, changes: Iterable[Change] = ()
    ) -> StoredVisit:
        """Sign a visit off (the one checked in as ``visit_id``, or a new one), with any
        change to the course's dates made on it (the next session's date moved), in one
        transaction; each sealed in the audit trail."""
        if visit.outcome is None:
            raise ConflictError("A visit is signed off with what became of it.")
        store = self.store
        with store.transaction():
            self._check_owner(visit)
            if visit_id is None:
                visit_id = insert_visit(store, visit, final=False)
            self._update_checked_in(visit_id, visit)
            now = store.now()
            store.conn.execute(
                "UPDATE visits SET status = 'final', signed_at = ?, updated_at = ? WHERE id = ?",
                [now, now, visit_id],
            )
            self._audit(Action.CHART, "visit", visit_id, visit.outcome.value, sealed=True)
            for change in changes:
                self._add_change(visit.patient_id, visit.consultation_id, change)
        return self.get(visit_id)

    @guarded
    def delete_check_in(self, visit_id: int) -> None:
        """A check-in not signed off, taken back (the patient left before treatment)."""
        store = self.store
        with store.transaction():
            row = self.conn.execute("SELECT status FROM visits WHERE id = ?", [visit_id]).fetchone()
            if row is None:
                raise missing("visit", visit_id)
            if row[0] == "final":
                raise ConflictError(f"Visit {visit_id} is signed off and is kept as it is.")
            record_uuid = store.uuid_of("visits", visit_id)
            self.conn.execute("DELETE FROM visits WHERE id = ?", [visit_id])
            store.audit_event(Action.DELETE, "visit", visit_id, record_uuid, detail="check-in")

    @guarded
    def amend(self, visit_id: int, visit: NewVisit, reason: str) -> StoredVisit:
        """A new signed-off revision replacing visit ``visit_id``; the old one stays."""
        store = self.store
        with store.transaction():
            old = self.get(visit_id)
            if not old.final:
                raise ConflictError(f"Visit {visit_id} is not signed off yet: sign it off first.")
            if old.replaced_by is not None:
                raise ConflictError(
                    f"Visit {visit_id} was already amended (by visit {old.replaced_by}). Amend "
                    "the newest revision instead."
                )
            if (visit.patient_id, visit.kind, visit.session, visit.day) != (
                old.patient_id,
                old.kind,
                old.session,
                old.day,
            ):
                raise ConflictError(
                    "An amendment keeps the visit's patient, session and day; chart another "
                    "visit for another one."
                )
            new_id = insert_visit(
                store, visit, final=True, revision_of=visit_id, amend_reason=reason
            )
            self._audit(Action.AMEND, "visit", new_id, f"replaces {visit_id}", sealed=True)
        return self.get(new_id)

    @guarded
    def add_change(self, patient_id: int, consultation_id: int, change: Change) -> StoredChange:
        with self.store.transaction():
            change_id = self._add_change(patient_id, consultation_id, change)
        return self.change(change_id)

    def _add_change(self, patient_id: int, consultation_id: int, change: Change) -> int:
        row = self.conn.execute(
            "SELECT patient_id FROM consultations WHERE id = ?", [consultation_id]
        ).fetchone()
        if row is None:
            raise missing("consultation", consultation_id)
        if row[0] != patient_id:
            raise ConflictError("A change to a course must be for the patient of its plan.")
        change_id = insert_change(
            self.store, patient_id, consultation_id, change, self.store.provider
        )
        self._audit(
            Action.RESCHEDULE,
            "course_change",
            change_id,
            f"{change.kind.value} {change.key}",
            sealed=True,
        )
        return change_id

    # ------------------------------------------------------------------ reading

    def _visits(self, where: str, params: list[Any]) -> list[StoredVisit]:
        cursor = self.conn.execute(
            f"SELECT v.* FROM visits AS v WHERE {where} ORDER BY v.date, v.id", params
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor]
        if not rows:
            return []
        replaced_by = dict(
            self.conn.execute(
                "SELECT revision_of, id FROM visits WHERE revision_of IN "
                "(SELECT value FROM json_each(?))",
                [json.dumps([r["id"] for r in rows])],
            ).fetchall()
        )
        return [_stored(r, replaced_by) for r in rows]

    @guarded
    def get(self, visit_id: int) -> StoredVisit:
        found = self._visits("v.id = ?", [visit_id])
        if not found:
            raise missing("visit", visit_id)
        return found[0]

    @guarded
    def for_consultations(self, ids: Iterable[int], current: bool = True) -> list[StoredVisit]:
        """The visits of these consultations (a course's revisions), by date; only the
        current revision of each unless ``current`` is False."""
        where = "v.consultation_id IN (SELECT value FROM json_each(?))"
        if current:
            where += f" AND {_CURRENT_VISIT}"
        return self._visits(where, [json.dumps(sorted(set(ids)))])

    @guarded
    def for_patient(self, patient_id: int) -> list[StoredVisit]:
        return self._visits(f"v.patient_id = ? AND {_CURRENT_VISIT}", [patient_id])

    @guarded
    def checked_in(self, day: date) -> list[StoredVisit]:
        """The visits checked in on ``day`` and not signed off yet."""
        return self._visits("v.status = 'checked_in' AND v.date = ?", [day.isoformat()])

    def _changes(self, where: str, params: list[Any]) -> list[StoredChange]:
        cursor = self.conn.execute(
            f"SELECT * FROM course_changes WHERE {where} ORDER BY id", params
        )
        names = [d[0] for d in cursor.description]
        return [_change(dict(zip(names, r, strict=True))) for r in cursor]

    @guarded
    def change(self, change_id: int) -> StoredChange:
        found = self._changes("id = ?", [change_id])
        if not found:
            raise missing("change to a course", change_id)
        return found[0]

    @guarded
    def changes_for(self, ids: Iterable[int]) -> list[StoredChange]:
        """The changes to a course (its consultation's revisions), in the order recorded."""
        return self._changes(
            "consultation_id IN (SELECT value FROM json_each(?))", [json.dumps(sorted(set(ids)))]
        )

    @guarded
    def active_patients(self, since: date) -> list[int]:
        """Patients with a visit or a change to their course on or after ``since`` (the
        courses the Today list works out in full)."""
        day = since.isoformat()
        rows = self.conn.execute(
            "SELECT patient_id FROM visits WHERE date >= ? "
            "UNION SELECT patient_id FROM course_changes WHERE was >= ? OR date >= ? "
            "OR created_at >= ?",
            [day, day, day, day],
        )
        return sorted(r[0] for r in rows)

    @guarded
    def lot(self, lot: str) -> list[LotRow]:
        """Every patient treated with cartridge lot ``lot`` (its case ignored): the visits
        signed off, current revisions, oldest first."""
        rows = self.conn.execute(
            "SELECT p.id, p.name, p.date_of_birth, p.phone, v.id, v.date, v.session, "
            "v.device, v.cartridge, v.lot, v.lot_expiry, v.provider "
            "FROM visits AS v JOIN patients AS p ON p.id = v.patient_id "
            f"WHERE v.lot = ? COLLATE NOCASE AND v.status = 'final' AND {_CURRENT_VISIT} "
            "ORDER BY v.date, v.id",
            [lot.strip()],
        )
        found = []
        for row in rows:
            pid, name, born, phone, vid, day, session, device, cartridge, lot_no, expiry, who = row
            found.append(
                LotRow(
                    pid,
                    name,
                    date.fromisoformat(born),
                    phone,
                    vid,
                    date.fromisoformat(day),
                    session,
                    device or "",
                    cartridge or "",
                    lot_no,
                    date.fromisoformat(expiry) if expiry else None,
                    who,
                )
            )
        return found

    @guarded
    def matches_seal(self, visit_id: int) -> bool:
        row = self.conn.execute(
            "SELECT content_hash FROM audit_log WHERE record_type = 'visit' AND record_id = ? "
            "AND content_hash IS NOT NULL ORDER BY id DESC LIMIT 1",
            [visit_id],
        ).fetchone()
        return row is not None and row[0] == content.of_visit(self.conn, visit_id)

    @guarded
    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM visits").fetchone()[0])
