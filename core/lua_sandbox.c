/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The sandbox every service script runs in: a counting allocator with a hard
 * cap, an instruction and wall-clock budget enforced by a count hook that a
 * script's own pcall cannot swallow, an allow-listed read-only environment,
 * guarded library functions (pattern matching with a step budget, string.rep,
 * table.move, table.insert, table.remove, coroutine resumption and closing,
 * setmetatable without finalizers, a deterministic math.random), and the one
 * wrapper through which C calls Lua.
 *
 * No script code runs outside the call that armed the budgets: not after it
 * (results and errors are read raw), not from the collector (no finalizers),
 * not at teardown (lua_sandbox_close), and inside it every Lua thread it runs
 * code on is known to the watchdog (guard_call_upvalue).
 *
 * The pattern functions are our own matcher rather than the library's, with
 * a step budget: lua_pattern.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lualib.h>

#include "lua_host.h"

const char lua_key_rules;
const char lua_key_rule_where;
const char lua_key_tests;
const char lua_key_handlers;
const char lua_key_parcours;
const char lua_key_arrays;
const char lua_key_env;
const char lua_null_sentinel;
static const char key_error_mt;

#define RNG_SEED 0x9e3779b97f4a7c15ull
#define MOVE_MAX 1000000            /* elements one table.move may copy */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- allocator ---------------------------------------------------------- */

/* Blocks of up to LUA_POOL_MAX bytes come from the state's pool, larger ones
 * from malloc; Lua gives the size of every block it resizes or frees, which
 * says where the block came from. */
static void block_put(struct lua_ctx *c, void *b, size_t size)
{
	if (size <= LUA_POOL_MAX)
		lua_pool_put(&c->pool, b, size);
	else
		free(b);
}

static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct lua_ctx *c = ud;

	if (ptr == NULL)
		osize = 0; /* for new blocks osize is a type tag, not a size */
	size_t ocap = ptr ? lua_pool_block_size(osize) : 0;
	if (nsize == 0) {
		if (ptr != NULL)
			block_put(c, ptr, osize);
		c->mem_used -= ocap;
		return NULL;
	}
	size_t ncap = lua_pool_block_size(nsize);
	if (ncap > ocap && ncap - ocap > c->mem_limit - c->mem_used) {
		c->mem_refused = true; /* Lua raises LUA_ERRMEM; shrinking always proceeds */
		return NULL;
	}
	void *p;

	if (ptr != NULL && osize <= LUA_POOL_MAX && ncap == ocap) {
		p = ptr; /* the same class */
	} else if (ptr != NULL && osize > LUA_POOL_MAX && nsize > LUA_POOL_MAX) {
		p = realloc(ptr, nsize);
	} else {
		p = nsize <= LUA_POOL_MAX ? lua_pool_get(&c->pool, nsize) : malloc(nsize);
		if (p != NULL && ptr != NULL) {
			memcpy(p, ptr, osize < nsize ? osize : nsize);
			block_put(c, ptr, osize);
		}
	}
	if (p == NULL) {
		c->mem_refused = true;
		return NULL;
	}
	c->mem_used = c->mem_used - ocap + ncap;
	return p;
}

static int sandbox_panic(lua_State *L)
{
	const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";

	socle_log(SOCLE_LOG_ERROR, "Lua : erreur hors protection (%s), arrêt", msg);
	abort();
}

/* ---- errors ------------------------------------------------------------- */

/* "source:line" of the innermost Lua function on the stack, from level @p from. */
bool lua_where(lua_State *L, int from, char *out, size_t size)
{
	lua_Debug ar;

	for (int level = from; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar))
			continue;
		if (ar.currentline > 0) {
			const char *src = ar.source[0] == '@' || ar.source[0] == '=' ? ar.source + 1
			                                                              : ar.short_src;
			snprintf(out, size, "%s:%d", src, ar.currentline);
			return true;
		}
	}
	if (size)
		out[0] = '\0';
	return false;
}

SOCLE_NORETURN int lua_raise(lua_State *L, const char *code, const char *fmt, ...)
{
	char where[200];
	va_list ap;

	lua_createtable(L, 0, 2);                      /* e */
	lua_pushstring(L, code);
	lua_setfield(L, -2, "code");
	if (lua_where(L, 0, where, sizeof(where)))
		lua_pushfstring(L, "%s: ", where);     /* e where */
	else
		lua_pushliteral(L, "");
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);                  /* e where msg */
	va_end(ap);
	lua_concat(L, 2);                              /* e "where msg" */
	lua_setfield(L, -2, "message");                /* e */
	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_error_mt);
	lua_setmetatable(L, -2);
	lua_error(L);
	abort(); /* not reached */
}

