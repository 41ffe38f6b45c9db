/*
 * summary.c
 *		Encoding, validation and the text and binary I/O of the engagement
 *		summary type (learnalytics.engagement_summary).
 *
 * Every path that turns outside bytes into a summary (text input, binary
 * receive, and every accessor reading a stored value) goes through a decoder
 * that checks each read against the buffer's end, and the I/O paths then run
 * LaSummaryValidate(), which re-derives what can be re-derived (the day of
 * the first and last events, per-day sessions and dwell) and compares.  A
 * forged or corrupted summary is rejected with an error, never trusted.
 */
#include "postgres.h"

#include "common/int.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "la_common.h"
#include "engagement/summary.h"

/* Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
#define LA_UNIX_EPOCH_OFFSET \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

/* ---------------------------------------------------------------------
 * Variable-length integers
 * --------------------------------------------------------------------- */

/*
 * Writers append to a buffer that LaSummaryEncode sized for the worst case
 * (ten bytes per varint), so they need no bounds checks of their own.
 */
static inline void
PutUVarint(uint8 **p, uint64 v)
{
	uint8	   *q = *p;

	while (v >= 0x80)
	{
		*q++ = (uint8) ((v & 0x7F) | 0x80);
		v >>= 7;
	}
	*q++ = (uint8) v;
	*p = q;
}

static inline void
PutSVarint(uint8 **p, int64 v)
{
	/* zig-zag: small magnitudes of either sign stay short */
	PutUVarint(p, ((uint64) v << 1) ^ (uint64) (v >> 63));
}

static inline void
PutBytes(uint8 **p, const char *src, int len)
{
	memcpy(*p, src, len);
	*p += len;
}

/* A bounded reader over an encoded summary. */
typedef struct LaReader
{
	const uint8 *p;
	const uint8 *end;
	int			errcode;
} LaReader;

static void
ReaderFail(LaReader *r, const char *what)
{
	ereport(ERROR,
			(errcode(r->errcode),
			 errmsg("corrupt engagement summary"),
			 errdetail("The encoded %s is truncated or out of range.", what)));
}

static uint64
GetUVarint(LaReader *r, const char *what)
{
	uint64		v = 0;
	int			shift = 0;

	for (;;)
	{
		uint8		b;

		if (r->p >= r->end || shift > 63)
			ReaderFail(r, what);
		b = *r->p++;
		if (shift == 63 && (b & 0x7E) != 0)
			ReaderFail(r, what);
		v |= (uint64) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
			return v;
		shift += 7;
	}
}

static int64
GetSVarint(LaReader *r, const char *what)
{
	uint64		u = GetUVarint(r, what);

	return (int64) (u >> 1) ^ -((int64) (u & 1));
}

/* An unsigned varint that must fit in a non-negative int64. */
static int64
GetCount(LaReader *r, const char *what)
{
	uint64		u = GetUVarint(r, what);

	if (u > (uint64) PG_INT64_MAX)
		ReaderFail(r, what);
	return (int64) u;
}

/* ---------------------------------------------------------------------
 * Encoding and decoding
 * --------------------------------------------------------------------- */

#define LA_HEADER_SIZE (VARHDRSZ + 4)

/*
 * LaSummaryEncode
 *		Serialise a (valid) decoded summary into its varlena form.
 */
