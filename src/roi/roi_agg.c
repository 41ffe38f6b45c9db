/*
 * roi_agg.c
 *		The ROI aggregates: la_roi_agg's transition function (one benefit,
 *		cost or intangible item per row) and the combine function shared by
 *		parallel query, Citus and la_merge_agg(roi_summary).
 *
 * The state is the roi_summary type itself (never `internal`), so partial
 * states travel through its text or binary form.  Every money field is an
 * exact int64 sum, so the combine function is associative and commutative
 * and the result does not depend on the order in which rows or partial
 * summaries arrive.
 */
#include "postgres.h"

#include "common/int.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "roi/roi.h"

/* Largest amount accepted, in currency units: its scaled value fits an int64. */
#define ROI_MAX_AMOUNT			(PG_INT64_MAX / ROI_MONEY_SCALE)

/*
 * RoiAddMoney
 *		a + b, or an error naming the field that overflowed.
 */
int64
RoiAddMoney(int64 a, int64 b, const char *field)
{
	int64		r;

	if (unlikely(pg_add_s64_overflow(a, b, &r)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("roi summary field \"%s\" is out of range", field),
				 errdetail("The sum exceeds %s currency units.",
						   psprintf(INT64_FORMAT, ROI_MAX_AMOUNT))));
	return r;
}

/*
 * RoiAddCount
 *		a + b for item counts, or an error naming the field that overflowed.
 */
int64
RoiAddCount(int64 a, int64 b, const char *field)
{
	int64		r;

	if (unlikely(pg_add_s64_overflow(a, b, &r)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("roi summary field \"%s\" is out of range", field),
				 errdetail("The count exceeds " INT64_FORMAT " items.", PG_INT64_MAX)));
	return r;
}

/* Compare two numerics (-1, 0, 1). */
static inline int
RoiCmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

/* Reject NaN and infinities in the named field. */
static inline void
RoiCheckFinite(Numeric n, const char *field)
{
	if (numeric_is_nan(n) || numeric_is_inf(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roi item field \"%s\" must be a finite number", field),
				 errdetail("NaN and infinite values cannot be monetized.")));
}

/* Reject a factor (isolation, confidence) that is missing or outside [0, 1]. */
static inline Numeric
RoiCheckFactor(FunctionCallInfo fcinfo, int argno, const char *field)
{
	Numeric		n;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("roi benefit item field \"%s\" must not be NULL", field),
				 errhint("Give the share attributed to the program (isolation) and the estimator's confidence, both in [0, 1].")));
	n = PG_GETARG_NUMERIC(argno);
	RoiCheckFinite(n, field);
	if (RoiCmp(n, int64_to_numeric(0)) < 0 || RoiCmp(n, int64_to_numeric(1)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roi item field \"%s\" must be between 0 and 1", field),
				 errdetail("The value given is %s.",
						   DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n))))));
	return n;
}

/*
 * RoiToMoney
 *		An amount in currency units, rounded half away from zero to 1/10000 of
 *		the unit, as a scaled int64.  Out-of-range amounts are an error.
 */
static int64
RoiToMoney(Numeric n, const char *field)
{
	Datum		scaled;

	RoiCheckFinite(n, field);
	if (RoiCmp(n, int64_to_numeric(ROI_MAX_AMOUNT)) > 0 ||
		RoiCmp(n, int64_to_numeric(-ROI_MAX_AMOUNT)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("roi item field \"%s\" is out of range", field),
				 errdetail("Amounts are limited to " INT64_FORMAT " currency units in absolute value.",
						   ROI_MAX_AMOUNT)));
	scaled = DirectFunctionCall2(numeric_mul, NumericGetDatum(n),
								 NumericGetDatum(int64_to_numeric(ROI_MONEY_SCALE)));
	scaled = DirectFunctionCall2(numeric_round, scaled, Int32GetDatum(0));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, scaled));
}

/* Disallow a field that makes no sense for this kind of item. */
static inline void
RoiCheckAbsent(FunctionCallInfo fcinfo, int argno, const char *field, const char *kind)
{
	if (!PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roi %s item field \"%s\" must be NULL", kind, field),
				 kind[0] == 'i' ?
				 errdetail("Intangible benefits are recorded and listed, never monetized.") :
				 errdetail("Isolation and confidence factors apply to benefit items only.")));
}

/*
 * RoiSetCurrency
 *		Record the currency of a money item: required, three upper-case
 *		letters, and the same for every item of a summary.
 */
static void
RoiSetCurrency(RoiSummary *s, FunctionCallInfo fcinfo, int argno)
{
	char	   *cur;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("roi item field \"currency\" must not be NULL for a benefit or cost item"),
				 errhint("Give an ISO 4217 code such as 'EUR'.")));
	cur = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strlen(cur) != 3 || strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roi item field \"currency\" must be three upper-case letters"),
				 errdetail("The value given is \"%s\".", cur)));
	if (s->currency[0] == '\0')
		memcpy(s->currency, cur, 4);
	else if (strcmp(s->currency, cur) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roi items mix currencies %s and %s", s->currency, cur),
				 errdetail("Field \"currency\" must be the same for every item of a summary."),
				 errhint("Convert amounts to one currency before aggregating.")));
}

