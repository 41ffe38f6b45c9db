/*
 * flush.c
 *		Deciding on and writing the statements a load has buffered, in the
 *		order the rules are checked:
 *		 1. a voiding statement may not target a voiding statement (stored, or
 *			earlier in the load);
 *		 2. an id may occur once per load;
 *		 3. ids are claimed in xapi_statement_ids in id order (so that
 *			concurrent loads lock them in one order), and an id already stored
 *			is a no-op with the same content hash, a conflict with another;
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

/* 1. A voiding statement may not target a voiding statement. */
static void
CheckVoidingTargets(XapiLoad *l)
{
	Datum	   *targets = palloc(sizeof(Datum) * l->nrows);
	int			n = 0;
	Oid			type = UUIDARRAYOID;
	Datum		arg;
	XapiLoadRowState **voiding;
	int			nvoiding = 0;

	voiding = palloc(sizeof(XapiLoadRowState *) * l->nrows);
	for (int i = 0; i < l->nrows; i++)
		if (l->rows[i].status == ROW_STORED && l->rows[i].d.voiding)
		{
			targets[n++] = UUIDPGetDatum(&l->rows[i].d.target);
			voiding[nvoiding++] = &l->rows[i];
		}
	if (n == 0)
		return;
	/* voiding statements of this flush, by id */
	qsort(voiding, nvoiding, sizeof(XapiLoadRowState *), XapiRowIdCmp);
	arg = XapiMakeArray(targets, n, UUIDOID);
	XapiLoadExec(psprintf("SELECT id FROM %s.xapi_statement_ids WHERE id OPERATOR(pg_catalog.=) ANY($1) AND voiding", l->nsp),
		 1, &type, &arg, SPI_OK_SELECT);
	for (int i = 0; i < l->nrows; i++)
	{
		XapiLoadRowState *r = &l->rows[i];
		bool		bad;

		if (r->status != ROW_STORED || !r->d.voiding)
			continue;
		bad = XapiFindRow(voiding, nvoiding, &r->d.target) != NULL;
		for (uint64 j = 0; !bad && j < SPI_processed; j++)
		{
			bool		isnull;
			Datum		id = SPI_getbinval(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 1, &isnull);

			bad = XapiUuidCmp(DatumGetUUIDP(id), &r->d.target) == 0;
		}
		if (!bad)
			continue;
		if (!l->rejects)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid xAPI statement"),
					 errdetail("Statement " INT64_FORMAT " of the batch, at $.object.id: statement %s is a voiding statement and cannot be voided (rule voiding).",
							   r->pos, XapiUuidText(&r->d.target))));
		XapiReject(r, "$.object.id", "voiding",
			   psprintf("statement %s is a voiding statement and cannot be voided",
						XapiUuidText(&r->d.target)));
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

/* An id found in xapi_statement_ids, with what decides on it. */
typedef struct StoredId
{
	pg_uuid_t	id;				/* first: bsearch compares a pg_uuid_t key */
	uint8	   *hash;			/* its content hash */
	pg_uuid_t	load_id;		/* the load that stored it */
} StoredId;

static int
StoredIdCmp(const void *a, const void *b)
{
	return XapiUuidCmp((const pg_uuid_t *) a, (const pg_uuid_t *) b);
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
static bool
ClaimDirect(XapiLoad *l, XapiLoadRowState **rows, int m)
{
	Relation	rel = table_open(l->ids_relid, RowExclusiveLock);
	List	   *indexes = RelationGetIndexList(rel);
	BulkInsertState bis;
	ListCell   *lc;
	int			k = 0;
	int			nindexes = 0;
	Relation   *index_rels = palloc(sizeof(Relation) * Max(list_length(indexes), 1));
	IndexInfo **index_infos = palloc(sizeof(IndexInfo *) * Max(list_length(indexes), 1));

	/*
	 * The indexes as they are now (CREATE INDEX CONCURRENTLY does not wait
	 * for the load): one not ready for inserts yet is skipped, as the
	 * executor skips it; one with expressions, a predicate or a deferred
	 * check needs the executor, so the flush goes through INSERT.
	 */
	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), RowExclusiveLock);
		IndexInfo  *info = BuildIndexInfo(index);

		if (!info->ii_ReadyForInserts)
		{
			index_close(index, RowExclusiveLock);
			continue;
		}
		if (info->ii_Expressions != NIL || info->ii_Predicate != NIL ||
			!index->rd_index->indimmediate)
		{
			index_close(index, RowExclusiveLock);
			for (int i = 0; i < nindexes; i++)
				index_close(index_rels[i], RowExclusiveLock);
			list_free(indexes);
			table_close(rel, RowExclusiveLock);
			return false;
		}
		index_rels[nindexes] = index;
		index_infos[nindexes++] = info;
	}
	list_free(indexes);
	bis = GetBulkInsertState();

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
		XapiLoadRowState *r = rows[i];
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
		slot->tts_values[l->ids_attno[4]] = UUIDPGetDatum(&l->load_id);
		memset(slot->tts_isnull, 0, sizeof(bool) * 5);
		ExecStoreVirtualTuple(slot);
		k++;
	}
	table_multi_insert(rel, l->ids_slots, k, GetCurrentCommandId(true), 0, bis);
	FreeBulkInsertState(bis);
	for (int x = 0; x < nindexes; x++)
	{
		Relation	index = index_rels[x];
		IndexInfo  *info = index_infos[x];
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];

		for (int i = 0; i < k; i++)
		{
			TupleTableSlot *slot = l->ids_slots[i];

			/* plain column keys only (checked above): attribute numbers are >= 1 */
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
	return true;
}

