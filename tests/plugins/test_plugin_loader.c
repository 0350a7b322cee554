/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Plugin loader: real .so fixtures loaded through config, dlopen, ABI checks,
 * dependency order, init failing halfway (revocation), duplicates, and the
 * registration window. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "core.h"
#include "fsutil.h"
#include "plugin.h"
#include "fixtures/fx_exporter.h"

struct loaded {
	char *dir;
	socle_core *core;
	struct diag d;
	int load_rc, init_rc;
};

/* Write a one-service config enabling @p plugins (JSON object text) with the
 * given plugin_dirs (JSON array text), then load and init like core_open does. */
static void load_services(struct loaded *l, const char *plugin_dirs, const char *services)
{
	char cfg[4096];

	memset(l, 0, sizeof(*l));
	l->dir = fs_tempdir("loader");
	snprintf(cfg, sizeof(cfg), "{\"plugin_dirs\": %s, \"services\": %s}", plugin_dirs,
	         services);
	fs_write(l->dir, "socle.json", cfg);
	char *path = fs_join(l->dir, "socle.json");
	l->core = calloc(1, sizeof(*l->core));
	assert_int_equal(config_load(l->core, path, &l->d), 0);
	free(path);
	l->load_rc = plugins_load(l->core, &l->d);
	l->init_rc = l->load_rc == 0 ? plugins_init(l->core, &l->d) : 0;
}

static void load(struct loaded *l, const char *plugin_dirs, const char *plugins)
{
	char services[2048];

	snprintf(services, sizeof(services),
	         "[{\"id\": \"s1\", \"name\": \"S1\", \"database\": \"s1.db\", \"plugins\": %s}]",
	         plugins);
	load_services(l, plugin_dirs, services);
}

static void unload(struct loaded *l)
{
	core_close(l->core);
	diag_fini(&l->d);
	fs_rmtree(l->dir);
	free(l->dir);
}

/* Does some problem mention every one of the NULL-terminated words? */
static bool diag_mentions(const struct diag *d, ...)
{
	for (size_t i = 0; i < d->n && i < d->cap; i++) {
		char line[2048];
		bool all = true;
		va_list ap;

		snprintf(line, sizeof(line), "%s: %s", d->items[i].where ? d->items[i].where : "",
		         d->items[i].message);
		va_start(ap, d);
		for (const char *w = va_arg(ap, const char *); w; w = va_arg(ap, const char *))
			if (strstr(line, w) == NULL)
				all = false;
		va_end(ap);
		if (all)
			return true;
	}
	diag_print(d);
	return false;
}

#define FIXTURES "[\"" FIXTURE_DIR "\"]"

static void test_good_and_dependency_order(void **state)
{
	struct loaded l;
	(void)state;

	/* fx_dependent is listed first but requires fx_good: fx_good inits first. */
	load(&l, FIXTURES, "{\"fx_dependent\": {}, \"fx_good\": {}}");
	assert_int_equal(l.load_rc, 0);
	assert_int_equal(l.init_rc, 0);
	assert_int_equal(diag_count(&l.d), 0);
	assert_int_equal(l.core->n_plugins, 2);
	assert_string_equal(l.core->plugins[0]->desc->name, "fx_good");
	assert_string_equal(l.core->plugins[1]->desc->name, "fx_dependent");
	assert_true(l.core->plugins[0]->initialized && l.core->plugins[1]->initialized);
	assert_true(socle_service_enables(l.core->services[0], "fx_good"));
	assert_false(socle_service_enables(l.core->services[0], "hello"));

	size_t routes = 0;
	for (size_t i = 0; i < l.core->reg.routes.n; i++)
		routes += l.core->reg.routes.v[i].owner == l.core->plugins[0];
	assert_int_equal(routes, 1);
	unload(&l);
}

static void test_abi_major_refused(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_abi_major\": {}}");
	assert_true(l.load_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin fx_abi_major", "ABI 2.0", NULL));
	assert_int_equal(l.core->n_plugins, 0);
	unload(&l);
}

static void test_abi_minor_newer_refused(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_abi_minor\": {}}");
	assert_true(l.load_rc < 0);
	char want[32];
	snprintf(want, sizeof(want), "ABI %u.%u", SOCLE_ABI_MAJOR, SOCLE_ABI_MINOR + 1);
	assert_true(diag_mentions(&l.d, "plugin fx_abi_minor", want, NULL));
	unload(&l);
}

static size_t owned_by(const struct registry *r, const socle_plugin *p)
{
	size_t n = 0;

#define COUNT(vec) for (size_t i = 0; i < r->vec.n; i++) n += r->vec.v[i].owner == p;
	COUNT(routes) COUNT(handlers) COUNT(jobs) COUNT(timers) COUNT(migrations)
	COUNT(capabilities) COUNT(lua_libs) COUNT(rule_points)
#undef COUNT
	return n;
}

