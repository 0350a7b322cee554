/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* One identity per service: its name, legal name, address, phone, e-mail,
 * public base URL, logo, colours and the health professionals' contact.
 *
 * Mails, documents and pages read it from here and nowhere else, so a
 * service that moves changes one config key and every convocation, ordonnance
 * and page follows. The colours reach pages only through the stylesheet
 * GET /identity.css builds: pages carry no inline style (a strict Content-Security-Policy is to forbid it),
 * and the colours are checked at load against WCAG 2.1 AA, since a service
 * that picks a pale brand colour would otherwise ship unreadable buttons. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "identity.h"

#define DEFAULT_PRIMARY "#1d4f91" /* 8.9:1 on white */
#define DEFAULT_ACCENT "#b34700"  /* 5.0:1 on white */
#define LOGO_MAX_BYTES (512 * 1024)

struct id_field {
	const char *key;
	size_t max;
	bool multiline;
};

static const struct id_field text_fields[] = {
	{"legal_name", 200, false},
	{"address", 300, true},      /* street, postcode and city, one line each */
	{"phone", 25, false},
	{"email", 254, false},
	{"public_url", 200, false},  /* base of every link a mail carries */
	{"health_contact", 500, true}, /* how to reach the médecins and infirmiers */
	{"privacy_contact", 300, true}, /* the data protection officer (RGPD art. 37) */
};

static void report_at(identity_report_fn report, void *ctx, const char *path, const char *key,
                      const char *msg)
{
	char p[256];

	/* A cut path still names the key well enough in the report. */
	if ((size_t)snprintf(p, sizeof(p), "%s.%s", path, key) >= sizeof(p))
		p[sizeof(p) - 1] = '\0';
	report(ctx, p, msg);
}

