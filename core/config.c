/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Deployment config: a strict reader. Unknown keys are errors, not silently
 * ignored, because a misspelt key ("databse") would otherwise leave a default
 * in force without anyone noticing. Messages are for operators, in French. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "identity.h"
#include "mail.h"
#include "sms.h"

struct cfg_ctx {
	const char *file;
	struct diag *d;
	int errors;
};

static void cfg_error(struct cfg_ctx *c, const char *path, const char *fmt, ...) SOCLE_PRINTF(3, 4);

static void cfg_error(struct cfg_ctx *c, const char *path, const char *fmt, ...)
{
	char where[512], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(where, sizeof(where), "%s: %s", c->file, path && *path ? path : "(racine)");
	diag_add(c->d, where, "%s", msg);
	c->errors++;
}

/* Report keys of @p obj not in @p allowed (NULL-terminated). */
static void check_keys(struct cfg_ctx *c, const char *path, const json_t *obj,
                       const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;

		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				known = true;
		if (!known) {
			char p[512];

			snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
			cfg_error(c, p, "clé inconnue");
		}
	}
}

static const char *get_string(struct cfg_ctx *c, const char *path, const json_t *obj,
                              const char *key, bool required)
{
	json_t *v = json_object_get(obj, key);
	char p[512];

	snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
	if (v == NULL) {
		if (required)
			cfg_error(c, p, "clé obligatoire absente");
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		cfg_error(c, p, "doit être une chaîne non vide");
		return NULL;
	}
	return json_string_value(v);
}

/* Integer in [lo, hi]; @p dflt when absent. */
static long long get_int(struct cfg_ctx *c, const char *path, const json_t *obj, const char *key,
                         long long lo, long long hi, long long dflt)
{
	json_t *v = json_object_get(obj, key);
	char p[512];

	if (v == NULL)
		return dflt;
	snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		cfg_error(c, p, "doit être un entier entre %lld et %lld", lo, hi);
		return dflt;
	}
	return json_integer_value(v);
}

char *core_resolve_path(const socle_core *core, const char *path)
{
	char *out;

	if (path == NULL)
		return NULL;
	if (path[0] == '/' || core->config_dir == NULL)
		return strdup(path);
	if (asprintf(&out, "%s/%s", core->config_dir, path) < 0)
		return NULL;
	return out;
}

/* Without "plugin_dirs", a build tree's socle finds the plugins built beside it
 * (<dir of the executable>/plugins), and an installed one the plugins of its
 * own prefix (<prefix>/bin/socle -> <prefix>/lib/socle/plugins): found from
 * the executable, not from the prefix given at configure time, so a tree
 * installed with `cmake --install --prefix P` anywhere works as it is. */
static char *exe_plugin_dir(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	static const char *const beside[] = {"plugins", "../" SOCLE_INSTALL_PLUGIN_DIR};

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	for (size_t i = 0; i < SOCLE_COUNT(beside); i++) {
		char *dir, *real;

		if (asprintf(&dir, "%s/%s", exe, beside[i]) < 0)
			return NULL;
		real = realpath(dir, NULL);
		free(dir);
		if (real != NULL && access(real, R_OK | X_OK) == 0)
			return real;
		free(real);
	}
	return NULL;
}