static void test_init_failing_halfway_is_revoked(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_init_fails\": {}, \"fx_good\": {}}");
	assert_int_equal(l.load_rc, 0);
	assert_true(l.init_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin fx_init_fails", "échec volontaire", NULL));
	socle_plugin *bad = plugins_find(l.core, "fx_init_fails");
	socle_plugin *good = plugins_find(l.core, "fx_good");
	assert_non_null(bad);
	assert_false(bad->initialized);
	assert_int_equal(owned_by(&l.core->reg, bad), 0);
	/* The other plugin keeps its registrations. */
	assert_true(good->initialized);
	assert_int_equal(owned_by(&l.core->reg, good), 2);
	assert_int_equal(registry_capability_roles(&l.core->reg, "fx_init_fails.cap"), 0);
	assert_null(registry_job(&l.core->reg, "fx.job"));
	/* core_close must not call the failed plugin's fini (it aborts if called). */
	unload(&l);
}

static void test_duplicate_in_two_folders(void **state)
{
	struct loaded l;
	char *a = fs_tempdir("dup-a"), *b = fs_tempdir("dup-b");
	char *fa = fs_join(a, "fx_good.so"), *fb = fs_join(b, "fx_good.so");
	char dirs[1024];
	(void)state;

	fs_copy(FIXTURE_DIR "/fx_good.so", fa);
	fs_copy(FIXTURE_DIR "/fx_good.so", fb);
	snprintf(dirs, sizeof(dirs), "[\"%s\", \"%s\"]", a, b);
	load(&l, dirs, "{\"fx_good\": {}}");
	assert_true(l.load_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin fx_good", "en double", NULL));
	unload(&l);
	fs_rmtree(a);
	fs_rmtree(b);
	free(a), free(b), free(fa), free(fb);
}

static void test_descriptor_name_mismatch(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_misnamed\": {}}");
	assert_true(l.load_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin fx_misnamed", "fx_good", NULL));
	unload(&l);
}

static void test_missing_dependency_names_both(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_needs_missing\": {}}");
	assert_true(l.load_rc < 0);
	assert_true(diag_mentions(&l.d, "fx_needs_missing", "fx_absent", NULL));
	unload(&l);
}

static void test_cycle_names_both(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_cycle_a\": {}, \"fx_cycle_b\": {}}");
	assert_true(l.load_rc < 0);
	assert_true(diag_mentions(&l.d, "fx_cycle_", "circulaire", NULL));
	unload(&l);
}

static void test_unknown_plugin(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"nope\": {}}");
	assert_true(l.load_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin nope", "plugin inconnu", NULL));
	unload(&l);
}

static int fx_dummy_handler(socle_req *req, void *ud)
{
	(void)req, (void)ud;
	return 0;
}

static void test_registration_only_in_init(void **state)
{
	static const struct socle_route late[] = {
		{SOCLE_GET, "/late", SOCLE_CAP_PUBLIC, 0, fx_dummy_handler, NULL}};
	static const struct socle_migration mig[] = {{1, "SELECT 1;"}};
	struct loaded l;
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	load(&l, FIXTURES, "{\"fx_good\": {}}");
	assert_int_equal(l.init_rc, 0);
	socle_plugin *p = plugins_find(l.core, "fx_good");
	assert_int_equal(socle_plugin_add_routes(p, late, 1, &err), SOCLE_E_PHASE);
	assert_int_equal(socle_plugin_add_migrations(p, mig, 1, &err), SOCLE_E_PHASE);
	assert_int_equal(socle_plugin_add_capability(p, "late.cap", SOCLE_ROLES_STAFF, &err),
	                 SOCLE_E_PHASE);
	unload(&l);
}


/* ---- interfaces between plugins (socle/export.h) ---- */

/* The table the fixture @p name imported in its init (its global, by dlsym). */
static const void *imported_by(const struct loaded *l, const char *name)
{
	socle_plugin *p = plugins_find(l->core, name);
	char sym[128];

	assert_non_null(p);
	snprintf(sym, sizeof(sym), "%s_imported", name);
	const void *const *slot = dlsym(p->handle, sym);
	assert_non_null(slot);
	return *slot;
}

static void test_import_ok(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_importer\": {\"mode\": \"ok\"}, \"fx_exporter\": {}}");
	assert_int_equal(l.init_rc, 0);
	assert_int_equal(diag_count(&l.d), 0);
	const struct fx_exporter_v1 *api = imported_by(&l, "fx_importer");
	assert_non_null(api);
	assert_int_equal(api->answer(), 42);
	assert_string_equal(api->greeting(), "bonjour");
	assert_ptr_equal(socle_import_for(l.core->services[0], api), api);
	unload(&l);
}

static void test_import_unknown_name(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_importer\": {\"mode\": \"unknown\"}, \"fx_exporter\": {}}");
	assert_true(l.init_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin fx_importer", "fx_nothing.v1", NULL));
	assert_false(plugins_find(l.core, "fx_importer")->initialized);
	unload(&l);
}

