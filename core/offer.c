/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The public offer of a service: each plugin it enables, with the one-sentence
 * French summary of its descriptor, in dependency order. A company applying
 * for membership sees here what the service will provide, and the list can
 * never drift from what is actually enabled. */
#include "offer.h"

static int offer_get(socle_req *req, void *ud)
{
	socle_service *svc = socle_req_service(req);
	socle_core *core = svc->core;
	json_t *items = json_array();
	(void)ud;

	for (size_t i = 0; i < core->n_plugins; i++) {
		const socle_plugin *p = core->plugins[i];

		if (!svc->plugin_enabled[i] || !p->initialized)
			continue;
		json_array_append_new(items, json_pack("{s:s, s:s, s:s?}", "plugin", p->desc->name,
		                                       "version", p->desc->version ? p->desc->version : "",
		                                       "summary", p->desc->summary));
	}
	return socle_reply_json(req, 200, json_pack("{s:{s:s, s:s}, s:o}", "service", "id", svc->id,
	                                             "name", svc->name, "offer", items));
}

static const struct socle_route offer_routes[] = {
	{SOCLE_GET, "/offer", SOCLE_CAP_PUBLIC, 0, offer_get, NULL},
};

int offer_register_core(socle_core *core, socle_err *err)
{
	for (size_t i = 0; i < SOCLE_COUNT(offer_routes); i++) {
		struct reg_route rec = {.owner = NULL, .route = &offer_routes[i]};

		if (registry_add_route(&core->reg, &rec) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	return 0;
}
