#!/usr/bin/env bash
# The release's version is the same everywhere it is written: the control file, the C library,
# the CHANGELOG, and the install/upgrade scripts the Makefile ships (one upgrade path from every
# older full script to the default version).
set -euo pipefail
cd "$LA_SRC"
control=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\(.*\)'/\1/p" learnalytics.control)
library=$(sed -n 's/^#define LA_LIBRARY_VERSION "\(.*\)"/\1/p' src/la_common.h)
echo "control=$control library=$library"
[ -n "$control" ] || { echo "no default_version in learnalytics.control"; exit 1; }
[ "$control" = "$library" ] || { echo "LA_LIBRARY_VERSION ($library) differs from default_version ($control)"; exit 1; }
grep -q "^## \[$control\] - [0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}" CHANGELOG.md \
  || grep -q "^## \[$control\] - unreleased" CHANGELOG.md \
  || { echo "CHANGELOG.md has no dated section for $control"; exit 1; }
# every frozen full script of an older release has an upgrade script out of it
for f in src/sql/learnalytics--*.sql; do
  [ -e "$f" ] || continue
  v=${f#src/sql/learnalytics--}; v=${v%.sql}
  case "$v" in *--*) continue ;; esac
  [ "$v" = "$control" ] && { echo "$f: the current version's script is generated, not frozen"; exit 1; }
  ls src/sql/learnalytics--"$v"--*.sql >/dev/null 2>&1 || { echo "no upgrade script out of $v"; exit 1; }
done
# every script starts with the \echo ... \quit guard
for f in src/sql/*.sql; do
  case "$(basename "$f")" in core.sql|learnalytics--*) ;; *) continue ;; esac
  grep -q '^\\echo Use "\(CREATE\|ALTER\) EXTENSION learnalytics' "$f" || { echo "$f lacks the \\echo guard"; exit 1; }
done
echo "versions consistent"
