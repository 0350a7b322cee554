/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Lua host of each service: its script set (the plugins' packs layered with
 * the service's folder), the validation load that reports every problem with
 * file:line, and the per-thread states built lazily from the same texts.
 *
 * A state belongs to one (thread, service) pair and is never touched by
 * another thread. Each thread keeps its states in a list only it reads; the
 * service keeps the same records in its own list so that closing the service
 * closes every state. Records carry the service's serial (unique per open),
 * so a thread never mistakes a closed service's record for a live one. One
 * mutex guards the rare structural changes (create, close, thread exit). */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"
#include "lua_host.h"

#define SCRIPT_SIZE_MAX ((size_t)1 << 20)
#define SCRIPT_FILES_MAX 1000

struct lua_thread {
	struct lua_tstate *list; /* this thread's states */
};

struct lua_tstate {
	struct lua_tstate *tnext;  /* in the owning thread's list */
	struct lua_tstate *snext;  /* in the service's list (g_states_mu) */
	uint64_t serial;           /* of the service; immutable */
	struct lua_service *ls;    /* NULL once the service is closed (g_states_mu) */
	lua_State *L;              /* NULL once closed */
	struct lua_thread *thr;
};

static pthread_mutex_t g_states_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key;
static _Atomic uint64_t g_serial;
static _Thread_local struct lua_thread *tl_thread;

/* ---- per-thread states -------------------------------------------------- */

static void unlink_from_service(struct lua_tstate *e)
{
	for (struct lua_tstate **pp = &e->ls->states; *pp; pp = &(*pp)->snext)
		if (*pp == e) {
			*pp = e->snext;
			return;
		}
}

/* Thread exit: close this thread's states of services still open. */
static void thread_exit(void *arg)
{
	struct lua_thread *thr = arg;

	pthread_mutex_lock(&g_states_mu);
	for (struct lua_tstate *e = thr->list, *next; e; e = next) {
		next = e->tnext;
		if (e->ls != NULL) {
			unlink_from_service(e);
			lua_sandbox_close(e->L);
		}
		free(e);
	}
	pthread_mutex_unlock(&g_states_mu);
	if (tl_thread == thr)
		tl_thread = NULL;
	free(thr);
}

static void key_init(void)
{
	pthread_key_create(&g_key, thread_exit);
}

/* Free the records of closed services in this thread's list (g_states_mu held). */
static void prune_own(struct lua_thread *thr)
{
	for (struct lua_tstate **pp = &thr->list; *pp;) {
		struct lua_tstate *e = *pp;

		if (e->ls == NULL) {
			*pp = e->tnext;
			free(e);
		} else {
			pp = &e->tnext;
		}
	}
}

/* Adopt @p L as this thread's state for @p ls. */
static int adopt_state(struct lua_service *ls, lua_State *L, socle_err *err)
{
	pthread_once(&g_key_once, key_init);
	if (tl_thread == NULL) {
		tl_thread = calloc(1, sizeof(*tl_thread));
		if (tl_thread == NULL)
			return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		pthread_setspecific(g_key, tl_thread);
	}
	struct lua_tstate *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	e->serial = ls->serial;
	e->ls = ls;
	e->L = L;
	e->thr = tl_thread;
	pthread_mutex_lock(&g_states_mu);
	prune_own(tl_thread);
	e->tnext = tl_thread->list;
	tl_thread->list = e;
	e->snext = ls->states;
	ls->states = e;
	pthread_mutex_unlock(&g_states_mu);
	return 0;
}

/* Strip a leading "where: " the message repeats. */
static const char *strip_where(const char *msg, const char *where)
{
	size_t n = strlen(where);

	if (n > 0 && strncmp(msg, where, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

/* A state with every script of @p ls loaded. With @p d, report every problem
 * there and keep loading the other files; without, stop at the first. */
static lua_State *build_state(struct lua_service *ls, struct diag *d, socle_err *err)
{
	lua_State *L = lua_sandbox_new(ls, err);
	int failures = 0;

	if (L == NULL) {
		if (d)
			diag_add(d, ls->svc->id, "%s", err->msg);
		return NULL;
	}
	struct lua_ctx *c = lua_ctx_of(L);

	c->loading = true;
	for (size_t i = 0; i < ls->n_scripts; i++) {
		socle_err serr = SOCLE_ERR_INIT;

		if (lua_sandbox_run_script(L, &ls->scripts[i], &serr) == 0)
			continue;
		failures++;
		if (d == NULL) {
			*err = serr;
			break;
		}
		const char *where = c->where[0] ? c->where : ls->scripts[i].path;

		diag_add(d, where, "%s", strip_where(serr.msg, where));
	}
	c->loading = false;
	/* `socle check` reports everything at once: the files that loaded still
	 * run their test vectors (lua_service_open), so a syntax error in one
	 * file hides nothing of the others. A serving process keeps no partial
	 * state. */
	if (failures && !(d != NULL && ls->svc->core->opts.check_only)) {
		lua_sandbox_close(L);
		return NULL;
	}
	lua_settop(L, 0);
	return L;
}

lua_State *lua_service_state(socle_service *svc, socle_err *err)
{
	struct lua_service *ls = svc ? svc->lua : NULL;

	if (ls == NULL) {
		socle_err_set(err, SOCLE_E_PHASE, "scripts du service %s non chargés",
		              svc ? svc->id : "?");
		return NULL;
	}
	for (struct lua_tstate *e = tl_thread ? tl_thread->list : NULL; e; e = e->tnext)
		if (e->serial == ls->serial)
			return e->L;
	socle_err lerr = SOCLE_ERR_INIT;
	lua_State *L = build_state(ls, NULL, &lerr);

	if (L == NULL) {
		socle_err_set(err, lerr.code ? lerr.code : SOCLE_E_SCRIPT,
		              "service %s : chargement des scripts impossible : %s", svc->id, lerr.msg);
		return NULL;
	}
	if (adopt_state(ls, L, err) != 0) {
		lua_sandbox_close(L);
		return NULL;
	}
	return L;
}

/* ---- the script set ----------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the *.lua files of @p dir into *out (caller frees). */
static int list_dir(const char *dir, char ***out, size_t *n_out, struct diag *d)
{
	DIR *dh = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*n_out = 0;
	if (dh == NULL) {
		diag_add(d, dir, "dossier de scripts illisible : %s", strerror(errno));
		return SOCLE_E_IO;
	}
	for (struct dirent *de; (de = readdir(dh)) != NULL;) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".lua") != 0)
			continue;
		if (n == SCRIPT_FILES_MAX) {
			diag_add(d, dir, "trop de scripts (%d au plus)", SCRIPT_FILES_MAX);
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (nn == NULL)
				goto nomem;
			names = nn;
			cap = ncap;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(dh);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	*n_out = n;
	return 0;
nomem:
	closedir(dh);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	diag_add(d, dir, "mémoire insuffisante");
	return SOCLE_E_NOMEM;
}

static int read_script(struct lua_script *s, const char *dir, const char *name, struct diag *d)
{
	size_t plen = strlen(dir) + strlen(name) + 2;
	FILE *f;
	struct stat st;

	s->name = strdup(name);
	s->path = malloc(plen);
	if (s->name == NULL || s->path == NULL) {
		diag_add(d, name, "mémoire insuffisante");
		return SOCLE_E_NOMEM;
	}
	snprintf(s->path, plen, "%s/%s", dir, name);
	if ((f = fopen(s->path, "rb")) == NULL || fstat(fileno(f), &st) != 0) {
		diag_add(d, s->path, "lecture impossible : %s", strerror(errno));
		if (f)
			fclose(f);
		return SOCLE_E_IO;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > SCRIPT_SIZE_MAX) {
		diag_add(d, s->path, "pas un fichier ordinaire de 1 Mio au plus");
		fclose(f);
		return SOCLE_E_IO;
	}
	s->len = (size_t)st.st_size;
	s->src = malloc(s->len + 1);
	if (s->src == NULL || fread(s->src, 1, s->len, f) != s->len) {
		diag_add(d, s->path, "lecture impossible");
		fclose(f);
		return SOCLE_E_IO;
	}
	s->src[s->len] = '\0';
	fclose(f);
	return 0;
}

static void free_scripts(struct lua_service *ls)
{
	for (size_t i = 0; i < ls->n_scripts; i++) {
		free(ls->scripts[i].name);
		free(ls->scripts[i].path);
		free(ls->scripts[i].src);
	}
	free(ls->scripts);
	ls->scripts = NULL;
	ls->n_scripts = 0;
}

static bool name_in(char **names, size_t n, const char *name)
{
	return n > 0 && bsearch(&name, names, n, sizeof(*names), name_cmp) != NULL;
}

/* One default file: the folder it was found in and its name. */
struct default_file {
	const char *dir; /* borrowed from the caller's dir list */
	char *name;
};

static int default_cmp(const void *a, const void *b)
{
	const struct default_file *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* The default pack of a service: the deployment-wide folder (config
 * "scripts_default", when set), plus the scripts/ of each plugin the service
 * enables, so that a plugin's rule pack never loads (nor runs its test
 * vectors) where the plugin is off. Sorted by name; one name, one file. */
static int collect_defaults(struct lua_service *ls, char **dirs, size_t n_dirs,
                            struct default_file **out, size_t *n_out, struct diag *d)
{
	struct default_file *files = NULL;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n_dirs; i++) {
		char **names = NULL;
		size_t n_names = 0;

		if (list_dir(dirs[i], &names, &n_names, d) != 0) {
			rc = SOCLE_E_IO;
			break;
		}
		struct default_file *nf = n_names ? realloc(files, (n + n_names) * sizeof(*nf)) : files;
		if (n_names && nf == NULL) {
			for (size_t j = 0; j < n_names; j++)
				free(names[j]);
			free(names);
			diag_add(d, dirs[i], "mémoire insuffisante");
			rc = SOCLE_E_NOMEM;
			break;
		}
		files = nf;
		for (size_t j = 0; j < n_names; j++)
			files[n++] = (struct default_file){.dir = dirs[i], .name = names[j]};
		free(names);
	}
	if (n)
		qsort(files, n, sizeof(*files), default_cmp);
	for (size_t i = 1; rc == 0 && i < n; i++)
		if (strcmp(files[i - 1].name, files[i].name) == 0) {
			diag_add(d, files[i].dir, "%s existe aussi dans %s : un nom de script par pack",
			         files[i].name, files[i - 1].dir);
			rc = SOCLE_E_INVAL;
		}
	*out = files;
	*n_out = n;
	(void)ls;
	return rc;
}

/* Defaults not replaced by a service file, then the service's files. */
static int collect_scripts(struct lua_service *ls, struct diag *d)
{
	socle_service *svc = ls->svc;
	const char *ddir = svc->core->default_scripts_dir;
	const char *sdir = svc->scripts_dir;
	char **dirs = NULL, **sn = NULL;
	size_t n_dirs = 0, n_s = 0, n_d = 0;
	struct default_file *dn = NULL;
	int rc = 0;

	/* The default layer: the deployment-wide folder when configured, then
	 * the scripts/ of each plugin the service enables (its own pack). */
	dirs = calloc(svc->core->n_plugins + 1, sizeof(*dirs));
	if (dirs == NULL) {
		diag_add(d, svc->id, "mémoire insuffisante");
		return SOCLE_E_NOMEM;
	}
	if (ddir && (dirs[n_dirs] = strdup(ddir)) != NULL)
		n_dirs++;
	for (size_t i = 0; i < svc->core->n_plugins; i++) {
		const socle_plugin *p = svc->core->plugins[i];
		struct stat st;
		char *pdir = NULL;

		if (svc->plugin_enabled == NULL || !svc->plugin_enabled[i] || p->assets_dir == NULL)
			continue;
		if (asprintf(&pdir, "%s/scripts", p->assets_dir) < 0)
			continue;
		if (stat(pdir, &st) == 0 && S_ISDIR(st.st_mode))
			dirs[n_dirs++] = pdir;
		else
			free(pdir);
	}
	if (n_dirs > 0 && collect_defaults(ls, dirs, n_dirs, &dn, &n_d, d) != 0)
		rc = SOCLE_E_IO;
	if (sdir && list_dir(sdir, &sn, &n_s, d) != 0)
		rc = SOCLE_E_IO;
	if (rc == 0 && n_d + n_s > 0) {
		ls->scripts = calloc(n_d + n_s, sizeof(*ls->scripts));
		if (ls->scripts == NULL) {
			diag_add(d, svc->id, "mémoire insuffisante");
			rc = SOCLE_E_NOMEM;
		}
	}
	for (size_t i = 0; rc == 0 && i < n_d; i++) {
		if (name_in(sn, n_s, dn[i].name))
			continue;
		ls->scripts[ls->n_scripts].default_layer = true;
		if (read_script(&ls->scripts[ls->n_scripts++], dn[i].dir, dn[i].name, d) != 0)
			rc = SOCLE_E_IO;
	}
	for (size_t i = 0; rc == 0 && i < n_s; i++)
		if (read_script(&ls->scripts[ls->n_scripts++], sdir, sn[i], d) != 0)
			rc = SOCLE_E_IO;
	for (size_t i = 0; i < n_d; i++)
		free(dn[i].name);
	for (size_t i = 0; i < n_s; i++)
		free(sn[i]);
	for (size_t i = 0; i < n_dirs; i++)
		free(dirs[i]);
	free(dirs);
	free(dn);
	free(sn);
	return rc;
}

/* Every socle.on of the scripts names an event that an enabled plugin
 * declares (docs/events.md): a misspelt or foreign event would otherwise wait
 * forever, silently. Raw traversal of the host's own table: no script code
 * runs. */
static void check_handlers(struct lua_service *ls, lua_State *L, struct diag *d)
{
	if (!lua_checkstack(L, 3))
		return;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_handlers);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return;
	}
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING && !catalog_event_for(ls->svc, lua_tostring(L, -1)))
			diag_add(d, ls->svc->id, "socle.on('%s') : aucun plugin activé pour ce service ne "
			         "déclare cet événement (docs/events.md)", lua_tostring(L, -1));
	}
	lua_pop(L, 1);
}

