"""``store.patient_list``: the patient list beside the window — who is due, and searches.

Each listed patient is one read of its row, which keeps the dates the list shows (see
``listing``); a page costs the same however large the file (see docs/storage.md, "Search").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from consult.storage import listing, search
from consult.storage.part import Part, guarded

# A consultation ``c`` is current unless a newer revision replaces it.
CURRENT = listing.CURRENT

# What the list shows beside a patient ``p``, kept in its row (see ``listing``).
LISTED = "p.id, p.name, p.date_of_birth, p.last_consultation, p.session_dates"

PAGE = 40
"""Patients listed at once: about a screenful. The list asks for the next page when it is
scrolled to the end."""


@dataclass(frozen=True)
class PatientRow:
    """One line of a patient search result."""

    id: int
    name: str
    date_of_birth: date
    last_consultation: date | None = None
    next_session: date | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a list's next page starts (pass it back as ``after``); opaque to callers."""

    position: tuple[Any, ...]


@dataclass(frozen=True)
class Page:
    """One page of a patient list: its rows, and whether more follow (``after`` is then the
    cursor for the next page). ``kind`` says what the list is: "name", "date_of_birth",
    "phone", "recent", or "" when nothing searchable was typed."""

    rows: tuple[PatientRow, ...]
    more: bool = False
    after: Cursor | None = None
    kind: str = ""


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def listed(row: tuple[Any, ...], today: str) -> PatientRow:
    """A list row from the patient's ``LISTED`` columns (the first five of ``row``)."""
    id_, name, born, last, sessions = row[:5]
    return PatientRow(
        id_,
        name,
        date.fromisoformat(born),
        _day(last),
        _day(listing.next_session(sessions, today)),
    )


