/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Sign-in for people: a one-time code sent by mail, the forgotten password,
 * the password change.
 *
 * Employers and employees sign in a few times a year; a password they must
 * remember is the first thing they lose. The habit of the market is a short
 * code sent to their address. Rules (docs/http.md, "Sign-in by code"):
 *  - a code is 6 digits, valid 10 minutes, used once; only the SHA-256 of the
 *    account id and the code is stored, so a copy of the database gives no
 *    usable code; a new code replaces the account's previous unused ones;
 *  - asking for a code answers the same whatever the address (202): the
 *    route tells nobody which addresses have an account; at most one code a
 *    minute is sent to an account, and the public throttle of the client
 *    address applies;
 *  - checking a code is under the login throttling (per account and per
 *    address): a wrong code counts as a wrong password, so 10^6 codes cannot
 *    be tried in 10 minutes;
 *  - the forgotten password is the same code with a new password: the code
 *    proves the address, the password is changed, every other session of the
 *    account is revoked, and a session opens. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "core.h"
#include "http.h"

#define CODE_DIGITS 6
#define CODE_VALID_MS (10 * 60 * 1000)
#define CODE_RESEND_MS (60 * 1000) /* at most one mail a minute per account */

struct code_account {
	int64_t id;
	int role;
	bool disabled;
};

/* SHA-256 of "<user id>:<code>", hex. The id salts the hash: equal codes of
 * two accounts do not give equal rows. */
static void code_hash(int64_t user_id, const char *code, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char in[64];
	int n = snprintf(in, sizeof(in), "%" PRId64 ":%s", user_id, code);

	crypto_hash_sha256(h, (const unsigned char *)in, (unsigned long long)n);
	sodium_bin2hex(out, 65, h, sizeof(h));
	sodium_memzero(in, sizeof(in));
}

/* 1 found, 0 not, negative on error. */
static int account_lookup(socle_db *db, const char *email, struct code_account *a,
                          socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, "SELECT id, role, disabled FROM core_user"
	                                      " WHERE email = :email",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_text(st, ":email", email);
	int rc = socle_stmt_step(st, err);

	if (rc == 1) {
		a->id = socle_stmt_int(st, 0);
		a->role = (int)socle_stmt_int(st, 1);
		a->disabled = socle_stmt_int(st, 2) != 0;
	}
	socle_stmt_release(st);
	return rc;
}

/* ------------------------------------------------------------- send a code */

static const char *const purposes[] = {"login", "reset", NULL};

static const struct socle_field send_fields[] = {
	{.name = "email", .type = SOCLE_F_STRING, .required = true, .min = 3, .max = AUTH_EMAIL_MAX},
	{.name = "purpose", .type = SOCLE_F_ENUM, .required = false, .choices = purposes},
};

struct send_tx {
	socle_req *req;
	const struct code_account *a;
	const char *email;
	const char *purpose;
	bool sent;
};

