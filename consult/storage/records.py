"""``store.records``: consultations and their plans, read back as domain objects."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import msgspec

from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ConcernChoice,
    Consultation,
    Override,
    Status,
)
from consult.domain.plan import AdjunctVisit, Session
from consult.storage import listing
from consult.storage.errors import CorruptDatabaseError
from consult.storage.part import Part, guarded, missing
from consult.storage.patient_list import LISTED, PatientRow, listed
from consult.storage.patients import patient_from_row

ANSWERS = {a.value: a for a in Answer}

# A consultation ``c`` is current unless a newer revision replaces it.
CURRENT = listing.CURRENT


@dataclass(frozen=True)
class DueSession:
    date: date
    number: int
    consultation_id: int
    patient_id: int
    patient_name: str


@dataclass(frozen=True)
class StoredPlan:
    """The dated part of a final consultation's plan, as it was agreed."""

    sessions: tuple[Session, ...]
    adjunct_visits: tuple[AdjunctVisit, ...]
    interval_weeks: int | None
    results_from: date | None
    results_to: date | None
    screening_outcome: str | None
    catalog_version: str


#: A consultation's answers as kept (schema 12): [[question_no, question_id, answer], ...].
_ANSWERS_KEPT = msgspec.json.Decoder(list[tuple[int, str, Answer]])


def kept_answers(text: str) -> dict[str, Answer] | None:
    """The screening answers kept in ``consultations.answers``, by question in order; None
    when the text is not what the app writes (numbered from 0, each question once, each
    answer yes, no or not sure), as it is only after a change made outside the app."""
    try:
        kept = _ANSWERS_KEPT.decode(text)
    except msgspec.MsgspecError:
        return None
    found = {question: answer for _, question, answer in kept}
    if len(found) != len(kept) or [no for no, _, _ in kept] != list(range(len(kept))):
        return None
    return found


