/*
 * funcs.c
 *		SQL-callable xAPI validation and conversion functions.
 *
 * Validation comes in three forms over one walker (validate.c): every
 * violation as rows or as a jsonb array (data-quality reports, rejects),
 * a boolean, and a form that raises the first violation with its position
 * in the batch and its JSON path.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "xapi/xapi.h"

/*
 * XapiParseVersionParam
 *		The rule set named by an ingest or validation argument ("1.0.3" or
 *		"2.0.0", also "1.0"/"2.0"); NULL means "each statement's own".
 */
bool
XapiParseVersionParam(const char *param, XapiVersion *out)
{
	if (param == NULL)
		return false;
	if (strcmp(param, "1.0.3") == 0 || strcmp(param, "1.0") == 0)
		*out = XAPI_V103;
	else if (strcmp(param, "2.0.0") == 0 || strcmp(param, "2.0") == 0)
		*out = XAPI_V200;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown xAPI version \"%s\"", param),
				 errhint("Use \"1.0.3\" or \"2.0.0\", or NULL to follow each statement's \"version\".")));
	return true;
}

/*
 * XapiStatementVersion
 *		The rule set of a statement read on its own: its "version" ("1.0..."
 *		selects 1.0.3), otherwise 2.0.0.
 */
XapiVersion
XapiStatementVersion(Jsonb *jb)
{
	if (JB_ROOT_IS_OBJECT(jb) && !JB_ROOT_IS_SCALAR(jb))
	{
		JsonbValue	v;

		if (getKeyJsonValueFromContainer(&jb->root, "version", 7, &v) != NULL &&
			v.type == jbvString && v.val.string.len >= 3 &&
			strncmp(v.val.string.val, "1.0", 3) == 0)
			return XAPI_V103;
	}
	return XAPI_V200;
}

/*
 * XapiCollectViolations
 *		Run the walker over one statement: its violations in document order
 *		(only the first when first_only), NIL when it is valid.
 */
List *
XapiCollectViolations(XapiVersion version, Jsonb *jb, bool first_only)
{
	XapiCtx		cx;

	memset(&cx, 0, sizeof(cx));
	cx.version = version;
	cx.first_only = first_only;
	initStringInfo(&cx.path);
	appendStringInfoChar(&cx.path, '$');
	XapiValidate(&cx, jb);
	return cx.violations;
}

/* The rules of a function call: its version argument, else the statement's. */
static List *
Validate(FunctionCallInfo fcinfo, Jsonb *jb, bool first_only)
{
	XapiVersion version;

	if (!(PG_NARGS() > 1 && !PG_ARGISNULL(1) &&
		  XapiParseVersionParam(text_to_cstring(PG_GETARG_TEXT_PP(1)), &version)))
		version = XapiStatementVersion(jb);
	return XapiCollectViolations(version, jb, first_only);
}

/*
 * la_xapi_violations(statement jsonb, version text) returns setof
 * (path text, rule text, message text): every violation, in document order.
 */
