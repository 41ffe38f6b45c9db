/*
 * stats.c
 *		stats_summary: a combinable summary of float8 values (count, mean,
 *		Welford's sum of squared deviations, min, max).  Its I/O (text and
 *		binary, with the consistency check both run), the aggregates
 *		la_stats_agg (transition function) and la_merge_agg (the merge, also
 *		la_stats_agg's combine function), and the accessors.
 *
 * The state of both aggregates is the stats_summary type itself, never
 * `internal`, so partial states travel through its text or binary form
 * (parallel query, Citus).  The text form is a JSON object,
 *
 *   {"n":3,"mean":2,"m2":2,"min":1,"max":3}
 *
 * with every float printed shortest-exact (the digits float8out prints with
 * extra_float_digits > 0), so it reads back to the same bits.  Input is never
 * trusted: a forged or inconsistent value is rejected naming the field.
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "roi/stats.h"

/* Bytes of the binary form: format word, n, and the four floats. */
#define STATS_BINARY_SIZE		(4 + 8 + 4 * 8)

/* The text form's fields, in output order. */
#define STATS_NFIELDS			5
static const char *const StatsFieldNames[STATS_NFIELDS] = {"n", "mean", "m2", "min", "max"};

/* Cursor over a text value being parsed. */
typedef struct StatsParser
{
	const char *input;			/* the whole value, for error messages */
	const char *p;				/* current position */
} StatsParser;

/* A new summary of no values, in the current format, allocated in the current context. */
static StatsSummary *
StatsNew(void)
{
	StatsSummary *s = (StatsSummary *) palloc0(STATS_SIZE);

	SET_VARSIZE(s, STATS_SIZE);
	s->format = STATS_FORMAT_VERSION;
	return s;
}

/*
 * StatsCheck
 *		Check that a summary is one this code could have built.  Returns NULL
 *		when it is, else a sentence naming the field that is wrong.  Both
 *		input functions and the merge call it.
 */
static const char *
StatsCheck(const StatsSummary *s)
{
	const double f[4] = {s->mean, s->m2, s->min, s->max};

	if ((s->format >> 8) != 0)
		return "Reserved flags are not zero.";
	if (s->n < 0)
		return "Field \"n\" is negative.";
	for (int i = 0; i < 4; i++)
		if (!isfinite(f[i]))
			return psprintf("Field \"%s\" is not a finite number.", StatsFieldNames[i + 1]);
	if (s->m2 < 0)
		return "Field \"m2\" is negative.";
	if (s->n == 0)
	{
		if (s->mean != 0 || s->m2 != 0 || s->min != 0 || s->max != 0)
			return "A summary of no values (field \"n\" is 0) has a non-zero \"mean\", \"m2\", \"min\" or \"max\".";
		return NULL;
	}
	if (s->min > s->max)
		return "Field \"min\" is greater than field \"max\".";
	if (s->mean < s->min || s->mean > s->max)
		return "Field \"mean\" is outside the range from \"min\" to \"max\".";
	if (s->n == 1 && s->min != s->max)
		return "A summary of one value (field \"n\" is 1) has different \"min\" and \"max\".";
	/* equal min and max: every value is the same, so there is no deviation */
	if (s->min == s->max && s->m2 != 0)
		return "Field \"m2\" is not zero although \"min\" equals \"max\".";
	return NULL;
}

/* Reject a value the summary cannot hold (the argument of la_stats_agg). */
static inline void
StatsCheckValue(double x)
{
	if (unlikely(!isfinite(x)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("la_stats_agg field \"value\" must be a finite number, not %s",
						isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity"),
				 errdetail("NaN and infinite values have no mean or variance."),
				 errhint("Leave such values out (WHERE value NOT IN ('NaN', 'Infinity', '-Infinity')), or map them to NULL, which is skipped.")));
}

/* Report a mean or sum of squared deviations that left the range of float8. */
static void
StatsOverflow(const char *field)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("stats_summary field \"%s\" is out of range", field),
			 errdetail("The values are spread too widely for their squared deviations to fit double precision.")));
}

