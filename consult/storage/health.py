"""``store.health``: how many records there are, and the damage check behind ``db check``."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import msgspec

from consult.storage import (
    content,
    listing,
    migrations,
    rotation,
    schema_check,
    search,
)
from consult.storage.database import map_for_scan
from consult.storage.engine import on_server
from consult.storage.part import Part, guarded
from consult.storage.readers import Readers, behind_the_caller

#: The first schema whose audit entries seal the records' content (``content``).
SEALED_FROM = migrations.version_of("0006_audit_content")


@dataclass(frozen=True)
class CheckReport:
    path: Path | None
    schema_version: int
    problems: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    #: Warnings that are not damage: another program has the file open, backups are old.
    notes: tuple[str, ...] = ()
    #: Records on the clinic's server: "records on HOST/DATABASE" (``path`` is None).
    where: str = ""

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def _name(self) -> str:
        return self.where or f"records database {self.path}"

    def summary(self) -> str:
        counts = ", ".join(f"{v} {k}" for k, v in self.counts.items())
        lines = []
        if self.problems:
            lines.append(
                f"The {self._name} is damaged: "
                + " ".join(self.problems)
                + " Restore the latest backup with “consult db restore”; keep this file."
            )
        else:
            lines.append(
                f"The {self._name} is healthy (schema version {self.schema_version}; {counts})."
            )
        what = "its anchor"
        if self.schema_version >= SEALED_FROM:
            what += ", every record against its seal"
        lines.append(
            f"Whether anything was changed outside the app (the audit trail, {what}) is "
            "checked by “consult db verify”."
        )
        lines.extend(self.notes)
        return "\n".join(lines)


#: Connections reading beside the store's own in ``db check``: one, which reads the name keys,
#: checks the foreign keys and computes the list's dates, one after the other, while the page
#: check runs on a thread of its own and this thread walks the trail. More readers only took
#: turns on the same two cores with this thread, which does the Python work (2.4 s against
#: 2.1 s with one, on 100,000 patients).
CHECK_READERS = 1


class PageCheck:
    """SQLite's page check of ``path`` on a read-only connection of its own, on a thread."""

    def __init__(self, path: Path, full: bool):
        self._pragma = "integrity_check" if full else "quick_check"
        self._path = path
        self._result: list[str] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="page check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from consult.storage.opening import open_connection

        behind_the_caller()
        try:
            conn = open_connection(self._path, readonly=True, verify=False)
            map_for_scan(conn)
            try:
                self._result = [r[0] for r in conn.execute(f"PRAGMA {self._pragma}(20)")]
            finally:
                conn.close()
        except BaseException as exc:  # handed to the caller's thread
            self._error = exc

    def result(self) -> list[str]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result

    def damaged(self) -> bool:
        """Whether the check ran and found a damaged page (False when it could not run: the
        error that stopped it is the caller's to meet, or ``result``'s to raise)."""
        self._thread.join()
        return self._error is None and self._result != ["ok"]


def _out_of_step(keys: int, dates: int, drafts: int) -> list[str]:
    """What is wrong, in words, when so many patients' name keys or list dates, or drafts'
    screening answers, are not what the records give (on either engine)."""
    problems = []
    if keys:
        problems.append(
            f"The name search keys of {keys} patient(s) do not match their names, "
            "so a search may miss them."
        )
    if dates:
        problems.append(
            f"The dates the patient list shows for {dates} patient(s) (last "
            "consultation, next session) do not match their consultations."
        )
    if drafts:
        problems.append(
            f"The screening answers of {drafts} draft consultation(s) are not as the app "
            "writes them (each question once, answered yes, no or not sure): they were "
            "changed outside the app."
        )
    return problems


