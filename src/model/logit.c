/*
 * logit.c
 *		Regularised logistic regression by Newton's method, one aggregate pass
 *		over the rows per iteration (doc/model.md).
 *
 * la_logit_agg(features, label, weight, coef, center, scale) builds a
 * logit_summary: at the coefficients given, on the standardised features
 * z_j = (x_j - center_j) / scale_j (z_0 = 1, the intercept; scale_j = 0 makes
 * z_j = 0, a constant feature), the weighted log-likelihood, its gradient
 * sum w (y - p) z and the upper triangle of sum w p (1 - p) z z^T, plus the
 * weighted mean and sum of squared deviations of each raw feature (for the
 * standardisation of the first pass).  logit_newton_step solves
 * (H + lambda P) delta = g - lambda P coef by Cholesky, P the identity but
 * for the intercept and the constant features.  The plpgsql driver logit_fit
 * (src/sql/model.sql) iterates.
 *
 * The state of the aggregate is the type itself (never `internal`), changed
 * in place, so partial states travel through its send/receive or its text
 * form (parallel query, Citus).  The text form is
 *
 *   v1 d=3 n=4 w=4 pos=2 ll=-2.772588722239781 coef=0,0,0 center=0,0
 *   scale=1,1 grad=0,1,-1 hess=1,0,0,1,0.5,1 mean=0,0 m2=4,4
 *
 * (on one line), every float shortest-exact, so it reads back to the same
 * bits.  Input is never trusted: a malformed or inconsistent value is
 * rejected naming the field.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "model/logit.h"

/* Relative size below which a Cholesky pivot counts as zero. */
#define LOGIT_PIVOT_TOLERANCE	1e-12

/*
 * Largest w * z_j^2 of one row: the sums of 2^63 such rows still fit a
 * float8, so no sum of the summary can overflow to an infinity.
 */
#define LOGIT_MAX_ROW_TERM		1e280

/* ---------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------- */

/* A new summary of no rows for d coefficients, in the current context. */
static LogitSummary *
LogitNew(int d)
{
	Size		size = LogitSize(d);
	LogitSummary *s = (LogitSummary *) palloc0(size);

	SET_VARSIZE(s, size);
	s->format = LOGIT_FORMAT_VERSION;
	s->d = d;
	return s;
}

/*
 * LogitArg
 *		The summary argument argno, to be returned changed: in an aggregate
 *		the transition state itself (as stats.c's StatsArg), elsewhere a copy.
 */
static LogitSummary *
LogitArg(FunctionCallInfo fcinfo, int argno)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(argno);

	if (argno == 0 && AggCheckCallContext(fcinfo, NULL))
		return s;
	if ((Pointer) s == DatumGetPointer(PG_GETARG_DATUM(argno)))
	{
		Size		size = VARSIZE(s);
		LogitSummary *copy = (LogitSummary *) palloc(size);

		memcpy(copy, s, size);
		s = copy;
	}
	return s;
}

/*
 * The data of an array without NULLs (core's ARR_DATA_PTR compares a signed
 * and an unsigned offset, which -Wsign-compare rejects).
 */
static inline const double *
LogitData(ArrayType *a)
{
	Assert(!ARR_HASNULL(a));
	return (const double *) ((char *) a + ARR_OVERHEAD_NONULLS(ARR_NDIM(a)));
}

static const char *
LogitNonFinite(double x)
{
	return isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
}

/*
 * LogitArray
 *		The elements of a float8[] argument of function fn, field field: a
 *		one-dimensional array (or empty) without NULLs, else an error naming
 *		the element.  When finite, every element must be a finite number.
 *		Returns a pointer into the array's data and its length in *n.
 */
static const double *
LogitArray(ArrayType *a, const char *fn, const char *field, bool finite, int *n)
{
	int			count;
	const double *v;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s field \"%s\" must be a one-dimensional array", fn, field),
				 errdetail("It has %d dimensions.", ARR_NDIM(a))));
	count = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	if (ARR_HASNULL(a))
	{
		bits8	   *bitmap = ARR_NULLBITMAP(a);

		for (int i = 0; i < count; i++)
			if (!(bitmap[i / 8] & (1 << (i % 8))))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s field \"%s\" element %d is NULL", fn, field, i + 1),
						 errhint("Impute missing values before fitting or scoring: a NULL has no place in the linear predictor.")));
	}
	v = LogitData(a);
	if (finite)
		for (int i = 0; i < count; i++)
			if (unlikely(!isfinite(v[i])))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s field \"%s\" element %d must be a finite number, not %s",
								fn, field, i + 1, LogitNonFinite(v[i]))));
	*n = count;
	return v;
}

/* Report an array whose length does not match the features'. */
static void
LogitLengthError(const char *fn, const char *field, int got, int want, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("%s field \"%s\" has %d elements, expected %d", fn, field, got, want),
			 errdetail("%s", why)));
}