/*
 * RoiAddName
 *		Add an intangible benefit name to a summary, keeping names sorted and
 *		distinct.  Returns the summary, reallocated in cxt when the name is new.
 */
static RoiSummary *
RoiAddName(RoiSummary *s, const char *name, MemoryContext cxt)
{
	size_t		len = strlen(name);
	char	   *p = s->names;
	char	   *end = (char *) s + VARSIZE(s);
	RoiSummary *r;
	Size		before;

	if (len == 0 || len > ROI_MAX_NAME_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roi intangible item field \"label\" must have 1 to %d bytes", ROI_MAX_NAME_LEN)));
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("roi intangible item field \"label\" must not contain control characters")));
	s->nintangibles = RoiAddCount(s->nintangibles, 1, "intangible_items");
	while (p < end)
	{
		int			c = strcmp(p, name);

		if (c == 0)
			return s;
		if (c > 0)
			break;
		p += strlen(p) + 1;
	}
	if (s->nnames >= ROI_MAX_INTANGIBLES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a roi summary holds at most %d distinct intangible names", ROI_MAX_INTANGIBLES)));
	before = p - (char *) s;
	r = RoiNew(cxt, VARSIZE(s) - ROI_HEADER_SIZE + len + 1);
	memcpy(((char *) r) + sizeof(int32), ((char *) s) + sizeof(int32), before - sizeof(int32));
	memcpy(((char *) r) + before, name, len + 1);
	memcpy(((char *) r) + before + len + 1, p, end - p);
	r->nnames++;
	return r;
}

/*
 * la_roi_sfunc
 *		Transition function of la_roi_agg(kind, label, amount, isolation,
 *		confidence, currency).  Kinds:
 *		  benefit     amount x isolation x confidence is the adjusted benefit;
 *		              a NULL amount is a missing measurement: no improvement;
 *		  extreme     a benefit item excluded by the extreme-item rule: counted
 *		              and its value reported, never part of the benefits;
 *		  cost        a fully loaded cost; label is its category;
 *		  intangible  label names a benefit that is listed, never monetized.
 *		A NULL kind skips the row.  The state is changed in place: it is
 *		owned by the aggregate (a new one is made when a name is added).
 */
PG_FUNCTION_INFO_V1(la_roi_sfunc);
Datum
la_roi_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RoiSummary *s;
	char	   *kind;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("la_roi_sfunc can only be called as part of la_roi_agg")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	s = PG_ARGISNULL(0) ? RoiNew(aggcxt, 0) : PG_GETARG_ROI_P(0);
	kind = text_to_cstring(PG_GETARG_TEXT_PP(1));

	if (strcmp(kind, "benefit") == 0 || strcmp(kind, "extreme") == 0)
	{
		bool		extreme = kind[0] == 'e';
		Numeric		isolation = NULL;
		Numeric		confidence = NULL;

		/* an excluded item needs no factors, but wrong ones are still wrong */
		if (!extreme || !PG_ARGISNULL(4))
			isolation = RoiCheckFactor(fcinfo, 4, "isolation");
		if (!extreme || !PG_ARGISNULL(5))
			confidence = RoiCheckFactor(fcinfo, 5, "confidence");

		RoiSetCurrency(s, fcinfo, 6);
		if (PG_ARGISNULL(3))
		{
			if (extreme)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("roi extreme item field \"amount\" must not be NULL")));
			/* missing data means no improvement */
			s->nbenefits = RoiAddCount(s->nbenefits, 1, "benefit_items");
			s->nmissing = RoiAddCount(s->nmissing, 1, "missing_items");
		}
		else
		{
			Numeric		amount = PG_GETARG_NUMERIC(3);
			int64		value = RoiToMoney(amount, "amount");

			if (extreme)
			{
				s->nextreme = RoiAddCount(s->nextreme, 1, "extreme_items");
				s->extreme = RoiAddMoney(s->extreme, value, "extreme");
			}
			else
			{
				Datum		adj = DirectFunctionCall2(numeric_mul, NumericGetDatum(amount),
													  NumericGetDatum(isolation));

				adj = DirectFunctionCall2(numeric_mul, adj, NumericGetDatum(confidence));
				s->nbenefits = RoiAddCount(s->nbenefits, 1, "benefit_items");
				s->benefits = RoiAddMoney(s->benefits, value, "benefits");
				s->adjusted = RoiAddMoney(s->adjusted,
										  RoiToMoney(DatumGetNumeric(adj), "amount"),
										  "adjusted");
			}
		}
	}
	else if (strcmp(kind, "cost") == 0)
	{
		char	   *category;
		int			i;
		int64		value;

		RoiCheckAbsent(fcinfo, 4, "isolation", kind);
		RoiCheckAbsent(fcinfo, 5, "confidence", kind);
		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("roi cost item field \"label\" (the cost category) must not be NULL")));
		category = text_to_cstring(PG_GETARG_TEXT_PP(2));
		for (i = 0; i < ROI_NCATEGORIES; i++)
			if (strcmp(category, RoiCategoryNames[i]) == 0)
				break;
		if (i == ROI_NCATEGORIES)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown roi cost category \"%s\" in field \"label\"", category),
					 errhint("Use one of needs_analysis, design, development, delivery, "
							 "platform_licences, participant_time, coaching, evaluation, overhead.")));
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("roi cost item field \"amount\" must not be NULL"),
					 errdetail("An unknown cost cannot be taken as zero: that would overstate the ROI.")));
		value = RoiToMoney(PG_GETARG_NUMERIC(3), "amount");
		if (value < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("roi cost item field \"amount\" must not be negative"),
					 errdetail("Category \"%s\" has a negative cost.", category)));
		RoiSetCurrency(s, fcinfo, 6);
		s->ncosts = RoiAddCount(s->ncosts, 1, "cost_items");
		s->costs[i] = RoiAddMoney(s->costs[i], value, RoiCategoryNames[i]);
		(void) RoiTotalCosts(s);
	}
	else if (strcmp(kind, "intangible") == 0)
	{
		RoiCheckAbsent(fcinfo, 3, "amount", kind);
		RoiCheckAbsent(fcinfo, 4, "isolation", kind);
		RoiCheckAbsent(fcinfo, 5, "confidence", kind);
		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("roi intangible item field \"label\" must not be NULL")));
		s = RoiAddName(s, text_to_cstring(PG_GETARG_TEXT_PP(2)), aggcxt);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown roi item kind \"%s\" in field \"kind\"", kind),
				 errhint("Use benefit, extreme, cost or intangible.")));
	(void) RoiMoneyItems(s);
	PG_RETURN_ROI_P(s);
}

