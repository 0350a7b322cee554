/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The HTTP server: libmicrohttpd lifecycle, the request pipeline and replies.
 *
 * MHD runs a pool of one thread per core, each with its own epoll set, on a
 * listening socket we bind ourselves (any address family, port 0 for tests).
 * A request goes through:
 *   1. headers arrived (first call of the access handler): request id, route
 *      match (404/405), body announcements checked (413 from Content-Length,
 *      415 for a content type the route does not take);
 *      a route taking large bodies (over 64 KiB) also authenticates and
 *      authorizes here, so that no byte of an unauthorized upload is read;
 *   2. body bytes, copied up to the route's limit (413 once crossed);
 *   3. request complete: JSON parsed (400), auth_authenticate (401),
 *      auth_authorize (401/403), then the handler, whose reply is queued;
 *   4. MHD reports completion: auth_request_done, access log, free.
 * An error found before the body is read is answered at once when a body is
 * still on its way (MHD then closes the connection instead of reading it).
 *
 * Handler contract (include/socle/http.h): 0 with a reply queued, or a
 * negative code without one; SOCLE_E_CLOSE drops the connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "access_log.h"
#include "auth.h"
#include "core.h"
#include "catalog.h"
#include "http.h"
#include "json_text.h"

#define HTTP_CONN_TIMEOUT_S 15u            /* idle or slow clients are dropped after this */
#define HTTP_CONN_MEMORY ((size_t)64 * 1024) /* per connection: headers + read buffer */
#define HTTP_MIN_CONNECTIONS 1024u
#define HTTP_MAX_CONNECTIONS 16384u
#define HTTP_LISTEN_BACKLOG 4096
/* Bytes of an oversized chunked body we read and drop so that the client
 * still gets its 413; past this the connection is simply closed. */
#define HTTP_DISCARD_MAX ((size_t)1024 * 1024)

struct http_server {
	socle_core *core;
	struct MHD_Daemon *daemon;
	int listen_fd;
	int port;                         /* bound port */
	unsigned threads;
	struct http_routes routes;
	struct http_statics statics;
	struct access_log *log;
	struct MHD_Response *oom_response; /* last resort when no reply can be built */
};

/* Seconds of silence after which a connection is closed (see
 * http_set_connection_timeout); read when a server starts. */
static _Atomic unsigned conn_timeout_s = HTTP_CONN_TIMEOUT_S;

void http_set_connection_timeout(unsigned seconds)
{
	conn_timeout_s = seconds ? seconds : HTTP_CONN_TIMEOUT_S;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------------------ */
/* statuses and error bodies                                                 */

unsigned http_status_of(int errc)
{
	switch (errc) {
	case SOCLE_OK: return 200;
	case SOCLE_E_INVAL: return 400;
	case SOCLE_E_AUTH: return 401;
	case SOCLE_E_FORBIDDEN: return 403;
	case SOCLE_E_NOTFOUND: return 404;
	case SOCLE_E_EXISTS:
	case SOCLE_E_CONFLICT: return 409;
	case SOCLE_E_TOOBIG: return 413;
	case SOCLE_E_THROTTLED: return 429;
	default: return 500; /* NOMEM, STORE, SCRIPT, BUDGET, IO, INTERNAL, CONTRACT... */
	}
}

static const char *default_message(int errc)
{
	switch (errc) {
	case SOCLE_E_INVAL: return "Requête invalide.";
	case SOCLE_E_AUTH: return "Authentification requise.";
	case SOCLE_E_FORBIDDEN: return "Accès refusé.";
	case SOCLE_E_NOTFOUND: return "Ressource introuvable.";
	case SOCLE_E_EXISTS: return "Cette ressource existe déjà.";
	case SOCLE_E_CONFLICT: return "L'état actuel ne permet pas cette opération.";
	case SOCLE_E_TOOBIG: return "Requête trop volumineuse.";
	case SOCLE_E_THROTTLED: return "Trop de requêtes : réessayez plus tard.";
	case SOCLE_E_SCRIPT:
	case SOCLE_E_BUDGET:
	case SOCLE_E_CONTRACT:
		return "Une règle de calcul du service a échoué : l'équipe du service en est "
		       "informée ; réessayez plus tard ou contactez le service.";
	default: return "Erreur interne du serveur.";
	}
}

/* A service's rule failed (its script raised, ran out of budget, or answered
 * outside its contract): still a 500, but not the server's own bug. */
static bool rule_failure(int errc)
{
	return errc == SOCLE_E_SCRIPT || errc == SOCLE_E_BUDGET || errc == SOCLE_E_CONTRACT;
}

/* Slug of an error code; the numbers outside socle_errc are HTTP-only. */
static const char *slug_of(int errc)
{
	if (rule_failure(errc))
		return "rule_failed";
	if (http_status_of(errc) == 500)
		return "internal_error";
	return socle_strerror(errc);
}

/* ------------------------------------------------------------------------ */
/* replies                                                                   */

/* Attach the headers every reply carries, then keep @p resp as the reply. */
static int set_response(socle_req *req, unsigned status, struct MHD_Response *resp,
                        const char *content_type, const char *cache_control, size_t bytes)
{
	if (!resp)
		return SOCLE_E_NOMEM;
	if (status < 100 || status > 599) {
		/* MHD would drop the connection: answer 500 and say whose bug it is */
		socle_log(SOCLE_LOG_ERROR, "http: %s %s (%s) : statut %u invalide (bogue)",
		          req->method_name, req->path, req->request_id, status);
		MHD_destroy_response(resp);
		return http_reply_errc(req, SOCLE_E_INTERNAL);
	}
	if (content_type && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                                             content_type) != MHD_YES)
		goto nomem;
	if (MHD_add_response_header(resp, "X-Request-Id", req->request_id) != MHD_YES ||
	    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    /* the web spaces show health documents: never inside another site's frame */
	    MHD_add_response_header(resp, "X-Frame-Options", "DENY") != MHD_YES ||
	    /* invitation and activation links carry tokens: no Referer ever leaks them */
	    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") != MHD_YES ||
	    /* pages load only this server's files: no inline script or style (an
	     * injected one never runs), no other host, never framed */
	    MHD_add_response_header(resp, "Content-Security-Policy", HTTP_CSP) != MHD_YES ||
	    (cache_control &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control) != MHD_YES))
		goto nomem;
	for (size_t i = 0; i < req->n_out_headers; i++)
		if (MHD_add_response_header(resp, req->out_headers[i].name,
		                            req->out_headers[i].value) != MHD_YES) {
			socle_log(SOCLE_LOG_ERROR, "http: en-tête de réponse refusé : %s",
			          req->out_headers[i].name);
		}
	req->response = resp;
	req->status = status;
	req->bytes_out = bytes;
	return 0;

