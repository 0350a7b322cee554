/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reading the mails of a test deployment's outbox whole, and their
 * attachments (base64 MIME parts), to check a PDF or a calendar file a mail
 * carries. */
#ifndef SOCLE_TEST_MIME_H
#define SOCLE_TEST_MIME_H

#include <stdbool.h>
#include <stddef.h>

/* The whole text of every .eml of @p service's outbox under @p deploy_dir
 * addressed to @p to (NULL: any) and containing @p needle (NULL: any), as a
 * NULL-terminated array (free with test_mails_free). */
char **test_outbox_mails(const char *deploy_dir, const char *service, const char *to,
                         const char *needle);
void test_mails_free(char **mails);
/* The attachment of @p eml named @p filename, decoded (caller frees *data,
 * NUL-terminated beyond *len). False when the mail has none of that name. */
bool test_mime_attachment(const char *eml, const char *filename, char **data, size_t *len);
/* Write @p len bytes to @p dir/@p name and run @p tool on it (pdftotext to
 * stdout, pdfinfo...): its output (caller frees), aborting when it fails. */
char *test_run_on_bytes(const char *dir, const char *name, const char *data, size_t len,
                        const char *tool);

#endif
