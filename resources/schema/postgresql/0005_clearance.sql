-- 0005_clearance: a doctor's clearance, kept with the consultation it answers.
ALTER TABLE consultations ADD COLUMN clearance_by text COLLATE "C";
ALTER TABLE consultations ADD COLUMN clearance_on text COLLATE "C";
ALTER TABLE consultations ADD COLUMN clearance_note text COLLATE "C";
ALTER TABLE consultations ADD COLUMN clearance_recorded_by text COLLATE "C";
ALTER TABLE consultations ADD COLUMN clearance_covers text COLLATE "C";
