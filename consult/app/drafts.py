"""Unfinished consultations, saved as the provider works so a crash loses nothing.

One JSON file per draft in ``<data folder>/drafts/``, in the shape ``storage.shapes.DraftFile``
declares, written atomically (temp file in the same folder, fsync, rename) and private to the
user (0600). A draft is removed once the consultation is finalised. Drafts written by earlier
versions read as before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import msgspec

from consult.app.draft import ConsultationDraft, PatientDraft
from consult.domain.catalog import Catalog
from consult.domain.model import ClinicSettings
from consult.storage import shapes
from consult.storage.shapes import DraftConsultation, DraftFile, DraftPatient
from consult.system.files import write_private_atomic

SUFFIX = ".draft.json"
MAX_DRAFT_BYTES = 10 * 1024**2


def to_record(state: ConsultationDraft) -> DraftConsultation:
    """What a draft file keeps of ``state`` (everything the provider entered)."""
    p = state.patient
    body = shapes.body_fields(
        provider=state.provider,
        date=state.today,
        start_date=state.start_date,
        session_count=state.session_count,
        notes=state.notes,
        catalog_version=state.catalog.version,
        override=None,  # set below, as typed
        screening=state.answers,
        areas=state.area_choices(),
        adjuncts=tuple(state.adjuncts),
        clearance=state.clearance,
        appointment_time=state.appointment_time,
        times=state.times,
    )
    body["amend_reason"] = state.amend_reason  # as typed so far
    # The reason as typed so far, even while too short to count as an override.
    reason = state.override_reason
    body["override"] = shapes.OverrideShape(reason, state.provider) if reason.strip() else None
    return DraftConsultation(
        **body,
        patient=DraftPatient(
            id=p.id,
            name=p.name,
            date_of_birth=p.date_of_birth,
            fitzpatrick=p.fitzpatrick,
            language=p.language,
            phone=p.phone,
            email=p.email,
        ),
        id=state.consultation_id,
        revision_of=state.revision_of,
    )


def from_record(
    catalog: Catalog, settings: ClinicSettings, today: date, record: DraftConsultation
) -> ConsultationDraft:
    """The wizard's state again, from a draft file's record."""
    p = record.patient
    state = ConsultationDraft(
        catalog=catalog,
        settings=settings,
        today=today,
        patient=PatientDraft(
            p.name, p.date_of_birth, p.fitzpatrick or None, p.language, p.phone, p.email, p.id
        ),
        provider=record.provider,
        answers=shapes.answers_of(record),
        override_reason=record.override.reason if record.override else "",
        adjuncts=list(record.adjuncts),
        start_date=record.start_date,
        session_count=record.session_count,
        notes=record.notes,
        consultation_id=record.id,
        revision_of=record.revision_of,
        clearance=shapes.clearance_of(record),
        appointment_time=shapes.time_of_day(record.appointment_time),
        times=shapes.times_of(record),
        amend_reason=record.amend_reason,
    )
    for choice in shapes.areas_of(record):
        state.areas[choice.area_id] = set(choice.zones)
        state.concerns[choice.area_id] = {
            c.concern_id: (c.severity, c.kind) for c in choice.concerns
        }
    return state


@dataclass(frozen=True)
class Draft:
    key: str
    saved_at: datetime
    record: DraftConsultation

    owner: str = ""  # the account that was typing it ("" in drafts from before accounts)

    @property
    def patient_name(self) -> str:
        return self.record.patient.name

    def offered_to(self, account: str) -> bool:
        """A draft is resumed by the account that typed it (one from before accounts, by
        anyone who may consult)."""
        return not self.owner or self.owner.casefold() == account.casefold()

    def resume(self, catalog: Catalog, settings: ClinicSettings, today: date) -> ConsultationDraft:
        return from_record(catalog, settings, today, self.record)


class DraftStore:
    def __init__(self, folder: Path):
        self.folder = folder

    def new_key(self) -> str:
        return uuid.uuid4().hex

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("a draft key is letters and digits only")
        return self.folder / f"{key}{SUFFIX}"

    def save(self, key: str, state: ConsultationDraft, owner: str = "") -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = DraftFile(
            saved_at=datetime.now().astimezone(), consultation=to_record(state), owner=owner
        )
        write_private_atomic(self._path(key), msgspec.json.encode(payload))

    def load(self, key: str) -> Draft:
        """One draft; ValueError when the file is not a draft this version can read."""
        path = self._path(key)
        if path.stat().st_size > MAX_DRAFT_BYTES:
            raise ValueError("not a draft: far too large")
        try:
            payload = msgspec.json.decode(path.read_bytes(), type=DraftFile)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            raise ValueError(f"not a draft ({exc})") from None
        return Draft(key, payload.saved_at, payload.consultation, payload.owner)

    def all(self, owner: str | None = None) -> list[Draft]:
        """Every readable draft (``owner``'s only, when given), newest first; unreadable
        files are skipped, never deleted."""
        drafts = []
        if not self.folder.is_dir():
            return drafts
        for path in self.folder.glob(f"*{SUFFIX}"):
            try:
                drafts.append(self.load(path.name.removesuffix(SUFFIX)))
            except (OSError, ValueError):
                continue
        if owner is not None:
            drafts = [d for d in drafts if d.offered_to(owner)]
        return sorted(drafts, key=lambda d: d.saved_at, reverse=True)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
