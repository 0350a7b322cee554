/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* HTTP layer tests: the real libmicrohttpd server started in-process on an
 * ephemeral port over a core built by hand (two services, one fake plugin
 * enabled on one of them, test routes in core->reg), exercised from outside
 * through the test HTTP client.  Covers routing and parameters, the error
 * statuses and body shape, validation, request ids, /healthz, static files
 * and traversal attempts, the access log, a 512-connection burst and
 * slow-header clients.  Also unit checks of the JSON and route helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access_log.h"
#include "core.h"
#include "fsutil.h"
#include "http.h"
#include "http_client.h"
#include "registry.h"
#include "server.h"

/* The policy every answer carries (core/http.c). */
#define SOCLE_CSP                                                                         \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"   \
	" font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none';"        \
	" form-action 'self'; frame-ancestors 'none'"

/* ---- the hand-built deployment ---- */

static socle_core core;
static socle_service svc_demo, svc_other;
static socle_service *services[2] = {&svc_demo, &svc_other};
static bool enabled_demo[1] = {true}, enabled_other[1] = {false};
static const struct socle_plugin_desc plug_desc = {.name = "testplug"};
static socle_plugin plug = {.index = 0, .desc = &plug_desc};
static socle_plugin *plugins[1] = {&plug};
static char *tmp_dir, *www_dir, *log_path;
static int port;

/* ---- handlers ---- */

static int h_echo(socle_req *req, void *ud)
{
	(void)ud;
	const char *q = socle_req_query(req, "x");
	const char *h = socle_req_header(req, "X-Test");
	return socle_reply_json(req, 200,
	                        json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s}", "a",
	                                  socle_req_param(req, "a"), "b", socle_req_param(req, "b"),
	                                  "q", q, "header", h, "id", socle_req_id(req), "service",
	                                  socle_service_id(socle_req_service(req))));
}

static int h_search(socle_req *req, void *ud)
{
	(void)ud;
	return socle_reply_json(req, 200, json_pack("{s:s}", "which", "search"));
}

static int h_item(socle_req *req, void *ud)
{
	int64_t id;
	(void)ud;

	int rc = socle_req_param_id(req, "id", &id);
	if (rc < 0)
		return rc;
	return socle_reply_json(req, 200, json_pack("{s:s, s:I}", "which", "id", "id", (json_int_t)id));
}

static int h_item_put(socle_req *req, void *ud)
{
	(void)ud;
	return socle_reply_json(req, 200, json_pack("{s:b}", "put", 1));
}

static const char *const kinds[] = {"entreprise", "association", NULL};

static int check_not_admin(const json_t *v, char *msg, size_t size)
{
	if (strcmp(json_string_value(v), "admin") == 0) {
		snprintf(msg, size, "Ce nom est réservé.");
		return -1;
	}
	return 0;
}

static const struct socle_field item_fields[] = {
	{.name = "name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 10,
	 .check = check_not_admin},
	{.name = "email", .type = SOCLE_F_EMAIL},
	{.name = "birth", .type = SOCLE_F_DATE},
	{.name = "kind", .type = SOCLE_F_ENUM, .choices = kinds},
	{.name = "count", .type = SOCLE_F_INT, .min = 1, .max = 10},
	{.name = "active", .type = SOCLE_F_BOOL},
};