static bool valid_hex_colour(const char *s)
{
	if (s == NULL || strlen(s) != 7 || s[0] != '#')
		return false;
	for (int i = 1; i < 7; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Relative luminance of #rrggbb (WCAG 2.1, 1.4.3). */
static double luminance(const char *hex)
{
	double lin[3];

	for (int i = 0; i < 3; i++) {
		char part[3] = {hex[1 + 2 * i], hex[2 + 2 * i], '\0'};
		double c = (double)strtol(part, NULL, 16) / 255.0;

		lin[i] = c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

double identity_contrast(const char *a, const char *b)
{
	double la = luminance(a), lb = luminance(b);

	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

static bool valid_phone(const char *s)
{
	size_t digits = 0;

	for (const char *p = s; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!strchr(" +.()-", *p))
			return false;
	}
	return digits >= 4;
}

static bool valid_public_url(const char *s)
{
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("\"'<>\\`", *p))
			return false;
	return s[strlen(s) - 1] != '/';
}

static void load_text_fields(json_t *out, const json_t *obj, const char *path,
                             identity_report_fn report, void *ctx)
{
	for (size_t i = 0; i < SOCLE_COUNT(text_fields); i++) {
		const struct id_field *f = &text_fields[i];
		json_t *v = json_object_get(obj, f->key);

		if (v == NULL)
			continue;
		const char *s = json_string_value(v);
		if (s == NULL || *s == '\0' || strlen(s) > f->max) {
			char msg[96];

			snprintf(msg, sizeof(msg), "doit être une chaîne de 1 à %zu octets", f->max);
			report_at(report, ctx, path, f->key, msg);
			continue;
		}
		if (!f->multiline && strpbrk(s, "\r\n")) {
			report_at(report, ctx, path, f->key, "une seule ligne");
			continue;
		}
		if (strcmp(f->key, "email") == 0 && !http_valid_email(s)) {
			report_at(report, ctx, path, f->key, "adresse de courriel invalide");
			continue;
		}
		if (strcmp(f->key, "phone") == 0 && !valid_phone(s)) {
			report_at(report, ctx, path, f->key,
			          "numéro invalide : chiffres, espaces et + . ( ) - seulement");
			continue;
		}
		if (strcmp(f->key, "public_url") == 0 && !valid_public_url(s)) {
			report_at(report, ctx, path, f->key,
			          "adresse http(s):// sans espace ni barre oblique finale attendue "
			          "(https://spsti.example.fr)");
			continue;
		}
		json_object_set(out, f->key, v);
	}
}

static void load_colours(json_t *out, const json_t *colours, const char *path,
                         identity_report_fn report, void *ctx)
{
	static const char *const keys[] = {"primary", "accent"};
	char cpath[256];
	json_t *c = json_pack("{s:s, s:s}", "primary", DEFAULT_PRIMARY, "accent", DEFAULT_ACCENT);

	snprintf(cpath, sizeof(cpath), "%s.colors", path);
	if (colours != NULL && !json_is_object(colours)) {
		report(ctx, cpath, "doit être un objet {primary, accent}");
		colours = NULL;
	}
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)colours, k, v) {
		if (strcmp(k, keys[0]) != 0 && strcmp(k, keys[1]) != 0) {
			report_at(report, ctx, cpath, k, "clé inconnue (primary, accent)");
			continue;
		}
		const char *hex = json_string_value(v);

		if (!valid_hex_colour(hex)) {
			report_at(report, ctx, cpath, k, "couleur #rrggbb attendue");
			continue;
		}
		/* primary: text on white and white text on it (4.5:1, WCAG 1.4.3);
		 * accent: focus rings and borders (3:1, WCAG 1.4.11). */
		double need = strcmp(k, "primary") == 0 ? 4.5 : 3.0;
		double got = identity_contrast(hex, "#ffffff");

		if (got < need) {
			char msg[160];

			snprintf(msg, sizeof(msg), "contraste %.2f:1 avec le blanc, il faut au moins "
			         "%.1f:1 (RGAA / WCAG 2.1 AA) : choisissez une teinte plus foncée", got, need);
			report_at(report, ctx, cpath, k, msg);
			continue;
		}
		char lower[8];

		for (int i = 0; i < 8; i++)
			lower[i] = (char)tolower((unsigned char)hex[i]);
		json_object_set_new(c, k, json_string(lower));
	}
	json_object_set_new(out, "colors", c);
}

void identity_load(socle_service *svc, const json_t *obj, const char *path,
                   identity_report_fn report, void *ctx)
{
	static const char *const known[] = {"legal_name", "address", "phone", "email", "public_url",
	                                    "health_contact", "privacy_contact", "logo", "colors",
	                                    NULL};
	json_t *out = json_object();

	json_decref(svc->identity);
	svc->identity = out;
	if (out == NULL)
		return;
	if (obj != NULL && !json_is_object(obj)) {
		report(ctx, path, "doit être un objet (nom légal, adresse, téléphone, courriel...)");
		obj = NULL;
	}
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		bool ok = false;

		for (const char *const *n = known; *n; n++)
			ok |= strcmp(*n, k) == 0;
		if (!ok)
			report_at(report, ctx, path, k, "clé inconnue");
	}
	json_object_set_new(out, "name", json_string(svc->name ? svc->name : ""));
	load_text_fields(out, obj, path, report, ctx);
	if (json_object_get(out, "legal_name") == NULL)
		json_object_set_new(out, "legal_name", json_string(svc->name ? svc->name : ""));
	load_colours(out, json_object_get(obj, "colors"), path, report, ctx);

	const char *logo = json_string_value(json_object_get(obj, "logo"));
	if (json_object_get(obj, "logo") != NULL) {
		char *file = logo ? core_resolve_path(svc->core, logo) : NULL;
		const char *dot = logo ? strrchr(logo, '.') : NULL;

		if (file == NULL || dot == NULL ||
		    (strcmp(dot, ".png") != 0 && strcmp(dot, ".svg") != 0))
			report_at(report, ctx, path, "logo", "fichier .png ou .svg attendu");
		else if (access(file, R_OK) != 0)
			report_at(report, ctx, path, "logo", "fichier introuvable ou illisible");
		else
			json_object_set_new(out, "logo_file", json_string(file));
		free(file);
	}
}

SOCLE_API const void *socle_service_identity(const socle_service *svc)
{
	return svc->identity;
}

static const char *id_get(const socle_service *svc, const char *key)
{
	return json_string_value(json_object_get(svc->identity, key));
}

SOCLE_API char *socle_service_url(const socle_service *svc, const char *path)
{
	const char *base = id_get(svc, "public_url");
	char *out;

	if (path == NULL)
		path = "";
	if (asprintf(&out, "%s%s", base ? base : "", path) < 0)
		return NULL;
	return out;
}

