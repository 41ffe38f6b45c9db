-- Adversarial review of issue 17 (charts and reports): each case states the CORRECT behaviour.
-- Cases marked "FAILS TODAY" do not pass on i17-int (f63f6d4); the expected output shows the fix.
-- Row-level security, numbers against the views and the report's sections per role are covered by
-- 95_reports_html (checked again in the review, see the report); this file holds what they miss.
\set VERBOSITY default
SET search_path = learnalytics, learnalytics_internal, public;

-- R1 (FAILS TODAY): svg_escape keeps U+FFFE / U+FFFF, which XML 1.0 forbids (Char production):
-- a title or label holding one makes every chart an ill-formed document. Expected: replaced
-- like the control characters, so the document stays well-formed.
SELECT xml_is_well_formed_document(chart_funnel(E'bad\uFFFEtitle', ARRAY['a'], 'A', ARRAY[1]::bigint[])) AS r1_funnel_fffe;
SELECT xml_is_well_formed_document(chart_forecast(E'x\uFFFF', ARRAY['2024-01-01'::date], ARRAY[1.0::float8],
       ARRAY[1.0::float8], ARRAY[0.5::float8], ARRAY[1.5::float8])) AS r1_forecast_ffff;
SELECT svg_escape(E'a\uFFFEb\uFFFFc') = 'a b c' AS r1_escape;

-- Fine today: markup characters in every text argument of the generic charts stay escaped.
SELECT xml_is_well_formed_document(chart_funnel('T<&>"''' || E'\x01' || ']]>', ARRAY['a<b','c&d'], 'A"<',
       ARRAY[10,5]::bigint[], 'B''&', ARRAY[3,1]::bigint[])) AS ok_funnel_markup;
SELECT xml_is_well_formed_document(chart_forecast('t', ARRAY['2024-01-01'::date], ARRAY[1.0::float8],
       ARRAY[1.0::float8], ARRAY[0.5::float8], ARRAY[1.5::float8], 'y<&', 'u"&<')) AS ok_forecast_markup;
SELECT xml_is_well_formed_document(chart_funnel('t', ARRAY['a','b'], 'A',
       ARRAY[9223372036854775807,1]::bigint[])) AS ok_funnel_huge;

-- R2 (FAILS TODAY): an unknown rollup is an error naming the candidates (plan H2), not a
-- "no activity" picture that looks like an empty course.
DO $$
BEGIN
  PERFORM chart_engagement_heatmap('c', 'no_such_rollup', '2024-01-01', '2024-02-01');
  RAISE NOTICE 'r2: no error';
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'r2: % (%)', SQLSTATE, CASE WHEN SQLERRM LIKE '%rollup%' THEN 'names rollup' ELSE SQLERRM END;
END $$;

-- R3 (FAILS TODAY): a NULL program is 22004 "must not be null", not 22023 'no program "<NULL>"'.
DO $$
BEGIN
  PERFORM chart_program_roi(NULL);
  RAISE NOTICE 'r3: no error';
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'r3: %', SQLSTATE;
END $$;

