/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Documents: one description, rendered by the core as PDF and as HTML, with
 * the service's identity; issued PDFs numbered, hashed, stored and verifiable.
 * (ABI 1.5; docs/documents.md has the schema and examples.)
 *
 * A plugin describes a document as a jansson object (the schema below) and
 * never draws: the core lays it out on A4 pages (cairo + pango, a Debian
 * font, French typography, page numbers, the service's header) or writes the
 * same content as an escaped HTML page with a print stylesheet. A description
 * rather than a builder of C calls: plugins already build every payload with
 * json_pack, a description can be checked in one call with field paths in the
 * message, hashed to know whether a document changed, and later produced by a
 * service's Lua.
 *
 * Schema (unknown keys are refused, every text is UTF-8):
 *   {
 *     "title": "Facture F-2026-0001",                      required, one line
 *     "subtitle": "Exercice 2026",                         optional
 *     "sections": [                                        required, 1..200
 *       {"heading": "Détail",                              optional: a titled,
 *                                                          bookmarked section
 *        "blocks": [                                       required, 0..500
 *          {"paragraph": "Texte…", "strong": true,         strong: optional
 *           "url": "https://…"},                           url: the paragraph is a link
 *          {"list": ["premier", "second"]},                bulleted list
 *          {"table": {"header": ["Désignation", "Montant"],  header row, optional
 *                     "rows": [["Cotisation", "105,00 €"]],
 *                     "align": ["left", "right"],           optional, per column
 *                     "widths": [3, 1]}},                   optional weights
 *          {"fields": [["Adhérent", "Boulangerie"], …]}    label / value pairs
 *        ]}
 *     ],
 *     "signature": {"place": "Lyon", "date": "2026-03-16", all optional; the
 *                   "name": "Dr Lise Martin",                block is kept on
 *                   "role": "Médecin du travail"}            one page
 *   }
 * A table has 1..12 columns and every row as many cells as the header (or as
 * its first row); cells are strings.
 */
#ifndef SOCLE_DOCUMENT_H
#define SOCLE_DOCUMENT_H

#include <jansson.h>
#include <socle/defs.h>
#include <socle/err.h>

/** Check @p doc against the schema. 0, or SOCLE_E_INVAL with the path of the
 * first problem and a French message ("sections[1].blocks[0].table.rows[2] :
 * 3 cellules attendues"). */
SOCLE_API int socle_document_check(const json_t *doc, socle_err *err);

/** Render @p doc as a PDF that is not issued (a preview: its footer says so,
 * no number, no code). *out (free()) and *out_len receive the bytes. */
SOCLE_API int socle_document_pdf(const socle_service *svc, const json_t *doc, unsigned char **out,
                                 size_t *out_len, socle_err *err);

/** Render @p doc as a French HTML page (caller frees): every text escaped,
 * the service's identity in its header, the core's print stylesheet
 * (GET /api/v1/{service}/documents/print.css: no inline style, for the CSP).
 * NULL with @p err set on a bad description or out of memory. */
SOCLE_API char *socle_document_html(const socle_service *svc, const json_t *doc, socle_err *err);

#define SOCLE_DOCUMENT_CODE_SIZE 32 /* "ABCD-EFGH-JKMN-PQRS-TVWX" and its NUL */

/** A document issued by the service. */
struct socle_document_issued {
	int64_t id;
	char number[24];                      /* "2026-000042": the year of issue, then the row */
	char code[SOCLE_DOCUMENT_CODE_SIZE];  /* verification code, 100 random bits, grouped */
	int64_t issued_at_ms;
	char sha256[65];                      /* of the PDF, lowercase hex */
	bool fresh;                           /* issued by this call (false: the stored one) */
	unsigned char *pdf;                   /* the PDF (owned: socle_document_issued_free) */
	size_t pdf_len;
};

/** Issue @p doc as a PDF, or hand back the one already issued.
 *
 * @p kind names what the document is ("membership.invoice") and @p subject
 * which one ("invoice:12"); neither is ever shown by the verification route.
 * When the latest document of (@p kind, @p subject) was issued from the same
 * description, it is read back (its SHA-256 recomputed: a stored PDF that
 * changed by one byte is SOCLE_E_INTERNAL, logged) and returned with fresh
 * false. Otherwise a new one is issued: a number, the time of issue, a random
 * verification code printed with the verification address in its footer, the
 * SHA-256 of its bytes, all stored; the previous one, if any, is marked
 * replaced by it. The description of a subject must not depend on who reads
 * it (else each reader's copy would replace the other's): a document that
 * differs per reader is another subject. @p out->code is set only when fresh
 * (the table keeps the code's SHA-256, not the code). Must not be called
 * inside a write transaction (it runs its own). Free @p out with
 * socle_document_issued_free. */
SOCLE_API int socle_document_issue(socle_service *svc, const char *kind, const char *subject,
                                   const json_t *doc, struct socle_document_issued *out,
                                   socle_err *err);
SOCLE_API void socle_document_issued_free(struct socle_document_issued *d);

/** Issue (socle_document_issue) and reply 200 application/pdf, inline, named
 * @p filename ("facture-F-2026-0001.pdf"; [A-Za-z0-9._-] kept, others become
 * "-"), with headers X-Document-Number and X-Document-Sha256. An altered
 * stored PDF answers 500 "document_altered". The caller has checked access. */
SOCLE_API int socle_reply_document_pdf(socle_req *req, const char *kind, const char *subject,
                                       const json_t *doc, const char *filename);

#endif
