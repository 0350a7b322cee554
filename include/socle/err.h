/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * One error convention for the whole C API.
 *
 * A function returns 0 (or a documented non-negative count) on success and a
 * negative enum socle_errc on failure.  Detail goes into an optional
 * socle_err passed last; its message buffer is fixed so that reporting an
 * error never allocates and never fails.
 */
#ifndef SOCLE_ERR_H
#define SOCLE_ERR_H

#include <socle/defs.h>

enum socle_errc {
	SOCLE_OK = 0,
	SOCLE_E_NOMEM = -1,
	SOCLE_E_INVAL = -2,      /* bad argument or bad input: 400/422 */
	SOCLE_E_NOTFOUND = -3,   /* 404 */
	SOCLE_E_EXISTS = -4,     /* duplicate: 409 */
	SOCLE_E_PHASE = -5,      /* not allowed in the current lifecycle phase */
	SOCLE_E_ABI = -6,        /* plugin built for another ABI */
	SOCLE_E_AUTH = -7,       /* who are you? 401 */
	SOCLE_E_FORBIDDEN = -8,  /* not allowed: 403 */
	SOCLE_E_STORE = -9,      /* database error */
	SOCLE_E_SCRIPT = -10,    /* Lua raised an error */
	SOCLE_E_BUDGET = -11,    /* Lua memory, instruction or time budget spent */
	SOCLE_E_IO = -12,
	SOCLE_E_CLOSE = -13,     /* HTTP handler: drop the connection, no reply */
	SOCLE_E_CONFLICT = -14,  /* state does not allow it: 409 */
	SOCLE_E_TOOBIG = -15,    /* size or depth limit: 413 */
	SOCLE_E_THROTTLED = -16, /* rate limited: 429 */
	SOCLE_E_DEPEND = -17,    /* missing or cyclic plugin dependency */
	SOCLE_E_INTERNAL = -18,  /* our bug: 500 */
	SOCLE_E_CONTRACT = -19,  /* a rule point returned a value outside its contract */
	SOCLE_E_PERMANENT = -20, /* a job failed for good (a 5xx SMTP answer): no retry (1.6) */
	/* append only: the numbers are part of the ABI */
};

typedef struct socle_err {
	int code;       /* enum socle_errc; 0 while unset */
	char msg[256];  /* for people; truncated, never allocated; always UTF-8 */
} socle_err;

#define SOCLE_ERR_INIT {0, {0}}

/** Record @p code and a formatted message in @p err (which may be NULL).
 * @return @p code, so that `return socle_err_set(err, SOCLE_E_INVAL, ...)` reads well. */
SOCLE_API int socle_err_set(socle_err *err, int code, const char *fmt, ...) SOCLE_PRINTF(3, 4);

/** Stable snake_case slug of an error code ("not_found", "budget_exceeded"...). */
SOCLE_API const char *socle_strerror(int code);

/** Make @p s well-formed UTF-8 in place: each byte that starts no valid
 * sequence becomes '?'. For a text a fixed buffer may have cut inside a
 * character before it goes into JSON (jansson refuses it, and the string
 * vanishes); socle_err_set and socle_field_error already do it. (ABI 1.6) */
SOCLE_API void socle_utf8_mend(char *s);

#endif
