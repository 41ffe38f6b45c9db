#!/bin/sh
# Format C sources in PostgreSQL's pgindent style with pg_bsd_indent (Debian package
# pg-bsd-indent, version 2.1.1 as used for PostgreSQL 15). Our own driver: it follows what
# src/tools/pgindent/README and pgindent document, not their code.
#
#   tools/pgindent.sh [FILE...]           reformat the files in place (default: src/**/*.[ch])
#   tools/pgindent.sh --check [FILE...]   change nothing; list the files that would change and
#                                         how many lines, exit 1 if any would
#   tools/pgindent.sh --diff [FILE...]    change nothing; print a unified diff
#
# Steps per file, as pgindent does them:
#   1. pre-process: `// x` comments become `/* x */`; block comments that start with dashes
#      (`/* ----`) are protected so indent leaves their layout alone;
#   2. pg_bsd_indent with pgindent's options and a typedef list (tools/typedefs.sh: the
#      server headers' typedefs plus ours), minus the names pgindent excludes;
#   3. post-process: undo the dash protection; a tab between two comments run together;
#      `Type *` alone on a line (the return type of a function definition) gets one space.
# pgindent's other steps protect code we do not have (`extern "C"` blocks, CATALOG() lines).
# Environment: PG_BSD_INDENT (default pg_bsd_indent), PG_CONFIG (default pg_config).
set -eu

mode="write"
case ${1:-} in
  --check) mode="check"; shift ;;
  --diff) mode="diff"; shift ;;
  -*) echo "usage: $0 [--check|--diff] [FILE...]" >&2; exit 2 ;;
esac

indent=${PG_BSD_INDENT:-pg_bsd_indent}
if ! command -v "$indent" >/dev/null 2>&1; then
  echo "$0: $indent not found (apt-get install pg-bsd-indent)" >&2
  exit 2
fi

# pgindent's options (src/tools/pgindent/pgindent, $indent_opts)
opts="-bad -bap -bbb -bc -bl -cli1 -cp33 -cdb -nce -d0 -di12 -nfc1 -i4 -l79 -lp -lpl -nip -npro -sac -tpg -ts4"

here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# typedef list; pgindent drops these names, which are also ordinary identifiers
sh "$here/tools/typedefs.sh" "$here/src" | sort -u \
  | grep -vxE 'ANY|FD_SET|U|abs|allocfunc|boolean|date|digit|ilist|interval|iterator|other|pointer|printfunc|reference|string|timestamp|type|wrap' \
  > "$tmp/typedefs"

if [ $# -eq 0 ]; then
  # shellcheck disable=SC2046 # file names under src/ have no blanks
  set -- $(cd "$here" && find src -name '*.[ch]' | sort)
  cd "$here"
fi

changed=0
lines=0
added=0
for f in "$@"; do
  # 1. pre-process
  perl -pe '
    s{^([ \t]*)//(.*)$}{$1/* $2 */};
    s{/\* +---}{/*---X_X}g;
  ' "$f" > "$tmp/in.c"
  # 2. indent (it writes its warnings to stderr; a warning means it may have misparsed)
  # shellcheck disable=SC2086 # $opts is a list of options
  if ! "$indent" $opts "-U$tmp/typedefs" "$tmp/in.c" "$tmp/out.c" 2> "$tmp/err" \
    || [ -s "$tmp/err" ]; then
    echo "$f: pg_bsd_indent failed:" >&2
    cat "$tmp/err" >&2
    exit 2
  fi
  # 3. post-process
  perl -pe '
    s{/\*---X_X}{/* ---}g;
    s{\*/(/\*.*\*/)$}{*/\t$1};
    s{^([A-Za-z_]\S*)[ \t]+\*$}{$1 *};
  ' "$tmp/out.c" > "$tmp/new.c"

  if cmp -s "$f" "$tmp/new.c"; then
    continue
  fi
  changed=$((changed + 1))
  case $mode in
    write)
      cat "$tmp/new.c" > "$f" ;;
    check)
      n=$(diff "$f" "$tmp/new.c" | grep -c '^<' || true)
      a=$(diff "$f" "$tmp/new.c" | grep -c '^>' || true)
      lines=$((lines + n))
      added=$((added + a))
      echo "$f: $n lines would change into $a" ;;
    diff)
      diff -u "$f" "$tmp/new.c" | sed "1s|.*|--- a/$f|; 2s|.*|+++ b/$f|" || true ;;
  esac
done

if [ "$mode" = check ] && [ $changed -gt 0 ]; then
  echo "tools/pgindent.sh would change $lines lines of $changed files into $added"
  exit 1
fi
exit 0
