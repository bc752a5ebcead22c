-- 0009_appointment_times_and_amend_reason: appointments booked at a time of day, and why a
-- consultation was amended.
ALTER TABLE consultations ADD COLUMN appointment_time text COLLATE "C";
ALTER TABLE consultations ADD COLUMN appointment_times text COLLATE "C" NOT NULL DEFAULT '{}';
ALTER TABLE consultations ADD COLUMN amend_reason text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE planned_sessions ADD COLUMN time text COLLATE "C";
ALTER TABLE adjunct_visits ADD COLUMN time text COLLATE "C";
