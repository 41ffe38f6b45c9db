/*
 * derive.c
 *		The columns of xapi_statements that the store derives from a valid
 *		statement: id, actor key and pseudonyms, verb, object, result,
 *		context, timestamp, voiding target, version, and the content hash
 *		that idempotency compares.
 *
 * Columns are located in the store's tuple descriptor by name, so that a
 * column added or dropped by an upgrade only needs its entry here.  The
 * values equal what the SQL operators would give (->> then a cast): numbers
 * go through their text, as numeric_float8 does.
 *
 * Numbers, timestamps and durations are read by the functions the validator
 * checks them with (XapiStoreNumber, XapiStoreTimestamp, XapiParseDuration),
 * so a valid statement always derives; the errors below are for a statement
 * that did not go through the validator, and name the value.
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "access/xact.h"
#include "common/hashfn.h"
#include "common/sha2.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "xapi/xapi.h"

static text *CachedPseudonym(XapiDeriver *d, const char *actor_key);

/* The store's derived columns, by name (the order of XapiStoreColumn). */
static const char *const column_names[XC_NCOLUMNS] = {
	"id", "actor_key", "actor_pseudonym", "actor_type", "verb_id", "object_type", "object_id",
	"registration", "score_scaled", "score_raw", "score_min", "score_max", "success",
	"completion", "duration", "response", "platform", "language", "parent_ids", "grouping_ids",
	"category_ids", "instructor_pseudonym", "team_pseudonym", "context_extensions", "timestamp",
	"stored", "voided", "voids", "authority", "version", "statement"
};

/*
 * XapiDeriverInit
 *		Prepare a deriver for rows of the store descriptor desc.  key is the
 *		pseudonym key; version_param the ingest's version argument (NULL: each
 *		statement's own), which also gives the version recorded for a
 *		statement without one.  Cached pseudonyms live in cxt.
 */
void
XapiDeriverInit(XapiDeriver *d, TupleDesc desc, bytea *key, const char *version_param,
				MemoryContext cxt)
{
	memset(d, 0, sizeof(*d));
	d->key = key;
	d->desc = desc;
	d->cxt = cxt;
	d->default_version = (version_param != NULL && strncmp(version_param, "1.0", 3) == 0)
		? "1.0.3" : "2.0.0";
	d->now = GetCurrentTransactionStartTimestamp();
	for (int c = 0; c < XC_NCOLUMNS; c++)
	{
		d->attno[c] = -1;
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), column_names[c]) == 0)
				d->attno[c] = i;
		}
		if (d->attno[c] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"xapi_statements\" does not exist",
							column_names[c]),
					 errhint("The statement store's columns belong to the learnalytics extension; restore them or reinstall it.")));
	}
}

/*
 * The pseudonym of an actor key under the deriver's key, as a new text in
 * the current context: the rows of a load outlive a cache slot, which a later
 * learner may take over.  Learners send many statements each, so a small
 * direct-mapped cache saves most HMACs.
 */
static text *
Pseudonym(XapiDeriver *d, const char *actor_key)
{
	text	   *cached = CachedPseudonym(d, actor_key);
	text	   *copy = palloc(VARSIZE(cached));

	memcpy(copy, cached, VARSIZE(cached));
	return copy;
}

/* The cache slot's pseudonym of an actor key (valid until the slot is reused). */
static text *
CachedPseudonym(XapiDeriver *d, const char *actor_key)
{
	int			len = strlen(actor_key);
	uint32		h = hash_bytes((const unsigned char *) actor_key, len);
	XapiPseudonymSlot *slot = &d->cache[h % XAPI_PSEUDONYM_CACHE];
	char		hex[2 * PG_SHA256_DIGEST_LENGTH + 1];
	MemoryContext old;

	if (slot->key != NULL && slot->hash == h && strcmp(slot->key, actor_key) == 0)
		return slot->pseudonym;
	XapiHmacHex(d->key, actor_key, len, hex);
	old = MemoryContextSwitchTo(d->cxt);
	if (slot->key != NULL)
	{
		pfree(slot->key);
		pfree(slot->pseudonym);
	}
	slot->hash = h;
	slot->key = pstrdup(actor_key);
	slot->pseudonym = cstring_to_text(hex);
	MemoryContextSwitchTo(old);
	return slot->pseudonym;
}

/* The pseudonym of an Agent or Group value, or NULL (anonymous, absent). */
static Datum
ActorPseudonym(XapiDeriver *d, JsonbValue *actor, bool *isnull)
{
	char	   *key = XapiActorKey(actor);

	*isnull = (key == NULL);
	return key == NULL ? (Datum) 0 : PointerGetDatum(Pseudonym(d, key));
}

