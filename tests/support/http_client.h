/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A small blocking HTTP/1.1 client for tests: connects to 127.0.0.1, sends a
 * request, reads one response (Content-Length, chunked or until close), with
 * a deadline on every step.  Also raw socket helpers for slow or partial
 * requests, and JSON helpers. */
#ifndef SOCLE_TEST_HTTP_CLIENT_H
#define SOCLE_TEST_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define HC_DEFAULT_TIMEOUT_MS 10000

struct hc_header {
	char *name;
	char *value;
};

struct hc_response {
	int status;               /* 0 until a status line was read */
	struct hc_header *headers;
	size_t n_headers;
	char *body;               /* NUL-terminated (the NUL is not counted) */
	size_t body_len;
};

/* A blocking TCP connection to 127.0.0.1:@p port, or -1. */
int hc_connect(int port, int timeout_ms);
/* Send every byte before the deadline; 0 or -1. */
int hc_send_all(int fd, const void *buf, size_t len, int timeout_ms);
/* Read one response from @p fd. @p head_request: the response has no body.
 * 0, or -1 on timeout, reset or malformed response (out is then freed). */
int hc_read_response(int fd, bool head_request, int timeout_ms, struct hc_response *out);

/* One request on a new connection ("Connection: close" is added).
 * @p headers: NULL-terminated "Name: value" strings, or NULL.
 * @p body may be NULL; Content-Length is added when it is not. */
int hc_request(int port, const char *method, const char *path, const char *const *headers,
               const char *body, size_t body_len, struct hc_response *out);
/* Same with a timeout of its own. */
int hc_request_timeout(int port, const char *method, const char *path,
                       const char *const *headers, const char *body, size_t body_len,
                       int timeout_ms, struct hc_response *out);

/* Value of response header @p name (case-insensitive), or NULL. */
const char *hc_header(const struct hc_response *r, const char *name);
/* The body parsed as JSON (caller owns), or NULL. */
json_t *hc_body_json(const struct hc_response *r);
void hc_response_free(struct hc_response *r);

/* Send @p body (borrowed, may be NULL) as application/json and return the
 * parsed response body (caller owns; NULL when absent or not JSON).
 * *out_status receives the status (0 on transport failure). */
json_t *hc_json(int port, const char *method, const char *path, const char *const *headers,
                const json_t *body, int *out_status);

#endif
