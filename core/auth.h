/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Authentication inside the core: principals, sessions and their cache,
 * passwords, login throttling, the router's authentication and authorization
 * hooks, and the core's auth routes and migrations.
 *
 * Files: auth.c (principals, capabilities, record checks, router hooks, users),
 * session.c (tokens, session cache), password.c (Argon2id, policy),
 * throttle.c (failed-login counters), auth_routes.c (login, logout, me,
 * me/accesses, audit listing, migrations, purge of old sessions). The audit
 * log has its own header, audit.h. */
#ifndef SOCLE_CORE_AUTH_H
#define SOCLE_CORE_AUTH_H

#include <pthread.h>
#include <stdatomic.h>

#include <socle/socle.h>

#include "core.h"

/* ---------------------------------------------------------------- principals */

enum auth_scope_kind {
	AUTH_SCOPE_COMPANY = 1,
	AUTH_SCOPE_WORKER = 2,
};

struct auth_scope {
	int kind;    /* enum auth_scope_kind */
	int64_t ref; /* company or worker id */
};

#define AUTH_TOKEN_BYTES 32      /* 256-bit session tokens */
#define AUTH_TOKEN_CHARS 43      /* base64url of 32 bytes, no padding */
#define AUTH_TOKEN_HASH_BYTES 32 /* SHA-256 */
#define AUTH_TOKEN_HASH_HEX 64

/* The authenticated user of a request. Immutable once built and shared by
 * reference between the session cache and the requests using it. */
struct socle_principal {
	atomic_int refs;
	const socle_core *core;   /* for capability lookups in core->reg */
	int64_t user_id;
	int64_t session_id;       /* 0 when not made from a session */
	int role;                 /* enum socle_role */
	char *email;
	char *display_name;
	struct auth_scope *scopes; /* sorted by (kind, ref) */
	size_t n_scopes;
	int64_t expires_at_ms;    /* absolute expiry of the session; 0 if none */
	char csrf_token[AUTH_TOKEN_CHARS + 1]; /* empty when not from a session */
	unsigned char token_hash[AUTH_TOKEN_HASH_BYTES];
};

/* A principal with one reference (caller owns; release with auth_principal_unref).
 * For sessions, commands and tests. NULL on allocation failure. */
socle_principal *auth_principal_new(const socle_core *core, int64_t user_id, int role,
                                    const char *email, const char *display_name);
/* Add a scope before the principal is shared. 0 or SOCLE_E_NOMEM/INVAL. */
int auth_principal_add_scope(socle_principal *p, int kind, int64_t ref);
socle_principal *auth_principal_ref(socle_principal *p);
void auth_principal_unref(socle_principal *p);
/* Scope kind from its name ("company", "worker"), 0 when unknown; and back. */
int auth_scope_kind_parse(const char *name);
const char *auth_scope_kind_name(int kind);
/* The capabilities the principal holds, as a JSON array of names (caller owns). */
json_t *auth_principal_capabilities(const socle_principal *p);
/* {id, email, display_name, role, scopes:[{kind, ref}]} (caller owns). */
json_t *auth_principal_json(const socle_principal *p);

/* ------------------------------------------------------------------ passwords */

#define AUTH_PWHASH_LEN 128                       /* crypto_pwhash_STRBYTES */
#define AUTH_PWHASH_OPSLIMIT 2                    /* OWASP: t = 2 */
#define AUTH_PWHASH_MEMLIMIT (19u * 1024u * 1024u) /* OWASP: m = 19 MiB */
#define AUTH_PASSWORD_MIN_CHARS 12
#define AUTH_PASSWORD_MAX_BYTES 1024

/* Check the password policy; SOCLE_E_INVAL with a French message. */
int auth_password_policy(const char *password, socle_err *err);
/* Hash @p password (policy checked first) into @p out (NUL-terminated). Waits
 * for a hashing slot (at most one per core). */
int auth_password_hash(const char *password, char out[AUTH_PWHASH_LEN], socle_err *err);
/* 0 when @p password matches @p stored, SOCLE_E_AUTH otherwise. A NULL or
 * unusable @p stored costs the same work as a real check. */
