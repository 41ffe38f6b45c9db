-- Oracle test helpers: result bookkeeping and float comparison.
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS oracle_t CASCADE;
CREATE SCHEMA oracle_t;
CREATE TABLE oracle_t.results (seq serial, name text, compared bigint, mismatches bigint, examples text);

-- check(name, query of the compared rows, query of the mismatching rows): records the counts and
-- up to 10 mismatching rows (as text) for the report.
CREATE PROCEDURE oracle_t.check(name text, compared_q text, bad_q text)
LANGUAGE plpgsql AS $$
DECLARE n bigint; b bigint; ex text;
BEGIN
  EXECUTE 'SELECT count(*) FROM (' || compared_q || ') q' INTO n;
  EXECUTE 'SELECT count(*) FROM (' || bad_q || ') q' INTO b;
  IF b > 0 THEN
    EXECUTE 'SELECT string_agg(q::text, E''\n'') FROM (SELECT * FROM (' || bad_q || ') q0 LIMIT 10) q' INTO ex;
  END IF;
  INSERT INTO oracle_t.results(name, compared, mismatches, examples) VALUES (name, n, b, ex);
END $$;

-- float equality with a relative tolerance of 1e-9 (NULLs equal only to NULLs)
CREATE FUNCTION oracle_t.feq(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL OR b IS NULL THEN a IS NULL AND b IS NULL
              ELSE abs(a - b) <= 1e-9 * greatest(abs(a), abs(b)) OR abs(a - b) <= 1e-12 END $$;

-- microseconds since the epoch / in an interval (exact)
CREATE FUNCTION oracle_t.us(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE AS
  $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;
CREATE FUNCTION oracle_t.us(i interval) RETURNS bigint LANGUAGE sql IMMUTABLE AS
  $$ SELECT (extract(epoch FROM i) * 1000000)::bigint $$;

-- the text round trip of a summary (output, input, output), or the error of the input function
CREATE FUNCTION oracle_t.text_roundtrip(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  RETURN t::learnalytics.engagement_summary::text;
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN 'ERROR: ' || SQLERRM || coalesce(' / ' || nullif(d, ''), '');
END $$;
