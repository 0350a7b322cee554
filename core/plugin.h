/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The plugin loader: finding, dlopening, ABI checks, dependency order, and the
 * init/start/stop/fini lifecycle with revocation of a failed init. */
#ifndef SOCLE_CORE_PLUGIN_H
#define SOCLE_CORE_PLUGIN_H

#include "core.h"
#include "diag.h"

/* Load every plugin some service enables (and what they require), check ABI and
 * dependencies, and order core->plugins dependencies first. Problems go to @p d;
 * loading goes on after a problem so that `socle check` reports them all. */
int plugins_load(socle_core *core, struct diag *d);
/* Run init() of each plugin in order inside the registration window. A failing
 * init is revoked; plugins that require it are not initialised. */
int plugins_init(socle_core *core, struct diag *d);
int plugins_start(socle_core *core, struct diag *d);
void plugins_stop(socle_core *core);
void plugins_fini(socle_core *core);
/* The descriptor's `optional` list (ABI 1.4), NULL for an older descriptor. */
const char *const *plugin_desc_optional(const struct socle_plugin_desc *desc);
/* The loaded plugin named @p name, or NULL. */
socle_plugin *plugins_find(const socle_core *core, const char *name);

#endif
