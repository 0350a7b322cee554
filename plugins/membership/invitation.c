/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Invitations of employer users: the account created or found, bound to the
 * company, its roles, the invitation token (only its SHA-256 is stored) and
 * the mail that carries it (membership_invite_user, used by the approval and
 * by an administrator adding a user), then the acceptance of the invitation
 * with the account's password. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "company.h"

#define DAY_MS (24 * 60 * 60 * 1000LL)
#define INVITATION_DAYS_DEFAULT 14

static int invitation_days(socle_service *svc)
{
	const json_t *v = json_object_get(membership_settings(svc), "invitation_days");

	if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 90)
		return (int)json_integer_value(v);
	return INVITATION_DAYS_DEFAULT;
}

int64_t membership_invite_user(socle_db *wdb, const struct membership_invite *iv, socle_err *err)
{
	socle_service *svc = socle_db_service(wdb);
	int64_t now = socle_now_ms();
	int role = 0, rc;
	int64_t uid = socle_user_find(wdb, iv->email, &role, err);

	if (uid < 0)
		return uid;
	if (uid > 0 && role != SOCLE_ROLE_EMPLOYER)
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Cette adresse appartient à un compte qui n'est pas un compte "
		                     "employeur : utilisez une autre adresse.");
	/* A new account cannot sign in before it accepts (no password): bound
	 * now. An existing one is bound only when its owner accepts the
	 * invitation: an administrator typing someone's address must not hand
	 * that person's account the company's data, nor the company theirs. */
	bool existing = uid > 0;

	if (!existing) {
		uid = socle_user_create(wdb, iv->email, iv->name, SOCLE_ROLE_EMPLOYER, NULL, err);
		if (uid < 0)
			return uid;
		if ((rc = socle_user_bind(wdb, uid, "company", iv->company_id, err)) < 0)
			return rc;
	}
	int flags[SOCLE_COUNT(membership_company_roles)];

	for (size_t k = 0; k < SOCLE_COUNT(membership_company_roles); k++) {
		flags[k] = iv->roles == NULL;
		for (size_t j = 0; iv->roles && j < json_array_size(iv->roles); j++)
			if (strcmp(json_string_value(json_array_get(iv->roles, j)), membership_company_roles[k].role) == 0)
				flags[k] = 1;
	}
	json_t *p = json_pack("{s:I, s:I, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:o}", "company_id",
	                      (json_int_t)iv->company_id, "user_id", (json_int_t)uid, "email",
	                      iv->email, "name", iv->name, "a", flags[0], "d", flags[1], "c",
	                      flags[2], "b", flags[3], "now", (json_int_t)now, "by",
	                      iv->invited_by ? json_integer(iv->invited_by) : json_null());

	rc = p ? socle_db_run(wdb,
		"INSERT INTO membership_company_user (company_id, user_id, email, name, role_admin,"
		" role_declaration, role_convocation, role_billing, invited_at, invited_by) VALUES"
		" (:company_id, :user_id, :email, :name, :a, :d, :c, :b, :now, :by)", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;

	char token[65], hash[65], expires[11];
	int days = invitation_days(svc);
	int64_t exp = now + days * DAY_MS;

	if ((rc = membership_token_new(token, err)) != 0)
		return rc;
	membership_sha256_hex(token, 64, hash);
	p = json_pack("{s:s, s:I, s:I, s:I, s:I}", "hash", hash, "company_id",
	              (json_int_t)iv->company_id, "user_id", (json_int_t)uid, "now", (json_int_t)now,
	              "exp", (json_int_t)exp);
	rc = p ? socle_db_run(wdb,
		"INSERT INTO membership_invitation (token_hash, company_id, user_id, created_at,"
		" expires_at) VALUES (:hash, :company_id, :user_id, :now, :exp)", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;

	time_t t = (time_t)(exp / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(expires, sizeof(expires), "%d/%m/%Y", &tm);
	const char *base = json_string_value(json_object_get(socle_service_identity(svc), "public_url"));
	char subject[300], *text = NULL, intro[1200], joined[SOCLE_DATE_FR_SIZE],
	     due[SOCLE_DATE_FR_SIZE];

	if (iv->member_number != NULL) {
		socle_date_fr(iv->joined_on, joined);
		socle_date_fr(iv->fiche_due_on, due);
		snprintf(subject, sizeof(subject), "Bienvenue à %s : votre adhésion est acceptée",
		         socle_service_name(svc));
		snprintf(intro, sizeof(intro),
		         "L'adhésion de %s à %s est acceptée.\n"
		         "Numéro d'adhérent : %s\n"
		         "Date d'adhésion : %s\n\n"
		         "Votre espace adhérent présente l'offre du service et ce que comprend votre\n"
		         "cotisation : %s/%s/portal/\n\n"
		         "L'équipe pluridisciplinaire établira la fiche d'entreprise au plus tard le %s\n"
		         "(dans l'année qui suit l'adhésion, article R4624-47 du code du travail).\n",
		         iv->legal_name, socle_service_name(svc), iv->member_number, joined,
		         base ? base : "", socle_service_id(svc), due);
	} else {
		snprintf(subject, sizeof(subject), "Invitation à l'espace adhérent de %s",
		         socle_service_name(svc));
		snprintf(intro, sizeof(intro),
		         "Vous êtes invité(e) à utiliser l'espace adhérent de %s pour l'entreprise %s.\n",
		         socle_service_name(svc), iv->legal_name);
	}
	if (asprintf(&text,
	             "Bonjour %s,\n\n%s\n"
	             "Pour activer votre compte, choisissez votre mot de passe en suivant ce lien,\n"
	             "valable jusqu'au %s (%d jours) :\n"
	             "%s/%s/portal/invitation.html?token=%s\n\n"
	             "Votre identifiant est votre adresse : %s\n\n"
	             "Si vous n'attendiez pas ce message, ignorez-le : rien ne sera activé.\n\n"
	             "%s\n",
	             iv->name, intro, expires, days, base ? base : "", socle_service_id(svc), token,
	             iv->email, socle_service_name(svc)) < 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	struct socle_mail mail = {.to = iv->email, .subject = subject, .text = text,
	                          .category = "invitation"};
	int64_t job = socle_mail_queue(wdb, &mail, 0, err);

	memset(text, 0, strlen(text)); /* the token is a secret until used */
	free(text);
	memset(token, 0, sizeof(token));
	return job < 0 ? job : uid;
}

/* ------------------------------------------------------------- invitations */

struct accept_tx {
	socle_req *req;
	const char *hash;
	const char *password;
	int64_t user_id, company_id;
	int gone;          /* 1 used, 2 expired, 3 revoked: answered 410 */
	json_t *errors;
};

static int accept_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct accept_tx *t = ud;
	int64_t now = socle_now_ms();
	json_t *p = json_pack("{s:s}", "hash", t->hash);
	json_t *r = socle_db_query_one(wdb,
		"SELECT id, company_id, user_id, expires_at, used_at, revoked_at FROM"
		" membership_invitation WHERE token_hash = :hash", p, err);
	int rc;

	json_decref(p);
	if (r == NULL) {
		if (err && err->code == SOCLE_E_NOTFOUND) {
			socle_field_error(&t->errors, "token", "Ce lien d'invitation n'est pas valide : "
			                                       "vérifiez qu'il est complet.");
			return SOCLE_E_INVAL;
		}
		return fail(err);
	}
	t->user_id = json_integer_value(json_object_get(r, "user_id"));
	t->company_id = json_integer_value(json_object_get(r, "company_id"));
	t->gone = !json_is_null(json_object_get(r, "used_at"))      ? 1
	          : !json_is_null(json_object_get(r, "revoked_at")) ? 3
	          : json_integer_value(json_object_get(r, "expires_at")) <= now ? 2 : 0;
	int64_t inv = json_integer_value(json_object_get(r, "id"));

	json_decref(r);
	if (t->gone)
		return SOCLE_E_CONFLICT;
	rc = socle_user_set_password(wdb, t->user_id, t->password, err);
	if (rc == SOCLE_E_INVAL) {
		socle_field_error(&t->errors, "password", "%s", err->msg);
		return rc;
	}
	if (rc < 0)
		return rc;
	/* The company's data opens to the account now that its owner accepted. */
	if ((rc = socle_user_bind(wdb, t->user_id, "company", t->company_id, err)) < 0)
		return rc;
	p = json_pack("{s:I, s:I}", "id", (json_int_t)inv, "now", (json_int_t)now);
	rc = p ? socle_db_run(wdb, "UPDATE membership_invitation SET used_at = :now WHERE id = :id"
	                           " AND used_at IS NULL", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;
	return membership_company_audit(wdb, t->req, "membership.invitation.accept", t->company_id,
	                                json_pack("{s:I}", "user_id", (json_int_t)t->user_id), err);
}

static int check_token(const json_t *v, char *msg, size_t size)
{
	const char *s = json_string_value(v);

	if (strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64)
		return 0;
	snprintf(msg, size, "Ce lien d'invitation n'est pas valide : vérifiez qu'il est complet.");
	return -1;
}

static const struct socle_field accept_fields[] = {
	{.name = "token", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 128,
	 .check = check_token},
	{.name = "password", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 1024},
};

/* POST /membership/invitations/accept {token, password} (public, throttled) */
static int route_accept(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp;
	char hash[65];
	(void)ud;

	if (socle_req_throttle(req, "membership.invitation", &err) != 0)
		return socle_reply_err(req, &err);
	const json_t *b = membership_body_or_empty(req, &tmp);

	if (socle_fields_check(b, accept_fields, SOCLE_COUNT(accept_fields), NULL, &errors) > 0) {
		json_decref(tmp);
		return socle_reply_invalid(req, errors);
	}
	membership_sha256_hex(str(b, "token"), 64, hash);
	struct accept_tx t = {.req = req, .hash = hash, .password = str(b, "password")};
	int rc = socle_service_write(socle_req_service(req), accept_write, &t, &err);

	json_decref(tmp);
	if (rc == SOCLE_E_INVAL && t.errors != NULL)
		return socle_reply_invalid(req, t.errors);
	json_decref(t.errors);
	if (t.gone == 1)
		return socle_reply_error(req, 410, "invitation_used",
		                         "Cette invitation a déjà servi : connectez-vous avec votre "
		                         "adresse et votre mot de passe.");
	if (t.gone == 2)
		return socle_reply_error(req, 410, "invitation_expired",
		                         "Cette invitation a expiré : demandez-en une nouvelle à "
		                         "l'administrateur de votre entreprise ou au service.");
	if (t.gone == 3)
		return socle_reply_error(req, 410, "invitation_revoked",
		                         "Cette invitation a été annulée.");
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, json_pack("{s:I, s:I, s:s}", "user_id",
	                                            (json_int_t)t.user_id, "company_id",
	                                            (json_int_t)t.company_id, "status", "active"));
}

/* ------------------------------------------------------------------- init */

static const struct socle_route invitation_routes[] = {
	{SOCLE_POST, "/membership/invitations/accept", SOCLE_CAP_PUBLIC, 4096, route_accept, NULL},
};

int membership_invitation_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, invitation_routes, SOCLE_COUNT(invitation_routes), err);
}