/* __tostring of error tables: "code: message". */
static int error_tostring_fn(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_pushliteral(L, "code");
	lua_rawget(L, 1);                              /* e code */
	lua_pushliteral(L, "message");
	lua_rawget(L, 1);                              /* e code msg */
	const char *code = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "script_error";
	const char *msg = lua_type(L, 3) == LUA_TSTRING ? lua_tostring(L, 3) : "";

	lua_pushfstring(L, "%s: %s", code, msg);
	return 1;
}

/* Message handler of lua_host_call only: make every error a table
 * {code, message, where, traceback} without running any script code (no
 * metamethods), so that a hostile error object cannot escape the budgets. */
static int sandbox_msgh(lua_State *L)
{
	char where[256];
	const char *code = "script_error";
	const char *msg = NULL;

	lua_where(L, 1, where, sizeof(where));
	int t = lua_type(L, 1);

	lua_createtable(L, 0, 4);                      /* e t */
	if (t == LUA_TSTRING) {
		msg = lua_tostring(L, 1);
	} else if (t == LUA_TNUMBER) {
		lua_pushvalue(L, 1);
		msg = lua_tostring(L, -1);             /* converts the copy only */
		lua_setfield(L, 2, "message");
	} else if (t == LUA_TTABLE) {
		lua_pushliteral(L, "code");
		if (lua_rawget(L, 1) == LUA_TSTRING)
			code = lua_tostring(L, -1);
		lua_setfield(L, 2, "code");            /* keeps the string alive in t */
		lua_pushliteral(L, "message");
		if (lua_rawget(L, 1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		lua_setfield(L, 2, "message");
	}
	lua_pushstring(L, code);
	lua_setfield(L, 2, "code");
	if (msg == NULL)
		lua_pushfstring(L, "%s: erreur de script (objet d'erreur de type %s)", where,
		                lua_typename(L, t));
	else
		lua_pushstring(L, msg);
	lua_setfield(L, 2, "message");
	lua_pushstring(L, where);
	lua_setfield(L, 2, "where");
	luaL_traceback(L, L, NULL, 1);
	lua_setfield(L, 2, "traceback");
	return 1;
}

/* ---- budgets ------------------------------------------------------------ */

/* Two ways to stop a call. A service that sets an instruction budget gets a
 * count hook for every call: the budget is exact and the deadline is checked
 * every LUA_HOOK_STEP instructions, but Lua then traps every instruction
 * (13 % of a rule evaluation, see lua_watchdog.c). Without one, calls run
 * with no hook and the watchdog enforces the deadline; the hook is installed
 * only once the deadline has passed. The watchdog also watches counted calls:
 * a count hook never fires while C code runs, and a C function of the
 * libraries may loop over C metamethods (table.concat with __index =
 * table.concat) without running one instruction.
 *
 * Either way, once the budget is spent the hook traps every instruction and
 * every function call (LUA_HOOKS_SPENT) of the running thread and of the main
 * thread, so that a pcall in the script cannot catch the error and carry on,
 * and a C loop that calls C functions stops at its next call, as lua.c does on
 * SIGINT. The C loops of the libraries that call nothing (table.insert and
 * table.remove moving nils over a length a __len chose) are replaced below by
 * versions that charge each element. */
#define LUA_HOOKS_SPENT (LUA_MASKCOUNT | LUA_MASKCALL)

static void budget_hook(lua_State *L, lua_Debug *ar);
static int sandbox_msgh(lua_State *L);
static int xpcall_handler(lua_State *L);

static void budget_exhaust(lua_State *L, struct lua_ctx *c, enum lua_budget_reason why)
{
	if (!c->exhausted) {
		c->exhausted = true;
		c->reason = why;
	}
	lua_sethook(L, budget_hook, LUA_HOOKS_SPENT, 1);
	if (L != c->main)
		lua_sethook(c->main, budget_hook, LUA_HOOKS_SPENT, 1);
	const struct socle_lua_limits *lim = &c->ls->svc->lua_limits;

	if (c->reason == LUA_BUDGET_TIME)
		lua_raise(L, "budget_exceeded", "délai d'exécution dépassé (%d ms)",
		          (int)(lim->time_ms > 0 ? lim->time_ms : LUA_DEFAULT_TIME_MS));
	lua_raise(L, "budget_exceeded", "budget d'instructions épuisé (%I instructions)",
	          (lua_Integer)lim->instructions);
}

/* Is the function a call event is about to run one of the message handlers?
 * They run no script code once the budget is spent, and raising in them would
 * only nest errors in error handling until the C stack gives up ("error in
 * error handling" instead of the budget's message). */
static bool calling_handler(lua_State *L, lua_Debug *ar)
{
	if (!lua_getinfo(L, "f", ar))
		return false;
	lua_CFunction f = lua_tocfunction(L, -1);

	lua_pop(L, 1);
	return f == sandbox_msgh || f == xpcall_handler;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
	struct lua_ctx *c = lua_ctx_of(L);

	if (!c->in_call)
		return;
	if (c->exhausted || c->expired) {
		if (ar->event == LUA_HOOKCALL && calling_handler(L, ar))
			return;
		budget_exhaust(L, c, c->exhausted ? c->reason : LUA_BUDGET_TIME);
	}
	if (!c->counted) {
		/* A coroutine hooked by an earlier call. */
		lua_sethook(L, NULL, 0, 0);
		return;
	}
	if (ar->event != LUA_HOOKCOUNT || lua_gethookmask(L) != LUA_MASKCOUNT ||
	    lua_gethookcount(L) != c->hook_step) {
		/* A coroutine hooked by an earlier call (possibly one whose budget
		 * was spent), or created with the hook of another count. */
		lua_sethook(L, budget_hook, LUA_MASKCOUNT, c->hook_step);
		return;
	}
	if (c->steps_left <= (uint64_t)c->hook_step)
		budget_exhaust(L, c, LUA_BUDGET_INSTRUCTIONS);
	c->steps_left -= (uint64_t)c->hook_step;
	if (mono_ns() >= c->deadline_ns)
		budget_exhaust(L, c, LUA_BUDGET_TIME);
}

void lua_budget_expire(struct lua_ctx *c)
{
	lua_State *running = c->running;

	c->expired = true;
	if (running != NULL)
		lua_sethook(running, budget_hook, LUA_HOOKS_SPENT, 1);
	lua_sethook(c->main, budget_hook, LUA_HOOKS_SPENT, 1);
}

void lua_budget_check(lua_State *L)
{
	struct lua_ctx *c = lua_ctx_of(L);

	if (c->in_call && c->exhausted)
		budget_exhaust(L, c, c->reason);
	if (c->in_call && c->expired)
		budget_exhaust(L, c, LUA_BUDGET_TIME);
}

void lua_budget_charge(lua_State *L, uint64_t steps)
{
	struct lua_ctx *c = lua_ctx_of(L);

	if (!c->in_call)
		return;
	lua_budget_check(L);
	if (c->counted) {
		if (steps >= c->steps_left)
			budget_exhaust(L, c, LUA_BUDGET_INSTRUCTIONS);
		c->steps_left -= steps;
	}
	if (mono_ns() >= c->deadline_ns)
		budget_exhaust(L, c, LUA_BUDGET_TIME);
}

static void budget_arm(struct lua_ctx *c)
{
	const struct socle_lua_limits *lim = &c->ls->svc->lua_limits;
	uint64_t instr = lim->instructions;
	int64_t ms = lim->time_ms > 0 ? lim->time_ms : LUA_DEFAULT_TIME_MS;

	c->exhausted = false;
	c->expired = false;
	c->reason = LUA_BUDGET_NONE;
	c->mem_refused = false;
	c->rng = RNG_SEED;
	c->running = NULL;
	c->counted = instr > 0;
	c->steps_left = instr;
	c->hook_step = instr > 0 && instr < LUA_HOOK_STEP ? (int)instr : LUA_HOOK_STEP;
	c->deadline_ns = mono_ns() + ms * 1000000;
	c->thread = pthread_self();
	if (instr > 0)
		lua_sethook(c->main, budget_hook, LUA_MASKCOUNT, c->hook_step);
	else
		lua_sethook(c->main, NULL, 0, 0);
	c->in_call = true;
	c->wd_outer = lua_watchdog_enter(c);
}

static void budget_disarm(struct lua_ctx *c)
{
	c->in_call = false;
	lua_watchdog_leave(c->wd_outer);
	/* The hook stays between counted calls: coroutines created by the next
	 * call inherit it. */
	if (!c->counted)
		lua_sethook(c->main, NULL, 0, 0);
}

/* The innermost coroutine a call runs, for the watchdog's hook. */
static lua_State *running_enter(lua_State *L, lua_State *co)
{
	struct lua_ctx *c = lua_ctx_of(L);
	lua_State *outer = c->running;

	c->running = co;
	return outer;
}

static void running_leave(lua_State *L, lua_State *outer)
{
	lua_ctx_of(L)->running = outer;
}

static int code_from_slug(const char *code)
{
	if (strcmp(code, "budget_exceeded") == 0)
		return SOCLE_E_BUDGET;
	if (strcmp(code, "phase_error") == 0)
		return SOCLE_E_PHASE;
	if (strcmp(code, "too_big") == 0)
		return SOCLE_E_TOOBIG;
	if (strcmp(code, "not_found") == 0)
		return SOCLE_E_NOTFOUND;
	return SOCLE_E_SCRIPT;
}

int lua_host_call(lua_State *L, int nargs, int nres, socle_err *err)
{
	struct lua_ctx *c = lua_ctx_of(L);
	int base = lua_gettop(L) - nargs;  /* index of the function */
	bool outer = c->call_depth == 0;
	int rc;

	lua_pushcfunction(L, sandbox_msgh);
	lua_insert(L, base);                   /* msgh fn args... */
	if (outer)
		budget_arm(c);                 /* nested calls share the outer budget */
	c->call_depth++;
	rc = lua_pcall(L, nargs, nres, base);
	c->call_depth--;
	bool exhausted = c->exhausted, refused = c->mem_refused;
	enum lua_budget_reason reason = c->reason;

	if (outer)
		budget_disarm(c);
	lua_remove(L, base);                   /* results or error object */
	if (rc == LUA_OK) {
		c->where[0] = '\0';
		return 0;
	}
	int code = SOCLE_E_SCRIPT;
	const char *msg = NULL;

	/* The error object is sandbox_msgh's table or a string Lua made (memory,
	 * error in error handling): read raw all the same, since this runs after
	 * the call, where no script code may run. */
	if (lua_type(L, -1) == LUA_TTABLE) {       /* e */
		lua_pushliteral(L, "code");
		if (lua_rawget(L, -2) == LUA_TSTRING)
			code = code_from_slug(lua_tostring(L, -1));
		lua_pop(L, 1);
		lua_pushliteral(L, "where");
		lua_rawget(L, -2);
		snprintf(c->where, sizeof(c->where), "%s",
		         lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "");
		lua_pop(L, 1);
		lua_pushliteral(L, "message");
		lua_rawget(L, -2);                     /* e msg */
	} else {
		c->where[0] = '\0';
		lua_pushvalue(L, -1);                  /* e msg */
	}
	msg = lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1)
	                                                                       : NULL;
	if (rc == LUA_ERRMEM || refused || reason == LUA_BUDGET_MEMORY) {
		socle_err_set(err, SOCLE_E_BUDGET, "mémoire du script épuisée (limite %zu Kio)%s%s",
		              c->mem_limit >> 10, c->where[0] ? " à " : "", c->where);
		code = SOCLE_E_BUDGET;
	} else {
		if (exhausted)
			code = SOCLE_E_BUDGET;
		socle_err_set(err, code, "%s", msg ? msg : "erreur de script");
	}
	lua_pop(L, 2);
	/* Give back what the failed call left behind before the next one. */
	if (code == SOCLE_E_BUDGET)
		lua_gc(L, LUA_GCCOLLECT);
	return code;
}

/* ---- read-only proxies and the environment ------------------------------ */

static int frozen_newindex(lua_State *L)
{
	const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";

	return lua_raise(L, "read_only", "table de l'hôte en lecture seule (champ '%s')", k);
}

void lua_sandbox_freeze(lua_State *L)
{
	/* stack: t */
	lua_newtable(L);                               /* t proxy */
	lua_createtable(L, 0, 3);                      /* t proxy mt */
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, frozen_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);                       /* t proxy */
	lua_remove(L, -2);                             /* proxy */
}