/* A float8[] of n values. */
static ArrayType *
LogitMakeArray(const double *v, int n)
{
	Datum	   *elems = (Datum *) palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = Float8GetDatum(v[i]);
	return construct_array(elems, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* log(1 + exp(x)) without overflow or loss for large |x|. */
static inline double
LogitSoftplus(double x)
{
	return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/* p = 1 / (1 + exp(-eta)) and q = 1 - p, each without cancellation. */
static inline void
LogitSigmoid(double eta, double *p, double *q)
{
	if (eta >= 0)
	{
		double		e = exp(-eta);

		*p = 1.0 / (1.0 + e);
		*q = e / (1.0 + e);
	}
	else
	{
		double		e = exp(eta);

		*p = e / (1.0 + e);
		*q = 1.0 / (1.0 + e);
	}
}

/*
 * LogitStandardise
 *		z[0] = 1, z[j] = (x[j-1] - center[j-1]) / scale[j-1], 0 where the
 *		scale is 0; returns the linear predictor coef . z, and in *zmax the
 *		largest |z[j]| (infinite or NaN when one is).
 */
static inline double
LogitStandardise(int p, const double *x, const double *coef, const double *center,
				 const double *scale, double *z, double *zmax)
{
	double		eta = coef[0];
	double		m = 1.0;

	z[0] = 1.0;
	for (int j = 0; j < p; j++)
	{
		double		zj = scale[j] == 0 ? 0.0 : (x[j] - center[j]) / scale[j];

		z[j + 1] = zj;
		eta += coef[j + 1] * zj;
		if (!(fabs(zj) <= m))
			m = isnan(zj) ? zj : fabs(zj);
	}
	*zmax = m;
	return eta;
}

/* Report a row whose standardised features or linear predictor leave the range of float8. */
static void
LogitRowRange(const char *fn)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s: a standardised feature or the linear predictor is out of range", fn),
			 errdetail("(x - center) / scale, or coef . z, does not fit double precision (or its square times the weight exceeds 1e280)."),
			 errhint("Check center and scale: a scale near 0 that is not 0 blows a feature up.")));
}

/*
 * LogitCheck
 *		Check that a summary is one this code could have built.  Returns NULL
 *		when it is, else a sentence naming the field that is wrong.
 */
static const char *
LogitCheck(const LogitSummary *s)
{
	Size		nf;
	int			p;

	if ((s->format >> 8) != 0 || s->reserved != 0)
		return "Reserved flags are not zero.";
	if (s->d < 1 || s->d > LOGIT_MAX_FEATURES + 1)
		return psprintf("Field \"d\" must be between 1 and %d.", LOGIT_MAX_FEATURES + 1);
	p = LogitP(s);
	if (s->n < 0)
		return "Field \"n\" is negative.";
	if (!isfinite(s->wsum) || !isfinite(s->positives) || !isfinite(s->loglik))
		return "Field \"w\", \"pos\" or \"ll\" is not a finite number.";
	nf = LogitNumFloats(s->d);
	for (Size i = 0; i < nf; i++)
		if (!isfinite(s->data[i]))
			return "An array element is not a finite number.";
	if (s->wsum < 0 || s->positives < 0 || s->positives > s->wsum)
		return "Field \"pos\" must be between 0 and field \"w\", which must not be negative.";
	if (s->loglik > 0)
		return "Field \"ll\" (a log-likelihood) is positive.";
	if ((s->n == 0) != (s->wsum == 0))
		return "Field \"w\" must be positive exactly when field \"n\" is.";
	for (int j = 0; j < p; j++)
	{
		if (LogitScale(s)[j] < 0)
			return psprintf("Field \"scale\" element %d is negative.", j + 1);
		if (LogitM2(s)[j] < 0)
			return psprintf("Field \"m2\" element %d is negative.", j + 1);
	}
	for (int j = 0, k = 0; j < s->d; k += s->d - j, j++)
		if (LogitHess(s)[k] < 0)
			return psprintf("Field \"hess\" has a negative diagonal element (coefficient %d).", j + 1);
	if (s->n == 0)
	{
		const double *g = LogitGrad(s);

		for (Size i = 0; i < nf - (Size) (s->d + 2 * p); i++)
			if (g[i] != 0)
				return "A summary of no rows (field \"n\" is 0) has a non-zero \"grad\", \"hess\", \"mean\" or \"m2\".";
		if (s->positives != 0 || s->loglik != 0)
			return "A summary of no rows (field \"n\" is 0) has a non-zero \"pos\" or \"ll\".";
	}
	return NULL;
}

/* Report a sum that left the range of float8. */
static void
LogitOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("logit_summary is out of range"),
			 errdetail("A weighted sum of the rows does not fit double precision."),
			 errhint("Rescale the weights or the features.")));
}

/* ---------------------------------------------------------------------
 * Text form
 * --------------------------------------------------------------------- */

typedef struct LogitParser
{
	const char *input;			/* the whole value, for error messages */
	const char *p;				/* current position */
} LogitParser;