int auth_password_verify(const char *stored, const char *password);
/* Was @p stored made with weaker parameters than today's? */
bool auth_password_needs_rehash(const char *stored);
/* Make the dummy hash now (first use would cost one more hash); idempotent. */
void auth_password_prepare(void);
/* How many hashes may run at once in this process. */
unsigned auth_password_concurrency(void);

/* ----------------------------------------------------------------- throttling */

struct auth_throttle_policy {
	int max_failures;    /* failures inside one window that lock the key */
	int64_t window_ms;
	int64_t lock_ms;     /* first lock; doubled at each further lock */
	int64_t max_lock_ms;
	int64_t forget_ms;   /* without failures this long, the doubling restarts */
	size_t max_entries;  /* memory bound of the table */
};

struct throttle_entry;
struct auth_throttle {
	pthread_mutex_t mu;
	struct auth_throttle_policy pol;
	struct throttle_entry **buckets;
	size_t n_entries;
	bool full_logged;
	unsigned char hash_key[16]; /* SipHash key (crypto_shorthash_KEYBYTES) */
};

int auth_throttle_init(struct auth_throttle *t, const struct auth_throttle_policy *pol);
void auth_throttle_fini(struct auth_throttle *t);
/* Milliseconds left before @p key may try again (0: allowed). */
int64_t auth_throttle_blocked(struct auth_throttle *t, const char *key, int64_t now_ms);
/* Count a failure; returns the lock delay in ms if the key is now locked, else 0. */
int64_t auth_throttle_fail(struct auth_throttle *t, const char *key, int64_t now_ms);
/* Forget @p key (after a successful login). */
void auth_throttle_clear(struct auth_throttle *t, const char *key);
size_t auth_throttle_count(struct auth_throttle *t);

/* The sign-in guard (password, code, reset) over three keys: the account from
 * this address (locked after a few failures), the account from any address
 * (locked after ten times as many: a guessing spread over many addresses),
 * and the address (many accounts tried). Five wrong passwords typed by
 * someone else lock the account for that address only: the real user, from
 * his own address, still signs in (issue 11 item 6). Blocked: ms left (0:
 * allowed) and *which the key ("account", "address"); fail: the longest lock
 * now in force (0: none); clear: a success forgets the account's failures
 * from this address and from everywhere, not the address's. */
struct auth_service;
int64_t auth_login_blocked(struct auth_service *a, const char *email, const char *address,
                           int64_t now_ms, const char **which);
int64_t auth_login_fail(struct auth_service *a, const char *email, const char *address,
                        int64_t now_ms);
void auth_login_clear(struct auth_service *a, const char *email, const char *address);

/* ------------------------------------------------------------------- sessions */

struct auth_settings {
	int64_t idle_ms;          /* session idle timeout (default 30 min) */
	int64_t absolute_ms;      /* session absolute lifetime (default 12 h) */
	int64_t touch_ms;         /* persist last_seen_at at most this often (60 s) */
	int64_t revalidate_ms;    /* re-read a cached session's row this often (10 s) */
	size_t cache_max;         /* sessions kept in memory per service */
	bool cookie_secure;       /* add "Secure" to the session cookie (TLS) */
	struct auth_throttle_policy account; /* 5 failures / 15 min from one address */
	struct auth_throttle_policy account_any; /* 50 failures / 15 min from any address */
	struct auth_throttle_policy address; /* 20 failures / 15 min, growing lock */
	struct auth_throttle_policy public_form; /* 20 submissions / hour per address */
};

/* Defaults used by auth_service_open. */
void auth_settings_default(struct auth_settings *s);

struct session_entry;
struct auth_user_mark;

