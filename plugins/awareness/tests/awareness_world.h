/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The world of awareness's tests: tracking's test world (tracking_world.h:
 * the real `socle serve`, companies, workers and accounts made through the
 * API, the outbox) with awareness enabled in place of tracking. */
#ifndef AWARENESS_WORLD_H
#define AWARENESS_WORLD_H

#include <stdbool.h>

#include <jansson.h>

#include "tracking_world.h"

/* The frozen clock every awareness test starts on (a Monday, 10:00 in Paris). */
#define AWARENESS_WORLD_CLOCK "2025-06-02T08:00:00Z"

/* Create the deployment @p name: service "svc" with membership and awareness
 * (its settings @p settings, taken; NULL: none), riskeval too when
 * @p with_riskeval (its AMTs are the advice awareness counts); the service's
 * identity e-mail accueil@svc.test (the CSE desk's address); the account
 * admin@svc.test (service_admin). Add other accounts with user_add() before
 * awareness_world_serve(). 0, or -1 on failure. */
int awareness_world_deploy(const char *name, json_t *settings, bool with_riskeval);

/* Start the server on that deployment; with @p staff, sign admin@svc.test in
 * and store its Authorization header there. 0, or -1 on failure. */
int awareness_world_serve(char **staff);

#endif
