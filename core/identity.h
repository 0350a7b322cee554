/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* One identity per service (config "identity"): read, checked, defaulted, and
 * served to pages as JSON, a stylesheet and a logo. */
#ifndef SOCLE_CORE_IDENTITY_H
#define SOCLE_CORE_IDENTITY_H

#include "core.h"

/* Called for each problem: @p path is below the identity object's path. */
typedef void (*identity_report_fn)(void *ctx, const char *path, const char *msg);

/* Read the service's "identity" object (@p obj may be NULL) into
 * svc->identity, with defaults for what it omits; report every problem. */
void identity_load(socle_service *svc, const json_t *obj, const char *path,
                   identity_report_fn report, void *ctx);

/* The signature appended to every mail of @p svc (caller frees), "" when the
 * identity says nothing beyond the name. */
char *identity_mail_signature(const socle_service *svc);

/* WCAG 2.1 contrast ratio between two #rrggbb colours (1..21). */
double identity_contrast(const char *a, const char *b);

/* GET /identity, /identity.css, /identity/logo. */
int identity_register_core(socle_core *core, socle_err *err);

#endif
