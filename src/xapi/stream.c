/*
 * stream.c
 *		The ingest of xAPI statements.  One implementation serves every way
 *		in:
 *		  COPY (or INSERT) into the view xapi_statement_stream, through its
 *		  statement and row triggers: the single-pass bulk path;
 *		  xapi_ingest(jsonb): one statement or an array, with a report;
 *		  xapi_ingest_staged(regclass): the rows of a staging relation.
 *
 * A load validates and derives each statement as it arrives (validate.c,
 * derive.c) and buffers up to FLUSH_ROWS of them.  A flush then decides the
 * fate of every buffered statement, in the order the rules are checked:
 *	 1. a voiding statement may not target a voiding statement (stored, or
 *		earlier in the load);
 *	 2. an id may occur once per load;
 *	 3. ids are claimed in xapi_statement_ids in id order (so that concurrent
 *		loads lock in one order), and an id already stored is a no-op with
 *		the same content hash, a conflict with another;
 *	 4. the rows go to the store in one INSERT per target.
 * In all_or_nothing mode (the default) the first problem raises and the
 * transaction keeps nothing; in rejects mode the statement goes to
 * xapi_rejects with its violations and the rest is stored.
 *
 * Months that have no partition yet are loaded into a new standalone table,
 * attached as a partition when the load ends, so that PostgreSQL builds its
 * indexes by sorting instead of one insertion per row and index: the common
 * case of a backfill.  That is only done when nothing watches inserts into
 * the store (no user trigger, no publication).
 *
 * The load's state lives in a memory context under TopTransactionContext; a
 * transaction or subtransaction abort forgets it.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/genam.h"
#include "access/heapam.h"
#include "catalog/index.h"
#include "nodes/execnodes.h"
#include "utils/relcache.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/acl.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "xapi/xapi.h"

#define FLUSH_ROWS 4096

typedef enum RowStatus
{
	ROW_STORED,
	ROW_EXISTS,
	ROW_REJECTED
} RowStatus;

typedef struct LoadRow
{
	int64		pos;			/* 1-based position in the load */
	RowStatus	status;
	bool		claimed;		/* its id is claimed by this load */
	bool		voided;			/* voided by a statement stored earlier */
	XapiDerived d;
	int			month;			/* of its timestamp, UTC: year * 12 + month - 1 */
	Datum	   *values;			/* the store row */
	bool	   *nulls;
	Jsonb	   *doc;			/* as sent (rejects); NULL for a null statement */
	Jsonb	   *violations;		/* why it was rejected */
} LoadRow;

typedef struct FreshMonth
{
	int			month;
	char	   *table;			/* qualified name of the standalone table */
	Oid			relid;
	BulkInsertState bistate;	/* pages being filled */
} FreshMonth;

typedef struct ReportRow
{
	int64		pos;
	pg_uuid_t	id;
	bool		has_id;
	RowStatus	status;
} ReportRow;

typedef struct Load
{
	MemoryContext cxt;			/* the load */
	MemoryContext flushcxt;		/* the buffered rows */
	MemoryContext rowcxt;		/* one statement's validation */
	int			nest_level;
	CommandId	first_cid;		/* ids claimed by this load have cmin >= this */
	char	   *nsp;			/* the extension's schema, quoted */
	const char *source;
	bool		rejects;
	char	   *version_param;	/* NULL: each statement's own */
	XapiVersion version;
	pg_uuid_t	load_id;
	TimestampTz started;
	XapiDeriver deriver;
	int64		pos,
				stored,
				existing,
				rejected;
	LoadRow    *rows;
	int			nrows;
	bool		prior_voids;	/* xapi_voids had rows when the load began */
	bool		fresh_allowed;
	List	   *ready_months;	/* ints: months with an attached partition */
	List	   *fresh;			/* FreshMonth *: months loaded into new tables */
	List	   *targets;		/* pg_uuid_t *: statements voided by this load */
	bool		report;			/* keep every statement's outcome */
	List	   *report_rows;	/* ReportRow * */
	Tuplestorestate *handoff;	/* what la_xapi_load_rows() returns */
	TupleTableSlot **slots;		/* FLUSH_ROWS slots for the new months' rows */
	Oid			ids_relid;		/* xapi_statement_ids */
	bool		ids_direct;		/* claim ids with direct heap and index insertion */
	TupleDesc	ids_desc;
	int			ids_attno[4];	/* id, content_hash, timestamp, voiding */
	TupleTableSlot **ids_slots;
	instr_time	t_read,			/* where the time goes (DEBUG1 at the end) */
				t_claim,
				t_store,
				t_end;
} Load;

static Load *load = NULL;
static bool callbacks_registered = false;

/* GUCs of the COPY path */
static int	guc_mode = 0;
static char *guc_version = NULL;

static const struct config_enum_entry mode_options[] = {
	{"all_or_nothing", 0, false},
	{"rejects", 1, false},
	{NULL, 0, false}
};

static void LoadFlush(void);

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
		load = NULL;
}

static void
LoadSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
				SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && load != NULL &&
		load->nest_level >= GetCurrentTransactionNestLevel())
	{
		MemoryContextDelete(load->cxt);
		load = NULL;
	}
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
							   NULL, &guc_version, "", PGC_USERSET, 0, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------- */

/* Run a query through SPI; raise on failure. */
static void
Exec(const char *sql, int nargs, Oid *types, Datum *args, int expect)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, args, NULL, false, 0);

	if (rc != expect)
		elog(ERROR, "xAPI load: SPI_execute failed (%d): %s", rc, sql);
}

/* One boolean from a query. */
static bool
QueryBool(const char *sql)
{
	bool		isnull;
	Datum		d;

	Exec(sql, 0, NULL, NULL, SPI_OK_SELECT);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(d);
}