bytea *
LaSummaryEncode(const LaSummary *s)
{
	int			tzlen = strlen(s->tz);
	int			keylen = s->learner ? strlen(s->learner) : 0;
	Size		worst;
	bytea	   *result;
	uint8	   *p;
	int			i;

	worst = LA_HEADER_SIZE + 10 * 9 + tzlen + keylen +
		(Size) s->ndays * 10 * 6 + (Size) s->nsessions * 10 * 2;
	result = (bytea *) palloc_extended(worst, MCXT_ALLOC_HUGE);
	p = (uint8 *) VARDATA(result);
	*p++ = LA_SUMMARY_VERSION;
	*p++ = s->kind;
	*p++ = (uint8) (s->flags & 0xFF);
	*p++ = (uint8) (s->flags >> 8);

	PutUVarint(&p, tzlen);
	PutBytes(&p, s->tz, tzlen);
	PutUVarint(&p, s->gap);
	PutUVarint(&p, s->learners);
	PutUVarint(&p, s->skipped);
	PutUVarint(&p, keylen);
	if (keylen > 0)
		PutBytes(&p, s->learner, keylen);

	PutUVarint(&p, s->ndays);
	if (s->ndays > 0)
	{
		PutSVarint(&p, s->first);
		PutUVarint(&p, s->last - s->first);
	}
	for (i = 0; i < s->ndays; i++)
	{
		const LaDay *d = &s->days[i];

		if (i == 0)
			PutSVarint(&p, d->day);
		else
			PutUVarint(&p, d->day - s->days[i - 1].day);
		PutUVarint(&p, d->events);
		PutUVarint(&p, d->weight);
		PutUVarint(&p, d->sessions);
		PutUVarint(&p, d->dwell);
		if (s->kind == LA_KIND_COHORT)
			PutUVarint(&p, d->learners);
	}

	/* sessions last, so that day-only readers can stop early */
	PutUVarint(&p, s->nsessions);
	for (i = 0; i < s->nsessions; i++)
	{
		const LaSession *x = &s->sessions[i];

		PutUVarint(&p, x->start - (i == 0 ? s->first : s->sessions[i - 1].start));
		PutUVarint(&p, x->duration);
	}

	Assert((Size) ((char *) p - (char *) result) <= worst);
	SET_VARSIZE(result, (char *) p - (char *) result);
	return result;
}

/*
 * DecodeWithCode
 *		Decode an encoded summary; structural errors are raised with errcode.
 *		With daysOnly, sessions are not decoded (nsessions is still set).
 */
static void
DecodeWithCode(const struct varlena *raw, LaSummary *s, bool daysOnly, int sqlstate)
{
	LaReader	r;
	int64		n;
	int64		i;

	r.p = (const uint8 *) VARDATA_ANY(raw);
	r.end = r.p + VARSIZE_ANY_EXHDR(raw);
	r.errcode = sqlstate;
	memset(s, 0, sizeof(*s));

	if (r.end - r.p < 4)
		ReaderFail(&r, "header");
	if (r.p[0] != LA_SUMMARY_VERSION)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("unsupported engagement summary format version %d", r.p[0]),
				 errdetail("This build of learnalytics reads format version %d.",
						   LA_SUMMARY_VERSION)));
	s->kind = r.p[1];
	s->flags = (uint16) r.p[2] | ((uint16) r.p[3] << 8);
	r.p += 4;
	if (s->kind != LA_KIND_LEARNER && s->kind != LA_KIND_COHORT)
		ReaderFail(&r, "kind");

	n = GetCount(&r, "time zone");
	if (n < 1 || n > LA_MAX_TZ_LEN || r.end - r.p < n)
		ReaderFail(&r, "time zone");
	if (memchr(r.p, '\0', n) != NULL)
		ReaderFail(&r, "time zone");
	memcpy(s->tz, r.p, n);
	s->tz[n] = '\0';
	r.p += n;

	s->gap = GetCount(&r, "gap");
	s->learners = GetCount(&r, "learner count");
	s->skipped = GetCount(&r, "skipped count");

	n = GetCount(&r, "learner key");

	/*
	 * a NUL byte would cut the key short: the value would change on the way
	 * in
	 */
	if (n > LA_MAX_KEY_LEN || r.end - r.p < n || memchr(r.p, '\0', n) != NULL)
		ReaderFail(&r, "learner key");
	if (s->kind == LA_KIND_LEARNER)
	{
		s->learner = palloc(n + 1);
		memcpy(s->learner, r.p, n);
		s->learner[n] = '\0';
	}
	else if (n != 0)
		ReaderFail(&r, "learner key");
	r.p += n;

	n = GetCount(&r, "day count");

	/*
	 * every day takes at least five bytes: a cheap guard against forged
	 * counts
	 */
	if (n > (r.end - r.p) / 5 + 1)
		ReaderFail(&r, "day count");
	s->ndays = (int) n;
	if (n > 0)
	{
		int64		span;

		s->first = GetSVarint(&r, "first event");
		span = GetCount(&r, "last event");
		if (s->first < LA_MIN_TS || s->first > LA_MAX_TS || span > LA_MAX_TS - s->first)
			ReaderFail(&r, "event range");
		s->last = s->first + span;
		s->days = palloc(sizeof(LaDay) * n);
	}
	for (i = 0; i < n; i++)
	{
		LaDay	   *d = &s->days[i];
		int64		v;

		if (i == 0)
		{
			v = GetSVarint(&r, "day");
			if (v < PG_INT32_MIN || v > PG_INT32_MAX || !IS_VALID_DATE((int32) v))
				ReaderFail(&r, "day");
		}
		else
		{
			v = GetCount(&r, "day");
			/* in 64 bits: days before 2000-01-01 are negative */
			if (v < 1 || v > (int64) PG_INT32_MAX - s->days[i - 1].day)
				ReaderFail(&r, "day");
			v += s->days[i - 1].day;
			if (!IS_VALID_DATE((int32) v))
				ReaderFail(&r, "day");
		}
		d->day = (int32) v;
		d->events = GetCount(&r, "events");
		d->weight = GetCount(&r, "weight");
		v = GetCount(&r, "sessions");
		if (v > PG_INT32_MAX)
			ReaderFail(&r, "sessions");
		d->sessions = (int32) v;
		d->dwell = GetCount(&r, "dwell");
		d->learners = (s->kind == LA_KIND_COHORT) ? GetCount(&r, "active learners") : 1;
	}

	n = GetCount(&r, "session count");
	if (n > (r.end - r.p) / 2)
		ReaderFail(&r, "session count");
	s->nsessions = (int) n;
	if (daysOnly)
		return;
	if (n > 0)
		s->sessions = palloc(sizeof(LaSession) * n);
	for (i = 0; i < n; i++)
	{
		int64		delta = GetCount(&r, "session start");
		TimestampTz prev = (i == 0) ? s->first : s->sessions[i - 1].start;

		if (delta > LA_MAX_TS - prev)
			ReaderFail(&r, "session start");
		s->sessions[i].start = prev + delta;
		s->sessions[i].duration = GetCount(&r, "session duration");
		if (s->sessions[i].duration > LA_MAX_TS - s->sessions[i].start)
			ReaderFail(&r, "session duration");
	}
	if (r.p != r.end)
		ReaderFail(&r, "summary (trailing bytes)");
}