/* __newindex of the scripts' _ENV: globals are set while loading only. */
static int env_newindex(lua_State *L)
{
	struct lua_ctx *c = lua_ctx_of(L);

	if (!c->loading)
		return lua_raise(L, "phase_error", "les variables globales sont en lecture seule "
		                 "après le chargement ; utilisez des variables locales");
	if (lua_type(L, 2) != LUA_TSTRING)
		return lua_raise(L, "invalid_argument", "nom de variable globale non textuel");
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) /* builtins */
		return lua_raise(L, "read_only", "le nom global '%s' est réservé",
		                 lua_tostring(L, 2));
	lua_pop(L, 1);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, 3);
	lua_rawset(L, lua_upvalueindex(1));            /* store[k] = v */
	return 0;
}

/* ---- guarded base and library functions --------------------------------- */

/* setmetatable without __gc: finalizers would run outside any budget. The
 * collector runs them at any allocation, in whatever call (or teardown) is
 * running then, and with hooks off (Lua's GCTM), so neither the count hook
 * nor the watchdog could ever stop one. Lua marks an object for finalization
 * only when its metatable has __gc at the time it is set (raw field), so a
 * __gc added to the metatable later, or reached through the metatable's own
 * __index, never runs: checking here is enough. */
static int guard_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return lua_raise(L, "forbidden", "les finaliseurs (__gc) sont interdits");
		lua_pop(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* Message handler wrapper of xpcall. An error raised by the budget hook runs
 * the current message handler while hooks are still disabled (Lua calls it
 * before unwinding), so a script's own handler must never run once the
 * budget is spent: it would loop with no hook to stop it. */
static int xpcall_handler(lua_State *L)
{
	struct lua_ctx *c = lua_ctx_of(L);

	if (c->exhausted || c->expired)
		return 1; /* the error object, unchanged */
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int xpcall_finish(lua_State *L, int status, lua_KContext extra)
{
	if (status != LUA_OK && status != LUA_YIELD) {
		lua_pushboolean(L, 0);
		lua_pushvalue(L, -2);
		return 2;
	}
	return lua_gettop(L) - (int)extra;
}

/* xpcall(f, handler, ...) with the handler wrapped as above. */
static int guard_xpcall(lua_State *L)
{
	int n = lua_gettop(L);

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, xpcall_handler, 1);
	lua_replace(L, 2);                             /* f h' args... */
	lua_pushboolean(L, 1);                         /* f h' args... true */
	lua_pushvalue(L, 1);                           /* f h' args... true f */
	lua_rotate(L, 3, 2);                           /* f h' true f args... */
	int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, xpcall_finish);

	return xpcall_finish(L, status, 2);
}

