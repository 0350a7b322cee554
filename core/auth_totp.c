/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The second factor of staff accounts: TOTP (RFC 6238) with recovery codes.
 *
 * Why: a password alone guards the medical files of thousands of workers; the
 * service's team signs in every day, from shared machines too. Any
 * authenticator application reads the otpauth:// address (or the secret typed
 * by hand): HMAC-SHA-1, 6 digits, 30 seconds, the defaults every application
 * implements (RFC 6238 §4; SHA-1 is what they all accept, and its weaknesses
 * do not reach HMAC).
 *
 * Rules (docs/http.md, "Second factor"):
 *  - enrolment: POST /auth/me/totp gives a new secret (pending); the first
 *    right code (POST /auth/me/totp/confirm) turns it on and answers ten
 *    recovery codes, shown once, stored as SHA-256 of the account and the code;
 *  - from then on every sign-in of the account (password or code by mail)
 *    asks for a code of the application or a recovery code (each recovery
 *    code works once); a code is accepted one step either side of the
 *    server's clock and never twice (the last step used is kept), and a wrong
 *    one counts as a failed sign-in under the sign-in guard (throttle.c);
 *  - the roles a service names ("second_factor": {"required_roles": [...]},
 *    médecin and infirmier in practice) reach no medical data until they have
 *    enrolled (auth.c, socle_access_medical);
 *  - a lost phone: the service admin resets it (DELETE /auth/users/{id}/totp),
 *    which also closes the account's sessions; every step is audited.
 * The secret is stored as is: like a password reset link, whoever reads the
 * database could produce codes; the file's protection is the store's. */
#include <inttypes.h>
#include <nettle/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "core.h"
#include "http.h"

#define TOTP_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommendation */
#define TOTP_STEP_MS 30000
#define TOTP_DIGITS 6
#define RECOVERY_CODES 10
#define RECOVERY_CHARS 10

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* RFC 4648 base32 without padding; @p out holds 8 characters per 5 bytes + 1. */
static void base32(const unsigned char *in, size_t n, char *out)
{
	uint32_t buf = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = base32_alphabet[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = base32_alphabet[(buf << (5 - bits)) & 31];
	out[o] = '\0';
}

/* RFC 4226 §5.3: HOTP of @p counter, TOTP_DIGITS digits. */
uint32_t auth_totp_code(const unsigned char *secret, size_t len, uint64_t counter)
{
	struct hmac_sha1_ctx ctx;
	unsigned char msg[8], mac[SHA1_DIGEST_SIZE];

	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	hmac_sha1_set_key(&ctx, len, secret);
	hmac_sha1_update(&ctx, sizeof(msg), msg);
	hmac_sha1_digest(&ctx, sizeof(mac), mac);
	unsigned off = mac[SHA1_DIGEST_SIZE - 1] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
	               ((uint32_t)mac[off + 2] << 8) | mac[off + 3];

	sodium_memzero(&ctx, sizeof(ctx));
	return bin % 1000000u;
}

/* SHA-256 of "<user id>:<recovery code>", hex: a stolen database gives none. */
static void recovery_hash(int64_t user_id, const char *code, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char in[64];
	int n = snprintf(in, sizeof(in), "%" PRId64 ":%s", user_id, code);

	crypto_hash_sha256(h, (const unsigned char *)in, (unsigned long long)n);
	sodium_bin2hex(out, 65, h, sizeof(h));
	sodium_memzero(in, sizeof(in));
}

/* What a person typed, kept to letters and digits, upper case ("abcd-e 23" ->
 * "ABCDE23"); false when something else is in it or it is too long. */
static bool normalize_code(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; in && *in; in++) {
		char c = *in;

		if (c == ' ' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) || o + 1 >= size)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return o > 0;
}

/* ------------------------------------------------------------ the state */

struct totp_row {
	unsigned char secret[TOTP_SECRET_BYTES];
	bool found, confirmed;
	int64_t last_step;
};