/*
 * StatsArg
 *		The summary argument argno, to be returned changed.  In an aggregate
 *		the first argument is the transition state (or, when it was stored
 *		packed, a fresh detoasted copy of it), which may be changed in place,
 *		as core's float8_accum does; elsewhere it is copied.
 */
static StatsSummary *
StatsArg(FunctionCallInfo fcinfo, int argno)
{
	StatsSummary *s = PG_GETARG_STATS_P(argno);

	if (argno == 0 && AggCheckCallContext(fcinfo, NULL))
		return s;
	if ((Pointer) s == DatumGetPointer(PG_GETARG_DATUM(argno)))
	{
		StatsSummary *copy = (StatsSummary *) palloc(STATS_SIZE);

		memcpy(copy, s, STATS_SIZE);
		s = copy;
	}
	return s;
}

/* ---------------------------------------------------------------------
 * Text form
 * --------------------------------------------------------------------- */

/* Report a malformed text value, naming the field when there is one. */
static void
StatsSyntaxError(StatsParser *ps, const char *field, const char *what)
{
	if (field != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type stats_summary: \"%s\"", ps->input),
				 errdetail("Field \"%s\": expected %s at character %d.", field, what,
						   (int) (ps->p - ps->input) + 1)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type stats_summary: \"%s\"", ps->input),
			 errdetail("Expected %s at character %d.", what, (int) (ps->p - ps->input) + 1)));
}

/* Skip JSON whitespace. */
static inline void
StatsSkipSpace(StatsParser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

/* Report a number that is well formed but does not fit its field. */
static void
StatsRangeError(const char *field, const char *token)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value of field \"%s\" is out of range for type stats_summary", field),
			 errdetail("The value given is %s.", token)));
}

/*
 * StatsParseField
 *		The number at the cursor, for the field at index i: n is an integer
 *		that fits int64, the others a number that fits float8 (a subnormal
 *		is kept; a literal too small to be anything but zero, or too large,
 *		is out of range, as for float8's own input).
 */
static void
StatsParseField(StatsParser *ps, int i, StatsSummary *s)
{
	const char *field = StatsFieldNames[i];
	bool		integral;
	const char *end = la_scan_number(ps->p, &integral);
	char	   *token;
	char	   *stop;

	if (end == NULL)
		StatsSyntaxError(ps, field, i == 0 ? "an integer" : "a JSON number");
	if (i == 0 && !integral)
		StatsSyntaxError(ps, field, "an integer without fraction or exponent");
	token = pnstrdup(ps->p, end - ps->p);
	errno = 0;
	if (i == 0)
	{
		s->n = strtoi64(token, &stop, 10);
		if (errno == ERANGE)
			StatsRangeError(field, token);
	}
	else
	{
		double		v = strtod(token, &stop);

		/*
		 * ERANGE with a subnormal result is fine; a zero is only so for a
		 * non-zero literal
		 */
		if (errno == ERANGE && (v == 0 || isinf(v)))
			StatsRangeError(field, token);
		switch (i)
		{
			case 1:
				s->mean = v;
				break;
			case 2:
				s->m2 = v;
				break;
			case 3:
				s->min = v;
				break;
			default:
				s->max = v;
				break;
		}
	}
	if (stop != token + (end - ps->p))
		StatsSyntaxError(ps, field, "a number");
	ps->p = end;
}

/*
 * la_stats_in
 *		Text input: a JSON object with exactly the five fields, in any order,
 *		with JSON whitespace anywhere between tokens; then StatsCheck.
 */
