"""``store.health``: how many records there are, and the damage check behind ``db check``."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from consult.storage import anchor, content, listing, migrations, rotation, schema_check, search
from consult.storage.audit import AuditReport
from consult.storage.part import Part, guarded
from consult.storage.readers import Readers
from consult.storage.records import kept_answers


@dataclass(frozen=True)
class CheckReport:
    path: Path | None
    schema_version: int
    problems: tuple[str, ...]
    audit: AuditReport
    counts: dict[str, int] = field(default_factory=dict)
    #: Warnings that are not damage: another program has the file open, backups are old.
    notes: tuple[str, ...] = ()
    #: Records on the clinic's server: "records on HOST/DATABASE" (``path`` is None).
    where: str = ""

    @property
    def healthy(self) -> bool:
        return not self.problems and self.audit.intact

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
        lines.append(self.audit.summary())
        lines.extend(self.notes)
        return "\n".join(lines)


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

        try:
            conn = open_connection(self._path, readonly=True, verify=False)
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


def _dangling(conn: sqlite3.Connection) -> bool:
    """Whether some row points to a row that does not exist (SQLite's foreign key check)."""
    return conn.execute("PRAGMA foreign_key_check").fetchone() is not None


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
        """SQLite's check of every page, foreign keys, the name search keys, the dates the
        list shows, the file's structure, the audit chain and the records' seals: all of one
        state of the records, also while another process is saving.

        SQLite's page check runs on a connection of its own, on another thread, while this
        one does the rest (SQLite works without Python's lock, so on two cores the two take
        the time of the longer). ``full``: ``integrity_check``, which also checks every
        index against its table (about twice as long), instead of ``quick_check``."""
        if self.store.on_server:
            with self.store.snapshot():
                return self._check_server()
        path = self.store.path
        pages = PageCheck(path, full) if path is not None else None
        anchored = anchor.read(path) if path is not None else None  # before the snapshot
        try:
            with self.store.snapshot_readers(2) as readers:
                report = self._check(readers, anchored, None if pages else full)
        finally:
            result = pages.result() if pages else ["ok"]
        if result != ["ok"]:
            problem = f"SQLite's check of the file's pages found {len(result)} problem(s)."
            return CheckReport(
                report.path,
                report.schema_version,
                (problem, *report.problems),
                report.audit,
                {},
                report.notes,
            )
        return report

    def _check(self, readers: Readers, anchored, full: bool | None) -> CheckReport:
        """The checks of one state of the records: the parts that are mostly SQLite's work
        (foreign keys and the list's dates; the final consultations' content) on ``readers``,
        the rest here meanwhile."""
        problems = []
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        result = ["ok"]
        if full is not None:  # no file of its own to check on another connection
            pragma = "integrity_check" if full else "quick_check"
            result = [r[0] for r in self.conn.execute(f"PRAGMA {pragma}(20)")]
        if result != ["ok"]:
            problems.append(f"SQLite's check of the file's pages found {len(result)} problem(s).")
        else:
            dangling = readers.submit(_dangling)
            # An older file (read here without upgrading it) lacks the newer derived tables.
            keys = dates = drafts = 0
            if version >= migrations.version_of("0003_name_keys"):
                keys = self._name_key_problems()
            if version >= migrations.version_of("0004_list_dates"):
                dates = listing.mismatched(self.conn)
            if version >= migrations.version_of("0012_screening_answers_as_one_column"):
                drafts = self._draft_answer_problems()
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
        report = self.store.audit.verify_in(readers, anchored)
        counts = {} if problems else self.counts()
        return CheckReport(self.store.path, version, tuple(problems), report, counts, self._notes())

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
        report = self.store.audit.verify()
        counts = {} if problems else self.counts()
        return CheckReport(
            None,
            version,
            tuple(problems),
            report,
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
        return sum(
            kept_answers(text) is None
            for (text,) in self.conn.execute(
                "SELECT answers FROM consultations WHERE status = 'draft'"
            )
        )

    def _name_key_problems(self) -> int:
        """How many patients' search words (``search_name``) or name keys (``name_keys``) are
        not what their names give, counting keys that name no patient as one more. Reads
        every key once, grouped by patient, beside the patients in id order."""
        stored = self.conn.execute(
            "SELECT patient_id, sort_name, group_concat(key, char(31)) FROM name_keys "
            "GROUP BY patient_id, sort_name ORDER BY patient_id, sort_name"
        )
        groups = iter(stored)
        group = next(groups, None)
        wrong = 0
        for patient_id, name, stored_words in self.conn.execute(
            "SELECT id, name, search_name FROM patients ORDER BY id"
        ):
            while group is not None and group[0] < patient_id:  # keys of no patient
                wrong += 1
                group = next(groups, None)
            found = []
            while group is not None and group[0] == patient_id:
                found.append((group[1], sorted(group[2].split("\x1f"))))
                group = next(groups, None)
            words = search.search_name(name)
            expected = [(search.sort_name(words), sorted(search.name_keys(words)))]
            if stored_words != words or found != expected:
                wrong += 1
        if group is not None:
            wrong += 1
        return wrong
