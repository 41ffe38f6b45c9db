/*
 * build.c
 *		The event aggregate la_engagement_agg(): one learner's events into a
 *		learner summary (sessions cut at the gap, counts per local day).
 *
 * la_engagement_agg() keeps the raw events of one group (learner) in an
 * internal state and builds the summary in its final function.  A partial
 * state leaves a parallel worker as the summary of its share of the events,
 * and the leader merges those summaries exactly (merge.c), so the result does
 * not depend on how the rows were split.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "la_common.h"
#include "engagement/summary.h"

#define LA_DEFAULT_TZ		"UTC"
#define LA_DEFAULT_GAP		(30 * USECS_PER_MINUTE)

/* ---------------------------------------------------------------------
 * la_engagement_agg(learner, ts [, weight [, tz, gap]])
 * --------------------------------------------------------------------- */

typedef struct LaEvent
{
	TimestampTz ts;
	int64		weight;
} LaEvent;

typedef struct LaAggState
{
	bool		intKey;			/* learner key is bigint (else text) */
	int64		key;			/* bigint key */
	char	   *textKey;		/* text key, NUL-terminated */
	char		tz[LA_MAX_TZ_LEN + 1];
	int64		gap;
	int64		skipped;
	int			n;
	int			cap;
	LaEvent    *events;
	Datum		lastTzArg;		/* the tz argument last checked (usually a
								 * Const) */
	bytea	   *built;			/* encoded summary of events folded in earlier */
} LaAggState;

static void BuildSummary(LaAggState *st, LaSummary *s);

static MemoryContext
AggContext(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called as part of la_engagement_agg", fn)));
	return ctx;
}

/* The gap argument: a positive interval of at most 30 days, without months. */
static int64
GapFromInterval(Interval *iv)
{
	int64		us;

	if (iv->month != 0 ||
		pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, iv->time, &us) ||
		us <= 0 || us > 30 * USECS_PER_DAY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("session gap must be a positive interval of at most 30 days"),
				 errdetail("Got %s.", DatumGetCString(DirectFunctionCall1(interval_out,
																		  IntervalPGetDatum(iv)))),
				 errhint("Sessions split where two events are more than the gap apart, e.g. '30 minutes'.")));
	return us;
}

static void
KeyMismatch(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("la_engagement_agg got more than one learner in one group"),
			 errhint("Group by the learner key: SELECT learner, la_engagement_agg(learner, ts) ... GROUP BY learner.")));
}

