/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* GET /api/v1/{service}/openapi.json: an OpenAPI 3.1 description built from
 * the route table, so it can never drift from what the server answers.
 *
 * Every route registered for the service (the core's, and those of the
 * plugins it enables) is described: its path parameters, its capability
 * (x-socle-capability), the error body every route shares, and — when its
 * owner described it with socle_plugin_describe_routes — a short French
 * summary, the request body built from the same field specs the handler
 * validates with, the query parameters and the success answer. A route
 * nobody described still appears, with a summary that says so. */
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "http.h"
#include "offer.h"
#include "plugin.h"
#include "registry.h"

/* One description, found by its route's method and path. */
static const struct socle_route_doc *doc_of(const socle_core *core, const struct socle_route *r)
{
	const struct registry *reg = &core->reg;

	for (size_t i = 0; i < reg->route_docs.n; i++) {
		const struct socle_route_doc *d = reg->route_docs.v[i];

		if ((d->method & 0xff) == (r->method & 0xff) && strcmp(d->path, r->path) == 0)
			return d;
	}
	return NULL;
}

static json_t *field_schema(const struct socle_field *f)
{
	json_t *s = json_object();

	switch (f->type) {
	case SOCLE_F_STRING:
		json_object_set_new(s, "type", json_string("string"));
		if (f->min || f->max) {
			json_object_set_new(s, "minLength", json_integer(f->min));
			json_object_set_new(s, "maxLength", json_integer(f->max));
		}
		break;
	case SOCLE_F_INT:
		json_object_set_new(s, "type", json_string("integer"));
		if (f->min || f->max) {
			json_object_set_new(s, "minimum", json_integer(f->min));
			json_object_set_new(s, "maximum", json_integer(f->max));
		}
		break;
	case SOCLE_F_NUMBER:
		json_object_set_new(s, "type", json_string("number"));
		break;
	case SOCLE_F_BOOL:
		json_object_set_new(s, "type", json_string("boolean"));
		break;
	case SOCLE_F_DATE:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "format", json_string("date"));
		break;
	case SOCLE_F_EMAIL:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "format", json_string("email"));
		break;
	case SOCLE_F_ENUM: {
		json_t *e = json_array();

		for (const char *const *c = f->choices; c && *c; c++)
			json_array_append_new(e, json_string(*c));
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "enum", e);
		break;
	}
	case SOCLE_F_OBJECT:
		json_object_set_new(s, "type", json_string("object"));
		break;
	case SOCLE_F_ARRAY:
		json_object_set_new(s, "type", json_string("array"));
		if (f->max)
			json_object_set_new(s, "maxItems", json_integer(f->max));
		break;
	default:
		break;
	}
	return s;
}

static json_t *object_schema(const struct socle_field *fields, size_t n)
{
	json_t *props = json_object(), *req = json_array();

	for (size_t i = 0; i < n; i++) {
		json_object_set_new(props, fields[i].name, field_schema(&fields[i]));
		if (fields[i].required)
			json_array_append_new(req, json_string(fields[i].name));
	}
	json_t *s = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
	                      "additionalProperties", 0);

	if (json_array_size(req))
		json_object_set_new(s, "required", req);
	else
		json_decref(req);
	return s;
}

static const char *method_key(unsigned m)
{
	switch (m & 0xff) {
	case SOCLE_GET: return "get";
	case SOCLE_POST: return "post";
	case SOCLE_PUT: return "put";
	case SOCLE_PATCH: return "patch";
	case SOCLE_DELETE: return "delete";
	default: return NULL;
	}
}

