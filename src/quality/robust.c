/*
 * robust.c
 *		Robust statistics for the data-quality checks: the aggregate
 *		la_median_mad_agg(float8), the exact median and median absolute
 *		deviation (MAD) of a group's values (doc/quality.md, "Outliers and
 *		outages").
 *
 * The state is `internal`: the group's values, appended unsorted in the
 * aggregate's memory context.  The final function sorts them once, in place
 * (the multiset is unchanged, so a window frame may call it again), takes the
 * median, and finds the median of the absolute deviations without a second
 * array: the deviations left of the median, read from the median outwards, and
 * those right of it are two ascending runs, merged up to the middle rank.
 * Parallel query ships a partial state as its count and the raw doubles (a
 * worker and its leader share one architecture); the combine function
 * concatenates.  Every allocation of a state is in the aggregate context,
 * freed with it after each group; the final function's scratch is in the
 * per-call context.
 *
 * The MAD is unscaled, as scipy.stats.median_abs_deviation(x) computes it;
 * times 1.482602218505602 (1 / the normal distribution's 0.75 quantile) it
 * estimates a normal standard deviation, as robust_z() uses it.  NULLs are
 * skipped; NaN and infinite values are an error (22023): they have no
 * deviation.  An even count takes the mean of the two middle values, as
 * numpy.median does, without overflowing where their sum would.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "la_common.h"

/* The most values one state holds: its array within a huge allocation. */
#define MM_MAX_VALUES		((int64) (MaxAllocHugeSize / sizeof(float8)))

typedef struct MedianMadState
{
	int64		n;				/* values held */
	int64		cap;			/* room in values */
	float8	   *values;			/* unsorted until the final function */
} MedianMadState;

static MemoryContext
MedianMadContext(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called as part of la_median_mad_agg", fn)));
	return ctx;
}

/* A state with room for cap values, in the aggregate context. */
static MedianMadState *
MedianMadNew(MemoryContext aggctx, int64 cap)
{
	MedianMadState *st = MemoryContextAllocZero(aggctx, sizeof(MedianMadState));

	st->cap = Max(cap, 16);
	st->values = MemoryContextAllocHuge(aggctx, sizeof(float8) * st->cap);
	return st;
}

/* Make room for more values: the array at least doubles, within MM_MAX_VALUES. */
static void
MedianMadReserve(MedianMadState *st, int64 more)
{
	int64		need;

	if (pg_add_s64_overflow(st->n, more, &need) || need > MM_MAX_VALUES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values for la_median_mad_agg in one group"),
				 errdetail("One group holds at most " INT64_FORMAT " values.", MM_MAX_VALUES)));
	if (need <= st->cap)
		return;
	st->cap = Min(Max(need, st->cap * 2), MM_MAX_VALUES);
	st->values = repalloc_huge(st->values, sizeof(float8) * st->cap);
}

/*
 * la_median_mad_sfunc
 *		Append one value; NULL is skipped.  The state is created at the
 *		first value, so a group of NULLs only ends as NULL.
 */
PG_FUNCTION_INFO_V1(la_median_mad_sfunc);
Datum
la_median_mad_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = MedianMadContext(fcinfo, "la_median_mad_sfunc");
	MedianMadState *st = PG_ARGISNULL(0) ? NULL : (MedianMadState *) PG_GETARG_POINTER(0);
	float8		x;

	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	x = PG_GETARG_FLOAT8(1);
	if (unlikely(!isfinite(x)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("la_median_mad_agg field \"value\" must be a finite number, not %s",
						isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity"),
				 errdetail("NaN and infinite values have no deviation from a median."),
				 errhint("Leave such values out (WHERE value NOT IN ('NaN', 'Infinity', '-Infinity')), or map them to NULL, which is skipped.")));
	if (st == NULL)
		st = MedianMadNew(aggctx, 16);
	MedianMadReserve(st, 1);
	st->values[st->n++] = x;
	PG_RETURN_POINTER(st);
}

/*
 * la_median_mad_combine
 *		Concatenate two partial states into the first (or a copy of the
 *		second, in the aggregate context, when the first is empty).
 */
PG_FUNCTION_INFO_V1(la_median_mad_combine);
Datum
la_median_mad_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = MedianMadContext(fcinfo, "la_median_mad_combine");
	MedianMadState *a = PG_ARGISNULL(0) ? NULL : (MedianMadState *) PG_GETARG_POINTER(0);
	MedianMadState *b = PG_ARGISNULL(1) ? NULL : (MedianMadState *) PG_GETARG_POINTER(1);

	if (b == NULL || b->n == 0)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = MedianMadNew(aggctx, b->n);
		memcpy(a->values, b->values, sizeof(float8) * b->n);
		a->n = b->n;
		PG_RETURN_POINTER(a);
	}
	MedianMadReserve(a, b->n);
	memcpy(a->values + a->n, b->values, sizeof(float8) * b->n);
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

/*
 * la_median_mad_serialize
 *		A partial state as its count (network order) and the values' bytes.
 */