/* Every library function that runs code on another coroutine:
 * coroutine.resume, the functions of coroutine.wrap (which also close their
 * coroutine's to-be-closed variables when it fails) and coroutine.close
 * (which runs the pending __close metamethods of the coroutine it closes).
 * Refuse once the budget is spent, and tell the watchdog which coroutine runs:
 * its hook goes on that one, since a hook belongs to one Lua thread and a
 * coroutine created without one (calls with no instruction count) would
 * otherwise never see it. Upvalue 1: the library function; upvalue 2: true
 * for a wrap function (its coroutine is the library closure's own upvalue),
 * otherwise the coroutine is the first argument. */
static int guard_call_upvalue(lua_State *L)
{
	lua_State *co;

	lua_budget_check(L);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	if (lua_toboolean(L, lua_upvalueindex(2))) {
		co = NULL;
		if (lua_getupvalue(L, 1, 1) != NULL) {
			co = lua_tothread(L, -1);
			lua_pop(L, 1);
		}
	} else {
		co = lua_tothread(L, 2);
	}
	lua_State *outer = running_enter(L, co);
	/* Protected, so that the running coroutine is restored before an error
	 * of a wrap function goes on up. */
	int st = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);

	running_leave(L, outer);
	if (st != LUA_OK)
		return lua_error(L);
	lua_budget_check(L); /* the deadline may have passed in the coroutine */
	return lua_gettop(L);
}

