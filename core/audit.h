/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The audit log of a service (table core_audit): append-only, hash-chained.
 *
 * Each row's hash is SHA-256 over the previous row's hash and a canonical
 * encoding of the row, so that editing, deleting or inserting a row in the
 * middle breaks the chain (audit_verify_chain finds it). Triggers refuse
 * UPDATE and DELETE; the chain catches what bypasses them. */
#ifndef SOCLE_CORE_AUDIT_H
#define SOCLE_CORE_AUDIT_H

#include <socle/socle.h>

#define AUDIT_HASH_HEX 64
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_DETAIL_MAX 8192 /* bytes of compact JSON */

/* Who an entry is attributed to; every field may be empty (0 / NULL). */
struct audit_who {
	const char *request_id;
	int64_t user_id;
	int role;
	const char *ip;
};

/* Fill @p who from a request (principal, request id, client address). */
void audit_who_of(socle_req *req, struct audit_who *who);

/* Append @p e attributed to @p who in the transaction of @p wdb. Returns the
 * new row id (> 0) or a negative code. */
int64_t audit_append(socle_db *wdb, const struct audit_who *who,
                     const struct socle_audit_entry *e, socle_err *err);

/* Append @p e in its own durable write transaction on @p svc. */
int audit_append_now(socle_service *svc, const struct audit_who *who,
                     const struct socle_audit_entry *e, socle_err *err);

/* Check the whole chain of @p db. Returns the number of rows checked, or
 * SOCLE_E_CONFLICT naming the first row whose link or hash is wrong. */
int64_t audit_verify_chain(socle_db *db, socle_err *err);

/* Rows of the log as the GET /audit route returns them, newest first.
 * Filters may be NULL / 0; @p before_id 0 means from the newest. Returns a
 * JSON array (caller owns) or NULL with @p err set. */
struct audit_filter {
	const char *action;
	int64_t user_id;
	const char *outcome;
	int64_t from_ms;  /* at >= from_ms when > 0 */
	int64_t to_ms;    /* at < to_ms when > 0 */
	const char *object_type; /* with object_id: rows about one object */
	int64_t object_id;
	bool medical_only;       /* only successful accesses, no access.* refusals */
	int64_t before_id;
	int limit;
};
json_t *audit_list(socle_db *db, const struct audit_filter *f, socle_err *err);

#endif
