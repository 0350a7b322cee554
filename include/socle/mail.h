/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Outgoing mail: queued in a write transaction, sent by the loop thread.
 *
 * A mail is a durable job ("mail.send"): it commits with the data it belongs
 * to (an approval and its invitation, a convocation and its reminders), is
 * retried with backoff when the transport fails, and is sent at least once.
 *
 * Transport: the deployment's "mail" setting. The only transport today is
 * "file", the development default: each mail becomes an RFC 5322 .eml file in
 * <outbox>/<service id>/ (named after the job, so a retry rewrites the same
 * file). An SMTP transport is planned (see docs/config.md). (ABI 1.1)
 */
#ifndef SOCLE_MAIL_H
#define SOCLE_MAIL_H

#include <socle/defs.h>
#include <socle/err.h>

struct socle_mail {
	const char *to;       /* one address */
	const char *subject;  /* UTF-8, one line */
	const char *text;     /* plain-text body, UTF-8 */
	const char *category; /* "invitation", "convocation", "rappel"...: for logs and filters */
};

/** Queue @p mail in the transaction of @p wdb, to be sent at @p send_at_ms
 * (0: now). Checks the address and refuses line breaks in headers
 * (SOCLE_E_INVAL). Returns the job id (> 0) or a negative code. */
SOCLE_API int64_t socle_mail_queue(socle_db *wdb, const struct socle_mail *mail,
                                   int64_t send_at_ms, socle_err *err);

#endif