PG_FUNCTION_INFO_V1(la_median_mad_serialize);
Datum
la_median_mad_serialize(PG_FUNCTION_ARGS)
{
	MedianMadState *st = (MedianMadState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	(void) MedianMadContext(fcinfo, "la_median_mad_serialize");
	if (st->n > (int64) ((MaxAllocSize - VARHDRSZ - sizeof(int64)) / sizeof(float8)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values for a partial la_median_mad_agg state"),
				 errdetail("A parallel worker's share of one group is " INT64_FORMAT " values, more than fit one bytea.", st->n),
				 errhint("SET max_parallel_workers_per_gather = 0 for this query.")));
	pq_begintypsend(&buf);
	pq_sendint64(&buf, st->n);
	if (st->n > 0)
		appendBinaryStringInfo(&buf, (const char *) st->values, sizeof(float8) * st->n);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(la_median_mad_deserialize);
Datum
la_median_mad_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggctx = MedianMadContext(fcinfo, "la_median_mad_deserialize");
	StringInfoData buf;
	MedianMadState *st;
	int64		n;

	buf.data = VARDATA_ANY(raw);
	buf.len = VARSIZE_ANY_EXHDR(raw);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	n = pq_getmsgint64(&buf);
	if (n < 0 || n > MM_MAX_VALUES || (int64) (buf.len - buf.cursor) != n * (int64) sizeof(float8))
		elog(ERROR, "corrupt la_median_mad_agg partial state");
	st = MedianMadNew(aggctx, n);
	if (n > 0)
		memcpy(st->values, pq_getmsgbytes(&buf, n * sizeof(float8)), n * sizeof(float8));
	st->n = n;
	PG_RETURN_POINTER(st);
}

/* SortValues(float8 *, size_t): qsort specialised for doubles (no NaN here) */
#define ST_SORT SortValues
#define ST_ELEMENT_TYPE float8
#define ST_COMPARE(a, b) ((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* The mean of two values, as numpy computes it ((a + b) / 2) unless that sum overflows. */
static inline float8
Midpoint(float8 a, float8 b)
{
	float8		s = a + b;

	return isinf(s) ? a / 2 + b / 2 : s / 2;
}

/*
 * MedianAbsDeviation
 *		The median of |x[i] - m| over the sorted x[0..n-1], m their median.
 *		Left of the split (x < m) the deviations m - x[i] ascend as i goes
 *		down; right of it x[i] - m ascend as i goes up.  Merging the two runs
 *		up to the middle rank(s) gives the median exactly, with no array.
 *		m - x and x - m are the same rounded magnitude (IEEE rounding is
 *		symmetric), so each deviation is the bits numpy's abs(x - m) has.
 */
static float8
MedianAbsDeviation(const float8 *x, int64 n, float8 m)
{
	int64		split = 0;
	int64		lo,
				hi;
	int64		lower = (n - 1) / 2;
	int64		upper = n / 2;
	float8		first = 0;

	/* binary search: the first index with x >= m */
	lo = 0;
	hi = n;
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (x[mid] < m)
			lo = mid + 1;
		else
			hi = mid;
	}
	split = lo;

	/* left run: i = split - 1 downwards; right run: j = split upwards */
	lo = split - 1;
	hi = split;
	for (int64 rank = 0; rank <= upper; rank++)
	{
		float8		d;

		if (hi >= n || (lo >= 0 && m - x[lo] <= x[hi] - m))
			d = m - x[lo--];
		else
			d = x[hi++] - m;
		if (rank == lower)
			first = d;
		if (rank == upper)
			return lower == upper ? d : Midpoint(first, d);
	}
	pg_unreachable();
}

/*
 * la_median_mad_final
 *		The median_mad composite (n, median, mad) of the group; NULL when it
 *		had no value.
 */
PG_FUNCTION_INFO_V1(la_median_mad_final);
Datum
la_median_mad_final(PG_FUNCTION_ARGS)
{
	MedianMadState *st;
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	float8		median;
	float8		mad;
	int64		n;

	(void) MedianMadContext(fcinfo, "la_median_mad_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (MedianMadState *) PG_GETARG_POINTER(0);
	n = st->n;
	if (n == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "la_median_mad_final must return a composite type");

	/*
	 * the multiset is unchanged by sorting in place, so a window frame may
	 * call this again
	 */
	SortValues(st->values, (size_t) n);
	median = (n % 2 == 1) ? st->values[n / 2]
		: Midpoint(st->values[n / 2 - 1], st->values[n / 2]);
	mad = MedianAbsDeviation(st->values, n, median);
	if (unlikely(isinf(mad)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("la_median_mad_agg result \"mad\" is out of range"),
				 errdetail("The values are spread too widely for their deviations from the median to fit double precision.")));

	values[0] = Int64GetDatum(n);
	values[1] = Float8GetDatum(median);
	values[2] = Float8GetDatum(mad);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/* 1 / Phi^-1(3/4): the MAD times this estimates a normal standard deviation (scipy's scale='normal') */
#define MM_NORMAL_SCALE		1.482602218505602

/*
 * robust_z(value, median, mad)
 *		(value - median) / (1.482602218505602 * mad): how many normal-
 *		consistent robust standard deviations value lies from median.  A MAD
 *		of 0 (more than half the values equal) gives 0 for the median itself
 *		and plus or minus Infinity for anything else.
 */
PG_FUNCTION_INFO_V1(la_robust_z);
Datum
la_robust_z(PG_FUNCTION_ARGS)
{
	float8		x = PG_GETARG_FLOAT8(0);
	float8		median = PG_GETARG_FLOAT8(1);
	float8		mad = PG_GETARG_FLOAT8(2);
	const char *bad = !isfinite(x) ? "value" : !isfinite(median) ? "median" : !isfinite(mad) ? "mad" : NULL;
	float8		z;

	if (unlikely(bad != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("robust_z argument \"%s\" must be a finite number", bad)));
	if (unlikely(mad < 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("robust_z argument \"mad\" must not be negative"),
				 errdetail("A median absolute deviation is at least 0; got %g.", mad)));
	if (mad == 0)
		PG_RETURN_FLOAT8(x == median ? 0.0 : x > median ? get_float8_infinity() : -get_float8_infinity());
	z = (x - median) / (MM_NORMAL_SCALE * mad);

	/*
	 * only a deviation beyond the range of float8 makes this infinite: the
	 * sign is still right
	 */
	PG_RETURN_FLOAT8(z);
}