static int h_create(socle_req *req, void *ud)
{
	json_t *errors = NULL;
	(void)ud;

	if (socle_fields_check(socle_req_body(req), item_fields, SOCLE_COUNT(item_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	socle_req_add_header(req, "Location", "/api/v1/demo/items/1");
	return socle_reply_json(req, 201, json_pack("{s:b}", "ok", 1));
}

static int h_raw(socle_req *req, void *ud)
{
	size_t len;
	(void)ud;

	const char *raw = socle_req_raw_body(req, &len);
	return socle_reply_json(req, 200,
	                        json_pack("{s:b, s:I, s:b}", "json", socle_req_body(req) != NULL,
	                                  "len", (json_int_t)len, "raw", raw != NULL));
}

static int h_noreply(socle_req *req, void *ud)
{
	(void)req;
	(void)ud;
	return 0;
}

static int h_conflict(socle_req *req, void *ud)
{
	(void)req;
	(void)ud;
	return SOCLE_E_CONFLICT;
}

static int h_close(socle_req *req, void *ud)
{
	(void)req;
	(void)ud;
	return SOCLE_E_CLOSE;
}

static int h_err(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (socle_req_query(req, "internal")) {
		socle_err_set(&err, SOCLE_E_STORE, "SELECT secret FROM t: disk I/O error");
		return socle_reply_err(req, &err);
	}
	socle_err_set(&err, SOCLE_E_EXISTS, "Ce SIRET est déjà enregistré.");
	return socle_reply_err(req, &err);
}

static int h_page(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;
	(void)ud;

	if (socle_req_page(req, &limit, &after, &err) < 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, json_pack("{s:i, s:I}", "limit", limit, "after",
	                                            (json_int_t)after));
}

static int h_bytes(socle_req *req, void *ud)
{
	(void)ud;
	return socle_reply_bytes(req, 200, "text/csv; charset=utf-8", "a;b\n1;2\n", 8);
}

static int h_twice(socle_req *req, void *ud)
{
	(void)ud;
	socle_reply_json(req, 200, json_pack("{s:i}", "n", 1));
	/* a second reply is refused, the first one stands */
	assert_int_not_equal(socle_reply_json(req, 200, json_pack("{s:i}", "n", 2)), 0);
	assert_int_not_equal(socle_req_add_header(req, "X-Late", "1"), 0);
	return 0;
}

static int h_badstatus(socle_req *req, void *ud)
{
	(void)ud;
	return socle_reply_json(req, 42, json_pack("{s:i}", "n", 1));
}

static int h_plug(socle_req *req, void *ud)
{
	(void)ud;
	return socle_reply_json(req, 200, json_pack("{s:s}", "plugin", "testplug"));
}

static const struct socle_route core_routes[] = {
	{SOCLE_GET, "/echo/{a}/items/{b}", SOCLE_CAP_PUBLIC, 0, h_echo, NULL},
	{SOCLE_GET, "/items/{id}", SOCLE_CAP_PUBLIC, 0, h_item, NULL},
	{SOCLE_GET, "/items/search", SOCLE_CAP_PUBLIC, 0, h_search, NULL},
	{SOCLE_PUT, "/items/{id}", SOCLE_CAP_PUBLIC, 0, h_item_put, NULL},
	{SOCLE_POST, "/items", SOCLE_CAP_PUBLIC, 0, h_create, NULL},
	{SOCLE_POST, "/small", SOCLE_CAP_PUBLIC, 16, h_raw, NULL},
	{SOCLE_POST | SOCLE_ROUTE_CSV, "/import", SOCLE_CAP_PUBLIC, 0, h_raw, NULL},
	{SOCLE_GET, "/noreply", SOCLE_CAP_PUBLIC, 0, h_noreply, NULL},
	{SOCLE_GET, "/conflict", SOCLE_CAP_PUBLIC, 0, h_conflict, NULL},
	{SOCLE_GET, "/close", SOCLE_CAP_PUBLIC, 0, h_close, NULL},
	{SOCLE_GET, "/err", SOCLE_CAP_PUBLIC, 0, h_err, NULL},
	{SOCLE_GET, "/page", SOCLE_CAP_PUBLIC, 0, h_page, NULL},
	{SOCLE_GET, "/bytes", SOCLE_CAP_PUBLIC, 0, h_bytes, NULL},
	{SOCLE_GET, "/twice", SOCLE_CAP_PUBLIC, 0, h_twice, NULL},
	{SOCLE_GET, "/private", SOCLE_CAP_STAFF, 0, h_search, NULL},
	{SOCLE_POST, "/upload", SOCLE_CAP_AUTHENTICATED, 1024 * 1024, h_raw, NULL},
	{SOCLE_GET, "/badstatus", SOCLE_CAP_PUBLIC, 0, h_badstatus, NULL},
};

static const struct socle_route plug_routes[] = {
	{SOCLE_GET, "/plug/hello", SOCLE_CAP_PUBLIC, 0, h_plug, NULL},
};

/* ---- setup ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	fs_write(dir, name, text);
}

static int setup(void **state)
{
	(void)state;
	tmp_dir = fs_tempdir("http");
	www_dir = fs_join(tmp_dir, "www");
	log_path = fs_join(tmp_dir, "access.log");
	write_file(www_dir, "index.html", "<h1>Espace adhérent</h1>");
	write_file(www_dir, "css/app.css", "body{}");
	write_file(www_dir, "docs/index.html", "docs");
	write_file(www_dir, ".env", "SECRET=1");
	write_file(tmp_dir, "secret.txt", "top secret");
	char *target = fs_join(tmp_dir, "secret.txt");
	char *link = fs_join(www_dir, "link.txt");
	if (symlink(target, link) != 0)
		return -1;
	free(target);
	free(link);
	char *outside = fs_join(tmp_dir, "outside");
	mkdir(outside, 0755);
	write_file(outside, "x.txt", "outside");
	link = fs_join(www_dir, "linkdir");
	if (symlink(outside, link) != 0)
		return -1;
	free(link);
	free(outside);

	core.phase = PHASE_RUN;
	static char listen[] = "127.0.0.1", id_demo[] = "demo", name_demo[] = "Démo",
	            id_other[] = "autre", name_other[] = "Autre";
	core.listen_address = listen;
	core.port = 0;
	core.access_log_path = log_path;
	core.static_dirs = json_pack("[{s:s, s:s}]", "prefix", "/espace-adherent/", "dir", www_dir);
	svc_demo = (socle_service){.core = &core, .index = 0, .id = id_demo, .name = name_demo,
	                           .plugin_enabled = enabled_demo};
	svc_other = (socle_service){.core = &core, .index = 1, .id = id_other, .name = name_other,
	                            .plugin_enabled = enabled_other};
	core.services = services;
	core.n_services = 2;
	plug.core = &core;
	core.plugins = plugins;
	core.n_plugins = 1;
	for (size_t i = 0; i < SOCLE_COUNT(core_routes); i++) {
		struct reg_route rec = {.owner = NULL, .route = &core_routes[i]};
		if (registry_add_route(&core.reg, &rec) != 0)
			return -1;
	}
	struct reg_route rec = {.owner = &plug, .route = &plug_routes[0]};
	if (registry_add_route(&core.reg, &rec) != 0)
		return -1;

	socle_err err = SOCLE_ERR_INIT;
	if (http_server_start(&core, &err) != 0) {
		fprintf(stderr, "start: %s\n", err.msg);
		return -1;
	}
	port = http_server_port(&core);
	return port > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	http_server_stop(&core);
	registry_fini(&core.reg);
	json_decref(core.static_dirs);
	fs_rmtree(tmp_dir);
	free(tmp_dir);
	free(www_dir);
	free(log_path);
	return 0;
}

/* ---- helpers ---- */

static json_t *get_json(const char *path, int *status)
{
	return hc_json(port, "GET", path, NULL, NULL, status);
}

/* POST @p body with @p content_type; returns the response. */
static void post_raw(const char *path, const char *content_type, const char *body,
                     struct hc_response *r)
{
	char ct[128];
	const char *headers[] = {ct, NULL};

	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	assert_int_equal(hc_request(port, "POST", path, headers, body, strlen(body), r), 0);
}

/* The error body's code, after checking its shape and request id. */
static const char *check_error(const struct hc_response *r, json_t **keep)
{
	json_t *j = hc_body_json(r);
	assert_non_null(j);
	json_t *e = json_object_get(j, "error");
	assert_true(json_is_object(e));
	assert_true(json_is_string(json_object_get(e, "code")));
	assert_true(json_is_string(json_object_get(e, "message")));
	const char *rid = json_string_value(json_object_get(e, "request_id"));
	assert_non_null(rid);
	assert_non_null(hc_header(r, "X-Request-Id"));
	assert_string_equal(rid, hc_header(r, "X-Request-Id"));
	*keep = j;
	return json_string_value(json_object_get(e, "code"));
}

static void expect_error(const char *method, const char *path, const char *const *headers,
                         const char *body, int status, const char *code)
{
	struct hc_response r;
	json_t *j;

	assert_int_equal(hc_request(port, method, path, headers, body, body ? strlen(body) : 0, &r),
	                 0);
	if (r.status != status)
		fprintf(stderr, "%s %s -> %d %s\n", method, path, r.status, r.body);
	assert_int_equal(r.status, status);
	assert_string_equal(check_error(&r, &j), code);
	json_decref(j);
	hc_response_free(&r);
}

/* ---- tests: routing ---- */

static void test_healthz(void **state)
{
	struct hc_response r;
	(void)state;

	assert_int_equal(hc_request(port, "GET", "/healthz", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"status\":\"ok\"}");
	assert_non_null(strstr(hc_header(&r, "Content-Type"), "application/json"));
	hc_response_free(&r);
	assert_int_equal(hc_request(port, "HEAD", "/healthz", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
	expect_error("POST", "/healthz", NULL, NULL, 405, "method_not_allowed");
}

static void test_params_and_query(void **state)
{
	const char *headers[] = {"X-Test: bonjour", NULL};
	struct hc_response r;
	(void)state;

	assert_int_equal(hc_request(port, "GET", "/api/v1/demo/echo/abc/items/42?x=y%20z", headers,
	                            NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	json_t *j = hc_body_json(&r);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "a")), "abc");
	assert_string_equal(json_string_value(json_object_get(j, "b")), "42");
	assert_string_equal(json_string_value(json_object_get(j, "q")), "y z");
	assert_string_equal(json_string_value(json_object_get(j, "header")), "bonjour");
	assert_string_equal(json_string_value(json_object_get(j, "service")), "demo");
	/* the handler sees the same request id as the header */
	assert_string_equal(json_string_value(json_object_get(j, "id")), hc_header(&r, "X-Request-Id"));
	assert_string_equal(hc_header(&r, "Cache-Control"), "no-store");
	assert_string_equal(hc_header(&r, "X-Content-Type-Options"), "nosniff");
	assert_string_equal(hc_header(&r, "X-Frame-Options"), "DENY");
	/* Tokens travel in invitation and activation URLs: never in a Referer. */
	assert_string_equal(hc_header(&r, "Referrer-Policy"), "no-referrer");
	assert_string_equal(hc_header(&r, "Content-Security-Policy"), SOCLE_CSP);
	json_decref(j);
	hc_response_free(&r);

	/* the other service reaches core routes too */
	int status;
	j = get_json("/api/v1/autre/echo/x/items/y", &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(j, "service")), "autre");
	json_decref(j);
}

/* Query parameters are checked as bodies are (issue 11 item 2): not UTF-8,
 * a control character or too long is a 400 naming the parameter, in French,
 * before any handler runs; nothing internal reaches the client. */
static void test_query_validation(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"/api/v1/demo/echo/abc/items/42?x=%FF",
		"/api/v1/demo/echo/abc/items/42?x=%C3",
		"/api/v1/demo/echo/abc/items/42?x=ok&q=%C3%28",
		"/api/v1/demo/echo/abc/items/42?x=a%0Ab",
		"/api/v1/demo/echo/abc/items/42?%FF=1",
	};
	struct hc_response r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hc_request(port, "GET", bad[i], NULL, NULL, 0, &r), 0);
		if (r.status != 400)
			fail_msg("%s: %d %s", bad[i], r.status, r.body);
		json_t *j = hc_body_json(&r);
		json_t *fields = json_object_get(json_object_get(j, "error"), "fields");

		assert_true(json_array_size(fields) >= 1);
		assert_non_null(strstr(json_string_value(json_object_get(json_array_get(fields, 0),
		                                                         "message")),
		                       "caract"));
		json_decref(j);
		hc_response_free(&r);
	}
	char longq[2200] = "/api/v1/demo/echo/abc/items/42?x=";

	memset(longq + strlen(longq), 'a', 2100);
	longq[sizeof(longq) - 1] = '\0';
	assert_int_equal(hc_request(port, "GET", longq, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 400);
	hc_response_free(&r);
	/* Accented text, properly encoded, passes. */
	assert_int_equal(hc_request(port, "GET", "/api/v1/demo/echo/abc/items/42?x=%C3%A9t%C3%A9",
	                            NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
}

static void test_specific_route_wins(void **state)
{
	int status;
	(void)state;

	json_t *j = get_json("/api/v1/demo/items/search", &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(j, "which")), "search");
	json_decref(j);
	j = get_json("/api/v1/demo/items/17", &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(j, "which")), "id");
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 17);
	json_decref(j);
	/* not a positive id: 404 from socle_req_param_id */
	expect_error("GET", "/api/v1/demo/items/-3", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v1/demo/items/0", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v1/demo/items/99999999999999999999", NULL, NULL, 404, "not_found");
}

static void test_not_found(void **state)
{
	(void)state;
	expect_error("GET", "/api/v1/nope/items/1", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v1/demo", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v1/demo/", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v1/demo/unknown", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v1/demo/items/1/", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v1/demo/items//1", NULL, NULL, 404, "not_found");
	expect_error("GET", "/", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v2/demo/items/1", NULL, NULL, 404, "not_found");
	expect_error("GET", "/nothing/here", NULL, NULL, 404, "not_found");
	/* dot segments and bytes that are not UTF-8 never reach a handler */
	expect_error("GET", "/api/v1/demo/echo/../items/x", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v1/demo/echo/./items/x", NULL, NULL, 404, "not_found");
	expect_error("GET", "/api/v1/demo/echo/%ff/items/x", NULL, NULL, 404, "not_found");
	int status;
	json_t *j = get_json("/api/v1/demo/echo/%c3%a9t%c3%a9/items/x", &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(j, "a")), "été");
	json_decref(j);
	/* more segments than any route may have */
	char deep[200] = "/api/v1/demo";
	for (int i = 0; i < 40; i++)
		strcat(deep, "/s");
	expect_error("GET", deep, NULL, NULL, 404, "not_found");
}

static void test_plugin_enablement(void **state)
{
	int status;
	(void)state;

	json_t *j = get_json("/api/v1/demo/plug/hello", &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(j, "plugin")), "testplug");
	json_decref(j);
	/* service "autre" does not enable the plugin: its routes do not exist there */
	expect_error("GET", "/api/v1/autre/plug/hello", NULL, NULL, 404, "not_found");
}

static void test_method_not_allowed(void **state)
{
	struct hc_response r;
	json_t *j;
	(void)state;

	assert_int_equal(hc_request(port, "DELETE", "/api/v1/demo/items/5", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 405);
	assert_string_equal(hc_header(&r, "Allow"), "GET, PUT");
	assert_string_equal(check_error(&r, &j), "method_not_allowed");
	json_decref(j);
	hc_response_free(&r);
	expect_error("OPTIONS", "/api/v1/demo/items", NULL, NULL, 405, "method_not_allowed");
	expect_error("GET", "/api/v1/demo/items", NULL, NULL, 405, "method_not_allowed");
}

/* ---- tests: bodies ---- */

static void test_body_limits(void **state)
{
	struct hc_response r;
	char big[64];
	(void)state;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	/* within the 16-byte limit */
	post_raw("/api/v1/demo/small", "application/json", "{\"a\":1}", &r);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
	/* over it, announced by Content-Length */
	const char *json_ct[] = {"Content-Type: application/json", NULL};
	expect_error("POST", "/api/v1/demo/small", json_ct, big, 413, "too_large");

	/* over it, chunked: found while reading */
	int fd = hc_connect(port, 5000);
	assert_true(fd >= 0);
	const char *req = "POST /api/v1/demo/small HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	                  "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	                  "10\r\n{\"a\":\"xxxxxxxxx\r\n10\r\nxxxxxxxxxxxxxxx\"\r\n1\r\n}\r\n0\r\n\r\n";
	assert_int_equal(hc_send_all(fd, req, strlen(req), 5000), 0);
	assert_int_equal(hc_read_response(fd, false, 10000, &r), 0);
	assert_int_equal(r.status, 413);
	hc_response_free(&r);
	close(fd);

	/* a huge Content-Length is refused before any body byte is sent */
	fd = hc_connect(port, 5000);
	assert_true(fd >= 0);
	req = "POST /api/v1/demo/items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
	      "Content-Length: 1000000000\r\n\r\n";
	assert_int_equal(hc_send_all(fd, req, strlen(req), 5000), 0);
	assert_int_equal(hc_read_response(fd, false, 10000, &r), 0);
	assert_int_equal(r.status, 413);
	hc_response_free(&r);
	close(fd);

	/* a large upload without a session is refused before its body is read:
	 * the answer comes though no body byte was sent (it used to wait for
	 * the whole body, then say 401) */
	fd = hc_connect(port, 5000);
	assert_true(fd >= 0);
	req = "POST /api/v1/demo/upload HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
	      "Content-Length: 900000\r\n\r\n";
	assert_int_equal(hc_send_all(fd, req, strlen(req), 5000), 0);
	assert_int_equal(hc_read_response(fd, false, 3000, &r), 0);
	assert_int_equal(r.status, 401);
	hc_response_free(&r);
	close(fd);

	/* a body on GET */
	expect_error("GET", "/api/v1/demo/items/1", json_ct, "{}", 400, "invalid");
}

/* Send @p raw on a new connection and read the answer's status (0 on timeout). */
static int raw_status(const char *raw, int timeout_ms)
{
	struct hc_response r;
	int fd = hc_connect(port, 5000);
	int status = 0;

	assert_true(fd >= 0);
	assert_int_equal(hc_send_all(fd, raw, strlen(raw), 5000), 0);
	if (hc_read_response(fd, false, timeout_ms, &r) == 0) {
		status = r.status;
		hc_response_free(&r);
	}
	close(fd);
	return status;
}

/* RFC 9112 §6.3: Content-Length fields that disagree make the framing
 * unknowable: 400, whichever comes first, and nothing is created. A NUL byte
 * in the URL is refused, not cut (the path would otherwise name another
 * resource). */
static void test_ambiguous_requests(void **state)
{
	(void)state;
	assert_int_equal(raw_status("POST /api/v1/demo/items HTTP/1.1\r\nHost: t\r\n"
	                            "Content-Type: application/json\r\nContent-Length: 12\r\n"
	                            "Content-Length: 40\r\n\r\n{\"name\":\"a\"}",
	                            5000),
	                 400);
	assert_int_equal(raw_status("POST /api/v1/demo/items HTTP/1.1\r\nHost: t\r\n"
	                            "Content-Type: application/json\r\nContent-Length: 40\r\n"
	                            "Content-Length: 12\r\n\r\n{\"name\":\"a\"}",
	                            5000),
	                 400);
	/* The same length twice is one length (RFC 9112 allows it). */
	assert_int_equal(raw_status("POST /api/v1/demo/items HTTP/1.1\r\nHost: t\r\n"
	                            "Connection: close\r\nContent-Type: application/json\r\n"
	                            "Content-Length: 12\r\nContent-Length: 12\r\n\r\n"
	                            "{\"name\":\"a\"}",
	                            5000) != 400,
	                 true);
	assert_int_equal(raw_status("GET /espace-adherent/index.html%00anything HTTP/1.1\r\n"
	                            "Host: t\r\nConnection: close\r\n\r\n", 5000),
	                 400);
	assert_int_equal(raw_status("GET /api/v1/demo/items/1%00 HTTP/1.1\r\nHost: t\r\n"
	                            "Connection: close\r\n\r\n", 5000),
	                 400);
	assert_int_equal(raw_status("GET /api/v1/demo/items/1?x=%00 HTTP/1.1\r\nHost: t\r\n"
	                            "Connection: close\r\n\r\n", 5000),
	                 400);
	/* A request after a refused one on another connection is served. */
	assert_int_equal(raw_status("GET /espace-adherent/index.html HTTP/1.1\r\nHost: t\r\n"
	                            "Connection: close\r\n\r\n", 5000),
	                 200);
}

static void test_bad_json(void **state)
{
	const char *ct[] = {"Content-Type: application/json", NULL};
	char deep[200], ok[200];
	(void)state;

	expect_error("POST", "/api/v1/demo/items", ct, "{\"name\":", 400, "invalid_json");
	expect_error("POST", "/api/v1/demo/items", ct, "{\"name\":\"a\",\"name\":\"b\"}", 400,
	             "invalid_json");
	expect_error("POST", "/api/v1/demo/items", ct, "[1,2]", 400, "invalid_json");
	expect_error("POST", "/api/v1/demo/items", ct, "{\"name\":\"\\u0000\"}", 400, "invalid_json");
	expect_error("POST", "/api/v1/demo/items", ct, "{\"name\":\"\xff\"}", 400, "invalid_json");
	expect_error("POST", "/api/v1/demo/items", ct, "{} {}", 400, "invalid_json");

	/* 33 levels refused, 32 accepted */
	size_t n = 0;
	deep[n++] = '{';
	memcpy(deep + n, "\"a\":", 4), n += 4;
	for (int i = 0; i < 32; i++)
		deep[n++] = '[';
	for (int i = 0; i < 32; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = 0;
	expect_error("POST", "/api/v1/demo/import", ct, deep, 400, "invalid_json");
	n = 0;
	ok[n++] = '{';
	memcpy(ok + n, "\"a\":", 4), n += 4;
	for (int i = 0; i < 31; i++)
		ok[n++] = '[';
	for (int i = 0; i < 31; i++)
		ok[n++] = ']';
	ok[n++] = '}';
	ok[n] = 0;
	struct hc_response r;
	post_raw("/api/v1/demo/import", "application/json", ok, &r);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
	/* brackets inside strings do not count */
	post_raw("/api/v1/demo/import", "application/json",
	         "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\"}",
	         &r);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
}

static void test_media_types(void **state)
{
	struct hc_response r;
	(void)state;

	const char *plain[] = {"Content-Type: text/plain", NULL};
	expect_error("POST", "/api/v1/demo/items", plain, "{}", 415, "unsupported_media_type");
	const char *none[] = {NULL};
	expect_error("POST", "/api/v1/demo/items", none, "{}", 415, "unsupported_media_type");
	const char *latin[] = {"Content-Type: application/json; charset=iso-8859-1", NULL};
	expect_error("POST", "/api/v1/demo/items", latin, "{}", 415, "unsupported_media_type");
	const char *csv[] = {"Content-Type: text/csv", NULL};
	expect_error("POST", "/api/v1/demo/items", csv, "a;b\n", 415, "unsupported_media_type");

	/* charset utf-8 is fine */
	post_raw("/api/v1/demo/items", "application/json; charset=UTF-8", "{\"name\":\"Zoé\"}", &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(hc_header(&r, "Location"), "/api/v1/demo/items/1");
	hc_response_free(&r);

	/* a CSV route takes text/csv unparsed, and still JSON */
	post_raw("/api/v1/demo/import", "text/csv; charset=utf-8", "siret;nom\n1;a\n", &r);
	assert_int_equal(r.status, 200);
	json_t *j = hc_body_json(&r);
	assert_false(json_is_true(json_object_get(j, "json")));
	assert_true(json_is_true(json_object_get(j, "raw")));
	assert_int_equal(json_integer_value(json_object_get(j, "len")), 14);
	json_decref(j);
	hc_response_free(&r);
	post_raw("/api/v1/demo/import", "application/json", "{\"a\":1}", &r);
	assert_int_equal(r.status, 200);
	j = hc_body_json(&r);
	assert_true(json_is_true(json_object_get(j, "json")));
	json_decref(j);
	hc_response_free(&r);
	/* no body at all on a POST: the handler sees NULL and validates */
	assert_int_equal(hc_request(port, "POST", "/api/v1/demo/items", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 422);
	hc_response_free(&r);
}

static void test_validation_body(void **state)
{
	struct hc_response r;
	json_t *j;
	(void)state;

	post_raw("/api/v1/demo/items", "application/json",
	         "{\"name\":\"abcdefghijk\",\"email\":\"pas-un-mail\",\"birth\":\"2023-02-29\","
	         "\"kind\":\"autre\",\"count\":11,\"active\":\"oui\",\"extra\":1}",
	         &r);
	assert_int_equal(r.status, 422);
	assert_string_equal(check_error(&r, &j), "validation_failed");
	json_t *fields = json_object_get(json_object_get(j, "error"), "fields");
	assert_true(json_is_array(fields));
	assert_int_equal(json_array_size(fields), 7);
	const char *expect[] = {"name", "email", "birth", "kind", "count", "active", "extra"};
	for (size_t i = 0; i < 7; i++) {
		json_t *f = json_array_get(fields, i);
		assert_string_equal(json_string_value(json_object_get(f, "field")), expect[i]);
		assert_true(strlen(json_string_value(json_object_get(f, "message"))) > 3);
	}
	json_decref(j);
	hc_response_free(&r);

	/* custom check and required field */
	post_raw("/api/v1/demo/items", "application/json", "{\"name\":\"admin\"}", &r);
	assert_int_equal(r.status, 422);
	j = hc_body_json(&r);
	fields = json_object_get(json_object_get(j, "error"), "fields");
	assert_string_equal(json_string_value(json_object_get(json_array_get(fields, 0), "message")),
	                    "Ce nom est réservé.");
	json_decref(j);
	hc_response_free(&r);
	post_raw("/api/v1/demo/items", "application/json",
	         "{\"name\":\"Éloïse\",\"email\":\"eloise@exemple.fr\",\"birth\":\"2024-02-29\","
	         "\"kind\":\"association\",\"count\":10,\"active\":true}",
	         &r);
	assert_int_equal(r.status, 201);
	hc_response_free(&r);
}

/* ---- tests: replies ---- */

static void test_handler_errors(void **state)
{
	struct hc_response r;
	json_t *j;
	(void)state;

	expect_error("GET", "/api/v1/demo/noreply", NULL, NULL, 500, "internal_error");
	expect_error("GET", "/api/v1/demo/conflict", NULL, NULL, 409, "conflict");
	expect_error("GET", "/api/v1/demo/badstatus", NULL, NULL, 500, "internal_error");

	assert_int_equal(hc_request(port, "GET", "/api/v1/demo/err", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 409);
	assert_string_equal(check_error(&r, &j), "already_exists");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
	                    "Ce SIRET est déjà enregistré.");
	json_decref(j);
	hc_response_free(&r);

	/* our own failures never leak their detail */
	assert_int_equal(hc_request(port, "GET", "/api/v1/demo/err?internal=1", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 500);
	assert_null(strstr(r.body, "SELECT"));
	hc_response_free(&r);

	/* SOCLE_E_CLOSE: no response at all */
	assert_int_not_equal(hc_request_timeout(port, "GET", "/api/v1/demo/close", NULL, NULL, 0, 5000,
	                                        &r), 0);

	/* a capability route without credentials */
	expect_error("GET", "/api/v1/demo/private", NULL, NULL, 401, "unauthenticated");

	assert_int_equal(hc_request(port, "GET", "/api/v1/demo/bytes", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "a;b\n1;2\n");
	assert_string_equal(hc_header(&r, "Content-Type"), "text/csv; charset=utf-8");
	hc_response_free(&r);

	int status;
	j = get_json("/api/v1/demo/twice", &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 1);
	json_decref(j);
}

static void test_pagination(void **state)
{
	int status;
	(void)state;

	json_t *j = get_json("/api/v1/demo/page", &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "limit")), 50);
	assert_int_equal(json_integer_value(json_object_get(j, "after")), 0);
	json_decref(j);
	j = get_json("/api/v1/demo/page?limit=500&cursor=1234", &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "limit")), 500);
	assert_int_equal(json_integer_value(json_object_get(j, "after")), 1234);
	json_decref(j);
	expect_error("GET", "/api/v1/demo/page?limit=501", NULL, NULL, 400, "invalid");
	expect_error("GET", "/api/v1/demo/page?limit=0", NULL, NULL, 400, "invalid");
	expect_error("GET", "/api/v1/demo/page?limit=abc", NULL, NULL, 400, "invalid");
	expect_error("GET", "/api/v1/demo/page?cursor=-1", NULL, NULL, 400, "invalid");
}

static void test_request_ids(void **state)
{
	struct hc_response a, b;
	(void)state;

	assert_int_equal(hc_request(port, "GET", "/healthz", NULL, NULL, 0, &a), 0);
	assert_int_equal(hc_request(port, "GET", "/healthz", NULL, NULL, 0, &b), 0);
	const char *ia = hc_header(&a, "X-Request-Id"), *ib = hc_header(&b, "X-Request-Id");
	assert_non_null(ia);
	assert_non_null(ib);
	assert_int_equal(strlen(ia), 32);
	assert_int_equal(strspn(ia, "0123456789abcdef"), 32);
	assert_string_not_equal(ia, ib);
	hc_response_free(&a);
	hc_response_free(&b);
}

/* ---- tests: static files ---- */


static void expect_static(const char *path, int status, const char *body, const char *type)
{
	struct hc_response r;

	assert_int_equal(hc_request(port, "GET", path, NULL, NULL, 0, &r), 0);
	if (r.status != status)
		fprintf(stderr, "GET %s -> %d\n", path, r.status);
	assert_int_equal(r.status, status);
	if (body)
		assert_string_equal(r.body, body);
	if (type)
		assert_string_equal(hc_header(&r, "Content-Type"), type);
	if (status == 404)
		assert_non_null(strstr(r.body, "\"not_found\""));
	/* Pages, files and errors alike: same-origin only, no inline script or
	 * style, never framed. */
	assert_string_equal(hc_header(&r, "Content-Security-Policy"), SOCLE_CSP);
	hc_response_free(&r);
}

static void test_static_files(void **state)
{
	struct hc_response r;
	(void)state;

	expect_static("/espace-adherent/", 200, "<h1>Espace adhérent</h1>", "text/html; charset=utf-8");
	expect_static("/espace-adherent/index.html", 200, "<h1>Espace adhérent</h1>", NULL);
	expect_static("/espace-adherent/css/app.css", 200, "body{}", "text/css; charset=utf-8");
	expect_static("/espace-adherent/docs/", 200, "docs", NULL);
	expect_static("/espace-adherent/missing.js", 404, NULL, NULL);

	/* folders without their slash are redirected */
	assert_int_equal(hc_request(port, "GET", "/espace-adherent", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 301);
	assert_string_equal(hc_header(&r, "Location"), "/espace-adherent/");
	hc_response_free(&r);
	assert_int_equal(hc_request(port, "GET", "/espace-adherent/docs", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 301);
	assert_string_equal(hc_header(&r, "Location"), "/espace-adherent/docs/");
	hc_response_free(&r);

	/* traversal, hidden files and symbolic links never leave the folder */
	expect_static("/espace-adherent/../secret.txt", 404, NULL, NULL);
	expect_static("/espace-adherent/%2e%2e/secret.txt", 404, NULL, NULL);
	expect_static("/espace-adherent/css/../../secret.txt", 404, NULL, NULL);
	expect_static("/espace-adherent/..%2fsecret.txt", 404, NULL, NULL);
	expect_static("/espace-adherent/css/%2e%2e/index.html", 404, NULL, NULL);
	expect_static("/espace-adherent/.env", 404, NULL, NULL);
	expect_static("/espace-adherent/link.txt", 404, NULL, NULL);
	expect_static("/espace-adherent/linkdir/x.txt", 404, NULL, NULL);
	expect_static("/espace-adherent//etc/passwd", 404, NULL, NULL);
	expect_static("/espace-adherent/css\\..\\..\\secret.txt", 404, NULL, NULL);

	/* revalidation: Last-Modified, then 304 */
	assert_int_equal(hc_request(port, "GET", "/espace-adherent/css/app.css", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	const char *lm = hc_header(&r, "Last-Modified");
	assert_non_null(lm);
	char ims[128];
	snprintf(ims, sizeof(ims), "If-Modified-Since: %s", lm);
	hc_response_free(&r);
	const char *cond[] = {ims, NULL};
	assert_int_equal(hc_request(port, "GET", "/espace-adherent/css/app.css", cond, NULL, 0, &r), 0);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.body_len, 0);
	hc_response_free(&r);
	const char *old_ims[] = {"If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT", NULL};
	assert_int_equal(hc_request(port, "GET", "/espace-adherent/css/app.css", old_ims, NULL, 0, &r),
	                 0);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);

	/* only GET and HEAD */
	assert_int_equal(hc_request(port, "POST", "/espace-adherent/index.html", NULL, "", 0, &r), 0);
	assert_int_equal(r.status, 405);
	hc_response_free(&r);
	assert_int_equal(hc_request(port, "HEAD", "/espace-adherent/css/app.css", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(hc_header(&r, "Content-Length"), "6");
	hc_response_free(&r);
}

/* ---- tests: load ---- */

static void test_burst(void **state)
{
	enum { N = 512 };
	static int fds[N];
	const char *req = "GET /api/v1/demo/items/7 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	(void)state;

	/* open every connection first, then send every request: the server
	 * faces 512 concurrent connections with a request each */
	for (int i = 0; i < N; i++) {
		fds[i] = hc_connect(port, 10000);
		assert_true(fds[i] >= 0);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(hc_send_all(fds[i], req, strlen(req), 10000), 0);
	int ok = 0;
	for (int i = 0; i < N; i++) {
		struct hc_response r;

		if (hc_read_response(fds[i], false, 30000, &r) == 0) {
			if (r.status == 200 && strstr(r.body, "\"id\":7"))
				ok++;
			hc_response_free(&r);
		}
		close(fds[i]);
	}
	assert_int_equal(ok, N);
}

static void test_slow_clients(void **state)
{
	enum { N = 20 };
	int fds[N];
	struct hc_response r;
	(void)state;

	/* slow clients: a request line and part of the headers, then nothing */
	for (int i = 0; i < N; i++) {
		fds[i] = hc_connect(port, 5000);
		assert_true(fds[i] >= 0);
		const char *part = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ";
		assert_int_equal(hc_send_all(fds[i], part, strlen(part), 5000), 0);
	}
	/* a normal client is still served (the timeout is generous: no timing claim) */
	for (int k = 0; k < 5; k++) {
		assert_int_equal(hc_request_timeout(port, "GET", "/api/v1/demo/items/3", NULL, NULL, 0,
		                                    10000, &r), 0);
		assert_int_equal(r.status, 200);
		hc_response_free(&r);
	}
	/* the slow ones were merely waiting: finishing the headers gets an answer */
	const char *rest = "1\r\nConnection: close\r\n\r\n";
	assert_int_equal(hc_send_all(fds[0], rest, strlen(rest), 5000), 0);
	assert_int_equal(hc_read_response(fds[0], false, 10000, &r), 0);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
	for (int i = 0; i < N; i++)
		close(fds[i]);
}

/* ---- tests: access log (last: earlier requests are in it) ---- */

static void test_access_log(void **state)
{
	struct hc_response r;
	char rid[64];
	(void)state;

	assert_int_equal(hc_request(port, "GET", "/api/v1/demo/items/8", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	snprintf(rid, sizeof(rid), "%s", hc_header(&r, "X-Request-Id"));
	hc_response_free(&r);

	/* the line is written when MHD reports completion, just after the reply:
	 * wait for it rather than assume an order */
	bool found = false;
	size_t lines = 0;
	for (int attempt = 0; attempt < 100 && !found; attempt++) {
		FILE *f = fopen(log_path, "r");
		char line[4096];

		assert_non_null(f);
		lines = 0;
		while (fgets(line, sizeof(line), f)) {
			json_error_t je;
			json_t *o = json_loads(line, 0, &je);

			lines++;
			assert_non_null(o);
			assert_true(json_is_string(json_object_get(o, "ts")));
			assert_true(json_is_string(json_object_get(o, "method")));
			assert_true(json_is_integer(json_object_get(o, "status")));
			assert_true(json_is_number(json_object_get(o, "duration_ms")));
			assert_true(json_is_integer(json_object_get(o, "bytes")));
			assert_non_null(json_object_get(o, "user_id"));
			const char *id = json_string_value(json_object_get(o, "request_id"));
			if (id && strcmp(id, rid) == 0) {
				found = true;
				assert_string_equal(json_string_value(json_object_get(o, "path")),
				                    "/api/v1/demo/items/8");
				assert_string_equal(json_string_value(json_object_get(o, "service")), "demo");
				assert_int_equal(json_integer_value(json_object_get(o, "status")), 200);
				assert_true(json_integer_value(json_object_get(o, "bytes")) > 0);
			}
			json_decref(o);
		}
		fclose(f);
		if (!found) {
			struct timespec ts = {0, 50 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	assert_true(found);
	assert_true(lines > 512); /* the burst is in it */
}

/* ---- unit tests of the helpers ---- */

static void test_dates_and_emails(void **state)
{
	(void)state;
	assert_true(http_valid_date("2024-02-29"));
	assert_true(http_valid_date("2000-02-29"));
	assert_true(http_valid_date("1999-12-31"));
	assert_false(http_valid_date("1900-02-29"));
	assert_false(http_valid_date("2023-02-29"));
	assert_false(http_valid_date("2024-04-31"));
	assert_false(http_valid_date("2024-13-01"));
	assert_false(http_valid_date("2024-00-10"));
	assert_false(http_valid_date("2024-1-01"));
	assert_false(http_valid_date("2024-01-01T00:00"));
	assert_false(http_valid_date("0000-01-01"));
	assert_false(http_valid_date(""));

	assert_true(http_valid_email("a@b.fr"));
	assert_true(http_valid_email("jean.dupont+rh@sante-travail.example.org"));
	assert_false(http_valid_email("a@b"));
	assert_false(http_valid_email("@b.fr"));
	assert_false(http_valid_email("a@@b.fr"));
	assert_false(http_valid_email("a.@b.fr"));
	assert_false(http_valid_email("a..b@b.fr"));
	assert_false(http_valid_email("a@-b.fr"));
	assert_false(http_valid_email("a@b.fr."));
	assert_false(http_valid_email("a b@c.fr"));
	assert_false(http_valid_email("a@b.f"));
	assert_false(http_valid_email("a@b.12"));
}

static void test_fields_check(void **state)
{
	static const struct socle_field f[] = {
		{.name = "nom", .type = SOCLE_F_STRING, .required = true, .min = 2, .max = 5},
		{.name = "n", .type = SOCLE_F_NUMBER, .min = 0, .max = 100},
		{.name = "tags", .type = SOCLE_F_ARRAY, .max = 2},
		{.name = "obj", .type = SOCLE_F_OBJECT},
		{.name = "at_least", .type = SOCLE_F_INT, .min = 3},
	};
	json_t *errs = NULL;
	(void)state;

	/* 5 characters with accents are 5, not 8 bytes */
	json_t *o = json_pack("{s:s, s:f, s:[i,i], s:{}, s:i}", "nom", "éèàçù", "n", 99.5, "tags", 1,
	                      2, "obj", "at_least", 1000000);
	assert_int_equal(socle_fields_check(o, f, SOCLE_COUNT(f), NULL, &errs), 0);
	assert_null(errs);
	json_decref(o);

	o = json_pack("{s:s, s:f, s:[i,i,i], s:[], s:i, s:n}", "nom", "x", "n", 100.5, "tags", 1, 2, 3,
	              "obj", "at_least", 2, "zzz");
	assert_int_equal(socle_fields_check(o, f, SOCLE_COUNT(f), "lignes[2].", &errs), 6);
	assert_int_equal(json_array_size(errs), 6);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 0), "field")),
	                    "lignes[2].nom");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 5), "field")),
	                    "lignes[2].zzz");
	json_decref(o);
	json_decref(errs);
	errs = NULL;

	/* null on a required field is missing; not an object at all */
	o = json_pack("{s:n}", "nom");
	assert_int_equal(socle_fields_check(o, f, SOCLE_COUNT(f), NULL, &errs), 1);
	json_decref(o);
	o = json_pack("[]");
	assert_int_equal(socle_fields_check(o, f, SOCLE_COUNT(f), NULL, &errs), 1);
	assert_int_equal(socle_fields_check(NULL, f, SOCLE_COUNT(f), NULL, &errs), 1);
	assert_int_equal(json_array_size(errs), 3);
	json_decref(o);
	json_decref(errs);

	/* The messages a person reads: an empty field is said so, and one is
	 * singular ("1 caractère", never "1 caractères"). */
	static const struct socle_field g[] = {
		{.name = "motif", .type = SOCLE_F_STRING, .min = 1, .max = 1},
		{.name = "ville", .type = SOCLE_F_STRING, .min = 3, .max = 20},
	};
	errs = NULL;
	o = json_pack("{s:s, s:s}", "motif", "", "ville", "Ay");
	assert_int_equal(socle_fields_check(o, g, SOCLE_COUNT(g), NULL, &errs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 0), "message")),
	                    "Ce champ ne peut pas être vide.");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 1), "message")),
	                    "Doit contenir au moins 3 caractères.");
	json_decref(o);
	json_decref(errs);
	errs = NULL;
	o = json_pack("{s:s}", "motif", "ab");
	assert_int_equal(socle_fields_check(o, g, SOCLE_COUNT(g), NULL, &errs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 0), "message")),
	                    "Doit contenir au plus 1 caractère.");
	json_decref(o);
	json_decref(errs);
}