static int send_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct send_tx *t = ud;
	int64_t now = socle_now_ms();
	socle_stmt *st = socle_db_prepare(wdb, "SELECT max(created_at) FROM core_login_code"
	                                       " WHERE user_id = :u",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":u", t->a->id);
	int rc = socle_stmt_step(st, err);
	bool recent = rc == 1 && !socle_stmt_is_null(st, 0) &&
	              now - socle_stmt_int(st, 0) < CODE_RESEND_MS;

	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	if (recent)
		return 0; /* the previous mail is on its way: answered the same */

	char code[CODE_DIGITS + 1];
	char hash[65];

	snprintf(code, sizeof(code), "%06" PRIu32, randombytes_uniform(1000000));
	code_hash(t->a->id, code, hash);
	json_t *params = json_pack("{s:I, s:I}", "u", (json_int_t)t->a->id, "now",
	                           (json_int_t)now);

	/* Only the newest code counts. */
	rc = socle_db_run_new(wdb,
	                      "UPDATE core_login_code SET used_at = :now"
	                      " WHERE user_id = :u AND used_at IS NULL",
	                      params, err);
	if (rc < 0)
		return rc;
	rc = socle_db_run_new(wdb,
	                      "INSERT INTO core_login_code (user_id, code_hash, purpose, created_at,"
	                      " expires_at) VALUES (:u, :h, :p, :now, :exp)",
	                      json_pack("{s:I, s:s, s:s, s:I, s:I}", "u", (json_int_t)t->a->id,
	                                "h", hash, "p", t->purpose, "now", (json_int_t)now,
	                                "exp", (json_int_t)(now + CODE_VALID_MS)),
	                      err);
	if (rc < 0)
		return rc;

	const char *svc_name = socle_service_name(t->req->service);
	bool reset = strcmp(t->purpose, "reset") == 0;
	char subject[256];
	char text[1024];

	snprintf(subject, sizeof(subject), "%s : votre code %s",
	         svc_name, reset ? "pour choisir un nouveau mot de passe" : "de connexion");
	snprintf(text, sizeof(text),
	         "Bonjour,\n\n"
	         "Voici votre code %s à votre espace de %s :\n\n"
	         "    %s\n\n"
	         "Il est valable 10 minutes et ne sert qu'une fois.\n\n"
	         "Si vous n'avez rien demandé, ignorez ce message : personne ne peut entrer"
	         " dans votre espace sans ce code.\n",
	         reset ? "pour choisir un nouveau mot de passe, puis vous connecter," : "de connexion",
	         svc_name, code);
	struct socle_mail mail = {
		.to = t->email, .subject = subject, .text = text, .category = "code_connexion"};
	int64_t job = socle_mail_queue(wdb, &mail, 0, err);

	sodium_memzero(code, sizeof(code));
	sodium_memzero(text, sizeof(text));
	if (job < 0)
		return (int)job;

	struct audit_who who;
	struct socle_audit_entry e = {
		.action = "auth.code.sent",
		.object_type = "user",
		.object_id = t->a->id,
		.outcome = "ok",
		.detail = NULL,
	};

	audit_who_of(t->req, &who);
	t->sent = true;
	int64_t id = audit_append(wdb, &who, &e, err);

	return id < 0 ? (int)id : 0;
}

/* An address without an active account costs a write too, so that the time of
 * the answer does not tell which addresses have an account (the known one
 * commits its code); the refusal is traced without the address, whose
 * repetition from one client is what a service admin looks for. */
static int unknown_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct socle_audit_entry e = {
		.action = "auth.code.unknown",
		.object_type = "user",
		.outcome = "denied",
	};

	return socle_audit(wdb, ud, &e, err);
}

int auth_route_code_send(socle_req *req, void *ud)
{
	(void)ud;
	const json_t *body = socle_req_body(req);
	json_t *fields = NULL;
	socle_err err = SOCLE_ERR_INIT;
	char email[AUTH_EMAIL_MAX + 1];

	if (body == NULL) {
		socle_field_error(&fields, "email", "Champ obligatoire.");
		return socle_reply_invalid(req, fields);
	}
	if (socle_fields_check(body, send_fields, SOCLE_COUNT(send_fields), NULL, &fields) > 0)
		return socle_reply_invalid(req, fields);
	json_decref(fields);
	fields = NULL;
	if (auth_email_normalize(json_string_value(json_object_get(body, "email")), email,
	                         sizeof(email), NULL) < 0) {
		socle_field_error(&fields, "email",
		                  "Adresse e-mail invalide : elle s'écrit nom@domaine.fr.");
		return socle_reply_invalid(req, fields);
	}
	if (socle_req_throttle(req, "auth.code", &err) < 0)
		return socle_reply_err(req, &err);

	const char *purpose = json_string_value(json_object_get(body, "purpose"));
	struct code_account a = {0};
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	int rc = account_lookup(db, email, &a, &err);

	if (rc < 0)
		return socle_reply_err(req, &err);
	if (rc == 1 && !a.disabled) {
		struct send_tx t = {.req = req, .a = &a, .email = email,
		                    .purpose = purpose ? purpose : "login"};

		if (socle_service_write(req->service, send_commit, &t, &err) < 0)
			return socle_reply_err(req, &err);
	} else if (socle_service_write(req->service, unknown_commit, req, &err) < 0) {
		return socle_reply_err(req, &err);
	}
	return socle_reply_json(
		req, 202,
		json_pack("{s:s}", "message",
		          "Si un compte existe à cette adresse, un code vient d'y être envoyé. "
		          "Il est valable 10 minutes."));
}

/* ------------------------------------------------------------ check a code */

