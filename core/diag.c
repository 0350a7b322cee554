/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Problem lists for loading and `socle check`. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void diag_add(struct diag *d, const char *where, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag_item *items = realloc(d->items, cap * sizeof(*items));

		if (items == NULL) {
			/* Keep the count honest even without memory: a check must not pass. */
			d->n++;
			return;
		}
		d->items = items;
		d->cap = cap;
	}
	if (d->n < d->cap) {
		d->items[d->n].where = where ? strdup(where) : NULL;
		d->items[d->n].message = strdup(msg);
	}
	d->n++;
}

size_t diag_count(const struct diag *d)
{
	return d->n;
}

void diag_print(const struct diag *d)
{
	for (size_t i = 0; i < d->n && i < d->cap; i++) {
		const struct diag_item *it = &d->items[i];

		if (it->where)
			fprintf(stderr, "%s: %s\n", it->where, it->message ? it->message : "?");
		else
			fprintf(stderr, "%s\n", it->message ? it->message : "?");
	}
}

void diag_fini(struct diag *d)
{
	for (size_t i = 0; i < d->n && i < d->cap; i++) {
		free(d->items[i].where);
		free(d->items[i].message);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}
