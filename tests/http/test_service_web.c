/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What a service's pages read, through a real server: its identity (the
 * public JSON without file paths, the stylesheet of its colours, its logo;
 * each service its own), and the web/ folder of each plugin it enables,
 * served under /{service}/{plugin}/ and nowhere else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"
#include "fsutil.h"
#include "http.h"
#include "http_client.h"

static struct {
	char *dir;
	socle_core *core;
	int port;
} W;

static int setup(void **state)
{
	struct diag d = {0};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	W.dir = fs_tempdir("service-web");
	fs_write(W.dir, "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
	fs_write(W.dir, "socle.json",
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [\"" SOCLE_BINARY_DIR "/plugins\"],"
	         " \"services\": [{\"id\": \"a\", \"name\": \"SPSTI A\", \"database\": \"a.db\","
	         " \"identity\": {\"legal_name\": \"Association A\", \"phone\": \"04 78 00 00 00\","
	         " \"public_url\": \"https://a.example\", \"logo\": \"logo.svg\","
	         " \"health_contact\": \"Pôle santé : 04 78 00 00 10\","
	         " \"colors\": {\"primary\": \"#0f5c4a\", \"accent\": \"#8a4b00\"}},"
	         " \"plugins\": {\"hello\": {}}},"
	         " {\"id\": \"b\", \"name\": \"SPSTI B\", \"database\": \"b.db\"}]}");
	char *path = fs_join(W.dir, "socle.json");
	int rc = core_open(path, NULL, &d, &W.core);

	free(path);
	if (rc != 0)
		diag_print(&d);
	diag_fini(&d);
	if (rc != 0 || core_start_serving(W.core, &err) != 0)
		return -1;
	W.port = http_server_port(W.core);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	core_close(W.core);
	fs_rmtree(W.dir);
	free(W.dir);
	return 0;
}

static void test_identity_json(void **state)
{
	int status = 0;
	(void)state;

	json_t *j = hc_json(W.port, "GET", "/api/v1/a/identity", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "SPSTI A");
	assert_string_equal(json_string_value(json_object_get(j, "legal_name")), "Association A");
	assert_string_equal(json_string_value(json_object_get(j, "health_contact")),
	                    "Pôle santé : 04 78 00 00 10");
	assert_string_equal(json_string_value(json_object_get(j, "logo_url")), "/api/v1/a/identity/logo");
	assert_null(json_object_get(j, "logo_file")); /* the server's path stays on the server */
	json_decref(j);

	j = hc_json(W.port, "GET", "/api/v1/b/identity", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(j, "legal_name")), "SPSTI B");
	assert_true(json_is_null(json_object_get(j, "logo_url")));
	json_decref(j);
}

static void test_identity_css_and_logo(void **state)
{
	struct hc_response r;
	(void)state;

	assert_int_equal(hc_request(W.port, "GET", "/api/v1/a/identity.css", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(hc_header(&r, "Content-Type"), "text/css"));
	assert_non_null(strstr(r.body, "--socle-primary: #0f5c4a;"));
	assert_non_null(strstr(r.body, "--socle-accent: #8a4b00;"));
	hc_response_free(&r);

	assert_int_equal(hc_request(W.port, "GET", "/api/v1/a/identity/logo", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(hc_header(&r, "Content-Type"), "image/svg+xml");
	assert_non_null(strstr(r.body, "<svg"));
	hc_response_free(&r);

	assert_int_equal(hc_request(W.port, "GET", "/api/v1/b/identity/logo", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	hc_response_free(&r);
}

static void test_plugin_web_assets(void **state)
{
	struct hc_response r;
	(void)state;

	/* Service a enables hello: its pages are served, folder and file. */
	assert_int_equal(hc_request(W.port, "GET", "/a/hello/", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(hc_header(&r, "Content-Type"), "text/html"));
	assert_non_null(strstr(r.body, "<html lang=\"fr\">"));
	hc_response_free(&r);
	assert_int_equal(hc_request(W.port, "GET", "/a/hello/hello.css", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
	assert_int_equal(hc_request(W.port, "GET", "/a/hello", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 301);
	hc_response_free(&r);
	/* Service b does not: nothing of the plugin is served there. */
	assert_int_equal(hc_request(W.port, "GET", "/b/hello/", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	hc_response_free(&r);
	/* The plugin's rule pack is not a web asset. */
	assert_int_equal(hc_request(W.port, "GET", "/a/hello/scripts/hello.lua", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	hc_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_json),
		cmocka_unit_test(test_identity_css_and_logo),
		cmocka_unit_test(test_plugin_web_assets),
	};
	return cmocka_run_group_tests_name("service_web", tests, setup, teardown);
}
