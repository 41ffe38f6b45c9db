--
-- roi: bad input is rejected with a clear error naming the field; text and binary round trips;
-- forged text and bytes are rejected, never stored
--
\set VERBOSITY default
-- bad items
SELECT la_roi_agg('cost', 'delivery', -1, NULL, NULL, 'USD');
SELECT la_roi_agg('benefit', NULL, 100, 1.5, 1, 'USD');
SELECT la_roi_agg('benefit', NULL, 100, 1, -0.1, 'USD');
SELECT la_roi_agg('benefit', NULL, 100, NULL, 1, 'USD');
SELECT la_roi_agg('benefit', NULL, 'NaN', 1, 1, 'USD');
SELECT la_roi_agg('benefit', NULL, 'Infinity', 1, 1, 'USD');
SELECT la_roi_agg('cost', 'delivery', '-Infinity', NULL, NULL, 'USD');
SELECT la_roi_agg('benefit', NULL, 100, 'NaN', 1, 'USD');
SELECT la_roi_agg('benefit', NULL, 1e15, 1, 1, 'USD');
SELECT la_roi_agg(kind, NULL, 100, 1, 1, cur)
FROM (VALUES ('benefit', 'USD'), ('benefit', 'EUR')) v(kind, cur);
SELECT la_roi_agg('benefit', NULL, 100, 1, 1, NULL);
SELECT la_roi_agg('benefit', NULL, 100, 1, 1, 'usd');
SELECT la_roi_agg('cost', 'travel', 100, NULL, NULL, 'USD');
SELECT la_roi_agg('cost', NULL, 100, NULL, NULL, 'USD');
SELECT la_roi_agg('cost', 'delivery', NULL, NULL, NULL, 'USD');
SELECT la_roi_agg('cost', 'delivery', 100, 0.5, NULL, 'USD');
SELECT la_roi_agg('intangible', 'morale', 100, NULL, NULL, NULL);
SELECT la_roi_agg('intangible', '', NULL, NULL, NULL, NULL);
SELECT la_roi_agg('intangible', E'bad\nname', NULL, NULL, NULL, NULL);
SELECT la_roi_agg('intangible', repeat('x', 201), NULL, NULL, NULL, NULL);
SELECT la_roi_agg('bonus', NULL, 100, 1, 1, 'USD');
SELECT la_roi_agg('extreme', NULL, NULL, NULL, NULL, 'USD');
-- sums that leave the exact range raise NUMERIC_VALUE_OUT_OF_RANGE, never wrap
SELECT la_roi_agg('cost', 'delivery', 900000000000000, NULL, NULL, 'USD') FROM generate_series(1, 20);
SELECT la_roi_agg('cost', c, 900000000000000, NULL, NULL, 'USD')
FROM unnest(ARRAY['design', 'delivery', 'coaching', 'overhead', 'evaluation', 'development',
                  'needs_analysis', 'platform_licences', 'participant_time', 'design', 'delivery']) c;
-- summaries in different currencies do not roll up
SELECT la_merge_agg(s) FROM (VALUES
  (learnalytics_internal.la_roi_in('v1 cur=USD benefit_items=0 missing_items=0 extreme_items=0 cost_items=1 intangible_items=0 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=1.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}')),
  (learnalytics_internal.la_roi_in('v1 cur=EUR benefit_items=0 missing_items=0 extreme_items=0 cost_items=1 intangible_items=0 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=1.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}'))) v(s);
SELECT cost(la_roi_agg('cost', 'delivery', 1, NULL, NULL, 'USD'), 'travel');

