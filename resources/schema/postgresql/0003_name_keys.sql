-- 0003_name_keys: name search from a table of word starts (see migrations.py).
--
-- On SQLite this also drops patient_names (FTS5) and its triggers, which 0001 does not make
-- here, and writes search_name again and every patient's keys from Python. A records
-- database on a server is always made at the latest version, so there are no patients yet
-- (pg_schema checks, rather than writing keys here by other rules than the app's).
--
-- key and sort_name are COLLATE "C" (as every text column here): the search reads this
-- table in primary-key order, a page at a time after the last key seen, and that order must
-- be byte order, as on SQLite.
CREATE TABLE name_keys (
    key text COLLATE "C" NOT NULL,
    sort_name text COLLATE "C" NOT NULL,
    patient_id bigint NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    PRIMARY KEY (key, sort_name, patient_id)
);