static int parcours_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return strcmp(json_string_value(json_object_get(x, "id")),
	              json_string_value(json_object_get(y, "id")));
}

/* The validated definitions of the validation state, sorted by id. */
static int collect_parcours(struct lua_service *ls, lua_State *L, struct diag *d)
{
	json_t **defs = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_parcours);
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		json_t *def = json_loads(lua_tostring(L, -1), 0, NULL);

		lua_pop(L, 1);
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			json_t **nd = realloc(defs, ncap * sizeof(*nd));

			if (nd == NULL) {
				json_decref(def);
				rc = SOCLE_E_NOMEM;
				lua_pop(L, 1);
				break;
			}
			defs = nd;
			cap = ncap;
		}
		if (def == NULL) {
			rc = SOCLE_E_NOMEM;
			lua_pop(L, 1);
			break;
		}
		defs[n++] = def;
	}
	lua_pop(L, 1);
	if (n)
		qsort(defs, n, sizeof(*defs), parcours_cmp);
	ls->parcours = json_array();
	for (size_t i = 0; i < n; i++)
		if (rc == 0 && (ls->parcours == NULL || json_array_append(ls->parcours, defs[i]) != 0))
			rc = SOCLE_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		json_decref(defs[i]);
	free(defs);
	if (rc != 0)
		diag_add(d, ls->svc->id, "parcours : mémoire insuffisante");
	return rc;
}

