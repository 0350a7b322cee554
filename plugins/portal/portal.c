/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* portal: the web spaces of a service (espace adhérent, espace salarié).
 *
 * Most of the plugin is its web/ folder: the shell every page shares (layout,
 * navigation, the service's identity, sign-in, session expiry), the home
 * pages of both spaces, and the extension point through which other plugins
 * add their sections (docs/portal.md). Its C part holds what no other plugin
 * owns: how an employee account comes to exist.
 *
 * An employee account is activated only with a code the service gives the
 * worker (handed at the visit, or printed on a letter the service sends):
 * never through an address the employer typed, since the employer must not
 * be able to open, or read, the worker's space. The code is 10 characters,
 * valid 60 days, used once, stored hashed; the activation also asks the
 * worker's birth date, and is under the public throttling of the client
 * address. The worker chooses the account's address and password. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include <socle/membership.h>
#include <socle/socle.h>

#define CODE_CHARS 10
#define CODE_VALID_DAYS 60
/* No 0/O, 1/I/L: the code is read aloud or copied from paper. */
static const char code_alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

static const struct membership_v1 *M;

static const struct socle_migration portal_migrations[] = {
	{1, "CREATE TABLE portal_activation ("
	    "  id INTEGER PRIMARY KEY,"
	    "  worker_id INTEGER NOT NULL,"
	    "  code_hash TEXT NOT NULL UNIQUE,"
	    "  created_at INTEGER NOT NULL,"
	    "  created_by INTEGER NOT NULL,"
	    "  expires_at INTEGER NOT NULL,"
	    "  used_at INTEGER,"
	    "  user_id INTEGER);"
	    "CREATE INDEX portal_activation_worker ON portal_activation (worker_id);"
	    /* The worker's own contact details and SMS consent: recorded by the
	     * worker, or by staff on the worker's word (recorded_by says which). */
	    "CREATE TABLE portal_worker_contact ("
	    "  worker_id INTEGER PRIMARY KEY,"
	    "  phone TEXT,"
	    "  sms_consent INTEGER NOT NULL DEFAULT 0 CHECK (sms_consent IN (0, 1)),"
	    "  recorded_by TEXT NOT NULL CHECK (recorded_by IN ('worker', 'staff')),"
	    "  recorded_by_user INTEGER NOT NULL,"
	    "  updated_at INTEGER NOT NULL);"},
	/* Wrong birth dates given with a valid code: the fifth burns the code. */
	{2, "ALTER TABLE portal_activation ADD COLUMN failed INTEGER NOT NULL DEFAULT 0;"},
};

#define ACTIVATION_TRIES 5

/* The code without spaces or dashes, in capitals: what the worker typed, as
 * stored. false when it is not made of the alphabet's characters. */
static bool code_normalize(const char *in, char out[CODE_CHARS + 1])
{
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		char c = *p;

		if (c == ' ' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (strchr(code_alphabet, c) == NULL || c == '\0' || n == CODE_CHARS)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == CODE_CHARS;
}

static void code_hash(const char *code, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)code, strlen(code));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* ---- POST /portal/workers/{id}/activation-code (staff) ---------------------------------- */

struct code_tx {
	socle_req *req;
	int64_t worker;
	char code[CODE_CHARS + 1];
	int64_t expires_at;
};

/* 1 when an employee account is bound to the worker, 0 when none, < 0 on error. */
static int worker_has_account(socle_db *db, int64_t worker, socle_err *err)
{
	json_t *users = socle_users_list(db, SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYEE), "worker", worker,
	                                 0, 1, err);

	if (users == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	int n = json_array_size(users) > 0;

	json_decref(users);
	return n;
}

static int code_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct code_tx *t = ud;
	int64_t now = socle_now_ms();
	char hash[65];
	int open = worker_has_account(wdb, t->worker, err);

	if (open < 0)
		return open;
	/* One employee account a worker: a second code would open a second
	 * door to the same medical file, unknown to the first. */
	if (open)
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Ce salarié a déjà ouvert son espace salarié. S'il n'y accède "
		                     "plus, il choisit « Mot de passe oublié » ou « Recevoir un code » "
		                     "avec l'adresse qu'il a donnée.");

	for (size_t i = 0; i < CODE_CHARS; i++)
		t->code[i] = code_alphabet[randombytes_uniform(sizeof(code_alphabet) - 1)];
	t->code[CODE_CHARS] = '\0';
	code_hash(t->code, hash);
	t->expires_at = now + (int64_t)CODE_VALID_DAYS * 86400000;
	/* A new code replaces the worker's unused ones (a lost paper). */
	int rc = socle_db_run_new(wdb,
	                          "UPDATE portal_activation SET used_at = :now"
	                          " WHERE worker_id = :w AND used_at IS NULL",
	                          json_pack("{s:I, s:I}", "now", (json_int_t)now, "w",
	                                    (json_int_t)t->worker),
	                          err);
	if (rc < 0)
		return rc;
	rc = socle_db_run_new(wdb,
	                      "INSERT INTO portal_activation (worker_id, code_hash, created_at,"
	                      " created_by, expires_at) VALUES (:w, :h, :now, :by, :exp)",
	                      json_pack("{s:I, s:s, s:I, s:I, s:I}", "w", (json_int_t)t->worker,
	                                "h", hash, "now", (json_int_t)now, "by",
	                                (json_int_t)socle_principal_user_id(
	                                        socle_req_principal(t->req)),
	                                "exp", (json_int_t)t->expires_at),
	                      err);
	if (rc < 0)
		return rc;
	struct socle_audit_entry e = {.action = "portal.activation_code.create",
	                              .object_type = "worker", .object_id = t->worker,
	                              .outcome = "ok"};

	return socle_audit(wdb, t->req, &e, err);
}

