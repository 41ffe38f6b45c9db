-- Binary I/O: the learners' summaries and the cohorts written with COPY (FORMAT binary) and read
-- back (the driver pipes oracle_t.bin_out into oracle_t.bin_back; rows whose COPY failed are in
-- oracle_t.bin_err with the error) give the same text.
CREATE TABLE oracle_t.cmp_binary AS
SELECT o.n, o.k, o.s::text AS t, b.s::text AS back, e.error
FROM oracle_t.bin_out o LEFT JOIN oracle_t.bin_back b ON b.n = o.n LEFT JOIN oracle_t.bin_err e ON e.n = o.n
WHERE b.n IS NOT NULL OR e.n IS NOT NULL;
CALL oracle_t.check('binary send/recv round trip (COPY binary), learners and cohorts', 'SELECT * FROM oracle_t.cmp_binary',
  $q$SELECT k, left(coalesce(regexp_replace(error, '\s+', ' ', 'g'), back), 160) FROM oracle_t.cmp_binary
     WHERE error IS NOT NULL OR back IS DISTINCT FROM t ORDER BY n$q$);
