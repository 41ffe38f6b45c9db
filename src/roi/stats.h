/*
 * stats.h
 *		The stats_summary type: a storable, combinable summary of a sample of
 *		float8 values (count, mean, sum of squared deviations, min, max), from
 *		which group comparisons (welch_test, diff_in_diff) take their inputs.
 *
 * Values are added one at a time with Welford's update and summaries are
 * merged with the parallel formula of Chan, Golub and LeVeque, so the mean
 * and variance stay accurate where the textbook sum-of-squares formula
 * cancels.  Float arithmetic is not associative: merging partial summaries in
 * another order gives the same count, min and max, and a mean and variance
 * that agree to rounding (not bit for bit).
 */
#ifndef LA_STATS_H
#define LA_STATS_H

#include "la_common.h"

/* Version of the stored and binary formats: the low byte of the format word. */
#define STATS_FORMAT_VERSION	1

/*
 * On-disk and in-memory layout (a fixed-size varlena, aligned as double).
 * The format word holds the version in its low byte; the other 24 bits are
 * reserved flags, always 0 in version 1.
 */
typedef struct StatsSummary
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint32		format;			/* STATS_FORMAT_VERSION | reserved flags << 8 */
	int64		n;				/* number of values */
	float8		mean;			/* their mean; 0 when n = 0 */
	float8		m2;				/* sum of squared deviations from the mean */
	float8		min;			/* smallest value; 0 when n = 0 */
	float8		max;			/* largest value; 0 when n = 0 */
} StatsSummary;

#define STATS_SIZE				sizeof(StatsSummary)

#define DatumGetStatsSummaryP(X)	((StatsSummary *) PG_DETOAST_DATUM(X))
#define PG_GETARG_STATS_P(n)	DatumGetStatsSummaryP(PG_GETARG_DATUM(n))
#define PG_RETURN_STATS_P(x)	PG_RETURN_POINTER(x)

#endif							/* LA_STATS_H */