static void
LogitSyntaxError(LogitParser *ps, const char *field, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type logit_summary"),
			 errdetail("Field \"%s\": expected %s at character %d.", field, what,
					   (int) (ps->p - ps->input) + 1),
			 errhint("The text form is \"v1 d=.. n=.. w=.. pos=.. ll=.. coef=.. center=.. scale=.. grad=.. hess=.. mean=.. m2=..\", arrays as comma-separated numbers.")));
}

/* Expect the literal " name=" (no leading space for the first). */
static void
LogitExpect(LogitParser *ps, const char *field, bool first)
{
	if (!first)
	{
		if (*ps->p != ' ')
			LogitSyntaxError(ps, field, "a space before the field");
		ps->p++;
	}
	if (strncmp(ps->p, field, strlen(field)) != 0 || ps->p[strlen(field)] != '=')
		LogitSyntaxError(ps, field, psprintf("\"%s=\"", field));
	ps->p += strlen(field) + 1;
}

/* A float8 at the cursor (a literal that is out of range is an error, as for float8). */
static double
LogitParseFloat(LogitParser *ps, const char *field)
{
	bool		integral;
	const char *end = la_scan_number(ps->p, &integral);
	char	   *token;
	char	   *stop;
	double		v;

	if (end == NULL)
		LogitSyntaxError(ps, field, "a number");
	token = pnstrdup(ps->p, end - ps->p);
	errno = 0;
	v = strtod(token, &stop);
	if ((errno == ERANGE && (v == 0 || isinf(v))) || *stop != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value of field \"%s\" is out of range for type logit_summary", field),
				 errdetail("The value given is %s.", token)));
	ps->p = end;
	return v;
}

/* An integer at the cursor, within [lo, hi]. */
static int64
LogitParseInt(LogitParser *ps, const char *field, int64 lo, int64 hi)
{
	bool		integral;
	const char *end = la_scan_number(ps->p, &integral);
	char	   *token;
	char	   *stop;
	int64		v;

	if (end == NULL || !integral)
		LogitSyntaxError(ps, field, "an integer");
	token = pnstrdup(ps->p, end - ps->p);
	errno = 0;
	v = strtoi64(token, &stop, 10);
	if (errno == ERANGE || *stop != '\0' || v < lo || v > hi)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value of field \"%s\" is out of range for type logit_summary", field),
				 errdetail("The value given is %s; it must be between " INT64_FORMAT " and " INT64_FORMAT ".",
						   token, lo, hi)));
	ps->p = end;
	return v;
}

/* A list of exactly n comma-separated floats (empty for n = 0). */
static void
LogitParseList(LogitParser *ps, const char *field, Size n, double *out)
{
	for (Size i = 0; i < n; i++)
	{
		if (i > 0)
		{
			if (*ps->p != ',')
				LogitSyntaxError(ps, field, psprintf("\",\" and element %zu of %zu", i + 1, n));
			ps->p++;
		}
		out[i] = LogitParseFloat(ps, field);
	}
	if (*ps->p == ',')
		LogitSyntaxError(ps, field, psprintf("the end of the list after %zu elements", n));
}

/*
 * la_logit_in
 *		Text input: the fields in their fixed order, single spaces between
 *		them, then LogitCheck.
 */
PG_FUNCTION_INFO_V1(la_logit_in);
Datum
la_logit_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	LogitParser ps = {str, str};
	LogitSummary *s;
	int64		version;
	int			d;
	int			p;
	const char *problem;

	if (*ps.p != 'v')
		LogitSyntaxError(&ps, "v", "the version \"v1\"");
	ps.p++;
	version = LogitParseInt(&ps, "v", 0, PG_INT32_MAX);
	if (version != LOGIT_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported logit_summary format version %d", (int) version),
				 errdetail("This library reads version %d.", LOGIT_FORMAT_VERSION)));
	LogitExpect(&ps, "d", false);
	d = (int) LogitParseInt(&ps, "d", 1, LOGIT_MAX_FEATURES + 1);
	p = d - 1;
	s = LogitNew(d);
	LogitExpect(&ps, "n", false);
	s->n = LogitParseInt(&ps, "n", 0, PG_INT64_MAX);
	LogitExpect(&ps, "w", false);
	s->wsum = LogitParseFloat(&ps, "w");
	LogitExpect(&ps, "pos", false);
	s->positives = LogitParseFloat(&ps, "pos");
	LogitExpect(&ps, "ll", false);
	s->loglik = LogitParseFloat(&ps, "ll");
	LogitExpect(&ps, "coef", false);
	LogitParseList(&ps, "coef", d, LogitCoef(s));
	LogitExpect(&ps, "center", false);
	LogitParseList(&ps, "center", p, LogitCenter(s));
	LogitExpect(&ps, "scale", false);
	LogitParseList(&ps, "scale", p, LogitScale(s));
	LogitExpect(&ps, "grad", false);
	LogitParseList(&ps, "grad", d, LogitGrad(s));
	LogitExpect(&ps, "hess", false);
	LogitParseList(&ps, "hess", (Size) d * (d + 1) / 2, LogitHess(s));
	LogitExpect(&ps, "mean", false);
	LogitParseList(&ps, "mean", p, LogitMean(s));
	LogitExpect(&ps, "m2", false);
	LogitParseList(&ps, "m2", p, LogitM2(s));
	if (*ps.p != '\0')
		LogitSyntaxError(&ps, "m2", "the end of the value");

	problem = LogitCheck(s);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("inconsistent logit_summary value"),
				 errdetail_internal("%s", problem)));
	PG_RETURN_LOGIT_P(s);
}