void
LaSummaryDecode(const struct varlena *raw, LaSummary *s, bool daysOnly)
{
	DecodeWithCode(raw, s, daysOnly, ERRCODE_DATA_CORRUPTED);
}

/* Decode a (possibly toasted) summary argument. */
LaSummary *
LaSummaryFromDatum(Datum d, bool daysOnly)
{
	struct varlena *raw = PG_DETOAST_DATUM_PACKED(d);
	LaSummary  *s = palloc(sizeof(LaSummary));

	LaSummaryDecode(raw, s, daysOnly);
	return s;
}

/* ---------------------------------------------------------------------
 * Semantic validation
 * --------------------------------------------------------------------- */

static void
Invalid(const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid engagement summary %s", what),
			 errdetail("%s", detail)));
}

/*
 * LaSummaryValidate
 *		Check everything a decoded summary promises, re-deriving what can be
 *		re-derived.  'what' names the source in errors ("input", "value").
 */
void
LaSummaryValidate(const LaSummary *s, const char *what)
{
	char		canonical[LA_MAX_TZ_LEN + 1];
	LaDayCache	cache;
	pg_tz	   *tz;
	int			i;
	int64		sessions = 0;

	if (s->flags != 0)
		Invalid(what, "Reserved flags are set.");
	tz = LaLookupTimezone(s->tz, canonical);
	if (strcmp(canonical, s->tz) != 0)
		Invalid(what, "The time zone name is not in canonical form.");
	if (s->gap <= 0 || s->gap > 30 * USECS_PER_DAY)
		Invalid(what, "The session gap must be between 1 microsecond and 30 days.");
	if (s->kind == LA_KIND_LEARNER)
	{
		if (s->learners != 1)
			Invalid(what, "A learner summary counts exactly one learner.");
		if (s->learner == NULL || s->learner[0] == '\0')
			Invalid(what, "A learner summary needs a learner key.");
	}
	else
	{
		if (s->learners < 1)
			Invalid(what, "A cohort summary counts at least one learner.");
		if (s->nsessions != 0)
			Invalid(what, "A cohort summary keeps no session list.");
	}
	if (s->ndays == 0)
	{
		if (s->nsessions != 0)
			Invalid(what, "Sessions without active days.");
		return;
	}
	if (s->first > s->last)
		Invalid(what, "The first event is after the last.");

	LaDayCacheInit(&cache, tz, canonical);
	if (LaLocalDay(&cache, s->first) != s->days[0].day ||
		LaLocalDay(&cache, s->last) != s->days[s->ndays - 1].day)
		Invalid(what, "The first or last event does not fall on the first or last day.");

	for (i = 0; i < s->ndays; i++)
	{
		const LaDay *d = &s->days[i];

		if (i > 0 && d->day <= s->days[i - 1].day)
			Invalid(what, "Days are not strictly increasing.");
		if (d->events < 1 || d->sessions > d->events || d->learners < 1 ||
			d->learners > d->events || d->learners > s->learners)
			Invalid(what, "A day's counters are inconsistent.");
		sessions += d->sessions;
	}

	if (s->kind == LA_KIND_LEARNER)
	{
		LaSummary	copy;

		if (sessions != s->nsessions || s->nsessions < 1)
			Invalid(what, "Per-day sessions do not add up to the session list.");
		if (s->sessions[0].start != s->first ||
			s->sessions[s->nsessions - 1].start + s->sessions[s->nsessions - 1].duration != s->last)
			Invalid(what, "The sessions do not span the first to the last event.");
		for (i = 1; i < s->nsessions; i++)
		{
			const LaSession *p = &s->sessions[i - 1];

			if (s->sessions[i].start - (p->start + p->duration) <= s->gap)
				Invalid(what, "Two sessions are not separated by more than the gap.");
		}

		/*
		 * per-day sessions and dwell must be exactly what the session list
		 * gives
		 */
		copy = *s;
		copy.days = palloc(sizeof(LaDay) * s->ndays);
		memcpy(copy.days, s->days, sizeof(LaDay) * s->ndays);
		LaRecomputeSessionDays(&copy, &cache);
		for (i = 0; i < s->ndays; i++)
			if (copy.days[i].sessions != s->days[i].sessions ||
				copy.days[i].dwell != s->days[i].dwell)
				Invalid(what, "Per-day sessions or dwell do not match the session list.");
		pfree(copy.days);
	}
}

