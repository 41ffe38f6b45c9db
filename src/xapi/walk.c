/*
 * walk.c
 *		Helpers the xAPI validator uses to walk a jsonb statement in place:
 *		violations with their JSON path, property lookup, allowed-property
 *		checks and the checks for values that appear everywhere (strings,
 *		IRIs, UUIDs, timestamps, language maps, extensions).
 */
#include "postgres.h"

#include "utils/jsonb.h"

#include "xapi/xapi.h"

/* Record one violation with an already formatted message at the current path. */
static void
AddViolation(XapiCtx *cx, const char *rule, char *message)
{
	XapiViolation *v = palloc(sizeof(XapiViolation));

	v->path = pstrdup(cx->path.data);
	v->rule = rule;
	v->message = message;
	cx->violations = lappend(cx->violations, v);
}

/* Expand a printf-style message (a macro: va_start must be in the variadic function). */
#define FORMAT_MESSAGE(msg, fmt) \
	do { \
		va_list		args; \
		int			needed; \
		initStringInfo(&(msg)); \
		for (;;) \
		{ \
			va_start(args, fmt); \
			needed = appendStringInfoVA(&(msg), fmt, args); \
			va_end(args); \
			if (needed == 0) \
				break; \
			enlargeStringInfo(&(msg), needed); \
		} \
	} while (0)

/* Record one violation at the current path (unless one is all we need). */
void
XapiViolate(XapiCtx *cx, const char *rule, const char *fmt,...)
{
	StringInfoData msg;

	if (cx->first_only && cx->violations != NIL)
		return;
	FORMAT_MESSAGE(msg, fmt);
	AddViolation(cx, rule, msg.data);
}

/* Record one violation at property key of the current object. */
void
XapiViolateAt(XapiCtx *cx, const char *key, const char *rule, const char *fmt,...)
{
	StringInfoData msg;
	int			saved;

	if (cx->first_only && cx->violations != NIL)
		return;
	FORMAT_MESSAGE(msg, fmt);
	saved = XapiPathPush(cx, key);
	AddViolation(cx, rule, msg.data);
	XapiPathPop(cx, saved);
}

/* Descend into an object property; returns the length to restore. */
int
XapiPathPush(XapiCtx *cx, const char *key)
{
	int			saved = cx->path.len;
	const char *c;
	bool		plain = (*key != '\0');

	for (c = key; *c; c++)
		if (!(isalnum((unsigned char) *c) || *c == '_'))
			plain = false;
	if (plain)
		appendStringInfo(&cx->path, ".%s", key);
	else
	{
		/*
		 * keys that are IRIs or language tags are quoted, as in SQL/JSON
		 * paths
		 */
		appendStringInfoString(&cx->path, ".\"");
		for (c = key; *c; c++)
		{
			if (*c == '"' || *c == '\\')
				appendStringInfoChar(&cx->path, '\\');
			appendStringInfoChar(&cx->path, *c);
		}
		appendStringInfoChar(&cx->path, '"');
	}
	return saved;
}

/* Descend into an array element. */
int
XapiPathPushIndex(XapiCtx *cx, int i)
{
	int			saved = cx->path.len;

	appendStringInfo(&cx->path, "[%d]", i);
	return saved;
}

void
XapiPathPop(XapiCtx *cx, int saved)
{
	cx->path.len = saved;
	cx->path.data[saved] = '\0';
}

bool
XapiIsObject(JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

bool
XapiIsArray(JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data) &&
		!JsonContainerIsScalar(v->val.binary.data);
}

/* JSON type name of a value, for messages. */
const char *
XapiTypeName(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return XapiIsObject(v) ? "an object" : "an array";
		default:
			return "an unexpected value";
	}
}

/* Look up key in an object value; false if absent (or v is not an object). */

