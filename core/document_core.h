/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The document service inside the core (public API: socle/document.h):
 *   document.c        the description's schema, French typography, HTML
 *   document_pdf.c    the PDF layout (cairo + pango)
 *   document_issue.c  issued documents: table, numbering, codes, storage of
 *                     the PDF, the verification route */
#ifndef SOCLE_CORE_DOCUMENT_CORE_H
#define SOCLE_CORE_DOCUMENT_CORE_H

#include <socle/document.h>

#include "core.h"

/* What an issued document prints in its footer; NULL for a preview. */
struct doc_stamp {
	const char *number;
	const char *code;       /* grouped */
	const char *verify_url; /* absolute when the service has a public_url */
	int64_t issued_at_ms;
};

/* @p s with French typography (caller frees): a no-break space (U+00A0)
 * before ':' and inside « », a narrow no-break space (U+202F) before ; ! ?,
 * inserted when the text has none and replacing an ordinary space. URLs and
 * times ("10:30", "https://") are left alone. NULL when out of memory. */
char *doc_typo(const char *s);

/* The PDF of a checked description. */
int doc_render_pdf(const socle_service *svc, const json_t *doc, const struct doc_stamp *stamp,
                   unsigned char **out, size_t *out_len, socle_err *err);

/* Give back what fontconfig, pango and cairo keep for the process (font
 * caches), once no thread renders any more: core_close. */
void doc_release_fonts(void);

/* "2026-03-16" of a time in ms (UTC), and its French form. */
void doc_day_of(int64_t ms, char out[SOCLE_DATE_SIZE]);

/* Table core_document (owner "core_document"). */
extern const struct socle_migration document_migrations[];
extern const size_t document_migrations_count;

/* GET /documents/verify/{code} and /documents/print.css, owner NULL. */
int document_register_core(socle_core *core, socle_err *err);

#endif
