/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Outgoing mail: the "mail.send" job, the message it renders and its
 * transports (file: mail.c; smtp: mail_smtp.c; settings: mail_settings.c). */
#ifndef SOCLE_CORE_MAIL_H
#define SOCLE_CORE_MAIL_H

#include <stdio.h>

#include "core.h"

/* Register the core's mail.send job handler. */
int mail_register_core(socle_core *core, socle_err *err);

/* GET /outbox (mail_outbox.c): the service's messages for its staff. */
int mail_outbox_register(socle_core *core, socle_err *err);

/* Called for each problem of a setting: @p path names the key. */
typedef void (*mail_report_fn)(void *ctx, const char *path, const char *msg);

/* Check a "mail" object: the deployment's when @p deployment (it may name an
 * outbox), else a service's override. Paths are relative to @p core's
 * config folder. */
void mail_settings_check(const socle_core *core, const json_t *mail, const char *path,
                         bool deployment, mail_report_fn report, void *ctx);

/* Where and as whom a service's mail goes. */
struct mail_route {
	const char *transport; /* "file" or "smtp" */
	const json_t *smtp;    /* the smtp object in force (transport smtp) */
	char from[512];        /* From: header */
	char envelope[320];    /* the address alone (SMTP MAIL FROM) */
	const char *domain;    /* right of the envelope's @, for Message-IDs */
};

/* The settings in force for @p svc: the service's "mail" over the
 * deployment's; the sender is the service's "from", else the deployment's,
 * else the service's identity (name and e-mail), else a no-reply address. */
void mail_route_of(const socle_service *svc, struct mail_route *out);

/* The whole RFC 5322 message of a mail.send payload (caller frees), *out_len
 * its size. The same payload gives the same message but for its Date. */
char *mail_render(const socle_service *svc, const struct mail_route *r, const json_t *payload,
                  size_t *out_len, socle_err *err);

/* The service's "sms" object over the deployment's one (NULL: file). */
const json_t *messaging_setting(const socle_service *svc, const char *key);

/* Send the message @p msg (@p len bytes, CRLF lines) to @p to through the
 * relay described by @p smtp. 0 when the relay accepted it; SOCLE_E_PERMANENT
 * when it answered 5xx (no retry helps); SOCLE_E_IO otherwise (retried). */
int mail_smtp_send(const socle_core *core, const json_t *smtp, const char *envelope_from,
                   const char *to, const char *msg, size_t len, socle_err *err);

/* Read a secret file (a password, a header) without its final newline; NULL
 * with @p err set when unreadable. Caller frees (and wipes). */
char *mail_read_secret(const socle_core *core, const char *file, socle_err *err);

/* Shared by the checks of the mail and SMS settings (mail_settings.c). */
void settings_report_at(mail_report_fn report, void *ctx, const char *path, const char *key,
                        const char *msg);
bool settings_known_keys(const json_t *obj, const char *const *keys, const char *path,
                         mail_report_fn report, void *ctx);
const char *settings_string(const json_t *obj, const char *key, const char *path,
                            mail_report_fn report, void *ctx);

/* mkdir -p (0750). 0 or -1 with errno. */
int mail_mkdir_p(const char *path);

/* libcurl's global initialisation, once per process. */
void mail_curl_init(void);

#endif