PG_FUNCTION_INFO_V1(la_stats_in);
Datum
la_stats_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	StatsParser ps = {str, str};
	StatsSummary *s = StatsNew();
	bool		seen[STATS_NFIELDS] = {false};
	const char *problem;

	StatsSkipSpace(&ps);
	if (*ps.p++ != '{')
	{
		ps.p--;
		StatsSyntaxError(&ps, NULL, "\"{\"");
	}
	for (int k = 0; k < STATS_NFIELDS; k++)
	{
		const char *name;
		int			len;
		int			i;

		StatsSkipSpace(&ps);
		if (k > 0 && *ps.p == '}')
		{
			for (i = 0; seen[i]; i++)
				;
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type stats_summary: \"%s\"", str),
					 errdetail("Field \"%s\" is missing.", StatsFieldNames[i]),
					 errhint("A stats_summary has the fields n, mean, m2, min and max.")));
		}
		if (k > 0)
		{
			if (*ps.p != ',')
				StatsSyntaxError(&ps, NULL, "\",\" and the next field");
			ps.p++;
			StatsSkipSpace(&ps);
		}
		if (*ps.p != '"')
			StatsSyntaxError(&ps, NULL, "a double-quoted field name");
		name = ++ps.p;
		while ((*ps.p >= 'a' && *ps.p <= 'z') || (*ps.p >= '0' && *ps.p <= '9') || *ps.p == '_')
			ps.p++;
		len = ps.p - name;
		if (*ps.p != '"')
			StatsSyntaxError(&ps, NULL, "a field name (lower-case letters, digits, \"_\") and its closing quote");
		for (i = 0; i < STATS_NFIELDS; i++)
			if ((int) strlen(StatsFieldNames[i]) == len &&
				strncmp(name, StatsFieldNames[i], len) == 0)
				break;
		if (i == STATS_NFIELDS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type stats_summary: \"%s\"", str),
					 errdetail("Field \"%s\" is not a stats_summary field.", pnstrdup(name, len)),
					 errhint("A stats_summary has the fields n, mean, m2, min and max.")));
		if (seen[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type stats_summary: \"%s\"", str),
					 errdetail("Field \"%s\" appears more than once.", StatsFieldNames[i])));
		seen[i] = true;
		ps.p++;
		StatsSkipSpace(&ps);
		if (*ps.p != ':')
			StatsSyntaxError(&ps, StatsFieldNames[i], "\":\"");
		ps.p++;
		StatsSkipSpace(&ps);
		StatsParseField(&ps, i, s);
	}
	StatsSkipSpace(&ps);
	if (*ps.p == ',')
		StatsSyntaxError(&ps, NULL, "\"}\" after the five fields n, mean, m2, min and max");
	if (*ps.p != '}')
		StatsSyntaxError(&ps, NULL, "\"}\"");
	ps.p++;
	StatsSkipSpace(&ps);
	if (*ps.p != '\0')
		StatsSyntaxError(&ps, NULL, "the end of the value");

	problem = StatsCheck(s);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("inconsistent stats_summary value: \"%s\"", str),
				 errdetail_internal("%s", problem)));
	PG_RETURN_STATS_P(s);
}

/* Append a float shortest-exact: the fewest digits that read back to the same bits. */
static void
StatsAppendFloat(StringInfo buf, const char *field, double v)
{
	char		digits[DOUBLE_SHORTEST_DECIMAL_LEN + 1];

	(void) double_to_shortest_decimal_buf(v, digits);
	appendStringInfo(buf, ",\"%s\":%s", field, digits);
}

/*
 * la_stats_out
 *		Text output: every field, floats shortest-exact, so that the text
 *		reads back to the same bits whatever extra_float_digits is.
 */
PG_FUNCTION_INFO_V1(la_stats_out);
Datum
la_stats_out(PG_FUNCTION_ARGS)
{
	StatsSummary *s = PG_GETARG_STATS_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"n\":" INT64_FORMAT, s->n);
	StatsAppendFloat(&buf, "mean", s->mean);
	StatsAppendFloat(&buf, "m2", s->m2);
	StatsAppendFloat(&buf, "min", s->min);
	StatsAppendFloat(&buf, "max", s->max);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* ---------------------------------------------------------------------
 * Binary form: format word, n, mean, m2, min, max in network byte order
 * --------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(la_stats_send);
