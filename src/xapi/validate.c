/*
 * validate.c
 *		The xAPI statement walker: required properties, JSON types, allowed
 *		property names and the MUST rules of xAPI 1.0.3 and 2.0.0 for
 *		statements, verbs, objects (Activities, StatementRefs, SubStatements),
 *		results, contexts and attachments.  Agents and Groups are in agents.c.
 *
 * The walker reads the jsonb in place with getKeyJsonValueFromContainer and
 * JsonbIterator; nothing is copied.  Every violation is recorded with the
 * JSON path of the offending value and a rule name (doc/xapi.md lists them),
 * so one pass serves both the data-quality report and the raising form.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "xapi/xapi.h"

static void CheckStatement(XapiCtx *cx, JsonbValue *st, bool sub);

/* ---------------------------------------------------------------------
 * Statement parts
 * ---------------------------------------------------------------------
 */

/* Verb: {id IRI (required), display language map}. */
static void
CheckVerb(XapiCtx *cx, JsonbValue *verb)
{
	static const char *const keys[] = {"id", "display", NULL};

	XapiCheckKeys(cx, verb, keys);
	XapiCheckIriProp(cx, verb, "id", true);
	XapiCheckLanguageMap(cx, verb, "display");
}

/* StatementRef: {objectType "StatementRef" (required), id UUID (required)}. */
static void
CheckStatementRef(XapiCtx *cx, JsonbValue *ref)
{
	static const char *const keys[] = {"objectType", "id", NULL};
	JsonbValue	v;

	XapiCheckKeys(cx, ref, keys);
	if (XapiExpectString(cx, ref, "objectType", true, &v) &&
		!(v.val.string.len == 12 && memcmp(v.val.string.val, "StatementRef", 12) == 0))
		XapiViolateAt(cx, "objectType", "object_type", "must be \"StatementRef\"");
	XapiCheckUuidProp(cx, ref, "id", true);
}

/* An interaction component: {id string (required), description lang map}. */
static void
CheckComponent(XapiCtx *cx, JsonbValue *el)
{
	static const char *const keys[] = {"id", "description", NULL};
	JsonbValue	id;

	if (!XapiIsObject(el))
	{
		XapiViolate(cx, "type", "an interaction component must be an object, not %s", XapiTypeName(el));
		return;
	}
	XapiCheckKeys(cx, el, keys);
	if (XapiExpectString(cx, el, "id", true, &id) && id.val.string.len == 0)
		XapiViolate(cx, "required", "an interaction component id must not be empty");
	XapiCheckLanguageMap(cx, el, "description");
}

/* One component id of a list, for finding the ones that occur twice. */
typedef struct ComponentId
{
	const char *val;
	int			len;
	int			index;			/* in the list */
} ComponentId;

static int
ComponentIdCmp(const void *a, const void *b)
{
	const ComponentId *x = a;
	const ComponentId *y = b;
	int			c = memcmp(x->val, y->val, Min(x->len, y->len));

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->index - y->index;
}

static int
IntCmp(const void *a, const void *b)
{
	return *(const int *) a - *(const int *) b;
}

/*
 * "Within an array of interaction components, all id values MUST be
 * distinct" (xAPI 1.0.3 Data 2.4.4.1.s16.b1, 2.0.0 likewise).  Ids compare
 * exactly (bytewise, case-sensitive).  Each repetition is reported at its
 * own id, after the first occurrence; sorting keeps a long list linear-log.
 */
