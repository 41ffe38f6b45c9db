/*
 * build.c
 *		Building engagement summaries: local calendar days, sessions, the
 *		event aggregate la_engagement_agg() and the summary rollups
 *		la_engagement_rollup_agg() (one learner) and la_engagement_cohort_agg()
 *		(many learners).
 *
 * la_engagement_agg() keeps the raw events of one group (learner) in an
 * internal state and builds the summary in its final function: partial
 * states from parallel workers are concatenated, so the result does not
 * depend on how the rows were split.  The rollups have the summary type
 * itself as their state, so Citus can ship partial results as text.
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
 * Time zones and local days
 * --------------------------------------------------------------------- */

/*
 * LaLookupTimezone
 *		Resolve a time-zone name as the server does for "timezone"; write its
 *		canonical spelling into canonical (LA_MAX_TZ_LEN + 1 bytes).
 */
pg_tz *
LaLookupTimezone(const char *name, char *canonical)
{
	pg_tz	   *tz = NULL;

	if (name[0] != '\0' && strlen(name) <= LA_MAX_TZ_LEN)
		tz = pg_tzset(name);
	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", name),
				 errhint("Use a name from pg_timezone_names, such as \"UTC\" or \"Europe/Paris\".")));
	if (!pg_tz_acceptable(tz))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" appears to use leap seconds", name),
				 errdetail("PostgreSQL does not support leap seconds.")));
	strlcpy(canonical, pg_get_timezone_name(tz), LA_MAX_TZ_LEN + 1);
	return tz;
}

void
LaDayCacheInit(LaDayCache *cache, pg_tz *tz, const char *canonical)
{
	long		gmtoff;

	cache->tz = tz;
	/* a zone with one fixed offset needs no calendar look-ups at all */
	cache->utc = pg_get_timezone_offset(tz, &gmtoff);
	cache->lo = cache->utc ? (int64) gmtoff * USECS_PER_SEC : 1;
	cache->hi = 0;
	cache->day = 0;
}

static inline int64
FloorDiv(int64 a, int64 b)
{
	int64		q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* UTC offset (seconds) and local fields of ts; errors when out of range. */
static inline int
LocalFields(TimestampTz ts, pg_tz *tz, struct pg_tm *tm, fsec_t *fsec)
{
	int			tzoff;

	if (timestamp2tm(ts, &tzoff, tm, fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return tzoff;
}

/*
 * LaLocalDay
 *		The calendar day (PostgreSQL date) on which ts falls in the cache's
 *		time zone.  The [lo, hi) range of the last day looked up is cached,
 *		but only when the UTC offset is the same at both ends of the day, so a
 *		day with a daylight-saving transition is always computed afresh.
 */
int32
LaLocalDay(LaDayCache *cache, TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			off;
	int32		day;
	int64		tod;
	TimestampTz lo;

	if (cache->utc)
		return (int32) FloorDiv(ts + cache->lo, USECS_PER_DAY);
	if (ts >= cache->lo && ts < cache->hi)
		return cache->day;

	off = LocalFields(ts, cache->tz, &tm, &fsec);
	day = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
	tod = ((int64) ((tm.tm_hour * MINS_PER_HOUR + tm.tm_min) * SECS_PER_MINUTE + tm.tm_sec))
		* USECS_PER_SEC + fsec;
	lo = ts - tod;
	cache->lo = 1;
	cache->hi = 0;
	if (lo > LA_MIN_TS && lo + USECS_PER_DAY < LA_MAX_TS)
	{
		struct pg_tm tm2;
		fsec_t		fsec2;

		if (LocalFields(lo, cache->tz, &tm2, &fsec2) == off &&
			LocalFields(lo + USECS_PER_DAY - 1, cache->tz, &tm2, &fsec2) == off)
		{
			cache->lo = lo;
			cache->hi = lo + USECS_PER_DAY;
			cache->day = day;
		}
	}
	return day;
}

/* Index of day in s->days (binary search), or -1. */
static int
FindDay(const LaSummary *s, int32 day)
{
	int			lo = 0,
				hi = s->ndays - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (s->days[mid].day == day)
			return mid;
		if (s->days[mid].day < day)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * LaRecomputeSessionDays
 *		Derive each day's sessions and dwell from the session list: a session
 *		counts on the local day on which it starts.
 */
void
LaRecomputeSessionDays(LaSummary *s, LaDayCache *cache)
{
	int			i;

	for (i = 0; i < s->ndays; i++)
	{
		s->days[i].sessions = 0;
		s->days[i].dwell = 0;
	}
	for (i = 0; i < s->nsessions; i++)
	{
		int			k = FindDay(s, LaLocalDay(cache, s->sessions[i].start));

		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid engagement summary"),
					 errdetail("A session starts on a day without events.")));
		s->days[k].sessions++;
		s->days[k].dwell += s->sessions[i].duration;
	}
}

/* ---------------------------------------------------------------------
 * Merging summaries
 * --------------------------------------------------------------------- */

static void
CheckCompatible(const LaSummary *a, const LaSummary *b)
{
	if (strcmp(a->tz, b->tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine engagement summaries in different time zones"),
				 errdetail("One summary counts days in \"%s\", the other in \"%s\".", a->tz, b->tz)));
	if (a->gap != b->gap)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine engagement summaries with different session gaps"),
				 errdetail("The gaps are " INT64_FORMAT " and " INT64_FORMAT " microseconds.",
						   a->gap, b->gap)));
}

