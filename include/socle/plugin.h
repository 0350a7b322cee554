/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Plugin ABI: the descriptor a plugin exports and its lifecycle.
 *
 * ABI history (newest first; one line per change; descriptors only grow at the end):
 *   1.6  messaging (socle/mail.h): socle_mail_queue_parts (an HTML part and
 *        attachments), the smtp transport, socle_calendar_invitation (RFC
 *        5545); text messages (socle/sms.h): socle_sms_gsm7, socle_sms_number,
 *        socle_sms_queue; SOCLE_E_PERMANENT (socle/err.h): a job handler's
 *        failure that no retry can help, the job dies at once;
 *        GET /outbox (staff).
 *   1.5  the core file store (socle/files.h): socle_file_put, socle_file_retain,
 *        socle_file_read, socle_file_verify, socle_reply_file, socle_file_path;
 *        content-addressed by SHA-256, durable before the row, never
 *        overwritten, checked on read, kept by `socle backup`.
 *        documents (socle/document.h): socle_document_check, socle_document_pdf,
 *        socle_document_html, socle_document_issue, socle_document_issued_free,
 *        socle_reply_document_pdf; GET /documents/verify/{code} (public).
 *   1.4  interfaces between plugins (socle/export.h): socle_plugin_export,
 *        socle_plugin_import, socle_import_for; descriptor member `optional`
 *        (plugins used when loaded, ordered first, never required);
 *        socle_users_list, socle_user_get, socle_audit_about (socle/auth.h);
 *        socle_service_identity, socle_service_url; every mail carries the
 *        service's signature; socle_page_cursor and socle_reply_page (one
 *        pagination: next_cursor always present, text, null at the end);
 *        socle_db_query_new, _query_one_new, _run_new (parameters stolen);
 *        socle_date_fr, socle_time_fr, socle_month_fr (dates for people);
 *        socle_plugin_declare_events, socle_plugin_declare_errors (the
 *        catalogues docs/events.md and docs/errors.md);
 *        socle_plugin_add_long_job (socle/bus.h): jobs run off the loop thread.
 *   1.3  socle_rule_call_read (socle/lua.h): a pushed rule call whose result a
 *        function reads from the Lua stack instead of a JSON conversion;
 *        socle_stmt_reset (socle/store.h): run a statement again.
 *   1.2  socle_rule_call_pushed (socle/lua.h): a rule call whose arguments a
 *        function pushes, without JSON.
 *   1.1  socle_mail_queue (socle/mail.h); socle_req_throttle for public forms;
 *        socle_user_find; socle/date.h (calendar for plugins);
 *        GET /offer lists the summaries of the plugins a service enables.
 *   1.0  initial: descriptor with requires, init/start/stop/fini; routes, events,
 *        jobs, timers, migrations, capabilities, Lua libraries and rule points.
 *
 * Rules of the ABI:
 *  - SOCLE_ABI_MAJOR of the plugin must equal the host's; SOCLE_ABI_MINOR may be
 *    lower (the plugin then uses only what existed in its minor).
 *  - Registration (routes, event handlers, jobs, migrations, capabilities, Lua
 *    libraries, rule points) is accepted only inside init(); elsewhere the call
 *    returns SOCLE_E_PHASE.  If init() fails, the host revokes everything the
 *    plugin registered and never calls its fini().
 *  - Lifecycle order: init (in dependency order) -> migrations -> start ->
 *    serving -> stop (reverse order) -> fini (reverse order).  Libraries are
 *    never dlclose()d.
 *  - A plugin is loaded once per process and enabled per service in the
 *    deployment config; its routes answer 404 on services that do not enable it.
 */
#ifndef SOCLE_PLUGIN_H
#define SOCLE_PLUGIN_H

#include <socle/defs.h>
#include <socle/err.h>

#define SOCLE_ABI_MAJOR 1u /* must equal the host's: bump on removal or change */
#define SOCLE_ABI_MINOR 6u /* must be <= the host's: bump when appending */
#define SOCLE_PLUGIN_MAGIC 0x534f434cu /* "SOCL" */

