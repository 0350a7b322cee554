/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Roles, capabilities, record-level access checks and the audit log.
 *
 * A route declares the capability it needs; the router checks it before the
 * handler runs.  Record-level checks (this company, this worker, medical
 * data) are made by handlers through the functions below, which audit every
 * refusal and every access to medical data.
 *
 * Medical secrecy: only health professionals of the service (médecin du
 * travail, infirmier(e) en santé au travail) hold SOCLE_CAP_MEDICAL_READ and
 * SOCLE_CAP_MEDICAL_WRITE.  No other role ever reads medical content.
 */
#ifndef SOCLE_AUTH_H
#define SOCLE_AUTH_H

#include <jansson.h>
#include <socle/defs.h>
#include <socle/err.h>

/* Roles (docs/roles.md). The numbers are stored in databases: append only. */
enum socle_role {
	SOCLE_ROLE_OPERATOR = 1,          /* runs the deployment */
	SOCLE_ROLE_SERVICE_ADMIN = 2,     /* administers one service */
	SOCLE_ROLE_MEDECIN = 3,           /* médecin du travail */
	SOCLE_ROLE_INFIRMIER = 4,         /* infirmier(e) en santé au travail */
	SOCLE_ROLE_IPRP = 5,              /* IPRP / technicien */
	SOCLE_ROLE_ASSISTANT_SOCIAL = 6,  /* assistant(e) de service social */
	SOCLE_ROLE_ASSISTANT_MEDICAL = 7, /* assistant(e) médical(e) */
	SOCLE_ROLE_EMPLOYER = 8,          /* user of one or more member companies */
	SOCLE_ROLE_EMPLOYEE = 9,          /* bound to one worker */
};
#define SOCLE_ROLE_BIT(r) (1u << (r))
#define SOCLE_ROLES_STAFF                                                                    \
	(SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN) | SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN) |         \
	 SOCLE_ROLE_BIT(SOCLE_ROLE_INFIRMIER) | SOCLE_ROLE_BIT(SOCLE_ROLE_IPRP) |                \
	 SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_SOCIAL) | SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_MEDICAL))
#define SOCLE_ROLES_HEALTH (SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN) | SOCLE_ROLE_BIT(SOCLE_ROLE_INFIRMIER))

/** Role slug ("medecin", "employer"...) and back (0 when unknown). */
SOCLE_API const char *socle_role_name(int role);
SOCLE_API int socle_role_parse(const char *name);

/* Core capabilities (plugins add their own with socle_plugin_add_capability). */
#define SOCLE_CAP_MEDICAL_READ "medical.read"
#define SOCLE_CAP_MEDICAL_WRITE "medical.write"
#define SOCLE_CAP_AUDIT_READ "audit.read"
#define SOCLE_CAP_USERS_MANAGE "users.manage"
#define SOCLE_CAP_STAFF "staff" /* any staff member of the service */

/** Declare capability @p name held by the roles in @p role_mask
 * (SOCLE_ROLE_BIT(...) | ...). init() only. Capabilities are granted here and
 * by the core's own table, never by the deployment config (it has no key for
 * them). A capability declared by several plugins is held by the union of
 * their roles. Refused: a medical.* capability for any role but the health
 * professionals (SOCLE_E_FORBIDDEN), a core capability (staff, audit.read,
 * users.manage, medical.*) extended to more roles (SOCLE_E_FORBIDDEN), the
 * reserved name "authenticated", names outside [a-z][a-z0-9._-]* (64 at
 * most) and an empty or unknown role mask (SOCLE_E_INVAL). See docs/roles.md. */
SOCLE_API int socle_plugin_add_capability(socle_plugin *p, const char *name, uint32_t role_mask,
                                          socle_err *err);

/* ---- the principal of a request ---- */
SOCLE_API int64_t socle_principal_user_id(const socle_principal *who);
SOCLE_API int socle_principal_role(const socle_principal *who);
SOCLE_API const char *socle_principal_email(const socle_principal *who);
SOCLE_API bool socle_principal_can(const socle_principal *who, const char *capability);
/** Is the user bound to scope @p kind ("company", "worker") with id @p ref? */
SOCLE_API bool socle_principal_has_scope(const socle_principal *who, const char *kind, int64_t ref);

/* ---- record-level checks: 0 when allowed; SOCLE_E_FORBIDDEN (audited) or
 * SOCLE_E_AUTH otherwise, with the reason in @p err ---- */
/** Staff of the service, or an employer user bound to this company. */
SOCLE_API int socle_access_company(socle_req *req, int64_t company_id, socle_err *err);
/** Staff; the employee bound to this worker; an employer user of its company. */
SOCLE_API int socle_access_worker(socle_req *req, int64_t worker_id, int64_t company_id,
                                  socle_err *err);
