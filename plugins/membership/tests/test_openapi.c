/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Every route of membership is described in the service's OpenAPI document
 * (issue 9 item 7): the routes are read from the plugin's sources (the route
 * tables, as tests/browser/openapi.test.mjs reads them), then each must be in
 * GET /api/v1/{service}/openapi.json of the real `socle serve`, owned by
 * membership, with a French summary of its own (not the core's "(non
 * décrite)" fallback) and the shape of its success answer (not the bare
 * "Succès."); the routes that take a JSON body show its fields. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"
#include "server.h"

static struct test_deploy D;
static struct test_server S;
static json_t *doc;

static int setup(void **state)
{
	(void)state;
	json_t *cfg = json_pack("{s:[s], s:[{s:s, s:s, s:s, s:{s:{}}}]}", "plugin_dirs",
	                        MEMBERSHIP_PLUGIN_DIR, "services", "id", "demo", "name",
	                        "SPSTI Démo", "database", "demo.db", "plugins", "membership");
	int rc = test_deploy_create(&D, "membership-openapi", cfg);

	json_decref(cfg);
	if (rc != 0 || test_server_start_deploy(&S, &D) != 0)
		return -1;
	int status = 0;

	doc = hc_json(S.port, "GET", "/api/v1/demo/openapi.json", NULL, NULL, &status);
	return status == 200 && json_is_object(doc) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(doc);
	int rc = test_server_stop(&S, 10000);

	test_deploy_remove(&D);
	return rc == 0 ? 0 : -1;
}

/* The whole of a file (caller frees), or NULL. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long n;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (text = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	if (f != NULL)
		fclose(f);
	return text;
}

/* The routes of the plugin's route tables, {"get /membership/...": true}
 * (new): every "{SOCLE_<METHOD>[ | SOCLE_ROUTE_CSV], "/membership..."". */
static json_t *routes_in_sources(void)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
	json_t *out = json_object();
	DIR *dir = opendir(MEMBERSHIP_SOURCE_DIR);
	struct dirent *e;

	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		size_t n = strlen(e->d_name);
		char path[1024], *text;

		if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", MEMBERSHIP_SOURCE_DIR, e->d_name);
		assert_non_null(text = read_file(path));
		for (const char *p = strstr(text, "{SOCLE_"); p; p = strstr(p + 1, "{SOCLE_")) {
			const char *m = p + 7;

			for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
				size_t len = strlen(methods[k]);

				if (strncmp(m, methods[k], len) != 0)
					continue;
				const char *q = m + len;

				if (strncmp(q, " | SOCLE_ROUTE_CSV", 18) == 0)
					q += 18;
				if (*q++ != ',')
					break;
				q += strspn(q, " \t\n");
				if (strncmp(q, "\"/membership", 12) != 0)
					break;
				const char *start = q + 2, *end = strchr(start, '"');
				char key[300], lower[8];

				for (size_t c = 0; c <= len; c++)
					lower[c] = (char)(methods[k][c] ? methods[k][c] - 'A' + 'a' : 0);
				snprintf(key, sizeof(key), "%s /%.*s", lower, (int)(end - start), start);
				json_object_set_new(out, key, json_true());
				break;
			}
		}
		free(text);
	}
	closedir(dir);
	return out;
}

static void test_every_route_described(void **state)
{
	(void)state;
	json_t *routes = routes_in_sources();
	const char *key;
	json_t *v;

	/* 42 when this test was written: a table the scan no longer reads fails here. */
	assert_true(json_object_size(routes) >= 42);
	json_object_foreach(routes, key, v) {
		char method[8], path[300];

		assert_int_equal(sscanf(key, "%7s %299s", method, path), 2);
		const json_t *op = json_object_get(json_object_get(json_object_get(doc, "paths"), path),
		                                   method);
		if (op == NULL)
			fail_msg("%s : absente du document OpenAPI", key);
		const char *owner = json_string_value(json_array_get(json_object_get(op, "tags"), 0));
		const char *summary = json_string_value(json_object_get(op, "summary"));
		const char *answer = json_string_value(json_object_get(
			json_object_get(json_object_get(op, "responses"), "2XX"), "description"));

		if (owner == NULL || strcmp(owner, "membership") != 0)
			fail_msg("%s : rattachée à %s, pas à membership", key, owner ? owner : "?");
		if (summary == NULL || strstr(summary, "(non décrite)") != NULL)
			fail_msg("%s : pas de résumé (socle_plugin_describe_routes)", key);
		if (answer == NULL || strcmp(answer, "Succès.") == 0)
			fail_msg("%s : la forme de la réponse n'est pas décrite", key);
	}
	json_decref(routes);
}

/* A described body is the handler's own field table: required fields,
 * bounds, choices. */
static void test_bodies_and_queries(void **state)
{
	(void)state;
	const json_t *paths = json_object_get(doc, "paths");
	const json_t *apply = json_object_get(json_object_get(paths, "/membership/applications"),
	                                      "post");
	const json_t *schema = json_object_get(json_object_get(json_object_get(json_object_get(
		json_object_get(apply, "requestBody"), "content"), "application/json"), "schema"),
		"properties");

	assert_non_null(json_object_get(schema, "siret"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(schema, "siret"),
	                                                    "maxLength")), 20);
	const json_t *patch = json_object_get(
		json_object_get(paths, "/membership/companies/{id}/workers/{wid}"), "patch");
	const json_t *body = json_object_get(json_object_get(json_object_get(json_object_get(
		patch, "requestBody"), "content"), "application/json"), "schema");

	assert_non_null(json_object_get(json_object_get(body, "properties"), "job_title"));
	assert_null(json_object_get(body, "required")); /* a PATCH requires nothing */
	assert_null(json_object_get(json_object_get(body, "properties"), "end_date"));
	const json_t *list = json_object_get(
		json_object_get(paths, "/membership/companies/{id}/workers"), "get");
	bool category = false, cursor = false;
	size_t i;
	const json_t *prm;

	json_array_foreach(json_object_get(list, "parameters"), i, prm) {
		const char *name = json_string_value(json_object_get(prm, "name"));

		category |= strcmp(name, "category") == 0;
		cursor |= strcmp(name, "cursor") == 0;
	}
	assert_true(category && cursor);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_described),
		cmocka_unit_test(test_bodies_and_queries),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