static int guard_wrap(lua_State *L)
{
	lua_budget_check(L);
	lua_pushvalue(L, lua_upvalueindex(1));         /* f wrap */
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);             /* resumer */
	lua_pushboolean(L, 1);
	lua_pushcclosure(L, guard_call_upvalue, 2);    /* guarded resumer */
	return 1;
}

static int guard_rep(lua_State *L)
{
	size_t l, lsep = 0;
	struct lua_ctx *c = lua_ctx_of(L);

	luaL_checklstring(L, 1, &l);
	lua_Integer n = luaL_checkinteger(L, 2);

	luaL_optlstring(L, 3, "", &lsep);
	if (n <= 0 || l + lsep == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	if ((uint64_t)n > (c->mem_limit / (l + lsep)) + 1)
		return lua_raise(L, "budget_exceeded",
		                 "string.rep : résultat trop long pour la mémoire du script");
	lua_budget_charge(L, (uint64_t)n / 16);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int guard_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);

	if (e >= f) {
		if ((lua_Unsigned)e - (lua_Unsigned)f >= MOVE_MAX)
			return lua_raise(L, "budget_exceeded", "table.move : plage trop grande");
		lua_budget_charge(L, (uint64_t)(e - f));
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static int guard_sort(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Unsigned n = lua_rawlen(L, 1);

	lua_budget_charge(L, (uint64_t)n * 8);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 0);
	return 0;
}

/* table.insert and table.remove, as the library has them, with each moved
 * element charged to the budget. The library's loops run over a length that
 * a __len metamethod chooses (math.maxinteger) and, when the table has no
 * other metamethod, move nils with no call at all: no hook ever fires there,
 * and the call would run for ever. */
#define TABLE_CHARGE_EVERY 256 /* moved elements between budget charges */

/* The library's checktab for a read-write table with a length. */
static lua_Integer table_rw_len(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TTABLE) {
		static const char *const need[] = {"__index", "__newindex", "__len"};
		bool ok = lua_getmetatable(L, 1);

		for (size_t i = 0; ok && i < sizeof(need) / sizeof(need[0]); i++) {
			lua_pushstring(L, need[i]);
			ok = lua_rawget(L, -2) != LUA_TNIL; /* raw: no metamethod of the metatable */
			lua_pop(L, 1);
		}
		if (ok)
			lua_pop(L, 1);
		else
			luaL_checktype(L, 1, LUA_TTABLE); /* raises */
	}
	return luaL_len(L, 1);
}

