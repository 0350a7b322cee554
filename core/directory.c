/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reads plugins make of the core's own records (ABI 1.4): the service's users
 * by role and by scope, one user, and the audit entries about one subject.
 *
 * Plugins used to run SQL on core_user, core_user_scope and core_audit. These
 * functions are the door instead, so the core may change its tables, and so
 * a reply never carries what a plugin should not see (password hashes, the
 * audit chain's hashes, client addresses). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core.h"

/* At most this many rows per call: callers page with after_id / before_id. */
#define DIRECTORY_MAX_LIMIT 1000

static int clamp_limit(int limit)
{
	return limit <= 0 ? 100 : limit > DIRECTORY_MAX_LIMIT ? DIRECTORY_MAX_LIMIT : limit;
}

/* {"id", "email", "display_name", "role"} from the current row of @p st
 * (columns id, email, display_name, role), or NULL when out of memory. */
static json_t *user_object(socle_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s?}", "id", (json_int_t)socle_stmt_int(st, 0), "email",
	                 socle_stmt_text(st, 1), "display_name", socle_stmt_text(st, 2), "role",
	                 socle_role_name((int)socle_stmt_int(st, 3)));
}

/* Step @p st to its end, appending user_object of each row; frees @p st. */
static json_t *collect_users(socle_stmt *st, socle_err *err)
{
	json_t *out = json_array();
	int rc = 0;

	while (out != NULL && (rc = socle_stmt_step(st, err)) == 1) {
		if (json_array_append_new(out, user_object(st)) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	socle_stmt_release(st);
	if (out == NULL) {
		socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
		return NULL;
	}
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

SOCLE_API json_t *socle_users_list(socle_db *db, uint32_t role_mask, const char *scope_kind,
                                   int64_t scope_ref, int64_t after_id, int limit, socle_err *err)
{
	/* Two fixed statements (with and without a scope), so the statement
	 * cache holds both; the role mask is tested in SQL as a bit of 1 << role. */
	static const char *const by_role =
		"SELECT id, email, display_name, role FROM core_user"
		" WHERE disabled = 0 AND (:mask = 0 OR ((:mask >> role) & 1) = 1) AND id > :after"
		" ORDER BY id LIMIT :limit";
	static const char *const by_scope =
		"SELECT u.id, u.email, u.display_name, u.role FROM core_user_scope s"
		" JOIN core_user u ON u.id = s.user_id"
		" WHERE s.kind = :kind AND s.ref = :ref AND u.disabled = 0"
		" AND (:mask = 0 OR ((:mask >> u.role) & 1) = 1) AND u.id > :after"
		" ORDER BY u.id LIMIT :limit";

	if (scope_kind != NULL && strcmp(scope_kind, "company") != 0 &&
	    strcmp(scope_kind, "worker") != 0) {
		socle_err_set(err, SOCLE_E_INVAL, "scope inconnu : %s", scope_kind);
		return NULL;
	}
	socle_stmt *st = socle_db_prepare(db, scope_kind ? by_scope : by_role, err);

	if (st == NULL)
		return NULL;
	socle_stmt_bind_int(st, ":mask", role_mask);
	socle_stmt_bind_int(st, ":after", after_id);
	socle_stmt_bind_int(st, ":limit", clamp_limit(limit));
	if (scope_kind != NULL) {
		socle_stmt_bind_text(st, ":kind", scope_kind);
		socle_stmt_bind_int(st, ":ref", scope_ref);
	}
	return collect_users(st, err);
}

SOCLE_API json_t *socle_user_get(socle_db *db, int64_t user_id, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, "SELECT id, email, display_name, role, disabled"
	                                      " FROM core_user WHERE id = :id", err);
	json_t *user = NULL;

	if (st == NULL)
		return NULL;
	socle_stmt_bind_int(st, ":id", user_id);
	int rc = socle_stmt_step(st, err);

	if (rc == 1) {
		user = user_object(st);
		if (user == NULL || json_object_set_new(user, "disabled",
		                                        json_boolean(socle_stmt_int(st, 4) != 0)) != 0) {
			json_decref(user);
			user = NULL;
			socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
		}
	} else if (rc == 0) {
		socle_err_set(err, SOCLE_E_NOTFOUND, "compte %lld introuvable", (long long)user_id);
	}
	socle_stmt_release(st);
	return user;
}

SOCLE_API json_t *socle_audit_about(socle_db *db, const char *object_type, int64_t object_id,
                                    const char *action_prefix, const char *outcome,
                                    int64_t before_id, int limit, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(
		db,
		"SELECT id, at, user_id, role, action, outcome FROM core_audit"
		" WHERE object_type = :type AND object_id = :oid"
		" AND (:prefix = '' OR substr(action, 1, length(:prefix)) = :prefix)"
		" AND (:outcome = '' OR outcome = :outcome)"
		" AND (:before = 0 OR id < :before)"
		" ORDER BY id DESC LIMIT :limit",
		err);
	json_t *out = json_array();
	int rc = 0;

	if (st == NULL || out == NULL || object_type == NULL) {
		json_decref(out);
		socle_stmt_release(st);
		if (object_type == NULL)
			socle_err_set(err, SOCLE_E_INVAL, "socle_audit_about: object_type requis");
		else if (st != NULL)
			socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
		return NULL;
	}
	socle_stmt_bind_text(st, ":type", object_type);
	socle_stmt_bind_int(st, ":oid", object_id);
	socle_stmt_bind_text(st, ":prefix", action_prefix ? action_prefix : "");
	socle_stmt_bind_text(st, ":outcome", outcome ? outcome : "");
	socle_stmt_bind_int(st, ":before", before_id);
	socle_stmt_bind_int(st, ":limit", clamp_limit(limit));
	while ((rc = socle_stmt_step(st, err)) == 1) {
		json_t *item = json_pack("{s:I, s:I, s:o, s:s?, s:s, s:s}",
		                         "id", (json_int_t)socle_stmt_int(st, 0),
		                         "at_ms", (json_int_t)socle_stmt_int(st, 1),
		                         "user_id", socle_stmt_is_null(st, 2)
		                                        ? json_null()
		                                        : json_integer(socle_stmt_int(st, 2)),
		                         "role", socle_role_name((int)socle_stmt_int(st, 3)),
		                         "action", socle_stmt_text(st, 4),
		                         "outcome", socle_stmt_text(st, 5));

		if (item == NULL || json_array_append_new(out, item) != 0) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
			break;
		}
	}
	socle_stmt_release(st);
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}
