/*
 * roi_accessors.c
 *		Accessors of roi_summary: totals, net benefits, ROI %, benefit-cost
 *		ratio, payback period, cost breakdown, intangibles, counts.
 *
 * Everything money-valued is returned as an exact numeric.  Ratios are
 * computed in numeric too (numeric division, 16 or more significant
 * digits), never in binary floating point.  They are NULL when the total
 * cost is zero; roi_note() says why.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "common/int.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#include "roi/roi.h"

/* Months in the benefit period: benefits are first-year (annual) benefits. */
#define ROI_BENEFIT_MONTHS		12

/* a op b on numerics */
static inline Numeric
RoiNumOp(PGFunction op, Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(op, NumericGetDatum(a), NumericGetDatum(b)));
}

/* Net benefits: adjusted benefits minus total costs, with an overflow check. */
static int64
RoiNet(const RoiSummary *s)
{
	int64		r;

	if (pg_sub_s64_overflow(s->adjusted, RoiTotalCosts(s), &r))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("roi summary field \"net_benefits\" is out of range")));
	return r;
}

/* total_benefits(roi_summary): sum of the unadjusted benefit values. */
PG_FUNCTION_INFO_V1(la_roi_total_benefits);
Datum
la_roi_total_benefits(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(RoiMoneyToNumeric(PG_GETARG_ROI_P(0)->benefits));
}

/* adjusted_benefits(roi_summary): sum of value x isolation x confidence. */
PG_FUNCTION_INFO_V1(la_roi_adjusted_benefits);
Datum
la_roi_adjusted_benefits(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(RoiMoneyToNumeric(PG_GETARG_ROI_P(0)->adjusted));
}

/* excluded_benefits(roi_summary): unadjusted value of the extreme items left out. */
PG_FUNCTION_INFO_V1(la_roi_excluded_benefits);
Datum
la_roi_excluded_benefits(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(RoiMoneyToNumeric(PG_GETARG_ROI_P(0)->extreme));
}

/* total_costs(roi_summary): fully loaded costs, all categories. */
PG_FUNCTION_INFO_V1(la_roi_total_costs);
Datum
la_roi_total_costs(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(RoiMoneyToNumeric(RoiTotalCosts(PG_GETARG_ROI_P(0))));
}

/* net_benefits(roi_summary): adjusted benefits minus total costs. */
PG_FUNCTION_INFO_V1(la_roi_net_benefits);
Datum
la_roi_net_benefits(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(RoiMoneyToNumeric(RoiNet(PG_GETARG_ROI_P(0))));
}

/*
 * roi_percent(roi_summary): net benefits / total costs x 100, from the
 * adjusted benefits.  NULL when the total cost is zero (see roi_note).
 */
PG_FUNCTION_INFO_V1(la_roi_percent);
Datum
la_roi_percent(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);
	int64		costs = RoiTotalCosts(s);
	Numeric		net100;

	if (costs == 0)
		PG_RETURN_NULL();
	net100 = RoiNumOp(numeric_mul, RoiMoneyToNumeric(RoiNet(s)), int64_to_numeric(100));
	PG_RETURN_NUMERIC(RoiNumOp(numeric_div, net100, RoiMoneyToNumeric(costs)));
}

/*
 * benefit_cost_ratio(roi_summary): adjusted benefits / total costs.
 * NULL when the total cost is zero (see roi_note).
 */
PG_FUNCTION_INFO_V1(la_roi_bcr);
Datum
la_roi_bcr(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);
	int64		costs = RoiTotalCosts(s);

	if (costs == 0)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(RoiNumOp(numeric_div, RoiMoneyToNumeric(s->adjusted),
							   RoiMoneyToNumeric(costs)));
}

/*
 * payback_months(roi_summary): months of (first-year, annual) adjusted
 * benefits needed to repay the total cost: costs / (benefits / 12).  NULL
 * when the adjusted benefits are not positive (the program never pays back)
 * and, like the ratios, when the total cost is zero.
 */
