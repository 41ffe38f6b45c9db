/*
 * formats.c
 *		Lexical checks and conversions for the value formats xAPI uses:
 *		IRIs, UUIDs, ISO 8601 timestamps and durations, RFC 5646 language tags,
 *		mailto IRIs and hexadecimal digests.
 *
 * Every function takes a pointer and a length (jsonb strings are not
 * NUL-terminated) and never allocates, so the validator can call them on
 * every string of a statement cheaply (XapiStoreNumber, on numbers, is the
 * exception: it reads the number's text as the cast to double does).
 *
 * The XapiStore* functions are the one definition of what the store can
 * hold: the validator rejects what they refuse, with the value's path, and
 * the derivation stores what they return, so a statement the validator
 * accepts never fails to be stored.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"

#include "xapi/xapi.h"

#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALNUM(c) (IS_ALPHA(c) || IS_DIGIT(c))
#define IS_HEX(c) (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))

/*
 * XapiIsIri
 *		An absolute IRI (RFC 3987): a scheme (ALPHA *(ALPHA / DIGIT / "+" / "-"
 *		/ ".")), a colon and a non-empty remainder without white space, control
 *		characters or the characters RFC 3987 excludes ("<>\"{}|\\^`").  Non-ASCII
 *		characters are allowed (that is what makes an IRI).
 */
bool
XapiIsIri(const char *s, int len)
{
	int			i = 0;

	if (len < 3 || !IS_ALPHA(s[0]))
		return false;
	while (i < len && (IS_ALNUM(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	if (i >= len || s[i] != ':' || i + 1 >= len)
		return false;
	for (i++; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '{' ||
			c == '}' || c == '|' || c == '\\' || c == '^' || c == '`')
			return false;
	}
	return true;
}

/*
 * XapiIsUuid
 *		The canonical 8-4-4-4-12 hexadecimal form, either case.  The RFC 4122
 *		variant nibble is not checked: the specification's own cmi5 example uses
 *		a non-RFC variant, and PostgreSQL's uuid type accepts any.
 */
bool
XapiIsUuid(const char *s, int len)
{
	int			i;

	if (len != 36)
		return false;
	for (i = 0; i < 36; i++)
	{
		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				return false;
		}
		else if (!IS_HEX(s[i]))
			return false;
	}
	return true;
}

/* XapiIsHex: non-empty and only hexadecimal digits. */
bool
XapiIsHex(const char *s, int len)
{
	int			i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!IS_HEX(s[i]))
			return false;
	return true;
}

/*
 * XapiIsMailto
 *		"mailto:" followed by local@domain with no white space (the scheme is
 *		matched case-sensitively, as the conformance suite does).
 */
bool
XapiIsMailto(const char *s, int len)
{
	int			i,
				at = -1;

	if (len < 10 || strncmp(s, "mailto:", 7) != 0)
		return false;
	for (i = 7; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"')
			return false;
		if (c == '@')
		{
			if (at >= 0)
				return false;
			at = i;
		}
	}
	return at > 7 && at < len - 1;
}

/*
 * Language tags (RFC 5646, section 2.1).  The tag is split into subtags and
 * matched against
 *	  language ["-" script] ["-" region] *("-" variant) *("-" extension)
 *	  ["-" privateuse]  /  privateuse  /  grandfathered
 * with distinct variants and distinct extension singletons (2.2.5, 2.2.6).
 */
static const char *const grandfathered[] = {
	"en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak",
	"i-klingon", "i-lux", "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay",
	"i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE", "art-lojban",
	"cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min",
	"zh-min-nan", "zh-xiang", NULL
};

/* true when all n characters satisfy the class */
static bool
all_alpha(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!IS_ALPHA(s[i]))
			return false;
	return true;
}

static bool
all_digit(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!IS_DIGIT(s[i]))
			return false;
	return true;
}

static bool
all_alnum(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!IS_ALNUM(s[i]))
			return false;
	return true;
}

#define LT_MAX_SUBTAGS 64

