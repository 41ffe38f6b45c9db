#!/usr/bin/env bash
# Make sure the Debian packages that the build, the tests and the demo use are present.
# As root, install what is missing with apt-get; otherwise say exactly what to install and fail.
# Arguments name more packages to check (the sanitizer runtimes of `make check-asan`).
set -euo pipefail

PACKAGES=(
  postgresql-15              # the server the throwaway clusters run
  postgresql-server-dev-15   # pg_config, PGXS, server headers, pg_regress
  postgresql-15-cron         # pg_cron, preloaded in every test cluster
  postgresql-client-15       # psql, pg_dump
  r-mathlib                  # libRmath + Rmath.h: t distribution for comparisons (src/roi/compare.c)
  python3-scipy              # tests only: independent reference for the statistics (test/t/61_*)
  python3-sklearn            # tests and benchmarks only: independent fit of the risk model
  python3-statsmodels        # tests only: independent fit of the risk model (unpenalised)
  python3-jsonschema         # tests only: META.json against the PGXN meta spec (test/t/90_pgxn.sh)
  python3-regex              # tests only: the PGXN schema's patterns use Rust regex syntax (same)
  make gcc
  "$@"
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "learnalytics: missing Debian packages: ${missing[*]}" >&2
  echo "  Install them as root:  apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "learnalytics: installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
# Another run (another checkout, test/t/91_debian_package.sh) may hold the dpkg lock: wait for it.
lock=(-o DPkg::Lock::Timeout=600)
# An index older than a day may lack the current point release: refresh it once.
apt-get update -qq "${lock[@]}"
apt-get install -y -qq --no-install-recommends "${lock[@]}" "${missing[@]}" >/dev/null
echo "learnalytics: installed ${missing[*]}"
