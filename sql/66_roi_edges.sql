--
-- roi_summary at the edges: item counts whose sum would wrap, money without a currency, the
-- currency read before its length is known, sums out of range (22003 naming the field), and
-- text and binary round trips of extreme values
--
\set VERBOSITY default
CREATE FUNCTION roi_text(cur text, nb text, nm text, ne text, nc text, ni text,
                         ben text, adj text, ext text, costs text[], names text)
RETURNS text LANGUAGE sql AS $$
  SELECT format('v1 cur=%s benefit_items=%s missing_items=%s extreme_items=%s cost_items=%s '
                'intangible_items=%s benefits=%s adjusted=%s extreme=%s needs_analysis=%s design=%s '
                'development=%s delivery=%s platform_licences=%s participant_time=%s coaching=%s '
                'evaluation=%s overhead=%s intangibles={%s}',
                cur, nb, nm, ne, nc, ni, ben, adj, ext, costs[1], costs[2], costs[3], costs[4],
                costs[5], costs[6], costs[7], costs[8], costs[9], names)
$$;
CREATE FUNCTION zero9() RETURNS text[] LANGUAGE sql AS $$ SELECT array_fill('0.0000'::text, ARRAY[9]) $$;

-- item counts that add up to 2^64 (0 when wrapped): money, but no currency
SELECT roi_text('-', '9223372036854775807', '0', '2', '9223372036854775807', '0',
                '5.0000', '5.0000', '1.0000', zero9(), '')::roi_summary;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the same through binary input (recv): counts at bytes 11, 27 and 35 of the send form
CREATE TABLE carrier (b bytea);
INSERT INTO carrier
SELECT overlay(overlay(overlay(overlay(overlay(learnalytics_internal.la_roi_send(roi_text('-', '0', '0', '0', '0', '0',
         '0.0000', '0.0000', '0.0000', zero9(), '')::roi_summary)
       PLACING '\x7fffffffffffffff'::bytea FROM 11) PLACING '\x0000000000000002'::bytea FROM 27)
       PLACING '\x7fffffffffffffff'::bytea FROM 35) PLACING '\x00000000002faf08'::bytea FROM 51)
       PLACING '\x00000000002faf08'::bytea FROM 59);
