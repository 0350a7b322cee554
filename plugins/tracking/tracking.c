/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* tracking: individual follow-up (suivi individuel de l'état de santé, seed
 * 3.3). This file only assembles the plugin: each area's migration in order,
 * then each area's registrations. */
#include "tracking.h"

socle_plugin *tracking_plugin;

static const struct socle_migration tracking_migrations[] = {
	{1, tracking_sql_visits},
	{2, tracking_sql_leave},
	{3, tracking_sql_planning},
	{4, tracking_sql_dmst},
	{5, tracking_sql_outcome},
	{6, tracking_sql_notices},
	{7, tracking_sql_queue_indexes},
	{8, tracking_sql_due},
	{9, tracking_sql_roster},
	{10, tracking_sql_own_keys},
	{11, tracking_sql_request_window},
	{12, tracking_sql_leave_thresholds},
	{13, tracking_sql_dmst_ins},
	{14, tracking_sql_worker_contact},
	{15, tracking_sql_roster_assignment},
};

static int tracking_init(socle_plugin *p, socle_err *err)
{
	int rc;

	tracking_plugin = p;
	for (size_t i = 0; i < socle_core_service_count(socle_plugin_core(p)); i++) {
		socle_service *svc = socle_core_service_at(socle_plugin_core(p), i);

		if (json_object_get(socle_service_settings(svc, p), "health_contact"))
			return socle_err_set(err, SOCLE_E_INVAL, "service %s : le réglage health_contact "
			                     "de tracking est désormais identity.health_contact du service",
			                     socle_service_id(svc));
	}
	if ((rc = socle_plugin_add_migrations(p, tracking_migrations,
	                                      SOCLE_COUNT(tracking_migrations), err)) ||
	    (rc = tracking_roster_init(p, err)) || (rc = tracking_catalog_init(p, err)) ||
	    (rc = tracking_visits_init(p, err)) || (rc = tracking_leave_init(p, err)) ||
	    (rc = tracking_planning_init(p, err)) || (rc = tracking_dmst_init(p, err)) ||
	    (rc = tracking_outcome_init(p, err)) || (rc = tracking_indicators_init(p, err)) ||
	    (rc = tracking_due_init(p, err)) || (rc = tracking_space_init(p, err)) ||
	    (rc = tracking_staff_init(p, err)))
		return rc;
	/* What other plugins may use of tracking (service.c): they import it
	 * rather than read tracking's tables. */
	return socle_plugin_export(p, TRACKING_V1_NAME, TRACKING_V1_MAJOR, &tracking_v1_api,
	                           sizeof(tracking_v1_api), err);
}

/* The services are open: bring each service's copy of membership's workers
 * up to date (roster.c), then queue the day's recomputation of due visits
 * where it is missing (due.c; a timer does it again each day). */
static int tracking_start(socle_plugin *p, socle_err *err)
{
	socle_core *core = socle_plugin_core(p);

	for (size_t i = 0; i < socle_core_service_count(core); i++) {
		socle_service *svc = socle_core_service_at(core, i);
		int rc = socle_service_enables(svc, "tracking") ? tracking_roster_open(svc, err) : 0;

		if (rc != 0)
			return rc;
	}
	tracking_due_schedule(core);
	return 0;
}

SOCLE_PLUGIN_DEFINE(tracking,
	.version = "0.1.0",
	.summary = "Suivi individuel de l'état de santé : échéances réglementaires expliquées, "
	           "arrêts de travail, demandes de visite, planification et convocations, "
	           "dossier médical en santé au travail",
	.requires = (const char *const[]){"membership", NULL},
	.init = tracking_init,
	.start = tracking_start);
