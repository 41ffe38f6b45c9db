#!/usr/bin/env bash
# Interaction Activities against every MUST of xAPI 1.0.3 Data 2.4.4.1 (and IEEE 9274.1.1 4.2.4.2, the
# same rules in 2.0.0): the cases of test/data/xapi_interactions.jsonl, each naming the requirement
# ("spec", a section of Data 2.4.4.1) and, when invalid, the path and rule of its one violation:
#   - interactionType one of the ten values, exactly (s8.table1.row1, s13.b1), and present in a
#     definition with correctResponsesPattern or an interaction component list (s13.b1: such an
#     Activity is an Interaction Activity);
#   - only the component lists the interactionType supports (s15.table2: choices for choice and
#     sequencing, scale for likert, source and target for matching, steps for performance, none
#     for true-false, fill-in, long-fill-in, numeric and other);
#   - correctResponsesPattern an array of strings; components objects with a string id and a
#     language-map description, and distinct ids within one list (s16.b1);
#   - the same in a SubStatement's object and in context activities.
# 1. xapi_violations under both rule sets gives exactly the expected violation (or none);
# 2. xapi_ingest in rejects mode stores the valid cases and rejects the invalid ones with that path.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
fixture="$LA_SRC/test/data/xapi_interactions.jsonl"
db=$LA_DB
export PGOPTIONS='--client-min-messages=warning'

psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL' || exit 1
DROP SCHEMA IF EXISTS xapi_interactions CASCADE;
CREATE SCHEMA xapi_interactions;
CREATE TABLE xapi_interactions.raw (line jsonb);
SQL
psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
  -c "\\copy xapi_interactions.raw FROM '$fixture' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')" || exit 1

out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
SET search_path = xapi_interactions, learnalytics, public;
CREATE TABLE cases AS
SELECT row_number() OVER () AS n, line->>'case' AS name, line->>'expected' AS expected,
       line->>'path' AS path, line->>'rule' AS rule, line->'statement' AS statement
FROM raw;
SELECT 'CASES ' || count(*) FILTER (WHERE expected = 'valid') || ' valid, ' ||
       count(*) FILTER (WHERE expected = 'invalid') || ' invalid' FROM cases;
-- 1. the validator, both rule sets: exactly the expected violation
SELECT format('FAIL %s %s: expected %s, got %s', v.version, c.name,
              coalesce(c.path || ' ' || c.rule, 'none'), coalesce(g.got, 'none'))
FROM cases c
CROSS JOIN (VALUES ('1.0.3'), ('2.0.0')) v(version)
LEFT JOIN LATERAL (SELECT string_agg(path || ' ' || rule, '; ') AS got
                   FROM xapi_violations(c.statement, v.version)) g ON true
WHERE g.got IS DISTINCT FROM (c.path || ' ' || c.rule)
ORDER BY c.n, v.version;
-- 2. the store agrees: one load in rejects mode, undone afterwards
BEGIN;
CREATE TEMP TABLE outcome AS
SELECT i."position", i.status FROM xapi_ingest((SELECT jsonb_agg(statement ORDER BY n) FROM cases), 'rejects') i;
SELECT format('FAIL ingest %s: %s', c.name, o.status)
FROM cases c JOIN outcome o ON o."position" = c.n
WHERE o.status <> CASE c.expected WHEN 'valid' THEN 'stored' ELSE 'rejected' END
ORDER BY c.n;
SELECT format('FAIL rejects %s: %s', c.name, coalesce(r.got, 'none'))
FROM cases c
LEFT JOIN LATERAL (SELECT string_agg((x.violations->0->>'path') || ' ' || (x.violations->0->>'rule'), '; ') AS got
                   FROM xapi_rejects x WHERE x.statement = c.statement) r ON true
WHERE c.expected = 'invalid' AND r.got IS DISTINCT FROM (c.path || ' ' || c.rule)
ORDER BY c.n;
SELECT 'INGEST ' || count(*) FILTER (WHERE status = 'stored') || ' stored, ' ||
       count(*) FILTER (WHERE status = 'rejected') || ' rejected' FROM outcome;
ROLLBACK;
DROP SCHEMA xapi_interactions CASCADE;
SQL
) || { echo "$out"; exit 1; }
echo "$out"
if grep -q '^FAIL' <<<"$out"; then
  exit 1
fi
echo "all interaction cases agree"
