/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The parcours (pathway) engine: definitions declared in Lua with
 * socle.parcours{...}, instances and their history stored per service,
 * advanced by events in one write transaction, and the staff routes that show
 * them. */
#ifndef SOCLE_CORE_PARCOURS_H
#define SOCLE_CORE_PARCOURS_H

#include <jansson.h>

#include "core.h"

/* Tables core_parcours_instance and core_parcours_history (owner "core_parcours"). */
extern const struct socle_migration parcours_migrations[];
extern const size_t parcours_migrations_count;

/* Check a definition (as JSON) and normalise it in place (close_on as an
 * array, steps' optional fields). Return 0, or -1 with a message in French. */
int parcours_validate(json_t *def, char *msg, size_t msg_size);

/* Bus subscriber: start, advance and close the service's instances for
 * @p event in one socle_service_write transaction. */
int parcours_on_event(socle_service *svc, const char *event, const json_t *payload,
                      socle_err *err);

/* Add the staff routes (GET /parcours, /parcours/instances, /parcours/instances/{id})
 * to core->reg with owner NULL. */
int parcours_register_core(socle_core *core, socle_err *err);

#endif