static int totp_read(socle_db *db, int64_t user_id, struct totp_row *r, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, "SELECT secret, confirmed_at, last_step FROM core_totp"
	                                      " WHERE user_id = :u", err);

	memset(r, 0, sizeof(*r));
	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":u", user_id);
	int rc = socle_stmt_step(st, err);

	if (rc == 1) {
		const char *hex = socle_stmt_text(st, 0);
		size_t bin_len = 0;

		r->found = hex && sodium_hex2bin(r->secret, sizeof(r->secret), hex, strlen(hex), NULL,
		                                 &bin_len, NULL) == 0 && bin_len == TOTP_SECRET_BYTES;
		r->confirmed = !socle_stmt_is_null(st, 1);
		r->last_step = socle_stmt_is_null(st, 2) ? 0 : socle_stmt_int(st, 2);
	}
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

int auth_totp_enabled(socle_db *db, int64_t user_id, socle_err *err)
{
	struct totp_row r;
	int rc = totp_read(db, user_id, &r, err);

	sodium_memzero(r.secret, sizeof(r.secret));
	return rc < 0 ? rc : r.found && r.confirmed;
}

/* The step of @p code within one step of now, later than the last used; -1. */
static int64_t matching_step(const struct totp_row *r, const char *code)
{
	int64_t now = socle_now_ms() / TOTP_STEP_MS;
	char want[TOTP_DIGITS + 1];

	for (int64_t s = now - 1; s <= now + 1; s++) {
		if (s <= r->last_step)
			continue;
		snprintf(want, sizeof(want), "%06" PRIu32, auth_totp_code(r->secret, TOTP_SECRET_BYTES,
		                                                         (uint64_t)s));
		if (sodium_memcmp(want, code, TOTP_DIGITS) == 0 && strlen(code) == TOTP_DIGITS)
			return s;
	}
	return -1;
}

/* One audit row about a user account, by the requester. */
static int audit_user_action(socle_db *wdb, socle_req *req, const char *action, int64_t user_id,
                             socle_err *err)
{
	struct socle_audit_entry e = {.action = action, .object_type = "user", .object_id = user_id,
	                              .outcome = "ok"};

	return socle_audit(wdb, req, &e, err);
}

struct check_tx {
	int64_t user_id;
	const char *code;
	int verdict; /* 0 not enrolled, 1 accepted, 2 refused */
	socle_req *req;
};

static int check_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct check_tx *t = ud;
	struct totp_row r;
	char code[32];
	int rc = totp_read(wdb, t->user_id, &r, err);

	if (rc < 0)
		return rc;
	t->verdict = 0;
	if (!r.found || !r.confirmed)
		goto out;
	t->verdict = 2;
	if (!normalize_code(t->code, code, sizeof(code)))
		goto out;
	int64_t step = strlen(code) == TOTP_DIGITS ? matching_step(&r, code) : -1;

	if (step > 0) {
		json_t *p = json_pack("{s:I, s:I}", "u", (json_int_t)t->user_id, "s", (json_int_t)step);

		rc = socle_db_run_new(wdb, "UPDATE core_totp SET last_step = :s WHERE user_id = :u",
		                      p, err);
		t->verdict = rc < 0 ? 2 : 1;
	} else if (strlen(code) == RECOVERY_CHARS) {
		char hash[65];

		recovery_hash(t->user_id, code, hash);
		json_t *p = json_pack("{s:I, s:s, s:I}", "u", (json_int_t)t->user_id, "h", hash, "now",
		                      (json_int_t)socle_now_ms());

		rc = socle_db_run_new(wdb, "UPDATE core_totp_recovery SET used_at = :now"
		                           " WHERE user_id = :u AND code_hash = :h AND used_at IS NULL",
		                      p, err);
		if (rc > 0) {
			rc = audit_user_action(wdb, t->req, "auth.totp.recovery_used", t->user_id, err);
			t->verdict = rc < 0 ? 2 : 1;
		}
	}
