--
-- reports: the HTML report (report_html, report_operations; doc/reports.md "The HTML report").
-- Three real roles read it:
--   la_rh_manager  a viewer managing org unit north: sees north's learners only (views' filters)
--   la_rh_analyst  an analyst: every learner, and the analyst-only sections
--   postgres       (the test's own role)
-- and each document is checked against plain SQL over the views, read AS THE SAME ROLE:
--   * one well-formed document (parsed with the xml type), <!DOCTYPE html>, one <html>, a <title>;
--   * no <script>, no src= or href= at all, no url( or @import in the style sheet;
--   * every <span class="num">: data-value = the named view's column in the row its data-key names;
--   * the queue rows (their alert ids, in order) = coach_queue of the course, first queue_size rows;
--   * the manager's document names only north's learners, the analyst's names south's too;
--   * sections the manager may not read (alert_effectiveness, quality_findings) are a sentence;
--   * bad arguments fail with 22023 naming the argument.
-- Everything runs in one transaction that is rolled back.
--
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SET jit = off;
SET search_path = learnalytics, public;
BEGIN;
CREATE ROLE la_rh_manager IN ROLE learnalytics_viewer;
CREATE ROLE la_rh_analyst IN ROLE learnalytics_analyst;
TRUNCATE enrolment, module_progress, alert, alert_contact, coach_assignment, alert_outbox, coach,
         learner_engagement, learner_org_unit, org_unit_manager, rollup, risk_model,
         learnalytics_internal.risk_score_current, quality_finding CASCADE;

-- learners: n1, n2, n3 in north; s1, s2 in south; x1 in no org unit. Names with markup and quotes
-- (n3, a rule reason) check the escaping.
INSERT INTO learner_org_unit VALUES ('n1', 'north'), ('n2', 'north'), ('n3 <"&''>', 'north'), ('n4', 'north'), ('s1', 'south'), ('s2', 'south'), ('s3', 'south');
INSERT INTO org_unit_manager VALUES ('la_rh_manager', 'north');
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at)
SELECT l, c, 'a', '2026-03-02 09:00+00', NULL
FROM unnest(ARRAY['n1', 'n2', 'n3 <"&''>', 'n4', 's1', 's2', 's3', 'x1']) l, unnest(ARRAY['c1', 'c2']) c;
INSERT INTO module_progress (course, learner, module, started_at, progress, last_activity_at) VALUES
  ('c1', 'n1', 'm1', '2026-03-02 10:00+00', 1, '2026-03-05 10:00+00'),
  ('c1', 's1', 'm1', '2026-03-04 10:00+00', 0.5, '2026-03-11 10:00+00');
-- coach-required cases of c1 (n1, n2, n3, s1, s2, x1) and of c2 (n4), an open alert, a resolved one
-- (one open case per learner)
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                   evaluated_on, value, baseline, ratio, persisted, risk_score, closed_on, closed_at, close_reason)
VALUES
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'n1', 'c1', 'coach_required', 'high', '2026-03-16', '2026-03-19', 0, 2.5, 0, 2, 4.2, NULL, NULL, NULL),
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 'n2', 'c1', 'coach_required', 'critical', '2026-03-10', '2026-03-12', NULL, NULL, NULL, 5, 9.5, NULL, NULL, NULL),
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 'n3 <"&''>', 'c1', 'coach_required', 'medium', '2026-03-11', '2026-03-12', NULL, NULL, NULL, 3, 3.25, NULL, NULL, NULL),
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 's1', 'c1', 'coach_required', 'high', '2026-03-10', '2026-03-12', NULL, NULL, NULL, 5, 5.0, NULL, NULL, NULL),
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 's2', 'c1', 'coach_required', 'medium', '2026-03-09', '2026-03-10', 1, 3, 0.33, 1, 1.5, NULL, NULL, NULL),
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 'x1', 'c1', 'coach_required', 'low', '2026-03-11', '2026-03-12', NULL, NULL, NULL, 3, 6.0, NULL, NULL, NULL),
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 'n4', 'c2', 'coach_required', 'high', '2026-03-11', '2026-03-12', NULL, NULL, NULL, 3, 7.0, NULL, NULL, NULL),
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 's3', 'c2', 'open', 'medium', '2026-03-09', '2026-03-10', 1, 3, 0.33, 1, 1.0, NULL, NULL, NULL),
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'n2', 'c2', 'resolved', 'low', '2026-03-09', '2026-03-12', 1, 3, 0.33, 1, 1.0, '2026-03-12', '2026-03-12 08:00+00', 'condition_cleared');
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on, outcome, outcome_on)
SELECT id, 1, 'in_app_nudge', 'automated', opened_on,
       CASE WHEN learner IN ('n2', 's2') THEN 're_engaged' ELSE 'not_re_engaged' END, opened_on + 2
