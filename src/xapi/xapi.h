/*
 * xapi.h
 *		Declarations shared by the xAPI statement files in src/xapi/.
 *
 * formats.c	lexical checks and conversions (IRI, UUID, timestamps, durations,
 *				RFC 5646 language tags, hex digests)
 * walk.c		paths, violations, property lookup, common value checks
 * validate.c	the statement walker: structure, types and MUST rules
 * agents.c		Agents, Groups and their inverse functional identifiers
 * funcs.c		SQL-callable functions (violations, validate, conversions)
 * identity.c	actor keys, HMAC pseudonyms and erasure
 * derive.c		the store's columns of a valid statement
 * load.c		a load: state, begin, one statement, end (load.h)
 * flush.c		deciding on and writing a load's buffered statements
 * claim.c		claiming a flush's ids and deciding on the ones already there
 * ingest.c		the SQL-callable ways in: COPY into the stream view, xapi_ingest()
 */
#ifndef LA_XAPI_H
#define LA_XAPI_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "access/tupdesc.h"
#include "utils/array.h"
#include "utils/uuid.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

/* The two rule sets the validator knows. */
typedef enum XapiVersion
{
	XAPI_V103 = 103,			/* xAPI 1.0.3 (accepts version "1.0" and
								 * "1.0.x") */
	XAPI_V200 = 200				/* xAPI 2.0.0 (also accepts "1.0.x"
								 * statements) */
} XapiVersion;

#define XAPI_VERB_VOIDED "http://adlnet.gov/expapi/verbs/voided"

/* Limits that protect the server from hostile documents. */
#define XAPI_MAX_DEPTH		32	/* nesting levels, extensions included */
#define XAPI_MAX_BYTES		(1024 * 1024)	/* jsonb size of one statement */

/*
 * Limits of the store (xapi_statements), which the validator enforces so
 * that every statement it accepts can be derived and stored.  The statement's
 * object id goes into object_id, which each partition indexes with a btree
 * (an index entry holds at most about 2700 bytes).
 */
#define XAPI_MAX_OBJECT_ID_BYTES 2048

/* Whether a value can be read and stored: XapiStoreTimestamp and friends. */
typedef enum XapiValueStatus
{
	XAPI_VALUE_OK = 0,
	XAPI_VALUE_MALFORMED,		/* not the format the specification gives */
	XAPI_VALUE_OUT_OF_RANGE		/* well formed, but the store cannot hold it */
} XapiValueStatus;

/* One violation: where (JSON path), which rule, and a sentence. */
typedef struct XapiViolation
{
	char	   *path;
	const char *rule;
	char	   *message;
} XapiViolation;

/* Walker state. */
typedef struct XapiCtx
{
	XapiVersion version;
	StringInfoData path;		/* JSON path of the value being checked */
	List	   *violations;		/* of XapiViolation * */
	bool		first_only;		/* stop collecting after the first one */
	bool		in_substatement;
} XapiCtx;

/* A check applied to each element of an array (XapiEachElement). */
typedef void (*XapiElementCheck) (XapiCtx *cx, JsonbValue *el);

/* validate.c */
extern void XapiValidate(XapiCtx *cx, Jsonb *jb);

/* walk.c */
extern void XapiViolate(XapiCtx *cx, const char *rule, const char *fmt,...) pg_attribute_printf(3, 4);
extern void XapiViolateAt(XapiCtx *cx, const char *key, const char *rule, const char *fmt,...) pg_attribute_printf(4, 5);
extern int	XapiPathPush(XapiCtx *cx, const char *key);
extern int	XapiPathPushIndex(XapiCtx *cx, int i);
extern void XapiPathPop(XapiCtx *cx, int saved);
extern void XapiCheckKeys(XapiCtx *cx, JsonbValue *obj, const char *const *allowed);
extern bool XapiIsObject(JsonbValue *v);

/* Property key of an object value (inline: the length of a literal key is folded). */
static inline bool
XapiGet(JsonbValue *obj, const char *key, JsonbValue *out)
{
	if (obj->type != jbvBinary || !JsonContainerIsObject(obj->val.binary.data))
		return false;
	return getKeyJsonValueFromContainer(obj->val.binary.data, key, strlen(key), out) != NULL;
}
extern bool XapiIsArray(JsonbValue *v);
extern char *XapiString(JsonbValue *v);
extern bool XapiExpectString(XapiCtx *cx, JsonbValue *obj, const char *key, bool required, JsonbValue *out);
extern int	XapiEachElement(XapiCtx *cx, JsonbValue *arr, XapiElementCheck check);
extern int	XapiArrayProp(XapiCtx *cx, JsonbValue *obj, const char *key, const char *what,
						  XapiElementCheck check);