static int
UuidCmp(const pg_uuid_t *a, const pg_uuid_t *b)
{
	return memcmp(a->data, b->data, UUID_LEN);
}

/* Rows by (id, position). */
static int
RowIdCmp(const void *a, const void *b)
{
	const LoadRow *x = *(LoadRow *const *) a;
	const LoadRow *y = *(LoadRow *const *) b;
	int			c = UuidCmp(&x->d.id, &y->d.id);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The row with this id among rows sorted by RowIdCmp (the first one), or NULL. */
static LoadRow *
FindRow(LoadRow **sorted, int n, const pg_uuid_t *id)
{
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (UuidCmp(&sorted[mid]->d.id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && UuidCmp(&sorted[lo]->d.id, id) == 0 ? sorted[lo] : NULL;
}

static char *
UuidText(const pg_uuid_t *u)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(u)));
}

/* A one-violation jsonb array. */
static Jsonb *
OneViolation(const char *path, const char *rule, const char *message)
{
	XapiViolation *v = palloc(sizeof(XapiViolation));

	v->path = pstrdup(path);
	v->rule = rule;
	v->message = pstrdup(message);
	return XapiViolationsJsonb(list_make1(v));
}

/* Reject a row (rejects mode) with one violation. */
static void
Reject(LoadRow *r, const char *path, const char *rule, const char *message)
{
	r->status = ROW_REJECTED;
	r->violations = OneViolation(path, rule, message);
}

/* Month number (year * 12 + month - 1) of an instant, in UTC. */
static int
MonthOf(TimestampTz ts)
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
static TimestampTz
MonthStart(int month)
{
	return (TimestampTz) (date2j(month / 12, month % 12 + 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
}

/* An array of Datums of one type. */
static Datum
MakeArray(Datum *elems, int n, Oid type)
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
 * LoadBegin
 *		Start a load into the store of the extension in schema nspoid.
 */
static void
LoadBegin(Oid nspoid, const char *mode, const char *version, const char *source, bool report)
{
	MemoryContext cxt,
				old;
	Load	   *l;
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
	if (load != NULL)
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
	l = palloc0(sizeof(Load));
	l->cxt = cxt;
	/*
	 * Bulk loads: one block that a flush's rows fit in, kept across resets,
	 * so that every flush does not give its memory back and fault it in again.
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
	l->source = source;
	l->rejects = strcmp(mode, "rejects") == 0;
	if (version != NULL && XapiParseVersionParam(version, &l->version))
		l->version_param = pstrdup(version);
	l->started = GetCurrentTimestamp();
	l->report = report;
	l->rows = palloc(sizeof(LoadRow) * FLUSH_ROWS);
	if (!pg_strong_random(l->load_id.data, UUID_LEN))
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate random values")));
	l->load_id.data[6] = (l->load_id.data[6] & 0x0f) | 0x40;
	l->load_id.data[8] = (l->load_id.data[8] & 0x3f) | 0x80;

	relid = get_relname_relid("xapi_statements", nspoid);
	if (!OidIsValid(relid))
		elog(ERROR, "xapi_statements not found in schema %s", l->nsp);
	/* new months are written directly: check what the INSERT into the store would check */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table xapi_statements"),
				 errhint("Loading xAPI statements takes the learnalytics_admin role.")));
	store = table_open(relid, AccessShareLock);
	MemoryContextSwitchTo(cxt);
	l->deriver.desc = CreateTupleDescCopy(RelationGetDescr(store));
	table_close(store, NoLock);

	SPI_connect();
	Exec(psprintf("SELECT %s.xapi_current_key()", l->nsp), 0, NULL, NULL, SPI_OK_SELECT);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	MemoryContextSwitchTo(cxt);
	key = DatumGetByteaPCopy(d);
	l->prior_voids = QueryBool(psprintf("SELECT EXISTS (SELECT FROM %s.xapi_voids)", l->nsp));
	/*
	 * Rows written straight into a new month's table bypass the parent: only
	 * when nothing would see or check them there (a trigger, a publication,
	 * row-level security, a constraint someone added to the store).
	 */
	l->fresh_allowed = QueryBool(psprintf(
										  "SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid = %u AND NOT tgisinternal)"
										  " AND NOT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE puballtables)"
										  " AND NOT EXISTS (SELECT FROM pg_catalog.pg_publication_rel WHERE prrelid = %u)"
										  " AND NOT EXISTS (SELECT FROM pg_catalog.pg_publication_namespace WHERE pnnspid = %u)"
										  " AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = %u)"
										  " AND NOT (SELECT relrowsecurity FROM pg_catalog.pg_class WHERE oid = %u)",
										  relid, relid, nspoid, relid, relid));
	/*
	 * Ids are claimed by direct insertion into xapi_statement_ids and its
	 * indexes (what a plain INSERT does, without the executor) when the table
	 * is as the extension made it: no trigger, no constraint but its primary
	 * key, no row-level security, only plain immediate indexes; otherwise
	 * through INSERT.
	 */
	l->ids_relid = get_relname_relid("xapi_statement_ids", nspoid);
	l->ids_direct = OidIsValid(l->ids_relid) &&
		pg_class_aclcheck(l->ids_relid, GetUserId(), ACL_INSERT) == ACLCHECK_OK &&
		QueryBool(psprintf(
						   "SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid = %u)"
						   " AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = %u AND contype <> 'p')"
						   " AND NOT (SELECT relrowsecurity FROM pg_catalog.pg_class WHERE oid = %u)"
						   " AND NOT EXISTS (SELECT FROM pg_catalog.pg_index WHERE indrelid = %u AND (indexprs IS NOT NULL"
						   " OR indpred IS NOT NULL OR NOT indimmediate OR NOT indisready OR NOT indislive))",
						   l->ids_relid, l->ids_relid, l->ids_relid, l->ids_relid));
	SPI_finish();
	if (l->ids_direct)
	{
		static const char *const ids_cols[4] = {"id", "content_hash", "timestamp", "voiding"};
		Relation	ids = table_open(l->ids_relid, AccessShareLock);

		MemoryContextSwitchTo(cxt);
		l->ids_desc = CreateTupleDescCopy(RelationGetDescr(ids));
		table_close(ids, NoLock);
		for (int c = 0; c < 4; c++)
		{
			l->ids_attno[c] = -1;
			for (int i = 0; i < l->ids_desc->natts; i++)
				if (!TupleDescAttr(l->ids_desc, i)->attisdropped &&
					strcmp(NameStr(TupleDescAttr(l->ids_desc, i)->attname), ids_cols[c]) == 0)
					l->ids_attno[c] = i;
			if (l->ids_attno[c] < 0)
				l->ids_direct = false;
		}
		if (l->ids_desc->natts != 4)
			l->ids_direct = false;
	}
	/* a new month's table has no dropped columns: its rows match the store's only without */
	for (int i = 0; i < l->deriver.desc->natts; i++)
		if (TupleDescAttr(l->deriver.desc, i)->attisdropped)
			l->fresh_allowed = false;

	MemoryContextSwitchTo(cxt);
	XapiDeriverInit(&l->deriver, l->deriver.desc, key, l->version_param, cxt);
	MemoryContextSwitchTo(old);
	load = l;
}