/* The operation of one route. */
static json_t *operation(const struct reg_route *rec, const struct socle_route_doc *d)
{
	const struct socle_route *r = rec->route;
	const char *owner = rec->owner ? socle_plugin_name(rec->owner) : "core";
	char fallback[300];
	json_t *params = json_array();

	snprintf(fallback, sizeof(fallback), "%s %s (non décrite)", method_key(r->method), r->path);
	/* {name} segments of the path */
	for (const char *p = strchr(r->path, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		char name[64];

		if (!end || (size_t)(end - p - 1) >= sizeof(name))
			break;
		memcpy(name, p + 1, (size_t)(end - p - 1));
		name[end - p - 1] = '\0';
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name, "in",
		                                        "path", "required", 1, "schema", "type",
		                                        "string"));
	}
	for (size_t i = 0; d && i < d->n_query; i++) {
		json_t *q = json_pack("{s:s, s:s, s:b, s:o}", "name", d->query[i].name, "in", "query",
		                      "required", d->query[i].required, "schema",
		                      field_schema(&d->query[i]));

		json_array_append_new(params, q);
	}
	json_t *ok = json_pack("{s:s, s:{s:{s:{s:s}}}}", "description",
	                       d && d->response ? d->response : "Succès.", "content",
	                       "application/json", "schema", "type", "object");
	json_t *op = json_pack("{s:s, s:[s], s:s, s:o, s:{s:o, s:{s:s}}}", "summary",
	                       d && d->summary ? d->summary : fallback, "tags", owner,
	                       "x-socle-capability", r->capability ? r->capability : "public",
	                       "parameters", params, "responses", "2XX", ok, "default", "$ref",
	                       "#/components/responses/Error");

	if (d && d->n_body)
		json_object_set_new(op, "requestBody",
		                    json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content",
		                              "application/json", "schema",
		                              object_schema(d->body, d->n_body)));
	/* SOCLE_CAP_PUBLIC is NULL: any other capability needs a session. */
	if (r->capability != NULL)
		json_object_set_new(op, "security",
		                    json_pack("[{s:[]}, {s:[]}]", "bearer", "cookie"));
	return op;
}

/* The OpenAPI path of a route: "/api/v1/{service}" + its path. */
json_t *openapi_document(const socle_service *svc)
{
	const socle_core *core = svc->core;
	json_t *paths = json_object();

	for (size_t i = 0; i < core->reg.routes.n; i++) {
		const struct reg_route *rec = &core->reg.routes.v[i];
		const char *m = method_key(rec->route->method);

		if (m == NULL)
			continue;
		if (rec->owner && (!svc->plugin_enabled || !svc->plugin_enabled[rec->owner->index]))
			continue;
		json_t *item = json_object_get(paths, rec->route->path);

		if (item == NULL) {
			item = json_object();
			json_object_set_new(paths, rec->route->path, item);
		}
		json_object_set_new(item, m, operation(rec, doc_of(core, rec->route)));
	}
	char server[300];

	snprintf(server, sizeof(server), "%s%s", HTTP_API_PREFIX, svc->id);
	json_t *error_schema = json_pack(
		"{s:s, s:{s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:{s:s}}}, s:[s, s]}},"
		" s:[s]}",
		"type", "object", "properties", "error", "type", "object", "properties", "code", "type",
		"string", "message", "type", "string", "request_id", "type", "string", "fields", "type",
		"array", "items", "type", "object", "required", "code", "message", "required", "error");
	json_t *components = json_pack(
		"{s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}}, s:{s:{s:s, s:{s:{s:o}}}}}", "securitySchemes",
		"bearer", "type", "http", "scheme", "bearer", "cookie", "type", "apiKey", "in",
		"cookie", "name", "socle_session", "responses", "Error", "description",
		"Erreur : un code stable, un message en français, les champs en cause.", "content",
		"application/json", "schema", error_schema);

	return json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:o}", "openapi", "3.1.0",
	                 "info", "title", svc->name, "version", "1", "description",
	                 "API HTTP/JSON de Socle pour ce service (docs/http.md).", "servers", "url",
	                 server, "paths", paths, "components", components);
}

static int openapi_get(socle_req *req, void *ud)
{
	(void)ud;
	json_t *doc = openapi_document(req->service);

	return doc ? socle_reply_json(req, 200, doc) : SOCLE_E_NOMEM;
}

static const struct socle_route openapi_routes[] = {
	{SOCLE_GET, "/openapi.json", SOCLE_CAP_PUBLIC, 0, openapi_get, NULL},
};

/* The core's own routes, described. */
static const struct socle_field login_body[] = {
	{.name = "email", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 254},
	{.name = "password", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 1024},
	{.name = "totp", .type = SOCLE_F_STRING, .min = 1, .max = 16},
};
static const struct socle_field totp_body[] = {
	{.name = "code", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 16},
};
static const struct socle_field code_body[] = {
	{.name = "email", .type = SOCLE_F_STRING, .required = true, .min = 3, .max = 254},
	{.name = "purpose", .type = SOCLE_F_ENUM, .choices = (const char *const[]){"login", "reset",
	                                                                           NULL}},
};
static const struct socle_field verify_body[] = {
	{.name = "email", .type = SOCLE_F_STRING, .required = true, .min = 3, .max = 254},
	{.name = "code", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 16},
	{.name = "totp", .type = SOCLE_F_STRING, .min = 1, .max = 16},
};
static const struct socle_field reset_body[] = {
	{.name = "email", .type = SOCLE_F_STRING, .required = true, .min = 3, .max = 254},
	{.name = "code", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 16},
	{.name = "password", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 1024},
	{.name = "totp", .type = SOCLE_F_STRING, .min = 1, .max = 16},
};
static const struct socle_field change_body[] = {
	{.name = "current_password", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 1024},
	{.name = "password", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 1024},
};
static const struct socle_field page_query[] = {
	{.name = "limit", .type = SOCLE_F_INT, .min = 1, .max = 500},
	{.name = "cursor", .type = SOCLE_F_STRING, .min = 1, .max = 64},
};