static void free_service(struct lua_service *ls)
{
	free_scripts(ls);
	json_decref(ls->parcours);
	free(ls);
}

int lua_service_open(socle_service *svc, struct diag *d)
{
	size_t before = diag_count(d);
	socle_err err = SOCLE_ERR_INIT;

	if (svc->lua)
		lua_service_close(svc);
	struct lua_service *ls = calloc(1, sizeof(*ls));

	if (ls == NULL) {
		diag_add(d, svc->id, "mémoire insuffisante");
		return SOCLE_E_NOMEM;
	}
	ls->svc = svc;
	ls->serial = atomic_fetch_add(&g_serial, 1) + 1;
	if (collect_scripts(ls, d) != 0) {
		free_service(ls);
		return SOCLE_E_IO;
	}
	lua_State *L = build_state(ls, d, &err);

	if (L == NULL) {
		free_service(ls);
		return SOCLE_E_SCRIPT;
	}
	lua_rules_check_defined(L, ls, d);
	collect_parcours(ls, L, d);
	check_handlers(ls, L, d);
	/* socle check: the vectors of every file that loaded, even when another
	 * one did not (the problems so far are already reported). */
	if (svc->core->opts.check_only && diag_count(d) > before)
		lua_rules_run_tests(L, ls, d);
	if (diag_count(d) > before || adopt_state(ls, L, &err) != 0) {
		if (err.code)
			diag_add(d, svc->id, "%s", err.msg);
		lua_sandbox_close(L);
		free_service(ls);
		return SOCLE_E_SCRIPT;
	}
	svc->lua = ls;
	return 0;
}

