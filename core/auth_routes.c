/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The core's own auth routes under /api/v1/{service}: login, logout, me and
 * the audit log listing; the "core_auth" migrations; the housekeeping timer
 * of old sessions; and auth_register_core, which records all of it.
 *
 * Login answers the same way, after the same work, whether the email exists
 * or not; failures count against the account and the client address, and a
 * locked key is answered 429 with Retry-After before any hashing is done. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "auth.h"
#include "date.h"
#include "http.h"

#define SESSION_PURGE_INTERVAL_MS (3600 * 1000)
#define SESSION_KEEP_MS (7 * 24 * 3600 * (int64_t)1000) /* ended sessions kept for a week */

/* ------------------------------------------------------------- migrations */

static const char migration_1[] =
	"CREATE TABLE core_user (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  email TEXT NOT NULL UNIQUE,\n"           /* stored lower-case */
	"  display_name TEXT NOT NULL,\n"
	"  role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 9),\n"
	"  password_hash TEXT,\n"
	"  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL,\n"
	"  CHECK (email = lower(email))\n"
	");\n"
	"CREATE TABLE core_user_scope (\n"
	"  user_id INTEGER NOT NULL REFERENCES core_user (id),\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('company', 'worker')),\n"
	"  ref INTEGER NOT NULL,\n"
	"  PRIMARY KEY (user_id, kind, ref)\n"
	");\n"
	"CREATE INDEX core_user_scope_ref ON core_user_scope (kind, ref);\n"
	"CREATE TABLE core_session (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  token_hash TEXT NOT NULL UNIQUE,\n"      /* SHA-256 of the token, hex */
	"  user_id INTEGER NOT NULL REFERENCES core_user (id),\n"
	"  csrf_token TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  last_seen_at INTEGER NOT NULL,\n"
	"  expires_at INTEGER NOT NULL,\n"
	"  revoked_at INTEGER\n"
	");\n"
	"CREATE INDEX core_session_user ON core_session (user_id);\n"
	"CREATE INDEX core_session_expires ON core_session (expires_at);\n"
	"CREATE TABLE core_audit (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  at INTEGER NOT NULL,\n"                  /* ms since the epoch */
	"  request_id TEXT,\n"
	"  user_id INTEGER,\n"                      /* no foreign key: the log outlives accounts */
	"  role INTEGER,\n"
	"  ip TEXT,\n"
	"  action TEXT NOT NULL,\n"
	"  object_type TEXT,\n"
	"  object_id INTEGER,\n"
	"  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),\n"
	"  detail TEXT,\n"                          /* compact JSON object */
	"  prev_hash TEXT NOT NULL,\n"
	"  hash TEXT NOT NULL UNIQUE\n"
	");\n"
	"CREATE INDEX core_audit_at ON core_audit (at);\n"
	"CREATE INDEX core_audit_user ON core_audit (user_id, id);\n"
	"CREATE INDEX core_audit_action ON core_audit (action, id);\n"
	"CREATE TRIGGER core_audit_no_update BEFORE UPDATE ON core_audit\n"
	"BEGIN SELECT RAISE(ABORT, 'core_audit is append-only'); END;\n"
	"CREATE TRIGGER core_audit_no_delete BEFORE DELETE ON core_audit\n"
	"BEGIN SELECT RAISE(ABORT, 'core_audit is append-only'); END;\n";

/* One-time sign-in codes (auth_code.c): only a hash is kept, each is used once. */
static const char migration_2[] =
	"CREATE TABLE core_login_code (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  user_id INTEGER NOT NULL REFERENCES core_user (id),\n"
	"  code_hash TEXT NOT NULL,\n"             /* SHA-256 of user id and code, hex */
	"  purpose TEXT NOT NULL CHECK (purpose IN ('login', 'reset')),\n"
	"  created_at INTEGER NOT NULL,\n"
	"  expires_at INTEGER NOT NULL,\n"
	"  used_at INTEGER\n"
	");\n"
	"CREATE INDEX core_login_code_user ON core_login_code (user_id, created_at);\n";

