--
-- The small data set of the browser test (test/t/92_reports_browser.sh), in a database of its own,
-- the extension in schema learnalytics. Deterministic (no random()): hashtext of the names.
--
-- Course c1: cohorts a (from Monday 2026-01-05) and b (from 2026-01-19), 24 learners each; course c2,
-- 8 learners (cohort a). About a third stop all activity after 12..47 days and withdraw 10 days
-- later; the others stay active (about one day in four without events) and pass on 2026-04-30.
-- Events carry a course and an activity (8 activities, a long-named one among them) and a weight:
-- the source of the stored summaries (engagement_refresh) and of the rollup br_rollup.
-- Four modules per course: progress by how long the learner stayed.
-- Alerts, contacts and coach cases by hand (the shapes of sql/46_dashboards.sql), two coaches, the
-- risk model churn trained on the outcomes and active, two programs covering c1 with ROI (one with a
-- negative net), and the manager br_manager of org unit north (the learners of c1 cohort a).
--
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET search_path = public, learnalytics;

CREATE TABLE br_learner AS
SELECT format('%s%s_%s', c, h, lpad(i::text, 2, '0')) AS learner, c AS course, h AS cohort,
       CASE h WHEN 'a' THEN date '2026-01-05' ELSE date '2026-01-19' END AS start_day,
       CASE WHEN abs(hashtext(c || h || i)) % 3 = 0 THEN 12 + abs(hashtext(h || i || c)) % 36 END AS stop_after
FROM (VALUES ('c1', 'a', 24), ('c1', 'b', 24), ('c2', 'a', 8)) g(c, h, n), generate_series(1, n) i;

INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at)
SELECT learner, course, cohort, (start_day + time '09:00') AT TIME ZONE 'UTC',
       CASE WHEN stop_after IS NOT NULL THEN (start_day + stop_after + 10 + time '12:00') AT TIME ZONE 'UTC' END
FROM br_learner;

CREATE TABLE br_events (learner text, ts timestamptz, course text, activity text, clicks integer);
INSERT INTO br_events
SELECT l.learner, (l.start_day + d + time '10:00') AT TIME ZONE 'UTC' + k * interval '47 minutes', l.course,
       (ARRAY['video', 'quiz', 'forum', 'reading', 'lab', 'assignment', 'wiki',
              'a very long activity name that a chart must cut to fit'])[1 + abs(hashtext(l.learner || d || k)) % 8],
       1 + abs(hashtext(l.learner || k || d)) % 4
FROM br_learner l, generate_series(0, 115) d, generate_series(0, 3) k
WHERE (l.stop_after IS NULL OR d < l.stop_after)
  AND abs(hashtext(l.learner || d)) % 4 <> 0
  AND k <= abs(hashtext(l.learner || d || 'k')) % 4;
SELECT engagement_refresh('br_events', 'learner', 'ts', 'clicks') > 0 AS summaries_built;
SELECT rollup_create('br_rollup', 'br_events', learner_column => 'learner', ts_column => 'ts',
                     weight_column => 'clicks', course_column => 'course', activity_column => 'activity');

INSERT INTO module_progress (course, learner, module, started_at, progress, last_activity_at)
SELECT l.course, l.learner, 'm' || m, (l.start_day + (m - 1) * 14 + time '10:00') AT TIME ZONE 'UTC',
       least(1, greatest(0.1, round((coalesce(l.stop_after, 116) - (m - 1) * 14) / 14.0, 2))),
       (l.start_day + least(coalesce(l.stop_after, 116), m * 14) + time '10:00') AT TIME ZONE 'UTC'
FROM br_learner l, generate_series(1, 4) m
WHERE coalesce(l.stop_after, 116) > (m - 1) * 14;

CREATE TABLE br_outcomes AS
SELECT learner, CASE WHEN stop_after IS NOT NULL THEN 'withdrawn' ELSE 'passed' END AS outcome,
       CASE WHEN stop_after IS NOT NULL THEN start_day + stop_after + 10 ELSE date '2026-04-30' END AS outcome_at
FROM br_learner;

-- alerts: the first six learners of c1 who stop, by name: two open coach cases (critical, high), an
-- open medium, an open low, a resolved low and a withdrawal
CREATE TABLE br_alerted AS
SELECT learner, start_day + stop_after - 3 AS opened, row_number() OVER (ORDER BY learner) AS n
FROM br_learner WHERE course = 'c1' AND stop_after IS NOT NULL ORDER BY learner LIMIT 6;
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                   evaluated_on, value, baseline, ratio, persisted, risk_score, closed_on, closed_at, close_reason)
SELECT 'engagement_dip', 1, 'engagement', 'engagement_dip', learner, 'c1',
       (ARRAY['coach_required', 'coach_required', 'open', 'open', 'resolved', 'withdrew'])[n],
       (ARRAY['critical', 'high', 'medium', 'low', 'low', 'high'])[n],
       opened, opened + 3, 0, 2.5, 0, 3, (ARRAY[8.5, 4.2, 2.0, 1.0, 1.0, 4.0])[n],
       CASE WHEN n >= 5 THEN opened + 6 END,
       CASE WHEN n >= 5 THEN (opened + 6 + time '08:00') AT TIME ZONE 'UTC' END,
       CASE n WHEN 5 THEN 'condition_cleared' WHEN 6 THEN 'withdrew' END
FROM br_alerted;
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on, outcome, outcome_on)
SELECT a.id, 1, 'in_app_nudge', 'automated', a.opened_on,
       (ARRAY['not_re_engaged', 'not_re_engaged', 'pending', 'no_response', 're_engaged', 'withdrew'])[b.n],
       CASE WHEN b.n <> 3 THEN a.opened_on + 2 END