static int activation_code_create(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	struct code_tx t = {.req = req};

	if (socle_req_param_id(req, "id", &t.worker) != 0)
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *w = M->worker_get(db, t.worker, &err);

	if (w == NULL)
		return socle_reply_err(req, &err);
	char name[256];

	snprintf(name, sizeof(name), "%s %s", json_string_value(json_object_get(w, "first_name")),
	         json_string_value(json_object_get(w, "last_name")));
	json_decref(w);
	if (socle_service_write(socle_req_service(req), code_commit, &t, &err) != 0)
		return socle_reply_err(req, &err);

	char today[SOCLE_DATE_SIZE], until[SOCLE_DATE_SIZE], until_fr[SOCLE_DATE_FR_SIZE];
	char display[CODE_CHARS + 2];

	socle_date_today(today);
	socle_date_add_days(today, CODE_VALID_DAYS, until);
	socle_date_fr(until, until_fr);
	snprintf(display, sizeof(display), "%.5s-%.5s", t.code, t.code + 5);
	char text[700];

	snprintf(text, sizeof(text),
	         "Pour ouvrir votre espace salarié, allez sur la page « Activer mon espace » du "
	         "site du service, puis saisissez ce code, votre date de naissance, l'adresse "
	         "e-mail de votre choix et un mot de passe. Code : %s, valable jusqu'au %s, une "
	         "seule fois. Votre employeur n'a pas accès à cet espace.",
	         display, until_fr);
	json_t *out = json_pack("{s:I, s:s, s:s, s:s, s:s}", "worker_id", (json_int_t)t.worker,
	                        "worker_name", name, "code", display, "expires_on", until,
	                        "instructions", text);

	sodium_memzero(t.code, sizeof(t.code));
	return socle_reply_json(req, 201, out);
}

/* ---- POST /portal/activate (public) ------------------------------------------------------ */

static const struct socle_field activate_fields[] = {
	{.name = "code", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 32},
	{.name = "birth_date", .type = SOCLE_F_DATE, .required = true},
	{.name = "email", .type = SOCLE_F_EMAIL, .required = true, .min = 3, .max = 254},
	{.name = "password", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 1024},
};

struct activate_tx {
	socle_req *req;
	const char *hash;
	const char *birth_date;
	const char *email;
	const char *password;
	json_t *errors;
	int64_t worker;
	int64_t user_id;
	bool wrong; /* no such code, or not this birth date: answered 422, the count kept */
};

