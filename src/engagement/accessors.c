/*
 * accessors.c
 *		Reading engagement summaries: the zero-filled daily series, trailing
 *		baselines, dip ratios, inactivity and streaks, how long a dip has
 *		persisted, and the replay of the dip rule over a whole history.
 *
 * Semantics shared by every accessor (doc/engagement.md):
 *	- a learner's history starts on the first active day; every later day
 *	  without events is a zero day, before and after the last activity;
 *	- the baseline of day t over N days is the mean of the N days before t
 *	  (t-N .. t-1), counting zero days but no day before the first;
 *	- day t is a dip when a full window of N days of history exists and the
 *	  day's value is below threshold x baseline mean.  The comparison is exact
 *	  (integers, threshold as a decimal fraction), so it agrees with the same
 *	  rule written in SQL with numeric arithmetic.
 */
#include "postgres.h"

#include <math.h>

#include "access/detoast.h"
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "la_common.h"
#include "engagement/summary.h"

typedef enum LaMetric
{
	LA_METRIC_EVENTS,
	LA_METRIC_SESSIONS,
	LA_METRIC_DWELL,
	LA_METRIC_WEIGHT,
	LA_METRIC_LEARNERS
} LaMetric;

/* A decimal threshold p / q with 0 < p / q <= 1. */
typedef struct LaThreshold
{
	int64		p;
	int64		q;
} LaThreshold;

/* A zero-filled series of one metric from the first active day on. */
typedef struct LaSeries
{
	int32		first;			/* day of v[0] */
	int			n;				/* days covered */
	int64	   *v;
} LaSeries;

static LaMetric
ParseMetric(text *t)
{
	char	   *m = text_to_cstring(t);

	if (strcmp(m, "events") == 0)
		return LA_METRIC_EVENTS;
	if (strcmp(m, "sessions") == 0)
		return LA_METRIC_SESSIONS;
	if (strcmp(m, "dwell") == 0)
		return LA_METRIC_DWELL;
	if (strcmp(m, "weight") == 0)
		return LA_METRIC_WEIGHT;
	if (strcmp(m, "learners") == 0)
		return LA_METRIC_LEARNERS;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown engagement metric \"%s\"", m),
			 errhint("Use one of events, sessions, dwell, weight, learners.")));
	return LA_METRIC_EVENTS;	/* keep the compiler quiet */
}

static inline int64
MetricOf(const LaDay *d, LaMetric m)
{
	switch (m)
	{
		case LA_METRIC_EVENTS:
			return d->events;
		case LA_METRIC_SESSIONS:
			return d->sessions;
		case LA_METRIC_DWELL:
			return d->dwell;
		case LA_METRIC_WEIGHT:
			return d->weight;
		case LA_METRIC_LEARNERS:
			return d->learners;
	}
	return 0;
}

static int
CheckDays(int32 v, const char *name)
{
	if (v < 1 || v > LA_MAX_WINDOW_DAYS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 1 and %d days", name, LA_MAX_WINDOW_DAYS),
				 errdetail("Got %d.", v)));
	return v;
}

static int32
CheckDate(DateADT d, const char *name)
{
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite date", name)));
	return (int32) d;
}

/*
 * ParseThreshold
 *		A numeric in (0, 1] with at most 9 decimal places, as an exact
 *		fraction p / 10^k.
 */
static LaThreshold
ParseThreshold(Numeric num)
{
	char	   *str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	LaThreshold t = {0, 1};
	const char *c;
	bool		frac = false;
	int			decimals = 0;

	for (c = str; *c; c++)
	{
		if (*c == '.' && !frac)
			frac = true;
		else if (*c >= '0' && *c <= '9')
		{
			if (frac && ++decimals > 9)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("threshold has more than 9 decimal places"),
						 errdetail("Got %s.", str)));
			if (t.p > PG_INT64_MAX / 100)
				break;			/* far above 1: rejected below */
			t.p = t.p * 10 + (*c - '0');
			if (frac)
				t.q *= 10;
		}
		else
			break;				/* sign, NaN, exponent: rejected below */
	}
	if (*c != '\0' || t.p <= 0 || t.p > t.q)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("threshold must be greater than 0 and at most 1"),
				 errdetail("Got %s.", str),
				 errhint("A day is a dip when its value is below threshold times the baseline mean, e.g. 0.6.")));
	return t;
}