-- text round trip: output reads back to the same value (and the same bytes)
CREATE TEMP TABLE roi_rt (id int, s roi_summary);
INSERT INTO roi_rt
SELECT 1, la_roi_agg(kind, label, amount, iso, conf, 'CHF')
FROM (VALUES ('benefit', NULL, 1234567.8912::numeric, 0.7::numeric, 0.85::numeric),
             ('benefit', NULL, -55.5, 1, 1), ('benefit', NULL, NULL, 1, 1),
             ('extreme', NULL, 99999999, NULL, NULL),
             ('cost', 'coaching', 0.0001, NULL, NULL), ('cost', 'overhead', 922337203685477, NULL, NULL),
             ('intangible', 'say "hi" \ bye', NULL, NULL, NULL), ('intangible', 'ünïcode ✓', NULL, NULL, NULL),
             ('intangible', 'a,b}{', NULL, NULL, NULL)) v(kind, label, amount, iso, conf);
INSERT INTO roi_rt SELECT 2, la_roi_agg('intangible', 'only', NULL, NULL, NULL, NULL);
INSERT INTO roi_rt SELECT 3, la_roi_agg('benefit', NULL, -922337203685477, 1, 1, 'XAU');
SELECT id, s FROM roi_rt ORDER BY id;
SELECT id, s::text::roi_summary::text = s::text AS text_round_trip,
       learnalytics_internal.la_roi_send(s::text::roi_summary) = learnalytics_internal.la_roi_send(s) AS same_bytes
FROM roi_rt ORDER BY id;

-- binary round trip through COPY (a server-side file, removed afterwards)
CREATE TEMP TABLE roi_rt2 (LIKE roi_rt);
DO $$
DECLARE f text := '/tmp/la_roi_61_' || pg_backend_pid() || '.bin';
BEGIN
  EXECUTE format('COPY roi_rt TO %L (FORMAT binary)', f);
  EXECUTE format('COPY roi_rt2 FROM %L (FORMAT binary)', f);
  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'rm -f ' || f);
END
$$;
SELECT a.id, a.s::text = b.s::text AS binary_round_trip, learnalytics_internal.la_roi_send(a.s) = learnalytics_internal.la_roi_send(b.s) AS same_bytes
FROM roi_rt a JOIN roi_rt2 b USING (id) ORDER BY id;

-- forged bytes: a binary COPY file whose field is a bytea, read back as roi_summary
CREATE TEMP TABLE forged (name text, b bytea);
INSERT INTO forged
SELECT 'version 2', set_byte(learnalytics_internal.la_roi_send(s), 0, 2) FROM roi_rt WHERE id = 1
UNION ALL SELECT 'reserved flag', set_byte(learnalytics_internal.la_roi_send(s), 1, 1) FROM roi_rt WHERE id = 1
UNION ALL SELECT 'lower-case currency', set_byte(learnalytics_internal.la_roi_send(s), 2, ascii('c')) FROM roi_rt WHERE id = 1
UNION ALL SELECT 'truncated', substr(learnalytics_internal.la_roi_send(s), 1, 40) FROM roi_rt WHERE id = 1
UNION ALL SELECT 'trailing byte', learnalytics_internal.la_roi_send(s) || '\x00'::bytea FROM roi_rt WHERE id = 1
UNION ALL SELECT 'names length too big', overlay(learnalytics_internal.la_roi_send(s) placing '\x7fffffff'::bytea from 147) FROM roi_rt WHERE id = 1
UNION ALL SELECT 'negative cost', overlay(learnalytics_internal.la_roi_send(s) placing '\xffffffffffffffff'::bytea from 83) FROM roi_rt WHERE id = 1
UNION ALL SELECT 'names out of order', overlay(learnalytics_internal.la_roi_send(s) placing 'z'::bytea from 151) FROM roi_rt WHERE id = 1
UNION ALL SELECT 'empty', '\x'::bytea;
CREATE TEMP TABLE roi_in (s roi_summary);
DO $$
DECLARE
  r record;
  d text;
  f text := '/tmp/la_roi_61_' || pg_backend_pid() || '.forged';