out:
	sodium_memzero(r.secret, sizeof(r.secret));
	sodium_memzero(code, sizeof(code));
	return rc < 0 ? rc : 0;
}

int auth_totp_check(socle_req *req, int64_t user_id, const char *code, socle_err *err)
{
	struct check_tx t = {.user_id = user_id, .code = code, .req = req};

	if (socle_service_write(req->service, check_commit, &t, err) < 0)
		return err->code ? err->code : SOCLE_E_STORE;
	return t.verdict;
}

bool auth_totp_required(const socle_service *svc, int role)
{
	return (svc->second_factor_roles & SOCLE_ROLE_BIT(role)) != 0;
}

/* ------------------------------------------------------------ the routes */

/* GET /auth/me/totp: {enabled, required} */
static int route_status(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	const socle_principal *who = socle_req_principal(req);
	socle_db *db = socle_req_reader(req, &err);
	int on = db ? auth_totp_enabled(db, who->user_id, &err) : SOCLE_E_STORE;

	if (on < 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200,
	                        json_pack("{s:b, s:b}", "enabled", on, "required",
	                                  auth_totp_required(req->service, who->role)));
}

struct enrol_tx {
	socle_req *req;
	int64_t user_id;
	unsigned char secret[TOTP_SECRET_BYTES];
};

static int enrol_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct enrol_tx *t = ud;
	int on = auth_totp_enabled(wdb, t->user_id, err);

	if (on < 0)
		return on;
	if (on)
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "La double authentification est déjà active sur ce compte : pour "
		                     "changer de téléphone, demandez sa réinitialisation à "
		                     "l'administrateur du service.");
	char hex[2 * TOTP_SECRET_BYTES + 1];

	sodium_bin2hex(hex, sizeof(hex), t->secret, sizeof(t->secret));
	json_t *p = json_pack("{s:I, s:s, s:I}", "u", (json_int_t)t->user_id, "s", hex, "now",
	                      (json_int_t)socle_now_ms());
	int rc = socle_db_run_new(wdb,
	                          "INSERT INTO core_totp (user_id, secret, created_at) VALUES"
	                          " (:u, :s, :now) ON CONFLICT (user_id) DO UPDATE SET"
	                          " secret = excluded.secret, created_at = excluded.created_at,"
	                          " confirmed_at = NULL, last_step = 0",
	                          p, err);

	sodium_memzero(hex, sizeof(hex));
	if (rc < 0)
		return rc;
	return audit_user_action(wdb, t->req, "auth.totp.enrol", t->user_id, err);
}

/* POST /auth/me/totp: a new pending secret, as text and as an otpauth:// URI. */
static int route_enrol(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	const socle_principal *who = socle_req_principal(req);
	struct enrol_tx t = {.req = req, .user_id = who->user_id};

	if (!(SOCLE_ROLE_BIT(who->role) & SOCLE_ROLES_STAFF))
		return socle_reply_error(req, 403, "forbidden",
		                         "La double authentification concerne les comptes de l'équipe "
		                         "du service.");
	randombytes_buf(t.secret, sizeof(t.secret));
	int rc = socle_service_write(req->service, enrol_commit, &t, &err);

	if (rc < 0) {
		sodium_memzero(t.secret, sizeof(t.secret));
		if (rc == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409, "conflict", err.msg);
		return socle_reply_err(req, &err);
	}
	char b32[64], grouped[80], uri[512], issuer[128];
	size_t g = 0;

	base32(t.secret, sizeof(t.secret), b32);
	sodium_memzero(t.secret, sizeof(t.secret));
	for (size_t i = 0; b32[i]; i++) {
		if (i > 0 && i % 4 == 0)
			grouped[g++] = ' ';
		grouped[g++] = b32[i];
	}
	grouped[g] = '\0';
	/* The issuer as applications show it: the service's name, letters kept. */
	size_t n = 0;

	for (const char *s = socle_service_name(req->service); *s && n + 4 < sizeof(issuer); s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.')
			issuer[n++] = (char)c;
		else if (c == ' ' && n > 0 && issuer[n - 1] != '-')
			issuer[n++] = '-';
	}
	issuer[n] = '\0';
	snprintf(uri, sizeof(uri),
	         "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=30",
	         issuer, socle_principal_email(who), b32, issuer);
	json_t *out = json_pack("{s:s, s:s, s:s}", "secret", grouped, "otpauth_uri", uri,
	                        "instructions",
	                        "Ajoutez ce compte dans votre application d'authentification "
	                        "(FreeOTP, Aegis, Google Authenticator...) en saisissant la clé, "
	                        "puis confirmez avec le code à 6 chiffres qu'elle affiche.");

	sodium_memzero(b32, sizeof(b32));
	sodium_memzero(grouped, sizeof(grouped));
	sodium_memzero(uri, sizeof(uri));
	return out ? socle_reply_json(req, 201, out) : SOCLE_E_NOMEM;
}