nomem:
	MHD_destroy_response(resp);
	return SOCLE_E_NOMEM;
}

static bool may_reply(socle_req *req)
{
	if (!req)
		return false;
	if (req->response || req->queued) {
		socle_log(SOCLE_LOG_ERROR, "http: deuxième réponse à la requête %s %s (%s) ignorée",
		          req->method_name, req->path, req->request_id);
		return false;
	}
	return true;
}

/* Serialize @p body compactly into a malloc'd buffer (MHD frees it with free()). */
static char *dump_json(const json_t *body, size_t *len)
{
	/* 15 significant digits: 66.7 is sent as 66.7, not as the binary
	 * neighbour 66.700000000000003 that 17 digits would show. One pass:
	 * the text jansson would give (json_text.h). */
	return json_text(body, 15, len);
}

int socle_reply_json(socle_req *req, unsigned status, json_t *body)
{
	if (!may_reply(req)) {
		json_decref(body);
		return SOCLE_E_INTERNAL;
	}
	if (!body)
		return SOCLE_E_NOMEM; /* callers pass json_pack() results unchecked */
	size_t len = 0;
	char *buf = dump_json(body, &len);
	json_decref(body);
	if (!buf)
		return SOCLE_E_NOMEM;
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(buf);
		return SOCLE_E_NOMEM;
	}
	return set_response(req, status, resp, "application/json; charset=utf-8", "no-store", len);
}

json_t *socle_page_cursor(const json_t *items, int limit, const char *id_key)
{
	size_t n = json_array_size(items);
	const json_t *id = n > 0 ? json_object_get(json_array_get(items, n - 1), id_key) : NULL;
	char cursor[32];

	/* Only a full page may have a next one; the cursor is always text. */
	if (limit <= 0 || n != (size_t)limit || !json_is_integer(id))
		return json_null();
	snprintf(cursor, sizeof(cursor), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	return json_string(cursor);
}

int socle_reply_page(socle_req *req, json_t *items, int limit, const char *id_key)
{
	if (items == NULL)
		return socle_reply_json(req, 200, NULL);
	json_t *cursor = socle_page_cursor(items, limit, id_key);

	return socle_reply_json(req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
	                                            cursor));
}

/* {"error": {"code", "message", "fields"?, "request_id"}} */
static json_t *error_body(socle_req *req, const char *code, const char *message, json_t *fields)
{
	json_t *e = json_object();
	json_t *o = json_object();

	if (!e || !o) {
		json_decref(e);
		json_decref(o);
		json_decref(fields);
		return NULL;
	}
	json_object_set_new(e, "code", json_string(code ? code : "error"));
	/* a message that is not valid UTF-8 would make json_string fail: keep the slot */
	json_t *m = json_string(message ? message : "");
	json_object_set_new(e, "message", m ? m : json_string("Erreur."));
	if (fields)
		json_object_set_new(e, "fields", fields);
	json_object_set_new(e, "request_id", json_string(req->request_id));
	json_object_set_new(o, "error", e);
	return o;
}

/* Every code a route answers with is in the catalogue (docs/errors.md). */
static void check_catalogued(socle_req *req, unsigned status, const char *code)
{
	if (req->core == NULL || catalog_error_known(req->core, code, status))
		return;
	socle_log(SOCLE_LOG_ERROR, "http: %s %s : code d'erreur « %s » (%u) absent du catalogue "
	          "(socle_plugin_declare_errors, docs/errors.md)", req->method_name, req->path,
	          code ? code : "(null)", status);
	if (CATALOG_STRICT)
		abort();
}

/* A printable document asked as a page ("....html" under the API, read with
 * GET) that cannot be given: a person opened it from a web space, so the
 * answer is a short French page, not a JSON text shown raw by the browser. */
static bool wants_html_page(const socle_req *req)
{
	size_t n = strlen(req->path);

	return (req->method == SOCLE_GET || strcmp(req->method_name, "HEAD") == 0) && n > 5 &&
	       strcmp(req->path + n - 5, ".html") == 0 &&
	       strncmp(req->path, HTTP_API_PREFIX, strlen(HTTP_API_PREFIX)) == 0;
}

static void html_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static int reply_html_error(socle_req *req, unsigned status, const char *message)
{
	char *page = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&page, &len);

	if (f == NULL)
		return SOCLE_E_NOMEM;
	fputs("<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>Document indisponible</title>\n</head>\n<body>\n<main>\n"
	      "<h1>Document indisponible</h1>\n<p>", f);
	html_escaped(f, message);
	fputs("</p>\n", f);
	if (req->service != NULL) {
		fputs("<p><a href=\"/", f);
		html_escaped(f, socle_service_id(req->service));
		fputs("/portal/\">Retour à votre espace</a></p>\n", f);
	}
	fprintf(f, "<p>Référence de la demande : %s</p>\n</main>\n</body>\n</html>\n",
	        req->request_id);
	if (fclose(f) != 0) {
		free(page);
		return SOCLE_E_NOMEM;
	}
	int rc = socle_reply_bytes(req, status, "text/html; charset=utf-8", page, len);

	free(page);
	return rc;
}

