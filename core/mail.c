/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Outgoing mail. socle_mail_queue validates a mail and enqueues a "mail.send"
 * job in the caller's transaction; the loop thread runs the job through the
 * service's transport. The message is rendered at send time from the job's
 * payload, always the same way: the same Message-ID (from the job), the same
 * MIME boundaries, so a retried job sends the same message.
 *
 * The file transport (development default) writes the message into
 * <outbox>/<service>/<message id>.eml, through a temporary file, fsync and
 * rename, so a reader never sees half a message and a retried job rewrites the
 * same file instead of sending twice. The smtp transport is mail_smtp.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "http.h"
#include "identity.h"
#include "mail.h"
#include "sms.h"

#define MAIL_SUBJECT_MAX 300
#define MAIL_TEXT_MAX (256 * 1024)
#define MAIL_NAME_MAX 100
#define MAIL_TYPE_MAX 120
#define MAIL_LINE_8BIT_MAX 900 /* RFC 5322 allows 998: longer lines go base64 */

static bool has_line_break(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

static bool valid_attachment_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= MAIL_NAME_MAX && s[0] != '.' &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* "type/subtype" and optional "; key=value" parameters, no quotes, no line. */
static bool valid_content_type(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *slash = s ? strchr(s, '/') : NULL;

	return n > 2 && n <= MAIL_TYPE_MAX && slash != NULL && slash != s && slash[1] != '\0' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/+.-;= ") ==
	               n;
}

static char *b64(const void *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(n);

	if (out != NULL)
		sodium_bin2base64(out, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

/* The service's signature appended to an HTML part: escaped, before
 * </body> when the part is a whole page. */
static char *html_with_signature(const char *html, const char *signature)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *end = NULL;

	if (f == NULL)
		return NULL;
	for (const char *p = html; (p = strchr(p, '<')) != NULL; p++)
		if (strncasecmp(p, "</body", 6) == 0)
			end = p;
	fwrite(html, 1, end ? (size_t)(end - html) : strlen(html), f);
	if (signature[0] != '\0') {
		fputs("\n<p class=\"signature\">", f);
		for (const char *s = signature; *s; s++) {
			if (*s == '\n')
				fputs(s[1] ? "<br>\n" : "", f);
			else if (*s == '<')
				fputs("&lt;", f);
			else if (*s == '>')
				fputs("&gt;", f);
			else if (*s == '&')
				fputs("&amp;", f);
			else
				fputc(*s, f);
		}
		fputs("</p>\n", f);
	}
	if (end)
		fputs(end, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static json_t *attachments_json(const struct socle_mail_parts *parts, socle_err *err)
{
	json_t *list = json_array();
	size_t total = 0;

	if (parts->n_attachments > SOCLE_MAIL_ATTACHMENTS_COUNT) {
		json_decref(list);
		socle_err_set(err, SOCLE_E_INVAL, "au plus %d pièces jointes",
		              SOCLE_MAIL_ATTACHMENTS_COUNT);
		return NULL;
	}
	for (size_t i = 0; list != NULL && i < parts->n_attachments; i++) {
		const struct socle_mail_attachment *a = &parts->attachments[i];
		char *data;

		total += a->len;
		if (!valid_attachment_name(a->name) || !valid_content_type(a->content_type) ||
		    a->data == NULL || a->len == 0 || total > SOCLE_MAIL_ATTACHMENTS_MAX) {
			json_decref(list);
			socle_err_set(err, SOCLE_E_INVAL, "pièce jointe %zu : nom, type ou taille invalide "
			              "(nom [A-Za-z0-9._-], %d octets au plus en tout)", i + 1,
			              SOCLE_MAIL_ATTACHMENTS_MAX);
			return NULL;
		}
		data = b64(a->data, a->len);
		if (data == NULL || json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name",
		                                                          a->name, "type",
		                                                          a->content_type, "data",
		                                                          data)) != 0) {
			free(data);
			json_decref(list);
			socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
			return NULL;
		}
		free(data);
	}
	if (list == NULL)
		socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return list;
}

SOCLE_API int64_t socle_mail_queue_parts(socle_db *wdb, const struct socle_mail *mail,
                                         const struct socle_mail_parts *parts,
                                         int64_t send_at_ms, socle_err *err)
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
	if (parts != NULL && parts->html != NULL && strlen(parts->html) > MAIL_TEXT_MAX)
		return socle_err_set(err, SOCLE_E_INVAL, "partie HTML du courriel trop longue");
	if (mail->category != NULL &&
	    (strlen(mail->category) > 40 || strspn(mail->category, "abcdefghijklmnopqrstuvwxyz_.-") !=
	                                            strlen(mail->category)))
		return socle_err_set(err, SOCLE_E_INVAL, "catégorie de courriel invalide");
	json_t *attachments = NULL;
	if (parts != NULL && parts->n_attachments > 0 &&
	    (attachments = attachments_json(parts, err)) == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_INVAL;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	/* Every mail ends with the service's identity, so a worker or an employer
	 * always knows who wrote and how to answer (not a no-reply address). */
	char *signature = identity_mail_signature(socle_db_service(wdb));
	char *text = NULL, *html = NULL;

	if (signature == NULL || asprintf(&text, "%s%s", mail->text, signature) < 0 ||
	    (parts != NULL && parts->html != NULL &&
	     (html = html_with_signature(parts->html, signature)) == NULL)) {
		free(signature);
		free(text);
		json_decref(attachments);
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	free(signature);
	json_t *payload = json_pack("{s:s, s:s, s:s, s:s, s:s}", "message_id", id, "to", mail->to,
	                            "subject", mail->subject, "text", text, "category",
	                            mail->category ? mail->category : "general");
	free(text);
	if (payload != NULL && html != NULL &&
	    json_object_set_new(payload, "html", json_string(html)) != 0) {
		json_decref(payload);
		payload = NULL;
	}
	free(html);
	if (payload != NULL && attachments != NULL)
		json_object_set(payload, "attachments", attachments);
	json_decref(attachments);
	if (payload == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "courriel non UTF-8");
	int64_t job = socle_job_enqueue(wdb, "mail.send", payload, send_at_ms, 0, err);
	json_decref(payload);
	return job;
}

SOCLE_API int64_t socle_mail_queue(socle_db *wdb, const struct socle_mail *mail, int64_t send_at_ms,
                                   socle_err *err)
{
	return socle_mail_queue_parts(wdb, mail, NULL, send_at_ms, err);
}

/* ---- the message ---- */

/* A header in RFC 2047 encoded words when it is not plain ASCII: words of at
 * most 45 bytes (60 in base64, within the 75 of the RFC), cut between UTF-8
 * characters, folded on continuation lines. */
static void write_header_text(FILE *f, const char *name, const char *value)
{
	size_t len = strlen(value), at = 0;
	bool ascii = true;

	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (*p >= 0x80)
			ascii = false;
	if (ascii) {
		fprintf(f, "%s: %s\r\n", name, value);
		return;
	}
	fprintf(f, "%s:", name);
	while (at < len) {
		size_t n = len - at < 45 ? len - at : 45;
		char enc[64];

		while (at + n < len && ((unsigned char)value[at + n] & 0xC0) == 0x80)
			n--;
		sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)value + at, n,
		                  sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s=?UTF-8?B?%s?=", at ? "\r\n " : " ", enc);
		at += n;
	}
	fputs("\r\n", f);
}

static void write_b64_lines(FILE *f, const char *b)
{
	size_t len = strlen(b);

	for (size_t at = 0; at < len; at += 76)
		fprintf(f, "%.*s\r\n", (int)(len - at < 76 ? len - at : 76), b + at);
}

/* A text part's headers and body: 8 bits with CRLF lines when every line is
 * short and none could be taken for a boundary, else base64. */
static void write_text_part(FILE *f, const char *type, const char *text)
{
	bool plain = strstr(text, "=_socle_") == NULL;
	size_t line = 0;

	for (const char *p = text; plain && *p; p++) {
		line = *p == '\n' ? 0 : line + 1;
		plain = line <= MAIL_LINE_8BIT_MAX;
	}
	fprintf(f, "Content-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: %s\r\n\r\n",
	        type, plain ? "8bit" : "base64");
	if (!plain) {
		char *enc = b64(text, strlen(text));

		if (enc != NULL)
			write_b64_lines(f, enc);
		free(enc);
		return;
	}
	for (const char *p = text; *p; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			fputc('\r', f);
		fputc(*p, f);
	}
	fputs("\r\n", f);
}

/* The text, or the text and its HTML alternative. */
static void write_body(FILE *f, const char *id, const char *text, const char *html)
{
	if (html == NULL) {
		write_text_part(f, "text/plain", text);
		return;
	}
	fprintf(f, "Content-Type: multipart/alternative; boundary=\"=_socle_%s_alt\"\r\n\r\n", id);
	fprintf(f, "--=_socle_%s_alt\r\n", id);
	write_text_part(f, "text/plain", text);
	fprintf(f, "--=_socle_%s_alt\r\n", id);
	write_text_part(f, "text/html", html);
	fprintf(f, "--=_socle_%s_alt--\r\n", id);
}

char *mail_render(const socle_service *svc, const struct mail_route *r, const json_t *payload,
                  size_t *out_len, socle_err *err)
{
	const char *id = json_string_value(json_object_get(payload, "message_id"));
	const char *to = json_string_value(json_object_get(payload, "to"));
	const char *subject = json_string_value(json_object_get(payload, "subject"));
	const char *text = json_string_value(json_object_get(payload, "text"));
	const char *html = json_string_value(json_object_get(payload, "html"));
	const char *category = json_string_value(json_object_get(payload, "category"));
	const json_t *atts = json_object_get(payload, "attachments");
	char *buf = NULL, date[64];
	FILE *f;

	if (!id || !to || !subject || !text || strspn(id, "0123456789abcdef") != strlen(id) ||
	    has_line_break(to) || has_line_break(subject))
		return socle_err_set(err, SOCLE_E_PERMANENT, "mail.send : charge utile invalide"),
		       NULL;
	if ((f = open_memstream(&buf, out_len)) == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory"), NULL;
	time_t now = (time_t)(socle_now_ms() / 1000);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	fprintf(f, "From: %s\r\n", r->from);
	const char *reply_to = json_string_value(json_object_get(svc->identity, "email"));
	if (reply_to != NULL)
		fprintf(f, "Reply-To: %s\r\n", reply_to);
	fprintf(f, "To: %s\r\n", to);
	write_header_text(f, "Subject", subject);
	fprintf(f, "Date: %s\r\n", date);
	/* From the job alone: a retry carries the same Message-ID. */
	fprintf(f, "Message-ID: <%s.%s@%s>\r\n", id, svc->id, r->domain);
	fprintf(f, "X-Socle-Service: %s\r\n", svc->id);
	fprintf(f, "X-Socle-Category: %s\r\nMIME-Version: 1.0\r\n", category ? category : "general");
	if (json_array_size(atts) == 0) {
		write_body(f, id, text, html);
	} else {
		const json_t *a;
		size_t i;

		fprintf(f, "Content-Type: multipart/mixed; boundary=\"=_socle_%s_mix\"\r\n\r\n", id);
		fprintf(f, "--=_socle_%s_mix\r\n", id);
		write_body(f, id, text, html);
		json_array_foreach(atts, i, a) {
			const char *name = json_string_value(json_object_get(a, "name"));
			const char *type = json_string_value(json_object_get(a, "type"));
			const char *data = json_string_value(json_object_get(a, "data"));

			if (!valid_attachment_name(name) || !valid_content_type(type) || data == NULL)
				continue;
			fprintf(f, "--=_socle_%s_mix\r\nContent-Type: %s; name=\"%s\"\r\n"
			        "Content-Disposition: attachment; filename=\"%s\"\r\n"
			        "Content-Transfer-Encoding: base64\r\n\r\n", id, type, name, name);
			write_b64_lines(f, data);
		}
		fprintf(f, "--=_socle_%s_mix--\r\n", id);
	}
	if (fclose(f) != 0) {
		free(buf);
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory"), NULL;
	}
	return buf;
}

/* ---- the file transport ---- */

int mail_mkdir_p(const char *path)
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

static int mail_send_file(socle_service *svc, const char *id, const char *category,
                          const char *msg, size_t len, socle_err *err)
{
	const char *outbox = svc->core->mail_outbox;
	char dir[4096], path[4200], tmp[4200];

	snprintf(dir, sizeof(dir), "%s/%s", outbox, svc->id);
	if (mail_mkdir_p(dir) != 0)
		return socle_err_set(err, SOCLE_E_IO, "boîte d'envoi %s : %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.eml", dir, id);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, id);

	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return socle_err_set(err, SOCLE_E_IO, "écriture de %s : %s", tmp, strerror(errno));
	}
	int bad = fwrite(msg, 1, len, f) != len;
	bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
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
	struct mail_route r;
	size_t len = 0;
	int rc;

	(void)ud;
	mail_route_of(svc, &r);
	char *msg = mail_render(svc, &r, payload, &len, err);
	const char *id = json_string_value(json_object_get(payload, "message_id"));
	const char *category = json_string_value(json_object_get(payload, "category"));

	if (msg == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_NOMEM;
	if (strcmp(r.transport, "smtp") == 0) {
		rc = mail_smtp_send(svc->core, r.smtp, r.envelope,
		                    json_string_value(json_object_get(payload, "to")), msg, len, err);
		if (rc == 0)
			socle_log(SOCLE_LOG_INFO, "service %s : courriel %s (%s) remis au relais SMTP",
			          svc->id, id, category ? category : "general");
	} else {
		rc = mail_send_file(svc, id, category, msg, len, err);
	}
	free(msg);
	return rc;
}

int mail_register_core(socle_core *core, socle_err *err)
{
	/* On the job pool, not the loop thread: a slow or silent relay (up to
	 * its timeout) must not hold up events and the other jobs. */
	struct reg_job rec = {.owner = NULL, .kind = (char *)"mail.send", .fn = mail_send_job,
	                      .long_running = true};

	mail_curl_init();
	if (registry_add_job(&core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	int rc = mail_outbox_register(core, err);

	return rc != 0 ? rc : sms_register_core(core, err);
}