/* Set column c. */
static inline void
Put(XapiDeriver *d, Datum *values, bool *nulls, XapiStoreColumn c, Datum value, bool isnull)
{
	values[d->attno[c]] = value;
	nulls[d->attno[c]] = isnull;
}

/* Set column c to the string property key of obj, or NULL. */
static void
PutString(XapiDeriver *d, Datum *values, bool *nulls, XapiStoreColumn c, JsonbValue *obj,
		  const char *key)
{
	JsonbValue	v;

	if (XapiGet(obj, key, &v) && v.type == jbvString)
		Put(d, values, nulls, c, PointerGetDatum(cstring_to_text_with_len(v.val.string.val,
																		  v.val.string.len)), false);
	else
		Put(d, values, nulls, c, (Datum) 0, true);
}

static inline int
HexDigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A uuid property of obj.  Valid statements carry the 8-4-4-4-12 form,
 * read here directly; anything else goes through uuid_in, which accepts
 * what a uuid cast accepts or raises its error.
 */
static bool
GetUuid(JsonbValue *obj, const char *key, pg_uuid_t *out)
{
	JsonbValue	v;
	const char *p;
	int			k = 0;

	if (!XapiGet(obj, key, &v) || v.type != jbvString)
		return false;
	p = v.val.string.val;
	if (v.val.string.len == 36)
	{
		for (int i = 0; i < 36 && k <= UUID_LEN; i++)
		{
			int			hi,
						lo;

			if (i == 8 || i == 13 || i == 18 || i == 23)
			{
				if (p[i] != '-')
					break;
				continue;
			}
			hi = HexDigit(p[i]);
			lo = i + 1 < 36 ? HexDigit(p[i + 1]) : -1;
			if (hi < 0 || lo < 0)
				break;
			out->data[k++] = (uint8) (hi << 4 | lo);
			i++;
		}
		if (k == UUID_LEN)
			return true;
	}
	*out = *DatumGetUUIDP(DirectFunctionCall1(uuid_in,
											  CStringGetDatum(XapiString(&v))));
	return true;
}

/* Set column c to the number property key of obj as float8, or NULL. */
static void
PutFloat(XapiDeriver *d, Datum *values, bool *nulls, XapiStoreColumn c, JsonbValue *obj,
		 const char *key)
{
	JsonbValue	v;
	double		f;

	if (!XapiGet(obj, key, &v) || v.type != jbvNumeric)
	{
		Put(d, values, nulls, c, (Datum) 0, true);
		return;
	}
	if (XapiStoreNumber(v.val.numeric, &f) != XAPI_VALUE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("xAPI score \"%s\" is out of range for type double precision", key)));
	Put(d, values, nulls, c, Float8GetDatum(f), false);
}

/* Set column c to the boolean property key of obj, or NULL. */
static void
PutBool(XapiDeriver *d, Datum *values, bool *nulls, XapiStoreColumn c, JsonbValue *obj,
		const char *key)
{
	JsonbValue	v;

	if (XapiGet(obj, key, &v) && v.type == jbvBool)
		Put(d, values, nulls, c, BoolGetDatum(v.val.boolean), false);
	else
		Put(d, values, nulls, c, (Datum) 0, true);
}

/* Set column c to the jsonb value of property key of obj, or NULL. */
static void
PutJsonb(XapiDeriver *d, Datum *values, bool *nulls, XapiStoreColumn c, JsonbValue *obj,
		 const char *key)
{
	JsonbValue	v;

	if (XapiGet(obj, key, &v))
		Put(d, values, nulls, c, JsonbPGetDatum(JsonbValueToJsonb(&v)), false);
	else
		Put(d, values, nulls, c, (Datum) 0, true);
}

/* Set column c to the ids of contextActivities.<key>, or NULL. */
static void
PutActivityIds(XapiDeriver *d, Datum *values, bool *nulls, XapiStoreColumn c,
			   JsonbValue *activities, const char *key)
{
	JsonbValue	v;
	ArrayType  *ids = NULL;

	if (XapiGet(activities, key, &v))
		ids = XapiActivityIds(&v);
	Put(d, values, nulls, c, PointerGetDatum(ids), ids == NULL);
}