/*
 * la_roi_combine
 *		Merge two summaries (combine function of la_roi_agg, and transition
 *		and combine function of la_merge_agg(roi_summary)).  STRICT: the executor
 *		keeps the other side when one is NULL.  The result is a new value
 *		(made in the aggregate context when called from one), so neither
 *		input is changed; names are merged in sorted order.
 */
PG_FUNCTION_INFO_V1(la_roi_combine);
Datum
la_roi_combine(PG_FUNCTION_ARGS)
{
	RoiSummary *a = PG_GETARG_ROI_P(0);
	RoiSummary *b = PG_GETARG_ROI_P(1);
	MemoryContext cxt;
	RoiSummary *r;
	const char *pa = a->names;
	const char *ea = (char *) a + VARSIZE(a);
	const char *pb = b->names;
	const char *eb = (char *) b + VARSIZE(b);
	char	   *out;
	int32		nnames = 0;

	if (!AggCheckCallContext(fcinfo, &cxt))
		cxt = CurrentMemoryContext;
	if (a->currency[0] && b->currency[0] && strcmp(a->currency, b->currency) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine roi summaries in currencies %s and %s",
						a->currency, b->currency),
				 errdetail("Field \"currency\" must be the same for every summary of a rollup."),
				 errhint("Convert amounts to one currency before aggregating.")));

	r = RoiNew(cxt, (ea - pa) + (eb - pb));
	memcpy(r->currency, a->currency[0] ? a->currency : b->currency, 4);
	r->nbenefits = RoiAddCount(a->nbenefits, b->nbenefits, "benefit_items");
	r->nmissing = RoiAddCount(a->nmissing, b->nmissing, "missing_items");
	r->nextreme = RoiAddCount(a->nextreme, b->nextreme, "extreme_items");
	r->ncosts = RoiAddCount(a->ncosts, b->ncosts, "cost_items");
	r->nintangibles = RoiAddCount(a->nintangibles, b->nintangibles, "intangible_items");
	r->benefits = RoiAddMoney(a->benefits, b->benefits, "benefits");
	r->adjusted = RoiAddMoney(a->adjusted, b->adjusted, "adjusted");
	r->extreme = RoiAddMoney(a->extreme, b->extreme, "extreme");
	for (int i = 0; i < ROI_NCATEGORIES; i++)
		r->costs[i] = RoiAddMoney(a->costs[i], b->costs[i], RoiCategoryNames[i]);
	(void) RoiTotalCosts(r);
	(void) RoiMoneyItems(r);

	/* merge the two sorted name lists, dropping duplicates */
	out = r->names;
	while (pa < ea || pb < eb)
	{
		const char *next;
		int			c = pa >= ea ? 1 : pb >= eb ? -1 : strcmp(pa, pb);

		next = c <= 0 ? pa : pb;
		strcpy(out, next);
		out += strlen(next) + 1;
		if (c <= 0)
			pa += strlen(pa) + 1;
		if (c >= 0)
			pb += strlen(pb) + 1;
		nnames++;
	}
	if (nnames > ROI_MAX_INTANGIBLES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a roi summary holds at most %d distinct intangible names", ROI_MAX_INTANGIBLES)));
	r->nnames = nnames;
	SET_VARSIZE(r, out - (char *) r);

	/* the invariants of the result, checked after the arithmetic */
	{
		const char *problem = RoiCheck(r, VARSIZE(r));

		if (problem != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("combining roi summaries gave an inconsistent value"),
					 errdetail_internal("%s", problem)));
	}
	PG_RETURN_ROI_P(r);
}
