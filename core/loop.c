/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The loop thread and timers. One thread delivers events, runs due jobs and
 * fires timers; between rounds it sleeps until the next timer or job is due,
 * or until loop_wake() (a commit that emitted events or enqueued jobs). The
 * same round can be run synchronously with loop_run_pending(); a process-wide
 * mutex keeps the two from delivering the same event twice at once.
 *
 * Sleeps are measured on CLOCK_MONOTONIC, deadlines on the business clock:
 * when that clock is frozen (tests, demonstrations) the loop wakes up at
 * least every FROZEN_POLL_MS to notice that someone moved it. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "bus.h"
#include "clock.h"
#include "jobs.h"
#include "loop.h"
#include "store.h"

#define MAX_SLEEP_MS 30000
#define FROZEN_POLL_MS 200
#define ERROR_PAUSE_MS 1000
#define IDLE_PAUSE_MS 50
#define MAX_ROUNDS 16                          /* per loop_run_pending call */
#define HOUSEKEEPING_EVERY_MS (3600 * 1000LL)  /* purge of old delivered events and done jobs */
#define RETENTION_MS (30LL * 24 * 3600 * 1000) /* kept that long for investigation */

struct loop {
	socle_core *core;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	bool woken;
	int64_t next_housekeeping_ms;
};

static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local bool tls_running; /* a timer or handler calling loop_run_pending */

