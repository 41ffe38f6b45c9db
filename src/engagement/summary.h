/*
 * summary.h
 *		The engagement summary: a compact, storable record of one learner's
 *		(or one cohort's) activity, per calendar day in a named time zone.
 *
 * Two kinds share the SQL type learnalytics.engagement_summary:
 *
 *	learner	built by la_engagement_agg() from one learner's events.  Besides
 *			the per-day counters it keeps the learner's sessions (start and
 *			duration), which is what makes two partial summaries of the same
 *			learner combine into exactly the summary of all their events: a
 *			session that straddles two partials is merged, not counted twice.
 *
 *	cohort	built by la_engagement_cohort_agg() from learner summaries of
 *			distinct learners: per-day sums plus the number of active learners
 *			per day.  Sums are associative and commutative, so any order of
 *			combination gives the same cohort summary.
 *
 * On disk the summary is a varlena: a fixed header followed by a stream of
 * variable-length integers (LEB128, zig-zag for signed values), days and
 * sessions delta-encoded.  See doc/engagement.md#storage-format.
 */
#ifndef LA_ENGAGEMENT_SUMMARY_H
#define LA_ENGAGEMENT_SUMMARY_H

#include "postgres.h"

#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "pgtime.h"

#define LA_SUMMARY_VERSION		1

#define LA_KIND_LEARNER			1
#define LA_KIND_COHORT			2

/* Bounds that keep every derived computation far from overflow. */
#define LA_MAX_TZ_LEN			64
#define LA_MAX_KEY_LEN			1024
#define LA_MAX_WINDOW_DAYS		3660
/* Event timestamps must lie in years 1..9999 (finite, printable as ISO dates). */
#define LA_MIN_TS				INT64CONST(-63082281600000000)	/* 0001-01-01 UTC */
#define LA_MAX_TS				INT64CONST(252455615999999999)	/* 9999-12-31
																 * 23:59:59.999999 */

/* Counters of one calendar day (only days with at least one event are stored). */
typedef struct LaDay
{
	int32		day;			/* PostgreSQL date: days since 2000-01-01,
								 * local */
	int32		sessions;		/* sessions that started on this day */
	int64		events;			/* events on this day (>= 1) */
	int64		weight;			/* sum of event weights (>= 0) */
	int64		dwell;			/* microseconds: durations of sessions started
								 * on this day */
	int64		learners;		/* active learners (1 for a learner summary) */
} LaDay;

/* One session: a maximal run of events with no gap longer than the summary's gap. */
typedef struct LaSession
{
	TimestampTz start;
	int64		duration;		/* microseconds from the first to the last
								 * event */
} LaSession;

/* The decoded form every function works on. */
typedef struct LaSummary
{
	uint8		kind;			/* LA_KIND_LEARNER or LA_KIND_COHORT */
	uint16		flags;			/* reserved, 0 */
	char		tz[LA_MAX_TZ_LEN + 1];	/* canonical time-zone name */
	int64		gap;			/* session gap, microseconds (> 0) */
	char	   *learner;		/* learner key (learner kind), NUL-terminated */
	int64		learners;		/* learner summaries combined (1 for a
								 * learner) */
	int64		skipped;		/* events skipped because their timestamp was
								 * NULL */
	TimestampTz first;			/* first event (valid when ndays > 0) */
	TimestampTz last;			/* last event (valid when ndays > 0) */
	int			ndays;
	LaDay	   *days;			/* strictly increasing day */
	int			nsessions;
	LaSession  *sessions;		/* learner kind: sorted, separated by > gap */
} LaSummary;

/* Local calendar day of a timestamp in a time zone, with a one-day cache. */
typedef struct LaDayCache
{
	pg_tz	   *tz;
	bool		utc;			/* fast path: no offsets at all */
	TimestampTz lo;				/* [lo, hi) maps to day; lo > hi when empty */
	TimestampTz hi;
	int32		day;
} LaDayCache;

/*
 * Add two counters of a summary; overflow is an error naming the field
 * ("events", "weight", ...), never a wrap.
 */
static inline int64
LaAddCount(int64 a, int64 b, const char *field)
{
	int64		r;

	if (unlikely(pg_add_s64_overflow(a, b, &r)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("engagement summary field \"%s\" is out of range", field),
				 errdetail("The sum exceeds " INT64_FORMAT ".", PG_INT64_MAX)));
	return r;
}

/* summary.c: encoding, validation, text and binary I/O */
extern bytea *LaSummaryEncode(const LaSummary *s);
extern void LaSummaryDecode(const struct varlena *raw, LaSummary *s, bool daysOnly);
extern LaSummary *LaSummaryFromDatum(Datum d, bool daysOnly);
extern void LaSummaryValidate(const LaSummary *s, const char *what);

/* days.c: time zones, local days, sessions per day; merge.c: combining summaries */
extern pg_tz *LaLookupTimezone(const char *name, char *canonical);
extern void LaDayCacheInit(LaDayCache *cache, pg_tz *tz, const char *canonical);
extern int32 LaLocalDay(LaDayCache *cache, TimestampTz ts);
extern void LaRecomputeSessionDays(LaSummary *s, LaDayCache *cache);
extern void LaSummaryMergeLearner(LaSummary *dst, const LaSummary *a, const LaSummary *b);
extern void LaSummaryMergeCohort(LaSummary *dst, const LaSummary *a, const LaSummary *b);

#endif							/* LA_ENGAGEMENT_SUMMARY_H */
