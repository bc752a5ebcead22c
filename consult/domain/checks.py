"""Whether a record from outside (an import) says only what the app itself could have saved.

An export's shape is checked as it is read (``storage.shapes``); these are the checks its
shape cannot make: every id is one the catalog knows, in its place (a zone of its area, a
concern of its area, a severity of its concern); dates lie in sensible ranges; names and texts
are clean (NFC, no control characters); counts are within the catalog's bounds. Each problem
is ``(path, what)``, the path relative to the record (``areas[0].zones[1]``), in plain words,
never quoting what a record says.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from consult.domain.catalog import Catalog
from consult.domain.model import Consultation, Patient

EARLIEST_BIRTH = date(1900, 1, 1)
EARLIEST_CONSULTATION = date(2000, 1, 1)
ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_SESSIONS = 24  # far above any concern's range; the plan's own range is checked elsewhere

Problem = tuple[str, str]


def _text(path: str, text: str, *, multiline: bool = False, nfc: bool = False) -> list[Problem]:
    if nfc and unicodedata.normalize("NFC", text) != text:
        return [(path, "is not in Unicode's composed form (NFC), as the app saves names")]
    allowed = {"\n", "\t", "\r"} if multiline else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        return [(path, "holds control characters")]
    return []


def patient_problems(catalog: Catalog, patient: Patient, today: date) -> list[Problem]:
    found: list[Problem] = []
    found += _text("name", patient.name, nfc=True)
    for field in ("phone", "email"):
        found += _text(field, getattr(patient, field))
    if patient.date_of_birth < EARLIEST_BIRTH:
        found.append(("date_of_birth", "is before 1900"))
    found += [
        (p.field, p.message.rstrip(".").lower())
        for p in patient.problems(today, 0, catalog.languages)
    ]
    return found


def _known(strict: bool, ids: set[str], value: str) -> bool:
    """Whether ``value`` may stand as an id: one the catalog knows, or — in a record made with
    another version of the catalog (``strict`` False), which may have named things otherwise —
    at least an id's shape."""
    return value in ids or (not strict and ID.fullmatch(value) is not None)


def consultation_problems(catalog: Catalog, item: Consultation, today: date) -> list[Problem]:
    """``item``'s problems. A record saved with this catalog's version must use its ids; one
    saved with an earlier catalog keeps the ids of its time (screened and planned as they
    were), as long as they look like ids."""
    found: list[Problem] = []
    strict = item.catalog_version == catalog.version
    found += _text("provider", item.provider)
    found += _text("notes", item.notes, multiline=True)
    if not item.provider.strip():
        found.append(("provider", "is empty"))
    if item.date > today:
        found.append(("date", "is in the future"))
    elif item.date < EARLIEST_CONSULTATION:
        found.append(("date", "is before 2000"))
    if item.session_count is not None and not 1 <= item.session_count <= MAX_SESSIONS:
        found.append(("session_count", f"is not between 1 and {MAX_SESSIONS}"))
    questions = {q.id for q in catalog.questions}
    for n, question in enumerate(item.screening):
        if not _known(strict, questions, question):
            found.append((f"screening[{n}].question", "is not a question of the catalog"))
    areas = {a.id: a for a in catalog.areas}
    for n, choice in enumerate(item.areas):
        where = f"areas[{n}]"
        area = areas.get(choice.area_id)
        if area is None:
            if not _known(strict, set(), choice.area_id):
                found.append((f"{where}.area", "is not an area of the catalog"))
            continue
        zones = {z.id for z in area.zones}
        for z, zone in enumerate(choice.zones):
            if not _known(strict, zones, zone):
                found.append((f"{where}.zones[{z}]", "is not a zone of that area"))
        for k, concern_choice in enumerate(choice.concerns):
            place = f"{where}.concerns[{k}]"
            if concern_choice.concern_id not in area.concerns:
                if not _known(strict, set(), concern_choice.concern_id):
                    found.append((f"{place}.concern", "is not a concern of that area"))
                continue
            concern = catalog.concern(concern_choice.concern_id)
            if concern_choice.severity is not None and concern_choice.severity not in {
                s.id for s in concern.severities
            }:
                found.append((f"{place}.severity", "is not a severity of that concern"))
            if concern_choice.kind is not None and concern_choice.kind not in {
                k.id for k in concern.kinds
            }:
                found.append((f"{place}.kind", "is not a kind of that concern"))
    adjuncts = {a.id for a in catalog.adjuncts}
    for n, adjunct in enumerate(item.adjuncts):
        if not _known(strict, adjuncts, adjunct):
            found.append((f"adjuncts[{n}]", "is not an adjunct of the catalog"))
    if item.override is not None:
        found += _text("override.reason", item.override.reason, multiline=True)
    return found