/* Append " name=" and n floats, shortest-exact (the fewest digits that read back to the same bits). */
static void
LogitAppendList(StringInfo buf, const char *field, const double *v, Size n)
{
	char		digits[DOUBLE_SHORTEST_DECIMAL_LEN + 1];

	appendStringInfo(buf, " %s=", field);
	for (Size i = 0; i < n; i++)
	{
		int			len = double_to_shortest_decimal_buf(v[i], digits);

		if (i > 0)
			appendStringInfoChar(buf, ',');
		appendBinaryStringInfo(buf, digits, len);
	}
}

PG_FUNCTION_INFO_V1(la_logit_out);
Datum
la_logit_out(PG_FUNCTION_ARGS)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(0);
	int			d = s->d;
	int			p = d - 1;
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d d=%d n=" INT64_FORMAT, LOGIT_FORMAT_VERSION, d, s->n);
	LogitAppendList(&buf, "w", &s->wsum, 1);
	LogitAppendList(&buf, "pos", &s->positives, 1);
	LogitAppendList(&buf, "ll", &s->loglik, 1);
	LogitAppendList(&buf, "coef", LogitCoef(s), d);
	LogitAppendList(&buf, "center", LogitCenter(s), p);
	LogitAppendList(&buf, "scale", LogitScale(s), p);
	LogitAppendList(&buf, "grad", LogitGrad(s), d);
	LogitAppendList(&buf, "hess", LogitHess(s), (Size) d * (d + 1) / 2);
	LogitAppendList(&buf, "mean", LogitMean(s), p);
	LogitAppendList(&buf, "m2", LogitM2(s), p);
	PG_RETURN_CSTRING(buf.data);
}

/* ---------------------------------------------------------------------
 * Binary form: format word, d, n, w, pos, ll, then the arrays in the
 * order of the layout, in network byte order
 * --------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(la_logit_send);
Datum
la_logit_send(PG_FUNCTION_ARGS)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(0);
	Size		nf = LogitNumFloats(s->d);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->format);
	pq_sendint32(&buf, s->d);
	pq_sendint64(&buf, s->n);
	pq_sendfloat8(&buf, s->wsum);
	pq_sendfloat8(&buf, s->positives);
	pq_sendfloat8(&buf, s->loglik);
	for (Size i = 0; i < nf; i++)
		pq_sendfloat8(&buf, s->data[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(la_logit_recv);
Datum
la_logit_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	uint32		format;
	int			d;
	Size		nf;
	LogitSummary *s;
	const char *problem;

	if (msg->len - msg->cursor < 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid logit_summary binary length %d", msg->len - msg->cursor)));
	format = (uint32) pq_getmsgint(msg, 4);
	if ((format & 0xFF) != LOGIT_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported logit_summary format version %u", format & 0xFF),
				 errdetail("This library reads version %d.", LOGIT_FORMAT_VERSION)));
	d = (int) pq_getmsgint(msg, 4);
	if (d < 1 || d > LOGIT_MAX_FEATURES + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid logit_summary binary field \"d\" %d", d),
				 errdetail("It must be between 1 and %d.", LOGIT_MAX_FEATURES + 1)));
	nf = LogitNumFloats(d);
	if ((Size) (msg->len - msg->cursor) != 8 * (4 + nf))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid logit_summary binary length %d", msg->len),
				 errdetail("The binary form of a logit_summary with d = %d is %zu bytes.", d, 8 + 8 * (4 + nf))));
	s = LogitNew(d);
	s->format = format;
	s->n = pq_getmsgint64(msg);
	s->wsum = pq_getmsgfloat8(msg);
	s->positives = pq_getmsgfloat8(msg);
	s->loglik = pq_getmsgfloat8(msg);
	for (Size i = 0; i < nf; i++)
		s->data[i] = pq_getmsgfloat8(msg);
	pq_getmsgend(msg);
	problem = LogitCheck(s);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("inconsistent logit_summary value in binary input"),
				 errdetail_internal("%s", problem)));
	PG_RETURN_LOGIT_P(s);
}

/* ---------------------------------------------------------------------
 * Aggregates
 * --------------------------------------------------------------------- */

/*
 * LogitParam
 *		The coef, center or scale argument argno of la_logit_agg (n elements
 *		expected), into out; NULL gives the default (dflt for every element).
 */