FROM alert a JOIN br_alerted b USING (learner);
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
SELECT a.id, 3, 'coach_call', 'human', a.opened_on + 3
FROM alert a JOIN br_alerted b USING (learner) WHERE b.n <= 2;
INSERT INTO coach (name, capacity) VALUES ('ada', 3), ('bo', 2);
INSERT INTO coach_assignment (alert_id, coach, assigned_on)
SELECT a.id, 'ada', a.opened_on + 3 FROM alert a JOIN br_alerted b USING (learner) WHERE b.n = 1;

-- the risk model: trained on the outcomes, active
SELECT version FROM risk_model_train('churn', '2026-01-12', '2026-03-31', 'br_outcomes', every_days => 3,
                                     description => 'browser test');
SELECT active FROM risk_model_activate('churn', 1);

-- programs covering c1: onboarding (benefits 60,000 from two sources, costs 20,000) and quality
-- (costs above benefits: a negative net)
INSERT INTO program (name, courses, roi, roi_as_of)
SELECT 'onboarding', ARRAY['c1', 'c2'], la_roi_agg(kind, label, amount, iso, conf, 'EUR'), '2026-03-31'
FROM (VALUES ('benefit', 'fewer defects', 40000::numeric, 0.8::numeric, 0.9::numeric),
             ('benefit', 'faster onboarding', 20000, 1, 1),
             ('cost', 'delivery', 15000, NULL, NULL), ('cost', 'platform_licences', 5000, NULL, NULL)) v(kind, label, amount, iso, conf);
INSERT INTO program (name, courses, roi, roi_as_of)
SELECT 'quality', ARRAY['c1'], la_roi_agg(kind, label, amount, iso, conf, 'EUR'), '2026-03-31'
FROM (VALUES ('benefit', 'rework', 9000::numeric, 1::numeric, 1::numeric),
             ('cost', 'delivery', 20000, NULL, NULL)) v(kind, label, amount, iso, conf);

-- the manager: org unit north holds the learners of c1 cohort a
CREATE ROLE br_manager IN ROLE learnalytics_viewer;
INSERT INTO learner_org_unit SELECT learner, 'north' FROM br_learner WHERE course = 'c1' AND cohort = 'a';
INSERT INTO org_unit_manager VALUES ('br_manager', 'north');
CREATE ROLE br_analyst IN ROLE learnalytics_analyst;

-- rows as JSON objects of text (each column's own output: the exact text a chart's data-value holds),
-- run as the caller
CREATE FUNCTION public.br_rows(query text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
  out json;
BEGIN
  EXECUTE format('SELECT coalesce(json_agg((SELECT json_object_agg(k, v) FROM json_each_text(row_to_json(r)) j(k, v))), ''[]'')
                  FROM (%s) r', query) INTO out;
  RETURN out;
END
$$;
GRANT EXECUTE ON FUNCTION public.br_rows(text) TO PUBLIC;

-- The report's numbers against their views, as the caller: each {source: "view.column", key:
-- "k1=v1;k2=v2", value} must name a view of the extension's schema (or schema.view), its key columns
-- must select exactly one row, and column::text must be the value (numerically equal passes).
-- Returns one line per number that does not hold.
CREATE FUNCTION public.br_check_nums(nums json) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  n json;
  rel text;
  col text;
  cond text;
  got text[];
BEGIN
  FOR n IN SELECT * FROM json_array_elements(nums) LOOP
    IF coalesce(n->>'source', '') !~ '^([a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$' THEN
      RETURN NEXT format('%s: data-source %L is not view.column', n->>'shown', n->>'source');
      CONTINUE;
    END IF;
    col := regexp_replace(n->>'source', '^.*\.', '');
    rel := regexp_replace(n->>'source', '\.[^.]*$', '');
    IF rel !~ '\.' THEN rel := 'learnalytics.' || rel; END IF;
    SELECT coalesce(string_agg(format('%I::text IS NOT DISTINCT FROM %L', split_part(kv, '=', 1),
                                      nullif(substr(kv, length(split_part(kv, '=', 1)) + 2), '')), ' AND '), 'true')
      INTO cond
      FROM unnest(string_to_array(coalesce(n->>'key', ''), ';')) kv WHERE kv <> '';
    BEGIN
      EXECUTE format('SELECT array_agg(%I::text) FROM %s WHERE %s', col, rel, cond) INTO got;
    EXCEPTION WHEN OTHERS THEN
      RETURN NEXT format('%s (%s, key %s): %s', n->>'shown', n->>'source', n->>'key', SQLERRM);
      CONTINUE;
    END;
    IF coalesce(cardinality(got), 0) <> 1 THEN
      RETURN NEXT format('%s (%s, key %s): %s rows in the view', n->>'shown', n->>'source', n->>'key', coalesce(cardinality(got), 0));
    ELSIF got[1] IS DISTINCT FROM nullif(n->>'value', '')
          AND NOT (got[1] ~ '^-?[0-9.]+(e[-+]?[0-9]+)?$' AND n->>'value' ~ '^-?[0-9.]+(e[-+]?[0-9]+)?$'
                   AND got[1]::numeric = (n->>'value')::numeric) THEN
      RETURN NEXT format('%s (%s, key %s): data-value %s, the view says %s', n->>'shown', n->>'source', n->>'key',
                         n->>'value', coalesce(got[1], 'NULL'));
    END IF;
  END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION public.br_check_nums(json) TO PUBLIC;
