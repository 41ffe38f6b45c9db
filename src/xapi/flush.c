/*
 * flush.c
 *		Deciding on and writing the statements a load has buffered, in the
 *		order the rules are checked:
 *		 1. a voiding statement may not target a voiding statement (stored, or
 *			earlier in the load);
 *		 2. an id may occur once per load;
 *		 3. ids are claimed in xapi_statement_ids in id order (claim.c), and
 *			an id already stored is a no-op with the same content hash, a
 *			conflict with another;
 *		 4. the rows are written: through the partitioned table for months
 *			that have a partition, straight into a new table (attached when the
 *			load ends) for a month that has none.
 * In all_or_nothing mode the first problem raises and the transaction keeps
 * nothing; in rejects mode the statement goes to xapi_rejects with its
 * violations and the rest is stored.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "catalog/partition.h"
#include "catalog/pg_publication.h"
#include "storage/lmgr.h"
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

#include "xapi/load.h"

/*
 * XapiStoredVoiding
 *		Which of the n target ids are voiding statements in
 *		xapi_statement_ids (stored before, or claimed by this load): a copy,
 *		with their number in *nfound.
 */
pg_uuid_t *
XapiStoredVoiding(XapiLoad *l, Datum *targets, int n, uint64 *nfound)
{
	Oid			type = UUIDARRAYOID;
	Datum		arg = XapiMakeArray(targets, n, UUIDOID);
	pg_uuid_t  *found;

	XapiLoadExec(psprintf("SELECT id FROM %s.xapi_statement_ids WHERE id OPERATOR(pg_catalog.=) ANY($1) AND voiding",
						  l->nsp), 1, &type, &arg, SPI_OK_SELECT);
	*nfound = SPI_processed;
	found = palloc(sizeof(pg_uuid_t) * Max(SPI_processed, 1));
	for (uint64 j = 0; j < SPI_processed; j++)
	{
		bool		isnull;

		found[j] = *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 1, &isnull));
	}
	return found;
}

/*
 * XapiVoidingRule
 *		A voiding statement (at position pos) whose target is a voiding
 *		statement: raised in all_or_nothing mode, else the rejects' message.
 */
char *
XapiVoidingRule(XapiLoad *l, int64 pos, const pg_uuid_t *target)
{
	if (!l->rejects)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid xAPI statement"),
				 errdetail("Statement " INT64_FORMAT " of the batch, at $.object.id: statement %s is a voiding statement and cannot be voided (rule voiding).",
						   pos, XapiUuidText(target))));
	return psprintf("statement %s is a voiding statement and cannot be voided", XapiUuidText(target));
}

/* 1. A voiding statement may not target a voiding statement (stored, or in this flush). */
static void
CheckVoidingTargets(XapiLoad *l)
{
	Datum	   *targets = palloc(sizeof(Datum) * l->nrows);
	XapiLoadRowState **voiding = palloc(sizeof(XapiLoadRowState *) * l->nrows);
	int			n = 0;
	pg_uuid_t  *stored;
	uint64		nstored;

	for (int i = 0; i < l->nrows; i++)
		if (l->rows[i].status == ROW_STORED && l->rows[i].d.voiding)
		{
			targets[n] = UUIDPGetDatum(&l->rows[i].d.target);
			voiding[n++] = &l->rows[i];
		}
	if (n == 0)
		return;
	/* voiding statements of this flush, by id */
	qsort(voiding, n, sizeof(XapiLoadRowState *), XapiRowIdCmp);
	stored = XapiStoredVoiding(l, targets, n, &nstored);
	for (int i = 0; i < l->nrows; i++)
	{
		XapiLoadRowState *r = &l->rows[i];
		bool		bad;

		if (r->status != ROW_STORED || !r->d.voiding)
			continue;
		bad = XapiFindRow(voiding, n, &r->d.target) != NULL;
		for (uint64 j = 0; !bad && j < nstored; j++)
			bad = XapiUuidCmp(&stored[j], &r->d.target) == 0;
		if (bad)
			XapiReject(r, "$.object.id", "voiding", XapiVoidingRule(l, r->pos, &r->d.target));
	}
}

/*
 * 2. The same id twice in the flush: the later ones wait for the claims
 * (ClaimIds), which decide on them as on an id sent by an earlier flush: a
 * duplicate when the load stores the first, otherwise exists or conflict.
 */
