/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Event bus, durable jobs, timers and the clock.
 *
 * Events are named `domain.verb_past` ("company.joined", "visit.completed").
 * They are emitted inside a write transaction, stored in the service's event
 * outbox with it, and delivered after the commit by the loop thread to C
 * handlers, Lua handlers (socle.on) and the parcours engine, in that order.
 * Delivery is at least once: a handler may see an event again after a crash,
 * so handlers are written to be idempotent.  A failing handler is logged and
 * recorded; it never stops delivery to the others.
 *
 * Jobs are rows of the service's job table: a kind, a JSON payload, the time to
 * run at.  A failed job is retried with exponential backoff up to its maximum
 * number of attempts, then marked dead and kept for staff to see.
 */
#ifndef SOCLE_BUS_H
#define SOCLE_BUS_H

#include <jansson.h>
#include <socle/defs.h>
#include <socle/err.h>

/** Milliseconds since the Unix epoch from the core's clock. Tests and
 * deployments with a "clock" setting freeze or move it; nothing in Socle reads
 * the system time any other way. */
SOCLE_API int64_t socle_now_ms(void);

typedef int (*socle_event_fn)(socle_service *svc, const char *event, const json_t *payload,
                              void *ud, socle_err *err);

/** Subscribe to @p event (exact name). init() only. Runs on the loop thread. */
SOCLE_API int socle_plugin_on(socle_plugin *p, const char *event, socle_event_fn fn, void *ud,
                              socle_err *err);

/** Record @p event with @p payload (borrowed JSON object) in the transaction of
 * @p wdb; delivered once the transaction commits. The event must be declared
 * (socle_plugin_declare_events) by a plugin: an undeclared one is refused
 * (SOCLE_E_INVAL) in test builds and logged as a warning otherwise. */
SOCLE_API int socle_event_emit(socle_db *wdb, const char *event, const json_t *payload,
                               socle_err *err);

/** An event a plugin emits, for the catalogue (docs/events.md) and the checks:
 * emitting an undeclared event, or a script's socle.on of an event no enabled
 * plugin declares (socle check). (ABI 1.4) */
struct socle_event_decl {
	const char *name;    /* "worker.declared": domain.verb_past */
	const char *payload; /* the payload's fields, comma-separated: "worker_id, company_id" */
	const char *summary; /* when it is emitted, in French */
};
/** Declare the events this plugin emits (array borrowed, static). init() only. */
SOCLE_API int socle_plugin_declare_events(socle_plugin *p, const struct socle_event_decl *events,
                                          size_t count, socle_err *err);

typedef int (*socle_job_fn)(socle_service *svc, const json_t *payload, void *ud, socle_err *err);

/** Handle jobs of @p kind ("mail.send"). init() only. Runs on the loop thread;
 * return 0 when done, a negative code to have the job retried later. */
SOCLE_API int socle_plugin_add_job(socle_plugin *p, const char *kind, socle_job_fn fn, void *ud,
                                   socle_err *err);

/** Handle jobs of @p kind that take seconds (a nightly recomputation): they
 * run on the core's job pool, not on the loop thread, so events and mails
 * keep flowing meanwhile. Same durability and retries as any job; the handler
 * must be thread-safe (another long job may run at the same time). init()
 * only. (ABI 1.4) */
SOCLE_API int socle_plugin_add_long_job(socle_plugin *p, const char *kind, socle_job_fn fn,
                                        void *ud, socle_err *err);

/** Enqueue a job in the transaction of @p wdb. @p run_at_ms 0 means now;
 * @p max_attempts 0 means the default (8). Returns the job id (>0) or a negative code. */
SOCLE_API int64_t socle_job_enqueue(socle_db *wdb, const char *kind, const json_t *payload,
                                    int64_t run_at_ms, int max_attempts, socle_err *err);

typedef void (*socle_timer_fn)(socle_core *core, void *ud);
/** Call @p fn every @p interval_ms on the loop thread, from start() on. init() only. */
SOCLE_API int socle_plugin_add_timer(socle_plugin *p, int64_t interval_ms, socle_timer_fn fn,
                                     void *ud, socle_err *err);

#endif
