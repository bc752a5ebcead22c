-- 0012_screening_answers_as_one_column: a consultation's screening answers kept with it, as
-- one text (consultations.answers) instead of a row per answer in screening_answers.
--
-- The text is the JSON the content seal has always read for the answers:
-- [[question_no,question_id,answer],...] in question order, compact, as SQLite's JSON
-- functions write it (and storage/content_server.py on this server); '[]' when there are
-- none. to_json() escapes text as SQLite does (quote, backslash, \b \t \n \f \r, other
-- controls as \u00XX; the rest as it is), so every seal stays valid. A final consultation's
-- answers are guarded with the rest of its row (consultations_final_no_update, 0001): the
-- guard is set aside for the move only, by the owner running this migration.
ALTER TABLE consultations ADD COLUMN answers text COLLATE "C" NOT NULL DEFAULT '[]';
ALTER TABLE consultations DISABLE TRIGGER consultations_final_no_update;
UPDATE consultations AS c SET answers = moved.text
FROM (
    SELECT consultation_id,
        '[' || string_agg(
            '[' || question_no || ',' || to_json(question_id)::text || ','
                || to_json(answer)::text || ']',
            ',' ORDER BY question_no
        ) || ']' AS text
    FROM screening_answers GROUP BY consultation_id
) AS moved
WHERE moved.consultation_id = c.id;
ALTER TABLE consultations ENABLE TRIGGER consultations_final_no_update;
DROP TABLE screening_answers;  -- and its three guards