static void
CheckDistinctComponentIds(XapiCtx *cx, JsonbValue *arr)
{
	JsonbIterator *it = JsonbIteratorInit(arr->val.binary.data);
	JsonbValue	el,
				id;
	JsonbIteratorToken tok;
	ComponentId *ids;
	int		   *dups;
	int			n = 0,
				ndups = 0,
				i = 0;

	ids = palloc(sizeof(ComponentId) * Max(JsonContainerSize(arr->val.binary.data), 1));
	while ((tok = JsonbIteratorNext(&it, &el, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (XapiGet(&el, "id", &id) && id.type == jbvString)
		{
			ids[n].val = id.val.string.val;
			ids[n].len = id.val.string.len;
			ids[n].index = i;
			n++;
		}
		i++;
	}
	qsort(ids, n, sizeof(ComponentId), ComponentIdCmp);
	dups = palloc(sizeof(int) * Max(n, 1));
	for (i = 1; i < n; i++)
		if (ids[i].len == ids[i - 1].len && memcmp(ids[i].val, ids[i - 1].val, ids[i].len) == 0)
			dups[ndups++] = ids[i].index;
	qsort(dups, ndups, sizeof(int), IntCmp);
	for (i = 0; i < ndups; i++)
	{
		int			saved = XapiPathPushIndex(cx, dups[i]);

		XapiViolateAt(cx, "id", "component_id",
					  "interaction component ids must be distinct within a list; this one occurs earlier in the list");
		XapiPathPop(cx, saved);
	}
	pfree(ids);
	pfree(dups);
}

/* One element of correctResponsesPattern: a string. */
static void
CheckResponsePattern(XapiCtx *cx, JsonbValue *el)
{
	if (el->type != jbvString)
		XapiViolate(cx, "type", "must be a string, not %s", XapiTypeName(el));
}

/*
 * The interaction types and the interaction component lists each supports
 * (xAPI 1.0.3 Data 2.4.4.1.s15.table2; IEEE 9274.1.1 4.2.4.2 likewise).
 */
static const struct
{
	const char *type;
	const char *lists[3];		/* NULL-terminated */
	const char *message;
}			interaction_types[] = {
	{"true-false", {NULL}, "takes no interaction component list"},
	{"choice", {"choices", NULL}, "takes only \"choices\""},
	{"fill-in", {NULL}, "takes no interaction component list"},
	{"long-fill-in", {NULL}, "takes no interaction component list"},
	{"matching", {"source", "target", NULL}, "takes only \"source\" and \"target\""},
	{"performance", {"steps", NULL}, "takes only \"steps\""},
	{"sequencing", {"choices", NULL}, "takes only \"choices\""},
	{"likert", {"scale", NULL}, "takes only \"scale\""},
	{"numeric", {NULL}, "takes no interaction component list"},
	{"other", {NULL}, "takes no interaction component list"},
};

/*
 * Activity definition, including interaction definitions: an Activity with
 * correctResponsesPattern or an interaction component list is an
 * Interaction Activity, which MUST have a valid interactionType
 * (Data 2.4.4.1.s13.b1); its component lists are the ones its type
 * supports, each a list of components with distinct ids.
 */
static void
CheckDefinition(XapiCtx *cx, JsonbValue *def)
{
	static const char *const keys[] = {
		"name", "description", "type", "moreInfo", "extensions", "interactionType",
		"correctResponsesPattern", "choices", "scale", "source", "target", "steps", NULL
	};
	static const char *const components[] = {"choices", "scale", "source", "target", "steps", NULL};
	JsonbValue	v;
	int			type = -1;		/* index in interaction_types; -1: none */
	bool		has_type,
				interaction = false;

	XapiCheckKeys(cx, def, keys);
	XapiCheckLanguageMap(cx, def, "name");
	XapiCheckLanguageMap(cx, def, "description");
	XapiCheckIriProp(cx, def, "type", false);
	XapiCheckIriProp(cx, def, "moreInfo", false);
	XapiCheckExtensions(cx, def, "extensions");
	has_type = XapiGet(def, "interactionType", &v);
	if (XapiExpectString(cx, def, "interactionType", false, &v))
	{
		for (int t = 0; t < (int) lengthof(interaction_types); t++)
			if ((int) strlen(interaction_types[t].type) == v.val.string.len &&
				memcmp(interaction_types[t].type, v.val.string.val, v.val.string.len) == 0)
				type = t;
		if (type < 0)
			XapiViolateAt(cx, "interactionType", "interaction_type",
						  "must be one of true-false, choice, fill-in, long-fill-in, matching, performance, sequencing, likert, numeric, other");
	}
	interaction = XapiGet(def, "correctResponsesPattern", &v);
	XapiArrayProp(cx, def, "correctResponsesPattern", "strings", CheckResponsePattern);
	for (const char *const *c = components; *c; c++)
	{
		bool		supported = false;

		if (!XapiGet(def, *c, &v))
			continue;
		interaction = true;
		if (XapiArrayProp(cx, def, *c, "interaction components", CheckComponent) > 1)
		{
			int			saved = XapiPathPush(cx, *c);

			CheckDistinctComponentIds(cx, &v);
			XapiPathPop(cx, saved);
		}
		if (type < 0)
			continue;
		for (int l = 0; interaction_types[type].lists[l] != NULL; l++)
			if (strcmp(interaction_types[type].lists[l], *c) == 0)
				supported = true;
		if (!supported)
			XapiViolateAt(cx, *c, "interaction_components",
						  "is not an interaction component list of interactionType \"%s\", which %s",
						  interaction_types[type].type, interaction_types[type].message);
	}
	if (interaction && !has_type)
		XapiViolateAt(cx, "interactionType", "interaction_type",
					  "property \"interactionType\" is required in an Activity definition with correctResponsesPattern or an interaction component list");
}

/* Activity: {objectType "Activity", id IRI (required), definition}. */
static void
CheckActivity(XapiCtx *cx, JsonbValue *act)
{
	static const char *const keys[] = {"objectType", "id", "definition", NULL};
	JsonbValue	def;

	if (!XapiIsObject(act))
	{
		XapiViolate(cx, "type", "an Activity must be an object, not %s", XapiTypeName(act));
		return;
	}
	XapiCheckKeys(cx, act, keys);
	if (XapiGet(act, "objectType", &def))
	{
		int			saved = XapiPathPush(cx, "objectType");

		if (def.type != jbvString || def.val.string.len != 8 || memcmp(def.val.string.val, "Activity", 8) != 0)
			XapiViolate(cx, "object_type", "must be \"Activity\"");
		XapiPathPop(cx, saved);
	}
	XapiCheckIriProp(cx, act, "id", true);
	if (XapiExpectObject(cx, act, "definition", false, &def))
	{
		int			saved = XapiPathPush(cx, "definition");

		CheckDefinition(cx, &def);
		XapiPathPop(cx, saved);
	}
}

/*
 * The statement's object.  Returns its objectType ("Activity" when absent)
 * or NULL when it is not an object.
 */
static const char *
CheckObject(XapiCtx *cx, JsonbValue *obj)
{
	JsonbValue	t;
	const char *type = "Activity";

	if (!XapiIsObject(obj))
	{
		XapiViolate(cx, "type", "must be an object, not %s", XapiTypeName(obj));
		return NULL;
	}
	if (XapiGet(obj, "objectType", &t))
	{
		if (t.type != jbvString)
		{
			XapiViolateAt(cx, "objectType", "type", "must be a string, not %s", XapiTypeName(&t));
			return NULL;
		}
		type = XapiString(&t);
	}
	if (strcmp(type, "Activity") == 0)
		CheckActivity(cx, obj);
	else if (strcmp(type, "Agent") == 0)
		XapiCheckAgent(cx, obj);
	else if (strcmp(type, "Group") == 0)
		XapiCheckActor(cx, obj, true, false);
	else if (strcmp(type, "StatementRef") == 0)
		CheckStatementRef(cx, obj);
	else if (strcmp(type, "SubStatement") == 0)
	{
		if (cx->in_substatement)
			XapiViolate(cx, "substatement", "a SubStatement cannot contain another SubStatement");
		else
		{
			cx->in_substatement = true;
			CheckStatement(cx, obj, true);
			cx->in_substatement = false;
		}
	}
	else
	{
		XapiViolateAt(cx, "objectType", "object_type",
					  "must be one of Activity, Agent, Group, StatementRef, SubStatement (case-sensitive)");
		return NULL;
	}
	return type;
}

/*
 * A numeric score property; returns true and its value when present, a
 * number and one the store can hold (XapiStoreNumber: the value the
 * derivation stores).
 */
static bool
ScoreNumber(XapiCtx *cx, JsonbValue *score, const char *key, double *out)
{
	JsonbValue	v;

	if (!XapiGet(score, key, &v))
		return false;
	if (v.type != jbvNumeric)
	{
		XapiViolateAt(cx, key, "type", "must be a number, not %s", XapiTypeName(&v));
		return false;
	}
	if (XapiStoreNumber(v.val.numeric, out) != XAPI_VALUE_OK)
	{
		XapiViolateAt(cx, key, "number_range",
					  "must be a number that double precision holds: at most about 1.8e308 in magnitude, and not so near zero that it reads as 0");
		return false;
	}
	return true;
}

/* Result: score, success, completion, response, duration, extensions. */
static void
CheckResult(XapiCtx *cx, JsonbValue *res)
{
	static const char *const keys[] = {
		"score", "success", "completion", "response", "duration", "extensions", NULL
	};
	static const char *const score_keys[] = {"scaled", "raw", "min", "max", NULL};
	JsonbValue	v;
	int			saved;

	XapiCheckKeys(cx, res, keys);
	if (XapiExpectObject(cx, res, "score", false, &v))
	{
		double		scaled,
					raw,
					min,
					max;
		bool		has_raw,
					has_min,
					has_max;

		saved = XapiPathPush(cx, "score");
		XapiCheckKeys(cx, &v, score_keys);
		if (ScoreNumber(cx, &v, "scaled", &scaled) && (scaled < -1.0 || scaled > 1.0))
			XapiViolateAt(cx, "scaled", "score", "must be between -1 and 1");
		has_raw = ScoreNumber(cx, &v, "raw", &raw);
		has_min = ScoreNumber(cx, &v, "min", &min);
		has_max = ScoreNumber(cx, &v, "max", &max);
		if (has_min && has_max && !(min < max))
			XapiViolateAt(cx, "max", "score", "must be greater than min");
		if (has_raw && ((has_min && raw < min) || (has_max && raw > max)))
			XapiViolateAt(cx, "raw", "score", "must be between min and max");
		XapiPathPop(cx, saved);
	}
	if (XapiGet(res, "success", &v) && v.type != jbvBool)
		XapiViolateAt(cx, "success", "type", "must be a boolean, not %s", XapiTypeName(&v));
	if (XapiGet(res, "completion", &v) && v.type != jbvBool)
		XapiViolateAt(cx, "completion", "type", "must be a boolean, not %s", XapiTypeName(&v));
	XapiExpectString(cx, res, "response", false, &v);
	if (XapiExpectString(cx, res, "duration", false, &v))
	{
		switch (XapiParseDuration(v.val.string.val, v.val.string.len, NULL))
		{
			case XAPI_VALUE_OK:
				break;
			case XAPI_VALUE_MALFORMED:
				XapiViolateAt(cx, "duration", "duration", "must be an ISO 8601 duration such as PT1H30M or P4W");
				break;
			case XAPI_VALUE_OUT_OF_RANGE:
				XapiViolateAt(cx, "duration", "duration_range",
							  "must fit an interval: at most 10000000 years, months, weeks or days and 1000000000 hours, minutes or seconds in one component");
				break;
		}
	}
	XapiCheckExtensions(cx, res, "extensions");
}

/* One contextActivities value: an Activity or an array of Activities. */
static void
CheckContextActivityList(XapiCtx *cx, JsonbValue *v)
{
	if (XapiIsArray(v))
		XapiEachElement(cx, v, CheckActivity);
	else
		CheckActivity(cx, v);
}

/* One element of relevantTypes: an IRI. */
static void
CheckRelevantType(XapiCtx *cx, JsonbValue *t)
{
	if (t->type != jbvString || !XapiIsIri(t->val.string.val, t->val.string.len))
		XapiViolate(cx, "iri", "must be an absolute IRI");
}

/* One contextAgent or contextGroup object (groups: the latter). */
static void
CheckContextActor(XapiCtx *cx, JsonbValue *el, bool groups)
{
	static const char *const agent_keys[] = {"objectType", "agent", "relevantTypes", NULL};
	static const char *const group_keys[] = {"objectType", "group", "relevantTypes", NULL};
	const char *otype = groups ? "contextGroup" : "contextAgent";
	const char *member = groups ? "group" : "agent";
	JsonbValue	v;
	int			saved;

	if (!XapiIsObject(el))
	{
		XapiViolate(cx, "type", "must be an object, not %s", XapiTypeName(el));
		return;
	}
	XapiCheckKeys(cx, el, groups ? group_keys : agent_keys);
	if (XapiExpectString(cx, el, "objectType", true, &v) &&
		!(v.val.string.len == (int) strlen(otype) &&
		  memcmp(v.val.string.val, otype, v.val.string.len) == 0))
		XapiViolateAt(cx, "objectType", "object_type", "must be \"%s\"", otype);
	if (!XapiGet(el, member, &v))
		XapiViolateAt(cx, member, "required", "property \"%s\" is required", member);
	else
	{
		saved = XapiPathPush(cx, member);
		if (groups)
			XapiCheckActor(cx, &v, true, false);
		else
			XapiCheckAgent(cx, &v);
		XapiPathPop(cx, saved);
	}
	if (XapiArrayProp(cx, el, "relevantTypes", "IRIs", CheckRelevantType) == 0)
		XapiViolateAt(cx, "relevantTypes", "type", "must be a non-empty array of IRIs");
}

static void
CheckContextAgent(XapiCtx *cx, JsonbValue *el)
{
	CheckContextActor(cx, el, false);
}

static void
CheckContextGroup(XapiCtx *cx, JsonbValue *el)
{
	CheckContextActor(cx, el, true);
}

/*
 * contextAgents / contextGroups (2.0.0): arrays of
 * {objectType "contextAgent"|"contextGroup", agent|group, relevantTypes [IRI, ...]}.
 */
static void
CheckContextActors(XapiCtx *cx, JsonbValue *ctx, const char *key, bool groups)
{
	JsonbValue	arr;

	if (cx->version == XAPI_V103)
	{
		if (XapiGet(ctx, key, &arr))
			XapiViolateAt(cx, key, "unknown_property", "property \"%s\" is new in xAPI 2.0.0", key);
		return;
	}
	XapiArrayProp(cx, ctx, key, groups ? "contextGroup objects" : "contextAgent objects",
				  groups ? CheckContextGroup : CheckContextAgent);
}

/* Context; revision and platform only when the object is an Activity. */
static void
CheckContext(XapiCtx *cx, JsonbValue *ctx, const char *object_type)
{
	static const char *const keys[] = {
		"registration", "instructor", "team", "contextActivities", "revision", "platform",
		"language", "statement", "extensions", "contextAgents", "contextGroups", NULL
	};
	static const char *const ca_keys[] = {"parent", "grouping", "category", "other", NULL};
	bool		activity = object_type != NULL && strcmp(object_type, "Activity") == 0;
	JsonbValue	v;
	int			saved;

	XapiCheckKeys(cx, ctx, keys);
	XapiCheckUuidProp(cx, ctx, "registration", false);
	if (XapiGet(ctx, "instructor", &v))
	{
		saved = XapiPathPush(cx, "instructor");
		XapiCheckActor(cx, &v, false, false);
		XapiPathPop(cx, saved);
	}
	if (XapiGet(ctx, "team", &v))
	{
		saved = XapiPathPush(cx, "team");
		XapiCheckActor(cx, &v, true, false);
		XapiPathPop(cx, saved);
	}
	if (XapiExpectObject(cx, ctx, "contextActivities", false, &v))
	{
		saved = XapiPathPush(cx, "contextActivities");
		XapiCheckKeys(cx, &v, ca_keys);
		for (const char *const *k = ca_keys; *k; k++)
		{
			JsonbValue	list;

			if (XapiGet(&v, *k, &list))
			{
				int			s2 = XapiPathPush(cx, *k);

				CheckContextActivityList(cx, &list);
				XapiPathPop(cx, s2);
			}
		}
		XapiPathPop(cx, saved);
	}
	if (XapiExpectString(cx, ctx, "revision", false, &v) && !activity)
		XapiViolateAt(cx, "revision", "context_activity_only", "is allowed only when the object is an Activity");
	if (XapiExpectString(cx, ctx, "platform", false, &v) && !activity)
		XapiViolateAt(cx, "platform", "context_activity_only", "is allowed only when the object is an Activity");
	if (XapiExpectString(cx, ctx, "language", false, &v) &&
		!XapiIsLanguageTag(v.val.string.val, v.val.string.len))
		XapiViolateAt(cx, "language", "language_tag", "must be an RFC 5646 language tag");
	if (XapiGet(ctx, "statement", &v))
	{
		saved = XapiPathPush(cx, "statement");
		if (!XapiIsObject(&v))
			XapiViolate(cx, "type", "must be a StatementRef object, not %s", XapiTypeName(&v));
		else
			CheckStatementRef(cx, &v);
		XapiPathPop(cx, saved);
	}
	XapiCheckExtensions(cx, ctx, "extensions");
	CheckContextActors(cx, ctx, "contextAgents", false);
	CheckContextActors(cx, ctx, "contextGroups", true);
}

/* Attachment metadata (the content itself travels outside the statement). */
static void
CheckAttachment(XapiCtx *cx, JsonbValue *att)
{
	static const char *const keys[] = {
		"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl", NULL
	};
	JsonbValue	v;
	int			saved;

	if (!XapiIsObject(att))
	{
		XapiViolate(cx, "type", "an attachment must be an object, not %s", XapiTypeName(att));
		return;
	}
	XapiCheckKeys(cx, att, keys);
	XapiCheckIriProp(cx, att, "usageType", true);
	if (!XapiGet(att, "display", &v))
		XapiViolateAt(cx, "display", "required", "property \"display\" is required");
	XapiCheckLanguageMap(cx, att, "display");
	XapiCheckLanguageMap(cx, att, "description");
	XapiExpectString(cx, att, "contentType", true, &v);
	if (!XapiGet(att, "length", &v))
		XapiViolateAt(cx, "length", "required", "property \"length\" is required");
	else
	{
		saved = XapiPathPush(cx, "length");
		if (v.type != jbvNumeric)
			XapiViolate(cx, "type", "must be an integer, not %s", XapiTypeName(&v));
		else
		{
			/* read exactly, from the number's text: a double makes 1e-400 a 0 */
			char	   *len = DatumGetCString(DirectFunctionCall1(numeric_out,
																  NumericGetDatum(v.val.numeric)));
			char	   *point = strchr(len, '.');

			if (len[0] == '-' || (point != NULL && point[strspn(point + 1, "0") + 1] != '\0'))
				XapiViolate(cx, "type", "must be a non-negative integer");
			pfree(len);
		}
		XapiPathPop(cx, saved);
	}
	if (XapiExpectString(cx, att, "sha2", true, &v) &&
		!XapiIsHex(v.val.string.val, v.val.string.len))
		XapiViolateAt(cx, "sha2", "sha2", "must be a hexadecimal SHA-2 digest");
	XapiCheckIriProp(cx, att, "fileUrl", false);
}

/*
 * A statement (sub = false) or a SubStatement (sub = true).  A SubStatement
 * has objectType "SubStatement" and must not carry id, stored, version or
 * authority.
 */
static void
CheckStatement(XapiCtx *cx, JsonbValue *st, bool sub)
{
	static const char *const keys[] = {
		"id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
		"authority", "version", "attachments", NULL
	};
	static const char *const sub_keys[] = {
		"objectType", "actor", "verb", "object", "result", "context", "timestamp",
		"attachments", "id", "stored", "version", "authority", NULL
	};
	static const char *const sub_forbidden[] = {"id", "stored", "version", "authority", NULL};
	JsonbValue	v,
				verb;
	const char *object_type = NULL;
	bool		have_verb;
	int			saved;

	XapiCheckKeys(cx, st, sub ? sub_keys : keys);
	if (sub)
	{
		for (const char *const *k = sub_forbidden; *k; k++)
			if (XapiGet(st, *k, &v))
				XapiViolateAt(cx, *k, "substatement", "a SubStatement must not have \"%s\"", *k);
	}
	else
	{
		XapiCheckUuidProp(cx, st, "id", false);
		XapiCheckTimestampProp(cx, st, "stored");
		if (XapiExpectString(cx, st, "version", false, &v) &&
			!XapiParseVersion(v.val.string.val, v.val.string.len, cx->version))
			XapiViolateAt(cx, "version", "version", cx->version == XAPI_V200 ?
						  "must be \"1.0\", \"1.0.x\", \"2.0\" or \"2.0.x\"" :
						  "must be \"1.0\" or \"1.0.x\" under xAPI 1.0.3");
		if (XapiGet(st, "authority", &v))
		{
			saved = XapiPathPush(cx, "authority");
			XapiCheckActor(cx, &v, false, true);
			XapiPathPop(cx, saved);
		}
	}

	if (!XapiGet(st, "actor", &v))
		XapiViolateAt(cx, "actor", "required", "property \"actor\" is required");
	else
	{
		saved = XapiPathPush(cx, "actor");
		XapiCheckActor(cx, &v, false, false);
		XapiPathPop(cx, saved);
	}

	have_verb = XapiExpectObject(cx, st, "verb", true, &verb);
	if (have_verb)
	{
		saved = XapiPathPush(cx, "verb");
		CheckVerb(cx, &verb);
		XapiPathPop(cx, saved);
	}

	if (!XapiGet(st, "object", &v))
		XapiViolateAt(cx, "object", "required", "property \"object\" is required");
	else
	{
		saved = XapiPathPush(cx, "object");
		object_type = CheckObject(cx, &v);
		XapiPathPop(cx, saved);
	}

	/*
	 * the store indexes the object's id (object_id): an Activity id has a
	 * limit
	 */
	if (!sub && object_type != NULL && strcmp(object_type, "Activity") == 0 &&
		XapiGet(st, "object", &v) && XapiGet(&v, "id", &v) && v.type == jbvString &&
		v.val.string.len > XAPI_MAX_OBJECT_ID_BYTES)
	{
		saved = XapiPathPush(cx, "object");
		XapiViolateAt(cx, "id", "object_id_length",
					  "the Activity id of a statement's object is limited to %d bytes (this one has %d): the store indexes it",
					  XAPI_MAX_OBJECT_ID_BYTES, v.val.string.len);
		XapiPathPop(cx, saved);
	}

	/* voiding: the object of a "voided" statement is a StatementRef */
	if (!sub && have_verb && XapiGet(&verb, "id", &v) && v.type == jbvString &&
		v.val.string.len == (int) strlen(XAPI_VERB_VOIDED) &&
		memcmp(v.val.string.val, XAPI_VERB_VOIDED, v.val.string.len) == 0 &&
		(object_type == NULL || strcmp(object_type, "StatementRef") != 0))
		XapiViolateAt(cx, "object", "voiding", "the object of a voiding statement must be a StatementRef");

	if (XapiExpectObject(cx, st, "result", false, &v))
	{
		saved = XapiPathPush(cx, "result");
		CheckResult(cx, &v);
		XapiPathPop(cx, saved);
	}
	if (XapiExpectObject(cx, st, "context", false, &v))
	{
		saved = XapiPathPush(cx, "context");
		CheckContext(cx, &v, object_type);
		XapiPathPop(cx, saved);
	}
	XapiCheckTimestampProp(cx, st, "timestamp");
	XapiArrayProp(cx, st, "attachments", "attachments", CheckAttachment);
}

/*
 * XapiValidate
 *		Validate one statement; violations accumulate in cx->violations.
 */
void
XapiValidate(XapiCtx *cx, Jsonb *jb)
{
	JsonbValue	root;

	if (VARSIZE(jb) > XAPI_MAX_BYTES)
	{
		XapiViolate(cx, "too_large", "a statement is limited to %d bytes (this one has %d)",
					XAPI_MAX_BYTES, (int) VARSIZE(jb));
		return;
	}
	if (JB_ROOT_IS_SCALAR(jb) || !JB_ROOT_IS_OBJECT(jb))
	{
		XapiViolate(cx, "type", "a statement must be a JSON object, not %s",
					JB_ROOT_IS_SCALAR(jb) ? "a scalar" : "an array");
		return;
	}
	root.type = jbvBinary;
	root.val.binary.data = &jb->root;
	root.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	CheckStatement(cx, &root, false);
}
