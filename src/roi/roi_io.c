/*
 * roi_io.c
 *		roi_summary input and output: text in/out, binary send/recv, and the
 *		consistency check that both input routes run.
 *
 * The text form is what Citus ships between nodes for a partial aggregate,
 * so it is lossless: every field is printed, money with all four decimals,
 * and reading it back gives the same bytes.  It reads as
 *
 *   v1 cur=EUR benefit_items=3 missing_items=0 extreme_items=0 cost_items=2
 *   intangible_items=1 benefits=... adjusted=... extreme=... needs_analysis=...
 *   ... overhead=... intangibles={"customer satisfaction"}
 *
 * (on one line).  Input is never trusted: a forged or truncated value is
 * rejected with an error naming the field, never stored.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "roi/roi.h"

const char *const RoiCategoryNames[ROI_NCATEGORIES] = {
	"needs_analysis", "design", "development", "delivery", "platform_licences",
	"participant_time", "coaching", "evaluation", "overhead"
};

/* Cursor over a text value being parsed. */
typedef struct RoiParser
{
	const char *input;			/* the whole value, for error messages */
	const char *p;				/* current position */
} RoiParser;

/*
 * RoiNew
 *		A zeroed summary of the current format with room for namebytes bytes
 *		of intangible names, allocated in cxt.
 */
RoiSummary *
RoiNew(MemoryContext cxt, Size namebytes)
{
	Size		size = ROI_HEADER_SIZE + namebytes;
	RoiSummary *s = (RoiSummary *) MemoryContextAllocZero(cxt, size);

	SET_VARSIZE(s, size);
	s->version = ROI_FORMAT_VERSION;
	return s;
}

/*
 * RoiTotalCosts
 *		Sum of the cost categories, with an overflow check.
 */
int64
RoiTotalCosts(const RoiSummary *s)
{
	int64		total = 0;

	for (int i = 0; i < ROI_NCATEGORIES; i++)
		total = RoiAddMoney(total, s->costs[i], "total costs");
	return total;
}

/*
 * RoiMoneyItems
 *		Benefit, extreme and cost items together, with an overflow check: a
 *		summary has a currency exactly when this is not zero.
 */
int64
RoiMoneyItems(const RoiSummary *s)
{
	return RoiAddCount(RoiAddCount(s->nbenefits, s->nextreme, "money items"),
					   s->ncosts, "money items");
}

/*
 * RoiMoneyToNumeric
 *		Exact numeric value of a scaled money amount (four decimals).
 */
Numeric
RoiMoneyToNumeric(int64 v)
{
	return int64_div_fast_to_numeric(v, ROI_MONEY_DIGITS);
}

/* Is this a well-formed ISO 4217-style code (three upper-case letters)? */
static inline bool
RoiCurrencyValid(const char *c)
{
	for (int i = 0; i < 3; i++)
		if (c[i] < 'A' || c[i] > 'Z')
			return false;
	return c[3] == '\0';
}

/* Is this a storable intangible name: 1..ROI_MAX_NAME_LEN bytes, no control characters? */
static inline bool
RoiNameValid(const char *name, Size len)
{
	if (len == 0 || len > ROI_MAX_NAME_LEN)
		return false;
	for (Size i = 0; i < len; i++)
		if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return pg_verifymbstr(name, (int) len, true);
}

/*
 * RoiCheck
 *		Check that a summary of size bytes is one this code could have built.
 *		Returns NULL when it is, else a sentence naming what is wrong.  Both
 *		input functions call it, so forged text or bytes never get stored.
 */
