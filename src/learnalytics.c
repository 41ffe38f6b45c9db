/*
 * learnalytics.c
 *		Module entry point: module magic, _PG_init and library-level functions.
 *
 * The SQL layer (src/sql/) calls into the functions defined across src/;
 * this file only holds what belongs to the library as a whole.
 */
#include "postgres.h"

#include <ctype.h>

#include "common/int.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "la_common.h"
#include "xapi/xapi.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * learnalytics.quality_gate: what the ROI comparisons do with inputs that
 * have open high-severity data-quality findings (doc/quality.md, "ROI and
 * comparisons").  SQL reads it by name (learnalytics_internal.quality_gate);
 * the variable only backs the setting.
 */
static int	quality_gate = 0;

static const struct config_enum_entry quality_gate_options[] = {
	{"refuse", 0, false},
	{"warn", 1, false},
	{"off", 2, false},
	{NULL, 0, false}
};

/*
 * _PG_init
 *		Define the settings, then reserve the "learnalytics." GUC prefix so
 *		that a misspelt setting is reported instead of silently creating a
 *		placeholder.
 */
void
_PG_init(void)
{
	XapiStreamInit();
	DefineCustomEnumVariable("learnalytics.quality_gate",
							 "What ROI and comparisons do when their inputs have open high-severity data-quality findings.",
							 "refuse: raise an error; warn: a warning, and the results; off: nothing.",
							 &quality_gate, 0, quality_gate_options, PGC_USERSET, 0, NULL, NULL, NULL);
	LA_RESERVE_GUC_PREFIX("learnalytics");
}

/*
 * la_library_version
 *		Version of the loaded shared library.  status() compares it with the
 *		installed extension version, so that a server running a newer .so
 *		against an old catalog (ALTER EXTENSION ... UPDATE not yet run) is
 *		visible to a DBA.
 */
PG_FUNCTION_INFO_V1(la_library_version);
Datum
la_library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(LA_LIBRARY_VERSION));
}

/*
 * la_scan_number
 *		The end of a number -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? (the
 *		JSON grammar) starting at p, or NULL when there is none.  *integral
 *		says whether it has neither fraction nor exponent.  The summaries'
 *		text forms check the grammar first, to keep strtod's extras (hex,
 *		"inf", "nan", leading spaces) out.
 */
const char *
la_scan_number(const char *p, bool *integral)
{
	*integral = true;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char) *p))
			p++;
	else
		return NULL;
	if (*p == '.')
	{
		p++;
		if (!isdigit((unsigned char) *p))
			return NULL;
		while (isdigit((unsigned char) *p))
			p++;
		*integral = false;
	}
	if (*p == 'e' || *p == 'E')
	{
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char) *p))
			return NULL;
		while (isdigit((unsigned char) *p))
			p++;
		*integral = false;
	}
	return p;
}

/*
 * la_add_count
 *		n1 + n2, or an error naming the summary type and what it counts: a
 *		count never wraps.
 */
int64
la_add_count(int64 n1, int64 n2, const char *type, const char *what)
{
	int64		r;

	if (unlikely(pg_add_s64_overflow(n1, n2, &r)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s field \"n\" is out of range", type),
				 errdetail("The count exceeds " INT64_FORMAT " %s.", PG_INT64_MAX, what)));
	return r;
}
