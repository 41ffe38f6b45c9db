/*
 * claim.c
 *		Claiming the ids of a flush in xapi_statement_ids, and deciding on
 *		the statements whose ids were there already: no-op (same content),
 *		conflict (other content), or duplicate (stored by this load).
 *
 * Ids go in sorted, so that concurrent loads lock them in one order.  The
 * common case, every id new, inserts them directly into the table and its
 * indexes (what a plain INSERT does) in a subtransaction; when one is taken,
 * the subtransaction is rolled back and the flush, and every later flush of
 * the load, claims with INSERT ... ON CONFLICT DO NOTHING.
 *
 * Sorting orders the claims of one flush, not those of a load's successive
 * flushes: an id claimed is held until the transaction ends, so load A's
 * first flush can hold what B's second wants while B's first holds what A's
 * second wants.  Hence the loads' lock (XapiLoadOrderLock): a load that
 * claims in one pass (its only flush, the first load of its transaction)
 * takes it shared, and such loads run side by side; a load that claims in
 * several passes takes it exclusive and runs alone.  doc/xapi.md
 * ("Concurrent loads") gives the argument that no cycle of waits remains.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "catalog/partition.h"
#include "catalog/pg_publication.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
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
 * The loads' lock: an advisory lock of the database, keys (the extension's
 * schema oid, XAPI_LOAD_LOCK_KEY), as pg_advisory_xact_lock(int4, int4)
 * names it; pg_locks shows it as an advisory lock.
 */
#define XAPI_LOAD_LOCK_KEY 0x78415049	/* "xAPI" */

/* this transaction has run a load that claimed ids (reset when it ends) */
static bool xact_claimed = false;

static void
LoadLockTag(XapiLoad *l, LOCKTAG *tag)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, (uint32) l->nspoid, XAPI_LOAD_LOCK_KEY, 2);
}

/*
 * XapiLoadOrderLock
 *		Before a load's first claim: take the loads' lock, exclusive when the
 *		load will claim in more than one pass (alone: a flush with more
 *		statements to come), or when its transaction has claimed ids in an
 *		earlier load; shared otherwise.  Held until the load ends.
 *
 * Taken outside any subtransaction of the load (a rolled-back claim must
 * not release it), before the load holds anything another load waits for:
 * no claimed id, no voiding record, no row lock, not the lock that creating
 * partitions takes.
 */
void
XapiLoadOrderLock(XapiLoad *l, bool alone)
{
	LOCKTAG		tag;
	LOCKMODE	mode = (alone || xact_claimed) ? ExclusiveLock : ShareLock;

	if (l->order_mode != NoLock)
		return;
	LoadLockTag(l, &tag);
	(void) LockAcquire(&tag, mode, false, false);
	l->order_mode = mode;
	l->order_owner = CurrentResourceOwner;
	xact_claimed = true;
}

/*
 * XapiLoadOrderUnlock
 *		When the load ends: others may start claiming.  What the load claimed
 *		stays claimed until its transaction ends; a load that waits for it
 *		then waits for a transaction that claims nothing more (one load per
 *		transaction).  If the resource owner is no longer the one that took
 *		the lock, it is left to the end of the transaction.
 */
void
XapiLoadOrderUnlock(XapiLoad *l)
{
	LOCKTAG		tag;

	if (l->order_mode == NoLock || CurrentResourceOwner != l->order_owner)
		return;
	LoadLockTag(l, &tag);
	LockRelease(&tag, l->order_mode, false);
	l->order_mode = NoLock;
}

/* The transaction ended (commit or abort): the next load is its transaction's first. */
void
XapiLoadOrderXactEnd(void)
{
	xact_claimed = false;
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

			/*
			 * plain column keys only (checked above): attribute numbers are
			 * >= 1
			 */
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
	CLAIM_NEEDS_SQL				/* the direct path cannot serve the table's
								 * indexes */
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

		/*
		 * whatever the error, the subtransaction ends here, then the error
		 * goes on
		 */
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
void
XapiClaimIds(XapiLoad *l, XapiLoadRowState **sorted, int n)
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

	/*
	 * what is left: ids that were there before the claim, and the later
	 * duplicates
	 */
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
			/*
			 * this load stores the id: from an earlier flush, or earlier in
			 * this one
			 */
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