/* NUL-terminated copy of a string value. */
char *
XapiString(JsonbValue *v)
{
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * Report every property of obj that is not in the NULL-terminated allowed
 * list.  Property names are case-sensitive in xAPI ("iD" is not "id").
 */
void
XapiCheckKeys(XapiCtx *cx, JsonbValue *obj, const char *const *allowed)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	it = JsonbIteratorInit(obj->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		const char *const *a;
		bool		found = false;

		if (tok != WJB_KEY)
			continue;
		for (a = allowed; *a; a++)
			if ((*a)[0] == v.val.string.val[0] &&
				strncmp(*a, v.val.string.val, v.val.string.len) == 0 &&
				(*a)[v.val.string.len] == '\0')
			{
				found = true;
				break;
			}
		if (!found)
		{
			char	   *key = XapiString(&v);

			XapiViolateAt(cx, key, "unknown_property", "property \"%s\" is not allowed here", key);
		}
	}
}

/*
 * Fetch obj.key into *out and check it is a string.  Returns true only when
 * the property is present and a string.
 */
bool
XapiExpectString(XapiCtx *cx, JsonbValue *obj, const char *key, bool required, JsonbValue *out)
{
	if (!XapiGet(obj, key, out))
	{
		if (required)
			XapiViolateAt(cx, key, "required", "property \"%s\" is required", key);
		return false;
	}
	if (out->type == jbvString)
		return true;
	XapiViolateAt(cx, key, "type", "must be a string, not %s", XapiTypeName(out));
	return false;
}

/* Fetch obj.key as an object (type violation when it is something else). */
bool
XapiExpectObject(XapiCtx *cx, JsonbValue *obj, const char *key, bool required, JsonbValue *out)
{
	if (!XapiGet(obj, key, out))
	{
		if (required)
			XapiViolateAt(cx, key, "required", "property \"%s\" is required", key);
		return false;
	}
	if (XapiIsObject(out))
		return true;
	XapiViolateAt(cx, key, "type", "must be an object, not %s", XapiTypeName(out));
	return false;
}

/*
 * Check every element of the array value arr with check, each at its index
 * in the path.  Returns the number of elements.
 */
int
XapiEachElement(XapiCtx *cx, JsonbValue *arr, XapiElementCheck check)
{
	JsonbIterator *it = JsonbIteratorInit(arr->val.binary.data);
	JsonbValue	el;
	JsonbIteratorToken tok;
	int			i = 0;

	while ((tok = JsonbIteratorNext(&it, &el, true)) != WJB_DONE)
	{
		int			saved;

		if (tok != WJB_ELEM)
			continue;
		saved = XapiPathPushIndex(cx, i++);
		check(cx, &el);
		XapiPathPop(cx, saved);
	}
	return i;
}

/*
 * obj.key, when present, must be an array (of what, for the message); check
 * every element with check.  Returns the number of elements, -1 when absent
 * or not an array.
 */
int
XapiArrayProp(XapiCtx *cx, JsonbValue *obj, const char *key, const char *what,
			  XapiElementCheck check)
{
	JsonbValue	arr;
	int			saved,
				n = -1;

	if (!XapiGet(obj, key, &arr))
		return -1;
	saved = XapiPathPush(cx, key);
	if (!XapiIsArray(&arr))
		XapiViolate(cx, "type", "must be an array of %s, not %s", what, XapiTypeName(&arr));
	else
		n = XapiEachElement(cx, &arr, check);
	XapiPathPop(cx, saved);
	return n;
}

/* A string property holding an IRI. */
void
XapiCheckIriProp(XapiCtx *cx, JsonbValue *obj, const char *key, bool required)
{
	JsonbValue	v;

	if (XapiExpectString(cx, obj, key, required, &v) &&
		!XapiIsIri(v.val.string.val, v.val.string.len))
		XapiViolateAt(cx, key, "iri", "must be an absolute IRI");
}

