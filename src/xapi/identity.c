/*
 * identity.c
 *		Who a statement is about: the canonical actor key built from an
 *		inverse functional identifier, keyed pseudonyms (HMAC-SHA-256 with
 *		PostgreSQL's own implementation), and the rewrite that erases one
 *		actor from a statement.
 *
 * These functions are pure: the pseudonym key is passed in by the SQL layer,
 * which keeps it in a table only the admin role can read.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/sha1.h"
#include "common/sha2.h"
#include "miscadmin.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"

#include "xapi/xapi.h"

/*
 * XapiActorKey
 *		Canonical key of an Agent or identified Group, or NULL when it has no
 *		IFI (anonymous Group) or is not an object:
 *		  mailto:<address, lower-cased>      from mbox
 *		  mbox_sha1sum:<40 hex, lower-cased>  from mbox_sha1sum
 *		  openid:<URI>                        from openid
 *		  account:<homePage> <name>           from account (an IRI has no space)
 */
char *
XapiActorKey(JsonbValue *actor)
{
	JsonbValue	v,
				hp,
				name;

	if (!XapiIsObject(actor))
		return NULL;
	if (XapiGet(actor, "mbox", &v) && v.type == jbvString)
		return asc_tolower(v.val.string.val, v.val.string.len);
	if (XapiGet(actor, "mbox_sha1sum", &v) && v.type == jbvString)
		return psprintf("mbox_sha1sum:%s", asc_tolower(v.val.string.val, v.val.string.len));
	if (XapiGet(actor, "openid", &v) && v.type == jbvString)
		return psprintf("openid:%.*s", v.val.string.len, v.val.string.val);
	if (XapiGet(actor, "account", &v) && XapiGet(&v, "homePage", &hp) && hp.type == jbvString &&
		XapiGet(&v, "name", &name) && name.type == jbvString)
		return psprintf("account:%.*s %.*s", hp.val.string.len, hp.val.string.val,
						name.val.string.len, name.val.string.val);
	return NULL;
}

/* Wrap a jsonb datum as a JsonbValue for the walker. */
void
XapiRootValue(Jsonb *jb, JsonbValue *v)
{
	v->type = jbvBinary;
	v->val.binary.data = &jb->root;
	v->val.binary.len = VARSIZE(jb) - VARHDRSZ;
}

/*
 * la_xapi_actor_key(actor jsonb) returns text
 *		The canonical key of an Agent or identified Group; NULL for an
 *		anonymous Group or a value without IFI.
 */
PG_FUNCTION_INFO_V1(la_xapi_actor_key);
Datum
la_xapi_actor_key(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	JsonbValue	v;
	char	   *key;

	if (JB_ROOT_IS_SCALAR(jb) || !JB_ROOT_IS_OBJECT(jb))
		PG_RETURN_NULL();
	XapiRootValue(jb, &v);
	key = XapiActorKey(&v);
	if (key == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(key));
}

/* Lower-case hexadecimal of a digest. */
static text *
HexText(const uint8 *digest, int len)
{
	static const char hex[] = "0123456789abcdef";
	char	   *out = palloc(len * 2 + 1);

	for (int i = 0; i < len; i++)
	{
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 0x0f];
	}
	out[len * 2] = '\0';
	return cstring_to_text(out);
}

/*
 * la_xapi_mbox_sha1sum(mbox text) returns text
 *		The mbox_sha1sum an xAPI client would send for this mbox: the SHA-1 of
 *		the mailto IRI, as 40 lower-case hexadecimal digits.
 */
PG_FUNCTION_INFO_V1(la_xapi_mbox_sha1sum);
Datum
la_xapi_mbox_sha1sum(PG_FUNCTION_ARGS)
{
	text	   *mbox = PG_GETARG_TEXT_PP(0);
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA1);
	uint8		digest[SHA1_DIGEST_LENGTH];

	if (ctx == NULL ||
		pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) VARDATA_ANY(mbox), VARSIZE_ANY_EXHDR(mbox)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute SHA-1: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	PG_RETURN_TEXT_P(HexText(digest, SHA1_DIGEST_LENGTH));
}

