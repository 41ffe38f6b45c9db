/*
 * compare.c
 *		Group comparisons for impact estimates: Welch's two-sample t interval
 *		and p-value (trained vs comparison group), and difference-in-
 *		differences over four independent groups (trained and comparison,
 *		before and after), each with a conservative effect.
 *
 * The inputs are group summaries (mean, sample standard deviation, size),
 * which SQL gets from avg(), stddev_samp() and count().  The t distribution
 * comes from R's standalone math library (Debian r-mathlib, libRmath), not
 * from hand-written numerics.  Statistics are float8; money is not involved
 * here (monetized_effect() in SQL turns an effect into exact numeric money).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"

#include "la_common.h"

/* R's standalone math library: pt() and qt() without the R runtime. */
#define MATHLIB_STANDALONE
#include <Rmath.h>

#define CMP_MAX_GROUPS	4

/* Result of a comparison: estimate, its standard error, and the t inference. */
typedef struct CmpResult
{
	double		estimate;
	double		se;
	double		df;
	double		t;
	double		p;
	double		lo;
	double		hi;
	double		conservative;
	bool		defined;		/* false when the standard error is zero */
} CmpResult;

/* A group summary must be finite, with sd >= 0 and at least two members. */
static inline void
CheckGroup(double mean, double sd, int64 n, const char *group)
{
	if (isnan(mean) || isinf(mean))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("mean of group \"%s\" must be a finite number", group)));
	if (isnan(sd) || isinf(sd) || sd < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("standard deviation of group \"%s\" must be finite and non-negative", group)));
	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("group \"%s\" needs at least 2 members, not " INT64_FORMAT, group, n),
				 errdetail("A sample standard deviation needs two values.")));
}

/* The confidence level must lie strictly between 0 and 1. */
static inline void
CheckConfidence(double level)
{
	if (isnan(level) || level <= 0 || level >= 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must be between 0 and 1 (exclusive), not %g", level)));
}

/*
 * CmpInfer
 *		t inference for an estimate that is a signed sum of independent group
 *		means: var[i] = sd_i^2 / n_i, with the Welch-Satterthwaite degrees of
 *		freedom (sum var)^2 / sum(var^2 / (n_i - 1)).  The interval is
 *		estimate +/- t(1 - alpha/2, df) * se; the p-value is two-sided; the
 *		conservative effect is the interval bound closest to zero (zero when
 *		the interval contains zero).
 */
static void
CmpInfer(CmpResult *r, int ngroups, const double *sd, const int64 *n, double level)
{
	double		sumv = 0;
	double		sumv2 = 0;
	double		q;

	for (int i = 0; i < ngroups; i++)
	{
		double		v = sd[i] * sd[i] / (double) n[i];

		sumv += v;
		sumv2 += v * v / (double) (n[i] - 1);
	}
	r->se = sqrt(sumv);
	r->defined = r->se > 0 && isfinite(r->se);
	if (!r->defined)
		return;
	r->df = sumv * sumv / sumv2;
	r->t = r->estimate / r->se;
	r->p = 2.0 * pt(-fabs(r->t), r->df, 1, 0);
	q = qt((1.0 - level) / 2.0, r->df, 0, 0);
	r->lo = r->estimate - q * r->se;
	r->hi = r->estimate + q * r->se;
	r->conservative = r->lo > 0 ? r->lo : r->hi < 0 ? r->hi : 0.0;
}

/* Build the result row (estimate, std_error, df, t, p_value, ci_low, ci_high, conservative). */
static Datum
CmpReturn(FunctionCallInfo fcinfo, const CmpResult *r)
{
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Float8GetDatum(r->estimate);
	values[1] = Float8GetDatum(r->se);
	values[2] = Float8GetDatum(r->df);
	values[3] = Float8GetDatum(r->t);
	values[4] = Float8GetDatum(r->p);
	values[5] = Float8GetDatum(r->lo);
	values[6] = Float8GetDatum(r->hi);
	values[7] = Float8GetDatum(r->conservative);
	for (int i = 0; i < 8; i++)
		nulls[i] = i >= 2 && !r->defined;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/*
 * la_welch_test
 *		welch_test(mean_a, sd_a, n_a, mean_b, sd_b, n_b, confidence): the
 *		difference a - b (trained minus comparison) with Welch's interval
 *		and two-sided p-value.  When both standard deviations are zero the
 *		inference is undefined: df, t, p, interval and conservative effect
 *		are NULL.
 */
PG_FUNCTION_INFO_V1(la_welch_test);
Datum
la_welch_test(PG_FUNCTION_ARGS)
{
	double		mean_a = PG_GETARG_FLOAT8(0);
	double		sd[2] = {PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(4)};
	int64		n[2] = {PG_GETARG_INT64(2), PG_GETARG_INT64(5)};
	double		mean_b = PG_GETARG_FLOAT8(3);
	double		level = PG_GETARG_FLOAT8(6);
	CmpResult	r = {0};

	CheckGroup(mean_a, sd[0], n[0], "a");
	CheckGroup(mean_b, sd[1], n[1], "b");
	CheckConfidence(level);
	r.estimate = mean_a - mean_b;
	CmpInfer(&r, 2, sd, n, level);
	return CmpReturn(fcinfo, &r);
}

/*
 * la_diff_in_diff
 *		diff_in_diff(trained before, trained after, comparison before,
 *		comparison after; each mean, sd, n; confidence): the estimate
 *		(trained after - trained before) - (comparison after - comparison
 *		before), treating the four groups as independent samples.
 */
PG_FUNCTION_INFO_V1(la_diff_in_diff);
Datum
la_diff_in_diff(PG_FUNCTION_ARGS)
{
	static const char *const groups[CMP_MAX_GROUPS] = {
		"trained_before", "trained_after", "comparison_before", "comparison_after"
	};
	double		mean[CMP_MAX_GROUPS];
	double		sd[CMP_MAX_GROUPS];
	int64		n[CMP_MAX_GROUPS];
	double		level = PG_GETARG_FLOAT8(12);
	CmpResult	r = {0};

	for (int i = 0; i < CMP_MAX_GROUPS; i++)
	{
		mean[i] = PG_GETARG_FLOAT8(3 * i);
		sd[i] = PG_GETARG_FLOAT8(3 * i + 1);
		n[i] = PG_GETARG_INT64(3 * i + 2);
		CheckGroup(mean[i], sd[i], n[i], groups[i]);
	}
	r.estimate = (mean[1] - mean[0]) - (mean[3] - mean[2]);
	CheckConfidence(level);
	CmpInfer(&r, CMP_MAX_GROUPS, sd, n, level);
	return CmpReturn(fcinfo, &r);
}
