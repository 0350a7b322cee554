/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Lua host inside libsocle: per-service script sets, sandboxed states
 * (one per thread and service), budgets, the single C->Lua call wrapper and
 * the helpers the lua_*.c files share.
 *
 * Files: lua_host.c (service lifecycle, per-thread states), lua_sandbox.c
 * (allocator, hook, environment, guarded library functions, call wrapper),
 * lua_conv.c (JSON<->Lua), lua_api.c (the socle.* namespace), lua_rules.c
 * (rule points, test vectors, plugin registration). */
#ifndef SOCLE_CORE_LUA_HOST_H
#define SOCLE_CORE_LUA_HOST_H

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "core.h"
#include "diag.h"

/* Budget defaults when a service leaves a limit at 0. */
#define LUA_DEFAULT_MEMORY_BYTES ((size_t)16 << 20)
#define LUA_DEFAULT_TIME_MS 100
#define LUA_HOOK_STEP 1000          /* instructions between budget checks */

/* Converter limits (JSON<->Lua). */
#define LUA_JSON_DEPTH_MAX 32
#define LUA_JSON_STRING_MAX ((size_t)1 << 20)  /* bytes of one string */
#define LUA_JSON_ELEMENTS_MAX 100000           /* entries of one array or object */

/* One script file of a service's set, read once at open. */
struct lua_script {
	char *name;  /* file name, "rules.lua" */
	char *path;  /* path as opened, used as the chunk name */
	char *src;
	size_t len;
	bool default_layer; /* from a plugin's pack or the deployment-wide folder */
};

struct lua_tstate; /* one thread's state for one service (lua_host.c) */

struct lua_service {
	socle_service *svc;
	uint64_t serial;             /* unique per open, never reused */
	struct lua_script *scripts;  /* load order */
	size_t n_scripts;
	json_t *parcours;            /* array of validated definitions, read-only after open */
	struct lua_tstate *states;   /* every live state of this service (g_states_mu) */
};

/* Small blocks of one state (lua_pool.c). */
#define LUA_POOL_GRAIN 16
#define LUA_POOL_MAX 256   /* larger blocks come from malloc */
#define LUA_POOL_CLASSES (LUA_POOL_MAX / LUA_POOL_GRAIN)
struct lua_pool_slab;
struct lua_pool {
	void *free[LUA_POOL_CLASSES];  /* a free block's first word links the next */
	struct lua_pool_slab *slabs;
};

/* Why a call ran out of budget. */
enum lua_budget_reason { LUA_BUDGET_NONE = 0, LUA_BUDGET_INSTRUCTIONS, LUA_BUDGET_TIME,
	                 LUA_BUDGET_MEMORY };

/* Per-state context, reached through lua_getextraspace (coroutines inherit it).
 * The _Atomic fields are read by the watchdog thread or the signal handler
 * (lua_watchdog.c). */
struct lua_ctx {
	struct lua_service *ls;
	lua_State *main;           /* the state's main thread */
	size_t mem_used, mem_limit; /* bytes, small blocks at their class size */
	struct lua_pool pool;      /* the small blocks */
	bool mem_refused;          /* the allocator refused a block during this call */
	bool loading;              /* registration window open */
	int call_depth;            /* nested lua_host_call */
	_Atomic bool in_call;      /* budgets armed */
	_Atomic bool counted;      /* this call counts instructions (count hook armed) */
	_Atomic bool expired;      /* deadline passed, seen by the watchdog's signal */
	bool exhausted;
	enum lua_budget_reason reason;
	uint64_t steps_left;       /* instructions left in this call (counted calls) */
	int hook_step;             /* count of the hook of counted calls */
	_Atomic int64_t deadline_ns; /* monotonic */
	_Atomic(lua_State *) running; /* innermost coroutine the call resumed, or NULL */
	_Atomic pthread_t thread;  /* the thread of the running call */
	struct lua_ctx *wd_prev, *wd_next; /* the watchdog's list */
	struct lua_ctx *wd_outer;  /* the thread's call this one is nested in, or NULL */
	uint64_t rng;              /* math.random state, reseeded per call */
	char where[256];           /* "file.lua:12" of the last failed call */
	const char *loading_file;  /* script being loaded, for messages */
};

static inline struct lua_ctx *lua_ctx_of(lua_State *L)
{
	return *(struct lua_ctx **)lua_getextraspace(L);
}

/* Registry keys (addresses used with lua_rawgetp on the registry). */
extern const char lua_key_rules;     /* table: rule name -> function */
extern const char lua_key_rule_where; /* table: rule name -> "file:line" of the definition */
extern const char lua_key_tests;     /* array of test vector tables */
extern const char lua_key_handlers;  /* table: event -> array of functions */
extern const char lua_key_parcours;  /* array of definition tables */
extern const char lua_key_arrays;    /* weak-keyed set of tables marked as JSON arrays */
extern const char lua_key_env;       /* the scripts' _ENV proxy */
extern const char lua_null_sentinel; /* lightuserdata value of socle.null */