/* One element moved: charge the budget every TABLE_CHARGE_EVERY. */
static void table_step(lua_State *L, unsigned *steps)
{
	if (++*steps >= TABLE_CHARGE_EVERY) {
		lua_budget_charge(L, *steps);
		*steps = 0;
	}
}

static int guard_insert(lua_State *L)
{
	lua_Integer e = table_rw_len(L);
	lua_Integer pos;
	unsigned steps = 0;

	e = (lua_Integer)((lua_Unsigned)e + 1u); /* first empty element */
	switch (lua_gettop(L)) {
	case 2:
		pos = e;
		break;
	case 3:
		pos = luaL_checkinteger(L, 2);
		luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
		for (lua_Integer i = e; i > pos; i--) {
			lua_geti(L, 1, i - 1);
			lua_seti(L, 1, i);
			table_step(L, &steps);
		}
		break;
	default:
		return luaL_error(L, "wrong number of arguments to 'insert'");
	}
	if (steps > 0) /* an append moves nothing: no clock read on that hot path */
		lua_budget_charge(L, steps);
	lua_seti(L, 1, pos);
	return 0;
}

static int guard_remove(lua_State *L)
{
	lua_Integer size = table_rw_len(L);
	lua_Integer pos = luaL_optinteger(L, 2, size);
	unsigned steps = 0;

	if (pos != size)
		luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
		              "position out of bounds");
	lua_geti(L, 1, pos);
	for (; pos < size; pos++) {
		lua_geti(L, 1, pos + 1);
		lua_seti(L, 1, pos);
		table_step(L, &steps);
	}
	if (steps > 0)
		lua_budget_charge(L, steps);
	lua_pushnil(L);
	lua_seti(L, 1, pos);
	return 1;
}

