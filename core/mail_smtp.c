/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The smtp transport: one message to one relay through libcurl, which speaks
 * EHLO, STARTTLS or implicit TLS, AUTH, MAIL FROM, RCPT TO and DATA (with dot
 * stuffing). What the outcome means for the job:
 *   - accepted (250 after the message): sent;
 *   - a 5xx answer at any step: the relay refuses for good, SOCLE_E_PERMANENT
 *     (the job dies at once, the answer kept as its last error for staff);
 *   - anything else (4xx, refused connection, TLS failure, a connection
 *     dropped before or after the end of the message): SOCLE_E_IO, retried
 *     with the jobs' backoff. A drop before the final dot means the relay has
 *     no message: the retry delivers it once. A drop after it may leave a
 *     delivered message unacknowledged: the retry sends it again with the same
 *     Message-ID (mail.c), at most one duplicate that readers can recognise. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "mail.h"

struct reader {
	const char *data;
	size_t len, at;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *ud)
{
	struct reader *r = ud;
	size_t room = size * n, left = r->len - r->at;
	size_t k = left < room ? left : room;

	memcpy(buf, r->data + r->at, k);
	r->at += k;
	return k;
}

int mail_smtp_send(const socle_core *core, const json_t *smtp, const char *envelope_from,
                   const char *to, const char *msg, size_t len, socle_err *err)
{
	const char *host = json_string_value(json_object_get(smtp, "host"));
	const char *sec = json_string_value(json_object_get(smtp, "security"));
	const char *user = json_string_value(json_object_get(smtp, "username"));
	const char *pwfile = json_string_value(json_object_get(smtp, "password_file"));
	const char *ca = json_string_value(json_object_get(smtp, "ca_file"));
	json_int_t port = json_integer_value(json_object_get(smtp, "port"));
	json_int_t timeout = json_integer_value(json_object_get(smtp, "timeout_s"));
	char url[600], errbuf[CURL_ERROR_SIZE] = "", from[340], rcpt[340];
	struct reader rd = {.data = msg, .len = len};
	struct curl_slist *rcpts = NULL;
	char *password = NULL, *ca_path = NULL;
	long code = 0;
	int rc = 0;

	if (host == NULL || to == NULL)
		return socle_err_set(err, SOCLE_E_PERMANENT, "réglages SMTP incomplets (host)");
	if (sec == NULL)
		sec = "starttls";
	if (port == 0)
		port = strcmp(sec, "tls") == 0 ? 465 : strcmp(sec, "none") == 0 ? 25 : 587;
	snprintf(url, sizeof(url), "%s://%s:%lld", strcmp(sec, "tls") == 0 ? "smtps" : "smtp", host,
	         (long long)port);
	snprintf(from, sizeof(from), "<%s>", envelope_from);
	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	if (user != NULL && pwfile != NULL &&
	    (password = mail_read_secret(core, pwfile, err)) == NULL)
		return SOCLE_E_IO;
	CURL *c = curl_easy_init();
	rcpts = curl_slist_append(NULL, rcpt);
	if (c == NULL || rcpts == NULL) {
		rc = socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(timeout > 0 ? timeout : 60));
	if (strcmp(sec, "starttls") == 0)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (ca != NULL && (ca_path = core_resolve_path(core, ca)) != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_path);
	if (user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, password ? password : "");
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	CURLcode res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (res != CURLE_OK) {
		/* The last reply of the relay decides: 5xx is its final word. */
		bool permanent = code >= 500 && code <= 599;

		rc = socle_err_set(err, permanent ? SOCLE_E_PERMANENT : SOCLE_E_IO,
		                   "SMTP %s : %s%s%.0ld (%s)", host,
		                   permanent ? "refus définitif, réponse " : "échec, réponse ",
		                   code ? "" : "aucune", code, errbuf[0] ? errbuf : curl_easy_strerror(res));
	}
out:
	if (password != NULL) {
		sodium_memzero(password, strlen(password));
		free(password);
	}
	free(ca_path);
	curl_slist_free_all(rcpts);
	if (c != NULL)
		curl_easy_cleanup(c);
	return rc;
}
