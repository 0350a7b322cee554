/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Text messages: the GSM 7-bit text, the number, the "sms.send" job and its
 * transports (file, HTTP gateway). See socle/sms.h for the rules; the
 * settings are checked in sms_settings_check (docs/config.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include <socle/sms.h>

#include "mail.h"
#include "sms.h"

/* GSM 03.38 basic alphabet, by Unicode code point (one septet each). */
static const uint32_t gsm_basic[] = {
	'@', 0xA3, '$', 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, '\n', 0xD8, 0xF8, '\r', 0xC5,
	0xE5, 0x394, '_', 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, 0xC6,
	0xE6, 0xDF, 0xC9, ' ', '!', '"', '#', 0xA4, '%', '&', '\'', '(', ')', '*', '+', ',', '-',
	'.', '/', ':', ';', '<', '=', '>', '?', 0xA1, 0xC4, 0xD6, 0xD1, 0xDC, 0xA7, 0xBF, 0xE4,
	0xF6, 0xF1, 0xFC, 0xE0,
};
/* The extension table: an escape and the character, two septets. */
static const uint32_t gsm_extension[] = {'^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC};

/* What replaces a character outside the alphabet: French letters first
 * (seed: ê, î, ô, û, ç), then typography. */
static const struct {
	uint32_t cp;
	const char *to;
} gsm_translit[] = {
	{0xE2, "a"}, {0xE1, "a"}, {0xE3, "a"}, {0xEA, "e"}, {0xEB, "e"}, {0xEE, "i"}, {0xEF, "i"},
	{0xED, "i"}, {0xF4, "o"}, {0xF3, "o"}, {0xF5, "o"}, {0xFB, "u"}, {0xFA, "u"}, {0xE7, "c"},
	{0xFF, "y"}, {0xFD, "y"}, {0x153, "oe"}, {0x152, "OE"}, {0xC0, "A"}, {0xC2, "A"},
	{0xC1, "A"}, {0xC3, "A"}, {0xC8, "E"}, {0xCA, "E"}, {0xCB, "E"}, {0xCE, "I"}, {0xCF, "I"},
	{0xCD, "I"}, {0xCC, "I"}, {0xD4, "O"}, {0xD2, "O"}, {0xD3, "O"}, {0xD5, "O"}, {0xDB, "U"},
	{0xD9, "U"}, {0xDA, "U"}, {0x178, "Y"}, {0x2019, "'"}, {0x2018, "'"}, {0x60, "'"},
	{0xB4, "'"}, {0x201C, "\""}, {0x201D, "\""}, {0xAB, "\""}, {0xBB, "\""}, {0x2013, "-"},
	{0x2014, "-"}, {0x2010, "-"}, {0x2011, "-"}, {0x2026, "..."}, {0xA0, " "}, {0x202F, " "},
	{0x2009, " "}, {0x2022, "-"}, {0xB0, "o"}, {0x2116, "No"}, {'\t', " "},
};

static bool in_table(const uint32_t *t, size_t n, uint32_t cp)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] == cp)
			return true;
	return false;
}

/* The next code point of @p s (advanced), or -1 on a malformed sequence. */
static long next_cp(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t cp;
	int more;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0 && p[0] >= 0xC2)
		cp = p[0] & 0x1F, more = 1;
	else if ((p[0] & 0xF0) == 0xE0)
		cp = p[0] & 0x0F, more = 2;
	else if ((p[0] & 0xF8) == 0xF0 && p[0] <= 0xF4)
		cp = p[0] & 0x07, more = 3;
	else
		return -1;
	for (int i = 1; i <= more; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*s = p + more + 1;
	return (long)cp;
}

