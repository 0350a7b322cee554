/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the web spaces need beyond the planning routes: the visits of a
 * worker and of a company as lists (scheduled, held, with the documents each
 * one has), and the worker's own oppositions (L4624-8), read and changed by
 * the worker alone.
 *
 * Who sees what is the rule of the README's "Secret" section: the employer
 * never sees a visit kept from him (pré-reprise, visite à la demande asked by
 * the worker) and never the ordonnance; the worker sees all of his own. */
#include "tracking.h"

#define VISIT_LIST_MAX 200

/* One visit row as the lists show it. @p employer_view: the documents the
 * employer may download (attestation, avis) and nothing of the reason. */
static json_t *visit_item(const json_t *row, bool employer_view, bool health_view)
{
	const char *type = json_string_value(json_object_get(row, "type"));
	const struct tracking_visit_type *t = tracking_visit_type(type);
	json_t *docs = json_array();
	bool held = json_is_string(json_object_get(row, "held_on"));

	if (held) {
		if (json_integer_value(json_object_get(row, "has_attestation")))
			json_array_append_new(docs, json_string("attestation"));
		if (json_is_string(json_object_get(row, "avis")))
			json_array_append_new(docs, json_string("avis"));
		if (!employer_view && json_integer_value(json_object_get(row, "has_ordonnance")))
			json_array_append_new(docs, json_string("ordonnance"));
	}
	(void)health_view;
	json_t *slot = json_is_string(json_object_get(row, "starts_at"))
		? json_pack("{s:O, s:O, s:O, s:O}", "starts_at", json_object_get(row, "starts_at"),
		            "site", json_object_get(row, "site"), "mode", json_object_get(row, "mode"),
		            "duration_min", json_object_get(row, "duration_min"))
		: json_null();
	json_t *item = json_pack("{s:O, s:O, s:s, s:O, s:O, s:O, s:O, s:o, s:O, s:o}", "id",
	                         json_object_get(row, "id"), "worker_id",
	                         json_object_get(row, "worker_id"), "type", type ? type : "",
	                         "requested_by", json_object_get(row, "requested_by"),
	                         "requested_on", json_object_get(row, "requested_on"), "due_before",
	                         json_object_get(row, "due_before"), "status",
	                         json_object_get(row, "status"), "slot", slot, "held_on",
	                         json_object_get(row, "held_on"), "documents", docs);

	if (item && t)
		json_object_set_new(item, "type_label", json_string(t->label));
	if (item && json_is_string(json_object_get(row, "last_name")))
		json_object_set_new(item, "worker",
		                    json_pack("{s:O, s:O}", "last_name",
		                              json_object_get(row, "last_name"), "first_name",
		                              json_object_get(row, "first_name")));
	return item;
}

#define VISIT_COLUMNS                                                                         \
	"r.id, r.worker_id, r.type, r.requested_by, r.requested_on, r.due_before, r.status,"   \
	" s.starts_at, s.site, s.mode, s.duration_min, o.held_on,"                              \
	" o.attestation IS NOT NULL AS has_attestation, o.avis,"                                \
	" o.ordonnance IS NOT NULL AS has_ordonnance"
#define VISIT_JOINS                                                                           \
	" FROM tracking_visit_request r LEFT JOIN tracking_slot s ON s.id = r.slot_id"          \
	" LEFT JOIN tracking_visit_outcome o ON o.request_id = r.id"

static const char *const status_choices[] = {"queued", "scheduled", "done", "cancelled",
                                             "missed", NULL};

/* The ?status= filter: NULL for all, or one of status_choices; -1 once a 400
 * is queued. */
static int status_filter(socle_req *req, const char **out)
{
	const char *v = socle_req_query(req, "status");

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	for (size_t i = 0; status_choices[i]; i++)
		if (strcmp(v, status_choices[i]) == 0) {
			*out = status_choices[i];
			return 0;
		}
	json_t *errors = NULL;

	socle_field_error(&errors, "status",
	                  "Valeur inconnue : queued, scheduled, done, cancelled ou missed.");
	socle_reply_invalid(req, errors);
	return -1;
}

