/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Statements: the per-connection cache of prepared statements keyed by SQL
 * text, named-parameter binding, stepping and column access, and the
 * convenience calls built on them (exec, run, query, query_one).
 *
 * A connection is only ever used by one thread at a time (a reader by its
 * thread, the writer under the store's write mutex), so the cache needs no
 * lock of its own. */
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "store.h"

#define QUERY_MAX_ROWS 100000 /* socle_db_query refuses more: callers use LIMIT or a statement */

int store_fail(sqlite3 *h, int rc, socle_err *err, const char *what)
{
	int code = SOCLE_E_STORE;
	int ext = h != NULL ? sqlite3_extended_errcode(h) : rc;
	const char *msg = h != NULL ? sqlite3_errmsg(h) : sqlite3_errstr(rc);

	switch (ext & 0xff) {
	case SQLITE_NOMEM: code = SOCLE_E_NOMEM; break;
	case SQLITE_TOOBIG: code = SOCLE_E_TOOBIG; break;
	case SQLITE_CONSTRAINT:
		switch (ext) {
		case SQLITE_CONSTRAINT_UNIQUE:
		case SQLITE_CONSTRAINT_PRIMARYKEY: code = SOCLE_E_EXISTS; break;
		case SQLITE_CONSTRAINT_FOREIGNKEY: code = SOCLE_E_CONFLICT; break;
		case SQLITE_CONSTRAINT_NOTNULL:
		case SQLITE_CONSTRAINT_CHECK:
		case SQLITE_CONSTRAINT_DATATYPE: code = SOCLE_E_INVAL; break;
		default: code = SOCLE_E_CONFLICT; break;
		}
		break;
	default: break;
	}
	return socle_err_set(err, code, "%s: %s", what, msg);
}

/* FNV-1a: SQL texts are short and few per connection. */
static uint32_t hash_sql(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static void stmt_free(struct socle_stmt *st)
{
	sqlite3_finalize(st->h);
	free(st->sql);
	free(st);
}

/* Drop the least recently used statement nobody holds, to keep the cache bounded
 * when SQL text is built dynamically. */
static void evict_one(socle_db *db)
{
	struct socle_stmt **victim = NULL;

	for (size_t b = 0; b < STORE_STMT_BUCKETS; b++)
		for (struct socle_stmt **pp = &db->buckets[b]; *pp; pp = &(*pp)->next)
			if (!(*pp)->in_use && (victim == NULL || (*pp)->last_use < (*victim)->last_use))
				victim = pp;
	if (victim != NULL) {
		struct socle_stmt *st = *victim;

		*victim = st->next;
		db->n_cached--;
		stmt_free(st);
	}
}

SOCLE_API socle_stmt *socle_db_prepare(socle_db *db, const char *sql, socle_err *err)
{
	struct socle_stmt *st;
	uint32_t h;
	bool cache;
	int rc;

	if (db == NULL || db->h == NULL || sql == NULL) {
		socle_err_set(err, SOCLE_E_INVAL, "prepare: no connection or no SQL");
		return NULL;
	}
	if (db->writer && !store_in_write(db)) {
		socle_err_set(err, SOCLE_E_PHASE,
		              "the write connection is used inside socle_service_write() only");
		return NULL;
	}
	h = hash_sql(sql);
	for (st = db->buckets[h % STORE_STMT_BUCKETS]; st; st = st->next) {
		if (st->hash == h && strcmp(st->sql, sql) == 0) {
			if (st->in_use)
				break; /* same text still held (nested use): compile a one-off copy */
			st->in_use = true;
			st->last_use = ++db->use_clock;
			return st;
		}
	}
	cache = st == NULL; /* a held duplicate is not cached twice */
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->sql = strdup(sql)) == NULL) {
		free(st);
		socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
		return NULL;
	}
	rc = sqlite3_prepare_v3(db->h, sql, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0, &st->h, NULL);
	if (rc != SQLITE_OK || st->h == NULL) {
		if (rc == SQLITE_OK)
			socle_err_set(err, SOCLE_E_INVAL, "prepare: empty SQL");
		else
			store_fail(db->h, rc, err, "prepare");
		free(st->sql);
		free(st);
		return NULL;
	}
	st->db = db;
	st->hash = h;
	st->in_use = true;
	st->cached = cache;
	st->last_use = ++db->use_clock;
	if (cache) {
		if (db->n_cached >= STORE_STMT_CACHE_MAX)
			evict_one(db);
		st->next = db->buckets[h % STORE_STMT_BUCKETS];
		db->buckets[h % STORE_STMT_BUCKETS] = st;
		db->n_cached++;
	}
	return st;
}