static int h_dummy(socle_req *req, void *ud)
{
	(void)req;
	(void)ud;
	return 0;
}

static void test_route_compile(void **state)
{
	struct registry reg = {0};
	struct http_routes rt;
	socle_err err = SOCLE_ERR_INIT;
	static const struct socle_route good[] = {
		{SOCLE_GET, "/", NULL, 0, h_dummy, NULL},
		{SOCLE_GET, "/a/{id}/b", NULL, 0, h_dummy, NULL},
		{SOCLE_POST, "/a/{id}/b", NULL, 0, h_dummy, NULL},
	};
	static const struct socle_route bad[] = {
		{SOCLE_GET, "a", NULL, 0, h_dummy, NULL},
		{SOCLE_GET, "/a/", NULL, 0, h_dummy, NULL},
		{SOCLE_GET, "/a//b", NULL, 0, h_dummy, NULL},
		{SOCLE_GET, "/a/{}", NULL, 0, h_dummy, NULL},
		{SOCLE_GET, "/a/{Id}", NULL, 0, h_dummy, NULL},
		{SOCLE_GET, "/a/x{id}", NULL, 0, h_dummy, NULL},
		{SOCLE_GET | SOCLE_POST, "/a", NULL, 0, h_dummy, NULL},
		{SOCLE_GET, "/a", NULL, 0, NULL, NULL},
	};
	(void)state;

	for (size_t i = 0; i < SOCLE_COUNT(good); i++) {
		struct reg_route rec = {.route = &good[i]};
		assert_int_equal(registry_add_route(&reg, &rec), 0);
	}
	assert_int_equal(http_routes_compile(&rt, &reg, &err), 0);
	assert_int_equal(rt.n, 3);
	assert_int_equal(rt.v[0].n_segs, 0);
	assert_int_equal(rt.v[1].n_segs, 3);
	assert_true(rt.v[1].segs[1].is_param);
	assert_string_equal(rt.v[1].segs[1].text, "id");
	http_routes_free(&rt);

	/* the same shape twice, even with another parameter name, is refused */
	static const struct socle_route dup = {SOCLE_GET, "/a/{other}/b", NULL, 0, h_dummy, NULL};
	struct reg_route rec = {.route = &dup};
	assert_int_equal(registry_add_route(&reg, &rec), 0);
	assert_int_equal(http_routes_compile(&rt, &reg, &err), SOCLE_E_EXISTS);
	registry_fini(&reg);

	for (size_t i = 0; i < SOCLE_COUNT(bad); i++) {
		struct registry one = {0};
		struct reg_route r1 = {.route = &bad[i]};

		assert_int_equal(registry_add_route(&one, &r1), 0);
		if (http_routes_compile(&rt, &one, &err) == 0)
			fail_msg("route %zu (%s) accepted", i, bad[i].path);
		registry_fini(&one);
	}

	char buf[64];
	http_methods_text(SOCLE_GET | SOCLE_DELETE | SOCLE_PATCH, buf, sizeof(buf));
	assert_string_equal(buf, "GET, PATCH, DELETE");
}