int socle_reply_error(socle_req *req, unsigned status, const char *code, const char *message)
{
	if (!may_reply(req))
		return SOCLE_E_INTERNAL;
	check_catalogued(req, status, code);
	if (status >= 400 && status != 405 && wants_html_page(req))
		return reply_html_error(req, status, message);
	json_t *body = error_body(req, code, message, NULL);
	if (!body)
		return SOCLE_E_NOMEM;
	return socle_reply_json(req, status, body);
}

int socle_reply_invalid(socle_req *req, json_t *fields)
{
	if (!may_reply(req)) {
		json_decref(fields);
		return SOCLE_E_INTERNAL;
	}
	if (!fields)
		fields = json_array();
	check_catalogued(req, 422, "validation_failed");
	json_t *body = error_body(req, "validation_failed",
	                          "Certains champs sont invalides : corrigez-les et réessayez.",
	                          fields);
	if (!body)
		return SOCLE_E_NOMEM;
	return socle_reply_json(req, 422, body);
}

int socle_reply_bytes(socle_req *req, unsigned status, const char *content_type,
                      const char *body, size_t len)
{
	if (!may_reply(req))
		return SOCLE_E_INTERNAL;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
	return set_response(req, status, resp,
	                    content_type ? content_type : "application/octet-stream", "no-store",
	                    len);
}

int http_reply_errc_msg(socle_req *req, int errc, const char *message)
{
	return socle_reply_error(req, http_status_of(errc), slug_of(errc),
	                         message ? message : default_message(errc));
}

int http_reply_errc(socle_req *req, int errc)
{
	return http_reply_errc_msg(req, errc, NULL);
}

int socle_reply_err(socle_req *req, const socle_err *err)
{
	int code = err && err->code < 0 ? err->code : SOCLE_E_INTERNAL;

	if (code == SOCLE_E_CLOSE)
		return SOCLE_E_CLOSE;
	if (http_status_of(code) == 500) {
		/* the detail of our own failures (SQL, Lua, paths) stays in the log */
		socle_log(SOCLE_LOG_ERROR, "http: %s %s (%s) : %s : %s", req->method_name, req->path,
		          req->request_id, socle_strerror(code), err && err->msg[0] ? err->msg : "-");
		return http_reply_errc(req, code);
	}
	return http_reply_errc_msg(req, code, err && err->msg[0] ? err->msg : NULL);
}

int http_reply_fd(socle_req *req, unsigned status, const char *content_type, int fd,
                  uint64_t size)
{
	if (!may_reply(req)) {
		close(fd);
		return SOCLE_E_INTERNAL;
	}
	struct MHD_Response *resp = MHD_create_response_from_fd64(size, fd);
	if (!resp) {
		close(fd);
		return SOCLE_E_NOMEM;
	}
	return set_response(req, status, resp, content_type, "no-cache", (size_t)size);
}

int http_reply_empty(socle_req *req, unsigned status, const char *location)
{
	if (!may_reply(req))
		return SOCLE_E_INTERNAL;
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"",
	                                                            MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return SOCLE_E_NOMEM;
	if (location &&
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location) != MHD_YES) {
		MHD_destroy_response(resp);
		return SOCLE_E_NOMEM;
	}
	return set_response(req, status, resp, NULL, "no-cache", 0);
}

static bool header_token_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == ':' || *s == 127)
			return false;
	return true;
}

int socle_req_add_header(socle_req *req, const char *name, const char *value)
{
	if (!req || !header_token_ok(name) || !value || strpbrk(value, "\r\n"))
		return SOCLE_E_INVAL; /* a CR or LF would let a value inject headers */
	if (req->response || req->queued)
		return SOCLE_E_PHASE;
	if (req->n_out_headers == req->cap_out_headers) {
		size_t cap = req->cap_out_headers ? req->cap_out_headers * 2 : 4;
		struct http_header *v = realloc(req->out_headers, cap * sizeof(*v));
		if (!v)
			return SOCLE_E_NOMEM;
		req->out_headers = v;
		req->cap_out_headers = cap;
	}
	char *n = strdup(name), *v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return SOCLE_E_NOMEM;
	}
	req->out_headers[req->n_out_headers].name = n;
	req->out_headers[req->n_out_headers].value = v;
	req->n_out_headers++;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* request accessors                                                         */

socle_service *socle_req_service(socle_req *req) { return req ? req->service : NULL; }
socle_core *socle_req_core(socle_req *req) { return req ? req->core : NULL; }
int socle_req_method(socle_req *req) { return req ? req->method : 0; }
const char *socle_req_path(socle_req *req) { return req ? req->path : NULL; }
const char *socle_req_id(socle_req *req) { return req ? req->request_id : NULL; }
const json_t *socle_req_body(socle_req *req) { return req ? req->body : NULL; }
const char *socle_req_client_ip(socle_req *req) { return req ? req->client_ip : NULL; }

const socle_principal *socle_req_principal(socle_req *req)
{
	return req ? req->principal : NULL;
}

const char *socle_req_param(socle_req *req, const char *name)
{
	if (!req || !name)
		return NULL;
	for (size_t i = 0; i < req->n_params; i++)
		if (strcmp(req->params[i].name, name) == 0)
			return req->params[i].value;
	return NULL;
}