static void
LogitParam(FunctionCallInfo fcinfo, int argno, const char *field, int n, double dflt, double *out)
{
	const double *v;
	int			count;

	if (PG_ARGISNULL(argno))
	{
		for (int i = 0; i < n; i++)
			out[i] = dflt;
		return;
	}
	v = LogitArray(PG_GETARG_ARRAYTYPE_P(argno), "la_logit_agg", field, true, &count);
	if (count != n)
		LogitLengthError("la_logit_agg", field, count, n,
						 argno == 4 ? "There is one coefficient for the intercept and one per feature."
						 : "There is one element per feature.");
	if (argno == 6)
		for (int i = 0; i < n; i++)
			if (v[i] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("la_logit_agg field \"scale\" element %d must not be negative", i + 1),
						 errhint("A scale is a standard deviation; 0 marks a constant feature.")));
	memcpy(out, v, sizeof(double) * n);
}

/*
 * LogitSameParam
 *		Whether argument argno equals the stored values (n of them): one
 *		summary is computed at one set of coefficients, centres and scales.
 */
static void
LogitSameParam(FunctionCallInfo fcinfo, int argno, const char *field, int n, double dflt,
			   const double *stored)
{
	bool		same = true;

	if (PG_ARGISNULL(argno))
	{
		for (int i = 0; i < n && same; i++)
			same = stored[i] == dflt;
	}
	else
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);

		same = !ARR_HASNULL(a) && ARR_NDIM(a) <= 1 &&
			ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a)) == n &&
			memcmp(LogitData(a), stored, sizeof(double) * n) == 0;
	}
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("la_logit_agg field \"%s\" must be the same for every row", field),
				 errdetail("A logit_summary is computed at one set of coefficients, centres and scales."),
				 errhint("Pass them as constants or parameters of the query.")));
}

/*
 * la_logit_sfunc
 *		Transition function of la_logit_agg(features, label, weight, coef,
 *		center, scale).  A row with a NULL label or a NULL or zero weight is
 *		skipped (and not checked); otherwise NULL features or elements,
 *		NaN, infinities, a negative weight and lengths that do not match
 *		are errors.  The state starts NULL, so no rows give NULL.
 */
PG_FUNCTION_INFO_V1(la_logit_sfunc);
Datum
la_logit_sfunc(PG_FUNCTION_ARGS)
{
	LogitSummary *s;
	const double *x;
	int			p;
	int			d;
	double		w;
	bool		y;
	double		z[LOGIT_MAX_FEATURES + 1];
	double		zmax;
	double		eta;
	double		prob;
	double		qrob;
	double		ll;
	double		v;
	double		r;
	double	   *grad;
	double	   *hess;
	double	   *mean;
	double	   *m2;
	double		wsum;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_GETARG_FLOAT8(3) == 0)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	w = PG_GETARG_FLOAT8(3);
	if (unlikely(!isfinite(w) || w < 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("la_logit_agg field \"weight\" must be a finite number >= 0, not %s",
						isfinite(w) ? psprintf("%g", w) : LogitNonFinite(w)),
				 errhint("A weight of 0 or NULL leaves the row out.")));
	y = PG_GETARG_BOOL(2);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("la_logit_agg field \"features\" must not be NULL"),
				 errhint("Impute missing values before fitting, or leave the row out.")));
	x = LogitArray(PG_GETARG_ARRAYTYPE_P(1), "la_logit_agg", "features", true, &p);
	if (p > LOGIT_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("la_logit_agg supports at most %d features, not %d", LOGIT_MAX_FEATURES, p),
				 errdetail("The summary holds a Hessian of (features + 1)^2 / 2 numbers.")));
	d = p + 1;

	if (PG_ARGISNULL(0))
	{
		s = LogitNew(d);
		LogitParam(fcinfo, 4, "coef", d, 0.0, LogitCoef(s));
		LogitParam(fcinfo, 5, "center", p, 0.0, LogitCenter(s));
		LogitParam(fcinfo, 6, "scale", p, 1.0, LogitScale(s));
	}
	else
	{
		s = LogitArg(fcinfo, 0);
		if (s->d != d)
			LogitLengthError("la_logit_agg", "features", p, s->d - 1,
							 "Every row of a group has the same number of features.");
		LogitSameParam(fcinfo, 4, "coef", d, 0.0, LogitCoef(s));
		LogitSameParam(fcinfo, 5, "center", p, 0.0, LogitCenter(s));
		LogitSameParam(fcinfo, 6, "scale", p, 1.0, LogitScale(s));
	}

	eta = LogitStandardise(p, x, LogitCoef(s), LogitCenter(s), LogitScale(s), z, &zmax);
	if (unlikely(!isfinite(eta) || !(w * zmax * zmax <= LOGIT_MAX_ROW_TERM)))
		LogitRowRange("la_logit_agg");
	LogitSigmoid(eta, &prob, &qrob);
	ll = y ? -LogitSoftplus(-eta) : -LogitSoftplus(eta);
	r = w * (y ? qrob : -prob);
	v = w * prob * qrob;

	s->n = la_add_count(s->n, 1, "logit_summary", "rows");
	wsum = s->wsum + w;
	s->wsum = wsum;
	if (y)
		s->positives += w;
	s->loglik += w * ll;
	grad = LogitGrad(s);
	hess = LogitHess(s);
	for (int j = 0; j < d; j++)
	{
		double		vz = v * z[j];

		grad[j] += r * z[j];
		for (int k = j; k < d; k++)
			*hess++ += vz * z[k];
	}
	/* West's weighted update of the raw features' mean and squared deviations */
	mean = LogitMean(s);
	m2 = LogitM2(s);
	for (int j = 0; j < p; j++)
	{
		double		delta = x[j] - mean[j];

		mean[j] += delta * (w / wsum);
		m2[j] += w * delta * (x[j] - mean[j]);
		if (unlikely(!isfinite(m2[j])))
			LogitOverflow();
	}
	if (unlikely(!isfinite(s->wsum) || !isfinite(s->loglik)))
		LogitOverflow();
	PG_RETURN_LOGIT_P(s);
}

