/*
 * load.c
 *		An xAPI load: its state, beginning, one statement at a time, and end.
 *		One implementation serves every way in (ingest.c): COPY or INSERT into
 *		the view xapi_statement_stream, xapi_ingest(jsonb) and
 *		xapi_ingest_staged(regclass).
 *
 * A load validates and derives each statement as it arrives (validate.c,
 * derive.c) and buffers up to FLUSH_ROWS of them; flush.c then decides on
 * and writes them.  When the load ends, the months it wrote into new tables
 * are attached as partitions, the statements it voided are marked, and the
 * load is logged in xapi_loads.
 *
 * The state lives in a memory context under TopTransactionContext; a
 * transaction or subtransaction abort forgets it.
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
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "storage/lmgr.h"
#include "utils/fmgroids.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "la_common.h"
#include "xapi/load.h"

XapiLoad   *xapi_load = NULL;
static bool callbacks_registered = false;

/* GUCs of the COPY path */
static int	guc_mode = 0;
static char *guc_version = NULL;

static const struct config_enum_entry mode_options[] = {
	{"all_or_nothing", 0, false},
	{"rejects", 1, false},
	{NULL, 0, false}
};


/* ---------------------------------------------------------------------
 * Transaction hooks: an aborted load is forgotten with its memory.
 * --------------------------------------------------------------------- */

static void
LoadXactCallback(XactEvent event, void *arg)
{
	/* TopTransactionContext, and the load's memory with it, goes away */
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT)
	{
		xapi_load = NULL;
		XapiLoadOrderXactEnd();
	}
}

static void
LoadSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && xapi_load != NULL &&
		xapi_load->nest_level >= GetCurrentTransactionNestLevel())
	{
		MemoryContextDelete(xapi_load->cxt);
		xapi_load = NULL;
	}
}

/* learnalytics.xapi_version: empty, or a rule set the validator knows */
static bool
CheckVersionSetting(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;

	if (v == NULL || v[0] == '\0' || strcmp(v, "1.0.3") == 0 || strcmp(v, "1.0") == 0 ||
		strcmp(v, "2.0.0") == 0 || strcmp(v, "2.0") == 0)
		return true;
	GUC_check_errdetail("Use 1.0.3 or 2.0.0, or an empty string to follow each statement's \"version\".");
	return false;
}

/*
 * XapiStreamInit
 *		From _PG_init: the settings of the COPY path.
 */
void
XapiStreamInit(void)
{
	DefineCustomEnumVariable("learnalytics.xapi_ingest_mode",
							 "What a load into xapi_statement_stream does with an invalid statement.",
							 "all_or_nothing: raise, and store nothing; rejects: keep it in xapi_rejects with its violations.",
							 &guc_mode, 0, mode_options, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("learnalytics.xapi_version",
							   "The xAPI rules a load into xapi_statement_stream applies: 1.0.3 or 2.0.0; empty: each statement's own \"version\".",
							   NULL, &guc_version, "", PGC_USERSET, 0, CheckVersionSetting, NULL, NULL);
}

/* ---------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------- */

/* Run a query through SPI; raise on failure. */
void
XapiLoadExec(const char *sql, int nargs, Oid *types, Datum *args, int expect)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, args, NULL, false, 0);

	if (rc != expect)
		elog(ERROR, "xAPI load: SPI_execute failed (%d): %s", rc, sql);
}

/* One boolean from a query. */
bool
XapiLoadQueryBool(const char *sql)
{
	bool		isnull;
	Datum		d;

	XapiLoadExec(sql, 0, NULL, NULL, SPI_OK_SELECT);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(d);
}

int
XapiUuidCmp(const pg_uuid_t *a, const pg_uuid_t *b)
{
	return memcmp(a->data, b->data, UUID_LEN);
}

/* Rows by (id, position). */
int
XapiRowIdCmp(const void *a, const void *b)
{
	const XapiLoadRowState *x = *(XapiLoadRowState *const *) a;
	const XapiLoadRowState *y = *(XapiLoadRowState *const *) b;
	int			c = XapiUuidCmp(&x->d.id, &y->d.id);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The row with this id among rows sorted by XapiRowIdCmp (the first one), or NULL. */
XapiLoadRowState *
XapiFindRow(XapiLoadRowState **sorted, int n, const pg_uuid_t *id)
{
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (XapiUuidCmp(&sorted[mid]->d.id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && XapiUuidCmp(&sorted[lo]->d.id, id) == 0 ? sorted[lo] : NULL;
}

char *
XapiUuidText(const pg_uuid_t *u)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(u)));
}

