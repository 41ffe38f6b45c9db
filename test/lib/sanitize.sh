#!/usr/bin/env bash
# `make check-asan` (LA_SANITIZE=1): AddressSanitizer and UndefinedBehaviorSanitizer for the
# extension's C code. Sourced by cluster.sh; la_setup calls la_san_prepare and starts the server
# through la_pg_ctl, and test/run.sh calls la_san_canary once and la_san_check after each test.
#
# What it does:
#  - builds the extension with $LA_SAN_CFLAGS in a copy of the source tree ($LA_WORK/build), so the
#    instrumented objects never land in the checkout (a later `make` or `make install` there would
#    link them without the runtime);
#  - starts the server with the gcc sanitizer runtimes preloaded: the Debian server binary is not
#    instrumented, so libasan must come first in the process (LD_PRELOAD), and with it the
#    postmaster hangs in bindtextdomain() unless test/asan/preload_shim.c is preloaded too (which
#    also hands UBSan its options; see there);
#  - the reports go to the server's stderr, server.log; la_san_check prints those it gained since
#    its last call and fails if there were any;
#  - la_san_canary proves the chain: a throwaway module (test/asan/canary.c, built here, never
#    installed with the extension) overflows a stack buffer and a signed integer, and the reports
#    must be found.
#
# Limits: the server's own code is not instrumented. palloc hands out pieces of blocks that are
# malloc'ed whole, so an overrun of a small palloc'ed chunk that stays inside its block is not seen;
# an overrun of a chunk bigger than 8 kB (a block of its own), of a stack array or of a global is,
# and so is every undefined-behaviour check. jit is off, so the instrumented code is what runs.
#
# -fno-wrapv: PostgreSQL builds with -fwrapv, under which gcc does not check signed overflow; the
# extension must never rely on wrapping (doc/DEVELOPER.md), so here signed overflow is reported.
# float-cast-overflow (a double out of an integer type's range converted to it) is not part of
# gcc's -fsanitize=undefined and is added. UBSan reports and goes on (the run collects them all);
# an ASan error aborts the process (abort_on_error), so the postmaster resets shared memory as after
# any crash.

LA_SAN_CFLAGS="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-wrapv"
# Lines of server.log that mean a sanitizer report (ASan's warnings, e.g. about stacks, do not).
LA_SAN_ERRORS='ERROR: AddressSanitizer|ERROR: LeakSanitizer|AddressSanitizer:DEADLYSIGNAL|runtime error:|UndefinedBehaviorSanitizer:DEADLYSIGNAL|SUMMARY: (Address|UndefinedBehavior)Sanitizer'
LA_SAN_ENV=()

# Build the preload shim and the canary, copy the source tree, set LA_SAN_ENV for the server.
# Needs PG_CONFIG and LA_WORK; sets LA_BUILD (where la_setup builds) and LA_SAN_DIR.
la_san_prepare() {
  local cc libasan libubsan
  cc=$("$PG_CONFIG" --cc)
  libasan=$(readlink -f "$($cc -print-file-name=libasan.so)")
  libubsan=$(readlink -f "$($cc -print-file-name=libubsan.so)")
  if [ ! -f "$libasan" ] || [ ! -f "$libubsan" ]; then
    la_log "no sanitizer runtime for $cc (libasan: $libasan, libubsan: $libubsan)"; return 1
  fi
  LA_SAN_DIR="$LA_WORK/san"
  export LA_SAN_DIR
  mkdir -p "$LA_SAN_DIR"
  echo 0 >"$LA_SAN_DIR/server.log.offset"

  "$cc" -shared -fPIC -O2 -Wall -Werror -o "$LA_SAN_DIR/preload_shim.so" "$LA_SRC/test/asan/preload_shim.c" \
    >"$LA_SAN_DIR/build.log" 2>&1 || { cat "$LA_SAN_DIR/build.log" >&2; la_log "preload shim: build failed"; return 1; }
  # shellcheck disable=SC2046 # pg_config prints the flags as words
  "$cc" $("$PG_CONFIG" --cflags) $("$PG_CONFIG" --cflags_sl) $LA_SAN_CFLAGS -Werror -shared \
    -I"$("$PG_CONFIG" --includedir-server)" -o "$LA_SAN_DIR/canary.so" "$LA_SRC/test/asan/canary.c" \
    >>"$LA_SAN_DIR/build.log" 2>&1 || { cat "$LA_SAN_DIR/build.log" >&2; la_log "canary: build failed"; return 1; }

  # The build tree: the checkout without its build products (make clean removes any the copy took).
  LA_BUILD="$LA_WORK/build"
  mkdir -p "$LA_BUILD"
  tar -C "$LA_SRC" --exclude-vcs --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
    --exclude=./results --exclude=./tmp_check --exclude=./log -cf - . | tar -C "$LA_BUILD" -xf - || return 1
  make -C "$LA_BUILD" -s PG_CONFIG="$PG_CONFIG" clean >/dev/null 2>&1 || true

  # Reports go to the server's stderr, server.log: with two runtimes in one process, gcc's
  # log_path sends ASan's and UBSan's reports to different places, depending on which started first.
  LA_SAN_ENV=(
    # libasan first (ASan insists), then the shim, whose UBSan hook must come before libubsan's.
    "LD_PRELOAD=$libasan $LA_SAN_DIR/preload_shim.so $libubsan"
    # detect_leaks=0: memory contexts that live as long as the process look like leaks.
    # allocator_may_return_null=1: a failed malloc is PostgreSQL's "out of memory", as in production.
    "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:detect_stack_use_after_return=0:print_summary=1"
    "UBSAN_OPTIONS=print_stacktrace=1:report_error_type=1:halt_on_error=0:print_summary=1"
  )
}

