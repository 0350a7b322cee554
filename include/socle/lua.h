/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * The Lua layer seen from a plugin: Lua libraries, rule points, calling them.
 *
 * Each service has its own sandboxed Lua 5.4 states (one per thread that needs
 * one), loaded from each enabled plugin's own pack (plugins/<name>/scripts/)
 * layered with the service's scripts folder. A rule point is a named function
 * with a documented contract; the default implementation lives in the
 * plugin's pack and a service may redefine it with
 * socle.rule(name, fn) in its own files. See docs/lua-api.md.
 */
#ifndef SOCLE_LUA_H
#define SOCLE_LUA_H

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <socle/defs.h>
#include <socle/err.h>

#if LUA_VERSION_NUM != 504
#error "Socle needs Lua 5.4"
#endif

/** Install @p fns (NULL-terminated, static) as socle.<plugin name>.<fn> in every
 * service state. init() only. The functions run inside the sandbox: they must
 * not block, must bound what they allocate, and raise with luaL_error on misuse. */
SOCLE_API int socle_plugin_add_lua_lib(socle_plugin *p, const luaL_Reg *fns, socle_err *err);

/** Check a rule point's result against its contract. Return 0, or fill @p err
 * (message in French) and return SOCLE_E_CONTRACT. */
typedef int (*socle_rule_check_fn)(const json_t *result, socle_err *err);

struct socle_rule_point {
	const char *name;     /* "prevention_score" */
	const char *contract; /* one paragraph: arguments, result, invariants */
	int n_args;           /* number of arguments passed */
	socle_rule_check_fn check; /* may be NULL */
};

/** Declare a rule point (struct borrowed, static). init() only. Loading a
 * service that enables the plugin fails if no script defines it. */
SOCLE_API int socle_plugin_add_rule_point(socle_plugin *p, const struct socle_rule_point *rp,
                                          socle_err *err);

/** Call rule point @p name of @p svc with the elements of @p args (a JSON array,
 * borrowed) as arguments, in this thread's state for the service, under the
 * service's budgets. On success *out receives the result (caller owns) after it
 * passed the contract check. */
SOCLE_API int socle_rule_call(socle_service *svc, const char *name, const json_t *args,
                              json_t **out, socle_err *err);

/** Pushes the arguments of a rule call onto @p L: exactly the rule point's
 * n_args values. Runs inside the protected call, under the service's budgets;
 * it may raise (luaL_error) and must bound what it allocates. */
typedef void (*socle_rule_push_fn)(lua_State *L, void *ud);

/** socle_rule_call whose arguments are pushed by @p push instead of converted
 * from JSON (declared rule points only: SOCLE_E_INVAL otherwise; deeper than
 * a few levels, @p push checks the stack itself with luaL_checkstack): for
 * callers that evaluate a rule point over many records read
 * from the store (the JSON round trip was a fifth of the cost of recomputing
 * every worker's next visits). The result is converted and contract-checked
 * as socle_rule_call does. Tables pushed are plain tables: an empty one reads
 * back as an empty object, not an empty array. ABI 1.2. */
SOCLE_API int socle_rule_call_pushed(socle_service *svc, const char *name, socle_rule_push_fn push,
                                     void *ud, json_t **out, socle_err *err);

/** Reads a rule's result, the value at @p idx of @p L, into the caller's own
 * form: 0, or a negative code with @p err set (French) when the result breaks
 * the rule point's contract. Runs inside the protected call, under the
 * service's budgets. It reads with raw access (lua_rawget, lua_rawgeti: no
 * metamethod of the script runs), calls lua_tolstring on strings only, and
 * copies what it keeps: the strings live as long as the result. */
typedef int (*socle_rule_read_fn)(lua_State *L, int idx, void *ud, socle_err *err);

/** socle_rule_call_pushed whose result is read by @p read instead of being
 * converted to JSON: for callers that keep a few fields of each of many
 * results (converting, checking and freeing the whole answer was a sixth of
 * the cost of recomputing every worker's next visits). The rule point's
 * check function does not run: @p read is the contract check of this path,
 * and must refuse what the check function refuses on the fields it reads.
 * Its refusal (SOCLE_E_CONTRACT) and its other failures (SOCLE_E_NOMEM...)
 * are returned with the rule's name in the message. ABI 1.3. */
SOCLE_API int socle_rule_call_read(socle_service *svc, const char *name, socle_rule_push_fn push,
                                   socle_rule_read_fn read, void *ud, socle_err *err);

/** Push @p v as a Lua value (depth and size limited; raises on excess). */
SOCLE_API void socle_lua_push_json(lua_State *L, const json_t *v);
/** Convert the Lua value at @p idx to JSON (caller owns), or NULL with @p err set. */
SOCLE_API json_t *socle_lua_to_json(lua_State *L, int idx, socle_err *err);
/** The service whose state @p L is. */
SOCLE_API socle_service *socle_lua_service(lua_State *L);

#endif