static const struct socle_field verify_fields[] = {
	{.name = "email", .type = SOCLE_F_STRING, .required = true, .min = 3, .max = AUTH_EMAIL_MAX},
	{.name = "code", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 16},
	{.name = "totp", .type = SOCLE_F_STRING, .min = 1, .max = 16},
};

static const struct socle_field reset_fields[] = {
	{.name = "email", .type = SOCLE_F_STRING, .required = true, .min = 3, .max = AUTH_EMAIL_MAX},
	{.name = "code", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 16},
	{.name = "password", .type = SOCLE_F_STRING, .required = true, .min = 1,
	 .max = AUTH_PASSWORD_MAX_BYTES},
	{.name = "totp", .type = SOCLE_F_STRING, .min = 1, .max = 16},
};

struct verify_tx {
	socle_req *req;
	const struct code_account *a;
	const char *hash;
	const char *purpose;   /* the code's purpose the route accepts */
	const char *new_hash;  /* password hash to store (reset), or NULL */
	bool matched;
	struct auth_new_session s;
};

/* Does the account hold this unused code? Read only (1, 0, < 0). */
static int code_pending(socle_db *db, int64_t user_id, const char *hash, const char *purpose,
                        socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db,
	                                  "SELECT id FROM core_login_code WHERE user_id = :u"
	                                  " AND code_hash = :h AND used_at IS NULL"
	                                  " AND expires_at > :now AND purpose = :p",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":u", user_id);
	socle_stmt_bind_text(st, ":h", hash);
	socle_stmt_bind_int(st, ":now", socle_now_ms());
	socle_stmt_bind_text(st, ":p", purpose);
	int rc = socle_stmt_step(st, err);

	socle_stmt_release(st);
	return rc;
}

static int verify_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct verify_tx *t = ud;
	int64_t now = socle_now_ms();
	socle_stmt *st = socle_db_prepare(wdb,
	                                  "SELECT id FROM core_login_code WHERE user_id = :u"
	                                  " AND code_hash = :h AND used_at IS NULL"
	                                  " AND expires_at > :now AND purpose = :p",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":u", t->a->id);
	socle_stmt_bind_text(st, ":h", t->hash);
	socle_stmt_bind_int(st, ":now", now);
	socle_stmt_bind_text(st, ":p", t->purpose);
	int rc = socle_stmt_step(st, err);
	int64_t code_id = rc == 1 ? socle_stmt_int(st, 0) : 0;

	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	if (code_id == 0)
		return 0; /* t->matched stays false: nothing written */
	rc = socle_db_run_new(wdb, "UPDATE core_login_code SET used_at = :now WHERE id = :id",
	                      json_pack("{s:I, s:I}", "now", (json_int_t)now, "id",
	                                (json_int_t)code_id),
	                      err);
	if (rc < 0)
		return rc;
	if (t->new_hash != NULL) {
		rc = auth_user_store_hash(wdb, t->a->id, t->new_hash, err);
		if (rc == 0)
			rc = auth_session_revoke_user(wdb, t->a->id, err);
		if (rc < 0)
			return rc;
	}
	rc = auth_session_create(wdb, t->a->id, &t->s, err);
	if (rc < 0)
		return rc;
	t->matched = true;

	struct audit_who who;
	json_t *detail = json_pack("{s:s}", "method", "code");
	struct socle_audit_entry e = {
		.action = t->new_hash ? "auth.password.reset" : "auth.login",
		.object_type = "user",
		.object_id = t->a->id,
		.outcome = "ok",
		.detail = detail,
	};

	audit_who_of(t->req, &who);
	who.user_id = t->a->id;
	who.role = t->a->role;
	int64_t id = audit_append(wdb, &who, &e, err);

	json_decref(detail);
	return id < 0 ? (int)id : 0;
}

/* The code routes' common path: validate, throttle, look the code up, open a
 * session. @p reset: also set the password from the body. */