BEGIN
  FOR r IN SELECT name FROM forged ORDER BY name LOOP
    EXECUTE format('COPY (SELECT b FROM forged WHERE name = %L) TO %L (FORMAT binary)', r.name, f);
    BEGIN
      EXECUTE format('COPY roi_in FROM %L (FORMAT binary)', f);
      RAISE NOTICE '%: accepted', r.name;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
      RAISE NOTICE '%: % (%) %', r.name, SQLERRM, SQLSTATE, d;
    END;
  END LOOP;
  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'rm -f ' || f);
END
$$;
SELECT count(*) AS forged_rows_stored FROM roi_in;
-- the same unmodified bytes are accepted (the forged cases above fail for their own reason)
INSERT INTO forged SELECT 'unmodified', learnalytics_internal.la_roi_send(s) FROM roi_rt WHERE id = 1;
DO $$
DECLARE f text := '/tmp/la_roi_61_' || pg_backend_pid() || '.forged';
BEGIN
  EXECUTE format('COPY (SELECT b FROM forged WHERE name = %L) TO %L (FORMAT binary)', 'unmodified', f);
  EXECUTE format('COPY roi_in FROM %L (FORMAT binary)', f);
  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'rm -f ' || f);
END
$$;
SELECT s::text = (SELECT s::text FROM roi_rt WHERE id = 1) AS unmodified_accepted FROM roi_in;

-- forged or malformed text
SELECT 'v2 cur=USD'::roi_summary;
SELECT ''::roi_summary;
SELECT 'v1 cur=usd'::roi_summary;
SELECT 'v1 cur=- benefit_items=0 missing_items=0 extreme_items=0 cost_items=0 intangible_items=0 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}'::roi_summary IS NOT NULL AS empty_summary_ok;
-- money without a currency
SELECT 'v1 cur=- benefit_items=1 missing_items=0 extreme_items=0 cost_items=0 intangible_items=0 benefits=5.0000 adjusted=5.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}'::roi_summary;
-- a negative cost
SELECT 'v1 cur=USD benefit_items=0 missing_items=0 extreme_items=0 cost_items=1 intangible_items=0 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=-1.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}'::roi_summary;
-- benefits without a benefit item
SELECT 'v1 cur=USD benefit_items=0 missing_items=0 extreme_items=0 cost_items=1 intangible_items=0 benefits=7.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=1.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}'::roi_summary;
-- three decimals instead of four
SELECT 'v1 cur=USD benefit_items=0 missing_items=0 extreme_items=0 cost_items=1 intangible_items=0 benefits=0.000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=1.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}'::roi_summary;
-- a field out of int64 range
SELECT 'v1 cur=USD benefit_items=99999999999999999999 missing_items=0'::roi_summary;
-- costs that overflow when totalled
SELECT 'v1 cur=USD benefit_items=0 missing_items=0 extreme_items=0 cost_items=2 intangible_items=0 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=922337203685477.0000 design=922337203685477.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}'::roi_summary;
-- names not sorted, duplicated, unterminated; counts that do not match
SELECT 'v1 cur=- benefit_items=0 missing_items=0 extreme_items=0 cost_items=0 intangible_items=2 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={"b","a"}'::roi_summary;
SELECT 'v1 cur=- benefit_items=0 missing_items=0 extreme_items=0 cost_items=0 intangible_items=2 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={"a","a"}'::roi_summary;
SELECT 'v1 cur=- benefit_items=0 missing_items=0 extreme_items=0 cost_items=0 intangible_items=2 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={"a'::roi_summary;
SELECT 'v1 cur=- benefit_items=0 missing_items=0 extreme_items=0 cost_items=0 intangible_items=0 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={"a"}'::roi_summary;
-- trailing garbage
SELECT 'v1 cur=- benefit_items=0 missing_items=0 extreme_items=0 cost_items=0 intangible_items=0 benefits=0.0000 adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={} x'::roi_summary;

DROP TABLE roi_rt, roi_rt2, forged, roi_in;