/* A version 4 (random) UUID, as gen_random_uuid() makes. */
static void
RandomUuid(pg_uuid_t *u)
{
	if (!pg_strong_random(u->data, UUID_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random values")));
	u->data[6] = (u->data[6] & 0x0f) | 0x40;
	u->data[8] = (u->data[8] & 0x3f) | 0x80;
}

/*
 * XapiDerive
 *		Fill values/nulls (a row of the store, natts wide) from a valid
 *		statement, and out with what the ingest decides on: id, content hash,
 *		timestamp and voiding target.  Allocates in the current context.
 *		"voided" is left false and "stored" is the transaction's start.
 */
void
XapiDerive(XapiDeriver *d, Jsonb *doc, Datum *values, bool *nulls, XapiDerived *out)
{
	JsonbValue	root,
				actor,
				verb,
				object,
				result,
				score,
				context,
				activities,
				v;
	bool		has_actor,
				has_object,
				has_result,
				has_score,
				has_context,
				has_activities,
				isnull;
	const char *object_type = "Activity";
	Datum		d_pseudonym;
	char	   *actor_key;

	for (int i = 0; i < d->desc->natts; i++)
		nulls[i] = true;
	XapiRootValue(doc, &root);
	has_actor = XapiGet(&root, "actor", &actor);
	has_object = XapiGet(&root, "object", &object);
	has_result = XapiGet(&root, "result", &result);
	has_score = has_result && XapiGet(&result, "score", &score);
	has_context = XapiGet(&root, "context", &context);
	has_activities = has_context && XapiGet(&context, "contextActivities", &activities);

	/* id: the statement's, or a new one recorded in the stored document */
	out->id_generated = !GetUuid(&root, "id", &out->id);
	if (out->id_generated)
	{
		JsonbParseState *ps = NULL;
		JsonbValue	k,
					idv,
				   *idobj;

		RandomUuid(&out->id);
		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		k.type = jbvString;
		k.val.string.val = "id";
		k.val.string.len = 2;
		pushJsonbValue(&ps, WJB_KEY, &k);
		idv.type = jbvString;
		idv.val.string.val = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&out->id)));
		idv.val.string.len = strlen(idv.val.string.val);
		pushJsonbValue(&ps, WJB_VALUE, &idv);
		idobj = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
		Put(d, values, nulls, XC_STATEMENT,
			DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(doc),
								JsonbPGetDatum(JsonbValueToJsonb(idobj))), false);
	}
	else
		Put(d, values, nulls, XC_STATEMENT, JsonbPGetDatum(doc), false);
	Put(d, values, nulls, XC_ID, UUIDPGetDatum(palloc_object(pg_uuid_t)), false);
	*DatumGetUUIDP(values[d->attno[XC_ID]]) = out->id;
	XapiContentHash(doc, out->hash);

	/* actor */
	actor_key = has_actor ? XapiActorKey(&actor) : NULL;
	Put(d, values, nulls, XC_ACTOR_KEY,
		actor_key ? PointerGetDatum(cstring_to_text(actor_key)) : (Datum) 0, actor_key == NULL);
	Put(d, values, nulls, XC_ACTOR_PSEUDONYM,
		actor_key ? PointerGetDatum(Pseudonym(d, actor_key)) : (Datum) 0, actor_key == NULL);
	if (has_actor && XapiGet(&actor, "objectType", &v) && v.type == jbvString)
		Put(d, values, nulls, XC_ACTOR_TYPE,
			PointerGetDatum(cstring_to_text_with_len(v.val.string.val, v.val.string.len)), false);
	else
		Put(d, values, nulls, XC_ACTOR_TYPE, CStringGetTextDatum("Agent"), false);

	/* verb and object */
	if (XapiGet(&root, "verb", &verb))
		PutString(d, values, nulls, XC_VERB_ID, &verb, "id");
	if (has_object && XapiGet(&object, "objectType", &v) && v.type == jbvString)
		object_type = XapiString(&v);
	Put(d, values, nulls, XC_OBJECT_TYPE, CStringGetTextDatum(object_type), false);
	if (strcmp(object_type, "Agent") == 0 || strcmp(object_type, "Group") == 0)
	{
		d_pseudonym = ActorPseudonym(d, &object, &isnull);
		Put(d, values, nulls, XC_OBJECT_ID, d_pseudonym, isnull);
	}
	else if (strcmp(object_type, "SubStatement") != 0 && has_object)
	{
		PutString(d, values, nulls, XC_OBJECT_ID, &object, "id");
		if (!nulls[d->attno[XC_OBJECT_ID]] &&
			VARSIZE_ANY_EXHDR(DatumGetPointer(values[d->attno[XC_OBJECT_ID]])) > XAPI_MAX_OBJECT_ID_BYTES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("xAPI object id is longer than %d bytes", XAPI_MAX_OBJECT_ID_BYTES)));
	}

	/* a voiding statement and its target */
	out->voiding = false;
	if (!nulls[d->attno[XC_VERB_ID]] &&
		strcmp(TextDatumGetCString(values[d->attno[XC_VERB_ID]]), XAPI_VERB_VOIDED) == 0 &&
		has_object && GetUuid(&object, "id", &out->target))
	{
		pg_uuid_t  *t = palloc_object(pg_uuid_t);

		*t = out->target;
		out->voiding = true;
		Put(d, values, nulls, XC_VOIDS, UUIDPGetDatum(t), false);
	}

	/* result */
	if (has_score)
	{
		PutFloat(d, values, nulls, XC_SCORE_SCALED, &score, "scaled");
		PutFloat(d, values, nulls, XC_SCORE_RAW, &score, "raw");
		PutFloat(d, values, nulls, XC_SCORE_MIN, &score, "min");
		PutFloat(d, values, nulls, XC_SCORE_MAX, &score, "max");
	}
	if (has_result)
	{
		PutBool(d, values, nulls, XC_SUCCESS, &result, "success");
		PutBool(d, values, nulls, XC_COMPLETION, &result, "completion");
		PutString(d, values, nulls, XC_RESPONSE, &result, "response");
		if (XapiGet(&result, "duration", &v) && v.type == jbvString)
		{
			Interval   *iv = palloc_object(Interval);

			if (XapiParseDuration(v.val.string.val, v.val.string.len, iv) != XAPI_VALUE_OK)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
						 errmsg("invalid xAPI duration: \"%s\"", XapiString(&v))));
			Put(d, values, nulls, XC_DURATION, IntervalPGetDatum(iv), false);
		}
	}

	/* context */
	if (has_context)
	{
		pg_uuid_t	registration;

		PutString(d, values, nulls, XC_PLATFORM, &context, "platform");
		PutString(d, values, nulls, XC_LANGUAGE, &context, "language");
		if (GetUuid(&context, "registration", &registration))
		{
			pg_uuid_t  *r = palloc_object(pg_uuid_t);

			*r = registration;
			Put(d, values, nulls, XC_REGISTRATION, UUIDPGetDatum(r), false);
		}
		if (XapiGet(&context, "instructor", &v))
		{
			d_pseudonym = ActorPseudonym(d, &v, &isnull);
			Put(d, values, nulls, XC_INSTRUCTOR_PSEUDONYM, d_pseudonym, isnull);
		}
		if (XapiGet(&context, "team", &v))
		{
			d_pseudonym = ActorPseudonym(d, &v, &isnull);
			Put(d, values, nulls, XC_TEAM_PSEUDONYM, d_pseudonym, isnull);
		}
		PutJsonb(d, values, nulls, XC_CONTEXT_EXTENSIONS, &context, "extensions");
	}
	if (has_activities)
	{
		PutActivityIds(d, values, nulls, XC_PARENT_IDS, &activities, "parent");
		PutActivityIds(d, values, nulls, XC_GROUPING_IDS, &activities, "grouping");
		PutActivityIds(d, values, nulls, XC_CATEGORY_IDS, &activities, "category");
	}

	/* when, and by which rules */
	out->ts = d->now;
	if (XapiGet(&root, "timestamp", &v) && v.type == jbvString &&
		XapiStoreTimestamp(v.val.string.val, v.val.string.len, &out->ts) != XAPI_VALUE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
				 errmsg("invalid xAPI timestamp: \"%s\"", XapiString(&v)),
				 errdetail("The store keeps instants from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z.")));
	Put(d, values, nulls, XC_TIMESTAMP, TimestampTzGetDatum(out->ts), false);
	Put(d, values, nulls, XC_STORED, TimestampTzGetDatum(d->now), false);
	Put(d, values, nulls, XC_VOIDED, BoolGetDatum(false), false);
	PutJsonb(d, values, nulls, XC_AUTHORITY, &root, "authority");
	if (XapiGet(&root, "version", &v) && v.type == jbvString)
		Put(d, values, nulls, XC_VERSION,
			PointerGetDatum(cstring_to_text_with_len(v.val.string.val, v.val.string.len)), false);
	else
		Put(d, values, nulls, XC_VERSION, CStringGetTextDatum(d->default_version), false);
}