static int code_sign_in(socle_req *req, bool reset)
{
	struct auth_service *as = req->service->auth;
	const json_t *body = socle_req_body(req);
	json_t *fields = NULL;
	socle_err err = SOCLE_ERR_INIT;
	char email[AUTH_EMAIL_MAX + 1];
	const struct socle_field *spec = reset ? reset_fields : verify_fields;
	size_t nspec = reset ? SOCLE_COUNT(reset_fields) : SOCLE_COUNT(verify_fields);

	if (body == NULL) {
		socle_field_error(&fields, "email", "Champ obligatoire.");
		socle_field_error(&fields, "code", "Champ obligatoire.");
		return socle_reply_invalid(req, fields);
	}
	if (socle_fields_check(body, spec, nspec, NULL, &fields) > 0)
		return socle_reply_invalid(req, fields);
	json_decref(fields);
	fields = NULL;

	const char *raw_email = json_string_value(json_object_get(body, "email"));
	const char *code = json_string_value(json_object_get(body, "code"));
	const char *password = reset ? json_string_value(json_object_get(body, "password")) : NULL;
	bool email_ok = auth_email_normalize(raw_email, email, sizeof(email), NULL) == 0;
	bool code_ok = strlen(code) == CODE_DIGITS && strspn(code, "0123456789") == CODE_DIGITS;

	if (!code_ok)
		socle_field_error(&fields, "code", "Le code reçu par courriel a 6 chiffres.");
	if (reset && auth_password_policy(password, &err) < 0)
		socle_field_error(&fields, "password", "%s", err.msg);
	if (fields != NULL)
		return socle_reply_invalid(req, fields);
	if (!email_ok)
		snprintf(email, sizeof(email), "%.*s", AUTH_EMAIL_MAX, raw_email);

	int64_t now = socle_now_ms();
	int64_t left = auth_login_blocked(as, email, req->client_ip, now, NULL);

	if (left > 0) {
		auth_audit_login(req, 0, 0, "denied",
		                 json_pack("{s:s, s:s, s:s}", "reason", "throttled", "email", email,
		                           "method", "code"));
		return auth_reply_throttled(req, left);
	}

	struct code_account a = {0};
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	int rc = email_ok ? account_lookup(db, email, &a, &err) : 0;

	if (rc < 0)
		return socle_reply_err(req, &err);

	char hash[65];
	char new_hash[AUTH_PWHASH_LEN];
	struct verify_tx t = {.req = req, .a = &a, .hash = hash,
	                      .purpose = reset ? "reset" : "login"};

	if (rc == 1 && !a.disabled) {
		code_hash(a.id, code, hash);
		/* A right code of an account with a second factor asks for it too,
		 * before the code is spent (a reset as well: the mailbox alone must
		 * not open such an account). */
		int pending = code_pending(db, a.id, hash, t.purpose, &err);

		if (pending < 0)
			return socle_reply_err(req, &err);
		if (pending == 1) {
			int second = auth_totp_login_step(req, a.id, a.role, email, now, &err);

			if (second != 0)
				return second < 0 ? socle_reply_err(req, &err) : 0;
		}
		if (reset) {
			if (auth_password_hash(password, new_hash, &err) < 0)
				return socle_reply_err(req, &err);
			t.new_hash = new_hash;
		}
		if (socle_service_write(req->service, verify_commit, &t, &err) < 0) {
			sodium_memzero(new_hash, sizeof(new_hash));
			return socle_reply_err(req, &err);
		}
		sodium_memzero(new_hash, sizeof(new_hash));
	}
	if (!t.matched) {
		auth_login_fail(as, email, req->client_ip, now);
		auth_audit_login(req, rc == 1 ? a.id : 0, rc == 1 ? a.role : 0, "failed",
		                 json_pack("{s:s, s:s, s:s}", "reason",
		                           rc != 1 ? "unknown_user" : a.disabled ? "disabled"
		                                                                  : "bad_code",
		                           "email", email, "method", "code"));
		fields = NULL;
		socle_field_error(&fields, "code",
		                  "Code incorrect ou expiré : demandez-en un nouveau (il est valable "
		                  "10 minutes et ne sert qu'une fois).");
		return socle_reply_invalid(req, fields);
	}
	auth_login_clear(as, email, req->client_ip);
	if (reset)
		auth_session_forget_user(req->service, a.id);

	socle_principal *who = NULL;
	json_t *user = NULL;

	if (auth_user_load(db, a.id, &who, NULL, &err) == 0) {
		user = auth_principal_json(who);
		auth_principal_unref(who);
	}
	json_t *out = json_pack("{s:s, s:s, s:o, s:o*}", "token", t.s.token, "csrf_token",
	                        t.s.csrf_token, "expires_at", auth_iso_json(t.s.expires_at_ms),
	                        "user", user);

	auth_set_session_cookie(req, t.s.token, (t.s.expires_at_ms - t.s.created_at_ms) / 1000);
	sodium_memzero(t.s.token, sizeof(t.s.token));
	if (out == NULL)
		return SOCLE_E_NOMEM;
	return socle_reply_json(req, 200, out);
}