/* The second factor of staff accounts (auth_totp.c). */
static const char migration_3[] =
	"CREATE TABLE core_totp (\n"
	"  user_id INTEGER PRIMARY KEY REFERENCES core_user (id),\n"
	"  secret TEXT NOT NULL,\n"               /* hex; pending until confirmed */
	"  created_at INTEGER NOT NULL,\n"
	"  confirmed_at INTEGER,\n"
	"  last_step INTEGER NOT NULL DEFAULT 0\n" /* a code is never accepted twice */
	");\n"
	"CREATE TABLE core_totp_recovery (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  user_id INTEGER NOT NULL REFERENCES core_user (id),\n"
	"  code_hash TEXT NOT NULL,\n"            /* SHA-256 of user id and code, hex */
	"  used_at INTEGER\n"
	");\n"
	"CREATE INDEX core_totp_recovery_user ON core_totp_recovery (user_id);\n";

/* One counter bumped by every revocation of a user's sessions (disable, new
 * password), whichever process makes it: the server reads it on each
 * authenticated request and drops its session cache when it moved, so that
 * `socle user disable` takes effect at once on every thread (session.c). */
static const char migration_4[] =
	"CREATE TABLE core_auth_epoch (\n"
	"  id INTEGER PRIMARY KEY CHECK (id = 1),\n"
	"  n INTEGER NOT NULL\n"
	");\n"
	"INSERT INTO core_auth_epoch (id, n) VALUES (1, 0);\n";

const struct socle_migration auth_migrations[] = {
	{1, migration_1},
	{2, migration_2},
	{3, migration_3},
	{4, migration_4},
};
const size_t auth_migrations_count = SOCLE_COUNT(auth_migrations);

/* ---------------------------------------------------------------- helpers */

/* "2024-03-01T08:30:00.000Z" */
json_t *auth_iso_json(int64_t ms)
{
	char day[DATE_TEXT_SIZE];
	char buf[40];
	int64_t days = date_from_ms(ms);
	int64_t rem = ms - days * 86400000;

	if (!date_format(days, day))
		return json_null();
	snprintf(buf, sizeof(buf), "%sT%02d:%02d:%02d.%03dZ", day, (int)(rem / 3600000),
	         (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));
	return json_string(buf);
}

void auth_set_session_cookie(socle_req *req, const char *token, int64_t max_age_s)
{
	char cookie[256];
	const struct auth_service *a = req->service->auth;

	snprintf(cookie, sizeof(cookie), "%s=%s; Path=%s%s/; Max-Age=%" PRId64
	         "; HttpOnly; SameSite=Strict%s",
	         AUTH_COOKIE_NAME, token, HTTP_API_PREFIX, socle_service_id(req->service), max_age_s,
	         a->settings.cookie_secure ? "; Secure" : "");
	socle_req_add_header(req, "Set-Cookie", cookie);
}

/* Audit a login attempt durably; a failed write is logged (the answer to the
 * client does not depend on it). */
void auth_audit_login(socle_req *req, int64_t user_id, int role, const char *outcome,
                        json_t *detail /* stolen */)
{
	struct audit_who who;
	socle_err err = SOCLE_ERR_INIT;
	struct socle_audit_entry e = {
		.action = "auth.login",
		.object_type = user_id ? "user" : NULL,
		.object_id = user_id,
		.outcome = outcome,
		.detail = detail,
	};

	audit_who_of(req, &who);
	if (user_id) {
		who.user_id = user_id;
		who.role = role;
	}
	if (audit_append_now(req->service, &who, &e, &err) < 0)
		socle_log(SOCLE_LOG_WARN, "audit of login not written: %s", err.msg);
	json_decref(detail);
}

/* ------------------------------------------------------------------ login */

static const struct socle_field login_fields[] = {
	{.name = "email", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = AUTH_EMAIL_MAX},
	{.name = "password", .type = SOCLE_F_STRING, .required = true, .min = 1,
	 .max = AUTH_PASSWORD_MAX_BYTES},
	{.name = "totp", .type = SOCLE_F_STRING, .min = 1, .max = 16},
};

/* After the first factor: 0 go on; 1 replied (the code is missing, 401
 * second_factor_required; or wrong, 422 on "totp", counted as a failed
 * sign-in); < 0 error in @p err. Shared with the code sign-in (auth_code.c). */
