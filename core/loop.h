/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The loop thread: delivers the event outbox, runs due jobs and fires
 * timers, then sleeps until the next timer or job, or until woken (a commit
 * that emitted events or enqueued jobs wakes it). */
#ifndef SOCLE_CORE_LOOP_H
#define SOCLE_CORE_LOOP_H

#include "core.h"

/* Start the loop thread of @p core (core->loop). Call after the stores are
 * open and migrated; timers count their first interval from here. */
int loop_start(socle_core *core, socle_err *err);
/* Stop and join the loop thread; what it was running finishes first. Safe
 * when the loop is not running. */
void loop_stop(socle_core *core);
/* Ask the loop to look for work now. Any thread; no-op without a loop. */
void loop_wake(socle_core *core);
/* Do, on the calling thread, everything due now: deliver pending events, run
 * due jobs, fire due timers, until nothing is left that is due (bounded per
 * call). Returns the number of things done, or a negative code. Serialized
 * with the loop thread. Used by tests and commands. */
int loop_run_pending(socle_core *core);

#endif