/*
 * la_logit_combine
 *		Merge two summaries computed at the same coefficients, centres and
 *		scales: the combine function of la_logit_agg, and transition and
 *		combine function of la_merge_agg(logit_summary).  STRICT.
 */
PG_FUNCTION_INFO_V1(la_logit_combine);
Datum
la_logit_combine(PG_FUNCTION_ARGS)
{
	LogitSummary *a = LogitArg(fcinfo, 0);
	LogitSummary *b = PG_GETARG_LOGIT_P(1);
	int			d = a->d;
	int			p = d - 1;
	Size		nh = (Size) d * (d + 1) / 2;
	double		wsum;
	const char *problem;

	if (b->d != d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge logit summaries of %d and %d features", p, b->d - 1)));
	if (memcmp(LogitCoef(a), LogitCoef(b), sizeof(double) * (d + 2 * p)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge logit summaries computed at different coefficients, centres or scales"),
				 errdetail("A logit_summary is computed at one set of coefficients, centres and scales.")));
	if (b->n == 0)
		PG_RETURN_LOGIT_P(a);
	if (a->n == 0)
	{
		memcpy(a, b, VARSIZE(b));
		PG_RETURN_LOGIT_P(a);
	}
	a->n = la_add_count(a->n, b->n, "logit_summary", "rows");
	wsum = a->wsum + b->wsum;
	a->positives += b->positives;
	a->loglik += b->loglik;
	for (int j = 0; j < d; j++)
		LogitGrad(a)[j] += LogitGrad(b)[j];
	for (Size k = 0; k < nh; k++)
		LogitHess(a)[k] += LogitHess(b)[k];
	/* Chan, Golub and LeVeque, weighted */
	for (int j = 0; j < p; j++)
	{
		double		delta = LogitMean(b)[j] - LogitMean(a)[j];
		double		share = b->wsum / wsum;

		LogitMean(a)[j] += delta * share;
		LogitM2(a)[j] += LogitM2(b)[j] + delta * delta * (a->wsum * share);
	}
	a->wsum = wsum;
	problem = LogitCheck(a);
	if (problem != NULL)
	{
		if (!isfinite(a->wsum) || !isfinite(a->loglik))
			LogitOverflow();
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("merging logit summaries gave an inconsistent value"),
				 errdetail_internal("%s", problem)));
	}
	PG_RETURN_LOGIT_P(a);
}

/* ---------------------------------------------------------------------
 * Accessors
 * --------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(la_logit_num_rows);
Datum
la_logit_num_rows(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_LOGIT_P(0)->n);
}

PG_FUNCTION_INFO_V1(la_logit_weight_sum);
Datum
la_logit_weight_sum(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(PG_GETARG_LOGIT_P(0)->wsum);
}

PG_FUNCTION_INFO_V1(la_logit_positives);
Datum
la_logit_positives(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(PG_GETARG_LOGIT_P(0)->positives);
}

PG_FUNCTION_INFO_V1(la_logit_loglik);
Datum
la_logit_loglik(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(PG_GETARG_LOGIT_P(0)->loglik);
}

/* logit_coefficients(summary): the coefficients the summary was computed at. */
PG_FUNCTION_INFO_V1(la_logit_coefficients);
Datum
la_logit_coefficients(PG_FUNCTION_ARGS)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(0);

	PG_RETURN_ARRAYTYPE_P(LogitMakeArray(LogitCoef(s), s->d));
}

PG_FUNCTION_INFO_V1(la_logit_gradient);
Datum
la_logit_gradient(PG_FUNCTION_ARGS)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(0);

	PG_RETURN_ARRAYTYPE_P(LogitMakeArray(LogitGrad(s), s->d));
}

