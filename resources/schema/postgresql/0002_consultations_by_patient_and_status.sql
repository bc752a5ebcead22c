-- 0002_consultations_by_patient_and_status: the patient list's dates read a patient's
-- consultations and whether each is final from one index (see migrations.py).
DROP INDEX consultations_patient;
CREATE INDEX consultations_patient_status ON consultations (patient_id, status, date);
