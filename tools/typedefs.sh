#!/bin/sh
# Print the typedef names pg_bsd_indent must know (its -U file), one a line, sorted:
#   - the typedefs of the PostgreSQL server headers (pg_config --includedir-server), found by
#     scanning them for `typedef ... Name;`, `} Name;` ending a typedef'd struct/union/enum,
#     and function-pointer typedefs `typedef T (*Name) (...)`;
#   - the typedefs of our own headers and .c files under src/ (same patterns);
#   - the C library types the sources use (size_t, FILE, int64_t, ...), which live in system
#     headers we do not scan.
# PostgreSQL's pgindent reads a list the buildfarm extracts from debug symbols; scanning the
# headers finds nearly the same names for the headers we include. A name missing from the list
# only makes pg_bsd_indent format a declaration of that type like an expression (`Foo * x`).
# Names pgindent leaves out on purpose (they are also ordinary words: `type`, `string`, ...)
# are left out here too, and `bool` is added (it is a macro in <stdbool.h>).
# Usage: tools/typedefs.sh [SRCDIR]   (SRCDIR defaults to src; PG_CONFIG names pg_config)
set -eu
srcdir=${1:-src}
server=$("${PG_CONFIG:-pg_config}" --includedir-server)

{
  find "$server" -name '*.h' -print
  find "$srcdir" -name '*.[ch]' -print
} | xargs cat | perl -e '
  local $/;
  my $text = <STDIN>;
  $text =~ s{/\*.*?\*/}{ }gs;            # drop comments
  $text =~ s{^[ \t]*#.*(?:\\\n.*)*$}{}gm;  # drop preprocessor lines (with continuations)
  my %seen;
  # typedef ... { ... } Name[, *Name2];  -- match the braces of the typedef body
  while ($text =~ /\btypedef\b/g)
  {
    my $start = pos($text);
    my $depth = 0;
    my $i = $start;
    my $len = length($text);
    my $body_end;
    for (; $i < $len; $i++)
    {
      my $c = substr($text, $i, 1);
      $depth++ if $c eq "{" || $c eq "(";
      $depth-- if $c eq "}" || $c eq ")";
      last if $c eq ";" && $depth == 0;
    }
    my $decl = substr($text, $start, $i - $start);
    pos($text) = $i;
    if ($decl =~ /\(\s*\*\s*(\w+)\s*\)\s*\(/)
    {
      $seen{$1} = 1;                   # typedef T (*Name) (args)
      next;
    }
    if ($decl =~ /^\s*\w[\w\s\*]*?\b(\w+)\s*\(/ && $decl !~ /[{}]/)
    {
      $seen{$1} = 1;                   # typedef T Name (args): a function type
      next;
    }
    $decl =~ s/\{.*\}/ /s;               # keep what follows the body
    $decl =~ s/\[[^\]]*\]//g;            # array dimensions
    $decl =~ s/\bpg_attribute_\w+\s*\((?:[^()]|\([^()]*\))*\)//g;
    $decl =~ s/\b__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)//g;
    foreach my $part (split /,/, $decl)
    {
      $seen{$1} = 1 if $part =~ /(\w+)\s*$/;
    }
  }
  print "$_\n" foreach keys %seen;
'
# C library types used by the server headers and our sources
printf '%s\n' bool size_t ssize_t ptrdiff_t off_t pid_t uid_t gid_t mode_t time_t \
  FILE va_list jmp_buf sigjmp_buf locale_t wchar_t \
  int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t intptr_t uintptr_t \
  pthread_t pthread_mutex_t