/* Deterministic math.random: xorshift64*, reseeded at each call from C. */
static uint64_t rng_next(struct lua_ctx *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static int sandbox_random(lua_State *L)
{
	struct lua_ctx *c = lua_ctx_of(L);
	uint64_t r = rng_next(c);
	lua_Integer lo, hi;

	switch (lua_gettop(L)) {
	case 0:
		lua_pushnumber(L, (lua_Number)(r >> 11) * (1.0 / 9007199254740992.0));
		return 1;
	case 1:
		lo = 1;
		hi = luaL_checkinteger(L, 1);
		break;
	case 2:
		lo = luaL_checkinteger(L, 1);
		hi = luaL_checkinteger(L, 2);
		break;
	default:
		return luaL_error(L, "wrong number of arguments");
	}
	luaL_argcheck(L, lo <= hi, lua_gettop(L), "interval is empty");
	lua_Unsigned span = (lua_Unsigned)hi - (lua_Unsigned)lo;

	lua_pushinteger(L, (lua_Integer)((lua_Unsigned)lo +
	                                 (span == (lua_Unsigned)-1 ? r : r % (span + 1))));
	return 1;
}

static int sandbox_randomseed(lua_State *L)
{
	struct lua_ctx *c = lua_ctx_of(L);
	lua_Integer s = luaL_optinteger(L, 1, 0);

	c->rng = (uint64_t)s ^ RNG_SEED;
	if (c->rng == 0)
		c->rng = RNG_SEED;
	return 0;
}

/* ---- state construction ------------------------------------------------- */

static void replace_field(lua_State *L, int t, const char *name, lua_CFunction guard)
{
	/* t[name] = guard with the original t[name] as upvalue 1 */
	lua_getfield(L, t, name);
	lua_pushcclosure(L, guard, 1);
	lua_setfield(L, t, name);
}

static void set_fn(lua_State *L, int t, const char *name, lua_CFunction fn)
{
	lua_pushcfunction(L, fn);
	lua_setfield(L, t, name);
}

static void new_registry_table(lua_State *L, const void *key)
{
	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

static const char *const base_allowed[] = {
	"assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget", "rawlen",
	"select", "tonumber", "tostring", "type", "getmetatable", "_VERSION", NULL,
};

static const char *const globals_removed[] = {
	"dofile", "loadfile", "load", "loadstring", "require", "collectgarbage", "print",
	"rawset", "warn", NULL,
};

/* Runs under lua_pcall: any error while building the state is caught. */
static int sandbox_setup(lua_State *L)
{
	struct lua_service *ls = lua_touserdata(L, 1);
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base},          {LUA_TABLIBNAME, luaopen_table},
		{LUA_STRLIBNAME, luaopen_string},   {LUA_MATHLIBNAME, luaopen_math},
		{LUA_UTF8LIBNAME, luaopen_utf8},    {LUA_COLIBNAME, luaopen_coroutine},
		{NULL, NULL},
	};

	lua_settop(L, 0);
	for (const luaL_Reg *lib = libs; lib->name; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	lua_pushglobaltable(L);                        /* G */
	for (const char *const *g = globals_removed; *g; g++) {
		lua_pushnil(L);
		lua_setfield(L, 1, *g);
	}

	/* Error metatable. */
	lua_createtable(L, 0, 2);
	lua_pushcfunction(L, error_tostring_fn);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &key_error_mt);

	/* string: guarded matcher, no dump; its metatable locked. */
	lua_getfield(L, 1, LUA_STRLIBNAME);            /* G string */
	set_fn(L, 2, "find", lua_pattern_find);
	set_fn(L, 2, "match", lua_pattern_match);
	set_fn(L, 2, "gmatch", lua_pattern_gmatch);
	set_fn(L, 2, "gsub", lua_pattern_gsub);
	replace_field(L, 2, "rep", guard_rep);
	lua_pushnil(L);
	lua_setfield(L, 2, "dump");
	lua_pushliteral(L, "");
	lua_getmetatable(L, -1);                       /* G string "" smt */
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 3);                                 /* G */

	lua_getfield(L, 1, LUA_TABLIBNAME);            /* G table */
	replace_field(L, 2, "move", guard_move);
	replace_field(L, 2, "sort", guard_sort);
	set_fn(L, 2, "insert", guard_insert);
	set_fn(L, 2, "remove", guard_remove);
	lua_pop(L, 1);
	lua_getfield(L, 1, LUA_MATHLIBNAME);
	set_fn(L, 2, "random", sandbox_random);
	set_fn(L, 2, "randomseed", sandbox_randomseed);
	lua_pop(L, 1);
	lua_getfield(L, 1, LUA_COLIBNAME);
	replace_field(L, 2, "resume", guard_call_upvalue);
	replace_field(L, 2, "wrap", guard_wrap);
	replace_field(L, 2, "close", guard_call_upvalue);
	lua_pop(L, 1);

	/* Host-side tables of the script set. */
	new_registry_table(L, &lua_key_rules);
	new_registry_table(L, &lua_key_rule_where);
	new_registry_table(L, &lua_key_tests);
	new_registry_table(L, &lua_key_handlers);
	new_registry_table(L, &lua_key_parcours);
	lua_newtable(L);                               /* G arrays */
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &lua_key_arrays);

	/* Builtins B: the allow-list, libraries as frozen proxies, socle. */
	lua_newtable(L);                               /* G B */
	for (const char *const *n = base_allowed; *n; n++) {
		lua_getfield(L, 1, *n);
		lua_setfield(L, 2, *n);
	}
	lua_getfield(L, 1, "setmetatable");
	lua_pushcclosure(L, guard_setmetatable, 1);
	lua_setfield(L, 2, "setmetatable");
	lua_pushcfunction(L, guard_xpcall);
	lua_setfield(L, 2, "xpcall");
	static const char *const libnames[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME,
	                                       LUA_UTF8LIBNAME, LUA_COLIBNAME, NULL};
	for (const char *const *n = libnames; *n; n++) {
		lua_getfield(L, 1, *n);
		lua_sandbox_freeze(L);
		lua_setfield(L, 2, *n);
	}
	lua_api_open(L, ls);                           /* G B socle */
	lua_setfield(L, 2, "socle");

	/* Globals store S (__index B) and the scripts' _ENV proxy P. */
	lua_newtable(L);                               /* G B S */
	lua_createtable(L, 0, 1);
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, 3);
	lua_newtable(L);                               /* G B S P */
	lua_createtable(L, 0, 3);                      /* G B S P mt */
	lua_pushvalue(L, 3);
	lua_setfield(L, -2, "__index");
	lua_pushvalue(L, 3);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, env_newindex, 2);
	lua_setfield(L, -2, "__newindex");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, 4);
	lua_pushvalue(L, 4);
	lua_setfield(L, 2, "_G");
	lua_pushvalue(L, 4);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &lua_key_env);
	lua_settop(L, 0);
	return 0;
}