/* Record a row's outcome for the report and the counts. */
static void
Account(LoadRow *r)
{
	if (r->status == ROW_STORED)
		load->stored++;
	else if (r->status == ROW_EXISTS)
		load->existing++;
	else
		load->rejected++;
	if (load->report)
	{
		MemoryContext old = MemoryContextSwitchTo(load->cxt);
		ReportRow  *rr = palloc(sizeof(ReportRow));

		rr->pos = r->pos;
		rr->id = r->d.id;
		rr->has_id = r->status != ROW_REJECTED || r->values != NULL;
		rr->status = r->status;
		load->report_rows = lappend(load->report_rows, rr);
		MemoryContextSwitchTo(old);
	}
}

/*
 * LoadRowIn
 *		One statement of the load (isnull: an SQL NULL).
 */
static void
LoadRowIn(Datum statement, bool isnull)
{
	Load	   *l = load;
	LoadRow    *r;
	MemoryContext old;
	List	   *vs;
	instr_time	t0,
				t1;

	CHECK_FOR_INTERRUPTS();
	INSTR_TIME_SET_CURRENT(t0);
	if (l->pos >= PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many statements in one xAPI load"),
				 errdetail("A load takes at most %d statements.", PG_INT32_MAX),
				 errhint("Split the input into several loads.")));
	r = &l->rows[l->nrows];
	memset(r, 0, sizeof(LoadRow));
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
		Reject(r, "$", "type", "a statement must be a JSON object, not null");
		MemoryContextSwitchTo(old);
		l->nrows++;
		if (l->nrows == FLUSH_ROWS)
			LoadFlush();
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
		r->month = MonthOf(r->d.ts);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(l->rowcxt);
	l->nrows++;
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_ACCUM_DIFF(l->t_read, t1, t0);
	if (l->nrows == FLUSH_ROWS)
		LoadFlush();
}

/* ---------------------------------------------------------------------
 * Flush
 * --------------------------------------------------------------------- */

/* 1. A voiding statement may not target a voiding statement. */
static void
CheckVoidingTargets(Load *l)
{
	Datum	   *targets = palloc(sizeof(Datum) * l->nrows);
	int			n = 0;
	Oid			type = UUIDARRAYOID;
	Datum		arg;
	LoadRow   **voiding;
	int			nvoiding = 0;

	voiding = palloc(sizeof(LoadRow *) * l->nrows);
	for (int i = 0; i < l->nrows; i++)
		if (l->rows[i].status == ROW_STORED && l->rows[i].d.voiding)
		{
			targets[n++] = UUIDPGetDatum(&l->rows[i].d.target);
			voiding[nvoiding++] = &l->rows[i];
		}
	if (n == 0)
		return;
	/* voiding statements of this flush, by id */
	qsort(voiding, nvoiding, sizeof(LoadRow *), RowIdCmp);
	arg = MakeArray(targets, n, UUIDOID);
	Exec(psprintf("SELECT id FROM %s.xapi_statement_ids WHERE id = ANY($1) AND voiding", l->nsp),
		 1, &type, &arg, SPI_OK_SELECT);
	for (int i = 0; i < l->nrows; i++)
	{
		LoadRow    *r = &l->rows[i];
		bool		bad;

		if (r->status != ROW_STORED || !r->d.voiding)
			continue;
		bad = FindRow(voiding, nvoiding, &r->d.target) != NULL;
		for (uint64 j = 0; !bad && j < SPI_processed; j++)
		{
			bool		isnull;
			Datum		id = SPI_getbinval(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 1, &isnull);

			bad = UuidCmp(DatumGetUUIDP(id), &r->d.target) == 0;
		}
		if (!bad)
			continue;
		if (!l->rejects)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid xAPI statement"),
					 errdetail("Statement " INT64_FORMAT " of the batch, at $.object.id: statement %s is a voiding statement and cannot be voided (rule voiding).",
							   r->pos, UuidText(&r->d.target))));
		Reject(r, "$.object.id", "voiding",
			   psprintf("statement %s is a voiding statement and cannot be voided",
						UuidText(&r->d.target)));
	}
}

