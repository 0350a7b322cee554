/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The route table: patterns registered by the core and the plugins are
 * compiled once when the server starts ("/companies/{id}/workers" becomes
 * three segments, the middle one a parameter), then matched against each
 * request's path below /api/v1/{service}.
 *
 * Matching is exact segment by segment (no trailing-slash folding, no empty
 * segments).  When several routes match, the most specific wins: a literal
 * segment beats a parameter at the first position where they differ, so
 * "/companies/search" is found before "/companies/{id}" whatever the order
 * of registration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static void free_segs(struct http_pattern_seg *segs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(segs[i].text);
	free(segs);
}

static bool valid_param_name(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Split @p path ("/a/{b}") into segments. */
static int compile_one(struct http_compiled_route *cr, const char *path, socle_err *err)
{
	struct http_pattern_seg *segs = NULL;
	size_t n = 0, n_params = 0;

	if (!path || path[0] != '/')
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "route « %s » : le chemin doit commencer par /",
		                     path ? path : "(null)");
	segs = calloc(HTTP_MAX_SEGMENTS, sizeof(*segs));
	if (!segs)
		return socle_err_set(err, SOCLE_E_NOMEM, "routes : mémoire insuffisante");
	const char *p = path + 1;
	/* "/" alone is the service's root: zero segments */
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0)
			goto bad_empty;
		if (n == HTTP_MAX_SEGMENTS) {
			free_segs(segs, n);
			return socle_err_set(err, SOCLE_E_INVAL, "route « %s » : trop de segments",
			                     path);
		}
		if (p[0] == '{') {
			if (len < 3 || p[len - 1] != '}' || !valid_param_name(p + 1, len - 2)) {
				free_segs(segs, n);
				return socle_err_set(err, SOCLE_E_INVAL,
				                     "route « %s » : paramètre mal formé", path);
			}
			if (++n_params > HTTP_MAX_PARAMS) {
				free_segs(segs, n);
				return socle_err_set(err, SOCLE_E_INVAL,
				                     "route « %s » : plus de %d paramètres", path,
				                     HTTP_MAX_PARAMS);
			}
			segs[n].is_param = true;
			segs[n].text = strndup(p + 1, len - 2);
		} else {
			if (memchr(p, '{', len) || memchr(p, '}', len)) {
				free_segs(segs, n);
				return socle_err_set(err, SOCLE_E_INVAL,
				                     "route « %s » : accolade hors d'un paramètre",
				                     path);
			}
			segs[n].text = strndup(p, len);
		}
		if (!segs[n].text) {
			free_segs(segs, n);
			return socle_err_set(err, SOCLE_E_NOMEM, "routes : mémoire insuffisante");
		}
		if (!segs[n].is_param)
			cr->specificity |= 1u << (31 - n);
		n++;
		if (!slash)
			break;
		p = slash + 1;
		if (!*p)
			goto bad_empty; /* trailing slash */
	}
	cr->segs = segs;
	cr->n_segs = n;
	return 0;

bad_empty:
	free_segs(segs, n);
	return socle_err_set(err, SOCLE_E_INVAL,
	                     "route « %s » : segment vide ou barre oblique finale", path);
}

static bool same_shape(const struct http_compiled_route *a, const struct http_compiled_route *b)
{
	if (a->n_segs != b->n_segs)
		return false;
	for (size_t i = 0; i < a->n_segs; i++) {
		if (a->segs[i].is_param != b->segs[i].is_param)
			return false;
		if (!a->segs[i].is_param && strcmp(a->segs[i].text, b->segs[i].text) != 0)
			return false;
	}
	return true;
}

static const char *owner_name(const struct reg_route *r)
{
	return r->owner ? socle_plugin_name(r->owner) : "core";
}