const char *socle_req_query(socle_req *req, const char *name)
{
	if (!req || !req->conn || !name)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *socle_req_header(socle_req *req, const char *name)
{
	if (!req || !req->conn || !name)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *socle_req_raw_body(socle_req *req, size_t *len)
{
	if (len)
		*len = req ? req->raw_len : 0;
	return req ? req->raw : NULL;
}

socle_db *socle_req_reader(socle_req *req, socle_err *err)
{
	if (!req || !req->service) {
		socle_err_set(err, SOCLE_E_NOTFOUND, "requête hors d'un service");
		return NULL;
	}
	return socle_service_reader(req->service, err);
}

/* Strict decimal: digits only, no sign, no spaces, within int64. */
static bool parse_i64(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		int d = *s - '0';
		if (v > (INT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int socle_req_param_id(socle_req *req, const char *name, int64_t *out)
{
	int64_t v;

	if (!parse_i64(socle_req_param(req, name), &v) || v <= 0)
		return SOCLE_E_NOTFOUND;
	*out = v;
	return 0;
}

int socle_req_page(socle_req *req, int *out_limit, int64_t *out_after_id, socle_err *err)
{
	const char *limit = socle_req_query(req, "limit");
	const char *cursor = socle_req_query(req, "cursor");
	int64_t v;

	*out_limit = 50;
	*out_after_id = 0;
	if (limit) {
		if (!parse_i64(limit, &v) || v < 1 || v > 500)
			return socle_err_set(err, SOCLE_E_INVAL,
			                     "Paramètre « limit » invalide : entier de 1 à 500 attendu.");
		*out_limit = (int)v;
	}
	if (cursor && *cursor) {
		if (!parse_i64(cursor, &v))
			return socle_err_set(err, SOCLE_E_INVAL, "Paramètre « cursor » invalide.");
		*out_after_id = v;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* routes registration                                                       */

int socle_plugin_add_routes(socle_plugin *p, const struct socle_route *routes, size_t count,
                            socle_err *err)
{
	if (!p || (!routes && count))
		return socle_err_set(err, SOCLE_E_INVAL, "socle_plugin_add_routes : argument nul");
	if (p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE,
		                     "%s : les routes se déclarent dans init() seulement",
		                     socle_plugin_name(p));
	/* check every pattern first, so that a bad table registers nothing */
	for (size_t i = 0; i < count; i++) {
		struct reg_route rec = {.owner = p, .route = &routes[i]};
		struct registry one = {0};
		struct http_routes rt;

		one.routes.v = &rec;
		one.routes.n = one.routes.cap = 1;
		int rc = http_routes_compile(&rt, &one, err);
		if (rc < 0)
			return rc;
		http_routes_free(&rt);
	}
	for (size_t i = 0; i < count; i++) {
		struct reg_route rec = {.owner = p, .route = &routes[i]};

		if (registry_add_route(&p->core->reg, &rec) < 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "%s : mémoire insuffisante",
			                     socle_plugin_name(p));
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* the request pipeline                                                      */

static void req_free(socle_req *req)
{
	if (!req)
		return;
	if (req->response)
		MHD_destroy_response(req->response);
	for (size_t i = 0; i < req->n_out_headers; i++) {
		free(req->out_headers[i].name);
		free(req->out_headers[i].value);
	}
	free(req->out_headers);
	json_decref(req->body);
	free(req->raw);
	free(req->segbuf);
	free(req->path);
	free(req->method_name);
	free(req);
}

static int method_of(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return SOCLE_GET;
	if (strcmp(m, "POST") == 0)
		return SOCLE_POST;
	if (strcmp(m, "PUT") == 0)
		return SOCLE_PUT;
	if (strcmp(m, "PATCH") == 0)
		return SOCLE_PATCH;
	if (strcmp(m, "DELETE") == 0)
		return SOCLE_DELETE;
	return 0;
}

static void client_ip_of(struct MHD_Connection *conn, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	buf[0] = 0;
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
		          (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
		          (socklen_t)size);
}

/* Behind the TLS reverse proxy every connection comes from the proxy: when the
 * peer is one of the config's "trusted_proxies", the client is the rightmost
 * address of X-Forwarded-For (the one the proxy itself appended). Per-address
 * login throttling and the audit log then see the real client. A header from
 * any other peer is ignored, since a client could forge it. */
static void forwarded_client(const socle_core *core, struct MHD_Connection *conn, char *buf,
                             size_t size)
{
	bool trusted = false;
	size_t i;
	json_t *v;

	json_array_foreach(core->trusted_proxies, i, v)
		if (strcmp(json_string_value(v), buf) == 0)
			trusted = true;
	if (!trusted)
		return;
	const char *xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
	if (xff == NULL)
		return;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	char cand[INET6_ADDRSTRLEN];
	size_t n = strcspn(last, " \t");
	unsigned char addr[sizeof(struct in6_addr)];

	if (n == 0 || n >= sizeof(cand))
		return;
	memcpy(cand, last, n);
	cand[n] = '\0';
	if (inet_pton(AF_INET, cand, addr) == 1 || inet_pton(AF_INET6, cand, addr) == 1)
		snprintf(buf, size, "%s", cand);
}

static socle_req *req_new(struct http_server *srv, struct MHD_Connection *conn, const char *url,
                          const char *method)
{
	socle_req *req = calloc(1, sizeof(*req));
	unsigned char id[HTTP_REQUEST_ID_LEN / 2];

	if (!req)
		return NULL;
	req->start_ns = now_ns();
	req->core = srv->core;
	req->conn = conn;
	req->path = strdup(url ? url : "/");
	req->method_name = strdup(method ? method : "");
	if (!req->path || !req->method_name) {
		req_free(req);
		return NULL;
	}
	req->method = method_of(req->method_name);
	randombytes_buf(id, sizeof(id));
	sodium_bin2hex(req->request_id, sizeof(req->request_id), id, sizeof(id));
	client_ip_of(conn, req->client_ip, sizeof(req->client_ip));
	if (req->client_ip[0])
		forwarded_client(srv->core, conn, req->client_ip, sizeof(req->client_ip));
	return req;
}

/* A body follows the headers (Content-Length > 0 or chunked). */
static bool body_announced(socle_req *req, uint64_t *content_length, bool *has_length)
{
	const char *cl = socle_req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = socle_req_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);

	*has_length = false;
	*content_length = 0;
	if (cl) {
		int64_t v;
		if (parse_i64(cl, &v)) {
			*content_length = (uint64_t)v;
			*has_length = true;
		} else {
			*content_length = UINT64_MAX; /* MHD refuses malformed lengths first */
			*has_length = true;
		}
	}
	return (*has_length && *content_length > 0) || te != NULL;
}

/* Does the request's Content-Type name @p type, with no charset other than utf-8? */
static bool media_type_is(const char *ct, const char *type)
{
	size_t tl = strlen(type);

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, tl) != 0)
		return false;
	const char *p = ct + tl;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return true;
	if (*p != ';')
		return false;
	/* parameters: only charset matters, and it must be UTF-8 */
	while (*p == ';') {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len >= 8 && strncasecmp(p, "charset=", 8) == 0) {
			const char *v = p + 8;
			size_t vl = len - 8;
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			if (!((vl == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
			      (vl == 4 && strncasecmp(v, "utf8", 4) == 0)))
				return false;
		}
		p += len;
	}
	return true;
}

/* Is @p s well-formed UTF-8 (no overlongs, no surrogates)? */
static bool utf8_ok(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s;
		size_t n;
		unsigned min;

		if (c < 0x80) {
			s++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			n = 1, min = 0x80, c &= 0x1F;
		else if ((c & 0xF0) == 0xE0)
			n = 2, min = 0x800, c &= 0x0F;
		else if ((c & 0xF8) == 0xF0)
			n = 3, min = 0x10000, c &= 0x07;
		else
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return false;
			c = (c << 6) | (s[i] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return false;
		s += n + 1;
	}
	return true;
}

/* "." and ".." are never resource names: refusing them here keeps a handler
 * that builds anything path-like from a parameter out of trouble. */
static bool has_dot_segment(const char *p)
{
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return true;
		if (!slash)
			break;
		p = slash + 1;
	}
	return false;
}

#define HTTP_QUERY_VALUE_MAX 2048 /* bytes of one decoded query parameter */

struct query_check {
	json_t *fields; /* [{field, message}] */
};

static bool text_clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static void query_error(struct query_check *q, const char *key, const char *message)
{
	if (q->fields == NULL)
		q->fields = json_array();
	/* A key that is not text is not echoed: it is named "(paramètre illisible)". */
	json_t *name = utf8_ok((const unsigned char *)key) && text_clean(key)
		? json_string(key) : json_string("(paramètre illisible)");

	json_array_append_new(q->fields, json_pack("{s:o, s:s}", "field", name, "message", message));
}

static enum MHD_Result query_check_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
	struct query_check *q = cls;
	(void)kind;

	if (!utf8_ok((const unsigned char *)key) || !text_clean(key))
		query_error(q, key, "Nom de paramètre invalide : des caractères UTF-8 lisibles sont "
		                    "attendus.");
	else if (value && !utf8_ok((const unsigned char *)value))
		query_error(q, key, "Valeur invalide : des caractères UTF-8 sont attendus (encodage "
		                    "de l'adresse incorrect).");
	else if (value && !text_clean(value))
		query_error(q, key, "Valeur invalide : pas de caractère de contrôle (retour à la "
		                    "ligne, tabulation...).");
	else if (value && strlen(value) > HTTP_QUERY_VALUE_MAX)
		query_error(q, key, "Valeur trop longue : 2 048 caractères au plus.");
	return MHD_YES;
}

/* Every query parameter is text before any handler sees it (a handler
 * binds them to SQL and echoes them in JSON): false once a 400 is queued. */
static bool query_ok(socle_req *req)
{
	struct query_check q = {NULL};

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_check_one, &q);
	if (q.fields == NULL)
		return true;
	json_t *body = error_body(req, "invalid",
	                          "Paramètres d'adresse invalides : corrigez-les et réessayez.",
	                          q.fields);

	if (body != NULL)
		socle_reply_json(req, 400, body);
	return false;
}

/* Route an API request: service, query parameters, route, body announcements. */
static void begin_api(struct http_server *srv, socle_req *req)
{
	const char *p = req->path + strlen(HTTP_API_PREFIX);
	const char *slash = strchr(p, '/');
	char id[64];

	/* parameters reach handlers and JSON replies: they must be text */
	if (!utf8_ok((const unsigned char *)req->path) || has_dot_segment(p)) {
		http_reply_errc_msg(req, SOCLE_E_NOTFOUND, "Ressource introuvable.");
		return;
	}
	if (!slash || slash == p || (size_t)(slash - p) >= sizeof(id)) {
		http_reply_errc_msg(req, SOCLE_E_NOTFOUND, "Ressource introuvable.");
		return;
	}
	memcpy(id, p, (size_t)(slash - p));
	id[slash - p] = 0;
	req->service = socle_core_service(srv->core, id);
	if (!req->service) {
		http_reply_errc_msg(req, SOCLE_E_NOTFOUND, "Service inconnu.");
		return;
	}
	req->route_path = slash;
	if (!query_ok(req))
		return;

	int allow = 0;
	switch (http_routes_match(&srv->routes, req, &allow)) {
	case HTTP_MATCH_NONE:
		http_reply_errc_msg(req, SOCLE_E_NOTFOUND, "Ressource introuvable.");
		return;
	case HTTP_MATCH_METHOD: {
		char text[64];

		http_methods_text(allow, text, sizeof(text));
		socle_req_add_header(req, MHD_HTTP_HEADER_ALLOW, text);
		socle_reply_error(req, 405, "method_not_allowed",
		                  "Méthode non autorisée pour cette ressource.");
		return;
	}
	case HTTP_MATCH_FOUND:
		break;
	}

	const struct socle_route *route = req->route->route;
	req->max_body = route->max_body ? route->max_body : HTTP_DEFAULT_MAX_BODY;
	uint64_t cl;
	bool has_length;
	if (!body_announced(req, &cl, &has_length))
		return;
	if (req->method == SOCLE_GET || req->method == SOCLE_DELETE) {
		http_reply_errc_msg(req, SOCLE_E_INVAL,
		                    "Cette méthode n'accepte pas de corps de requête.");
		return;
	}
	const char *ct = socle_req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct && media_type_is(ct, "application/json")) {
		req->body_csv = false;
	} else if (ct && (route->method & SOCLE_ROUTE_CSV) && media_type_is(ct, "text/csv")) {
		req->body_csv = true;
	} else {
		socle_reply_error(req, 415, "unsupported_media_type",
		                  (route->method & SOCLE_ROUTE_CSV)
		                          ? "Le corps doit être au format application/json ou text/csv "
		                            "(UTF-8)."
		                          : "Le corps doit être au format application/json (UTF-8).");
		return;
	}
	if (has_length && cl > req->max_body) {
		char msg[128];

		snprintf(msg, sizeof(msg), "Corps de requête trop volumineux (%zu octets au plus).",
		         req->max_body);
		http_reply_errc_msg(req, SOCLE_E_TOOBIG, msg);
		return;
	}
	/* A route that takes large bodies (a DUERP file, a workforce CSV) checks
	 * who sends it before reading megabytes: without a session, or without
	 * the capability, the answer goes at once and the body is never read.
	 * Step 3 checks again (the same cached session) before the handler. */
	if (route->capability != SOCLE_CAP_PUBLIC && req->max_body > HTTP_DEFAULT_MAX_BODY) {
		socle_err err = SOCLE_ERR_INIT;
		int rc = auth_authenticate(req, &err);

		if (rc == 0)
			rc = auth_authorize(req, route->capability, &err);
		if (rc < 0 && !req->response)
			socle_reply_err(req, &err);
	}
}

/* First call: everything that can be decided from the request line and headers. */
static void begin(struct http_server *srv, socle_req *req)
{
	bool head = strcmp(req->method_name, "HEAD") == 0;

	if (strcmp(req->path, "/healthz") == 0) {
		if (req->method == SOCLE_GET || head) {
			socle_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
		} else {
			socle_req_add_header(req, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
			socle_reply_error(req, 405, "method_not_allowed", "Méthode non autorisée.");
		}
		return;
	}
	/* The deployment's services, for its home page (which lists them, or
	 * opens the only one): ids and names only, public. */
	if (strcmp(req->path, "/services.json") == 0 && (req->method == SOCLE_GET || head)) {
		json_t *list = json_array();

		for (size_t i = 0; req->core && i < req->core->n_services; i++)
			json_array_append_new(list,
			                      json_pack("{s:s, s:s}", "id",
			                                socle_service_id(req->core->services[i]), "name",
			                                socle_service_name(req->core->services[i])));
		socle_reply_json(req, 200, json_pack("{s:o}", "services", list));
		return;
	}
	if (strncmp(req->path, HTTP_API_PREFIX, strlen(HTTP_API_PREFIX)) == 0) {
		begin_api(srv, req);
		return;
	}
	if (http_static_serve(&srv->statics, req))
		return;
	http_reply_errc_msg(req, SOCLE_E_NOTFOUND, "Page introuvable.");
}

/* Body bytes: keep them up to the limit, then count and drop. Returns false
 * when the connection should be closed (an endless oversized body). */
static bool take_body(socle_req *req, const char *data, size_t size)
{
	if (req->body_state == HTTP_BODY_TOOBIG || req->raw_len + size > req->max_body) {
		req->body_state = HTTP_BODY_TOOBIG;
		req->discarded += size;
		return req->discarded <= HTTP_DISCARD_MAX;
	}
	req->body_state = HTTP_BODY_READING;
	if (req->raw_len + size + 1 > req->raw_cap) {
		size_t cap = req->raw_cap ? req->raw_cap : 1024;
		while (cap < req->raw_len + size + 1)
			cap *= 2;
		if (cap > req->max_body + 1)
			cap = req->max_body + 1;
		char *p = realloc(req->raw, cap);
		if (!p) {
			/* treat like an oversized body: the client gets an answer, we keep going */
			req->body_state = HTTP_BODY_TOOBIG;
			req->discarded += size;
			return true;
		}
		req->raw = p;
		req->raw_cap = cap;
	}
	memcpy(req->raw + req->raw_len, data, size);
	req->raw_len += size;
	req->raw[req->raw_len] = 0;
	return true;
}

/* Final call: body parsed, caller authenticated and authorized, handler run.
 * Returns false when the connection must be dropped without a reply. */
static bool finish(socle_req *req)
{
	socle_err err = SOCLE_ERR_INIT;
	const struct socle_route *route = req->route->route;

	if (req->body_state == HTTP_BODY_TOOBIG) {
		char msg[128];

		snprintf(msg, sizeof(msg), "Corps de requête trop volumineux (%zu octets au plus).",
		         req->max_body);
		http_reply_errc_msg(req, SOCLE_E_TOOBIG, msg);
		return true;
	}
	if (req->raw_len > 0 && !req->body_csv) {
		if (http_json_parse(req->raw, req->raw_len, &req->body, &err) < 0) {
			socle_reply_error(req, 400, "invalid_json", err.msg);
			return true;
		}
		if (!json_is_object(req->body)) {
			json_decref(req->body);
			req->body = NULL;
			socle_reply_error(req, 400, "invalid_json",
			                  "Corps JSON invalide : un objet est attendu.");
			return true;
		}
	}

	int rc = auth_authenticate(req, &err);
	if (rc == 0) {
		err = (socle_err)SOCLE_ERR_INIT;
		rc = auth_authorize(req, route->capability, &err);
	}
	if (rc < 0) {
		if (!req->response)
			socle_reply_err(req, &err);
		return rc != SOCLE_E_CLOSE;
	}

	rc = route->handler(req, route->ud);
	if (rc == SOCLE_E_CLOSE)
		return false;
	if (rc < 0 && !req->response) {
		if (http_status_of(rc) == 500)
			socle_log(SOCLE_LOG_ERROR, "http: %s %s (%s) : le gestionnaire a échoué : %s",
			          req->method_name, req->path, req->request_id, socle_strerror(rc));
		http_reply_errc(req, rc);
	} else if (rc == 0 && !req->response) {
		socle_log(SOCLE_LOG_ERROR,
		          "http: %s %s (%s) : le gestionnaire n'a envoyé aucune réponse (bogue)",
		          req->method_name, req->path, req->request_id);
		http_reply_errc(req, SOCLE_E_INTERNAL);
	}
	return true;
}

/* Every refusal leaves its audit row (issue 11 item 5). The handlers and the
 * authorization audit theirs with what they know (the object, the reason);
 * a 401 or 403 that none audited gets one here, with the route and the
 * status, so that a handler's forgotten audit is no gap in the log. */
static void audit_unaudited_refusal(socle_req *req)
{
	if ((req->status != 401 && req->status != 403) || req->refusal_audited ||
	    req->service == NULL)
		return;
	const char *route = req->route && req->route->route ? req->route->route->path : req->path;
	json_t *detail = json_pack("{s:s?, s:s?, s:i}", "method", req->method_name, "route", route,
	                           "status", (int)req->status);
	struct socle_audit_entry e = {.action = "access.denied", .outcome = "denied",
	                              .detail = detail};
	socle_err err = SOCLE_ERR_INIT;

	if (socle_audit_now(req, &e, &err) < 0)
		socle_log(SOCLE_LOG_WARN, "http: %s %s (%s) : refus non journalisé : %s",
		          req->method_name, req->path, req->request_id, err.msg);
	json_decref(detail);
}

static enum MHD_Result queue(struct http_server *srv, socle_req *req)
{
	struct MHD_Response *resp = req->response;
	unsigned status = req->status;

	audit_unaudited_refusal(req);

	if (!resp) {
		/* no reply could be built (memory): the static last-resort answer */
		resp = srv->oom_response;
		status = 500;
		req->status = 500;
		req->bytes_out = 0;
		if (!resp)
			return MHD_NO;
		req->queued = true;
		return MHD_queue_response(req->conn, status, resp);
	}
	req->response = NULL;
	req->queued = true;
	enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* What a connection's request line told us before the handler runs. One per
 * TCP connection (MHD's socket context), reset by each request's first call. */
struct conn_flags {
	bool nul_in_url; /* a %00 in the path or the query */
};

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct conn_flags));
	} else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

/* The usual %HH decoding, noting a decoded NUL: the handler receives the URL
 * as a C string, so "/tracking/dmst/1%00x" would silently become
 * "/tracking/dmst/1". Such a request is refused with 400 instead. */
static size_t unescape_url(void *cls, struct MHD_Connection *conn, char *s)
{
	size_t len = MHD_http_unescape(s);
	(void)cls;

	if (strlen(s) != len) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		struct conn_flags *flags = ci ? ci->socket_context : NULL;

		if (flags)
			flags->nul_in_url = true;
	}
	return len;
}

/* Framing or URL the request line and headers make ambiguous (RFC 9112 §6.3:
 * Content-Length fields that disagree; a NUL byte in the URL): the reason for
 * a 400, or NULL. */
struct cl_count {
	const char *first;
	bool differ;
};

static enum MHD_Result count_lengths(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
	struct cl_count *c = cls;
	(void)kind;

	if (key && strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (c->first == NULL)
			c->first = value ? value : "";
		else if (strcmp(c->first, value ? value : "") != 0)
			c->differ = true;
	}
	return MHD_YES;
}

static const char *ambiguous_request(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_flags *flags = ci ? ci->socket_context : NULL;
	struct cl_count c = {NULL, false};

	if (flags && flags->nul_in_url) {
		flags->nul_in_url = false;
		return "L'adresse contient un octet nul (%00).";
	}
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_lengths, &c);
	if (c.differ)
		return "En-têtes Content-Length contradictoires.";
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	socle_req *req = *con_cls;
	(void)version;

	if (!req) {
		uint64_t cl;
		bool has_length;

		req = req_new(srv, conn, url, method);
		if (!req)
			return MHD_NO;
		*con_cls = req;
		req->started = true;
		const char *ambiguous = ambiguous_request(conn);

		if (ambiguous != NULL) {
			/* answered at once; MHD closes rather than guess where the body ends */
			socle_reply_error(req, 400, "invalid", ambiguous);
			return queue(srv, req);
		}
		begin(srv, req);
		/* an early answer goes out now when a body is still coming: MHD then
		 * closes the connection rather than reading a body we refused */
		if ((req->response || !req->route) && body_announced(req, &cl, &has_length))
			return queue(srv, req);
		return MHD_YES;
	}
	if (req->queued)
		return MHD_YES;
	if (*upload_size > 0) {
		bool keep = req->response ? true : take_body(req, upload_data, *upload_size);
		*upload_size = 0;
		return keep ? MHD_YES : MHD_NO;
	}
	if (!req->response && req->route && !finish(req))
		return MHD_NO;
	return queue(srv, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	socle_req *req = *con_cls;
	(void)conn;

	if (!req)
		return;
	*con_cls = NULL;
	/* read the caller before auth releases it */
	int64_t user_id = req->principal ? socle_principal_user_id(req->principal) : 0;
	auth_request_done(req);
	struct access_log_entry e = {
		.request_id = req->request_id,
		.method = req->method_name,
		.path = req->path,
		.status = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && req->queued ? req->status : 0,
		.duration_ms = (double)(now_ns() - req->start_ns) / 1e6,
		.service = req->service ? socle_service_id(req->service) : NULL,
		.user_id = user_id,
		.bytes = req->queued ? req->bytes_out : 0,
		.client_ip = req->client_ip[0] ? req->client_ip : NULL,
	};
	access_log_write(srv->log, &e);
	req_free(req);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	(void)cls;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	/* what clients do to their own connections (closing early, timing out,
	 * sending garbage) is routine on a public server: debug level only */
	static const char *const client_side[] = {
		"closed by remote", "timed out", "incomplete request", "Application reported",
		"Error processing request", "Failed to receive", "Failed to send", "reset by peer",
	};
	int level = SOCLE_LOG_WARN;
	for (size_t i = 0; i < SOCLE_COUNT(client_side); i++)
		if (strstr(buf, client_side[i]))
			level = SOCLE_LOG_DEBUG;
	socle_log(level, "http (libmicrohttpd) : %s", buf);
}

/* ------------------------------------------------------------------------ */
/* server lifecycle                                                          */

/* Each connection needs a descriptor: lift the soft limit to the hard one. */
static rlim_t raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t old = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			rl.rlim_cur = old;
	}
	return rl.rlim_cur;
}