FROM alert WHERE rule_name = 'engagement_dip';
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
SELECT id, 3, 'coach_call', 'human', opened_on + 2 FROM alert WHERE status = 'coach_required';
-- two coaches: ada (c1 only, one case already, capacity 2) and bob (every course, capacity 1):
-- of c1's six cases one is assigned, two planned, three overflow
INSERT INTO coach (name, capacity, course) VALUES ('ada', 2, 'c1'), ('bob', 1, NULL), ('cy', 3, 'c2');
INSERT INTO coach_assignment (alert_id, coach, assigned_on)
SELECT id, 'ada', '2026-03-12' FROM alert WHERE learner = 's1' AND course = 'c1';
-- data-quality findings: about a north learner, a south learner, course c1, and no course
INSERT INTO quality_finding (check_name, check_type, severity, source, scope, course, learner, observed, expected,
                             rows, first_seen, last_seen)
VALUES ('rh_check', 'not_null', 'high', 'learning.enrolment', 'course=c1;learner=n1', 'c1', 'n1', 1, 0, 1, '2026-03-16', '2026-03-16'),
       ('rh_check', 'not_null', 'medium', 'learning.enrolment', 'course=c1;learner=s1', 'c1', 's1', 2, 0, 2, '2026-03-16', '2026-03-16'),
       ('rh_check', 'not_null', 'low', 'learning.enrolment', 'course=c1', 'c1', NULL, 3, 0, 3, '2026-03-16', '2026-03-16'),
       ('rh_outage', 'volume', 'high', 'learning.events', 'source', NULL, NULL, 10, 900, 0, '2026-03-17', '2026-03-17');

-- activity and a rollup of it by course and activity: the heatmap's data
CREATE TABLE rh_events (learner text, ts timestamptz, course text, activity text);
INSERT INTO rh_events
SELECT l, '2026-03-02 09:00+00'::timestamptz + (g % 26) * interval '1 day' + g * interval '7 minutes',
       CASE WHEN g % 3 = 0 THEN 'c2' ELSE 'c1' END, 'activity ' || (g % 7)
FROM unnest(ARRAY['n1', 'n2', 's1', 's2', 'x1']) l, generate_series(1, 60) g;
SELECT engagement_refresh('rh_events', 'learner', 'ts') AS learners;
SELECT rollup_create('rh', 'rh_events', learner_column => 'learner', course_column => 'course',
                     activity_column => 'activity') IS NOT NULL AS rollup_created;

