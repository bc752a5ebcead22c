-- 0004_list_dates: what the patient list shows beside each patient, kept with the patient
-- (see migrations.py). On SQLite every patient's dates are then written from Python; a
-- database on a server has no patients yet at this version (pg_schema checks).
ALTER TABLE patients ADD COLUMN last_consultation text COLLATE "C";
ALTER TABLE patients ADD COLUMN session_dates text COLLATE "C" NOT NULL DEFAULT '';
