/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The two satisfaction indicators of cahier des charges 3.1 (the interface
 * that allows membership, the information received at membership): a member
 * company's users answer once, the service reads the averages and the rate of
 * satisfied answers (4 or 5) over a period. */
#include <stdio.h>
#include <string.h>

#include "company.h"

/* ------------------------------------------------------------ satisfaction */

static const struct socle_field satisfaction_fields[] = {
	{.name = "interface", .type = SOCLE_F_INT, .required = true, .min = 1, .max = 5},
	{.name = "information", .type = SOCLE_F_INT, .required = true, .min = 1, .max = 5},
	{.name = "comment", .type = SOCLE_F_STRING, .min = 0, .max = 2000},
};

struct satisfaction_tx {
	socle_req *req;
	int64_t company_id;
	const json_t *body;
};

static int satisfaction_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct satisfaction_tx *t = ud;
	char d[11];
	int64_t now = socle_now_ms();
	json_t *p = json_pack("{s:I}", "company_id", (json_int_t)t->company_id);
	json_t *rows = socle_db_query(wdb, "SELECT company_id FROM membership_satisfaction WHERE"
	                                   " company_id = :company_id", p, err);
	json_decref(p);
	if (rows == NULL)
		return fail(err);
	size_t n = json_array_size(rows);

	json_decref(rows);
	if (n > 0)
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Votre entreprise a déjà répondu à ce questionnaire : merci !");
	socle_date_today(d);
	p = json_pack("{s:I, s:I, s:O, s:O, s:s?, s:s, s:I}", "company_id",
	              (json_int_t)t->company_id, "user_id",
	              (json_int_t)membership_principal_id(t->req), "interface",
	              json_object_get(t->body, "interface"), "information",
	              json_object_get(t->body, "information"), "comment", str(t->body, "comment"),
	              "on", d, "now", (json_int_t)now);
	int rc = p ? socle_db_run(wdb,
		"INSERT INTO membership_satisfaction (company_id, user_id, interface, information,"
		" comment, answered_on, answered_at) VALUES (:company_id, :user_id, :interface,"
		" :information, :comment, :on, :now)", p, err)
	           : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;
	return membership_company_audit(
	        wdb, t->req, "membership.company.satisfaction", t->company_id,
	        json_pack("{s:O, s:O}", "interface", json_object_get(t->body, "interface"),
	                  "information", json_object_get(t->body, "information")),
	        err);
}

/* POST /membership/companies/{id}/satisfaction {interface, information, comment?}:
 * the company's own users answer, once per company, after approval. */
static int route_satisfaction(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp;
	struct satisfaction_tx t = {.req = req};
	char status[16];
	(void)ud;

	if (socle_req_param_id(req, "id", &t.company_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_principal_role(socle_req_principal(req)) != SOCLE_ROLE_EMPLOYER)
		return socle_reply_error(req, 403, "forbidden",
		                         "Seuls les utilisateurs de l'entreprise répondent à ce "
		                         "questionnaire.");
	if (membership_company_access(req, t.company_id, NULL, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL ||
	    membership_company_status(db, t.company_id, status, sizeof(status), &err) != 0)
		return socle_reply_err(req, &err);
	if (strcmp(status, "member") != 0)
		return socle_reply_error(req, 409, "conflict",
		                         "Le questionnaire est ouvert aux entreprises adhérentes.");
	t.body = membership_body_or_empty(req, &tmp);
	if (socle_fields_check(t.body, satisfaction_fields, SOCLE_COUNT(satisfaction_fields), NULL,
	                       &errors) > 0) {
		json_decref(tmp);
		return socle_reply_invalid(req, errors);
	}
	int rc = socle_service_write(socle_req_service(req), satisfaction_write, &t, &err);

	json_decref(tmp);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201, json_pack("{s:I, s:s}", "company_id",
	                                            (json_int_t)t.company_id, "status", "recorded"));
}

static json_t *indicator(json_int_t count, json_int_t sum, json_int_t satisfied)
{
	/* Rounded to 2 decimals (average) and 1 decimal (rate, in %), for people. */
	double avg = count ? (double)sum / (double)count : 0.0;
	double rate = count ? 100.0 * (double)satisfied / (double)count : 0.0;

	return json_pack("{s:I, s:o, s:I, s:o}", "count", count, "average",
	                 count ? json_real((double)(long long)(avg * 100.0 + 0.5) / 100.0)
	                       : json_null(),
	                 "satisfied", satisfied, "satisfaction_rate",
	                 count ? json_real((double)(long long)(rate * 10.0 + 0.5) / 10.0)
	                       : json_null());
}

/* GET /membership/indicators/satisfaction?from=&to= (staff): the two key
 * indicators of 3.1; "satisfied" means an answer of 4 or 5. */
static int route_indicators(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const char *from = socle_req_query(req, "from"), *to = socle_req_query(req, "to");
	json_t *chk = json_pack("{s:s?, s:s?}", "from", from, "to", to), *errors = NULL;
	static const struct socle_field period[] = {
		{.name = "from", .type = SOCLE_F_DATE},
		{.name = "to", .type = SOCLE_F_DATE},
	};
	(void)ud;

	if (socle_fields_check(chk, period, SOCLE_COUNT(period), NULL, &errors) > 0) {
		json_decref(chk);
		return socle_reply_invalid(req, errors);
	}
	json_decref(chk);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:s?, s:s?}", "from", from, "to", to);
	json_t *r = socle_db_query_one(db,
		"SELECT COUNT(*) AS n, COALESCE(SUM(interface), 0) AS si,"
		" COALESCE(SUM(CASE WHEN interface >= 4 THEN 1 ELSE 0 END), 0) AS oki,"
		" COALESCE(SUM(information), 0) AS sn,"
		" COALESCE(SUM(CASE WHEN information >= 4 THEN 1 ELSE 0 END), 0) AS okn"
		" FROM membership_satisfaction WHERE (:from IS NULL OR answered_on >= :from)"
		" AND (:to IS NULL OR answered_on <= :to)", p, &err);

	json_decref(p);
	if (r == NULL)
		return socle_reply_err(req, &err);
	json_int_t n = json_integer_value(json_object_get(r, "n"));
	json_t *body = json_pack(
		"{s:s?, s:s?, s:I, s:{s:s, s:o}, s:{s:s, s:o}}", "from", from, "to", to, "answers", n,
		"interface", "label", "Satisfaction vis-à-vis de l'interface permettant l'adhésion",
		"result", indicator(n, json_integer_value(json_object_get(r, "si")),
		                    json_integer_value(json_object_get(r, "oki"))),
		"information", "label", "Satisfaction vis-à-vis des informations reçues à l'adhésion",
		"result", indicator(n, json_integer_value(json_object_get(r, "sn")),
		                    json_integer_value(json_object_get(r, "okn"))));

	json_decref(r);
	return socle_reply_json(req, 200, body);
}

/* ------------------------------------------------------------------- init */

static const struct socle_route satisfaction_routes[] = {
	{SOCLE_POST, "/membership/companies/{id}/satisfaction", SOCLE_CAP_AUTHENTICATED, 8192,
	 route_satisfaction, NULL},
	{SOCLE_GET, "/membership/indicators/satisfaction", SOCLE_CAP_STAFF, 0, route_indicators,
	 NULL},
};

int membership_satisfaction_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, satisfaction_routes, SOCLE_COUNT(satisfaction_routes),
	                               err);
}