SOCLE_API int socle_plugin_add_timer(socle_plugin *p, int64_t interval_ms, socle_timer_fn fn,
                                     void *ud, socle_err *err)
{
	struct reg_timer rec = {.owner = p, .interval_ms = interval_ms, .fn = fn, .ud = ud};

	if (p == NULL || p->core == NULL || p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE, "timers are registered in init() only");
	if (fn == NULL || interval_ms < 10)
		return socle_err_set(err, SOCLE_E_INVAL, "timer interval must be at least 10 ms");
	if (registry_add_timer(&p->core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return 0;
}

/* Fire due timers; a timer first seen is armed one interval from now. Timers
 * of a plugin run only once its start() succeeded. Returns how many fired;
 * *next gets the earliest next deadline. */
static int fire_timers(socle_core *core, int64_t *next)
{
	int fired = 0;

	for (size_t i = 0; i < core->reg.timers.n; i++) {
		struct reg_timer *t = &core->reg.timers.v[i];
		int64_t now = socle_now_ms();

		if (t->owner != NULL && !t->owner->started)
			continue;
		if (t->next_ms == 0) {
			t->next_ms = now + t->interval_ms;
		} else if (now >= t->next_ms) {
			t->fn(core, t->ud);
			fired++;
			t->next_ms += t->interval_ms;
			if (t->next_ms <= now) /* late (pause, clock jump): no burst of catch-up calls */
				t->next_ms = now + t->interval_ms;
		}
		if (t->next_ms < *next)
			*next = t->next_ms;
	}
	return fired;
}

/* One round; run_mu held. *next_ms: when something is due next (0: now). */
static int run_round(socle_core *core, int64_t *next_ms)
{
	int done = 0, first_error = 0, rc;

	rc = bus_dispatch(core);
	if (rc < 0)
		first_error = rc;
	else
		done += rc;
	rc = jobs_run_due(core);
	if (rc < 0 && first_error == 0)
		first_error = rc;
	else if (rc > 0)
		done += rc;
	*next_ms = jobs_next_due_ms(core);
	done += fire_timers(core, next_ms);
	if (bus_pending(core) != 0)
		*next_ms = 0;
	return done > 0 || first_error == 0 ? done : first_error;
}

int loop_run_pending(socle_core *core)
{
	int total = 0, rc = 0;
	int64_t next = 0;

	if (core == NULL)
		return SOCLE_E_INVAL;
	if (tls_running)
		return 0; /* called from a handler or timer of this very round */
	pthread_mutex_lock(&run_mu);
	tls_running = true;
	for (int round = 0; round < MAX_ROUNDS; round++) {
		rc = run_round(core, &next);
		if (rc < 0)
			break;
		total += rc;
		if (rc == 0 || next > socle_now_ms())
			break;
	}
	tls_running = false;
	pthread_mutex_unlock(&run_mu);
	return rc < 0 && total == 0 ? rc : total;
}

static void housekeeping(socle_core *core)
{
	int64_t before = socle_now_ms() - RETENTION_MS;

	for (size_t i = 0; i < core->n_services; i++) {
		socle_service *svc = core->services[i];
		socle_err err = SOCLE_ERR_INIT;

		if (svc == NULL || svc->store == NULL || store_claim_queue(svc) != 1)
			continue;
		if (bus_purge(svc, before, &err) < 0 || jobs_purge(svc, before, &err) < 0)
			socle_log(SOCLE_LOG_WARN, "service %s: housekeeping: %s", svc->id, err.msg);
	}
}

static void *loop_main(void *arg)
{
	struct loop *l = arg;
	socle_core *core = l->core;

	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		int64_t next = 0, wait_ms;
		struct timespec until;
		int rc;

		l->woken = false;
		pthread_mutex_unlock(&l->mu);

		pthread_mutex_lock(&run_mu);
		tls_running = true;
		rc = run_round(core, &next);
		if (socle_now_ms() >= l->next_housekeeping_ms) {
			housekeeping(core);
			l->next_housekeeping_ms = socle_now_ms() + HOUSEKEEPING_EVERY_MS;
		}
		tls_running = false;
		pthread_mutex_unlock(&run_mu);

		pthread_mutex_lock(&l->mu);
		if (l->stop || l->woken)
			continue;
		wait_ms = rc < 0 ? ERROR_PAUSE_MS : next - socle_now_ms();
		if (wait_ms <= 0 && rc > 0)
			continue;
		if (wait_ms <= 0)
			wait_ms = IDLE_PAUSE_MS; /* something looks due yet nothing could be done */
		if (wait_ms > MAX_SLEEP_MS)
			wait_ms = MAX_SLEEP_MS;
		if (clock_is_frozen() && wait_ms > FROZEN_POLL_MS)
			wait_ms = FROZEN_POLL_MS;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (wait_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (!l->stop && !l->woken) {
			int w = pthread_cond_timedwait(&l->cv, &l->mu, &until);

			if (w == ETIMEDOUT)
				break;
		}
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

int loop_start(socle_core *core, socle_err *err)
{
	struct loop *l;
	pthread_condattr_t ca;
	int64_t now = socle_now_ms();
	int rc;

	if (core->loop != NULL)
		return 0;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	l->core = core;
	l->next_housekeeping_ms = now + HOUSEKEEPING_EVERY_MS / 60; /* not in the startup rush */
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Timers count their first interval from the start of the loop. */
	for (size_t i = 0; i < core->reg.timers.n; i++)
		core->reg.timers.v[i].next_ms = now + core->reg.timers.v[i].interval_ms;
	core->loop = l;
	if (job_pool_start(core, err) != 0) {
		core->loop = NULL;
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mu);
		free(l);
		return err && err->code ? err->code : SOCLE_E_INTERNAL;
	}
	rc = pthread_create(&l->thread, NULL, loop_main, l);
	if (rc != 0) {
		job_pool_stop(core);
		core->loop = NULL;
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mu);
		free(l);
		return socle_err_set(err, SOCLE_E_INTERNAL, "cannot start the loop thread (error %d)",
		                     rc);
	}
	return 0;
}

void loop_stop(socle_core *core)
{
	struct loop *l = core != NULL ? core->loop : NULL;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	/* After the loop: nothing claims more; the pool finishes what it holds. */
	job_pool_stop(core);
	core->loop = NULL;
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

void loop_wake(socle_core *core)
{
	struct loop *l = core != NULL ? core->loop : NULL;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	l->woken = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}
