/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Unit tests of the storage area: connections and pragmas, migrations,
 * statement cache and binding, write transactions, WAL bound, backup, event
 * bus, jobs, timers, the loop thread and the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "clock.h"
#include "jobs.h"
#include "log.h"
#include "loop.h"
#include "store.h"
#include "store_fixture.h"

static const int64_t T0 = 1767225600000; /* 2026-01-01T00:00:00Z */

static int setup(void **state)
{
	*state = fixture_new(3);
	clock_freeze(T0);
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	clock_thaw();
	return 0;
}

/* ---- clock ---------------------------------------------------------------- */

static void test_clock(void **state)
{
	int64_t real;

	(void)state;
	clock_freeze(1000);
	assert_int_equal(socle_now_ms(), 1000);
	clock_advance(500);
	assert_int_equal(socle_now_ms(), 1500);
	assert_true(clock_is_frozen());
	clock_thaw();
	assert_false(clock_is_frozen());
	real = socle_now_ms();
	assert_true(real > T0 - 365LL * 86400 * 1000 * 10); /* a plausible present */
	clock_advance(3600 * 1000);                         /* a running clock shifts */
	assert_true(socle_now_ms() >= real + 3600 * 1000);
	assert_false(clock_is_frozen());
	clock_thaw();
	assert_true(socle_now_ms() < real + 3600 * 1000);
}

/* ---- open and pragmas ---------------------------------------------------- */

static int read_pragmas(socle_db *wdb, void *ud, socle_err *err)
{
	json_t **out = ud;

	*out = socle_db_query_one(wdb, "PRAGMA synchronous", NULL, err);
	return *out != NULL ? 0 : SOCLE_E_STORE;
}

static void test_open_pragmas(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	socle_db *r;
	json_t *row = NULL, *mode;

	fixture_open(f);
	r = socle_service_reader(f->svc, &err);
	assert_non_null(r);
	assert_ptr_equal(socle_db_service(r), f->svc);
	assert_ptr_equal(socle_service_reader(f->svc, &err), r); /* one per thread */
	mode = socle_db_query_one(r, "PRAGMA journal_mode", NULL, &err);
	assert_non_null(mode);
	assert_string_equal(json_string_value(json_object_get(mode, "journal_mode")), "wal");
	json_decref(mode);
	assert_int_equal(fixture_int(f, "PRAGMA foreign_keys"), 1);
	assert_int_equal(fixture_int(f, "PRAGMA query_only"), 1);
	/* The reader refuses writes. */
	assert_true(socle_db_run(r, "DELETE FROM core_job", NULL, &err) < 0);
	/* The writer syncs every commit. */
	assert_int_equal(socle_service_write(f->svc, read_pragmas, &row, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(row, "synchronous")), 2);
	json_decref(row);
	/* The store's own tables exist and are recorded under "core". */
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_migration WHERE owner = 'core'"),
	                 (int64_t)store_migrations_count);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_event"), 0);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_job"), 0);
	/* Double-quoted strings are identifiers, as in PostgreSQL. */
	assert_true(socle_db_query(r, "SELECT \"nope\"", NULL, &err) == NULL);
}

static void test_reader_needs_open_store(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;

	assert_null(socle_service_reader(f->svc, &err));
	assert_int_equal(err.code, SOCLE_E_PHASE);
	assert_int_equal(socle_service_write(f->svc, read_pragmas, NULL, &err), SOCLE_E_PHASE);
}

/* ---- migrations ---------------------------------------------------------- */

static const struct socle_migration mig_p0[] = {
	{1, "CREATE TABLE p0_thing (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"},
	{2, "ALTER TABLE p0_thing ADD COLUMN note TEXT; CREATE INDEX p0_thing_name ON p0_thing (name)"},
};
static const struct socle_migration mig_p1[] = {
	{1, "CREATE TABLE p1_other (id INTEGER PRIMARY KEY)"},
};
static const struct socle_migration mig_core_x[] = {
	{1, "CREATE TABLE core_x (id INTEGER PRIMARY KEY)"},
};
static const struct socle_migration mig_bad[] = {
	{1, "CREATE TABLE p2_ok (id INTEGER PRIMARY KEY)"},
	{2, "CREATE TABLE p2_half (id INTEGER PRIMARY KEY); INSERT INTO p2_nowhere VALUES (1)"},
	{3, "CREATE TABLE p2_never (id INTEGER PRIMARY KEY)"},
};

static void add_migrations(struct fixture *f, socle_plugin *owner, const char *name,
                           const struct socle_migration *list, size_t n)
{
	struct reg_migrations rec = {.owner = owner, .owner_name = name, .list = list, .count = n};

	assert_int_equal(registry_add_migrations(&f->core->reg, &rec), 0);
}

static int64_t table_exists(struct fixture *f, const char *name)
{
	char sql[200];

	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '%s'", name);
	return fixture_int(f, sql);
}

static void test_migrations(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;

	f->svc->plugin_enabled[1] = false;
	add_migrations(f, NULL, "core_x", mig_core_x, 1);
	add_migrations(f, f->plugins[0], "p0", mig_p0, 2);
	add_migrations(f, f->plugins[1], "p1", mig_p1, 1);
	fixture_open(f);
	assert_int_equal(table_exists(f, "core_x"), 1);
	assert_int_equal(table_exists(f, "p0_thing"), 1);
	assert_int_equal(table_exists(f, "p1_other"), 0); /* p1 not enabled here */
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_migration WHERE owner = 'p0'"), 2);
	assert_int_equal(fixture_int(f, "SELECT max(version) FROM core_migration WHERE owner = 'p0'"),
	                 2);
	/* Idempotent; enabling p1 later applies only its migrations. */
	f->svc->plugin_enabled[1] = true;
	assert_int_equal(store_migrate(f->svc, &err), 0);
	assert_int_equal(table_exists(f, "p1_other"), 1);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_migration"),
	                 (int64_t)store_migrations_count + 1 + 2 + 1);
}

static void test_migration_failure(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;

	add_migrations(f, f->plugins[2], "p2", mig_bad, 3);
	assert_int_equal(store_open(f->svc, &err), 0);
	assert_true(store_migrate(f->svc, &err) < 0);
	/* The error names the owner and the version. */
	assert_non_null(strstr(err.msg, "p2 2"));
	assert_non_null(strstr(err.msg, "p2_nowhere"));
	assert_int_equal(table_exists(f, "p2_ok"), 1);    /* version 1 kept */
	assert_int_equal(table_exists(f, "p2_half"), 0);  /* version 2 rolled back whole */
	assert_int_equal(table_exists(f, "p2_never"), 0); /* version 3 never tried */
	assert_int_equal(fixture_int(f, "SELECT max(version) FROM core_migration WHERE owner = 'p2'"),
	                 1);
}