/* 2. The same id twice in the flush: the later ones are errors. */
static void
CheckDuplicates(Load *l, LoadRow **sorted, int n)
{
	for (int i = 1; i < n; i++)
	{
		int			first = i - 1;

		if (UuidCmp(&sorted[i]->d.id, &sorted[first]->d.id) != 0)
			continue;
		while (first > 0 && UuidCmp(&sorted[first - 1]->d.id, &sorted[i]->d.id) == 0)
			first--;
		if (!l->rejects)
		{
			StringInfoData pos;
			int			j;

			initStringInfo(&pos);
			for (j = first; j < n && UuidCmp(&sorted[j]->d.id, &sorted[first]->d.id) == 0; j++)
				appendStringInfo(&pos, "%s" INT64_FORMAT, j > first ? ", " : "", sorted[j]->pos);
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("duplicate statement id in batch"),
					 errdetail("Statements %s of the batch, at $.id: id %s occurs more than once.",
							   pos.data, UuidText(&sorted[first]->d.id))));
		}
		Reject(sorted[i], "$.id", "duplicate_id",
			   psprintf("id %s already occurs at position " INT64_FORMAT " of the batch",
						UuidText(&sorted[i]->d.id), sorted[first]->pos));
	}
}

/* An id found in xapi_statement_ids, with what decides on it. */
typedef struct StoredId
{
	pg_uuid_t	id;				/* first: bsearch compares a pg_uuid_t key */
	uint8	   *hash;	/* its content hash */
	TransactionId xmin;
	CommandId	cmin;
} StoredId;

static int
StoredIdCmp(const void *a, const void *b)
{
	return UuidCmp((const pg_uuid_t *) a, (const pg_uuid_t *) b);
}

/*
 * The common case first: every id of the flush is new.  A plain INSERT is
 * much cheaper than ON CONFLICT DO NOTHING (no speculative insertion); it
 * runs in a subtransaction so that a unique violation (an id stored before,
 * or by a concurrent load that has committed meanwhile) only sends the
 * flush to the careful path.  The ids come sorted: concurrent loads lock
 * them in one order.
 */
/*
 * Claim the ids of rows[0..m-1] (sorted by id) by inserting them into
 * xapi_statement_ids and its indexes directly, as a plain INSERT would; a
 * taken id raises unique_violation from the index, as it would.
 */
static void
ClaimDirect(Load *l, LoadRow **rows, int m)
{
	Relation	rel = table_open(l->ids_relid, RowExclusiveLock);
	List	   *indexes = RelationGetIndexList(rel);
	BulkInsertState bis = GetBulkInsertState();
	ListCell   *lc;
	int			k = 0;

	if (l->ids_slots == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(l->cxt);

		l->ids_slots = palloc(sizeof(TupleTableSlot *) * FLUSH_ROWS);
		for (int i = 0; i < FLUSH_ROWS; i++)
			l->ids_slots[i] = MakeSingleTupleTableSlot(l->ids_desc, &TTSOpsVirtual);
		MemoryContextSwitchTo(old);
	}
	for (int i = 0; i < m; i++)
	{
		TupleTableSlot *slot = l->ids_slots[k];
		LoadRow    *r = rows[i];
		bytea	   *h;

		if (r->status != ROW_STORED)
			continue;
		h = palloc(VARHDRSZ + 32);
		SET_VARSIZE(h, VARHDRSZ + 32);
		memcpy(VARDATA(h), r->d.hash, 32);
		ExecClearTuple(slot);
		slot->tts_values[l->ids_attno[0]] = UUIDPGetDatum(&r->d.id);
		slot->tts_values[l->ids_attno[1]] = PointerGetDatum(h);
		slot->tts_values[l->ids_attno[2]] = TimestampTzGetDatum(r->d.ts);
		slot->tts_values[l->ids_attno[3]] = BoolGetDatum(r->d.voiding);
		memset(slot->tts_isnull, 0, sizeof(bool) * 4);
		ExecStoreVirtualTuple(slot);
		k++;
	}
	table_multi_insert(rel, l->ids_slots, k, GetCurrentCommandId(true), 0, bis);
	FreeBulkInsertState(bis);
	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), RowExclusiveLock);
		IndexInfo  *info = BuildIndexInfo(index);
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];

		for (int i = 0; i < k; i++)
		{
			TupleTableSlot *slot = l->ids_slots[i];

			for (int a = 0; a < info->ii_NumIndexAttrs; a++)
				values[a] = slot_getattr(slot, info->ii_IndexAttrNumbers[a], &isnull[a]);
			index_insert(index, values, isnull, &slot->tts_tid, rel,
						 index->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
						 false, info);
		}
		index_close(index, NoLock);
	}
	for (int i = 0; i < k; i++)
		ExecClearTuple(l->ids_slots[i]);
	table_close(rel, NoLock);
}

static bool
TryClaimAll(Load *l, Oid *types, Datum *args, LoadRow **rows, int m)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		if (l->ids_direct)
			ClaimDirect(l, rows, m);
		else
			Exec(psprintf("INSERT INTO %s.xapi_statement_ids (id, content_hash, \"timestamp\", voiding)"
						  " SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))",
						  l->nsp), 4, types, args, SPI_OK_INSERT);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION)
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * 3. Claim the ids of the rows still to be stored; decide on the others:
 * already stored by an earlier load (exists, or a conflict), or earlier in
 * this load (a duplicate).
 */
