/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The service's decisions on a company (cahier des charges 3.1): approve (the
 * member number, the employer administrator's account and its invitation
 * mail, the events for the other plugins), reject with a reason (mailed to
 * the applicant), and leaving. Each decision is one write transaction with its
 * audit entry and its events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "company.h"

/* @p date plus @p years, 29 February becoming 28 February in a common year
 * (the core's calendar, as socle.date.add_years). */
static void add_years(const char *date, int years, char out[11])
{
	if (!socle_date_add_months(date, 12 * years, out))
		snprintf(out, 11, "%s", "9999-12-31");
}

static const struct socle_field approve_fields[] = {
	{.name = "joined_on", .type = SOCLE_F_DATE},
};

struct decide_tx {
	socle_req *req;
	int64_t id;
	const char *joined_on; /* approve */
	const char *reason;    /* reject */
	const char *left_on;   /* leave */
	char member_number[24];
	char due_on[11];
	json_t *errors;        /* field errors found inside the transaction */
};

/* Load the company inside the transaction and check its status. */
static json_t *decide_load(socle_db *wdb, int64_t id, const char *want, socle_err *err)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *r = socle_db_query_one_new(wdb,
		"SELECT id, status, legal_name, contact_name, contact_email, member_number, joined_on,"
		" created_at FROM membership_company WHERE id = :id", p, err);

	if (r == NULL) {
		if (err && err->code == SOCLE_E_NOTFOUND)
			socle_err_set(err, SOCLE_E_NOTFOUND, "Entreprise introuvable.");
		return NULL;
	}
	if (strcmp(str(r, "status"), want) != 0) {
		static const struct {
			const char *status, *text;
		} said[] = {{"applied", "une demande en attente"},
		            {"member", "adhérente"},
		            {"rejected", "une demande refusée"},
		            {"left", "une ancienne adhérente"}};
		const char *now_text = str(r, "status");

		for (size_t i = 0; i < SOCLE_COUNT(said); i++)
			if (strcmp(said[i].status, str(r, "status")) == 0)
				now_text = said[i].text;
		socle_err_set(err, SOCLE_E_CONFLICT, "Impossible : cette entreprise est %s.", now_text);
		json_decref(r);
		return NULL;
	}
	return r;
}

static int approve_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct decide_tx *t = ud;
	json_t *c = decide_load(wdb, t->id, "applied", err);
	int rc;

	if (c == NULL)
		return fail(err);
	/* Member number: "A", the year of joining, a 5-digit sequence in that year
	 * (A202600001). Writes are serialized, so the maximum read here is current. */
	char like[8];
	json_t *p;

	snprintf(like, sizeof(like), "A%.4s%%", t->joined_on);
	p = json_pack("{s:s}", "like", like);
	json_t *rows = socle_db_query_new(wdb,
		"SELECT member_number FROM membership_company WHERE member_number LIKE :like"
		" ORDER BY member_number DESC LIMIT 1", p, err);
	if (rows == NULL) {
		json_decref(c);
		return fail(err);
	}
	const char *last = str(json_array_get(rows, 0), "member_number");
	long seq = last ? strtol(last + 5, NULL, 10) + 1 : 1;

	json_decref(rows);
	if (seq > 99999) {
		json_decref(c);
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Plus de numéro d'adhérent disponible pour l'année %.4s.",
		                     t->joined_on);
	}
	snprintf(t->member_number, sizeof(t->member_number), "A%.4s%05u", t->joined_on,
	         (unsigned)seq % 100000u);
	add_years(t->joined_on, 1, t->due_on);
	p = json_pack("{s:I, s:s, s:s, s:I, s:I}", "id", (json_int_t)t->id, "number",
	              t->member_number, "joined_on", t->joined_on, "by",
	              (json_int_t)membership_principal_id(t->req), "now",
	              (json_int_t)socle_now_ms());
	rc = socle_db_run_new(wdb,
		"UPDATE membership_company SET status = 'member', member_number = :number,"
		" joined_on = :joined_on, decided_by = :by, decided_at = :now, updated_at = :now"
		" WHERE id = :id AND status = 'applied'", p, err);
	if (rc < 0) {
		json_decref(c);
		return rc;
	}
	struct membership_invite iv = {
		.req = t->req, .company_id = t->id, .legal_name = str(c, "legal_name"),
		.member_number = t->member_number, .joined_on = t->joined_on,
		.fiche_due_on = t->due_on, .email = str(c, "contact_email"),
		.name = str(c, "contact_name"), .roles = NULL, .invited_by = 0};
	int64_t uid = membership_invite_user(wdb, &iv, err);

	json_decref(c);
	if (uid < 0)
		return (int)uid;
	/* The confirmation as an issued PDF, mailed by a job (confirmation.c). */
	if ((rc = membership_confirmation_queue(wdb, t->id, t->due_on, err)) != 0)
		return rc;
	if ((rc = membership_company_audit(wdb, t->req, "membership.company.approve", t->id,
	                                   json_pack("{s:s, s:s, s:I}", "member_number",
	                                             t->member_number, "joined_on", t->joined_on,
	                                             "administrator_user_id", (json_int_t)uid),
	                                   err)) != 0 ||
	    (rc = membership_emit(wdb, "company.joined",
	                          json_pack("{s:I, s:s, s:s}", "company_id", (json_int_t)t->id,
	                                    "member_number", t->member_number, "joined_on",
	                                    t->joined_on),
	                          err)) != 0)
		return rc;
	/* For the risk-evaluation plugin: the fiche d'entreprise is due within one
	 * year of membership (R4624-47; worked case TC34). */
	return membership_emit(wdb, "company.fiche_entreprise_due",
	                       json_pack("{s:I, s:s, s:s, s:s}", "company_id", (json_int_t)t->id,
	                                 "joined_on", t->joined_on, "due_on", t->due_on, "basis",
	                                 "R4624-47"),
	                       err);
}