static void test_migration_newer_database(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;

	add_migrations(f, f->plugins[0], "p0", mig_p0, 1);
	fixture_open(f);
	fixture_exec(f, "INSERT INTO core_migration VALUES ('p0', 7, 0)");
	assert_true(store_migrate(f->svc, &err) < 0);
	assert_non_null(strstr(err.msg, "p0 7"));
}

/* ---- statements ---------------------------------------------------------- */

static void test_stmt_cache_and_binds(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	socle_db *r;
	socle_stmt *a, *b, *c;
	json_t *row;

	fixture_open(f);
	r = socle_service_reader(f->svc, &err);
	a = socle_db_prepare(r, "SELECT :x AS x", &err);
	assert_non_null(a);
	socle_stmt_release(a);
	b = socle_db_prepare(r, "SELECT :x AS x", &err);
	assert_ptr_equal(a, b); /* compiled once, reused */
	c = socle_db_prepare(r, "SELECT :x AS x", &err);
	assert_non_null(c);
	assert_ptr_not_equal(b, c); /* still held: a one-off copy */
	assert_int_equal(socle_stmt_bind_int(b, ":x", 41), 0);
	assert_int_equal(socle_stmt_bind_int(c, "x", 42), 0); /* colon optional */
	assert_int_equal(socle_stmt_bind_int(c, ":nope", 1), SOCLE_E_INVAL);
	assert_int_equal(socle_stmt_step(b, &err), 1);
	assert_int_equal(socle_stmt_step(c, &err), 1);
	assert_int_equal(socle_stmt_int(b, 0), 41);
	assert_int_equal(socle_stmt_int(c, 0), 42);
	assert_int_equal(socle_stmt_column_count(b), 1);
	socle_stmt_release(c);
	socle_stmt_release(b);
	/* Released: bindings cleared. */
	b = socle_db_prepare(r, "SELECT :x AS x", &err);
	assert_ptr_equal(a, b);
	assert_int_equal(socle_stmt_step(b, &err), 1);
	assert_true(socle_stmt_is_null(b, 0));
	/* Reset: runs again, keeping its bindings until rebound; a statement
	 * that ran to its end refuses new bindings until it is reset. */
	assert_int_equal(socle_stmt_bind_int(b, ":x", 7), SOCLE_E_INVAL);
	socle_stmt_reset(b);
	assert_int_equal(socle_stmt_bind_int(b, ":x", 7), 0);
	assert_int_equal(socle_stmt_step(b, &err), 1);
	assert_int_equal(socle_stmt_int(b, 0), 7);
	socle_stmt_reset(b);
	assert_int_equal(socle_stmt_step(b, &err), 1);
	assert_int_equal(socle_stmt_int(b, 0), 7);
	socle_stmt_reset(b);
	assert_int_equal(socle_stmt_bind_int(b, ":x", 8), 0);
	assert_int_equal(socle_stmt_step(b, &err), 1);
	assert_int_equal(socle_stmt_int(b, 0), 8);
	socle_stmt_release(b);

	/* socle_db_run drains a query and reports no change. */
	assert_int_equal(socle_db_run(r, "SELECT 1", NULL, &err), 0);

	row = socle_db_query_one(r, "SELECT 1 AS one, 2.5 AS half, 'x' AS s, NULL AS z", NULL, &err);
	assert_non_null(row);
	assert_true(json_is_integer(json_object_get(row, "one")));
	assert_true(json_is_real(json_object_get(row, "half")));
	assert_string_equal(json_string_value(json_object_get(row, "s")), "x");
	assert_true(json_is_null(json_object_get(row, "z")));
	json_decref(row);
}

static int insert_all_types(socle_db *wdb, void *ud, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(wdb, "INSERT INTO t (s, n, d, j, b) VALUES "
	                                       "(:s, :n, :d, :j, :b)", err);
	int rc;

	(void)ud;
	if (st == NULL)
		return SOCLE_E_STORE;
	assert_int_equal(socle_stmt_bind_text(st, ":s", "équipe"), 0);
	assert_int_equal(socle_stmt_bind_int(st, ":n", INT64_MAX), 0);
	assert_int_equal(socle_stmt_bind_double(st, ":d", 0.25), 0);
	{
		json_t *j = json_pack("{s:[i,s]}", "k", 1, "deux");

		assert_int_equal(socle_stmt_bind_json(st, ":j", j), 0);
		json_decref(j);
	}
	assert_int_equal(socle_stmt_bind_json(st, ":b", json_true()), 0);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	/* NULL text and bind_null. */
	st = socle_db_prepare(wdb, "INSERT INTO t (s, n) VALUES (:s, :n)", err);
	assert_int_equal(socle_stmt_bind_text(st, ":s", NULL), 0);
	assert_int_equal(socle_stmt_bind_null(st, ":n"), 0);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

static void test_bind_types(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	socle_db *r;
	json_t *rows, *row;

	fixture_open(f);
	fixture_exec(f, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, n INTEGER, d REAL, j TEXT, "
	                "b INTEGER)");
	assert_int_equal(socle_service_write(f->svc, insert_all_types, NULL, &err), 0);
	r = socle_service_reader(f->svc, &err);
	rows = socle_db_query(r, "SELECT s, n, d, j, b FROM t ORDER BY id", NULL, &err);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 2);
	row = json_array_get(rows, 0);
	assert_string_equal(json_string_value(json_object_get(row, "s")), "équipe");
	assert_true(json_integer_value(json_object_get(row, "n")) == INT64_MAX);
	assert_true(json_real_value(json_object_get(row, "d")) == 0.25);
	assert_string_equal(json_string_value(json_object_get(row, "j")), "{\"k\":[1,\"deux\"]}");
	assert_int_equal(json_integer_value(json_object_get(row, "b")), 1);
	row = json_array_get(rows, 1);
	assert_true(json_is_null(json_object_get(row, "s")));
	assert_true(json_is_null(json_object_get(row, "n")));
	json_decref(rows);
}