static void
ClaimIds(Load *l, LoadRow **sorted, int n)
{
	Datum	   *ids = palloc(sizeof(Datum) * n);
	Datum	   *hashes = palloc(sizeof(Datum) * n);
	Datum	   *stamps = palloc(sizeof(Datum) * n);
	Datum	   *voiding = palloc(sizeof(Datum) * n);
	Oid			types[4] = {UUIDARRAYOID, BYTEAARRAYOID, TIMESTAMPTZARRAYOID, BOOLARRAYOID};
	Datum		args[4];
	int			m = 0;
	int			nclaimed;
	LoadRow   **unclaimed;
	int			nunclaimed = 0;
	StoredId   *stored;
	bool		any = false;

	for (int i = 0; i < n && !any; i++)
		any = sorted[i]->status == ROW_STORED;
	if (!any)
		return;
	/* the common case: every id is new (direct insertion needs no arrays) */
	if (l->ids_direct && TryClaimAll(l, NULL, NULL, sorted, n))
	{
		for (int i = 0; i < n; i++)
			if (sorted[i]->status == ROW_STORED)
				sorted[i]->claimed = true;
		return;
	}
	for (int i = 0; i < n; i++)
	{
		LoadRow    *r = sorted[i];
		bytea	   *h;

		if (r->status != ROW_STORED)
			continue;
		h = palloc(VARHDRSZ + 32);
		SET_VARSIZE(h, VARHDRSZ + 32);
		memcpy(VARDATA(h), r->d.hash, 32);
		ids[m] = UUIDPGetDatum(&r->d.id);
		hashes[m] = PointerGetDatum(h);
		stamps[m] = TimestampTzGetDatum(r->d.ts);
		voiding[m] = BoolGetDatum(r->d.voiding);
		m++;
	}
	if (m == 0)
		return;
	args[0] = MakeArray(ids, m, UUIDOID);
	args[1] = MakeArray(hashes, m, BYTEAOID);
	args[2] = MakeArray(stamps, m, TIMESTAMPTZOID);
	args[3] = MakeArray(voiding, m, BOOLOID);
	if (!l->ids_direct && TryClaimAll(l, types, args, sorted, n))
	{
		for (int i = 0; i < n; i++)
			if (sorted[i]->status == ROW_STORED)
				sorted[i]->claimed = true;
		return;
	}
	/* some ids are taken: claim the others, one by one where they conflict */
	Exec(psprintf("INSERT INTO %s.xapi_statement_ids (id, content_hash, \"timestamp\", voiding)"
				  " SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))"
				  " ON CONFLICT DO NOTHING RETURNING id", l->nsp),
		 4, types, args, SPI_OK_INSERT_RETURNING);
	nclaimed = SPI_processed;
	for (int j = 0; j < nclaimed; j++)
	{
		bool		isnull;
		Datum		id = SPI_getbinval(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 1, &isnull);
		LoadRow    *r = FindRow(sorted, n, DatumGetUUIDP(id));

		/* the first row with that id: the later ones were rejected as duplicates */
		if (r != NULL && r->status == ROW_STORED)
			r->claimed = true;
	}
	if (nclaimed == m)
		return;

	/* the ids that were already there */
	unclaimed = palloc(sizeof(LoadRow *) * n);
	m = 0;
	for (int i = 0; i < n; i++)
		if (sorted[i]->status == ROW_STORED && !sorted[i]->claimed)
		{
			unclaimed[nunclaimed++] = sorted[i];
			ids[m++] = UUIDPGetDatum(&sorted[i]->d.id);
		}
	args[0] = MakeArray(ids, m, UUIDOID);
	Exec(psprintf("SELECT id, content_hash, xmin, cmin FROM %s.xapi_statement_ids WHERE id = ANY($1)",
				  l->nsp), 1, types, args, SPI_OK_SELECT);
	stored = palloc(sizeof(StoredId) * Max(SPI_processed, 1));
	for (uint64 j = 0; j < SPI_processed; j++)
	{
		HeapTuple	t = SPI_tuptable->vals[j];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		bytea	   *hash = DatumGetByteaPP(SPI_getbinval(t, td, 2, &isnull));

		stored[j].id = *DatumGetUUIDP(SPI_getbinval(t, td, 1, &isnull));
		stored[j].hash = VARSIZE_ANY_EXHDR(hash) == 32 ? (uint8 *) VARDATA_ANY(hash) : NULL;
		stored[j].xmin = DatumGetTransactionId(SPI_getbinval(t, td, 3, &isnull));
		stored[j].cmin = DatumGetCommandId(SPI_getbinval(t, td, 4, &isnull));
	}
	qsort(stored, SPI_processed, sizeof(StoredId), StoredIdCmp);
	for (int i = 0; i < nunclaimed; i++)
	{
		LoadRow    *r = unclaimed[i];
		StoredId   *s = bsearch(&r->d.id, stored, SPI_processed, sizeof(StoredId), StoredIdCmp);

		if (s == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to a concurrent xAPI load"),
					 errdetail("Statement id %s was stored by a transaction this one cannot see.",
							   UuidText(&r->d.id))));
		if (TransactionIdIsCurrentTransactionId(s->xmin) && s->cmin >= l->first_cid)
		{
			/* claimed by an earlier flush of this load */
			if (!l->rejects)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("duplicate statement id in batch"),
						 errdetail("Statement " INT64_FORMAT " of the batch, at $.id: id %s occurs more than once.",
								   r->pos, UuidText(&r->d.id))));
			Reject(r, "$.id", "duplicate_id",
				   psprintf("id %s already occurs earlier in the batch", UuidText(&r->d.id)));
		}
		else if (s->hash != NULL && memcmp(s->hash, r->d.hash, 32) == 0)
			r->status = ROW_EXISTS;
		else
		{
			if (!l->rejects)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("statement id conflict"),
						 errdetail("Statement " INT64_FORMAT " of the batch, at $.id: id %s is already stored with different content.",
								   r->pos, UuidText(&r->d.id)),
						 errhint("A statement is immutable: send it with a new id, or void the stored one.")));
			Reject(r, "$.id", "conflict",
				   psprintf("id %s is already stored with different content", UuidText(&r->d.id)));
		}
	}
}