/* ---------------------------------------------------------------------
 * Text form: a JSON object, see doc/engagement.md#text-form
 * --------------------------------------------------------------------- */

/*
 * A day as the date type prints it in ISO style, whatever DateStyle is: at
 * least four digits of year, and years before 1 AD as "YYYY-MM-DD BC".  A
 * summary's days can lie in 1 BC (an event on 0001-01-01 UTC seen west of
 * UTC) or 10000 AD (9999-12-31 seen east of it), so both must print in a form
 * JsonDate reads back.
 */
static void
AppendDate(StringInfo buf, int32 day)
{
	int			y,
				m,
				d;

	j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	if (y > 0)
		appendStringInfo(buf, "\"%04d-%02d-%02d\"", y, m, d);
	else
		appendStringInfo(buf, "\"%04d-%02d-%02d BC\"", 1 - y, m, d);
}

PG_FUNCTION_INFO_V1(la_engagement_out);
Datum
la_engagement_out(PG_FUNCTION_ARGS)
{
	LaSummary  *s = LaSummaryFromDatum(PG_GETARG_DATUM(0), false);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\":%d,\"kind\":\"%s\"", LA_SUMMARY_VERSION,
					 s->kind == LA_KIND_LEARNER ? "learner" : "cohort");
	if (s->kind == LA_KIND_LEARNER)
	{
		appendStringInfoString(&buf, ",\"learner\":");
		escape_json(&buf, s->learner);
	}
	appendStringInfoString(&buf, ",\"tz\":");
	escape_json(&buf, s->tz);
	appendStringInfo(&buf, ",\"gap_us\":" INT64_FORMAT ",\"learners\":" INT64_FORMAT
					 ",\"skipped\":" INT64_FORMAT,
					 s->gap, s->learners, s->skipped);
	if (s->ndays > 0)
		appendStringInfo(&buf, ",\"first_us\":" INT64_FORMAT ",\"last_us\":" INT64_FORMAT,
						 s->first + LA_UNIX_EPOCH_OFFSET, s->last + LA_UNIX_EPOCH_OFFSET);
	appendStringInfoString(&buf, ",\"days\":[");
	for (i = 0; i < s->ndays; i++)
	{
		const LaDay *d = &s->days[i];

		appendStringInfoString(&buf, i ? ",[" : "[");
		AppendDate(&buf, d->day);
		appendStringInfo(&buf, "," INT64_FORMAT "," INT64_FORMAT ",%d," INT64_FORMAT,
						 d->events, d->weight, d->sessions, d->dwell);
		if (s->kind == LA_KIND_COHORT)
			appendStringInfo(&buf, "," INT64_FORMAT, d->learners);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, ']');
	if (s->kind == LA_KIND_LEARNER)
	{
		appendStringInfoString(&buf, ",\"sessions\":[");
		for (i = 0; i < s->nsessions; i++)
			appendStringInfo(&buf, "%s[" INT64_FORMAT "," INT64_FORMAT "]", i ? "," : "",
							 s->sessions[i].start + LA_UNIX_EPOCH_OFFSET,
							 s->sessions[i].duration);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

static void
SyntaxError(const char *field, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type engagement_summary"),
			 errdetail("Field \"%s\": %s", field, detail)));
}