static int run_ops(socle_db *wdb, void *ud, socle_err *err)
{
	json_t *p;
	int n;

	(void)ud;
	p = json_pack("{s:s, s:i}", "name", "a", "v", 1);
	n = socle_db_run(wdb, "INSERT INTO kv (name, v) VALUES (:name, :v)", p, err);
	json_decref(p);
	assert_int_equal(n, 1);
	p = json_pack("{s:s, s:i}", "name", "b", "v", 2);
	n = socle_db_run(wdb, "INSERT INTO kv (name, v) VALUES (:name, :v)", p, err);
	json_decref(p);
	assert_int_equal(n, 1);
	assert_int_equal(socle_db_last_insert_id(wdb), 2);
	p = json_pack("{s:i}", "v", 10);
	n = socle_db_run(wdb, "UPDATE kv SET v = v + :v", p, err);
	json_decref(p);
	assert_int_equal(n, 2);
	return 0;
}

static void test_run_query(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	socle_db *r;
	json_t *p, *rows, *one;

	fixture_open(f);
	fixture_exec(f, "CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, v "
	                "INTEGER);"
	                "CREATE TABLE ref (id INTEGER PRIMARY KEY, kv_id INTEGER NOT NULL "
	                "REFERENCES kv (id))");
	assert_int_equal(socle_service_write(f->svc, run_ops, NULL, &err), 0);
	r = socle_service_reader(f->svc, &err);
	p = json_pack("{s:i}", "min", 12);
	rows = socle_db_query(r, "SELECT name, v FROM kv WHERE v >= :min ORDER BY name", p, &err);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "name")), "b");
	json_decref(rows);
	json_decref(p);
	/* A missing parameter is an error, not a silent NULL; the program's own
	 * (SOCLE_E_INTERNAL: a 500 whose text stays in the log), never a client's
	 * 400 carrying "missing SQL parameter" (issue 11 item 2). */
	rows = socle_db_query(r, "SELECT name FROM kv WHERE v >= :min", NULL, &err);
	assert_null(rows);
	assert_int_equal(err.code, SOCLE_E_INTERNAL);
	assert_non_null(strstr(err.msg, ":min"));
	/* query_one */
	p = json_pack("{s:s}", "name", "a");
	one = socle_db_query_one(r, "SELECT v FROM kv WHERE name = :name", p, &err);
	assert_non_null(one);
	assert_int_equal(json_integer_value(json_object_get(one, "v")), 11);
	json_decref(one);
	json_decref(p);
	err = (socle_err)SOCLE_ERR_INIT;
	p = json_pack("{s:s}", "name", "zz");
	assert_null(socle_db_query_one(r, "SELECT v FROM kv WHERE name = :name", p, &err));
	assert_int_equal(err.code, SOCLE_E_NOTFOUND);
	json_decref(p);
	/* Bad SQL */
	assert_null(socle_db_prepare(r, "SELEKT 1", &err));
	assert_int_equal(err.code, SOCLE_E_STORE);
}

static int insert_dup(socle_db *wdb, void *ud, socle_err *err)
{
	return socle_db_run(wdb, ud, NULL, err);
}

static void test_constraint_codes(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;

	fixture_open(f);
	fixture_exec(f, "CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	                "CREATE TABLE ref (id INTEGER PRIMARY KEY, kv_id INTEGER NOT NULL "
	                "REFERENCES kv (id));"
	                "INSERT INTO kv (name) VALUES ('a')");
	assert_int_equal(socle_service_write(f->svc, insert_dup,
	                                     (char *)"INSERT INTO kv (name) VALUES ('a')", &err),
	                 SOCLE_E_EXISTS);
	assert_int_equal(socle_service_write(f->svc, insert_dup,
	                                     (char *)"INSERT INTO ref (kv_id) VALUES (99)", &err),
	                 SOCLE_E_CONFLICT);
	assert_int_equal(socle_service_write(f->svc, insert_dup,
	                                     (char *)"INSERT INTO kv (name) VALUES (NULL)", &err),
	                 SOCLE_E_INVAL);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM kv"), 1);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM ref"), 0);
}

/* ---- write transactions --------------------------------------------------- */

static int insert_then_fail(socle_db *wdb, void *ud, socle_err *err)
{
	(void)ud;
	assert_int_equal(socle_db_run(wdb, "INSERT INTO kv (name) VALUES ('x')", NULL, err), 1);
	assert_int_equal(socle_event_emit(wdb, "kv.created", NULL, err), 0);
	assert_true(socle_job_enqueue(wdb, "kv.mail", NULL, 0, 0, err) > 0);
	return socle_err_set(err, SOCLE_E_CONFLICT, "refusé");
}

static int nested(socle_db *wdb, void *ud, socle_err *err)
{
	struct fixture *f = ud;

	(void)wdb;
	return socle_service_write(f->svc, insert_dup, (char *)"INSERT INTO kv (name) VALUES ('n')", err);
}

static int leak_stmt(socle_db *wdb, void *ud, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(wdb, "INSERT INTO kv (name) VALUES ('leaky')", err);

	(void)ud;
	return socle_stmt_step(st, err) < 0 ? SOCLE_E_STORE : 0; /* never released */
}

static int keep_wdb(socle_db *wdb, void *ud, socle_err *err)
{
	(void)err;
	*(socle_db **)ud = wdb;
	return 0;
}