# pg_ctl as the cluster's owner, with the sanitizer runtime in the server's environment when
# LA_SANITIZE=1 (only the server: psql, pg_dump and the tests run uninstrumented).
la_pg_ctl() {
  if [ "${LA_SANITIZE:-0}" = 1 ]; then
    la_as_owner env "${LA_SAN_ENV[@]}" "$LA_BIN/pg_ctl" "$@"
  else
    la_as_owner "$LA_BIN/pg_ctl" "$@"
  fi
}

# Print the sanitizer reports that server.log gained since the last call, under the heading "$1":
# ASan's from its "ERROR:" line to "ABORTING", UBSan's "runtime error:" line with its notes and
# stack (other processes' log lines may be interleaved). Returns 1 when there was any, else 0.
la_san_check() {
  local label=$1 log="$LA_WORK/server.log" from size chunk
  [ -f "$log" ] || return 0
  from=$(cat "$LA_SAN_DIR/server.log.offset")
  size=$(stat -c %s "$log")
  [ "$size" -gt "$from" ] || return 0
  echo "$size" >"$LA_SAN_DIR/server.log.offset"
  chunk=$(tail -c +"$((from + 1))" "$log" | head -c "$((size - from))")
  printf '%s\n' "$chunk" | grep -qE "$LA_SAN_ERRORS" || return 0
  echo "---- sanitizer reports during $label (from $log) ----"
  printf '%s\n' "$chunk" | awk '
    /^=+$/ { sep = $0; next }
    /^==[0-9]+==ERROR: |Sanitizer:DEADLYSIGNAL/ { if (sep != "") print sep; asan = 1 }
    { sep = "" }
    asan { print; if (/^==[0-9]+==ABORTING/) asan = 0; next }
    /runtime error:/ { print; ub = 1; next }
    ub && (/^ / || /: note: / || /^$/) { print; next }
    { ub = 0 }
    /^SUMMARY: [A-Za-z]*Sanitizer/ { print }
  ' | head -n 400
  echo "---- end of sanitizer reports during $label ----"
  return 1
}

# The harness's own test: call the canary's two bugs and require each report to be found by
# la_san_check. Returns 0 when both were caught (and prints the reports either way). Leaves the server up (the ASan abort makes the
# postmaster restart the others; this waits until it accepts connections again).
la_san_canary() {
  local out so="$LA_SAN_DIR/canary.so" i ok=0
  la_san_check "the start of the server" || { la_log "canary: sanitizer reports before any test"; return 1; }
  psql -X -q -d postgres -At -v ON_ERROR_STOP=1 >/dev/null <<SQL || { la_log "canary: the UBSan call failed"; return 1; }
CREATE FUNCTION pg_temp.canary_signed_overflow(bigint) RETURNS bigint
  AS '$so', 'la_canary_signed_overflow' LANGUAGE c STRICT;
SELECT pg_temp.canary_signed_overflow(9223372036854775807);
SQL
  sleep 0.2
  out=$(la_san_check "the canary (signed overflow)") && { la_log "canary: no UBSan report for a signed overflow"; return 1; }
  echo "$out"
  # (its stack is not required: in some runs UBSan prints none, for reasons not found yet; the
  # report line names the file and line)
  echo "$out" | grep -q 'canary.c:[0-9:]* runtime error: signed integer overflow' \
    || { la_log "canary: no UBSan report for the signed overflow in canary.c"; return 1; }

  psql -X -q -d postgres -At >/dev/null 2>&1 <<SQL
CREATE FUNCTION pg_temp.canary_stack_overflow(int) RETURNS int
  AS '$so', 'la_canary_stack_overflow' LANGUAGE c STRICT;
SELECT pg_temp.canary_stack_overflow(16);
SQL
  # the backend aborted; the postmaster restarts the others: wait until it accepts connections
  for i in $(seq 1 120); do
    if psql -X -q -d postgres -At -c 'SELECT 1' >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.5
  done
  [ $ok -eq 1 ] || { la_log "canary: the server did not come back after the ASan abort"; return 1; }
  out=$(la_san_check "the canary (stack overflow)") && { la_log "canary: no ASan report for a stack buffer overflow"; return 1; }
  echo "$out"
  echo "$out" | grep -q 'ERROR: AddressSanitizer: stack-buffer-overflow' \
    && echo "$out" | grep -q ' in la_canary_stack_overflow ' \
    || { la_log "canary: no ASan report with a stack for the overflow in la_canary_stack_overflow"; return 1; }
  grep -q 'terminated by signal 6' "$LA_WORK/server.log" \
    || { la_log "canary: the ASan error did not abort the backend (abort_on_error)"; return 1; }
  return 0
}
