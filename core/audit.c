/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The audit log: appending hash-chained rows to core_audit, verifying the
 * chain, and listing rows for GET /audit.
 *
 * Appends run inside the service's write transaction, which the store
 * serializes, so reading the last row and inserting the next one cannot race
 * with another append: the chain stays linear without a lock of our own.
 *
 * The canonical encoding of a row is a sequence of typed, length-prefixed
 * fields ("~;" for NULL, "i<n>;" for integers, "s<len>:<bytes>;" for text),
 * so that no two different rows encode alike. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "audit.h"
#include "auth.h"
#include "http.h"

struct canon {
	crypto_hash_sha256_state st;
};

static void canon_null(struct canon *c)
{
	crypto_hash_sha256_update(&c->st, (const unsigned char *)"~;", 2);
}

static void canon_int(struct canon *c, int64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "i%" PRId64 ";", v);

	crypto_hash_sha256_update(&c->st, (const unsigned char *)buf, (unsigned long long)n);
}

static void canon_text(struct canon *c, const char *s)
{
	char buf[32];
	size_t len;
	int n;

	if (s == NULL) {
		canon_null(c);
		return;
	}
	len = strlen(s);
	n = snprintf(buf, sizeof(buf), "s%zu:", len);
	crypto_hash_sha256_update(&c->st, (const unsigned char *)buf, (unsigned long long)n);
	crypto_hash_sha256_update(&c->st, (const unsigned char *)s, len);
	crypto_hash_sha256_update(&c->st, (const unsigned char *)";", 1);
}

/* Nullable integer columns: 0 means none for ids and roles. */
static void canon_opt_int(struct canon *c, int64_t v)
{
	if (v == 0)
		canon_null(c);
	else
		canon_int(c, v);
}

/* One row as stored, for hashing. Text fields NULL when SQL NULL. */
struct audit_row {
	int64_t id, at, user_id, role, object_id;
	const char *request_id, *ip, *action, *object_type, *outcome, *detail;
};

static void row_hash(const char *prev_hash, const struct audit_row *r, char out[AUDIT_HASH_HEX + 1])
{
	struct canon c;
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&c.st);
	crypto_hash_sha256_update(&c.st, (const unsigned char *)prev_hash, strlen(prev_hash));
	canon_int(&c, r->id);
	canon_int(&c, r->at);
	canon_text(&c, r->request_id);
	canon_opt_int(&c, r->user_id);
	canon_opt_int(&c, r->role);
	canon_text(&c, r->ip);
	canon_text(&c, r->action);
	canon_text(&c, r->object_type);
	canon_opt_int(&c, r->object_id);
	canon_text(&c, r->outcome);
	canon_text(&c, r->detail);
	crypto_hash_sha256_final(&c.st, digest);
	sodium_bin2hex(out, AUDIT_HASH_HEX + 1, digest, sizeof(digest));
}

void audit_who_of(socle_req *req, struct audit_who *who)
{
	memset(who, 0, sizeof(*who));
	if (req == NULL)
		return;
	who->request_id = req->request_id[0] ? req->request_id : NULL;
	who->ip = req->client_ip[0] ? req->client_ip : NULL;
	if (req->principal != NULL) {
		who->user_id = req->principal->user_id;
		who->role = req->principal->role;
	}
}

static bool valid_action(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; s[n]; n++) {
		char ch = s[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		      ch == '-'))
			return false;
	}
	return n <= 64;
}

static bool valid_outcome(const char *s)
{
	return s != NULL && (strcmp(s, "ok") == 0 || strcmp(s, "denied") == 0 ||
	                     strcmp(s, "failed") == 0);
}