const char *
RoiCheck(const RoiSummary *s, Size size)
{
	const char *p;
	const char *end;
	const char *prev = NULL;
	int32		n = 0;
	int64		nmoney;

	if (size < ROI_HEADER_SIZE)
		return "The value is shorter than the fixed part of the format.";
	if (s->version != ROI_FORMAT_VERSION)
		return psprintf("Format version %d is not supported (this library reads version %d).",
						s->version, ROI_FORMAT_VERSION);
	if (s->flags != 0 || s->unused != 0)
		return "Reserved fields are not zero.";
	if (s->nbenefits < 0 || s->nmissing < 0 || s->nextreme < 0 || s->ncosts < 0 ||
		s->nintangibles < 0 || s->nnames < 0)
		return "An item count is negative.";
	if (s->nnames > ROI_MAX_INTANGIBLES)
		return "There are more intangible names than a summary may hold.";
	if (s->nmissing > s->nbenefits)
		return "More benefit items are missing than there are benefit items.";
	/* the money item counts add up without wrapping (22003 otherwise) */
	nmoney = RoiMoneyItems(s);
	if (s->nmissing == s->nbenefits && (s->benefits != 0 || s->adjusted != 0))
		return "Benefits are not zero although no benefit item has a value.";
	if (s->nextreme == 0 && s->extreme != 0)
		return "The excluded extreme value is not zero although no item was excluded.";
	for (int i = 0; i < ROI_NCATEGORIES; i++)
	{
		if (s->costs[i] < 0)
			return psprintf("The cost of category \"%s\" is negative.", RoiCategoryNames[i]);
		if (s->ncosts == 0 && s->costs[i] != 0)
			return "Costs are not zero although there is no cost item.";
	}
	if (s->currency[0] == '\0')
	{
		if (memcmp(s->currency, "\0\0\0\0", 4) != 0)
			return "The currency field has bytes after its end.";
		if (nmoney != 0)
			return "There are money items but no currency.";
	}
	else if (!RoiCurrencyValid(s->currency))
		return "The currency is not three upper-case letters.";
	else if (nmoney == 0)
		return "There is a currency but no money item.";

	/* intangible names: sorted, distinct, valid, exactly filling the value */
	p = s->names;
	end = (const char *) s + size;
	while (p < end)
	{
		const char *nul = memchr(p, '\0', end - p);

		if (nul == NULL)
			return "The last intangible name is not terminated.";
		if (!RoiNameValid(p, nul - p))
			return "An intangible name is empty, too long, or has control characters.";
		if (prev != NULL && strcmp(prev, p) >= 0)
			return "Intangible names are not sorted and distinct.";
		prev = p;
		p = nul + 1;
		n++;
	}
	if (n != s->nnames)
		return "The number of intangible names does not match the names stored.";
	if ((s->nnames == 0) != (s->nintangibles == 0) || s->nintangibles < s->nnames)
		return "The intangible item count does not match the names stored.";

	/* every derived total must be representable */
	(void) RoiTotalCosts(s);
	return NULL;
}

/* Report a malformed text value, naming what was expected. */
static void
RoiSyntaxError(RoiParser *ps, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type roi_summary: \"%s\"", ps->input),
			 errdetail("Expected %s at character %d.", what, (int) (ps->p - ps->input) + 1)));
}

/* Consume the literal "key=" or fail. */
static void
RoiExpectKey(RoiParser *ps, const char *key)
{
	size_t		len = strlen(key);

	if (*ps->p == ' ')
		ps->p++;
	if (strncmp(ps->p, key, len) != 0 || ps->p[len] != '=')
		RoiSyntaxError(ps, psprintf("\"%s=\"", key));
	ps->p += len + 1;
}

/*
 * RoiParseNumber
 *		The value of "key=": a non-negative integer of digits only, or, when
 *		money is true, an optional '-', digits, '.', and exactly four decimals,
 *		returned scaled by 10^4.  Overflow is an error, never a wrap.
 */
static int64
RoiParseNumber(RoiParser *ps, const char *key, bool money)
{
	bool		neg = false;
	uint64		v = 0;
	int			digits = 0;
	int			frac = 0;
	uint64		limit;

	RoiExpectKey(ps, key);
	if (money && *ps->p == '-')
	{
		neg = true;
		ps->p++;
	}
	limit = neg ? (uint64) PG_INT64_MAX + 1 : (uint64) PG_INT64_MAX;
	while (isdigit((unsigned char) *ps->p))
	{
		int			d = *ps->p++ - '0';

		if (v > (limit - d) / 10)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value of field \"%s\" is out of range for type roi_summary", key)));
		v = v * 10 + d;
		digits++;
	}
	if (digits == 0)
		RoiSyntaxError(ps, psprintf("digits for \"%s\"", key));
	if (money)
	{
		if (*ps->p++ != '.')
			RoiSyntaxError(ps, psprintf("a decimal point in \"%s\"", key));
		for (frac = 0; frac < ROI_MONEY_DIGITS; frac++)
		{
			int			d;

			if (!isdigit((unsigned char) *ps->p))
				RoiSyntaxError(ps, psprintf("%d decimals in \"%s\"", ROI_MONEY_DIGITS, key));
			d = *ps->p++ - '0';
			if (v > (limit - d) / 10)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("value of field \"%s\" is out of range for type roi_summary", key)));
			v = v * 10 + d;
		}
	}
	if (*ps->p != ' ' && *ps->p != '\0')
		RoiSyntaxError(ps, psprintf("a space after \"%s\"", key));
	return neg ? (int64) (0 - v) : (int64) v;
}