struct confirm_tx {
	socle_req *req;
	int64_t user_id;
	const char *code;
	bool wrong;
	char codes[RECOVERY_CODES][RECOVERY_CHARS + 1];
};

static int confirm_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct confirm_tx *t = ud;
	struct totp_row r;
	char code[16];
	int rc = totp_read(wdb, t->user_id, &r, err);

	if (rc < 0)
		return rc;
	if (!r.found || r.confirmed) {
		sodium_memzero(r.secret, sizeof(r.secret));
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     r.found ? "La double authentification est déjà active."
		                             : "Commencez par demander une clé (POST /auth/me/totp).");
	}
	int64_t step = normalize_code(t->code, code, sizeof(code)) ? matching_step(&r, code) : -1;

	sodium_memzero(r.secret, sizeof(r.secret));
	if (step < 0) {
		t->wrong = true;
		return SOCLE_E_INVAL;
	}
	json_t *p = json_pack("{s:I, s:I, s:I}", "u", (json_int_t)t->user_id, "s", (json_int_t)step,
	                      "now", (json_int_t)socle_now_ms());

	rc = socle_db_run_new(wdb, "UPDATE core_totp SET confirmed_at = :now, last_step = :s"
	                           " WHERE user_id = :u", json_incref(p), err);
	if (rc >= 0)
		rc = socle_db_run_new(wdb, "DELETE FROM core_totp_recovery WHERE user_id = :u",
		                      json_pack("{s:I}", "u", (json_int_t)t->user_id), err);
	json_decref(p);
	for (int i = 0; rc >= 0 && i < RECOVERY_CODES; i++) {
		char hash[65];

		for (int k = 0; k < RECOVERY_CHARS; k++)
			t->codes[i][k] = base32_alphabet[randombytes_uniform(32)];
		t->codes[i][RECOVERY_CHARS] = '\0';
		recovery_hash(t->user_id, t->codes[i], hash);
		rc = socle_db_run_new(wdb, "INSERT INTO core_totp_recovery (user_id, code_hash)"
		                           " VALUES (:u, :h)",
		                      json_pack("{s:I, s:s}", "u", (json_int_t)t->user_id, "h", hash),
		                      err);
	}
	if (rc < 0)
		return rc;
	return audit_user_action(wdb, t->req, "auth.totp.enable", t->user_id, err);
}

static const struct socle_field confirm_fields[] = {
	{.name = "code", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 16},
};