/* logit_hessian(summary): the full symmetric d x d matrix sum w p (1 - p) z z^T. */
PG_FUNCTION_INFO_V1(la_logit_hessian);
Datum
la_logit_hessian(PG_FUNCTION_ARGS)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(0);
	int			d = s->d;
	const double *h = LogitHess(s);
	Datum	   *elems = (Datum *) palloc(sizeof(Datum) * d * d);
	int			dims[2] = {d, d};
	int			lbs[2] = {1, 1};

	for (int j = 0; j < d; j++)
		for (int k = j; k < d; k++)
		{
			elems[j * d + k] = Float8GetDatum(*h);
			elems[k * d + j] = Float8GetDatum(*h);
			h++;
		}
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, NULL, 2, dims, lbs, FLOAT8OID,
											 sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* logit_feature_means(summary): weighted means of the raw features; NULL for no rows. */
PG_FUNCTION_INFO_V1(la_logit_feature_means);
Datum
la_logit_feature_means(PG_FUNCTION_ARGS)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(0);

	if (s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(LogitMakeArray(LogitMean(s), s->d - 1));
}

/* logit_feature_sds(summary): weighted standard deviations (ddof 0) of the raw features. */
PG_FUNCTION_INFO_V1(la_logit_feature_sds);
Datum
la_logit_feature_sds(PG_FUNCTION_ARGS)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(0);
	int			p = s->d - 1;
	double	   *sd;

	if (s->n == 0)
		PG_RETURN_NULL();
	sd = (double *) palloc(sizeof(double) * Max(p, 1));
	for (int j = 0; j < p; j++)
		sd[j] = sqrt(LogitM2(s)[j] / s->wsum);
	PG_RETURN_ARRAYTYPE_P(LogitMakeArray(sd, p));
}

/*
 * logit_objective(summary, lambda): the penalised log-likelihood at the
 * summary's coefficients, ll - lambda / 2 * sum of the squared coefficients
 * but the intercept (the quantity logit_fit maximises).
 */
PG_FUNCTION_INFO_V1(la_logit_objective);
Datum
la_logit_objective(PG_FUNCTION_ARGS)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(0);
	double		lambda = PG_GETARG_FLOAT8(1);
	double		pen = 0;

	for (int j = 1; j < s->d; j++)
		pen += LogitCoef(s)[j] * LogitCoef(s)[j];
	PG_RETURN_FLOAT8(s->loglik - 0.5 * lambda * pen);
}

/* ---------------------------------------------------------------------
 * Newton step
 * --------------------------------------------------------------------- */

/*
 * la_logit_newton_step
 *		logit_newton_step(summary, coef, lambda): the step delta solving
 *		(H + lambda P) delta = g - lambda P coef, P the identity but for the
 *		intercept; the coefficient of a constant feature (scale 0) stays
 *		where it is (its step is 0).  coef must be the coefficients the
 *		summary was computed at.  Cholesky; a pivot that vanishes (relative
 *		to its diagonal element) is an error.
 */
PG_FUNCTION_INFO_V1(la_logit_newton_step);
Datum
la_logit_newton_step(PG_FUNCTION_ARGS)
{
	LogitSummary *s = PG_GETARG_LOGIT_P(0);
	double		lambda = PG_GETARG_FLOAT8(2);
	int			d = s->d;
	int			count;
	const double *coef = LogitArray(PG_GETARG_ARRAYTYPE_P(1), "logit_newton_step", "coef", true, &count);
	const double *h = LogitHess(s);
	double	   *a;
	double	   *b;
	double	   *diag;

	if (!isfinite(lambda) || lambda < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("logit_newton_step field \"lambda\" must be a finite number >= 0, not %g", lambda)));
	if (count != d)
		LogitLengthError("logit_newton_step", "coef", count, d,
						 "There is one coefficient for the intercept and one per feature of the summary.");
	for (int j = 0; j < d; j++)
		if (coef[j] != LogitCoef(s)[j])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("logit_newton_step field \"coef\" element %d differs from the coefficient the summary was computed at", j + 1),
					 errhint("Pass the coef given to la_logit_agg.")));
	if (s->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("logit_newton_step needs a summary of at least one row")));

	a = (double *) palloc(sizeof(double) * d * d);
	b = (double *) palloc(sizeof(double) * d);
	diag = (double *) palloc(sizeof(double) * d);
	for (int j = 0; j < d; j++)
		for (int k = j; k < d; k++)
		{
			a[j * d + k] = *h;
			a[k * d + j] = *h;
			h++;
		}
	for (int j = 0; j < d; j++)
	{
		b[j] = LogitGrad(s)[j];
		if (j > 0)
		{
			b[j] -= lambda * coef[j];
			a[j * d + j] += lambda;
			if (LogitScale(s)[j - 1] == 0)
			{
				/* a constant feature: its coefficient does not move */
				for (int k = 0; k < d; k++)
					a[j * d + k] = a[k * d + j] = 0;
				a[j * d + j] = 1;
				b[j] = 0;
			}
		}
		diag[j] = a[j * d + j];
	}

	/* Cholesky, A = L L^T, L in the lower triangle of a */
	for (int j = 0; j < d; j++)
	{
		double		sum = a[j * d + j];

		for (int k = 0; k < j; k++)
			sum -= a[j * d + k] * a[j * d + k];
		if (!(sum > LOGIT_PIVOT_TOLERANCE * diag[j]) || !isfinite(sum))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("logistic regression Hessian is not positive definite"),
					 errdetail("The pivot of %s vanishes: it is a linear combination of the others on the rows with weight.",
							   j == 0 ? "the intercept" : psprintf("feature %d", j)),
					 errhint("The features may be collinear, or separate the labels perfectly. Fit with lambda > 0, or drop features.")));
		a[j * d + j] = sqrt(sum);
		for (int i = j + 1; i < d; i++)
		{
			double		t = a[i * d + j];

			for (int k = 0; k < j; k++)
				t -= a[i * d + k] * a[j * d + k];
			a[i * d + j] = t / a[j * d + j];
		}
	}
	/* L y = b, then L^T delta = y, in b */
	for (int i = 0; i < d; i++)
	{
		double		t = b[i];

		for (int k = 0; k < i; k++)
			t -= a[i * d + k] * b[k];
		b[i] = t / a[i * d + i];
	}
	for (int i = d - 1; i >= 0; i--)
	{
		double		t = b[i];

		for (int k = i + 1; k < d; k++)
			t -= a[k * d + i] * b[k];
		b[i] = t / a[i * d + i];
	}
	for (int i = 0; i < d; i++)
		if (!isfinite(b[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("logistic regression Newton step is out of range"),
					 errhint("The features may separate the labels perfectly. Fit with lambda > 0.")));
	PG_RETURN_ARRAYTYPE_P(LogitMakeArray(b, d));
}

