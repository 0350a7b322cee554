/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The tests' HTTP client (see http_client.h).  Deliberately independent of
 * libmicrohttpd and of the core, so that it checks the server from outside:
 * it parses the status line, headers and the three body framings itself. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"

#define HC_MAX_RESPONSE ((size_t)64 * 1024 * 1024)
#define SOCLE_COUNT_HC(a) (sizeof(a) / sizeof((a)[0]))

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until @p fd is ready for @p events or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			return -1;
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

int hc_connect(int port, int timeout_ms)
{
	struct sockaddr_in sa = {0};
	int64_t deadline = mono_ms() + timeout_ms;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno != EINPROGRESS || wait_fd(fd, POLLOUT, deadline) != 0) {
			close(fd);
			return -1;
		}
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			close(fd);
			return -1;
		}
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int hc_send_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;
	int64_t deadline = mono_ms() + timeout_ms;

	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    wait_fd(fd, POLLOUT, deadline) == 0)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A buffered reader over the socket. */
struct reader {
	int fd;
	int64_t deadline;
	char *buf;
	size_t len, pos, cap;
	bool eof;
};

/* Read more bytes; 1 when some arrived, 0 at EOF, -1 on error or timeout. */
static int fill(struct reader *r)
{
	if (r->eof)
		return 0;
	if (r->pos > 0 && r->pos == r->len)
		r->pos = r->len = 0;
	if (r->len + 4096 > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16384;
		if (cap > HC_MAX_RESPONSE)
			return -1;
		char *b = realloc(r->buf, cap);
		if (!b)
			return -1;
		r->buf = b;
		r->cap = cap;
	}
	for (;;) {
		ssize_t n = recv(r->fd, r->buf + r->len, r->cap - r->len, 0);
		if (n > 0) {
			r->len += (size_t)n;
			return 1;
		}
		if (n == 0) {
			r->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(r->fd, POLLIN, r->deadline) == 0)
			continue;
		return -1;
	}
}

/* One CRLF-terminated line (CRLF stripped, NUL-terminated in place); NULL on failure. */
static char *read_line(struct reader *r)
{
	for (;;) {
		char *start = r->buf ? r->buf + r->pos : NULL;
		char *nl = start ? memchr(start, '\n', r->len - r->pos) : NULL;
		if (nl) {
			size_t l = (size_t)(nl - start);
			*nl = 0;
			if (l > 0 && start[l - 1] == '\r')
				start[l - 1] = 0;
			r->pos += l + 1;
			return start;
		}
		/* keep the partial line at the front before growing */
		if (r->pos > 0) {
			memmove(r->buf, r->buf + r->pos, r->len - r->pos);
			r->len -= r->pos;
			r->pos = 0;
		}
		if (fill(r) <= 0)
			return NULL;
	}
}

static int append(struct hc_response *out, const char *data, size_t n)
{
	char *b = realloc(out->body, out->body_len + n + 1);
	if (!b)
		return -1;
	memcpy(b + out->body_len, data, n);
	out->body = b;
	out->body_len += n;
	out->body[out->body_len] = 0;
	return 0;
}

/* Copy exactly @p n body bytes (or until EOF when @p until_eof). */
static int read_bytes(struct reader *r, struct hc_response *out, size_t n, bool until_eof)
{
	while (until_eof || n > 0) {
		if (r->pos == r->len) {
			int f = fill(r);
			if (f == 0 && until_eof)
				return 0;
			if (f <= 0)
				return -1;
		}
		size_t avail = r->len - r->pos;
		size_t take = until_eof ? avail : (avail < n ? avail : n);
		if (append(out, r->buf + r->pos, take) != 0)
			return -1;
		r->pos += take;
		if (!until_eof)
			n -= take;
	}
	return 0;
}

static int read_chunked(struct reader *r, struct hc_response *out)
{
	for (;;) {
		char *line = read_line(r);
		if (!line)
			return -1;
		char *end;
		unsigned long long size = strtoull(line, &end, 16);
		if (end == line)
			return -1;
		if (size == 0)
			break;
		if (size > HC_MAX_RESPONSE || read_bytes(r, out, (size_t)size, false) != 0)
			return -1;
		line = read_line(r); /* CRLF after the chunk */
		if (!line || *line)
			return -1;
	}
	/* trailers, up to the empty line */
	for (;;) {
		char *line = read_line(r);
		if (!line)
			return -1;
		if (!*line)
			return 0;
	}
}

