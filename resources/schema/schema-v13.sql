-- index adjunct_visits_date
CREATE INDEX adjunct_visits_date ON adjunct_visits (date);

-- index audit_log_action
CREATE INDEX audit_log_action ON audit_log (action, id);

-- index audit_log_at
CREATE INDEX audit_log_at ON audit_log (at);

-- index audit_log_provider
CREATE INDEX audit_log_provider ON audit_log (provider, id);

-- index audit_log_record
CREATE INDEX audit_log_record ON audit_log (record_type, record_id);

-- index consents_consultation
CREATE INDEX consents_consultation ON consents (consultation_id);

-- index consents_patient
CREATE INDEX consents_patient ON consents (patient_id, document);

-- index consultation_areas_area
CREATE INDEX consultation_areas_area ON consultation_areas (area_id);

-- index consultation_concerns_concern
CREATE INDEX consultation_concerns_concern ON consultation_concerns (concern_id);

-- index consultations_date
CREATE INDEX consultations_date ON consultations (date);

-- index consultations_patient_status
CREATE INDEX consultations_patient_status ON consultations (patient_id, status, date);

-- index course_changes_consultation
CREATE INDEX course_changes_consultation ON course_changes (consultation_id);

-- index course_changes_patient
CREATE INDEX course_changes_patient ON course_changes (patient_id, created_at);

-- index idx__sqlite_migrations_migration_set_name
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name" ON "_sqlite_migrations" ("migration_set", "name");

-- index name_keys_patient
CREATE INDEX name_keys_patient ON name_keys (patient_id, sort_name);

-- index patients_date_of_birth
CREATE INDEX patients_date_of_birth ON patients (date_of_birth);

-- index patients_phone_digits
CREATE INDEX patients_phone_digits ON patients (phone_digits);

-- index patients_phone_reversed
CREATE INDEX patients_phone_reversed ON patients (phone_reversed);

-- index photos_patient
CREATE INDEX photos_patient ON photos (patient_id, view_id, taken_on);

-- index photos_sha256
CREATE INDEX photos_sha256 ON photos (sha256);

-- index planned_sessions_date
CREATE INDEX planned_sessions_date ON planned_sessions (date);

-- index visits_consultation
CREATE INDEX visits_consultation ON visits (consultation_id, status);

-- index visits_date
CREATE INDEX visits_date ON visits (date);

-- index visits_lot
CREATE INDEX visits_lot ON visits (lot COLLATE NOCASE);

-- index visits_patient
CREATE INDEX visits_patient ON visits (patient_id, date);

-- table _sqlite_migrations
CREATE TABLE "_sqlite_migrations" ( "id" INTEGER PRIMARY KEY, "migration_set" TEXT, "name" TEXT, "applied_at" TEXT );

-- table accounts
CREATE TABLE accounts ( id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0), role TEXT NOT NULL CHECK (role IN ('provider', 'assistant', 'administrator')), secret_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)), failed_sign_ins INTEGER NOT NULL DEFAULT 0, locked_until TEXT, token_digest TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL );

-- table adjunct_visits
CREATE TABLE adjunct_visits ( consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE, visit_no INTEGER NOT NULL, adjunct_id TEXT NOT NULL, date TEXT NOT NULL, after_session INTEGER NOT NULL, time TEXT, PRIMARY KEY (consultation_id, visit_no) ) WITHOUT ROWID;

-- table audit_log
CREATE TABLE audit_log ( id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, action TEXT NOT NULL, record_type TEXT NOT NULL, record_id INTEGER, record_uuid TEXT, provider TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '', prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE , content_hash TEXT);

