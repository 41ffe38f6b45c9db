--
-- held_since / held_for: how long a condition has held, as of each row
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE TABLE obs (k text, ts timestamptz, ok boolean);
INSERT INTO obs VALUES
  ('x', '2026-01-01 00:00+00', true),
  ('x', '2026-01-01 12:00+00', true),
  ('x', '2026-01-02 00:00+00', NULL),     -- unknown breaks the run
  ('x', '2026-01-02 06:00+00', true),
  ('x', '2026-01-03 06:00+00', true),
  ('x', '2026-01-05 06:00+00', true),     -- held for 72 hours here
  ('x', '2026-01-05 07:00+00', false),
  ('x', '2026-01-06 00:00+00', true),
  ('y', '2026-01-01 00:00+00', true),
  ('y', NULL, true),                      -- no timestamp: not held
  ('y', '2026-01-04 00:00+00', true);
SELECT k, ts, ok,
       held_since(ok, ts) OVER w AS since,
       held_for(ok, ts) OVER w AS held_for,
       held_for(ok, ts) OVER w >= interval '72 hours' AS held_72h
FROM obs WINDOW w AS (PARTITION BY k ORDER BY ts NULLS LAST)
ORDER BY k, ts NULLS LAST;
-- a frame clause does not change the answer
SELECT k, ts, held_for(ok, ts) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN CURRENT ROW AND CURRENT ROW)
FROM obs WHERE k = 'x' ORDER BY ts;
DROP TABLE obs;
