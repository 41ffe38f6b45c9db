/*
 * Deliberate bugs for `make check-asan` to prove its own harness: built with the sanitizer flags
 * into the throwaway cluster's work directory only, called through temporary functions, and
 * never installed with the extension. If calling them leaves no sanitizer report that the
 * harness finds, the harness is broken and check-asan fails.
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

/* Reads buf[i]: past the end of a stack array when i >= 16 (AddressSanitizer). */
PG_FUNCTION_INFO_V1(la_canary_stack_overflow);
Datum
la_canary_stack_overflow(PG_FUNCTION_ARGS)
{
	int32		i = PG_GETARG_INT32(0);
	volatile char buf[16] = {0};

	PG_RETURN_INT32(buf[i]);
}

/* Returns a + 1: signed overflow at INT64_MAX (UndefinedBehaviorSanitizer; needs -fno-wrapv). */
PG_FUNCTION_INFO_V1(la_canary_signed_overflow);
Datum
la_canary_signed_overflow(PG_FUNCTION_ARGS)
{
	int64		a = PG_GETARG_INT64(0);

	PG_RETURN_INT64(a + 1);
}
