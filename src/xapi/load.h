/*
 * load.h
 *		The state of an xAPI load, shared by load.c (begin, one statement,
 *		end), flush.c (deciding on and writing the buffered statements) and
 *		ingest.c (the SQL-callable ways in).
 */
#ifndef LA_XAPI_LOAD_H
#define LA_XAPI_LOAD_H

#include "postgres.h"

#include "access/heapam.h"
#include "executor/tuptable.h"
#include "portability/instr_time.h"
#include "storage/lockdefs.h"
#include "utils/resowner.h"
#include "utils/tuplestore.h"

#include "xapi/xapi.h"

#define FLUSH_ROWS 4096

typedef enum XapiRowStatus
{
	ROW_STORED,
	ROW_EXISTS,
	ROW_REJECTED
} XapiRowStatus;

typedef struct XapiLoadRowState
{
	int64		pos;			/* 1-based position in the load */
	XapiRowStatus status;
	bool		claimed;		/* its id is claimed by this load */
	bool		voided;			/* voided by a statement stored earlier */
	XapiDerived d;
	struct XapiLoadRowState *first; /* a later duplicate: the first with its
									 * id in the flush */
	int			month;			/* of its timestamp, UTC: year * 12 + month -
								 * 1 */
	Datum	   *values;			/* the store row */
	bool	   *nulls;
	Jsonb	   *doc;			/* as sent (rejects); NULL for a null
								 * statement */
	Jsonb	   *violations;		/* why it was rejected */
} XapiLoadRowState;

typedef struct FreshMonth
{
	int			month;
	char	   *table;			/* qualified name of the standalone table */
	Oid			relid;
	BulkInsertState bistate;	/* pages being filled */
} FreshMonth;

typedef struct XapiVoider
{
	pg_uuid_t	id;				/* a voiding statement this load stored ... */
	pg_uuid_t	target;			/* ... what it voids ... */
	int64		pos;			/* ... and where it was in the load */
} XapiVoider;

typedef struct ReportRow
{
	int64		pos;
	pg_uuid_t	id;
	bool		has_id;
	XapiRowStatus status;
} ReportRow;

typedef struct XapiLoad
{
	MemoryContext cxt;			/* the load */
	MemoryContext flushcxt;		/* the buffered rows */
	MemoryContext rowcxt;		/* one statement's validation */
	int			nest_level;
	CommandId	first_cid;		/* ids claimed by this load have cmin >= this */
	char	   *nsp;			/* the extension's schema, quoted */
	char	   *internal_nsp;	/* learnalytics_internal, quoted: the helpers */
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
	XapiLoadRowState *rows;
	int			nrows;
	bool		prior_voids;	/* xapi_voids had rows when the load began */
	bool		fresh_allowed;
	List	   *ready_months;	/* ints: months with an attached partition */
	List	   *fresh;			/* FreshMonth *: months loaded into new tables */
	int			created_partitions; /* months given a partition through the
									 * parent */
	List	   *voiders;		/* XapiVoider *: the voiding statements this
								 * load stored */
	bool		report;			/* keep every statement's outcome */
	List	   *report_rows;	/* ReportRow * */
	Tuplestorestate *handoff;	/* what la_xapi_load_rows() returns */
	TupleTableSlot **slots;		/* FLUSH_ROWS slots for the new months' rows */
	Oid			ids_relid;		/* xapi_statement_ids */
	Oid			store_relid;	/* xapi_statements */
	Oid			nspoid;			/* the extension's schema */
	List	   *voiding_seen;	/* pg_uuid_t *: ids of every voiding statement
								 * of the load */
	bool		ids_direct;		/* claim ids with direct heap and index
								 * insertion */
	TupleDesc	ids_desc;
	int			ids_attno[5];	/* id, content_hash, timestamp, voiding,
								 * load_id */
	bool		ids_taken;		/* a flush found ids already stored: claim
								 * with ON CONFLICT */
	TupleTableSlot **ids_slots;
	LOCKMODE	order_mode;		/* the loads' lock (claim.c): NoLock,
								 * ShareLock or ExclusiveLock */
	ResourceOwner order_owner;	/* ... taken under this resource owner */
	instr_time	t_read,			/* where the time goes (DEBUG1 at the end) */
				t_claim,
				t_store,
				t_end;
} XapiLoad;

/* the running load of this session, or NULL */
extern XapiLoad *xapi_load;

/* load.c */
extern void XapiLoadBegin(Oid nspoid, const char *mode, const char *version, const char *source,
						  bool report);
extern void XapiLoadBeginFromSettings(Oid nspoid);
extern void XapiLoadRow(Datum statement, bool isnull);
extern void XapiLoadEnd(bool notice);
extern void XapiLoadForget(void);
extern void XapiLoadAccount(XapiLoadRowState *r);
extern void XapiLoadExec(const char *sql, int nargs, Oid *types, Datum *args, int expect);
extern bool XapiLoadQueryBool(const char *sql);
extern int	XapiUuidCmp(const pg_uuid_t *a, const pg_uuid_t *b);
extern int	XapiRowIdCmp(const void *a, const void *b);
extern XapiLoadRowState *XapiFindRow(XapiLoadRowState **sorted, int n, const pg_uuid_t *id);
extern char *XapiUuidText(const pg_uuid_t *u);
extern void XapiReject(XapiLoadRowState *r, const char *path, const char *rule, const char *message);
extern TimestampTz XapiMonthStart(int month);
extern Datum XapiMakeArray(Datum *elems, int n, Oid type);

/* claim.c */
extern void XapiClaimIds(XapiLoad *l, XapiLoadRowState **sorted, int n);
extern void XapiLoadOrderLock(XapiLoad *l, bool alone);
extern void XapiLoadOrderUnlock(XapiLoad *l);
extern void XapiLoadOrderXactEnd(void);

/* flush.c */
extern void XapiLoadFlush(bool more);
extern pg_uuid_t *XapiStoredVoiding(XapiLoad *l, Datum *targets, int n, uint64 *nfound);
extern char *XapiVoidingRule(XapiLoad *l, int64 pos, const pg_uuid_t *target);

#endif							/* LA_XAPI_LOAD_H */
