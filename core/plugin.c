/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Plugin loading and lifecycle.
 *
 * Plugins come from the folders of "plugin_dirs" only, by name: <dir>/<name>.so
 * exporting socle_plugin_entry_<name>. Libraries are opened RTLD_NOW so that a
 * missing symbol fails at load, RTLD_LOCAL so that plugins never see each other's
 * symbols (they talk through events and the core), and they are never closed:
 * code of a plugin may still be referenced by a registration being revoked. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "plugin.h"

/* The smallest descriptor we can read: ABI 1.0 ends after fini. */
#define DESC_MIN_SIZE (offsetof(struct socle_plugin_desc, fini) + sizeof(void (*)(socle_plugin *)))

static char *where_plugin(const char *name)
{
	char *w;

	return asprintf(&w, "plugin %s", name) < 0 ? NULL : w;
}

static void plugin_problem(struct diag *d, const char *name, const char *fmt, const char *a,
                           const char *b)
{
	char *w = where_plugin(name);

	diag_add(d, w, fmt, a, b);
	free(w);
}

socle_plugin *plugins_find(const socle_core *core, const char *name)
{
	for (size_t i = 0; i < core->n_plugins; i++)
		if (strcmp(core->plugins[i]->desc->name, name) == 0)
			return core->plugins[i];
	return NULL;
}

const char *const *plugin_desc_optional(const struct socle_plugin_desc *desc)
{
	/* A descriptor built before 1.4 ends before the member: never read past it. */
	if (desc->desc_size < offsetof(struct socle_plugin_desc, optional) + sizeof(desc->optional))
		return NULL;
	return desc->optional;
}

static const struct socle_plugin_desc *find_static(const socle_core *core, const char *name)
{
	for (const struct socle_plugin_desc *const *s = core->opts.static_plugins; s && *s; s++)
		if (strcmp((*s)->name, name) == 0)
			return *s;
	return NULL;
}

/* Check a descriptor read from a library or linked statically. */
static int check_desc(const struct socle_plugin_desc *desc, const char *name, struct diag *d)
{
	char a[64], b[64];

	if (desc->magic != SOCLE_PLUGIN_MAGIC) {
		plugin_problem(d, name, "%s%sdescripteur invalide (nombre magique)", "", "");
		return SOCLE_E_ABI;
	}
	if (desc->abi_major != SOCLE_ABI_MAJOR || desc->abi_minor > SOCLE_ABI_MINOR) {
		snprintf(a, sizeof(a), "%u.%u", desc->abi_major, desc->abi_minor);
		snprintf(b, sizeof(b), "%u.%u", SOCLE_ABI_MAJOR, SOCLE_ABI_MINOR);
		plugin_problem(d, name, "construit pour l'ABI %s, cet hôte fournit l'ABI %s : "
		               "recompilez le plugin avec les en-têtes installés", a, b);
		return SOCLE_E_ABI;
	}
	if (desc->desc_size < DESC_MIN_SIZE) {
		plugin_problem(d, name, "%s%sdescripteur tronqué", "", "");
		return SOCLE_E_ABI;
	}
	if (desc->name == NULL || strcmp(desc->name, name) != 0) {
		plugin_problem(d, name, "le descripteur porte le nom « %s » au lieu de « %s »",
		               desc->name ? desc->name : "(aucun)", name);
		return SOCLE_E_ABI;
	}
	return 0;
}

/* Find <name>.so in the plugin folders; a name present in two folders is an
 * error rather than a silent first-wins, so an operator never runs the plugin
 * they did not expect. */
