/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The HTTP access log: one JSON object per request and per line, appended to
 * a file (or stderr), safe to write from every server thread. */
#ifndef SOCLE_CORE_ACCESS_LOG_H
#define SOCLE_CORE_ACCESS_LOG_H

#include <socle/socle.h>

struct access_log;

/* Open @p path for appending (created 0640 if missing); NULL means stderr. */
int access_log_open(struct access_log **out, const char *path, socle_err *err);
void access_log_close(struct access_log *log);

/* The fields of one line; strings may be NULL (written as null). */
struct access_log_entry {
	const char *request_id;
	const char *method;
	const char *path;
	unsigned status;       /* 0 when the connection was dropped without a reply */
	double duration_ms;
	const char *service;
	int64_t user_id;       /* 0 when anonymous */
	size_t bytes;          /* response body bytes */
	const char *client_ip;
};

/* Write one line; never fails loudly (a full disk loses the line, not the request). */
void access_log_write(struct access_log *log, const struct access_log_entry *e);

#endif