Datum
la_stats_send(PG_FUNCTION_ARGS)
{
	StatsSummary *s = PG_GETARG_STATS_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->format);
	pq_sendint64(&buf, s->n);
	pq_sendfloat8(&buf, s->mean);
	pq_sendfloat8(&buf, s->m2);
	pq_sendfloat8(&buf, s->min);
	pq_sendfloat8(&buf, s->max);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * la_stats_recv
 *		Binary input: the inverse of la_stats_send.  The length is checked
 *		first (one size only), the version next, then StatsCheck.
 */
PG_FUNCTION_INFO_V1(la_stats_recv);
Datum
la_stats_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	StatsSummary *s;
	const char *problem;

	if (msg->len - msg->cursor != STATS_BINARY_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid stats_summary binary length %d", msg->len - msg->cursor),
				 errdetail("The binary form of a stats_summary is %d bytes.", STATS_BINARY_SIZE)));
	s = StatsNew();
	s->format = (uint32) pq_getmsgint(msg, 4);
	if ((s->format & 0xFF) != STATS_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported stats_summary format version %u", s->format & 0xFF),
				 errdetail("This library reads version %d.", STATS_FORMAT_VERSION)));
	s->n = pq_getmsgint64(msg);
	s->mean = pq_getmsgfloat8(msg);
	s->m2 = pq_getmsgfloat8(msg);
	s->min = pq_getmsgfloat8(msg);
	s->max = pq_getmsgfloat8(msg);
	pq_getmsgend(msg);
	problem = StatsCheck(s);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("inconsistent stats_summary value in binary input"),
				 errdetail_internal("%s", problem)));
	PG_RETURN_STATS_P(s);
}

/* ---------------------------------------------------------------------
 * Aggregates
 * --------------------------------------------------------------------- */

/*
 * StatsAdd
 *		Add one finite value with Welford's update.  The new fields are
 *		computed and checked before any is stored, so an error leaves the
 *		summary as it was.  The mean is kept within [min, max], where the
 *		exact mean lies, whatever the rounding.
 */
static void
StatsAdd(StatsSummary *s, double x)
{
	int64		n;
	double		delta;
	double		mean;
	double		m2;
	double		lo;
	double		hi;

	if (s->n == 0)
	{
		s->n = 1;
		s->mean = s->min = s->max = x;
		s->m2 = 0;
		return;
	}
	n = la_add_count(s->n, 1, "stats_summary", "values");
	delta = x - s->mean;
	mean = s->mean + delta / (double) n;
	m2 = s->m2 + delta * (x - mean);

	/*
	 * a deviation beyond float8 overflows m2 first; the mean itself always
	 * fits
	 */
	if (!isfinite(m2))
		StatsOverflow("m2");
	if (!isfinite(mean))
		StatsOverflow("mean");
	lo = Min(s->min, x);
	hi = Max(s->max, x);
	s->n = n;
	s->mean = Min(Max(mean, lo), hi);
	s->m2 = m2;
	s->min = lo;
	s->max = hi;
}

/*
 * la_stats_sfunc
 *		Transition function of la_stats_agg(value float8): a NULL value is
 *		skipped, NaN and infinities are an error.  The state starts NULL, so
 *		no rows (or only NULLs) give NULL.
 */
PG_FUNCTION_INFO_V1(la_stats_sfunc);
Datum
la_stats_sfunc(PG_FUNCTION_ARGS)
{
	StatsSummary *s;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	StatsCheckValue(PG_GETARG_FLOAT8(1));

	/*
	 * a new state is made in the current context: the executor copies it into
	 * its own
	 */
	s = PG_ARGISNULL(0) ? StatsNew() : StatsArg(fcinfo, 0);
	StatsAdd(s, PG_GETARG_FLOAT8(1));
	PG_RETURN_STATS_P(s);
}

