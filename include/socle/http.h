/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * HTTP routes, requests, declarative JSON validation and replies.
 *
 * A plugin registers a table of routes in init(). Each route's path is relative
 * to /api/v1/{service} and may hold parameters ("/companies/{id}/workers").
 * Before the handler runs the router has: matched the service and checked the
 * plugin is enabled on it (404 otherwise), authenticated the caller (401),
 * checked the route's capability (403, audited), enforced the body limit (413)
 * and parsed a JSON body with size and depth limits (400).
 *
 * A handler returns 0 once it has queued a reply with one of the socle_reply_*
 * functions, or a negative code with no reply queued: the router then answers
 * with the matching status and error body (SOCLE_E_CLOSE drops the connection).
 * Error body: {"error": {"code", "message", "fields": [...], "request_id"}}.
 */
#ifndef SOCLE_HTTP_H
#define SOCLE_HTTP_H

#include <jansson.h>
#include <socle/defs.h>
#include <socle/err.h>

enum socle_method {
	SOCLE_GET = 1,
	SOCLE_POST = 2,
	SOCLE_PUT = 4,
	SOCLE_PATCH = 8,
	SOCLE_DELETE = 16,
};

/** OR into socle_route.method for a POST/PUT/PATCH route that also accepts a
 * text/csv body (bulk imports).  Body rule of the router: a request body must be
 * application/json (charset, if given, utf-8), parsed and checked before the
 * handler runs (top level must be an object); a route carrying this flag also
 * accepts text/csv, which is not parsed: socle_req_body() is then NULL and the
 * handler reads socle_req_raw_body().  Any other type answers 415.  GET and
 * DELETE requests carrying a body answer 400. */
#define SOCLE_ROUTE_CSV 0x100

/* Capability values with a meaning of their own. */
#define SOCLE_CAP_PUBLIC NULL              /* no authentication */
#define SOCLE_CAP_AUTHENTICATED "authenticated" /* any logged-in user of the service */

typedef int (*socle_handler_fn)(socle_req *req, void *ud);

struct socle_route {
	int method;             /* one enum socle_method value, maybe | SOCLE_ROUTE_CSV */
	const char *path;       /* relative to /api/v1/{service}; "{name}" captures a segment */
	const char *capability; /* see auth.h; SOCLE_CAP_PUBLIC for open routes */
	size_t max_body;        /* bytes; 0 means the default (64 KiB) */
	socle_handler_fn handler;
	void *ud;               /* borrowed; must outlive the plugin */
};

/** Register @p count routes (array borrowed, static data). init() only. */
SOCLE_API int socle_plugin_add_routes(socle_plugin *p, const struct socle_route *routes,
                                      size_t count, socle_err *err);

/* ---- request accessors; all returned pointers are borrowed until the reply is sent ---- */
SOCLE_API socle_service *socle_req_service(socle_req *req);
SOCLE_API socle_core *socle_req_core(socle_req *req);
SOCLE_API int socle_req_method(socle_req *req);
SOCLE_API const char *socle_req_path(socle_req *req);
SOCLE_API const char *socle_req_id(socle_req *req);
/** Value of path parameter @p name ("{id}"), or NULL. */
SOCLE_API const char *socle_req_param(socle_req *req, const char *name);
/** Value of query argument @p name, or NULL. */
SOCLE_API const char *socle_req_query(socle_req *req, const char *name);
SOCLE_API const char *socle_req_header(socle_req *req, const char *name);
/** Parsed JSON body, or NULL when the request had none. */
SOCLE_API const json_t *socle_req_body(socle_req *req);
/** Raw body bytes (for CSV uploads); *len receives the size. */
SOCLE_API const char *socle_req_raw_body(socle_req *req, size_t *len);
/** The caller's address as text. */
SOCLE_API const char *socle_req_client_ip(socle_req *req);
/** The authenticated caller, or NULL on public routes without a session. */
SOCLE_API const socle_principal *socle_req_principal(socle_req *req);
/** This thread's read connection to the request's service. */
SOCLE_API socle_db *socle_req_reader(socle_req *req, socle_err *err);

/** Parse an integer path parameter; SOCLE_E_NOTFOUND when absent or not a positive id. */
SOCLE_API int socle_req_param_id(socle_req *req, const char *name, int64_t *out);
/** Pagination arguments: limit (default 50, at most 500) and an opaque cursor
 * (the last id seen; 0 when absent). Returns SOCLE_E_INVAL on bad values. */
SOCLE_API int socle_req_page(socle_req *req, int *out_limit, int64_t *out_after_id, socle_err *err);

/* ---- replies ----
 * Each returns 0 once the reply is queued (so a handler may end with
 * `return socle_reply_json(...)`), SOCLE_E_NOMEM when it could not be built,
 * or SOCLE_E_INTERNAL when the request already has a reply (the first stands).
 * Every reply carries X-Request-Id; JSON replies are not cacheable. */
