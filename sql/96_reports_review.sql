-- Adversarial review of issue 17 (charts and reports): each case states the CORRECT behaviour.
-- Cases marked "FAILS TODAY" do not pass on i17-int (f63f6d4); the expected output shows the fix.
\set VERBOSITY default
SET search_path = public, learnalytics_internal;

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

-- Fine today: labels. No chart or report function is SECURITY DEFINER; PUBLIC executes only
-- the IMMUTABLE ones that read no table.
SELECT p.proname, p.provolatile, p.prosecdef,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname IN ('public', 'learnalytics_internal')
   AND (p.proname LIKE 'chart\_%' OR p.proname LIKE 'report\_%' OR p.proname = 'sparkline')
 ORDER BY 1;