typedef enum ClaimResult
{
	CLAIM_ALL,					/* every id claimed */
	CLAIM_TAKEN,				/* some id is taken: nothing claimed */
	CLAIM_NEEDS_SQL				/* the direct path cannot serve the table's indexes */
} ClaimResult;

static ClaimResult
TryClaimAll(XapiLoad *l, Oid *types, Datum *args, XapiLoadRowState **rows, int m)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile ClaimResult result = CLAIM_ALL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		if (types == NULL)
		{
			if (!ClaimDirect(l, rows, m))
				result = CLAIM_NEEDS_SQL;
		}
		else
			XapiLoadExec(psprintf("INSERT INTO %s.xapi_statement_ids (id, content_hash, \"timestamp\", voiding, load_id)"
								  " SELECT *, $5 FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))",
								  l->nsp), 5, types, args, SPI_OK_INSERT);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/* whatever the error, the subtransaction ends here, then the error goes on */
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION)
			ReThrowError(edata);
		FreeErrorData(edata);
		result = CLAIM_TAKEN;
	}
	PG_END_TRY();
	return result;
}

/*
 * 3. Claim the ids of the rows still to be stored; decide on the others:
 * already stored by an earlier load (exists, or a conflict), or earlier in
 * this load (a duplicate).  Later duplicates within the flush (first set)
 * take part only in the deciding.
 */