static int activate_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct activate_tx *t = ud;
	int64_t now = socle_now_ms();
	json_t *rows = socle_db_query_new(wdb,
	                                  "SELECT id, worker_id FROM portal_activation"
	                                  " WHERE code_hash = :h AND used_at IS NULL"
	                                  " AND expires_at > :now",
	                                  json_pack("{s:s, s:I}", "h", t->hash, "now",
	                                            (json_int_t)now),
	                                  err);
	if (rows == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	const json_t *row = json_array_get(rows, 0);
	int64_t id = json_integer_value(json_object_get(row, "id"));

	t->worker = json_integer_value(json_object_get(row, "worker_id"));
	json_decref(rows);
	json_t *w = id ? M->worker_get(wdb, t->worker, err) : NULL;

	/* A wrong code and a wrong birth date answer the same: the form does not
	 * tell which of the two a guesser got right. */
	const char *born = w ? json_string_value(json_object_get(w, "birth_date")) : NULL;

	if (w == NULL || born == NULL || strcmp(born, t->birth_date) != 0) {
		json_decref(w);
		if (id != 0 && err->code != 0 && err->code != SOCLE_E_NOTFOUND)
			return err->code;
		/* Committed (the transaction returns 0): a valid code tried with
		 * wrong birth dates is burnt at the fifth, so the date cannot be
		 * guessed from many addresses. */
		if (id != 0) {
			int rc = socle_db_run_new(wdb,
			                          "UPDATE portal_activation SET failed = failed + 1,"
			                          " used_at = CASE WHEN failed + 1 >= :max THEN :now"
			                          " ELSE used_at END WHERE id = :id",
			                          json_pack("{s:i, s:I, s:I}", "max", ACTIVATION_TRIES,
			                                    "now", (json_int_t)now, "id", (json_int_t)id),
			                          err);
			if (rc < 0)
				return rc;
		}
		t->wrong = true;
		return 0;
	}
	char name[256];

	snprintf(name, sizeof(name), "%s %s", json_string_value(json_object_get(w, "first_name")),
	         json_string_value(json_object_get(w, "last_name")));
	json_decref(w);
	/* An account opened meanwhile (another code, or by the service): this
	 * code is spent, nothing else changes. */
	int open = worker_has_account(wdb, t->worker, err);

	if (open < 0)
		return open;
	if (open) {
		socle_field_error(&t->errors, "code",
		                  "Votre espace salarié est déjà ouvert : connectez-vous avec "
		                  "l'adresse choisie, ou choisissez « Mot de passe oublié ».");
		return SOCLE_E_INVAL;
	}
	int64_t uid = socle_user_create(wdb, t->email, name, SOCLE_ROLE_EMPLOYEE, t->password, err);

	if (uid == SOCLE_E_EXISTS) {
		socle_field_error(&t->errors, "email",
		                  "Un compte existe déjà à cette adresse : choisissez-en une autre, ou "
		                  "connectez-vous avec elle.");
		return SOCLE_E_INVAL;
	}
	if (uid == SOCLE_E_INVAL) {
		/* The core checks both the address and the password: say which. */
		socle_field_error(&t->errors, strstr(err->msg, "e-mail") ? "email" : "password", "%s",
		                  err->msg);
		return SOCLE_E_INVAL;
	}
	if (uid < 0)
		return (int)uid;
	int rc = socle_user_bind(wdb, uid, "worker", t->worker, err);

	if (rc == 0)
		rc = socle_db_run_new(wdb,
		                      "UPDATE portal_activation SET used_at = :now, user_id = :u"
		                      " WHERE id = :id",
		                      json_pack("{s:I, s:I, s:I}", "now", (json_int_t)now, "u",
		                                (json_int_t)uid, "id", (json_int_t)id),
		                      err);
	if (rc < 0)
		return rc;
	t->user_id = uid;
	struct socle_audit_entry e = {.action = "portal.employee.activate",
	                              .object_type = "worker", .object_id = t->worker,
	                              .outcome = "ok"};

	rc = socle_audit(wdb, t->req, &e, err);
	if (rc == 0) {
		json_t *ev = json_pack("{s:I, s:I}", "worker_id", (json_int_t)t->worker, "user_id",
		                       (json_int_t)uid);

		rc = socle_event_emit(wdb, "portal.employee_activated", ev, err);
		json_decref(ev);
	}
	return rc;
}

