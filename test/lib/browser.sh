#!/usr/bin/env bash
# The browser for the browser tests (test/t/92_reports_browser.sh): source this file, then call
#   la_browser_setup     Debian's chromium (installed through test/lib/deps.sh when we are root) and
#                        playwright-core (npm ci into test/browser/node_modules, gitignored, from the
#                        committed package-lock.json: the registry's package, never a browser download)
# It returns 0 when both are ready, and exports LA_CHROMIUM (the browser's path) and LA_BROWSER_DIR;
# otherwise it prints the reason on its last line and returns 77 (the test then skips).
# LA_CHROMIUM may name another Chromium build; nothing is downloaded for it.

LA_BROWSER_DIR=${LA_BROWSER_DIR:-$LA_SRC/test/browser}

la_browser_setup() {
  export LA_BROWSER_DIR
  LA_CHROMIUM=${LA_CHROMIUM:-/usr/bin/chromium}
  if [ ! -x "$LA_CHROMIUM" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      bash "$LA_SRC/test/lib/deps.sh" chromium >&2 || {
        echo "chromium could not be installed (apt-get install chromium failed)"; return 77; }
    fi
    if [ ! -x "$LA_CHROMIUM" ]; then
      echo "no browser: $LA_CHROMIUM absent (as root: apt-get install chromium, or set LA_CHROMIUM)"
      return 77
    fi
  fi
  export LA_CHROMIUM
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "no Node.js: node and npm are needed for playwright-core (Debian: apt-get install nodejs npm)"
    return 77
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ]; then
    echo "Node.js $(node --version) is too old: playwright-core needs 20 or later"
    return 77
  fi
  # npm ci only when the installed tree is not the locked one (npm writes its own copy of the lock)
  if ! cmp -s "$LA_BROWSER_DIR/package-lock.json" "$LA_BROWSER_DIR/node_modules/.la-package-lock.json"; then
    # never a browser download: Debian's chromium is the browser
    if ! (cd "$LA_BROWSER_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
            npm ci --no-audit --no-fund --loglevel=error >&2); then
      echo "npm ci of playwright-core failed (is the npm registry reachable?)"
      return 77
    fi
    cp "$LA_BROWSER_DIR/package-lock.json" "$LA_BROWSER_DIR/node_modules/.la-package-lock.json"
  fi
  if ! (cd "$LA_BROWSER_DIR" && node -e 'import("playwright-core").then(() => process.exit(0), () => process.exit(1))'); then
    echo "playwright-core does not load from $LA_BROWSER_DIR/node_modules"
    return 77
  fi
  return 0
}