struct socle_plugin_desc {
	uint32_t magic;              /* SOCLE_PLUGIN_MAGIC */
	uint32_t desc_size;          /* sizeof(struct socle_plugin_desc) at build time */
	uint32_t abi_major;
	uint32_t abi_minor;
	const char *name;            /* [a-z][a-z0-9_]*, equals the .so file name */
	const char *version;         /* the plugin's own version, free text */
	const char *summary;         /* one sentence in French: what the service offers with it */
	const char *const *requires; /* NULL-terminated plugin names, or NULL */
	/** Register everything here. Return 0 or a negative code with @p err set. */
	int (*init)(socle_plugin *p, socle_err *err);
	/** After migrations: may read and write the store, enqueue jobs. */
	int (*start)(socle_plugin *p, socle_err *err);
	/** Before shutdown; HTTP is no longer accepting requests. */
	void (*stop)(socle_plugin *p);
	/** Release what init() allocated. Called only if init() succeeded. */
	void (*fini)(socle_plugin *p);
	/* ABI 1.0 ends here; new members are appended below. */
	/** NULL-terminated names of plugins this one uses when they are loaded
	 * (optional imports): initialised before it, never required. (1.4) */
	const char *const *optional;
};

/** Define the descriptor of plugin @p pname (a bare identifier).
 * The exported symbol is socle_plugin_entry_<pname>, so any number of plugins
 * can also be linked statically into one test binary. Example:
 *
 *     SOCLE_PLUGIN_DEFINE(hello,
 *         .version = "1.0", .summary = "Salutations",
 *         .init = hello_init);
 */
#define SOCLE_PLUGIN_DEFINE(pname, ...)                                              \
	SOCLE_EXPORT const struct socle_plugin_desc socle_plugin_entry_##pname = {        \
		.magic = SOCLE_PLUGIN_MAGIC,                                              \
		.desc_size = sizeof(struct socle_plugin_desc),                            \
		.abi_major = SOCLE_ABI_MAJOR,                                             \
		.abi_minor = SOCLE_ABI_MINOR,                                             \
		.name = #pname,                                                           \
		__VA_ARGS__}

/** The plugin's name (borrowed, lives as long as the process). */
SOCLE_API const char *socle_plugin_name(const socle_plugin *p);
/** The deployment this plugin is loaded into. */
SOCLE_API socle_core *socle_plugin_core(const socle_plugin *p);
/** Private data of the plugin, set in init(); the core never touches it. */
SOCLE_API void socle_plugin_set_data(socle_plugin *p, void *data);
SOCLE_API void *socle_plugin_get_data(const socle_plugin *p);

/** Numbered migrations of a plugin, applied per service database in order,
 * each in its own transaction, and recorded in core_migration under the
 * plugin's name.  Versions start at 1 and never change once released.
 * The array is borrowed and must live as long as the process (static data). */
struct socle_migration {
	int version;
	const char *sql; /* one or more statements; portable SQL (see docs/storage.md) */
};
SOCLE_API int socle_plugin_add_migrations(socle_plugin *p, const struct socle_migration *migrations,
                                          size_t count, socle_err *err);

/** Number of services in the deployment, and the i-th one. */
SOCLE_API size_t socle_core_service_count(const socle_core *core);
SOCLE_API socle_service *socle_core_service_at(const socle_core *core, size_t i);
/** The service with this id, or NULL. */
SOCLE_API socle_service *socle_core_service(const socle_core *core, const char *id);

SOCLE_API const char *socle_service_id(const socle_service *svc);
SOCLE_API const char *socle_service_name(const socle_service *svc);
/** Does this service enable plugin @p name? */
SOCLE_API bool socle_service_enables(const socle_service *svc, const char *name);
/** This plugin's settings object for the service (borrowed jansson json_t *,
 * an empty object when the config gives none). Declared as void * here so
 * that this header does not pull jansson in; http.h and store.h do. */
SOCLE_API const void *socle_service_settings(const socle_service *svc, const socle_plugin *p);

/** The service's identity (config "identity", ABI 1.4): a borrowed jansson
 * object with "name", "legal_name" and "colors" {"primary", "accent"} always
 * set, and, when the config gives them, "address" (lines), "phone", "email",
 * "public_url" (no trailing slash), "health_contact", "privacy_contact".
 * Mails, documents and pages read who the service is from here only. */
SOCLE_API const void *socle_service_identity(const socle_service *svc);
/** The absolute URL of @p path ("/demo/espace/invitation?t=...") under the
 * service's public_url, or @p path itself when none is configured. The caller
 * frees it; NULL when out of memory. (ABI 1.4) */
SOCLE_API char *socle_service_url(const socle_service *svc, const char *path);

/** Logging to the process log (stderr, one JSON object a line). */
enum socle_log_level { SOCLE_LOG_DEBUG, SOCLE_LOG_INFO, SOCLE_LOG_WARN, SOCLE_LOG_ERROR };
SOCLE_API void socle_log(int level, const char *fmt, ...) SOCLE_PRINTF(2, 3);

#endif