char *identity_mail_signature(const socle_service *svc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *address = id_get(svc, "address"), *phone = id_get(svc, "phone");
	const char *email = id_get(svc, "email"), *url = id_get(svc, "public_url");

	if (f == NULL)
		return NULL;
	if (address || phone || email || url) {
		fprintf(f, "\n-- \n%s\n", svc->name ? svc->name : "");
		if (address)
			fprintf(f, "%s\n", address);
		if (phone)
			fprintf(f, "Tél. %s\n", phone);
		if (email)
			fprintf(f, "Courriel : %s\n", email);
		if (url)
			fprintf(f, "%s\n", url);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- routes: what pages read ---- */

static int identity_get(socle_req *req, void *ud)
{
	socle_service *svc = socle_req_service(req);
	json_t *out = json_deep_copy(svc->identity);
	(void)ud;

	if (out == NULL)
		return SOCLE_E_NOMEM;
	/* The file path is the server's business; pages get the logo's URL. */
	bool has_logo = json_object_get(out, "logo_file") != NULL;

	json_object_del(out, "logo_file");
	json_object_set_new(out, "id", json_string(svc->id));
	if (has_logo) {
		char *u = NULL;

		if (asprintf(&u, "/api/v1/%s/identity/logo", svc->id) < 0)
			u = NULL;
		json_object_set_new(out, "logo_url", u ? json_string(u) : json_null());
		free(u);
	} else {
		json_object_set_new(out, "logo_url", json_null());
	}
	return socle_reply_json(req, 200, out);
}

static int identity_css(socle_req *req, void *ud)
{
	const socle_service *svc = socle_req_service(req);
	const json_t *c = json_object_get(svc->identity, "colors");
	const char *primary = json_string_value(json_object_get(c, "primary"));
	const char *accent = json_string_value(json_object_get(c, "accent"));
	char css[512];
	(void)ud;

	int n = snprintf(css, sizeof(css),
	                 "/* Couleurs du service %s (configuration « identity.colors »). */\n"
	                 ":root {\n  --socle-primary: %s;\n  --socle-on-primary: #ffffff;\n"
	                 "  --socle-accent: %s;\n}\n",
	                 svc->id, primary ? primary : DEFAULT_PRIMARY, accent ? accent : DEFAULT_ACCENT);
	return socle_reply_bytes(req, 200, "text/css; charset=utf-8", css, (size_t)n);
}

static int identity_logo(socle_req *req, void *ud)
{
	const socle_service *svc = socle_req_service(req);
	const char *file = id_get(svc, "logo_file");
	(void)ud;

	if (file == NULL)
		return socle_reply_error(req, 404, "not_found", "ce service n'a pas de logo");
	FILE *f = fopen(file, "rb");
	char *buf = f ? malloc(LOGO_MAX_BYTES) : NULL;
	size_t n = buf ? fread(buf, 1, LOGO_MAX_BYTES, f) : 0;
	bool whole = f != NULL && feof(f);

	if (f)
		fclose(f);
	if (buf == NULL || !whole) {
		free(buf);
		socle_log(SOCLE_LOG_ERROR, "service %s : logo %s illisible ou de plus de %d octets",
		          svc->id, file, LOGO_MAX_BYTES);
		return socle_reply_error(req, 500, "internal_error", "logo illisible");
	}
	const char *type = strcmp(strrchr(file, '.'), ".svg") == 0 ? "image/svg+xml" : "image/png";
	int rc = socle_reply_bytes(req, 200, type, buf, n);

	free(buf);
	return rc;
}

static const struct socle_route identity_routes[] = {
	{SOCLE_GET, "/identity", SOCLE_CAP_PUBLIC, 0, identity_get, NULL},
	{SOCLE_GET, "/identity.css", SOCLE_CAP_PUBLIC, 0, identity_css, NULL},
	{SOCLE_GET, "/identity/logo", SOCLE_CAP_PUBLIC, 0, identity_logo, NULL},
};

int identity_register_core(socle_core *core, socle_err *err)
{
	for (size_t i = 0; i < SOCLE_COUNT(identity_routes); i++) {
		struct reg_route rec = {.owner = NULL, .route = &identity_routes[i]};

		if (registry_add_route(&core->reg, &rec) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	return 0;
}
