/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Static files of the web spaces (espace adhérent, espace salarié).
 *
 * core->static_dirs maps URL prefixes to folders.  A request path is walked
 * one component at a time with openat() from a descriptor of the folder,
 * refusing empty, "." / ".." and hidden components and never following a
 * symbolic link (O_NOFOLLOW at every step), so no path, however encoded, can
 * leave the folder, and no race between a check and the open exists.  A folder
 * serves its index.html; a folder asked without its final '/' is redirected
 * so that relative links in the page resolve. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{"html", "text/html; charset=utf-8"},
	{"htm", "text/html; charset=utf-8"},
	{"css", "text/css; charset=utf-8"},
	{"js", "text/javascript; charset=utf-8"},
	{"mjs", "text/javascript; charset=utf-8"},
	{"json", "application/json"},
	{"map", "application/json"},
	{"txt", "text/plain; charset=utf-8"},
	{"csv", "text/csv; charset=utf-8"},
	{"xml", "application/xml"},
	{"svg", "image/svg+xml"},
	{"png", "image/png"},
	{"jpg", "image/jpeg"},
	{"jpeg", "image/jpeg"},
	{"gif", "image/gif"},
	{"webp", "image/webp"},
	{"ico", "image/x-icon"},
	{"woff", "font/woff"},
	{"woff2", "font/woff2"},
	{"pdf", "application/pdf"},
	{"wasm", "application/wasm"},
	{"webmanifest", "application/manifest+json"},
};

static const char *content_type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot)
		for (size_t i = 0; i < SOCLE_COUNT(mime_types); i++)
			if (strcasecmp(dot + 1, mime_types[i].ext) == 0)
				return mime_types[i].type;
	return "application/octet-stream";
}

static int cmp_prefix_len(const void *a, const void *b)
{
	const struct http_static_dir *x = a, *y = b;
	size_t lx = strlen(x->prefix), ly = strlen(y->prefix);

	return lx < ly ? 1 : lx > ly ? -1 : 0; /* longest first */
}

/* Add folder @p dir under URL @p prefix (checked by the caller). */
static int add_dir(struct http_statics *st, const char *prefix, const char *dir, const char *what,
                   socle_err *err)
{
	struct http_static_dir *d = &st->v[st->n];
	/* The config reader already resolved dir against the config's folder. */
	char *real = realpath(dir, NULL);
	int e_no = errno;

	if (!real)
		return socle_err_set(err, SOCLE_E_IO, "%s : dossier %s : %s", what, dir, strerror(e_no));
	d->root_fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->root_fd < 0) {
		e_no = errno;
		free(real);
		return socle_err_set(err, SOCLE_E_IO, "%s : dossier %s : %s", what, dir, strerror(e_no));
	}
	d->root = real;
	d->prefix = strdup(prefix);
	st->n++;
	if (!d->prefix)
		return socle_err_set(err, SOCLE_E_NOMEM, "%s : mémoire insuffisante", what);
	return 0;
}

/* Each plugin's web/ folder, under /{service}/{plugin}/ for each service that
 * enables it: a plugin ships its pages, and a service that does not enable
 * the plugin serves none of them. */