static size_t put_cp(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

SOCLE_API int socle_sms_gsm7(const char *text, char *out, size_t size, socle_err *err)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t at = 0;
	int septets = 0;

	if (text == NULL || out == NULL || size == 0)
		return socle_err_set(err, SOCLE_E_INVAL, "texte absent");
	while (*p) {
		long cp = next_cp(&p);
		char buf[8];
		size_t n = 0;
		int cost = 1;

		if (cp < 0)
			return socle_err_set(err, SOCLE_E_INVAL, "texte non UTF-8");
		if (in_table(gsm_basic, SOCLE_COUNT(gsm_basic), (uint32_t)cp) ||
		    (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			n = put_cp(buf, (uint32_t)cp);
		} else if (in_table(gsm_extension, SOCLE_COUNT(gsm_extension), (uint32_t)cp)) {
			n = put_cp(buf, (uint32_t)cp);
			cost = 2;
		} else {
			const char *to = NULL;

			for (size_t i = 0; i < SOCLE_COUNT(gsm_translit) && to == NULL; i++)
				if (gsm_translit[i].cp == (uint32_t)cp)
					to = gsm_translit[i].to;
			if (to == NULL)
				to = cp < 0x20 ? " " : "?";
			n = strlen(to);
			memcpy(buf, to, n);
			cost = (int)n;
		}
		if (at + n >= size)
			return socle_err_set(err, SOCLE_E_TOOBIG, "texte trop long");
		memcpy(out + at, buf, n);
		at += n;
		septets += cost;
	}
	out[at] = '\0';
	return septets;
}

SOCLE_API int socle_sms_number(const char *in, char out[SOCLE_SMS_NUMBER_SIZE], socle_err *err)
{
	char digits[24];
	size_t n = 0;
	bool plus = false;

	if (in == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "numéro de mobile absent");
	for (const char *p = in; *p; p++) {
		if (*p == '+' && n == 0 && !plus)
			plus = true;
		else if (*p >= '0' && *p <= '9' && n + 1 < sizeof(digits))
			digits[n++] = *p;
		else if (*p != ' ' && *p != '.' && *p != '-' && *p != '\t')
			return socle_err_set(err, SOCLE_E_INVAL, "numéro de mobile invalide (par exemple "
			                     "06 12 34 56 78)");
	}
	digits[n] = '\0';
	const char *national = NULL;

	if (!plus && n == 10 && digits[0] == '0')
		national = digits + 1;
	else if (plus && n == 11 && strncmp(digits, "33", 2) == 0)
		national = digits + 2;
	else if (!plus && n == 13 && strncmp(digits, "0033", 4) == 0)
		national = digits + 4;
	if (national != NULL) {
		if (national[0] != '6' && national[0] != '7')
			return socle_err_set(err, SOCLE_E_INVAL, "numéro de mobile attendu (06 ou 07)");
		snprintf(out, SOCLE_SMS_NUMBER_SIZE, "+33%.9s", national);
		return 0;
	}
	if (!plus && n > 4 && strncmp(digits, "00", 2) == 0) {
		memmove(digits, digits + 2, n - 1);
		n -= 2;
		plus = true;
	}
	if (!plus || n < 8 || n > 15 || digits[0] == '0' || strncmp(digits, "33", 2) == 0)
		return socle_err_set(err, SOCLE_E_INVAL, "numéro de mobile invalide (par exemple "
		                     "06 12 34 56 78)");
	snprintf(out, SOCLE_SMS_NUMBER_SIZE, "+%.15s", digits);
	return 0;
}

SOCLE_API int64_t socle_sms_queue(socle_db *wdb, const char *number, const char *text,
                                  const char *category, int64_t send_at_ms, socle_err *err)
{
	char e164[SOCLE_SMS_NUMBER_SIZE], gsm[SOCLE_SMS_MAX * 3 + 1], id[33];
	unsigned char raw[16];
	int rc = socle_sms_number(number, e164, err);

	if (rc != 0)
		return rc;
	if (text == NULL || text[0] == '\0')
		return socle_err_set(err, SOCLE_E_INVAL, "texte du SMS absent");
	rc = socle_sms_gsm7(text, gsm, sizeof(gsm), err);
	if (rc == SOCLE_E_TOOBIG || rc > SOCLE_SMS_MAX)
		return socle_err_set(err, SOCLE_E_INVAL, "SMS trop long : %d caractères GSM au plus",
		                     SOCLE_SMS_MAX);
	if (rc < 0)
		return rc;
	if (category != NULL &&
	    (strlen(category) > 40 ||
	     strspn(category, "abcdefghijklmnopqrstuvwxyz_.-") != strlen(category)))
		return socle_err_set(err, SOCLE_E_INVAL, "catégorie de SMS invalide");
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	json_t *payload = json_pack("{s:s, s:s, s:s, s:s}", "message_id", id, "number", e164, "text",
	                            gsm, "category", category ? category : "general");
	if (payload == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	int64_t job = socle_job_enqueue(wdb, "sms.send", payload, send_at_ms, 0, err);
	json_decref(payload);
	return job;
}

/* ---- transports ---- */

static int sms_send_file(socle_service *svc, const json_t *sms, const char *id,
                         const char *number, const char *text, socle_err *err)
{
	const char *outbox = json_string_value(json_object_get(sms, "outbox"));
	char *root = core_resolve_path(svc->core, outbox ? outbox : "outbox-sms");
	char dir[4096], path[4200], tmp[4200];

	if (root == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	snprintf(dir, sizeof(dir), "%s/%s", root, svc->id);
	free(root);
	if (mail_mkdir_p(dir) != 0)
		return socle_err_set(err, SOCLE_E_IO, "boîte d'envoi %s : %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.txt", dir, id);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, id);
	FILE *f = fopen(tmp, "we");
	if (f == NULL)
		return socle_err_set(err, SOCLE_E_IO, "écriture de %s : %s", tmp, strerror(errno));
	fprintf(f, "To: %s\n\n%s\n", number, text);
	int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		return socle_err_set(err, SOCLE_E_IO, "écriture de %s", path);
	}
	socle_log(SOCLE_LOG_INFO, "service %s : SMS %s déposé dans %s", svc->id, id, path);
	return 0;
}

/* Append @p v to @p f escaped for where it lands: a JSON string's inside, a
 * form or URL component, or as it is. */
static void put_value(FILE *f, const char *v, char how)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (how == 'j') {
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if (*p == '\n')
				fputs("\\n", f);
			else if (*p == '\r')
				fputs("\\r", f);
			else if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		} else if (how == 'u') {
			if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
				fputc(*p, f);
			else
				fprintf(f, "%%%02X", *p);
		} else {
			fputc(*p, f);
		}
	}
}

