#!/usr/bin/env bash
# Forged and corrupted engagement summaries never crash the server and never pass unvalidated:
# every single-byte mutation and every truncation of a summary's binary form goes through
# engagement_summary's receive function (binary COPY of the mutated bytes into a summary column),
# and every single-character mutation of its text form through its input function. Each one must
# either be rejected with a data error (class 22) or be accepted as a summary whose text form
# round-trips; an internal error (XX000) or a lost connection fails the test.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
# The server writes and reads the mutated bytes in a directory of this run's own, so that runs of
# other clusters on the same machine never touch them (a shared /tmp name was removed under them).
dir=$(mktemp -d "${LA_WORK:-${TMPDIR:-/tmp}}/fuzz.XXXXXX")
la_t_cleanup_add rm -rf "$dir"
chmod 777 "$dir"
psql -X -q -v ON_ERROR_STOP=1 -v fuzzdir="$dir" -d "$LA_DB" <<'SQL'
\set VERBOSITY terse
SET client_min_messages = warning;
SET la_test.fuzzdir = :'fuzzdir';
CREATE SCHEMA fuzz_t;
SET search_path = fuzz_t, public, learnalytics;
CREATE TABLE seeds AS
SELECT 1 AS id, la_engagement_agg('alice', ts, w, 'Europe/Paris', '20 minutes') AS s
FROM (VALUES ('2026-03-28 22:10+00'::timestamptz, 2::bigint), ('2026-03-28 22:25+00', 1),
             ('2026-03-29 09:00+00', 0), ('2026-04-02 12:00+00', 7), (NULL, 1)) v(ts, w)
UNION ALL
SELECT 2, la_engagement_cohort_agg(s) FROM (
  SELECT la_engagement_agg(l, ts) s FROM (VALUES ('a', '2026-01-01 10:00+00'::timestamptz),
    ('b', '2026-01-01 11:00+00'), ('b', '2026-01-03 11:00+00')) v(l, ts) GROUP BY l) x;
CREATE TABLE outcome (kind text, id int, pos int, how text, result text);
CREATE TABLE landing (s engagement_summary);
CREATE TABLE carrier (b bytea);

DO $$
DECLARE
  r record;
  raw bytea;
  txt text;
  m bytea;
  mt text;
  pos int;
  v int;
  f text := current_setting('la_test.fuzzdir') || '/mutated.bin';
  st text;
  got engagement_summary;
BEGIN
  FOR r IN SELECT id, s FROM seeds LOOP
    raw := learnalytics_internal.la_engagement_send(r.s);
    -- binary: every byte replaced by 0x00, 0xFF, and with its low and high bit flipped; every truncation
    FOR pos IN 0 .. length(raw) - 1 LOOP
      FOREACH v IN ARRAY ARRAY[0, 255, get_byte(raw, pos) # 1, get_byte(raw, pos) # 128] LOOP
        CONTINUE WHEN v = get_byte(raw, pos);
        m := set_byte(raw, pos, v);
        TRUNCATE carrier; TRUNCATE landing;
        INSERT INTO carrier VALUES (m);
        EXECUTE format('COPY fuzz_t.carrier TO %L WITH (FORMAT binary)', f);
        BEGIN
          EXECUTE format('COPY fuzz_t.landing FROM %L WITH (FORMAT binary)', f);
          SELECT s INTO got FROM landing;
          INSERT INTO outcome VALUES ('binary', r.id, pos, 'byte ' || v,
            CASE WHEN got::text::engagement_summary::text = got::text THEN 'accepted, round-trips'
                 ELSE 'accepted, NOT round-tripping' END);
        EXCEPTION WHEN OTHERS THEN
          GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
          INSERT INTO outcome VALUES ('binary', r.id, pos, 'byte ' || v, 'rejected ' || st);
        END;
      END LOOP;
    END LOOP;
    FOR pos IN 0 .. length(raw) - 1 LOOP
      TRUNCATE carrier; TRUNCATE landing;
      INSERT INTO carrier VALUES (substring(raw FROM 1 FOR pos));
      EXECUTE format('COPY fuzz_t.carrier TO %L WITH (FORMAT binary)', f);
      BEGIN
        EXECUTE format('COPY fuzz_t.landing FROM %L WITH (FORMAT binary)', f);
        INSERT INTO outcome VALUES ('binary', r.id, pos, 'truncated', 'accepted');
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
        INSERT INTO outcome VALUES ('binary', r.id, pos, 'truncated', 'rejected ' || st);
      END;
    END LOOP;
    -- text: every character replaced by a digit, a letter, a quote and a bracket
    txt := r.s::text;
    FOR pos IN 1 .. length(txt) LOOP
      FOREACH mt IN ARRAY ARRAY['9', 'x', '"', ']'] LOOP
        CONTINUE WHEN mt = substr(txt, pos, 1);
        BEGIN
          got := (overlay(txt PLACING mt FROM pos FOR 1))::engagement_summary;
          INSERT INTO outcome VALUES ('text', r.id, pos, 'char ' || mt,
            CASE WHEN got::text::engagement_summary::text = got::text THEN 'accepted, round-trips'
                 ELSE 'accepted, NOT round-tripping' END);
        EXCEPTION WHEN OTHERS THEN
          GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
          INSERT INTO outcome VALUES ('text', r.id, pos, 'char ' || mt, 'rejected ' || st);
        END;
      END LOOP;
    END LOOP;
  END LOOP;
END
$$;

\echo 'mutations tried, by outcome:'
SELECT kind, result, count(*) FROM outcome GROUP BY 1, 2 ORDER BY 1, 2;
-- the unmutated bytes are accepted (the harness itself works)
TRUNCATE carrier; TRUNCATE landing;
INSERT INTO carrier SELECT learnalytics_internal.la_engagement_send(s) FROM seeds;
SELECT :'fuzzdir' || '/unmutated.bin' AS f \gset
COPY carrier TO :'f' WITH (FORMAT binary);
COPY landing FROM :'f' WITH (FORMAT binary);
\echo 'unmutated binary values accepted:'
SELECT count(*) AS accepted FROM landing l JOIN seeds s ON l.s::text = s.s::text;
SELECT count(*) = 2 AS harness_ok FROM landing l JOIN seeds s ON l.s::text = s.s::text \gset
SELECT count(*) AS bad FROM outcome
WHERE result LIKE '%NOT round-tripping' OR (result LIKE 'rejected %' AND result NOT LIKE 'rejected 22%' AND result <> 'rejected 0A000') \gset
\echo 'mutations accepted without round-tripping or rejected with an unexpected error class:' :bad
SELECT * FROM outcome WHERE result LIKE '%NOT round-tripping' OR (result LIKE 'rejected %' AND result NOT LIKE 'rejected 22%' AND result <> 'rejected 0A000') LIMIT 10;
DROP SCHEMA fuzz_t CASCADE;
-- (22xxx: data errors; 0A000: an unsupported format version)
SELECT :'harness_ok'::boolean AND :bad = 0 AS all_ok \gset
\if :all_ok
\else
  DO $$ BEGIN RAISE EXCEPTION 'FAIL: mishandled mutations, or the unmutated values did not come back'; END $$;
\endif
\echo 'PASS'
SQL
