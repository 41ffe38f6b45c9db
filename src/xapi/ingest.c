/*
 * ingest.c
 *		The SQL-callable ways into an xAPI load (load.c): the triggers of the
 *		view xapi_statement_stream (COPY or INSERT into it), xapi_ingest(jsonb)
 *		with each statement's outcome, the rows of a staging relation, and the
 *		row source of a flush's INSERT.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "xapi/load.h"

/* The extension's schema: that of the function being called. */
static Oid
CallerNamespace(FunctionCallInfo fcinfo)
{
	return get_func_namespace(fcinfo->flinfo->fn_oid);
}

/*
 * The extension's schema, where the store lives. The functions in learnalytics_internal (the stream
 * view's triggers, the staged load) find the store here, not in their own schema.
 */
static Oid
ExtensionNamespace(void)
{
	Oid			extoid = get_extension_oid("learnalytics", false);
	Oid			nsp = InvalidOid;
#if PG_VERSION_NUM >= 160000
	nsp = get_extension_schema(extoid);
#else
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
#endif
	if (!OidIsValid(nsp))
		elog(ERROR, "schema of extension learnalytics not found");
	return nsp;
}

static char *
TextArgOrNull(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* ---------------------------------------------------------------------
 * SQL-callable
 * --------------------------------------------------------------------- */

/*
 * xapi_load_rows() returns setof xapi_statements
 *		Internal: the rows a flush hands to its INSERT.
 */
PG_FUNCTION_INFO_V1(la_xapi_load_rows);
Datum
la_xapi_load_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize) || rsinfo->expectedDesc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (xapi_load == NULL || xapi_load->handoff == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("xapi_load_rows() can only be called by an xAPI load")));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = xapi_load->handoff;
	rsinfo->setDesc = CreateTupleDescCopy(rsinfo->expectedDesc);
	MemoryContextSwitchTo(old);
	xapi_load->handoff = NULL;
	return (Datum) 0;
}

/*
 * xapi_stream_begin(), xapi_stream_row(), xapi_stream_end()
 *		The triggers of the view xapi_statement_stream: BEFORE and AFTER
 *		each statement, INSTEAD OF each row.
 */
/*
 * The stream triggers serve the view xapi_statement_stream of their own
 * schema and nothing else (they read its one jsonb column, and begin and end
 * loads).  The view's oid is kept in fn_extra.
 */
static void
CheckStreamRelation(FunctionCallInfo fcinfo, TriggerData *td)
{
	Oid			view;

	if (fcinfo->flinfo->fn_extra == NULL)
	{
		Oid		   *cached = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Oid));

		*cached = get_relname_relid("xapi_statement_stream", ExtensionNamespace());
		fcinfo->flinfo->fn_extra = cached;
	}
	view = *(Oid *) fcinfo->flinfo->fn_extra;
	if (!OidIsValid(view) || RelationGetRelid(td->tg_relation) != view)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("the xAPI stream triggers only serve the view xapi_statement_stream"),
				 errdetail("Fired for \"%s\".", RelationGetRelationName(td->tg_relation))));
}

PG_FUNCTION_INFO_V1(la_xapi_stream_begin);
Datum
la_xapi_stream_begin(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("xapi_stream_begin() must be a statement trigger")));
	CheckStreamRelation(fcinfo, td);
	XapiLoadBeginFromSettings(RelationGetNamespace(td->tg_relation));
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(la_xapi_stream_row);
Datum
la_xapi_stream_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	bool		isnull;
	Datum		statement;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_INSTEAD(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("xapi_stream_row() must be an INSTEAD OF INSERT row trigger")));
	CheckStreamRelation(fcinfo, td);
	if (xapi_load == NULL || strcmp(xapi_load->source, "xapi_statement_stream") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("no xAPI load is running"),
				 errdetail("The statement trigger xapi_stream_begin() did not run.")));
	statement = heap_getattr(td->tg_trigtuple, 1, td->tg_relation->rd_att, &isnull);
	XapiLoadRow(statement, isnull);
	return PointerGetDatum(td->tg_trigtuple);
}