/* lua_sandbox.c ------------------------------------------------------------ */
/* Create a sandboxed state for @p ls with libraries, environment and the socle
 * namespace, before any script runs. NULL with @p err set on failure. */
lua_State *lua_sandbox_new(struct lua_service *ls, socle_err *err);
/* lua_close plus the context. */
void lua_sandbox_close(lua_State *L);
/* Load and run one script text in the state's environment under budgets.
 * On failure, @p err holds the message and the context's where "file:line". */
int lua_sandbox_run_script(lua_State *L, const struct lua_script *s, socle_err *err);
/* Call the function below @p nargs arguments under the service's budgets with
 * a message handler; @p nres results on success, nothing left on failure.
 * LUA_ERRMEM and spent budgets give SOCLE_E_BUDGET, raised errors
 * SOCLE_E_SCRIPT (or the code they carry). */
int lua_host_call(lua_State *L, int nargs, int nres, socle_err *err);
/* Raise {code=, message=} with the caller's "file:line: " before the message. */
SOCLE_NORETURN int lua_raise(lua_State *L, const char *code, const char *fmt, ...);
/* "source:line" of the innermost Lua function from stack level @p from. */
bool lua_where(lua_State *L, int from, char *out, size_t size);
/* Build a frozen read-only proxy of the table at the top (replaced by the proxy). */
void lua_sandbox_freeze(lua_State *L);
/* Raise when the running call has spent its budget (coroutine guards, host functions). */
void lua_budget_check(lua_State *L);
/* Charge @p steps units of work done in C to the call's instruction budget;
 * raises budget_exceeded when spent or past the deadline. */
void lua_budget_charge(lua_State *L, uint64_t steps);

/* lua_pattern.c: the sandbox's string.find, match, gmatch and gsub (the
 * library's pattern language, every matcher step charged to the budget). */
int lua_pattern_find(lua_State *L);
int lua_pattern_match(lua_State *L);
int lua_pattern_gmatch(lua_State *L);
int lua_pattern_gsub(lua_State *L);
/* From the watchdog's signal handler, on the call's own thread: the deadline
 * passed; install the hook that raises at the next instruction or call. Only
 * async-signal-safe operations. */
void lua_budget_expire(struct lua_ctx *c);

/* lua_pool.c --------------------------------------------------------------- */
/* The size a block of @p n bytes takes: its class size up to LUA_POOL_MAX. */
size_t lua_pool_block_size(size_t n);
/* A block of @p n bytes (n <= LUA_POOL_MAX), or NULL when memory is out. */
void *lua_pool_get(struct lua_pool *p, size_t n);
/* Give back a block got for @p n bytes. */
void lua_pool_put(struct lua_pool *p, void *b, size_t n);
/* Free every slab (after lua_close). */
void lua_pool_release(struct lua_pool *p);

/* lua_watchdog.c ----------------------------------------------------------- */
/* Watch the state of @p c while it lives (starts the watchdog on first use). */
int lua_watchdog_register(struct lua_ctx *c, socle_err *err);
void lua_watchdog_unregister(struct lua_ctx *c);
/* A call of @p c begins on this thread (in_call, deadline and thread already
 * stored); returns the call it interrupts, for lua_watchdog_leave. */
struct lua_ctx *lua_watchdog_enter(struct lua_ctx *c);
void lua_watchdog_leave(struct lua_ctx *outer);

/* lua_conv.c --------------------------------------------------------------- */
/* Is the table at @p idx marked by socle.array? */
bool lua_conv_is_marked_array(lua_State *L, int idx);
/* Mark the table at @p idx as a JSON array. */
void lua_conv_mark_array(lua_State *L, int idx);
/* Compare two JSON values, numbers by value (1 equals 1.0). */
bool lua_conv_json_equal(const json_t *a, const json_t *b);

/* lua_api.c ---------------------------------------------------------------- */
/* Build the socle namespace (frozen) and leave it on the stack. Runs in setup. */
void lua_api_open(lua_State *L, struct lua_service *ls);

/* lua_rules.c -------------------------------------------------------------- */
/* Rule points of enabled plugins that no script defines, reported into @p d. */
int lua_rules_check_defined(lua_State *L, struct lua_service *ls, struct diag *d);
/* Run every test vector of the state, reporting failures into @p d. */
int lua_rules_run_tests(lua_State *L, struct lua_service *ls, struct diag *d);

/* lua_host.c --------------------------------------------------------------- */
int lua_service_open(socle_service *svc, struct diag *d);
int lua_service_check(socle_service *svc, struct diag *d);
lua_State *lua_service_state(socle_service *svc, socle_err *err);
void lua_service_close(socle_service *svc);
int lua_service_dispatch_event(socle_service *svc, const char *event, const json_t *payload,
                               socle_err *err);

#endif