static char *find_library(const socle_core *core, const char *name, struct diag *d)
{
	const json_t *dirs = config_plugin_dirs(core);
	char *found = NULL;
	size_t i;
	json_t *dir;

	json_array_foreach((json_t *)dirs, i, dir) {
		char *path;

		if (asprintf(&path, "%s/%s.so", json_string_value(dir), name) < 0)
			return NULL;
		if (access(path, R_OK) != 0) {
			free(path);
			continue;
		}
		if (found != NULL) {
			plugin_problem(d, name, "présent en double : %s et %s", found, path);
			free(path);
			free(found);
			return NULL;
		}
		found = path;
	}
	return found;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where a plugin's own files (scripts/, web/) are: the folder named after it
 * beside its .so, which socle_add_plugin fills in a build tree and at install
 * (lib/socle/plugins/<name>/), so an installed tree needs no path in the
 * config. A plugin linked into a test binary has no .so: its source folder. */
static char *find_assets(const char *so_path, const char *name)
{
	char *dir = NULL;

	if (so_path != NULL) {
		const char *slash = strrchr(so_path, '/');
		int n = slash ? (int)(slash - so_path) : 1;

		if (asprintf(&dir, "%.*s/%s", n, slash ? so_path : ".", name) < 0)
			return NULL;
		if (is_dir(dir))
			return dir;
		free(dir);
		return NULL;
	}
	static const char *const source_homes[] = {SOCLE_SOURCE_DIR "/plugins",
	                                           SOCLE_SOURCE_DIR "/examples/plugins"};
	for (size_t i = 0; i < SOCLE_COUNT(source_homes); i++) {
		if (asprintf(&dir, "%s/%s", source_homes[i], name) < 0)
			return NULL;
		if (is_dir(dir))
			return dir;
		free(dir);
	}
	return NULL;
}

static int add_plugin(socle_core *core, const char *name, struct diag *d)
{
	const struct socle_plugin_desc *desc = find_static(core, name);
	char *path = NULL;
	void *handle = NULL;

	if (!config_valid_plugin_name(name)) {
		plugin_problem(d, name, "%s%snom de plugin invalide", "", "");
		return SOCLE_E_INVAL;
	}
	if (desc == NULL) {
		path = find_library(core, name, d);
		if (path == NULL) {
			char *dirs = json_dumps(config_plugin_dirs(core), JSON_COMPACT);

			plugin_problem(d, name, "plugin inconnu : aucun fichier %s.so dans %s", name,
			               dirs ? dirs : "[]");
			free(dirs);
			return SOCLE_E_NOTFOUND;
		}
		handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (handle == NULL) {
			plugin_problem(d, name, "chargement de %s impossible : %s", path, dlerror());
			free(path);
			return SOCLE_E_IO;
		}
		char sym[128];

		snprintf(sym, sizeof(sym), "socle_plugin_entry_%s", name);
		desc = dlsym(handle, sym);
		if (desc == NULL) {
			plugin_problem(d, name, "%s n'exporte pas %s (SOCLE_PLUGIN_DEFINE manquant ?)",
			               path, sym);
			free(path);
			return SOCLE_E_ABI;
		}
	}
	if (check_desc(desc, name, d) != 0) {
		free(path);
		return SOCLE_E_ABI;
	}
	socle_plugin *p = calloc(1, sizeof(*p));
	socle_plugin **v = realloc(core->plugins, (core->n_plugins + 1) * sizeof(*v));

	if (p == NULL || v == NULL) {
		free(p);
		free(path);
		if (v)
			core->plugins = v;
		return SOCLE_E_NOMEM;
	}
	core->plugins = v;
	p->core = core;
	p->desc = desc;
	p->path = path;
	p->handle = handle;
	p->assets_dir = find_assets(path, name);
	core->plugins[core->n_plugins++] = p;
	return 0;
}

/* Depth-first topological order; @p state: 0 new, 1 visiting, 2 done. */
static int order_visit(socle_core *core, size_t i, int *state, socle_plugin **out, size_t *n_out,
                       struct diag *d)
{
	socle_plugin *p = core->plugins[i];

	if (state[i] == 2)
		return 0;
	if (state[i] == 1) {
		plugin_problem(d, p->desc->name, "%s%sdépendance circulaire", "", "");
		return SOCLE_E_DEPEND;
	}
	state[i] = 1;
	/* Required plugins, then optional ones that are loaded: both init first. */
	const char *const *lists[2] = {p->desc->requires, plugin_desc_optional(p->desc)};

	for (size_t l = 0; l < 2; l++)
		for (const char *const *r = lists[l]; r && *r; r++) {
			size_t j;

			for (j = 0; j < core->n_plugins; j++)
				if (strcmp(core->plugins[j]->desc->name, *r) == 0)
					break;
			if (j == core->n_plugins)
				continue; /* required: reported by the caller; optional: fine */
			if (state[j] == 1) {
				plugin_problem(d, p->desc->name, "dépendance circulaire avec %s%s", *r, "");
				state[i] = 2;
				return SOCLE_E_DEPEND;
			}
			if (order_visit(core, j, state, out, n_out, d) != 0) {
				state[i] = 2;
				return SOCLE_E_DEPEND;
			}
		}
	state[i] = 2;
	out[(*n_out)++] = p;
	return 0;
}

int plugins_load(socle_core *core, struct diag *d)
{
	size_t before = diag_count(d);

	/* The set of plugins any service enables, in config order. */
	for (size_t s = 0; s < core->n_services; s++) {
		const char *name;
		json_t *settings;

		json_object_foreach(core->services[s]->plugin_settings, name, settings) {
			(void)settings;
			if (!config_valid_plugin_name(name) || plugins_find(core, name))
				continue;
			bool tried = false;

			for (size_t t = 0; t < s; t++)
				if (json_object_get(core->services[t]->plugin_settings, name))
					tried = true; /* already failed for an earlier service */
			if (!tried)
				add_plugin(core, name, d);
		}
	}
	/* Requirements: loaded, and enabled wherever the dependent is enabled. */
	for (size_t i = 0; i < core->n_plugins; i++) {
		const struct socle_plugin_desc *desc = core->plugins[i]->desc;

		for (const char *const *r = desc->requires; r && *r; r++) {
			if (plugins_find(core, *r) == NULL) {
				plugin_problem(d, desc->name, "requiert le plugin %s, qui n'est pas "
				               "chargé%s", *r, "");
				continue;
			}
			for (size_t s = 0; s < core->n_services; s++) {
				socle_service *svc = core->services[s];

				if (json_object_get(svc->plugin_settings, desc->name) &&
				    !json_object_get(svc->plugin_settings, *r)) {
					char msg[256];

					snprintf(msg, sizeof(msg), "le service %s l'active sans activer %s",
					         svc->id, *r);
					plugin_problem(d, desc->name, "requiert %s : %s", *r, msg);
				}
			}
		}
	}
	/* Order dependencies first. */
	if (core->n_plugins > 0) {
		int *state = calloc(core->n_plugins, sizeof(*state));
		socle_plugin **ordered = calloc(core->n_plugins, sizeof(*ordered));
		size_t n = 0;

		if (state == NULL || ordered == NULL) {
			free(state);
			free(ordered);
			return SOCLE_E_NOMEM;
		}
		for (size_t i = 0; i < core->n_plugins; i++)
			order_visit(core, i, state, ordered, &n, d);
		if (n == core->n_plugins) {
			memcpy(core->plugins, ordered, n * sizeof(*ordered));
			for (size_t i = 0; i < n; i++)
				core->plugins[i]->index = i;
		}
		free(state);
		free(ordered);
	}
	/* Per-service enablement table, indexed like core->plugins. */
	for (size_t s = 0; s < core->n_services; s++) {
		socle_service *svc = core->services[s];

		svc->plugin_enabled = calloc(core->n_plugins ? core->n_plugins : 1, sizeof(bool));
		if (svc->plugin_enabled == NULL)
			return SOCLE_E_NOMEM;
		for (size_t i = 0; i < core->n_plugins; i++)
			svc->plugin_enabled[i] =
				json_object_get(svc->plugin_settings, core->plugins[i]->desc->name) != NULL;
	}
	return diag_count(d) > before ? SOCLE_E_INVAL : 0;
}

/* Is every requirement of @p p initialised? */
static bool requirements_ready(const socle_core *core, const socle_plugin *p)
{
	for (const char *const *r = p->desc->requires; r && *r; r++) {
		socle_plugin *dep = plugins_find(core, *r);

		if (dep == NULL || !dep->initialized)
			return false;
	}
	return true;
}

int plugins_init(socle_core *core, struct diag *d)
{
	int rc = 0;

	core->phase = PHASE_INIT;
	for (size_t i = 0; i < core->n_plugins; i++) {
		socle_plugin *p = core->plugins[i];
		socle_err err = SOCLE_ERR_INIT;

		if (!requirements_ready(core, p)) {
			plugin_problem(d, p->desc->name, "%s%snon initialisé : une dépendance a échoué", "", "");
			rc = SOCLE_E_DEPEND;
			continue;
		}
		if (p->desc->init == NULL) {
			p->initialized = true;
			continue;
		}
		core->current_plugin = p;
		int r = p->desc->init(p, &err);
		core->current_plugin = NULL;
		if (r != 0) {
			/* Take back whatever the plugin registered before failing; its
			 * fini() is not owed since its init did not complete. */
			registry_revoke(&core->reg, p);
			plugin_problem(d, p->desc->name, "init a échoué : %s%s",
			               err.msg[0] ? err.msg : socle_strerror(r), "");
			rc = r;
			continue;
		}
		p->initialized = true;
	}
	core->phase = PHASE_MIGRATE;
	return rc;
}

int plugins_start(socle_core *core, struct diag *d)
{
	int rc = 0;

	core->phase = PHASE_START;
	for (size_t i = 0; i < core->n_plugins; i++) {
		socle_plugin *p = core->plugins[i];
		socle_err err = SOCLE_ERR_INIT;

		if (!p->initialized)
			continue;
		if (p->desc->start) {
			int r = p->desc->start(p, &err);

			if (r != 0) {
				plugin_problem(d, p->desc->name, "start a échoué : %s%s",
				               err.msg[0] ? err.msg : socle_strerror(r), "");
				rc = r;
				continue;
			}
		}
		p->started = true;
	}
	return rc;
}

void plugins_stop(socle_core *core)
{
	core->phase = PHASE_STOP;
	for (size_t i = core->n_plugins; i-- > 0;) {
		socle_plugin *p = core->plugins[i];

		if (p->started && p->desc->stop)
			p->desc->stop(p);
		p->started = false;
	}
}

void plugins_fini(socle_core *core)
{
	core->phase = PHASE_FINI;
	for (size_t i = core->n_plugins; i-- > 0;) {
		socle_plugin *p = core->plugins[i];

		if (p->initialized && p->desc->fini)
			p->desc->fini(p);
		p->initialized = false;
		free(p->path);
		free(p->assets_dir);
		free(p);
	}
	free(core->plugins);
	core->plugins = NULL;
	core->n_plugins = 0;
}

/* ---- public accessors ---- */

SOCLE_API const char *socle_plugin_name(const socle_plugin *p)
{
	return p->desc->name;
}

SOCLE_API socle_core *socle_plugin_core(const socle_plugin *p)
{
	return p->core;
}

SOCLE_API void socle_plugin_set_data(socle_plugin *p, void *data)
{
	p->data = data;
}

SOCLE_API void *socle_plugin_get_data(const socle_plugin *p)
{
	return p->data;
}

SOCLE_API int socle_plugin_add_migrations(socle_plugin *p, const struct socle_migration *migrations,
                                          size_t count, socle_err *err)
{
	if (p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE, "migrations are registered in init() only");
	for (size_t i = 0; i < count; i++)
		if (migrations[i].version != (int)i + 1 || migrations[i].sql == NULL)
			return socle_err_set(err, SOCLE_E_INVAL,
			                     "migrations of %s must be numbered 1, 2, 3... in order",
			                     p->desc->name);
	struct reg_migrations rec = {.owner = p, .owner_name = p->desc->name, .list = migrations,
	                             .count = count};
	if (registry_add_migrations(&p->core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return 0;
}

SOCLE_API size_t socle_core_service_count(const socle_core *core)
{
	return core->n_services;
}

SOCLE_API socle_service *socle_core_service_at(const socle_core *core, size_t i)
{
	return i < core->n_services ? core->services[i] : NULL;
}

SOCLE_API socle_service *socle_core_service(const socle_core *core, const char *id)
{
	for (size_t i = 0; i < core->n_services; i++)
		if (strcmp(core->services[i]->id, id) == 0)
			return core->services[i];
	return NULL;
}

SOCLE_API const char *socle_service_id(const socle_service *svc)
{
	return svc->id;
}

SOCLE_API const char *socle_service_name(const socle_service *svc)
{
	return svc->name;
}

SOCLE_API bool socle_service_enables(const socle_service *svc, const char *name)
{
	socle_plugin *p = plugins_find(svc->core, name);

	return p != NULL && svc->plugin_enabled && svc->plugin_enabled[p->index];
}

SOCLE_API const void *socle_service_settings(const socle_service *svc, const socle_plugin *p)
{
	static json_t *empty;
	json_t *s = json_object_get(svc->plugin_settings, p->desc->name);

	if (s != NULL)
		return s;
	if (empty == NULL)
		empty = json_object(); /* shared, never modified: read-only by contract */
	return empty;
}