PG_FUNCTION_INFO_V1(la_xapi_stream_end);
Datum
la_xapi_stream_end(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_FOR_STATEMENT(((TriggerData *) fcinfo->context)->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("xapi_stream_end() must be the AFTER statement trigger of a load")));
	CheckStreamRelation(fcinfo, (TriggerData *) fcinfo->context);
	if (xapi_load == NULL || strcmp(xapi_load->source, "xapi_statement_stream") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("no xAPI load into xapi_statement_stream is running")));
	XapiLoadEnd(true);
	XapiLoadForget();
	return PointerGetDatum(NULL);
}

/*
 * la_xapi_ingest(statements jsonb, mode text, version text)
 *		returns table (position integer, id uuid, status text)
 *		One statement or a JSON array of them, with each one's outcome.
 */
PG_FUNCTION_INFO_V1(la_xapi_ingest);
Datum
la_xapi_ingest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Jsonb	   *jb;
	ListCell   *lc;
	static const char *const status_names[] = {"stored", "exists", "rejected"};

	if (PG_ARGISNULL(0) || JB_ROOT_IS_SCALAR(PG_GETARG_JSONB_P(0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("xAPI statements must be a JSON object or array"),
				 errdetail("Got %s.", PG_ARGISNULL(0) ? "NULL" :
						   TextDatumGetCString(DirectFunctionCall1(jsonb_typeof, PG_GETARG_DATUM(0))))));
	jb = PG_GETARG_JSONB_P(0);
	InitMaterializedSRF(fcinfo, 0);
	XapiLoadBegin(CallerNamespace(fcinfo), PG_ARGISNULL(1) ? NULL : TextArgOrNull(fcinfo, 1),
				  TextArgOrNull(fcinfo, 2), "xapi_ingest", true);
	if (JB_ROOT_IS_OBJECT(jb))
		XapiLoadRow(JsonbPGetDatum(jb), false);
	else
	{
		JsonbIterator *it = JsonbIteratorInit(&jb->root);
		JsonbIteratorToken tok;
		JsonbValue	v;

		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (tok == WJB_ELEM)
				XapiLoadRow(JsonbPGetDatum(JsonbValueToJsonb(&v)), false);
	}
	XapiLoadEnd(false);
	foreach(lc, xapi_load->report_rows)
	{
		ReportRow  *rr = lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int32GetDatum((int32) rr->pos);
		values[1] = UUIDPGetDatum(&rr->id);
		nulls[1] = !rr->has_id;
		values[2] = CStringGetTextDatum(status_names[rr->status]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	XapiLoadForget();
	return (Datum) 0;
}

/*
 * la_xapi_ingest_relation(source regclass, mode text, version text,
 *						   OUT stored bigint, OUT existing bigint, OUT rejected bigint)
 *		Every row of a relation with a jsonb column "statement", in its scan
 *		order (the bulk path behind xapi_ingest_staged).
 */
PG_FUNCTION_INFO_V1(la_xapi_ingest_relation);
Datum
la_xapi_ingest_relation(PG_FUNCTION_ARGS)
{
	Oid			rel = PG_GETARG_OID(0);
	TupleDesc	tupdesc;
	Portal		portal;
	XapiLoad   *l;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	XapiLoadBegin(ExtensionNamespace(), TextArgOrNull(fcinfo, 1), TextArgOrNull(fcinfo, 2),
				  "xapi_ingest_staged", false);
	l = xapi_load;
	SPI_connect();
	portal = SPI_cursor_open_with_args(NULL,
									   psprintf("SELECT statement FROM %s",
												DatumGetCString(DirectFunctionCall1(regclassout,
																					ObjectIdGetDatum(rel)))),
									   0, NULL, NULL, NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 1000);

		/*
		 * the staging relation may be a view running anything: the load must
		 * still be ours
		 */
		if (xapi_load != l)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the xAPI load ended while its staging relation was read")));
		if (SPI_processed == 0)
			break;
		if (SPI_tuptable->tupdesc->natts != 1 || TupleDescAttr(SPI_tuptable->tupdesc, 0)->atttypid != JSONBOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"statement\" of the staging relation must be jsonb")));
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

			XapiLoadRow(d, isnull);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	XapiLoadEnd(true);
	values[0] = Int64GetDatum(xapi_load->stored);
	values[1] = Int64GetDatum(xapi_load->existing);
	values[2] = Int64GetDatum(xapi_load->rejected);
	XapiLoadForget();
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* la_xapi_load_active() returns boolean: whether a load runs in this session */
PG_FUNCTION_INFO_V1(la_xapi_load_active);
Datum
la_xapi_load_active(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(xapi_load != NULL);
}
