/*
 * learnalytics.c
 *		Module entry point: module magic, _PG_init and library-level functions.
 *
 * The SQL layer (src/sql/) calls into the functions defined across src/;
 * this file only holds what belongs to the library as a whole.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "la_common.h"
#include "xapi/xapi.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * _PG_init
 *		Reserve the "learnalytics." GUC prefix so that a misspelt setting is
 *		reported instead of silently creating a placeholder.
 */
void
_PG_init(void)
{
	XapiStreamInit();
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