int lua_service_check(socle_service *svc, struct diag *d)
{
	socle_err err = SOCLE_ERR_INIT;
	lua_State *L = lua_service_state(svc, &err);

	if (L == NULL) {
		diag_add(d, svc->id, "%s", err.msg);
		return err.code;
	}
	return lua_rules_run_tests(L, svc->lua, d);
}

void lua_service_close(socle_service *svc)
{
	struct lua_service *ls = svc->lua;

	if (ls == NULL)
		return;
	pthread_mutex_lock(&g_states_mu);
	for (struct lua_tstate *e = ls->states; e; e = e->snext) {
		lua_sandbox_close(e->L);
		e->L = NULL;
		e->ls = NULL;
	}
	ls->states = NULL;
	if (tl_thread) {
		prune_own(tl_thread);
		if (tl_thread->list == NULL) {
			free(tl_thread);
			tl_thread = NULL;
			pthread_setspecific(g_key, NULL);
		}
	}
	pthread_mutex_unlock(&g_states_mu);
	free_service(ls);
	svc->lua = NULL;
}

/* ---- events ------------------------------------------------------------- */

/* Protected: the number of handlers of event (lightuserdata, 1). */
static int event_count(lua_State *L)
{
	const char *event = lua_touserdata(L, 1);

	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_handlers);
	lua_getfield(L, -1, event);
	lua_pushinteger(L, lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0);
	return 1;
}

