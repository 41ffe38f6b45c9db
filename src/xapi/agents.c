/*
 * agents.c
 *		Agents and Groups: objectType, name, the inverse functional
 *		identifiers (IFIs: mbox, mbox_sha1sum, openid, account) and group
 *		members, plus the extra rules for an authority.
 */
#include "postgres.h"

#include "utils/jsonb.h"

#include "xapi/xapi.h"

static const char *const ifi_keys[] = {"mbox", "mbox_sha1sum", "openid", "account", NULL};

/* Number of IFI properties present (whatever their values). */
int
XapiCountIfis(JsonbValue *obj)
{
	JsonbValue	v;
	int			n = 0;

	for (const char *const *k = ifi_keys; *k; k++)
		if (XapiGet(obj, *k, &v))
			n++;
	return n;
}

/* Check the format of each IFI present; report a count other than 0 or 1. */
static int
CheckIfis(XapiCtx *cx, JsonbValue *obj)
{
	static const char *const account_keys[] = {"homePage", "name", NULL};
	JsonbValue	v;
	int			n = XapiCountIfis(obj),
				saved;

	if (n > 1)
		XapiViolate(cx, "ifi",
					"an Agent or identified Group has exactly one of mbox, mbox_sha1sum, openid, account (this one has %d)",
					n);
	if (XapiExpectString(cx, obj, "mbox", false, &v) &&
		!XapiIsMailto(v.val.string.val, v.val.string.len))
		XapiViolateAt(cx, "mbox", "mbox", "must be a mailto IRI such as mailto:someone@example.org");
	if (XapiExpectString(cx, obj, "mbox_sha1sum", false, &v) &&
		!(v.val.string.len == 40 && XapiIsHex(v.val.string.val, 40)))
		XapiViolateAt(cx, "mbox_sha1sum", "mbox_sha1sum", "must be a SHA-1 digest in 40 hexadecimal digits");
	XapiCheckIriProp(cx, obj, "openid", false);
	if (XapiExpectObject(cx, obj, "account", false, &v))
	{
		JsonbValue	name;

		saved = XapiPathPush(cx, "account");
		XapiCheckKeys(cx, &v, account_keys);
		XapiCheckIriProp(cx, &v, "homePage", true);
		XapiExpectString(cx, &v, "name", true, &name);
		XapiPathPop(cx, saved);
	}
	return n;
}

/* objectType, when present, must be the string expected. */
static void
CheckObjectType(XapiCtx *cx, JsonbValue *obj, const char *expected, bool required)
{
	JsonbValue	v;

	if (XapiExpectString(cx, obj, "objectType", required, &v) &&
		!(v.val.string.len == (int) strlen(expected) &&
		  memcmp(v.val.string.val, expected, v.val.string.len) == 0))
		XapiViolateAt(cx, "objectType", "object_type", "must be \"%s\"", expected);
}

/*
 * XapiCheckAgent
 *		An Agent: optional objectType "Agent", optional name, exactly one IFI.
 */
void
XapiCheckAgent(XapiCtx *cx, JsonbValue *v)
{
	static const char *const keys[] = {
		"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", NULL
	};
	JsonbValue	name;

	if (!XapiIsObject(v))
	{
		XapiViolate(cx, "type", "an Agent must be an object, not %s", XapiTypeName(v));
		return;
	}
	XapiCheckKeys(cx, v, keys);
	CheckObjectType(cx, v, "Agent", false);
	XapiExpectString(cx, v, "name", false, &name);
	if (CheckIfis(cx, v) == 0)
		XapiViolate(cx, "ifi", "an Agent needs one of mbox, mbox_sha1sum, openid, account");
}

/*
 * XapiCheckActor
 *		An Agent or a Group (group_only: a Group).  A Group has objectType
 *		"Group"; an anonymous Group (no IFI) needs a member array; members are
 *		Agents, never Groups.  An authority is an Agent or an anonymous Group of
 *		exactly two Agents (the OAuth consumer and user).
 */
void
XapiCheckActor(XapiCtx *cx, JsonbValue *v, bool group_only, bool authority)
{
	static const char *const keys[] = {
		"objectType", "name", "member", "mbox", "mbox_sha1sum", "openid", "account", NULL
	};
	JsonbValue	t,
				name,
				members;
	bool		is_group = false;
	int			nifis,
				nmembers;

	if (!XapiIsObject(v))
	{
		XapiViolate(cx, "type", "an %s must be an object, not %s",
					group_only ? "Group" : "Agent or Group", XapiTypeName(v));
		return;
	}
	if (XapiGet(v, "objectType", &t) && t.type == jbvString &&
		t.val.string.len == 5 && memcmp(t.val.string.val, "Group", 5) == 0)
		is_group = true;
	if (!is_group)
	{
		if (group_only)
		{
			XapiViolateAt(cx, "objectType", "object_type", "must be \"Group\"");
			return;
		}
		XapiCheckAgent(cx, v);
		return;
	}

	XapiCheckKeys(cx, v, keys);
	XapiExpectString(cx, v, "name", false, &name);
	nifis = CheckIfis(cx, v);
	nmembers = XapiArrayProp(cx, v, "member", "Agents", XapiCheckAgent);
	if (nmembers < 0 && nifis == 0 && !XapiGet(v, "member", &members))
		XapiViolateAt(cx, "member", "group_member", "an anonymous Group needs a member array");
	if (authority)
	{
		if (nifis > 0)
			XapiViolate(cx, "authority", "a Group authority must be anonymous (no IFI)");
		else if (nmembers != 2)
			XapiViolate(cx, "authority", "a Group authority has exactly two members (this one has %d)",
						Max(nmembers, 0));
	}
}