PG_FUNCTION_INFO_V1(la_engagement_sfunc);
Datum
la_engagement_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = AggContext(fcinfo, "la_engagement_sfunc");
	LaAggState *st = PG_ARGISNULL(0) ? NULL : (LaAggState *) PG_GETARG_POINTER(0);
	int			nargs = PG_NARGS();
	TimestampTz ts;
	int64		weight = 0;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("learner key must not be null"),
				 errhint("Filter out events without a learner, or give them a key.")));

	if (st == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(aggctx);

		st = palloc0(sizeof(LaAggState));
		st->intKey = (get_fn_expr_argtype(fcinfo->flinfo, 1) == INT8OID);
		if (st->intKey)
			st->key = PG_GETARG_INT64(1);
		else
		{
			text	   *t = PG_GETARG_TEXT_PP(1);

			if (VARSIZE_ANY_EXHDR(t) == 0 || VARSIZE_ANY_EXHDR(t) > LA_MAX_KEY_LEN)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("learner key must be between 1 and %d bytes", LA_MAX_KEY_LEN)));
			st->textKey = text_to_cstring(t);
		}
		if (nargs >= 5)
		{
			char	   *tzname;

			if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("time zone and session gap must not be null")));
			tzname = text_to_cstring(PG_GETARG_TEXT_PP(4));
			LaLookupTimezone(tzname, st->tz);
			st->gap = GapFromInterval(PG_GETARG_INTERVAL_P(5));
			st->lastTzArg = PG_GETARG_DATUM(4);
		}
		else
		{
			strlcpy(st->tz, LA_DEFAULT_TZ, sizeof(st->tz));
			st->gap = LA_DEFAULT_GAP;
		}
		st->cap = 16;
		st->events = palloc(sizeof(LaEvent) * st->cap);
		MemoryContextSwitchTo(old);
	}
	else
	{
		/* the learner, time zone and gap are constant within a group */
		if (st->intKey)
		{
			if (PG_GETARG_INT64(1) != st->key)
				KeyMismatch();
		}
		else
		{
			text	   *t = PG_GETARG_TEXT_PP(1);
			size_t		len = VARSIZE_ANY_EXHDR(t);

			if (len != strlen(st->textKey) || memcmp(VARDATA_ANY(t), st->textKey, len) != 0)
				KeyMismatch();
		}
		if (nargs >= 5 && (PG_ARGISNULL(4) || PG_ARGISNULL(5) ||
						   (PG_GETARG_DATUM(4) != st->lastTzArg &&
							strcmp(text_to_cstring(PG_GETARG_TEXT_PP(4)), st->tz) != 0) ||
						   GapFromInterval(PG_GETARG_INTERVAL_P(5)) != st->gap))
		{
			char		canonical[LA_MAX_TZ_LEN + 1];

			if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("time zone and session gap must not be null")));
			LaLookupTimezone(text_to_cstring(PG_GETARG_TEXT_PP(4)), canonical);
			if (strcmp(canonical, st->tz) != 0 || GapFromInterval(PG_GETARG_INTERVAL_P(5)) != st->gap)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("time zone and session gap must be the same for every row of a group")));
			st->lastTzArg = PG_GETARG_DATUM(4);
		}
	}

	if (PG_ARGISNULL(2))
	{
		st->skipped = LaAddCount(st->skipped, 1, "skipped");
		PG_RETURN_POINTER(st);
	}
	ts = PG_GETARG_TIMESTAMPTZ(2);
	if (ts < LA_MIN_TS || ts > LA_MAX_TS)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("event timestamp out of range for an engagement summary"),
				 errdetail("Timestamps must be finite and in the years 1 to 9999.")));
	if (nargs >= 4 && !PG_ARGISNULL(3))
	{
		weight = PG_GETARG_INT64(3);
		if (weight < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("event weight must not be negative"),
					 errdetail("Got " INT64_FORMAT ".", weight)));
	}

	if (st->n == st->cap)
	{
		if (st->cap > PG_INT32_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many events for one learner")));
		st->cap = st->cap ? st->cap * 2 : 16;
		st->events = st->events
			? (LaEvent *) repalloc_huge(st->events, sizeof(LaEvent) * st->cap)
			: (LaEvent *) MemoryContextAllocHuge(aggctx, sizeof(LaEvent) * st->cap);
	}
	st->events[st->n].ts = ts;
	st->events[st->n].weight = weight;
	st->n++;
	PG_RETURN_POINTER(st);
}

/*
 * StateSummary
 *		The summary of everything a state holds (its built summary merged
 *		with its raw events), without changing the state's content.
 */
static void
StateSummary(LaAggState *st, LaSummary *out)
{
	LaSummary	old,
				ev;

	if (st->built == NULL)
	{
		BuildSummary(st, out);
		return;
	}
	LaSummaryDecode((struct varlena *) st->built, &old, false);
	if (st->n == 0 && st->skipped == 0)
	{
		*out = old;
		return;
	}
	BuildSummary(st, &ev);
	LaSummaryMergeLearner(out, &old, &ev);
}

/* The encoded summary of a state; the built one itself when nothing was added. */
static bytea *
StateEncoded(LaAggState *st)
{
	LaSummary	s;

	if (st->built != NULL && st->n == 0 && st->skipped == 0)
		return st->built;
	StateSummary(st, &s);
	return LaSummaryEncode(&s);
}

static bytea *
CopyBytea(const bytea *b)
{
	bytea	   *c = palloc(VARSIZE(b));

	memcpy(c, b, VARSIZE(b));
	return c;
}

/*
 * la_engagement_combine
 *		Partial states of one group.  Two states of raw events concatenate;
 *		when either already holds a built summary (partial states from
 *		parallel workers arrive built), the two summaries are merged, which
 *		is exact for summaries of one learner.
 */
