-- The churn-probability model on the temporal split (included by demo/demo.sql after demo/rules.sql).
DROP SCHEMA IF EXISTS model CASCADE;
CREATE SCHEMA model;
CREATE TABLE model.alert (enrolment text, day integer);