/* A string property holding a UUID. */
void
XapiCheckUuidProp(XapiCtx *cx, JsonbValue *obj, const char *key, bool required)
{
	JsonbValue	v;

	if (XapiExpectString(cx, obj, key, required, &v) &&
		!XapiIsUuid(v.val.string.val, v.val.string.len))
		XapiViolateAt(cx, key, "uuid", "must be a UUID in 8-4-4-4-12 hexadecimal form");
}

/*
 * A string property holding an ISO 8601 timestamp, at an instant the store
 * can hold (XapiStoreTimestamp: the derivation reads it the same way).
 */
void
XapiCheckTimestampProp(XapiCtx *cx, JsonbValue *obj, const char *key)
{
	JsonbValue	v;
	TimestampTz ts;

	if (!XapiExpectString(cx, obj, key, false, &v))
		return;
	switch (XapiStoreTimestamp(v.val.string.val, v.val.string.len, &ts))
	{
		case XAPI_VALUE_OK:
			break;
		case XAPI_VALUE_MALFORMED:
			XapiViolateAt(cx, key, "timestamp",
						  "must be an ISO 8601 date-time such as 2026-11-22T18:05:00.000Z (a -00:00 offset is not allowed)");
			break;
		case XAPI_VALUE_OUT_OF_RANGE:

			/*
			 * before the year 1 (a negative instant) or after 9999, offset
			 * applied
			 */
			XapiViolateAt(cx, key, "timestamp_range", ts < 0 ?
						  "the store keeps statements dated from the year 1 on" :
						  "the store keeps statements dated up to the end of the year 9999 (UTC)");
			break;
	}
}

/* Walk a value fully and return its nesting depth (1 for a scalar). */
static int
ValueDepth(JsonbValue *v)
{
	JsonbIterator *it;
	JsonbValue	x;
	JsonbIteratorToken tok;
	int			depth = 0,
				max = 0;

	if (v->type != jbvBinary)
		return 1;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &x, false)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_ARRAY || tok == WJB_BEGIN_OBJECT)
			max = Max(max, ++depth);
		else if (tok == WJB_END_ARRAY || tok == WJB_END_OBJECT)
			depth--;
	}
	return max + 1;
}

/* A language map: an object whose keys are RFC 5646 tags and values strings. */
void
XapiCheckLanguageMap(XapiCtx *cx, JsonbValue *obj, const char *key)
{
	JsonbValue	map,
				v;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	int			saved;
	char	   *lang = NULL;

	if (!XapiExpectObject(cx, obj, key, false, &map))
		return;
	saved = XapiPathPush(cx, key);
	it = JsonbIteratorInit(map.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{

			lang = XapiString(&v);
			if (!XapiIsLanguageTag(v.val.string.val, v.val.string.len))
				XapiViolateAt(cx, lang, "language_tag", "\"%s\" is not an RFC 5646 language tag", lang);
		}
		else if (tok == WJB_VALUE && v.type != jbvString)
			XapiViolateAt(cx, lang, "type", "a language map value must be a string, not %s", XapiTypeName(&v));
	}
	XapiPathPop(cx, saved);
}

/* Extensions: an object with IRI keys and any values (null included). */
void
XapiCheckExtensions(XapiCtx *cx, JsonbValue *obj, const char *key)
{
	JsonbValue	ext,
				v;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	int			saved;
	char	   *name = NULL;

	if (!XapiExpectObject(cx, obj, key, false, &ext))
		return;
	saved = XapiPathPush(cx, key);
	it = JsonbIteratorInit(ext.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			name = XapiString(&v);
			if (!XapiIsIri(v.val.string.val, v.val.string.len))
				XapiViolateAt(cx, name, "iri", "an extension key must be an absolute IRI");
		}
		else if (tok == WJB_VALUE && ValueDepth(&v) > XAPI_MAX_DEPTH)
			XapiViolateAt(cx, name, "too_deep", "an extension value is nested more than %d levels deep",
						  XAPI_MAX_DEPTH);
	}
	XapiPathPop(cx, saved);
}
