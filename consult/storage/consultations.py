"""``store.consultations``: drafts, finalising and amending.

Finals are immutable: ``finalize`` writes a consultation, its parts and its plan and marks it
final in one transaction; ``amend`` adds a new final revision pointing at the one it replaces;
triggers in the database refuse any change to a final row or its parts.
"""

from __future__ import annotations

from consult.domain.catalog import Catalog
from consult.domain.model import Consultation, Status
from consult.domain.plan import Plan, rule_problems
from consult.storage import content, rows
from consult.storage.audit import Action
from consult.storage.errors import ConflictError
from consult.storage.part import Part, guarded, missing


def check_plan(catalog: Catalog, consultation: Consultation, plan: Plan) -> None:
    """Refuse a plan that breaks the catalog's rules: every path that saves a final plan
    (finalise, amend, record a clearance) comes through here."""
    if not plan.screening.may_finish:
        raise ConflictError(
            "The consultation cannot be finalised yet: the screening is not complete. "
            "Answer every screening question, then finalise."
        )
    problems = rule_problems(catalog, consultation, plan)
    if problems:
        raise ConflictError(
            "The plan was not saved because it breaks the catalog's rules: "
            + "; ".join(problems)
            + ". Build the plan again from the consultation."
        )


class Consultations(Part):
    def _patient_id_for(self, consultation: Consultation) -> int:
        if consultation.patient.id is None:
            return rows.write_patient(self.store, consultation.patient)
        if not self.store.patients.exists(consultation.patient.id):
            raise missing("patient", consultation.patient.id)
        return consultation.patient.id

    def _update_draft(self, consultation: Consultation, patient_id: int) -> int:
        store = self.store
        consultation_id = consultation.id
        assert consultation_id is not None
        if rows.status(store, consultation_id) != Status.DRAFT:
            raise rows.final_is_final(consultation_id)
        was_for = rows.owner(store, consultation_id)
        values = rows.consultation_values(consultation, patient_id) | {"updated_at": store.now()}
        rows.update_draft(store, consultation_id, values)
        rows.store_list_dates(store, was_for, patient_id)  # its date, or patient, may change
        return consultation_id

    def _audit(self, action: str, consultation_id: int, detail: str = "") -> None:
        """The change's audit entry, sealed with the consultation's content after it. It names
        the account at the keyboard (``store.provider``), not the consultation's provider,
        which is whatever was typed."""
        store = self.store
        store.audit_event(
            action,
            "consultation",
            consultation_id,
            store.uuid_of("consultations", consultation_id),
            detail=detail,
            content_hash=content.of_consultation(store.conn, consultation_id),
        )

    @guarded
    def save_draft(self, consultation: Consultation) -> Consultation:
        """Insert a new draft (no id) or update a draft; a final is never changed."""
        store = self.store
        with store.transaction():
            patient_id = self._patient_id_for(consultation)
            if consultation.id is None:
                consultation_id = rows.insert_consultation(store, consultation, patient_id)
                action = Action.CREATE
            else:
                consultation_id = self._update_draft(consultation, patient_id)
                action = Action.UPDATE
            rows.write_parts(store, consultation_id, consultation)
            self._audit(action, consultation_id, "draft")
        return store.records.consultation(consultation_id)

    @guarded
    def finalize(self, consultation: Consultation, plan: Plan) -> Consultation:
        """Save ``consultation`` as final with its plan, in one transaction.

        A draft (with id) becomes final; a consultation without id is saved final at once.
        """
        check_plan(self.store.rules_catalog(), consultation, plan)
        store = self.store
        with store.transaction():
            patient_id = self._patient_id_for(consultation)
            if consultation.id is None:
                consultation_id = rows.insert_consultation(store, consultation, patient_id)
            else:
                consultation_id = self._update_draft(consultation, patient_id)
            rows.write_parts(store, consultation_id, consultation)
            rows.write_plan(store, consultation_id, plan)
            rows.mark_final(store, consultation_id, rows.plan_fields(plan), revision_of=None)
            self._audit(Action.FINALIZE, consultation_id)
        return store.records.consultation(consultation_id)

    @guarded
    def amend(
        self, final_id: int, consultation: Consultation, plan: Plan, detail: str = ""
    ) -> Consultation:
        """A new final revision replacing ``final_id``; the replaced one stays as it was.
        ``detail`` says why, for the audit trail (e.g. "clearance recorded"; no patient data)."""
        check_plan(self.store.rules_catalog(), consultation, plan)
        store = self.store
        with store.transaction():
            row = store.row("SELECT status, patient_id FROM consultations WHERE id = ?", [final_id])
            if row is None:
                raise missing("consultation", final_id)
            if row["status"] != Status.FINAL:
                raise ConflictError(
                    f"Consultation {final_id} is a draft, not a final one: change the draft and "
                    "finalise it instead of amending it."
                )
            newer = store.conn.execute(
                "SELECT id FROM consultations WHERE revision_of = ?", [final_id]
            ).fetchone()
            if newer is not None:
                raise ConflictError(
                    f"Consultation {final_id} has already been amended (by consultation "
                    f"{newer[0]}). Amend the newest revision instead."
                )
            if consultation.patient.id not in (None, row["patient_id"]):
                raise ConflictError(
                    "An amendment must be for the same patient as the consultation it replaces. "
                    "For another patient, start a new consultation."
                )
            consultation_id = rows.insert_consultation(store, consultation, row["patient_id"])
            rows.write_parts(store, consultation_id, consultation)
            rows.write_plan(store, consultation_id, plan)
            rows.mark_final(store, consultation_id, rows.plan_fields(plan), revision_of=final_id)
            why = f"replaces {final_id}" + (f"; {detail}" if detail else "")
            self._audit(Action.AMEND, consultation_id, why)
        return store.records.consultation(consultation_id)

    @guarded
    def delete_draft(self, consultation_id: int) -> None:
        store = self.store
        with store.transaction():
            if rows.status(store, consultation_id) != Status.DRAFT:
                raise rows.final_is_final(consultation_id)
            record_uuid = store.uuid_of("consultations", consultation_id)
            was_for = rows.owner(store, consultation_id)
            store.conn.execute("DELETE FROM consultations WHERE id = ?", [consultation_id])
            rows.store_list_dates(store, was_for)
            store.audit_event(Action.DELETE, "consultation", consultation_id, record_uuid)