/* A one-violation jsonb array. */
static Jsonb *
XapiOneViolation(const char *path, const char *rule, const char *message)
{
	XapiViolation *v = palloc(sizeof(XapiViolation));

	v->path = pstrdup(path);
	v->rule = rule;
	v->message = pstrdup(message);
	return XapiViolationsJsonb(list_make1(v));
}

/* XapiReject a row (rejects mode) with one violation. */
void
XapiReject(XapiLoadRowState *r, const char *path, const char *rule, const char *message)
{
	r->status = ROW_REJECTED;
	r->violations = XapiOneViolation(path, rule, message);
}

/* Month number (year * 12 + month - 1) of an instant, in UTC. */
static int
XapiMonthOf(TimestampTz ts)
{
	int			year,
				month,
				day;
	int64		days = ts / USECS_PER_DAY;

	if (ts < 0 && ts % USECS_PER_DAY != 0)
		days--;
	j2date((int) days + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	return year * 12 + month - 1;
}

/* The first instant of a month number, UTC. */
TimestampTz
XapiMonthStart(int month)
{
	return (TimestampTz) (date2j(month / 12, month % 12 + 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
}

/* An array of Datums of one type. */
Datum
XapiMakeArray(Datum *elems, int n, Oid type)
{
	int16		len;
	bool		byval;
	char		align;

	get_typlenbyvalalign(type, &len, &byval, &align);
	return PointerGetDatum(construct_array(elems, n, type, len, byval, align));
}

/* ---------------------------------------------------------------------
 * Begin, row, end
 * --------------------------------------------------------------------- */

/*
 * XapiLoadBegin
 *		Start a load into the store of the extension in schema nspoid.
 */
void
XapiLoadBegin(Oid nspoid, const char *mode, const char *version, const char *source, bool report)
{
	MemoryContext cxt,
				old;
	XapiLoad   *l;
	Relation	store;
	Oid			relid;
	bytea	   *key;
	bool		isnull;
	Datum		d;

	if (!callbacks_registered)
	{
		RegisterXactCallback(LoadXactCallback, NULL);
		RegisterSubXactCallback(LoadSubXactCallback, NULL);
		callbacks_registered = true;
	}
	if (xapi_load != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("an xAPI load is already running in this session"),
				 errdetail("Loads do not nest: a trigger or function ingested statements while a load was in progress.")));
	if (mode == NULL || (strcmp(mode, "all_or_nothing") != 0 && strcmp(mode, "rejects") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown ingest mode \"%s\"", mode ? mode : "NULL"),
				 errhint("Use 'all_or_nothing' (the default) or 'rejects'.")));

	cxt = AllocSetContextCreate(TopTransactionContext, "xAPI load", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	l = palloc0(sizeof(XapiLoad));
	l->cxt = cxt;

	/*
	 * Bulk loads: one block that a flush's rows fit in, kept across resets,
	 * so that every flush does not give its memory back and fault it in
	 * again.
	 */
	if (report)
		l->flushcxt = AllocSetContextCreate(cxt, "xAPI load rows", ALLOCSET_DEFAULT_SIZES);
	else
		l->flushcxt = AllocSetContextCreate(cxt, "xAPI load rows", 16 * 1024 * 1024,
											16 * 1024 * 1024, 64 * 1024 * 1024);
	l->rowcxt = AllocSetContextCreate(cxt, "xAPI load statement", ALLOCSET_DEFAULT_SIZES);
	l->nest_level = GetCurrentTransactionNestLevel();
	l->first_cid = GetCurrentCommandId(false);
	l->nsp = pstrdup(quote_identifier(get_namespace_name(nspoid)));
	l->internal_nsp = pstrdup(quote_identifier(LA_INTERNAL_SCHEMA));
	l->source = source;
	l->rejects = strcmp(mode, "rejects") == 0;
	if (version != NULL && XapiParseVersionParam(version, &l->version))
		l->version_param = pstrdup(version);
	l->started = GetCurrentTimestamp();
	l->report = report;
	l->rows = palloc(sizeof(XapiLoadRowState) * FLUSH_ROWS);
	if (!pg_strong_random(l->load_id.data, UUID_LEN))
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate random values")));
	l->load_id.data[6] = (l->load_id.data[6] & 0x0f) | 0x40;
	l->load_id.data[8] = (l->load_id.data[8] & 0x3f) | 0x80;

	relid = get_relname_relid("xapi_statements", nspoid);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.xapi_statements\" does not exist", l->nsp),
				 errhint("The statement store is part of the learnalytics extension; reinstall it.")));

	/*
	 * new months are written directly: check what the INSERT into the store
	 * would check
	 */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table xapi_statements"),
				 errhint("Loading xAPI statements takes the learnalytics_admin role.")));

	/*
	 * RowExclusiveLock on the store and the id table, held to the end of the
	 * transaction, as an INSERT takes: what the load checks about them now
	 * (triggers, constraints, row-level security, indexes) cannot change
	 * under it, except CREATE INDEX CONCURRENTLY, which each flush re-checks.
	 */
	l->store_relid = relid;
	l->nspoid = nspoid;
	store = table_open(relid, RowExclusiveLock);
	MemoryContextSwitchTo(cxt);
	l->deriver.desc = CreateTupleDescCopy(RelationGetDescr(store));
	table_close(store, NoLock);

	SPI_connect();
	XapiLoadExec(psprintf("SELECT %s.xapi_current_key()", l->internal_nsp), 0, NULL, NULL, SPI_OK_SELECT);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	MemoryContextSwitchTo(cxt);
	key = DatumGetByteaPCopy(d);
	l->prior_voids = XapiLoadQueryBool(psprintf("SELECT EXISTS (SELECT FROM %s.xapi_voids)", l->nsp));

	/*
	 * A new month may be written into a table of its own, attached when the
	 * load ends; xapi_prepare_month decides, under its lock, whether nothing
	 * would see or check rows written past the parent.
	 */
	l->fresh_allowed = true;

	/*
	 * Ids are claimed by direct insertion into xapi_statement_ids and its
	 * indexes (what a plain INSERT does, without the executor) when the table
	 * is as the extension made it: no trigger, no constraint but its primary
	 * key, no row-level security, only plain immediate indexes; otherwise
	 * through INSERT.
	 */
	l->ids_relid = get_relname_relid("xapi_statement_ids", nspoid);
	if (OidIsValid(l->ids_relid))
		LockRelationOid(l->ids_relid, RowExclusiveLock);
	l->ids_direct = OidIsValid(l->ids_relid) &&
		pg_class_aclcheck(l->ids_relid, GetUserId(), ACL_INSERT) == ACLCHECK_OK;
	SPI_finish();
	if (l->ids_direct)
	{
		static const char *const ids_cols[5] = {"id", "content_hash", "timestamp", "voiding", "load_id"};
		Relation	ids = table_open(l->ids_relid, RowExclusiveLock);

		/*
		 * From the relcache, current now that the table is locked (a query
		 * would read the catalog as of the transaction's snapshot): nothing
		 * that a direct insertion would bypass.  Indexes are checked at each
		 * flush (ClaimDirect).
		 */
		if (ids->trigdesc != NULL || ids->rd_rel->relrowsecurity ||
			(ids->rd_att->constr != NULL && ids->rd_att->constr->num_check > 0) ||
			RelationGetFKeyList(ids) != NIL)
			l->ids_direct = false;
		MemoryContextSwitchTo(cxt);
		l->ids_desc = CreateTupleDescCopy(RelationGetDescr(ids));
		table_close(ids, NoLock);
		for (int c = 0; c < 5; c++)
		{
			l->ids_attno[c] = -1;
			for (int i = 0; i < l->ids_desc->natts; i++)
				if (!TupleDescAttr(l->ids_desc, i)->attisdropped &&
					strcmp(NameStr(TupleDescAttr(l->ids_desc, i)->attname), ids_cols[c]) == 0)
					l->ids_attno[c] = i;
			if (l->ids_attno[c] < 0)
				l->ids_direct = false;
		}
		if (l->ids_desc->natts != 5)
			l->ids_direct = false;
	}

	/*
	 * a new month's table has no dropped columns: its rows match the store's
	 * only without
	 */
	for (int i = 0; i < l->deriver.desc->natts; i++)
		if (TupleDescAttr(l->deriver.desc, i)->attisdropped)
			l->fresh_allowed = false;

	MemoryContextSwitchTo(cxt);
	XapiDeriverInit(&l->deriver, l->deriver.desc, key, l->version_param, cxt);
	MemoryContextSwitchTo(old);
	xapi_load = l;
}