/* ---------------------------------------------------------------------
 * Scoring
 * --------------------------------------------------------------------- */

/*
 * LogitScoreArgs
 *		The arguments of logit_probability and logit_contributions: features
 *		(p), coef (p + 1), center (p), scale (p, >= 0), all finite.
 */
static void
LogitScoreArgs(FunctionCallInfo fcinfo, const char *fn, int *p, const double **x,
			   const double **coef, const double **center, const double **scale)
{
	int			n;

	*x = LogitArray(PG_GETARG_ARRAYTYPE_P(0), fn, "features", true, p);
	*coef = LogitArray(PG_GETARG_ARRAYTYPE_P(1), fn, "coef", true, &n);
	if (n != *p + 1)
		LogitLengthError(fn, "coef", n, *p + 1,
						 "There is one coefficient for the intercept and one per feature.");
	*center = LogitArray(PG_GETARG_ARRAYTYPE_P(2), fn, "center", true, &n);
	if (n != *p)
		LogitLengthError(fn, "center", n, *p, "There is one element per feature.");
	*scale = LogitArray(PG_GETARG_ARRAYTYPE_P(3), fn, "scale", true, &n);
	if (n != *p)
		LogitLengthError(fn, "scale", n, *p, "There is one element per feature.");
	for (int j = 0; j < *p; j++)
		if ((*scale)[j] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s field \"scale\" element %d must not be negative", fn, j + 1)));
}

/* logit_probability(features, coef, center, scale): 1 / (1 + exp(-coef . z)). */
PG_FUNCTION_INFO_V1(la_logit_probability);
Datum
la_logit_probability(PG_FUNCTION_ARGS)
{
	int			p;
	const double *x;
	const double *coef;
	const double *center;
	const double *scale;
	double		z[LOGIT_MAX_FEATURES + 1];
	double		zmax;
	double		eta;
	double		prob;
	double		qrob;

	LogitScoreArgs(fcinfo, "logit_probability", &p, &x, &coef, &center, &scale);
	if (p > LOGIT_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("logit_probability supports at most %d features, not %d", LOGIT_MAX_FEATURES, p)));
	eta = LogitStandardise(p, x, coef, center, scale, z, &zmax);
	/* an infinite linear predictor is a probability of 0 or 1; NaN (inf - inf) is not */
	if (isnan(eta) || isnan(zmax))
		LogitRowRange("logit_probability");
	LogitSigmoid(eta, &prob, &qrob);
	PG_RETURN_FLOAT8(prob);
}

/* logit_contributions(features, coef, center, scale): coef_j * z_j per feature. */
PG_FUNCTION_INFO_V1(la_logit_contributions);
Datum
la_logit_contributions(PG_FUNCTION_ARGS)
{
	int			p;
	const double *x;
	const double *coef;
	const double *center;
	const double *scale;
	double	   *c;

	LogitScoreArgs(fcinfo, "logit_contributions", &p, &x, &coef, &center, &scale);
	c = (double *) palloc(sizeof(double) * Max(p, 1));
	for (int j = 0; j < p; j++)
		c[j] = scale[j] == 0 ? 0.0 : coef[j + 1] * ((x[j] - center[j]) / scale[j]);
	PG_RETURN_ARRAYTYPE_P(LogitMakeArray(c, p));
}
