/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The process log: one JSON object per line on stderr, so that operators'
 * collectors parse it without guessing. SOCLE_LOG_LEVEL=debug|info|warn|error
 * sets the threshold (default info). */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <socle/plugin.h>

#include "log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_threshold = -1;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static int threshold(void)
{
	if (log_threshold < 0) {
		const char *env = getenv("SOCLE_LOG_LEVEL");
		int t = SOCLE_LOG_INFO;

		for (int i = 0; env != NULL && i < 4; i++)
			if (strcmp(env, level_names[i]) == 0)
				t = i;
		log_threshold = t;
	}
	return log_threshold;
}

void log_set_threshold(int level)
{
	log_threshold = level;
}

SOCLE_API void socle_log(int level, const char *fmt, ...)
{
	char msg[1024];
	char ts[96];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (level < 0 || level > SOCLE_LOG_ERROR)
		level = SOCLE_LOG_ERROR;
	if (level < threshold())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The log shows real time even when the business clock is frozen. */
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
	json_t *line = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_names[level], "msg", msg);
	char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;

	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s\n", text ? text : msg);
	pthread_mutex_unlock(&log_lock);
	free(text);
	json_decref(line);
}