extern void XapiCheckIriProp(XapiCtx *cx, JsonbValue *obj, const char *key, bool required);
extern void XapiCheckLanguageMap(XapiCtx *cx, JsonbValue *obj, const char *key);
extern void XapiCheckExtensions(XapiCtx *cx, JsonbValue *obj, const char *key);
extern const char *XapiTypeName(JsonbValue *v);
extern bool XapiExpectObject(XapiCtx *cx, JsonbValue *obj, const char *key, bool required, JsonbValue *out);
extern void XapiCheckUuidProp(XapiCtx *cx, JsonbValue *obj, const char *key, bool required);
extern void XapiCheckTimestampProp(XapiCtx *cx, JsonbValue *obj, const char *key);

/* agents.c */
extern void XapiCheckActor(XapiCtx *cx, JsonbValue *v, bool group_only, bool authority);
extern void XapiCheckAgent(XapiCtx *cx, JsonbValue *v);
extern int	XapiCountIfis(JsonbValue *obj);

/* formats.c */
extern bool XapiIsIri(const char *s, int len);
extern bool XapiIsUuid(const char *s, int len);
extern bool XapiIsLanguageTag(const char *s, int len);
extern bool XapiIsHex(const char *s, int len);
extern bool XapiIsMailto(const char *s, int len);
extern bool XapiParseTimestamp(const char *s, int len, TimestampTz *result);
extern XapiValueStatus XapiStoreTimestamp(const char *s, int len, TimestampTz *result);
extern XapiValueStatus XapiParseDuration(const char *s, int len, Interval *result);
extern XapiValueStatus XapiStoreNumber(Numeric num, double *result);
extern bool XapiParseVersion(const char *s, int len, XapiVersion rules);

/* funcs.c */
extern bool XapiParseVersionParam(const char *param, XapiVersion *out);
extern XapiVersion XapiStatementVersion(Jsonb *jb);
extern List *XapiCollectViolations(XapiVersion version, Jsonb *jb, bool first_only);
extern Jsonb *XapiViolationsJsonb(List *vs);
extern void XapiRaiseViolation(List *vs, int64 position) pg_attribute_noreturn();

/* identity.c */
extern char *XapiActorKey(JsonbValue *actor);
extern void XapiRootValue(Jsonb *jb, JsonbValue *v);
extern ArrayType *XapiActivityIds(JsonbValue *activities);
extern void XapiContentHash(Jsonb *jb, uint8 *digest);
extern void XapiHmacHex(bytea *key, const char *msg, int len, char *hex);

/* derive.c: the store's columns of a valid statement */
typedef enum XapiStoreColumn
{
	XC_ID, XC_ACTOR_KEY, XC_ACTOR_PSEUDONYM, XC_ACTOR_TYPE, XC_VERB_ID, XC_OBJECT_TYPE,
	XC_OBJECT_ID, XC_REGISTRATION, XC_SCORE_SCALED, XC_SCORE_RAW, XC_SCORE_MIN, XC_SCORE_MAX,
	XC_SUCCESS, XC_COMPLETION, XC_DURATION, XC_RESPONSE, XC_PLATFORM, XC_LANGUAGE,
	XC_PARENT_IDS, XC_GROUPING_IDS, XC_CATEGORY_IDS, XC_INSTRUCTOR_PSEUDONYM,
	XC_TEAM_PSEUDONYM, XC_CONTEXT_EXTENSIONS, XC_TIMESTAMP, XC_STORED, XC_VOIDED, XC_VOIDS,
	XC_AUTHORITY, XC_VERSION, XC_STATEMENT,
	XC_NCOLUMNS
} XapiStoreColumn;

#define XAPI_PSEUDONYM_CACHE 4096

typedef struct XapiPseudonymSlot
{
	uint32		hash;
	char	   *key;
	text	   *pseudonym;
} XapiPseudonymSlot;

typedef struct XapiDeriver
{
	bytea	   *key;			/* the pseudonym key */
	TupleDesc	desc;			/* the store's rows */
	int			attno[XC_NCOLUMNS]; /* 0-based position of each column in desc */
	const char *default_version;	/* recorded for a statement without
									 * "version" */
	TimestampTz now;			/* "stored", and the timestamp of one without */
	MemoryContext cxt;			/* of the cache */
	XapiPseudonymSlot cache[XAPI_PSEUDONYM_CACHE];
} XapiDeriver;

/* What the ingest decides on. */
typedef struct XapiDerived
{
	pg_uuid_t	id;
	bool		id_generated;
	uint8		hash[32];		/* SHA-256 of the content */
	TimestampTz ts;
	bool		voiding;		/* a voiding statement ... */
	pg_uuid_t	target;			/* ... and the statement it voids */
} XapiDerived;

extern void XapiDeriverInit(XapiDeriver *d, TupleDesc desc, bytea *key,
							const char *version_param, MemoryContext cxt);
extern void XapiDerive(XapiDeriver *d, Jsonb *doc, Datum *values, bool *nulls,
					   XapiDerived *out);

/* load.c */
extern void XapiStreamInit(void);

#endif							/* LA_XAPI_H */