/* @p tpl with {number}, {text}, {sender} and {id} replaced (caller frees). */
char *sms_fill(const char *tpl, char how, const char *number, const char *text,
               const char *sender, const char *id)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const struct {
		const char *name;
		const char *value;
	} vars[] = {{"{number}", number}, {"{text}", text}, {"{sender}", sender}, {"{id}", id}};

	if (f == NULL)
		return NULL;
	for (const char *p = tpl; *p;) {
		bool done = false;

		for (size_t i = 0; i < SOCLE_COUNT(vars) && !done; i++) {
			size_t n = strlen(vars[i].name);

			if (strncmp(p, vars[i].name, n) == 0) {
				put_value(f, vars[i].value ? vars[i].value : "", how);
				p += n;
				done = true;
			}
		}
		if (!done)
			fputc(*p++, f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static size_t discard(char *b, size_t s, size_t n, void *ud)
{
	(void)b;
	(void)ud;
	return s * n;
}

static int sms_send_http(socle_service *svc, const json_t *http, const char *id,
                         const char *number, const char *text, socle_err *err)
{
	const char *url_tpl = json_string_value(json_object_get(http, "url"));
	const char *method = json_string_value(json_object_get(http, "method"));
	const char *type = json_string_value(json_object_get(http, "content_type"));
	const char *body_tpl = json_string_value(json_object_get(http, "body"));
	const char *sender = json_string_value(json_object_get(http, "sender"));
	const char *auth_file = json_string_value(json_object_get(http, "auth_header_file"));
	json_int_t timeout = json_integer_value(json_object_get(http, "timeout_s"));
	char errbuf[CURL_ERROR_SIZE] = "", ctype[160];
	struct curl_slist *headers = NULL;
	char *auth = NULL, *url = NULL, *body = NULL;
	long status = 0;
	int rc = 0;

	if (url_tpl == NULL)
		return socle_err_set(err, SOCLE_E_PERMANENT, "passerelle SMS sans url");
	if (method == NULL)
		method = "POST";
	if (type == NULL)
		type = "application/json";
	char how = strstr(type, "json") ? 'j' : strstr(type, "x-www-form-urlencoded") ? 'u' : 'r';
	url = sms_fill(url_tpl, 'u', number, text, sender, id);
	body = body_tpl ? sms_fill(body_tpl, how, number, text, sender, id) : strdup("");
	if (auth_file != NULL && (auth = mail_read_secret(svc->core, auth_file, err)) == NULL) {
		rc = SOCLE_E_IO;
		goto out;
	}
	snprintf(ctype, sizeof(ctype), "Content-Type: %s", type);
	headers = curl_slist_append(headers, ctype);
	if (auth != NULL)
		headers = curl_slist_append(headers, auth);
	CURL *c = curl_easy_init();
	if (c == NULL || url == NULL || body == NULL || headers == NULL) {
		if (c)
			curl_easy_cleanup(c);
		rc = socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(timeout > 0 ? timeout : 30));
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	CURLcode res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (res != CURLE_OK)
		rc = socle_err_set(err, SOCLE_E_IO, "passerelle SMS : %s",
		                   errbuf[0] ? errbuf : curl_easy_strerror(res));
	else if (status >= 400 && status < 500 && status != 408 && status != 429)
		/* The gateway refuses this message as it is: retrying cannot help. */
		rc = socle_err_set(err, SOCLE_E_PERMANENT, "passerelle SMS : refus définitif, "
		                   "réponse %ld", status);
	else if (status < 200 || status > 299)
		rc = socle_err_set(err, SOCLE_E_IO, "passerelle SMS : réponse %ld", status);
	else
		socle_log(SOCLE_LOG_INFO, "service %s : SMS %s remis à la passerelle (%ld)", svc->id,
		          id, status);
out:
	if (auth != NULL) {
		sodium_memzero(auth, strlen(auth));
		free(auth);
	}
	curl_slist_free_all(headers);
	free(url);
	free(body);
	return rc;
}

static int sms_send_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	const json_t *sms = messaging_setting(svc, "sms");
	const char *transport = json_string_value(json_object_get(sms, "transport"));
	const char *id = json_string_value(json_object_get(payload, "message_id"));
	const char *number = json_string_value(json_object_get(payload, "number"));
	const char *text = json_string_value(json_object_get(payload, "text"));

	(void)ud;
	if (!id || !number || !text || strspn(id, "0123456789abcdef") != strlen(id) ||
	    strspn(number, "+0123456789") != strlen(number))
		return socle_err_set(err, SOCLE_E_PERMANENT, "sms.send : charge utile invalide");
	if (transport != NULL && strcmp(transport, "http") == 0)
		return sms_send_http(svc, json_object_get(sms, "http"), id, number, text, err);
	return sms_send_file(svc, sms, id, number, text, err);
}

void sms_settings_check(const socle_core *core, const json_t *sms, const char *path,
                        bool deployment, mail_report_fn report, void *ctx)
{
	static const char *const keys[] = {"transport", "outbox", "http", NULL};
	static const char *const hkeys[] = {"url", "method", "content_type", "body", "sender",
	                                    "auth_header_file", "timeout_s", NULL};
	char p[256];

	(void)deployment;
	if (sms == NULL)
		return;
	if (!json_is_object(sms)) {
		report(ctx, path, "doit être un objet {transport, outbox, http}");
		return;
	}
	settings_known_keys(sms, keys, path, report, ctx);
	const char *transport = settings_string(sms, "transport", path, report, ctx);
	if (transport && strcmp(transport, "file") != 0 && strcmp(transport, "http") != 0)
		settings_report_at(report, ctx, path, "transport", "« file » (développement) ou « http »");
	settings_string(sms, "outbox", path, report, ctx);
	const json_t *http = json_object_get(sms, "http");
	snprintf(p, sizeof(p), "%s.http", path);
	if (http == NULL) {
		if (transport && strcmp(transport, "http") == 0)
			report(ctx, p, "le transport « http » demande ses réglages (url au moins)");
		return;
	}
	if (!json_is_object(http)) {
		report(ctx, p, "doit être un objet {url, method, content_type, body, sender, "
		       "auth_header_file, timeout_s}");
		return;
	}
	settings_known_keys(http, hkeys, p, report, ctx);
	const char *url = settings_string(http, "url", p, report, ctx);
	if (url == NULL && json_object_get(http, "url") == NULL)
		settings_report_at(report, ctx, p, "url", "clé obligatoire absente");
	if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		settings_report_at(report, ctx, p, "url", "une adresse http:// ou https://");
	const char *method = settings_string(http, "method", p, report, ctx);
	if (method && strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 &&
	    strcmp(method, "GET") != 0)
		settings_report_at(report, ctx, p, "method", "« POST » (par défaut), « PUT » ou « GET »");
	settings_string(http, "content_type", p, report, ctx);
	const char *body = json_string_value(json_object_get(http, "body"));
	if (json_object_get(http, "body") != NULL && !json_is_string(json_object_get(http, "body")))
		settings_report_at(report, ctx, p, "body", "doit être un texte (le modèle du corps)");
	if ((!body || !strstr(body, "{text}")) && (!url || !strstr(url, "{text}")))
		settings_report_at(report, ctx, p, "body", "le modèle doit contenir {text} (dans body "
		                   "ou dans url)");
	if ((!body || !strstr(body, "{number}")) && (!url || !strstr(url, "{number}")))
		settings_report_at(report, ctx, p, "body", "le modèle doit contenir {number} (dans "
		                   "body ou dans url)");
	const char *sender = settings_string(http, "sender", p, report, ctx);
	if (sender && strlen(sender) > 11)
		settings_report_at(report, ctx, p, "sender", "11 caractères au plus");
	const char *auth = settings_string(http, "auth_header_file", p, report, ctx);
	char *abs = auth ? core_resolve_path(core, auth) : NULL;
	if (abs && access(abs, R_OK) != 0)
		settings_report_at(report, ctx, p, "auth_header_file", "fichier introuvable ou illisible");
	free(abs);
	const json_t *t = json_object_get(http, "timeout_s");
	if (t && (!json_is_integer(t) || json_integer_value(t) < 1 || json_integer_value(t) > 600))
		settings_report_at(report, ctx, p, "timeout_s", "doit être un entier entre 1 et 600");
}

int sms_register_core(socle_core *core, socle_err *err)
{
	/* On the job pool, like mail.send: a gateway's timeout holds no event. */
	struct reg_job rec = {.owner = NULL, .kind = (char *)"sms.send", .fn = sms_send_job,
	                      .long_running = true};

	mail_curl_init();
	if (registry_add_job(&core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return 0;
}
