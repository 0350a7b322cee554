/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Storage internals: one SQLite database per service, a single write
 * connection behind a mutex, one read connection per (thread, service), a
 * prepared-statement cache per connection, per-owner migrations, WAL
 * checkpointing and online backup. The public side is socle/store.h. */
#ifndef SOCLE_CORE_STORE_H
#define SOCLE_CORE_STORE_H

#include <sqlite3.h>

#include "core.h"

/* A cached prepared statement (socle_stmt of the public API). */
struct socle_stmt {
	sqlite3_stmt *h;
	socle_db *db;            /* the connection it was compiled on */
	char *sql;               /* cache key */
	uint32_t hash;
	uint64_t last_use;       /* db->use_clock at the last prepare, for eviction */
	bool in_use;             /* handed out and not yet released */
	bool cached;             /* false: a one-off duplicate, finalized at release */
	int bind_failed;         /* the first failed bind's code until step or reset */
	struct socle_stmt *next; /* bucket chain */
};

#define STORE_STMT_BUCKETS 64
#define STORE_STMT_CACHE_MAX 256 /* statements kept per connection */

/* One connection (socle_db of the public API). */
struct socle_db {
	sqlite3 *h;
	socle_service *svc;
	struct store *store;
	bool writer;
	struct socle_stmt *buckets[STORE_STMT_BUCKETS];
	size_t n_cached;
	uint64_t use_clock;
	/* Write connection only, reset at each transaction: what it queued for the loop. */
	unsigned txn_events;
	unsigned txn_jobs;
};

/* The store's own tables (owner "core"): event outbox and job queue. */
extern const struct socle_migration store_migrations[];
extern const size_t store_migrations_count;

/* Open the service's database (creating it), set the pragmas, create
 * core_migration. */
int store_open(socle_service *svc, socle_err *err);
/* Close every connection of the service, readers of other threads included.
 * Call once no other thread uses the store any more. Safe on a closed store. */
void store_close(socle_service *svc);
/* Apply pending migrations: the store's own first (unless the registry lists
 * them), then core->reg.migrations in order (core records always, plugin
 * records when the service enables the plugin), each version in its own
 * transaction. The error names the owner and the version. */
int store_migrate(socle_service *svc, socle_err *err);
/* Online copy of the live database to @p dest_path (written next to it as
 * "<dest>.partial", verified with integrity_check, then renamed), taken in
 * steps while the service keeps committing writes. */
int store_backup(socle_service *svc, const char *dest_path, socle_err *err);
/* PRAGMA integrity_check and foreign_key_check of the file at @p db_path. */
int store_integrity_check(const char *db_path, socle_err *err);
/* Become the process that delivers this service's events and runs its jobs:
 * an flock on "<db>.queue-lock", held until store_close. On first success the
 * jobs left 'running' by a process that died are queued again. Returns 1 when
 * this process owns the queue, 0 when another live process does (a `socle`
 * command run next to the server must not deliver or run anything), or a
 * negative code. Called by the bus and the jobs at each pass. */
int store_claim_queue(socle_service *svc);
/* Run @p fn for every service whose queue this process owns (claiming it
 * first); @p fn adds what it handled to *count. One failing service does not
 * hold back the others. Returns the count when anything was handled or no
 * service failed, else the first error. */
int store_each_queue(socle_core *core, int (*fn)(socle_core *, socle_service *, int *count));
/* Current size in bytes of the service's -wal file (0 when absent). */
int store_wal_size(socle_service *svc, int64_t *bytes);

/* A store error from the connection's last failure: maps SQLite's code to
 * socle_errc (unique -> EXISTS, foreign key -> CONFLICT, not null / check ->
 * INVAL, busy -> STORE...) and writes "@p what: sqlite message" into @p err. */
int store_fail(sqlite3 *h, int rc, socle_err *err, const char *what);

/* Is @p db the write connection of the transaction this thread is running?
 * (The write connection is usable only inside socle_service_write.) */
bool store_in_write(const socle_db *db);

/* store_stmt.c: cache internals used by store.c. */
void store_stmt_cache_clear(socle_db *db);
/* Reset and give back statements fn forgot to release; returns how many. */
size_t store_stmt_reclaim(socle_db *db);

#endif