/*
 * Is value below threshold x (sum / h)?  Exactly: value * h * q < p * sum.
 * sum is at most LA_MAX_WINDOW_DAYS values of int64, so it and both products
 * fit in 128 bits (|value * h * q| < 2^63 * 2^12 * 2^30, |p * sum| likewise).
 */
static inline bool
BelowThreshold(int64 value, int128 sum, int h, LaThreshold t)
{
	int128		lhs = (int128) value * h * t.q;
	int128		rhs = (int128) t.p * sum;

	return lhs < rhs;
}

/*
 * BuildSeries
 *		The metric per day from the first active day through 'last' (which
 *		may lie after the last active day: those days are zero).  An empty
 *		series (n = 0) when there is no activity on or before 'last'.
 */
static void
BuildSeries(const LaSummary *s, LaMetric m, int32 last, LaSeries *out)
{
	int			i;

	out->n = 0;
	out->v = NULL;
	if (s->ndays == 0 || last < s->days[0].day)
		return;
	out->first = s->days[0].day;
	if ((int64) last - out->first + 1 > 200 * 366)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("engagement history longer than 200 years")));
	out->n = last - out->first + 1;
	out->v = palloc0(sizeof(int64) * out->n);
	for (i = 0; i < s->ndays && s->days[i].day <= last; i++)
		out->v[s->days[i].day - out->first] = MetricOf(&s->days[i], m);
}

/* ---------------------------------------------------------------------
 * Daily series
 * --------------------------------------------------------------------- */

/*
 * la_engagement_daily(summary, from_day date, to_day date)
 *	 RETURNS TABLE(day date, events bigint, sessions int, dwell interval,
 *				   weight bigint, learners bigint)
 * Zero-filled from max(first active day, from_day) to to_day (default: the
 * last active day).
 */