/* Per-service state (svc->auth). */
struct auth_service {
	socle_service *svc;
	struct auth_settings settings;
	pthread_mutex_t mu;                 /* guards the session cache and marks */
	struct session_entry **buckets;     /* session cache by token hash */
	size_t n_buckets, n_sessions;
	struct auth_user_mark *marks;       /* users whose sessions changed lately */
	size_t n_marks;
	int64_t all_marked_until_ns;        /* monotonic; nonzero: bypass the cache until then */
	uint64_t generation;                /* bumped by every drop: stale loads stay out */
	int64_t epoch;                      /* core_auth_epoch as last read; -1 unknown */
	struct auth_throttle throttle_account;     /* "email|address" keys */
	struct auth_throttle throttle_account_any; /* "email" keys: many addresses */
	struct auth_throttle throttle_address;
	struct auth_throttle throttle_public; /* public forms: "bucket|address" keys */
};

/* Open the auth state of a service (svc->auth); settings take their defaults.
 * Called by the core when it opens a service, before serving. */
int auth_service_open(socle_service *svc, socle_err *err);
void auth_service_close(socle_service *svc);

/* A fresh random token (base64url, AUTH_TOKEN_CHARS) and its SHA-256. */
void auth_token_new(char out[AUTH_TOKEN_CHARS + 1]);
void auth_token_hash(const char *token, unsigned char out[AUTH_TOKEN_HASH_BYTES]);
void auth_token_hash_hex(const char *token, char out[AUTH_TOKEN_HASH_HEX + 1]);

/* A session just created by auth_session_create. */
struct auth_new_session {
	int64_t id;
	char token[AUTH_TOKEN_CHARS + 1];
	char csrf_token[AUTH_TOKEN_CHARS + 1];
	int64_t created_at_ms;
	int64_t expires_at_ms;
};

/* Insert a session for @p user_id in the transaction of @p wdb. */
int auth_session_create(socle_db *wdb, int64_t user_id, struct auth_new_session *out,
                        socle_err *err);
/* The principal of session @p token in service @p svc (new reference), from
 * the cache or the database. SOCLE_E_AUTH when unknown, revoked, expired or
 * the user is disabled; *out_reason then says which ("unknown", "revoked",
 * "expired", "idle", "disabled"). Updates the idle clock (in memory; written
 * to the database at most once per touch_ms). */
int auth_session_resolve(socle_service *svc, const char *token, socle_principal **out,
                         const char **out_reason, socle_err *err);
/* Revoke the session with this token hash in the transaction of @p wdb;
 * call auth_session_drop once it is committed. */
int auth_session_revoke(socle_db *wdb, const unsigned char hash[AUTH_TOKEN_HASH_BYTES],
                        socle_err *err);
/* Drop a session from the cache (after its revocation committed). */
void auth_session_drop(socle_service *svc, const unsigned char hash[AUTH_TOKEN_HASH_BYTES]);
/* Revoke every open session of @p user_id in the transaction of @p wdb. */
int auth_session_revoke_user(socle_db *wdb, int64_t user_id, socle_err *err);
/* Drop the user's sessions from the cache now, and keep them out of it for a
 * few seconds (the transaction that changed them may not be committed yet). */
void auth_session_forget_user(socle_service *svc, int64_t user_id);
/* Sessions in the cache of @p svc (tests). */
size_t auth_session_cached(socle_service *svc);

/* --------------------------------------------------------------------- users */

#define AUTH_EMAIL_MAX 254

/* Lower-case and trim @p email into @p out; SOCLE_E_INVAL when it cannot be an
 * address (bounded at 254 bytes). */
int auth_email_normalize(const char *email, char *out, size_t out_size, socle_err *err);
/* Id of the user with this email (any case), 0 when none, negative on error. */
int64_t auth_user_find(socle_db *db, const char *email);
/* Disable a user and revoke their sessions, in the transaction of @p wdb. */
int auth_user_disable(socle_db *wdb, int64_t user_id, socle_err *err);
/* Store a password hash made by auth_password_hash, in the transaction of @p wdb. */
int auth_user_store_hash(socle_db *wdb, int64_t user_id, const char *hash, socle_err *err);
/* Load a user and their scopes as a principal (new reference); SOCLE_E_NOTFOUND. */
int auth_user_load(socle_db *db, int64_t user_id, socle_principal **out, bool *out_disabled,
                   socle_err *err);

