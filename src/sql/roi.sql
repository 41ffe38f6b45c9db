
-------------------------------------------------------------------------------
-- roi: Phillips-style ROI summaries (C), group comparisons (C, libRmath), money from effects
-------------------------------------------------------------------------------

-- roi_summary: a storable, combinable ROI accumulation. Its state is a real SQL type (never
-- `internal`) so that Citus can ship partial states through its lossless text form.
CREATE TYPE @extschema@.roi_summary;

CREATE FUNCTION learnalytics_internal.la_roi_in(cstring) RETURNS @extschema@.roi_summary
AS 'MODULE_PATHNAME', 'la_roi_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_roi_out(@extschema@.roi_summary) RETURNS cstring
AS 'MODULE_PATHNAME', 'la_roi_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_roi_recv(internal) RETURNS @extschema@.roi_summary
AS 'MODULE_PATHNAME', 'la_roi_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_roi_send(@extschema@.roi_summary) RETURNS bytea
AS 'MODULE_PATHNAME', 'la_roi_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.roi_summary (
  INPUT = learnalytics_internal.la_roi_in,
  OUTPUT = learnalytics_internal.la_roi_out,
  RECEIVE = learnalytics_internal.la_roi_recv,
  SEND = learnalytics_internal.la_roi_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);

COMMENT ON TYPE @extschema@.roi_summary IS
'Phillips-style ROI accumulation: benefits (unadjusted and adjusted by isolation x confidence), fully loaded costs by category, intangibles; exact money, combinable (doc/roi.md)';
COMMENT ON FUNCTION learnalytics_internal.la_roi_in(cstring) IS
'text input of roi_summary (validated: a forged or inconsistent value is rejected)';
COMMENT ON FUNCTION learnalytics_internal.la_roi_out(@extschema@.roi_summary) IS
'text output of roi_summary (lossless: reads back to the same value)';
COMMENT ON FUNCTION learnalytics_internal.la_roi_recv(internal) IS
'binary input of roi_summary (validated like the text input)';
COMMENT ON FUNCTION learnalytics_internal.la_roi_send(@extschema@.roi_summary) IS
'binary output of roi_summary (network byte order, format version first)';

-- Transition function: one benefit, extreme, cost or intangible item per row.
CREATE FUNCTION learnalytics_internal.la_roi_sfunc(
  @extschema@.roi_summary, kind text, label text, amount numeric, isolation numeric,
  confidence numeric, currency text)
RETURNS @extschema@.roi_summary
AS 'MODULE_PATHNAME', 'la_roi_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION learnalytics_internal.la_roi_sfunc(@extschema@.roi_summary, text, text, numeric, numeric, numeric, text) IS
'transition function of la_roi_agg: adds one benefit, extreme, cost or intangible item';

CREATE FUNCTION learnalytics_internal.la_roi_combine(@extschema@.roi_summary, @extschema@.roi_summary)
RETURNS @extschema@.roi_summary
AS 'MODULE_PATHNAME', 'la_roi_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION learnalytics_internal.la_roi_combine(@extschema@.roi_summary, @extschema@.roi_summary) IS
'merge two ROI summaries (exact sums; the same result in any order); rejects mixed currencies';

