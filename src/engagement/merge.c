/*
 * merge.c
 *		Combining engagement summaries: two parts of one learner's events into
 *		the summary of all of them (la_merge_agg(engagement_summary)), and summaries of
 *		distinct learners into a cohort summary (la_engagement_cohort_agg).
 *		Both rollups have the summary type itself as their state, so Citus can
 *		ship partial results between nodes as text.
 */
#include "postgres.h"

#include "fmgr.h"

#include "la_common.h"
#include "engagement/summary.h"

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
			d->events = LaAddCount(d->events, b->days[j].events, "events");
			d->weight = LaAddCount(d->weight, b->days[j].weight, "weight");
			if (addSessions)
			{
				int64		sessions = LaAddCount(d->sessions, b->days[j].sessions, "sessions");

				if (sessions > PG_INT32_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("engagement summary field \"sessions\" is out of range"),
							 errdetail("More than %d sessions on one day.", PG_INT32_MAX)));
				d->sessions = (int32) sessions;
				d->dwell = LaAddCount(d->dwell, b->days[j].dwell, "dwell");
				d->learners = LaAddCount(d->learners, b->days[j].learners, "learners");
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
	dst->skipped = LaAddCount(a->skipped, b->skipped, "skipped");
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
	dst->learners = LaAddCount(a->learners, b->learners, "learners");
	dst->skipped = LaAddCount(a->skipped, b->skipped, "skipped");
	MergeDays(dst, a, b, true);
	dst->nsessions = 0;
	dst->sessions = NULL;
}

/* ---------------------------------------------------------------------
 * Rollups with the summary type as state
 * --------------------------------------------------------------------- */

/*
 * la_engagement_merge(summary, summary): the state and combine function of
 * la_merge_agg(engagement_summary).  Both must be learner summaries of one learner.
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
				 errmsg("la_merge_agg(engagement_summary) merges learner summaries only"),
				 errhint("Use la_engagement_cohort_agg to combine cohort summaries.")));
	if (strcmp(a->learner, b->learner) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("la_merge_agg(engagement_summary) merges summaries of one learner"),
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