/* Print a scaled money amount with all its decimals (lossless). */
static void
RoiAppendMoney(StringInfo buf, const char *key, int64 v)
{
	uint64		u = v < 0 ? (uint64) 0 - (uint64) v : (uint64) v;

	appendStringInfo(buf, " %s=%s" UINT64_FORMAT ".%04d", key, v < 0 ? "-" : "",
					 u / ROI_MONEY_SCALE, (int) (u % ROI_MONEY_SCALE));
}

/*
 * la_roi_in
 *		Text input.  The fields come in a fixed order; after parsing, the value
 *		goes through RoiCheck like a received binary value.
 */
PG_FUNCTION_INFO_V1(la_roi_in);
Datum
la_roi_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	RoiParser	ps = {str, str};
	RoiSummary	hdr;
	RoiSummary *s;
	StringInfoData names;
	const char *problem;

	memset(&hdr, 0, sizeof(hdr));
	initStringInfo(&names);
	if (strncmp(ps.p, "v", 1) != 0 || !isdigit((unsigned char) ps.p[1]))
		RoiSyntaxError(&ps, "a format version such as \"v1\"");
	ps.p++;
	{
		long		v = strtol(ps.p, (char **) &ps.p, 10);

		if (v != ROI_FORMAT_VERSION)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("unsupported roi_summary format version %ld", v),
					 errdetail("This library reads version %d.", ROI_FORMAT_VERSION)));
	}
	hdr.version = ROI_FORMAT_VERSION;

	RoiExpectKey(&ps, "cur");
	if (ps.p[0] == '-' && (ps.p[1] == ' ' || ps.p[1] == '\0'))
		ps.p++;
	else
	{
		/* each byte is checked before the next is read: never past the end */
		for (int i = 0; i < 3; i++)
		{
			if (ps.p[i] < 'A' || ps.p[i] > 'Z')
				RoiSyntaxError(&ps, "a currency of three upper-case letters, or \"-\"");
			hdr.currency[i] = ps.p[i];
		}
		if (ps.p[3] != ' ' && ps.p[3] != '\0')
			RoiSyntaxError(&ps, "a currency of three upper-case letters, or \"-\"");
		ps.p += 3;
	}
	hdr.nbenefits = RoiParseNumber(&ps, "benefit_items", false);
	hdr.nmissing = RoiParseNumber(&ps, "missing_items", false);
	hdr.nextreme = RoiParseNumber(&ps, "extreme_items", false);
	hdr.ncosts = RoiParseNumber(&ps, "cost_items", false);
	hdr.nintangibles = RoiParseNumber(&ps, "intangible_items", false);
	hdr.benefits = RoiParseNumber(&ps, "benefits", true);
	hdr.adjusted = RoiParseNumber(&ps, "adjusted", true);
	hdr.extreme = RoiParseNumber(&ps, "extreme", true);
	for (int i = 0; i < ROI_NCATEGORIES; i++)
		hdr.costs[i] = RoiParseNumber(&ps, RoiCategoryNames[i], true);

	/* intangibles={"a","b"}: double-quoted, with \" and \\ escapes */
	RoiExpectKey(&ps, "intangibles");
	if (*ps.p++ != '{')
		RoiSyntaxError(&ps, "\"{\"");
	while (*ps.p != '}')
	{
		int			start = names.len;

		if (hdr.nnames > 0 && *ps.p++ != ',')
			RoiSyntaxError(&ps, "\",\" between intangible names");
		if (*ps.p++ != '"')
			RoiSyntaxError(&ps, "a double-quoted intangible name");
		while (*ps.p != '"')
		{
			if (*ps.p == '\\')
				ps.p++;
			if (*ps.p == '\0')
				RoiSyntaxError(&ps, "the closing double quote of an intangible name");
			appendStringInfoChar(&names, *ps.p++);
		}
		ps.p++;
		if (hdr.nnames >= ROI_MAX_INTANGIBLES)
			RoiSyntaxError(&ps, psprintf("at most %d intangible names", ROI_MAX_INTANGIBLES));
		if (strlen(names.data + start) != (size_t) (names.len - start))
			RoiSyntaxError(&ps, "an intangible name without NUL bytes");
		appendStringInfoChar(&names, '\0');
		hdr.nnames++;
	}
	ps.p++;
	if (*ps.p != '\0')
		RoiSyntaxError(&ps, "the end of the value");

	s = RoiNew(CurrentMemoryContext, names.len);
	memcpy(((char *) s) + sizeof(int32), ((char *) &hdr) + sizeof(int32),
		   ROI_HEADER_SIZE - sizeof(int32));
	memcpy(s->names, names.data, names.len);
	problem = RoiCheck(s, VARSIZE(s));
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("inconsistent roi_summary value: \"%s\"", str),
				 errdetail_internal("%s", problem)));
	PG_RETURN_ROI_P(s);
}