static void test_write_rollback(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;

	fixture_open(f);
	fixture_exec(f, "CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
	assert_int_equal(socle_service_write(f->svc, insert_then_fail, NULL, &err), SOCLE_E_CONFLICT);
	assert_string_equal(err.msg, "refusé");
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM kv"), 0);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_event"), 0);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_job"), 0);
	/* A nested write is refused instead of deadlocking; the outer one rolls back. */
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(socle_service_write(f->svc, nested, f, &err), SOCLE_E_INTERNAL);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM kv"), 0);
	/* A statement the callback forgot is reclaimed and the commit goes through. */
	assert_int_equal(socle_service_write(f->svc, leak_stmt, NULL, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM kv"), 1);
	/* The write connection outside its transaction is refused. */
	{
		socle_db *kept = NULL;

		assert_int_equal(socle_service_write(f->svc, keep_wdb, &kept, &err), 0);
		assert_null(socle_db_prepare(kept, "SELECT 1", &err));
		assert_int_equal(err.code, SOCLE_E_PHASE);
		assert_int_equal(socle_db_exec(kept, "DELETE FROM kv", &err), SOCLE_E_PHASE);
		assert_int_equal(socle_event_emit(kept, "kv.created", NULL, &err), SOCLE_E_PHASE);
	}
	/* Emit and enqueue outside a write transaction are refused. */
	assert_int_equal(socle_event_emit(socle_service_reader(f->svc, &err), "kv.created", NULL,
	                                  &err),
	                 SOCLE_E_PHASE);
	assert_int_equal(socle_job_enqueue(socle_service_reader(f->svc, &err), "kv.mail", NULL, 0, 0,
	                                   &err),
	                 SOCLE_E_PHASE);
}

/* ---- group commit: each callback takes back only its own work ---------------- */

struct grouped {
	struct fixture *f;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, release;
	int64_t committed_c;  /* what a reader saw of 'c' from inside the failing callback */
};

/* Holds the writer until released, so that the next writes queue up. */
static int hold_writer(socle_db *wdb, void *ud, socle_err *err)
{
	struct grouped *g = ud;

	pthread_mutex_lock(&g->mu);
	g->started = true;
	pthread_cond_broadcast(&g->cv);
	while (!g->release)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
	return socle_db_run(wdb, "INSERT INTO kv (name) VALUES ('a')", NULL, err) < 0 ? -1 : 0;
}

/* 'c', and enough rows besides that its savepoint's journal spills out of
 * memory (SQLite keeps 64 KiB; some spill settings make that spill fail). */
static int insert_c(socle_db *wdb, void *ud, socle_err *err)
{
	(void)ud;
	if (socle_db_run(wdb, "INSERT INTO kv (name) VALUES ('c')", NULL, err) < 0)
		return -1;
	return socle_db_run(wdb, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	                         " WHERE i < 3000) INSERT INTO kv (name) SELECT 'pad-' || i || '-'"
	                         " || hex(zeroblob(100)) FROM n", NULL, err) < 0 ? -1 : 0;
}

/* Runs after insert_c: a reader (committed data only) tells whether 'c' was
 * written in the same transaction; then it writes and fails. */
static int insert_b_then_fail(socle_db *wdb, void *ud, socle_err *err)
{
	struct grouped *g = ud;

	g->committed_c = fixture_int(g->f, "SELECT count(*) FROM kv WHERE name = 'c'");
	assert_int_equal(socle_db_run(wdb, "INSERT INTO kv (name) VALUES ('b')", NULL, err), 1);
	assert_int_equal(socle_db_run(wdb, "UPDATE kv SET name = name || '!' WHERE name LIKE"
	                                   " 'pad-%'", NULL, err), 3000);
	return socle_err_set(err, SOCLE_E_CONFLICT, "refusé");
}

struct writer_arg {
	struct fixture *f;
	socle_write_fn fn;
	void *ud;
	int rc;
};

static void *write_in_thread(void *arg)
{
	struct writer_arg *w = arg;
	socle_err err = SOCLE_ERR_INIT;

	w->rc = socle_service_write(w->f->svc, w->fn, w->ud, &err);
	return NULL;
}

/* Writes queued while another runs are committed together, each in its own
 * savepoint: the failing one takes back its row only. (A write alone in its
 * batch runs without a savepoint: test_write_rollback.) The scenario is
 * repeated until the two writes were seen in one transaction. */
static void test_grouped_writes(void **state)
{
	struct fixture *f = *state;
	bool grouped = false;

	fixture_open(f);
	fixture_exec(f, "CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
	for (int attempt = 0; attempt < 10 && !grouped; attempt++) {
		struct grouped g = {.f = f, .committed_c = -1};
		struct writer_arg hold = {f, hold_writer, &g, 1}, c = {f, insert_c, NULL, 1},
		                  b = {f, insert_b_then_fail, &g, 1};
		pthread_t th_hold, th_c, th_b;
		struct timespec pause = {0, 20000000L * (attempt + 1)};

		fixture_exec(f, "DELETE FROM kv");
		pthread_mutex_init(&g.mu, NULL);
		pthread_cond_init(&g.cv, NULL);
		assert_int_equal(pthread_create(&th_hold, NULL, write_in_thread, &hold), 0);
		pthread_mutex_lock(&g.mu);
		while (!g.started)
			pthread_cond_wait(&g.cv, &g.mu);
		pthread_mutex_unlock(&g.mu);
		assert_int_equal(pthread_create(&th_c, NULL, write_in_thread, &c), 0);
		nanosleep(&pause, NULL);
		assert_int_equal(pthread_create(&th_b, NULL, write_in_thread, &b), 0);
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&g.mu);
		g.release = true;
		pthread_cond_broadcast(&g.cv);
		pthread_mutex_unlock(&g.mu);
		pthread_join(th_hold, NULL);
		pthread_join(th_c, NULL);
		pthread_join(th_b, NULL);
		assert_int_equal(hold.rc, 0);
		assert_int_equal(c.rc, 0);
		assert_int_equal(b.rc, SOCLE_E_CONFLICT);
		assert_int_equal(fixture_int(f, "SELECT count(*) FROM kv WHERE name = 'a'"), 1);
		assert_int_equal(fixture_int(f, "SELECT count(*) FROM kv WHERE name = 'c'"), 1);
		assert_int_equal(fixture_int(f, "SELECT count(*) FROM kv WHERE name = 'b'"), 0);
		assert_int_equal(fixture_int(f, "SELECT count(*) FROM kv WHERE name LIKE 'pad-%'"),
		                 3000);
		assert_int_equal(fixture_int(f, "SELECT count(*) FROM kv WHERE name LIKE '%!'"), 0);
		/* 'c' not yet committed when the failing write ran: one transaction. */
		grouped = g.committed_c == 0;
		pthread_cond_destroy(&g.cv);
		pthread_mutex_destroy(&g.mu);
	}
	assert_true(grouped);
}

/* ---- WAL bound under load -------------------------------------------------- */

struct wal_load {
	struct fixture *f;
	atomic_bool stop;
	atomic_long reads;
};

static void *reader_thread(void *arg)
{
	struct wal_load *w = arg;
	socle_err err = SOCLE_ERR_INIT;
	socle_db *r = socle_service_reader(w->f->svc, &err);

	assert_non_null(r);
	while (!atomic_load(&w->stop)) {
		socle_stmt *st = socle_db_prepare(r, "SELECT id, body FROM load ORDER BY id DESC "
		                                     "LIMIT 50", &err);
		int n = 0;

		assert_non_null(st);
		/* Walk slowly through a snapshot now and then, like a long report page. */
		while (socle_stmt_step(st, &err) == 1)
			if (++n == 25 && atomic_load(&w->reads) % 16 == 0) {
				struct timespec ts = {0, 2000000};

				nanosleep(&ts, NULL);
			}
		socle_stmt_release(st);
		atomic_fetch_add(&w->reads, 1);
	}
	return NULL;
}

static int insert_load(socle_db *wdb, void *ud, socle_err *err)
{
	static const char body[] =
		"Compte rendu de visite: poste de travail, contraintes, expositions, "
		"préconisations et suivi; texte volontairement long pour remplir des pages.";
	socle_stmt *st = socle_db_prepare(wdb, "INSERT INTO load (k, body) VALUES (:k, :body)", err);
	int rc;

	if (st == NULL)
		return SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":k", *(int *)ud);
	socle_stmt_bind_text(st, ":body", body);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

static void test_wal_bounded(void **state)
{
	struct fixture *f = *state;
	struct wal_load w = {.f = f};
	socle_err err = SOCLE_ERR_INIT;
	pthread_t th[2];
	int64_t max_wal = 0, size;
	const int n = 20000;

	fixture_open(f);
	fixture_exec(f, "CREATE TABLE load (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, "
	                "body TEXT NOT NULL); CREATE INDEX load_k ON load (k)");
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader_thread, &w), 0);
	for (int i = 0; i < n; i++) {
		int k = (int)(((unsigned)i * 2654435761u) % 100000u); /* scattered index pages */

		if (socle_service_write(f->svc, insert_load, &k, &err) != 0)
			fail_msg("write %d: %s", i, err.msg);
		if (i % 50 == 0) {
			assert_int_equal(store_wal_size(f->svc, &size), 0);
			if (size > max_wal)
				max_wal = size;
		}
	}
	atomic_store(&w.stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(store_wal_size(f->svc, &size), 0);
	if (size > max_wal)
		max_wal = size;
	print_message("WAL: max %lld bytes over %d commits, %ld reads\n", (long long)max_wal, n,
	              atomic_load(&w.reads));
	assert_true(atomic_load(&w.reads) > 0);
	assert_true(max_wal <= 64LL * 1024 * 1024);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM load"), n);
}