static int bind_listen(struct http_server *srv, const char *address, int port, socle_err *err)
{
	struct addrinfo hints = {0}, *res = NULL;
	char port_text[16];
	int last_errno = 0;

	if (port < 0 || port > 65535)
		return socle_err_set(err, SOCLE_E_INVAL, "port %d invalide", port);
	snprintf(port_text, sizeof(port_text), "%d", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	int gai = getaddrinfo(address, port_text, &hints, &res);
	if (gai != 0)
		return socle_err_set(err, SOCLE_E_INVAL, "adresse d'écoute %s : %s",
		                     address ? address : "*", gai_strerror(gai));
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		                ai->ai_protocol);
		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
		    listen(fd, HTTP_LISTEN_BACKLOG) != 0) {
			last_errno = errno;
			close(fd);
			continue;
		}
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			srv->port = ss.ss_family == AF_INET6
			                    ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
			                    : ntohs(((struct sockaddr_in *)&ss)->sin_port);
		srv->listen_fd = fd;
		freeaddrinfo(res);
		return 0;
	}
	freeaddrinfo(res);
	return socle_err_set(err, SOCLE_E_IO, "écoute sur %s:%d impossible : %s",
	                     address ? address : "*", port, strerror(last_errno));
}

static void server_free(struct http_server *srv)
{
	if (!srv)
		return;
	if (srv->daemon) {
		/* stop accepting first; MHD then hands the listening socket back */
		MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
		if (fd != MHD_INVALID_SOCKET && fd == srv->listen_fd) {
			close(fd);
			srv->listen_fd = -1;
		}
		MHD_stop_daemon(srv->daemon);
		/* without quiesce MHD closes the socket it was given */
		srv->listen_fd = -1;
	}
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->oom_response)
		MHD_destroy_response(srv->oom_response);
	http_routes_free(&srv->routes);
	http_statics_close(&srv->statics);
	access_log_close(srv->log);
	free(srv);
}

