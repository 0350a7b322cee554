/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Outgoing mail. socle_mail_queue validates a mail and enqueues a "mail.send"
 * job in the caller's transaction; the loop thread runs the job through the
 * deployment's transport. The file transport (development default) writes an
 * RFC 5322 message per mail into <outbox>/<service>/<message id>.eml, through a
 * temporary file, fsync and rename, so a reader never sees half a message and a
 * retried job rewrites the same file instead of sending twice. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "http.h"
#include "identity.h"
#include "mail.h"

#define MAIL_SUBJECT_MAX 300
#define MAIL_TEXT_MAX (256 * 1024)

static bool has_line_break(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

SOCLE_API int64_t socle_mail_queue(socle_db *wdb, const struct socle_mail *mail, int64_t send_at_ms,
                                   socle_err *err)
{
	unsigned char raw[16];
	char id[33];

	if (mail == NULL || mail->to == NULL || !http_valid_email(mail->to) || has_line_break(mail->to))
		return socle_err_set(err, SOCLE_E_INVAL, "adresse de courriel invalide");
	if (mail->subject == NULL || mail->subject[0] == '\0' || has_line_break(mail->subject) ||
	    strlen(mail->subject) > MAIL_SUBJECT_MAX)
		return socle_err_set(err, SOCLE_E_INVAL, "objet du courriel absent, trop long ou sur "
		                     "plusieurs lignes");
	if (mail->text == NULL || strlen(mail->text) > MAIL_TEXT_MAX)
		return socle_err_set(err, SOCLE_E_INVAL, "corps du courriel absent ou trop long");
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	/* Every mail ends with the service's identity, so a worker or an employer
	 * always knows who wrote and how to answer (not a no-reply address). */
	char *signature = identity_mail_signature(socle_db_service(wdb));
	char *text = NULL;

	if (signature == NULL || asprintf(&text, "%s%s", mail->text, signature) < 0) {
		free(signature);
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	free(signature);
	json_t *payload = json_pack("{s:s, s:s, s:s, s:s, s:s}", "message_id", id, "to", mail->to,
	                            "subject", mail->subject, "text", text, "category",
	                            mail->category ? mail->category : "general");
	free(text);
	if (payload == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "courriel non UTF-8");
	int64_t job = socle_job_enqueue(wdb, "mail.send", payload, send_at_ms, 0, err);
	json_decref(payload);
	return job;
}

static int mkdir_p(const char *path)
{
	char *p = strdup(path);

	if (p == NULL)
		return -1;
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(p, 0750) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		if (!s)
			break;
		*s = '/';
	}
	free(p);
	return 0;
}

/* Subject in RFC 2047 encoded-word form when it is not plain ASCII. */
static void write_subject(FILE *f, const char *subject)
{
	bool ascii = true;

	for (const unsigned char *p = (const unsigned char *)subject; *p; p++)
		if (*p >= 0x80)
			ascii = false;
	if (ascii) {
		fprintf(f, "Subject: %s\r\n", subject);
		return;
	}
	size_t len = strlen(subject);
	size_t b64 = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *enc = malloc(b64);

	if (enc == NULL)
		return;
	sodium_bin2base64(enc, b64, (const unsigned char *)subject, len,
	                  sodium_base64_VARIANT_ORIGINAL);
	fprintf(f, "Subject: =?UTF-8?B?%s?=\r\n", enc);
	free(enc);
}

/* The body with bare LF turned into CRLF, as RFC 5322 wants. */
static void write_body(FILE *f, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			fputc('\r', f);
		fputc(*p, f);
	}
	fputs("\r\n", f);
}

static int mail_send_file(socle_service *svc, const json_t *payload, socle_err *err)
{
	const char *outbox = svc->core->mail_outbox;
	const char *id = json_string_value(json_object_get(payload, "message_id"));
	const char *to = json_string_value(json_object_get(payload, "to"));
	const char *subject = json_string_value(json_object_get(payload, "subject"));
	const char *text = json_string_value(json_object_get(payload, "text"));
	const char *category = json_string_value(json_object_get(payload, "category"));
	char dir[4096], path[4200], tmp[4200], date[64];

	if (!id || !to || !subject || !text || strspn(id, "0123456789abcdef") != strlen(id))
		return socle_err_set(err, SOCLE_E_INVAL, "mail.send : charge utile invalide");
	snprintf(dir, sizeof(dir), "%s/%s", outbox, svc->id);
	if (mkdir_p(dir) != 0)
		return socle_err_set(err, SOCLE_E_IO, "boîte d'envoi %s : %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.eml", dir, id);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, id);

	time_t now = (time_t)(socle_now_ms() / 1000);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return socle_err_set(err, SOCLE_E_IO, "écriture de %s : %s", tmp, strerror(errno));
	}
	fprintf(f, "From: %s\r\n", svc->core->mail_from);
	const char *reply_to = json_string_value(json_object_get(svc->identity, "email"));
	if (reply_to != NULL)
		fprintf(f, "Reply-To: %s\r\n", reply_to);
	fprintf(f, "To: %s\r\n", to);
	write_subject(f, subject);
	fprintf(f, "Date: %s\r\n", date);
	fprintf(f, "Message-ID: <%s.%s@socle.invalid>\r\n", id, svc->id);
	fprintf(f, "X-Socle-Service: %s\r\n", svc->id);
	fprintf(f, "X-Socle-Category: %s\r\n", category ? category : "general");
	fputs("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	      "Content-Transfer-Encoding: 8bit\r\n\r\n", f);
	write_body(f, text);
	int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		return socle_err_set(err, SOCLE_E_IO, "écriture de %s : %s", path, strerror(e));
	}
	socle_log(SOCLE_LOG_INFO, "service %s : courriel %s (%s) déposé dans %s", svc->id, id,
	          category ? category : "general", path);
	return 0;
}

static int mail_send_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	(void)ud;
	return mail_send_file(svc, payload, err);
}

int mail_register_core(socle_core *core, socle_err *err)
{
	struct reg_job rec = {.owner = NULL, .kind = (char *)"mail.send", .fn = mail_send_job};

	if (registry_add_job(&core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return 0;
}
