"""``store.patients``: a patient's details."""

from __future__ import annotations

from datetime import date
from typing import Any

from consult.domain.model import Patient
from consult.storage import rows
from consult.storage.part import Part, guarded, missing


def patient_from_row(row: dict[str, Any]) -> Patient:
    return Patient(
        name=row["name"],
        date_of_birth=date.fromisoformat(row["date_of_birth"]),
        fitzpatrick=row["fitzpatrick"],
        language=row["language"],
        phone=row["phone"],
        email=row["email"],
        id=row["id"],
    )


class Patients(Part):
    @guarded
    def save(self, patient: Patient) -> Patient:
        """Insert a new patient (no id) or update one; the saved patient, with its id."""
        with self.store.transaction():
            patient_id = rows.write_patient(self.store, patient)
        return self.get(patient_id)

    @guarded
    def get(self, patient_id: int) -> Patient:
        row = self.store.row("SELECT * FROM patients WHERE id = ?", [patient_id])
        if row is None:
            raise missing("patient", patient_id)
        return patient_from_row(row)

    def exists(self, patient_id: int) -> bool:
        return self.store.uuid_of("patients", patient_id) is not None
