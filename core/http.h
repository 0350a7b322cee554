/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The HTTP layer's internal interface: the request structure every core
 * module may read (auth reads the headers, sets the principal), the server
 * lifecycle called by core.c, the compiled route table (http_route.c), JSON
 * body parsing (http_json.c), static files (http_static.c) and the mapping of
 * socle_errc codes to HTTP statuses.  Private to libsocle. */
#ifndef SOCLE_CORE_HTTP_H
#define SOCLE_CORE_HTTP_H

#include <jansson.h>
#include <socle/socle.h>

#include "core.h"

struct MHD_Connection;
struct MHD_Response;

#define HTTP_DEFAULT_MAX_BODY ((size_t)64 * 1024) /* bytes, when a route gives 0 */
#define HTTP_JSON_MAX_DEPTH 32                     /* nesting of arrays and objects */
#define HTTP_MAX_SEGMENTS 32                       /* path segments after /api/v1/{service} */
#define HTTP_MAX_PARAMS 8                          /* {param} captures per route */
#define HTTP_REQUEST_ID_LEN 32                     /* 16 random bytes, hex */
/* The Content-Security-Policy of every answer (docs/http.md). */
#define HTTP_CSP                                                                           \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"    \
	" font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none';"         \
	" form-action 'self'; frame-ancestors 'none'"
#define HTTP_API_PREFIX "/api/v1/"

/* One path parameter of the matched route. */
struct http_param {
	const char *name;  /* borrowed from the compiled route */
	const char *value; /* borrowed from socle_req.segbuf */
};

/* One response header queued with socle_req_add_header. */
struct http_header {
	char *name;
	char *value;
};

/* Body reading state of a request. */
enum http_body_state {
	HTTP_BODY_NONE = 0, /* headers seen, no byte of body yet */
	HTTP_BODY_READING,  /* bytes arriving */
	HTTP_BODY_TOOBIG,   /* over the route's limit: the rest is discarded */
};

/* One HTTP request being served; created when its headers arrive, freed when
 * MHD reports the request complete.  Readable by every core module; written
 * by http*.c, except principal, cookie_auth and auth_data (auth*.c). */
struct socle_req {
	socle_core *core;
	socle_service *service;           /* NULL outside /api/v1/{service}/ */
	struct MHD_Connection *conn;
	int method;                       /* enum socle_method; 0 for any other method */
	char *method_name;                /* as received: "GET", "HEAD", "OPTIONS"... */
	char *path;                       /* URL path, percent-decoded by MHD, no query */
	const char *route_path;           /* inside path: after /api/v1/{service}; or NULL */
	char request_id[HTTP_REQUEST_ID_LEN + 1];
	char client_ip[48];               /* textual IPv4 or IPv6 address */
	const struct reg_route *route;    /* the matched route, NULL when none */
	char *segbuf;                     /* copy of route_path split in segments */
	struct http_param params[HTTP_MAX_PARAMS];
	size_t n_params;

	/* body */
	size_t max_body;                  /* bytes accepted for this request */
	char *raw;                        /* raw body bytes, NUL-terminated; NULL when none */
	size_t raw_len, raw_cap;
	size_t discarded;                 /* bytes dropped after the limit was crossed */
	enum http_body_state body_state;
	bool body_csv;                    /* the body is text/csv (not parsed) */
	json_t *body;                     /* parsed JSON body, or NULL */

	/* caller, set by auth */
	socle_principal *principal;       /* NULL when anonymous */
	bool cookie_auth;                 /* authenticated by the session cookie (CSRF applies) */
	void *auth_data;                  /* private to auth; released in auth_request_done */

	/* reply */
	struct http_header *out_headers;
	size_t n_out_headers, cap_out_headers;
	struct MHD_Response *response;    /* built by socle_reply_*, queued by the router */
	unsigned status;                  /* status of the reply; 0 while none */
	size_t bytes_out;                 /* body bytes of the reply */
	bool queued;                      /* handed to MHD */
	bool refusal_audited;             /* an audit row "denied" was written for it */
	bool started;                     /* first call of the access handler done */
	int64_t start_ns;                 /* monotonic clock at arrival */
};