lua_State *lua_sandbox_new(struct lua_service *ls, socle_err *err)
{
	struct lua_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	c->ls = ls;
	c->mem_limit = ls->svc->lua_limits.memory_bytes ? ls->svc->lua_limits.memory_bytes
	                                                 : LUA_DEFAULT_MEMORY_BYTES;
	c->hook_step = LUA_HOOK_STEP;
	c->rng = RNG_SEED;
	if (lua_watchdog_register(c, err) != 0) {
		free(c);
		return NULL;
	}
	lua_State *L = lua_newstate(sandbox_alloc, c);

	if (L == NULL) {
		lua_watchdog_unregister(c);
		lua_pool_release(&c->pool);
		free(c);
		socle_err_set(err, SOCLE_E_NOMEM, "création de l'état Lua impossible");
		return NULL;
	}
	*(struct lua_ctx **)lua_getextraspace(L) = c;
	c->main = L;
	lua_atpanic(L, sandbox_panic);
	lua_pushcfunction(L, sandbox_setup);
	lua_pushlightuserdata(L, ls);
	int rc = lua_pcall(L, 1, 0, 0);

	if (rc != LUA_OK) {
		socle_err_set(err, rc == LUA_ERRMEM ? SOCLE_E_BUDGET : SOCLE_E_INTERNAL,
		              "préparation de l'état Lua impossible : %s",
		              lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
		lua_sandbox_close(L);
		return NULL;
	}
	return L;
}

void lua_sandbox_close(lua_State *L)
{
	if (L == NULL)
		return;
	struct lua_ctx *c = lua_ctx_of(L);

	lua_watchdog_unregister(c);
	/* Teardown runs no script code. lua_close runs the pending __gc
	 * finalizers, with hooks off: setmetatable refuses them, the only way a
	 * script could have one. It also closes the main thread's pending
	 * to-be-closed variables (none outside a call, as lua_host_call's pcall
	 * closes them; coroutines' are never closed by lua_close): should one be
	 * there, it meets a spent budget and stops at its first instruction or
	 * call. */
	if (c->ls != NULL) {
		c->in_call = true;
		c->exhausted = true;
		c->reason = LUA_BUDGET_TIME;
		lua_sethook(L, budget_hook, LUA_HOOKS_SPENT, 1);
	}
	lua_close(L);
	lua_pool_release(&c->pool);
	free(c);
}

/* "file:line" of a load error message "chunk:line: text" into @p out. */
static void where_from_load_error(const char *msg, const char *path, char *out, size_t size)
{
	const char *p = msg ? msg : "";

	for (; (p = strchr(p, ':')) != NULL; p++) {
		const char *q = p + 1;

		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p + 1 && *q == ':') {
			snprintf(out, size, "%s:%.*s", path, (int)(q - p - 1), p + 1);
			return;
		}
	}
	snprintf(out, size, "%s", path);
}

int lua_sandbox_run_script(lua_State *L, const struct lua_script *s, socle_err *err)
{
	struct lua_ctx *c = lua_ctx_of(L);
	char chunk[512];

	if (s->len > 0 && s->src[0] == LUA_SIGNATURE[0]) {
		snprintf(c->where, sizeof(c->where), "%s", s->path);
		return socle_err_set(err, SOCLE_E_SCRIPT, "%s : code Lua précompilé refusé "
		                     "(seuls les fichiers texte sont chargés)", s->path);
	}
	snprintf(chunk, sizeof(chunk), "@%s", s->path);
	c->mem_refused = false;
	int rc = luaL_loadbufferx(L, s->src, s->len, chunk, "t");

	if (rc != LUA_OK) {
		const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";

		where_from_load_error(msg, s->path, c->where, sizeof(c->where));
		if (rc == LUA_ERRMEM)
			socle_err_set(err, SOCLE_E_BUDGET, "%s : mémoire épuisée pendant la compilation",
			              s->path);
		else
			socle_err_set(err, SOCLE_E_SCRIPT, "erreur de syntaxe : %s", msg);
		lua_pop(L, 1);
		return err ? err->code : (rc == LUA_ERRMEM ? SOCLE_E_BUDGET : SOCLE_E_SCRIPT);
	}
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_env); /* chunk env */
	if (lua_setupvalue(L, -2, 1) == NULL)
		lua_pop(L, 1);
	c->loading_file = s->path;
	rc = lua_host_call(L, 0, 0, err);
	c->loading_file = NULL;
	return rc;
}
