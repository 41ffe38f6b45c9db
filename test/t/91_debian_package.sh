#!/usr/bin/env bash
# Debian: the debian/ directory (pg_buildext conventions) builds postgresql-15-learnalytics with
# `dpkg-buildpackage -us -uc -b` from HEAD's files, the .deb installs with `dpkg -i` into the
# system's PostgreSQL 15, and there, from the package's files, CREATE EXTENSION works and status()
# and library_version() report the control file's version. Root only (it installs a package and
# starts the system cluster). Everything it changes is undone on exit: the database is dropped, a
# cluster it started is stopped (one it created is dropped) and the package is removed, so no
# learnalytics files stay in the system directories that test/lib/cluster.sh copies.
#
# Other checkouts' `make test` runs share this machine: runs of this test are serialised by a lock,
# a package installed by someone else is left alone (the test skips), and cluster.sh drops the
# system's learnalytics files from its private copy, so the seconds the package is installed cannot
# leak into a run that sets up meanwhile.
set -euo pipefail
cd "$LA_SRC"
PKG=postgresql-15-learnalytics
if [ "$(id -u)" -ne 0 ]; then
  echo "not root: this test installs a .deb and starts the system cluster (run make test as root)"; exit 77
fi

exec 9>/run/lock/learnalytics-debian-package.lock
flock -w 1800 9 || { echo "FAIL: another run of this test held its lock for 30 minutes"; exit 1; }
if [ "$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null || true)" = "install ok installed" ]; then
  echo "$PKG is already installed (by hand or by a killed run): this test does not replace an install it did not make; remove it with dpkg -r $PKG"
  exit 77
fi

if [ -e /usr/share/postgresql/15/extension/learnalytics.control ] || [ -e /usr/lib/postgresql/15/lib/learnalytics.so ]; then
  echo "learnalytics is installed in the system's PostgreSQL 15 without the package (make install?): this test would overwrite it, then remove it; not touching it"
  exit 77
fi

# what building a Debian package of an extension needs, beyond what make test needs
bash test/lib/deps.sh debhelper dpkg-dev postgresql-server-dev-all

control=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\(.*\)'/\1/p" learnalytics.control)
debver=$(sed -n '1s/^learnalytics (\([^)]*\)).*/\1/p' debian/changelog)
[ "${debver%-*}" = "$control" ] || { echo "FAIL: debian/changelog is at $debver, the control file at $control"; exit 1; }
arch=$(dpkg --print-architecture)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/la-deb.XXXXXX")
db=la_deb_check_$$
installed=0 started="" created="" port=""
psql_sys() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p "$port" "$@"; }
cleanup() {
  local rc=$?
  set +e
  if [ -n "$port" ]; then psql_sys -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; fi
  [ -z "$started" ] || pg_ctlcluster 15 "$started" stop >/dev/null 2>&1
  [ -z "$created" ] || pg_dropcluster --stop 15 "$created" >/dev/null 2>&1
  if [ $installed = 1 ]; then
    dpkg -r "$PKG" >/dev/null 2>&1 || echo "WARNING: dpkg -r $PKG failed: remove it by hand"
  fi
  rm -rf "$tmp"
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; exit 1; }

# 1. HEAD's files in a directory of their own: dpkg-buildpackage writes its results to ../
git archive --prefix=learnalytics-"$control"/ HEAD | tar -x -C "$tmp"
src="$tmp/learnalytics-$control"
[ -x "$src/debian/rules" ] || fail "debian/rules is not in HEAD's files, or not executable"

# 2. build the binary package (dpkg-checkbuilddeps first checks debian/control's Build-Depends)
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 || { tail -n 60 "$tmp/build.log"; fail "dpkg-buildpackage failed"; }
if grep -E '\.[ch]:[0-9]+:[0-9]+: warning:' "$tmp/build.log"; then fail "the package build printed compiler warnings"; fi
deb="$tmp/${PKG}_${debver}_$arch.deb"
[ -f "$deb" ] || { ls "$tmp"; fail "no $(basename "$deb")"; }
echo "built $(basename "$deb")"

# 3. the package holds the library and every extension script, and depends on what the library uses
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/contents.lst"
last=$(sed -n 's/^LAST_RELEASE *= *//p' Makefile)
want=(/usr/lib/postgresql/15/lib/learnalytics.so /usr/share/postgresql/15/extension/learnalytics.control
      "/usr/share/postgresql/15/extension/learnalytics--$control.sql"
      "/usr/share/postgresql/15/extension/learnalytics--$last--$control.sql"
      /usr/share/doc/$PKG/copyright)
for f in src/sql/learnalytics--*.sql; do want+=("/usr/share/postgresql/15/extension/$(basename "$f")"); done
for f in "${want[@]}"; do grep -qxF "$f" "$tmp/contents.lst" || fail "$f is not in the package"; done
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for d in postgresql-15 r-mathlib; do
  grep -qE "(^|, )$d( |,|$)" <<<"$depends" || fail "the package does not depend on $d"
done

# 4. install it into the system
installed=1
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i failed"; }
[ -f /usr/share/postgresql/15/extension/learnalytics.control ] || fail "dpkg -i did not install learnalytics.control"

# 5. the system cluster: 15/main, started if down; if there is none, a temporary one
status=$(pg_lsclusters -h | awk '$1 == "15" && $2 == "main" {print $4}')
if [ -z "$status" ]; then
  created=la_deb_$$
  pg_createcluster 15 "$created" --start >"$tmp/cluster.log" 2>&1 || { cat "$tmp/cluster.log"; fail "pg_createcluster failed"; }
  cluster=$created
elif [ "${status%%,*}" = down ]; then
  pg_ctlcluster 15 main start || fail "could not start the system cluster 15/main"
  started=main cluster=main
else
  cluster=main
fi
port=$(pg_lsclusters -h | awk -v c="$cluster" '$1 == "15" && $2 == c {print $3}')
how="already up"; [ -z "$started" ] || how="started by this test"; [ -z "$created" ] || how="created by this test"
echo "system cluster 15/$cluster on port $port ($how)"

# 6. CREATE EXTENSION from the package's files, and the versions it reports
psql_sys -d postgres -c "CREATE DATABASE $db"
out=$(psql_sys -d "$db" -At <<'SQL'
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
SELECT 'ext=' || extversion FROM pg_extension WHERE extname = 'learnalytics';
SELECT 'lib=' || learnalytics.library_version();
SELECT 'status:' || component || '=' || ok FROM learnalytics.status()
 WHERE component IN ('library version', 'server version');
SELECT 'so=' || probin FROM pg_proc WHERE proname = 'library_version';
SQL
)
echo "$out"
psql_sys -d "$db" -c 'SELECT * FROM learnalytics.status()'
grep -qx "ext=$control" <<<"$out" || fail "the installed extension is not at $control"
grep -qx "lib=$control" <<<"$out" || fail "library_version() is not $control"
grep -qx 'so=$libdir/learnalytics' <<<"$out" || fail "library_version() is not from \$libdir/learnalytics"
grep -qx 'status:library version=true' <<<"$out" || fail "status() does not report the library version ok"
grep -qx 'status:server version=true' <<<"$out" || fail "status() does not report the server version ok"
echo "Debian package $PKG $debver: built, installed, CREATE EXTENSION on the system server ok"
