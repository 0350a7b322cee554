/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The error record and the stable slugs of error codes. */
#include <stdarg.h>
#include <stdio.h>

#include <socle/err.h>

#include "utf8.h"

/* The message goes into JSON error bodies, where jansson refuses text that
 * is not UTF-8 (the client then gets a bare "Erreur."), and into logs. Two
 * things broke it (found by tests/fuzz, crashes/lua_json/): a message that
 * quotes bytes of the caller's (a Lua table key "\x9f" in the converter's
 * path), and the cut at sizeof(msg) falling inside a character. utf8_repair
 * turns each byte that starts no well-formed sequence into '?'. */
SOCLE_API int socle_err_set(socle_err *err, int code, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;

		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		utf8_repair(err->msg);
	}
	return code;
}

SOCLE_API const char *socle_strerror(int code)
{
	/* These slugs are API: HTTP error bodies and Lua errors carry them. */
	switch (code) {
	case SOCLE_OK: return "ok";
	case SOCLE_E_NOMEM: return "out_of_memory";
	case SOCLE_E_INVAL: return "invalid";
	case SOCLE_E_NOTFOUND: return "not_found";
	case SOCLE_E_EXISTS: return "already_exists";
	case SOCLE_E_PHASE: return "phase_error";
	case SOCLE_E_ABI: return "abi_mismatch";
	case SOCLE_E_AUTH: return "unauthenticated";
	case SOCLE_E_FORBIDDEN: return "forbidden";
	case SOCLE_E_STORE: return "store_error";
	case SOCLE_E_SCRIPT: return "script_error";
	case SOCLE_E_BUDGET: return "budget_exceeded";
	case SOCLE_E_IO: return "io_error";
	case SOCLE_E_CLOSE: return "closed";
	case SOCLE_E_CONFLICT: return "conflict";
	case SOCLE_E_TOOBIG: return "too_large";
	case SOCLE_E_THROTTLED: return "throttled";
	case SOCLE_E_DEPEND: return "dependency_error";
	case SOCLE_E_INTERNAL: return "internal_error";
	case SOCLE_E_CONTRACT: return "contract_violation";
	case SOCLE_E_PERMANENT: return "permanent_failure";
	default: return "unknown_error";
	}
}
