/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Event bus internals: delivery of each service's outbox (core_event) to the
 * C handlers plugins registered, then to core subscribers (the Lua host, the
 * parcours engine), at least once, in id order. */
#ifndef SOCLE_CORE_BUS_H
#define SOCLE_CORE_BUS_H

#include "core.h"

/* A core module's view of every event of every service, called after the C
 * handlers of the event. Return 0, or a negative code with @p err set: the
 * failure is logged and recorded on the event, and delivery goes on. */
typedef int (*bus_subscriber_fn)(socle_service *svc, const char *event, const json_t *payload,
                                 socle_err *err);

#define BUS_MAX_SUBSCRIBERS 8

/* Add @p fn for @p core; subscribers run in the order they were added, each
 * once however often it was added. Returns 0, or SOCLE_E_NOMEM when all
 * BUS_MAX_SUBSCRIBERS slots are taken (call bus_core_fini at core close). */
int bus_add_core_subscriber(socle_core *core, bus_subscriber_fn fn);
/* Forget every subscriber of @p core (core close). */
void bus_core_fini(socle_core *core);
/* Deliver pending events of every service, in batches, in id order, on the
 * services whose queue this process owns (store_claim_queue). Not thread-safe
 * by itself: call it through loop_run_pending() or the loop thread. Returns
 * the number of events delivered (failed handlers included), or a negative
 * code when a store could not be read or updated. */
int bus_dispatch(socle_core *core);
/* Does some service still have undelivered events? (0 no, 1 yes, <0 error) */
int bus_pending(socle_core *core);
/* Delete events delivered before @p before_ms (housekeeping). Returns the
 * number deleted or a negative code. */
int bus_purge(socle_service *svc, int64_t before_ms, socle_err *err);

/* Valid event name: "domain.verb_past" — [a-z][a-z0-9_]* "." [a-z][a-z0-9_]*,
 * at most 64 characters. Job kinds follow the same rule. */
bool bus_valid_name(const char *name);

#endif
