/*
 * persistence.c
 *		Window functions for persistence: over rows ordered by time, since
 *		when, and for how long, a boolean condition has held continuously as
 *		of the current row.
 *
 *		held_since(cond boolean, ts timestamptz) -> timestamptz
 *		held_for(cond boolean, ts timestamptz)	-> interval
 *
 * A run starts at the first row of the partition, in window order, on which
 * the condition is true after a row on which it was false or NULL (or at the
 * partition's start), and lasts while it stays true.  On a row where the
 * condition is false or NULL, or ts is NULL, both return NULL and the run
 * ends.  held_for is ts minus held_since (C symbols la_held_*): 0 on the run's first row.
 *
 * The state (current run start) lives in partition-local memory and each
 * row is visited once, in order, so the cost is O(1) per row whatever the
 * frame; the frame clause is ignored, as for row_number().
 */
#include "postgres.h"

#include "common/int.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "windowapi.h"

#include "la_common.h"

typedef struct HeldState
{
	int64		lastRow;		/* position of the last row visited, -1 at
								 * start */
	bool		inRun;
	TimestampTz since;
} HeldState;

/* Advance the run to the current row; returns false when not held there. */
static bool
HeldAdvance(WindowObject win, TimestampTz *since, TimestampTz *now)
{
	HeldState  *st = (HeldState *) WinGetPartitionLocalMemory(win, sizeof(HeldState));
	int64		pos = WinGetCurrentPosition(win);
	bool		condNull,
				tsNull;
	Datum		cond,
				ts;

	if (pos == 0)
	{
		st->lastRow = -1;
		st->inRun = false;
	}
	if (pos != st->lastRow + 1)
		elog(ERROR, "held_since/held_for: rows visited out of order");
	st->lastRow = pos;

	cond = WinGetFuncArgCurrent(win, 0, &condNull);
	ts = WinGetFuncArgCurrent(win, 1, &tsNull);
	if (condNull || tsNull || !DatumGetBool(cond))
	{
		st->inRun = false;
		return false;
	}
	*now = DatumGetTimestampTz(ts);
	if (!st->inRun)
	{
		st->inRun = true;
		st->since = *now;
	}
	*since = st->since;
	return true;
}

PG_FUNCTION_INFO_V1(la_held_since);
Datum
la_held_since(PG_FUNCTION_ARGS)
{
	WindowObject win = PG_WINDOW_OBJECT();
	TimestampTz since,
				now;

	if (!HeldAdvance(win, &since, &now))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(since);
}

PG_FUNCTION_INFO_V1(la_held_for);
Datum
la_held_for(PG_FUNCTION_ARGS)
{
	WindowObject win = PG_WINDOW_OBJECT();
	TimestampTz since,
				now;
	int64		span;

	if (!HeldAdvance(win, &since, &now))
		PG_RETURN_NULL();

	/*
	 * timestamp_mi (PostgreSQL 15) wraps when the span passes 2^63
	 * microseconds
	 */
	if (!TIMESTAMP_NOT_FINITE(now) && !TIMESTAMP_NOT_FINITE(since) &&
		pg_sub_s64_overflow(now, since, &span))
	{
		/* timestamptz_to_str returns a static buffer: copy the first */
		char	   *from = pstrdup(timestamptz_to_str(since));

		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range"),
				 errdetail("held_for: the condition has held from %s to %s.",
						   from, timestamptz_to_str(now))));
	}
	return DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(now), TimestampTzGetDatum(since));
}