/* A JSON number that must be an integer in [lo, hi]. */
static int64
JsonInt(const JsonbValue *v, const char *field, int64 lo, int64 hi)
{
	char	   *str;
	char	   *end;
	int64		result;

	if (v == NULL || v->type != jbvNumeric)
		SyntaxError(field, "expected an integer.");
	str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	result = strtoi64(str, &end, 10);
	if (*end != '\0' || errno != 0)
		SyntaxError(field, "expected an integer that fits in 64 bits.");
	if (result < lo || result > hi)
		SyntaxError(field, "value out of range.");
	return result;
}

static const char *
JsonString(const JsonbValue *v, const char *field, int maxlen)
{
	if (v == NULL || v->type != jbvString)
		SyntaxError(field, "expected a string.");
	if (v->val.string.len > maxlen)
		SyntaxError(field, "string too long.");
	if (memchr(v->val.string.val, '\0', v->val.string.len) != NULL)
		SyntaxError(field, "string contains a NUL character.");
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * JsonDate
 *		A day in exactly the form AppendDate prints: the year with four digits,
 *		or more without a leading zero, "-MM-DD", and " BC" for years before
 *		1 AD; any day of the date type's range (4714-11-24 BC to 5874897-12-31).
 */
static int32
JsonDate(const JsonbValue *v, const char *field)
{
	const char *str = JsonString(v, field, 16);
	const char *c = str;
	int64		y = 0;
	int			m,
				d,
				ndigits = 0;
	bool		bc = false;
	int			jd;

	while (*c >= '0' && *c <= '9' && ndigits < 8)
	{
		y = y * 10 + (*c++ - '0');
		ndigits++;
	}
	if (ndigits < 4 || (ndigits > 4 && str[0] == '0') ||
		c[0] != '-' || !isdigit((unsigned char) c[1]) || !isdigit((unsigned char) c[2]) ||
		c[3] != '-' || !isdigit((unsigned char) c[4]) || !isdigit((unsigned char) c[5]))
		SyntaxError(field, "expected a date YYYY-MM-DD or YYYY-MM-DD BC.");
	m = (c[1] - '0') * 10 + (c[2] - '0');
	d = (c[4] - '0') * 10 + (c[5] - '0');
	c += 6;
	if (strcmp(c, " BC") == 0)
		bc = true;
	else if (*c != '\0')
		SyntaxError(field, "expected a date YYYY-MM-DD or YYYY-MM-DD BC.");
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > 31)
		SyntaxError(field, "no such calendar date.");
	if (bc)
		y = 1 - y;				/* 1 BC is year 0 of j2date's calendar */
	if (y < JULIAN_MINYEAR || y > JULIAN_MAXYEAR || !IS_VALID_JULIAN((int) y, m, d))
		SyntaxError(field, "date out of range.");
	jd = date2j((int) y, m, d);
	{
		int			y2,
					m2,
					d2;

		j2date(jd, &y2, &m2, &d2);
		if (y2 != y || m2 != m || d2 != d)
			SyntaxError(field, "no such calendar date.");
	}
	if (!IS_VALID_DATE(jd - POSTGRES_EPOCH_JDATE))
		SyntaxError(field, "date out of range.");
	return jd - POSTGRES_EPOCH_JDATE;
}

