/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A hand-built deployment for the storage tests: one core, one service whose
 * database lives in a fresh mkdtemp folder, and a few fake plugins (no .so,
 * just records) so that per-plugin enablement can be exercised. */
#ifndef SOCLE_TEST_STORE_FIXTURE_H
#define SOCLE_TEST_STORE_FIXTURE_H

#include <limits.h>

#include "core.h"

#define FIX_MAX_PLUGINS 4

struct fixture {
	char dir[PATH_MAX];
	char db_path[PATH_MAX + 16];
	socle_core *core;
	socle_service *svc;
	socle_plugin *plugins[FIX_MAX_PLUGINS];
	struct socle_plugin_desc descs[FIX_MAX_PLUGINS];
	size_t n_plugins;
};

/* Plugins are named p0, p1...; every one enabled on the service and started.
 * The core is left in PHASE_INIT so that tests can register. Store not open. */
struct fixture *fixture_new(size_t n_plugins);
/* Open and migrate the store (asserting success). */
void fixture_open(struct fixture *f);
/* Stop the loop, close the store, free everything, remove the folder. */
void fixture_free(struct fixture *f);

/* Run one statement in its own write transaction (asserting success). */
void fixture_exec(struct fixture *f, const char *sql);
/* First column of the first row of @p sql on this thread's reader. */
int64_t fixture_int(struct fixture *f, const char *sql);

#endif