int auth_totp_login_step(socle_req *req, int64_t user_id, int role, const char *email,
                         int64_t now, socle_err *err)
{
	(void)role;
	const json_t *body = socle_req_body(req);
	const char *code = json_string_value(json_object_get(body, "totp"));
	socle_db *db = socle_req_reader(req, err);
	int on = db ? auth_totp_enabled(db, user_id, err) : SOCLE_E_STORE;

	if (on <= 0)
		return on;
	if (code == NULL || *code == '\0') {
		socle_reply_error(req, 401, "second_factor_required",
		                  "Saisissez aussi le code à 6 chiffres de votre application "
		                  "d'authentification (ou un code de secours).");
		return 1;
	}
	int verdict = auth_totp_check(req, user_id, code, err);

	if (verdict < 0)
		return verdict;
	if (verdict != 2)
		return 0;
	json_t *fields = NULL;

	auth_login_fail(req->service->auth, email, req->client_ip, now);
	auth_audit_login(req, user_id, role, "failed",
	                 json_pack("{s:s, s:s}", "reason", "bad_second_factor", "email", email));
	socle_field_error(&fields, "totp", "Code incorrect ou déjà utilisé : saisissez le code "
	                  "affiché maintenant par l'application, ou un code de secours.");
	socle_reply_invalid(req, fields);
	return 1;
}

struct login_user {
	int64_t id;
	int role;
	bool disabled;
	char hash[AUTH_PWHASH_LEN];
	bool has_hash;
};

/* 1 when found, 0 when not, negative on error. */
static int login_lookup(socle_db *db, const char *email, struct login_user *u, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db,
	                                  "SELECT id, role, disabled, password_hash FROM core_user"
	                                  " WHERE email = :email",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_text(st, ":email", email);
	int rc = socle_stmt_step(st, err);

	if (rc == 1) {
		const char *h = socle_stmt_text(st, 3);

		u->id = socle_stmt_int(st, 0);
		u->role = (int)socle_stmt_int(st, 1);
		u->disabled = socle_stmt_int(st, 2) != 0;
		u->has_hash = h != NULL && strlen(h) < sizeof(u->hash);
		if (u->has_hash)
			memcpy(u->hash, h, strlen(h) + 1);
	}
	socle_stmt_release(st);
	return rc;
}

struct login_tx {
	const struct login_user *u;
	const char *rehash; /* new hash to store, or NULL */
	socle_req *req;
	struct auth_new_session s;
};

static int login_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct login_tx *t = ud;
	struct audit_who who;
	int rc;

	if (t->rehash != NULL) {
		rc = auth_user_store_hash(wdb, t->u->id, t->rehash, err);
		if (rc < 0)
			return rc;
	}
	rc = auth_session_create(wdb, t->u->id, &t->s, err);
	if (rc < 0)
		return rc;
	audit_who_of(t->req, &who);
	who.user_id = t->u->id;
	who.role = t->u->role;

	struct socle_audit_entry e = {
		.action = "auth.login",
		.object_type = "user",
		.object_id = t->u->id,
		.outcome = "ok",
		.detail = NULL,
	};
	int64_t id = audit_append(wdb, &who, &e, err);

	return id < 0 ? (int)id : 0;
}

int auth_reply_throttled(socle_req *req, int64_t left_ms)
{
	char secs[24];
	int64_t s = (left_ms + 999) / 1000;

	snprintf(secs, sizeof(secs), "%" PRId64, s < 1 ? 1 : s);
	socle_req_add_header(req, "Retry-After", secs);
	return socle_reply_error(req, 429, "throttled",
	                         "Trop de tentatives de connexion : réessayez plus tard.");
}