static void
FindDuplicates(XapiLoadRowState **sorted, int n)
{
	for (int i = 1; i < n; i++)
	{
		int			first = i - 1;

		if (XapiUuidCmp(&sorted[i]->d.id, &sorted[first]->d.id) != 0)
			continue;
		while (first > 0 && XapiUuidCmp(&sorted[first - 1]->d.id, &sorted[i]->d.id) == 0)
			first--;
		sorted[i]->first = sorted[first];
	}
}

/*
 * Whether a new month's rows may be written past the parent now: nothing
 * would see or check them there (a trigger, row-level security, a
 * constraint, a publication).  Read from the relcache and the catalog as
 * they are, under the lock that keeps them so, not as of the transaction's
 * snapshot.
 */
static bool
BypassAllowed(XapiLoad *l)
{
	Relation	rel = table_open(l->store_relid, NoLock);
	bool		ok;

	ok = rel->trigdesc == NULL && !rel->rd_rel->relrowsecurity &&
		(rel->rd_att->constr == NULL || rel->rd_att->constr->num_check == 0) &&
		RelationGetFKeyList(rel) == NIL &&
		GetRelationPublications(l->store_relid) == NIL &&
		GetAllTablesPublications() == NIL &&
		GetSchemaPublications(l->nspoid) == NIL;
	table_close(rel, NoLock);
	return ok;
}

/*
 * Whether a new month's table, made like the store, can be attached as its
 * partition at once (its rows then go through the parent): ATTACH PARTITION
 * wants the parent's CHECK constraints on the table, which LIKE does not
 * copy, and a generated or identity column to match the parent's.
 * Otherwise the partition is created through the parent, which takes ACCESS
 * EXCLUSIVE on the store (see PrepareMonths).
 */
static bool
AttachAllowed(XapiLoad *l)
{
	Relation	rel = table_open(l->store_relid, NoLock);
	TupleDesc	desc = RelationGetDescr(rel);
	bool		ok;

	ok = (desc->constr == NULL || desc->constr->num_check == 0) &&
		RelationGetFKeyList(rel) == NIL;
	for (int i = 0; ok && i < desc->natts; i++)
		ok = TupleDescAttr(desc, i)->attgenerated == '\0' &&
			TupleDescAttr(desc, i)->attidentity == '\0';
	table_close(rel, NoLock);
	return ok;
}

/*
 * The months of the stored rows get a partition, or a standalone table.  A
 * month whose partition exists costs no lock; a missing one takes the lock
 * that creating partitions takes (SHARE UPDATE EXCLUSIVE on the store, kept
 * to the end of the transaction), then is looked for again.
 *
 * A month whose rows must go through the parent (BypassAllowed is false) is
 * made as a table of its own and attached at once, empty, which takes no
 * lock on the store stronger than that one: CREATE TABLE ... PARTITION OF
 * takes ACCESS EXCLUSIVE, which waits for every other load's transaction
 * (they hold ROW EXCLUSIVE from their start), some of which may be waiting
 * for this load: a deadlock.  Only a store that cannot take an attached
 * table (AttachAllowed) gets the partition through the parent.
 */
