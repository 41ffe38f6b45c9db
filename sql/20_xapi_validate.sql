--
-- xAPI validation: the rules, every violation with its path, the raising form, bad input
--
\set ECHO all
\set VERBOSITY default
-- errors show their DETAIL (position, path) and HINT; not the PL/pgSQL call stack
\set SHOW_CONTEXT never
-- pg_regress runs in PST8PDT with Postgres-style dates: show instants in UTC, ISO style
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
-- a minimal valid statement
\set ok '{"actor":{"mbox":"mailto:ana@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.org/course/1"}}'
SELECT xapi_is_valid(:'ok'), xapi_is_valid(:'ok', '1.0.3'), xapi_is_valid(:'ok', '2.0.0');
SELECT * FROM xapi_violations(:'ok');
SELECT xapi_validate(:'ok') = :'ok'::jsonb AS returns_statement;

-- every violation, with its JSON path and rule (one pass reports them all)
SELECT * FROM xapi_violations('{
  "id": "not-a-uuid", "iD": 1,
  "actor": {"mbox": "ana@example.org", "openid": "http://id.example.org/ana"},
  "verb": {"id": "completed", "display": {"en-US": "completed", "english": "completed"}},
  "object": {"objectType": "Activity", "id": "http://example.org/a",
             "definition": {"interactionType": "Choice", "name": {"en": 5}}},
  "result": {"score": {"scaled": 1.5, "raw": 120, "min": 0, "max": 100}, "success": "yes",
             "duration": "P4W1D"},
  "context": {"registration": "123", "language": "english-please",
              "contextActivities": {"parent": [{"id": "http://example.org/p"}], "sibling": []},
              "extensions": {"not an iri": 1}},
  "timestamp": "2026-11-22T10:00:00-00:00",
  "version": "1.1.0"}');

-- the same document as a jsonb array of violations (what the rejects table keeps)
SELECT jsonb_array_length(xapi_violations_json('{"actor":{}}')) AS n,
       xapi_violations_json('{"actor":{}}') -> 0 AS first;
SELECT xapi_violations_json(:'ok') IS NULL AS valid_gives_null;

-- Agents, Groups, authority
SELECT path, rule FROM xapi_violations('{"actor":{"objectType":"Group","member":[{"objectType":"Group","mbox":"mailto:g@example.org"}]},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}');
SELECT path, rule FROM xapi_violations('{"actor":{"objectType":"Group","name":"anonymous, no members"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}');
SELECT path, rule FROM xapi_violations('{"actor":{"account":{"homePage":"http://example.org","name":7}},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"authority":{"objectType":"Group","member":[{"mbox":"mailto:a@example.org"}]}}');
SELECT path, rule FROM xapi_violations('{"actor":{"mbox_sha1sum":"xyz"},"verb":{"id":"http://example.org/v"},"object":{"objectType":"Agent","openid":"not a uri"}}');

