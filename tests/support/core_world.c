/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* In-process deployments (see core_world.h). */
#include <stdlib.h>

#include "clock.h"
#include "core_world.h"
#include "diag.h"
#include "fsutil.h"

socle_core *test_core_open(const char *dir, const char *config,
                           const struct socle_plugin_desc *const *statics)
{
	struct socle_core_opts opts = {.static_plugins = statics};
	struct diag d = {0};
	socle_core *core = NULL;

	fs_write(dir, "socle.json", config);
	char *path = fs_join(dir, "socle.json");
	int rc = core_open(path, &opts, &d, &core);

	free(path);
	if (rc != 0) {
		diag_print(&d);
		core = NULL;
	}
	diag_fini(&d);
	return core;
}

void test_core_close(socle_core *core, char *dir)
{
	if (core != NULL)
		core_close(core);
	clock_thaw();
	fs_rmtree(dir);
	free(dir);
}
