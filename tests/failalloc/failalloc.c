/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* socle_failalloc: the `socle` command with allocation failures on demand
 * (issue 11 item 11), for tests/failalloc/sweep.mjs only; never installed.
 *
 * A request carrying "X-Socle-Fail-Alloc: count" runs normally and answers
 * how many allocations its own work made (header X-Socle-Alloc); with
 * "X-Socle-Fail-Alloc: N" the Nth of them fails, once. "Its own work" is
 * what core/http.c runs between socle_failalloc_begin and _end on the
 * request's thread (authentication, authorization, the handler, its write
 * transaction, its rule calls): the allocations of that thread only, so that
 * the loop thread and the other connections are untouched. Counted and
 * failed: the core's malloc, calloc, realloc, strdup and strndup (linked
 * with --wrap; jansson's allocator is the core's, core/http_json.c, which
 * calls malloc), SQLite's
 * (SQLITE_CONFIG_MALLOC) and the Lua sandbox's (socle_failalloc_point). A plugin
 * loaded with dlopen is not wrapped: its own direct mallocs are not swept. */
#include <execinfo.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static _Thread_local bool armed;     /* between begin and end */
static _Thread_local long countdown; /* > 0: fail when it reaches 0; 0: count only */
static _Thread_local long seen;      /* allocations counted since begin */
static _Thread_local bool failed;    /* the failure was injected */

/* Whether this allocation fails. */
static bool fail_now(void)
{
	if (!armed)
		return false;
	seen++;
	if (countdown > 0 && --countdown == 0) {
		failed = true;
		/* SOCLE_FAILALLOC_TRACE=1: where the failing allocation was asked for. */
		if (getenv("SOCLE_FAILALLOC_TRACE") != NULL) {
			void *frames[24];
			int n = backtrace(frames, 24);

			backtrace_symbols_fd(frames, n, STDERR_FILENO);
		}
		return true;
	}
	return false;
}

bool socle_failalloc_point(void);

/* The Lua sandbox's allocator asks here for each block it grows or adds
 * (core/lua_sandbox.c): its pool serves most of them without malloc. */
bool socle_failalloc_point(void)
{
	return fail_now();
}

void socle_failalloc_begin(const char *spec);
long socle_failalloc_end(void);

void socle_failalloc_begin(const char *spec)
{
	char *end = NULL;
	long n = strcmp(spec, "count") == 0 ? 0 : strtol(spec, &end, 10);

	if (n < 0 || (end != NULL && *end != '\0'))
		return;
	seen = 0;
	failed = false;
	countdown = n;
	armed = true;
}

/* The count of allocations (counting), or -1 when the Nth was not reached
 * (the request made fewer), or N when it failed. */
long socle_failalloc_end(void)
{
	long n = countdown > 0 ? -1 : seen;

	armed = false;
	countdown = 0;
	return failed ? seen : n;
}

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}

/* SQLite's default allocator, wrapped. */
static sqlite3_mem_methods sqlite_default;

static void *sqlite_malloc(int n)
{
	return fail_now() ? NULL : sqlite_default.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
	return fail_now() ? NULL : sqlite_default.xRealloc(p, n);
}

int main(int argc, char **argv)
{
	sqlite3_mem_methods m;

	/* Before anything else: SQLite takes its allocator before its first use. */
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default) != SQLITE_OK)
		return 70;
	m = sqlite_default;
	m.xMalloc = sqlite_malloc;
	m.xRealloc = sqlite_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
		return 70;
	return socle_cli_main(argc, argv);
}
