-- complain if the script is sourced in psql rather than run by ALTER EXTENSION
\echo Use "ALTER EXTENSION learnalytics UPDATE" to load this file. \quit

-- Changes to objects that the previous release already had go here (CREATE OR REPLACE FUNCTION,
-- CREATE OR REPLACE AGGREGATE, ALTER ...). The parts new in this release (NEW_PARTS in the Makefile)
-- are appended after this file when the upgrade script is generated.