-- table consents
CREATE TABLE consents ( id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, patient_id INTEGER NOT NULL REFERENCES patients (id), consultation_id INTEGER NOT NULL REFERENCES consultations (id), document TEXT NOT NULL, version INTEGER NOT NULL, document_hash TEXT NOT NULL, language TEXT NOT NULL, decision TEXT NOT NULL CHECK (decision IN ('signed', 'refused', 'deferred', 'withdrawn')), text TEXT NOT NULL, text_hash TEXT NOT NULL, screening_hash TEXT NOT NULL DEFAULT '', choices TEXT NOT NULL DEFAULT '{}', patient_name TEXT NOT NULL, patient_strokes TEXT, patient_png BLOB, provider TEXT NOT NULL, provider_strokes TEXT, provider_png BLOB, signed_at TEXT NOT NULL, pdf BLOB, pdf_sha256 TEXT, withdraws INTEGER UNIQUE REFERENCES consents (id), note TEXT NOT NULL DEFAULT '', demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)), created_at TEXT NOT NULL, CHECK ((decision = 'signed') = (patient_strokes IS NOT NULL)), CHECK ((decision = 'signed') = (provider_strokes IS NOT NULL)), CHECK ((decision = 'signed') = (pdf IS NOT NULL)), CHECK ((pdf IS NULL) = (pdf_sha256 IS NULL)), CHECK ((decision = 'withdrawn') = (withdraws IS NOT NULL)) );

-- table consultation_adjuncts
CREATE TABLE consultation_adjuncts ( consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE, adjunct_no INTEGER NOT NULL, adjunct_id TEXT NOT NULL, PRIMARY KEY (consultation_id, adjunct_no) ) WITHOUT ROWID;

-- table consultation_areas
CREATE TABLE consultation_areas ( consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE, area_no INTEGER NOT NULL, area_id TEXT NOT NULL, PRIMARY KEY (consultation_id, area_no) ) WITHOUT ROWID;

-- table consultation_concerns
CREATE TABLE consultation_concerns ( consultation_id INTEGER NOT NULL, area_no INTEGER NOT NULL, concern_no INTEGER NOT NULL, concern_id TEXT NOT NULL, severity TEXT, kind TEXT, PRIMARY KEY (consultation_id, area_no, concern_no), FOREIGN KEY (consultation_id, area_no) REFERENCES consultation_areas (consultation_id, area_no) ON DELETE CASCADE ) WITHOUT ROWID;

-- table consultation_zones
CREATE TABLE consultation_zones ( consultation_id INTEGER NOT NULL, area_no INTEGER NOT NULL, zone_no INTEGER NOT NULL, zone_id TEXT NOT NULL, PRIMARY KEY (consultation_id, area_no, zone_no), FOREIGN KEY (consultation_id, area_no) REFERENCES consultation_areas (consultation_id, area_no) ON DELETE CASCADE ) WITHOUT ROWID;

-- table consultations
CREATE TABLE consultations ( id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, patient_id INTEGER NOT NULL REFERENCES patients (id), status TEXT NOT NULL CHECK (status IN ('draft', 'final')), revision_of INTEGER UNIQUE REFERENCES consultations (id), provider TEXT NOT NULL, date TEXT NOT NULL, start_date TEXT, session_count INTEGER, notes TEXT NOT NULL DEFAULT '', catalog_version TEXT NOT NULL DEFAULT '', override_reason TEXT, override_provider TEXT, screening_outcome TEXT, interval_weeks INTEGER, results_from TEXT, results_to TEXT, demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)), created_at TEXT NOT NULL, updated_at TEXT NOT NULL, finalized_at TEXT, clearance_by TEXT, clearance_on TEXT, clearance_note TEXT, clearance_recorded_by TEXT, clearance_covers TEXT, appointment_time TEXT, appointment_times TEXT NOT NULL DEFAULT '{}', amend_reason TEXT NOT NULL DEFAULT '', answers TEXT NOT NULL DEFAULT '[]', CHECK ((override_reason IS NULL) = (override_provider IS NULL)), CHECK (status = 'draft' OR finalized_at IS NOT NULL), CHECK (revision_of IS NULL OR status = 'final') );