/* ---- backup and integrity --------------------------------------------------- */

struct bg_writer {
	struct fixture *f;
	atomic_bool stop;
	atomic_int written;
};

static void *writer_thread(void *arg)
{
	struct bg_writer *b = arg;
	socle_err err = SOCLE_ERR_INIT;

	while (!atomic_load(&b->stop)) {
		int k = atomic_load(&b->written);

		if (socle_service_write(b->f->svc, insert_load, &k, &err) != 0)
			fail_msg("background write: %s", err.msg);
		atomic_fetch_add(&b->written, 1);
	}
	return NULL;
}

static int bulk_load(socle_db *wdb, void *ud, socle_err *err)
{
	for (int i = 0; i < *(int *)ud; i++) {
		int rc = insert_load(wdb, &i, err);

		if (rc < 0)
			return rc;
	}
	return 0;
}

static void test_backup(void **state)
{
	struct fixture *f = *state;
	struct bg_writer b = {.f = f};
	socle_err err = SOCLE_ERR_INIT;
	char dest[PATH_MAX + 16], junk[PATH_MAX + 32];
	sqlite3 *h;
	sqlite3_stmt *st;
	pthread_t th;
	int before, after, n_bulk;
	int64_t in_copy;
	FILE *fp;

	fixture_open(f);
	fixture_exec(f, "CREATE TABLE load (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, "
	                "body TEXT NOT NULL)");
	/* Several backup steps' worth of pages, so that commits land between steps. */
	n_bulk = 60000;
	assert_int_equal(socle_service_write(f->svc, bulk_load, &n_bulk, &err), 0);
	atomic_store(&b.written, n_bulk);
	assert_true(fixture_int(f, "PRAGMA page_count") > 2 * 1024);
	assert_int_equal(pthread_create(&th, NULL, writer_thread, &b), 0);
	before = atomic_load(&b.written);
	snprintf(dest, sizeof(dest), "%s/backup.db", f->dir);
	if (store_backup(f->svc, dest, &err) != 0)
		fail_msg("backup: %s", err.msg);
	after = atomic_load(&b.written);
	atomic_store(&b.stop, true);
	pthread_join(th, NULL);
	assert_int_equal(store_integrity_check(dest, &err), 0);
	/* The copy holds at least what was committed when it started, a self-contained file. */
	assert_int_equal(sqlite3_open_v2(dest, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM load", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	in_copy = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "delete");
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_true(in_copy >= before && in_copy <= after + 1);
	print_message("backup: %lld rows in the copy, %d written during it\n", (long long)in_copy,
	              after - before);
	snprintf(junk, sizeof(junk), "%s.partial", dest);
	assert_int_equal(access(junk, F_OK), -1);
	/* The live database is refused as a destination. */
	assert_int_equal(store_backup(f->svc, f->db_path, &err), SOCLE_E_INVAL);
	/* A damaged file fails the check. */
	snprintf(junk, sizeof(junk), "%s/junk.db", f->dir);
	fp = fopen(junk, "w");
	assert_non_null(fp);
	fputs("ceci n'est pas une base de données SQLite, juste du texte assez long........", fp);
	fclose(fp);
	assert_true(store_integrity_check(junk, &err) < 0);
	assert_true(store_integrity_check("/nonexistent/x.db", &err) < 0);
	/* The live one is fine. */
	assert_int_equal(store_integrity_check(f->db_path, &err), 0);
}

/* ---- events ------------------------------------------------------------------ */

struct seen {
	int calls;
	char last[64];
	int64_t last_n;
};

static struct seen seen_ok, seen_fail, seen_other, seen_sub;

static int handler_ok(socle_service *svc, const char *event, const json_t *payload, void *ud,
                      socle_err *err)
{
	struct seen *s = ud;

	(void)svc;
	(void)err;
	s->calls++;
	snprintf(s->last, sizeof(s->last), "%s", event);
	s->last_n = json_integer_value(json_object_get(payload, "n"));
	return 0;
}

static int handler_fail(socle_service *svc, const char *event, const json_t *payload, void *ud,
                        socle_err *err)
{
	(void)svc;
	(void)event;
	(void)payload;
	((struct seen *)ud)->calls++;
	return socle_err_set(err, SOCLE_E_INTERNAL, "panne voulue");
}

static int subscriber(socle_service *svc, const char *event, const json_t *payload,
                      socle_err *err)
{
	(void)svc;
	(void)err;
	seen_sub.calls++;
	snprintf(seen_sub.last, sizeof(seen_sub.last), "%s", event);
	seen_sub.last_n = json_integer_value(json_object_get(payload, "n"));
	return 0;
}

struct emit_args {
	const char *name;
	int n;
	bool fail;
};

static int emit_fn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct emit_args *a = ud;
	json_t *p = json_pack("{s:i}", "n", a->n);
	int rc = socle_event_emit(wdb, a->name, p, err);

	json_decref(p);
	if (rc < 0)
		return rc;
	return a->fail ? SOCLE_E_CONFLICT : 0;
}

static void emit(struct fixture *f, const char *name, int n, bool fail)
{
	struct emit_args a = {name, n, fail};
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(f->svc, emit_fn, &a, &err);

	if (fail)
		assert_int_equal(rc, SOCLE_E_CONFLICT);
	else if (rc != 0)
		fail_msg("emit %s: %s", name, err.msg);
}

static void test_events(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	socle_db *r;
	json_t *rows;

	memset(&seen_ok, 0, sizeof(seen_ok));
	memset(&seen_fail, 0, sizeof(seen_fail));
	memset(&seen_other, 0, sizeof(seen_other));
	memset(&seen_sub, 0, sizeof(seen_sub));
	/* p0 fails, p1 succeeds, p2 is not enabled on the service. */
	assert_int_equal(socle_plugin_on(f->plugins[0], "visit.completed", handler_fail, &seen_fail,
	                                 &err), 0);
	assert_int_equal(socle_plugin_on(f->plugins[1], "visit.completed", handler_ok, &seen_ok,
	                                 &err), 0);
	assert_int_equal(socle_plugin_on(f->plugins[2], "visit.completed", handler_ok, &seen_other,
	                                 &err), 0);
	assert_int_equal(socle_plugin_on(f->plugins[1], "Visit completed", handler_ok, &seen_ok,
	                                 &err), SOCLE_E_INVAL);
	assert_int_equal(bus_add_core_subscriber(f->core, subscriber), 0);
	assert_int_equal(bus_add_core_subscriber(f->core, subscriber), 0); /* once only */
	f->svc->plugin_enabled[2] = false;
	f->core->phase = PHASE_RUN;
	assert_int_equal(socle_plugin_on(f->plugins[1], "visit.planned", handler_ok, &seen_ok, &err),
	                 SOCLE_E_PHASE);
	fixture_open(f);

	emit(f, "visit.completed", 1, false);
	emit(f, "visit.completed", 2, true); /* rolled back: never delivered */
	emit(f, "company.joined", 3, false);
	/* Nothing is delivered before the loop runs. */
	assert_int_equal(seen_ok.calls, 0);
	assert_int_equal(loop_run_pending(f->core), 2);
	assert_int_equal(seen_fail.calls, 1);
	assert_int_equal(seen_ok.calls, 1); /* the failure did not stop it */
	assert_int_equal(seen_ok.last_n, 1);
	assert_int_equal(seen_other.calls, 0);
	assert_int_equal(seen_sub.calls, 2);
	assert_string_equal(seen_sub.last, "company.joined"); /* in id order */
	assert_int_equal(seen_sub.last_n, 3);
	/* Delivered once. */
	assert_int_equal(loop_run_pending(f->core), 0);
	assert_int_equal(seen_ok.calls, 1);
	r = socle_service_reader(f->svc, &err);
	rows = socle_db_query(r, "SELECT name, failures, last_error, delivered_at FROM core_event "
	                         "ORDER BY id", NULL, &err);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "failures")), 1);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(rows, 0),
	                                                         "last_error")),
	                       "p0: panne voulue"));
	assert_true(json_is_null(json_object_get(json_array_get(rows, 1), "last_error")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 1), "delivered_at")),
	                 T0);
	json_decref(rows);
	/* Payload validation. */
	{
		struct emit_args bad = {"pas un nom", 0, false};

		assert_int_equal(socle_service_write(f->svc, emit_fn, &bad, &err), SOCLE_E_INVAL);
		/* A well-formed name no plugin declared (docs/events.md): refused in
		 * the test build, and nothing of the transaction is kept. */
		struct emit_args undeclared = {"nobody.declared_it", 0, false};

		assert_int_equal(socle_service_write(f->svc, emit_fn, &undeclared, &err), SOCLE_E_INVAL);
		assert_non_null(strstr(err.msg, "non déclaré"));
	}
}

