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

#endif							/* LA_COMMON_H */