/* Protected part of a handler call: event (1), index (2), payload (3), all
 * lightuserdata or integers, so that nothing allocates outside protection. */
static int event_trampoline(lua_State *L)
{
	const char *event = lua_touserdata(L, 1);
	lua_Integer i = lua_tointeger(L, 2);
	const json_t *payload = lua_touserdata(L, 3);

	lua_settop(L, 0);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_handlers);
	lua_getfield(L, 1, event);
	lua_rawgeti(L, 2, i);                          /* handlers list fn */
	socle_lua_push_json(L, payload);
	lua_pushstring(L, event);
	lua_call(L, 2, 0);
	return 0;
}

int lua_service_dispatch_event(socle_service *svc, const char *event, const json_t *payload,
                               socle_err *err)
{
	if (svc == NULL || svc->lua == NULL || event == NULL)
		return 0;
	lua_State *L = lua_service_state(svc, err);

	if (L == NULL)
		return err && err->code ? err->code : SOCLE_E_SCRIPT;
	int top = lua_gettop(L), rc = 0;

	lua_pushcfunction(L, event_count);
	lua_pushlightuserdata(L, (void *)event);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		lua_settop(L, top);
		return socle_err_set(err, SOCLE_E_BUDGET, "service %s : mémoire Lua épuisée", svc->id);
	}
	lua_Integer n = lua_tointeger(L, -1);

	lua_settop(L, top);
	for (lua_Integer i = 1; i <= n; i++) {
		socle_err herr = SOCLE_ERR_INIT;

		lua_pushcfunction(L, event_trampoline);
		lua_pushlightuserdata(L, (void *)event);
		lua_pushinteger(L, i);
		lua_pushlightuserdata(L, (void *)payload);
		int hrc = lua_host_call(L, 3, 0, &herr);

		if (hrc != 0) {
			socle_log(SOCLE_LOG_WARN, "service %s : gestionnaire Lua de %s en échec : %s",
			          svc->id, event, herr.msg);
			if (rc == 0) {
				rc = hrc;
				if (err)
					*err = herr;
			}
		}
		lua_settop(L, top);
	}
	return rc;
}

SOCLE_API socle_service *socle_lua_service(lua_State *L)
{
	struct lua_ctx *c = L ? lua_ctx_of(L) : NULL;

	return c && c->ls ? c->ls->svc : NULL;
}