-- SubStatements: no nested SubStatement, no id/stored/version/authority
SELECT path, rule FROM xapi_violations('{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"http://example.org/v"},
  "object":{"objectType":"SubStatement","id":"11111111-1111-4111-8111-111111111111",
    "actor":{"mbox":"mailto:b@example.org"},"verb":{"id":"http://example.org/v"},
    "object":{"objectType":"SubStatement","actor":{"mbox":"mailto:c@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}}}');

-- voiding: the object of a voiding statement is a StatementRef
SELECT path, rule FROM xapi_violations('{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"id":"http://example.org/o"}}');

-- context: revision and platform only with an Activity object; contextAgents is 2.0.0 only
\set ctx '{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"http://example.org/v"},"object":{"objectType":"Agent","mbox":"mailto:b@example.org"},"context":{"platform":"LMS","contextAgents":[{"objectType":"contextAgent","agent":{"mbox":"mailto:c@example.org"},"relevantTypes":["http://example.org/t"]}]}}'
SELECT path, rule FROM xapi_violations(:'ctx', '2.0.0');
SELECT path, rule FROM xapi_violations(:'ctx', '1.0.3');

-- version: the statement's own version picks the rule set when none is given
SELECT xapi_is_valid(:'ok'::jsonb || '{"version":"1.0.9"}'), xapi_is_valid(:'ok'::jsonb || '{"version":"2.0.0"}'),
       xapi_is_valid(:'ok'::jsonb || '{"version":"2.0.0"}', '1.0.3'), xapi_is_valid(:'ok'::jsonb || '{"version":"0.9.5"}');

-- attachments metadata
SELECT path, rule FROM xapi_violations(:'ok'::jsonb || '{"attachments":[{"usageType":"http://example.org/u","display":{"en":"x"},"contentType":"text/plain","length":-1,"sha2":"zz"},{"display":{}}]}');

-- the raising form: SQLSTATE, position in the batch, JSON path
SELECT xapi_validate('{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"nope"},"object":{"id":"http://example.org/o"}}');
SELECT xapi_validate('{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"nope"},"object":{"id":"x"}}', NULL, 7);
SELECT xapi_validate('[1, 2]');
SELECT xapi_validate('"a string"');
SELECT xapi_validate('null');
SELECT xapi_validate(NULL, NULL, 3);
-- unknown version requested
SELECT xapi_is_valid(:'ok', '3.0');
-- malformed JSON never reaches the validator: PostgreSQL's jsonb input rejects it
SELECT xapi_is_valid('{"actor": {"mbox": "mailto:a@example.org"');
SELECT xapi_is_valid(E'{"description": "line\nbreak"}');
-- deeply nested extension values (the jsonb input itself limits depth by stack)
SELECT rule, path FROM xapi_violations(jsonb_set(:'ok', '{result}',
  jsonb_build_object('extensions', jsonb_build_object('http://example.org/deep',
    (repeat('[', 40) || repeat(']', 40))::jsonb))));
\set VERBOSITY terse
DO $$ BEGIN
  PERFORM xapi_validate(jsonb_set('{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}',
    '{result}', jsonb_build_object('extensions', jsonb_build_object('http://example.org/deep',
      (repeat('{"a":', 40) || '1' || repeat('}', 40))::jsonb))), NULL, 2);
EXCEPTION WHEN statement_too_complex THEN RAISE NOTICE 'statement_too_complex: %', SQLERRM;
END $$;
-- huge documents: over 1 MB is refused with program_limit_exceeded
DO $$ BEGIN
  PERFORM xapi_validate(jsonb_set('{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}',
    '{result}', jsonb_build_object('response', repeat('x', 1100000))));
EXCEPTION WHEN program_limit_exceeded THEN RAISE NOTICE 'program_limit_exceeded: %', SQLERRM;
END $$;
\set VERBOSITY default

-- formats
SELECT v, xapi_timestamp(v) FROM (VALUES ('2026-11-22T10:00:00Z'), ('2026-11-22T10:00:00.123456+02:00'),
  ('2026-11-22T10:00:00.5-0530'), ('2026-11-22T10:00:00'), ('2024-02-29T23:59:59+01')) t(v);
SELECT xapi_timestamp('2026-11-22T10:00:00-00:00');
SELECT xapi_timestamp('2023-02-29T10:00:00Z');
SELECT xapi_timestamp('01/011/2015');
SELECT v, xapi_duration(v) FROM (VALUES ('PT1H30M'), ('P3Y1M29DT4H35M59.14S'), ('P4W'), ('PT16559.14S'), ('P1DT0.5S')) t(v);
SELECT xapi_duration('P4W1D');
SELECT xapi_duration('PT');
SELECT xapi_duration('P1.5DT1H');
SELECT tag, xapi_is_valid(jsonb_build_object('actor', '{"mbox":"mailto:a@example.org"}'::jsonb,
         'verb', jsonb_build_object('id', 'http://example.org/v', 'display', jsonb_build_object(tag, 'x')),
         'object', '{"id":"http://example.org/o"}'::jsonb)) AS valid
FROM (VALUES ('en'), ('en-US'), ('zh-Hant'), ('sr-Latn-RS'), ('es-419'), ('cmn'), ('de-CH-1996'),
             ('x-private'), ('i-klingon'), ('en-a-bbb-x-a-ccc'), ('zh-z-aaa-z-bbb-c-ccc'), ('something'),
             ('en--US'), ('de-1996-1996'), ('')) t(tag);

-- actor keys
SELECT xapi_actor_key(a) FROM (VALUES ('{"mbox":"mailto:Ana.Lima@Example.ORG"}'::jsonb),
  ('{"mbox_sha1sum":"EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"}'), ('{"openid":"http://id.example.org/ana"}'),
  ('{"account":{"homePage":"http://lms.example.org","name":"ana42"}}'),
  ('{"objectType":"Group","member":[{"mbox":"mailto:a@example.org"}]}')) t(a);
SELECT xapi_mbox_sha1sum('mailto:ana@example.org');
SELECT xapi_hmac('0123456789abcdef', 'mailto:ana@example.org') = xapi_hmac('0123456789abcdef', 'mailto:ana@example.org') AS stable,
       xapi_hmac('0123456789abcdef', 'mailto:ana@example.org') <> xapi_hmac('0123456789abcdeF', 'mailto:ana@example.org') AS keyed;
-- RFC 4231 test case 6 (a 131-byte key): PostgreSQL's HMAC gives the published digest
SELECT xapi_hmac(decode(repeat('aa', 131), 'hex'), 'Test Using Larger Than Block-Size Key - Hash Key First')
       = '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54' AS rfc4231_case6;
SELECT xapi_hmac('short', 'x');
SELECT xapi_activity_ids('{"id":"http://example.org/a"}'), xapi_activity_ids('[{"id":"http://example.org/a"},{"id":"http://example.org/b"}]'),
       xapi_activity_ids('[]');

-- the content hash idempotency compares: key order, white space, how a number was built, and the
-- properties a store sets (id, stored, authority, version) do not matter; content does
SELECT xapi_content_hash('{"a": 1, "b": {"x": [1, 2.5, "s", true, null]}}')
     = xapi_content_hash(jsonb_build_object('b', jsonb_build_object('x', jsonb_build_array(1, 2.5::numeric, 's', true, NULL)), 'a', 1)) AS order_and_numbers,
       xapi_content_hash('{"a": 1}')
     = xapi_content_hash('{"a": 1, "id": "x", "stored": "y", "version": "2.0.0", "authority": {"mbox": "mailto:a@b.c"}}') AS store_properties,
       xapi_content_hash('{"a": 1, "b": {"id": 1}}') <> xapi_content_hash('{"a": 1, "b": {"id": 2}}') AS nested_id_counts,
       xapi_content_hash('{"a": [1, 2]}') <> xapi_content_hash('{"a": [2, 1]}') AS array_order_counts,
       xapi_content_hash('{"a": {"b": 1}, "c": 2}') <> xapi_content_hash('{"a": {"b": 1, "c": 2}}') AS structure_counts,
       length(xapi_content_hash('{}')) AS bytes;
-- durations too large for an interval are invalid rather than wrapped around
SELECT xapi_duration('P9999999Y'), xapi_duration('PT999999999H');
SELECT xapi_duration('P99999999Y');