int http_server_start(socle_core *core, socle_err *err)
{
	static const char oom_body[] =
		"{\"error\":{\"code\":\"internal_error\",\"message\":\"Erreur interne du serveur.\"}}";
	int rc;

	if (core->http)
		return socle_err_set(err, SOCLE_E_PHASE, "le serveur HTTP est déjà démarré");
	if (sodium_init() < 0)
		return socle_err_set(err, SOCLE_E_INTERNAL, "libsodium : initialisation impossible");
	struct http_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return socle_err_set(err, SOCLE_E_NOMEM, "serveur HTTP : mémoire insuffisante");
	srv->core = core;
	srv->listen_fd = -1;

	rlim_t nofile = raise_nofile();
	if ((rc = http_routes_compile(&srv->routes, &core->reg, err)) < 0 ||
	    (rc = http_statics_open(&srv->statics, core, err)) < 0 ||
	    (rc = access_log_open(&srv->log, core->access_log_path, err)) < 0 ||
	    (rc = bind_listen(srv, core->listen_address ? core->listen_address : "127.0.0.1",
	                      core->port, err)) < 0)
		goto fail;

	srv->oom_response = MHD_create_response_from_buffer(sizeof(oom_body) - 1, (void *)oom_body,
	                                                    MHD_RESPMEM_PERSISTENT);
	if (srv->oom_response)
		MHD_add_response_header(srv->oom_response, MHD_HTTP_HEADER_CONTENT_TYPE,
		                        "application/json; charset=utf-8");

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	srv->threads = cpus < 1 ? 1u : cpus > 64 ? 64u : (unsigned)cpus;
	/* keep descriptors for databases, logs and plugins beside the connections */
	unsigned limit = nofile > 256 ? (unsigned)(nofile > HTTP_MAX_CONNECTIONS + 256
	                                                   ? HTTP_MAX_CONNECTIONS
	                                                   : nofile - 256)
	                              : HTTP_MIN_CONNECTIONS;
	if (limit < HTTP_MIN_CONNECTIONS) {
		socle_log(SOCLE_LOG_WARN,
		          "http: limite de descripteurs basse (%llu) : %u connexions au plus",
		          (unsigned long long)nofile, limit);
	}

	srv->daemon = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		on_request, srv,
		/* first, so that MHD's own messages during start come here too */
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)srv->listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, srv->threads,
		MHD_OPTION_CONNECTION_LIMIT, limit,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)conn_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, srv,
		MHD_OPTION_END);
	if (!srv->daemon) {
		rc = socle_err_set(err, SOCLE_E_IO,
		                   "libmicrohttpd n'a pas pu démarrer sur le port %d", srv->port);
		goto fail;
	}
	core->http = srv;
	socle_log(SOCLE_LOG_INFO, "http: à l'écoute sur %s port %d (%u fils, %u connexions au plus)",
	          core->listen_address ? core->listen_address : "127.0.0.1", srv->port,
	          srv->threads, limit);
	return 0;

fail:
	server_free(srv);
	return rc;
}

void http_server_stop(socle_core *core)
{
	if (!core || !core->http)
		return;
	server_free(core->http);
	core->http = NULL;
}

int http_server_port(const socle_core *core)
{
	return core && core->http ? core->http->port : 0;
}