void hc_response_free(struct hc_response *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

const char *hc_header(const struct hc_response *r, const char *name)
{
	for (size_t i = 0; r && i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

static int add_header(struct hc_response *out, const char *line)
{
	const char *colon = strchr(line, ':');
	if (!colon)
		return -1;
	const char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	struct hc_header *h = realloc(out->headers, (out->n_headers + 1) * sizeof(*h));
	if (!h)
		return -1;
	out->headers = h;
	h[out->n_headers].name = strndup(line, (size_t)(colon - line));
	h[out->n_headers].value = strdup(v);
	out->n_headers++;
	return h[out->n_headers - 1].name && h[out->n_headers - 1].value ? 0 : -1;
}

int hc_read_response(int fd, bool head_request, int timeout_ms, struct hc_response *out)
{
	struct reader r = {.fd = fd, .deadline = mono_ms() + timeout_ms};

	memset(out, 0, sizeof(*out));
	for (;;) {
		char *line = read_line(&r);
		int major, minor, status;
		if (!line || sscanf(line, "HTTP/%d.%d %d", &major, &minor, &status) != 3)
			goto fail;
		out->status = status;
		for (;;) {
			line = read_line(&r);
			if (!line)
				goto fail;
			if (!*line)
				break;
			if (add_header(out, line) != 0)
				goto fail;
		}
		if (status != 100)
			break;
		hc_response_free(out); /* interim response: the real one follows */
	}
	out->body = calloc(1, 1);
	if (!out->body)
		goto fail;
	if (head_request || out->status == 204 || out->status == 304 ||
	    (out->status >= 100 && out->status < 200)) {
		free(r.buf);
		return 0;
	}
	const char *te = hc_header(out, "Transfer-Encoding");
	const char *cl = hc_header(out, "Content-Length");
	int rc;
	if (te && strcasestr(te, "chunked"))
		rc = read_chunked(&r, out);
	else if (cl)
		rc = read_bytes(&r, out, (size_t)strtoull(cl, NULL, 10), false);
	else
		rc = read_bytes(&r, out, 0, true);
	if (rc != 0)
		goto fail;
	free(r.buf);
	return 0;
fail:
	free(r.buf);
	hc_response_free(out);
	return -1;
}

int hc_request_timeout(int port, const char *method, const char *path,
                       const char *const *headers, const char *body, size_t body_len,
                       int timeout_ms, struct hc_response *out)
{
	size_t cap = 1024 + strlen(method) + strlen(path);
	bool has_length = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; headers && headers[i]; i++) {
		cap += strlen(headers[i]) + 2;
		if (strncasecmp(headers[i], "Content-Length:", 15) == 0 ||
		    strncasecmp(headers[i], "Transfer-Encoding:", 18) == 0)
			has_length = true;
	}
	char *req = malloc(cap);
	if (!req)
		return -1;
	size_t n = (size_t)snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	                                      "Connection: close\r\n", method, path, port);
	for (size_t i = 0; headers && headers[i]; i++)
		n += (size_t)snprintf(req + n, cap - n, "%s\r\n", headers[i]);
	if (!has_length && (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	                    strcmp(method, "PATCH") == 0))
		n += (size_t)snprintf(req + n, cap - n, "Content-Length: %zu\r\n", body ? body_len : 0);
	n += (size_t)snprintf(req + n, cap - n, "\r\n");

	int fd = hc_connect(port, timeout_ms);
	int rc = -1;
	if (fd >= 0 && hc_send_all(fd, req, n, timeout_ms) == 0 &&
	    (!body || body_len == 0 || hc_send_all(fd, body, body_len, timeout_ms) == 0))
		rc = hc_read_response(fd, strcmp(method, "HEAD") == 0, timeout_ms, out);
	if (fd >= 0)
		close(fd);
	free(req);
	return rc;
}

int hc_request(int port, const char *method, const char *path, const char *const *headers,
               const char *body, size_t body_len, struct hc_response *out)
{
	return hc_request_timeout(port, method, path, headers, body, body_len,
	                          HC_DEFAULT_TIMEOUT_MS, out);
}

json_t *hc_body_json(const struct hc_response *r)
{
	if (!r || !r->body || r->body_len == 0)
		return NULL;
	return json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
}

json_t *hc_json(int port, const char *method, const char *path, const char *const *headers,
                const json_t *body, int *out_status)
{
	const char *extra[32];
	size_t n = 0;
	char *text = NULL;
	struct hc_response resp;

	if (body) {
		text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
		extra[n++] = "Content-Type: application/json";
	}
	for (size_t i = 0; headers && headers[i] && n + 1 < SOCLE_COUNT_HC(extra); i++)
		extra[n++] = headers[i];
	extra[n] = NULL;
	int rc = hc_request(port, method, path, extra, text, text ? strlen(text) : 0, &resp);
	free(text);
	if (out_status)
		*out_status = rc == 0 ? resp.status : 0;
	if (rc != 0)
		return NULL;
	json_t *j = hc_body_json(&resp);
	hc_response_free(&resp);
	return j;
}
