/*
 * la_compat.h
 *		Shims that let learnalytics build on PostgreSQL 15 and later majors.
 *
 * Everything version-dependent lives here, behind PG_VERSION_NUM guards, so
 * that the rest of the code is written once.
 */
#ifndef LA_COMPAT_H
#define LA_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000
#error "learnalytics requires PostgreSQL 15 or later"
#endif

/* MarkGUCPrefixReserved appeared in 15; EmitWarningsOnPlaceholders before. */
#define LA_RESERVE_GUC_PREFIX(prefix) MarkGUCPrefixReserved(prefix)

#endif							/* LA_COMPAT_H */