class PatientList(Part):
    @guarded
    def recent(self, limit: int = PAGE, after: Cursor | None = None, days: int = 7) -> Page:
        """What the list shows before anything is typed: the patients with a session in the
        next ``days`` days, the soonest first, then every other patient, the newest first;
        ``limit`` at a time, from ``after`` (the previous page's ``after``).

        A page costs the same however large the file: the first part walks the sessions'
        date index from today (skipping drafts, replaced plans and patients already listed),
        the second walks the patients' ids down, and both stop at the page.
        """
        today = self.store.today()
        params: dict[str, Any] = {
            "today": today.isoformat(),
            "until": (today + timedelta(days=days)).isoformat(),
        }
        position = after.position if after is not None else ("due",)
        listed: list[PatientRow] = []
        if position[0] == "due":
            due = self._due_soon(params, position[1:], limit + 1)
            if len(due) > limit:
                rows = tuple(row for row, _ in due[:limit])
                return Page(rows, True, Cursor(("due", *due[limit - 1][1])), "recent")
            listed = [r for r, _ in due]
            position = ("new",)
        wanted = limit - len(listed)
        below = position[1] if len(position) > 1 else None
        newest = self._newest_not_due(params, below, wanted + 1)
        listed += newest[:wanted]
        if len(newest) <= wanted:
            return Page(tuple(listed), False, None, "recent")
        below = newest[wanted - 1].id if wanted else below
        return Page(tuple(listed), True, Cursor(("new", below)), "recent")

    def _due_soon(
        self, params: dict[str, Any], after: tuple[Any, ...], limit: int
    ) -> list[tuple[PatientRow, tuple[str, int, int]]]:
        """Patients by their first session from today to ``until``, soonest first, each with
        the session's (date, consultation id, number): the order walked, and the cursor."""
        params = {**params, "limit": limit}
        since = ":today"
        if after:
            since = ":after_date"
            params |= dict(zip(("after_date", "after_id", "after_number"), after, strict=True))
        later = (
            "AND (s.date, s.consultation_id, s.number) > (:after_date, :after_id, :after_number)"
            if after
            else ""
        )
        sql = f"""
            SELECT p.id, p.name, p.date_of_birth, p.last_consultation,
                w.date, w.consultation_id, w.number
            FROM (
                SELECT s.date, s.consultation_id, s.number, c.patient_id
                FROM planned_sessions AS s
                JOIN consultations AS c ON c.id = s.consultation_id
                WHERE s.date BETWEEN {since} AND :until {later}
                    AND c.status = 'final' AND {CURRENT}
                    AND NOT EXISTS (
                        SELECT 1 FROM consultations AS e
                        JOIN planned_sessions AS es ON es.consultation_id = e.id
                        WHERE e.patient_id = c.patient_id AND e.status = 'final'
                            AND NOT EXISTS (
                                SELECT 1 FROM consultations AS newer
                                WHERE newer.revision_of = e.id)
                            AND es.date >= :today
                            AND (es.date, es.consultation_id, es.number)
                                < (s.date, s.consultation_id, s.number))
                ORDER BY s.date, s.consultation_id, s.number
                LIMIT :limit
            ) AS w
            JOIN patients AS p ON p.id = w.patient_id
            ORDER BY w.date, w.consultation_id, w.number
        """
        return [
            (
                PatientRow(id_, name, date.fromisoformat(born), _day(last), _day(day)),
                (day, consultation_id, number),
            )
            for id_, name, born, last, day, consultation_id, number in self.conn.execute(
                sql, params
            )
        ]

    def _newest_not_due(
        self, params: dict[str, Any], below: int | None, limit: int
    ) -> list[PatientRow]:
        """Patients without a session from today to ``until``, the newest first (with an id
        below ``below``, when given)."""
        params = {**params, "limit": limit}
        if below is not None:
            params["below"] = below
        sql = f"""
            SELECT {LISTED}
            FROM patients AS p
            WHERE {"p.id < :below AND" if below is not None else ""} NOT EXISTS (
                SELECT 1 FROM consultations AS c
                JOIN planned_sessions AS s ON s.consultation_id = c.id
                WHERE c.patient_id = p.id AND c.status = 'final' AND {CURRENT}
                    AND s.date BETWEEN :today AND :until)
            ORDER BY p.id DESC
            LIMIT :limit
        """
        today = params["today"]
        return [listed(row, today) for row in self.conn.execute(sql, params)]

    @guarded
    def search(self, text: str, limit: int = PAGE, after: Cursor | None = None) -> Page:
        """Patients matching what was typed, by name, date of birth or phone: ``limit`` at a
        time in name order, from ``after`` (the previous page's ``after``).

        - a date (``1990-05-17`` or ``17/05/1990``): the patients born that day;
        - digits, perhaps with ``+ - ( ) .`` and spaces (3 digits or more): phones starting
          or ending with those digits;
        - anything else: every word typed starts a word of the name, ignoring case and
          accents ("zoe obr" finds "Zoë O'Brien").

        A name search walks ``name_keys`` in list order and stops at the page, however many
        patients match; each listed patient is then one read of its row, which keeps the
        dates the list shows.
        """
        if limit < 1:
            raise ValueError("a page lists at least one patient")
        query = search.parse_query(text)
        if query.names is not None:
            return self._name_page(query.names, limit, after)
        sort = f"substr(p.search_name, 1, {search.SORT_CHARS})"
        if query.date_of_birth is not None:
            kind, where = "date_of_birth", "p.date_of_birth = :dob"
            params: dict[str, Any] = {"dob": query.date_of_birth.isoformat()}
        elif query.phone is not None:
            digits = query.phone
            kind = "phone"
            where = (
                "((p.phone_digits >= :d AND p.phone_digits < :d || ':') "
                "OR (p.phone_reversed >= :r AND p.phone_reversed < :r || ':'))"
            )
            params = {"d": digits, "r": digits[::-1]}
        else:
            return Page(())
        if after is not None:
            where += f" AND ({sort}, p.id) > (:after_sort, :after_id)"
            params |= {"after_sort": after.position[0], "after_id": after.position[1]}
        page = (
            f"SELECT {LISTED}, {sort} AS sort_name FROM patients AS p "
            f"WHERE {where} ORDER BY sort_name, p.id LIMIT :limit"
        )
        return self._sorted_page(page, params, limit, kind)

    def _name_page(self, terms: tuple[str, ...], limit: int, after: Cursor | None) -> Page:
        """Patients each of whose ``terms`` starts a word of the name. The first term (the
        longest) drives: its keys are read in list order straight off the primary key; each
        other term is one lookup of the same key row's neighbour for that term."""
        params: dict[str, Any] = {}
        where = []
        for i, term in enumerate(terms):
            params[f"k{i}"] = term[: search.KEY_CHARS]
            if i:
                where.append(
                    f"EXISTS (SELECT 1 FROM name_keys AS k{i} WHERE k{i}.key = :k{i} "
                    f"AND k{i}.sort_name = k.sort_name AND k{i}.patient_id = k.patient_id)"
                )
        for i, term in enumerate(terms):
            if len(term) > search.KEY_CHARS:  # the keys hold its start: check the whole word
                params[f"w{i}"] = term
                where.append(f"instr(' ' || p.search_name, ' ' || :w{i}) > 0")
        if after is not None:
            where.append("(k.sort_name, k.patient_id) > (:after_sort, :after_id)")
            params |= {"after_sort": after.position[0], "after_id": after.position[1]}
        page = f"""
            SELECT {LISTED}, k.sort_name AS sort_name
            FROM name_keys AS k JOIN patients AS p ON p.id = k.patient_id
            WHERE k.key = :k0 {"".join(f" AND {w}" for w in where)}
            ORDER BY k.sort_name, k.patient_id
            LIMIT :limit
        """
        return self._sorted_page(page, params, limit, "name")

    def _sorted_page(self, page: str, params: dict[str, Any], limit: int, kind: str) -> Page:
        """The rows of ``page`` (a query of the ``LISTED`` columns and sort_name in
        (sort_name, id) order, ``LIMIT :limit``); one row more than the page is asked for, to
        know whether more follow."""
        found = self.conn.execute(page, {**params, "limit": limit + 1}).fetchall()
        today = self.store.today().isoformat()
        rows = tuple(listed(row, today) for row in found[:limit])
        if len(found) <= limit:
            return Page(rows, False, None, kind)
        last = found[limit - 1]
        return Page(rows, True, Cursor((last[5], last[0])), kind)
