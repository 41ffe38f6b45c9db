--
-- roi: Phillips-style ROI summaries: published cases, item adjustments, accessors, conservative rules
--
-- published case 1: benefits 750,000 vs fully loaded costs 425,000 -> BCR 1.76, ROI 76%
CREATE TEMP TABLE roi_case1 AS
SELECT la_roi_agg(kind, label, amount, iso, conf, 'USD') AS s
FROM (VALUES ('benefit', 'sales margin', 750000::numeric, 1::numeric, 1::numeric),
             ('cost', 'design', 125000, NULL, NULL),
             ('cost', 'delivery', 300000, NULL, NULL)) v(kind, label, amount, iso, conf);
SELECT total_benefits(s), adjusted_benefits(s), total_costs(s), net_benefits(s),
       round(benefit_cost_ratio(s), 2) AS bcr, round(roi_percent(s)) AS roi_pct,
       benefit_cost_ratio(s) AS bcr_exact, roi_percent(s) AS roi_exact, roi_note(s)
FROM roi_case1;
-- the unrounded values are the exact quotients 750000/425000 and 325000/425000*100
SELECT benefit_cost_ratio(s) = round(750000::numeric / 425000, 16) AS bcr_exact,
       roi_percent(s) = round(32500000::numeric / 425000, 16) AS roi_exact
FROM roi_case1;

-- published case 2: benefits 60,000 vs costs 20,000 -> BCR 3, net benefits 40,000, ROI 200%
SELECT benefit_cost_ratio(s) AS bcr, net_benefits(s), roi_percent(s), payback_months(s)
FROM (SELECT la_roi_agg(kind, label, amount, iso, conf, 'EUR') AS s
      FROM (VALUES ('benefit', 'fewer defects', 60000::numeric, 1::numeric, 1::numeric),
                   ('cost', 'delivery', 20000, NULL, NULL)) v(kind, label, amount, iso, conf)) x;

-- item-level adjustments, hand-computed: adjusted = value x isolation x confidence, each item
-- rounded half away from zero to 0.0001 of the currency unit
--   1) 120,000 x 0.60 x 0.80           = 57,600
--   2)  50,000 x 0.25 x 0.70           =  8,750
--   3)  10,000.00 x 0.333 x 0.9        =  2,997
--   4)       1.00005 x 1 x 1           =      1.0001 (half away from zero; raw value too)
--   5)       0.0003 x 0.5 x 0.5        =      0.0001 (0.000075 rounds up)
--   6)       0.0001 x 0.5 x 0.9        =      0.0000 (0.000045 rounds down)
--   adjusted total = 57,600 + 8,750 + 2,997 + 1.0001 + 0.0001 + 0 = 69,348.0002
--   unadjusted total = 120,000 + 50,000 + 10,000 + 1.0001 + 0.0003 + 0.0001 = 180,001.0005
CREATE TEMP TABLE roi_items (id int, kind text, label text, amount numeric, iso numeric, conf numeric);
INSERT INTO roi_items VALUES
  (1, 'benefit', 'conversion', 120000, 0.60, 0.80),
  (2, 'benefit', 'retention', 50000, 0.25, 0.70),
  (3, 'benefit', 'quality', 10000.00, 0.333, 0.9),
  (4, 'benefit', 'tiny', 1.00005, 1, 1),
  (5, 'benefit', 'tinier', 0.0003, 0.5, 0.5),
  (6, 'benefit', 'tiniest', 0.0001, 0.5, 0.9),
  (7, 'benefit', 'survey not returned', NULL, 0.5, 0.5),
  (8, 'extreme', 'one rep''s outlier claim', 2500000, 0.9, 0.9),
  (9, 'intangible', 'employee engagement', NULL, NULL, NULL),
  (10, 'intangible', 'customer satisfaction', NULL, NULL, NULL),
  (11, 'intangible', 'employee engagement', NULL, NULL, NULL),
  (12, 'cost', 'needs_analysis', 2000, NULL, NULL),
  (13, 'cost', 'design', 5000.50, NULL, NULL),
  (14, 'cost', 'development', 12000, NULL, NULL),
  (15, 'cost', 'delivery', 8000, NULL, NULL),
  (16, 'cost', 'platform_licences', 3000, NULL, NULL),
  (17, 'cost', 'participant_time', 9500.25, NULL, NULL),
  (18, 'cost', 'coaching', 1500, NULL, NULL),
  (19, 'cost', 'evaluation', 2000, NULL, NULL),
  (20, 'cost', 'overhead', 1000, NULL, NULL),
  (21, 'cost', 'delivery', 500, NULL, NULL),
  (22, NULL, 'ignored: no kind', 999, 1, 1);