/* Many events: batches and more than one round of the loop. */
static int emit_many(socle_db *wdb, void *ud, socle_err *err)
{
	int n = *(int *)ud;

	for (int i = 0; i < n; i++) {
		json_t *p = json_pack("{s:i}", "n", i);
		int rc = socle_event_emit(wdb, "load.done", p, err);

		json_decref(p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void test_events_batches(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	int n = 2500;

	memset(&seen_ok, 0, sizeof(seen_ok));
	assert_int_equal(socle_plugin_on(f->plugins[0], "load.done", handler_ok, &seen_ok, &err), 0);
	fixture_open(f);
	assert_int_equal(socle_service_write(f->svc, emit_many, &n, &err), 0);
	assert_int_equal(loop_run_pending(f->core), n);
	assert_int_equal(seen_ok.calls, n);
	assert_int_equal(seen_ok.last_n, n - 1);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_event WHERE delivered_at IS NULL"),
	                 0);
	/* Housekeeping removes delivered events past retention only. */
	assert_int_equal(bus_purge(f->svc, T0, &err), 0);
	assert_int_equal(bus_purge(f->svc, T0 + 1, &err), n);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_event"), 0);
}

/* ---- jobs -------------------------------------------------------------------- */

static int job_calls;
static int job_fail_first;
static int64_t job_last_x;

static int job_handler(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	(void)svc;
	(void)ud;
	job_calls++;
	job_last_x = json_integer_value(json_object_get(payload, "x"));
	if (job_calls <= job_fail_first)
		return socle_err_set(err, SOCLE_E_IO, "serveur de messagerie injoignable");
	return 0;
}

struct enq_args {
	const char *kind;
	int64_t run_at;
	int max_attempts;
	int64_t id;
};

static int enqueue_fn(socle_db *wdb, void *ud, socle_err *err)
{
	struct enq_args *a = ud;
	json_t *p = json_pack("{s:i}", "x", 42);

	a->id = socle_job_enqueue(wdb, a->kind, p, a->run_at, a->max_attempts, err);
	json_decref(p);
	return a->id < 0 ? (int)a->id : 0;
}

static int64_t enqueue(struct fixture *f, const char *kind, int64_t run_at, int max_attempts)
{
	struct enq_args a = {kind, run_at, max_attempts, 0};
	socle_err err = SOCLE_ERR_INIT;

	if (socle_service_write(f->svc, enqueue_fn, &a, &err) != 0)
		fail_msg("enqueue %s: %s", kind, err.msg);
	return a.id;
}

static json_t *job_row(struct fixture *f, int64_t id)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *row = socle_db_query_one(socle_service_reader(f->svc, &err),
	                                 "SELECT state, attempts, run_at, last_error, max_attempts "
	                                 "FROM core_job WHERE id = :id", p, &err);

	json_decref(p);
	assert_non_null(row);
	return row;
}

static void assert_job(struct fixture *f, int64_t id, const char *state, int attempts,
                       int64_t run_at)
{
	json_t *row = job_row(f, id);

	assert_string_equal(json_string_value(json_object_get(row, "state")), state);
	assert_int_equal(json_integer_value(json_object_get(row, "attempts")), attempts);
	if (run_at >= 0)
		assert_int_equal(json_integer_value(json_object_get(row, "run_at")), run_at);
	json_decref(row);
}

static void test_jobs_backoff_formula(void **state)
{
	(void)state;
	assert_int_equal(jobs_backoff_ms(1), 30000);
	assert_int_equal(jobs_backoff_ms(2), 60000);
	assert_int_equal(jobs_backoff_ms(5), 480000);
	assert_int_equal(jobs_backoff_ms(10), 30000LL * 512); /* 4 h 16 min */
	assert_int_equal(jobs_backoff_ms(11), 6 * 3600 * 1000); /* 8 h 32 min, capped */
	assert_int_equal(jobs_backoff_ms(1000), 6 * 3600 * 1000);
}

static void test_jobs_retry(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	int64_t id, later;
	json_t *row;

	job_calls = 0;
	job_fail_first = 2;
	assert_int_equal(socle_plugin_add_job(f->plugins[0], "mail.send", job_handler, NULL, &err), 0);
	assert_int_equal(socle_plugin_add_job(f->plugins[1], "mail.send", job_handler, NULL, &err),
	                 SOCLE_E_EXISTS);
	f->core->phase = PHASE_RUN;
	fixture_open(f);
	id = enqueue(f, "mail.send", 0, 0);
	assert_true(id > 0);
	later = enqueue(f, "mail.send", T0 + 3600 * 1000, 0); /* not due yet */
	row = job_row(f, id);
	assert_int_equal(json_integer_value(json_object_get(row, "max_attempts")), 8);
	json_decref(row);

	assert_int_equal(loop_run_pending(f->core), 1); /* attempt 1 fails */
	assert_int_equal(job_calls, 1);
	assert_int_equal(job_last_x, 42);
	assert_job(f, id, "queued", 1, T0 + 30000);
	row = job_row(f, id);
	assert_string_equal(json_string_value(json_object_get(row, "last_error")),
	                    "serveur de messagerie injoignable");
	json_decref(row);

	clock_advance(29999);
	assert_int_equal(loop_run_pending(f->core), 0); /* not yet */
	clock_advance(1);
	assert_int_equal(loop_run_pending(f->core), 1); /* attempt 2 fails: 60 s more */
	assert_job(f, id, "queued", 2, T0 + 30000 + 60000);
	clock_advance(60000);
	assert_int_equal(loop_run_pending(f->core), 1); /* attempt 3 succeeds */
	assert_job(f, id, "done", 3, -1);
	assert_int_equal(job_calls, 3);
	assert_job(f, later, "queued", 0, T0 + 3600 * 1000);
	assert_int_equal(jobs_next_due_ms(f->core), T0 + 3600 * 1000);
}

static void test_jobs_dead(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	int64_t id, unknown, disabled;
	json_t *row;

	job_calls = 0;
	job_fail_first = 1000;
	assert_int_equal(socle_plugin_add_job(f->plugins[0], "mail.send", job_handler, NULL, &err), 0);
	assert_int_equal(socle_plugin_add_job(f->plugins[2], "sms.send", job_handler, NULL, &err), 0);
	f->svc->plugin_enabled[2] = false;
	f->core->phase = PHASE_RUN;
	assert_int_equal(socle_plugin_add_job(f->plugins[0], "mail.other", job_handler, NULL, &err),
	                 SOCLE_E_PHASE);
	fixture_open(f);
	id = enqueue(f, "mail.send", 0, 2);
	unknown = enqueue(f, "fax.send", 0, 0);
	disabled = enqueue(f, "sms.send", 0, 0);
	assert_int_equal(loop_run_pending(f->core), 3);
	assert_job(f, id, "queued", 1, T0 + 30000);
	row = job_row(f, unknown);
	assert_string_equal(json_string_value(json_object_get(row, "state")), "dead");
	assert_non_null(strstr(json_string_value(json_object_get(row, "last_error")), "fax.send"));
	json_decref(row);
	row = job_row(f, disabled);
	assert_string_equal(json_string_value(json_object_get(row, "state")), "dead");
	assert_non_null(strstr(json_string_value(json_object_get(row, "last_error")), "not enabled"));
	json_decref(row);
	assert_int_equal(job_calls, 1);
	clock_advance(30000);
	assert_int_equal(loop_run_pending(f->core), 1);
	assert_job(f, id, "dead", 2, -1); /* max_attempts reached */
	clock_advance(24LL * 3600 * 1000);
	assert_int_equal(loop_run_pending(f->core), 0); /* dead jobs stay dead */
	assert_int_equal(job_calls, 2);
	assert_int_equal(jobs_next_due_ms(f->core), INT64_MAX);
	/* Bad arguments. */
	{
		struct enq_args a = {"mail.send", 0, -1, 0};

		assert_int_equal(socle_service_write(f->svc, enqueue_fn, &a, &err), SOCLE_E_INVAL);
		a.kind = "MAIL";
		a.max_attempts = 0;
		assert_int_equal(socle_service_write(f->svc, enqueue_fn, &a, &err), SOCLE_E_INVAL);
	}
}

static void test_jobs_crash_requeue(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;

	job_calls = 0;
	job_fail_first = 0;
	assert_int_equal(socle_plugin_add_job(f->plugins[0], "mail.send", job_handler, NULL, &err), 0);
	f->core->phase = PHASE_RUN;
	fixture_open(f);
	id = enqueue(f, "mail.send", 0, 0);
	/* As if a process died while running it. */
	fixture_exec(f, "UPDATE core_job SET state = 'running', attempts = 1");
	store_close(f->svc);
	clock_advance(5000);
	assert_int_equal(store_open(f->svc, &err), 0);
	assert_job(f, id, "running", 1, -1); /* opening alone changes nothing (see below) */
	/* The first pass of the process owning the queue requeues and runs it. */
	assert_int_equal(loop_run_pending(f->core), 1);
	assert_int_equal(job_calls, 1);
	assert_job(f, id, "done", 2, -1);
}

/* Another process (the server, while a `socle` command runs) owns the queue:
 * this one neither delivers events nor runs jobs nor requeues them. */
static void test_queue_owned_elsewhere(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	char lock_path[PATH_MAX + 32];
	int fd;
	int64_t id;

	memset(&seen_ok, 0, sizeof(seen_ok));
	job_calls = 0;
	job_fail_first = 0;
	assert_int_equal(socle_plugin_on(f->plugins[0], "visit.completed", handler_ok, &seen_ok,
	                                 &err), 0);
	assert_int_equal(socle_plugin_add_job(f->plugins[0], "mail.send", job_handler, NULL, &err), 0);
	f->core->phase = PHASE_RUN;
	fixture_open(f);
	snprintf(lock_path, sizeof(lock_path), "%s.queue-lock", f->db_path);
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0); /* a separate open: another owner */
	emit(f, "visit.completed", 1, false);
	id = enqueue(f, "mail.send", 0, 0);
	fixture_exec(f, "UPDATE core_job SET state = 'running'");
	assert_int_equal(loop_run_pending(f->core), 0);
	assert_int_equal(seen_ok.calls, 0);
	assert_job(f, id, "running", 0, -1);
	close(fd); /* the other owner went away */
	assert_int_equal(loop_run_pending(f->core), 2);
	assert_int_equal(seen_ok.calls, 1);
	assert_int_equal(job_calls, 1);
	assert_job(f, id, "done", 1, -1);
}