static void test_import_too_old(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_importer\": {\"mode\": \"too_old\"}, \"fx_exporter\": {}}");
	assert_true(l.init_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin fx_importer", "fx_exporter.v1", "trop ancien",
	                          "le plugin fx_exporter", NULL));
	unload(&l);
}

static void test_import_wrong_major(void **state)
{
	struct loaded l;
	(void)state;

	load(&l, FIXTURES, "{\"fx_importer\": {\"mode\": \"major\"}, \"fx_exporter\": {}}");
	assert_true(l.init_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin fx_importer", "fx_exporter.v2", "v1",
	                          "le plugin fx_exporter", NULL));
	unload(&l);
}

static void test_import_undeclared_names_both(void **state)
{
	struct loaded l;
	(void)state;

	/* Loaded and exporting, but fx_stranger never declared it needs it. */
	load(&l, FIXTURES, "{\"fx_stranger\": {}, \"fx_exporter\": {}}");
	assert_true(l.init_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin fx_stranger", "du plugin fx_exporter", "requires",
	                          NULL));
	unload(&l);

	/* Declared optional but imported as required: refused too. */
	load(&l, FIXTURES, "{\"fx_importer_optional\": {\"mode\": \"ok\"}, \"fx_exporter\": {}}");
	assert_true(l.init_rc < 0);
	assert_true(diag_mentions(&l.d, "plugin fx_importer_optional", "le plugin fx_exporter",
	                          "SOCLE_IMPORT_OPTIONAL", NULL));
	unload(&l);
}

static void test_import_optional(void **state)
{
	struct loaded l;
	(void)state;

	/* Not loaded at all: NULL, and no error. */
	load(&l, FIXTURES, "{\"fx_importer_optional\": {\"mode\": \"optional\"}}");
	assert_int_equal(l.init_rc, 0);
	assert_int_equal(diag_count(&l.d), 0);
	assert_null(imported_by(&l, "fx_importer_optional"));
	unload(&l);

	/* Loaded for s2 only, listed after the importer: ordered first, imported,
	 * and per service the table is there on s2 and NULL on s1. */
	load_services(&l, FIXTURES,
	              "[{\"id\": \"s1\", \"name\": \"S1\", \"database\": \"s1.db\", \"plugins\":"
	              " {\"fx_importer_optional\": {\"mode\": \"optional\"}}},"
	              " {\"id\": \"s2\", \"name\": \"S2\", \"database\": \"s2.db\", \"plugins\":"
	              " {\"fx_importer_optional\": {}, \"fx_exporter\": {}}}]");
	assert_int_equal(l.init_rc, 0);
	assert_string_equal(l.core->plugins[0]->desc->name, "fx_exporter");
	const struct fx_exporter_v1 *api = imported_by(&l, "fx_importer_optional");
	assert_non_null(api);
	assert_null(socle_import_for(l.core->services[0], api));
	assert_ptr_equal(socle_import_for(l.core->services[1], api), api);
	unload(&l);
}

static void test_export_only_in_init_and_once(void **state)
{
	static const int table = 1;
	struct loaded l;
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	load(&l, FIXTURES, "{\"fx_exporter\": {}}");
	assert_int_equal(l.init_rc, 0);
	socle_plugin *p = plugins_find(l.core, "fx_exporter");
	assert_int_equal(socle_plugin_export(p, "late", 1, &table, sizeof(table), &err),
	                 SOCLE_E_PHASE);
	assert_null(socle_plugin_import(p, "fx_exporter", 1, 1, 0, &err));
	assert_int_equal(err.code, SOCLE_E_PHASE);
	/* A second export of the same name and version is refused (in init). */
	l.core->phase = PHASE_INIT;
	l.core->current_plugin = p;
	assert_int_equal(socle_plugin_export(p, "fx_exporter", 1, &table, sizeof(table), &err),
	                 SOCLE_E_EXISTS);
	l.core->current_plugin = NULL;
	unload(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_and_dependency_order),
		cmocka_unit_test(test_abi_major_refused),
		cmocka_unit_test(test_abi_minor_newer_refused),
		cmocka_unit_test(test_init_failing_halfway_is_revoked),
		cmocka_unit_test(test_duplicate_in_two_folders),
		cmocka_unit_test(test_descriptor_name_mismatch),
		cmocka_unit_test(test_missing_dependency_names_both),
		cmocka_unit_test(test_cycle_names_both),
		cmocka_unit_test(test_unknown_plugin),
		cmocka_unit_test(test_registration_only_in_init),
		cmocka_unit_test(test_import_ok),
		cmocka_unit_test(test_import_unknown_name),
		cmocka_unit_test(test_import_too_old),
		cmocka_unit_test(test_import_wrong_major),
		cmocka_unit_test(test_import_undeclared_names_both),
		cmocka_unit_test(test_import_optional),
		cmocka_unit_test(test_export_only_in_init_and_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
