/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The tracking plugin's internal interface between its files:
 *   tracking.c   descriptor, init: migrations then each area's registrations
 *   visits.c     the visit engine: rule point next_visits, its contract, the
 *                simulation route (what-if for a worker, with explanations)
 *   leave.c      sick leave (arrêts): rule point leave_obligations, visit
 *                request rules (who may ask for what), their routes
 * Planning, convocations, visit outcomes, the DMST and indicators come next
 * (issue 4); they will read workers through membership's events.
 * Every symbol here is internal to the plugin (hidden visibility). */
#ifndef SOCLE_PLUGIN_TRACKING_H
#define SOCLE_PLUGIN_TRACKING_H

#include <socle/socle.h>

/* ---- schema: one migration per area, applied in this order ---- */
extern const char tracking_sql_visits[]; /* v1 */
extern const char tracking_sql_leave[];  /* v2 */

/* ---- each area registers its routes, rule points, capabilities ---- */
int tracking_visits_init(socle_plugin *p, socle_err *err);
int tracking_leave_init(socle_plugin *p, socle_err *err);

/* The plugin handle (set in init; read-only afterwards). */
extern socle_plugin *tracking_plugin;

#endif