/* The three decisions on a company (approve, reject, leave) share their
 * shape: the company id of the path, the body checked against @p fields, one
 * write transaction, then the company as it now is. */
static int decide(socle_req *req, const struct socle_field *fields, size_t n_fields,
                  socle_write_fn write)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp;
	struct decide_tx t = {.req = req};
	char today[SOCLE_DATE_SIZE];

	if (socle_req_param_id(req, "id", &t.id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	const json_t *b = membership_body_or_empty(req, &tmp);

	if (socle_fields_check(b, fields, n_fields, NULL, &errors) > 0) {
		json_decref(tmp);
		return socle_reply_invalid(req, errors);
	}
	socle_date_today(today);
	t.joined_on = str(b, "joined_on") ? str(b, "joined_on") : today;
	t.reason = str(b, "reason");
	t.left_on = str(b, "left_on");
	int rc = socle_service_write(socle_req_service(req), write, &t, &err);

	json_decref(tmp);
	if (rc == SOCLE_E_INVAL && t.errors != NULL)
		return socle_reply_invalid(req, t.errors);
	json_decref(t.errors);
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *c = db ? membership_company_view(db, t.id, &err) : NULL;

	return c ? socle_reply_json(req, 200, c) : socle_reply_err(req, &err);
}

/* POST /membership/companies/{id}/approve {joined_on?} (review) */
static int route_approve(socle_req *req, void *ud)
{
	(void)ud;
	return decide(req, approve_fields, SOCLE_COUNT(approve_fields), approve_write);
}

static int reject_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct decide_tx *t = ud;
	json_t *c = decide_load(wdb, t->id, "applied", err);
	int rc;

	if (c == NULL)
		return fail(err);
	/* The applicant is told the decision and its reason, with the transaction. */
	socle_service *svc = socle_db_service(wdb);
	char subject[300], *text = NULL;

	snprintf(subject, sizeof(subject), "%s : votre demande d'adhésion", socle_service_name(svc));
	if (asprintf(&text,
	             "Bonjour %s,\n\n"
	             "Nous avons examiné la demande d'adhésion de %s à %s. Nous ne pouvons pas "
	             "l'accepter, pour la raison suivante :\n\n%s\n\n"
	             "Pour en parler, ou si votre situation change, répondez à ce message ou "
	             "appelez le service : une nouvelle demande reste possible.\n",
	             str(c, "contact_name"), str(c, "legal_name"), socle_service_name(svc),
	             t->reason) < 0) {
		json_decref(c);
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	struct socle_mail mail = {.to = str(c, "contact_email"), .subject = subject, .text = text,
	                          .category = "adhesion"};
	int64_t job = socle_mail_queue(wdb, &mail, 0, err);

	free(text);
	json_decref(c);
	if (job < 0)
		return (int)job;
	json_t *p = json_pack("{s:I, s:s, s:I, s:I}", "id", (json_int_t)t->id, "reason", t->reason,
	                      "by", (json_int_t)membership_principal_id(t->req), "now",
	                      (json_int_t)socle_now_ms());
	rc = socle_db_run_new(wdb,
		"UPDATE membership_company SET status = 'rejected', rejection_reason = :reason,"
		" decided_by = :by, decided_at = :now, updated_at = :now WHERE id = :id", p, err);
	if (rc < 0)
		return rc;
	/* A rejected application frees its SIRET; its mandate is void. */
	p = json_pack("{s:I, s:I}", "id", (json_int_t)t->id, "now", (json_int_t)socle_now_ms());
	rc = socle_db_run_new(wdb, "UPDATE membership_sepa_mandate SET revoked_at = :now"
	                           " WHERE company_id = :id AND revoked_at IS NULL", p, err);
	if (rc < 0)
		return rc;
	if ((rc = membership_company_audit(wdb, t->req, "membership.company.reject", t->id,
	                                   json_pack("{s:s}", "reason", t->reason), err)) != 0)
		return rc;
	return membership_emit(wdb, "company.rejected",
	                       json_pack("{s:I}", "company_id", (json_int_t)t->id), err);
}

static const struct socle_field reject_fields[] = {
	{.name = "reason", .type = SOCLE_F_STRING, .required = true, .min = 3, .max = 2000},
};

/* POST /membership/companies/{id}/reject {reason} (review) */
static int route_reject(socle_req *req, void *ud)
{
	(void)ud;
	return decide(req, reject_fields, SOCLE_COUNT(reject_fields), reject_write);
}

static int leave_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct decide_tx *t = ud;
	json_t *c = decide_load(wdb, t->id, "member", err);
	int rc;

	if (c == NULL)
		return fail(err);
	bool before = strcmp(t->left_on, str(c, "joined_on")) < 0;
	char number[16];

	snprintf(number, sizeof(number), "%s", str(c, "member_number"));
	json_decref(c);
	if (before) {
		socle_field_error(&t->errors, "left_on",
		                  "La date de départ ne peut précéder la date d'adhésion.");
		return SOCLE_E_INVAL;
	}
	json_t *p = json_pack("{s:I, s:s, s:I}", "id", (json_int_t)t->id, "left_on", t->left_on,
	                      "now", (json_int_t)socle_now_ms());
	rc = socle_db_run_new(wdb,
		"UPDATE membership_company SET status = 'left', left_on = :left_on, updated_at = :now"
		" WHERE id = :id", p, err);
	if (rc < 0)
		return rc;
	if ((rc = membership_company_audit(wdb, t->req, "membership.company.leave", t->id,
	                                   json_pack("{s:s}", "left_on", t->left_on), err)) != 0)
		return rc;
	return membership_emit(wdb, "company.left",
	                       json_pack("{s:I, s:s, s:s}", "company_id", (json_int_t)t->id,
	                                 "member_number", number, "left_on", t->left_on),
	                       err);
}

