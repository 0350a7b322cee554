/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Harness: what the router does with the path and query of a request below
 * /api/v1/{service}: the text checks of the path (http_path_text_ok), the
 * match against a compiled route table (http_routes_match over a sample of
 * the plugins' real patterns), the query string cut into parameters and
 * decoded as libmicrohttpd does (MHD_http_unescape, the decoder the server's
 * unescape callback uses) then checked (http_query_problem); and, for inputs
 * whose first byte has its high bit set, the route pattern compiler on a
 * pattern of the input's own.
 *
 * Input: byte 0 chooses the method (low 3 bits) and the mode (0x80); then
 * "path?query", or in pattern mode "pattern\npath?query".
 *
 * Properties: a match is the most specific route of that method whose
 * literal segments equal the path's, with one non-empty parameter per {name};
 * a 405 lists methods other than the request's; a query parameter the check
 * lets through is text jansson accepts (handlers echo it in JSON); a pattern
 * that compiles matches the path made by filling its parameters, and gives
 * back the values filled in. */
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "registry.h"

static int handler(socle_req *req, void *ud)
{
	(void)req;
	(void)ud;
	return 0;
}

#define R(m, p) {.method = (m), .path = (p), .capability = SOCLE_CAP_AUTHENTICATED, .handler = handler}
static const struct socle_route routes[] = {
	R(SOCLE_GET, "/"),
	R(SOCLE_GET, "/audit"),
	R(SOCLE_GET, "/auth/me"),
	R(SOCLE_GET, "/auth/me/totp"),
	R(SOCLE_POST, "/auth/me/totp"),
	R(SOCLE_DELETE, "/auth/users/{id}/totp"),
	R(SOCLE_POST, "/auth/login"),
	R(SOCLE_GET, "/documents/verify/{code}"),
	R(SOCLE_GET, "/identity"),
	R(SOCLE_GET, "/identity.css"),
	R(SOCLE_GET, "/membership/companies"),
	R(SOCLE_POST, "/membership/companies"),
	R(SOCLE_GET, "/membership/companies/{id}"),
	R(SOCLE_PATCH, "/membership/companies/{id}"),
	R(SOCLE_POST, "/membership/companies/{id}/approve"),
	R(SOCLE_GET, "/membership/companies/{id}/invoices/{iid}"),
	R(SOCLE_GET, "/membership/companies/{id}/invoices/{iid}/document"),
	R(SOCLE_GET, "/membership/companies/{id}/invoices/{iid}/document.pdf"),
	R(SOCLE_GET, "/membership/companies/{id}/workers"),
	R(SOCLE_POST, "/membership/companies/{id}/workers"),
	R(SOCLE_POST | SOCLE_ROUTE_CSV, "/membership/companies/{id}/workers/import"),
	R(SOCLE_GET, "/membership/companies/{id}/workers/{wid}"),
	R(SOCLE_PATCH, "/membership/companies/{id}/workers/{wid}"),
	R(SOCLE_GET, "/membership/companies/{id}/workers/{wid}/history"),
	R(SOCLE_DELETE, "/membership/companies/{id}/users/{user_id}"),
	R(SOCLE_GET, "/membership/my/companies"),
	R(SOCLE_GET, "/membership/search"),
	R(SOCLE_GET, "/portal/workers/{id}/contact"),
	R(SOCLE_PUT, "/retention/cases/{id}/medical"),
	R(SOCLE_POST, "/retention/cases/{id}/send"),
	R(SOCLE_PUT, "/riskeval/companies/{id}/self-assessment/{drawer}"),
	R(SOCLE_POST, "/riskeval/companies/{id}/prevention-actions/{a}/answer"),
	R(SOCLE_POST, "/riskeval/companies/{id}/fiche/versions/{version}/cse"),
	R(SOCLE_GET, "/tracking/dmst"),
	R(SOCLE_GET, "/tracking/dmst/{worker_id}"),
	R(SOCLE_POST, "/tracking/dmst/{worker_id}/entries"),
	R(SOCLE_GET, "/tracking/dmst/{worker_id}/accesses"),
	R(SOCLE_GET, "/tracking/slots"),
	R(SOCLE_GET, "/tracking/visits/{request_id}/documents/{doc}"),
	R(SOCLE_POST, "/tracking/visits/{request_id}/cancel"),
	R(SOCLE_GET, "/tracking/workers/{id}/visits"),
	R(SOCLE_PATCH, "/tracking/leaves/{id}"),
};

static struct reg_route recs[SOCLE_COUNT(routes)];
static struct http_routes table;

static const int methods[8] = {SOCLE_GET, SOCLE_POST, SOCLE_PUT, SOCLE_PATCH, SOCLE_DELETE,
                               0, SOCLE_GET, SOCLE_POST};

static void table_init(void)
{
	static bool done;

	if (done)
		return;
	struct registry reg = {0};
	socle_err err = SOCLE_ERR_INIT;

	/* owner NULL: core routes, enabled on every service (no service here) */
	for (size_t i = 0; i < SOCLE_COUNT(routes); i++)
		recs[i].route = &routes[i];
	reg.routes.v = recs;
	reg.routes.n = SOCLE_COUNT(recs);
	if (http_routes_compile(&table, &reg, &err) != 0) {
		fprintf(stderr, "table de routes : %s\n", err.msg);
		abort();
	}
	done = true;
}

static size_t split_segments(const char *path, const char **segs, size_t *lens, size_t max)
{
	size_t n = 0;
	const char *p = path + 1;

	while (*p && n < max) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		segs[n] = p;
		lens[n++] = len;
		if (!slash)
			break;
		p = slash + 1;
	}
	return n;
}