SOCLE_API void socle_stmt_reset(socle_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st->h);
		st->bind_failed = 0;
	}
}

SOCLE_API void socle_stmt_release(socle_stmt *st)
{
	if (st == NULL)
		return;
	if (!st->cached) {
		stmt_free(st);
		return;
	}
	sqlite3_reset(st->h);
	st->bind_failed = 0;
	sqlite3_clear_bindings(st->h);
	st->in_use = false;
}

void store_stmt_cache_clear(socle_db *db)
{
	for (size_t b = 0; b < STORE_STMT_BUCKETS; b++) {
		struct socle_stmt *st = db->buckets[b];

		while (st != NULL) {
			struct socle_stmt *next = st->next;

			stmt_free(st);
			st = next;
		}
		db->buckets[b] = NULL;
	}
	db->n_cached = 0;
}

size_t store_stmt_reclaim(socle_db *db)
{
	size_t n = 0;

	for (size_t b = 0; b < STORE_STMT_BUCKETS; b++)
		for (struct socle_stmt *st = db->buckets[b]; st; st = st->next)
			if (st->in_use) {
				socle_log(SOCLE_LOG_WARN, "statement not released: %s", st->sql);
				socle_stmt_release(st);
				n++;
			}
	return n;
}

/* Parameter index of @p name; ":id", "@id", "$id" as written, or "id" meaning ":id". */
static int param_index(socle_stmt *st, const char *name)
{
	char buf[128];
	int i;

	if (st == NULL || name == NULL)
		return 0;
	i = sqlite3_bind_parameter_index(st->h, name);
	if (i == 0 && name[0] != ':' && name[0] != '@' && name[0] != '$' &&
	    strlen(name) < sizeof(buf) - 1) {
		buf[0] = ':';
		strcpy(buf + 1, name);
		i = sqlite3_bind_parameter_index(st->h, buf);
	}
	return i;
}

/* A bind that failed (no memory for the copy of a text, a value too big) is
 * remembered until the statement steps or resets: callers bind without
 * checking each call, and a statement run with that parameter left NULL
 * would find no row (a login refused as a wrong password) or break a
 * constraint (an internal text sent to the client). The step then fails. */
static int bind_result_code(int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	if (rc == SQLITE_NOMEM)
		return SOCLE_E_NOMEM;
	if (rc == SQLITE_TOOBIG)
		return SOCLE_E_TOOBIG;
	return SOCLE_E_INVAL;
}

static int bind_result(socle_stmt *st, int rc)
{
	int code = bind_result_code(rc);

	if (code != 0 && st->bind_failed == 0)
		st->bind_failed = code;
	return code;
}

SOCLE_API int socle_stmt_bind_text(socle_stmt *st, const char *name, const char *value)
{
	int i = param_index(st, name);

	if (i == 0)
		return SOCLE_E_INVAL;
	if (value == NULL)
		return bind_result(st, sqlite3_bind_null(st->h, i));
	return bind_result(st, sqlite3_bind_text(st->h, i, value, -1, SQLITE_TRANSIENT));
}

SOCLE_API int socle_stmt_bind_int(socle_stmt *st, const char *name, int64_t value)
{
	int i = param_index(st, name);

	return i == 0 ? SOCLE_E_INVAL : bind_result(st, sqlite3_bind_int64(st->h, i, value));
}

SOCLE_API int socle_stmt_bind_double(socle_stmt *st, const char *name, double value)
{
	int i = param_index(st, name);

	return i == 0 ? SOCLE_E_INVAL : bind_result(st, sqlite3_bind_double(st->h, i, value));
}

SOCLE_API int socle_stmt_bind_null(socle_stmt *st, const char *name)
{
	int i = param_index(st, name);

	return i == 0 ? SOCLE_E_INVAL : bind_result(st, sqlite3_bind_null(st->h, i));
}

