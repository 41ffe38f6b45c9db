
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
  voiding      boolean NOT NULL DEFAULT false,
  load_id      uuid NOT NULL
);
COMMENT ON TABLE @extschema@.xapi_statement_ids IS
'one row per stored statement id: content hash (idempotency), timestamp (finds the partition), voiding flag, the load that stored it (xapi_loads)';
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
-- The indexes live on each partition, created with it (xapi_partition_indexes), not on the parent:
-- a partitioned index of the extension would be rebuilt by every ATTACH that pg_restore replays,
-- and the dump's own CREATE INDEX for the partition would then fail.

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
CREATE FUNCTION learnalytics_internal.xapi_current_key()
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
COMMENT ON FUNCTION learnalytics_internal.xapi_current_key() IS
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

-- The three indexes of one partition: (actor_pseudonym, timestamp) for a learner's statements over
-- time, (object_id, timestamp) for an activity's, (id) for voiding and lookups by id. Called by
-- xapi_create_partitions and xapi_attach_month, which run with the extension owner's rights; not
-- SECURITY DEFINER itself: as one it would build indexes, with opclasses of the columns' types, on
-- any table it were handed.
CREATE FUNCTION learnalytics_internal.xapi_partition_indexes(part regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  name text := (SELECT c.relname FROM pg_class c WHERE c.oid = part);
BEGIN
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (actor_pseudonym, "timestamp")', name || '_actor_ts', part);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (object_id, "timestamp")', name || '_object_ts', part);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (id)', name || '_id', part);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.xapi_partition_indexes(regclass) IS
'internal: create the three indexes of a partition of xapi_statements: (actor_pseudonym, timestamp), (object_id, timestamp), (id)';

-- A month is made as a table of its own (LIKE the store, as a load's new month is), given its
-- indexes, then attached: ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the store, the lock taken
-- here anyway, while CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE, which waits for every
-- running load (they hold ROW EXCLUSIVE from their start); a load that then needs a new month waits
-- for this function's SHARE UPDATE EXCLUSIVE: a deadlock. Only a store that cannot take an attached
-- table of that shape (a CHECK constraint, a foreign key, a generated or identity column: what the
-- loads check, src/xapi/flush.c AttachAllowed) gets its partitions through the parent, as before.
CREATE FUNCTION @extschema@.xapi_create_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  schema_name text := learnalytics_internal.extension_schema();
  lo timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
  hi timestamp := date_trunc('month', to_ts AT TIME ZONE 'UTC');
  months bigint;
  created integer := 0;
  locked boolean := false;
  attach boolean;
  part text;
BEGIN
  -- (an infinite bound would loop, creating tables, until the timestamps overflow)
  IF from_ts IS NULL OR to_ts IS NULL OR NOT isfinite(from_ts) OR NOT isfinite(to_ts) OR to_ts < from_ts THEN
    RAISE EXCEPTION 'invalid partition range'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_ts %s, to_ts %s.', from_ts, to_ts);
  END IF;
  -- (a finite range may still be thousands of years: as many tables, owned by this function's owner)
  months := (extract(year FROM hi)::bigint * 12 + extract(month FROM hi)::bigint)
          - (extract(year FROM lo)::bigint * 12 + extract(month FROM lo)::bigint) + 1;
  IF months > 1200 THEN
    RAISE EXCEPTION 'partition range is too long'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_ts %s to to_ts %s spans %s months; at most 1200 (100 years) are created in one call.',
                            from_ts, to_ts, months),
            HINT = 'Create the partitions of a shorter range; a load creates the partition of any month it stores into.';
  END IF;
  WHILE lo <= hi LOOP
    part := 'xapi_statements_p' || to_char(lo, 'YYYYMM');
    IF to_regclass(format('%I.%I', schema_name, part)) IS NULL AND NOT locked THEN
      -- one creator at a time, only when a partition is missing: SHARE UPDATE EXCLUSIVE conflicts
      -- with itself but not with inserts, and taking it makes a concurrent creator's committed
      -- partition visible to the check below
      EXECUTE format('LOCK TABLE %I.xapi_statements IN SHARE UPDATE EXCLUSIVE MODE', schema_name);
      locked := true;
    END IF;
    IF to_regclass(format('%I.%I', schema_name, part)) IS NULL THEN
      IF attach IS NULL THEN
        -- what the loads check (src/xapi/flush.c AttachAllowed), under the same lock
        IF NOT locked THEN
          EXECUTE format('LOCK TABLE %I.xapi_statements IN SHARE UPDATE EXCLUSIVE MODE', schema_name);
          locked := true;
        END IF;
        SELECT NOT EXISTS (SELECT FROM pg_constraint c
                           WHERE c.conrelid = '@extschema@.xapi_statements'::regclass AND c.contype IN ('c', 'f'))
           AND NOT EXISTS (SELECT FROM pg_attribute a
                           WHERE a.attrelid = '@extschema@.xapi_statements'::regclass AND a.attnum > 0
                             AND NOT a.attisdropped AND (a.attgenerated <> '' OR a.attidentity <> ''))
          INTO attach;
      END IF;
      IF attach THEN
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.xapi_statements INCLUDING DEFAULTS)',
                       schema_name, part, schema_name);
        PERFORM learnalytics_internal.xapi_partition_indexes(format('%I.%I', schema_name, part)::regclass);
        EXECUTE format('ALTER TABLE %I.xapi_statements ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                       schema_name, schema_name, part,
                       lo AT TIME ZONE 'UTC', (lo + interval '1 month') AT TIME ZONE 'UTC');
      ELSE
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.xapi_statements FOR VALUES FROM (%L) TO (%L)',
                       schema_name, part, schema_name,
                       lo AT TIME ZONE 'UTC', (lo + interval '1 month') AT TIME ZONE 'UTC');
        PERFORM learnalytics_internal.xapi_partition_indexes(format('%I.%I', schema_name, part)::regclass);
      END IF;
      created := created + 1;
    END IF;
    lo := lo + interval '1 month';
  END LOOP;
  RETURN created;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_create_partitions(timestamptz, timestamptz) IS