/* Record a row's outcome for the report and the counts. */
void
XapiLoadAccount(XapiLoadRowState *r)
{
	if (r->status == ROW_STORED)
		xapi_load->stored++;
	else if (r->status == ROW_EXISTS)
		xapi_load->existing++;
	else
		xapi_load->rejected++;
	if (xapi_load->report)
	{
		MemoryContext old = MemoryContextSwitchTo(xapi_load->cxt);
		ReportRow  *rr = palloc(sizeof(ReportRow));

		rr->pos = r->pos;
		rr->id = r->d.id;
		rr->has_id = r->status != ROW_REJECTED || r->values != NULL;
		rr->status = r->status;
		xapi_load->report_rows = lappend(xapi_load->report_rows, rr);
		MemoryContextSwitchTo(old);
	}
}

/*
 * XapiLoadRow
 *		One statement of the load (isnull: an SQL NULL).
 */
void
XapiLoadRow(Datum statement, bool isnull)
{
	XapiLoad   *l = xapi_load;
	XapiLoadRowState *r;
	MemoryContext old;
	List	   *vs;
	instr_time	t0,
				t1;

	if (l == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no xAPI load is running")));

	CHECK_FOR_INTERRUPTS();
	if (l->pos >= PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many statements in one xAPI load"),
				 errdetail("A load takes at most %d statements.", PG_INT32_MAX),
				 errhint("Split the input into several loads.")));

	/*
	 * A full buffer is flushed when the next statement arrives, not when it
	 * fills: a load of at most FLUSH_ROWS statements has one flush, made when
	 * it ends, and claims its ids in one pass (claim.c).
	 */
	if (l->nrows == FLUSH_ROWS)
		XapiLoadFlush(true);
	INSTR_TIME_SET_CURRENT(t0);
	r = &l->rows[l->nrows];
	memset(r, 0, sizeof(XapiLoadRowState));
	r->pos = ++l->pos;
	r->status = ROW_STORED;

	if (isnull)
	{
		if (!l->rejects)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("xAPI statement is null"),
					 errdetail("Statement " INT64_FORMAT " of the batch is null.", r->pos)));
		old = MemoryContextSwitchTo(l->flushcxt);
		XapiReject(r, "$", "type", "a statement must be a JSON object, not null");
		MemoryContextSwitchTo(old);
		l->nrows++;
		return;
	}

	old = MemoryContextSwitchTo(l->flushcxt);
	r->doc = (Jsonb *) PG_DETOAST_DATUM_COPY(statement);
	MemoryContextSwitchTo(l->rowcxt);
	vs = XapiCollectViolations(l->version_param ? l->version : XapiStatementVersion(r->doc),
							   r->doc, false);
	if (vs != NIL)
	{
		if (!l->rejects)
			XapiRaiseViolation(vs, r->pos);
		MemoryContextSwitchTo(l->flushcxt);
		r->status = ROW_REJECTED;
		r->violations = XapiViolationsJsonb(vs);
	}
	else
	{
		MemoryContextSwitchTo(l->flushcxt);
		r->values = palloc(sizeof(Datum) * l->deriver.desc->natts);
		r->nulls = palloc(sizeof(bool) * l->deriver.desc->natts);
		XapiDerive(&l->deriver, r->doc, r->values, r->nulls, &r->d);
		r->month = XapiMonthOf(r->d.ts);
		if (r->d.voiding)
		{
			/* every voiding statement of the load, stored or not (MarkVoided) */
			pg_uuid_t  *id = MemoryContextAlloc(l->cxt, sizeof(pg_uuid_t));

			*id = r->d.id;
			MemoryContextSwitchTo(l->cxt);
			l->voiding_seen = lappend(l->voiding_seen, id);
			MemoryContextSwitchTo(l->flushcxt);
		}

		/*
		 * the validator kept timestamps to the months the store has
		 * (XapiStoreTimestamp)
		 */
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(l->rowcxt);
	l->nrows++;
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_ACCUM_DIFF(l->t_read, t1, t0);
}

