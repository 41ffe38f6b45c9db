
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

CREATE FUNCTION @extschema@.xapi_activity_ids(activities jsonb)
RETURNS text[]
AS 'MODULE_PATHNAME', 'la_xapi_activity_ids'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.xapi_activity_ids(jsonb) IS
'the ids of a contextActivities value (one Activity or an array), in order; NULL when none';
