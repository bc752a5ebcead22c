"""``store.health``: how many records there are, and the damage check behind ``db check``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from consult.storage import audit, listing, migrations, rotation, search
from consult.storage.audit import AuditReport
from consult.storage.part import Part, guarded


@dataclass(frozen=True)
class CheckReport:
    path: Path | None
    schema_version: int
    problems: tuple[str, ...]
    audit: AuditReport
    counts: dict[str, int] = field(default_factory=dict)
    #: Warnings that are not damage: another program has the file open, backups are old.
    notes: tuple[str, ...] = ()

    @property
    def healthy(self) -> bool:
        return not self.problems and self.audit.intact

    def summary(self) -> str:
        counts = ", ".join(f"{v} {k}" for k, v in self.counts.items())
        lines = []
        if self.problems:
            lines.append(
                f"The records database {self.path} is damaged: "
                + " ".join(self.problems)
                + " Restore the latest backup with “consult db restore”; keep this file."
            )
        else:
            lines.append(
                f"The records database {self.path} is healthy (schema version "
                f"{self.schema_version}; {counts})."
            )
        lines.append(self.audit.summary())
        lines.extend(self.notes)
        return "\n".join(lines)


class Health(Part):
    @guarded
    def counts(self) -> dict[str, int]:
        one = self.conn.execute
        return {
            "patients": one("SELECT count(*) FROM patients").fetchone()[0],
            "consultations": one("SELECT count(*) FROM consultations").fetchone()[0],
            "drafts": one("SELECT count(*) FROM consultations WHERE status = 'draft'").fetchone()[
                0
            ],
            "audit entries": one("SELECT count(*) FROM audit_log").fetchone()[0],
        }

    @guarded
    def check(self) -> CheckReport:
        """SQLite's full integrity check, foreign keys, the name search keys, the dates the
        list shows, the audit chain: all of one state of the records, also while another
        process is saving."""
        with self.store.snapshot():
            return self._check()

    def _check(self) -> CheckReport:
        problems = []
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        result = [r[0] for r in self.conn.execute("PRAGMA integrity_check(20)")]
        if result != ["ok"]:
            problems.append(f"SQLite's integrity check found {len(result)} problem(s).")
        else:
            if self.conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                problems.append("Some parts of records point to records that do not exist.")
            # An older file (read here without upgrading it) lacks the newer derived tables.
            wrong = 0
            if version >= migrations.version_of("0003_name_keys"):
                wrong = self._name_key_problems()
            if wrong:
                problems.append(
                    f"The name search keys of {wrong} patient(s) do not match their names, "
                    "so a search may miss them."
                )
            wrong = 0
            if version >= migrations.version_of("0004_list_dates"):
                wrong = listing.mismatched(self.conn)
            if wrong:
                problems.append(
                    f"The dates the patient list shows for {wrong} patient(s) (last "
                    "consultation, next session) do not match their consultations."
                )
        if version < migrations.SCHEMA_VERSION:
            problems.append(
                f"The schema is version {version}; opening it for writing upgrades it to "
                f"{migrations.SCHEMA_VERSION}."
            )
        report = audit.verify(self.db)
        counts = {} if problems else self.counts()
        return CheckReport(self.store.path, version, tuple(problems), report, counts, self._notes())

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