/* Take a voiding statement this load stored back out, into the rejects (rejects mode). */
static void
UnstoreVoider(XapiLoad *l, XapiVoider *v, const char *message)
{
	Oid			types[5] = {UUIDOID, UUIDOID, UUIDOID, INT4OID, JSONBOID};
	Datum		args[5];
	ListCell   *lc;

	args[0] = UUIDPGetDatum(&v->id);
	args[1] = UUIDPGetDatum(&v->target);
	args[2] = UUIDPGetDatum(&l->load_id);
	args[3] = Int32GetDatum((int32) v->pos);
	args[4] = JsonbPGetDatum(XapiOneViolation("$.object.id", "voiding", message));
	XapiLoadExec(psprintf("WITH gone AS (DELETE FROM %s.xapi_statements s USING %s.xapi_statement_ids i"
						  "  WHERE i.id OPERATOR(pg_catalog.=) $1 AND s.id OPERATOR(pg_catalog.=) i.id AND s.\"timestamp\" OPERATOR(pg_catalog.=) i.\"timestamp\" RETURNING s.statement),"
						  " ids AS (DELETE FROM %s.xapi_statement_ids WHERE id OPERATOR(pg_catalog.=) $1),"
						  " voids AS (DELETE FROM %s.xapi_voids WHERE target OPERATOR(pg_catalog.=) $2 AND voiding_id OPERATOR(pg_catalog.=) $1)"
						  " INSERT INTO %s.xapi_rejects (batch_id, \"position\", statement, violations)"
						  " SELECT $3, $4, statement, $5 FROM gone",
						  l->nsp, l->nsp, l->nsp, l->nsp, l->nsp),
				 5, types, args, SPI_OK_INSERT);
	l->stored--;
	l->rejected++;
	foreach(lc, l->report_rows)
	{
		ReportRow  *rr = lfirst(lc);

		if (rr->pos == v->pos)
			rr->status = ROW_REJECTED;
	}
}

