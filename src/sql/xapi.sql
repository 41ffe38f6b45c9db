
-------------------------------------------------------------------------------
-- xapi: validation of xAPI 1.0.3 / 2.0.0 statements, the statement store,
-- idempotent ingest, actor identity and pseudonyms (doc/xapi.md)
-------------------------------------------------------------------------------

-- Validation (C, pure). version: '1.0.3' or '2.0.0', or NULL to follow the statement's "version".
CREATE FUNCTION @extschema@.xapi_violations(
  statement jsonb, version text DEFAULT NULL,
  OUT path text, OUT rule text, OUT message text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'la_xapi_violations'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 2;

COMMENT ON FUNCTION @extschema@.xapi_violations(jsonb, text) IS
'every violation of the xAPI rules in a statement: JSON path, rule name, message (no rows: valid)';

CREATE FUNCTION @extschema@.xapi_violations_json(statement jsonb, version text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'la_xapi_violations_json'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_violations_json(jsonb, text) IS
'the violations of a statement as a jsonb array of {path, rule, message}; NULL when it is valid';

CREATE FUNCTION @extschema@.xapi_is_valid(statement jsonb, version text DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'la_xapi_is_valid'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_is_valid(jsonb, text) IS
'true when the statement follows every xAPI rule the validator checks (stops at the first violation)';

CREATE FUNCTION @extschema@.xapi_validate(statement jsonb, version text DEFAULT NULL,
                                          "position" integer DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'la_xapi_check'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_validate(jsonb, text, integer) IS
'return the statement when it is valid, otherwise raise its first violation (SQLSTATE 22023; 54000/54001 over the limits) with path and batch position';

-- Conversions of xAPI value formats.
CREATE FUNCTION @extschema@.xapi_timestamp(value text)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'la_xapi_timestamp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_timestamp(text) IS
'an xAPI (ISO 8601) timestamp as timestamptz; without an offset it is UTC';

CREATE FUNCTION @extschema@.xapi_duration(value text)
RETURNS interval
AS 'MODULE_PATHNAME', 'la_xapi_duration'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_duration(text) IS
'an xAPI (ISO 8601) duration such as PT1H30M or P4W as an interval';

-- Identity (C, pure).
CREATE FUNCTION @extschema@.xapi_actor_key(actor jsonb)
RETURNS text
AS 'MODULE_PATHNAME', 'la_xapi_actor_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_actor_key(jsonb) IS
'canonical key of an Agent or identified Group from its IFI (mailto lower-cased, mbox_sha1sum:, openid:, account:homePage name); NULL when anonymous';

CREATE FUNCTION @extschema@.xapi_mbox_sha1sum(mbox text)
RETURNS text
AS 'MODULE_PATHNAME', 'la_xapi_mbox_sha1sum'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_mbox_sha1sum(text) IS
'the mbox_sha1sum of a mailto IRI: SHA-1 in 40 lower-case hexadecimal digits';

CREATE FUNCTION @extschema@.xapi_hmac(key bytea, message text)
RETURNS text
AS 'MODULE_PATHNAME', 'la_xapi_hmac'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_hmac(bytea, text) IS
'HMAC-SHA-256 of message under key (at least 16 bytes), 64 hexadecimal digits; the pseudonym primitive';

CREATE FUNCTION @extschema@.xapi_replace_actor(doc jsonb, keys text[], replacement jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'la_xapi_replace_actor'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_replace_actor(jsonb, text[], jsonb) IS
'doc with every Agent or identified Group whose actor key is in keys replaced by replacement (erasure)';

CREATE FUNCTION @extschema@.xapi_content_hash(statement jsonb)
RETURNS bytea
AS 'MODULE_PATHNAME', 'la_xapi_content_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_content_hash(jsonb) IS
'SHA-256 of a statement without id, stored, authority and version: equal for statements an ingest treats as the same';

CREATE FUNCTION @extschema@.xapi_activity_ids(activities jsonb)
RETURNS text[]
AS 'MODULE_PATHNAME', 'la_xapi_activity_ids'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_activity_ids(jsonb) IS
'the ids of a contextActivities value (one Activity or an array), in order; NULL when none';

-------------------------------------------------------------------------------
-- The store
-------------------------------------------------------------------------------

-- The pseudonym key: one row, readable and settable by learnalytics_admin only.
CREATE TABLE @extschema@.xapi_pseudonym_key (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  key       bytea NOT NULL CHECK (pg_catalog.length(key) >= 16),
  set_at    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.xapi_pseudonym_key IS
'the secret key of the actor pseudonyms (HMAC-SHA-256); admin only; dumped by pg_dump so pseudonyms survive a restore';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.xapi_pseudonym_key', '');

-- Every stored statement id, with what idempotency needs: a hash of the content as received
-- (without stored/authority/version, which the store sets) and where the statement lives.
CREATE TABLE @extschema@.xapi_statement_ids (
  id           uuid PRIMARY KEY,
  content_hash bytea NOT NULL,
  "timestamp"  timestamptz NOT NULL,
  voiding      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.xapi_statement_ids IS
'one row per stored statement id: content hash (idempotency), timestamp (finds the partition), voiding flag';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.xapi_statement_ids', '');

-- Voiding statements by target, so that a statement arriving after its voiding is stored voided.
CREATE TABLE @extschema@.xapi_voids (
  target     uuid PRIMARY KEY,
  voiding_id uuid NOT NULL
);
COMMENT ON TABLE @extschema@.xapi_voids IS
'target statement id -> the voiding statement that voids it (the target may arrive later)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.xapi_voids', '');

CREATE TABLE @extschema@.xapi_statements (
  id                   uuid NOT NULL,
  actor_key            text COLLATE "C",
  actor_pseudonym      text COLLATE "C",
  actor_type           text NOT NULL,
  verb_id              text COLLATE "C" NOT NULL,
  object_type          text NOT NULL,
  object_id            text COLLATE "C",
  registration         uuid,
  score_scaled         double precision,
  score_raw            double precision,
  score_min            double precision,
  score_max            double precision,
  success              boolean,
  completion           boolean,
  duration             interval,
  response             text,
  platform             text,
  language             text,
  parent_ids           text[],
  grouping_ids         text[],
  category_ids         text[],
  instructor_pseudonym text COLLATE "C",
  team_pseudonym       text COLLATE "C",
  context_extensions   jsonb,
  "timestamp"          timestamptz NOT NULL,
  stored               timestamptz NOT NULL,
  voided               boolean NOT NULL DEFAULT false,
  voids                uuid,
  authority            jsonb,
  version              text NOT NULL,
  statement            jsonb NOT NULL
) PARTITION BY RANGE ("timestamp");
-- Identifiers compare bytewise (COLLATE "C"): the right order for IRIs and hexadecimal pseudonyms,
-- and a cheaper one for the indexes than the database's linguistic collation.
COMMENT ON TABLE @extschema@.xapi_statements IS
'the xAPI statement store, one partition per calendar month (UTC) of timestamp; raw IFIs: admin only';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.xapi_statements', '');
CREATE INDEX xapi_statements_actor_ts ON @extschema@.xapi_statements (actor_pseudonym, "timestamp");
CREATE INDEX xapi_statements_object_ts ON @extschema@.xapi_statements (object_id, "timestamp");
CREATE INDEX xapi_statements_id ON @extschema@.xapi_statements (id);
COMMENT ON INDEX @extschema@.xapi_statements_actor_ts IS 'statements of one learner over time';
COMMENT ON INDEX @extschema@.xapi_statements_object_ts IS 'statements about one activity over time';
COMMENT ON INDEX @extschema@.xapi_statements_id IS 'statement by id (voiding, erasure)';

-- Statements that failed validation in 'rejects' mode, with their violations. Raw: admin only.
CREATE TABLE @extschema@.xapi_rejects (
  reject_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id    uuid NOT NULL,
  "position"  integer NOT NULL,
  statement   jsonb,
  violations  jsonb NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  rejected_by name NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE @extschema@.xapi_rejects IS
'statements rejected by an ingest in rejects mode: batch, position, statement, violations [{path, rule, message}]';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.xapi_rejects', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.xapi_rejects_reject_id_seq', '');

-- The default staging relation of the bulk path: COPY NDJSON into it, then xapi_ingest_staged().
CREATE UNLOGGED TABLE @extschema@.xapi_staging (
  statement jsonb
);
COMMENT ON TABLE @extschema@.xapi_staging IS
'staging for bulk loads: COPY ... (FORMAT csv, QUOTE e''\x01'', DELIMITER e''\x02'') of NDJSON, then xapi_ingest_staged()';

-- What analysts see: pseudonyms instead of identifiers, no raw statement, authority or extensions.
CREATE VIEW @extschema@.xapi_statements_pseudonymous AS
SELECT id, actor_pseudonym, actor_type, verb_id, object_type, object_id, registration,
       score_scaled, score_raw, score_min, score_max, success, completion, duration, response,
       platform, language, parent_ids, grouping_ids, category_ids, instructor_pseudonym,
       team_pseudonym, "timestamp", stored, voided, voids, version
FROM @extschema@.xapi_statements;
COMMENT ON VIEW @extschema@.xapi_statements_pseudonymous IS
'the statement store without identifiers: pseudonyms for actor, instructor and team (analysts read this)';

-------------------------------------------------------------------------------
-- Pseudonyms
-------------------------------------------------------------------------------

-- The current key, created on first use (32 bytes from the server's strong random source).
CREATE FUNCTION @extschema@.xapi_current_key()
RETURNS bytea
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k bytea;
BEGIN
  SELECT key INTO k FROM @extschema@.xapi_pseudonym_key;
  IF k IS NULL THEN
    INSERT INTO @extschema@.xapi_pseudonym_key (key)
    VALUES (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()))
    ON CONFLICT (singleton) DO NOTHING;
    SELECT key INTO k FROM @extschema@.xapi_pseudonym_key;
  END IF;
  RETURN k;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_current_key() IS
'the pseudonym key, created at random on first use (admin only)';

CREATE FUNCTION @extschema@.xapi_set_pseudonym_key(new_key bytea DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k bytea := coalesce(new_key, uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));
  n bigint;
BEGIN
  IF length(k) < 16 THEN
    RAISE EXCEPTION 'pseudonym key is too short'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The key has %s bytes; at least 16 are required.', length(k));
  END IF;
  INSERT INTO @extschema@.xapi_pseudonym_key (key, set_at) VALUES (k, now())
  ON CONFLICT (singleton) DO UPDATE SET key = excluded.key, set_at = excluded.set_at;
  -- every stored pseudonym follows the new key
  UPDATE @extschema@.xapi_statements s
     SET actor_pseudonym = @extschema@.xapi_hmac(k, s.actor_key),
         object_id = CASE WHEN s.object_type IN ('Agent', 'Group')
                          THEN @extschema@.xapi_hmac(k, @extschema@.xapi_actor_key(s.statement->'object'))
                          ELSE s.object_id END,
         instructor_pseudonym = @extschema@.xapi_hmac(k, @extschema@.xapi_actor_key(s.statement->'context'->'instructor')),
         team_pseudonym = @extschema@.xapi_hmac(k, @extschema@.xapi_actor_key(s.statement->'context'->'team'));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_set_pseudonym_key(bytea) IS
'set (or, with NULL, randomise) the pseudonym key and recompute every stored pseudonym; returns the statements updated (admin only)';

CREATE FUNCTION @extschema@.xapi_pseudonym(actor jsonb)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.xapi_hmac(k.key, @extschema@.xapi_actor_key(actor)) FROM @extschema@.xapi_pseudonym_key k
$$;
COMMENT ON FUNCTION @extschema@.xapi_pseudonym(jsonb) IS
'the pseudonym of an Agent or identified Group under the current key (admin only: it would let anyone test a guessed address)';

-------------------------------------------------------------------------------
-- Partitions: one per calendar month (UTC) of "timestamp"
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.xapi_create_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  schema_name text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                        WHERE e.extname = 'learnalytics');
  lo timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
  created integer := 0;
  locked boolean := false;
  part text;
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR to_ts < from_ts THEN
    RAISE EXCEPTION 'invalid partition range'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_ts %s, to_ts %s.', from_ts, to_ts);
  END IF;
  WHILE lo <= to_ts AT TIME ZONE 'UTC' LOOP
    part := 'xapi_statements_p' || to_char(lo, 'YYYYMM');
    IF to_regclass(format('%I.%I', schema_name, part)) IS NULL AND NOT locked THEN
      -- one creator at a time, only when a partition is missing: SHARE UPDATE EXCLUSIVE conflicts
      -- with itself but not with inserts, and taking it makes a concurrent creator's committed
      -- partition visible to the check below
      EXECUTE format('LOCK TABLE %I.xapi_statements IN SHARE UPDATE EXCLUSIVE MODE', schema_name);
      locked := true;
    END IF;
    IF to_regclass(format('%I.%I', schema_name, part)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.xapi_statements FOR VALUES FROM (%L) TO (%L)',
                     schema_name, part, schema_name,
                     lo AT TIME ZONE 'UTC', (lo + interval '1 month') AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
    lo := lo + interval '1 month';
  END LOOP;
  RETURN created;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_create_partitions(timestamptz, timestamptz) IS
'create the monthly partitions of xapi_statements covering [from_ts, to_ts] that do not exist yet; returns how many were created';

CREATE FUNCTION @extschema@.xapi_drop_partitions(older_than timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p record;
  dropped integer := 0;
BEGIN
  FOR p IN
    SELECT c.oid::regclass AS part,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS hi
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = '@extschema@.xapi_statements'::regclass
  LOOP
    IF p.hi <= older_than THEN
      EXECUTE format('DELETE FROM @extschema@.xapi_statement_ids d USING %s s WHERE d.id = s.id', p.part);
      EXECUTE format('DROP TABLE %s', p.part);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  RETURN dropped;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_drop_partitions(timestamptz) IS
'retention: drop the monthly partitions that end at or before older_than, and forget their statement ids; returns how many';

-------------------------------------------------------------------------------
-- Ingest
-------------------------------------------------------------------------------

-- The work tables of one ingest call (temporary tables of the calling session): the batch, one
-- row per statement with what the ingest derives from it, and the ids this call claimed.
CREATE FUNCTION @extschema@.xapi_batch_table()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF to_regclass('pg_temp.la_xapi_batch') IS NULL THEN
    CREATE TEMPORARY TABLE la_xapi_batch (
      pos        integer NOT NULL,
      doc        jsonb,
      violations jsonb,
      id         uuid,
      hash       bytea,
      ts         timestamptz,
      voids      uuid,
      status     text
    );
    CREATE TEMPORARY TABLE la_xapi_claimed (id uuid);
    -- the session may SET ROLE between ingests; temporary tables are private to it anyway
    GRANT ALL ON la_xapi_batch, la_xapi_claimed TO PUBLIC;
  ELSIF pg_relation_size('pg_temp.la_xapi_batch') > 8 * 1024 * 1024 THEN
    -- after a bulk load: give the space back at once
    TRUNCATE pg_temp.la_xapi_batch, pg_temp.la_xapi_claimed;
  ELSE
    -- after small batches: cheaper than TRUNCATE, which replaces the files every time
    DELETE FROM pg_temp.la_xapi_batch;
    DELETE FROM pg_temp.la_xapi_claimed;
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_batch_table() IS
'internal: create or empty the session''s temporary work tables of an ingest';

-- The ingest proper. source is a query giving (pos, doc), $1 in it is payload. The outcome of
-- every statement is left in pg_temp.la_xapi_batch (status stored, exists or rejected).
CREATE FUNCTION @extschema@.xapi_ingest_batch(source text, payload jsonb, mode text, version text,
                                              progress boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
-- sorting and grouping a bulk load's ids in memory rather than in temporary files (a limit, not
-- an allocation: small batches use little)
SET work_mem = '256MB'
AS $$
#variable_conflict use_column
DECLARE
  voided_verb constant text := 'http://adlnet.gov/expapi/verbs/voided';
  batch uuid := gen_random_uuid();
  k bytea;
  r record;
  lo timestamptz;
  hi timestamptz;
  n bigint;
  n_valid bigint;          -- statements still to be stored
  n_invalid bigint;        -- statements that failed validation
  n_voiding bigint;        -- voiding statements
  n_rejected bigint := 0;  -- statements rejected after validation
BEGIN
  IF mode IS NULL OR mode NOT IN ('all_or_nothing', 'rejects') THEN
    RAISE EXCEPTION 'unknown ingest mode "%"', mode
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use ''all_or_nothing'' (the default) or ''rejects''.';
  END IF;
  IF version IS NOT NULL AND version NOT IN ('1.0.3', '1.0', '2.0.0', '2.0') THEN
    PERFORM @extschema@.xapi_is_valid('{}', version);   -- raises the unknown-version error
  END IF;
  PERFORM @extschema@.xapi_batch_table();

  -- 1. one pass: validate every statement; derive id, content hash (without the properties the
  --    store sets), timestamp and voiding target of the valid ones
  EXECUTE format($q$
    INSERT INTO pg_temp.la_xapi_batch (pos, doc, violations, id, hash, ts, voids, status)
    SELECT s.pos, s.doc, v.violations,
           CASE WHEN v.violations IS NULL THEN coalesce((s.doc->>'id')::uuid, gen_random_uuid()) END,
           CASE WHEN v.violations IS NULL
                THEN @extschema@.xapi_content_hash(s.doc) END,
           CASE WHEN v.violations IS NULL
                THEN coalesce(@extschema@.xapi_timestamp(s.doc->>'timestamp'), now()) END,
           CASE WHEN v.violations IS NULL AND s.doc->'verb'->>'id' = %L
                THEN (s.doc->'object'->>'id')::uuid END,
           CASE WHEN v.violations IS NULL THEN 'stored' ELSE 'rejected' END
    FROM (%s) s(pos, doc),
         -- OFFSET 0 keeps the subquery from being flattened, which would validate once per reference
         LATERAL (SELECT @extschema@.xapi_violations_json(s.doc, %L) AS violations OFFSET 0) v
    $q$, voided_verb, source, version) USING payload;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF progress THEN
    RAISE NOTICE 'xapi ingest: % statements read and validated', n;
  END IF;
  -- one scan for what the later steps need to know, so that they can skip the work table
  SELECT count(*) FILTER (WHERE b.violations IS NULL), count(*) FILTER (WHERE b.violations IS NOT NULL),
         count(*) FILTER (WHERE b.voids IS NOT NULL), min(b.ts), max(b.ts)
    INTO n_valid, n_invalid, n_voiding, lo, hi
    FROM la_xapi_batch b;
  IF mode = 'all_or_nothing' AND n_invalid > 0 THEN
    SELECT b.pos, b.doc INTO r FROM la_xapi_batch b WHERE b.violations IS NOT NULL ORDER BY b.pos LIMIT 1;
    IF FOUND THEN
      PERFORM @extschema@.xapi_validate(r.doc, version, r.pos);
    END IF;
  END IF;

  -- 2. a voiding statement cannot target a voiding statement (stored, or in this batch)
  FOR r IN
    SELECT b.pos, b.voids FROM la_xapi_batch b
    WHERE n_voiding > 0 AND b.status = 'stored' AND b.voids IS NOT NULL
      AND (EXISTS (SELECT 1 FROM @extschema@.xapi_statement_ids i WHERE i.id = b.voids AND i.voiding)
           OR EXISTS (SELECT 1 FROM la_xapi_batch o WHERE o.id = b.voids AND o.voids IS NOT NULL
                        AND o.status = 'stored'))
    ORDER BY b.pos
  LOOP
    IF mode = 'all_or_nothing' THEN
      RAISE EXCEPTION 'invalid xAPI statement'
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('Statement %s of the batch, at $.object.id: statement %s is a voiding statement and cannot be voided (rule voiding).',
                              r.pos, r.voids);
    END IF;
    UPDATE la_xapi_batch b
       SET status = 'rejected',
           violations = jsonb_build_array(jsonb_build_object(
             'path', '$.object.id', 'rule', 'voiding',
             'message', format('statement %s is a voiding statement and cannot be voided', r.voids)))
     WHERE b.pos = r.pos;
    n_rejected := n_rejected + 1;
  END LOOP;

  -- 3. the same id twice in one batch is an error (the later ones in rejects mode)
  FOR r IN
    SELECT b.id, array_agg(b.pos ORDER BY b.pos) AS positions
    FROM la_xapi_batch b WHERE b.status = 'stored' GROUP BY b.id HAVING count(*) > 1
  LOOP
    IF mode = 'all_or_nothing' THEN
      RAISE EXCEPTION 'duplicate statement id in batch'
        USING ERRCODE = 'unique_violation',
              DETAIL = format('Statements %s of the batch, at $.id: id %s occurs more than once.',
                              array_to_string(r.positions, ', '), r.id);
    END IF;
    UPDATE la_xapi_batch b
       SET status = 'rejected',
           violations = jsonb_build_array(jsonb_build_object(
             'path', '$.id', 'rule', 'duplicate_id',
             'message', format('id %s already occurs at position %s of the batch', r.id, r.positions[1])))
     WHERE b.id = r.id AND b.pos <> r.positions[1];
    n_rejected := n_rejected + cardinality(r.positions) - 1;
  END LOOP;

  -- 4. claim the ids, in id order (so that concurrent ingesters lock in one order)
  WITH claimed AS (
    INSERT INTO @extschema@.xapi_statement_ids (id, content_hash, "timestamp", voiding)
    SELECT b.id, b.hash, b.ts, b.voids IS NOT NULL FROM la_xapi_batch b
    WHERE b.status = 'stored' ORDER BY b.id
    ON CONFLICT DO NOTHING
    RETURNING xapi_statement_ids.id
  )
  INSERT INTO la_xapi_claimed (id) SELECT c.id FROM claimed c;
  GET DIAGNOSTICS n = ROW_COUNT;

  -- 5. an id that is already stored: a no-op with the same content, a conflict with another
  FOR r IN
    SELECT b.pos, b.id, i.content_hash = b.hash AS same
    FROM la_xapi_batch b JOIN @extschema@.xapi_statement_ids i ON i.id = b.id
    WHERE n < n_valid - n_rejected   -- otherwise every statement claimed its id
      AND b.status = 'stored' AND NOT EXISTS (SELECT 1 FROM la_xapi_claimed c WHERE c.id = b.id)
    ORDER BY b.pos
  LOOP
    IF r.same THEN
      UPDATE la_xapi_batch b SET status = 'exists' WHERE b.pos = r.pos;
      CONTINUE;
    END IF;
    IF mode = 'all_or_nothing' THEN
      RAISE EXCEPTION 'statement id conflict'
        USING ERRCODE = 'unique_violation',
              DETAIL = format('Statement %s of the batch, at $.id: id %s is already stored with different content.',
                              r.pos, r.id),
              HINT = 'A statement is immutable: send it with a new id, or void the stored one.';
    END IF;
    UPDATE la_xapi_batch b
       SET status = 'rejected',
           violations = jsonb_build_array(jsonb_build_object(
             'path', '$.id', 'rule', 'conflict',
             'message', format('id %s is already stored with different content', r.id)))
     WHERE b.pos = r.pos;
    n_rejected := n_rejected + 1;
  END LOOP;

  -- 6. the partitions (for the months of the valid statements), then the rows
  IF lo IS NOT NULL THEN
    PERFORM @extschema@.xapi_create_partitions(lo, hi);
    k := @extschema@.xapi_current_key();
  END IF;
  INSERT INTO @extschema@.xapi_statements
    (id, actor_key, actor_pseudonym, actor_type, verb_id, object_type, object_id, registration,
     score_scaled, score_raw, score_min, score_max, success, completion, duration, response,
     platform, language, parent_ids, grouping_ids, category_ids, instructor_pseudonym,
     team_pseudonym, context_extensions, "timestamp", stored, voided, voids, authority, version,
     statement)
  SELECT b.id, x.actor_key, @extschema@.xapi_hmac(k, x.actor_key),
         coalesce(sd->'actor'->>'objectType', 'Agent'), sd->'verb'->>'id', x.object_type,
         CASE WHEN x.object_type IN ('Agent', 'Group')
              THEN @extschema@.xapi_hmac(k, @extschema@.xapi_actor_key(sd->'object'))
              WHEN x.object_type <> 'SubStatement' THEN sd->'object'->>'id' END,
         (cx->>'registration')::uuid,
         (rs->'score'->>'scaled')::float8, (rs->'score'->>'raw')::float8,
         (rs->'score'->>'min')::float8, (rs->'score'->>'max')::float8,
         (rs->>'success')::boolean, (rs->>'completion')::boolean,
         @extschema@.xapi_duration(rs->>'duration'), rs->>'response',
         cx->>'platform', cx->>'language',
         @extschema@.xapi_activity_ids(cx->'contextActivities'->'parent'),
         @extschema@.xapi_activity_ids(cx->'contextActivities'->'grouping'),
         @extschema@.xapi_activity_ids(cx->'contextActivities'->'category'),
         @extschema@.xapi_hmac(k, @extschema@.xapi_actor_key(cx->'instructor')),
         @extschema@.xapi_hmac(k, @extschema@.xapi_actor_key(cx->'team')),
         cx->'extensions', b.ts, now(),
         EXISTS (SELECT 1 FROM @extschema@.xapi_voids v WHERE v.target = b.id),
         b.voids, sd->'authority', x.version,
         -- the statement as sent (rebuilding every document would double the cost of the insert);
         -- only a generated id is added
         CASE WHEN sd ? 'id' THEN sd ELSE sd || jsonb_build_object('id', b.id) END
  FROM la_xapi_batch b
  CROSS JOIN LATERAL (SELECT b.doc AS sd, b.doc->'result' AS rs, b.doc->'context' AS cx) d
  CROSS JOIN LATERAL (SELECT @extschema@.xapi_actor_key(sd->'actor') AS actor_key,
                             coalesce(sd->'object'->>'objectType', 'Activity') AS object_type,
                             coalesce(sd->>'version',
                                      CASE WHEN version LIKE '1.0%' THEN '1.0.3' ELSE '2.0.0' END) AS version
                      OFFSET 0) x
  WHERE b.status = 'stored';
  GET DIAGNOSTICS n = ROW_COUNT;
  IF progress THEN
    RAISE NOTICE 'xapi ingest: % statements stored', n;
  END IF;

  -- 7. voiding: remember the targets, mark those already stored
  IF n_voiding > 0 THEN
    INSERT INTO @extschema@.xapi_voids (target, voiding_id)
    SELECT b.voids, b.id FROM la_xapi_batch b WHERE b.status = 'stored' AND b.voids IS NOT NULL
    ORDER BY b.voids
    ON CONFLICT (target) DO NOTHING;
    UPDATE @extschema@.xapi_statements s SET voided = true
      FROM la_xapi_batch b JOIN @extschema@.xapi_statement_ids i ON i.id = b.voids
     WHERE b.status = 'stored' AND s.id = i.id AND s."timestamp" = i."timestamp" AND NOT s.voided;
  END IF;

  -- 8. the rejects, with their violations
  IF n_invalid + n_rejected > 0 THEN
    INSERT INTO @extschema@.xapi_rejects (batch_id, "position", statement, violations)
    SELECT batch, b.pos, b.doc, b.violations FROM la_xapi_batch b
    WHERE b.status = 'rejected' ORDER BY b.pos;
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_ingest_batch(text, jsonb, text, text, boolean) IS
'internal: ingest the statements of a source query (validate, deduplicate, store, void, reject) into the session''s work table';

CREATE FUNCTION @extschema@.xapi_ingest(statements jsonb, mode text DEFAULT 'all_or_nothing',
                                        version text DEFAULT NULL)
RETURNS TABLE("position" integer, id uuid, status text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF statements IS NULL OR jsonb_typeof(statements) NOT IN ('object', 'array') THEN
    RAISE EXCEPTION 'xAPI statements must be a JSON object or array'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('Got %s.', coalesce(jsonb_typeof(statements), 'NULL'));
  END IF;
  -- a single statement goes through the array form too: a plain $1 would let the planner fold
  -- (and so evaluate) the derivations of an invalid statement before its validation
  PERFORM @extschema@.xapi_ingest_batch(
    'SELECT e.ord::integer, e.doc FROM jsonb_array_elements($1) WITH ORDINALITY e(doc, ord)',
    CASE WHEN jsonb_typeof(statements) = 'object' THEN jsonb_build_array(statements) ELSE statements END,
    mode, version, false);
  RETURN QUERY SELECT b.pos, b.id, b.status FROM la_xapi_batch b ORDER BY b.pos;
  PERFORM @extschema@.xapi_batch_table();   -- the statements do not linger in the session
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_ingest(jsonb, text, text) IS
'store one statement or a JSON array of them; returns (position, id, status stored|exists|rejected); mode all_or_nothing (default) or rejects';

CREATE FUNCTION @extschema@.xapi_ingest_staged(staging regclass DEFAULT NULL,
                                               mode text DEFAULT 'all_or_nothing',
                                               version text DEFAULT NULL,
                                               empty_staging boolean DEFAULT true,
                                               OUT stored bigint, OUT existing bigint, OUT rejected bigint)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rel regclass := coalesce(staging, '@extschema@.xapi_staging'::regclass);
BEGIN
  -- no row may slip in between reading the staging relation and emptying it
  EXECUTE format('LOCK TABLE %s IN SHARE MODE', rel);
  PERFORM @extschema@.xapi_ingest_batch(
    format('SELECT (row_number() OVER ())::integer, s.statement FROM %s s', rel), NULL, mode, version, true);
  SELECT count(*) FILTER (WHERE b.status = 'stored'), count(*) FILTER (WHERE b.status = 'exists'),
         count(*) FILTER (WHERE b.status = 'rejected')
    INTO stored, existing, rejected
    FROM la_xapi_batch b;
  IF empty_staging THEN
    EXECUTE format('DELETE FROM %s', rel);
  END IF;
  PERFORM @extschema@.xapi_batch_table();   -- the statements do not linger in the session
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_ingest_staged(regclass, text, text, boolean) IS
'bulk path: ingest every row (column statement, jsonb) of a staging relation (default xapi_staging) in one transaction, then empty it; returns the counts';

-------------------------------------------------------------------------------
-- Right to be forgotten
-------------------------------------------------------------------------------

-- Replace one actor everywhere in the store (actor, object, authority, instructor, team, group
-- members, context agents, SubStatements, rejects) by a random tombstone Agent. Each of the actor's
-- keys (the mbox and, for an mbox, the mbox_sha1sum forms) gets its own tombstone, used in every
-- statement: the statements stay, every count and per-learner aggregate (distinct learners
-- included) stays the same, but nothing links them to the person any more.
CREATE FUNCTION @extschema@.xapi_erase_actor(actor jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  main_key text := @extschema@.xapi_actor_key(actor);
  k bytea := @extschema@.xapi_current_key();
  key text;
  needle text;
  tombstone jsonb;
  tomb_key text;
  old_pseudonym text;
  new_pseudonym text;
  n bigint;
  total bigint := 0;
BEGIN
  IF main_key IS NULL THEN
    RAISE EXCEPTION 'actor has no inverse functional identifier'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Pass an Agent or identified Group with mbox, mbox_sha1sum, openid or account.';
  END IF;
  FOR key, needle IN
    SELECT DISTINCT x.key, x.needle FROM (
      VALUES (main_key, coalesce(actor->>'mbox', actor->>'mbox_sha1sum', actor->>'openid',
                                 actor->'account'->>'name')),
             -- the same person may also have been sent as mbox_sha1sum
             ('mbox_sha1sum:' || @extschema@.xapi_mbox_sha1sum(lower(actor->>'mbox')),
              @extschema@.xapi_mbox_sha1sum(lower(actor->>'mbox'))),
             ('mbox_sha1sum:' || @extschema@.xapi_mbox_sha1sum(actor->>'mbox'),
              @extschema@.xapi_mbox_sha1sum(actor->>'mbox'))) x(key, needle)
    WHERE x.key IS NOT NULL
  LOOP
    tombstone := jsonb_build_object('objectType', 'Agent',
                   'account', jsonb_build_object('homePage', 'urn:learnalytics:erased',
                                                 'name', gen_random_uuid()::text));
    tomb_key := @extschema@.xapi_actor_key(tombstone);
    old_pseudonym := @extschema@.xapi_hmac(k, key);
    new_pseudonym := @extschema@.xapi_hmac(k, tomb_key);
    needle := '%' || replace(replace(replace(needle, '\', '\\'), '%', '\%'), '_', '\_') || '%';

    UPDATE @extschema@.xapi_statements s
       SET statement = @extschema@.xapi_replace_actor(s.statement, ARRAY[key], tombstone),
           authority = @extschema@.xapi_replace_actor(s.authority, ARRAY[key], tombstone),
           actor_key = CASE WHEN s.actor_key = key THEN tomb_key ELSE s.actor_key END,
           actor_pseudonym = CASE WHEN s.actor_pseudonym = old_pseudonym THEN new_pseudonym
                                  ELSE s.actor_pseudonym END,
           object_id = CASE WHEN s.object_type IN ('Agent', 'Group') AND s.object_id = old_pseudonym
                            THEN new_pseudonym ELSE s.object_id END,
           instructor_pseudonym = CASE WHEN s.instructor_pseudonym = old_pseudonym THEN new_pseudonym
                                       ELSE s.instructor_pseudonym END,
           team_pseudonym = CASE WHEN s.team_pseudonym = old_pseudonym THEN new_pseudonym
                                 ELSE s.team_pseudonym END
     WHERE s.statement::text ILIKE needle
       AND @extschema@.xapi_replace_actor(s.statement, ARRAY[key], tombstone) IS DISTINCT FROM s.statement;
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;

    UPDATE @extschema@.xapi_rejects r
       SET statement = @extschema@.xapi_replace_actor(r.statement, ARRAY[key], tombstone)
     WHERE r.statement::text ILIKE needle;
  END LOOP;
  RETURN total;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_erase_actor(jsonb) IS
'right to be forgotten: replace an actor everywhere in the store and the rejects by random tombstone Agents (one per key); returns the statement changes (admin only)';

-------------------------------------------------------------------------------
-- Privileges (doc/roles.md): analysts read pseudonyms only; the admin role manages everything
-------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION @extschema@.xapi_current_key() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_set_pseudonym_key(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_pseudonym(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_create_partitions(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_drop_partitions(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_batch_table() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_ingest_batch(text, jsonb, text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_ingest(jsonb, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_ingest_staged(regclass, text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_erase_actor(jsonb) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION @extschema@.xapi_current_key(), @extschema@.xapi_set_pseudonym_key(bytea),
  @extschema@.xapi_pseudonym(jsonb), @extschema@.xapi_create_partitions(timestamptz, timestamptz),
  @extschema@.xapi_drop_partitions(timestamptz), @extschema@.xapi_batch_table(),
  @extschema@.xapi_ingest_batch(text, jsonb, text, text, boolean), @extschema@.xapi_ingest(jsonb, text, text),
  @extschema@.xapi_ingest_staged(regclass, text, text, boolean), @extschema@.xapi_erase_actor(jsonb)
  TO learnalytics_admin;

GRANT SELECT, INSERT, UPDATE ON @extschema@.xapi_pseudonym_key TO learnalytics_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.xapi_statements, @extschema@.xapi_statement_ids,
  @extschema@.xapi_voids, @extschema@.xapi_rejects TO learnalytics_admin;
GRANT SELECT, INSERT, DELETE, TRUNCATE ON @extschema@.xapi_staging TO learnalytics_admin;
GRANT SELECT ON @extschema@.xapi_statements_pseudonymous TO learnalytics_analyst;
