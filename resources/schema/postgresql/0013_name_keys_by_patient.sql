-- 0013_name_keys_by_patient: each patient's name keys read together (db check compares them
-- with what the name gives; removing a patient's keys reads only theirs).
CREATE INDEX name_keys_patient ON name_keys (patient_id, sort_name);
