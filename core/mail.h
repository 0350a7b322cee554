/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Outgoing mail: the "mail.send" job and its file transport. */
#ifndef SOCLE_CORE_MAIL_H
#define SOCLE_CORE_MAIL_H

#include "core.h"

/* Register the core's mail.send job handler. */
int mail_register_core(socle_core *core, socle_err *err);

#endif
