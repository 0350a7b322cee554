/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reading the mail outbox of a test deployment (the core's file transport:
 * <deployment>/outbox/<service>/<id>.eml). */
#ifndef SOCLE_TEST_OUTBOX_H
#define SOCLE_TEST_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

/* Wait (up to 10 s: the loop thread sends mails after the commit) for a mail
 * to @p to in @p service's outbox under @p deploy_dir that contains @p marker,
 * and copy the @p len characters that follow the marker into @p out (which
 * holds len + 1). False when no such mail came. */
bool test_outbox_after(const char *deploy_dir, const char *service, const char *to,
                       const char *marker, char *out, size_t len);

#endif