/* ---- server lifecycle (core.c calls these in PHASE_START / PHASE_STOP) ---- */

/* Compile the route table, open static folders and the access log, bind
 * core->listen_address:core->port (0 = ephemeral) and start serving. */
int http_server_start(socle_core *core, socle_err *err);
/* Stop accepting, finish in-flight requests, release everything. Idempotent. */
void http_server_stop(socle_core *core);
/* The bound port, or 0 when the server is not running. */
int http_server_port(const socle_core *core);
/* Seconds of silence (no byte received or sent) after which a connection is
 * closed, for servers started afterwards; 0 restores the default (15 s).
 * Slow-header clients are dropped by this timeout. */
void http_set_connection_timeout(unsigned seconds);

/* ---- statuses and error bodies (http.c) ---- */

/* HTTP status matching a socle_errc (500 for codes that are our fault). */
unsigned http_status_of(int errc);
/* Reply with the status and default French message of @p errc. */
int http_reply_errc(socle_req *req, int errc);
/* Reply with the status of @p errc, its slug and @p message (French). */
int http_reply_errc_msg(socle_req *req, int errc, const char *message);
/* Reply with the file open on @p fd (ownership passes to the reply, even on error). */
int http_reply_fd(socle_req *req, unsigned status, const char *content_type, int fd,
                  uint64_t size);
/* Reply without a body: a redirect (301, 302, 303, 307, 308) to @p location,
 * or a 304 / 204 with @p location NULL. */
int http_reply_empty(socle_req *req, unsigned status, const char *location);

/* ---- route table (http_route.c) ---- */

struct http_pattern_seg {
	char *text;    /* literal text, or the parameter name */
	bool is_param;
};

struct http_compiled_route {
	const struct reg_route *rec;
	struct http_pattern_seg *segs;
	size_t n_segs;
	uint32_t specificity; /* bit (31 - i) set when segment i is literal */
};

struct http_routes {
	struct http_compiled_route *v;
	size_t n;
};

/* Compile the patterns of @p reg->routes. SOCLE_E_INVAL names a bad pattern. */
int http_routes_compile(struct http_routes *rt, const struct registry *reg, socle_err *err);
void http_routes_free(struct http_routes *rt);

enum http_match {
	HTTP_MATCH_FOUND = 0,    /* req->route and req->params set */
	HTTP_MATCH_NONE,         /* no route has this path on this service */
	HTTP_MATCH_METHOD,       /* the path exists with other methods: *allow is set */
};
/* Find the route of req->method and req->route_path on req->service, among
 * the core's routes and those of the plugins the service enables. */
enum http_match http_routes_match(const struct http_routes *rt, socle_req *req, int *allow);
/* "GET, POST" for a method mask; writes into @p buf. */
void http_methods_text(int mask, char *buf, size_t size);

/* ---- JSON bodies (http_json.c) ---- */

/* Parse a request body: valid UTF-8 JSON, no duplicate keys, nesting at most
 * HTTP_JSON_MAX_DEPTH. On failure returns SOCLE_E_INVAL with a French message. */
int http_json_parse(const char *buf, size_t len, json_t **out, socle_err *err);
/* Is @p s a real calendar date written YYYY-MM-DD? */
bool http_valid_date(const char *s);
/* Is @p s a plausible e-mail address (addr-spec without quotes or comments)? */
bool http_valid_email(const char *s);

/* ---- static files (http_static.c) ---- */

struct http_static_dir {
	char *prefix;   /* "/espace-adherent/", always ends with '/' */
	char *root;     /* resolved folder */
	int root_fd;    /* O_PATH|O_DIRECTORY descriptor of root */
};

struct http_statics {
	struct http_static_dir *v;
	size_t n;
};

/* Open every folder of core->static_dirs; SOCLE_E_INVAL/IO name the bad entry. */
int http_statics_open(struct http_statics *st, const socle_core *core, socle_err *err);
void http_statics_close(struct http_statics *st);
/* Serve req->path from the static folders. Returns 1 when a reply was built
 * (file, redirect or 404 inside a static prefix), 0 when no prefix matches. */
int http_static_serve(const struct http_statics *st, socle_req *req);

#endif
