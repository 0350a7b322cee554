/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* docs/events.md and docs/errors.md are held to the registry: with every
 * plugin of the product loaded, each declared event is a row of events.md
 * with its emitter and exactly its payload fields, each declared (code,
 * status) a row of errors.md, and no row names what nobody declares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"
#include "core.h"
#include "core_world.h"
#include "fsutil.h"

static char *read_doc(const char *name)
{
	char path[512], *text = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/docs/%s", SOCLE_SOURCE_DIR, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[4096];
	size_t n;
	FILE *m = open_memstream(&text, &len);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(f);
	fclose(m);
	return text;
}

/* The table rows of @p doc: lines starting with "| `". */
static size_t count_rows(const char *doc)
{
	size_t n = 0;

	for (const char *p = doc; (p = strstr(p, "\n| `")) != NULL; p++)
		n++;
	return n;
}

static socle_core *open_product(char **dir)
{
	*dir = fs_tempdir("catalogues");
	return test_core_open(*dir,
	                      "{\"plugin_dirs\": [\"" SOCLE_BINARY_DIR "/plugins\"], \"services\": [{"
	                      "\"id\": \"s\", \"name\": \"S\", \"database\": \"s.db\", \"plugins\":"
	                      " {\"membership\": {}, \"tracking\": {}, \"retention\": {}, \"awareness\": {}, \"riskeval\": {}, \"portal\": {}, \"hello\": {}}}]}",
	                      NULL);
}

static void test_events_doc(void **state)
{
	char *dir, *doc = read_doc("events.md");
	socle_core *core = open_product(&dir);
	const struct registry *r;
	(void)state;

	assert_non_null(core);
	r = &core->reg;
	for (size_t i = 0; i < r->event_decls.n; i++) {
		const struct reg_event_decl *e = &r->event_decls.v[i];
		char row[1024];

		snprintf(row, sizeof(row), "\n| `%s` | %s | `%s` |", e->decl->name,
		         e->owner ? socle_plugin_name(e->owner) : "core", e->decl->payload);
		if (strstr(doc, row) == NULL)
			fail_msg("docs/events.md lacks the row of %s: %s", e->decl->name, row + 1);
	}
	/* And nothing more: as many rows as declarations. */
	assert_int_equal(count_rows(doc), r->event_decls.n);
	free(doc);
	test_core_close(core, dir);
}

static void test_errors_doc(void **state)
{
	char *dir, *doc = read_doc("errors.md");
	socle_core *core = open_product(&dir);
	size_t n_core;
	const struct socle_error_decl *core_errors = catalog_core_errors(&n_core);
	(void)state;

	assert_non_null(core);
	const struct registry *r = &core->reg;
	size_t total = n_core + r->error_decls.n;

	for (size_t i = 0; i < total; i++) {
		const struct socle_error_decl *e =
			i < n_core ? &core_errors[i] : r->error_decls.v[i - n_core].decl;
		const char *by = i < n_core ? "core"
		                 : r->error_decls.v[i - n_core].owner
		                         ? socle_plugin_name(r->error_decls.v[i - n_core].owner)
		                         : "core";
		char row[512];

		snprintf(row, sizeof(row), "\n| `%s` | %u | %s |", e->code, e->status, by);
		if (strstr(doc, row) == NULL)
			fail_msg("docs/errors.md lacks the row of %s %u: %s", e->code, e->status, row + 1);
	}
	assert_int_equal(count_rows(doc), total);
	/* A code nobody declared is not known, nor a known code with another status. */
	assert_true(catalog_error_known(core, "cutoff_passed", 409));
	assert_false(catalog_error_known(core, "cutoff_passed", 400));
	assert_false(catalog_error_known(core, "made_up", 400));
	free(doc);
	test_core_close(core, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_doc),
		cmocka_unit_test(test_errors_doc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