-- table course_changes
CREATE TABLE course_changes ( id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, patient_id INTEGER NOT NULL REFERENCES patients (id), consultation_id INTEGER NOT NULL REFERENCES consultations (id), kind TEXT NOT NULL CHECK (kind IN ('reschedule', 'cancel', 'missed')), appointment TEXT NOT NULL, was TEXT NOT NULL, date TEXT, time TEXT, reason TEXT NOT NULL DEFAULT '', recorded_by TEXT NOT NULL, demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)), created_at TEXT NOT NULL, CHECK ((kind = 'cancel') = (date IS NULL)) );

-- table name_keys
CREATE TABLE name_keys ( key TEXT NOT NULL, sort_name TEXT NOT NULL, patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE, PRIMARY KEY (key, sort_name, patient_id) ) WITHOUT ROWID;

-- table patients
CREATE TABLE patients ( id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, search_name TEXT NOT NULL, date_of_birth TEXT NOT NULL, fitzpatrick INTEGER NOT NULL, language TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '', phone_digits TEXT NOT NULL DEFAULT '', phone_reversed TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)), created_at TEXT NOT NULL, updated_at TEXT NOT NULL , last_consultation TEXT, session_dates TEXT NOT NULL DEFAULT '');

-- table photo_deletions
CREATE TABLE photo_deletions ( id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, photo_id INTEGER NOT NULL UNIQUE REFERENCES photos (id), reason TEXT NOT NULL CHECK (length(trim(reason)) > 0), deleted_by TEXT NOT NULL, deleted_at TEXT NOT NULL );

-- table photo_thumbnails
CREATE TABLE photo_thumbnails ( photo_id INTEGER PRIMARY KEY REFERENCES photos (id), jpeg BLOB NOT NULL );

-- table photos
CREATE TABLE photos ( id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, patient_id INTEGER NOT NULL REFERENCES patients (id), visit TEXT NOT NULL CHECK (visit IN ('baseline', 'session', 'review')), session INTEGER CHECK (session BETWEEN 1 AND 99), area_id TEXT NOT NULL, view_id TEXT NOT NULL, taken_on TEXT NOT NULL, taken_by TEXT NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL CHECK (length(sha256) = 64), bytes INTEGER NOT NULL CHECK (bytes > 0), width INTEGER NOT NULL CHECK (width > 0), height INTEGER NOT NULL CHECK (height > 0), thumbnail_sha256 TEXT NOT NULL CHECK (length(thumbnail_sha256) = 64), consent_id INTEGER NOT NULL REFERENCES consents (id), teaching INTEGER NOT NULL CHECK (teaching IN (0, 1)), marketing INTEGER NOT NULL CHECK (marketing IN (0, 1)), demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)), created_at TEXT NOT NULL, CHECK ((visit = 'session') = (session IS NOT NULL)) );

-- table planned_sessions
CREATE TABLE planned_sessions ( consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE, number INTEGER NOT NULL, date TEXT NOT NULL, time TEXT, PRIMARY KEY (consultation_id, number) ) WITHOUT ROWID;

-- table providers
CREATE TABLE providers ( id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)), created_at TEXT NOT NULL );

-- table settings
CREATE TABLE settings ( key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL ) WITHOUT ROWID;

-- table sqlite_sequence
CREATE TABLE sqlite_sequence(name,seq);

