/*
 * days.c
 *		Local calendar days of timestamps in a named time zone, and the
 *		attribution of sessions to the day they start on.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "la_common.h"
#include "engagement/summary.h"

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
		if (s->days[k].sessions == PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("engagement summary field \"sessions\" is out of range"),
					 errdetail("More than %d sessions on one day.", PG_INT32_MAX)));
		s->days[k].sessions++;
		s->days[k].dwell = LaAddCount(s->days[k].dwell, s->sessions[i].duration, "dwell");
	}
}