SOCLE_API int socle_req_throttle(socle_req *req, const char *bucket, socle_err *err)
{
	struct auth_service *a = req->service ? req->service->auth : NULL;
	char key[256];
	int64_t now = socle_now_ms();

	if (a == NULL)
		return socle_err_set(err, SOCLE_E_INTERNAL, "service sans état d'authentification");
	snprintf(key, sizeof(key), "%s|%s", bucket, req->client_ip);
	int64_t left = auth_throttle_blocked(&a->throttle_public, key, now);
	if (left > 0) {
		char secs[24];
		int64_t sec = (left + 999) / 1000;

		snprintf(secs, sizeof(secs), "%" PRId64, sec < 1 ? 1 : sec);
		socle_req_add_header(req, "Retry-After", secs);
		return socle_err_set(err, SOCLE_E_THROTTLED,
		                     "Trop de demandes depuis votre adresse : réessayez plus tard.");
	}
	/* Every submission counts: the table's "failure" is here "one more try". */
	auth_throttle_fail(&a->throttle_public, key, now);
	return 0;
}

static int route_login(socle_req *req, void *ud)
{
	(void)ud;
	struct auth_service *a = req->service->auth;
	const json_t *body = socle_req_body(req);
	json_t *fields = NULL;
	socle_err err = SOCLE_ERR_INIT;
	char email[AUTH_EMAIL_MAX + 1];
	int rc;

	if (body == NULL) {
		socle_field_error(&fields, "email", "Champ obligatoire.");
		socle_field_error(&fields, "password", "Champ obligatoire.");
		return socle_reply_invalid(req, fields);
	}
	if (socle_fields_check(body, login_fields, SOCLE_COUNT(login_fields), NULL, &fields) > 0)
		return socle_reply_invalid(req, fields);
	json_decref(fields);

	const char *raw_email = json_string_value(json_object_get(body, "email"));
	const char *password = json_string_value(json_object_get(body, "password"));
	bool email_ok = auth_email_normalize(raw_email, email, sizeof(email), NULL) == 0;

	if (!email_ok) /* still throttled and answered like any unknown account */
		snprintf(email, sizeof(email), "%.*s", AUTH_EMAIL_MAX, raw_email);

	int64_t now = socle_now_ms();
	const char *which = NULL;
	int64_t left = auth_login_blocked(a, email, req->client_ip, now, &which);

	if (left > 0) {
		auth_audit_login(req, 0, 0, "denied",
		            json_pack("{s:s, s:s, s:s, s:I}", "reason", "throttled", "email", email,
		                      "key", which, "retry_after_s",
		                      (json_int_t)((left + 999) / 1000)));
		return auth_reply_throttled(req, left);
	}

	struct login_user u;

	memset(&u, 0, sizeof(u));
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	rc = email_ok ? login_lookup(db, email, &u, &err) : 0;
	if (rc < 0)
		return socle_reply_err(req, &err);

	bool usable = rc == 1 && !u.disabled && u.has_hash;
	int verdict = auth_password_verify(usable ? u.hash : NULL, password);

	if (verdict == SOCLE_E_INTERNAL) {
		sodium_memzero(u.hash, sizeof(u.hash));
		return socle_reply_error(req, 500, "internal_error",
		                         "Vérification du mot de passe impossible.");
	}
	if (verdict != 0) {
		const char *reason = rc != 1 ? "unknown_user" : u.disabled ? "disabled"
		                   : !u.has_hash ? "no_password" : "bad_password";
		int64_t lock = auth_login_fail(a, email, req->client_ip, now);
		json_t *detail = json_pack("{s:s, s:s}", "reason", reason, "email", email);

		if (detail != NULL && lock > 0)
			json_object_set_new(detail, "locked_for_s", json_integer(lock / 1000));
		auth_audit_login(req, rc == 1 ? u.id : 0, rc == 1 ? u.role : 0, "failed", detail);
		sodium_memzero(u.hash, sizeof(u.hash));
		return socle_reply_error(req, 401, "invalid_credentials",
		                         "Adresse e-mail ou mot de passe incorrect.");
	}

	/* The second factor of an account that enrolled one. */
	int second = auth_totp_login_step(req, u.id, u.role, email, now, &err);

	if (second != 0) {
		sodium_memzero(u.hash, sizeof(u.hash));
		return second < 0 ? socle_reply_err(req, &err) : 0;
	}

	/* Success. The account's failures are forgotten, the address's are not
	 * (one address trying many accounts is what the address limit is for). */
	auth_login_clear(a, email, req->client_ip);

	char rehash[AUTH_PWHASH_LEN];
	bool do_rehash = auth_password_needs_rehash(u.hash) &&
	                 auth_password_hash(password, rehash, NULL) == 0;
	struct login_tx t = {.u = &u, .rehash = do_rehash ? rehash : NULL, .req = req};

	sodium_memzero(u.hash, sizeof(u.hash));
	rc = socle_service_write(req->service, login_commit, &t, &err);
	sodium_memzero(rehash, sizeof(rehash));
	if (rc < 0)
		return socle_reply_err(req, &err);

	socle_principal *who = NULL;
	json_t *user = NULL;

	if (auth_user_load(db, u.id, &who, NULL, &err) == 0) {
		user = auth_principal_json(who);
		auth_principal_unref(who);
	}
	json_t *out = json_pack("{s:s, s:s, s:o, s:o*}", "token", t.s.token, "csrf_token",
	                        t.s.csrf_token, "expires_at", auth_iso_json(t.s.expires_at_ms), "user",
	                        user);

	auth_set_session_cookie(req, t.s.token, (t.s.expires_at_ms - t.s.created_at_ms) / 1000);
	sodium_memzero(t.s.token, sizeof(t.s.token));
	/* The web spaces warn before the session closes for inactivity. */
	if (out != NULL && req->service->auth)
		json_object_set_new(out, "idle_timeout_s",
		                    json_integer(req->service->auth->settings.idle_ms / 1000));
	if (out == NULL)
		return SOCLE_E_NOMEM;
	return socle_reply_json(req, 200, out);
}