bool
XapiIsLanguageTag(const char *s, int len)
{
	const char *sub[LT_MAX_SUBTAGS];
	int			sublen[LT_MAX_SUBTAGS];
	int			n = 0,
				i,
				start = 0,
				k;
	char		singletons[64];
	int			nsingletons = 0;

	if (len == 0 || len > 255)
		return false;
	for (i = 0; grandfathered[i] != NULL; i++)
		if (pg_strncasecmp(s, grandfathered[i], len) == 0 && grandfathered[i][len] == '\0')
			return true;

	/* split into subtags of 1 to 8 alphanumerics */
	for (i = 0; i <= len; i++)
	{
		if (i == len || s[i] == '-')
		{
			if (i == start || i - start > 8 || n == LT_MAX_SUBTAGS)
				return false;
			sub[n] = s + start;
			sublen[n] = i - start;
			if (!all_alnum(sub[n], sublen[n]))
				return false;
			n++;
			start = i + 1;
		}
	}

	k = 0;
	/* privateuse only */
	if (sublen[0] == 1 && (sub[0][0] == 'x' || sub[0][0] == 'X'))
		goto privateuse;

	/* language */
	if (!all_alpha(sub[0], sublen[0]) || sublen[0] < 2)
		return false;
	k = 1;
	if (sublen[0] <= 3)
	{
		/* up to three extlang subtags */
		int			e = 0;

		while (k < n && e < 3 && sublen[k] == 3 && all_alpha(sub[k], 3))
			k++, e++;
	}
	/* script */
	if (k < n && sublen[k] == 4 && all_alpha(sub[k], 4))
		k++;
	/* region */
	if (k < n && ((sublen[k] == 2 && all_alpha(sub[k], 2)) ||
				  (sublen[k] == 3 && all_digit(sub[k], 3))))
		k++;
	/* variants, each at most once */
	while (k < n && ((sublen[k] >= 5) || (sublen[k] == 4 && IS_DIGIT(sub[k][0]))))
	{
		for (i = 0; i < k; i++)
			if (sublen[i] == sublen[k] && pg_strncasecmp(sub[i], sub[k], sublen[k]) == 0)
				return false;
		k++;
	}
	/* extensions: a singleton (not x) followed by subtags of 2 to 8 */
	while (k < n && sublen[k] == 1 && sub[k][0] != 'x' && sub[k][0] != 'X')
	{
		char		c = pg_tolower((unsigned char) sub[k][0]);
		int			m = 0;

		for (i = 0; i < nsingletons; i++)
			if (singletons[i] == c)
				return false;
		if (nsingletons < (int) sizeof(singletons))
			singletons[nsingletons++] = c;
		k++;
		while (k < n && sublen[k] >= 2)
			k++, m++;
		if (m == 0)
			return false;
	}
	if (k == n)
		return true;
	if (!(sublen[k] == 1 && (sub[k][0] == 'x' || sub[k][0] == 'X')))
		return false;

privateuse:
	/* "x" followed by at least one subtag of 1 to 8 */
	return k + 1 < n;
}

