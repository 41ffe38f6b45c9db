#!/usr/bin/env bash
# The shell-test library: every test/t/*.sh sources it first,
#   source "$(dirname "$0")/../lib/t.sh"
# and gets (doc/DEVELOPER.md, "Writing a shell test"):
#   la_t_cleanup_add CMD [ARG...]   run CMD ARG... when the script (or the current check) exits;
#                                  commands run in reverse order of registration, and one failing
#                                  does not stop the others; the exit status is kept
#   la_t_psql [ARG...]              psql -X -q -v ON_ERROR_STOP=1 -At on $LA_DB (a later -d wins)
#   la_t_ext_schema                 prints the schema the extension is installed in
#   la_t_skip REASON...             skip the whole script: prints REASON last, exits 77
#   la_t_check NAME CMD [ARG...]    runs one check in a subshell and prints "ok - NAME",
#                                  "not ok - NAME (exit N)" or "skip - NAME: REASON" (REASON: the
#                                  last line the check printed before it exited 77)
#   la_t_need_shared PATH...        each PATH (relative to $LA_SHARED, or absolute) must exist: if one
#                                  does not, the current check is skipped with "skipped: PATH
#                                  absent" (outside a check, the whole script)
#   la_t_done                       prints the count of checks and exits: 1 if one failed, 77 if every
#                                  check was skipped (the reasons on the last line), 0 otherwise
#   la_t_session_open NAME [ARG...] a psql session on $LA_DB in the background, fed through a FIFO
#   la_t_session_send NAME [LINE...] writes LINEs (or stdin) to the session
#   la_t_session_wait NAME MARKER [SECONDS]  waits for the session to print the line MARKER;
#                                  the lines it printed before it are in $la_t_out
#   la_t_session_output NAME        prints all the session has printed so far
#   la_t_session_pid NAME           prints the PID of the session's psql
#   la_t_session_close NAME         ends the session's input and waits for psql: its exit status
# Environment (test/run.sh exports it): LA_SRC, LA_DB, LA_SHARED, PGHOST, PGPORT, PGUSER, LA_BIN.