PG_FUNCTION_INFO_V1(la_engagement_daily);
Datum
la_engagement_daily(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LaSummary  *s;
	int32		from,
				to,
				day;
	int			k = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	s = LaSummaryFromDatum(PG_GETARG_DATUM(0), true);
	if (s->ndays == 0)
		return (Datum) 0;
	from = PG_ARGISNULL(1) ? s->days[0].day : Max(CheckDate(PG_GETARG_DATEADT(1), "from_day"),
												  s->days[0].day);
	to = PG_ARGISNULL(2) ? s->days[s->ndays - 1].day : CheckDate(PG_GETARG_DATEADT(2), "to_day");
	if ((int64) to - from > 200 * 366)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("daily series longer than 200 years")));

	for (day = from; day <= to; day++)
	{
		Datum		values[6];
		bool		nulls[6] = {false};
		LaDay		zero = {0};
		const LaDay *d = &zero;
		Interval   *dwell = palloc0(sizeof(Interval));

		while (k < s->ndays && s->days[k].day < day)
			k++;
		if (k < s->ndays && s->days[k].day == day)
			d = &s->days[k];
		dwell->time = d->dwell;
		values[0] = DateADTGetDatum(day);
		values[1] = Int64GetDatum(d->events);
		values[2] = Int32GetDatum(d->sessions);
		values[3] = IntervalPGetDatum(dwell);
		values[4] = Int64GetDatum(d->weight);
		values[5] = Int64GetDatum(d == &zero ? 0 : d->learners);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		if (day == PG_INT32_MAX)
			break;
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Baselines and dips
 * --------------------------------------------------------------------- */

static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

static int
CompareFloat8(const void *a, const void *b)
{
	float8		x = *(const float8 *) a;
	float8		y = *(const float8 *) b;

	return (x > y) - (x < y);
}

/*
 * la_engagement_baseline(summary, day date, days int, metric text)
 *	 RETURNS (days_counted int, mean float8, stddev float8, median float8, mad float8)
 * Over the 'days' days before 'day', from the first active day on.  stddev
 * is the sample standard deviation; mad the (unscaled) median absolute
 * deviation from the median.
 */
PG_FUNCTION_INFO_V1(la_engagement_baseline);
Datum
la_engagement_baseline(PG_FUNCTION_ARGS)
{
	LaSummary  *s = LaSummaryFromDatum(PG_GETARG_DATUM(0), true);
	int32		day = CheckDate(PG_GETARG_DATEADT(1), "day");
	int			ndays = CheckDays(PG_GETARG_INT32(2), "baseline window");
	LaMetric	m = ParseMetric(PG_GETARG_TEXT_PP(3));
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {false, true, true, true, true};
	LaSeries	ser;
	int			lo,
				hi,
				h,
				i;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);

	BuildSeries(s, m, day - 1, &ser);
	hi = ser.n - 1;				/* index of day - 1 */
	lo = Max(0, hi - ndays + 1);
	h = (ser.n == 0) ? 0 : hi - lo + 1;
	values[0] = Int32GetDatum(h);
	if (h > 0)
	{
		int64	   *w = palloc(sizeof(int64) * h);
		float8	   *dev = palloc(sizeof(float8) * h);
		float8		sum = 0,
					mean,
					median,
					ss = 0;

		for (i = 0; i < h; i++)
		{
			w[i] = ser.v[lo + i];
			sum += (float8) w[i];
		}
		mean = sum / h;
		for (i = 0; i < h; i++)
			ss += ((float8) w[i] - mean) * ((float8) w[i] - mean);
		qsort(w, h, sizeof(int64), CompareInt64);
		median = (h % 2) ? (float8) w[h / 2] : ((float8) w[h / 2 - 1] + (float8) w[h / 2]) / 2.0;
		for (i = 0; i < h; i++)
			dev[i] = fabs((float8) w[i] - median);
		qsort(dev, h, sizeof(float8), CompareFloat8);
		values[1] = Float8GetDatum(mean);
		nulls[1] = false;
		if (h > 1)
		{
			values[2] = Float8GetDatum(sqrt(ss / (h - 1)));
			nulls[2] = false;
		}
		values[3] = Float8GetDatum(median);
		nulls[3] = false;
		values[4] = Float8GetDatum((h % 2) ? dev[h / 2] : (dev[h / 2 - 1] + dev[h / 2]) / 2.0);
		nulls[4] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/*
 * la_engagement_dip_ratio(summary, day date, days int, metric text, window_days int)
 *	 RETURNS float8
 * The mean of the metric over the window_days days ending on 'day', divided
 * by the mean over the 'days' days before that window.  NULL when 'day' is
 * before the first active day, when the baseline has no day, or when the
 * baseline mean is zero.
 */
PG_FUNCTION_INFO_V1(la_engagement_dip_ratio);
Datum
la_engagement_dip_ratio(PG_FUNCTION_ARGS)
{
	LaSummary  *s = LaSummaryFromDatum(PG_GETARG_DATUM(0), true);
	int32		day = CheckDate(PG_GETARG_DATEADT(1), "day");
	int			ndays = CheckDays(PG_GETARG_INT32(2), "baseline window");
	LaMetric	m = ParseMetric(PG_GETARG_TEXT_PP(3));
	int			win = CheckDays(PG_GETARG_INT32(4), "window_days");
	LaSeries	ser;
	int			i,
				wlo,
				blo,
				bh,
				wh;
	int128		wsum = 0,		/* sums of up to LA_MAX_WINDOW_DAYS int64
								 * values: */
				bsum = 0;		/* exact in 128 bits, never a wrap */

	BuildSeries(s, m, day, &ser);
	if (ser.n == 0)
		PG_RETURN_NULL();
	wlo = Max(0, ser.n - win);
	wh = ser.n - wlo;
	blo = Max(0, wlo - ndays);
	bh = wlo - blo;
	if (bh == 0)
		PG_RETURN_NULL();
	for (i = wlo; i < ser.n; i++)
		wsum += ser.v[i];
	for (i = blo; i < wlo; i++)
		bsum += ser.v[i];
	if (bsum == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(((float8) wsum / wh) / ((float8) bsum / bh));
}

/*
 * DipRuns
 *		Walk the series and call back for every day with its dip state and
 *		the length of the run of consecutive dip days ending there.
 */
typedef void (*LaDipVisitor) (void *arg, int idx, int64 value, int128 sum, int h, bool dip, int run);

static void
DipRuns(const LaSeries *ser, int ndays, LaThreshold t, LaDipVisitor visit, void *arg)
{
	int128		sum = 0;		/* sum of the window before day i (exact: see
								 * BelowThreshold) */
	int			run = 0;
	int			i;

	for (i = 0; i < ser->n; i++)
	{
		int			h = Min(i, ndays);
		bool		dip = (h >= ndays) && BelowThreshold(ser->v[i], sum, h, t);

		run = dip ? run + 1 : 0;
		visit(arg, i, ser->v[i], sum, h, dip, run);
		sum += ser->v[i];
		if (i >= ndays)
			sum -= ser->v[i - ndays];
	}
}

static void
RunVisitor(void *arg, int idx, int64 value, int128 sum, int h, bool dip, int run)
{
	*(int *) arg = run;
}

/*
 * la_engagement_dip_persistence(summary, as_of date, threshold numeric,
 *								 days int, metric text) RETURNS int
 * The number of consecutive dip days ending on as_of (0 when as_of is not a
 * dip day); NULL when as_of is before the first active day.
 */
PG_FUNCTION_INFO_V1(la_engagement_dip_persistence);
Datum
la_engagement_dip_persistence(PG_FUNCTION_ARGS)
{
	LaSummary  *s = LaSummaryFromDatum(PG_GETARG_DATUM(0), true);
	int32		asof = CheckDate(PG_GETARG_DATEADT(1), "as_of");
	LaThreshold t = ParseThreshold(PG_GETARG_NUMERIC(2));
	int			ndays = CheckDays(PG_GETARG_INT32(3), "baseline window");
	LaMetric	m = ParseMetric(PG_GETARG_TEXT_PP(4));
	LaSeries	ser;
	int			run = 0;

	BuildSeries(s, m, asof, &ser);
	if (ser.n == 0)
		PG_RETURN_NULL();
	DipRuns(&ser, ndays, t, RunVisitor, &run);
	PG_RETURN_INT32(run);
}

typedef struct AlertCtx
{
	ReturnSetInfo *rsinfo;
	int32		first;
	int32		from;
	int			persist;
} AlertCtx;

static void
AlertVisitor(void *arg, int idx, int64 value, int128 sum, int h, bool dip, int run)
{
	AlertCtx   *c = (AlertCtx *) arg;
	Datum		values[5];
	bool		nulls[5] = {false};
	float8		mean;

	if (run != c->persist || c->first + idx < c->from)
		return;
	mean = (float8) sum / h;
	values[0] = DateADTGetDatum(c->first + idx);
	values[1] = Int64GetDatum(value);
	values[2] = Float8GetDatum(mean);
	values[3] = Float8GetDatum((float8) value / mean);
	values[4] = Int32GetDatum(run);
	tuplestore_putvalues(c->rsinfo->setResult, c->rsinfo->setDesc, values, nulls);
}

/*
 * la_engagement_dip_alerts(summary, until date, threshold numeric, days int,
 *							persist int, metric text, from_day date)
 *	 RETURNS TABLE(day date, value bigint, baseline float8, ratio float8, persisted int)
 * Replay of the dip rule: one row for each day on which a run of
 * consecutive dip days reaches 'persist' days (once per run), through
 * 'until', reported from from_day on (the history before still counts).
 */
PG_FUNCTION_INFO_V1(la_engagement_dip_alerts);
Datum
la_engagement_dip_alerts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LaSummary  *s;
	int32		until;
	LaThreshold t;
	int			ndays,
				persist;
	LaMetric	m;
	LaSeries	ser;
	AlertCtx	c;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < 6; i++)
		if (PG_ARGISNULL(i))
			return (Datum) 0;
	s = LaSummaryFromDatum(PG_GETARG_DATUM(0), true);
	until = CheckDate(PG_GETARG_DATEADT(1), "until");
	t = ParseThreshold(PG_GETARG_NUMERIC(2));
	ndays = CheckDays(PG_GETARG_INT32(3), "baseline window");
	persist = CheckDays(PG_GETARG_INT32(4), "persist");
	m = ParseMetric(PG_GETARG_TEXT_PP(5));

	BuildSeries(s, m, until, &ser);
	if (ser.n == 0)
		return (Datum) 0;
	c.rsinfo = rsinfo;
	c.first = ser.first;
	c.from = PG_ARGISNULL(6) ? PG_INT32_MIN : CheckDate(PG_GETARG_DATEADT(6), "from_day");
	c.persist = persist;
	DipRuns(&ser, ndays, t, AlertVisitor, &c);
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Inactivity and streaks
 * --------------------------------------------------------------------- */

/* Index of the last active day on or before 'day', or -1. */
static int
LastActiveIndex(const LaSummary *s, int32 day)
{
	int			lo = 0,
				hi = s->ndays - 1,
				found = -1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (s->days[mid].day <= day)
		{
			found = mid;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	return found;
}

/*
 * la_engagement_days_inactive(summary, as_of date) RETURNS int
 * Days from the last active day on or before as_of to as_of (0 when active
 * on as_of); NULL when there is no activity on or before as_of.
 */
PG_FUNCTION_INFO_V1(la_engagement_days_inactive);
Datum
la_engagement_days_inactive(PG_FUNCTION_ARGS)
{
	LaSummary  *s = LaSummaryFromDatum(PG_GETARG_DATUM(0), true);
	int32		asof = CheckDate(PG_GETARG_DATEADT(1), "as_of");
	int			k = LastActiveIndex(s, asof);

	if (k < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(asof - s->days[k].day);
}

/*
 * la_engagement_streak(summary, as_of date) RETURNS (active boolean, days int)
 * The run that as_of belongs to: consecutive active days ending on as_of,
 * or the consecutive inactive days since the last activity.  NULL fields
 * when as_of is before the first active day.
 */
PG_FUNCTION_INFO_V1(la_engagement_streak);
Datum
la_engagement_streak(PG_FUNCTION_ARGS)
{
	LaSummary  *s = LaSummaryFromDatum(PG_GETARG_DATUM(0), true);
	int32		asof = CheckDate(PG_GETARG_DATEADT(1), "as_of");
	int			k = LastActiveIndex(s, asof);
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);
	if (k < 0)
		nulls[0] = nulls[1] = true;
	else if (s->days[k].day == asof)
	{
		int			j = k;

		while (j > 0 && s->days[j - 1].day == s->days[j].day - 1)
			j--;
		values[0] = BoolGetDatum(true);
		values[1] = Int32GetDatum(k - j + 1);
	}
	else
	{
		values[0] = BoolGetDatum(false);
		values[1] = Int32GetDatum(asof - s->days[k].day);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* ---------------------------------------------------------------------
 * Summary facts
 * --------------------------------------------------------------------- */

/*
 * la_engagement_info(summary) RETURNS (kind text, learner text, tz text,
 *	 session_gap interval, learners bigint, first_activity timestamptz,
 *	 last_activity timestamptz, active_days int, events bigint,
 *	 sessions bigint, dwell interval, weight bigint, skipped bigint,
 *	 bytes int)
 */
PG_FUNCTION_INFO_V1(la_engagement_info);
Datum
la_engagement_info(PG_FUNCTION_ARGS)
{
	Datum		raw = PG_GETARG_DATUM(0);
	LaSummary  *s = LaSummaryFromDatum(raw, true);
	TupleDesc	desc;
	Datum		values[14];
	bool		nulls[14] = {false};
	Interval   *gap = palloc0(sizeof(Interval));
	Interval   *dwell = palloc0(sizeof(Interval));
	int64		events = 0,
				sessions = 0,
				weight = 0;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);
	for (i = 0; i < s->ndays; i++)
	{
		events = LaAddCount(events, s->days[i].events, "events");
		sessions = LaAddCount(sessions, s->days[i].sessions, "sessions");
		weight = LaAddCount(weight, s->days[i].weight, "weight");
		dwell->time = LaAddCount(dwell->time, s->days[i].dwell, "dwell");
	}
	gap->time = s->gap;
	values[0] = CStringGetTextDatum(s->kind == LA_KIND_LEARNER ? "learner" : "cohort");
	if (s->learner)
		values[1] = CStringGetTextDatum(s->learner);
	else
		nulls[1] = true;
	values[2] = CStringGetTextDatum(s->tz);
	values[3] = IntervalPGetDatum(gap);
	values[4] = Int64GetDatum(s->learners);
	values[5] = TimestampTzGetDatum(s->first);
	values[6] = TimestampTzGetDatum(s->last);
	nulls[5] = nulls[6] = (s->ndays == 0);
	values[7] = Int32GetDatum(s->ndays);
	values[8] = Int64GetDatum(events);
	values[9] = Int64GetDatum(sessions);
	values[10] = IntervalPGetDatum(dwell);
	values[11] = Int64GetDatum(weight);
	values[12] = Int64GetDatum(s->skipped);
	values[13] = Int32GetDatum((int32) toast_datum_size(raw));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
