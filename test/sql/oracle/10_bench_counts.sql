-- The adapted reference queries of 06_bench.sql give the counts of the unmodified files
-- (:ref holds the output of sql_dip_replay.sql and sql_dip_asof.sql run as they are).
CREATE TABLE oracle_t.cmp_ref_counts AS
SELECT (SELECT count(DISTINCT learner_id) || ' ' || count(*) FROM oracle_t.ref_replay)
       || ' ' || (SELECT count(*) FROM oracle_t.ref_asof) AS adapted,
       regexp_replace(btrim(:'ref'), '\s+', ' ', 'g') AS reference;
CALL oracle_t.check('bench: adapted reference queries = unmodified files'' counts', 'SELECT * FROM oracle_t.cmp_ref_counts',
                    'SELECT * FROM oracle_t.cmp_ref_counts WHERE adapted IS DISTINCT FROM reference');