static void test_status_map(void **state)
{
	(void)state;
	assert_int_equal(http_status_of(SOCLE_E_INVAL), 400);
	assert_int_equal(http_status_of(SOCLE_E_AUTH), 401);
	assert_int_equal(http_status_of(SOCLE_E_FORBIDDEN), 403);
	assert_int_equal(http_status_of(SOCLE_E_NOTFOUND), 404);
	assert_int_equal(http_status_of(SOCLE_E_EXISTS), 409);
	assert_int_equal(http_status_of(SOCLE_E_CONFLICT), 409);
	assert_int_equal(http_status_of(SOCLE_E_TOOBIG), 413);
	assert_int_equal(http_status_of(SOCLE_E_THROTTLED), 429);
	assert_int_equal(http_status_of(SOCLE_E_STORE), 500);
	assert_int_equal(http_status_of(SOCLE_E_BUDGET), 500);
	assert_int_equal(http_status_of(SOCLE_E_INTERNAL), 500);
}

/* ---- end to end: the real `socle serve` in a child process ---- */

static void test_e2e_serve(void **state)
{
	struct test_deploy d;
	struct test_server srv;
	struct hc_response r;
	(void)state;

	if (access(SOCLE_BINARY_DIR "/socle", X_OK) != 0)
		skip();
	json_t *config = json_pack("{s:s, s:[{s:s, s:s}], s:[{s:s, s:s, s:s}]}", "access_log",
	                           "access.log", "static", "prefix", "/espace-salarie/", "dir", "www",
	                           "services", "id", "demo", "name", "Service de démonstration",
	                           "database", "demo.db");
	assert_int_equal(test_deploy_create(&d, "http-e2e", config), 0);
	json_decref(config);
	test_deploy_write(&d, "www/index.html", "<p>salarié</p>");
	assert_int_equal(test_server_start_deploy(&srv, &d), 0);

	assert_int_equal(hc_request(d.port, "GET", "/healthz", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
	assert_int_equal(hc_request(d.port, "GET", "/espace-salarie/", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "<p>salarié</p>");
	hc_response_free(&r);
	assert_int_equal(hc_request(d.port, "GET", "/api/v1/inconnu/x", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	hc_response_free(&r);
	/* a bad body on the core's login route is refused before any handler */
	const char *ct[] = {"Content-Type: application/json", NULL};
	assert_int_equal(hc_request(d.port, "POST", "/api/v1/demo/auth/login", ct, "{\"email\":", 9,
	                            &r), 0);
	assert_int_equal(r.status, 400);
	hc_response_free(&r);

	/* SIGTERM: a clean stop */
	assert_int_equal(test_server_stop(&srv, 20000), 0);
	assert_int_not_equal(hc_request_timeout(d.port, "GET", "/healthz", NULL, NULL, 0, 1000, &r), 0);

	/* the access log holds one JSON line per request */
	char *log = fs_join(d.dir, "access.log");
	FILE *f = fopen(log, "r");
	assert_non_null(f);
	char line[4096];
	int n = 0, with_404 = 0;
	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		assert_non_null(o);
		if (json_integer_value(json_object_get(o, "status")) == 404)
			with_404++;
		json_decref(o);
		n++;
	}
	fclose(f);
	free(log);
	assert_true(n >= 4);
	assert_int_equal(with_404, 1);

	/* a crash (SIGKILL) and a restart on the same port */
	assert_int_equal(test_server_start_deploy(&srv, &d), 0);
	test_server_kill(&srv);
	assert_false(test_server_alive(&srv));
	assert_int_equal(test_server_start_deploy(&srv, &d), 0);
	assert_int_equal(hc_request(d.port, "GET", "/healthz", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
	assert_int_equal(test_server_stop(&srv, 20000), 0);
	test_deploy_remove(&d);
}

/* Many threads writing at once: every line whole and valid JSON. */
struct log_job {
	struct access_log *log;
	int thread;
};

static void *log_worker(void *arg)
{
	struct log_job *job = arg;
	char rid[40], path[64];

	for (int i = 0; i < 500; i++) {
		snprintf(rid, sizeof(rid), "t%d-%d", job->thread, i);
		snprintf(path, sizeof(path), "/api/v1/demo/x/%d\"\n\\", i);
		struct access_log_entry e = {.request_id = rid, .method = "GET", .path = path,
		                             .status = 200, .duration_ms = 0.5, .service = "demo",
		                             .user_id = i, .bytes = (size_t)i};
		access_log_write(job->log, &e);
	}
	return NULL;
}

static void test_access_log_threads(void **state)
{
	char *dir = fs_tempdir("alog");
	char *path = fs_join(dir, "a.log");
	struct access_log *log = NULL;
	socle_err err = SOCLE_ERR_INIT;
	pthread_t th[8];
	struct log_job jobs[8];
	(void)state;

	assert_int_equal(access_log_open(&log, path, &err), 0);
	for (int i = 0; i < 8; i++) {
		jobs[i] = (struct log_job){log, i};
		assert_int_equal(pthread_create(&th[i], NULL, log_worker, &jobs[i]), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	/* a path that is not UTF-8 still leaves a trace */
	struct access_log_entry bad = {.request_id = "bad", .method = "GET", .path = "/x\xff", .status = 404};
	access_log_write(log, &bad);
	access_log_close(log);

	FILE *f = fopen(path, "r");
	char line[1024];
	int n = 0;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		assert_non_null(o);
		assert_true(json_is_string(json_object_get(o, "path")));
		n++;
		json_decref(o);
	}
	fclose(f);
	assert_int_equal(n, 8 * 500 + 1);
	assert_int_equal(access_log_open(&log, "/nonexistent-dir/a.log", &err), SOCLE_E_IO);
	fs_rmtree(dir);
	free(dir);
	free(path);
}

static void test_add_routes_phase(void **state)
{
	socle_core c = {0};
	const struct socle_plugin_desc desc = {.name = "p"};
	socle_plugin p = {.core = &c, .desc = &desc};
	static const struct socle_route ok[] = {
		{SOCLE_GET, "/a/{id}", NULL, 0, h_dummy, NULL},
		{SOCLE_POST | SOCLE_ROUTE_CSV, "/a", NULL, 0, h_dummy, NULL},
	};
	static const struct socle_route mixed[] = {
		{SOCLE_GET, "/b", NULL, 0, h_dummy, NULL},
		{SOCLE_GET, "/b/{", NULL, 0, h_dummy, NULL},
	};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	c.phase = PHASE_RUN;
	assert_int_equal(socle_plugin_add_routes(&p, ok, 2, &err), SOCLE_E_PHASE);
	c.phase = PHASE_INIT;
	assert_int_equal(socle_plugin_add_routes(&p, ok, 2, &err), 0);
	assert_int_equal(c.reg.routes.n, 2);
	assert_ptr_equal(c.reg.routes.v[0].owner, &p);
	/* a table with one bad route registers nothing */
	assert_int_equal(socle_plugin_add_routes(&p, mixed, 2, &err), SOCLE_E_INVAL);
	assert_int_equal(c.reg.routes.n, 2);
	registry_fini(&c.reg);
}

/* Mutated bodies through the parser: no crash, no leak, a clear verdict. */
static void test_json_parse_mutations(void **state)
{
	const char *seed = "{\"siret\":\"12345678900011\",\"n\":[1,2.5,{\"a\":null}],\"ok\":true,"
	                   "\"nom\":\"Zo\\u00e9\"}";
	size_t len = strlen(seed);
	char buf[256];
	unsigned x = 12345;
	socle_err err = SOCLE_ERR_INIT;
	json_t *out;
	(void)state;

	assert_int_equal(http_json_parse(seed, len, &out, &err), 0);
	json_decref(out);
	assert_int_equal(http_json_parse("{\"a\":1,\"a\":2}", 13, &out, &err), SOCLE_E_INVAL);
	assert_null(out);
	assert_non_null(strstr(err.msg, "clé en double"));
	for (int round = 0; round < 20000; round++) {
		memcpy(buf, seed, len);
		int edits = 1 + (int)(x % 4);
		for (int e = 0; e < edits; e++) {
			x = x * 1103515245u + 12345u;
			size_t at = (x >> 8) % len;
			x = x * 1103515245u + 12345u;
			buf[at] = (char)(x >> 16);
		}
		out = NULL;
		int rc = http_json_parse(buf, len, &out, &err);
		assert_true(rc == 0 || rc == SOCLE_E_INVAL);
		assert_true(rc == 0 ? out != NULL : out == NULL);
		json_decref(out);
	}
}

/* Idle and slow clients are dropped by the connection timeout (set to 1 s
 * on a restarted server here; 15 s by default). */
static void test_idle_timeout(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	char c;
	(void)state;

	http_server_stop(&core);
	http_set_connection_timeout(1);
	assert_int_equal(http_server_start(&core, &err), 0);
	port = http_server_port(&core);
	int idle = hc_connect(port, 5000);
	int slow = hc_connect(port, 5000);
	assert_true(idle >= 0 && slow >= 0);
	assert_int_equal(hc_send_all(slow, "GET /healthz HTTP/1.1\r\nHo", 25, 5000), 0);
	/* both get closed by the server: recv sees end of file (generous bound) */
	for (int i = 0; i < 2; i++) {
		int fd = i ? slow : idle;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&pfd, 1, 20000), 1);
		assert_true(recv(fd, &c, 1, 0) <= 0);
		close(fd);
	}
	/* and the server still serves */
	struct hc_response r;
	assert_int_equal(hc_request(port, "GET", "/healthz", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	hc_response_free(&r);
	http_server_stop(&core);
	http_set_connection_timeout(0);
	assert_int_equal(http_server_start(&core, &err), 0);
	port = http_server_port(&core);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_dates_and_emails),
		cmocka_unit_test(test_fields_check),
		cmocka_unit_test(test_route_compile),
		cmocka_unit_test(test_status_map),
		cmocka_unit_test(test_access_log_threads),
		cmocka_unit_test(test_add_routes_phase),
		cmocka_unit_test(test_json_parse_mutations),
	};
	const struct CMUnitTest server[] = {
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_params_and_query),
		cmocka_unit_test(test_query_validation),
		cmocka_unit_test(test_specific_route_wins),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_plugin_enablement),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_body_limits),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_media_types),
		cmocka_unit_test(test_validation_body),
		cmocka_unit_test(test_handler_errors),
		cmocka_unit_test(test_pagination),
		cmocka_unit_test(test_request_ids),
		cmocka_unit_test(test_static_files),
		cmocka_unit_test(test_ambiguous_requests),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_slow_clients),
		cmocka_unit_test(test_access_log),
		cmocka_unit_test(test_idle_timeout),
	};
	const struct CMUnitTest e2e[] = {
		cmocka_unit_test(test_e2e_serve),
	};
	int failed = cmocka_run_group_tests_name("http helpers", unit, NULL, NULL);
	failed += cmocka_run_group_tests_name("http server", server, setup, teardown);
	failed += cmocka_run_group_tests_name("http end to end", e2e, NULL, NULL);
	return failed;
}
