/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* GET /api/v1/{service}/offer: what the service provides, from its plugins. */
#ifndef SOCLE_CORE_OFFER_H
#define SOCLE_CORE_OFFER_H

#include "core.h"

int offer_register_core(socle_core *core, socle_err *err);
/* GET /api/v1/{service}/openapi.json and the core's route descriptions (openapi.c). */
int openapi_register_core(socle_core *core, socle_err *err);
json_t *openapi_document(const socle_service *svc);

#endif
