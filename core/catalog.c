/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The catalogues of events and error codes, and their declarations.
 *
 * Why declared: a consumer plugin, a service's script (socle.on) or an API
 * client relies on an event's name and payload, or on an error's code and
 * status, as on a function's signature. Declaring them lets the docs list
 * them (tests hold docs/events.md and docs/errors.md to the registry), lets
 * `socle check` catch a script listening for an event nobody emits, and lets
 * the test build refuse an undeclared one at the moment it is used. */
#include <string.h>

#include "catalog.h"

/* What the core itself answers with (http.c, auth_routes.c, the router). */
static const struct socle_error_decl core_errors[] = {
	{"invalid", 400, "Requête invalide : un paramètre ou le corps est mal formé."},
	{"invalid_argument", 400, "Un paramètre de la requête est invalide."},
	{"invalid_json", 400, "Le corps n'est pas un objet JSON valide."},
	{"unauthenticated", 401, "Connexion requise : aucune session, ou session expirée ou révoquée."},
	{"invalid_credentials", 401, "Adresse ou mot de passe incorrect."},
	{"second_factor_required", 401, "Le compte a une double authentification : le code de "
	                                "l'application (champ « totp ») est requis."},
	{"forbidden", 403, "Connecté, mais pas autorisé pour cette action ou cet enregistrement."},
	{"not_found", 404, "La ressource n'existe pas (ou n'est pas visible pour ce compte)."},
	{"method_not_allowed", 405, "La méthode n'existe pas pour ce chemin (voir l'en-tête Allow)."},
	{"already_exists", 409, "La ressource existe déjà."},
	{"conflict", 409, "L'état actuel ne permet pas cette opération."},
	{"too_large", 413, "Corps ou paramètre trop volumineux."},
	{"unsupported_media_type", 415, "Type de contenu non accepté (JSON, ou CSV pour les imports)."},
	{"validation_failed", 422, "Des champs sont invalides : la liste « fields » dit lesquels."},
	{"throttled", 429, "Trop de tentatives : réessayez après le délai de Retry-After."},
	{"rule_failed", 500, "Une règle du service (son script Lua) a échoué, dépassé son budget ou "
	                     "répondu hors contrat ; le détail, chemin et ligne, est dans le journal."},
	{"internal_error", 500, "Erreur du serveur lui-même ; le détail est dans son journal."},
	{"document_altered", 500, "Le PDF enregistré d'un document émis ne correspond plus à son "
	                          "empreinte SHA-256 : il n'est pas servi (journalisé)."},
};

const struct socle_error_decl *catalog_core_errors(size_t *count)
{
	*count = SOCLE_COUNT(core_errors);
	return core_errors;
}

const struct socle_event_decl *catalog_event(const socle_core *core, const char *name)
{
	const struct registry *r = &core->reg;

	for (size_t i = 0; name && i < r->event_decls.n; i++)
		if (strcmp(r->event_decls.v[i].decl->name, name) == 0)
			return r->event_decls.v[i].decl;
	return NULL;
}

bool catalog_event_for(const socle_service *svc, const char *name)
{
	const struct registry *r = &svc->core->reg;

	for (size_t i = 0; name && i < r->event_decls.n; i++) {
		const struct reg_event_decl *e = &r->event_decls.v[i];

		if (strcmp(e->decl->name, name) == 0 &&
		    (e->owner == NULL || (svc->plugin_enabled && svc->plugin_enabled[e->owner->index])))
			return true;
	}
	return false;
}

bool catalog_error_known(const socle_core *core, const char *code, unsigned status)
{
	const struct registry *r = &core->reg;

	for (size_t i = 0; code && i < SOCLE_COUNT(core_errors); i++)
		if (strcmp(core_errors[i].code, code) == 0 && core_errors[i].status == status)
			return true;
	for (size_t i = 0; code && i < r->error_decls.n; i++)
		if (strcmp(r->error_decls.v[i].decl->code, code) == 0 &&
		    r->error_decls.v[i].decl->status == status)
			return true;
	return false;
}

static bool valid_code(const char *s)
{
	if (s == NULL || *s < 'a' || *s > 'z')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

SOCLE_API int socle_plugin_declare_events(socle_plugin *p, const struct socle_event_decl *events,
                                          size_t count, socle_err *err)
{
	if (p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE, "events are declared in init() only");
	for (size_t i = 0; i < count; i++) {
		const struct socle_event_decl *e = &events[i];
		const struct socle_event_decl *taken = catalog_event(p->core, e->name);

		if (e->name == NULL || strchr(e->name, '.') == NULL || e->payload == NULL ||
		    e->summary == NULL)
			return socle_err_set(err, SOCLE_E_INVAL, "événement %zu : nom domaine.verbe, "
			                     "champs et résumé requis", i);
		if (taken != NULL)
			return socle_err_set(err, SOCLE_E_EXISTS, "l'événement %s est déjà déclaré",
			                     e->name);
		struct reg_event_decl rec = {.owner = p, .decl = e};

		if (registry_add_event_decl(&p->core->reg, &rec) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	return 0;
}

SOCLE_API int socle_plugin_declare_errors(socle_plugin *p, const struct socle_error_decl *errors,
                                          size_t count, socle_err *err)
{
	if (p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE, "error codes are declared in init() only");
	for (size_t i = 0; i < count; i++) {
		const struct socle_error_decl *e = &errors[i];

		if (!valid_code(e->code) || e->status < 400 || e->status > 599 || e->meaning == NULL)
			return socle_err_set(err, SOCLE_E_INVAL, "code d'erreur %zu : snake_case, statut "
			                     "4xx/5xx et sens requis", i);
		if (catalog_error_known(p->core, e->code, e->status))
			continue; /* the same meaning declared twice (a core code reused) */
		struct reg_error_decl rec = {.owner = p, .decl = e};

		if (registry_add_error_decl(&p->core->reg, &rec) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	return 0;
}
