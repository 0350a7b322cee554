/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The world of awareness's tests (awareness_world.h): what every test's setup
 * wrote again, once. */
#include <stddef.h>

#include "awareness_world.h"

int awareness_world_deploy(const char *name, json_t *settings, bool with_riskeval)
{
	json_t *cfg = world_config(AWARENESS_WORLD_CLOCK);
	json_t *svc = json_array_get(json_object_get(cfg, "services"), 0);
	json_t *plugins = json_object_get(svc, "plugins");

	json_object_del(plugins, "tracking");
	json_object_set_new(plugins, "awareness", settings ? settings : json_object());
	if (with_riskeval)
		json_object_set_new(plugins, "riskeval", json_object());
	json_object_set_new(svc, "identity", json_pack("{s:s}", "email", "accueil@svc.test"));
	int rc = test_deploy_create(&D, name, cfg);
	json_decref(cfg);
	if (rc != 0)
		return -1;
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	return 0;
}

int awareness_world_serve(char **staff)
{
	if (test_server_start_deploy(&S, &D) != 0)
		return -1;
	if (staff)
		*staff = login("admin@svc.test", STAFF_PASSWORD);
	return 0;
}