CREATE TEMP TABLE roi_s AS
SELECT la_roi_agg(kind, label, amount, iso, conf, 'GBP') AS s FROM roi_items;
SELECT s FROM roi_s;
SELECT total_benefits(s), adjusted_benefits(s), excluded_benefits(s), total_costs(s),
       net_benefits(s), currency(s), intangibles(s)
FROM roi_s;
-- total costs 44,500.75; net 69,348.0002 - 44,500.75 = 24,847.2502
SELECT adjusted_benefits(s) = 69348.0002 AS adjusted_ok, total_benefits(s) = 180001.0005 AS raw_ok,
       total_costs(s) = 44500.75 AS costs_ok, net_benefits(s) = 24847.2502 AS net_ok
FROM roi_s;
SELECT (item_counts(s)).* FROM roi_s;
SELECT b.* FROM roi_s, cost_breakdown(s) b;
SELECT cost(s, 'delivery') AS delivery, cost(s, 'coaching') AS coaching FROM roi_s;
SELECT round(roi_percent(s), 4) AS roi_pct, round(benefit_cost_ratio(s), 4) AS bcr,
       round(payback_months(s), 4) AS payback FROM roi_s;
-- payback: 44,500.75 x 12 / 69,348.0002 months
SELECT payback_months(s) = round(44500.75 * 12 / 69348.0002, 16) AS payback_ok FROM roi_s;

-- zero total cost: ROI and BCR are NULL with a stated reason, never a division error
SELECT roi_percent(s), benefit_cost_ratio(s), roi_note(s), payback_months(s)
FROM (SELECT la_roi_agg('benefit', NULL, 1000, 1, 1, 'USD') AS s) x;
SELECT roi_percent(s), benefit_cost_ratio(s), roi_note(s), payback_months(s)
FROM (SELECT la_roi_agg(kind, label, amount, NULL, NULL, 'USD') AS s
      FROM (VALUES ('cost', 'delivery', 0::numeric)) v(kind, label, amount)) x;
-- no benefit at all: the program never pays back
SELECT roi_percent(s), payback_months(s)
FROM (SELECT la_roi_agg('cost', 'delivery', 100, NULL, NULL, 'USD') AS s) x;
-- only missing measurements: counted, no improvement
SELECT total_benefits(s), (item_counts(s)).missing_items
FROM (SELECT la_roi_agg('benefit', NULL, NULL, 1, 1, 'USD') AS s FROM generate_series(1, 3)) x;
-- a negative benefit (the metric got worse) is kept, adjusted, and lowers the benefits
SELECT adjusted_benefits(la_roi_agg(kind, NULL, amount, 0.5, 0.5, 'USD'))
FROM (VALUES ('benefit', 1000::numeric), ('benefit', -400)) v(kind, amount);
-- empty input and all-NULL kinds give NULL (skipped rows)
SELECT la_roi_agg(kind, NULL, NULL, NULL, NULL, NULL) IS NULL AS empty_is_null
FROM (VALUES (NULL::text)) v(kind);
SELECT la_roi_agg('benefit', NULL, 1, 1, 1, 'USD') IS NULL AS no_rows_is_null FROM roi_items WHERE false;
-- only intangibles: no currency, no money
SELECT currency(s), total_costs(s), intangibles(s), roi_note(s)
FROM (SELECT la_roi_agg('intangible', 'teamwork', NULL, NULL, NULL, NULL) AS s) x;

-- the stated extreme-item rule: Tukey's far-out fences (k = 3) over the items' values
SELECT v, is_extreme(v, 100, 200) AS extreme
FROM unnest(ARRAY[-201, -200, 150, 500, 501]::numeric[]) v;

-- large exact amounts: sums stay exact at 0.0001
SELECT total_benefits(la_roi_agg('benefit', NULL, 900000000000.0001, 1, 1, 'JPY'))
FROM generate_series(1, 1000);

DROP TABLE roi_case1, roi_items, roi_s;