static int activate(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *body = socle_req_body(req);
	char code[CODE_CHARS + 1], hash[65];

	if (socle_fields_check(body, activate_fields, SOCLE_COUNT(activate_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	if (socle_req_throttle(req, "portal.activate", &err) != 0)
		return socle_reply_err(req, &err);
	if (!code_normalize(json_string_value(json_object_get(body, "code")), code)) {
		socle_field_error(&errors, "code",
		                  "Le code a 10 caractères (lettres et chiffres), par exemple "
		                  "ABCDE-23456.");
		return socle_reply_invalid(req, errors);
	}
	code_hash(code, hash);
	struct activate_tx t = {
		.req = req,
		.hash = hash,
		.birth_date = json_string_value(json_object_get(body, "birth_date")),
		.email = json_string_value(json_object_get(body, "email")),
		.password = json_string_value(json_object_get(body, "password")),
	};
	int rc = socle_service_write(socle_req_service(req), activate_commit, &t, &err);

	if (rc == 0 && t.wrong) {
		socle_field_error(&t.errors, "code",
		                  "Code ou date de naissance incorrects, ou code expiré : "
		                  "vérifiez-les, ou demandez un nouveau code au service.");
		return socle_reply_invalid(req, t.errors);
	}
	if (rc == SOCLE_E_INVAL && t.errors)
		return socle_reply_invalid(req, t.errors);
	json_decref(t.errors);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(
		req, 201,
		json_pack("{s:I, s:s}", "worker_id", (json_int_t)t.worker, "message",
		          "Votre espace salarié est ouvert : connectez-vous avec votre adresse et "
		          "votre mot de passe."));
}

/* ---- the worker's contact and SMS consent ------------------------------------------------ */

static const struct socle_field contact_fields[] = {
	{.name = "phone", .type = SOCLE_F_STRING, .required = false, .min = 0, .max = 20},
	{.name = "sms_consent", .type = SOCLE_F_BOOL, .required = true},
};

/* The worker itself, or staff (on the worker's word). */
static bool contact_allowed(socle_req *req, int64_t worker, bool *by_worker)
{
	const socle_principal *who = socle_req_principal(req);
	int role = socle_principal_role(who);

	*by_worker = role == SOCLE_ROLE_EMPLOYEE && socle_principal_has_scope(who, "worker", worker);
	return *by_worker || (SOCLE_ROLE_BIT(role) & SOCLE_ROLES_STAFF);
}

/* The refusal (audited by the route layer). A reply returns 0: the handler
 * must return it at once, never go on (it once did, and wrote). */
static int contact_refuse(socle_req *req)
{
	return socle_reply_error(req, 403, "forbidden",
	                         "Seul le salarié, ou le service de sa part, renseigne ces choix.");
}

static int contact_get(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	int64_t worker;
	bool by_worker;

	if (socle_req_param_id(req, "id", &worker) != 0)
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	if (!contact_allowed(req, worker, &by_worker))
		return contact_refuse(req);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db,
	                                       "SELECT phone, sms_consent, recorded_by, updated_at"
	                                       " FROM portal_worker_contact WHERE worker_id = :w",
	                                       json_pack("{s:I}", "w", (json_int_t)worker), &err)
	                  : NULL;

	if (rows == NULL)
		return socle_reply_err(req, &err);
	const json_t *r = json_array_get(rows, 0);
	json_t *out = json_pack("{s:I, s:O?, s:b, s:O?}", "worker_id", (json_int_t)worker, "phone",
	                        r ? json_object_get(r, "phone") : NULL, "sms_consent",
	                        r && json_integer_value(json_object_get(r, "sms_consent")),
	                        "recorded_by", r ? json_object_get(r, "recorded_by") : NULL);

	json_decref(rows);
	return socle_reply_json(req, 200, out);
}

struct contact_tx {
	socle_req *req;
	int64_t worker;
	const char *phone;
	bool consent;
	bool by_worker;
};

static int contact_commit(socle_db *wdb, void *ud, socle_err *err)
{
	struct contact_tx *t = ud;
	int rc = socle_db_run_new(
		wdb,
		"INSERT INTO portal_worker_contact (worker_id, phone, sms_consent, recorded_by,"
		" recorded_by_user, updated_at) VALUES (:w, :p, :c, :by, :u, :now)"
		" ON CONFLICT (worker_id) DO UPDATE SET phone = :p, sms_consent = :c,"
		" recorded_by = :by, recorded_by_user = :u, updated_at = :now",
		json_pack("{s:I, s:s?, s:b, s:s, s:I, s:I}", "w", (json_int_t)t->worker, "p",
		          t->phone, "c", t->consent, "by", t->by_worker ? "worker" : "staff", "u",
		          (json_int_t)socle_principal_user_id(socle_req_principal(t->req)), "now",
		          (json_int_t)socle_now_ms()),
		err);
	if (rc < 0)
		return rc;
	json_t *detail = json_pack("{s:b, s:s}", "sms_consent", t->consent, "recorded_by",
	                           t->by_worker ? "worker" : "staff");
	struct socle_audit_entry e = {.action = "portal.contact.update", .object_type = "worker",
	                              .object_id = t->worker, .outcome = "ok", .detail = detail};

	rc = socle_audit(wdb, t->req, &e, err);
	json_decref(detail);
	if (rc != 0)
		return rc;
	/* Tracking keeps its own copy for the reminders by SMS (it does not
	 * require the portal: the data comes by this event, never by a read). */
	json_t *ev = json_pack("{s:I, s:s?, s:b}", "worker_id", (json_int_t)t->worker, "phone",
	                       t->phone, "sms_consent", t->consent);
	rc = ev ? socle_event_emit(wdb, "portal.contact_changed", ev, err)
	        : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(ev);
	return rc;
}

static int contact_put(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *body = socle_req_body(req);
	struct contact_tx t = {.req = req};

	if (socle_req_param_id(req, "id", &t.worker) != 0)
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	if (!contact_allowed(req, t.worker, &t.by_worker))
		return contact_refuse(req);
	if (socle_fields_check(body, contact_fields, SOCLE_COUNT(contact_fields), NULL, &errors) >
	    0)
		return socle_reply_invalid(req, errors);
	t.phone = json_string_value(json_object_get(body, "phone"));
	if (t.phone && *t.phone == '\0')
		t.phone = NULL;
	if (t.phone && strspn(t.phone, "+0123456789 ") != strlen(t.phone))
		socle_field_error(&errors, "phone",
		                  "Numéro de téléphone : des chiffres, espaces et + seulement.");
	t.consent = json_is_true(json_object_get(body, "sms_consent"));
	if (t.consent && t.phone == NULL)
		socle_field_error(&errors, "phone",
		                  "Pour recevoir des SMS, indiquez un numéro de téléphone portable.");
	if (errors)
		return socle_reply_invalid(req, errors);
	if (socle_service_write(socle_req_service(req), contact_commit, &t, &err) != 0)
		return socle_reply_err(req, &err);
	return contact_get(req, NULL);
}

static const struct socle_route portal_routes[] = {
	{SOCLE_POST, "/portal/workers/{id}/activation-code", "portal.activation", 1024,
	 activation_code_create, NULL},
	{SOCLE_POST, "/portal/activate", SOCLE_CAP_PUBLIC, 4096, activate, NULL},
	/* The worker itself, or staff: checked inside. */
	{SOCLE_GET, "/portal/workers/{id}/contact", SOCLE_CAP_AUTHENTICATED, 0, contact_get, NULL},
	{SOCLE_PUT, "/portal/workers/{id}/contact", SOCLE_CAP_AUTHENTICATED, 1024, contact_put,
	 NULL},
};

static const struct socle_route_doc portal_docs[] = {
	{SOCLE_POST, "/portal/workers/{id}/activation-code",
	 "Créer le code d'activation de l'espace salarié, à remettre au salarié.", NULL, 0, NULL, 0,
	 "Le code (valable 60 jours, une fois) et la phrase à donner au salarié."},
	{SOCLE_POST, "/portal/activate",
	 "Ouvrir son espace salarié avec le code remis par le service.", activate_fields,
	 SOCLE_COUNT(activate_fields), NULL, 0, "Le compte est créé, rattaché au salarié."},
	{SOCLE_GET, "/portal/workers/{id}/contact", "Le téléphone du salarié et son accord pour les SMS.",
	 NULL, 0, NULL, 0, NULL},
	{SOCLE_PUT, "/portal/workers/{id}/contact",
	 "Enregistrer le téléphone et l'accord pour les SMS (le salarié, ou le service de sa part).",
	 contact_fields, SOCLE_COUNT(contact_fields), NULL, 0, NULL},
};

static const struct socle_event_decl portal_events[] = {
	{"portal.employee_activated", "worker_id, user_id",
	 "Un salarié a ouvert son espace avec le code remis par le service."},
	{"portal.contact_changed", "worker_id, phone, sms_consent",
	 "Le salarié (ou le service de sa part) a changé son numéro de portable ou son accord "
	 "pour recevoir des SMS."},
};

static int portal_init(socle_plugin *p, socle_err *err)
{
	int rc;

	M = socle_plugin_import(p, MEMBERSHIP_V1_NAME, MEMBERSHIP_V1_MAJOR, sizeof(*M), 0, err);
	if (M == NULL)
		return err->code;
	if ((rc = socle_plugin_add_migrations(p, portal_migrations,
	                                      SOCLE_COUNT(portal_migrations), err)) ||
	    /* The service's staff who meet the worker: health professionals and
	     * medical assistants, and the service's administrators. */
	    (rc = socle_plugin_add_capability(
		     p, "portal.activation",
		     SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN) | SOCLE_ROLES_HEALTH |
			     SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_MEDICAL),
		     err)) ||
	    (rc = socle_plugin_add_routes(p, portal_routes, SOCLE_COUNT(portal_routes), err)) ||
	    (rc = socle_plugin_describe_routes(p, portal_docs, SOCLE_COUNT(portal_docs), err)) ||
	    (rc = socle_plugin_declare_events(p, portal_events, SOCLE_COUNT(portal_events), err)))
		return rc;
	return 0;
}

static const char *const portal_requires[] = {"membership", NULL};

SOCLE_PLUGIN_DEFINE(portal,
	.version = "0.1.0",
	.summary = "Espaces web : espace adhérent et espace salarié, connexion par code",
	.requires = portal_requires,
	.init = portal_init);