static const struct socle_field leave_fields[] = {
	{.name = "left_on", .type = SOCLE_F_DATE, .required = true},
};

/* POST /membership/companies/{id}/leave {left_on} (review) */
static int route_leave(socle_req *req, void *ud)
{
	(void)ud;
	return decide(req, leave_fields, SOCLE_COUNT(leave_fields), leave_write);
}

/* ------------------------------------------------------------------- init */

static const struct socle_route review_routes[] = {
	{SOCLE_POST, "/membership/companies/{id}/approve", MEMBERSHIP_CAP_REVIEW, 1024, route_approve,
	 NULL},
	{SOCLE_POST, "/membership/companies/{id}/reject", MEMBERSHIP_CAP_REVIEW, 8192, route_reject,
	 NULL},
	{SOCLE_POST, "/membership/companies/{id}/leave", MEMBERSHIP_CAP_REVIEW, 1024, route_leave,
	 NULL},
};

#define COMPANY_NOW "L'entreprise telle qu'elle est désormais (comme GET /membership/companies/{id})."

static const struct socle_route_doc review_docs[] = {
	{SOCLE_POST, "/membership/companies/{id}/approve",
	 "Accepter une adhésion : numéro d'adhérent, compte administrateur de l'entreprise et son"
	 " courriel d'invitation.", approve_fields, SOCLE_COUNT(approve_fields), NULL, 0,
	 COMPANY_NOW},
	{SOCLE_POST, "/membership/companies/{id}/reject",
	 "Refuser une demande d'adhésion avec son motif, envoyé au demandeur.", reject_fields,
	 SOCLE_COUNT(reject_fields), NULL, 0, COMPANY_NOW},
	{SOCLE_POST, "/membership/companies/{id}/leave",
	 "Enregistrer le départ d'une entreprise adhérente.", leave_fields, SOCLE_COUNT(leave_fields),
	 NULL, 0, COMPANY_NOW},
};

int membership_review_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, review_routes, SOCLE_COUNT(review_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, review_docs, SOCLE_COUNT(review_docs), err);
}