/* read exactly n digits as an integer; -1 if any is not a digit */
static int
read_digits(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (!IS_DIGIT(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * XapiParseTimestamp
 *		ISO 8601 / RFC 3339 date-time: YYYY-MM-DDThh:mm[:ss[.fraction]] followed
 *		by Z, +hh:mm, +hhmm or +hh (either sign) or nothing (read as UTC).  A
 *		negative zero offset (-00, -0000, -00:00) means "unknown local offset"
 *		in RFC 3339 and xAPI requires it be rejected.  On success *result holds
 *		the instant (microsecond precision, fraction truncated).
 */
bool
XapiParseTimestamp(const char *s, int len, TimestampTz *result)
{
	int			y,
				mo,
				d,
				h,
				mi,
				sec = 0,
				p;
	int64		usec = 0;
	int			offset = 0;		/* seconds east of UTC */

	if (len < 16 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':')
		return false;
	y = read_digits(s, 4);
	mo = read_digits(s + 5, 2);
	d = read_digits(s + 8, 2);
	h = read_digits(s + 11, 2);
	mi = read_digits(s + 14, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59)
		return false;
	if (d > day_tab[isleap(y)][mo - 1])
		return false;
	p = 16;
	if (p < len && s[p] == ':')
	{
		if (p + 3 > len || (sec = read_digits(s + p + 1, 2)) < 0 || sec > 60)
			return false;
		p += 3;
		if (p < len && (s[p] == '.' || s[p] == ','))
		{
			int			nd = 0;
			int64		scale = 100000;

			for (p++; p < len && IS_DIGIT(s[p]); p++, nd++)
			{
				usec += (s[p] - '0') * scale;
				scale /= 10;
			}
			if (nd == 0)
				return false;
		}
	}
	if (p < len)
	{
		char		sign = s[p];
		int			oh,
					om = 0;

		if ((sign == 'Z' || sign == 'z') && p + 1 == len)
			p++;
		else if (sign == '+' || sign == '-')
		{
			int			rest = len - p - 1;

			if (rest != 2 && rest != 4 && rest != 5)
				return false;
			oh = read_digits(s + p + 1, 2);
			if (rest == 4)
				om = read_digits(s + p + 3, 2);
			else if (rest == 5)
				om = s[p + 3] == ':' ? read_digits(s + p + 4, 2) : -1;
			if (oh < 0 || oh > 23 || om < 0 || om > 59)
				return false;
			if (sign == '-' && oh == 0 && om == 0)
				return false;
			offset = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
			p = len;
		}
		else
			return false;
	}
	if (result)
	{
		int64		days = date2j(y, mo, d) - POSTGRES_EPOCH_JDATE;

		*result = days * USECS_PER_DAY + (int64) h * USECS_PER_HOUR +
			(int64) mi * USECS_PER_MINUTE + (int64) sec * USECS_PER_SEC + usec -
			(int64) offset * USECS_PER_SEC;
	}
	return true;
}

/*
 * XapiStoreTimestamp
 *		An xAPI timestamp as the store keeps it: XAPI_VALUE_MALFORMED when it is
 *		not one (XapiParseTimestamp), XAPI_VALUE_OUT_OF_RANGE when the instant,
 *		its offset applied, falls outside the store's monthly partitions:
 *		0001-01-01T00:00:00Z up to but excluding 10000-01-01T00:00:00Z (a
 *		partition is named by a four-digit year, and the instant must be in a
 *		month whose table can be attached).  "9999-12-31T23:59:59-01:00" is
 *		well formed but is in the year 10000 in UTC; "0001-01-01T00:30:00+01:00"
 *		is in the year 0.  *result is the instant, out of range or not.
 */
XapiValueStatus
XapiStoreTimestamp(const char *s, int len, TimestampTz *result)
{
	TimestampTz ts;
	TimestampTz lo = (TimestampTz) (date2j(1, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
	TimestampTz hi = (TimestampTz) (date2j(10000, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;

	if (!XapiParseTimestamp(s, len, &ts))
		return XAPI_VALUE_MALFORMED;
	if (result)
		*result = ts;
	return ts < lo || ts >= hi ? XAPI_VALUE_OUT_OF_RANGE : XAPI_VALUE_OK;
}

/*
 * XapiStoreNumber
 *		A JSON number as the store's double precision columns hold it, that is
 *		exactly what numeric_float8 (the SQL cast) gives: the number's text read
 *		by float8in.  XAPI_VALUE_OUT_OF_RANGE where that cast fails: a magnitude
 *		beyond about 1.8e308 (1e309), or one so small that it reads as zero
 *		(1e-400; subnormal values such as 1e-310 are kept).
 */
XapiValueStatus
XapiStoreNumber(Numeric num, double *result)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	bool		failed = false;
	double		d = float8in_internal_opt_error(text, NULL, "double precision", text, &failed);

	pfree(text);
	if (failed)
		return XAPI_VALUE_OUT_OF_RANGE;
	if (result)
		*result = d;
	return XAPI_VALUE_OK;
}

/*
 * XapiParseDuration
 *		ISO 8601 duration: P[nY][nM][nD][T[nH][nM][nS]] with at least one
 *		component (and one after T when T is present), or PnW alone.  A decimal
 *		fraction is allowed on the last component only.  On success *result
 *		is the equivalent interval (years and months in the month field, weeks
 *		and days in the day field, the rest in microseconds).
 *
 *		A well-formed duration with a component beyond 10,000,000 (years,
 *		months, weeks, days) or 1,000,000,000 (hours, minutes, seconds) is
 *		XAPI_VALUE_OUT_OF_RANGE: those bounds keep every field of the interval,
 *		and their sums, within its integer range (at most 1.3 * 10^8 months,
 *		7 * 10^7 days, 3.7 * 10^18 microseconds).  Anything else refused is
 *		XAPI_VALUE_MALFORMED.
 */
XapiValueStatus
XapiParseDuration(const char *s, int len, Interval *result)
{
	static const char date_units[] = "YMWD";
	static const char time_units[] = "HMS";
	int			p = 1,
				ncomp = 0,
				last_unit = -1;
	bool		in_time = false,
				had_fraction = false,
				had_week = false,
				too_long = false;
	Interval	iv = {0, 0, 0};

	if (len < 3 || s[0] != 'P')
		return XAPI_VALUE_MALFORMED;
	while (p < len)
	{
		double		whole = 0,
					frac = 0,
					scale = 0.1;
		int			nd = 0,
					unit;
		const char *units;
		const char *u;

		if (s[p] == 'T')
		{
			if (in_time || p + 1 >= len)
				return XAPI_VALUE_MALFORMED;
			in_time = true;
			last_unit = -1;
			p++;
			continue;
		}
		if (had_fraction)
			return XAPI_VALUE_MALFORMED;	/* a fraction must be on the last
											 * component */
		for (; p < len && IS_DIGIT(s[p]); p++, nd++)
			whole = whole * 10 + (s[p] - '0');
		if (p < len && (s[p] == '.' || s[p] == ','))
		{
			int			nf = 0;

			for (p++; p < len && IS_DIGIT(s[p]); p++, nf++)
			{
				frac += (s[p] - '0') * scale;
				scale /= 10;
			}
			if (nf == 0)
				return XAPI_VALUE_MALFORMED;
			had_fraction = true;
		}
		if (nd == 0 || p >= len)
			return XAPI_VALUE_MALFORMED;
		/* bounds keep every field of the interval from overflowing */
		if (whole > (in_time ? 1e9 : 1e7))
			too_long = true;
		units = in_time ? time_units : date_units;
		u = strchr(units, s[p]);
		if (u == NULL || s[p] == '\0')
			return XAPI_VALUE_MALFORMED;
		unit = u - units;
		if (unit <= last_unit)
			return XAPI_VALUE_MALFORMED;	/* out of order or repeated */
		last_unit = unit;
		whole += frac;
		if (!too_long && !in_time)
		{
			switch (s[p])
			{
				case 'Y':
					iv.month += (int32) (whole * 12);
					break;
				case 'M':
					iv.month += (int32) whole;
					iv.day += (int32) ((whole - (int32) whole) * 30);
					break;
				case 'W':
					iv.day += (int32) (whole * 7);
					break;
				case 'D':
					iv.day += (int32) whole;
					iv.time += (int64) ((whole - (int32) whole) * USECS_PER_DAY);
					break;
			}
		}
		else if (!too_long)
		{
			double		secs = s[p] == 'H' ? 3600.0 : s[p] == 'M' ? 60.0 : 1.0;

			iv.time += (int64) (whole * secs * USECS_PER_SEC + 0.5);
		}
		if (!in_time && s[p] == 'W')
			had_week = true;
		ncomp++;
		p++;
	}
	if (ncomp == 0 || s[len - 1] == 'T')
		return XAPI_VALUE_MALFORMED;
	if (had_week && ncomp > 1)
		return XAPI_VALUE_MALFORMED;	/* PnW cannot be combined with other
										 * units */
	if (too_long)
		return XAPI_VALUE_OUT_OF_RANGE;
	if (result)
		*result = iv;
	return XAPI_VALUE_OK;
}

/*
 * XapiParseVersion
 *		The statement's "version": "1.0" or "1.0.x" under every rule set, and
 *		"2.0" or "2.0.x" under 2.0.0 (x a non-negative integer).
 */
bool
XapiParseVersion(const char *s, int len, XapiVersion rules)
{
	int			i;

	if (len < 3 || s[1] != '.' || s[2] != '0')
		return false;
	if (s[0] != '1' && !(s[0] == '2' && rules == XAPI_V200))
		return false;
	if (len == 3)
		return true;
	if (s[3] != '.' || len == 4)
		return false;
	for (i = 4; i < len; i++)
		if (!IS_DIGIT(s[i]))
			return false;
	return true;
}
