/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Text messages: the "sms.send" job and its transports (sms.c). */
#ifndef SOCLE_CORE_SMS_H
#define SOCLE_CORE_SMS_H

#include "mail.h"

/* Register the core's sms.send job handler. */
int sms_register_core(socle_core *core, socle_err *err);

/* Check an "sms" object (the deployment's, or a service's override). */
void sms_settings_check(const socle_core *core, const json_t *sms, const char *path,
                        bool deployment, mail_report_fn report, void *ctx);

/* @p tpl with {number}, {text}, {sender} and {id} replaced, each value
 * escaped as @p how says: 'j' inside a JSON string, 'u' URL or form encoded,
 * 'r' as it is. Caller frees; NULL when out of memory. */
char *sms_fill(const char *tpl, char how, const char *number, const char *text,
               const char *sender, const char *id);

#endif
