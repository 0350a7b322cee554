/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Durable jobs (core_job): claiming due jobs, running their handlers on the
 * loop thread, retries with exponential backoff, dead jobs kept for staff.
 *
 * Backoff: after the n-th failed attempt the job runs again
 * JOBS_BACKOFF_BASE_MS * 2^(n-1) later (30 s, 1 min, 2 min, 4 min...),
 * never more than JOBS_BACKOFF_MAX_MS (6 h). After max_attempts failures, or
 * at once for a kind nobody handles or a handler returning
 * SOCLE_E_PERMANENT, it is 'dead' with its last error. */
#ifndef SOCLE_CORE_JOBS_H
#define SOCLE_CORE_JOBS_H

#include "core.h"

#define JOBS_DEFAULT_MAX_ATTEMPTS 8
#define JOBS_MAX_ATTEMPTS_LIMIT 100
#define JOBS_BACKOFF_BASE_MS (30 * 1000LL)
#define JOBS_BACKOFF_MAX_MS (6 * 3600 * 1000LL)

/* A job claimed from core_job ('running'), to be run once. */
struct claimed_job {
	int64_t id;
	char *kind;
	char *payload;
	int attempts; /* including this one */
	int max_attempts;
};

/* Run @p j's handler and record its outcome ('done', 'queued' again, 'dead'). */
int jobs_run_one(socle_core *core, socle_service *svc, const struct claimed_job *j);

/* The job pool (job_pool.c): long jobs (socle_plugin_add_long_job) run on
 * JOB_POOL_THREADS threads of their own, so that the loop thread keeps
 * delivering events and mails while, say, a nightly recomputation runs. */
#define JOB_POOL_THREADS 2
int job_pool_start(socle_core *core, socle_err *err);
/* Wait for the jobs the pool holds (running or waiting), then stop it. */
void job_pool_stop(socle_core *core);
/* Hand @p j to the pool, which takes its strings (the caller's copy is
 * emptied). False when no pool runs: the caller runs the job itself. */
bool job_pool_submit(socle_core *core, socle_service *svc, struct claimed_job *j);

/* Delay before the next attempt after @p attempts failed attempts (>= 1). */
int64_t jobs_backoff_ms(int attempts);
/* Run every job due now on every service whose queue this process owns
 * (bounded batches). Like bus_dispatch, call it through loop_run_pending()
 * or the loop thread. Returns the
 * number of jobs run, or a negative code when a store failed. */
int jobs_run_due(socle_core *core);
/* Earliest run_at of a queued job over all services, INT64_MAX if none. */
int64_t jobs_next_due_ms(socle_core *core);
/* Delete jobs done before @p before_ms (dead ones are kept). */
int jobs_purge(socle_service *svc, int64_t before_ms, socle_err *err);

#endif