/* ---- timers -------------------------------------------------------------------- */

static int timer_calls[2];

static void timer_fn(socle_core *core, void *ud)
{
	(void)core;
	timer_calls[(intptr_t)ud]++;
}

static void test_timers(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;

	timer_calls[0] = timer_calls[1] = 0;
	assert_int_equal(socle_plugin_add_timer(f->plugins[0], 1000, timer_fn, (void *)0, &err), 0);
	assert_int_equal(socle_plugin_add_timer(f->plugins[1], 1000, timer_fn, (void *)1, &err), 0);
	assert_int_equal(socle_plugin_add_timer(f->plugins[1], 1, timer_fn, (void *)1, &err),
	                 SOCLE_E_INVAL);
	f->plugins[1]->started = false; /* its start() failed or has not run */
	f->core->phase = PHASE_RUN;
	assert_int_equal(socle_plugin_add_timer(f->plugins[0], 1000, timer_fn, NULL, &err),
	                 SOCLE_E_PHASE);
	fixture_open(f);
	assert_int_equal(loop_run_pending(f->core), 0); /* arms */
	clock_advance(999);
	assert_int_equal(loop_run_pending(f->core), 0);
	assert_int_equal(timer_calls[0], 0);
	clock_advance(1);
	assert_int_equal(loop_run_pending(f->core), 1);
	assert_int_equal(timer_calls[0], 1);
	assert_int_equal(loop_run_pending(f->core), 0); /* once per interval */
	clock_advance(10000);                           /* long pause: one call, no burst */
	assert_int_equal(loop_run_pending(f->core), 1);
	assert_int_equal(timer_calls[0], 2);
	clock_advance(1000);
	assert_int_equal(loop_run_pending(f->core), 1);
	assert_int_equal(timer_calls[0], 3);
	assert_int_equal(timer_calls[1], 0);
}