static inline int64
AddCount(int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("engagement summary counter out of range")));
	return r;
}

/* Merge the day lists of a and b into dst (dst->days allocated here). */
static void
MergeDays(LaSummary *dst, const LaSummary *a, const LaSummary *b, bool addSessions)
{
	int			i = 0,
				j = 0,
				n = 0;

	dst->days = palloc(sizeof(LaDay) * (a->ndays + b->ndays + 1));
	while (i < a->ndays || j < b->ndays)
	{
		LaDay	   *d = &dst->days[n++];

		if (j >= b->ndays || (i < a->ndays && a->days[i].day < b->days[j].day))
			*d = a->days[i++];
		else if (i >= a->ndays || b->days[j].day < a->days[i].day)
			*d = b->days[j++];
		else
		{
			*d = a->days[i];
			d->events = AddCount(d->events, b->days[j].events);
			d->weight = AddCount(d->weight, b->days[j].weight);
			if (addSessions)
			{
				int64		sessions = AddCount(d->sessions, b->days[j].sessions);

				if (sessions > PG_INT32_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("engagement summary counter out of range"),
							 errdetail("More than %d sessions on one day.", PG_INT32_MAX)));
				d->sessions = (int32) sessions;
				d->dwell = AddCount(d->dwell, b->days[j].dwell);
				d->learners = AddCount(d->learners, b->days[j].learners);
			}
			i++;
			j++;
		}
	}
	dst->ndays = n;
	if (a->ndays == 0)
	{
		dst->first = b->first;
		dst->last = b->last;
	}
	else if (b->ndays == 0)
	{
		dst->first = a->first;
		dst->last = a->last;
	}
	else
	{
		dst->first = Min(a->first, b->first);
		dst->last = Max(a->last, b->last);
	}
}

/*
 * LaSummaryMergeLearner
 *		Two summaries of the same learner (disjoint sets of events) into the
 *		summary of all their events.  Sessions are interval hulls of events no
 *		more than gap apart; the union of two such sets is again such a set
 *		exactly when the hulls overlap or lie within gap of each other, so a
 *		sweep over both sorted lists gives the sessions of the union.
 */
void
LaSummaryMergeLearner(LaSummary *dst, const LaSummary *a, const LaSummary *b)
{
	LaDayCache	cache;
	char		canonical[LA_MAX_TZ_LEN + 1];
	int			i = 0,
				j = 0,
				n = 0;

	CheckCompatible(a, b);
	*dst = *a;
	dst->skipped = AddCount(a->skipped, b->skipped);
	MergeDays(dst, a, b, false);

	dst->sessions = palloc(sizeof(LaSession) * (a->nsessions + b->nsessions + 1));
	while (i < a->nsessions || j < b->nsessions)
	{
		const LaSession *x;

		if (j >= b->nsessions || (i < a->nsessions && a->sessions[i].start <= b->sessions[j].start))
			x = &a->sessions[i++];
		else
			x = &b->sessions[j++];
		if (n > 0 &&
			x->start - (dst->sessions[n - 1].start + dst->sessions[n - 1].duration) <= dst->gap)
		{
			LaSession  *cur = &dst->sessions[n - 1];
			TimestampTz end = Max(cur->start + cur->duration, x->start + x->duration);

			cur->duration = end - cur->start;
		}
		else
			dst->sessions[n++] = *x;
	}
	dst->nsessions = n;

	LaDayCacheInit(&cache, LaLookupTimezone(dst->tz, canonical), canonical);
	LaRecomputeSessionDays(dst, &cache);
}