PG_FUNCTION_INFO_V1(la_engagement_combine);
Datum
la_engagement_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = AggContext(fcinfo, "la_engagement_combine");
	LaAggState *a = PG_ARGISNULL(0) ? NULL : (LaAggState *) PG_GETARG_POINTER(0);
	LaAggState *b = PG_ARGISNULL(1) ? NULL : (LaAggState *) PG_GETARG_POINTER(1);
	MemoryContext old;

	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
	{
		/* copy b into the aggregate context */
		old = MemoryContextSwitchTo(aggctx);
		a = palloc(sizeof(LaAggState));
		*a = *b;
		if (b->textKey)
			a->textKey = pstrdup(b->textKey);
		a->cap = b->n;
		a->events = NULL;
		if (b->n > 0)
		{
			a->events = palloc_extended(sizeof(LaEvent) * a->cap, MCXT_ALLOC_HUGE);
			memcpy(a->events, b->events, sizeof(LaEvent) * b->n);
		}
		if (b->built)
			a->built = CopyBytea(b->built);
		MemoryContextSwitchTo(old);
		PG_RETURN_POINTER(a);
	}
	if (a->intKey != b->intKey || (a->intKey ? a->key != b->key : strcmp(a->textKey, b->textKey) != 0))
		KeyMismatch();
	if (strcmp(a->tz, b->tz) != 0 || a->gap != b->gap)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone and session gap must be the same for every row of a group")));

	if (a->built == NULL && b->built == NULL)
	{
		if (b->n > PG_INT32_MAX / 2 - a->n)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many events for one learner")));
		if (a->n + b->n > a->cap)
		{
			a->cap = a->n + b->n;
			a->events = a->events
				? repalloc_huge(a->events, sizeof(LaEvent) * a->cap)
				: MemoryContextAllocHuge(aggctx, sizeof(LaEvent) * a->cap);
		}
		if (b->n > 0)
			memcpy(a->events + a->n, b->events, sizeof(LaEvent) * b->n);
		a->n += b->n;
		a->skipped = LaAddCount(a->skipped, b->skipped, "skipped");
	}
	else
	{
		LaSummary	sa,
					sb,
					merged;
		bytea	   *enc;

		StateSummary(a, &sa);
		StateSummary(b, &sb);
		LaSummaryMergeLearner(&merged, &sa, &sb);
		enc = LaSummaryEncode(&merged);
		old = MemoryContextSwitchTo(aggctx);
		a->built = CopyBytea(enc);
		MemoryContextSwitchTo(old);
		a->n = 0;
		a->skipped = 0;
	}
	PG_RETURN_POINTER(a);
}

/*
 * la_engagement_serialize
 *		A partial state leaves a parallel worker as the learner's key and the
 *		summary of its events: the sorting and counting happen in the workers,
 *		and the leader mostly passes the bytes on.
 */
PG_FUNCTION_INFO_V1(la_engagement_serialize);
Datum
la_engagement_serialize(PG_FUNCTION_ARGS)
{
	LaAggState *st = (LaAggState *) PG_GETARG_POINTER(0);
	bytea	   *enc = StateEncoded(st);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, st->intKey);
	if (st->intKey)
		pq_sendint64(&buf, st->key);
	else
		pq_sendstring(&buf, st->textKey);
	pq_sendstring(&buf, st->tz);
	pq_sendint64(&buf, st->gap);
	appendBinaryStringInfo(&buf, (const char *) enc, VARSIZE(enc));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(la_engagement_deserialize);
Datum
la_engagement_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggctx = AggContext(fcinfo, "la_engagement_deserialize");
	MemoryContext old = MemoryContextSwitchTo(aggctx);
	StringInfoData buf;
	LaAggState *st = palloc0(sizeof(LaAggState));
	int			len;

	buf.data = VARDATA_ANY(raw);
	buf.len = VARSIZE_ANY_EXHDR(raw);
	buf.maxlen = buf.len;
	buf.cursor = 0;

	st->intKey = pq_getmsgbyte(&buf);
	if (st->intKey)
		st->key = pq_getmsgint64(&buf);
	else
		st->textKey = pstrdup(pq_getmsgstring(&buf));
	strlcpy(st->tz, pq_getmsgstring(&buf), sizeof(st->tz));
	st->gap = pq_getmsgint64(&buf);
	len = buf.len - buf.cursor;
	if (len < VARHDRSZ)
		elog(ERROR, "corrupt la_engagement_agg partial state");
	st->built = palloc(len);
	memcpy(st->built, pq_getmsgbytes(&buf, len), len);
	if (VARSIZE(st->built) != (Size) len)
		elog(ERROR, "corrupt la_engagement_agg partial state");
	/* no event buffer: a deserialized state only ever merges summaries */
	st->cap = 0;
	st->events = NULL;
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* SortEvents(LaEvent *, size_t): qsort specialised for events, comparator inlined */
#define ST_SORT SortEvents
#define ST_ELEMENT_TYPE LaEvent
#define ST_COMPARE(a, b) (((a)->ts > (b)->ts) - ((a)->ts < (b)->ts))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

static int
CompareDays(const void *a, const void *b)
{
	int32		x = ((const LaDay *) a)->day;
	int32		y = ((const LaDay *) b)->day;

	return (x > y) - (x < y);
}

