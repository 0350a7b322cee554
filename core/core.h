/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The core's own view of a deployment: services, plugins, lifecycle phase.
 * Private to libsocle (never installed). Each subsystem keeps its state behind
 * an opaque pointer here so that core.h does not grow with every detail. */
#ifndef SOCLE_CORE_CORE_H
#define SOCLE_CORE_CORE_H

#include <jansson.h>
#include <pthread.h>
#include <socle/socle.h>

#include "registry.h"

#define SOCLE_INTERNAL __attribute__((visibility("hidden")))

/* Lifecycle phases, in order. Registration is accepted only in PHASE_INIT. */
enum socle_phase {
	PHASE_LOAD = 0,  /* config read, plugins being dlopened */
	PHASE_INIT,      /* plugins' init(): the registration window */
	PHASE_MIGRATE,   /* databases opened and migrated */
	PHASE_START,     /* Lua states checked, plugins' start() */
	PHASE_RUN,       /* serving */
	PHASE_STOP,
	PHASE_FINI,
};

/* Budgets of one Lua call and one Lua state, from the service config. */
struct socle_lua_limits {
	size_t memory_bytes;   /* cap of one state's allocator */
	uint64_t instructions; /* per call (rule point, event handler) */
	int64_t time_ms;       /* wall-clock deadline per call */
};

struct store;       /* store.c: write connection, readers, checkpointing */
struct lua_service; /* lua_host.c: loaded scripts, states of each thread */
struct auth_service; /* auth.c: session cache, login throttling */

struct socle_service {
	socle_core *core;
	size_t index;             /* position in core->services */
	char *id;                 /* [a-z][a-z0-9-]* */
	char *name;
	char *database_path;      /* absolute or relative to the working directory */
	char *scripts_dir;        /* the service's own Lua files; may be NULL */
	bool *plugin_enabled;     /* indexed like core->plugins */
	json_t *plugin_settings;  /* object: plugin name -> settings object */
	json_t *identity;         /* identity.c: name, address, colours... (defaults filled) */
	struct socle_lua_limits lua_limits;
	struct store *store;
	struct lua_service *lua;
	struct auth_service *auth;
	uint32_t second_factor_roles; /* SOCLE_ROLE_BIT mask: TOTP before medical data */
};

struct socle_plugin {
	socle_core *core;
	size_t index;                          /* position in core->plugins (load order) */
	const struct socle_plugin_desc *desc;  /* from the library or statically linked */
	char *path;                            /* .so path, NULL when linked statically */
	void *handle;                          /* dlopen handle, never closed */
	char *assets_dir;                      /* its scripts/ and web/, NULL when none */
	void *data;                            /* socle_plugin_set_data */
	bool initialized;                      /* init() succeeded: fini() is owed */
	bool started;
};

/* Options a caller of socle_core_open may set (commands, tests). */
struct socle_core_opts {
	bool check_only;        /* `socle check`: collect every problem, touch no data */
	const char *listen;     /* overrides the config's listen address */
	int port;               /* overrides the config's port when > 0 */
	/* Descriptors linked into the binary (tests, fuzzers): found before any
	 * .so of the same name. NULL-terminated; may be NULL. */
	const struct socle_plugin_desc *const *static_plugins;
};

struct socle_core {
	json_t *config;                /* the parsed deployment config */
	char *config_path;
	char *config_dir;              /* relative paths in the config are resolved from here */
	char *default_scripts_dir;     /* "scripts_default": a deployment-wide layer, or NULL */
	char *listen_address;
	int port;
	char *access_log_path;         /* NULL: stderr */
	json_t *static_dirs;           /* array of {prefix, dir} for the web spaces */
	json_t *trusted_proxies;       /* array of addresses whose X-Forwarded-For is believed */
	bool cookie_secure;            /* session cookies get the Secure attribute (TLS in front) */
	char *mail_outbox;             /* file transport: <outbox>/<service>/<id>.eml */
	char *mail_from;               /* From: of outgoing mail */
	socle_service **services;
	size_t n_services;
	socle_plugin **plugins;        /* load order: dependencies first */
	size_t n_plugins;
	struct registry reg;
	enum socle_phase phase;
	socle_plugin *current_plugin;  /* the plugin whose init() is running */
	struct loop *loop;
	struct job_pool *job_pool;     /* job_pool.c: long jobs, off the loop thread */
	struct http_server *http;
	struct socle_core_opts opts;
};

/* Resolve @p path against the config's folder (caller frees). */
SOCLE_INTERNAL char *core_resolve_path(const socle_core *core, const char *path);

#endif

#include "diag.h"

/* Open a deployment: read the config, load and initialise plugins, open and
 * migrate every service's database, load and check Lua, start plugins. With
 * opts->check_only no database is touched and every problem is collected.
 * On failure *out is NULL and @p d says why. */
SOCLE_INTERNAL int core_open(const char *config_path, const struct socle_core_opts *opts,
                             struct diag *d, socle_core **out);
/* Serve HTTP and run the loop until SIGINT/SIGTERM. */
SOCLE_INTERNAL int core_serve(socle_core *core);
/* Start and stop serving without waiting for a signal (tests embed a server). */
SOCLE_INTERNAL int core_start_serving(socle_core *core, socle_err *err);
SOCLE_INTERNAL void core_stop_serving(socle_core *core);
/* Stop plugins, close services, free everything. NULL is a no-op. */
SOCLE_INTERNAL void core_close(socle_core *core);
