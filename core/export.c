/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Interfaces between plugins (socle/export.h): the exports registry and the
 * checks of an import.
 *
 * An import is resolved once, in the importer's init(), when the exporter's
 * init() has already run: `requires` and `optional` both order the exporter
 * first. Every refusal is a startup error whose message names the interface
 * and both plugins, so an operator reading `socle check` knows which of the
 * two to upgrade. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "core.h"
#include "plugin.h"

/* Is @p name one of the NULL-terminated @p list? */
static bool listed(const char *const *list, const char *name)
{
	for (const char *const *n = list; n && *n; n++)
		if (strcmp(*n, name) == 0)
			return true;
	return false;
}

SOCLE_API int socle_plugin_export(socle_plugin *p, const char *name, unsigned major,
                                  const void *table, size_t size, socle_err *err)
{
	if (p->core->phase != PHASE_INIT || p->core->current_plugin != p)
		return socle_err_set(err, SOCLE_E_PHASE, "interfaces are exported in init() only");
	if (name == NULL || !config_valid_plugin_name(name) || major == 0 || table == NULL ||
	    size == 0)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "export invalide : nom [a-z][a-z0-9_]*, version >= 1, table non vide");
	const struct reg_export *taken = registry_export(&p->core->reg, name, major);

	if (taken != NULL)
		return socle_err_set(err, SOCLE_E_EXISTS, "%s.v%u est déjà exportée par le plugin %s",
		                     name, major, socle_plugin_name(taken->owner));
	struct reg_export rec = {.owner = p, .name = (char *)name, .major = major, .table = table,
	                         .size = size};

	if (registry_add_export(&p->core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return 0;
}

/* The plugin that exports @p name: the export's owner when one exists, else a
 * plugin of that name (the usual case: membership exports "membership"). */
static socle_plugin *exporter_of(const socle_core *core, const char *name)
{
	const struct reg_export *e = registry_export(&core->reg, name, 0);

	return e ? e->owner : plugins_find(core, name);
}

SOCLE_API const void *socle_plugin_import(socle_plugin *p, const char *name, unsigned major,
                                          size_t min_size, unsigned flags, socle_err *err)
{
	const socle_core *core = p->core;
	const char *me = socle_plugin_name(p);
	bool optional = (flags & SOCLE_IMPORT_OPTIONAL) != 0;

	if (core->phase != PHASE_INIT || core->current_plugin != p) {
		socle_err_set(err, SOCLE_E_PHASE, "interfaces are imported in init() only");
		return NULL;
	}
	if (name == NULL || major == 0) {
		socle_err_set(err, SOCLE_E_INVAL, "import invalide : nom et version >= 1 requis");
		return NULL;
	}
	socle_plugin *from = exporter_of(core, name);
	const char *from_name = from ? socle_plugin_name(from) : name;
	bool required = listed(p->desc->requires, from_name);
	bool declared_optional = listed(plugin_desc_optional(p->desc), from_name);

	/* The declaration comes first: it is what orders the exporter's init
	 * before ours and what an operator reads to know the dependency. */
	if (!required && declared_optional && !optional) {
		socle_err_set(err, SOCLE_E_DEPEND,
		              "le plugin %s déclare le plugin %s « optional » mais importe %s.v%u "
		              "sans SOCLE_IMPORT_OPTIONAL", me, from_name, name, major);
		return NULL;
	}
	if (!required && !(optional && declared_optional)) {
		socle_err_set(err, SOCLE_E_DEPEND,
		              "le plugin %s importe %s.v%u du plugin %s sans le déclarer dans "
		              "%s de son descripteur",
		              me, name, major, from_name, optional ? "« optional »" : "« requires »");
		return NULL;
	}
	if (from == NULL || !from->initialized) {
		if (optional)
			return NULL; /* not loaded for any service: the importer does without */
		socle_err_set(err, SOCLE_E_DEPEND, "le plugin %s importe %s.v%u, mais le plugin %s "
		              "n'est pas chargé", me, name, major, from_name);
		return NULL;
	}
	const struct reg_export *e = registry_export(&core->reg, name, major);

	if (e == NULL) {
		const struct reg_export *other = registry_export(&core->reg, name, 0);

		if (other != NULL)
			socle_err_set(err, SOCLE_E_ABI, "le plugin %s importe %s.v%u, mais le plugin %s "
			              "n'en exporte que la version v%u", me, name, major, from_name,
			              other->major);
		else
			socle_err_set(err, SOCLE_E_NOTFOUND, "le plugin %s importe %s.v%u, que le plugin "
			              "%s n'exporte pas", me, name, major, from_name);
		return NULL;
	}
	if (e->size < min_size) {
		socle_err_set(err, SOCLE_E_ABI, "le plugin %s attend %s.v%u d'au moins %zu octets ; "
		              "le plugin %s, trop ancien, n'en fournit que %zu : mettez %s à jour",
		              me, name, major, min_size, from_name, e->size, from_name);
		return NULL;
	}
	return e->table;
}

SOCLE_API const void *socle_import_for(const socle_service *svc, const void *table)
{
	const struct registry *r = &svc->core->reg;

	if (table == NULL)
		return NULL;
	for (size_t i = 0; i < r->exports.n; i++)
		if (r->exports.v[i].table == table)
			return svc->plugin_enabled[r->exports.v[i].owner->index] ? table : NULL;
	return NULL;
}