/* The months of the stored rows get a partition, or a standalone table. */
static void
PrepareMonths(Load *l)
{
	Oid			types[2] = {TIMESTAMPTZOID, BOOLOID};

	for (int i = 0; i < l->nrows; i++)
	{
		LoadRow    *r = &l->rows[i];
		ListCell   *lc;
		bool		known;
		Datum		args[2];
		bool		isnull;
		Datum		name;

		if (r->status != ROW_STORED)
			continue;
		known = list_member_int(l->ready_months, r->month);
		foreach(lc, l->fresh)
			known = known || ((FreshMonth *) lfirst(lc))->month == r->month;
		if (known)
			continue;
		args[0] = TimestampTzGetDatum(MonthStart(r->month));
		args[1] = BoolGetDatum(l->fresh_allowed);
		Exec(psprintf("SELECT %s.xapi_prepare_month($1, $2)", l->nsp), 2, types, args, SPI_OK_SELECT);
		name = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(l->cxt);

			l->ready_months = lappend_int(l->ready_months, r->month);
			MemoryContextSwitchTo(old);
		}
		else
		{
			MemoryContext old = MemoryContextSwitchTo(l->cxt);
			FreshMonth *f = palloc(sizeof(FreshMonth));

			f->month = r->month;
			f->table = TextDatumGetCString(name);
			f->relid = DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum(f->table)));
			f->bistate = GetBulkInsertState();
			l->fresh = lappend(l->fresh, f);
			MemoryContextSwitchTo(old);
		}
	}
}

/*
 * The stored rows of a new month, straight into its standalone table: it
 * has no index, trigger or constraint but NOT NULL yet (those come with the
 * partition), so its pages are filled as COPY fills them.
 */
static void
InsertFresh(Load *l, FreshMonth *f)
{
	Relation	rel = NULL;
	TupleDesc	desc = l->deriver.desc;
	int			n = 0;

	for (int i = 0; i < l->nrows; i++)
	{
		LoadRow    *r = &l->rows[i];
		TupleTableSlot *slot;

		if (r->status != ROW_STORED || r->month != f->month)
			continue;
		if (rel == NULL)
		{
			rel = table_open(f->relid, RowExclusiveLock);
			if (RelationGetDescr(rel)->natts != desc->natts)
				elog(ERROR, "xAPI load: %s does not have the columns of xapi_statements", f->table);
			if (l->slots == NULL)
			{
				/* on the load's own descriptor copy: not reference-counted, no pins */
				MemoryContext old = MemoryContextSwitchTo(l->cxt);

				l->slots = palloc(sizeof(TupleTableSlot *) * FLUSH_ROWS);
				for (int j = 0; j < FLUSH_ROWS; j++)
					l->slots[j] = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
				MemoryContextSwitchTo(old);
			}
		}
		r->values[l->deriver.attno[XC_VOIDED]] = BoolGetDatum(r->voided);
		for (int a = 0; a < desc->natts; a++)
			if (r->nulls[a] && TupleDescAttr(RelationGetDescr(rel), a)->attnotnull)
				ereport(ERROR,
						(errcode(ERRCODE_NOT_NULL_VIOLATION),
						 errmsg("null value in column \"%s\" of relation \"xapi_statements\"",
								NameStr(TupleDescAttr(desc, a)->attname)),
						 errdetail("Statement " INT64_FORMAT " of the batch.", r->pos)));
		slot = l->slots[n++];
		ExecClearTuple(slot);
		memcpy(slot->tts_values, r->values, sizeof(Datum) * desc->natts);
		memcpy(slot->tts_isnull, r->nulls, sizeof(bool) * desc->natts);
		ExecStoreVirtualTuple(slot);
	}
	if (n == 0)
		return;
	table_multi_insert(rel, l->slots, n, GetCurrentCommandId(true), TABLE_INSERT_SKIP_FSM, f->bistate);
	for (int i = 0; i < n; i++)
		ExecClearTuple(l->slots[i]);
	table_close(rel, NoLock);
}

/* The stored rows of the months that have a partition: one INSERT through the parent. */
static void
InsertRows(Load *l)
{
	Tuplestorestate *ts = NULL;
	int			n = 0;

	for (int i = 0; i < l->nrows; i++)
	{
		LoadRow    *r = &l->rows[i];

		if (r->status != ROW_STORED || !list_member_int(l->ready_months, r->month))
			continue;
		if (ts == NULL)
			ts = tuplestore_begin_heap(false, false, Max(work_mem, 64 * 1024));
		r->values[l->deriver.attno[XC_VOIDED]] = BoolGetDatum(r->voided);
		tuplestore_putvalues(ts, l->deriver.desc, r->values, r->nulls);
		n++;
	}
	if (n == 0)
		return;
	l->handoff = ts;
	Exec(psprintf("INSERT INTO %s.xapi_statements SELECT * FROM %s.la_xapi_load_rows()",
				  l->nsp, l->nsp), 0, NULL, NULL, SPI_OK_INSERT);
	if (l->handoff != NULL)
		elog(ERROR, "xAPI load: the rows were not taken");
}

