/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Real servers the messaging tests start: the SMTP server of
 * tests/mail/smtp_server.py (Debian's aiosmtpd) and the HTTP sink of
 * tests/mail/http_sink.py, each in a folder of its own. */
#ifndef SOCLE_TEST_MAIL_SERVERS_H
#define SOCLE_TEST_MAIL_SERVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sink_server {
	pid_t pid;
	int port;
	char *dir; /* where it writes what it received */
};

/* Start tests/mail/@p script with @p dir first then @p args (NULL-terminated)
 * and wait (up to 10 s) for its port. False when it did not come up. */
bool sink_server_start(struct sink_server *s, const char *script, const char *dir,
                       const char *const *args);
/* Stop it (SIGTERM) and wait for it. */
void sink_server_stop(struct sink_server *s);
/* Messages the SMTP server kept (msg-N.eml) that contain @p needle; the text
 * of the last one into *last (caller frees) when @p last is not NULL. */
size_t test_smtp_count(const struct sink_server *s, const char *needle, char **last);
/* Lines of the server's log equal to @p line. */
size_t sink_server_log_count(const struct sink_server *s, const char *line);
/* A throw-away certificate for localhost and 127.0.0.1 (openssl CLI) into
 * dir/cert.pem and dir/key.pem. */
void test_make_certificate(const char *dir);

#endif
