-- A text snapshot of everything the learnalytics extension owns, for comparing two installs
-- (a fresh install against the oldest version followed by ALTER EXTENSION ... UPDATE).
-- OIDs never appear; every definition is rendered through the catalog's own deparsers.
CREATE OR REPLACE TEMP VIEW la_catalog AS
WITH ext AS (
  SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'learnalytics'
), members AS (
  SELECT d.classid, d.objid FROM pg_depend d, ext
  WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
)
SELECT pg_describe_object(m.classid, m.objid, 0) AS object,
       concat_ws(' | ',
         -- functions, procedures and aggregates
         (SELECT format('%s -> %s%s kind=%s vol=%s strict=%s par=%s secdef=%s leak=%s cost=%s rows=%s '
                        'lang=%s args=%s defaults=%s config=%s acl=%s bin=%s src=%s',
                        p.oid::regprocedure, CASE WHEN p.proretset THEN 'setof ' END,
                        p.prorettype::regtype, p.prokind, p.provolatile, p.proisstrict, p.proparallel,
                        p.prosecdef, p.proleakproof, p.procost, p.prorows, l.lanname,
                        pg_get_function_arguments(p.oid), pg_get_expr(p.proargdefaults, 0),
                        p.proconfig, p.proacl, p.probin, p.prosrc)
            FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
           WHERE m.classid = 'pg_proc'::regclass AND p.oid = m.objid),
         (SELECT format('agg kind=%s nargs=%s sfunc=%s stype=%s sspace=%s final=%s fextra=%s fmodify=%s '
                        'combine=%s serial=%s deserial=%s msfunc=%s minv=%s mstype=%s mfinal=%s init=%s '
                        'minit=%s sortop=%s',
                        a.aggkind, a.aggnumdirectargs, a.aggtransfn, a.aggtranstype::regtype,
                        a.aggtransspace, a.aggfinalfn, a.aggfinalextra, a.aggfinalmodify,
                        a.aggcombinefn, a.aggserialfn, a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn,
                        a.aggmtranstype::regtype, a.aggmfinalfn, a.agginitval, a.aggminitval,
                        a.aggsortop::regoperator)
            FROM pg_aggregate a
           WHERE m.classid = 'pg_proc'::regclass AND a.aggfnoid = m.objid),
         -- types and domains
         (SELECT format('type len=%s byval=%s type=%s cat=%s pref=%s delim=%s in=%s out=%s recv=%s '
                        'send=%s modin=%s modout=%s analyze=%s subscript=%s align=%s storage=%s '
                        'elem=%s base=%s notnull=%s default=%s collation=%s acl=%s checks=%s',
                        t.typlen, t.typbyval, t.typtype, t.typcategory, t.typispreferred, t.typdelim,
                        t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout,
                        t.typanalyze, t.typsubscript, t.typalign, t.typstorage,
                        nullif(t.typelem, 0)::regtype, nullif(t.typbasetype, 0)::regtype,
                        t.typnotnull, t.typdefault, t.typcollation <> 0, t.typacl,
                        (SELECT string_agg(c.conname || ' ' || pg_get_constraintdef(c.oid), ', '
                                           ORDER BY c.conname)
                           FROM pg_constraint c WHERE c.contypid = t.oid))
            FROM pg_type t WHERE m.classid = 'pg_type'::regclass AND t.oid = m.objid),
         -- tables, views, sequences, indexes
         (SELECT format('rel kind=%s persistence=%s rls=%s forcerls=%s options=%s acl=%s partkey=%s '
                        'view=%s columns=[%s] constraints=[%s] indexes=[%s] triggers=[%s] policies=[%s]',
                        c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
                        c.reloptions, c.relacl,
                        CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                        CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
                        (SELECT string_agg(format('%s %s%s%s%s acl=%s comment=%s', a.attname,
                                                  format_type(a.atttypid, a.atttypmod),
                                                  CASE WHEN a.attnotnull THEN ' not null' END,
                                                  ' default ' || pg_get_expr(ad.adbin, ad.adrelid),
                                                  CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text END,
                                                  a.attacl, col_description(c.oid, a.attnum)),
                                           ', ' ORDER BY a.attnum)
                           FROM pg_attribute a
                           LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                        (SELECT string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), ', '
                                           ORDER BY co.conname)
                           FROM pg_constraint co WHERE co.conrelid = c.oid),
                        (SELECT string_agg(pg_get_indexdef(i.indexrelid), ', '
                                           ORDER BY pg_get_indexdef(i.indexrelid))
                           FROM pg_index i WHERE i.indrelid = c.oid),
                        (SELECT string_agg(pg_get_triggerdef(tg.oid), ', ' ORDER BY tg.tgname)
                           FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal),
                        (SELECT string_agg(format('%s %s %s roles=%s using=%s check=%s', po.polname,
                                                  po.polcmd, po.polpermissive, po.polroles::regrole[],
                                                  pg_get_expr(po.polqual, po.polrelid),
                                                  pg_get_expr(po.polwithcheck, po.polrelid)),
                                           ', ' ORDER BY po.polname)
                           FROM pg_policy po WHERE po.polrelid = c.oid))
            FROM pg_class c WHERE m.classid = 'pg_class'::regclass AND c.oid = m.objid),
         (SELECT format('schema acl=%s', n.nspacl)
            FROM pg_namespace n WHERE m.classid = 'pg_namespace'::regclass AND n.oid = m.objid),
         (SELECT format('operator %s', o.oid::regoperator || ' ' || o.oprcode::text || ' ' ||
                        o.oprcom::regoperator::text || ' ' || o.oprnegate::regoperator::text)
            FROM pg_operator o WHERE m.classid = 'pg_operator'::regclass AND o.oid = m.objid),
         (SELECT format('cast %s ctx=%s method=%s', ca.castfunc::regprocedure, ca.castcontext,
                        ca.castmethod)
            FROM pg_cast ca WHERE m.classid = 'pg_cast'::regclass AND ca.oid = m.objid),
         'comment=' || obj_description(m.objid, (SELECT relname FROM pg_class WHERE oid = m.classid))
       ) AS definition
FROM members m
UNION ALL
SELECT 'config table ' || cfg::regclass::text,
       'dumped where ' || coalesce(cond, '(all rows)')
FROM ext, unnest(ext.extconfig::regclass[], ext.extcondition) AS u(cfg, cond);
