--
-- pg_cron detection (runs in cron.database_name, with pg_cron preloaded)
--
SELECT pg_cron_available();
-- preloaded but not installed in this database: a clear error with what to do
SELECT require_pg_cron();
CREATE EXTENSION pg_cron;
SELECT pg_cron_available();
SELECT require_pg_cron();
SELECT component, value, ok FROM status() WHERE component LIKE 'pg_cron%' ORDER BY 1;