PG_FUNCTION_INFO_V1(la_xapi_violations);
Datum
la_xapi_violations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;
	List	   *vs;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	vs = Validate(fcinfo, PG_GETARG_JSONB_P(0), false);
	foreach(lc, vs)
	{
		XapiViolation *v = lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(v->path);
		values[1] = CStringGetTextDatum(v->rule);
		values[2] = CStringGetTextDatum(v->message);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Push a string member into an object under construction. */
static void
PushString(JsonbParseState **ps, const char *key, const char *val)
{
	JsonbValue	k,
				v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v.type = jbvString;
	v.val.string.val = (char *) val;

	v.val.string.len = strlen(val);
	pushJsonbValue(ps, WJB_KEY, &k);
	pushJsonbValue(ps, WJB_VALUE, &v);
}

/*
 * la_xapi_violations_json(statement jsonb, version text) returns jsonb
 *		The violations as [{"path":..., "rule":..., "message":...}, ...], or
 *		NULL when the statement is valid (what the ingest and the rejects
 *		table use: one call per statement).
 */
PG_FUNCTION_INFO_V1(la_xapi_violations_json);
Datum
la_xapi_violations_json(PG_FUNCTION_ARGS)
{
	List	   *vs;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	vs = Validate(fcinfo, PG_GETARG_JSONB_P(0), false);
	if (vs == NIL)
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(XapiViolationsJsonb(vs));
}

/* Violations as the jsonb array [{"path":..., "rule":..., "message":...}, ...]. */
Jsonb *
XapiViolationsJsonb(List *vs)
{
	ListCell   *lc;
	JsonbParseState *ps = NULL;
	JsonbValue *res;

	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	foreach(lc, vs)
	{
		XapiViolation *v = lfirst(lc);

		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		PushString(&ps, "path", v->path);
		PushString(&ps, "rule", v->rule);
		PushString(&ps, "message", v->message);
		pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	res = pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	return JsonbValueToJsonb(res);
}

/* la_xapi_is_valid(statement jsonb, version text) returns boolean */
PG_FUNCTION_INFO_V1(la_xapi_is_valid);
Datum
la_xapi_is_valid(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(Validate(fcinfo, PG_GETARG_JSONB_P(0), true) == NIL);
}

/* SQLSTATE for a violated rule. */
static int
RuleErrcode(const char *rule)
{
	if (strcmp(rule, "too_large") == 0)
		return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
	if (strcmp(rule, "too_deep") == 0)
		return ERRCODE_STATEMENT_TOO_COMPLEX;
	return ERRCODE_INVALID_PARAMETER_VALUE;
}

/*
 * XapiRaiseViolation
 *		Raise the first of a statement's violations, with the statement's
 *		position in its batch when position > 0.
 */
void
XapiRaiseViolation(List *vs, int64 position)
{
	XapiViolation *v = linitial(vs);
	int			n = list_length(vs);

	if (position > 0)
		ereport(ERROR,
				(errcode(RuleErrcode(v->rule)),
				 errmsg("invalid xAPI statement"),
				 errdetail("Statement " INT64_FORMAT " of the batch, at %s: %s (rule %s).",
						   position, v->path, v->message, v->rule),
				 n > 1 ? errhint("The statement has %d violations; xapi_violations() lists them all.", n) : 0));
	ereport(ERROR,
			(errcode(RuleErrcode(v->rule)),
			 errmsg("invalid xAPI statement"),
			 errdetail("At %s: %s (rule %s).", v->path, v->message, v->rule),
			 n > 1 ? errhint("The statement has %d violations; xapi_violations() lists them all.", n) : 0));
}

/*
 * la_xapi_check(statement jsonb, version text, position integer) returns jsonb
 *		The statement itself when it is valid; otherwise raise the first
 *		violation (SQLSTATE 22023, 54000 for a statement over the size limit,
 *		54001 for one nested too deeply) with the statement's position in
 *		its batch (when given) and the JSON path.
 */
PG_FUNCTION_INFO_V1(la_xapi_check);
Datum
la_xapi_check(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb;
	List	   *vs;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("xAPI statement is null"),
				 PG_NARGS() > 2 && !PG_ARGISNULL(2) ?
				 errdetail("Statement %d of the batch is null.", PG_GETARG_INT32(2)) : 0));
	jb = PG_GETARG_JSONB_P(0);
	vs = Validate(fcinfo, jb, false);
	if (vs == NIL)
		PG_RETURN_JSONB_P(jb);
	XapiRaiseViolation(vs, PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_INT32(2) : 0);
	PG_RETURN_NULL();			/* not reached */
}

/*
 * la_xapi_timestamp(text) returns timestamptz
 *		An xAPI timestamp as an instant; a value without offset is UTC.
 */
PG_FUNCTION_INFO_V1(la_xapi_timestamp);
Datum
la_xapi_timestamp(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	TimestampTz ts;

	if (!XapiParseTimestamp(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &ts) || !IS_VALID_TIMESTAMP(ts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
				 errmsg("invalid xAPI timestamp: \"%s\"", text_to_cstring(t)),
				 errhint("Use an ISO 8601 date-time such as 2026-11-22T18:05:00.000Z.")));
	PG_RETURN_TIMESTAMPTZ(ts);
}

/*
 * la_xapi_duration(text) returns interval
 *		An ISO 8601 duration (PT1H30M, P3Y1M29DT4H35M59.14S, P4W) as an interval.
 */
PG_FUNCTION_INFO_V1(la_xapi_duration);
Datum
la_xapi_duration(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	Interval   *iv = palloc(sizeof(Interval));

	if (XapiParseDuration(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), iv) != XAPI_VALUE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
				 errmsg("invalid xAPI duration: \"%s\"", text_to_cstring(t)),
				 errhint("Use an ISO 8601 duration such as PT1H30M or P4W.")));
	PG_RETURN_INTERVAL_P(iv);
}