PG_FUNCTION_INFO_V1(la_roi_payback_months);
Datum
la_roi_payback_months(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);
	int64		costs = RoiTotalCosts(s);
	Numeric		c12;

	if (s->adjusted <= 0 || costs == 0)
		PG_RETURN_NULL();
	c12 = RoiNumOp(numeric_mul, RoiMoneyToNumeric(costs),
				   int64_to_numeric(ROI_BENEFIT_MONTHS));
	PG_RETURN_NUMERIC(RoiNumOp(numeric_div, c12, RoiMoneyToNumeric(s->adjusted)));
}

/*
 * roi_note(roi_summary): why roi_percent and benefit_cost_ratio are NULL,
 * or NULL when they are defined.
 */
PG_FUNCTION_INFO_V1(la_roi_note);
Datum
la_roi_note(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);

	if (RoiTotalCosts(s) != 0)
		PG_RETURN_NULL();
	if (s->ncosts == 0)
		PG_RETURN_TEXT_P(cstring_to_text("no cost item recorded: ROI and benefit-cost ratio are undefined"));
	PG_RETURN_TEXT_P(cstring_to_text("total cost is zero: ROI and benefit-cost ratio are undefined"));
}

/* cost(roi_summary, category): the cost of one category. */
PG_FUNCTION_INFO_V1(la_roi_cost);
Datum
la_roi_cost(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);
	char	   *category = text_to_cstring(PG_GETARG_TEXT_PP(1));

	for (int i = 0; i < ROI_NCATEGORIES; i++)
		if (strcmp(category, RoiCategoryNames[i]) == 0)
			PG_RETURN_NUMERIC(RoiMoneyToNumeric(s->costs[i]));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown roi cost category \"%s\"", category),
			 errhint("Use one of needs_analysis, design, development, delivery, "
					 "platform_licences, participant_time, coaching, evaluation, overhead.")));
	PG_RETURN_NULL();			/* not reached */
}

/*
 * cost_breakdown(roi_summary): one row per cost category, in the fixed
 * category order, with its amount (zero when nothing was spent on it).
 */
PG_FUNCTION_INFO_V1(la_roi_cost_breakdown);
Datum
la_roi_cost_breakdown(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < ROI_NCATEGORIES; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(RoiCategoryNames[i]);
		values[1] = NumericGetDatum(RoiMoneyToNumeric(s->costs[i]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* intangibles(roi_summary): the distinct intangible benefits, sorted. */
PG_FUNCTION_INFO_V1(la_roi_intangibles);
Datum
la_roi_intangibles(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);
	Datum	   *elems = palloc(sizeof(Datum) * Max(s->nnames, 1));
	const char *p = s->names;

	for (int i = 0; i < s->nnames; i++)
	{
		elems[i] = CStringGetTextDatum(p);
		p += strlen(p) + 1;
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, s->nnames, TEXTOID, -1, false, TYPALIGN_INT));
}

/* currency(roi_summary): the ISO 4217 code, NULL while no money item was seen. */
PG_FUNCTION_INFO_V1(la_roi_currency);
Datum
la_roi_currency(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);

	if (s->currency[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(s->currency));
}

/*
 * item_counts(roi_summary): benefit items (with missing ones), missing
 * items, extreme items excluded, cost items, intangible items.
 */
PG_FUNCTION_INFO_V1(la_roi_counts);
Datum
la_roi_counts(PG_FUNCTION_ARGS)
{
	RoiSummary *s = PG_GETARG_ROI_P(0);
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int64GetDatum(s->nbenefits);
	values[1] = Int64GetDatum(s->nmissing);
	values[2] = Int64GetDatum(s->nextreme);
	values[3] = Int64GetDatum(s->ncosts);
	values[4] = Int64GetDatum(s->nintangibles);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
