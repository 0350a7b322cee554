/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The deployment config file (JSON): reading, validating, and filling a core.
 * Every problem is reported with its path in the file ("services[1].lua.memory_mb"). */
#ifndef SOCLE_CORE_CONFIG_H
#define SOCLE_CORE_CONFIG_H

#include "core.h"
#include "diag.h"

/* Parse @p path into @p core (config, listen, services...). Problems go to @p d.
 * Returns 0, or a negative code when anything was wrong (core may be partly filled:
 * core_close releases it). Plugin names are checked later, by the loader. */
int config_load(socle_core *core, const char *path, struct diag *d);

/* The plugin directories of the config, resolved (array of strings, borrowed). */
const json_t *config_plugin_dirs(const socle_core *core);

/* [a-z][a-z0-9_]*, at most 63 characters: plugin names are file and symbol names. */
bool config_valid_plugin_name(const char *name);

/* Default Lua budgets of a service. */
#define CONFIG_LUA_MEMORY_MB 32
#define CONFIG_LUA_INSTRUCTIONS 0 /* not counted: the deadline alone (lua_watchdog.c) */
#define CONFIG_LUA_TIME_MS 200

#endif