/* Statements voided by a statement stored before this load began. */
static void
MarkPriorVoids(Load *l)
{
	Datum	   *ids = palloc(sizeof(Datum) * l->nrows);
	int			m = 0;
	Oid			type = UUIDARRAYOID;
	Datum		arg;
	LoadRow   **sorted = palloc(sizeof(LoadRow *) * l->nrows);

	for (int i = 0; i < l->nrows; i++)
		if (l->rows[i].status == ROW_STORED)
		{
			sorted[m] = &l->rows[i];
			ids[m++] = UUIDPGetDatum(&l->rows[i].d.id);
		}
	if (m == 0)
		return;
	qsort(sorted, m, sizeof(LoadRow *), RowIdCmp);
	arg = MakeArray(ids, m, UUIDOID);
	Exec(psprintf("SELECT target FROM %s.xapi_voids WHERE target = ANY($1)", l->nsp),
		 1, &type, &arg, SPI_OK_SELECT);
	for (uint64 j = 0; j < SPI_processed; j++)
	{
		bool		isnull;
		LoadRow    *r = FindRow(sorted, m,
								DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[j],
															SPI_tuptable->tupdesc, 1, &isnull)));

		if (r != NULL)
			r->voided = true;
	}
}

/* Voiding: remember the targets (marked when the load ends). */
static void
RecordVoids(Load *l)
{
	Datum	   *targets = palloc(sizeof(Datum) * l->nrows);
	Datum	   *ids = palloc(sizeof(Datum) * l->nrows);
	int			m = 0;
	Oid			types[2] = {UUIDARRAYOID, UUIDARRAYOID};
	Datum		args[2];

	for (int i = 0; i < l->nrows; i++)
	{
		LoadRow    *r = &l->rows[i];
		MemoryContext old;
		pg_uuid_t  *t;

		if (r->status != ROW_STORED || !r->d.voiding)
			continue;
		targets[m] = UUIDPGetDatum(&r->d.target);
		ids[m++] = UUIDPGetDatum(&r->d.id);
		old = MemoryContextSwitchTo(l->cxt);
		t = palloc(sizeof(pg_uuid_t));
		*t = r->d.target;
		l->targets = lappend(l->targets, t);
		MemoryContextSwitchTo(old);
	}
	if (m == 0)
		return;
	args[0] = MakeArray(targets, m, UUIDOID);
	args[1] = MakeArray(ids, m, UUIDOID);
	Exec(psprintf("INSERT INTO %s.xapi_voids (target, voiding_id)"
				  " SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) ORDER BY 1 ON CONFLICT (target) DO NOTHING",
				  l->nsp), 2, types, args, SPI_OK_INSERT);
}

/* The rejected statements, with their violations. */
static void
StoreRejects(Load *l)
{
	Datum	   *pos = palloc(sizeof(Datum) * l->nrows);
	Datum	   *docs = palloc(sizeof(Datum) * l->nrows);
	bool	   *docnulls = palloc(sizeof(bool) * l->nrows);
	Datum	   *violations = palloc(sizeof(Datum) * l->nrows);
	int			m = 0;
	Oid			types[4] = {UUIDOID, INT4ARRAYOID, JSONBARRAYOID, JSONBARRAYOID};
	Datum		args[4];
	int			dims[1];
	int			lbs[1] = {1};

	for (int i = 0; i < l->nrows; i++)
	{
		LoadRow    *r = &l->rows[i];

		if (r->status != ROW_REJECTED)
			continue;
		pos[m] = Int32GetDatum((int32) r->pos);
		docs[m] = r->doc ? JsonbPGetDatum(r->doc) : (Datum) 0;
		docnulls[m] = r->doc == NULL;
		violations[m++] = JsonbPGetDatum(r->violations);
	}
	if (m == 0)
		return;
	dims[0] = m;
	args[0] = UUIDPGetDatum(&l->load_id);
	args[1] = MakeArray(pos, m, INT4OID);
	args[2] = PointerGetDatum(construct_md_array(docs, docnulls, 1, dims, lbs, JSONBOID, -1, false,
												 TYPALIGN_INT));
	args[3] = MakeArray(violations, m, JSONBOID);
	Exec(psprintf("INSERT INTO %s.xapi_rejects (batch_id, \"position\", statement, violations)"
				  " SELECT $1, * FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) ORDER BY 1",
				  l->nsp), 4, types, args, SPI_OK_INSERT);
}

/*
 * LoadFlush
 *		Decide on and write every buffered statement.
 */
static void
LoadFlush(void)
{
	Load	   *l = load;
	MemoryContext old;
	LoadRow   **sorted;
	int			n = 0;
	ListCell   *lc;
	instr_time	t0,
				t1;

	if (l->nrows == 0)
		return;
	old = MemoryContextSwitchTo(l->flushcxt);
	SPI_connect();
	MemoryContextSwitchTo(l->flushcxt);

	INSTR_TIME_SET_CURRENT(t0);
	CheckVoidingTargets(l);
	sorted = palloc(sizeof(LoadRow *) * l->nrows);
	for (int i = 0; i < l->nrows; i++)
		if (l->rows[i].status == ROW_STORED)
			sorted[n++] = &l->rows[i];
	qsort(sorted, n, sizeof(LoadRow *), RowIdCmp);
	CheckDuplicates(l, sorted, n);
	ClaimIds(l, sorted, n);
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_ACCUM_DIFF(l->t_claim, t1, t0);
	MemoryContextSwitchTo(l->flushcxt);
	if (l->prior_voids)
		MarkPriorVoids(l);
	PrepareMonths(l);
	MemoryContextSwitchTo(l->flushcxt);
	InsertRows(l);
	foreach(lc, l->fresh)
		InsertFresh(l, lfirst(lc));
	MemoryContextSwitchTo(l->flushcxt);
	RecordVoids(l);
	StoreRejects(l);
	for (int i = 0; i < l->nrows; i++)
		Account(&l->rows[i]);

	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextReset(l->flushcxt);
	l->nrows = 0;
	INSTR_TIME_SET_CURRENT(t0);
	INSTR_TIME_ACCUM_DIFF(l->t_store, t0, t1);
}