/** Health professionals only. Records the access in the audit log durably
 * before returning 0, so no medical data leaves without its trace.
 * @p action is "dmst.read", "dmst.write"... */
SOCLE_API int socle_access_medical(socle_req *req, int64_t worker_id, const char *action,
                                   socle_err *err);

/** Count one submission of a public form (@p bucket, e.g. "membership.apply")
 * from the request's client address. Returns 0, or SOCLE_E_THROTTLED after 20 in
 * an hour (growing lock); the reply then carries Retry-After. For routes open
 * without login. (ABI 1.1) */
SOCLE_API int socle_req_throttle(socle_req *req, const char *bucket, socle_err *err);

/* ---- users (for plugins that create accounts, e.g. membership approval) ---- */
/** Create a user in the transaction of @p wdb. @p password may be NULL: the
 * account then has no usable password until one is set. Returns the user id or a
 * negative code (SOCLE_E_EXISTS for a taken email). */
SOCLE_API int64_t socle_user_create(socle_db *wdb, const char *email, const char *display_name,
                                    int role, const char *password, socle_err *err);
/** Find the user with @p email (case-insensitive). Returns the user id, 0 when
 * there is none, or a negative code; *out_role (may be NULL) receives the role.
 * (ABI 1.1) */
SOCLE_API int64_t socle_user_find(socle_db *db, const char *email, int *out_role, socle_err *err);
/** Bind a user to a scope ("company", id) or ("worker", id), in a write transaction. */
SOCLE_API int socle_user_bind(socle_db *wdb, int64_t user_id, const char *kind, int64_t ref,
                              socle_err *err);
SOCLE_API int socle_user_unbind(socle_db *wdb, int64_t user_id, const char *kind, int64_t ref,
                                socle_err *err);
/** Set the password (Argon2id) of a user, in a write transaction. */
SOCLE_API int socle_user_set_password(socle_db *wdb, int64_t user_id, const char *password,
                                      socle_err *err);

/* ---- reading users (ABI 1.4): plugins never run SQL on the core's tables ---- */
/** Active users of the service whose role is in @p role_mask (SOCLE_ROLE_BIT(...)
 * | ...; 0: any role) and, when @p scope_kind ("company", "worker") is not NULL,
 * bound to (scope_kind, scope_ref). A new JSON array of {"id", "email",
 * "display_name", "role" (slug)} in id order, after @p after_id, at most
 * @p limit (1..1000; 0 gives 100). NULL with @p err set on failure. */
SOCLE_API json_t *socle_users_list(socle_db *db, uint32_t role_mask, const char *scope_kind,
                                   int64_t scope_ref, int64_t after_id, int limit, socle_err *err);
/** One user, disabled or not: {"id", "email", "display_name", "role", "disabled"};
 * NULL with SOCLE_E_NOTFOUND when there is none. */
SOCLE_API json_t *socle_user_get(socle_db *db, int64_t user_id, socle_err *err);

/* ---- audit log: append-only, hash-chained, one per service ---- */
struct socle_audit_entry {
	const char *action;      /* "auth.login", "dmst.read", "company.approve"... */
	const char *object_type; /* "worker", "company"...; may be NULL */
	int64_t object_id;       /* 0 when none */
	const char *outcome;     /* "ok", "denied", "failed" */
	const json_t *detail;    /* borrowed object, may be NULL; never medical content */
};
/** Append an entry in the transaction of @p wdb, attributed to the request's
 * principal and request id (@p req may be NULL for jobs and commands). */
SOCLE_API int socle_audit(socle_db *wdb, socle_req *req, const struct socle_audit_entry *e,
                          socle_err *err);
/** Append an entry in its own durable transaction. */
SOCLE_API int socle_audit_now(socle_req *req, const struct socle_audit_entry *e, socle_err *err);
/** The entries about one subject (@p object_type, @p object_id), newest first:
 * those whose action starts with @p action_prefix ("dmst."; NULL: any) and whose
 * outcome is @p outcome (NULL: any), before entry @p before_id (0: from the
 * newest), at most @p limit (1..1000). A new JSON array of {"id", "at_ms",
 * "user_id", "role", "action", "outcome"}: who did what when, never the detail,
 * the address or the chain's hashes. This is how a worker's access list is
 * read. (ABI 1.4) */
SOCLE_API json_t *socle_audit_about(socle_db *db, const char *object_type, int64_t object_id,
                                    const char *action_prefix, const char *outcome,
                                    int64_t before_id, int limit, socle_err *err);

#endif
