/*
 * la_common.h
 *		Declarations shared by every learnalytics C file.
 */
#ifndef LA_COMMON_H
#define LA_COMMON_H

#include "postgres.h"
#include "la_compat.h"

/* Version of the shared library; the SQL scripts carry their own. */
#define LA_LIBRARY_VERSION "0.2.0"

/* The schema of the objects doc/ does not document (src/sql/helpers.sql). */
#define LA_INTERNAL_SCHEMA "learnalytics_internal"

/*
 * Shared by the text forms of the summaries (src/learnalytics.c): the end of
 * a JSON-grammar number at p, or NULL; and a count that never wraps.
 */
extern const char *la_scan_number(const char *p, bool *integral);
extern int64 la_add_count(int64 n1, int64 n2, const char *type, const char *what);

#endif							/* LA_COMMON_H */
