/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The wall-clock deadline of Lua calls.
 *
 * Why not the count hook: Lua 5.4 traps every VM instruction of a state that
 * has a count hook, whatever the count (luaG_traceexec runs before each
 * instruction to decrement it). Measured with callgrind on the tracking
 * recomputation, that is 13 % of a next_visits evaluation. A service that sets
 * no instruction budget therefore runs its calls with no hook at all, and this
 * watchdog enforces their deadline instead. It watches counted calls too: their
 * hook checks the clock every LUA_HOOK_STEP instructions, but no count hook
 * fires while a C function runs, and a library function may loop in C over C
 * metamethods for as long as it likes (table.sort of a __len-sized table whose
 * __index and __newindex are C functions).
 *
 * How:
 *
 * - every sandboxed state is registered here while it lives;
 * - a call arms its state (in_call, deadline, calling thread) at no cost
 *   beyond a few stores, and wakes the watchdog only if it sleeps;
 * - the watchdog thread looks at the registered states every
 *   LUA_WATCHDOG_TICK_MS while calls run, and signals the thread of a call
 *   that is past its deadline;
 * - the signal handler does what lua.c does on SIGINT: lua_sethook, which Lua
 *   documents as callable from a signal handler, installs a hook on every
 *   instruction and every function call of the running coroutine and of the
 *   main thread, and the hook raises the budget error at the next instruction
 *   or call, C functions included (lua_budget_expire). The handler checks the
 *   deadline itself, on its own thread: a signal that arrives after the call
 *   ended, or during a later call, does nothing;
 * - the running coroutine is the one the call last switched to: every library
 *   function that runs code on another coroutine (resume, wrap functions,
 *   close) records it (lua_sandbox.c).
 *
 * The deadline is thus late by at most one tick. C functions of the sandbox
 * that loop without calling anything (pattern matching, string.rep,
 * table.move, table.insert, table.remove) still check the clock themselves
 * (lua_budget_charge). Code that runs with hooks off cannot be stopped at all:
 * Lua runs __gc finalizers so, which is why setmetatable refuses them. After
 * LUA_WATCHDOG_IDLE ticks without a call, the watchdog sleeps until the next
 * call wakes it. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "lua_host.h"

#define LUA_WATCHDOG_TICK_MS 5
#define LUA_WATCHDOG_IDLE 200 /* ticks (1 s) without any call before sleeping */

static pthread_mutex_t wd_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cv;
static struct lua_ctx *wd_states;        /* registered states (wd_mu) */
static _Atomic bool wd_sleeping;
static pthread_once_t wd_once = PTHREAD_ONCE_INIT;
static int wd_start_error;               /* errno of the start, 0 when running */
static int wd_signal;

/* The context of the call this thread runs, for the signal handler. Initial
 * exec: the library is linked at start, and the handler must not be the first
 * to touch a lazily allocated TLS block. */
static __thread struct lua_ctx *current __attribute__((tls_model("initial-exec")));

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_signal(int sig)
{
	int saved = errno;
	struct lua_ctx *c = current;

	(void)sig;
	if (c != NULL && c->in_call && now_ns() >= c->deadline_ns)
		lua_budget_expire(c);
	errno = saved;
}

/* Any call running? Under wd_mu. Signals those past their deadline. */
static bool scan(void)
{
	int64_t now = now_ns();
	bool busy = false;

	for (struct lua_ctx *c = wd_states; c != NULL; c = c->wd_next) {
		if (!c->in_call)
			continue;
		busy = true;
		/* Signalled again at each tick until the call ends: a hook set while
		 * the state switched coroutines is renewed on the one now running. */
		if (now >= c->deadline_ns)
			pthread_kill(c->thread, wd_signal);
	}
	return busy;
}

static void *watchdog_main(void *arg)
{
	unsigned idle = 0;

	(void)arg;
	pthread_mutex_lock(&wd_mu);
	for (;;) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += LUA_WATCHDOG_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wd_cv, &wd_mu, &ts);
		if (scan()) {
			idle = 0;
			continue;
		}
		if (++idle < LUA_WATCHDOG_IDLE)
			continue;
		/* Sleep. A call stores in_call before it reads wd_sleeping, and the
		 * scan below reads in_call after wd_sleeping is stored (both
		 * sequentially consistent): a call that missed the flag is seen by
		 * the scan, a call that saw it wakes us. */
		atomic_store(&wd_sleeping, true);
		if (!scan()) {
			while (atomic_load(&wd_sleeping))
				pthread_cond_wait(&wd_cv, &wd_mu);
		}
		atomic_store(&wd_sleeping, false);
		idle = 0;
	}
	return NULL;
}

static void watchdog_start(void)
{
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t tid;
	struct sigaction sa;

	wd_signal = SIGRTMAX - 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART; /* the interrupted thread may be in a read or a write */
	sigemptyset(&sa.sa_mask);
	if (sigaction(wd_signal, &sa, NULL) != 0) {
		wd_start_error = errno;
		return;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wd_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	/* The watchdog must not take the signals meant for Lua threads (they
	 * are sent with pthread_kill, never to the process, but a debugger or
	 * an operator might). */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, wd_signal);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = pthread_create(&tid, &ta, watchdog_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&ta);
	if (rc != 0)
		wd_start_error = rc;
}

int lua_watchdog_register(struct lua_ctx *c, socle_err *err)
{
	pthread_once(&wd_once, watchdog_start);
	if (wd_start_error != 0)
		return socle_err_set(err, SOCLE_E_INTERNAL, "surveillance des délais Lua impossible "
		                     "à démarrer (%s)", strerror(wd_start_error));
	pthread_mutex_lock(&wd_mu);
	c->wd_prev = NULL;
	c->wd_next = wd_states;
	if (wd_states != NULL)
		wd_states->wd_prev = c;
	wd_states = c;
	pthread_mutex_unlock(&wd_mu);
	return 0;
}

void lua_watchdog_unregister(struct lua_ctx *c)
{
	pthread_mutex_lock(&wd_mu);
	if (c->wd_prev != NULL)
		c->wd_prev->wd_next = c->wd_next;
	else if (wd_states == c)
		wd_states = c->wd_next;
	if (c->wd_next != NULL)
		c->wd_next->wd_prev = c->wd_prev;
	c->wd_prev = c->wd_next = NULL;
	pthread_mutex_unlock(&wd_mu);
}

struct lua_ctx *lua_watchdog_enter(struct lua_ctx *c)
{
	struct lua_ctx *prev = current;

	current = c;
	/* After the caller stored in_call (see watchdog_main). */
	if (atomic_load(&wd_sleeping)) {
		pthread_mutex_lock(&wd_mu);
		atomic_store(&wd_sleeping, false);
		pthread_cond_signal(&wd_cv);
		pthread_mutex_unlock(&wd_mu);
	}
	return prev;
}

void lua_watchdog_leave(struct lua_ctx *prev)
{
	current = prev;
}