static bool valid_service_id(const char *id)
{
	if (id == NULL || !(id[0] >= 'a' && id[0] <= 'z') || strlen(id) > 63)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

bool config_valid_plugin_name(const char *name)
{
	if (name == NULL || !(name[0] >= 'a' && name[0] <= 'z') || strlen(name) > 63)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static void load_lua_limits(struct cfg_ctx *c, const char *path, const json_t *lua,
                            struct socle_lua_limits *out)
{
	static const char *const keys[] = {"memory_mb", "instructions", "time_ms", NULL};

	out->memory_bytes = (size_t)CONFIG_LUA_MEMORY_MB << 20;
	out->instructions = CONFIG_LUA_INSTRUCTIONS;
	out->time_ms = CONFIG_LUA_TIME_MS;
	if (lua == NULL)
		return;
	if (!json_is_object(lua)) {
		cfg_error(c, path, "doit être un objet");
		return;
	}
	check_keys(c, path, lua, keys);
	out->memory_bytes = (size_t)get_int(c, path, lua, "memory_mb", 1, 1024, CONFIG_LUA_MEMORY_MB) << 20;
	out->instructions = (uint64_t)get_int(c, path, lua, "instructions", 0, 1000000000LL,
	                                      CONFIG_LUA_INSTRUCTIONS);
	out->time_ms = get_int(c, path, lua, "time_ms", 1, 60000, CONFIG_LUA_TIME_MS);
	if (out->instructions > 0 && out->instructions < 1000) {
		char p[512];

		snprintf(p, sizeof(p), "%s%sinstructions", path, *path ? "." : "");
		cfg_error(c, p, "0 (instructions non comptées) ou au moins 1000");
	}
}

static void identity_report(void *ctx, const char *path, const char *msg)
{
	cfg_error(ctx, path, "%s", msg);
}

/* "second_factor": {"required_roles": ["medecin", "infirmier"]}: the roles
 * that reach no medical data before enrolling a TOTP application. */
static void load_second_factor(struct cfg_ctx *c, const char *path, const json_t *v,
                               socle_service *svc)
{
	static const char *const keys[] = {"required_roles", NULL};
	char p[96];
	size_t i;
	const json_t *r;

	if (v == NULL)
		return;
	snprintf(p, sizeof(p), "%s.second_factor", path);
	if (!json_is_object(v)) {
		cfg_error(c, p, "doit être un objet {required_roles}");
		return;
	}
	check_keys(c, p, v, keys);
	const json_t *roles = json_object_get(v, "required_roles");

	if (roles != NULL && !json_is_array(roles))
		cfg_error(c, p, "required_roles est une liste de rôles");
	json_array_foreach(roles, i, r) {
		int role = json_is_string(r) ? socle_role_parse(json_string_value(r)) : -1;

		if (role <= 0)
			cfg_error(c, p, "rôle inconnu dans required_roles (ex. \"medecin\", \"infirmier\")");
		else
			svc->second_factor_roles |= SOCLE_ROLE_BIT(role);
	}
}

static socle_service *load_service(struct cfg_ctx *c, socle_core *core, size_t i, const json_t *s)
{
	static const char *const keys[] = {"id",      "name", "database", "scripts",
	                                   "plugins", "lua",  "identity", "second_factor",
	                                   "mail",    "sms", NULL};
	char path[64];
	socle_service *svc;

	snprintf(path, sizeof(path), "services[%zu]", i);
	if (!json_is_object(s)) {
		cfg_error(c, path, "doit être un objet");
		return NULL;
	}
	check_keys(c, path, s, keys);
	svc = calloc(1, sizeof(*svc));
	if (svc == NULL)
		return NULL;
	svc->core = core;
	svc->index = i;
	const char *id = get_string(c, path, s, "id", true);
	if (id && !valid_service_id(id)) {
		char p[96];

		snprintf(p, sizeof(p), "%s.id", path);
		cfg_error(c, p, "identifiant « %s » invalide : minuscules, chiffres et tirets, "
		          "commençant par une lettre", id);
	}
	svc->id = strdup(id ? id : "");
	const char *name = get_string(c, path, s, "name", true);
	svc->name = strdup(name ? name : "");
	const char *db = get_string(c, path, s, "database", true);
	svc->database_path = db ? core_resolve_path(core, db) : NULL;
	const char *scripts = get_string(c, path, s, "scripts", false);
	svc->scripts_dir = scripts ? core_resolve_path(core, scripts) : NULL;
	if (svc->scripts_dir && access(svc->scripts_dir, R_OK | X_OK) != 0) {
		char p[96];

		snprintf(p, sizeof(p), "%s.scripts", path);
		cfg_error(c, p, "dossier de scripts « %s » illisible : %s", svc->scripts_dir,
		          strerror(errno));
	}

	json_t *plugins = json_object_get(s, "plugins");
	char ppath[96];

	snprintf(ppath, sizeof(ppath), "%s.plugins", path);
	if (plugins == NULL) {
		svc->plugin_settings = json_object();
	} else if (!json_is_object(plugins)) {
		cfg_error(c, ppath, "doit être un objet : nom du plugin -> réglages");
		svc->plugin_settings = json_object();
	} else {
		const char *pname;
		json_t *settings;

		json_object_foreach(plugins, pname, settings) {
			char p[256];

			snprintf(p, sizeof(p), "%s.%s", ppath, pname);
			if (!config_valid_plugin_name(pname))
				cfg_error(c, p, "nom de plugin invalide");
			if (!json_is_object(settings))
				cfg_error(c, p, "les réglages d'un plugin sont un objet (éventuellement {})");
		}
		svc->plugin_settings = json_incref(plugins);
	}
	char lpath[96];

	snprintf(lpath, sizeof(lpath), "%s.lua", path);
	load_lua_limits(c, lpath, json_object_get(s, "lua"), &svc->lua_limits);
	char ipath[96];

	snprintf(ipath, sizeof(ipath), "%s.identity", path);
	identity_load(svc, json_object_get(s, "identity"), ipath, identity_report, c);
	load_second_factor(c, path, json_object_get(s, "second_factor"), svc);
	snprintf(ipath, sizeof(ipath), "%s.mail", path);
	mail_settings_check(core, json_object_get(s, "mail"), ipath, false, identity_report, c);
	snprintf(ipath, sizeof(ipath), "%s.sms", path);
	sms_settings_check(core, json_object_get(s, "sms"), ipath, false, identity_report, c);
	return svc;
}

/* "2025-03-10T09:00:00Z" (or without the Z, read as UTC) to ms since the epoch. */
static int parse_timestamp_ms(const char *s, int64_t *out)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (end == NULL || (*end != '\0' && strcmp(end, "Z") != 0))
		return SOCLE_E_INVAL;
	*out = (int64_t)timegm(&tm) * 1000;
	return 0;
}

static void load_mail(struct cfg_ctx *c, socle_core *core, const json_t *mail)
{
	const char *outbox = json_string_value(json_object_get(mail, "outbox"));
	const char *from = json_string_value(json_object_get(mail, "from"));

	mail_settings_check(core, mail, "mail", true, identity_report, c);
	core->mail_outbox = core_resolve_path(core, outbox ? outbox : "outbox");
	core->mail_from = strdup(from && !strpbrk(from, "\r\n") ? from
	                                                         : "Socle <ne-pas-repondre@socle.invalid>");
}

static void load_clock(struct cfg_ctx *c, const json_t *root)
{
	const char *clock = get_string(c, "", root, "clock", false);
	int64_t ms;

	if (clock == NULL)
		return;
	/* A frozen business clock: for demonstrations and end-to-end tests of
	 * date rules. Never set it in production. */
	if (parse_timestamp_ms(clock, &ms) != 0) {
		cfg_error(c, "clock", "date et heure ISO 8601 attendues (2025-03-10T09:00:00Z)");
		return;
	}
	clock_freeze(ms);
}

int config_load(socle_core *core, const char *path, struct diag *d)
{
	static const char *const keys[] = {"listen", "port", "plugin_dirs", "scripts_default",
	                                   "access_log", "cookie_secure", "clock", "static", "mail", "sms",
	                                   "trusted_proxies",
	                                   "services", NULL};
	struct cfg_ctx c = {.file = path, .d = d};
	json_error_t jerr;
	json_t *root;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		char where[512];

		snprintf(where, sizeof(where), "%s:%d:%d", path, jerr.line, jerr.column);
		diag_add(d, where, "JSON invalide : %s", jerr.text);
		return SOCLE_E_INVAL;
	}
	core->config = root;
	core->config_path = strdup(path);
	{
		/* Absolute, so that paths stay right whatever the working directory
		 * of the threads and commands that use them. */
		char *slash = strrchr(core->config_path, '/');
		char *dir = slash ? strndup(core->config_path, (size_t)(slash - core->config_path))
		                  : strdup(".");
		char *abs = dir ? realpath(dir[0] ? dir : "/", NULL) : NULL;

		core->config_dir = abs ? abs : dir;
		if (abs)
			free(dir);
	}
	if (!json_is_object(root)) {
		cfg_error(&c, "", "la configuration est un objet JSON");
		return SOCLE_E_INVAL;
	}
	check_keys(&c, "", root, keys);

	const char *listen = get_string(&c, "", root, "listen", false);
	core->listen_address = strdup(listen ? listen : "127.0.0.1");
	core->port = (int)get_int(&c, "", root, "port", 0, 65535, 8080);
	const char *alog = get_string(&c, "", root, "access_log", false);
	core->access_log_path = alog ? core_resolve_path(core, alog) : NULL;
	json_t *secure = json_object_get(root, "cookie_secure");
	if (secure && !json_is_boolean(secure))
		cfg_error(&c, "cookie_secure", "doit être true ou false");
	core->cookie_secure = secure && json_is_true(secure);
	load_clock(&c, root);

	load_mail(&c, core, json_object_get(root, "mail"));
	sms_settings_check(core, json_object_get(root, "sms"), "sms", true, identity_report, &c);

	json_t *proxies = json_object_get(root, "trusted_proxies");
	core->trusted_proxies = json_array();
	if (proxies && !json_is_array(proxies)) {
		cfg_error(&c, "trusted_proxies", "doit être une liste d'adresses IP");
	} else if (proxies) {
		size_t i;
		json_t *v;

		json_array_foreach(proxies, i, v) {
			unsigned char addr[16];
			char p[64];

			snprintf(p, sizeof(p), "trusted_proxies[%zu]", i);
			if (!json_is_string(v) || (inet_pton(AF_INET, json_string_value(v), addr) != 1 &&
			                           inet_pton(AF_INET6, json_string_value(v), addr) != 1))
				cfg_error(&c, p, "adresse IP attendue (127.0.0.1, ::1...)");
			else
				json_array_append(core->trusted_proxies, v);
		}
	}

	/* A deployment-wide layer between the plugins' own packs and each
	 * service's files (optional: each plugin ships its default pack). */
	const char *sdef = get_string(&c, "", root, "scripts_default", false);
	if (sdef)
		core->default_scripts_dir = core_resolve_path(core, sdef);

	json_t *dirs = json_object_get(root, "plugin_dirs");
	json_t *resolved = json_array();
	if (dirs && !json_is_array(dirs)) {
		cfg_error(&c, "plugin_dirs", "doit être une liste de dossiers");
	} else if (dirs) {
		size_t i;
		json_t *v;

		json_array_foreach(dirs, i, v) {
			char p[64];

			snprintf(p, sizeof(p), "plugin_dirs[%zu]", i);
			if (!json_is_string(v)) {
				cfg_error(&c, p, "doit être un chemin");
				continue;
			}
			char *r = core_resolve_path(core, json_string_value(v));
			json_array_append_new(resolved, json_string(r ? r : ""));
			free(r);
		}
	} else {
		char *own = exe_plugin_dir();

		/* None found: an unknown plugin is then reported with the empty list. */
		if (own != NULL)
			json_array_append_new(resolved, json_string(own));
		free(own);
	}
	json_object_set_new(root, "_plugin_dirs_resolved", resolved);

	json_t *stat = json_object_get(root, "static");
	core->static_dirs = json_array();
	if (stat && !json_is_array(stat)) {
		cfg_error(&c, "static", "doit être une liste de {prefix, dir}");
	} else if (stat) {
		size_t i;
		json_t *v;

		json_array_foreach(stat, i, v) {
			static const char *const skeys[] = {"prefix", "dir", NULL};
			char p[64];

			snprintf(p, sizeof(p), "static[%zu]", i);
			if (!json_is_object(v)) {
				cfg_error(&c, p, "doit être un objet {prefix, dir}");
				continue;
			}
			check_keys(&c, p, v, skeys);
			const char *prefix = get_string(&c, p, v, "prefix", true);
			const char *dir = get_string(&c, p, v, "dir", true);
			bool ok = prefix && dir;

			if (prefix && (prefix[0] != '/' || prefix[strlen(prefix) - 1] != '/' ||
			               strstr(prefix, "/.") || strstr(prefix, "//"))) {
				cfg_error(&c, p, "prefix doit commencer et finir par / (\"/espace-adherent/\")");
				ok = false;
			}
			if (prefix && strncmp(prefix, "/api/", 5) == 0) {
				cfg_error(&c, p, "prefix ne peut pas être sous /api/");
				ok = false;
			}
			if (ok) {
				char *r = core_resolve_path(core, dir);

				json_array_append_new(core->static_dirs,
				                      json_pack("{s:s, s:s}", "prefix", prefix, "dir", r ? r : dir));
				free(r);
			}
		}
	}

	json_t *services = json_object_get(root, "services");
	if (!json_is_array(services) || json_array_size(services) == 0) {
		cfg_error(&c, "services", "liste de services obligatoire (au moins un)");
	} else {
		size_t n = json_array_size(services);

		core->services = calloc(n, sizeof(*core->services));
		for (size_t i = 0; core->services && i < n; i++) {
			socle_service *svc = load_service(&c, core, i, json_array_get(services, i));

			if (svc == NULL)
				continue;
			for (size_t j = 0; j < core->n_services; j++) {
				if (strcmp(core->services[j]->id, svc->id) == 0) {
					char p[64];

					snprintf(p, sizeof(p), "services[%zu].id", i);
					cfg_error(&c, p, "identifiant « %s » déjà utilisé par services[%zu]",
					          svc->id, j);
				}
				if (svc->database_path && core->services[j]->database_path &&
				    strcmp(core->services[j]->database_path, svc->database_path) == 0) {
					char p[64];

					snprintf(p, sizeof(p), "services[%zu].database", i);
					cfg_error(&c, p, "base partagée avec services[%zu] : chaque service a "
					          "sa propre base", j);
				}
			}
			svc->index = core->n_services;
			core->services[core->n_services++] = svc;
		}
	}
	return c.errors ? SOCLE_E_INVAL : 0;
}

const json_t *config_plugin_dirs(const socle_core *core)
{
	return json_object_get(core->config, "_plugin_dirs_resolved");
}
