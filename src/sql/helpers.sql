
-------------------------------------------------------------------------------
-- helpers: the internal schema and the plumbing the other parts share (doc/DEVELOPER.md, "Naming")
--
-- learnalytics_internal holds every object of the extension that doc/ does not document: support
-- functions of the types and aggregates, trigger functions, and the helpers the parts call. It is
-- never on search_path and users are not granted it: only the three learnalytics roles get USAGE
-- (roles.sql), because functions they may execute call these helpers with their rights. The name
-- is fixed (PostgreSQL 15 has no @extschema:...@ for a second schema).
-------------------------------------------------------------------------------

CREATE SCHEMA learnalytics_internal;
COMMENT ON SCHEMA learnalytics_internal IS
'learnalytics internals: support functions, trigger functions and helpers; not an API (doc/DEVELOPER.md)';
REVOKE ALL ON SCHEMA learnalytics_internal FROM PUBLIC;