static int add_plugin_webs(struct http_statics *st, const socle_core *core, socle_err *err)
{
	for (size_t s = 0; s < core->n_services; s++) {
		const socle_service *svc = core->services[s];

		for (size_t i = 0; i < core->n_plugins; i++) {
			const socle_plugin *p = core->plugins[i];
			char *web = NULL, *prefix = NULL;
			struct stat sb;
			int rc = 0;

			if (!svc->plugin_enabled || !svc->plugin_enabled[i] || p->assets_dir == NULL)
				continue;
			if (asprintf(&web, "%s/web", p->assets_dir) < 0)
				return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			if (stat(web, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				if (asprintf(&prefix, "/%s/%s/", svc->id, p->desc->name) < 0)
					prefix = NULL;
				rc = prefix ? add_dir(st, prefix, web, p->desc->name, err)
				            : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			}
			free(prefix);
			free(web);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int http_statics_open(struct http_statics *st, const socle_core *core, socle_err *err)
{
	size_t count = json_array_size(core->static_dirs);
	int rc = 0;

	st->v = NULL;
	st->n = 0;
	if (core->static_dirs && !json_is_array(core->static_dirs))
		return socle_err_set(err, SOCLE_E_INVAL, "static_dirs : une liste est attendue");
	st->v = calloc(count + core->n_services * core->n_plugins + 1, sizeof(*st->v));
	if (!st->v)
		return socle_err_set(err, SOCLE_E_NOMEM, "static_dirs : mémoire insuffisante");
	for (size_t i = 0; rc == 0 && i < count; i++) {
		const json_t *e = json_array_get(core->static_dirs, i);
		const char *prefix = json_string_value(json_object_get(e, "prefix"));
		const char *dir = json_string_value(json_object_get(e, "dir"));
		char what[48];

		snprintf(what, sizeof(what), "static_dirs[%zu]", i);
		if (!prefix || !dir || prefix[0] != '/' || prefix[strlen(prefix) - 1] != '/' ||
		    strncmp(prefix, HTTP_API_PREFIX, strlen(HTTP_API_PREFIX)) == 0 ||
		    strstr(prefix, "/.") || strstr(prefix, "//"))
			rc = socle_err_set(err, SOCLE_E_INVAL,
			                   "static_dirs[%zu] : « prefix » (/…/, hors de /api/v1/) "
			                   "et « dir » sont attendus", i);
		else
			rc = add_dir(st, prefix, dir, what, err);
	}
	if (rc == 0)
		rc = add_plugin_webs(st, core, err);
	if (rc != 0) {
		http_statics_close(st);
		return rc;
	}
	qsort(st->v, st->n, sizeof(*st->v), cmp_prefix_len);
	return 0;
}

void http_statics_close(struct http_statics *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->v[i].prefix);
		free(st->v[i].root);
		if (st->v[i].root_fd >= 0)
			close(st->v[i].root_fd);
	}
	free(st->v);
	st->v = NULL;
	st->n = 0;
}

/* Does If-Modified-Since (an IMF-fixdate) cover @p mtime? */
static bool not_modified_since(const char *ims, time_t mtime)
{
	struct tm tm = {0};

	if (!ims)
		return false;
	const char *end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return false;
	return mtime <= timegm(&tm);
}

static int not_found(socle_req *req)
{
	return socle_reply_error(req, 404, "not_found", "Page introuvable.");
}

/* Redirect to the same path with a final '/', keeping the query string out
 * (a folder's index does not take arguments). */
static int redirect_slash(socle_req *req)
{
	size_t len = strlen(req->path);
	char *loc = malloc(len + 2);

	if (!loc)
		return http_reply_errc(req, SOCLE_E_NOMEM);
	memcpy(loc, req->path, len);
	loc[len] = '/';
	loc[len + 1] = 0;
	int rc = http_reply_empty(req, 301, loc);
	free(loc);
	return rc;
}

/* Open @p rel (no leading '/') below @p root_fd.  Returns an O_RDONLY
 * descriptor of a regular file, -2 when @p rel names a folder (redirect),
 * -1 when it is absent or refused. */
static int open_below(int root_fd, const char *rel, bool *is_index)
{
	char buf[PATH_MAX];
	size_t len = strlen(rel);

	*is_index = false;
	if (len >= sizeof(buf) - sizeof("index.html"))
		return -1;
	memcpy(buf, rel, len + 1);
	if (len == 0 || buf[len - 1] == '/') {
		memcpy(buf + len, "index.html", sizeof("index.html"));
		*is_index = true;
	}
	int dirfd = root_fd;
	char *p = buf;
	for (;;) {
		char *slash = strchr(p, '/');

		if (slash)
			*slash = 0;
		/* empty, ".", ".." and hidden names are refused; so are backslashes,
		 * which some clients treat as separators */
		if (!*p || *p == '.' || strchr(p, '\\')) {
			if (dirfd != root_fd)
				close(dirfd);
			return -1;
		}
		if (slash) {
			int next = openat(dirfd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dirfd != root_fd)
				close(dirfd);
			if (next < 0)
				return -1;
			dirfd = next;
			p = slash + 1;
			continue;
		}
		int fd = openat(dirfd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (dirfd != root_fd)
			close(dirfd);
		if (fd < 0)
			return -1;
		struct stat sb;
		if (fstat(fd, &sb) != 0) {
			close(fd);
			return -1;
		}
		if (S_ISDIR(sb.st_mode)) {
			close(fd);
			return *is_index ? -1 : -2;
		}
		if (!S_ISREG(sb.st_mode)) {
			close(fd);
			return -1;
		}
		return fd;
	}
}

int http_static_serve(const struct http_statics *st, socle_req *req)
{
	const char *path = req->path;
	size_t path_len = strlen(path);

	for (size_t i = 0; i < st->n; i++) {
		const struct http_static_dir *d = &st->v[i];
		size_t pl = strlen(d->prefix);

		/* "/espace-adherent" names the folder without its slash */
		if (path_len + 1 == pl && strncmp(path, d->prefix, path_len) == 0) {
			if (req->method != SOCLE_GET && strcmp(req->method_name, "HEAD") != 0)
				break;
			redirect_slash(req);
			return 1;
		}
		if (path_len < pl || strncmp(path, d->prefix, pl) != 0)
			continue;
		if (req->method != SOCLE_GET && strcmp(req->method_name, "HEAD") != 0) {
			socle_req_add_header(req, "Allow", "GET, HEAD");
			socle_reply_error(req, 405, "method_not_allowed",
			                  "Méthode non autorisée pour ce fichier.");
			return 1;
		}
		bool is_index;
		int fd = open_below(d->root_fd, path + pl, &is_index);
		if (fd == -2) {
			redirect_slash(req);
			return 1;
		}
		if (fd < 0) {
			not_found(req);
			return 1;
		}
		struct stat sb;
		if (fstat(fd, &sb) != 0) {
			close(fd);
			not_found(req);
			return 1;
		}
		/* Last-Modified lets browsers revalidate (Cache-Control: no-cache)
		 * with a 304 instead of downloading the file again */
		char lm[64];
		struct tm tm;
		gmtime_r(&sb.st_mtime, &tm);
		strftime(lm, sizeof(lm), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		socle_req_add_header(req, "Last-Modified", lm);
		if (not_modified_since(socle_req_header(req, "If-Modified-Since"), sb.st_mtime)) {
			close(fd);
			http_reply_empty(req, 304, NULL);
			return 1;
		}
		const char *type = content_type_of(is_index ? "index.html" : path);
		http_reply_fd(req, 200, type, fd, (uint64_t)sb.st_size);
		return 1;
	}
	return 0;
}