int auth_route_code_verify(socle_req *req, void *ud)
{
	(void)ud;
	return code_sign_in(req, false);
}

int auth_route_password_reset(socle_req *req, void *ud)
{
	(void)ud;
	return code_sign_in(req, true);
}

/* ------------------------------------------------------ change my password */

static const struct socle_field change_fields[] = {
	{.name = "current_password", .type = SOCLE_F_STRING, .required = true, .min = 1,
	 .max = AUTH_PASSWORD_MAX_BYTES},
	{.name = "password", .type = SOCLE_F_STRING, .required = true, .min = 1,
	 .max = AUTH_PASSWORD_MAX_BYTES},
};

struct change_tx {
	socle_req *req;
	int64_t user_id;
	const char *hash;
};

static int change_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct change_tx *t = ud;
	int rc = auth_user_store_hash(wdb, t->user_id, t->hash, err);

	if (rc < 0)
		return rc;
	struct socle_audit_entry e = {
		.action = "auth.password.changed",
		.object_type = "user",
		.object_id = t->user_id,
		.outcome = "ok",
	};
	struct audit_who who;

	audit_who_of(t->req, &who);
	int64_t id = audit_append(wdb, &who, &e, err);

	return id < 0 ? (int)id : 0;
}

int auth_route_password_change(socle_req *req, void *ud)
{
	(void)ud;
	struct auth_service *as = req->service->auth;
	const json_t *body = socle_req_body(req);
	json_t *fields = NULL;
	socle_err err = SOCLE_ERR_INIT;
	int64_t uid = socle_principal_user_id(socle_req_principal(req));

	if (body == NULL) {
		socle_field_error(&fields, "current_password", "Champ obligatoire.");
		socle_field_error(&fields, "password", "Champ obligatoire.");
		return socle_reply_invalid(req, fields);
	}
	if (socle_fields_check(body, change_fields, SOCLE_COUNT(change_fields), NULL, &fields) > 0)
		return socle_reply_invalid(req, fields);
	json_decref(fields);
	fields = NULL;

	const char *current = json_string_value(json_object_get(body, "current_password"));
	const char *password = json_string_value(json_object_get(body, "password"));
	const char *email = socle_principal_email(socle_req_principal(req));
	int64_t now = socle_now_ms();
	int64_t left = auth_login_blocked(as, email, req->client_ip, now, NULL);

	if (left > 0)
		return auth_reply_throttled(req, left);
	if (auth_password_policy(password, &err) < 0) {
		socle_field_error(&fields, "password", "%s", err.msg);
		return socle_reply_invalid(req, fields);
	}

	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	socle_stmt *st = socle_db_prepare(db, "SELECT password_hash FROM core_user WHERE id = :id",
	                                  &err);

	if (st == NULL)
		return socle_reply_err(req, &err);
	socle_stmt_bind_int(st, ":id", uid);
	char stored[AUTH_PWHASH_LEN] = "";
	int rc = socle_stmt_step(st, &err);

	if (rc == 1 && !socle_stmt_is_null(st, 0))
		snprintf(stored, sizeof(stored), "%s", socle_stmt_text(st, 0));
	socle_stmt_release(st);
	if (rc < 0)
		return socle_reply_err(req, &err);
	if (auth_password_verify(stored[0] ? stored : NULL, current) != 0) {
		auth_login_fail(as, email, req->client_ip, now);
		socle_field_error(&fields, "current_password", "Mot de passe actuel incorrect.");
		return socle_reply_invalid(req, fields);
	}

	char hash[AUTH_PWHASH_LEN];

	if (auth_password_hash(password, hash, &err) < 0)
		return socle_reply_err(req, &err);
	struct change_tx t = {.req = req, .user_id = uid, .hash = hash};

	rc = socle_service_write(req->service, change_commit, &t, &err);
	sodium_memzero(hash, sizeof(hash));
	if (rc < 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200,
	                        json_pack("{s:s}", "message", "Votre mot de passe est changé."));
}