/*
 * LoadEnd
 *		Flush, attach the new partitions, mark the voided statements and log
 *		the load.  The load's memory stays until the caller calls LoadForget.
 */
static void
LoadEnd(bool notice)
{
	Load	   *l = load;
	ListCell   *lc;
	Oid			types[10];
	Datum		args[10];
	char		nulls[10];

	instr_time	t0,
				t1;

	LoadFlush();
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
		Exec(psprintf("SELECT %s.xapi_attach_month($1)", l->nsp), 1, &type, &arg, SPI_OK_SELECT);
		INSTR_TIME_SET_CURRENT(a1);
		INSTR_TIME_SUBTRACT(a1, a0);
		elog(DEBUG2, "xapi load: %s attached in %.3f s", f->table, INSTR_TIME_GET_DOUBLE(a1));
	}
	if (l->targets != NIL)
	{
		Datum	   *t = palloc(sizeof(Datum) * list_length(l->targets));
		int			m = 0;
		Oid			type = UUIDARRAYOID;
		Datum		arg;

		foreach(lc, l->targets)
			t[m++] = UUIDPGetDatum(lfirst(lc));
		arg = MakeArray(t, m, UUIDOID);
		Exec(psprintf("UPDATE %s.xapi_statements s SET voided = true FROM %s.xapi_statement_ids i"
					  " WHERE i.id = ANY($1) AND s.id = i.id AND s.\"timestamp\" = i.\"timestamp\""
					  " AND NOT s.voided", l->nsp, l->nsp), 1, &type, &arg, SPI_OK_UPDATE);
	}
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
	args[9] = Int32GetDatum(list_length(l->fresh));
	memset(nulls, ' ', sizeof(nulls));
	if (l->version_param == NULL)
		nulls[3] = 'n';
	if (SPI_execute_with_args(psprintf("INSERT INTO %s.xapi_loads (load_id, source, mode, version,"
									   " started_at, statements, stored, existing, rejected, new_partitions)"
									   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", l->nsp),
							  10, types, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "xAPI load: could not log the load");
	SPI_finish();
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

static void
LoadForget(void)
{
	MemoryContextDelete(load->cxt);
	load = NULL;
}

/* The extension's schema: that of the function being called. */
static Oid
CallerNamespace(FunctionCallInfo fcinfo)
{
	return get_func_namespace(fcinfo->flinfo->fn_oid);
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
 * la_xapi_load_rows() returns setof xapi_statements
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
	if (load == NULL || load->handoff == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("la_xapi_load_rows() can only be called by an xAPI load")));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = load->handoff;
	rsinfo->setDesc = CreateTupleDescCopy(rsinfo->expectedDesc);
	MemoryContextSwitchTo(old);
	load->handoff = NULL;
	return (Datum) 0;
}

/*
 * la_xapi_stream_begin(), la_xapi_stream_row(), la_xapi_stream_end()
 *		The triggers of the view xapi_statement_stream: BEFORE and AFTER
 *		each statement, INSTEAD OF each row.
 */
PG_FUNCTION_INFO_V1(la_xapi_stream_begin);
Datum
la_xapi_stream_begin(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("la_xapi_stream_begin() must be a statement trigger")));
	LoadBegin(RelationGetNamespace(td->tg_relation), mode_options[guc_mode].name,
			  guc_version && guc_version[0] ? guc_version : NULL,
			  "xapi_statement_stream", false);
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
				 errmsg("la_xapi_stream_row() must be an INSTEAD OF INSERT row trigger")));
	if (load == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("no xAPI load is running"),
				 errdetail("The statement trigger la_xapi_stream_begin() did not run.")));
	statement = heap_getattr(td->tg_trigtuple, 1, td->tg_relation->rd_att, &isnull);
	LoadRowIn(statement, isnull);
	return PointerGetDatum(td->tg_trigtuple);
}

PG_FUNCTION_INFO_V1(la_xapi_stream_end);
Datum
la_xapi_stream_end(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo) || load == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("la_xapi_stream_end() must be the AFTER statement trigger of a load")));
	LoadEnd(true);
	LoadForget();
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
	LoadBegin(CallerNamespace(fcinfo), PG_ARGISNULL(1) ? NULL : TextArgOrNull(fcinfo, 1),
			  TextArgOrNull(fcinfo, 2), "xapi_ingest", true);
	if (JB_ROOT_IS_OBJECT(jb))
		LoadRowIn(JsonbPGetDatum(jb), false);
	else
	{
		JsonbIterator *it = JsonbIteratorInit(&jb->root);
		JsonbIteratorToken tok;
		JsonbValue	v;

		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (tok == WJB_ELEM)
				LoadRowIn(JsonbPGetDatum(JsonbValueToJsonb(&v)), false);
	}
	LoadEnd(false);
	foreach(lc, load->report_rows)
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
	LoadForget();
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
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	LoadBegin(CallerNamespace(fcinfo), TextArgOrNull(fcinfo, 1), TextArgOrNull(fcinfo, 2),
			  "xapi_ingest_staged", false);
	SPI_connect();
	portal = SPI_cursor_open_with_args(NULL,
									   psprintf("SELECT statement FROM %s",
												DatumGetCString(DirectFunctionCall1(regclassout,
																					ObjectIdGetDatum(rel)))),
									   0, NULL, NULL, NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 1000);
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

			LoadRowIn(d, isnull);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	LoadEnd(true);
	values[0] = Int64GetDatum(load->stored);
	values[1] = Int64GetDatum(load->existing);
	values[2] = Int64GetDatum(load->rejected);
	LoadForget();
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