static const struct socle_route_doc core_docs[] = {
	{SOCLE_POST, "/auth/login", "Se connecter avec une adresse et un mot de passe.", login_body,
	 3, NULL, 0, "Le jeton de session, le jeton anti-CSRF, l'expiration et l'utilisateur."},
	{SOCLE_POST, "/auth/logout", "Se déconnecter (la session est révoquée).", NULL, 0, NULL, 0,
	 NULL},
	{SOCLE_GET, "/auth/me", "Qui suis-je : rôle, capacités, périmètres, session.", NULL, 0, NULL,
	 0, NULL},
	{SOCLE_GET, "/auth/me/accesses", "Les accès à mes données médicales (salarié).", NULL, 0,
	 page_query, 2, NULL},
	{SOCLE_GET, "/audit", "Le journal d'audit du service.", NULL, 0, page_query, 2, NULL},
	{SOCLE_POST, "/auth/code", "Recevoir un code de connexion à usage unique par courriel.",
	 code_body, 2, NULL, 0, "La même réponse quelle que soit l'adresse."},
	{SOCLE_POST, "/auth/code/verify", "Se connecter avec le code reçu par courriel.",
	 verify_body, 3, NULL, 0, "Comme la connexion par mot de passe."},
	{SOCLE_POST, "/auth/password/reset", "Choisir un nouveau mot de passe avec un code reçu.",
	 reset_body, 4, NULL, 0, "Comme la connexion par mot de passe."},
	{SOCLE_PUT, "/auth/me/password", "Changer mon mot de passe.", change_body, 2, NULL, 0,
	 NULL},
	{SOCLE_GET, "/auth/me/totp", "Ma double authentification : active, exigée ?", NULL, 0, NULL,
	 0, "{enabled, required}."},
	{SOCLE_POST, "/auth/me/totp", "Commencer la double authentification : une nouvelle clé.",
	 NULL, 0, NULL, 0, "La clé (texte) et l'adresse otpauth:// pour l'application."},
	{SOCLE_POST, "/auth/me/totp/confirm", "Activer la double authentification avec un code.",
	 totp_body, 1, NULL, 0, "Dix codes de secours, affichés une seule fois."},
	{SOCLE_DELETE, "/auth/users/{id}/totp",
	 "Réinitialiser la double authentification d'un compte (administrateur du service).", NULL,
	 0, NULL, 0, NULL},
	{SOCLE_GET, "/offer", "L'offre du service : les modules qu'il active.", NULL, 0, NULL, 0,
	 NULL},
	{SOCLE_GET, "/identity", "L'identité du service : nom, coordonnées, couleurs.", NULL, 0,
	 NULL, 0, NULL},
	{SOCLE_GET, "/identity.css", "Les couleurs du service, en feuille de style.", NULL, 0, NULL,
	 0, NULL},
	{SOCLE_GET, "/identity/logo", "Le logo du service.", NULL, 0, NULL, 0, NULL},
	{SOCLE_GET, "/openapi.json", "Cette description de l'API (OpenAPI 3.1).", NULL, 0, NULL, 0,
	 NULL},
};

int openapi_register_core(socle_core *core, socle_err *err)
{
	for (size_t i = 0; i < SOCLE_COUNT(core_docs); i++)
		if (registry_add_route_doc(&core->reg, &core_docs[i]) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	for (size_t i = 0; i < SOCLE_COUNT(openapi_routes); i++) {
		struct reg_route rec = {.owner = NULL, .route = &openapi_routes[i]};

		if (registry_add_route(&core->reg, &rec) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	return 0;
}

int socle_plugin_describe_routes(socle_plugin *p, const struct socle_route_doc *docs,
                                 size_t count, socle_err *err)
{
	if (!p || (!docs && count))
		return socle_err_set(err, SOCLE_E_INVAL, "socle_plugin_describe_routes : argument nul");
	if (p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE,
		                     "%s : les routes se décrivent dans init() seulement",
		                     socle_plugin_name(p));
	struct registry *reg = &p->core->reg;

	for (size_t i = 0; i < count; i++)
		if (registry_add_route_doc(reg, &docs[i]) < 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	return 0;
}
