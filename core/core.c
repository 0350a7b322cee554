/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The lifecycle of a deployment, in the order plugins and scripts rely on:
 *
 *   LOAD     read the config; dlopen plugins; ABI and dependency checks
 *   INIT     each plugin's init(): the registration window
 *   MIGRATE  open each service's database; core then plugin migrations
 *   START    load and check each service's Lua; plugins' start()
 *   RUN      the loop thread and the HTTP server
 *   STOP     HTTP stops accepting; loop stops; plugins' stop() in reverse
 *   FINI     plugins' fini() in reverse; Lua, auth and stores closed
 *
 * Errors up to START are fatal and reported with their location; errors while
 * running are contained to one request, event or job. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "bus.h"
#include "config.h"
#include "filestore.h"
#include "core.h"
#include "document_core.h"
#include "identity.h"
#include "http.h"
#include "loop.h"
#include "mail.h"
#include "offer.h"
#include "lua_host.h"
#include "parcours.h"
#include "plugin.h"
#include "store.h"

/* The core's own tables, capabilities and routes, registered before any plugin. */
static int register_core_modules(socle_core *core, struct diag *d)
{
	socle_err err = SOCLE_ERR_INIT;
	struct reg_migrations store_rec = {.owner = NULL, .owner_name = "core",
	                                   .list = store_migrations, .count = store_migrations_count};

	struct reg_migrations parcours_rec = {.owner = NULL, .owner_name = "core_parcours",
	                                      .list = parcours_migrations,
	                                      .count = parcours_migrations_count};
	struct reg_migrations files_rec = {.owner = NULL, .owner_name = "core_files",
	                                   .list = filestore_migrations,
	                                   .count = filestore_migrations_count};

	struct reg_migrations document_rec = {.owner = NULL, .owner_name = "core_document",
	                                      .list = document_migrations,
	                                      .count = document_migrations_count};

	if (registry_add_migrations(&core->reg, &store_rec) != 0 ||
	    registry_add_migrations(&core->reg, &parcours_rec) != 0 ||
	    registry_add_migrations(&core->reg, &files_rec) != 0 ||
	    registry_add_migrations(&core->reg, &document_rec) != 0 ||
	    document_register_core(core, &err) != 0 ||
	    auth_register_core(core, &err) != 0 || parcours_register_core(core, &err) != 0 ||
	    mail_register_core(core, &err) != 0 || offer_register_core(core, &err) != 0 ||
	    identity_register_core(core, &err) != 0 || openapi_register_core(core, &err) != 0) {
		diag_add(d, "core", "enregistrement du cœur impossible : %s",
		         err.msg[0] ? err.msg : "mémoire insuffisante");
		return SOCLE_E_INTERNAL;
	}
	if (bus_add_core_subscriber(core, lua_service_dispatch_event) != 0 ||
	    bus_add_core_subscriber(core, parcours_on_event) != 0) {
		diag_add(d, "core", "abonnements du cœur impossibles");
		return SOCLE_E_INTERNAL;
	}
	return 0;
}

static int open_services(socle_core *core, struct diag *d)
{
	for (size_t i = 0; i < core->n_services; i++) {
		socle_service *svc = core->services[i];
		socle_err err = SOCLE_ERR_INIT;
		char where[128];

		snprintf(where, sizeof(where), "service %s (%s)", svc->id, svc->database_path);
		if (store_open(svc, &err) != 0 || store_migrate(svc, &err) != 0 ||
		    auth_service_open(svc, &err) != 0) {
			diag_add(d, where, "%s", err.msg[0] ? err.msg : socle_strerror(err.code));
			return err.code ? err.code : SOCLE_E_STORE;
		}
	}
	return 0;
}

