/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* In-process deployments for the tests that need no server: a config written
 * in a temporary folder and opened with plugins linked into the test. */
#ifndef SOCLE_TEST_CORE_WORLD_H
#define SOCLE_TEST_CORE_WORLD_H

#include "core.h"

/* Write @p config (JSON text) as socle.json in @p dir and open that
 * deployment with @p statics (NULL-terminated) found before any .so; NULL
 * after printing the diagnostics. */
socle_core *test_core_open(const char *dir, const char *config,
                           const struct socle_plugin_desc *const *statics);
/* Close @p core (may be NULL), thaw the business clock, remove @p dir and
 * free it. */
void test_core_close(socle_core *core, char *dir);

#endif
