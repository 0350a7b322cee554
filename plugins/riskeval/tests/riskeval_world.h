/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What riskeval's end-to-end tests add to tracking's world (tracking_world.h):
 * the deployment with riskeval enabled, and short paths to its routes. */
#ifndef SOCLE_RISKEVAL_TEST_WORLD_H
#define SOCLE_RISKEVAL_TEST_WORLD_H

#include <jansson.h>

#include "tracking_world.h"

/* Deployment "riskeval-<name>": service "svc" with membership, tracking and
 * riskeval (@p settings: riskeval's settings, stolen; NULL for none), its
 * clock frozen at @p clock; staff accounts admin@, medecin@, infirmier@,
 * iprp@ and assistant@svc.test (STAFF_PASSWORD); the server started.
 * Returns 0 or -1. */
int riskeval_world_start(const char *name, const char *clock, json_t *settings);
/* "/api/v1/svc/riskeval/companies/<company><rest>" in a static buffer. */
const char *company_path(json_int_t company, const char *rest);

#endif
