/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Interfaces between plugins: a plugin exports a named, versioned table of
 * functions; another imports it through the core. (ABI 1.4)
 *
 * This is the only door from one plugin into another: plugins never link to
 * each other and never read each other's tables. The pattern is the one of
 * SQLite's extension routine table and of Redis modules' shared APIs:
 *
 *  - The exporter defines a struct of function pointers in a public header of
 *    its own (for example <socle/membership.h>, struct membership_v1), fills
 *    one static instance and exports it in init():
 *
 *        socle_plugin_export(p, "membership", 1, &api, sizeof(api), err);
 *
 *    The struct only grows at the end within a major version; a change that
 *    removes or alters a member makes a new major ("membership.v2"), which the
 *    exporter may export beside the old one.
 *
 *  - The importer names the exporter in its descriptor's `requires` (or, for
 *    an interface it can do without, in `optional`) and imports in init():
 *
 *        const struct membership_v1 *m =
 *            socle_plugin_import(p, "membership", 1, sizeof(*m), 0, err);
 *
 *    sizeof(*m) is the size the importer was built against: an exporter whose
 *    table is smaller (older) cannot serve it and the import fails.
 *
 * Startup errors (init fails, naming both plugins): importing from a plugin
 * that is neither in `requires` nor in `optional`; a name the plugin does not
 * export; a major version it does not export; a table smaller than min_size.
 * With SOCLE_IMPORT_OPTIONAL, an exporter that is not loaded (no service
 * enables it) gives NULL and no error. Optional interfaces are per service:
 * a service may enable the importer without the exporter, so before each use
 * ask socle_import_for(svc, table), which gives NULL on such a service.
 *
 * Exported functions run on the caller's thread (an HTTP worker, the loop or
 * a job) and take the socle_service they act for; they must be thread-safe.
 */
#ifndef SOCLE_EXPORT_H
#define SOCLE_EXPORT_H

#include <socle/defs.h>
#include <socle/err.h>

/** The importer works without this interface (the exporter is in `optional`). */
#define SOCLE_IMPORT_OPTIONAL 1u

/** Export @p table (static, @p size bytes) as interface @p name version
 * @p major ("membership", 1 is known as "membership.v1"). init() only.
 * @p name is [a-z][a-z0-9_]*; one (name, major) per deployment. */
SOCLE_API int socle_plugin_export(socle_plugin *p, const char *name, unsigned major,
                                  const void *table, size_t size, socle_err *err);

/** Import interface @p name version @p major, at least @p min_size bytes.
 * init() only. Returns the table, or NULL with @p err set (a startup error
 * naming both plugins), or NULL without error for an optional import whose
 * exporter is not loaded. */
SOCLE_API const void *socle_plugin_import(socle_plugin *p, const char *name, unsigned major,
                                          size_t min_size, unsigned flags, socle_err *err);

/** @p table (an imported table) when the plugin that exported it is enabled
 * for @p svc, NULL otherwise. Constant time. */
SOCLE_API const void *socle_import_for(const socle_service *svc, const void *table);

#endif