/* POST /auth/me/totp/confirm {code}: on, with ten recovery codes shown once. */
static int route_confirm(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	json_t *fields = NULL;
	const socle_principal *who = socle_req_principal(req);

	if (socle_fields_check(socle_req_body(req), confirm_fields, SOCLE_COUNT(confirm_fields),
	                       NULL, &fields) > 0)
		return socle_reply_invalid(req, fields);
	struct confirm_tx t = {.req = req, .user_id = who->user_id,
	                       .code = json_string_value(json_object_get(socle_req_body(req),
	                                                                 "code"))};
	int rc = socle_service_write(req->service, confirm_commit, &t, &err);

	if (t.wrong) {
		socle_field_error(&fields, "code", "Code incorrect : saisissez le code à 6 chiffres "
		                  "affiché maintenant par l'application (l'heure du téléphone doit être "
		                  "juste).");
		return socle_reply_invalid(req, fields);
	}
	if (rc == SOCLE_E_CONFLICT)
		return socle_reply_error(req, 409, "conflict", err.msg);
	if (rc < 0)
		return socle_reply_err(req, &err);
	json_t *codes = json_array();

	for (int i = 0; codes && i < RECOVERY_CODES; i++) {
		char shown[RECOVERY_CHARS + 2];

		snprintf(shown, sizeof(shown), "%.5s-%.5s", t.codes[i], t.codes[i] + 5);
		json_array_append_new(codes, json_string(shown));
	}
	sodium_memzero(t.codes, sizeof(t.codes));
	json_t *out = json_pack("{s:b, s:o, s:s}", "enabled", 1, "recovery_codes", codes, "message",
	                        "Double authentification activée. Gardez ces codes de secours en "
	                        "lieu sûr : chacun remplace une fois le code de l'application si "
	                        "vous perdez votre téléphone. Ils ne seront plus affichés.");

	return out ? socle_reply_json(req, 200, out) : SOCLE_E_NOMEM;
}

struct reset_tx {
	socle_req *req;
	int64_t user_id;
	bool found;
};

static int reset_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct reset_tx *t = ud;
	json_t *p = json_pack("{s:I}", "u", (json_int_t)t->user_id);
	int rc = socle_db_run_new(wdb, "DELETE FROM core_totp WHERE user_id = :u", json_incref(p),
	                          err);

	t->found = rc > 0;
	if (rc >= 0)
		rc = socle_db_run_new(wdb, "DELETE FROM core_totp_recovery WHERE user_id = :u",
		                      json_incref(p), err);
	json_decref(p);
	if (rc < 0)
		return rc;
	if (!t->found)
		return 0;
	/* Whoever held the lost phone and a password keeps no open session. */
	if ((rc = auth_session_revoke_user(wdb, t->user_id, err)) < 0)
		return rc;
	return audit_user_action(wdb, t->req, "auth.totp.reset", t->user_id, err);
}

/* DELETE /auth/users/{id}/totp (service admin): a lost phone. */
static int route_reset(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	struct reset_tx t = {.req = req};

	if (socle_req_param_id(req, "id", &t.user_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Compte introuvable.");
	if (socle_principal_role(socle_req_principal(req)) != SOCLE_ROLE_SERVICE_ADMIN)
		return socle_reply_error(req, 403, "forbidden",
		                         "Seul l'administrateur du service réinitialise la double "
		                         "authentification d'un compte.");
	if (socle_service_write(req->service, reset_commit, &t, &err) < 0)
		return socle_reply_err(req, &err);
	if (!t.found)
		return socle_reply_error(req, 404, "not_found",
		                         "Ce compte n'a pas de double authentification.");
	auth_session_forget_user(req->service, t.user_id);
	return socle_reply_json(req, 200,
	                        json_pack("{s:b, s:s}", "enabled", 0, "message",
	                                  "Double authentification réinitialisée : la personne "
	                                  "l'active à nouveau depuis « Mon compte »."));
}

const struct socle_route auth_totp_routes[] = {
	{SOCLE_GET, "/auth/me/totp", SOCLE_CAP_AUTHENTICATED, 0, route_status, NULL},
	{SOCLE_POST, "/auth/me/totp", SOCLE_CAP_AUTHENTICATED, 1024, route_enrol, NULL},
	{SOCLE_POST, "/auth/me/totp/confirm", SOCLE_CAP_AUTHENTICATED, 1024, route_confirm, NULL},
	{SOCLE_DELETE, "/auth/users/{id}/totp", SOCLE_CAP_AUTHENTICATED, 0, route_reset, NULL},
};
const size_t auth_totp_routes_count = SOCLE_COUNT(auth_totp_routes);
