/*
 * Preloaded with the sanitizer runtimes into the (uninstrumented) Debian server binary by
 * `make check-asan` (test/lib/sanitize.sh); never part of the extension.
 */
#include <stdlib.h>

char	   *bindtextdomain(const char *domainname, const char *dirname);
const char *__ubsan_default_options(void);

/*
 * With libasan preloaded, the postmaster hangs at start-up: main() -> set_pglocale_pgservice() ->
 * bindtextdomain() waits forever on glibc's _nl_state_lock. The test clusters run in the C locale
 * and read no message catalogs, so binding a text domain can be a no-op: this definition comes
 * before glibc's in the symbol search order and returns what a successful call would.
 */
char *
bindtextdomain(const char *domainname, const char *dirname)
{
	return (char *) (dirname ? dirname : "/usr/share/locale");
}

/*
 * UBSan reads its options when it first reports, in a backend, from /proc/self/environ; by then
 * the postmaster has written its process title over the memory that file shows, so UBSAN_OPTIONS
 * is lost. getenv() still finds it (PostgreSQL moved the environment, it did not drop it), and
 * UBSan asks this hook before the environment. The shim must come before libubsan in LD_PRELOAD
 * for its definition to replace the runtime's default.
 */
const char *
__ubsan_default_options(void)
{
	const char *options = getenv("UBSAN_OPTIONS");

	return options ? options : "";
}
