/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Lua tests' hand-built deployment (see lua_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsutil.h"
#include "lua_fixture.h"

struct lfx *lfx_new(void)
{
	struct lfx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = fs_tempdir("lua");
	f->default_dir = fs_join(f->dir, "default");
	f->service_dir = fs_join(f->dir, "service");
	fs_write(f->default_dir, ".keep", "");
	fs_write(f->service_dir, ".keep", "");
	f->core = calloc(1, sizeof(*f->core));
	f->svc = calloc(1, sizeof(*f->svc));
	assert_non_null(f->core);
	assert_non_null(f->svc);
	f->core->default_scripts_dir = strdup(f->default_dir);
	/* The events the Lua tests listen for, declared as a plugin would. */
	static const struct socle_event_decl events[] = {{"company.joined", "company_id", "test"}};
	struct reg_event_decl rec = {.owner = NULL, .decl = &events[0]};
	assert_int_equal(registry_add_event_decl(&f->core->reg, &rec), 0);
	f->core->phase = PHASE_START;
	f->core->services = calloc(1, sizeof(*f->core->services));
	f->core->services[0] = f->svc;
	f->core->n_services = 1;
	f->svc->core = f->core;
	f->svc->id = strdup("test");
	f->svc->name = strdup("Service de test");
	f->svc->scripts_dir = strdup(f->service_dir);
	f->svc->lua_limits.memory_bytes = (size_t)16 << 20;
	f->svc->lua_limits.instructions = 1000000;
	f->svc->lua_limits.time_ms = 2000;
	return f;
}

void lfx_write(struct lfx *f, const char *layer, const char *name, const char *text)
{
	fs_write(strcmp(layer, "default") == 0 ? f->default_dir : f->service_dir, name, text);
}

int lfx_open(struct lfx *f)
{
	return lua_service_open(f->svc, &f->diag);
}

bool lfx_diag_has(const struct lfx *f, const char *needle)
{
	for (size_t i = 0; i < f->diag.n; i++) {
		const struct diag_item *it = &f->diag.items[i];

		if ((it->where && strstr(it->where, needle)) || (it->message && strstr(it->message, needle)))
			return true;
	}
	return false;
}

void lfx_diag_dump(const struct lfx *f)
{
	for (size_t i = 0; i < f->diag.n; i++)
		fprintf(stderr, "  diag: %s: %s\n", f->diag.items[i].where ? f->diag.items[i].where : "-",
		        f->diag.items[i].message ? f->diag.items[i].message : "-");
}

int lfx_call(struct lfx *f, const char *name, const char *args, json_t **out, socle_err *err)
{
	json_t *a = json_loads(args ? args : "[]", JSON_DECODE_ANY, NULL);

	assert_non_null(a);
	int rc = socle_rule_call(f->svc, name, a, out, err);

	json_decref(a);
	return rc;
}

void lfx_free(struct lfx *f)
{
	if (f == NULL)
		return;
	lua_service_close(f->svc);
	diag_fini(&f->diag);
	registry_fini(&f->core->reg);
	free(f->svc->id);
	free(f->svc->name);
	free(f->svc->scripts_dir);
	free(f->svc->plugin_enabled);
	free(f->svc);
	free(f->core->services);
	free(f->core->default_scripts_dir);
	free(f->core);
	fs_rmtree(f->dir);
	free(f->dir);
	free(f->default_dir);
	free(f->service_dir);
	free(f);
}