/* ----------------------------------------------------------------- logout */

struct logout_tx {
	socle_req *req;
	const unsigned char *hash;
};

static int logout_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct logout_tx *t = ud;
	int rc = auth_session_revoke(wdb, t->hash, err);

	if (rc < 0)
		return rc;
	struct socle_audit_entry e = {
		.action = "auth.logout",
		.object_type = "user",
		.object_id = t->req->principal->user_id,
		.outcome = "ok",
	};

	return socle_audit(wdb, t->req, &e, err);
}

static int route_logout(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	unsigned char hash[AUTH_TOKEN_HASH_BYTES];

	if (req->principal == NULL || req->principal->session_id == 0)
		return socle_reply_error(req, 401, "unauthenticated", "Aucune session à fermer.");
	memcpy(hash, req->principal->token_hash, sizeof(hash));

	struct logout_tx t = {req, hash};
	int rc = socle_service_write(req->service, logout_commit, &t, &err);

	if (rc < 0)
		return socle_reply_err(req, &err);
	auth_session_drop(req->service, hash);
	auth_set_session_cookie(req, "", 0);
	return socle_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

/* --------------------------------------------------------------------- me */

static int route_me(socle_req *req, void *ud)
{
	(void)ud;
	const socle_principal *who = req->principal;
	json_t *user = auth_principal_json(who);
	json_t *scopes = user ? json_incref(json_object_get(user, "scopes")) : NULL;
	json_t *out = json_pack("{s:o*, s:s?, s:o*, s:o*, s:s, s:o}", "user", user, "role",
	                        socle_role_name(who->role), "capabilities",
	                        auth_principal_capabilities(who), "scopes", scopes, "csrf_token",
	                        who->csrf_token, "expires_at",
	                        who->expires_at_ms ? auth_iso_json(who->expires_at_ms) : json_null());

	if (out == NULL)
		return SOCLE_E_NOMEM;
	/* The server's clock: a page measures the session's end against it, not
	 * against the machine it runs on. */
	json_object_set_new(out, "now", auth_iso_json(socle_now_ms()));
	if (req->service->auth)
		json_object_set_new(out, "idle_timeout_s",
		                    json_integer(req->service->auth->settings.idle_ms / 1000));
	return socle_reply_json(req, 200, out);
}

/* ------------------------------------------------------------------ audit */

/* A time bound of the audit filter: milliseconds since the epoch, a date
 * "YYYY-MM-DD" (UTC; @p end takes the day after, so that the day is
 * included) or "YYYY-MM-DDTHH:MM:SS[.mmm]Z". False when it is none of these. */
static bool parse_time(const char *s, bool end, int64_t *out)
{
	size_t len = strlen(s);
	int64_t days;

	if (len > 0 && len <= 15 && strspn(s, "0123456789") == len) {
		*out = strtoll(s, NULL, 10);
		return true;
	}
	if (len < 10 || !date_parse(s, 10, &days))
		return false;
	if (len == 10) {
		*out = (days + (end ? 1 : 0)) * 86400000;
		return true;
	}
	int h, m, sec, ms = 0, n = 0;
	const char *t = s + 10;

	if (sscanf(t, "T%2d:%2d:%2d%n", &h, &m, &sec, &n) != 3 || n != 9)
		return false;
	t += n;
	if (*t == '.') {
		int digits = 0;

		for (t++; *t >= '0' && *t <= '9'; t++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*t - '0');
		if (digits == 0)
			return false;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (strcmp(t, "Z") != 0 || h > 23 || m > 59 || sec > 59)
		return false;
	*out = days * 86400000 + (int64_t)h * 3600000 + m * 60000 + sec * 1000 + ms;
	return true;
}

static int route_audit(socle_req *req, void *ud)
{
	(void)ud;
	static const char *const outcomes[] = {"ok", "denied", "failed", NULL};
	struct audit_filter f = {0};
	json_t *fields = NULL;
	socle_err err = SOCLE_ERR_INIT;
	const char *v;

	if (socle_req_page(req, &f.limit, &f.before_id, &err) < 0)
		socle_field_error(&fields, "limit", "%s", err.msg);
	if ((v = socle_req_query(req, "action")) != NULL) {
		if (*v == '\0' || strlen(v) > 64)
			socle_field_error(&fields, "action", "Action invalide (64 caractères au plus).");
		f.action = v;
	}
	if ((v = socle_req_query(req, "user_id")) != NULL) {
		char *end;
		long long id = strtoll(v, &end, 10);

		if (*v == '\0' || *end != '\0' || id <= 0)
			socle_field_error(&fields, "user_id", "Identifiant d'utilisateur invalide.");
		f.user_id = id;
	}
	if ((v = socle_req_query(req, "outcome")) != NULL) {
		bool known = false;

		for (size_t i = 0; outcomes[i] != NULL; i++)
			known = known || strcmp(v, outcomes[i]) == 0;
		if (!known)
			socle_field_error(&fields, "outcome", "Valeur attendue : ok, denied ou failed.");
		f.outcome = v;
	}
	if ((v = socle_req_query(req, "from")) != NULL && !parse_time(v, false, &f.from_ms))
		socle_field_error(&fields, "from",
		                  "Date invalide (AAAA-MM-JJ, AAAA-MM-JJTHH:MM:SSZ ou millisecondes).");
	if ((v = socle_req_query(req, "to")) != NULL && !parse_time(v, true, &f.to_ms))
		socle_field_error(&fields, "to",
		                  "Date invalide (AAAA-MM-JJ, AAAA-MM-JJTHH:MM:SSZ ou millisecondes).");
	if (fields != NULL)
		return socle_reply_invalid(req, fields);

	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *items = audit_list(db, &f, &err);

	if (items == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_page(req, items, f.limit, "id");
}

/* ---------------------------------------------------- my access log */

/* Who read or wrote the caller's own health file (design §6: an employee
 * sees their access log): successful accesses recorded against the worker
 * the caller is bound to, newest first, with the role of who accessed it
 * but not their identity or address. */
static int route_my_accesses(socle_req *req, void *ud)
{
	(void)ud;
	const socle_principal *who = req->principal;
	struct audit_filter f = {.object_type = "worker", .medical_only = true};
	socle_err err = SOCLE_ERR_INIT;
	json_t *fields = NULL;
	int64_t worker = 0;

	if (socle_req_page(req, &f.limit, &f.before_id, &err) < 0)
		socle_field_error(&fields, "limit", "%s", err.msg);
	if (fields != NULL)
		return socle_reply_invalid(req, fields);
	for (size_t i = 0; i < who->n_scopes && worker == 0; i++)
		if (who->scopes[i].kind == AUTH_SCOPE_WORKER)
			worker = who->scopes[i].ref;
	if (worker == 0)
		return socle_reply_page(req, json_array(), f.limit, "id");
	f.object_id = worker;

	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *rows = audit_list(db, &f, &err);

	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_t *items = json_array();
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		json_array_append_new(items, json_pack("{s:O, s:O, s:O}", "at",
		                                       json_object_get(row, "at"), "action",
		                                       json_object_get(row, "action"), "role",
		                                       json_object_get(row, "role")));
	}
	/* The rows' ids page the list; the items show no id. */
	json_t *next = socle_page_cursor(rows, f.limit, "id");

	json_decref(rows);
	return socle_reply_json(req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
	                                            next));
}

/* ------------------------------------------------------------ registration */

const struct socle_route auth_routes[] = {
	{SOCLE_POST, "/auth/login", SOCLE_CAP_PUBLIC, 4096, route_login, NULL},
	{SOCLE_POST, "/auth/logout", SOCLE_CAP_AUTHENTICATED, 1024, route_logout, NULL},
	{SOCLE_GET, "/auth/me", SOCLE_CAP_AUTHENTICATED, 0, route_me, NULL},
	{SOCLE_GET, "/auth/me/accesses", SOCLE_CAP_AUTHENTICATED, 0, route_my_accesses, NULL},
	{SOCLE_GET, "/audit", SOCLE_CAP_AUDIT_READ, 0, route_audit, NULL},
	{SOCLE_POST, "/auth/code", SOCLE_CAP_PUBLIC, 1024, auth_route_code_send, NULL},
	{SOCLE_POST, "/auth/code/verify", SOCLE_CAP_PUBLIC, 1024, auth_route_code_verify, NULL},
	{SOCLE_POST, "/auth/password/reset", SOCLE_CAP_PUBLIC, 4096, auth_route_password_reset,
	 NULL},
	{SOCLE_PUT, "/auth/me/password", SOCLE_CAP_AUTHENTICATED, 4096, auth_route_password_change,
	 NULL},
};
const size_t auth_routes_count = SOCLE_COUNT(auth_routes);

static int purge_tx(socle_db *wdb, void *ud, socle_err *err)
{
	(void)ud;
	socle_stmt *st = socle_db_prepare(wdb,
	                                  "DELETE FROM core_session WHERE expires_at < :before"
	                                  " OR revoked_at < :before",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":before", socle_now_ms() - SESSION_KEEP_MS);
	int rc = socle_stmt_step(st, err);

	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

/* Delete sessions ended more than a week ago, on every service. */
static void purge_sessions(socle_core *core, void *ud)
{
	(void)ud;
	for (size_t i = 0; i < core->n_services; i++) {
		socle_err err = SOCLE_ERR_INIT;

		if (socle_service_write(core->services[i], purge_tx, NULL, &err) < 0)
			socle_log(SOCLE_LOG_WARN, "service %s: old sessions not purged: %s",
			          core->services[i]->id, err.msg);
	}
}

int auth_register_core(socle_core *core, socle_err *err)
{
	struct registry *r = &core->reg;

	for (size_t i = 0; i < auth_routes_count; i++) {
		struct reg_route rec = {.owner = NULL, .route = &auth_routes[i]};

		if (registry_add_route(r, &rec) < 0)
			goto nomem;
	}
	for (size_t i = 0; i < auth_totp_routes_count; i++) {
		struct reg_route rec = {.owner = NULL, .route = &auth_totp_routes[i]};

		if (registry_add_route(r, &rec) < 0)
			goto nomem;
	}
	struct reg_migrations mig = {
		.owner = NULL,
		.owner_name = "core_auth",
		.list = auth_migrations,
		.count = auth_migrations_count,
	};

	if (registry_add_migrations(r, &mig) < 0)
		goto nomem;
	if (auth_core_capabilities_register(r) < 0)
		goto nomem;
	struct reg_timer timer = {
		.owner = NULL,
		.interval_ms = SESSION_PURGE_INTERVAL_MS,
		.fn = purge_sessions,
		.ud = NULL,
	};

	if (registry_add_timer(r, &timer) < 0)
		goto nomem;
	return 0;
nomem:
	return socle_err_set(err, SOCLE_E_NOMEM, "out of memory registering the auth routes");
}
