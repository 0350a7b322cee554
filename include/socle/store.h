/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Storage: one SQLite database per service, reached through this API only.
 *
 * Reads use the calling thread's own read connection for the service.
 * Writes are serialized through socle_service_write(): the callback runs inside
 * one IMMEDIATE transaction on the service's single write connection and the
 * call returns only once the commit is durable (WAL, synchronous=FULL).  A
 * write that returned 0 is never lost, even after kill -9.
 *
 * Writes are group-committed: callbacks queued by concurrent callers run one
 * after the other in a single transaction, each inside its own savepoint (a
 * callback that fails takes back only its own work), and share one fsync. A
 * callback may therefore run on another thread than its caller's: it must not
 * depend on thread-local state, and must not block on anything but the store.
 *
 * SQL given to these functions should stay portable to PostgreSQL: named
 * parameters (:name), standard types, no SQLite-only functions.
 */
#ifndef SOCLE_STORE_H
#define SOCLE_STORE_H

#include <jansson.h>
#include <socle/defs.h>
#include <socle/err.h>

/** This thread's read connection to the service (opened lazily, owned by the core). */
SOCLE_API socle_db *socle_service_reader(socle_service *svc, socle_err *err);

/** Body of a write transaction. Return 0 to commit, a negative code to roll back. */
typedef int (*socle_write_fn)(socle_db *wdb, void *ud, socle_err *err);

/** Run @p fn in one durable write transaction. Returns fn's result, or a store
 * error if the commit failed (then nothing of fn's work is kept). */
SOCLE_API int socle_service_write(socle_service *svc, socle_write_fn fn, void *ud, socle_err *err);

/** The service a connection belongs to. */
SOCLE_API socle_service *socle_db_service(const socle_db *db);

/** A prepared statement from the connection's cache (compiled once per
 * connection and SQL text). Release it with socle_stmt_release() before the
 * next prepare of the same text on this connection. NULL on error. */
SOCLE_API socle_stmt *socle_db_prepare(socle_db *db, const char *sql, socle_err *err);

/* Bind by parameter name, including the colon (":id"). Return 0 or SOCLE_E_INVAL
 * for an unknown name. A NULL text binds SQL NULL. */
SOCLE_API int socle_stmt_bind_text(socle_stmt *st, const char *name, const char *value);
SOCLE_API int socle_stmt_bind_int(socle_stmt *st, const char *name, int64_t value);
SOCLE_API int socle_stmt_bind_double(socle_stmt *st, const char *name, double value);
SOCLE_API int socle_stmt_bind_null(socle_stmt *st, const char *name);
/** Bind a JSON scalar as its SQL value, or an array/object as compact JSON text. */
SOCLE_API int socle_stmt_bind_json(socle_stmt *st, const char *name, const json_t *value);

/** Step: 1 when a row is ready, 0 when done, negative on error. */
SOCLE_API int socle_stmt_step(socle_stmt *st, socle_err *err);
SOCLE_API int socle_stmt_column_count(socle_stmt *st);
SOCLE_API bool socle_stmt_is_null(socle_stmt *st, int col);
SOCLE_API int64_t socle_stmt_int(socle_stmt *st, int col);
SOCLE_API double socle_stmt_double(socle_stmt *st, int col);
/** Borrowed until the next step or release; NULL for SQL NULL. */
SOCLE_API const char *socle_stmt_text(socle_stmt *st, int col);
/** The current row as a new JSON object keyed by column name (caller owns). */
SOCLE_API json_t *socle_stmt_row(socle_stmt *st);
/** Make the statement ready to run again with new bindings (the bindings of
 * the last run stay until rebound): a write of many rows binds and steps one
 * statement per row without going back to the cache. ABI 1.3. */
SOCLE_API void socle_stmt_reset(socle_stmt *st);
/** Reset, clear bindings and return the statement to its connection's cache. */
SOCLE_API void socle_stmt_release(socle_stmt *st);

/** Run one or more statements without parameters (migrations, DDL). */
SOCLE_API int socle_db_exec(socle_db *db, const char *sql, socle_err *err);
/** Run one statement with named parameters taken from the @p params object
 * (key "id" binds ":id"; borrowed, may be NULL). Returns the number of rows
 * changed, or a negative code. */
SOCLE_API int socle_db_run(socle_db *db, const char *sql, const json_t *params, socle_err *err);
/** Run a query and return every row as an array of objects (caller owns), or
 * NULL on error. Callers bound the size with LIMIT. */
SOCLE_API json_t *socle_db_query(socle_db *db, const char *sql, const json_t *params, socle_err *err);
/* The same three with @p params stolen, so that a json_pack can be passed as
 * it is built; a NULL @p params (the json_pack failed) is SOCLE_E_NOMEM.
 * (ABI 1.4) */
SOCLE_API json_t *socle_db_query_new(socle_db *db, const char *sql, json_t *params, socle_err *err);
SOCLE_API json_t *socle_db_query_one_new(socle_db *db, const char *sql, json_t *params,
                                         socle_err *err);
SOCLE_API int socle_db_run_new(socle_db *db, const char *sql, json_t *params, socle_err *err);
/** The first row as an object (caller owns); NULL with err->code SOCLE_E_NOTFOUND if none. */
SOCLE_API json_t *socle_db_query_one(socle_db *db, const char *sql, const json_t *params,
                                     socle_err *err);
SOCLE_API int64_t socle_db_last_insert_id(socle_db *db);

#endif
