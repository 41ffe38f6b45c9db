#!/usr/bin/env bash
# Shared set-up for `make test`, `make demo` and the benchmarks: source this file, then call
#   la_setup               deps, build, private install, throwaway cluster (stopped on exit)
# It exports PGHOST, PGPORT, PGUSER for psql/pg_regress, LA_BIN (server binaries of the private
# install) and LA_WORK (the private work directory, removed on exit unless LA_KEEP=1).
#
# Nothing is installed into the system's PostgreSQL: the server binaries, libraries and share
# files are copied into a private tree and the extension is installed there with DESTDIR, so
# runs from two checkouts never clobber each other and a stale system install cannot leak in.
# initdb refuses to run as root, so the cluster runs as the `postgres` OS user when we are root.
#
# LA_SANITIZE=1 (`make check-asan`): the extension is built with AddressSanitizer and
# UndefinedBehaviorSanitizer, in a copy of the source tree, and the server runs with their runtime
# preloaded; see test/lib/sanitize.sh.

LA_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LA_PG_MAJOR=${LA_PG_MAJOR:-15}
LA_DB=${LA_DB:-learnalytics_regress}

la_log() { printf 'learnalytics: %s\n' "$*" >&2; }

source "$LA_SRC/test/lib/sanitize.sh"

# Run a command as the cluster's OS user.
la_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

la_cleanup() {
  local rc=$?
  if [ -n "${LA_WORK:-}" ] && [ -d "$LA_WORK" ]; then
    if [ -f "$LA_WORK/data/postmaster.pid" ]; then
      la_as_owner "$LA_BIN/pg_ctl" -D "$LA_WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ "${LA_KEEP:-0}" = 1 ]; then
      la_log "kept $LA_WORK (server log: $LA_WORK/server.log)"
    else
      rm -rf "$LA_WORK"
    fi
  fi
  return $rc
}

la_setup() {
  if [ "${LA_SANITIZE:-0}" = 1 ]; then
    bash "$LA_SRC/test/lib/deps.sh" libasan8 libubsan1   # gcc 12's sanitizer runtimes
  else
    bash "$LA_SRC/test/lib/deps.sh"
  fi

  PG_CONFIG=/usr/lib/postgresql/$LA_PG_MAJOR/bin/pg_config
  export PG_CONFIG
  local bindir pkglibdir sharedir
  bindir=$("$PG_CONFIG" --bindir)
  pkglibdir=$("$PG_CONFIG" --pkglibdir)
  sharedir=$("$PG_CONFIG" --sharedir)

  LA_WORK=$(mktemp -d "${TMPDIR:-/tmp}/learnalytics.XXXXXX")
  export LA_WORK
  chmod 755 "$LA_WORK"
  trap la_cleanup EXIT
  trap 'exit 130' INT TERM

  # Where the extension is built: the checkout, or for the sanitizers a copy of it.
  LA_BUILD=$LA_SRC
  local cflags=${LA_EXTRA_CFLAGS:-}
  if [ "${LA_SANITIZE:-0}" = 1 ]; then
    la_san_prepare || { la_log "sanitizer set-up failed"; return 1; }
    cflags="$cflags $LA_SAN_CFLAGS"
  fi

  la_log "building (PG_CFLAGS=$cflags)"
  make -C "$LA_BUILD" -s PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$cflags" >"$LA_WORK/build.log" 2>&1 || {
    cat "$LA_WORK/build.log" >&2; la_log "build failed"; return 1; }
  if grep -q 'warning:' "$LA_WORK/build.log"; then
    cat "$LA_WORK/build.log" >&2; la_log "the build printed warnings"; return 1
  fi

  # Private install tree: the same layout as the system's, so the server finds its share and
  # library directories relative to its own binary (as PostgreSQL's own tmp_install does).
  local root="$LA_WORK/root"
  mkdir -p "$root$(dirname "$bindir")" "$root$(dirname "$sharedir")"
  cp -a "$(dirname "$bindir")/." "$root$(dirname "$bindir")/"
  cp -a "$sharedir" "$root$(dirname "$sharedir")/"
  # Only this build's learnalytics: none that the system has (an old `make install`, or the .deb
  # that test/t/91_debian_package.sh installs for a few seconds while another checkout sets up).
  rm -rf "$root$sharedir"/extension/learnalytics[.-]* "$root$pkglibdir"/learnalytics.so* \
    "$root$pkglibdir"/bitcode/learnalytics "$root$pkglibdir"/bitcode/learnalytics.index.bc*
  make -C "$LA_BUILD" -s PG_CONFIG="$PG_CONFIG" DESTDIR="$root" install >>"$LA_WORK/build.log" 2>&1 || {
    cat "$LA_WORK/build.log" >&2; la_log "install failed"; return 1; }
  LA_BIN="$root$bindir"
  export LA_BIN
  [ -f "$root$pkglibdir/learnalytics.so" ] || { la_log "install did not produce learnalytics.so"; return 1; }

  # Throwaway cluster on a private socket directory (no TCP), so the port only names the socket.
  PGHOST="$LA_WORK/sock"; PGPORT=$((54000 + RANDOM % 1000)); PGUSER=postgres
  export PGHOST PGPORT PGUSER
  unset PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS
  mkdir -p "$PGHOST"
  chown -R postgres:postgres "$LA_WORK" 2>/dev/null || true
  la_as_owner "$LA_BIN/initdb" -D "$LA_WORK/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$LA_WORK/initdb.log" 2>&1 || { cat "$LA_WORK/initdb.log" >&2; return 1; }
  cat >>"$LA_WORK/data/postgresql.conf" <<CONF
# learnalytics throwaway cluster
listen_addresses = ''
port = $PGPORT
unix_socket_directories = '$PGHOST'
shared_preload_libraries = 'pg_cron'
cron.database_name = '$LA_DB'
# jobs run in background workers: the cluster has no TCP listener for pg_cron's libpq connections
cron.use_background_workers = on
fsync = off
synchronous_commit = off
full_page_writes = off
max_worker_processes = 16
max_parallel_workers = 8
max_parallel_workers_per_gather = 2
timezone = 'UTC'
log_min_messages = warning
CONF
  if [ "${LA_SANITIZE:-0}" = 1 ]; then
    # JIT would run the bitcode of the extension, compiled without the sanitizers.
    echo "jit = off" >>"$LA_WORK/data/postgresql.conf"
  fi
  la_pg_ctl -D "$LA_WORK/data" -l "$LA_WORK/server.log" -w -t 60 start >/dev/null || {
    cat "$LA_WORK/server.log" >&2; la_log "server did not start"; return 1; }
  la_log "cluster up: PostgreSQL $("$LA_BIN/postgres" -V | awk '{print $3}'), socket $PGHOST, port $PGPORT"
}

# Benchmarks, after la_setup: append the postgresql.conf lines read from stdin, restart, create the
# database $LA_DB with the extension in schema learnalytics, and export PGDATABASE.
la_bench_db() {
  cat >>"$LA_WORK/data/postgresql.conf"
  la_pg_ctl -D "$LA_WORK/data" -w restart >/dev/null || return 1
  "$LA_BIN/createdb" "$LA_DB" || return 1
  export PGDATABASE=$LA_DB
  psql -X -q -c "CREATE SCHEMA learnalytics; CREATE EXTENSION learnalytics SCHEMA learnalytics;"
}