'create the monthly partitions of xapi_statements covering [from_ts, to_ts] (at most 1200 months) that do not exist yet; returns how many were created';

-- DROP TABLE of a partition takes ACCESS EXCLUSIVE on the store, which waits for every running load.
-- Taken first, before the DELETE below: taken after it, a load storing a statement whose id the
-- DELETE removed would wait for this transaction while it waits for the load (a deadlock).
CREATE FUNCTION @extschema@.xapi_drop_partitions(older_than timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p record;
  dropped integer := 0;
BEGIN
  IF EXISTS (SELECT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = '@extschema@.xapi_statements'::regclass
               AND learnalytics_internal.partition_upper_bound(c.oid)::timestamptz <= older_than) THEN
    LOCK TABLE @extschema@.xapi_statements IN ACCESS EXCLUSIVE MODE;
  END IF;
  -- (read again under the lock)
  FOR p IN
    SELECT c.oid::regclass AS part,
           learnalytics_internal.partition_upper_bound(c.oid)::timestamptz AS hi
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
-- Ingest (C, src/xapi/load.c, flush.c, ingest.c): one implementation behind COPY into the
-- stream view, xapi_ingest() and xapi_ingest_staged()
-------------------------------------------------------------------------------

-- One row per load, whichever way it came in.
CREATE TABLE @extschema@.xapi_loads (
  load_id        uuid PRIMARY KEY,
  source         text NOT NULL CHECK (source IN ('xapi_statement_stream', 'xapi_ingest', 'xapi_ingest_staged')),
  mode           text NOT NULL CHECK (mode IN ('all_or_nothing', 'rejects')),
  version        text,
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  statements     bigint NOT NULL,
  stored         bigint NOT NULL,
  existing       bigint NOT NULL,
  rejected       bigint NOT NULL,
  new_partitions integer NOT NULL,
  loaded_by      name NOT NULL DEFAULT CURRENT_USER,
  CHECK (statements = stored + existing + rejected)
);
COMMENT ON TABLE @extschema@.xapi_loads IS
'one row per xAPI load: where it came from, mode, counts (stored, already stored, rejected: rejects carry the load_id as batch_id), months loaded into new partitions, timing';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.xapi_loads', '');

-- The rows a flush hands to its INSERT (internal; raises outside a load).
CREATE FUNCTION learnalytics_internal.xapi_load_rows()
RETURNS SETOF @extschema@.xapi_statements
AS 'MODULE_PATHNAME', 'la_xapi_load_rows'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnalytics_internal.xapi_load_rows() IS
'internal: the store rows of the running load''s flush';

-- Whether an xAPI load is running in this session (the month functions below serve loads only).
CREATE FUNCTION learnalytics_internal.xapi_load_active()
RETURNS boolean
AS 'MODULE_PATHNAME', 'la_xapi_load_active'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnalytics_internal.xapi_load_active() IS
'internal: true while an xAPI load runs in this session';

-- A month a load is about to store into (the load has checked that it has no partition yet and
-- holds the lock that creating partitions takes): with fresh (the load found, under that lock,
-- that nothing would see or check rows written past the parent), the name of a new standalone
-- table, attached by xapi_attach_month when the load ends so that its indexes are built by
-- sorting; otherwise the month gets its partition here and the result is an empty string. NULL:
-- the partition exists after all.
CREATE FUNCTION learnalytics_internal.xapi_prepare_month(month_start timestamptz, fresh boolean)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  schema_name text := learnalytics_internal.extension_schema();
  lo timestamp := date_trunc('month', month_start AT TIME ZONE 'UTC');
  part text := 'xapi_statements_p' || to_char(lo, 'YYYYMM');
  existing regclass;
BEGIN
  IF NOT learnalytics_internal.xapi_load_active() THEN
    RAISE EXCEPTION 'xapi_prepare_month() serves xAPI loads only'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  EXECUTE format('LOCK TABLE %I.xapi_statements IN SHARE UPDATE EXCLUSIVE MODE', schema_name);
  existing := to_regclass(format('%I.%I', schema_name, part));
  IF existing IS NOT NULL THEN
    -- pg_partition_ancestors reads the catalog as it is now, not as of the transaction's snapshot
    IF NOT '@extschema@.xapi_statements'::regclass IN (SELECT pg_partition_ancestors(existing)) THEN
      RAISE EXCEPTION 'table % exists but is not a partition of xapi_statements', existing
        USING ERRCODE = 'duplicate_table',
              HINT = 'If it holds this month''s statements, attach it as the month''s partition; otherwise drop or rename it.';
    END IF;
    RETURN NULL;
  END IF;
  IF NOT fresh THEN
    PERFORM @extschema@.xapi_create_partitions(month_start, month_start);
    RETURN '';
  END IF;
  EXECUTE format('CREATE TABLE %I.%I (LIKE %I.xapi_statements INCLUDING DEFAULTS)',
                 schema_name, part, schema_name);
  RETURN format('%I.%I', schema_name, part);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.xapi_prepare_month(timestamptz, boolean) IS
'internal: give a load''s new month its partition (empty string), or a new table to attach when the load ends (its name)';

CREATE FUNCTION learnalytics_internal.xapi_attach_month(part text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rel regclass := part::regclass;
  month text;
  lo timestamp;
BEGIN
  IF NOT learnalytics_internal.xapi_load_active() THEN
    RAISE EXCEPTION 'xapi_attach_month() serves xAPI loads only'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- only a table xapi_prepare_month made: owned by this function's owner (a table another role
  -- made in the schema would become a partition of the store with its owner's triggers)
  SELECT substring(c.relname FROM '^xapi_statements_p([0-9]{6})$') INTO month
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.oid = rel AND n.nspname = learnalytics_internal.extension_schema() AND c.relkind = 'r' AND NOT c.relispartition
    AND c.relowner = (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user);
  IF month IS NULL THEN
    RAISE EXCEPTION '% is not a month table of a running load', part
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  lo := to_date(month, 'YYYYMM')::timestamp;   -- not to_timestamp: that is midnight in the session's time zone
  -- built by sorting the rows the load wrote
  PERFORM learnalytics_internal.xapi_partition_indexes(rel);
  EXECUTE format('ALTER TABLE @extschema@.xapi_statements ATTACH PARTITION %s FOR VALUES FROM (%L) TO (%L)',
                 rel, lo AT TIME ZONE 'UTC', (lo + interval '1 month') AT TIME ZONE 'UTC');
END
$$;
COMMENT ON FUNCTION learnalytics_internal.xapi_attach_month(text) IS
'internal: attach a month table a load filled as the partition of xapi_statements';

-- The single-pass bulk path: COPY (or INSERT) statements into this view; triggers validate,
-- derive and store them as they arrive. Settings: learnalytics.xapi_ingest_mode, learnalytics.xapi_version.
CREATE VIEW @extschema@.xapi_statement_stream AS
SELECT NULL::jsonb AS statement WHERE false;
COMMENT ON VIEW @extschema@.xapi_statement_stream IS
'bulk ingest: COPY ... (FORMAT csv, QUOTE e''\x01'', DELIMITER e''\x02'') of NDJSON into it, or INSERT; one load per statement, logged in xapi_loads';

CREATE FUNCTION learnalytics_internal.xapi_stream_begin() RETURNS trigger
AS 'MODULE_PATHNAME', 'la_xapi_stream_begin' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION learnalytics_internal.xapi_stream_row() RETURNS trigger
AS 'MODULE_PATHNAME', 'la_xapi_stream_row' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION learnalytics_internal.xapi_stream_end() RETURNS trigger
AS 'MODULE_PATHNAME', 'la_xapi_stream_end' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnalytics_internal.xapi_stream_begin() IS 'internal: starts a load into xapi_statement_stream';
COMMENT ON FUNCTION learnalytics_internal.xapi_stream_row() IS 'internal: one statement of a load into xapi_statement_stream';
COMMENT ON FUNCTION learnalytics_internal.xapi_stream_end() IS 'internal: ends a load into xapi_statement_stream';
-- nobody gets EXECUTE on the three trigger functions (a trigger fires without it), so that they
-- cannot be attached to another relation
CREATE TRIGGER xapi_stream_begin BEFORE INSERT ON @extschema@.xapi_statement_stream
  FOR EACH STATEMENT EXECUTE FUNCTION learnalytics_internal.xapi_stream_begin();
CREATE TRIGGER xapi_stream_row INSTEAD OF INSERT ON @extschema@.xapi_statement_stream
  FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.xapi_stream_row();
CREATE TRIGGER xapi_stream_end AFTER INSERT ON @extschema@.xapi_statement_stream
  FOR EACH STATEMENT EXECUTE FUNCTION learnalytics_internal.xapi_stream_end();

CREATE FUNCTION @extschema@.xapi_ingest(statements jsonb, mode text DEFAULT 'all_or_nothing',
                                        version text DEFAULT NULL)
RETURNS TABLE("position" integer, id uuid, status text)
AS 'MODULE_PATHNAME', 'la_xapi_ingest'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.xapi_ingest(jsonb, text, text) IS
'store one statement or a JSON array of them; returns (position, id, status stored|exists|rejected); mode all_or_nothing (default) or rejects';

CREATE FUNCTION learnalytics_internal.xapi_ingest_relation(source regclass, mode text, version text,
                                                    OUT stored bigint, OUT existing bigint,
                                                    OUT rejected bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'la_xapi_ingest_relation'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnalytics_internal.xapi_ingest_relation(regclass, text, text) IS
'internal: ingest every row (column statement, jsonb) of a relation, in scan order';

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
  SELECT r.stored, r.existing, r.rejected INTO stored, existing, rejected
    FROM learnalytics_internal.xapi_ingest_relation(rel, mode, version) r;
  IF empty_staging THEN
    EXECUTE format('DELETE FROM %s', rel);
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_ingest_staged(regclass, text, text, boolean) IS
'ingest every row (column statement, jsonb) of a staging relation (default xapi_staging) in one transaction, then empty it; returns the counts';

-------------------------------------------------------------------------------
-- Right to be forgotten
-------------------------------------------------------------------------------

-- Replace one actor everywhere in the store (actor, object, authority, instructor, team, group
-- members, context agents, SubStatements, rejects) by a random tombstone Agent. Each of the actor's
-- keys (the mbox and, for an mbox, the mbox_sha1sum forms) gets its own tombstone, used in every
-- statement: the statements stay, every count and per-learner aggregate (distinct learners
-- included) stays the same, but nothing links them to the person any more. Each old pseudonym is
-- then erased from every other table of the extension (learner_erase_key, erasure.sql).
CREATE FUNCTION @extschema@.xapi_erase_actor(actor jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  main_key text := @extschema@.xapi_actor_key(actor);
  k bytea := learnalytics_internal.xapi_current_key();
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

    -- the pseudonym everywhere else (summaries, alerts, learning data, rollups, ...: doc/erasure.md);
    -- rows that stay take the tombstone's pseudonym, as the statements did
    PERFORM learnalytics_internal.learner_erase_key(old_pseudonym, new_pseudonym, false);
  END LOOP;
  RETURN total;
END
$$;
COMMENT ON FUNCTION @extschema@.xapi_erase_actor(jsonb) IS
'right to be forgotten: replace an actor everywhere in the store and the rejects by random tombstone Agents (one per key), then erase its old pseudonyms from every other table (learner_erase); returns the statement changes (admin only)';

-------------------------------------------------------------------------------
-- Privileges (doc/roles.md): analysts read pseudonyms only; the admin role manages everything
-------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION learnalytics_internal.xapi_current_key() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_set_pseudonym_key(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_pseudonym(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_create_partitions(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.xapi_partition_indexes(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_drop_partitions(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.xapi_load_rows() FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.xapi_load_active() FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.xapi_prepare_month(timestamptz, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.xapi_attach_month(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.xapi_ingest_relation(regclass, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.xapi_stream_begin() FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.xapi_stream_row() FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.xapi_stream_end() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_ingest(jsonb, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_ingest_staged(regclass, text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.xapi_erase_actor(jsonb) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION learnalytics_internal.xapi_current_key(), @extschema@.xapi_set_pseudonym_key(bytea),
  @extschema@.xapi_pseudonym(jsonb), @extschema@.xapi_create_partitions(timestamptz, timestamptz),
  @extschema@.xapi_drop_partitions(timestamptz), learnalytics_internal.xapi_load_rows(),
  learnalytics_internal.xapi_prepare_month(timestamptz, boolean), learnalytics_internal.xapi_attach_month(text),
  learnalytics_internal.xapi_ingest_relation(regclass, text, text),
  @extschema@.xapi_ingest(jsonb, text, text),
  @extschema@.xapi_ingest_staged(regclass, text, text, boolean), @extschema@.xapi_erase_actor(jsonb)
  TO learnalytics_admin;

GRANT SELECT, INSERT, UPDATE ON @extschema@.xapi_pseudonym_key TO learnalytics_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.xapi_statements, @extschema@.xapi_statement_ids,
  @extschema@.xapi_voids, @extschema@.xapi_rejects TO learnalytics_admin;
GRANT SELECT, INSERT, DELETE, TRUNCATE ON @extschema@.xapi_staging TO learnalytics_admin;
GRANT INSERT ON @extschema@.xapi_statement_stream TO learnalytics_admin;
GRANT SELECT, INSERT ON @extschema@.xapi_loads TO learnalytics_admin;
GRANT SELECT ON @extschema@.xapi_loads TO learnalytics_analyst;
GRANT SELECT ON @extschema@.xapi_statements_pseudonymous TO learnalytics_analyst;