/** Reply with @p body (reference stolen). */
SOCLE_API int socle_reply_json(socle_req *req, unsigned status, json_t *body);
/** The "next_cursor" of a page: the @p id_key of the last of @p items, as
 * text, when the page is full (@p limit items), else JSON null. A new
 * reference. Every list of the API pages this way. (ABI 1.4) */
SOCLE_API json_t *socle_page_cursor(const json_t *items, int limit, const char *id_key);
/** Reply 200 {"items": @p items (stolen), "next_cursor": socle_page_cursor}. (ABI 1.4) */
SOCLE_API int socle_reply_page(socle_req *req, json_t *items, int limit, const char *id_key);
/** Reply with an error body; @p message is for people, in French. */
SOCLE_API int socle_reply_error(socle_req *req, unsigned status, const char *code,
                                const char *message);
/** 422 validation_failed with the given field errors (array stolen). */
SOCLE_API int socle_reply_invalid(socle_req *req, json_t *fields);
/** Reply with a body of another type (HTML page, CSV...). @p body is copied. */
SOCLE_API int socle_reply_bytes(socle_req *req, unsigned status, const char *content_type,
                                const char *body, size_t len);
/** Add a response header to the reply about to be sent (before socle_reply_*). */
SOCLE_API int socle_req_add_header(socle_req *req, const char *name, const char *value);
/** Reply with the status and error body matching @p err (code and message). */
SOCLE_API int socle_reply_err(socle_req *req, const socle_err *err);

/** An error code a plugin's routes answer with, beyond the core's own
 * (docs/errors.md lists both). Replying with a code no one declared, or with
 * a status the code was not declared with, aborts a test build (a route's
 * answer must be in the catalogue) and is logged otherwise. (ABI 1.4) */
struct socle_error_decl {
	const char *code;   /* stable snake_case: "cutoff_passed" */
	unsigned status;    /* the HTTP status it goes with */
	const char *meaning; /* what it tells the client, in French */
};
/** Declare error codes (array borrowed, static). init() only. */
SOCLE_API int socle_plugin_declare_errors(socle_plugin *p, const struct socle_error_decl *errors,
                                          size_t count, socle_err *err);

/* ---- declarative validation ---- */
enum socle_field_type {
	SOCLE_F_STRING = 1,
	SOCLE_F_INT,
	SOCLE_F_NUMBER,
	SOCLE_F_BOOL,
	SOCLE_F_DATE,    /* "YYYY-MM-DD", a real calendar date */
	SOCLE_F_EMAIL,
	SOCLE_F_ENUM,    /* a string among choices */
	SOCLE_F_OBJECT,
	SOCLE_F_ARRAY,
};

/** Extra check of a field that passed its type check: return 0, or write a
 * message in French into @p msg and return -1. */
typedef int (*socle_field_check_fn)(const json_t *value, char *msg, size_t msg_size);

struct socle_field {
	const char *name;
	int type;                   /* enum socle_field_type */
	bool required;
	int64_t min, max;           /* string length or integer value; both 0 = no bound */
	const char *const *choices; /* SOCLE_F_ENUM: NULL-terminated */
	socle_field_check_fn check; /* optional */
};

/* ---- route descriptions: the OpenAPI document (ABI 1.4) ----
 * GET /api/v1/{service}/openapi.json lists every route; a plugin describes
 * its own so that the document says what each does and takes. The route
 * table itself is unchanged (an array of struct socle_route never grows). */
struct socle_route_doc {
	unsigned method;                /* as in the route (SOCLE_GET...) */
	const char *path;               /* the route's path, as registered */
	const char *summary;            /* a short French sentence */
	const struct socle_field *body; /* the fields the handler validates, or NULL */
	size_t n_body;
	const struct socle_field *query; /* query parameters, or NULL */
	size_t n_query;
	const char *response;           /* the success answer, in French */
};
/** Describe routes for the OpenAPI document (array borrowed, static). init() only. */
SOCLE_API int socle_plugin_describe_routes(socle_plugin *p, const struct socle_route_doc *docs,
                                           size_t count, socle_err *err);

/** Check @p obj against @p fields: unknown keys, missing required fields, types,
 * bounds, choices and custom checks. Appends one {"field","message"} object per
 * problem to @p out_errors (created if *out_errors is NULL). Returns the number
 * of problems found; 0 means valid. @p prefix is prepended to field names
 * ("establishments[2]."); may be NULL. */
SOCLE_API int socle_fields_check(const json_t *obj, const struct socle_field *fields, size_t count,
                                 const char *prefix, json_t **out_errors);

/** Append one field error to *errors (created if NULL). */
SOCLE_API void socle_field_error(json_t **errors, const char *field, const char *fmt, ...)
	SOCLE_PRINTF(3, 4);

#endif