-- table visits
CREATE TABLE visits ( id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, patient_id INTEGER NOT NULL REFERENCES patients (id), consultation_id INTEGER NOT NULL REFERENCES consultations (id), kind TEXT NOT NULL CHECK (kind IN ('session', 'review')), session INTEGER, date TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('checked_in', 'final')), outcome TEXT CHECK (outcome IN ('treated', 'not_treated', 'reviewed')), stop_reason TEXT NOT NULL DEFAULT '', answers TEXT NOT NULL DEFAULT '{}', checked_in_by TEXT NOT NULL DEFAULT '', device TEXT, cartridge TEXT, lot TEXT, lot_expiry TEXT, zones TEXT NOT NULL DEFAULT '[]', endpoint TEXT, numbing_agent TEXT, numbing_area_cm2 INTEGER, numbing_minutes INTEGER, glide_product TEXT, adjunct_given TEXT NOT NULL DEFAULT '', reaction TEXT, reaction_note TEXT NOT NULL DEFAULT '', aftercare_given INTEGER CHECK (aftercare_given IN (0, 1)), review TEXT, provider TEXT NOT NULL DEFAULT '', room TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '', revision_of INTEGER UNIQUE REFERENCES visits (id), amend_reason TEXT NOT NULL DEFAULT '', demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)), created_at TEXT NOT NULL, updated_at TEXT NOT NULL, signed_at TEXT, CHECK (status = 'checked_in' OR (outcome IS NOT NULL AND signed_at IS NOT NULL)), CHECK ((kind = 'session') = (session IS NOT NULL)), CHECK (revision_of IS NULL OR status = 'final'), CHECK ((outcome = 'treated') = (lot IS NOT NULL)) );

-- trigger accounts_name_fixed
CREATE TRIGGER accounts_name_fixed BEFORE UPDATE OF name ON accounts WHEN old.name IS NOT new.name BEGIN SELECT RAISE (ABORT, 'an account keeps its name'); END;

-- trigger accounts_no_delete
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts BEGIN SELECT RAISE (ABORT, 'accounts are disabled, never deleted'); END;