int core_open(const char *config_path, const struct socle_core_opts *opts, struct diag *d,
              socle_core **out)
{
	socle_core *core = calloc(1, sizeof(*core));
	size_t before = diag_count(d);

	http_json_init_alloc();

	*out = NULL;
	if (core == NULL) {
		diag_add(d, NULL, "mémoire insuffisante");
		return SOCLE_E_NOMEM;
	}
	if (opts)
		core->opts = *opts;
	core->phase = PHASE_LOAD;
	/* A config with problems still goes on to plugins and scripts in check
	 * mode: the operator gets every problem of the deployment in one run. */
	if (config_load(core, config_path, d) != 0 && (!core->opts.check_only || core->config == NULL))
		goto fail;
	if (core->opts.listen)
		free(core->listen_address), core->listen_address = strdup(core->opts.listen);
	if (core->opts.port > 0)
		core->port = core->opts.port;
	if (register_core_modules(core, d) != 0)
		goto fail;
	if (plugins_load(core, d) != 0 && !core->opts.check_only)
		goto fail;
	if (plugins_init(core, d) != 0 && !core->opts.check_only)
		goto fail;
	core->phase = PHASE_MIGRATE;
	if (!core->opts.check_only && open_services(core, d) != 0)
		goto fail;
	core->phase = PHASE_START;
	for (size_t i = 0; i < core->n_services; i++) {
		socle_service *svc = core->services[i];

		if (svc->plugin_enabled == NULL)
			continue; /* its config was broken: nothing to load */
		if (lua_service_open(svc, d) != 0 && !core->opts.check_only)
			goto fail;
		if (core->opts.check_only && svc->lua != NULL)
			lua_service_check(svc, d);
	}
	if (core->opts.check_only) {
		if (diag_count(d) > before)
			goto fail;
		*out = core;
		return 0;
	}
	if (plugins_start(core, d) != 0)
		goto fail;
	core->phase = PHASE_RUN;
	*out = core;
	return 0;
fail:
	core_close(core);
	return SOCLE_E_INVAL;
}

int core_start_serving(socle_core *core, socle_err *err)
{
	int rc = loop_start(core, err);

	if (rc != 0)
		return rc;
	rc = http_server_start(core, err);
	if (rc != 0) {
		loop_stop(core);
		return rc;
	}
	return 0;
}

void core_stop_serving(socle_core *core)
{
	http_server_stop(core);
	loop_stop(core);
}

int core_serve(socle_core *core)
{
	socle_err err = SOCLE_ERR_INIT;
	sigset_t set;
	int sig = 0;

	/* Block the stop signals before any thread starts, so that every thread
	 * inherits the mask and only sigwait below receives them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (core_start_serving(core, &err) != 0) {
		socle_log(SOCLE_LOG_ERROR, "démarrage impossible : %s", err.msg);
		return err.code ? err.code : SOCLE_E_IO;
	}
	socle_log(SOCLE_LOG_INFO, "socle sert http://%s:%d/ (%zu service(s))", core->listen_address,
	          http_server_port(core), core->n_services);
	sigwait(&set, &sig);
	socle_log(SOCLE_LOG_INFO, "arrêt demandé (signal %d)", sig);
	core_stop_serving(core);
	return 0;
}

void core_close(socle_core *core)
{
	if (core == NULL)
		return;
	if (core->http || core->loop)
		core_stop_serving(core);
	plugins_stop(core);
	plugins_fini(core);
	for (size_t i = 0; i < core->n_services; i++) {
		socle_service *svc = core->services[i];

		if (svc->lua)
			lua_service_close(svc);
		if (svc->auth)
			auth_service_close(svc);
		if (svc->store)
			store_close(svc);
		free(svc->id);
		free(svc->name);
		free(svc->database_path);
		free(svc->scripts_dir);
		free(svc->plugin_enabled);
		json_decref(svc->plugin_settings);
		json_decref(svc->identity);
		free(svc);
	}
	free(core->services);
	bus_core_fini(core);
	registry_fini(&core->reg);
	json_decref(core->config);
	json_decref(core->static_dirs);
	json_decref(core->trusted_proxies);
	free(core->config_path);
	free(core->config_dir);
	free(core->default_scripts_dir);
	free(core->listen_address);
	free(core->access_log_path);
	free(core->mail_outbox);
	free(core->mail_from);
	free(core);
	doc_release_fonts();
}