int64_t audit_append(socle_db *wdb, const struct audit_who *who,
                     const struct socle_audit_entry *e, socle_err *err)
{
	static const struct audit_who nobody;
	char *detail = NULL;
	char prev[AUDIT_HASH_HEX + 1];
	char hash[AUDIT_HASH_HEX + 1];
	int64_t last_id = 0;
	int rc;

	if (who == NULL)
		who = &nobody;
	if (wdb == NULL || e == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "audit: no connection or entry");
	if (!valid_action(e->action))
		return socle_err_set(err, SOCLE_E_INVAL, "audit: bad action '%s'",
		                     e->action ? e->action : "(null)");
	if (!valid_outcome(e->outcome))
		return socle_err_set(err, SOCLE_E_INVAL, "audit: bad outcome '%s'",
		                     e->outcome ? e->outcome : "(null)");
	if (e->object_type != NULL && (strlen(e->object_type) == 0 || strlen(e->object_type) > 64))
		return socle_err_set(err, SOCLE_E_INVAL, "audit: bad object type");
	if (e->detail != NULL) {
		if (!json_is_object(e->detail))
			return socle_err_set(err, SOCLE_E_INVAL, "audit: detail must be an object");
		detail = json_dumps(e->detail, JSON_COMPACT | JSON_SORT_KEYS);
		if (detail == NULL)
			return socle_err_set(err, SOCLE_E_NOMEM, "audit: cannot encode detail");
		if (strlen(detail) > AUDIT_DETAIL_MAX) {
			free(detail);
			return socle_err_set(err, SOCLE_E_TOOBIG, "audit: detail over %d bytes",
			                     AUDIT_DETAIL_MAX);
		}
	}

	socle_stmt *st = socle_db_prepare(wdb, "SELECT id, hash FROM core_audit ORDER BY id DESC LIMIT 1",
	                                  err);

	if (st == NULL) {
		free(detail);
		return err && err->code ? err->code : SOCLE_E_STORE;
	}
	rc = socle_stmt_step(st, err);
	if (rc < 0) {
		socle_stmt_release(st);
		free(detail);
		return rc;
	}
	if (rc == 1) {
		const char *h = socle_stmt_text(st, 1);

		last_id = socle_stmt_int(st, 0);
		snprintf(prev, sizeof(prev), "%s", h ? h : "");
	} else {
		snprintf(prev, sizeof(prev), "%s", AUDIT_GENESIS);
	}
	socle_stmt_release(st);

	struct audit_row r = {
		.id = last_id + 1,
		.at = socle_now_ms(),
		.user_id = who->user_id,
		.role = who->role,
		.object_id = e->object_id,
		.request_id = who->request_id,
		.ip = who->ip,
		.action = e->action,
		.object_type = e->object_type,
		.outcome = e->outcome,
		.detail = detail,
	};

	row_hash(prev, &r, hash);
	st = socle_db_prepare(wdb,
	                      "INSERT INTO core_audit (id, at, request_id, user_id, role, ip, action,"
	                      " object_type, object_id, outcome, detail, prev_hash, hash) VALUES"
	                      " (:id, :at, :request_id, :user_id, :role, :ip, :action, :object_type,"
	                      " :object_id, :outcome, :detail, :prev_hash, :hash)",
	                      err);
	if (st == NULL) {
		free(detail);
		return err && err->code ? err->code : SOCLE_E_STORE;
	}
	socle_stmt_bind_int(st, ":id", r.id);
	socle_stmt_bind_int(st, ":at", r.at);
	socle_stmt_bind_text(st, ":request_id", r.request_id);
	if (r.user_id)
		socle_stmt_bind_int(st, ":user_id", r.user_id);
	else
		socle_stmt_bind_null(st, ":user_id");
	if (r.role)
		socle_stmt_bind_int(st, ":role", r.role);
	else
		socle_stmt_bind_null(st, ":role");
	socle_stmt_bind_text(st, ":ip", r.ip);
	socle_stmt_bind_text(st, ":action", r.action);
	socle_stmt_bind_text(st, ":object_type", r.object_type);
	if (r.object_id)
		socle_stmt_bind_int(st, ":object_id", r.object_id);
	else
		socle_stmt_bind_null(st, ":object_id");
	socle_stmt_bind_text(st, ":outcome", r.outcome);
	socle_stmt_bind_text(st, ":detail", r.detail);
	socle_stmt_bind_text(st, ":prev_hash", prev);
	socle_stmt_bind_text(st, ":hash", hash);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	free(detail);
	if (rc < 0)
		return rc;
	return r.id;
}

struct append_ctx {
	const struct audit_who *who;
	const struct socle_audit_entry *e;
};

static int append_tx(socle_db *wdb, void *ud, socle_err *err)
{
	const struct append_ctx *ctx = ud;
	int64_t id = audit_append(wdb, ctx->who, ctx->e, err);

	return id < 0 ? (int)id : 0;
}

int audit_append_now(socle_service *svc, const struct audit_who *who,
                     const struct socle_audit_entry *e, socle_err *err)
{
	struct append_ctx ctx = {who, e};

	if (svc == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "audit: no service");
	return socle_service_write(svc, append_tx, &ctx, err);
}

