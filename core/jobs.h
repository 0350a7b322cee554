/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Durable jobs (core_job): claiming due jobs, running their handlers on the
 * loop thread, retries with exponential backoff, dead jobs kept for staff.
 *
 * Backoff: after the n-th failed attempt the job runs again
 * JOBS_BACKOFF_BASE_MS * 2^(n-1) later (30 s, 1 min, 2 min, 4 min...),
 * never more than JOBS_BACKOFF_MAX_MS (6 h). After max_attempts failures, or
 * at once for a kind nobody handles, it is 'dead' with its last error. */
#ifndef SOCLE_CORE_JOBS_H
#define SOCLE_CORE_JOBS_H

#include "core.h"

#define JOBS_DEFAULT_MAX_ATTEMPTS 8
#define JOBS_MAX_ATTEMPTS_LIMIT 100
#define JOBS_BACKOFF_BASE_MS (30 * 1000LL)
#define JOBS_BACKOFF_MAX_MS (6 * 3600 * 1000LL)

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