/*
 * The statements this load voided are marked.  A voiding statement whose
 * target turned out, later in the load, to be a voiding statement itself (or
 * one the load rejected) is an error (all_or_nothing) or taken back out of
 * the store into the rejects (rejects mode), as when both arrive in one
 * flush: the outcome does not depend on where a flush boundary falls.
 */
static void
MarkVoided(XapiLoad *l)
{
	Datum	   *t = palloc(sizeof(Datum) * list_length(l->voiders));
	Oid			type = UUIDARRAYOID;
	Datum		arg;
	ListCell   *lc;
	ListCell   *lc2;
	int			m = 0;
	pg_uuid_t  *stored;
	uint64		nstored;

	foreach(lc, l->voiders)
		t[m++] = UUIDPGetDatum(&((XapiVoider *) lfirst(lc))->target);
	stored = XapiStoredVoiding(l, t, m, &nstored);
	m = 0;
	foreach(lc, l->voiders)
	{
		XapiVoider *v = lfirst(lc);
		bool		bad = false;

		for (uint64 j = 0; j < nstored && !bad; j++)
			bad = XapiUuidCmp(&stored[j], &v->target) == 0;
		foreach(lc2, l->voiding_seen)
			bad = bad || XapiUuidCmp((pg_uuid_t *) lfirst(lc2), &v->target) == 0;
		if (bad)
			UnstoreVoider(l, v, XapiVoidingRule(l, v->pos, &v->target));
		else
			t[m++] = UUIDPGetDatum(&v->target);
	}
	if (m == 0)
		return;
	arg = XapiMakeArray(t, m, UUIDOID);

	/*
	 * The rows are locked in id order first: two loads that void the same
	 * statements wait for each other in one order, whatever order their
	 * UPDATEs would visit the rows in.
	 */
	XapiLoadExec(psprintf("SELECT FROM %s.xapi_statements s, %s.xapi_statement_ids i"
						  " WHERE i.id OPERATOR(pg_catalog.=) ANY($1) AND s.id OPERATOR(pg_catalog.=) i.id AND s.\"timestamp\" OPERATOR(pg_catalog.=) i.\"timestamp\""
						  " AND NOT i.voiding AND NOT s.voided ORDER BY s.id FOR UPDATE OF s", l->nsp, l->nsp),
				 1, &type, &arg, SPI_OK_SELECT);
	XapiLoadExec(psprintf("UPDATE %s.xapi_statements s SET voided = true FROM %s.xapi_statement_ids i"
						  " WHERE i.id OPERATOR(pg_catalog.=) ANY($1) AND s.id OPERATOR(pg_catalog.=) i.id AND s.\"timestamp\" OPERATOR(pg_catalog.=) i.\"timestamp\""
						  " AND NOT i.voiding AND NOT s.voided", l->nsp, l->nsp),
				 1, &type, &arg, SPI_OK_UPDATE);
}