-- trigger adjunct_visits_final_no_delete
CREATE TRIGGER adjunct_visits_final_no_delete BEFORE DELETE ON adjunct_visits WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger adjunct_visits_final_no_insert
CREATE TRIGGER adjunct_visits_final_no_insert BEFORE INSERT ON adjunct_visits WHEN (SELECT status FROM consultations WHERE id = new.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger adjunct_visits_final_no_update
CREATE TRIGGER adjunct_visits_final_no_update BEFORE UPDATE ON adjunct_visits WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger audit_log_no_delete
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE (ABORT, 'audit log entries cannot be deleted'); END;

-- trigger audit_log_no_update
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE (ABORT, 'audit log entries cannot be changed'); END;

-- trigger consents_no_delete
CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents BEGIN SELECT RAISE (ABORT, 'a consent cannot be deleted; a withdrawal is a new record'); END;

-- trigger consents_no_update
CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents BEGIN SELECT RAISE (ABORT, 'a consent cannot be changed; a withdrawal is a new record'); END;

-- trigger consultation_adjuncts_final_no_delete
CREATE TRIGGER consultation_adjuncts_final_no_delete BEFORE DELETE ON consultation_adjuncts WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_adjuncts_final_no_insert
CREATE TRIGGER consultation_adjuncts_final_no_insert BEFORE INSERT ON consultation_adjuncts WHEN (SELECT status FROM consultations WHERE id = new.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_adjuncts_final_no_update
CREATE TRIGGER consultation_adjuncts_final_no_update BEFORE UPDATE ON consultation_adjuncts WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_areas_final_no_delete
CREATE TRIGGER consultation_areas_final_no_delete BEFORE DELETE ON consultation_areas WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_areas_final_no_insert
CREATE TRIGGER consultation_areas_final_no_insert BEFORE INSERT ON consultation_areas WHEN (SELECT status FROM consultations WHERE id = new.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_areas_final_no_update
CREATE TRIGGER consultation_areas_final_no_update BEFORE UPDATE ON consultation_areas WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_concerns_final_no_delete
CREATE TRIGGER consultation_concerns_final_no_delete BEFORE DELETE ON consultation_concerns WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_concerns_final_no_insert
CREATE TRIGGER consultation_concerns_final_no_insert BEFORE INSERT ON consultation_concerns WHEN (SELECT status FROM consultations WHERE id = new.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_concerns_final_no_update
CREATE TRIGGER consultation_concerns_final_no_update BEFORE UPDATE ON consultation_concerns WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_zones_final_no_delete
CREATE TRIGGER consultation_zones_final_no_delete BEFORE DELETE ON consultation_zones WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_zones_final_no_insert
CREATE TRIGGER consultation_zones_final_no_insert BEFORE INSERT ON consultation_zones WHEN (SELECT status FROM consultations WHERE id = new.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultation_zones_final_no_update
CREATE TRIGGER consultation_zones_final_no_update BEFORE UPDATE ON consultation_zones WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger consultations_final_no_delete
CREATE TRIGGER consultations_final_no_delete BEFORE DELETE ON consultations WHEN old.status = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be deleted'); END;

-- trigger consultations_final_no_update
CREATE TRIGGER consultations_final_no_update BEFORE UPDATE ON consultations WHEN old.status = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger course_changes_no_delete
CREATE TRIGGER course_changes_no_delete BEFORE DELETE ON course_changes BEGIN SELECT RAISE (ABORT, 'a change to the course is never deleted'); END;

-- trigger course_changes_no_update
CREATE TRIGGER course_changes_no_update BEFORE UPDATE ON course_changes BEGIN SELECT RAISE (ABORT, 'a change to the course is never changed; record another'); END;

-- trigger photo_deletions_no_delete
CREATE TRIGGER photo_deletions_no_delete BEFORE DELETE ON photo_deletions BEGIN SELECT RAISE (ABORT, 'a photo''s deletion cannot be undone'); END;

-- trigger photo_deletions_no_update
CREATE TRIGGER photo_deletions_no_update BEFORE UPDATE ON photo_deletions BEGIN SELECT RAISE (ABORT, 'a photo''s deletion cannot be changed'); END;

-- trigger photo_thumbnails_kept
CREATE TRIGGER photo_thumbnails_kept BEFORE DELETE ON photo_thumbnails WHEN NOT EXISTS (SELECT 1 FROM photo_deletions WHERE photo_id = old.photo_id) BEGIN SELECT RAISE (ABORT, 'a thumbnail goes only with its photo''s deletion'); END;

-- trigger photo_thumbnails_no_update
CREATE TRIGGER photo_thumbnails_no_update BEFORE UPDATE ON photo_thumbnails BEGIN SELECT RAISE (ABORT, 'a thumbnail cannot be changed'); END;

-- trigger photos_no_delete
CREATE TRIGGER photos_no_delete BEFORE DELETE ON photos BEGIN SELECT RAISE (ABORT, 'a photo record is never deleted; its deletion is a record'); END;

-- trigger photos_no_update
CREATE TRIGGER photos_no_update BEFORE UPDATE ON photos BEGIN SELECT RAISE (ABORT, 'a photo record cannot be changed'); END;

-- trigger planned_sessions_final_no_delete
CREATE TRIGGER planned_sessions_final_no_delete BEFORE DELETE ON planned_sessions WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger planned_sessions_final_no_insert
CREATE TRIGGER planned_sessions_final_no_insert BEFORE INSERT ON planned_sessions WHEN (SELECT status FROM consultations WHERE id = new.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger planned_sessions_final_no_update
CREATE TRIGGER planned_sessions_final_no_update BEFORE UPDATE ON planned_sessions WHEN (SELECT status FROM consultations WHERE id = old.consultation_id) = 'final' BEGIN SELECT RAISE (ABORT, 'a final consultation cannot be changed'); END;

-- trigger visits_final_no_delete
CREATE TRIGGER visits_final_no_delete BEFORE DELETE ON visits WHEN old.status = 'final' BEGIN SELECT RAISE (ABORT, 'a signed-off visit cannot be deleted'); END;

-- trigger visits_final_no_update
CREATE TRIGGER visits_final_no_update BEFORE UPDATE ON visits WHEN old.status = 'final' BEGIN SELECT RAISE (ABORT, 'a signed-off visit cannot be changed; amend it'); END;

