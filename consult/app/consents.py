"""Informed consent: the tasks the signing screen, the main window and the command line share.

``clinic.consents`` (a ``ConsentDesk``) composes the text a patient reads (``text``), records
what they decided (``sign``, ``decline``, ``withdraw``), and answers the question the session
recording asks before every needling session (``status``): is there a valid consent for
microneedling and for each add-on treatment that needs one, and if not, why not.

Signing is two steps so that the window never waits on the slow part: ``prepare`` renders the
PDF and seals it (pure work; a worker thread; pyHanko is imported here, on the first
consent), then ``save`` records it in one transaction with its audit entry. The PDF prints the
record's id, reserved before it is made; should another record take that id meanwhile (a
second computer), ``save`` makes the PDF again inside its transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from consult.app.errors import UserFacingError, plain_error
from consult.app.session import require
from consult.domain.access import Permission, Role
from consult.domain.catalog import ConsentDocument
from consult.domain.consent import (
    ConsentEntry,
    ConsentStatus,
    ConsentText,
    Decision,
    Signature,
    compose,
    consent_status,
    needed_documents,
    screening_hash,
)
from consult.domain.model import Consultation, Status
from consult.domain.plan import Plan
from consult.storage.consents import StoredConsent
from consult.storage.errors import ConflictError, StorageError
from consult.storage.protect import check_input, check_output

if TYPE_CHECKING:
    from collections.abc import Callable

    from consult.app.session import Session
    from consult.domain.catalog import Catalog
    from consult.domain.model import ClinicSettings
    from consult.storage.protocol import RecordStoreAPI

SIGNING_FOLDER = "signing"  # in the data folder: the clinic's seal (see report.seal)


@dataclass(frozen=True)
class Prepared:
    """A signed consent ready to record: its entry, with the sealed PDF, made for an id."""

    entry: ConsentEntry
    record_id: int
    yes: str
    no: str


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found, line by line; ``ok`` when nothing is wrong."""

    ok: bool
    lines: tuple[str, ...]

    def summary(self) -> str:
        return "\n".join(self.lines)


