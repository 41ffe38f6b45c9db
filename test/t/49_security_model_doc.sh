#!/usr/bin/env bash
# doc/roles.md states the security model that sql/49_security_model checks: its "Security model"
# section names every relation a viewer may read (found in the catalog of the installed extension,
# so a view granted later without documenting who sees what fails here), and every test it cites
# exists.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
db=$LA_DB
cd "$LA_SRC" || exit 1
section=$(awk '/^## Security model$/ { on = 1; next } /^## / { on = 0 } on' doc/roles.md)
[ -n "$section" ] || { echo "doc/roles.md has no '## Security model' section"; exit 1; }
rels=$(psql -X -A -t -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
SELECT c.relname FROM pg_class c
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics'
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND has_table_privilege('learnalytics_viewer', c.oid, 'SELECT')
ORDER BY 1;
SQL
) || { echo "cannot read the catalog of $db"; exit 1; }
[ -n "$rels" ] || { echo "no relation readable by learnalytics_viewer in $db"; exit 1; }
fail=0
for r in $rels; do
  grep -q "\`$r\`" <<<"$section" || { echo "doc/roles.md, Security model: viewer-readable $r is not described"; fail=1; }
done
for t in $(grep -oE '(src/)?sql/[a-z0-9_]+\.sql' <<<"$section" | sort -u); do
  [ -f "$t" ] || { echo "doc/roles.md, Security model: cites $t, which does not exist"; fail=1; }
done
[ $fail -eq 0 ] && echo "security model documented for $(wc -w <<<"$rels") viewer-readable relations"
exit $fail
