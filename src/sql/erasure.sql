
-------------------------------------------------------------------------------
-- erasure: the right to be forgotten across every table the extension owns (doc/erasure.md)
--   erasure_target      (internal) what erasure does to each table and column that may hold a
--                       learner key: the plan learner_erase follows, and the list a test checks
--                       against the catalog so that a new table cannot be forgotten
--   learner_erase       erase one learner key everywhere (admin only)
-- xapi_erase_actor (xapi.sql) tombstones the statement store, then erases each of the actor's old
-- pseudonyms here with its new (tombstone) pseudonym.
-------------------------------------------------------------------------------

CREATE TABLE learnalytics_internal.erasure_target (
  relation    regclass NOT NULL,
  column_name name,
  action      text NOT NULL CHECK (action IN ('delete', 'cascade', 'tombstone', 'summary', 'scrub_json',
                                              'scrub_text', 'store', 'none')),
  key_column  name,
  ord         integer NOT NULL,
  note        text NOT NULL,
  UNIQUE (relation, column_name),
  CHECK (CASE action WHEN 'cascade' THEN column_name IS NULL WHEN 'none' THEN true
                     ELSE column_name IS NOT NULL END)
);
COMMENT ON TABLE learnalytics_internal.erasure_target IS
'what learner_erase does to each table (column NULL: the whole table) and column of the extension that may hold a learner key; erasure_uncovered lists what it misses';
COMMENT ON COLUMN learnalytics_internal.erasure_target.action IS
'delete: rows whose column equals the key are deleted; cascade: rows go with their parent''s (foreign key ON DELETE CASCADE); tombstone: the key is replaced by the tombstone; summary: an engagement_summary whose learner is the key is re-keyed to the tombstone; scrub_json: JSON strings and keys equal to the key are replaced; scrub_text: the key as a whole word is replaced; store: the xAPI statement store, erased by xapi_erase_actor; none: holds no learner key (note says why)';
COMMENT ON COLUMN learnalytics_internal.erasure_target.key_column IS
'summary steps: the column holding the row''s learner key, so that rows are found without decoding every summary (NULL: the summary''s own key is read)';
COMMENT ON COLUMN learnalytics_internal.erasure_target.ord IS 'order of the steps (children before parents)';