/*
 * LaSummaryMergeCohort
 *		Any two summaries (learner or cohort) into a cohort summary: per-day
 *		sums, learners added.  Each learner must enter a cohort once.
 */
void
LaSummaryMergeCohort(LaSummary *dst, const LaSummary *a, const LaSummary *b)
{
	CheckCompatible(a, b);
	*dst = *a;
	dst->kind = LA_KIND_COHORT;
	dst->learner = NULL;
	dst->learners = AddCount(a->learners, b->learners);
	dst->skipped = AddCount(a->skipped, b->skipped);
	MergeDays(dst, a, b, true);
	dst->nsessions = 0;
	dst->sessions = NULL;
}

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
	Datum		lastTzArg;		/* the tz argument last checked (usually a Const) */
	bytea	   *built;			/* encoded summary of events folded in earlier */
} LaAggState;

static void BuildSummary(LaAggState *st, LaSummary *s);

static MemoryContext
AggContext(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "%s called in non-aggregate context", fn);
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
		st->skipped++;
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
		a->skipped += b->skipped;
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
		int			sesday = 0;		/* index of the day the open session started on */

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
			d->weight = AddCount(d->weight, e->weight);

			if (s->nsessions == 0 || e->ts - end > st->gap)
			{
				if (s->nsessions > 0)
				{
					LaSession  *x = &s->sessions[s->nsessions - 1];

					x->duration = end - x->start;
					s->days[sesday].dwell += x->duration;
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
		s->days[sesday].dwell += s->sessions[s->nsessions - 1].duration;
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
				s->days[n - 1].events += s->days[i].events;
				s->days[n - 1].weight = AddCount(s->days[n - 1].weight, s->days[i].weight);
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

/* ---------------------------------------------------------------------
 * Rollups with the summary type as state
 * --------------------------------------------------------------------- */

/*
 * la_engagement_merge(summary, summary): the state and combine function of
 * la_engagement_rollup_agg.  Both must be learner summaries of one learner.
 */
PG_FUNCTION_INFO_V1(la_engagement_merge);
Datum
la_engagement_merge(PG_FUNCTION_ARGS)
{
	LaSummary  *a = LaSummaryFromDatum(PG_GETARG_DATUM(0), false);
	LaSummary  *b = LaSummaryFromDatum(PG_GETARG_DATUM(1), false);
	LaSummary	r;

	if (a->kind != LA_KIND_LEARNER || b->kind != LA_KIND_LEARNER)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("la_engagement_rollup_agg merges learner summaries only"),
				 errhint("Use la_engagement_cohort_agg to combine cohort summaries.")));
	if (strcmp(a->learner, b->learner) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("la_engagement_rollup_agg merges summaries of one learner"),
				 errdetail("Got learners \"%s\" and \"%s\".", a->learner, b->learner),
				 errhint("Group by the learner, or use la_engagement_cohort_agg to combine learners.")));
	LaSummaryMergeLearner(&r, a, b);
	PG_RETURN_POINTER(LaSummaryEncode(&r));
}

/*
 * la_engagement_cohort_merge(summary, summary): the state and combine
 * function of la_engagement_cohort_agg; the result is a cohort summary.
 */
PG_FUNCTION_INFO_V1(la_engagement_cohort_merge);
Datum
la_engagement_cohort_merge(PG_FUNCTION_ARGS)
{
	LaSummary  *a = LaSummaryFromDatum(PG_GETARG_DATUM(0), true);
	LaSummary  *b = LaSummaryFromDatum(PG_GETARG_DATUM(1), true);
	LaSummary	r;

	LaSummaryMergeCohort(&r, a, b);
	PG_RETURN_POINTER(LaSummaryEncode(&r));
}

/* la_engagement_cohort(summary): the same activity as a cohort summary. */
PG_FUNCTION_INFO_V1(la_engagement_cohort);
Datum
la_engagement_cohort(PG_FUNCTION_ARGS)
{
	LaSummary  *a = LaSummaryFromDatum(PG_GETARG_DATUM(0), true);

	if (a->kind == LA_KIND_COHORT)
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	a->kind = LA_KIND_COHORT;
	a->learner = NULL;
	a->nsessions = 0;
	PG_RETURN_POINTER(LaSummaryEncode(a));
}