static int bind_json_at(socle_stmt *st, int i, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return bind_result(st, sqlite3_bind_null(st->h, i));
	case JSON_TRUE: return bind_result(st, sqlite3_bind_int64(st->h, i, 1));
	case JSON_FALSE: return bind_result(st, sqlite3_bind_int64(st->h, i, 0));
	case JSON_INTEGER: return bind_result(st, sqlite3_bind_int64(st->h, i, json_integer_value(v)));
	case JSON_REAL: return bind_result(st, sqlite3_bind_double(st->h, i, json_real_value(v)));
	case JSON_STRING:
		return bind_result(st, sqlite3_bind_text64(st->h, i, json_string_value(v),
		                                       json_string_length(v), SQLITE_TRANSIENT,
		                                       SQLITE_UTF8));
	case JSON_ARRAY:
	case JSON_OBJECT: {
		char *text = json_text(v, 0, NULL); /* json_dumps(v, JSON_COMPACT), faster */

		if (text == NULL)
			return SOCLE_E_NOMEM;
		/* SQLite calls free() on every path, failure included. */
		return bind_result(st, sqlite3_bind_text(st->h, i, text, -1, free));
	}
	}
	return SOCLE_E_INVAL;
}

SOCLE_API int socle_stmt_bind_json(socle_stmt *st, const char *name, const json_t *value)
{
	int i = param_index(st, name);

	if (i == 0)
		return SOCLE_E_INVAL;
	if (value == NULL)
		return bind_result(st, sqlite3_bind_null(st->h, i));
	return bind_json_at(st, i, value);
}

SOCLE_API int socle_stmt_step(socle_stmt *st, socle_err *err)
{
	int rc;

	if (st == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "step: no statement");
	if (st->bind_failed != 0) {
		int code = st->bind_failed;

		st->bind_failed = 0;
		sqlite3_reset(st->h);
		return socle_err_set(err, code, "%s", code == SOCLE_E_NOMEM ? "mémoire insuffisante"
		                                      : code == SOCLE_E_TOOBIG ? "valeur trop grande"
		                                                              : "paramètre refusé");
	}
	rc = sqlite3_step(st->h);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(st->db->h, rc, err, "step");
}

SOCLE_API int socle_stmt_column_count(socle_stmt *st)
{
	return st != NULL ? sqlite3_column_count(st->h) : 0;
}

SOCLE_API bool socle_stmt_is_null(socle_stmt *st, int col)
{
	return sqlite3_column_type(st->h, col) == SQLITE_NULL;
}

SOCLE_API int64_t socle_stmt_int(socle_stmt *st, int col)
{
	return sqlite3_column_int64(st->h, col);
}

SOCLE_API double socle_stmt_double(socle_stmt *st, int col)
{
	return sqlite3_column_double(st->h, col);
}

SOCLE_API const char *socle_stmt_text(socle_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->h, col);
}

/* One column as JSON: integers and reals as numbers, text (and blobs holding
 * valid UTF-8) as strings; anything else as null. */
static json_t *column_json(sqlite3_stmt *h, int col)
{
	switch (sqlite3_column_type(h, col)) {
	case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(h, col));
	case SQLITE_FLOAT: return json_real(sqlite3_column_double(h, col));
	case SQLITE_TEXT:
	case SQLITE_BLOB: {
		const char *t = (const char *)sqlite3_column_text(h, col);
		json_t *s;

		if (t == NULL)
			return json_null();
		s = json_stringn(t, (size_t)sqlite3_column_bytes(h, col));
		return s != NULL ? s : json_null();
	}
	default: return json_null();
	}
}

SOCLE_API json_t *socle_stmt_row(socle_stmt *st)
{
	json_t *row = json_object();
	int n;

	if (row == NULL || st == NULL)
		return row;
	n = sqlite3_column_count(st->h);
	for (int c = 0; c < n; c++) {
		const char *name = sqlite3_column_name(st->h, c);
		json_t *v = column_json(st->h, c);

		if (name == NULL || v == NULL || json_object_set_new(row, name, v) != 0) {
			json_decref(row);
			return NULL;
		}
	}
	return row;
}