static JsonbValue *
Key(JsonbContainer *obj, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	return findJsonbValueFromContainer(obj, JB_FOBJECT, &k);
}

/* The i-th element of a JSON array held in v (which must be an array). */
static JsonbContainer *
ArrayOf(const JsonbValue *v, const char *field, int *n)
{
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		SyntaxError(field, "expected an array.");
	*n = JsonContainerSize(v->val.binary.data);
	return v->val.binary.data;
}

PG_FUNCTION_INFO_V1(la_engagement_in);
Datum
la_engagement_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Jsonb	   *jb;
	JsonbContainer *root;
	LaSummary	s;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			nkeys = 0;
	int			expected;
	int			i;
	int			n;
	JsonbContainer *arr;
	static const char *const known[] = {"version", "kind", "learner", "tz", "gap_us", "learners",
	"skipped", "first_us", "last_us", "days", "sessions"};

	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(str)));
	root = &jb->root;
	if (!JB_ROOT_IS_OBJECT(jb))
		SyntaxError("(root)", "expected a JSON object.");

	/*
	 * no unknown keys (of duplicated keys jsonb keeps the last, as for any
	 * jsonb input)
	 */
	it = JsonbIteratorInit(root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			bool		ok = false;

			for (i = 0; i < (int) lengthof(known); i++)
				if ((size_t) v.val.string.len == strlen(known[i]) &&
					memcmp(v.val.string.val, known[i], v.val.string.len) == 0)
					ok = true;
			if (!ok)
				SyntaxError(pnstrdup(v.val.string.val, v.val.string.len), "unknown field.");
			nkeys++;
		}
	}

	memset(&s, 0, sizeof(s));
	if (JsonInt(Key(root, "version"), "version", 0, 255) != LA_SUMMARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unsupported engagement summary format version"),
				 errdetail("This build of learnalytics reads format version %d.",
						   LA_SUMMARY_VERSION)));
	{
		const char *kind = JsonString(Key(root, "kind"), "kind", 16);

		if (strcmp(kind, "learner") == 0)
			s.kind = LA_KIND_LEARNER;
		else if (strcmp(kind, "cohort") == 0)
			s.kind = LA_KIND_COHORT;
		else
			SyntaxError("kind", "expected \"learner\" or \"cohort\".");
	}
	strlcpy(s.tz, JsonString(Key(root, "tz"), "tz", LA_MAX_TZ_LEN), sizeof(s.tz));
	s.gap = JsonInt(Key(root, "gap_us"), "gap_us", 1, 30 * USECS_PER_DAY);
	s.learners = JsonInt(Key(root, "learners"), "learners", 1, PG_INT64_MAX);
	s.skipped = JsonInt(Key(root, "skipped"), "skipped", 0, PG_INT64_MAX);
	expected = 7;				/* version kind tz gap_us learners skipped
								 * days */
	if (s.kind == LA_KIND_LEARNER)
	{
		s.learner = (char *) JsonString(Key(root, "learner"), "learner", LA_MAX_KEY_LEN);
		expected += 2;			/* learner, sessions */
	}
	else if (Key(root, "learner") != NULL)
		SyntaxError("learner", "a cohort summary has no learner key.");
	else if (Key(root, "sessions") != NULL)
		SyntaxError("sessions", "a cohort summary keeps no session list.");

	arr = ArrayOf(Key(root, "days"), "days", &n);
	s.ndays = n;
	s.days = palloc0(sizeof(LaDay) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(arr, i);
		JsonbContainer *f;
		int			nf;
		LaDay	   *d = &s.days[i];

		f = ArrayOf(e, "days[]", &nf);
		if (nf != (s.kind == LA_KIND_COHORT ? 6 : 5))
			SyntaxError("days[]", s.kind == LA_KIND_COHORT
						? "expected [day, events, weight, sessions, dwell_us, learners]."
						: "expected [day, events, weight, sessions, dwell_us].");
		d->day = JsonDate(getIthJsonbValueFromContainer(f, 0), "days[].day");
		d->events = JsonInt(getIthJsonbValueFromContainer(f, 1), "days[].events", 1, PG_INT64_MAX);
		d->weight = JsonInt(getIthJsonbValueFromContainer(f, 2), "days[].weight", 0, PG_INT64_MAX);
		d->sessions = (int32) JsonInt(getIthJsonbValueFromContainer(f, 3), "days[].sessions",
									  0, PG_INT32_MAX);
		d->dwell = JsonInt(getIthJsonbValueFromContainer(f, 4), "days[].dwell_us", 0, PG_INT64_MAX);
		d->learners = (s.kind == LA_KIND_COHORT)
			? JsonInt(getIthJsonbValueFromContainer(f, 5), "days[].learners", 1, PG_INT64_MAX)
			: 1;
	}
	if (n > 0)
	{
		s.first = JsonInt(Key(root, "first_us"), "first_us", LA_MIN_TS + LA_UNIX_EPOCH_OFFSET,
						  LA_MAX_TS + LA_UNIX_EPOCH_OFFSET) - LA_UNIX_EPOCH_OFFSET;
		s.last = JsonInt(Key(root, "last_us"), "last_us", LA_MIN_TS + LA_UNIX_EPOCH_OFFSET,
						 LA_MAX_TS + LA_UNIX_EPOCH_OFFSET) - LA_UNIX_EPOCH_OFFSET;
		expected += 2;
	}
	else if (Key(root, "first_us") != NULL || Key(root, "last_us") != NULL)
		SyntaxError("first_us", "a summary without days has no first or last event.");

	if (s.kind == LA_KIND_LEARNER)
	{
		arr = ArrayOf(Key(root, "sessions"), "sessions", &n);
		s.nsessions = n;
		s.sessions = palloc0(sizeof(LaSession) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			JsonbContainer *f;
			int			nf;

			f = ArrayOf(getIthJsonbValueFromContainer(arr, i), "sessions[]", &nf);
			if (nf != 2)
				SyntaxError("sessions[]", "expected [start_us, duration_us].");
			s.sessions[i].start = JsonInt(getIthJsonbValueFromContainer(f, 0), "sessions[].start_us",
										  LA_MIN_TS + LA_UNIX_EPOCH_OFFSET,
										  LA_MAX_TS + LA_UNIX_EPOCH_OFFSET) - LA_UNIX_EPOCH_OFFSET;
			s.sessions[i].duration = JsonInt(getIthJsonbValueFromContainer(f, 1),
											 "sessions[].duration_us", 0,
											 LA_MAX_TS - s.sessions[i].start);
		}
	}
	if (nkeys != expected)
		SyntaxError("(root)", "missing or duplicated fields.");

	LaSummaryValidate(&s, "input");
	PG_RETURN_POINTER(LaSummaryEncode(&s));
}

/* ---------------------------------------------------------------------
 * Binary form: the encoded bytes after the varlena header
 * --------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(la_engagement_send);
Datum
la_engagement_send(PG_FUNCTION_ARGS)
{
	struct varlena *raw = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(la_engagement_recv);
Datum
la_engagement_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	bytea	   *raw = palloc(VARHDRSZ + len);
	LaSummary	s;

	SET_VARSIZE(raw, VARHDRSZ + len);
	memcpy(VARDATA(raw), pq_getmsgbytes(buf, len), len);
	DecodeWithCode(raw, &s, false, ERRCODE_INVALID_BINARY_REPRESENTATION);
	/* text that the output could not print and the text input would refuse */
	if ((s.learner != NULL && !pg_verifymbstr(s.learner, strlen(s.learner), true)) ||
		!pg_verifymbstr(s.tz, strlen(s.tz), true))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("corrupt engagement summary"),
				 errdetail("The learner key or time zone is not valid in the database encoding.")));
	LaSummaryValidate(&s, "binary value");
	/* re-encode: one canonical byte form for every summary */
	PG_RETURN_POINTER(LaSummaryEncode(&s));
}
