/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* riskeval's additions to tracking's test world (riskeval_world.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "riskeval_world.h"

int riskeval_world_start(const char *name, const char *clock, json_t *settings)
{
	json_t *cfg = world_config(clock);
	json_t *plugins = json_object_get(json_array_get(json_object_get(cfg, "services"), 0),
	                                  "plugins");
	char dir[64];

	json_object_set_new(plugins, "riskeval", settings ? settings : json_object());
	snprintf(dir, sizeof(dir), "riskeval-%s", name);
	int rc = test_deploy_create(&D, dir, cfg);
	json_decref(cfg);
	if (rc != 0)
		return -1;
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("infirmier@svc.test", "infirmier", STAFF_PASSWORD, NULL);
	user_add("iprp@svc.test", "iprp", STAFF_PASSWORD, NULL);
	user_add("assistant@svc.test", "assistant_medical", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D) == 0 ? 0 : -1;
}

const char *company_path(json_int_t company, const char *rest)
{
	static char path[512];

	snprintf(path, sizeof(path), "/api/v1/svc/riskeval/companies/%lld%s", (long long)company,
	         rest);
	return path;
}