/* Does route @p cr have the shape of @p path (literal segments equal)? */
static bool shape_matches(const struct http_compiled_route *cr, const char *path)
{
	const char *segs[HTTP_MAX_SEGMENTS + 1];
	size_t lens[HTTP_MAX_SEGMENTS + 1];
	if (path[0] != '/')
		return false;
	size_t n = split_segments(path, segs, lens, HTTP_MAX_SEGMENTS + 1);

	if (n != cr->n_segs)
		return false;
	for (size_t s = 0; s < n; s++) {
		if (lens[s] == 0)
			return false;
		if (!cr->segs[s].is_param &&
		    (strlen(cr->segs[s].text) != lens[s] ||
		     memcmp(cr->segs[s].text, segs[s], lens[s]) != 0))
			return false;
	}
	return true;
}

static void check_match(const struct http_routes *rt, const char *path, int method)
{
	socle_req req = {0};
	int allow = -1;

	req.route_path = path;
	req.method = method;
	enum http_match m = http_routes_match(rt, &req, &allow);
	bool empty_segment = path[0] != '/' || (path[1] != '\0' && (strstr(path, "//") != NULL ||
	                                                           path[strlen(path) - 1] == '/'));

	if (m == HTTP_MATCH_FOUND) {
		const struct http_compiled_route *cr = NULL;

		for (size_t i = 0; i < rt->n; i++)
			if (rt->v[i].rec == req.route)
				cr = &rt->v[i];
		FUZZ_CHECK(cr != NULL);
		FUZZ_CHECK(!empty_segment);
		FUZZ_CHECK((cr->rec->route->method & ~SOCLE_ROUTE_CSV) == method);
		FUZZ_CHECK(shape_matches(cr, path));
		size_t n_params = 0;

		for (size_t s = 0; s < cr->n_segs; s++)
			n_params += cr->segs[s].is_param;
		FUZZ_CHECK(req.n_params == n_params);
		for (size_t i = 0; i < req.n_params; i++) {
			FUZZ_CHECK(req.params[i].value[0] != '\0');
			FUZZ_CHECK(strchr(req.params[i].value, '/') == NULL);
			FUZZ_CHECK(strstr(path, req.params[i].value) != NULL);
			FUZZ_CHECK(socle_req_param(&req, req.params[i].name) != NULL);
		}
		/* the most specific of the candidates */
		for (size_t i = 0; i < rt->n; i++)
			if ((rt->v[i].rec->route->method & ~SOCLE_ROUTE_CSV) == method &&
			    shape_matches(&rt->v[i], path))
				FUZZ_CHECK(rt->v[i].specificity <= cr->specificity);
	} else {
		FUZZ_CHECK(req.route == NULL);
		bool any = false, same_method = false;

		for (size_t i = 0; i < rt->n; i++) {
			if (!shape_matches(&rt->v[i], path))
				continue;
			any = true;
			same_method |= (rt->v[i].rec->route->method & ~SOCLE_ROUTE_CSV) == method;
		}
		/* nothing of that method has this shape: a 404, or a 405 naming others */
		FUZZ_CHECK(!same_method || empty_segment || path[0] != '/');
		if (m == HTTP_MATCH_METHOD) {
			FUZZ_CHECK(allow != 0 && !(allow & method) && any);
			char text[64];

			http_methods_text(allow, text, sizeof(text));
			FUZZ_CHECK(text[0] != '\0');
		} else {
			FUZZ_CHECK(m == HTTP_MATCH_NONE && allow == 0);
		}
	}
	free(req.segbuf);
}

