/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* membership: the first offer category of the cahier des charges (3.1):
 * online membership, workforce declaration, follow-up categories, prevention
 * score, membership fee. This file only assembles the plugin: the migrations
 * of each area in order, then each area's registrations, then the export of
 * membership.v1 (<socle/membership.h>, service.c). */
#include <socle/membership.h>

#include "company.h"

socle_plugin *membership_plugin;

static const struct socle_migration membership_migrations[] = {
	{1, membership_sql_company},
	{2, membership_sql_workforce},
	{3, membership_sql_billing},
	{4, membership_sql_score_inputs},
	{5, membership_sql_search},
	{6, membership_sql_worker_contact},
	{7, membership_sql_assignment},
};

/* Each file registers its own routes, capabilities, rule points and event
 * handlers, in this order (company.c declares membership.review, which the
 * other company files' routes require). */
static int (*const membership_areas[])(socle_plugin *, socle_err *) = {
	membership_company_init,      membership_application_init, membership_review_init,
	membership_invitation_init,   membership_company_users_init, membership_satisfaction_init,
	membership_workforce_init,    membership_category_init,    membership_sir_posts_init,
	membership_score_init,        membership_fee_init,         membership_invoices_init,
	membership_score_inputs_init, membership_invoice_doc_init, membership_catalog_init,
	membership_search_init,       membership_confirmation_init,
};

const json_t *membership_settings(socle_service *svc)
{
	return socle_service_settings(svc, membership_plugin);
}

static int membership_init(socle_plugin *p, socle_err *err)
{
	int rc;

	membership_plugin = p;
	/* Moved to the service's identity with wave 2: refused rather than
	 * silently ignored, so links in mails never lose their base unnoticed. */
	for (size_t i = 0; i < socle_core_service_count(socle_plugin_core(p)); i++) {
		socle_service *svc = socle_core_service_at(socle_plugin_core(p), i);

		if (json_object_get(socle_service_settings(svc, p), "public_url"))
			return socle_err_set(err, SOCLE_E_INVAL, "service %s : le réglage public_url de "
			                     "membership est désormais identity.public_url du service",
			                     socle_service_id(svc));
	}
	if ((rc = socle_plugin_add_migrations(p, membership_migrations,
	                                      SOCLE_COUNT(membership_migrations), err)))
		return rc;
	for (size_t i = 0; i < SOCLE_COUNT(membership_areas); i++)
		if ((rc = membership_areas[i](p, err)) != 0)
			return rc;
	/* What other plugins may use of membership (service.c): they import it
	 * rather than read membership's tables. */
	return socle_plugin_export(p, MEMBERSHIP_V1_NAME, MEMBERSHIP_V1_MAJOR, &membership_v1_api,
	                           sizeof(membership_v1_api), err);
}

SOCLE_PLUGIN_DEFINE(membership,
	.version = "1.0.0",
	.summary = "Adhésion en ligne, déclaration des effectifs, catégories de suivi individuel, "
	           "score de culture de prévention et cotisation",
	.init = membership_init,
	.start = membership_demo_start);