/*
 * BuildSummary
 *		Sort the events, cut them into sessions at gaps longer than st->gap,
 *		and count them per local day.
 */
static void
BuildSummary(LaAggState *st, LaSummary *s)
{
	LaDayCache	cache;
	pg_tz	   *tz;
	char		canonical[LA_MAX_TZ_LEN + 1];
	bool		sorted = true;
	int			i;

	memset(s, 0, sizeof(*s));
	s->kind = LA_KIND_LEARNER;
	strlcpy(s->tz, st->tz, sizeof(s->tz));
	s->gap = st->gap;
	s->learners = 1;
	s->skipped = st->skipped;
	s->learner = st->intKey ? psprintf(INT64_FORMAT, st->key) : st->textKey;
	if (st->n == 0)
		return;

	/* events arrive mostly in time order; sort only when they did not */
	for (i = 1; i < st->n; i++)
		if (st->events[i].ts < st->events[i - 1].ts)
		{
			SortEvents(st->events, st->n);
			break;
		}

	tz = LaLookupTimezone(st->tz, canonical);
	LaDayCacheInit(&cache, tz, canonical);
	s->first = st->events[0].ts;
	s->last = st->events[st->n - 1].ts;
	s->days = palloc(sizeof(LaDay) * Min(st->n, 4096));
	s->sessions = palloc(sizeof(LaSession) * Min(st->n, 4096));
	{
		int			daycap = Min(st->n, 4096);
		int			sescap = daycap;
		TimestampTz end = 0;
		int			sesday = 0; /* index of the day the open session started
								 * on */

		for (i = 0; i < st->n; i++)
		{
			const LaEvent *e = &st->events[i];
			int32		day = LaLocalDay(&cache, e->ts);
			LaDay	   *d;

			if (s->ndays == 0 || s->days[s->ndays - 1].day != day)
			{
				if (s->ndays > 0 && day < s->days[s->ndays - 1].day)
					sorted = false; /* a fall-back transition at midnight */
				if (s->ndays == daycap)
				{
					daycap *= 2;
					s->days = repalloc_huge(s->days, sizeof(LaDay) * daycap);
				}
				d = &s->days[s->ndays++];
				memset(d, 0, sizeof(LaDay));
				d->day = day;
				d->learners = 1;
			}
			d = &s->days[s->ndays - 1];
			d->events++;
			d->weight = LaAddCount(d->weight, e->weight, "weight");

			if (s->nsessions == 0 || e->ts - end > st->gap)
			{
				if (s->nsessions > 0)
				{
					LaSession  *x = &s->sessions[s->nsessions - 1];

					x->duration = end - x->start;
					s->days[sesday].dwell = LaAddCount(s->days[sesday].dwell, x->duration,
													   "dwell");
				}
				if (s->nsessions == sescap)
				{
					sescap *= 2;
					s->sessions = repalloc_huge(s->sessions, sizeof(LaSession) * sescap);
				}
				s->sessions[s->nsessions++].start = e->ts;
				/* a session counts on the day it starts */
				sesday = s->ndays - 1;
				d->sessions++;
			}
			end = e->ts;
		}
		s->sessions[s->nsessions - 1].duration = end - s->sessions[s->nsessions - 1].start;
		s->days[sesday].dwell = LaAddCount(s->days[sesday].dwell,
										   s->sessions[s->nsessions - 1].duration, "dwell");
	}

	if (!sorted)
	{
		/* days out of order: sort, coalesce, and attribute sessions afresh */
		int			n = 0;

		qsort(s->days, s->ndays, sizeof(LaDay), CompareDays);
		for (i = 0; i < s->ndays; i++)
		{
			if (n > 0 && s->days[n - 1].day == s->days[i].day)
			{
				s->days[n - 1].events = LaAddCount(s->days[n - 1].events, s->days[i].events,
												   "events");
				s->days[n - 1].weight = LaAddCount(s->days[n - 1].weight, s->days[i].weight,
												   "weight");
			}
			else
				s->days[n++] = s->days[i];
		}
		s->ndays = n;
		LaRecomputeSessionDays(s, &cache);
	}
}

PG_FUNCTION_INFO_V1(la_engagement_final);
Datum
la_engagement_final(PG_FUNCTION_ARGS)
{
	LaAggState *st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (LaAggState *) PG_GETARG_POINTER(0);

	/*
	 * The state is not changed (sorting its events in place keeps the same
	 * multiset), so a window frame may call this again.
	 */
	PG_RETURN_POINTER(CopyBytea(StateEncoded(st)));
}