/* "k=v&k2&..." decoded and checked parameter by parameter, as libmicrohttpd
 * splits it and the server's unescape callback decodes it. */
static void check_query(char *query)
{
	char *save = NULL;

	for (char *arg = strtok_r(query, "&", &save); arg; arg = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(arg, '=');
		char *value = NULL;

		if (eq) {
			*eq = 0;
			value = eq + 1;
		}
		size_t klen = MHD_http_unescape(arg);
		size_t vlen = value ? MHD_http_unescape(value) : 0;

		/* a decoded NUL is refused with 400 before any check (http.c:
		 * unescape_url): the parameter never reaches a handler */
		if (strlen(arg) != klen || (value && strlen(value) != vlen))
			continue;
		const char *problem = http_query_problem(arg, value);

		if (problem == NULL) {
			FUZZ_CHECK(fuzz_utf8(arg));
			FUZZ_CHECK(value == NULL || fuzz_utf8(value));
			for (const char *p = value; p && *p; p++)
				FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
		} else {
			FUZZ_CHECK(fuzz_utf8(problem));
		}
	}
}

/* Pattern mode: compile the input's pattern alone; when it compiles, the path
 * made by filling each {name} with "v<i>" finds it with those values. */
static void check_pattern(const char *pattern, int method)
{
	struct socle_route route = R(method ? method : SOCLE_GET, pattern);
	struct reg_route rec = {.route = &route};
	struct registry reg = {0};
	struct http_routes rt = {0};
	socle_err err = SOCLE_ERR_INIT;

	reg.routes.v = &rec;
	reg.routes.n = 1;
	if (http_routes_compile(&rt, &reg, &err) != 0) {
		FUZZ_CHECK(rt.v == NULL && rt.n == 0);
		FUZZ_CHECK(fuzz_utf8(err.msg) || !fuzz_utf8(pattern));
		return;
	}
	FUZZ_CHECK(rt.n == 1);
	char path[4096];
	size_t len = 0;

	path[0] = 0;
	for (size_t s = 0; s < rt.v[0].n_segs && len < sizeof(path) - 32; s++) {
		int w = rt.v[0].segs[s].is_param
			? snprintf(path + len, sizeof(path) - len, "/v%zu", s)
			: snprintf(path + len, sizeof(path) - len, "/%s", rt.v[0].segs[s].text);

		if (w < 0 || (size_t)w >= sizeof(path) - len) {
			http_routes_free(&rt);
			return; /* too long for this check */
		}
		len += (size_t)w;
	}
	if (len == 0)
		strcpy(path, "/");
	socle_req req = {0};
	int allow;

	req.route_path = path;
	req.method = route.method;
	FUZZ_CHECK(http_routes_match(&rt, &req, &allow) == HTTP_MATCH_FOUND);
	for (size_t s = 0, k = 0; s < rt.v[0].n_segs; s++) {
		char want[32];

		if (!rt.v[0].segs[s].is_param)
			continue;
		snprintf(want, sizeof(want), "v%zu", s);
		FUZZ_CHECK(k < req.n_params && strcmp(req.params[k].value, want) == 0);
		FUZZ_CHECK(strcmp(req.params[k].name, rt.v[0].segs[s].text) == 0);
		k++;
	}
	free(req.segbuf);
	check_match(&rt, path, route.method);
	http_routes_free(&rt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	table_init();
	int method = methods[data[0] & 7];
	bool pattern_mode = data[0] & 0x80;
	char *text = malloc(size);

	if (text == NULL)
		return 0;
	/* a C string as MHD hands it: stop at the first NUL */
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;

	char *line = text;
	if (pattern_mode) {
		char *nl = strchr(text, '\n');

		if (nl)
			*nl = 0;
		check_pattern(text, method);
		line = nl ? nl + 1 : text + strlen(text);
	}
	char *q = strchr(line, '?');

	if (q)
		*q++ = 0;
	/* the router sees only paths that are text without dot segments */
	if (http_path_text_ok(line)) {
		FUZZ_CHECK(fuzz_utf8(line));
		check_match(&table, line, method);
	}
	if (q)
		check_query(q);
	free(text);
	return 0;
}
