/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Hand-built core and service for the storage tests (see store_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <ftw.h>

#include "bus.h"
#include "loop.h"
#include "store.h"
#include "store_fixture.h"

static char plugin_names[FIX_MAX_PLUGINS][24];

struct fixture *fixture_new(size_t n_plugins)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(n_plugins <= FIX_MAX_PLUGINS);
	snprintf(f->dir, sizeof(f->dir), "%s/socle-store-XXXXXX",
	         getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db_path, sizeof(f->db_path), "%s/test.db", f->dir);

	f->core = calloc(1, sizeof(*f->core));
	assert_non_null(f->core);
	f->core->phase = PHASE_INIT;
	/* The events these tests emit, declared as a plugin would (catalog.c). */
	static const struct socle_event_decl test_events[] = {
		{"kv.created", "", "test"}, {"load.done", "i", "test"}, {"kill.ticked", "txn", "test"},
		{"visit.completed", "worker_id", "test"}, {"company.joined", "company_id", "test"},
	};
	for (size_t i = 0; i < SOCLE_COUNT(test_events); i++) {
		struct reg_event_decl rec = {.owner = NULL, .decl = &test_events[i]};

		assert_int_equal(registry_add_event_decl(&f->core->reg, &rec), 0);
	}
	f->core->services = calloc(1, sizeof(socle_service *));
	f->svc = calloc(1, sizeof(*f->svc));
	assert_non_null(f->core->services);
	assert_non_null(f->svc);
	f->core->services[0] = f->svc;
	f->core->n_services = 1;

	f->svc->core = f->core;
	f->svc->id = strdup("test");
	f->svc->name = strdup("Service de test");
	f->svc->database_path = strdup(f->db_path);
	f->svc->plugin_enabled = calloc(FIX_MAX_PLUGINS, sizeof(bool));
	f->svc->lua_limits.memory_bytes = 16u << 20;
	f->svc->lua_limits.instructions = 1000000;
	f->svc->lua_limits.time_ms = 100;

	f->n_plugins = n_plugins;
	if (n_plugins > 0) {
		f->core->plugins = calloc(n_plugins, sizeof(socle_plugin *));
		assert_non_null(f->core->plugins);
	}
	for (size_t i = 0; i < n_plugins; i++) {
		snprintf(plugin_names[i], sizeof(plugin_names[i]), "p%zu", i);
		f->descs[i].magic = SOCLE_PLUGIN_MAGIC;
		f->descs[i].desc_size = sizeof(f->descs[i]);
		f->descs[i].abi_major = SOCLE_ABI_MAJOR;
		f->descs[i].abi_minor = SOCLE_ABI_MINOR;
		f->descs[i].name = plugin_names[i];
		f->plugins[i] = calloc(1, sizeof(socle_plugin));
		assert_non_null(f->plugins[i]);
		f->plugins[i]->core = f->core;
		f->plugins[i]->index = i;
		f->plugins[i]->desc = &f->descs[i];
		f->plugins[i]->initialized = true;
		f->plugins[i]->started = true;
		f->core->plugins[i] = f->plugins[i];
		f->svc->plugin_enabled[i] = true;
	}
	f->core->n_plugins = n_plugins;
	return f;
}

void fixture_open(struct fixture *f)
{
	socle_err err = SOCLE_ERR_INIT;

	if (store_open(f->svc, &err) != 0)
		fail_msg("store_open: %s", err.msg);
	if (store_migrate(f->svc, &err) != 0)
		fail_msg("store_migrate: %s", err.msg);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fixture_free(struct fixture *f)
{
	if (f == NULL)
		return;
	loop_stop(f->core);
	store_close(f->svc);
	bus_core_fini(f->core);
	registry_fini(&f->core->reg);
	for (size_t i = 0; i < f->n_plugins; i++)
		free(f->plugins[i]);
	free(f->core->plugins);
	free(f->svc->id);
	free(f->svc->name);
	free(f->svc->database_path);
	free(f->svc->plugin_enabled);
	free(f->svc);
	free(f->core->services);
	free(f->core);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
}

static int exec_fn(socle_db *wdb, void *ud, socle_err *err)
{
	return socle_db_exec(wdb, ud, err);
}

void fixture_exec(struct fixture *f, const char *sql)
{
	socle_err err = SOCLE_ERR_INIT;

	if (socle_service_write(f->svc, exec_fn, (void *)sql, &err) != 0)
		fail_msg("%s: %s", sql, err.msg);
}

int64_t fixture_int(struct fixture *f, const char *sql)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *r = socle_service_reader(f->svc, &err);
	socle_stmt *st;
	int64_t v;

	if (r == NULL)
		fail_msg("reader: %s", err.msg);
	st = socle_db_prepare(r, sql, &err);
	if (st == NULL)
		fail_msg("%s: %s", sql, err.msg);
	if (socle_stmt_step(st, &err) != 1)
		fail_msg("%s: no row (%s)", sql, err.msg);
	v = socle_stmt_int(st, 0);
	socle_stmt_release(st);
	return v;
}