/*
 * la_roi_out
 *		Text output: every field, money with all four decimals, so that the
 *		text reads back to the same bytes.
 */
PG_FUNCTION_INFO_V1(la_roi_out);
Datum
la_roi_out(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);
	StringInfoData buf;
	const char *p = s->names;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d cur=%s", s->version, s->currency[0] ? s->currency : "-");
	appendStringInfo(&buf, " benefit_items=" INT64_FORMAT " missing_items=" INT64_FORMAT
					 " extreme_items=" INT64_FORMAT " cost_items=" INT64_FORMAT
					 " intangible_items=" INT64_FORMAT,
					 s->nbenefits, s->nmissing, s->nextreme, s->ncosts, s->nintangibles);
	RoiAppendMoney(&buf, "benefits", s->benefits);
	RoiAppendMoney(&buf, "adjusted", s->adjusted);
	RoiAppendMoney(&buf, "extreme", s->extreme);
	for (int i = 0; i < ROI_NCATEGORIES; i++)
		RoiAppendMoney(&buf, RoiCategoryNames[i], s->costs[i]);
	appendStringInfoString(&buf, " intangibles={");
	for (int i = 0; i < s->nnames; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoChar(&buf, '"');
		for (; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, *p);
		}
		appendStringInfoChar(&buf, '"');
		p++;
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/*
 * la_roi_send
 *		Binary output: the fields in network byte order, then the names block
 *		with its length.  Independent of the in-memory layout and endianness.
 */
PG_FUNCTION_INFO_V1(la_roi_send);
Datum
la_roi_send(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);
	StringInfoData buf;
	int			namebytes = VARSIZE(s) - ROI_HEADER_SIZE;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->version);
	pq_sendbyte(&buf, s->flags);
	pq_sendbytes(&buf, s->currency, 4);
	pq_sendint32(&buf, s->nnames);
	pq_sendint64(&buf, s->nbenefits);
	pq_sendint64(&buf, s->nmissing);
	pq_sendint64(&buf, s->nextreme);
	pq_sendint64(&buf, s->ncosts);
	pq_sendint64(&buf, s->nintangibles);
	pq_sendint64(&buf, s->benefits);
	pq_sendint64(&buf, s->adjusted);
	pq_sendint64(&buf, s->extreme);
	for (int i = 0; i < ROI_NCATEGORIES; i++)
		pq_sendint64(&buf, s->costs[i]);
	pq_sendint32(&buf, namebytes);
	pq_sendbytes(&buf, s->names, namebytes);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * la_roi_recv
 *		Binary input: the inverse of la_roi_send, with length checks before
 *		every read (pq_getmsg* raise on a short message) and RoiCheck after.
 */
PG_FUNCTION_INFO_V1(la_roi_recv);
Datum
la_roi_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	RoiSummary	hdr;
	RoiSummary *s;
	int32		namebytes;
	const char *problem;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = pq_getmsgbyte(msg);
	if (hdr.version != ROI_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported roi_summary format version %d", hdr.version),
				 errdetail("This library reads version %d.", ROI_FORMAT_VERSION)));
	hdr.flags = pq_getmsgbyte(msg);
	pq_copymsgbytes(msg, hdr.currency, 4);
	hdr.nnames = pq_getmsgint(msg, 4);
	hdr.nbenefits = pq_getmsgint64(msg);
	hdr.nmissing = pq_getmsgint64(msg);
	hdr.nextreme = pq_getmsgint64(msg);
	hdr.ncosts = pq_getmsgint64(msg);
	hdr.nintangibles = pq_getmsgint64(msg);
	hdr.benefits = pq_getmsgint64(msg);
	hdr.adjusted = pq_getmsgint64(msg);
	hdr.extreme = pq_getmsgint64(msg);
	for (int i = 0; i < ROI_NCATEGORIES; i++)
		hdr.costs[i] = pq_getmsgint64(msg);
	namebytes = pq_getmsgint(msg, 4);
	if (namebytes < 0 || namebytes > msg->len - msg->cursor ||
		namebytes > ROI_MAX_INTANGIBLES * (ROI_MAX_NAME_LEN + 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid roi_summary names length %d", namebytes)));
	s = RoiNew(CurrentMemoryContext, namebytes);
	memcpy(((char *) s) + sizeof(int32), ((char *) &hdr) + sizeof(int32),
		   ROI_HEADER_SIZE - sizeof(int32));
	pq_copymsgbytes(msg, s->names, namebytes);
	pq_getmsgend(msg);
	problem = RoiCheck(s, VARSIZE(s));
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("inconsistent roi_summary value in binary input"),
				 errdetail_internal("%s", problem)));
	PG_RETURN_ROI_P(s);
}
