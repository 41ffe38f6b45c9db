
-------------------------------------------------------------------------------
-- org_units: who manages which learners. Row-level security on learner rows (rollups, dashboards)
-- is keyed on these two tables and the functions below (doc/roles.md, "Security model").
-------------------------------------------------------------------------------
CREATE TABLE @extschema@.learner_org_unit (
  learner  text NOT NULL,
  org_unit text NOT NULL,
  PRIMARY KEY (learner, org_unit)
);
CREATE INDEX learner_org_unit_unit ON @extschema@.learner_org_unit (org_unit);
COMMENT ON TABLE @extschema@.learner_org_unit IS
'which org units (teams, departments...) a learner belongs to: the key of row-level security on learner rows';
COMMENT ON COLUMN @extschema@.learner_org_unit.learner IS 'learner key, as text (as in the rollups)';
COMMENT ON COLUMN @extschema@.learner_org_unit.org_unit IS 'org unit name';

CREATE TABLE @extschema@.org_unit_manager (
  manager  name NOT NULL,
  org_unit text NOT NULL,
  PRIMARY KEY (manager, org_unit)
);
COMMENT ON TABLE @extschema@.org_unit_manager IS
'which roles manage which org units: a manager (or any member of the role) sees the learner rows of those units';
COMMENT ON COLUMN @extschema@.org_unit_manager.manager IS 'role name (a login role or a group role)';
COMMENT ON COLUMN @extschema@.org_unit_manager.org_unit IS 'org unit name';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.learner_org_unit', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.org_unit_manager', '');

-- Evaluated once per query (the policies call them in uncorrelated sub-selects). They run with the
-- caller's rights, so each reads the mapping tables through their own policies: the chain is
-- rollup rows -> learner_org_unit -> org_unit_manager -> pg_roles, without a cycle.
CREATE FUNCTION learnalytics_internal.sees_all_learners()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_has_role(current_user, 'learnalytics_analyst', 'MEMBER')
$$;
COMMENT ON FUNCTION learnalytics_internal.sees_all_learners() IS
'true for members of learnalytics_analyst (and so of learnalytics_admin): row-level security shows them every learner';

CREATE FUNCTION learnalytics_internal.my_roles()
RETURNS SETOF name
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.rolname FROM pg_roles r WHERE pg_has_role(current_user, r.oid, 'MEMBER')
$$;
COMMENT ON FUNCTION learnalytics_internal.my_roles() IS
'the current role and every role it is a member of (directly or not)';

CREATE FUNCTION @extschema@.managed_org_units()
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT DISTINCT m.org_unit FROM @extschema@.org_unit_manager m
   WHERE m.manager IN (SELECT learnalytics_internal.my_roles())
$$;
COMMENT ON FUNCTION @extschema@.managed_org_units() IS
'org units the current role manages (directly or through a role it is a member of)';

CREATE FUNCTION learnalytics_internal.managed_learners()
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT DISTINCT lo.learner FROM @extschema@.learner_org_unit lo
   WHERE lo.org_unit IN (SELECT @extschema@.managed_org_units())
$$;
COMMENT ON FUNCTION learnalytics_internal.managed_learners() IS
'learners of the org units the current role manages (directly or through a role it is a member of)';

-- The admin role maintains every row; other roles see the memberships and assignments that concern them.
ALTER TABLE @extschema@.learner_org_unit ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.org_unit_manager ENABLE ROW LEVEL SECURITY;
CREATE POLICY admin_all ON @extschema@.learner_org_unit TO learnalytics_admin USING (true) WITH CHECK (true);
CREATE POLICY admin_all ON @extschema@.org_unit_manager TO learnalytics_admin USING (true) WITH CHECK (true);
COMMENT ON POLICY admin_all ON @extschema@.learner_org_unit IS 'the admin role maintains every row';
COMMENT ON POLICY admin_all ON @extschema@.org_unit_manager IS 'the admin role maintains every row';
CREATE POLICY unit_scope ON @extschema@.learner_org_unit FOR SELECT
  USING ((SELECT learnalytics_internal.sees_all_learners())
         OR org_unit IN (SELECT @extschema@.managed_org_units()));
CREATE POLICY unit_scope ON @extschema@.org_unit_manager FOR SELECT
  USING ((SELECT learnalytics_internal.sees_all_learners())
         OR manager IN (SELECT learnalytics_internal.my_roles()));
COMMENT ON POLICY unit_scope ON @extschema@.learner_org_unit IS
'analysts see every membership; other roles only those of the org units they manage';
COMMENT ON POLICY unit_scope ON @extschema@.org_unit_manager IS
'analysts see every assignment; other roles only their own (or their group roles'')';

-- privileges (doc/roles.md): the row-level security predicate: every role that reads learner rows
-- evaluates it as itself
GRANT EXECUTE ON FUNCTION learnalytics_internal.sees_all_learners(), learnalytics_internal.my_roles(),
  @extschema@.managed_org_units(), learnalytics_internal.managed_learners()
  TO learnalytics_viewer;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.learner_org_unit, @extschema@.org_unit_manager TO learnalytics_admin;
GRANT SELECT ON @extschema@.learner_org_unit, @extschema@.org_unit_manager TO learnalytics_viewer;