static void
PrepareMonths(XapiLoad *l)
{
	Oid			types[2] = {TIMESTAMPTZOID, BOOLOID};

	for (int i = 0; i < l->nrows; i++)
	{
		XapiLoadRowState *r = &l->rows[i];
		ListCell   *lc;
		bool		known;
		Datum		args[2];
		bool		isnull;
		Datum		name;
		char		partname[NAMEDATALEN];
		Oid			part;
		bool		fresh;
		MemoryContext old;

		if (r->status != ROW_STORED)
			continue;
		known = list_member_int(l->ready_months, r->month);
		foreach(lc, l->fresh)
			known = known || ((FreshMonth *) lfirst(lc))->month == r->month;
		if (known)
			continue;
		snprintf(partname, sizeof(partname), "xapi_statements_p%04d%02d", r->month / 12, r->month % 12 + 1);
		part = get_relname_relid(partname, l->nspoid);
		if (!OidIsValid(part))
		{
			LockRelationOid(l->store_relid, ShareUpdateExclusiveLock);
			part = get_relname_relid(partname, l->nspoid);
		}
		if (OidIsValid(part))
		{
			if (!get_rel_relispartition(part) || get_partition_parent(part, true) != l->store_relid)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_TABLE),
						 errmsg("table \"%s\" exists but is not a partition of xapi_statements", partname),
						 errhint("If it holds this month's statements, attach it as the month's partition; otherwise drop or rename it.")));
			old = MemoryContextSwitchTo(l->cxt);
			l->ready_months = lappend_int(l->ready_months, r->month);
			MemoryContextSwitchTo(old);
			continue;
		}
		fresh = l->fresh_allowed && BypassAllowed(l);
		args[0] = TimestampTzGetDatum(XapiMonthStart(r->month));
		args[1] = BoolGetDatum(fresh || AttachAllowed(l));
		XapiLoadExec(psprintf("SELECT %s.xapi_prepare_month($1, $2)", l->internal_nsp), 2, types, args, SPI_OK_SELECT);
		name = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (!isnull && !fresh && VARSIZE_ANY_EXHDR(DatumGetPointer(name)) > 0)
		{
			/*
			 * a table of its own, attached now: its rows go through the
			 * parent
			 */
			Oid			type = TEXTOID;
			Datum		arg = PointerGetDatum(DatumGetTextPCopy(name));

			XapiLoadExec(psprintf("SELECT %s.xapi_attach_month($1)", l->internal_nsp), 1, &type, &arg, SPI_OK_SELECT);
			old = MemoryContextSwitchTo(l->cxt);
			l->ready_months = lappend_int(l->ready_months, r->month);
			l->created_partitions++;
			MemoryContextSwitchTo(old);
			continue;
		}
		old = MemoryContextSwitchTo(l->cxt);
		if (isnull || VARSIZE_ANY_EXHDR(DatumGetPointer(name)) == 0)
		{
			l->ready_months = lappend_int(l->ready_months, r->month);
			if (!isnull)
				l->created_partitions++;	/* '': created as a partition */
		}
		else
		{
			FreshMonth *f = palloc(sizeof(FreshMonth));

			f->month = r->month;
			f->table = TextDatumGetCString(name);
			f->relid = DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum(f->table)));
			f->bistate = GetBulkInsertState();
			l->fresh = lappend(l->fresh, f);
		}
		MemoryContextSwitchTo(old);
	}
}

/*
 * The stored rows of a new month, straight into its standalone table: it
 * has no index, trigger or constraint but NOT NULL yet (those come with the
 * partition), so its pages are filled as COPY fills them.
 */