def _dangling(conn: sqlite3.Connection, skip: tuple[str, ...] = ()) -> bool:
    """Whether some row points to a row that does not exist (SQLite's foreign key check),
    in every table but ``skip``."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
        if name not in skip
    ]
    return any(
        conn.execute(f"PRAGMA foreign_key_check({_quoted(name)})").fetchone() is not None
        for name in tables
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Health(Part):
    @guarded
    def counts(self) -> dict[str, int]:
        one = self.conn.execute
        found = {
            "patients": one("SELECT count(*) FROM patients").fetchone()[0],
            "consultations": one("SELECT count(*) FROM consultations").fetchone()[0],
            "drafts": one("SELECT count(*) FROM consultations WHERE status = 'draft'").fetchone()[
                0
            ],
            "audit entries": one("SELECT count(*) FROM audit_log").fetchone()[0],
        }
        if content.has_consents(self.conn):  # schema 8 on
            found["consents"] = one("SELECT count(*) FROM consents").fetchone()[0]
        if content.has_course(self.conn):  # schema 10 on
            found["visits"] = one("SELECT count(*) FROM visits").fetchone()[0]
            found["course changes"] = one("SELECT count(*) FROM course_changes").fetchone()[0]
        if content.has_photos(self.conn):  # schema 11 on
            found["photos"] = one(
                "SELECT count(*) FROM photos AS f WHERE NOT EXISTS "
                "(SELECT 1 FROM photo_deletions AS d WHERE d.photo_id = f.id)"
            ).fetchone()[0]
        return found

    @guarded
    def check(self, *, full: bool = False) -> CheckReport:
        """Whether the file is sound: SQLite's check of every page, foreign keys, the name
        search keys, the dates the list shows, the drafts' answers, the file's structure: all
        of one state of the records, also while another process is saving. Whether anything
        was changed outside the app (the audit trail, its anchor, every record against its
        seal) is ``audit.verify``'s (``db verify``): the two commands together check
        everything once.

        SQLite's page check runs on a connection of its own, on another thread, while this
        one does the rest (SQLite works without Python's lock, so on two cores the two take
        the time of the longer). ``full``: ``integrity_check``, which also checks every
        index against its table (about twice as long), instead of ``quick_check``."""
        if self.store.on_server:
            with self.store.snapshot():
                return self._check_server()
        path = self.store.path
        pages = PageCheck(path, full) if path is not None else None
        try:
            with self.store.scanning(), self.store.snapshot_readers(CHECK_READERS) as readers:
                report = self._check(readers, None if pages else full)
        finally:
            result = pages.result() if pages else ["ok"]
        if result != ["ok"]:
            problem = f"SQLite's check of the file's pages found {len(result)} problem(s)."
            return CheckReport(
                report.path,
                report.schema_version,
                (problem, *report.problems),
                {},
                report.notes,
            )
        return report

    def _check(self, readers: Readers, full: bool | None) -> CheckReport:
        """The checks of one state of the records: the parts that are mostly SQLite's work
        (reading the name keys, foreign keys, the list's dates) handed to ``readers``, the
        rest on this thread meanwhile (the name keys' Python side, the drafts)."""
        problems = []
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        result = ["ok"]
        if full is not None:  # no file of its own to check on another connection
            pragma = "integrity_check" if full else "quick_check"
            result = [r[0] for r in self.conn.execute(f"PRAGMA {pragma}(20)")]
        if result != ["ok"]:
            problems.append(f"SQLite's check of the file's pages found {len(result)} problem(s).")
        else:
            # An older file (read here without upgrading it) lacks the newer derived tables.
            has_keys = version >= migrations.version_of("0003_name_keys")
            has_dates = version >= migrations.version_of("0004_list_dates")
            has_drafts = version >= migrations.version_of("0012_screening_answers_as_one_column")
            stored_keys = readers.submit(_stored_keys) if has_keys else None
            dangling = readers.submit(partial(_dangling, skip=("name_keys",) if has_keys else ()))
            summaries = readers.submit(listing.compute) if has_dates else None
            keys = self._name_key_problems(stored_keys()) if stored_keys is not None else 0
            drafts = self._draft_answer_problems() if has_drafts else 0
            dates = listing.mismatched(self.conn, summaries()) if summaries is not None else 0
            if dangling():
                problems.append("Some parts of records point to records that do not exist.")
            problems += _out_of_step(keys, dates, drafts)
        changed = schema_check.differences(self.conn, version)
        if changed:
            problems.append(schema_check.describe(changed))
        if version < migrations.SCHEMA_VERSION:
            problems.append(
                f"The schema is version {version}; opening it for writing upgrades it to "
                f"{migrations.SCHEMA_VERSION}."
            )
        counts = {} if problems else self.counts()
        return CheckReport(self.store.path, version, tuple(problems), counts, self._notes())

    def _check_server(self) -> CheckReport:
        """The same checks of records on the clinic's server, but for SQLite's own: the
        server keeps its pages and its foreign keys itself (``pg_schema`` applied every
        migration there, and its role may not alter the tables)."""
        from consult.storage import pg_schema

        version = len(pg_schema.applied(self.conn.raw))  # type: ignore[attr-defined]
        problems = _out_of_step(
            self._name_key_problems(),
            listing.mismatched(self.conn),
            self._draft_answer_problems(),
        )
        counts = {} if problems else self.counts()
        return CheckReport(
            None,
            version,
            tuple(problems),
            counts,
            (),
            where=f"records database on {self.conn.where}",
        )

    def _notes(self) -> tuple[str, ...]:
        notes = []
        if getattr(self.conn, "shared_with_others", None):
            notes.append(
                "Another program has these records open (the app, probably), so they were "
                "checked as they are at this moment, read-only; nothing in the file or its "
                "journal was changed."
            )
        path = self.store.path
        if path is not None and (warning := rotation.stale_warning(path, self.store.clock())):
            notes.append(warning)
        return tuple(notes)

    def _draft_answer_problems(self) -> int:
        """How many drafts' screening answers are not in the form the app writes. A final's
        are sealed, so a change to them is found with the rest of its content; a draft's
        change freely, and until schema 12 a CHECK constraint on each answer row kept them
        in that form (``records.kept_answers``)."""
        from consult.storage.records import kept_answers  # with the domain model it reads

        return sum(
            kept_answers(text) is None
            for (text,) in self.conn.execute(
                "SELECT answers FROM consultations WHERE status = 'draft'"
            )
        )

    def _name_key_problems(self, stored: list[tuple[Any, Any, Any]] | None = None) -> int:
        """How many patients' search words (``search_name``) or name keys (``name_keys``) are
        not what their names give, counting keys that name no patient as one more (so the
        foreign key check can leave the table out: it is the check's longest part, a look-up
        of the patient for each of a million keys). ``stored``: ``_stored_keys``, read
        elsewhere of the same state."""
        if stored is None:
            stored = _stored_keys(self.conn)
        by_patient: dict[Any, list[tuple[Any, Any]]] = {}
        for patient_id, sort_name, joined in stored:
            by_patient.setdefault(patient_id, []).append((sort_name, joined))
        wrong = 0
        search_name, sort_name, name_keys = search.search_name, search.sort_name, search.name_keys
        for patient_id, name, stored_words in self.conn.execute(
            "SELECT id, name, search_name FROM patients"
        ):
            found = by_patient.pop(patient_id, None)
            words = search_name(name) if isinstance(name, str) else None
            if words is None or stored_words != words:
                wrong += 1
                continue
            expected = name_keys(words)
            if not expected or found is None or len(found) != 1:
                wrong += bool(expected) or found is not None
                continue
            ((found_sort, joined),) = found
            if (
                found_sort != sort_name(words)
                or not isinstance(joined, str)
                or sorted(joined.split(_KEYS_APART)) != sorted(expected)
            ):
                wrong += 1
        return wrong + len(by_patient)


_KEYS_APART = "\x1f"
_decode_keys = msgspec.json.Decoder(list[tuple[Any, Any, Any]]).decode


def _stored_keys(conn: sqlite3.Connection) -> list[tuple[Any, Any, Any]]:
    """Every patient's name keys as stored: (patient id, sort name, the keys joined by
    ``_KEYS_APART``) for each patient and sort name, read as one text (on a reader's thread,
    a row at a time would wait for Python's lock at every row)."""
    grouped = (
        "SELECT patient_id, sort_name, group_concat(key, char(31)) AS keys FROM name_keys "
        "GROUP BY patient_id, sort_name"
    )
    if on_server(conn):  # the server does the work; its JSON functions are not SQLite's
        return conn.execute(grouped).fetchall()
    (text,) = conn.execute(
        f"SELECT json_group_array(json_array(patient_id, sort_name, keys)) FROM ({grouped})"
    ).fetchone()
    return _decode_keys(text)