static int reply_items(socle_req *req, json_t *rows, bool employer_view, bool health_view,
                       int64_t company)
{
	json_t *items = json_array();
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row)
		json_array_append_new(items, visit_item(row, employer_view, health_view));
	json_decref(rows);
	/* Not paged (the newest VISIT_LIST_MAX at most, no cursor taken): the
	 * core's helper with no page size gives next_cursor null, as every list
	 * that has no next page. */
	json_t *out = json_pack("{s:o, s:o}", "items", items, "next_cursor",
	                        socle_page_cursor(items, 0, "id"));

	/* The worker's company: what a visit request by the worker names. */
	if (out && company > 0)
		json_object_set_new(out, "company_id", json_integer(company));
	return socle_reply_json(req, 200, out);
}

/* GET /tracking/workers/{id}/visits?status= */
static int worker_visits(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	int64_t worker;
	const char *status;

	if (socle_req_param_id(req, "id", &worker) != 0)
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	if (status_filter(req, &status) < 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *card = tracking_worker_card(db, worker, &err);
	if (card == NULL)
		return socle_reply_err(req, &err);
	int64_t company = json_integer_value(json_object_get(card, "company_id"));

	json_decref(card);
	if (socle_access_worker(req, worker, company, &err) != 0)
		return socle_reply_err(req, &err);

	int role = socle_principal_role(socle_req_principal(req));
	bool employer = role == SOCLE_ROLE_EMPLOYER;
	bool health = (SOCLE_ROLE_BIT(role) & SOCLE_ROLES_HEALTH) != 0;
	bool staff = (SOCLE_ROLE_BIT(role) & SOCLE_ROLES_STAFF) != 0;
	char sql[1024];

	snprintf(sql, sizeof(sql),
	         "SELECT " VISIT_COLUMNS VISIT_JOINS " WHERE r.worker_id = :w"
	         " AND (:status IS NULL OR r.status = :status)%s"
	         " ORDER BY COALESCE(s.starts_at, r.requested_on) DESC, r.id DESC LIMIT %d",
	         employer ? " AND NOT " TRACKING_HIDDEN_SQL("r") : "", VISIT_LIST_MAX);
	json_t *rows = socle_db_query_new(db, sql,
	                                  json_pack("{s:I, s:s?}", "w", (json_int_t)worker,
	                                            "status", status),
	                                  &err);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	/* A staff member who is not a health professional sees what the employer sees. */
	return reply_items(req, rows, employer || (staff && !health), health, company);
}

/* GET /tracking/companies/{id}/visits?status= */
static int company_visits(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	const char *status;

	if (socle_req_param_id(req, "id", &company) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (status_filter(req, &status) < 0)
		return 0;
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);

	int role = socle_principal_role(socle_req_principal(req));
	bool employer = role == SOCLE_ROLE_EMPLOYER;
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	char sql[1024];

	snprintf(sql, sizeof(sql),
	         "SELECT " VISIT_COLUMNS ", w.last_name, w.first_name" VISIT_JOINS
	         " JOIN tracking_worker w ON w.id = r.worker_id WHERE r.company_id = :c"
	         " AND (:status IS NULL OR r.status = :status)%s"
	         " ORDER BY COALESCE(s.starts_at, r.requested_on) DESC, r.id DESC LIMIT %d",
	         employer ? " AND NOT " TRACKING_HIDDEN_SQL("r") : "", VISIT_LIST_MAX);
	json_t *rows = socle_db_query_new(db, sql,
	                                  json_pack("{s:I, s:s?}", "c", (json_int_t)company,
	                                            "status", status),
	                                  &err);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	/* The company's list is the employer's view for everyone: a health
	 * professional reads a worker's ordonnance from the worker's own list. */
	return reply_items(req, rows, true, false, company);
}

/* The worker's own account, and nobody else: the oppositions are the
 * worker's choice (L4624-8), not the médecin's nor the employer's. */
static bool is_the_worker(socle_req *req, int64_t worker)
{
	const socle_principal *who = socle_req_principal(req);

	return who && socle_principal_role(who) == SOCLE_ROLE_EMPLOYEE &&
	       socle_principal_has_scope(who, "worker", worker);
}

/* GET /tracking/workers/{id}/oppositions: the worker, or a health professional. */
static int oppositions_get(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	int64_t worker;

	if (socle_req_param_id(req, "id", &worker) != 0)
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	int role = socle_principal_role(socle_req_principal(req));

	if (!is_the_worker(req, worker) && !(SOCLE_ROLE_BIT(role) & SOCLE_ROLES_HEALTH))
		return socle_reply_error(req, 403, "forbidden",
		                         "Seul le salarié lui-même ou un professionnel de santé du "
		                         "service voit ces choix.");
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *rows = socle_db_query_new(db,
	                                  "SELECT opposition_other_professionals AS o,"
	                                  " opposition_transfer AS t FROM tracking_dmst"
	                                  " WHERE worker_id = :w",
	                                  json_pack("{s:I}", "w", (json_int_t)worker), &err);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	const json_t *r = json_array_get(rows, 0);
	json_t *out = json_pack("{s:I, s:b, s:b}", "worker_id", (json_int_t)worker,
	                        "opposition_other_professionals",
	                        r && json_integer_value(json_object_get(r, "o")) != 0,
	                        "opposition_transfer",
	                        r && json_integer_value(json_object_get(r, "t")) != 0);

	json_decref(rows);
	return socle_reply_json(req, 200, out);
}

static const struct socle_field opposition_fields[] = {
	{"opposition_other_professionals", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
	{"opposition_transfer", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
};

/* PUT /tracking/workers/{id}/oppositions: the worker alone. */
static int oppositions_put(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int64_t worker;
	const json_t *body = socle_req_body(req);

	if (socle_req_param_id(req, "id", &worker) != 0)
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	if (!is_the_worker(req, worker)) {
		struct socle_audit_entry e = {.action = "tracking.dmst.oppositions",
		                              .object_type = "worker", .object_id = worker,
		                              .outcome = "denied"};

		socle_audit_now(req, &e, &err);
		return socle_reply_error(req, 403, "forbidden",
		                         "Seul le salarié lui-même peut changer ses oppositions, "
		                         "depuis son espace.");
	}
	if (body == NULL || (json_object_get(body, "opposition_other_professionals") == NULL &&
	                     json_object_get(body, "opposition_transfer") == NULL)) {
		socle_field_error(&errors, "opposition_other_professionals",
		                  "Indiquez au moins un choix (oui ou non).");
		return socle_reply_invalid(req, errors);
	}
	if (socle_fields_check(body, opposition_fields, SOCLE_COUNT(opposition_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	json_t *out = tracking_dmst_set_oppositions(req, worker, body, &err);

	if (out == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, out);
}

static const struct socle_route space_routes[] = {
	/* Checked inside: staff, the worker, its company's employer users. */
	{SOCLE_GET, "/tracking/workers/{id}/visits", SOCLE_CAP_AUTHENTICATED, 0, worker_visits, NULL},
	{SOCLE_GET, "/tracking/companies/{id}/visits", SOCLE_CAP_AUTHENTICATED, 0, company_visits,
	 NULL},
	{SOCLE_GET, "/tracking/workers/{id}/oppositions", SOCLE_CAP_AUTHENTICATED, 0,
	 oppositions_get, NULL},
	{SOCLE_PUT, "/tracking/workers/{id}/oppositions", SOCLE_CAP_AUTHENTICATED, 1024,
	 oppositions_put, NULL},
};

static const struct socle_field status_query[] = {
	{"status", SOCLE_F_ENUM, false, 0, 0, status_choices, NULL},
};

static const struct socle_route_doc space_docs[] = {
	{SOCLE_GET, "/tracking/workers/{id}/visits",
	 "Les visites d'un salarié et leurs documents (l'employeur ne voit pas celles qui lui sont "
	 "tenues secrètes).", NULL, 0, status_query, 1, "items : visites, du plus récent au plus ancien."},
	{SOCLE_GET, "/tracking/companies/{id}/visits",
	 "Les visites des salariés d'une entreprise, telles que l'employeur peut les voir.", NULL, 0,
	 status_query, 1,
	 "{items: visites avec le nom du salarié, du plus récent au plus ancien (200 au plus), "
	 "next_cursor: null, company_id}."},
	{SOCLE_GET, "/tracking/workers/{id}/oppositions",
	 "Les oppositions du salarié (L4624-8) : le salarié ou un professionnel de santé.", NULL, 0,
	 NULL, 0, "{worker_id, opposition_other_professionals, opposition_transfer}."},
	{SOCLE_PUT, "/tracking/workers/{id}/oppositions",
	 "Le salarié change lui-même ses oppositions (L4624-8) ; le médecin est prévenu.",
	 opposition_fields, SOCLE_COUNT(opposition_fields), NULL, 0,
	 "{worker_id, opposition_other_professionals, opposition_transfer}."},
};

int tracking_space_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, space_routes, SOCLE_COUNT(space_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, space_docs, SOCLE_COUNT(space_docs), err);
}