/* ---------------------------------------------------------- router interface */

#define AUTH_COOKIE_NAME "socle_session"
#define AUTH_CSRF_HEADER "X-CSRF-Token"

/* Header parsers (exposed for tests and fuzzers). The value of cookie @p name
 * in a Cookie header, and the token of "Authorization: Bearer <token>",
 * copied into @p out; false when absent, malformed or longer than @p size - 1. */
bool auth_cookie_value(const char *header, const char *name, char *out, size_t size);
bool auth_bearer_value(const char *header, char *out, size_t size);

/* The CSRF rule: a cookie-authenticated request with an unsafe method must
 * carry @p header equal to the session's token (compared in constant time). */
bool auth_csrf_ok(const socle_principal *who, bool cookie_auth, bool safe_method,
                  const char *header);

/* Find the caller's credentials (cookie socle_session or Authorization:
 * Bearer), set req->principal and req->cookie_auth. Returns 0 also when there
 * are none; SOCLE_E_AUTH (audited) when they are invalid, revoked or expired. */
int auth_authenticate(socle_req *req, socle_err *err);
/* Check @p capability (NULL: public; "authenticated": any user of the
 * service; else a registered capability) and the CSRF rule for
 * cookie-authenticated non-GET requests. SOCLE_E_AUTH -> 401,
 * SOCLE_E_FORBIDDEN -> 403; refusals are audited. */
int auth_authorize(socle_req *req, const char *capability, socle_err *err);
/* Release what authentication attached to the request. */
void auth_request_done(socle_req *req);

/* Register the core's auth routes, migrations ("core_auth") and capabilities. */
int auth_register_core(socle_core *core, socle_err *err);
/* Record the core capabilities (medical.read/write, audit.read, users.manage,
 * staff) with owner NULL. 0 or SOCLE_E_NOMEM. */
int auth_core_capabilities_register(struct registry *r);
/* Check a capability grant (plugin or config): medical capabilities may only
 * go to health professionals, core capabilities may not be widened.
 * SOCLE_E_FORBIDDEN or SOCLE_E_INVAL with a message. */
int auth_capability_grant_check(const char *name, uint32_t role_mask, socle_err *err);

/* The second factor (auth_totp.c): its routes; whether the account enrolled
 * (1/0, < 0 error); a code of the application or a recovery code checked and
 * spent (1 accepted, 0 not enrolled, 2 refused, < 0 error); whether the
 * service requires it of @p role before any medical data; one HOTP code. */
extern const struct socle_route auth_totp_routes[];
extern const size_t auth_totp_routes_count;
int auth_totp_enabled(socle_db *db, int64_t user_id, socle_err *err);
int auth_totp_check(socle_req *req, int64_t user_id, const char *code, socle_err *err);
bool auth_totp_required(const socle_service *svc, int role);
uint32_t auth_totp_code(const unsigned char *secret, size_t len, uint64_t counter);
int auth_totp_login_step(socle_req *req, int64_t user_id, int role, const char *email,
                         int64_t now, socle_err *err);

/* The core's route table and migrations (auth_routes.c). */
extern const struct socle_route auth_routes[];
extern const size_t auth_routes_count;
extern const struct socle_migration auth_migrations[];
/* Shared by the login routes (auth_routes.c) and the one-time codes (auth_code.c). */
json_t *auth_iso_json(int64_t ms);
void auth_set_session_cookie(socle_req *req, const char *token, int64_t max_age_s);
void auth_audit_login(socle_req *req, int64_t user_id, int role, const char *outcome,
                      json_t *detail /* stolen */);
int auth_reply_throttled(socle_req *req, int64_t left_ms);
/* auth_code.c: sign-in by a one-time code sent by mail, forgotten password,
 * password change. */
int auth_route_code_send(socle_req *req, void *ud);
int auth_route_code_verify(socle_req *req, void *ud);
int auth_route_password_reset(socle_req *req, void *ud);
int auth_route_password_change(socle_req *req, void *ud);
extern const size_t auth_migrations_count;

#endif