LA_SRC=${LA_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LA_DB=${LA_DB:-learnalytics_regress}
LA_SHARED=${LA_SHARED:-$LA_SRC/../shared}
export LA_SRC LA_DB LA_SHARED

# ---- clean-up ---------------------------------------------------------------------------------
la_t_cleanups=()
la_t_cleanup_add() {
  [ $# -gt 0 ] || { echo "la_t_cleanup_add: no command" >&2; return 1; }
  local cmd
  printf -v cmd '%q ' "$@"
  la_t_cleanups+=("$cmd")
}
_la_t_exit() {
  local rc=$? i
  # in reverse; a failing clean-up command neither stops the others nor changes the status;
  # when skipping, they print nothing (the reason must stay the last line)
  for ((i = ${#la_t_cleanups[@]} - 1; i >= 0; i--)); do
    if [ $rc -eq 77 ]; then
      eval "${la_t_cleanups[$i]}" >/dev/null 2>&1 || true
    else
      eval "${la_t_cleanups[$i]}" || true
    fi
  done
  la_t_cleanups=()
  exit $rc
}
trap _la_t_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- psql --------------------------------------------------------------------------------------
la_t_psql() {
  psql -X -q -v ON_ERROR_STOP=1 -At -d "$LA_DB" "$@"
}
la_t_ext_schema() {
  la_t_psql -c "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                WHERE e.extname = 'learnalytics'"
}

# ---- skips and checks --------------------------------------------------------------------------
la_t_skip() {
  echo "$*"
  exit 77
}
la_t_need_shared() {
  local p full
  for p in "$@"; do
    case $p in /*) full=$p ;; *) full=$LA_SHARED/$p ;; esac
    [ -e "$full" ] || { echo "skipped: $full absent"; exit 77; }
  done
}

la_t_nok=0
la_t_nfail=0
la_t_nskip=0
la_t_skips=()
la_t_check() {
  local name=$1; shift
  local log rc errexit=0 reason
  [[ $- == *e* ]] && errexit=1
  log=$(mktemp "${TMPDIR:-/tmp}/la_t_check.XXXXXX")
  # The check runs in a subshell of its own: its `exit` ends the check, not the script, and the
  # clean-ups it registers run when it ends. The subshell keeps the script's `set -e` (it is
  # started as a plain command, not in an && or || list, where bash would ignore -e in it).
  {
    set +e
    (
      [ $errexit = 1 ] && set -e
      la_t_cleanups=()
      trap _la_t_exit EXIT
      trap 'exit 130' INT
      trap 'exit 143' TERM
      "$@"
    )
    echo $? >"$log.rc"
  } 2>&1 | tee "$log"
  rc=$(cat "$log.rc" 2>/dev/null || echo 1)
  case $rc in
    0)
      la_t_nok=$((la_t_nok + 1))
      echo "ok - $name" ;;
    77)
      reason=$(tail -n 1 "$log")
      reason=${reason#skipped: }
      reason=${reason#skip: }
      [ -n "$reason" ] || reason="no reason given"
      la_t_nskip=$((la_t_nskip + 1))
      la_t_skips+=("$name: $reason")
      echo "skip - $name: $reason" ;;
    *)
      la_t_nfail=$((la_t_nfail + 1))
      echo "not ok - $name (exit $rc)" ;;
  esac
  rm -f "$log" "$log.rc"
  return 0
}
la_t_done() {
  local total=$((la_t_nok + la_t_nfail + la_t_nskip))
  echo "checks: $total, ok $la_t_nok, not ok $la_t_nfail, skipped $la_t_nskip"
  [ $la_t_nfail -eq 0 ] || exit 1
  if [ $total -gt 0 ] && [ $la_t_nskip -eq $total ]; then
    local all
    all=$(printf '%s; ' "${la_t_skips[@]}")
    echo "all $total checks skipped: ${all%; }"
    exit 77
  fi
  exit 0
}

# ---- a psql session in the background ----------------------------------------------------------
# Its input is a FIFO held open by this shell, its output (stdout and stderr) a file. Its PID is
# kept from $! in a plain variable (bash's coproc variables are unset as soon as bash reaps the
# process, which made a `wait` on them fail under `set -u` on a loaded machine). Every wait has a
# bound and says what the session printed when it gives up; nothing waits for a fixed time.
declare -A la_t_session_pids=() la_t_session_fds=() la_t_session_seen=()
la_t_session_dir=""
la_t_out=""
la_t_session_open() {
  local name=$1; shift
  if [ -z "$la_t_session_dir" ]; then
    la_t_session_dir=$(mktemp -d "${TMPDIR:-/tmp}/la_t_session.XXXXXX") || return 1
    la_t_cleanup_add rm -rf "$la_t_session_dir"
  fi
  local in="$la_t_session_dir/$name.in" out="$la_t_session_dir/$name.out" fd
  rm -f "$in" "$out"
  mkfifo "$in" || return 1
  : >"$out"
  psql -X -q -A -t -d "$LA_DB" "$@" <"$in" >"$out" 2>&1 &
  la_t_session_pids[$name]=$!
  exec {fd}>"$in"
  la_t_session_fds[$name]=$fd
  la_t_session_seen[$name]=0
  # a session still running when the script (or check) ends is ended, by the PID started here
  la_t_cleanup_add _la_t_session_kill "$name"
}
_la_t_session_kill() {
  local pid=${la_t_session_pids[$1]:-}
  [ -n "$pid" ] || return 0
  local fd=${la_t_session_fds[$1]:-}
  [ -z "$fd" ] || exec {fd}>&- 2>/dev/null
  la_t_session_fds[$1]=""
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  la_t_session_pids[$1]=""
  return 0
}
la_t_session_pid() { echo "${la_t_session_pids[$1]:-}"; }
la_t_session_output() { cat "$la_t_session_dir/$1.out"; }
la_t_session_send() {
  local name=$1; shift
  local fd=${la_t_session_fds[$name]:-}
  [ -n "$fd" ] && [ -n "${la_t_session_pids[$name]:-}" ] || { echo "la_t_session_send: no session $name"; return 1; }
  # in a subshell: if psql has gone, SIGPIPE ends the subshell, not the script
  if [ $# -gt 0 ]; then
    (printf '%s\n' "$@" >&"$fd")
  else
    (cat >&"$fd")
  fi
}
la_t_session_wait() {
  local name=$1 marker=$2 secs=${3:-60}
  local out="$la_t_session_dir/$name.out" pid=${la_t_session_pids[$name]:-} seen=${la_t_session_seen[$name]:-0}
  local n alive deadline=$((SECONDS + secs + 1))   # SECONDS counts whole seconds: at least secs
  la_t_out=""
  while :; do
    alive=0
    kill -0 "$pid" 2>/dev/null && alive=1
    n=$(tail -n +$((seen + 1)) "$out" | grep -n -x -F -m 1 -- "$marker" | cut -d: -f1)
    if [ -n "$n" ]; then
      [ "$n" -gt 1 ] && la_t_out=$(tail -n +$((seen + 1)) "$out" | head -n $((n - 1)))$'\n'
      la_t_session_seen[$name]=$((seen + n))
      return 0
    fi
    # the marker was not there while psql was still alive: after psql ended, look once more
    [ $alive = 1 ] && [ $SECONDS -lt $deadline ] || break
    sleep 0.1
  done
  la_t_out=$(tail -n +$((seen + 1)) "$out")
  echo "session $name ended or stalled before printing \"$marker\"; it printed: $la_t_out"
  return 1
}
la_t_session_close() {
  local name=$1 pid=${la_t_session_pids[$1]:-} rc
  [ -n "$pid" ] || { echo "la_t_session_close: no session $name"; return 1; }
  local fd=${la_t_session_fds[$name]}
  exec {fd}>&-
  la_t_session_fds[$name]=""
  wait "$pid"; rc=$?
  la_t_session_pids[$name]=""
  return $rc
}