/*
 * XapiLoadEnd
 *		Flush, attach the new partitions, mark the voided statements and log
 *		the load.  The load's memory stays until the caller calls XapiLoadForget.
 */
void
XapiLoadEnd(bool notice)
{
	XapiLoad   *l = xapi_load;
	ListCell   *lc;
	Oid			types[10];
	Datum		args[10];
	char		nulls[10];
	instr_time	t0,
				t1;

	XapiLoadFlush(false);
	INSTR_TIME_SET_CURRENT(t0);
	SPI_connect();
	foreach(lc, l->fresh)
	{
		FreshMonth *f = lfirst(lc);
		Oid			type = TEXTOID;
		Datum		arg = CStringGetTextDatum(f->table);
		instr_time	a0,
					a1;

		FreeBulkInsertState(f->bistate);
		f->bistate = NULL;
		INSTR_TIME_SET_CURRENT(a0);
		XapiLoadExec(psprintf("SELECT %s.xapi_attach_month($1)", l->internal_nsp), 1, &type, &arg, SPI_OK_SELECT);
		INSTR_TIME_SET_CURRENT(a1);
		INSTR_TIME_SUBTRACT(a1, a0);
		elog(DEBUG2, "xapi load: %s attached in %.3f s", f->table, INSTR_TIME_GET_DOUBLE(a1));
	}
	if (l->voiders != NIL)
		MarkVoided(l);
	types[0] = UUIDOID;
	args[0] = UUIDPGetDatum(&l->load_id);
	types[1] = TEXTOID;
	args[1] = CStringGetTextDatum(l->source);
	types[2] = TEXTOID;
	args[2] = CStringGetTextDatum(l->rejects ? "rejects" : "all_or_nothing");
	types[3] = TEXTOID;
	args[3] = l->version_param ? CStringGetTextDatum(l->version_param) : (Datum) 0;
	types[4] = TIMESTAMPTZOID;
	args[4] = TimestampTzGetDatum(l->started);
	types[5] = INT8OID;
	args[5] = Int64GetDatum(l->pos);
	types[6] = INT8OID;
	args[6] = Int64GetDatum(l->stored);
	types[7] = INT8OID;
	args[7] = Int64GetDatum(l->existing);
	types[8] = INT8OID;
	args[8] = Int64GetDatum(l->rejected);
	types[9] = INT4OID;
	args[9] = Int32GetDatum(list_length(l->fresh) + l->created_partitions);
	memset(nulls, ' ', sizeof(nulls));
	if (l->version_param == NULL)
		nulls[3] = 'n';
	if (SPI_execute_with_args(psprintf("INSERT INTO %s.xapi_loads (load_id, source, mode, version,"
									   " started_at, statements, stored, existing, rejected, new_partitions)"
									   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", l->nsp),
							  10, types, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "xAPI load: could not log the load");
	SPI_finish();
	XapiLoadOrderUnlock(l);
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_ACCUM_DIFF(l->t_end, t1, t0);
	elog(DEBUG1, "xapi load: %.3f s reading (validation, derivation), %.3f s deciding (voiding, duplicates, id claims), %.3f s storing, %.3f s ending (new partitions, voided flags)",
		 INSTR_TIME_GET_DOUBLE(l->t_read), INSTR_TIME_GET_DOUBLE(l->t_claim),
		 INSTR_TIME_GET_DOUBLE(l->t_store), INSTR_TIME_GET_DOUBLE(l->t_end));
	if (notice)
		ereport(NOTICE,
				(errmsg("xapi load: " INT64_FORMAT " statements, " INT64_FORMAT " stored, " INT64_FORMAT
						" already stored, " INT64_FORMAT " rejected",
						l->pos, l->stored, l->existing, l->rejected),
				 l->rejected > 0 ? errhint("The rejected statements are in xapi_rejects, with the load_id of the load's row in xapi_loads as batch_id.") : 0));
}

void
XapiLoadForget(void)
{
	MemoryContextDelete(xapi_load->cxt);
	xapi_load = NULL;
}

/*
 * XapiLoadBeginFromSettings
 *		Begin a load into xapi_statement_stream, with the mode and version of
 *		the settings learnalytics.xapi_ingest_mode and learnalytics.xapi_version.
 */
void
XapiLoadBeginFromSettings(Oid nspoid)
{
	XapiLoadBegin(nspoid, mode_options[guc_mode].name,
				  guc_version && guc_version[0] ? guc_version : NULL,
				  "xapi_statement_stream", false);
}