INSERT INTO learnalytics_internal.erasure_target (relation, column_name, action, ord, note) VALUES
  -- alerts: the case and everything hanging off it
  ('@extschema@.alert_outbox', 'learner', 'delete', 10, 'outbox messages (payload included) of the learner'),
  ('@extschema@.alert_reason', NULL, 'cascade', 20, 'reasons of the learner''s cases'),
  ('@extschema@.alert_contact', NULL, 'cascade', 20, 'contacts of the learner''s cases'),
  ('@extschema@.coach_assignment', NULL, 'cascade', 20, 'coach assignments of the learner''s cases'),
  ('@extschema@.alert', 'learner', 'delete', 30, 'the learner''s cases (open and closed)'),
  ('@extschema@.alert_suppression', 'learner', 'delete', 30, 'alerts of the learner an outage held back'),
  -- summaries, learning data, organisation, scores, experiments
  ('@extschema@.learner_engagement', 'learner', 'delete', 40, 'engagement summaries of the learner (every source)'),
  ('learnalytics_internal.engagement_excluded', 'learner', 'delete', 40, 'the learner''s days of outlier events left out of the summaries'),
  ('@extschema@.enrolment', 'learner', 'delete', 50, 'built-in learning data'),
  ('@extschema@.assignment_submission', 'learner', 'delete', 50, 'built-in learning data'),
  ('@extschema@.quiz_attempt', 'learner', 'delete', 50, 'built-in learning data'),
  ('@extschema@.module_progress', 'learner', 'delete', 50, 'built-in learning data'),
  ('@extschema@.learner_org_unit', 'learner', 'delete', 50, 'the learner''s organisational units'),
  ('learnalytics_internal.risk_score_current', 'learner', 'delete', 50, 'current risk scores of the learner'),
  ('@extschema@.training_exposure', 'learner_key', 'delete', 50, 'the learner''s training exposures'),
  ('@extschema@.experiment_assignment', 'learner_key', 'delete', 50, 'the learner''s experiment arms'),
  -- rollups: per-learner rows keep their counts under the tombstone, so the cohort rows stay right
  ('@extschema@.rollup_delta', 'learner', 'tombstone', 60, 'pending changes: applied later under the tombstone'),
  ('@extschema@.rollup_learner_day', 'summary', 'summary', 60, 'the summary carries the learner key'),
  ('@extschema@.rollup_learner_day', 'learner', 'tombstone', 61, 'counts stay: course-week rows are built from these'),
  ('@extschema@.rollup_learner_week', 'summary', 'summary', 60, 'the summary carries the learner key'),
  ('@extschema@.rollup_learner_week', 'learner', 'tombstone', 61, 'counts stay: course-week rows are built from these'),
  ('@extschema@.rollup_course_week', NULL, 'none', 0, 'cohort summaries: sums and counts, no learner key'),
  ('@extschema@.rollup_course_week', 'summary', 'none', 0, 'a cohort summary has no learner key'),
  ('@extschema@.rollup_delta', 'activity', 'tombstone', 60, 'an activity may be a learner (an Agent object of the xAPI store)'),
  ('@extschema@.rollup_activity_week', 'activity', 'tombstone', 60, 'an activity may be a learner (an Agent object of the xAPI store); counts stay'),
  ('@extschema@.rollup', NULL, 'none', 0, 'registry of rollups'),
  -- free text and reports that may name a learner
  ('@extschema@.job_run', 'result', 'scrub_text', 70, 'a job''s result message may name a learner'),
  ('@extschema@.job_run', 'error', 'scrub_text', 70, 'a job''s error message may name a learner'),
  ('@extschema@.risk_model', 'evaluation', 'scrub_json', 70, 'evaluation reports are aggregates; scrubbed in case one names a learner'),
  -- the xAPI store: xapi_erase_actor (it needs the actor's identity, not only the pseudonym)
  ('@extschema@.xapi_statements', 'actor_key', 'store', 0, 'tombstoned by xapi_erase_actor'),
  ('@extschema@.xapi_statements', 'actor_type', 'none', 0, 'Agent or Group'),
  ('@extschema@.xapi_statements', 'actor_pseudonym', 'store', 0, 'tombstoned by xapi_erase_actor'),
  ('@extschema@.xapi_statements', 'object_id', 'store', 0, 'an Agent or Group object''s pseudonym: tombstoned by xapi_erase_actor'),
  ('@extschema@.xapi_statements', 'instructor_pseudonym', 'store', 0, 'tombstoned by xapi_erase_actor'),
  ('@extschema@.xapi_statements', 'team_pseudonym', 'store', 0, 'tombstoned by xapi_erase_actor'),
  ('@extschema@.xapi_statements', 'statement', 'store', 0, 'tombstoned by xapi_erase_actor'),
  ('@extschema@.xapi_statements', 'authority', 'store', 0, 'tombstoned by xapi_erase_actor'),
  ('@extschema@.xapi_statements', 'context_extensions', 'store', 0, 'not looked into (doc/xapi.md, Limits)'),
  ('@extschema@.xapi_rejects', 'statement', 'store', 0, 'tombstoned by xapi_erase_actor'),
  ('@extschema@.xapi_rejects', 'violations', 'store', 0, 'paths and rule names, no values'),
  ('@extschema@.xapi_staging', 'statement', 'store', 0, 'transient: emptied by each staged ingest; erase after it'),
  ('@extschema@.xapi_statement_ids', NULL, 'none', 0, 'ids and content hashes (kept so that re-sending is a no-op)'),
  ('@extschema@.xapi_voids', NULL, 'none', 0, 'statement ids'),
  ('@extschema@.xapi_loads', NULL, 'none', 0, 'load counts'),
  ('@extschema@.xapi_pseudonym_key', NULL, 'none', 0, 'the key'),
  -- configuration: no learner in it
  ('@extschema@.job_kind', NULL, 'none', 0, 'registry of job kinds'),
  ('@extschema@.engagement_source', NULL, 'none', 0, 'registry of engagement sources (learner_column names a column)'),
  ('@extschema@.engagement_source', 'learners', 'none', 0, 'a count of learners'),
  ('@extschema@.org_unit_manager', NULL, 'none', 0, 'managers are database roles, not learners'),
  ('@extschema@.assignment', NULL, 'none', 0, 'assignments of a course'),
  ('@extschema@.learning_source', NULL, 'none', 0, 'mapping onto warehouse tables (the warehouse erases its own rows)'),
  ('@extschema@.learning_source', 'columns', 'none', 0, 'column names of the mapping'),
  ('learnalytics_internal.erasure_target', NULL, 'none', 0, 'this plan'),
  ('@extschema@.alert_channel', NULL, 'none', 0, 'configuration'),
  ('@extschema@.alert_template', NULL, 'none', 0, 'configuration'),
  ('@extschema@.alert_rule', NULL, 'none', 0, 'configuration'),
  ('@extschema@.coach', NULL, 'none', 0, 'coaches are staff'),
  ('@extschema@.performance_source', NULL, 'none', 0, 'mapping onto a warehouse table'),
  ('@extschema@.experiment', NULL, 'none', 0, 'configuration'),
  ('@extschema@.retention_policy', NULL, 'none', 0, 'configuration'),
  ('@extschema@.program', NULL, 'none', 0, 'programs and their aggregate ROI summary'),
  -- data quality: findings name learners (their own findings go; others' samples may list them)
  ('@extschema@.quality_finding', 'learner', 'delete', 50, 'data-quality findings about the learner'),
  ('@extschema@.quality_finding', 'sample', 'scrub_json', 70, 'sample rows of other findings may name the learner'),
  ('@extschema@.quality_finding', 'note', 'scrub_text', 70, 'a dismissal note may name the learner'),
  ('@extschema@.quality_run_log', 'error', 'scrub_text', 70, 'a check''s error message may name a learner'),
  ('@extschema@.quality_source', NULL, 'none', 0, 'mapping onto warehouse tables (the warehouse erases its own rows)'),
  ('@extschema@.quality_source', 'columns', 'none', 0, 'column names of the mapping'),
  ('@extschema@.quality_check_type', NULL, 'none', 0, 'registry of check types'),
  ('@extschema@.quality_check_type', 'parameters', 'none', 0, 'documented defaults'),
  ('@extschema@.quality_check', NULL, 'none', 0, 'configuration'),
  ('@extschema@.quality_check', 'parameters', 'none', 0, 'check parameters (column names, thresholds)');

UPDATE learnalytics_internal.erasure_target SET key_column = 'learner' WHERE action = 'summary';

-- The tables of the extension (its members in either schema, partitions left out) and their columns
-- that erasure_target does not cover: a table without a row, a column that may hold a learner key
-- (named after a learner, a pseudonym or an actor, unless it names a column or a relation; or of
-- type jsonb, json or engagement_summary) without a row
-- of its own or a delete/cascade row of its table, and rows naming what no longer exists.
CREATE FUNCTION learnalytics_internal.erasure_uncovered()
RETURNS TABLE (relation regclass, column_name name, problem text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH tables AS (
    SELECT c.oid::regclass AS relation
      FROM pg_depend d
      JOIN pg_class c ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
       AND d.refobjid = (SELECT e.oid FROM pg_extension e WHERE e.extname = 'learnalytics')
       AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  ), whole AS (
    SELECT t.relation FROM learnalytics_internal.erasure_target t
     WHERE t.action IN ('delete', 'cascade')
  )
  SELECT t.relation, NULL::name, 'table not in erasure_target'
    FROM tables t
   WHERE NOT EXISTS (SELECT 1 FROM learnalytics_internal.erasure_target e WHERE e.relation = t.relation)
  UNION ALL
  SELECT t.relation, a.attname, 'column may hold a learner key and is not in erasure_target'
    FROM tables t
    JOIN pg_attribute a ON a.attrelid = t.relation AND a.attnum > 0 AND NOT a.attisdropped
   WHERE ((a.attname ~ '(learner|pseudonym|actor)' AND a.atttypid NOT IN ('name'::regtype, 'regclass'::regtype))
          OR a.atttypid IN ('jsonb'::regtype, 'json'::regtype, '@extschema@.engagement_summary'::regtype))
     AND NOT EXISTS (SELECT 1 FROM whole w WHERE w.relation = t.relation)
     AND NOT EXISTS (SELECT 1 FROM learnalytics_internal.erasure_target e
                      WHERE e.relation = t.relation AND e.column_name = a.attname)
  UNION ALL
  SELECT e.relation, e.column_name, 'erasure_target names a column that does not exist'
    FROM learnalytics_internal.erasure_target e
   WHERE e.column_name IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = e.relation AND a.attname = e.column_name
                                                    AND a.attnum > 0 AND NOT a.attisdropped)
  ORDER BY 1, 2
$$;
COMMENT ON FUNCTION learnalytics_internal.erasure_uncovered() IS
'tables and columns of the extension that may hold a learner key and that erasure_target does not cover (none: erasure reaches everything)';

-- The engine: one learner key, replaced by tombstone where a row stays. Returns one row per step
-- (rows deleted or changed; with dry_run, the rows that would be). Steps run in ord order, a cascade
-- step counts its rows before the parent's delete removes them.
CREATE FUNCTION learnalytics_internal.learner_erase_key(learner text, tombstone text, dry_run boolean)
RETURNS TABLE (relation regclass, action text, rows bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t       learnalytics_internal.erasure_target;
  pred    text;
  stmt    text;
  word    text := '(?<![[:alnum:]_])'
                  || regexp_replace(learner, '([!$()*+.:<=>?[\\\]^{|}-])', '\\\1', 'g')
                  || '(?![[:alnum:]_])';
  jkey    text := to_json(learner)::text;
  started timestamptz := clock_timestamp();
  n       bigint;
BEGIN
  -- no evaluation may open a case for the learner while the cases are erased
  IF NOT dry_run THEN
    LOCK TABLE @extschema@.alert IN SHARE ROW EXCLUSIVE MODE;
  END IF;
  FOR t IN SELECT * FROM learnalytics_internal.erasure_target e
            WHERE e.action NOT IN ('none', 'store') ORDER BY e.ord, e.relation::text, e.column_name LOOP
    IF t.action = 'cascade' THEN
      -- the rows of the child whose parent (through its ON DELETE CASCADE key) is deleted
      SELECT format('%I IN (SELECT %I FROM %s WHERE %I = $1)', ca.attname, pa.attname, p.relation, p.column_name)
        INTO pred
        FROM pg_constraint k
        JOIN learnalytics_internal.erasure_target p ON p.relation = k.confrelid AND p.action = 'delete'
        JOIN pg_attribute ca ON ca.attrelid = k.conrelid AND ca.attnum = k.conkey[1]
        JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[1]
       WHERE k.conrelid = t.relation AND k.contype = 'f' AND k.confdeltype = 'c'
         AND cardinality(k.conkey) = 1
       LIMIT 1;
      IF pred IS NULL THEN
        RAISE EXCEPTION 'erasure: % has no ON DELETE CASCADE key to a table erasure deletes from', t.relation
          USING ERRCODE = 'internal_error';
      END IF;
      stmt := format('SELECT count(*) FROM %s WHERE %s', t.relation, pred);
      EXECUTE stmt INTO n USING learner;
    ELSE
      pred := CASE t.action
                WHEN 'summary' THEN
                  CASE WHEN t.key_column IS NOT NULL
                       THEN format('%I = $1 AND (@extschema@.engagement_info(%I)).learner = $1', t.key_column, t.column_name)
                       ELSE format('(@extschema@.engagement_info(%I)).learner = $1', t.column_name) END
                WHEN 'scrub_json' THEN format('strpos(%I::text, $3) > 0', t.column_name)
                WHEN 'scrub_text' THEN format('%I ~ $4', t.column_name)
                ELSE format('%I = $1', t.column_name) END;
      IF dry_run THEN
        stmt := format('SELECT count(*) FROM %s WHERE %s', t.relation, pred);
      ELSIF t.action = 'delete' THEN
        stmt := format('WITH d AS (DELETE FROM %s WHERE %s RETURNING 1) SELECT count(*) FROM d', t.relation, pred);
      ELSE
        stmt := format('WITH u AS (UPDATE %s SET %I = %s WHERE %s RETURNING 1) SELECT count(*) FROM u',
                       t.relation, t.column_name,
                       CASE t.action
                         WHEN 'tombstone' THEN '$2'
                         WHEN 'summary' THEN format('(pg_catalog.jsonb_set(%I::text::jsonb, ''{learner}'', to_jsonb($2))::text)::@extschema@.engagement_summary', t.column_name)
                         WHEN 'scrub_json' THEN format('replace(%I::text, $3, to_json($2)::text)::jsonb', t.column_name)
                         WHEN 'scrub_text' THEN format('regexp_replace(%I, $4, $2, ''g'')', t.column_name) END,
                       pred);
      END IF;
      EXECUTE stmt INTO n USING learner, tombstone, jkey, word;
    END IF;
    PERFORM learnalytics_internal.progress_notice('learner_erase', format('%s %s', t.relation, t.column_name),
                                                  n, started);
    IF n > 0 THEN
      relation := t.relation;
      action := t.action;
      rows := n;
      RETURN NEXT;
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.learner_erase_key(text, text, boolean) IS
'erase one learner key from every table erasure_target lists, replacing it by tombstone where rows stay; rows per step (dry_run: counts only)';

-- The actor of a stored actor key (doc/xapi.md, "Actor keys"), for erasing through the store.
CREATE FUNCTION learnalytics_internal.xapi_actor_of_key(actor_key text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
           WHEN actor_key LIKE 'mailto:%' THEN jsonb_build_object('mbox', actor_key)
           WHEN actor_key LIKE 'mbox\_sha1sum:%' THEN jsonb_build_object('mbox_sha1sum', substr(actor_key, 14))
           WHEN actor_key LIKE 'openid:%' THEN jsonb_build_object('openid', substr(actor_key, 8))
           WHEN actor_key LIKE 'account:% %' THEN
             jsonb_build_object('account', jsonb_build_object(
               'homePage', split_part(substr(actor_key, 9), ' ', 1),
               'name', substr(actor_key, 9 + length(split_part(substr(actor_key, 9), ' ', 1)) + 1)))
         END
$$;
COMMENT ON FUNCTION learnalytics_internal.xapi_actor_of_key(text) IS
'the xAPI actor (mbox, mbox_sha1sum, openid or account) whose actor key is given; NULL for an unknown form';

CREATE FUNCTION @extschema@.learner_erase(learner text, dry_run boolean DEFAULT false)
RETURNS TABLE (relation regclass, action text, rows bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  akey text;
  n    bigint := 0;
BEGIN
  IF learner IS NULL OR btrim(learner) = '' THEN
    RAISE EXCEPTION 'learner_erase: learner must not be null or blank'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Pass the learner key as the tables hold it (for xAPI data, the actor pseudonym).';
  END IF;
  -- an xAPI actor pseudonym: the store's statements of that actor go through xapi_erase_actor, which
  -- erases the rest too (with the tombstone pseudonym, so rollups of the store stay consistent)
  IF dry_run THEN
    SELECT count(*) INTO n FROM @extschema@.xapi_statements s WHERE s.actor_pseudonym = learner;
  ELSE
    FOR akey IN SELECT DISTINCT s.actor_key FROM @extschema@.xapi_statements s
                 WHERE s.actor_pseudonym = learner AND s.actor_key IS NOT NULL LOOP
      n := n + @extschema@.xapi_erase_actor(learnalytics_internal.xapi_actor_of_key(akey));
    END LOOP;
  END IF;
  IF n > 0 THEN
    relation := '@extschema@.xapi_statements'::regclass;
    action := 'store';
    rows := n;
    RETURN NEXT;
  END IF;
  RETURN QUERY
    SELECT k.relation, k.action, k.rows
      FROM learnalytics_internal.learner_erase_key(learner, 'erased:' || gen_random_uuid()::text, dry_run) k;
END
$$;
COMMENT ON FUNCTION @extschema@.learner_erase(text, boolean) IS
'right to be forgotten: delete or tombstone one learner key in every table of the extension (xAPI statements through xapi_erase_actor); rows per table and action (dry_run: counts only; admin only)';

REVOKE ALL ON FUNCTION learnalytics_internal.erasure_uncovered() FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.learner_erase_key(text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.learner_erase(text, boolean) FROM PUBLIC;
GRANT SELECT ON learnalytics_internal.erasure_target TO learnalytics_admin;
GRANT EXECUTE ON FUNCTION learnalytics_internal.erasure_uncovered(),
  learnalytics_internal.learner_erase_key(text, text, boolean),
  learnalytics_internal.xapi_actor_of_key(text),
  @extschema@.learner_erase(text, boolean)
  TO learnalytics_admin;
