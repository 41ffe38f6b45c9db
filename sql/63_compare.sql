--
-- comparisons: Welch interval and p-value, difference-in-differences, money from an effect
-- (the t distribution comes from libRmath; test/t/61_stats_reference.sh checks many cases against
-- scipy to 1e-9 relative)
--
-- a textbook case: equal groups of 6 with sd sqrt(3) give se = 1 and df = 10; the two-sided 5%
-- critical value of t(10) is 2.2281388519862744 (tables: 2.2281; scipy's t.sf there is 0.025 to 1e-16,
-- while scipy 1.10's t.ppf returns 2.2281388519649385, off by 1e-11), so that difference has p = 0.05
-- and a 95% interval starting at exactly 0
SELECT round(std_error::numeric, 12) AS se, round(df::numeric, 12) AS df,
       round(p_value::numeric, 12) AS p, round(ci_low::numeric, 12) AS ci_low,
       round(ci_high::numeric, 12) AS ci_high, round(conservative_effect::numeric, 12) AS conservative
FROM welch_test(2.2281388519862744, sqrt(3), 6, 0, sqrt(3), 6);
-- t(10) 99% critical value 3.169272672616951 (tables: 3.1693; scipy's t.sf there is 0.005 to 1e-15,
-- while scipy 1.10's t.ppf returns 3.169272667175838, off by 1.7e-9 relative)
SELECT round(ci_low::numeric, 12) AS ci_low, round(p_value::numeric, 12) AS p
FROM welch_test(3.169272672616951, sqrt(3), 6, 0, sqrt(3), 6, 0.99);
-- hand-computed standard error and Welch-Satterthwaite df: se^2 = 4/30 + 9/25,
-- df = se^4 / ((4/30)^2/29 + (9/25)^2/24)
SELECT difference, abs(std_error - sqrt(4.0/30 + 9.0/25)) < 1e-15 AS se_ok,
       abs(df - (4.0/30 + 9.0/25)^2 / ((4.0/30)^2/29 + (9.0/25)^2/24)) < 1e-12 AS df_ok,
       abs(t - 1 / sqrt(4.0/30 + 9.0/25)) < 1e-14 AS t_ok,
       round(p_value::numeric, 6) AS p, conservative_effect
FROM welch_test(10, 2, 30, 9, 3, 25);
-- the interval is symmetric about the difference; swapping the groups negates it
SELECT abs((ci_high + ci_low) / 2 - difference) < 1e-12 AS symmetric FROM welch_test(5, 1, 40, 3, 2, 35);
SELECT a.difference = -b.difference AS negated, a.p_value = b.p_value AS same_p,
       a.ci_low = -b.ci_high AS mirrored, a.conservative_effect = -b.conservative_effect AS conservative_mirrored
FROM welch_test(5, 1, 40, 3, 2, 35) a, welch_test(3, 2, 35, 5, 1, 40) b;
-- the conservative effect is the bound closest to zero (zero when the interval spans it)
SELECT conservative_effect = ci_low AS lower_bound_when_positive FROM welch_test(5, 1, 40, 3, 2, 35);
SELECT conservative_effect AS spans_zero FROM welch_test(5, 3, 10, 4.5, 3, 10);
-- from samples: [1..5] vs [2, 4, 6, 3]: t = -0.676481425202546, p = 0.522774929327077 (scipy)
SELECT difference, round(t::numeric, 12) AS t, round(p_value::numeric, 12) AS p
FROM welch_test(ARRAY[1, 2, 3, 4, 5]::float8[], ARRAY[2, 4, 6, 3]::float8[]);
-- no variance in either group: the difference is known, the inference is undefined (NULLs)
SELECT * FROM welch_test(1, 0, 10, 0.5, 0, 10);

-- difference in differences: trained 50 -> 60, comparison 50 -> 52: estimate 8;
-- se^2 = 100/50 + 100/50 + 100/50 + 100/50 = 8; equal groups: df = 4 * 49 = 196
SELECT estimate, std_error = sqrt(8) AS se_ok, round(df::numeric, 9) AS df,
       abs(t - 8 / sqrt(8)) < 1e-14 AS t_ok, round(p_value::numeric, 6) AS p,
       round(ci_low::numeric, 6) AS ci_low, round(conservative_effect::numeric, 6) AS conservative
FROM diff_in_diff(50, 10, 50, 60, 10, 50, 50, 10, 50, 52, 10, 50);
-- the same change in both groups: no effect
SELECT estimate, conservative_effect FROM diff_in_diff(50, 10, 30, 60, 10, 30, 40, 10, 30, 50, 10, 30);

-- money from an effect: 0.8 fewer defects per person per month x 45.50 per defect x 120 people x 12
SELECT monetized_effect(0.8, 45.50, 120 * 12);
SELECT monetized_effect(conservative_effect, 45.50, 1440) AS conservative_money
FROM welch_test(5, 1, 40, 3, 2, 35);

-- bad input
\set VERBOSITY default
SELECT * FROM welch_test(1, 1, 1, 0, 1, 10);
SELECT * FROM welch_test('NaN', 1, 10, 0, 1, 10);
SELECT * FROM welch_test(1, 1, 10, 'Infinity', 1, 10);
SELECT * FROM welch_test(1, -1, 10, 0, 1, 10);
SELECT * FROM welch_test(1, 1, 10, 0, 'NaN', 10);
SELECT * FROM welch_test(1, 1, 10, 0, 1, 10, 1);
SELECT * FROM welch_test(1, 1, 10, 0, 1, 10, 0);
SELECT * FROM welch_test(1, 1, 10, 0, 1, 10, 'NaN');
SELECT * FROM welch_test(ARRAY[1]::float8[], ARRAY[1, 2]::float8[]);
SELECT * FROM welch_test(ARRAY[1, 2]::float8[], ARRAY[]::float8[]);
SELECT * FROM diff_in_diff(50, 10, 50, 60, 10, 50, 50, 10, 1, 52, 10, 50);
SELECT * FROM diff_in_diff(50, 10, 50, 60, 10, 50, 50, 10, 50, 52, -10, 50);
SELECT monetized_effect('NaN', 1, 1);
SELECT monetized_effect(1, 'Infinity', 1);
SELECT monetized_effect(1, 1, -5);