/* A refusal audited by the handler: the route layer then writes no row of
 * its own for the request (http.c, audit_unaudited_refusal). */
static void note_refusal(socle_req *req, const struct socle_audit_entry *e)
{
	if (req != NULL && e->outcome != NULL && strcmp(e->outcome, "denied") == 0)
		req->refusal_audited = true;
}

SOCLE_API int socle_audit(socle_db *wdb, socle_req *req, const struct socle_audit_entry *e,
                          socle_err *err)
{
	struct audit_who who;

	audit_who_of(req, &who);
	int64_t id = audit_append(wdb, &who, e, err);

	if (id >= 0)
		note_refusal(req, e);
	return id < 0 ? (int)id : 0;
}

SOCLE_API int socle_audit_now(socle_req *req, const struct socle_audit_entry *e, socle_err *err)
{
	struct audit_who who;

	if (req == NULL || req->service == NULL)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "socle_audit_now needs a request of a service; use socle_audit "
		                     "inside a write transaction otherwise");
	audit_who_of(req, &who);
	int rc = audit_append_now(req->service, &who, e, err);

	if (rc >= 0)
		note_refusal(req, e);
	return rc;
}

int64_t audit_verify_chain(socle_db *db, socle_err *err)
{
	char prev[AUDIT_HASH_HEX + 1];
	char want[AUDIT_HASH_HEX + 1];
	int64_t n = 0, expect_id = 1;
	int rc;
	socle_stmt *st = socle_db_prepare(db,
	                                  "SELECT id, at, request_id, user_id, role, ip, action,"
	                                  " object_type, object_id, outcome, detail, prev_hash, hash"
	                                  " FROM core_audit ORDER BY id",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	snprintf(prev, sizeof(prev), "%s", AUDIT_GENESIS);
	while ((rc = socle_stmt_step(st, err)) == 1) {
		struct audit_row r = {
			.id = socle_stmt_int(st, 0),
			.at = socle_stmt_int(st, 1),
			.request_id = socle_stmt_text(st, 2),
			.user_id = socle_stmt_is_null(st, 3) ? 0 : socle_stmt_int(st, 3),
			.role = socle_stmt_is_null(st, 4) ? 0 : socle_stmt_int(st, 4),
			.ip = socle_stmt_text(st, 5),
			.action = socle_stmt_text(st, 6),
			.object_type = socle_stmt_text(st, 7),
			.object_id = socle_stmt_is_null(st, 8) ? 0 : socle_stmt_int(st, 8),
			.outcome = socle_stmt_text(st, 9),
			.detail = socle_stmt_text(st, 10),
		};
		const char *stored_prev = socle_stmt_text(st, 11);
		const char *stored_hash = socle_stmt_text(st, 12);

		if (r.id != expect_id) {
			socle_stmt_release(st);
			return socle_err_set(err, SOCLE_E_CONFLICT,
			                     "journal d'audit : ligne %" PRId64 " absente (trouvé %" PRId64 ")",
			                     expect_id, r.id);
		}
		if (stored_prev == NULL || strcmp(stored_prev, prev) != 0) {
			socle_stmt_release(st);
			return socle_err_set(err, SOCLE_E_CONFLICT,
			                     "journal d'audit : chaînage rompu à la ligne %" PRId64, r.id);
		}
		row_hash(prev, &r, want);
		if (stored_hash == NULL || strcmp(stored_hash, want) != 0) {
			socle_stmt_release(st);
			return socle_err_set(err, SOCLE_E_CONFLICT,
			                     "journal d'audit : ligne %" PRId64 " modifiée (empreinte invalide)",
			                     r.id);
		}
		memcpy(prev, want, sizeof(prev));
		expect_id++;
		n++;
	}
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	return n;
}

/* "2024-03-01T08:30:00.123Z" for a time in ms since the epoch. */
static void iso_time(int64_t ms, char *buf, size_t size)
{
	time_t secs = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000;
		secs -= 1;
	}
	gmtime_r(&secs, &tm);
	/* Bounded fields (a year past 9999 wraps), so the text always fits. */
	unsigned year = (unsigned)(tm.tm_year + 1900) % 10000u;
	snprintf(buf, size, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", year, (unsigned)(tm.tm_mon + 1) % 100u,
	         (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
	         (unsigned)tm.tm_sec % 100u, (unsigned)frac % 1000u);
}

/* Column @p name of a row object, JSON null when absent (borrowed). */
static json_t *col(json_t *row, const char *name)
{
	json_t *v = json_object_get(row, name);

	return v ? v : json_null();
}

json_t *audit_list(socle_db *db, const struct audit_filter *f, socle_err *err)
{
	char sql[768];
	size_t len;
	json_t *params = json_object();
	json_t *rows, *out;

	if (params == NULL) {
		socle_err_set(err, SOCLE_E_NOMEM, "audit: out of memory");
		return NULL;
	}
	len = (size_t)snprintf(sql, sizeof(sql),
	                       "SELECT id, at, request_id, user_id, role, ip, action, object_type,"
	                       " object_id, outcome, detail FROM core_audit WHERE 1 = 1");
	/* Each filter adds a fixed clause, so the statement cache holds at most
	 * one statement per combination of filters. */
#define CLAUSE(text) (len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s", (text)))
	if (f->action != NULL) {
		CLAUSE(" AND action = :action");
		json_object_set_new(params, "action", json_string(f->action));
	}
	if (f->user_id > 0) {
		CLAUSE(" AND user_id = :user_id");
		json_object_set_new(params, "user_id", json_integer(f->user_id));
	}
	if (f->outcome != NULL) {
		CLAUSE(" AND outcome = :outcome");
		json_object_set_new(params, "outcome", json_string(f->outcome));
	}
	if (f->object_type != NULL) {
		CLAUSE(" AND object_type = :object_type AND object_id = :object_id");
		json_object_set_new(params, "object_type", json_string(f->object_type));
		json_object_set_new(params, "object_id", json_integer(f->object_id));
	}
	if (f->medical_only)
		CLAUSE(" AND outcome = 'ok' AND action NOT LIKE 'access.%' AND action NOT LIKE 'auth.%'"
		       " AND action NOT LIKE 'user.%'");
	if (f->from_ms > 0) {
		CLAUSE(" AND at >= :from_ms");
		json_object_set_new(params, "from_ms", json_integer(f->from_ms));
	}
	if (f->to_ms > 0) {
		CLAUSE(" AND at < :to_ms");
		json_object_set_new(params, "to_ms", json_integer(f->to_ms));
	}
	if (f->before_id > 0) {
		CLAUSE(" AND id < :before_id");
		json_object_set_new(params, "before_id", json_integer(f->before_id));
	}
	CLAUSE(" ORDER BY id DESC LIMIT :limit");
#undef CLAUSE
	json_object_set_new(params, "limit", json_integer(f->limit > 0 ? f->limit : 50));

	rows = socle_db_query(db, sql, params, err);
	json_decref(params);
	if (rows == NULL)
		return NULL;
	out = json_array();
	if (out == NULL) {
		json_decref(rows);
		socle_err_set(err, SOCLE_E_NOMEM, "audit: out of memory");
		return NULL;
	}
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		char at[40];
		const char *detail = json_string_value(json_object_get(row, "detail"));
		json_t *role = json_object_get(row, "role");
		json_t *item;

		iso_time(json_integer_value(json_object_get(row, "at")), at, sizeof(at));
		item = json_pack("{s:O, s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
		                 "id", col(row, "id"),
		                 "at", at,
		                 "request_id", col(row, "request_id"),
		                 "user_id", col(row, "user_id"),
		                 "role", json_null(),
		                 "ip", col(row, "ip"),
		                 "action", col(row, "action"),
		                 "object_type", col(row, "object_type"),
		                 "object_id", col(row, "object_id"),
		                 "outcome", col(row, "outcome"));
		if (item == NULL) {
			json_decref(rows);
			json_decref(out);
			socle_err_set(err, SOCLE_E_NOMEM, "audit: out of memory");
			return NULL;
		}
		if (json_is_integer(role) && socle_role_name((int)json_integer_value(role)) != NULL)
			json_object_set_new(item, "role",
			                    json_string(socle_role_name((int)json_integer_value(role))));
		json_object_set_new(item, "detail",
		                    detail ? json_loads(detail, JSON_DECODE_ANY, NULL) : json_null());
		if (json_object_get(item, "detail") == NULL)
			json_object_set_new(item, "detail", json_null());
		json_array_append_new(out, item);
	}
	json_decref(rows);
	return out;
}