-- the documents, one per role and tier (the table is the test's; the roles write into it)
CREATE TEMP TABLE rh_doc (who name, tier text, queue_size integer, doc text);
GRANT ALL ON rh_doc TO PUBLIC;

-- a number's oracle: the view's column in the row the key names, read with plain SQL (as the caller)
CREATE FUNCTION pg_temp.rh_view_value(source text, key text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  rel text := split_part(source, '.', 1);
  col text := split_part(source, '.', 2);
  cond text := 'true';
  kv text;
  v text;
  n bigint;
BEGIN
  FOREACH kv IN ARRAY string_to_array(key, ';') LOOP
    cond := cond || format(' AND %I::text %s', split_part(kv, '=', 1),
                           CASE WHEN substr(kv, strpos(kv, '=') + 1) = '' THEN 'IS NULL'
                                ELSE format('= %L', substr(kv, strpos(kv, '=') + 1)) END);
  END LOOP;
  EXECUTE format('SELECT count(*), min(%I::text) FROM learnalytics.%I WHERE %s', col, rel, cond) INTO n, v;
  RETURN CASE WHEN n = 1 THEN v ELSE format('(%s rows)', n) END;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.rh_view_value(text, text) TO PUBLIC;
-- the numbers of a document, with the view's value beside each
CREATE FUNCTION pg_temp.rh_nums(doc text) RETURNS TABLE (source text, key text, value text, oracle text)
LANGUAGE sql STABLE AS $$
  SELECT s, k, v, pg_temp.rh_view_value(s, k)
  FROM unnest(xpath('//*[@class="num"]/@data-source', doc::xml)::text[],
              xpath('//*[@class="num"]/@data-key', doc::xml)::text[],
              xpath('//*[@class="num"]/@data-value', doc::xml)::text[]) u(s, k, v)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.rh_nums(text) TO PUBLIC;
-- the error of a statement: SQLSTATE and message (or 'no error')
CREATE FUNCTION pg_temp.rh_err(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the documents
INSERT INTO rh_doc SELECT current_user, 'both', 20, report_html('c1', '2026-03-01', '2026-03-31');
INSERT INTO rh_doc SELECT current_user, 'both', 2, report_html('c1', '2026-03-01', '2026-03-31', queue_size => 2);
INSERT INTO rh_doc SELECT current_user, 'executive', 20, report_html('c1', '2026-03-01', '2026-03-31', 'executive');
INSERT INTO rh_doc SELECT current_user, 'operations', 20, report_html('c1', '2026-03-01', '2026-03-31', 'operations');
INSERT INTO rh_doc SELECT current_user, 'empty course', 20, report_html('no <such> & "course"', '2026-03-01', '2026-03-31');
SET ROLE la_rh_manager;
INSERT INTO rh_doc SELECT current_user, 'both', 20, report_html('c1', '2026-03-01', '2026-03-31');
RESET ROLE;
SET ROLE la_rh_analyst;
INSERT INTO rh_doc SELECT current_user, 'both', 20, report_html('c1', '2026-03-01', '2026-03-31');
RESET ROLE;

-- one well-formed document each: the doctype first, one html element with a head, title and body
SELECT who, tier, queue_size,
       xml_is_well_formed_document(doc) AS well_formed,
       doc LIKE '<!DOCTYPE html>%' AS doctype,
       (length(doc) - length(replace(doc, '<html', ''))) / 5 AS html_open,
       (length(doc) - length(replace(doc, '</html>', ''))) / 7 AS html_close,
       (xpath('count(/html/head/title)', doc::xml))[1]::text AS titles,
       (xpath('count(/html/body/header/h1)', doc::xml))[1]::text AS headers,
       (xpath('string(//strong[@class="role"])', doc::xml))[1]::text = who::text AS generated_for_the_role,
       (xpath('count(//section[@class="page executive"])', doc::xml))[1]::text AS executive_pages,
       (xpath('count(//section[@class="page operations"])', doc::xml))[1]::text AS operations_pages
FROM rh_doc ORDER BY who, tier, queue_size;

-- nothing runs, nothing is loaded: no script element, no src attribute and no href but to an anchor
-- of the document (every image is inline SVG), no url( or @import in the style sheet, no event
-- handler attribute
SELECT who, tier, queue_size,
       (xpath('count(//*[local-name()="script"])', doc::xml))[1]::text AS scripts,
       doc ~* '<script' AS script_text,
       (xpath('count(//@src | //@*[local-name()="href"][not(starts-with(., "#"))])', doc::xml))[1]::text AS src_href,
       doc ~* '(src|href)\s*=\s*["'']?\s*(https?:|//)' AS external_url,
       doc ~* 'url\(|@import' AS css_loads,
       (xpath('count(//@*[starts-with(local-name(), "on")])', doc::xml))[1]::text AS event_handlers
FROM rh_doc ORDER BY who, tier, queue_size;

-- the charts are inline: the heatmap section holds the chart, or a sentence (no rollup, or the
-- role may not read it), never both, never neither; every svg in the document is inline
SELECT who, tier,
       (xpath('count(//section[@id="heatmap"]//*[local-name()="svg"][@class="la-chart"])', doc::xml))[1]::text::int
       + (xpath('count(//section[@id="heatmap"]/p)', doc::xml))[1]::text::int AS heatmap_chart_or_sentence,
       (xpath('count(//*[local-name()="svg"][@class="la-chart"])', doc::xml))[1]::text::int > 0 AS charts,
       (xpath('count(//*[local-name()="img" or local-name()="iframe" or local-name()="object" or local-name()="embed" or local-name()="link"])',
              doc::xml))[1]::text AS external_elements
FROM rh_doc WHERE tier IN ('both', 'operations') ORDER BY who, tier, queue_size;

-- the escaping: the learner named n3 <"&'> is shown as that text (in the queue of postgres's document)
SELECT (xpath('string(//tr[starts-with(@data-learner, "n3 ")]/td[2])', doc::xml))[1]::text AS shown,
       (SELECT (xpath('string(/html/head/title)', d2.doc::xml))[1]::text FROM rh_doc d2 WHERE d2.tier = 'empty course') AS title,
       (xpath('string(//tr[starts-with(@data-learner, "n3 ")]/@data-learner)', doc::xml))[1]::text AS attribute
FROM rh_doc WHERE who = current_user AND tier = 'both' AND queue_size = 20;

-- every number = its view, read as the role that made the document; and how many there are of
-- each source (so the comparison cannot pass on an empty set)
SELECT d.who, d.tier, d.queue_size, split_part(n.source, '.', 1) AS view, count(*) AS numbers,
       count(*) FILTER (WHERE n.value IS DISTINCT FROM n.oracle) AS differ
FROM rh_doc d CROSS JOIN LATERAL pg_temp.rh_nums(d.doc) n
WHERE d.who = current_user
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
SET ROLE la_rh_manager;
SELECT d.who, split_part(n.source, '.', 1) AS view, count(*) AS numbers,
       count(*) FILTER (WHERE n.value IS DISTINCT FROM n.oracle) AS differ
FROM rh_doc d CROSS JOIN LATERAL pg_temp.rh_nums(d.doc) n
WHERE d.who = current_user
GROUP BY 1, 2 ORDER BY 1, 2;
RESET ROLE;
SET ROLE la_rh_analyst;
SELECT d.who, split_part(n.source, '.', 1) AS view, count(*) AS numbers,
       count(*) FILTER (WHERE n.value IS DISTINCT FROM n.oracle) AS differ
FROM rh_doc d CROSS JOIN LATERAL pg_temp.rh_nums(d.doc) n
WHERE d.who = current_user
GROUP BY 1, 2 ORDER BY 1, 2;
-- any number that differs, in full (none)
SELECT d.who, n.* FROM rh_doc d CROSS JOIN LATERAL pg_temp.rh_nums(d.doc) n
WHERE d.who = current_user AND n.value IS DISTINCT FROM n.oracle;
RESET ROLE;
SELECT d.who, n.* FROM rh_doc d CROSS JOIN LATERAL pg_temp.rh_nums(d.doc) n
WHERE d.who = current_user AND n.value IS DISTINCT FROM n.oracle;

-- the queue rows = coach_queue of the course (as the role), in queue order, the first queue_size
CREATE FUNCTION pg_temp.rh_queue_check(doc text, n integer) RETURNS TABLE (shown text, oracle text, equal boolean)
LANGUAGE sql STABLE AS $$
  SELECT s, o, s = o
  FROM (SELECT array_to_string(xpath('//tr[contains(@class, "queue-row")]/@data-alert-id', doc::xml)::text[], ',') AS s) a,
       (SELECT string_agg(alert_id::text, ',' ORDER BY ord) AS o
          FROM (SELECT alert_id, row_number() OVER (ORDER BY queue_rank NULLS LAST, alert_id) AS ord
                  FROM learnalytics.coach_queue WHERE course = 'c1') q WHERE ord <= n) b
$$;
GRANT EXECUTE ON FUNCTION pg_temp.rh_queue_check(text, integer) TO PUBLIC;
-- ... shown as learners (the oracle's learners in the same order)
SELECT who, queue_size,
       array_to_string(xpath('//tr[contains(@class, "queue-row")]/@data-learner', doc::xml)::text[], ',') AS learners,
       array_to_string(xpath('//tr[contains(@class, "queue-row overflow")]/@data-learner', doc::xml)::text[], ',') AS overflow
FROM rh_doc WHERE tier = 'both' ORDER BY who, queue_size;
SELECT who, queue_size, q.equal, q.shown <> '' AS not_empty FROM rh_doc, pg_temp.rh_queue_check(doc, queue_size) q
WHERE who = current_user AND tier = 'both' ORDER BY queue_size;
SET ROLE la_rh_manager;
SELECT who, queue_size, q.equal, q.shown <> '' AS not_empty FROM rh_doc, pg_temp.rh_queue_check(doc, queue_size) q
WHERE who = current_user;
RESET ROLE;
SET ROLE la_rh_analyst;
SELECT who, queue_size, q.equal, q.shown <> '' AS not_empty FROM rh_doc, pg_temp.rh_queue_check(doc, queue_size) q
WHERE who = current_user;
RESET ROLE;
-- the reasons of the queue are learner_risk_state's
SELECT bool_and(r.reason IS NOT NULL AND r.reason = x.shown) AS reasons_equal, count(*) AS rows
FROM rh_doc d
CROSS JOIN LATERAL unnest(xpath('//tr[contains(@class, "queue-row")]/@data-learner', d.doc::xml)::text[],
                          xpath('//tr[contains(@class, "queue-row")]/td[@class="reason"]/text()', d.doc::xml)::text[]) x(learner, shown)
LEFT JOIN learner_risk_state r ON r.learner = replace(replace(replace(replace(replace(x.learner, '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&amp;', '&')
                              AND r.course = 'c1'
WHERE d.who = current_user AND d.tier = 'both' AND d.queue_size = 20;

-- row-level security as the real role: the manager's document names only north's learners (the
-- learners anywhere in it: queue rows and any text), the analyst's names south's too
SELECT d.who,
       array_to_string(xpath('//@data-learner', d.doc::xml)::text[], ',') AS learners_in_queue,
       d.doc LIKE '%data-learner="s1"%' OR d.doc LIKE '%>s1<%' AS names_s1,
       d.doc LIKE '%data-learner="x1"%' OR d.doc LIKE '%>x1<%' AS names_x1
FROM rh_doc d WHERE d.tier = 'both' AND d.queue_size = 20 ORDER BY d.who;

-- a section the role may not read is a sentence: the manager (a viewer) reads neither
-- alert_effectiveness nor quality_findings; the analyst reads both
SELECT d.who, s.id,
       (xpath(format('count(//section[@id="%s"]//p[@class="denied"])', s.id), d.doc::xml))[1]::text AS denied,
       (xpath(format('count(//section[@id="%s"]//table)', s.id), d.doc::xml))[1]::text AS tables
FROM rh_doc d, unnest(ARRAY['queue', 'coach-load', 'ladder', 'quality', 'quality-findings']) s(id)
WHERE d.tier = 'both' AND d.queue_size = 20 AND d.who IN ('la_rh_manager', 'la_rh_analyst')
ORDER BY d.who, s.id;
SELECT (xpath('string(//section[@id="ladder"]//p[@class="denied"])', doc::xml))[1]::text AS sentence
FROM rh_doc WHERE who = 'la_rh_manager';
-- the manager's quality counts leave out the south learner's finding (quality_status's filter)
SELECT d.who, (xpath('string(//span[@data-source="quality_status.open"][@data-key="source=learning.enrolment;course=c1"]/@data-value)',
                     d.doc::xml))[1]::text AS open_enrolment_findings
FROM rh_doc d WHERE d.tier = 'both' AND d.queue_size = 20 ORDER BY d.who;

-- a role that is no viewer may not run the report
CREATE ROLE la_rh_nobody;
SET ROLE la_rh_nobody;
SELECT pg_temp.rh_err($$SELECT learnalytics.report_html('c1', '2026-03-01', '2026-03-31')$$);
RESET ROLE;

-- bad arguments: 22023 naming the argument
SELECT pg_temp.rh_err(format('SELECT learnalytics.report_html(%s)', a)) AS error
FROM unnest(ARRAY[$$'c1', '2026-03-01', '2026-03-31', 'exec'$$,
                  $$'c1', '2026-03-01', '2026-03-31', NULL$$,
                  $$'c1', '2026-03-01', '2026-03-31', 'Both'$$,
                  $$'c1', '2026-03-01', '2026-03-31', queue_size => 0$$,
                  $$'c1', '2026-03-01', '2026-03-31', queue_size => NULL$$,
                  $$'c1', '2026-03-31', '2026-03-01'$$,
                  $$'c1', NULL, '2026-03-01'$$,
                  $$'c1', '-infinity', '2026-03-01'$$,
                  $$NULL, '2026-03-01', '2026-03-31'$$]) a;

-- the labels are right: volatility, parallel safety (the sections' exception blocks are subtransactions,
-- which parallel mode forbids), security, search_path
SELECT p.oid::regprocedure, p.provolatile, p.proparallel, p.prosecdef, p.proconfig
FROM pg_proc p WHERE p.proname IN ('report_html', 'report_operations', 'report_denied', 'report_bar', 'report_css')
ORDER BY p.proname;
ROLLBACK;
