/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The catalogues the code is held to: the events plugins emit and the error
 * codes routes answer with (docs/events.md, docs/errors.md). */
#ifndef SOCLE_CORE_CATALOG_H
#define SOCLE_CORE_CATALOG_H

#include "core.h"

/* The core's own error codes (the router, auth, the error mapping). */
const struct socle_error_decl *catalog_core_errors(size_t *count);
/* The declaration of event @p name, or NULL. */
const struct socle_event_decl *catalog_event(const socle_core *core, const char *name);
/* Is event @p name declared by the core or a plugin @p svc enables? */
bool catalog_event_for(const socle_service *svc, const char *name);
/* Is (@p code, @p status) declared by the core or a plugin? */
bool catalog_error_known(const socle_core *core, const char *code, unsigned status);

/* Test builds (SOCLE_STRICT) refuse what the catalogues do not list; other
 * builds log it, so a third party's older plugin keeps working. */
#ifdef SOCLE_STRICT
#define CATALOG_STRICT 1
#else
#define CATALOG_STRICT 0
#endif

#endif