/*
 * la_stats_combine
 *		Merge two summaries (Chan, Golub and LeVeque): the combine function
 *		of la_stats_agg, and transition and combine function of
 *		la_merge_agg(stats_summary).  STRICT: the executor keeps the other
 *		side when one is NULL.  In an aggregate the first argument (the
 *		state) is changed in place; called directly, neither input is.
 */
PG_FUNCTION_INFO_V1(la_stats_combine);
Datum
la_stats_combine(PG_FUNCTION_ARGS)
{
	StatsSummary *a = StatsArg(fcinfo, 0);
	StatsSummary *b = PG_GETARG_STATS_P(1);
	int64		n;
	double		delta;
	double		share;
	double		mean;
	double		m2;
	double		lo;
	double		hi;
	const char *problem;

	if (b->n == 0)
		PG_RETURN_STATS_P(a);
	if (a->n == 0)
	{
		memcpy(((char *) a) + VARHDRSZ, ((char *) b) + VARHDRSZ, STATS_SIZE - VARHDRSZ);
		PG_RETURN_STATS_P(a);
	}
	n = la_add_count(a->n, b->n, "stats_summary", "values");
	delta = b->mean - a->mean;
	share = (double) b->n / (double) n;
	mean = a->mean + delta * share;
	m2 = a->m2 + b->m2 + delta * delta * ((double) a->n * share);

	/*
	 * a deviation beyond float8 overflows m2 first; the mean itself always
	 * fits
	 */
	if (!isfinite(m2))
		StatsOverflow("m2");
	if (!isfinite(mean))
		StatsOverflow("mean");
	lo = Min(a->min, b->min);
	hi = Max(a->max, b->max);
	a->n = n;
	a->mean = Min(Max(mean, lo), hi);
	a->m2 = m2;
	a->min = lo;
	a->max = hi;

	/* the invariants of the result, checked after the arithmetic */
	problem = StatsCheck(a);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("merging stats summaries gave an inconsistent value"),
				 errdetail_internal("%s", problem)));
	PG_RETURN_STATS_P(a);
}

/* ---------------------------------------------------------------------
 * Accessors
 * --------------------------------------------------------------------- */

/* num_vals(stats_summary): how many values were summarized. */
PG_FUNCTION_INFO_V1(la_stats_num_vals);
Datum
la_stats_num_vals(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_STATS_P(0)->n);
}

/* mean(stats_summary): the mean, NULL for a summary of no values. */
PG_FUNCTION_INFO_V1(la_stats_mean);
Datum
la_stats_mean(PG_FUNCTION_ARGS)
{
	StatsSummary *s = PG_GETARG_STATS_P(0);

	if (s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->mean);
}

/* variance(stats_summary): the sample variance m2 / (n - 1), NULL below two values. */
PG_FUNCTION_INFO_V1(la_stats_variance);
Datum
la_stats_variance(PG_FUNCTION_ARGS)
{
	StatsSummary *s = PG_GETARG_STATS_P(0);

	if (s->n < 2)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->m2 / (double) (s->n - 1));
}

/* stddev(stats_summary): the sample standard deviation, NULL below two values. */
PG_FUNCTION_INFO_V1(la_stats_stddev);
Datum
la_stats_stddev(PG_FUNCTION_ARGS)
{
	StatsSummary *s = PG_GETARG_STATS_P(0);

	if (s->n < 2)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(sqrt(s->m2 / (double) (s->n - 1)));
}

/* min_val(stats_summary): the smallest value, NULL for a summary of no values. */
PG_FUNCTION_INFO_V1(la_stats_min);
Datum
la_stats_min(PG_FUNCTION_ARGS)
{
	StatsSummary *s = PG_GETARG_STATS_P(0);

	if (s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->min);
}

/* max_val(stats_summary): the largest value, NULL for a summary of no values. */
PG_FUNCTION_INFO_V1(la_stats_max);
Datum
la_stats_max(PG_FUNCTION_ARGS)
{
	StatsSummary *s = PG_GETARG_STATS_P(0);

	if (s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->max);
}
