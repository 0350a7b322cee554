/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The mail settings: checked when the config is read (every problem named by
 * its key, in French, for operators), resolved per service when a mail goes.
 * A service's "mail" object overrides the deployment's: a deployment hosting
 * two services may send each through its own relay and as its own sender. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"
#include "mail.h"

void settings_report_at(mail_report_fn report, void *ctx, const char *path, const char *key,
                        const char *msg)
{
	char p[512];

	/* Bounded pieces: the release build checks that nothing is cut. */
	snprintf(p, sizeof(p), "%.250s.%.250s", path, key);
	report(ctx, p, msg);
}

bool settings_known_keys(const json_t *obj, const char *const *keys, const char *path,
                       mail_report_fn report, void *ctx)
{
	const char *k;
	json_t *v;
	bool ok = true;

	json_object_foreach((json_t *)obj, k, v) {
		bool found = false;

		for (const char *const *n = keys; *n; n++)
			found |= strcmp(*n, k) == 0;
		if (!found) {
			settings_report_at(report, ctx, path, k, "clé inconnue");
			ok = false;
		}
	}
	return ok;
}

const char *settings_string(const json_t *obj, const char *key, const char *path,
                              mail_report_fn report, void *ctx)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return NULL;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strpbrk(json_string_value(v), "\r\n") != NULL) {
		settings_report_at(report, ctx, path, key, "doit être une chaîne non vide, sur une ligne");
		return NULL;
	}
	return json_string_value(v);
}

static void check_file(const socle_core *core, const json_t *obj, const char *key,
                       const char *path, mail_report_fn report, void *ctx)
{
	const char *file = settings_string(obj, key, path, report, ctx);
	char *abs = file ? core_resolve_path(core, file) : NULL;

	if (abs != NULL && access(abs, R_OK) != 0)
		settings_report_at(report, ctx, path, key, "fichier introuvable ou illisible");
	free(abs);
}

static void check_smtp(const socle_core *core, const json_t *smtp, const char *path,
                       mail_report_fn report, void *ctx)
{
	static const char *const keys[] = {"host", "port", "security", "username", "password_file",
	                                   "ca_file", "timeout_s", NULL};

	if (!json_is_object(smtp)) {
		report(ctx, path, "doit être un objet {host, port, security, username, password_file, "
		       "ca_file, timeout_s}");
		return;
	}
	settings_known_keys(smtp, keys, path, report, ctx);
	const char *host = settings_string(smtp, "host", path, report, ctx);
	if (host == NULL && json_object_get(smtp, "host") == NULL)
		settings_report_at(report, ctx, path, "host", "clé obligatoire absente");
	if (host && strpbrk(host, "/@?# ") != NULL)
		settings_report_at(report, ctx, path, "host", "un nom d'hôte ou une adresse, sans schéma");
	const json_t *port = json_object_get(smtp, "port");
	if (port && (!json_is_integer(port) || json_integer_value(port) < 1 ||
	             json_integer_value(port) > 65535))
		settings_report_at(report, ctx, path, "port", "doit être un entier entre 1 et 65535");
	const char *sec = settings_string(smtp, "security", path, report, ctx);
	if (sec && strcmp(sec, "starttls") != 0 && strcmp(sec, "tls") != 0 &&
	    strcmp(sec, "none") != 0)
		settings_report_at(report, ctx, path, "security", "« starttls » (par défaut), « tls » ou « none »");
	const char *user = settings_string(smtp, "username", path, report, ctx);
	/* A password never crosses the network in clear. */
	if (user && sec && strcmp(sec, "none") == 0)
		settings_report_at(report, ctx, path, "username", "l'authentification demande « starttls » ou "
		          "« tls »");
	if (user && json_object_get(smtp, "password_file") == NULL)
		settings_report_at(report, ctx, path, "password_file", "obligatoire avec « username »");
	check_file(core, smtp, "password_file", path, report, ctx);
	check_file(core, smtp, "ca_file", path, report, ctx);
	const json_t *t = json_object_get(smtp, "timeout_s");
	if (t && (!json_is_integer(t) || json_integer_value(t) < 1 || json_integer_value(t) > 600))
		settings_report_at(report, ctx, path, "timeout_s", "doit être un entier entre 1 et 600");
}

