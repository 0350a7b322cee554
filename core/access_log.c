/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The HTTP access log.  Each request produces one JSON object on one line
 * (ts, request_id, method, path, status, duration_ms, service, user_id,
 * bytes, client_ip), so that the log can be read by any JSON-lines tool.
 * Lines are written with one write() under a mutex: with O_APPEND they never
 * interleave, even with other processes appending to the same file. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "access_log.h"

struct access_log {
	int fd;            /* append descriptor, or STDERR_FILENO */
	bool owns_fd;
	pthread_mutex_t mu;
};

int access_log_open(struct access_log **out, const char *path, socle_err *err)
{
	struct access_log *log = calloc(1, sizeof(*log));

	if (!log)
		return socle_err_set(err, SOCLE_E_NOMEM, "journal d'accès : mémoire insuffisante");
	log->fd = STDERR_FILENO;
	if (path) {
		log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (log->fd < 0) {
			int e = errno;

			free(log);
			return socle_err_set(err, SOCLE_E_IO, "journal d'accès %s : %s", path,
			                     strerror(e));
		}
		log->owns_fd = true;
	}
	pthread_mutex_init(&log->mu, NULL);
	*out = log;
	return 0;
}

void access_log_close(struct access_log *log)
{
	if (!log)
		return;
	if (log->owns_fd)
		close(log->fd);
	pthread_mutex_destroy(&log->mu);
	free(log);
}

/* "2024-05-01T12:00:00.123Z" */
static void format_ts(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", (long)(ts.tv_nsec / 1000000));
}

static json_t *str_or_null(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;

	return v ? v : json_null();
}

/* A request path as JSON text: bytes that are not UTF-8 become '?', so
 * that a hostile path still leaves a trace instead of a null. */
static json_t *path_json(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	if (v)
		return v;
	char *copy = strdup(s);
	if (!copy)
		return json_null();
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v ? v : json_null();
}

/* Write all of @p buf, retrying on short writes and EINTR. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += w;
		len -= (size_t)w;
	}
}

void access_log_write(struct access_log *log, const struct access_log_entry *e)
{
	char ts[40];
	char stackbuf[1024];

	if (!log)
		return;
	format_ts(ts, sizeof(ts));
	json_t *o = json_object();
	if (!o)
		return;
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "request_id", str_or_null(e->request_id));
	json_object_set_new(o, "method", str_or_null(e->method));
	json_object_set_new(o, "path", path_json(e->path));
	json_object_set_new(o, "status", json_integer(e->status));
	json_object_set_new(o, "duration_ms", json_real(e->duration_ms));
	json_object_set_new(o, "service", str_or_null(e->service));
	json_object_set_new(o, "user_id", e->user_id > 0 ? json_integer(e->user_id) : json_null());
	json_object_set_new(o, "bytes", json_integer((json_int_t)e->bytes));
	json_object_set_new(o, "client_ip", str_or_null(e->client_ip));

	size_t need = json_dumpb(o, NULL, 0, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	char *buf = stackbuf;
	if (need + 1 > sizeof(stackbuf))
		buf = malloc(need + 1);
	if (buf && need > 0) {
		size_t n = json_dumpb(o, buf, need, JSON_COMPACT | JSON_PRESERVE_ORDER |
		                                    JSON_REAL_PRECISION(6));
		buf[n] = '\n';
		pthread_mutex_lock(&log->mu);
		write_all(log->fd, buf, n + 1);
		pthread_mutex_unlock(&log->mu);
	}
	if (buf != stackbuf)
		free(buf);
	json_decref(o);
}
