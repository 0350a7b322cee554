/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A list of problems found while loading a deployment. `socle check` reports
 * all of them, not only the first; `socle serve` stops on the first batch. */
#ifndef SOCLE_CORE_DIAG_H
#define SOCLE_CORE_DIAG_H

#include <socle/defs.h>

struct diag_item {
	char *where;   /* "socle.json: services[1].database", "scripts/x.lua:12", "plugin hello" */
	char *message; /* for people */
};

struct diag {
	struct diag_item *items;
	size_t n, cap;
};

/* Append a problem; @p where may be NULL. Never fails loudly: on OOM the item is dropped
 * but the count of problems still grows, so a check never passes by accident. */
void diag_add(struct diag *d, const char *where, const char *fmt, ...) SOCLE_PRINTF(3, 4);
size_t diag_count(const struct diag *d);
/* Print every item as "where: message" lines to stderr. */
void diag_print(const struct diag *d);
void diag_fini(struct diag *d);

#endif
