/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Every route of tracking is described in the service's OpenAPI document
 * (issue 9 item 7): the document the core builds for GET
 * /api/v1/{service}/openapi.json, on a core opened in process with tracking
 * (and membership, which it requires). Each of tracking's operations has a
 * French summary of its own (not the core's "(non décrite)" stand-in) and
 * says what it answers (not the bare "Succès."); the bodies and query
 * parameters it declares are there with their constraints. A route added to
 * tracking without its socle_route_doc fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"
#include "core_world.h"
#include "fsutil.h"
#include "offer.h"
#include "tracking_world.h"

static struct {
	char *dir;
	socle_core *core;
	json_t *doc;
} W;

static int setup(void **state)
{
	(void)state;
	W.dir = fs_tempdir("tracking-route-docs");
	W.core = core_world_open(W.dir,
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [\"" TRACKING_PLUGIN_DIR "\"],"
	         " \"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
	         "   \"plugins\": {\"membership\": {}, \"tracking\": {}}}]}");
	if (W.core == NULL)
		return -1;
	W.doc = openapi_document(socle_core_service(W.core, "demo"));
	return W.doc ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(W.doc);
	test_core_close(W.core, W.dir);
	return 0;
}

static bool is_tracking(const json_t *op)
{
	const json_t *tags = json_object_get(op, "tags");

	return json_array_size(tags) == 1 &&
	       strcmp(json_string_value(json_array_get(tags, 0)), "tracking") == 0;
}

static void test_every_route_described(void **state)
{
	const char *path, *method;
	json_t *item, *op;
	int n = 0, bad = 0;
	(void)state;

	json_object_foreach(json_object_get(W.doc, "paths"), path, item) {
		json_object_foreach(item, method, op) {
			if (!is_tracking(op))
				continue;
			n++;
			const char *summary = json_string_value(json_object_get(op, "summary"));
			const char *answer = json_string_value(json_object_get(
				json_object_get(json_object_get(op, "responses"), "2XX"), "description"));

			if (summary == NULL || strstr(summary, "(non décrite)") || strlen(summary) < 20) {
				fprintf(stderr, "%s %s : résumé absent ou trop court (%s)\n", method, path,
				        summary ? summary : "null");
				bad++;
			}
			if (answer == NULL || strcmp(answer, "Succès.") == 0 || strlen(answer) < 15) {
				fprintf(stderr, "%s %s : réponse non décrite (%s)\n", method, path,
				        answer ? answer : "null");
				bad++;
			}
		}
	}
	/* tracking's 38 routes: a lower count means routes vanished from the
	 * document; a higher one is fine (then described too). */
	assert_true(n >= 38);
	assert_int_equal(bad, 0);
}

/* What a description gives besides its words: the body of a write, the
 * query parameters of a list, with their constraints. */
static void test_bodies_and_queries(void **state)
{
	const json_t *paths = json_object_get(W.doc, "paths");
	(void)state;

	json_t *post = json_object_get(json_object_get(paths, "/tracking/visit-requests"), "post");
	json_t *schema = json_object_get(json_object_get(json_object_get(json_object_get(
		json_object_get(post, "requestBody"), "content"), "application/json"), "schema"),
		"properties");
	assert_non_null(json_object_get(schema, "worker_id"));
	assert_non_null(json_object_get(schema, "type"));
	assert_true(json_array_size(json_object_get(json_object_get(schema, "type"), "enum")) == 14);

	json_t *slots = json_object_get(json_object_get(paths, "/tracking/slots"), "get");
	json_t *params = json_object_get(slots, "parameters");
	bool from = false, cursor = false;
	size_t i;
	json_t *p;
	json_array_foreach(params, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));

		from |= strcmp(name, "from") == 0;
		cursor |= strcmp(name, "cursor") == 0;
	}
	assert_true(from);
	assert_true(cursor);

	json_t *offered = json_object_get(
		json_object_get(paths, "/tracking/companies/{id}/slots-offered"), "get");
	bool required = false;
	json_array_foreach(json_object_get(offered, "parameters"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "name")), "request_id") == 0)
			required = json_is_true(json_object_get(p, "required"));
	assert_true(required);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_described),
		cmocka_unit_test(test_bodies_and_queries),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