SELECT '/tmp/learnalytics_regress_roi66_' || pg_backend_pid() || '.bin' AS bin_file \gset
COPY carrier TO :'bin_file' WITH (FORMAT binary);
CREATE TABLE landing (s roi_summary);
COPY landing FROM :'bin_file' WITH (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS stored FROM landing;
-- accepted, it would combine silently with a USD summary (taking its currency)
SELECT learnalytics_internal.la_roi_combine(roi_text('-', '9223372036854775807', '0', '2', '9223372036854775807', '0',
                               '5.0000', '5.0000', '1.0000', zero9(), '')::roi_summary,
                      (SELECT la_roi_agg('extreme', NULL, 1, NULL, NULL, 'USD')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- currency spellings: every byte is checked before the next is read
SELECT 'v1 cur='::roi_summary;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'v1 cur=U'::roi_summary;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'v1 cur=US'::roi_summary;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'v1 cur=USD'::roi_summary;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'v1 cur=USDX benefit_items=0'::roi_summary;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'v1 cur=U D benefit_items=0'::roi_summary;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'v1 cur=-X benefit_items=0'::roi_summary;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- counts and sums out of range in combine: each named
CREATE TABLE roi_big (id int, s roi_summary);
INSERT INTO roi_big
SELECT id, t::roi_summary FROM (VALUES
  (1, roi_text('USD', '9223372036854775807', '0', '0', '0', '0',
               '1.0000', '1.0000', '0.0000', zero9(), '')),
  (2, roi_text('USD', '1', '0', '0', '0', '0', '1.0000', '1.0000', '0.0000', zero9(), '')),
  (3, roi_text('USD', '0', '0', '1', '9223372036854775806', '0', '0.0000', '0.0000', '1.0000',
               zero9(), '')),
  (4, roi_text('USD', '1', '0', '0', '0', '0',
               '922337203685477.5807', '922337203685477.5807', '0.0000', zero9(), '')),
  (5, roi_text('USD', '0', '0', '0', '1', '0', '0.0000', '0.0000', '0.0000',
               ARRAY['922337203685477.5807', '0.0000', '0.0000', '0.0000', '0.0000', '0.0000',
                     '0.0000', '0.0000', '0.0000'], '')),
  (6, roi_text('-', '0', '0', '0', '0', '9223372036854775807', '0.0000', '0.0000', '0.0000',
               zero9(), '"a"')),
  (7, roi_text('USD', '1', '0', '0', '0', '0',
               '-922337203685477.5808', '-922337203685477.5808', '0.0000', zero9(), '')),
  (8, roi_text('USD', '0', '0', '0', '1', '0', '0.0000', '0.0000', '0.0000',
               ARRAY['0.0000', '922337203685477.5807', '0.0000', '0.0000', '0.0000', '0.0000',
                     '0.0000', '0.0000', '0.0000'], ''))) v(id, t);
SELECT id, s FROM roi_big ORDER BY id;
SELECT learnalytics_internal.la_roi_combine(a.s, b.s) FROM roi_big a, roi_big b WHERE a.id = 1 AND b.id = 2;  -- benefit_items
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT learnalytics_internal.la_roi_combine(a.s, b.s) FROM roi_big a, roi_big b WHERE a.id = 1 AND b.id = 3;  -- money items
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT learnalytics_internal.la_roi_combine(a.s, b.s) FROM roi_big a, roi_big b WHERE a.id = 4 AND b.id = 2;  -- benefits
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT learnalytics_internal.la_roi_combine(a.s, b.s) FROM roi_big a, roi_big b WHERE a.id = 5 AND b.id = 5;  -- needs_analysis
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT learnalytics_internal.la_roi_combine(a.s, b.s) FROM roi_big a, roi_big b WHERE a.id = 5 AND b.id = 8;  -- total costs
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT learnalytics_internal.la_roi_combine(a.s, b.s) FROM roi_big a, roi_big b WHERE a.id = 6 AND b.id = 6;  -- intangible_items
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT learnalytics_internal.la_roi_combine(a.s, b.s) FROM roi_big a, roi_big b WHERE a.id = 7 AND b.id = 7;  -- benefits, down
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT la_merge_agg(s) FROM roi_big WHERE id IN (1, 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the text input refuses a summary whose cost total is out of range (the accessors could not read it)
SELECT roi_text('USD', '0', '0', '0', '2', '0', '0.0000', '0.0000', '0.0000',
                ARRAY['922337203685477.5807', '0.0000', '0.0000', '0.0000', '0.0000', '0.0000',
                      '0.0000', '0.0000', '0.0001'], '')::roi_summary;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- accessors at the limits: exact, or 22003 naming the field
SELECT id, total_benefits(s), adjusted_benefits(s), total_costs(s), excluded_benefits(s)
FROM roi_big ORDER BY id;
SELECT net_benefits(s) FROM roi_big WHERE id = 7 OR id = 4 ORDER BY id;
SELECT net_benefits(learnalytics_internal.la_roi_combine(a.s, b.s)) FROM roi_big a, roi_big b WHERE a.id = 7 AND b.id = 5;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT roi_percent(s), benefit_cost_ratio(s), payback_months(s) FROM roi_big WHERE id = 5;
SELECT (item_counts(s)).* FROM roi_big ORDER BY id;

-- text and binary round trips of every one of them
SELECT id, s::text::roi_summary::text = s::text AS text_round_trip FROM roi_big ORDER BY id;
COPY roi_big TO :'bin_file' WITH (FORMAT binary);
CREATE TABLE roi_big2 (LIKE roi_big);
COPY roi_big2 FROM :'bin_file' WITH (FORMAT binary);
\! rm -f /tmp/learnalytics_regress_roi66_*.bin
SELECT a.id, a.s::text = b.s::text AS binary_round_trip, learnalytics_internal.la_roi_send(a.s) = learnalytics_internal.la_roi_send(b.s) AS same_bytes
FROM roi_big a JOIN roi_big2 b USING (id) ORDER BY 1;

DROP TABLE carrier, landing, roi_big, roi_big2;
DROP FUNCTION roi_text(text, text, text, text, text, text, text, text, text, text[], text);
DROP FUNCTION zero9();