class ConsentDesk:
    """``clinic.consents``: consent tasks on the clinic's records and catalog."""

    def __init__(
        self,
        catalog: Catalog,
        store: RecordStoreAPI,
        data_folder: Path,
        session: Callable[[], Session | None] | None = None,
    ):
        """``session``: who is signed in (the window's ``Clinic``); each task first checks
        that account may do it. Without it (the command line signs in before it makes the
        desk, and checks there), no check is made here."""
        self.catalog = catalog
        self.store = store
        self.signing_folder = data_folder / SIGNING_FOLDER
        self._session = session

    def require(self, permission: Permission) -> None:
        if self._session is not None:
            require(self._session(), permission)

    def settings(self) -> ClinicSettings:
        return self.store.clinic.settings()

    def plan_for(self, item: Consultation) -> Plan:
        from consult.app.plans import agreed_plan

        return agreed_plan(self.catalog, self.store, item)

    # -- who signs

    def signer(self, item: Consultation, chosen: str | None = None) -> str:
        """Who signs for the clinic, as recorded with the consent: the signed-in account (an
        assistant's may not); with no one signed in (records that have no accounts yet), the
        provider chosen on the signing screen, else the consultation's. The one place that
        says so."""
        session = self._session() if self._session is not None else None
        if session is not None:
            self.require(Permission.CONSULT)
            if session.role is Role.ASSISTANT:  # never reached while assistants may not consult
                raise UserFacingError("A provider signs the consent for the clinic.")
            return session.name
        name = (chosen or "").strip() or item.provider
        if not name:
            raise UserFacingError("Choose the provider who signs the consent.")
        return name

    def signer_is_fixed(self) -> bool:
        """Whether the signing screen may not choose who signs (an account is signed in)."""
        return self._session is not None and self._session() is not None

    # -- what the plan needs

    def documents(self, item: Consultation, plan: Plan) -> list[ConsentDocument]:
        """The forms to go through after the plan: those it needs, then the photo consent."""
        found = needed_documents(self.catalog, plan)
        found += [d for d in self.catalog.consents if d.kind == "photo"]
        return found

    def status(
        self, item: Consultation, plan: Plan | None = None, now: datetime | None = None
    ) -> ConsentStatus:
        """Whether ``item``'s plan has a valid consent for microneedling and for each add-on
        treatment that needs one; the reasons when not. What recording a session asks."""
        self.require(Permission.VIEW_PATIENTS)
        if item.id is None or item.status is not Status.FINAL:
            plan = plan or self.plan_for(item)
            return consent_status(self.catalog, plan, [], now=now or self._now())
        plan = plan or self.plan_for(item)
        records = [c.record() for c in self.store.consents.for_consultation(item.id)]
        return consent_status(
            self.catalog,
            plan,
            records,
            now=now or self._now(),
            valid_months=self.settings().consent_valid_months,
            screening=screening_hash(item),
        )

    def may_record_session(self, consultation_id: int) -> ConsentStatus:
        """For the session recording (the treatment course): ``.ok`` when a session may be
        recorded for this consultation, else ``.missing`` says what is needed and why."""
        item = self.store.records.consultation(consultation_id)
        return self.status(item)

    def photo_consent(
        self, patient_id: int, now: datetime | None = None
    ) -> tuple[int, dict[str, bool]] | None:
        """The patient's valid photo consent (its record id and choices: clinical record,
        teaching, marketing), whichever consultation it was signed for; None when there is
        none (not signed, refused, withdrawn, too old, or the form changed materially)."""
        self.require(Permission.VIEW_PATIENTS)
        from consult.domain.consent import judge

        records = [c.record() for c in self.store.consents.for_patient(patient_id)]
        months = self.settings().consent_valid_months
        for document in self.catalog.consents:
            if document.kind == "photo":
                found, _ = judge(document, records, now=now or self._now(), valid_months=months)
                if found is not None:
                    return found.id, dict(found.choices)
        return None

    def history(self, patient_id: int) -> list[StoredConsent]:
        self.require(Permission.VIEW_PATIENTS)
        return self.store.consents.for_patient(patient_id)

    # -- the text a patient reads

    def text(
        self,
        item: Consultation,
        plan: Plan,
        document_id: str,
        lang: str | None = None,
    ) -> ConsentText:
        self.require(Permission.VIEW_PATIENTS)
        lang = lang or item.patient.language
        if lang not in self.catalog.languages:
            lang = "en"
        from consult.report import dates

        return compose(
            self.catalog,
            self.catalog.consent(document_id),
            item,
            plan,
            lang,
            placeholders=self.settings().placeholders,
            long_date=dates.long_date,
        )

    # -- signing

    def _now(self) -> datetime:
        return self.store.clock().astimezone(UTC)

    def prepare(
        self,
        item: Consultation,
        text: ConsentText,
        *,
        patient_signature: Signature,
        provider_signature: Signature,
        provider: str,
        choices: dict[str, bool] | None = None,
        signed_at: datetime,
        record_id: int,
        settings=None,
    ) -> Prepared:
        """Render and seal the signed consent (pure work: safe on a worker thread)."""
        from consult.report.signature_png import signature_png

        for who, sig in (("patient", patient_signature), ("provider", provider_signature)):
            problem = sig.problem()
            if problem is not None:
                raise UserFacingError(f"The {who}'s signature: {problem}")
        labels = self.catalog.consent_labels
        entry = ConsentEntry(
            patient_id=item.patient.id,
            consultation_id=item.id,
            text=text,
            decision=Decision.SIGNED,
            signed_at=signed_at,
            patient_name=item.patient.name,
            provider=provider,
            screening_hash=screening_hash(item),
            choices=dict(choices or {}),
            patient_signature=patient_signature,
            patient_png=signature_png(patient_signature),
            provider_signature=provider_signature,
            provider_png=signature_png(provider_signature),
        )
        prepared = Prepared(
            entry,
            record_id,
            labels["choice_yes"][text.language],
            labels["choice_no"][text.language],
        )
        return self._sealed(prepared, item, settings or self.settings())

    def _sealed(self, prepared: Prepared, item: Consultation, settings) -> Prepared:
        from consult.report.consent_pdf import ConsentSheet, render_consent_pdf
        from consult.report.seal import SealError, clinic_sealer, seal_pdf

        entry = prepared.entry
        sheet = ConsentSheet(
            prepared.record_id,
            item.patient,
            entry.provider,
            entry.signed_at.astimezone(),  # the computer's local time, as the patient saw it
            entry.patient_png or b"",
            entry.provider_png or b"",
            dict(entry.choices),
            prepared.yes,
            prepared.no,
        )
        try:
            pdf = render_consent_pdf(entry.text, sheet, settings)
            sealer = clinic_sealer(self.signing_folder, settings.name)
            sealed = seal_pdf(
                bytes(pdf),
                sealer,
                reason=f"Consent {entry.text.document} v{entry.text.version} signed",
                location=settings.name.strip(),
            )
        except SealError as exc:
            raise UserFacingError(exc.message) from exc
        return replace(prepared, entry=replace(entry, pdf=sealed))

    def next_id(self) -> int:
        return self.store.consents.next_id()

    def save(self, prepared: Prepared, item: Consultation, *, demo: bool = False) -> StoredConsent:
        """Record a prepared consent: one transaction with its audit entry."""
        self.require(Permission.CONSULT)
        store = self.store
        try:
            with store.transaction():
                if store.consents.next_id() != prepared.record_id:  # taken meanwhile
                    prepared = replace(prepared, record_id=store.consents.next_id())
                    prepared = self._sealed(prepared, item, self.settings())
                return store.consents.add(prepared.entry, record_id=prepared.record_id, demo=demo)
        except (StorageError, ConflictError) as exc:
            raise plain_error(exc) from exc

    def sign(
        self,
        item: Consultation,
        text: ConsentText,
        *,
        patient_signature: Signature,
        provider_signature: Signature,
        provider: str | None = None,
        choices: dict[str, bool] | None = None,
    ) -> StoredConsent:
        """Prepare and save at once (the command line, tests): the time is taken now."""
        prepared = self.prepare(
            item,
            text,
            patient_signature=patient_signature,
            provider_signature=provider_signature,
            provider=self.signer(item, provider),
            choices=choices,
            signed_at=self._now(),
            record_id=self.next_id(),
        )
        return self.save(prepared, item)

    def decline(
        self,
        item: Consultation,
        text: ConsentText,
        decision: Decision,
        *,
        provider: str | None = None,
        note: str = "",
        demo: bool = False,
    ) -> StoredConsent:
        """Record that the patient refused, or wants to think about it: no signature."""
        if decision not in (Decision.REFUSED, Decision.DEFERRED):
            raise ValueError(f"decline records a refusal or a deferral, not {decision}")
        self.require(Permission.CONSULT)
        entry = ConsentEntry(
            patient_id=item.patient.id,
            consultation_id=item.id,
            text=text,
            decision=decision,
            signed_at=self._now(),
            patient_name=item.patient.name,
            provider=self.signer(item, provider),
            screening_hash=screening_hash(item),
            note=note.strip(),
        )
        try:
            return self.store.consents.add(entry, demo=demo)
        except (StorageError, ConflictError) as exc:
            raise plain_error(exc) from exc

    def withdraw(
        self, consent_id: int, *, provider: str | None = None, note: str = ""
    ) -> StoredConsent:
        """Record that the patient withdrew a signed consent (a new record; the signed one
        stays as it was). ``note``: how and when they said so."""
        self.require(Permission.CONSULT)
        try:
            signed = self.store.consents.get(consent_id)
            item = self.store.records.consultation(signed.consultation_id)
        except StorageError as exc:
            raise plain_error(exc) from exc
        entry = ConsentEntry(
            patient_id=signed.patient_id,
            consultation_id=signed.consultation_id,
            text=signed.text,
            decision=Decision.WITHDRAWN,
            signed_at=self._now(),
            patient_name=signed.patient_name,
            provider=self.signer(item, provider),
            screening_hash=signed.screening_hash,
            withdraws=consent_id,
            note=note.strip(),
        )
        try:
            return self.store.consents.add(entry)
        except (StorageError, ConflictError) as exc:
            raise plain_error(exc) from exc

    # -- the signed PDF

    def pdf(self, consent_id: int) -> bytes:
        self.require(Permission.PRINT_PLAN)
        data = self.store.consents.pdf(consent_id)
        if data is None:
            stored = self.store.consents.get(consent_id)
            raise UserFacingError(
                f"Consent record {consent_id} is a {stored.decision.value} consent: it has no "
                "signature, so there is no signed PDF."
            )
        return data

    def suggested_file_name(self, stored: StoredConsent) -> str:
        import re

        name = re.sub(r"[^\w\-]+", "-", stored.patient_name, flags=re.UNICODE).strip("-")
        return f"consent-{stored.document}-{name or 'patient'}-{stored.signed_at:%Y-%m-%d}.pdf"

    def save_pdf(self, consent_id: int, dest: Path, *, replace: bool = False) -> Path:
        """Write a signed consent's PDF where the user asked (never onto the records, a
        backup or a link), recorded as exported before the file appears."""
        from consult.system.files import write_private_atomic

        data = self.pdf(consent_id)
        try:
            dest = check_output(dest, records=self.store.path, replace=replace, what="consent")
        except StorageError as exc:
            raise UserFacingError(exc.message) from exc

        def audited() -> None:
            try:
                self.store.audit.record("export", consent_id, record_type="consent")
            except StorageError as exc:
                raise plain_error(exc) from exc

        try:
            write_private_atomic(dest, data, replace=replace, before_visible=audited)
        except FileExistsError:
            raise UserFacingError(
                f"{dest} already exists; nothing was overwritten. Choose a new file name."
            ) from None
        return dest

    def audit(self, action: str, consent_id: int) -> None:
        """The signed-in account viewed or printed a signed consent."""
        with contextlib.suppress(StorageError):  # never stop a print because of the log
            self.store.audit.record(action, consent_id, record_type="consent")

    def verify(self, consent_id: int, copy: Path | None = None) -> Verification:
        """Recompute the hashes of the stored consent (its text, its PDF, its sealed content)
        or of ``copy``, and check the PDF's digital seal."""
        from consult.report.seal import check_seal, known_certificates

        self.require(Permission.PRINT_PLAN)
        store = self.store
        stored = store.consents.get(consent_id)
        lines, ok = [], True
        text_sha = hashlib.sha256(stored.text.to_json().encode("utf-8")).hexdigest()
        if text_sha != stored.text_hash:
            ok = False
            lines.append(f"Consent {consent_id}: the kept text no longer has its SHA-256.")
        if not store.consents.matches_seal(consent_id):
            ok = False
            lines.append(
                f"Consent {consent_id} no longer matches what the audit trail sealed when it "
                "was recorded: it was changed outside the app."
            )
        if stored.pdf_sha256 is None:
            lines.append(
                f"Consent {consent_id} is a {stored.decision.value} record: no signature, no PDF."
            )
            if copy is not None:
                ok = False
                lines.append("There is no signed PDF to compare the file with.")
            return Verification(ok, tuple(lines))
        if copy is not None:
            source = check_input(copy, what="consent PDF")
            data = source.read_bytes()
            what = f"The file {source}"
        else:
            data = store.consents.pdf(consent_id) or b""
            what = f"The stored PDF of consent {consent_id}"
        digest = hashlib.sha256(data).hexdigest()
        if digest == stored.pdf_sha256:
            lines.append(f"{what} is the signed consent, byte for byte (SHA-256 {digest}).")
        else:
            ok = False
            lines.append(
                f"{what} is NOT the signed consent: its SHA-256 is {digest}, the consent's is "
                f"{stored.pdf_sha256}."
            )
        seal = check_seal(data, known_certificates(self.signing_folder))
        lines.append(seal.summary())
        if not seal.ok:
            ok = False
        return Verification(ok, tuple(lines))