static void
InsertFresh(XapiLoad *l, FreshMonth *f)
{
	Relation	rel = NULL;
	TupleDesc	desc = l->deriver.desc;
	int			n = 0;

	for (int i = 0; i < l->nrows; i++)
	{
		XapiLoadRowState *r = &l->rows[i];
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
				/*
				 * on the load's own descriptor copy: not reference-counted,
				 * no pins
				 */
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
InsertRows(XapiLoad *l)
{
	Tuplestorestate *ts = NULL;
	int			n = 0;

	for (int i = 0; i < l->nrows; i++)
	{
		XapiLoadRowState *r = &l->rows[i];

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
	XapiLoadExec(psprintf("INSERT INTO %s.xapi_statements SELECT * FROM %s.xapi_load_rows()",
						  l->nsp, l->internal_nsp), 0, NULL, NULL, SPI_OK_INSERT);
	if (l->handoff != NULL)
		elog(ERROR, "xAPI load: the rows were not taken");
}

/* Statements voided by a statement stored before this load began. */
static void
MarkPriorVoids(XapiLoad *l)
{
	Datum	   *ids = palloc(sizeof(Datum) * l->nrows);
	int			m = 0;
	Oid			type = UUIDARRAYOID;
	Datum		arg;
	XapiLoadRowState **sorted = palloc(sizeof(XapiLoadRowState *) * l->nrows);

	/*
	 * a voiding statement is never voided (the load rejects the one that
	 * tries)
	 */
	for (int i = 0; i < l->nrows; i++)
		if (l->rows[i].status == ROW_STORED && !l->rows[i].d.voiding)
		{
			sorted[m] = &l->rows[i];
			ids[m++] = UUIDPGetDatum(&l->rows[i].d.id);
		}
	if (m == 0)
		return;
	qsort(sorted, m, sizeof(XapiLoadRowState *), XapiRowIdCmp);
	arg = XapiMakeArray(ids, m, UUIDOID);
	XapiLoadExec(psprintf("SELECT target FROM %s.xapi_voids WHERE target OPERATOR(pg_catalog.=) ANY($1)", l->nsp),
				 1, &type, &arg, SPI_OK_SELECT);
	for (uint64 j = 0; j < SPI_processed; j++)
	{
		bool		isnull;
		XapiLoadRowState *r = XapiFindRow(sorted, m,
										  DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[j],
																	  SPI_tuptable->tupdesc, 1, &isnull)));

		if (r != NULL)
			r->voided = true;
	}
}

/* Voiding: remember the targets (marked when the load ends). */
static void
RecordVoids(XapiLoad *l)
{
	Datum	   *targets = palloc(sizeof(Datum) * l->nrows);
	Datum	   *ids = palloc(sizeof(Datum) * l->nrows);
	int			m = 0;
	Oid			types[2] = {UUIDARRAYOID, UUIDARRAYOID};
	Datum		args[2];

	for (int i = 0; i < l->nrows; i++)
	{
		XapiLoadRowState *r = &l->rows[i];
		MemoryContext old;
		XapiVoider *v;

		if (r->status != ROW_STORED || !r->d.voiding)
			continue;
		targets[m] = UUIDPGetDatum(&r->d.target);
		ids[m++] = UUIDPGetDatum(&r->d.id);
		old = MemoryContextSwitchTo(l->cxt);
		v = palloc(sizeof(XapiVoider));
		v->id = r->d.id;
		v->target = r->d.target;
		v->pos = r->pos;
		l->voiders = lappend(l->voiders, v);
		MemoryContextSwitchTo(old);
	}
	if (m == 0)
		return;
	args[0] = XapiMakeArray(targets, m, UUIDOID);
	args[1] = XapiMakeArray(ids, m, UUIDOID);

	/*
	 * of several voiding statements for one target, the first in the load is
	 * recorded
	 */
	XapiLoadExec(psprintf("INSERT INTO %s.xapi_voids (target, voiding_id)"
						  " SELECT t, v FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))"
						  " WITH ORDINALITY AS x(t, v, o) ORDER BY t, o ON CONFLICT (target) DO NOTHING",
						  l->nsp), 2, types, args, SPI_OK_INSERT);
}

/* The rejected statements, with their violations. */
static void
StoreRejects(XapiLoad *l)
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
		XapiLoadRowState *r = &l->rows[i];

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
	args[1] = XapiMakeArray(pos, m, INT4OID);
	args[2] = PointerGetDatum(construct_md_array(docs, docnulls, 1, dims, lbs, JSONBOID, -1, false,
												 TYPALIGN_INT));
	args[3] = XapiMakeArray(violations, m, JSONBOID);
	XapiLoadExec(psprintf("INSERT INTO %s.xapi_rejects (batch_id, \"position\", statement, violations)"
						  " SELECT $1, * FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) ORDER BY 1",
						  l->nsp), 4, types, args, SPI_OK_INSERT);
}

/*
 * XapiLoadFlush
 *		Decide on and write every buffered statement (more: the load has
 *		more statements to come, in later flushes).
 */
void
XapiLoadFlush(bool more)
{
	XapiLoad   *l = xapi_load;
	MemoryContext old;
	XapiLoadRowState **sorted;
	int			n = 0;
	ListCell   *lc;
	instr_time	t0,
				t1;

	if (l->nrows == 0)
		return;
	/* before the load holds anything others wait for (claim.c) */
	XapiLoadOrderLock(l, more);
	old = MemoryContextSwitchTo(l->flushcxt);
	SPI_connect();
	MemoryContextSwitchTo(l->flushcxt);

	INSTR_TIME_SET_CURRENT(t0);
	CheckVoidingTargets(l);
	sorted = palloc(sizeof(XapiLoadRowState *) * l->nrows);
	for (int i = 0; i < l->nrows; i++)
		if (l->rows[i].status == ROW_STORED)
			sorted[n++] = &l->rows[i];
	qsort(sorted, n, sizeof(XapiLoadRowState *), XapiRowIdCmp);
	FindDuplicates(sorted, n);
	XapiClaimIds(l, sorted, n);
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
		XapiLoadAccount(&l->rows[i]);

	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextReset(l->flushcxt);
	l->nrows = 0;
	INSTR_TIME_SET_CURRENT(t0);
	INSTR_TIME_ACCUM_DIFF(l->t_store, t0, t1);
}