void mail_settings_check(const socle_core *core, const json_t *mail, const char *path,
                         bool deployment, mail_report_fn report, void *ctx)
{
	static const char *const dkeys[] = {"transport", "outbox", "from", "smtp", NULL};
	static const char *const skeys[] = {"transport", "from", "smtp", NULL};

	if (mail == NULL)
		return;
	if (!json_is_object(mail)) {
		report(ctx, path, "doit être un objet {transport, from, smtp}");
		return;
	}
	settings_known_keys(mail, deployment ? dkeys : skeys, path, report, ctx);
	const char *transport = settings_string(mail, "transport", path, report, ctx);
	if (transport && strcmp(transport, "file") != 0 && strcmp(transport, "smtp") != 0)
		settings_report_at(report, ctx, path, "transport", "« file » (développement) ou « smtp »");
	if (deployment)
		settings_string(mail, "outbox", path, report, ctx);
	const char *from = settings_string(mail, "from", path, report, ctx);
	if (from) {
		const char *lt = strrchr(from, '<'), *gt = strrchr(from, '>');
		char addr[320] = "";

		if (lt && gt && gt > lt && (size_t)(gt - lt) < sizeof(addr))
			snprintf(addr, sizeof(addr), "%.*s", (int)(gt - lt - 1), lt + 1);
		else if (!lt && !gt)
			snprintf(addr, sizeof(addr), "%s", from);
		if (!http_valid_email(addr))
			settings_report_at(report, ctx, path, "from", "« Nom <adresse> » ou une adresse attendue");
	}
	const json_t *smtp = json_object_get(mail, "smtp");
	char sp[256];

	snprintf(sp, sizeof(sp), "%s.smtp", path);
	if (smtp != NULL)
		check_smtp(core, smtp, sp, report, ctx);
	else if (transport && strcmp(transport, "smtp") == 0)
		report(ctx, sp, "le transport « smtp » demande ses réglages (host au moins)");
}

static const json_t *service_config(const socle_service *svc)
{
	return json_array_get(json_object_get(svc->core->config, "services"), svc->index);
}

const json_t *messaging_setting(const socle_service *svc, const char *key)
{
	const json_t *own = json_object_get(service_config(svc), key);

	return own != NULL ? own : json_object_get(svc->core->config, key);
}

void mail_route_of(const socle_service *svc, struct mail_route *out)
{
	const json_t *dep = json_object_get(svc->core->config, "mail");
	const json_t *own = json_object_get(service_config(svc), "mail");
	const char *from = json_string_value(json_object_get(own, "from"));
	/* The transport and its relay go together: a service naming its own
	 * transport uses its own smtp object. */
	const json_t *base = json_object_get(own, "transport") != NULL ? own : dep;
	const char *transport = json_string_value(json_object_get(base, "transport"));
	const char *name = json_string_value(json_object_get(svc->identity, "legal_name"));
	const char *email = json_string_value(json_object_get(svc->identity, "email"));

	memset(out, 0, sizeof(*out));
	out->transport = transport && strcmp(transport, "smtp") == 0 ? "smtp" : "file";
	out->smtp = json_object_get(base, "smtp");
	if (from == NULL)
		from = json_string_value(json_object_get(dep, "from"));
	if (from != NULL)
		snprintf(out->from, sizeof(out->from), "%s", from);
	else if (email != NULL && name != NULL && strpbrk(name, "\"\\\r\n") == NULL)
		snprintf(out->from, sizeof(out->from), "\"%s\" <%s>", name, email);
	else
		snprintf(out->from, sizeof(out->from), "%s",
		         svc->core->mail_from ? svc->core->mail_from
		                              : "Socle <ne-pas-repondre@socle.invalid>");
	const char *lt = strrchr(out->from, '<'), *gt = strrchr(out->from, '>');
	if (lt && gt && gt > lt)
		snprintf(out->envelope, sizeof(out->envelope), "%.*s", (int)(gt - lt - 1), lt + 1);
	else
		snprintf(out->envelope, sizeof(out->envelope), "%.319s", out->from);
	const char *at = strrchr(out->envelope, '@');
	out->domain = at && at[1] ? at + 1 : "socle.invalid";
}

char *mail_read_secret(const socle_core *core, const char *file, socle_err *err)
{
	char *path = core_resolve_path(core, file), *buf = NULL;
	size_t cap = 0;
	FILE *f = path ? fopen(path, "re") : NULL;

	if (f == NULL) {
		socle_err_set(err, SOCLE_E_IO, "secret %s illisible", path ? path : file);
		free(path);
		return NULL;
	}
	ssize_t n = getline(&buf, &cap, f);
	fclose(f);
	free(path);
	if (n < 0) {
		free(buf);
		socle_err_set(err, SOCLE_E_IO, "secret %s vide", file);
		return NULL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return buf;
}

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void mail_curl_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, curl_init_once);
}