static void
ClaimIds(XapiLoad *l, XapiLoadRowState **sorted, int n)
{
	Datum	   *ids = palloc(sizeof(Datum) * n);
	Datum	   *hashes = palloc(sizeof(Datum) * n);
	Datum	   *stamps = palloc(sizeof(Datum) * n);
	Datum	   *voiding = palloc(sizeof(Datum) * n);
	Oid			types[5] = {UUIDARRAYOID, BYTEAARRAYOID, TIMESTAMPTZARRAYOID, BOOLARRAYOID, UUIDOID};
	Datum		args[5];
	int			m = 0;
	XapiLoadRowState **claimable = palloc(sizeof(XapiLoadRowState *) * n);
	XapiLoadRowState **undecided = palloc(sizeof(XapiLoadRowState *) * n);
	int			nundecided = 0;
	StoredId   *stored;
	ClaimResult result = CLAIM_TAKEN;

	for (int i = 0; i < n; i++)
		if (sorted[i]->status == ROW_STORED && sorted[i]->first == NULL)
			claimable[m++] = sorted[i];
	if (m == 0)
		return;
	/* the common case: every id is new (direct insertion needs no arrays) */
	if (!l->ids_taken && l->ids_direct)
		result = TryClaimAll(l, NULL, NULL, claimable, m);
	if (result != CLAIM_ALL)
	{
		for (int i = 0; i < m; i++)
		{
			bytea	   *h = palloc(VARHDRSZ + 32);

			SET_VARSIZE(h, VARHDRSZ + 32);
			memcpy(VARDATA(h), claimable[i]->d.hash, 32);
			ids[i] = UUIDPGetDatum(&claimable[i]->d.id);
			hashes[i] = PointerGetDatum(h);
			stamps[i] = TimestampTzGetDatum(claimable[i]->d.ts);
			voiding[i] = BoolGetDatum(claimable[i]->d.voiding);
		}
		args[0] = XapiMakeArray(ids, m, UUIDOID);
		args[1] = XapiMakeArray(hashes, m, BYTEAOID);
		args[2] = XapiMakeArray(stamps, m, TIMESTAMPTZOID);
		args[3] = XapiMakeArray(voiding, m, BOOLOID);
		args[4] = UUIDPGetDatum(&l->load_id);
		if (!l->ids_taken && (result == CLAIM_NEEDS_SQL || !l->ids_direct))
			result = TryClaimAll(l, types, args, claimable, m);
	}
	if (result == CLAIM_ALL)
	{
		for (int i = 0; i < m; i++)
			claimable[i]->claimed = true;
	}
	else
	{
		/*
		 * Some ids are taken: claim the others.  Later flushes of this load
		 * are likely to find taken ids too (a re-sent file), so they go
		 * straight here, without a subtransaction each.
		 */
		l->ids_taken = true;
		XapiLoadExec(psprintf("INSERT INTO %s.xapi_statement_ids (id, content_hash, \"timestamp\", voiding, load_id)"
							  " SELECT *, $5 FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))"
							  " ON CONFLICT DO NOTHING RETURNING id", l->nsp),
					 5, types, args, SPI_OK_INSERT_RETURNING);
		for (uint64 j = 0; j < SPI_processed; j++)
		{
			bool		isnull;
			Datum		id = SPI_getbinval(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 1, &isnull);
			XapiLoadRowState *r = XapiFindRow(claimable, m, DatumGetUUIDP(id));

			if (r != NULL)
				r->claimed = true;
		}
	}

	/* what is left: ids that were there before the claim, and the later duplicates */
	m = 0;
	for (int i = 0; i < n; i++)
		if (sorted[i]->status == ROW_STORED && !sorted[i]->claimed)
		{
			undecided[nundecided++] = sorted[i];
			ids[m++] = UUIDPGetDatum(&sorted[i]->d.id);
		}
	if (nundecided == 0)
		return;
	args[0] = XapiMakeArray(ids, m, UUIDOID);
	XapiLoadExec(psprintf("SELECT id, content_hash, load_id FROM %s.xapi_statement_ids WHERE id OPERATOR(pg_catalog.=) ANY($1)",
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
		stored[j].load_id = *DatumGetUUIDP(SPI_getbinval(t, td, 3, &isnull));
	}
	qsort(stored, SPI_processed, sizeof(StoredId), StoredIdCmp);
	for (int i = 0; i < nundecided; i++)
	{
		XapiLoadRowState *r = undecided[i];
		StoredId   *s = bsearch(&r->d.id, stored, SPI_processed, sizeof(StoredId), StoredIdCmp);

		if (s == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to a concurrent xAPI load"),
					 errdetail("Statement id %s was stored by a transaction this one cannot see.",
							   XapiUuidText(&r->d.id))));
		if (XapiUuidCmp(&s->load_id, &l->load_id) == 0)
		{
			/* this load stores the id: from an earlier flush, or earlier in this one */
			if (!l->rejects && r->first != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("duplicate statement id in batch"),
						 errdetail("Statements " INT64_FORMAT ", " INT64_FORMAT " of the batch, at $.id: id %s occurs more than once.",
								   r->first->pos, r->pos, XapiUuidText(&r->d.id))));
			if (!l->rejects)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("duplicate statement id in batch"),
						 errdetail("Statement " INT64_FORMAT " of the batch, at $.id: id %s occurs more than once.",
								   r->pos, XapiUuidText(&r->d.id))));
			if (r->first != NULL && r->first->status != ROW_REJECTED)
				XapiReject(r, "$.id", "duplicate_id",
						   psprintf("id %s already occurs at position " INT64_FORMAT " of the batch",
									XapiUuidText(&r->d.id), r->first->pos));
			else
				XapiReject(r, "$.id", "duplicate_id",
						   psprintf("id %s already occurs earlier in the batch", XapiUuidText(&r->d.id)));
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
								   r->pos, XapiUuidText(&r->d.id)),
						 errhint("A statement is immutable: send it with a new id, or void the stored one.")));
			XapiReject(r, "$.id", "conflict",
					   psprintf("id %s is already stored with different content", XapiUuidText(&r->d.id)));
		}
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
 * The months of the stored rows get a partition, or a standalone table.  A
 * month whose partition exists costs no lock; a missing one takes the lock
 * that creating partitions takes (SHARE UPDATE EXCLUSIVE on the store, kept
 * to the end of the transaction), then is looked for again.
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
		args[0] = TimestampTzGetDatum(XapiMonthStart(r->month));
		args[1] = BoolGetDatum(l->fresh_allowed && BypassAllowed(l));
		XapiLoadExec(psprintf("SELECT %s.xapi_prepare_month($1, $2)", l->nsp), 2, types, args, SPI_OK_SELECT);
		name = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
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
	XapiLoadExec(psprintf("INSERT INTO %s.xapi_statements SELECT * FROM %s.la_xapi_load_rows()",
				  l->nsp, l->nsp), 0, NULL, NULL, SPI_OK_INSERT);
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

	/* a voiding statement is never voided (the load rejects the one that tries) */
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
	/* of several voiding statements for one target, the first in the load is recorded */
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
 *		Decide on and write every buffered statement.
 */
void
XapiLoadFlush(void)
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
		XapiLoadAccount(&l->rows[i]);

	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextReset(l->flushcxt);
	l->nrows = 0;
	INSTR_TIME_SET_CURRENT(t0);
	INSTR_TIME_ACCUM_DIFF(l->t_store, t0, t1);
}
