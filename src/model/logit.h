/*
 * logit.h
 *		The logit_summary type: what one pass over the rows of a logistic
 *		regression gives at given coefficients (log-likelihood, gradient,
 *		Hessian), plus the weighted mean and spread of every raw feature,
 *		from which a Newton step is solved (doc/model.md).
 *
 * d = p + 1 is the number of coefficients (the intercept first, then one per
 * feature).  The state also records the coefficients, centres and scales it
 * was computed at, so that summaries computed at different coefficients are
 * never merged, and a Newton step knows which features are constant.
 */
#ifndef LA_LOGIT_H
#define LA_LOGIT_H

#include "la_common.h"

/* Version of the stored, text and binary formats: the low byte of the format word. */
#define LOGIT_FORMAT_VERSION	1

/* At most this many features (so d = p + 1 <= LOGIT_MAX_FEATURES + 1). */
#define LOGIT_MAX_FEATURES		1000

/*
 * Layout (a varlena aligned as double).  The header is followed by
 * LogitNumFloats(d) float8s:
 *
 *   coef[d] center[p] scale[p] grad[d] hess[d(d+1)/2] mean[p] m2[p]
 *
 * hess is the upper triangle, row by row, of sum w p (1 - p) z z^T (the
 * negative Hessian of the log-likelihood); grad is sum w (y - p) z; mean and
 * m2 are the weighted mean and sum of weighted squared deviations of each raw
 * feature (West's update, merged with Chan's formula).
 */
typedef struct LogitSummary
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint32		format;			/* LOGIT_FORMAT_VERSION | reserved flags << 8 */
	int32		d;				/* coefficients: features + 1 */
	int32		reserved;		/* 0 */
	int64		n;				/* rows added */
	float8		wsum;			/* sum of their weights */
	float8		positives;		/* sum of the weights of rows labelled true */
	float8		loglik;			/* weighted log-likelihood at coef */
	float8		data[FLEXIBLE_ARRAY_MEMBER];
} LogitSummary;

#define LOGIT_HEADER_SIZE		offsetof(LogitSummary, data)

/* Number of float8s after the header for d coefficients. */
static inline Size
LogitNumFloats(int d)
{
	Size		p = (Size) d - 1;

	return 2 * (Size) d + 4 * p + (Size) d * ((Size) d + 1) / 2;
}

static inline Size
LogitSize(int d)
{
	return LOGIT_HEADER_SIZE + sizeof(float8) * LogitNumFloats(d);
}

#define LogitP(s)			((s)->d - 1)
#define LogitCoef(s)		((s)->data)
#define LogitCenter(s)		(LogitCoef(s) + (s)->d)
#define LogitScale(s)		(LogitCenter(s) + LogitP(s))
#define LogitGrad(s)		(LogitScale(s) + LogitP(s))
#define LogitHess(s)		(LogitGrad(s) + (s)->d)
#define LogitMean(s)		(LogitHess(s) + (Size) (s)->d * ((s)->d + 1) / 2)
#define LogitM2(s)			(LogitMean(s) + LogitP(s))

#define DatumGetLogitSummaryP(X)	((LogitSummary *) PG_DETOAST_DATUM(X))
#define PG_GETARG_LOGIT_P(n)	DatumGetLogitSummaryP(PG_GETARG_DATUM(n))
#define PG_RETURN_LOGIT_P(x)	PG_RETURN_POINTER(x)

#endif							/* LA_LOGIT_H */
