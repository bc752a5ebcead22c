-- 0006_audit_content: audit entries seal the records they are about. On SQLite an upgraded
-- file then gets a seal entry for every patient and final consultation; a database on a
-- server has none yet at this version (pg_schema checks), so there is nothing to seal.
ALTER TABLE audit_log ADD COLUMN content_hash text COLLATE "C";