/*
 * XapiHmacHex
 *		HMAC-SHA-256 of msg under key, as 64 lower-case hexadecimal digits and
 *		a NUL in hex[65]: the pseudonym of an actor key.
 */
void
XapiHmacHex(bytea *key, const char *msg, int len, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	pg_hmac_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	if (VARSIZE_ANY_EXHDR(key) < 16)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pseudonym key is too short"),
				 errdetail("The key has %d bytes; at least 16 are required.",
						   (int) VARSIZE_ANY_EXHDR(key))));
	ctx = pg_hmac_create(PG_SHA256);
	if (ctx == NULL ||
		pg_hmac_init(ctx, (uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) msg, len) < 0 ||
		pg_hmac_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute HMAC-SHA-256: %s", pg_hmac_error(ctx));
	pg_hmac_free(ctx);
	for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
	{
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	hex[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
}

/*
 * la_xapi_hmac(key bytea, message text) returns text
 *		HMAC-SHA-256 of message under key, as 64 lower-case hexadecimal digits.
 *		The pseudonym of an actor is la_xapi_hmac(secret, actor_key).
 */
PG_FUNCTION_INFO_V1(la_xapi_hmac);
Datum
la_xapi_hmac(PG_FUNCTION_ARGS)
{
	text	   *msg = PG_GETARG_TEXT_PP(1);
	char		hex[2 * PG_SHA256_DIGEST_LENGTH + 1];

	XapiHmacHex(PG_GETARG_BYTEA_PP(0), VARDATA_ANY(msg), VARSIZE_ANY_EXHDR(msg), hex);
	PG_RETURN_TEXT_P(cstring_to_text(hex));
}

/* true when key is one of the nkeys texts */
static bool
KeyListed(const char *key, Datum *keys, bool *nulls, int nkeys)
{
	for (int i = 0; i < nkeys; i++)
		if (!nulls[i] && strcmp(key, TextDatumGetCString(keys[i])) == 0)
			return true;
	return false;
}

/*
 * Copy v into the parse state, replacing every Agent or identified Group
 * whose key is listed by repl.  seq is WJB_VALUE or WJB_ELEM.
 */
static JsonbValue *
Rewrite(JsonbParseState **ps, JsonbIteratorToken seq, JsonbValue *v,
		Datum *keys, bool *nulls, int nkeys, JsonbValue *repl, int *count)
{
	JsonbIterator *it;
	JsonbValue	x;
	JsonbIteratorToken tok;
	bool		object;
	JsonbValue *res;

	check_stack_depth();
	if (v->type != jbvBinary)
		return pushJsonbValue(ps, seq, v);
	object = XapiIsObject(v);
	if (object)
	{
		char	   *key = XapiActorKey(v);

		if (key != NULL && KeyListed(key, keys, nulls, nkeys))
		{
			(*count)++;
			return pushJsonbValue(ps, seq, repl);
		}
	}
	pushJsonbValue(ps, object ? WJB_BEGIN_OBJECT : WJB_BEGIN_ARRAY, NULL);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &x, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			pushJsonbValue(ps, WJB_KEY, &x);
		else if (tok == WJB_VALUE || tok == WJB_ELEM)
			Rewrite(ps, tok, &x, keys, nulls, nkeys, repl, count);
	}
	res = pushJsonbValue(ps, object ? WJB_END_OBJECT : WJB_END_ARRAY, NULL);
	return res;
}

/*
 * la_xapi_replace_actor(doc jsonb, keys text[], replacement jsonb) returns jsonb
 *		doc with every Agent or identified Group whose actor key is in keys
 *		(wherever it occurs: actor, object, authority, instructor, team,
 *		group members, context agents, SubStatements) replaced by replacement.
 *		Used by erasure; doc is returned unchanged when nothing matches.
 */
PG_FUNCTION_INFO_V1(la_xapi_replace_actor);
Datum
la_xapi_replace_actor(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = PG_GETARG_JSONB_P(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	Jsonb	   *replacement = PG_GETARG_JSONB_P(2);
	Datum	   *keys;
	bool	   *nulls;
	int			nkeys,
				count = 0;
	JsonbParseState *ps = NULL;
	JsonbValue	root,
				repl;
	JsonbValue *res;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &keys, &nulls, &nkeys);
	if (JB_ROOT_IS_SCALAR(doc) || nkeys == 0)
		PG_RETURN_JSONB_P(doc);
	XapiRootValue(doc, &root);
	XapiRootValue(replacement, &repl);
	if (JB_ROOT_IS_OBJECT(doc))
	{
		char	   *key = XapiActorKey(&root);

		if (key != NULL && KeyListed(key, keys, nulls, nkeys))
			PG_RETURN_JSONB_P(replacement);
	}
	res = Rewrite(&ps, WJB_VALUE, &root, keys, nulls, nkeys, &repl, &count);
	if (count == 0)
		PG_RETURN_JSONB_P(doc);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}

/* Append the "id" of an Activity object to *ids. */
static void
CollectActivityId(JsonbValue *act, List **ids)
{
	JsonbValue	id;

	if (XapiGet(act, "id", &id) && id.type == jbvString)
		*ids = lappend(*ids, cstring_to_text_with_len(id.val.string.val, id.val.string.len));
}

/*
 * XapiActivityIds
 *		The ids of a contextActivities value (an Activity or an array of
 *		them), in order, as text[]; NULL when there are none.
 */
ArrayType *
XapiActivityIds(JsonbValue *activities)
{
	List	   *ids = NIL;
	Datum	   *elems;
	ListCell   *lc;
	int			i = 0;

	if (XapiIsObject(activities))
		CollectActivityId(activities, &ids);
	else if (XapiIsArray(activities))
	{
		JsonbIterator *it = JsonbIteratorInit(activities->val.binary.data);
		JsonbIteratorToken tok;
		JsonbValue	el;

		while ((tok = JsonbIteratorNext(&it, &el, true)) != WJB_DONE)
			if (tok == WJB_ELEM)
				CollectActivityId(&el, &ids);
	}
	if (ids == NIL)
		return NULL;
	elems = palloc(sizeof(Datum) * list_length(ids));
	foreach(lc, ids)
		elems[i++] = PointerGetDatum(lfirst(lc));
	return construct_array(elems, i, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * la_xapi_activity_ids(activities jsonb) returns text[]
 *		The ids of a contextActivities value (an Activity or an array of
 *		them), in order; NULL when there are none.
 */
PG_FUNCTION_INFO_V1(la_xapi_activity_ids);
Datum
la_xapi_activity_ids(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	JsonbValue	root;
	ArrayType  *ids;

	if (JB_ROOT_IS_SCALAR(jb))
		PG_RETURN_NULL();
	XapiRootValue(jb, &root);
	ids = XapiActivityIds(&root);
	if (ids == NULL)
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(ids);
}

/*
 * The bytes of a content hash go through a buffer and reach SHA-256 a
 * block at a time: the walk appends a byte or two per token.
 */
typedef struct HashBuf
{
	pg_cryptohash_ctx *ctx;
	int			len;
	uint8		data[8192];
} HashBuf;

static void
HashFlush(HashBuf *hb)
{
	if (hb->len > 0 && pg_cryptohash_update(hb->ctx, hb->data, hb->len) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(hb->ctx));
	hb->len = 0;
}

static inline void
HashBytes(HashBuf *hb, const void *p, int n)
{
	if (hb->len + n > (int) sizeof(hb->data))
	{
		HashFlush(hb);
		if (n > (int) sizeof(hb->data))
		{
			if (pg_cryptohash_update(hb->ctx, p, n) < 0)
				elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(hb->ctx));
			return;
		}
	}
	memcpy(hb->data + hb->len, p, n);
	hb->len += n;
}

static inline void
HashByte(HashBuf *hb, uint8 b)
{
	if (hb->len == (int) sizeof(hb->data))
		HashFlush(hb);
	hb->data[hb->len++] = b;
}

/*
 * Hash one scalar.  A number is hashed as its text: its binary form may
 * carry a short or a long varlena header for the same value.
 */
static void
HashScalar(HashBuf *hb, JsonbValue *v)
{
	HashByte(hb, (uint8) v->type);
	switch (v->type)
	{
		case jbvString:
			HashBytes(hb, &v->val.string.len, sizeof(int));
			HashBytes(hb, v->val.string.val, v->val.string.len);
			break;
		case jbvNumeric:
			{
				char	   *num = DatumGetCString(DirectFunctionCall1(numeric_out,
																	  NumericGetDatum(v->val.numeric)));

				HashBytes(hb, num, strlen(num) + 1);
				pfree(num);
			}
			break;
		case jbvBool:
			HashByte(hb, v->val.boolean ? 1 : 0);
			break;
		default:
			break;
	}
}

/*
 * XapiContentHash
 *		SHA-256 (into digest[32]) of a statement without the properties a
 *		store sets (id, stored, authority, version): what idempotency compares.
 *		It walks the jsonb (keys come sorted, duplicates and white space are
 *		gone, so equal documents give equal walks) without converting the
 *		statement to text.
 */
void
XapiContentHash(Jsonb *jb, uint8 *digest)
{
	static const char *const skip[] = {"id", "stored", "authority", "version", NULL};
	HashBuf    *hb = palloc(sizeof(HashBuf));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			level = 0,
				skip_level = -1;	/* >= 0 while inside a skipped top-level
									 * value */
	bool		skip_next = false;

	hb->len = 0;
	hb->ctx = pg_cryptohash_create(PG_SHA256);
	if (hb->ctx == NULL || pg_cryptohash_init(hb->ctx) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(hb->ctx));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_ARRAY || tok == WJB_BEGIN_OBJECT)
		{
			if (skip_next)
			{
				skip_level = level;
				skip_next = false;
			}
			level++;
			if (skip_level < 0)
				HashByte(hb, (uint8) tok);
			continue;
		}
		if (tok == WJB_END_ARRAY || tok == WJB_END_OBJECT)
		{
			level--;
			if (skip_level == level)
				skip_level = -1;
			else if (skip_level < 0)
				HashByte(hb, (uint8) tok);
			continue;
		}
		if (skip_level >= 0)
			continue;
		if (tok == WJB_KEY && level == 1)
		{
			for (const char *const *k = skip; *k; k++)
				if ((int) strlen(*k) == v.val.string.len &&
					memcmp(*k, v.val.string.val, v.val.string.len) == 0)
					skip_next = true;
			if (skip_next)
				continue;
		}
		if (tok == WJB_VALUE && skip_next)
		{
			skip_next = false;	/* a skipped scalar */
			continue;
		}
		HashByte(hb, (uint8) tok);
		HashScalar(hb, &v);
	}
	HashFlush(hb);
	if (pg_cryptohash_final(hb->ctx, digest, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(hb->ctx));
	pg_cryptohash_free(hb->ctx);
	pfree(hb);
}

/* la_xapi_content_hash(statement jsonb) returns bytea: see XapiContentHash */
PG_FUNCTION_INFO_V1(la_xapi_content_hash);
Datum
la_xapi_content_hash(PG_FUNCTION_ARGS)
{
	bytea	   *result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);

	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	XapiContentHash(PG_GETARG_JSONB_P(0), (uint8 *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}
