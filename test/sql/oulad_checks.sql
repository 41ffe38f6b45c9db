-- The end of every OULAD test (test/t/8x_oulad_*.sh): print the temp table checks (what, got,
-- want; want NULL = shown only) and fail the psql run when a check differs. Run it after the
-- test's own clean-up; psql variable ok_message says what passed.
\pset footer off
SELECT what, got, want,
       CASE WHEN want IS NULL OR got IS NOT DISTINCT FROM want THEN 'ok' ELSE 'MISMATCH' END AS result
FROM checks ORDER BY what;
SELECT coalesce(string_agg(what, ', '), '') AS mismatches
FROM checks WHERE want IS NOT NULL AND got IS DISTINCT FROM want \gset
SELECT :'mismatches' = '' AS all_ok \gset
\if :all_ok
  \echo :ok_message
\else
  \echo 'FAILED, these differ:' :'mismatches'
  SELECT 1 / 0 AS failed;
\endif