int http_routes_compile(struct http_routes *rt, const struct registry *reg, socle_err *err)
{
	rt->v = NULL;
	rt->n = 0;
	if (reg->routes.n == 0)
		return 0;
	rt->v = calloc(reg->routes.n, sizeof(*rt->v));
	if (!rt->v)
		return socle_err_set(err, SOCLE_E_NOMEM, "routes : mémoire insuffisante");
	for (size_t i = 0; i < reg->routes.n; i++) {
		const struct reg_route *rec = &reg->routes.v[i];
		struct http_compiled_route *cr = &rt->v[rt->n];
		const struct socle_route *r = rec->route;
		int m = r ? (r->method & ~SOCLE_ROUTE_CSV) : 0;

		if (!r || !r->handler ||
		    (m != SOCLE_GET && m != SOCLE_POST && m != SOCLE_PUT && m != SOCLE_PATCH &&
		     m != SOCLE_DELETE)) {
			http_routes_free(rt);
			return socle_err_set(err, SOCLE_E_INVAL,
			                     "%s : route « %s » sans gestionnaire ou de méthode invalide",
			                     owner_name(rec), r && r->path ? r->path : "(null)");
		}
		cr->rec = rec;
		int rc = compile_one(cr, r->path, err);
		if (rc < 0) {
			http_routes_free(rt);
			return rc;
		}
		rt->n++;
		/* Two routes with the same method and shape: the second could never be
		 * reached on a service enabling both owners.  Refuse it at start. */
		for (size_t j = 0; j + 1 < rt->n; j++) {
			const struct http_compiled_route *o = &rt->v[j];

			if ((o->rec->route->method & ~SOCLE_ROUTE_CSV) == m && same_shape(o, cr)) {
				socle_err_set(err, SOCLE_E_EXISTS,
				              "route %s déclarée deux fois (%s et %s)", r->path,
				              owner_name(o->rec), owner_name(rec));
				http_routes_free(rt);
				return SOCLE_E_EXISTS;
			}
		}
	}
	return 0;
}

void http_routes_free(struct http_routes *rt)
{
	for (size_t i = 0; i < rt->n; i++)
		free_segs(rt->v[i].segs, rt->v[i].n_segs);
	free(rt->v);
	rt->v = NULL;
	rt->n = 0;
}

static bool route_enabled(const struct reg_route *rec, const socle_service *svc)
{
	if (!rec->owner)
		return true;
	return svc && svc->plugin_enabled && svc->plugin_enabled[rec->owner->index];
}

enum http_match http_routes_match(const struct http_routes *rt, socle_req *req, int *allow)
{
	char *segs[HTTP_MAX_SEGMENTS];
	size_t n = 0;

	*allow = 0;
	req->route = NULL;
	req->n_params = 0;
	if (!req->route_path || req->route_path[0] != '/')
		return HTTP_MATCH_NONE;

	/* split a private copy in place; parameters point into it */
	free(req->segbuf);
	req->segbuf = strdup(req->route_path + 1);
	if (!req->segbuf)
		return HTTP_MATCH_NONE;
	char *p = req->segbuf;
	if (*p) {
		for (;;) {
			if (n == HTTP_MAX_SEGMENTS)
				return HTTP_MATCH_NONE;
			char *slash = strchr(p, '/');
			if (slash)
				*slash = 0;
			if (!*p)
				return HTTP_MATCH_NONE; /* empty segment or trailing slash */
			segs[n++] = p;
			if (!slash)
				break;
			p = slash + 1;
		}
	}

	const struct http_compiled_route *best = NULL;
	for (size_t i = 0; i < rt->n; i++) {
		const struct http_compiled_route *cr = &rt->v[i];

		if (cr->n_segs != n || !route_enabled(cr->rec, req->service))
			continue;
		bool ok = true;
		for (size_t s = 0; s < n && ok; s++)
			ok = cr->segs[s].is_param || strcmp(cr->segs[s].text, segs[s]) == 0;
		if (!ok)
			continue;
		int m = cr->rec->route->method & ~SOCLE_ROUTE_CSV;
		if (m != req->method) {
			*allow |= m;
			continue;
		}
		if (!best || cr->specificity > best->specificity)
			best = cr;
	}
	if (!best)
		return *allow ? HTTP_MATCH_METHOD : HTTP_MATCH_NONE;

	req->route = best->rec;
	for (size_t s = 0; s < n; s++) {
		if (!best->segs[s].is_param)
			continue;
		req->params[req->n_params].name = best->segs[s].text;
		req->params[req->n_params].value = segs[s];
		req->n_params++;
	}
	return HTTP_MATCH_FOUND;
}

void http_methods_text(int mask, char *buf, size_t size)
{
	static const struct {
		int bit;
		const char *name;
	} names[] = {
		{SOCLE_GET, "GET"}, {SOCLE_POST, "POST"}, {SOCLE_PUT, "PUT"},
		{SOCLE_PATCH, "PATCH"}, {SOCLE_DELETE, "DELETE"},
	};
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < SOCLE_COUNT(names); i++) {
		if (!(mask & names[i].bit))
			continue;
		int w = snprintf(buf + n, size - n, "%s%s", n ? ", " : "", names[i].name);
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
}