def _answers(consultation_id: int, text: str) -> dict[str, Answer]:
    found = kept_answers(text)
    if found is None:
        raise CorruptDatabaseError(
            f"The screening answers of consultation {consultation_id} cannot be read: they "
            "were changed outside the app. Run “consult db check”, and restore the latest "
            "backup with “consult db restore”."
        )
    return found


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _time(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


def _times(text: str | None) -> dict[str, time]:
    """``consultations.appointment_times``: the appointments booked at their own time."""
    return {key: time.fromisoformat(at) for key, at in json.loads(text or "{}").items()}


# Which consultations ``_load`` reads: fixed conditions on ``c``, never text from a caller.
_EVERY = "TRUE"
_ONE = "c.id = ?"
_AMONG = "c.id IN (SELECT value FROM json_each(?))"  # a JSON array of ids
_OF_PATIENT = "c.patient_id = ?"
_CURRENT_OF_PATIENT = f"c.patient_id = ? AND {CURRENT}"
_NEWEST_FIRST = "c.date DESC, c.id DESC"


class Records(Part):
    @guarded
    def consultation(self, consultation_id: int) -> Consultation:
        """One consultation with its parts and patient."""
        found = self._load(_ONE, [consultation_id])
        if not found:
            raise missing("consultation", consultation_id)
        return found[0]

    @guarded
    def for_patient(self, patient_id: int, include_superseded: bool = False) -> list[Consultation]:
        """The patient's consultations, newest first; replaced revisions only when asked."""
        where = _OF_PATIENT if include_superseded else _CURRENT_OF_PATIENT
        return self._load(where, [patient_id], order=_NEWEST_FIRST)

    @guarded
    def every_consultation(self) -> list[Consultation]:
        """Every consultation in the records, drafts and replaced revisions too, oldest
        first (for exports and checks)."""
        return self._load(_EVERY, [])

    def _load(
        self, where: str, params: list[Any] | tuple[Any, ...] = (), order: str = "c.id"
    ) -> list[Consultation]:
        """Consultations (with their parts and patients) for a WHERE clause on ``c``.

        ``where`` is one of this module's fixed conditions. A handful of queries whatever
        the number of consultations.
        """
        params = list(params)
        subset = f"SELECT c.id FROM consultations AS c WHERE {where}"
        rows = list(
            self.db.query(
                f"SELECT c.* FROM consultations AS c WHERE {where} ORDER BY {order}", params
            )
        )
        if not rows:
            return []
        patients = {
            r["id"]: patient_from_row(r)
            for r in self.db.query(
                "SELECT * FROM patients WHERE id IN "
                f"(SELECT c.patient_id FROM consultations AS c WHERE {where})",
                params,
            )
        }
        areas: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for cid, no, area_id in self.conn.execute(
            "SELECT consultation_id, area_no, area_id FROM consultation_areas "
            f"WHERE consultation_id IN ({subset}) ORDER BY consultation_id, area_no",
            params,
        ):
            areas[cid].append((no, area_id))
        zones: dict[tuple[int, int], list[str]] = defaultdict(list)
        for cid, no, zone_id in self.conn.execute(
            "SELECT consultation_id, area_no, zone_id FROM consultation_zones "
            f"WHERE consultation_id IN ({subset}) ORDER BY consultation_id, area_no, zone_no",
            params,
        ):
            zones[cid, no].append(zone_id)
        concerns: dict[tuple[int, int], list[ConcernChoice]] = defaultdict(list)
        for cid, no, concern_id, severity, kind in self.conn.execute(
            "SELECT consultation_id, area_no, concern_id, severity, kind "
            f"FROM consultation_concerns WHERE consultation_id IN ({subset}) "
            "ORDER BY consultation_id, area_no, concern_no",
            params,
        ):
            concerns[cid, no].append(ConcernChoice(concern_id, severity, kind))
        adjuncts: dict[int, list[str]] = defaultdict(list)
        for cid, adjunct_id in self.conn.execute(
            "SELECT consultation_id, adjunct_id FROM consultation_adjuncts "
            f"WHERE consultation_id IN ({subset}) ORDER BY consultation_id, adjunct_no",
            params,
        ):
            adjuncts[cid].append(adjunct_id)
        answers: dict[int, dict[str, Answer]] = defaultdict(dict)
        if "answers" in rows[0]:  # schema 12 on: one text a consultation
            for r in rows:
                answers[r["id"]] = _answers(r["id"], r["answers"])
        else:  # a file of schema 11 or older, read without upgrading it
            for cid, question_id, answer in self.conn.execute(
                "SELECT consultation_id, question_id, answer FROM screening_answers "
                f"WHERE consultation_id IN ({subset}) ORDER BY consultation_id, question_no",
                params,
            ):
                answers[cid][question_id] = ANSWERS[answer]
        result = []
        for r in rows:
            cid = r["id"]
            override = (
                Override(r["override_reason"], r["override_provider"])
                if r["override_reason"] is not None
                else None
            )
            clearance = None
            if r.get("clearance_by") is not None:  # a file before schema 5 has no such column
                clearance = Clearance(
                    r["clearance_by"],
                    date.fromisoformat(r["clearance_on"]),
                    r["clearance_note"] or "",
                    r["clearance_recorded_by"] or "",
                    tuple((r["clearance_covers"] or "").split()),
                )
            result.append(
                Consultation(
                    patient=patients[r["patient_id"]],
                    provider=r["provider"],
                    date=date.fromisoformat(r["date"]),
                    screening=answers.get(cid, {}),
                    areas=tuple(
                        AreaChoice(
                            area_id,
                            tuple(zones.get((cid, no), ())),
                            tuple(concerns.get((cid, no), ())),
                        )
                        for no, area_id in areas.get(cid, ())
                    ),
                    adjuncts=tuple(adjuncts.get(cid, ())),
                    override=override,
                    start_date=_day(r["start_date"]),
                    session_count=r["session_count"],
                    notes=r["notes"],
                    status=Status(r["status"]),
                    catalog_version=r["catalog_version"],
                    id=cid,
                    revision_of=r["revision_of"],
                    clearance=clearance,
                    # A file of schema 5 or older (read without upgrading) has no times.
                    appointment_time=_time(r.get("appointment_time")),
                    times=_times(r.get("appointment_times")),
                    amend_reason=r.get("amend_reason") or "",
                )
            )
        return result

    @guarded
    def revisions(self, consultation_id: int) -> list[Consultation]:
        """Every revision of a consultation, the first one first, the current one last."""
        if self.store.uuid_of("consultations", consultation_id) is None:
            raise missing("consultation", consultation_id)
        chain = self.conn.execute(
            """
            WITH RECURSIVE
                up (id, revision_of) AS (
                    SELECT id, revision_of FROM consultations WHERE id = ?
                    UNION SELECT c.id, c.revision_of FROM consultations AS c
                        JOIN up ON c.id = up.revision_of
                ),
                root (id) AS (SELECT id FROM up WHERE revision_of IS NULL),
                down (id) AS (
                    SELECT id FROM root
                    UNION SELECT c.id FROM consultations AS c JOIN down ON c.revision_of = down.id
                )
            SELECT id FROM down
            """,
            [consultation_id],
        ).fetchall()
        ids = [row[0] for row in chain]
        by_id = {c.id: c for c in self._load(_AMONG, [json.dumps(ids)])}
        ordered, current = [], next((i for i in ids if by_id[i].revision_of is None), None)
        while current is not None:
            ordered.append(by_id[current])
            current = next((i for i in ids if by_id[i].revision_of == current), None)
        return ordered

    @guarded
    def planned_sessions(self, consultation_id: int) -> tuple[Session, ...]:
        return tuple(
            Session(r["number"], date.fromisoformat(r["date"]), _time(r.get("time")))
            for r in self._by_name(
                "SELECT * FROM planned_sessions WHERE consultation_id = ? ORDER BY number",
                [consultation_id],
            )
        )

    @guarded
    def adjunct_visits(self, consultation_id: int) -> tuple[AdjunctVisit, ...]:
        return tuple(
            AdjunctVisit(
                r["adjunct_id"],
                date.fromisoformat(r["date"]),
                r["after_session"],
                _time(r.get("time")),
            )
            for r in self._by_name(
                "SELECT * FROM adjunct_visits WHERE consultation_id = ? ORDER BY visit_no",
                [consultation_id],
            )
        )

    def _by_name(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """Rows as dicts by column name (a file of an older schema lacks the newer columns)."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    @guarded
    def stored_plan(self, consultation_id: int) -> StoredPlan | None:
        """The dated plan saved with a final consultation (None for a draft)."""
        row = self.store.row("SELECT * FROM consultations WHERE id = ?", [consultation_id])
        if row is None:
            raise missing("consultation", consultation_id)
        if row["status"] != Status.FINAL:
            return None
        return StoredPlan(
            sessions=self.planned_sessions(consultation_id),
            adjunct_visits=self.adjunct_visits(consultation_id),
            interval_weeks=row["interval_weeks"],
            results_from=_day(row["results_from"]),
            results_to=_day(row["results_to"]),
            screening_outcome=row["screening_outcome"],
            catalog_version=row["catalog_version"],
        )

    # ------------------------------------------------------------------ questions

    @guarded
    def sessions_due(self, start: date, end: date) -> list[DueSession]:
        """Planned sessions from ``start`` to ``end`` (both included), of current finals."""
        return [
            DueSession(date.fromisoformat(r["date"]), r["number"], r["cid"], r["pid"], r["name"])
            for r in self.db.query(
                f"""
                SELECT s.date, s.number, c.id AS cid, p.id AS pid, p.name
                FROM planned_sessions AS s
                JOIN consultations AS c ON c.id = s.consultation_id
                JOIN patients AS p ON p.id = c.patient_id
                WHERE s.date BETWEEN ? AND ? AND c.status = 'final' AND {CURRENT}
                ORDER BY s.date, p.search_name, s.number
                """,
                [start.isoformat(), end.isoformat()],
            )
        ]

    @guarded
    def patients_with_concern(self, concern_id: str) -> list[PatientRow]:
        """Patients whose current final plan treats ``concern_id`` (e.g. "acne_scars")."""
        where = f"""p.id IN (
            SELECT c.patient_id FROM consultation_concerns AS k
            JOIN consultations AS c ON c.id = k.consultation_id
            WHERE k.concern_id = :concern AND c.status = 'final' AND {CURRENT})"""
        sql = f"SELECT {LISTED} FROM patients AS p WHERE {where} ORDER BY p.search_name, p.id"
        today = self.store.today().isoformat()
        return [listed(row, today) for row in self.conn.execute(sql, {"concern": concern_id})]
