/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A hand-built core and service for the Lua tests: a mkdtemp folder with a
 * "default" scripts folder (core->default_scripts_dir) and a "service" one
 * (svc->scripts_dir), no plugins unless a test registers records itself. */
#ifndef SOCLE_TEST_LUA_FIXTURE_H
#define SOCLE_TEST_LUA_FIXTURE_H

#include "core.h"
#include "diag.h"
#include "lua_host.h"

struct lfx {
	char *dir;
	char *default_dir;
	char *service_dir;
	socle_core *core;
	socle_service *svc;
	struct diag diag;
};

/* Budgets: 16 MiB, 1M instructions, 2 s (generous: sanitizer builds are slow;
 * the instruction budget is what stops loops). */
struct lfx *lfx_new(void);
/* Write a script into the default ("default") or service ("service") layer. */
void lfx_write(struct lfx *f, const char *layer, const char *name, const char *text);
/* lua_service_open; problems collected in f->diag. */
int lfx_open(struct lfx *f);
/* Does some diagnostic contain @p needle (in where or message)? */
bool lfx_diag_has(const struct lfx *f, const char *needle);
/* Print the diagnostics (debugging help on failure). */
void lfx_diag_dump(const struct lfx *f);
/* Call rule @p name with JSON array text @p args; *out (may be NULL) gets the result. */
int lfx_call(struct lfx *f, const char *name, const char *args, json_t **out, socle_err *err);
void lfx_free(struct lfx *f);

#endif