SOCLE_API int socle_db_exec(socle_db *db, const char *sql, socle_err *err)
{
	char *msg = NULL;
	int rc;

	if (db == NULL || db->h == NULL || sql == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "exec: no connection or no SQL");
	if (db->writer && !store_in_write(db))
		return socle_err_set(err, SOCLE_E_PHASE,
		                     "the write connection is used inside socle_service_write() only");
	rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int code = store_fail(db->h, rc, err, "exec");

		if (msg != NULL && err != NULL)
			socle_err_set(err, code, "exec: %s", msg);
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

/* Bind every parameter of @p st from @p params: each named parameter must
 * have its key (":id" takes "id"); a missing one is an error, so a typo never
 * silently writes NULL. It is the program's error, not the client's
 * (SOCLE_E_INTERNAL: its text goes to the log, never into a reply). */
static int bind_params(socle_stmt *st, const json_t *params, socle_err *err)
{
	int n = sqlite3_bind_parameter_count(st->h);

	if (n > 0 && params != NULL && !json_is_object(params))
		return socle_err_set(err, SOCLE_E_INTERNAL, "parameters must be a JSON object");
	for (int i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(st->h, i);
		const json_t *v;
		int rc;

		if (name == NULL)
			return socle_err_set(err, SOCLE_E_INTERNAL,
			                     "SQL parameter %d has no name: use :name parameters", i);
		v = params != NULL ? json_object_get(params, name + 1) : NULL;
		if (v == NULL)
			return socle_err_set(err, SOCLE_E_INTERNAL, "missing SQL parameter %s", name);
		rc = bind_json_at(st, i, v);
		if (rc != 0)
			return socle_err_set(err, rc, "cannot bind SQL parameter %s", name);
	}
	return 0;
}

SOCLE_API int socle_db_run(socle_db *db, const char *sql, const json_t *params, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, sql, err);
	int rc;

	if (st == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	rc = bind_params(st, params, err);
	while (rc == 0 && (rc = socle_stmt_step(st, err)) == 1)
		rc = 0; /* rows of a RETURNING clause or a query: drained */
	if (rc == 0) {
		int64_t changes = sqlite3_changes64(db->h);

		rc = changes > INT32_MAX ? INT32_MAX : (int)changes;
	}
	socle_stmt_release(st);
	return rc;
}

SOCLE_API json_t *socle_db_query(socle_db *db, const char *sql, const json_t *params,
                                 socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, sql, err);
	json_t *rows;
	int rc;

	if (st == NULL)
		return NULL;
	rows = json_array();
	rc = rows == NULL ? socle_err_set(err, SOCLE_E_NOMEM, "out of memory")
	                  : bind_params(st, params, err);
	while (rc == 0 && (rc = socle_stmt_step(st, err)) == 1) {
		json_t *row;

		rc = 0;
		if (json_array_size(rows) >= QUERY_MAX_ROWS) {
			rc = socle_err_set(err, SOCLE_E_TOOBIG,
			                   "query returns more than %d rows: add a LIMIT",
			                   QUERY_MAX_ROWS);
			break;
		}
		row = socle_stmt_row(st);
		if (row == NULL || json_array_append_new(rows, row) != 0)
			rc = socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	socle_stmt_release(st);
	if (rc < 0) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

SOCLE_API json_t *socle_db_query_one(socle_db *db, const char *sql, const json_t *params,
                                     socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, sql, err);
	json_t *row = NULL;
	int rc;

	if (st == NULL)
		return NULL;
	rc = bind_params(st, params, err);
	if (rc == 0)
		rc = socle_stmt_step(st, err);
	if (rc == 1) {
		row = socle_stmt_row(st);
		if (row == NULL)
			socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	} else if (rc == 0) {
		socle_err_set(err, SOCLE_E_NOTFOUND, "no row");
	}
	socle_stmt_release(st);
	return row;
}

SOCLE_API int64_t socle_db_last_insert_id(socle_db *db)
{
	return db != NULL && db->h != NULL ? sqlite3_last_insert_rowid(db->h) : 0;
}

SOCLE_API socle_service *socle_db_service(const socle_db *db)
{
	return db != NULL ? db->svc : NULL;
}

/* ---- the stealing variants (ABI 1.4) ---- */

SOCLE_API json_t *socle_db_query_new(socle_db *db, const char *sql, json_t *params, socle_err *err)
{
	json_t *r = params ? socle_db_query(db, sql, params, err) : NULL;

	if (params == NULL)
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(params);
	return r;
}

SOCLE_API json_t *socle_db_query_one_new(socle_db *db, const char *sql, json_t *params,
                                         socle_err *err)
{
	json_t *r = params ? socle_db_query_one(db, sql, params, err) : NULL;

	if (params == NULL)
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(params);
	return r;
}

SOCLE_API int socle_db_run_new(socle_db *db, const char *sql, json_t *params, socle_err *err)
{
	int rc = params ? socle_db_run(db, sql, params, err)
	                : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(params);
	return rc;
}