/* ---- loop thread ----------------------------------------------------------------- */

static pthread_mutex_t got_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t got_cv = PTHREAD_COND_INITIALIZER;
static int got_events;

static int handler_signal(socle_service *svc, const char *event, const json_t *payload, void *ud,
                          socle_err *err)
{
	(void)svc;
	(void)event;
	(void)payload;
	(void)ud;
	(void)err;
	pthread_mutex_lock(&got_mu);
	got_events++;
	pthread_cond_broadcast(&got_cv);
	pthread_mutex_unlock(&got_mu);
	return 0;
}

/* Wait (up to a generous timeout: this is no timing test) for @p n events. */
static int wait_events(int n)
{
	struct timespec until;
	int got;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	pthread_mutex_lock(&got_mu);
	while (got_events < n)
		if (pthread_cond_timedwait(&got_cv, &got_mu, &until) != 0)
			break;
	got = got_events;
	pthread_mutex_unlock(&got_mu);
	return got;
}

static void test_loop_thread(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;

	got_events = 0;
	assert_int_equal(socle_plugin_on(f->plugins[0], "visit.completed", handler_signal, NULL,
	                                 &err), 0);
	f->core->phase = PHASE_RUN;
	fixture_open(f);
	clock_thaw(); /* the loop sleeps on real time here */
	assert_int_equal(loop_start(f->core, &err), 0);
	emit(f, "visit.completed", 1, false); /* the commit wakes the loop */
	assert_int_equal(wait_events(1), 1);
	emit(f, "visit.completed", 2, false);
	emit(f, "visit.completed", 3, false);
	assert_int_equal(wait_events(3), 3);
	loop_stop(f->core);
	assert_null(f->core->loop);
	emit(f, "visit.completed", 4, false); /* no loop: stays pending */
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_event WHERE delivered_at IS NULL"),
	                 1);
	assert_int_equal(loop_run_pending(f->core), 1);
	assert_int_equal(wait_events(4), 4);
}

/* ---- readers of several threads ------------------------------------------------- */

static void *other_reader(void *arg)
{
	struct fixture *f = arg;
	socle_err err = SOCLE_ERR_INIT;
	socle_db *r = socle_service_reader(f->svc, &err);

	assert_non_null(r);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_event"), 0);
	return r;
}

static void test_readers_per_thread(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	socle_db *mine, *theirs;
	pthread_t th;
	void *ret;

	fixture_open(f);
	mine = socle_service_reader(f->svc, &err);
	assert_int_equal(pthread_create(&th, NULL, other_reader, f), 0);
	pthread_join(th, &ret);
	theirs = ret;
	assert_non_null(theirs);
	assert_ptr_not_equal(mine, theirs); /* the exited thread's reader was closed by its key */
	/* Closing and reopening the store gives this thread a fresh reader. */
	store_close(f->svc);
	assert_int_equal(store_open(f->svc, &err), 0);
	mine = socle_service_reader(f->svc, &err);
	assert_non_null(mine);
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM core_event"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock),
		cmocka_unit_test_setup_teardown(test_open_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_needs_open_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_newer_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache_and_binds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_constraint_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grouped_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_batches, setup, teardown),
		cmocka_unit_test(test_jobs_backoff_formula),
		cmocka_unit_test_setup_teardown(test_jobs_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jobs_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jobs_crash_requeue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_owned_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readers_per_thread, setup, teardown),
	};

	log_set_threshold(SOCLE_LOG_WARN);
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