CREATE AGGREGATE @extschema@.la_roi_agg(
  kind text, label text, amount numeric, isolation numeric, confidence numeric, currency text) (
  SFUNC = learnalytics_internal.la_roi_sfunc,
  STYPE = @extschema@.roi_summary,
  COMBINEFUNC = learnalytics_internal.la_roi_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.la_roi_agg(text, text, numeric, numeric, numeric, text) IS
'ROI summary of benefit/extreme/cost/intangible items (kind, label, amount, isolation, confidence, currency); NULL kind skips a row; no rows give NULL';

CREATE AGGREGATE @extschema@.la_merge_agg(@extschema@.roi_summary) (
  SFUNC = learnalytics_internal.la_roi_combine,
  STYPE = @extschema@.roi_summary,
  COMBINEFUNC = learnalytics_internal.la_roi_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.la_merge_agg(@extschema@.roi_summary) IS
'roll ROI summaries up across programs, sites or periods (NULL summaries are skipped)';

-- Accessors (nouns).
CREATE FUNCTION @extschema@.total_benefits(@extschema@.roi_summary) RETURNS numeric
AS 'MODULE_PATHNAME', 'la_roi_total_benefits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_benefits(@extschema@.roi_summary) IS
'sum of the unadjusted benefit values (currency units, 4 decimals)';

CREATE FUNCTION @extschema@.adjusted_benefits(@extschema@.roi_summary) RETURNS numeric
AS 'MODULE_PATHNAME', 'la_roi_adjusted_benefits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.adjusted_benefits(@extschema@.roi_summary) IS
'sum of value x isolation x confidence, each item rounded half away from zero to 0.0001';

CREATE FUNCTION @extschema@.excluded_benefits(@extschema@.roi_summary) RETURNS numeric
AS 'MODULE_PATHNAME', 'la_roi_excluded_benefits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.excluded_benefits(@extschema@.roi_summary) IS
'unadjusted value of the benefit items excluded as extreme (never part of the benefits)';

CREATE FUNCTION @extschema@.total_costs(@extschema@.roi_summary) RETURNS numeric
AS 'MODULE_PATHNAME', 'la_roi_total_costs' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_costs(@extschema@.roi_summary) IS
'fully loaded costs, all categories';

CREATE FUNCTION @extschema@.net_benefits(@extschema@.roi_summary) RETURNS numeric
AS 'MODULE_PATHNAME', 'la_roi_net_benefits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.net_benefits(@extschema@.roi_summary) IS
'adjusted benefits minus total costs';

CREATE FUNCTION @extschema@.roi_percent(@extschema@.roi_summary) RETURNS numeric
AS 'MODULE_PATHNAME', 'la_roi_percent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roi_percent(@extschema@.roi_summary) IS
'ROI %: net benefits / total costs x 100; NULL when the total cost is zero (see roi_note)';

CREATE FUNCTION @extschema@.benefit_cost_ratio(@extschema@.roi_summary) RETURNS numeric
AS 'MODULE_PATHNAME', 'la_roi_bcr' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.benefit_cost_ratio(@extschema@.roi_summary) IS
'BCR: adjusted benefits / total costs; NULL when the total cost is zero (see roi_note)';

CREATE FUNCTION @extschema@.payback_months(@extschema@.roi_summary) RETURNS numeric
AS 'MODULE_PATHNAME', 'la_roi_payback_months' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.payback_months(@extschema@.roi_summary) IS
'payback period in months: total costs / (annual adjusted benefits / 12); NULL when benefits are not positive or the total cost is zero';

CREATE FUNCTION @extschema@.roi_note(@extschema@.roi_summary) RETURNS text
AS 'MODULE_PATHNAME', 'la_roi_note' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roi_note(@extschema@.roi_summary) IS
'why roi_percent and benefit_cost_ratio are NULL (zero total cost), or NULL when they are defined';

CREATE FUNCTION @extschema@.cost(@extschema@.roi_summary, category text) RETURNS numeric
AS 'MODULE_PATHNAME', 'la_roi_cost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cost(@extschema@.roi_summary, text) IS
'cost of one category (needs_analysis, design, development, delivery, platform_licences, participant_time, coaching, evaluation, overhead)';

CREATE FUNCTION @extschema@.cost_breakdown(@extschema@.roi_summary, OUT category text, OUT amount numeric)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'la_roi_cost_breakdown' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 9;
COMMENT ON FUNCTION @extschema@.cost_breakdown(@extschema@.roi_summary) IS
'one row per cost category, in a fixed order, with its amount';

CREATE FUNCTION @extschema@.intangibles(@extschema@.roi_summary) RETURNS text[]
AS 'MODULE_PATHNAME', 'la_roi_intangibles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.intangibles(@extschema@.roi_summary) IS
'the distinct intangible benefits recorded (listed, never monetized), sorted';

CREATE FUNCTION @extschema@.currency(@extschema@.roi_summary) RETURNS text
AS 'MODULE_PATHNAME', 'la_roi_currency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.currency(@extschema@.roi_summary) IS
'ISO 4217 currency of the summary, NULL while it holds no money item';

CREATE FUNCTION @extschema@.item_counts(@extschema@.roi_summary,
  OUT benefit_items bigint, OUT missing_items bigint, OUT extreme_items bigint,
  OUT cost_items bigint, OUT intangible_items bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'la_roi_counts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.item_counts(@extschema@.roi_summary) IS
'items counted: benefit (with missing), missing (no value: no improvement), extreme (excluded), cost, intangible';

-- Extreme-item rule (Tukey's far-out fences): a benefit value beyond Q1 - k*IQR or Q3 + k*IQR,
-- k = 3 by default, is extreme and is passed to la_roi_agg with kind 'extreme'.
CREATE FUNCTION @extschema@.is_extreme(value numeric, q1 numeric, q3 numeric, k numeric DEFAULT 3)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT value OPERATOR(pg_catalog.<) (q1 OPERATOR(pg_catalog.-) (k OPERATOR(pg_catalog.*) (q3 OPERATOR(pg_catalog.-) q1)))
      OR value OPERATOR(pg_catalog.>) (q3 OPERATOR(pg_catalog.+) (k OPERATOR(pg_catalog.*) (q3 OPERATOR(pg_catalog.-) q1)))
$$;
COMMENT ON FUNCTION @extschema@.is_extreme(numeric, numeric, numeric, numeric) IS
'the stated extreme-item rule: value outside [q1 - k*(q3-q1), q3 + k*(q3-q1)] (Tukey far-out fences, k = 3)';

-- Comparisons (C, t distribution from libRmath).
CREATE FUNCTION @extschema@.welch_test(
  mean_a float8, sd_a float8, n_a bigint, mean_b float8, sd_b float8, n_b bigint,
  confidence float8 DEFAULT 0.95,
  OUT difference float8, OUT std_error float8, OUT df float8, OUT t float8, OUT p_value float8,
  OUT ci_low float8, OUT ci_high float8, OUT conservative_effect float8)
RETURNS record
AS 'MODULE_PATHNAME', 'la_welch_test' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.welch_test(float8, float8, bigint, float8, float8, bigint, float8) IS
'Welch two-sample comparison of group a (trained) minus b (comparison) from means, sample sds and sizes: interval, two-sided p-value, conservative effect (interval bound closest to zero)';

CREATE FUNCTION @extschema@.diff_in_diff(
  trained_before_mean float8, trained_before_sd float8, trained_before_n bigint,
  trained_after_mean float8, trained_after_sd float8, trained_after_n bigint,
  comparison_before_mean float8, comparison_before_sd float8, comparison_before_n bigint,
  comparison_after_mean float8, comparison_after_sd float8, comparison_after_n bigint,
  confidence float8 DEFAULT 0.95,
  OUT estimate float8, OUT std_error float8, OUT df float8, OUT t float8, OUT p_value float8,
  OUT ci_low float8, OUT ci_high float8, OUT conservative_effect float8)
RETURNS record
AS 'MODULE_PATHNAME', 'la_diff_in_diff' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.diff_in_diff(float8, float8, bigint, float8, float8, bigint, float8, float8, bigint, float8, float8, bigint, float8) IS
'difference-in-differences (trained after - before) - (comparison after - before) over four independent groups, Welch-Satterthwaite df, interval, p-value, conservative effect';

-------------------------------------------------------------------------------
-- stats_summary: a combinable summary of a sample (n, mean, Welford's m2, min, max) that the group
-- comparisons take, so that groups are built with la_stats_agg ... FILTER or GROUP BY, merged with
-- la_merge_agg across sites, periods or shards, and compared without going back to the rows.
-- Like roi_summary, its state is a real SQL type (never `internal`), so parallel query and Citus
-- ship partial states through its lossless text form (doc/roi.md, "Reference: comparisons").
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.stats_summary;

CREATE FUNCTION learnalytics_internal.la_stats_in(cstring) RETURNS @extschema@.stats_summary
AS 'MODULE_PATHNAME', 'la_stats_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_stats_out(@extschema@.stats_summary) RETURNS cstring
AS 'MODULE_PATHNAME', 'la_stats_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_stats_recv(internal) RETURNS @extschema@.stats_summary
AS 'MODULE_PATHNAME', 'la_stats_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_stats_send(@extschema@.stats_summary) RETURNS bytea
AS 'MODULE_PATHNAME', 'la_stats_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.stats_summary (
  INPUT = learnalytics_internal.la_stats_in,
  OUTPUT = learnalytics_internal.la_stats_out,
  RECEIVE = learnalytics_internal.la_stats_recv,
  SEND = learnalytics_internal.la_stats_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);

COMMENT ON TYPE @extschema@.stats_summary IS
'summary of a sample of float8 values: count, mean, sum of squared deviations (Welford), min, max; combinable with la_merge_agg, input to welch_test and diff_in_diff (doc/roi.md)';
COMMENT ON FUNCTION learnalytics_internal.la_stats_in(cstring) IS
'text input of stats_summary, a JSON object {"n":..,"mean":..,"m2":..,"min":..,"max":..} (validated: an inconsistent value is rejected naming the field)';
COMMENT ON FUNCTION learnalytics_internal.la_stats_out(@extschema@.stats_summary) IS
'text output of stats_summary (floats shortest-exact: reads back to the same bits)';
COMMENT ON FUNCTION learnalytics_internal.la_stats_recv(internal) IS
'binary input of stats_summary (validated like the text input)';
COMMENT ON FUNCTION learnalytics_internal.la_stats_send(@extschema@.stats_summary) IS
'binary output of stats_summary (format word, n, mean, m2, min, max in network byte order)';

-- Transition function: one value per row (NULL skipped; NaN and infinities rejected).
CREATE FUNCTION learnalytics_internal.la_stats_sfunc(@extschema@.stats_summary, value float8)
RETURNS @extschema@.stats_summary
AS 'MODULE_PATHNAME', 'la_stats_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnalytics_internal.la_stats_sfunc(@extschema@.stats_summary, float8) IS
'transition function of la_stats_agg: adds one value (Welford''s update); NULL is skipped, NaN and infinities are an error';

CREATE FUNCTION learnalytics_internal.la_stats_combine(@extschema@.stats_summary, @extschema@.stats_summary)
RETURNS @extschema@.stats_summary
AS 'MODULE_PATHNAME', 'la_stats_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnalytics_internal.la_stats_combine(@extschema@.stats_summary, @extschema@.stats_summary) IS
'merge two stats summaries (Chan, Golub and LeVeque): exact count, min and max; mean and m2 to rounding';

CREATE AGGREGATE @extschema@.la_stats_agg(value float8) (
  SFUNC = learnalytics_internal.la_stats_sfunc,
  STYPE = @extschema@.stats_summary,
  COMBINEFUNC = learnalytics_internal.la_stats_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.la_stats_agg(float8) IS
'stats_summary of the values (NULLs skipped; no rows give NULL; NaN or infinity is an error)';

CREATE AGGREGATE @extschema@.la_merge_agg(@extschema@.stats_summary) (
  SFUNC = learnalytics_internal.la_stats_combine,
  STYPE = @extschema@.stats_summary,
  COMBINEFUNC = learnalytics_internal.la_stats_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.la_merge_agg(@extschema@.stats_summary) IS
'merge stats summaries across sites, periods or shards into the summary of all their values (NULL summaries are skipped)';

-- Accessors (nouns). min/max would shadow the built-in aggregates' names: min_val, max_val.
CREATE FUNCTION @extschema@.num_vals(@extschema@.stats_summary) RETURNS bigint
AS 'MODULE_PATHNAME', 'la_stats_num_vals' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.num_vals(@extschema@.stats_summary) IS
'number of values summarized';

CREATE FUNCTION @extschema@.mean(@extschema@.stats_summary) RETURNS float8
AS 'MODULE_PATHNAME', 'la_stats_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mean(@extschema@.stats_summary) IS
'mean of the values; NULL for a summary of no values';

CREATE FUNCTION @extschema@.variance(@extschema@.stats_summary) RETURNS float8
AS 'MODULE_PATHNAME', 'la_stats_variance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.variance(@extschema@.stats_summary) IS
'sample variance (m2 / (n - 1), as var_samp); NULL below two values';

CREATE FUNCTION @extschema@.stddev(@extschema@.stats_summary) RETURNS float8
AS 'MODULE_PATHNAME', 'la_stats_stddev' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stddev(@extschema@.stats_summary) IS
'sample standard deviation (as stddev_samp); NULL below two values';

CREATE FUNCTION @extschema@.min_val(@extschema@.stats_summary) RETURNS float8
AS 'MODULE_PATHNAME', 'la_stats_min' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.min_val(@extschema@.stats_summary) IS
'smallest value; NULL for a summary of no values';

CREATE FUNCTION @extschema@.max_val(@extschema@.stats_summary) RETURNS float8
AS 'MODULE_PATHNAME', 'la_stats_max' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.max_val(@extschema@.stats_summary) IS
'largest value; NULL for a summary of no values';

-- The comparisons from summaries: wrappers over the C forms above. A summary of fewer than two
-- values passes mean 0 and sd 0 with its true size, so that the size check names the group.
CREATE FUNCTION @extschema@.welch_test(a @extschema@.stats_summary, b @extschema@.stats_summary,
  confidence float8 DEFAULT 0.95,
  OUT difference float8, OUT std_error float8, OUT df float8, OUT t float8, OUT p_value float8,
  OUT ci_low float8, OUT ci_high float8, OUT conservative_effect float8)
RETURNS record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT w.* FROM @extschema@.welch_test(
    COALESCE(@extschema@.mean(a), 0), COALESCE(@extschema@.stddev(a), 0), @extschema@.num_vals(a),
    COALESCE(@extschema@.mean(b), 0), COALESCE(@extschema@.stddev(b), 0), @extschema@.num_vals(b),
    confidence) w
$$;
COMMENT ON FUNCTION @extschema@.welch_test(@extschema@.stats_summary, @extschema@.stats_summary, float8) IS
'Welch comparison of group a (trained) minus b (comparison) from their stats summaries (la_stats_agg)';

CREATE FUNCTION @extschema@.diff_in_diff(
  trained_before @extschema@.stats_summary, trained_after @extschema@.stats_summary,
  comparison_before @extschema@.stats_summary, comparison_after @extschema@.stats_summary,
  confidence float8 DEFAULT 0.95,
  OUT estimate float8, OUT std_error float8, OUT df float8, OUT t float8, OUT p_value float8,
  OUT ci_low float8, OUT ci_high float8, OUT conservative_effect float8)
RETURNS record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT d.* FROM @extschema@.diff_in_diff(
    COALESCE(@extschema@.mean(trained_before), 0), COALESCE(@extschema@.stddev(trained_before), 0),
    @extschema@.num_vals(trained_before),
    COALESCE(@extschema@.mean(trained_after), 0), COALESCE(@extschema@.stddev(trained_after), 0),
    @extschema@.num_vals(trained_after),
    COALESCE(@extschema@.mean(comparison_before), 0), COALESCE(@extschema@.stddev(comparison_before), 0),
    @extschema@.num_vals(comparison_before),
    COALESCE(@extschema@.mean(comparison_after), 0), COALESCE(@extschema@.stddev(comparison_after), 0),
    @extschema@.num_vals(comparison_after),
    confidence) d
$$;
COMMENT ON FUNCTION @extschema@.diff_in_diff(@extschema@.stats_summary, @extschema@.stats_summary, @extschema@.stats_summary, @extschema@.stats_summary, float8) IS
'difference-in-differences from the stats summaries of the four groups (trained before/after, comparison before/after)';

-- Two samples go through their summaries. An empty or all-NULL sample summarizes to NULL: it is
-- passed as the summary of no values, so that the size check names the group.
CREATE FUNCTION @extschema@.welch_test(a float8[], b float8[], confidence float8 DEFAULT 0.95,
  OUT difference float8, OUT std_error float8, OUT df float8, OUT t float8, OUT p_value float8,
  OUT ci_low float8, OUT ci_high float8, OUT conservative_effect float8)
RETURNS record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT w.* FROM @extschema@.welch_test(
    COALESCE((SELECT @extschema@.la_stats_agg(x) FROM pg_catalog.unnest(a) x),
             '{"n":0,"mean":0,"m2":0,"min":0,"max":0}'::@extschema@.stats_summary),
    COALESCE((SELECT @extschema@.la_stats_agg(x) FROM pg_catalog.unnest(b) x),
             '{"n":0,"mean":0,"m2":0,"min":0,"max":0}'::@extschema@.stats_summary),
    confidence) w
$$;
COMMENT ON FUNCTION @extschema@.welch_test(float8[], float8[], float8) IS
'Welch comparison from two samples (NULL elements ignored; NaN or infinity is an error), through their stats summaries';
-- end of stats_summary
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.monetized_effect(effect float8, unit_value numeric, population numeric)
RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF effect = 'NaN'::float8 OR effect IN ('Infinity'::float8, '-Infinity'::float8) THEN
    RAISE EXCEPTION 'monetized_effect field "effect" must be a finite number'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF unit_value = 'NaN'::numeric OR unit_value IN ('Infinity'::numeric, '-Infinity'::numeric) THEN
    RAISE EXCEPTION 'monetized_effect field "unit_value" must be a finite number'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF population = 'NaN'::numeric OR population < 0 OR population = 'Infinity'::numeric THEN
    RAISE EXCEPTION 'monetized_effect field "population" must be a finite non-negative number'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN effect::numeric * unit_value * population;
END
$$;
COMMENT ON FUNCTION @extschema@.monetized_effect(float8, numeric, numeric) IS
'an effect (per person, in metric units) in money: effect x unit value x population, exact numeric (effect taken to 15 significant digits)';