-- R4 (FAILS TODAY): the NaN error of chart_forecast names the function ("chart_forecast: actual
-- must be finite"), as the other argument errors of the same function do; today it says "chart:".
DO $$
BEGIN
  PERFORM chart_forecast('t', ARRAY['2024-01-01'::date], ARRAY['NaN'::float8], ARRAY[1.0::float8],
                         ARRAY[0.5::float8], ARRAY[1.5::float8]);
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'r4: % %', SQLSTATE, SQLERRM;
END $$;

-- Fine today: argument errors with SQLSTATE and the argument named.
DO $$
DECLARE q text;
BEGIN
  FOREACH q IN ARRAY ARRAY[
    $q$SELECT chart_learner_timeline(NULL, '2024-01-01', '2024-02-01')$q$,
    $q$SELECT chart_learner_timeline('x', '2024-03-01', '2024-02-01')$q$,
    $q$SELECT report_html(NULL, '2024-01-01', '2024-02-01')$q$,
    $q$SELECT report_html('c', '2024-03-01', '2024-02-01')$q$,
    $q$SELECT report_html('c', '2024-01-01', '2024-02-01', 'bogus')$q$,
    $q$SELECT report_html('c', '2024-01-01', '2024-02-01', 'both', 0)$q$,
    $q$SELECT chart_weekly_trend(NULL, '2024-01-01', '2024-02-01')$q$,
    $q$SELECT chart_alert_operations('2024-03-01', '2024-01-01')$q$,
    $q$SELECT chart_dropout_funnel(NULL, 'a')$q$,
    $q$SELECT chart_funnel('t', ARRAY['a'], 'A', ARRAY[-5]::bigint[])$q$,
    $q$SELECT chart_funnel('t', ARRAY['a','b'], 'A', ARRAY[1]::bigint[])$q$,
    $q$SELECT chart_forecast('t', ARRAY['2024-01-01'::date,'2024-01-08'], ARRAY[1.0::float8], NULL, NULL, NULL)$q$]
  LOOP
    BEGIN
      EXECUTE q;
      RAISE NOTICE 'no error: %', q;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE '% %', SQLSTATE, SQLERRM;
    END;
  END LOOP;
END $$;

-- R5 (FAILS TODAY for chart_funnel): horizontal tick labels of one axis (same y, anchored middle)
-- must not overlap: the distance between neighbours is at least half of the two labels' widths
-- (6 px per character at the 11 px tick size, about DejaVu Sans' mean advance). At width 300 with a count of 1e9 the
-- funnel's x ticks (0 200M 400M ...) are 19.2 px apart and print as "0200M400M600M800M1G".
CREATE FUNCTION pg_temp.overlapping_ticks(svg text) RETURNS bigint LANGUAGE sql AS $f$
  WITH t AS (
    SELECT (xpath('/*/@x', e))[1]::text::numeric AS x, (xpath('/*/@y', e))[1]::text AS y,
           length((xpath('/*/text()', e))[1]::text) AS n
    FROM unnest(xpath('//*[local-name()="text"][@class="tick"][@text-anchor="middle"]', svg::xml)) e),
  o AS (SELECT x, n, lag(x) OVER w AS px, lag(n) OVER w AS pn FROM t WINDOW w AS (PARTITION BY y ORDER BY x))
  SELECT count(*) FROM o WHERE px IS NOT NULL AND x - px < (n + pn) / 2.0 * 6
$f$;
SELECT pg_temp.overlapping_ticks(chart_funnel('A funnel with a long title', ARRAY['enrolled in the course and more words',
       'started','reached a very long stage name here','completed'], 'cohort A', ARRAY[1000000000,500,3,0]::bigint[],
       'cohort B', ARRAY[7,7,7,7]::bigint[], 300, 200)) AS r5_funnel_300_long_stages;
SELECT pg_temp.overlapping_ticks(chart_funnel('t', ARRAY['enrolled','started','reached','completed'], 'A',
       ARRAY[1000000000,500,3,0]::bigint[], 'B', ARRAY[7,7,7,7]::bigint[], 300, 200)) AS ok_funnel_300_short_stages;
SELECT pg_temp.overlapping_ticks(chart_funnel('t', ARRAY['enrolled','started'], 'A',
       ARRAY[1000000000,5]::bigint[], width => 120, height => 120)) AS ok_funnel_120;
SELECT pg_temp.overlapping_ticks(chart_forecast('t', ARRAY(SELECT '2020-01-06'::date + 7 * g FROM generate_series(0, 199) g),
       ARRAY(SELECT g * 1e9::float8 FROM generate_series(0, 199) g), NULL, NULL, NULL, width => 300, height => 200)) AS ok_forecast_300;

-- Fine today: labels. No chart or report function is SECURITY DEFINER; PUBLIC executes only
-- the IMMUTABLE ones that read no table.
SELECT p.proname, p.provolatile, p.prosecdef,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname IN ('learnalytics', 'learnalytics_internal')
   AND (p.proname LIKE 'chart\_%' OR p.proname LIKE 'report\_%' OR p.proname = 'sparkline')
 ORDER BY 1;
