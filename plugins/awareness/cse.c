/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Information and expertise for the company's bodies (seed 3.4.2): a
 * company asks for a professional of the service at a CSE meeting (its date,
 * the agenda points); the service assigns one of its staff, and the
 * company's contact and employer users are told by mail who comes (name,
 * role) and when; what was presented is recorded after the meeting. The
 * request's page attaches the company's activity with the service, from this
 * plugin's own tables: the awareness sessions attended, the advice received
 * (awareness_advice, kept from riskeval's events) and the company's earlier
 * CSE requests with what was presented. No barometer exists in this
 * repository yet, so "barometer" is null until one does. */
#include <stdlib.h>

#include "awareness.h"

static json_t *cse_load(socle_db *db, int64_t id, socle_err *err)
{
	json_t *row = socle_db_query_one_new(db,
		"SELECT id, company_id, meeting_on, agenda, status, professional_id, professional_name,"
		" professional_role, presented, requested_at, assigned_at, recorded_at"
		" FROM awareness_cse_request"
		" WHERE id = :id", json_pack("{s:I}", "id", (json_int_t)id), err);
	static const char *const lists[] = {"agenda", NULL};

	if (row)
		awareness_parse_columns(row, lists);
	return row;
}

static const struct socle_field request_fields[] = {
	{.name = "meeting_on", .type = SOCLE_F_DATE, .required = true},
	{.name = "agenda", .type = SOCLE_F_ARRAY, .required = true, .min = 1, .max = 20},
};

struct cse_new {
	socle_req *req;
	int64_t company, id;
	const json_t *body;
};

static int request_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct cse_new *c = ud;
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_cse_request (company_id, meeting_on, agenda, status,"
		" requested_at, requested_by) VALUES (:company, :on, :agenda, 'requested', :now, :by)",
		json_pack("{s:I, s:O, s:O, s:I, s:I}", "company", (json_int_t)c->company, "on",
		          json_object_get(c->body, "meeting_on"), "agenda", json_object_get(c->body, "agenda"),
		          "now", (json_int_t)socle_now_ms(), "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(c->req))), err);
	if (rc < 0)
		return rc;
	c->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "awareness.cse.request", .object_type = "company",
	                              .object_id = c->company, .outcome = "ok"};
	if ((rc = socle_audit(wdb, c->req, &e, err)) != 0)
		return rc;
	/* The service's desk learns of it by mail when the identity gives an address. */
	const char *to = json_string_value(json_object_get(
		socle_service_identity(socle_db_service(wdb)), "email"));
	if (to) {
		char subject[160], text[512], day[SOCLE_DATE_FR_SIZE];
		socle_date_fr(json_string_value(json_object_get(c->body, "meeting_on")), day);
		snprintf(subject, sizeof(subject), "Demande d'intervention en CSE n° %lld", (long long)c->id);
		snprintf(text, sizeof(text), "L'entreprise n° %lld demande un intervenant du service à la "
		         "réunion de son CSE du %s (%zu point(s) à l'ordre du jour).\n", (long long)c->company,
		         day, json_array_size(json_object_get(c->body, "agenda")));
		struct socle_mail m = {.to = to, .subject = subject, .text = text, .category = "cse"};
		int64_t job = socle_mail_queue(wdb, &m, 0, err);
		if (job < 0)
			return (int)job;
	}
	json_t *ev = json_pack("{s:I, s:I, s:O}", "request_id", (json_int_t)c->id, "company_id",
	                       (json_int_t)c->company, "meeting_on", json_object_get(c->body, "meeting_on"));
	rc = socle_event_emit(wdb, "cse_expertise.requested", ev, err);
	json_decref(ev);
	return rc;
}

/* POST /awareness/companies/{id}/cse-requests {meeting_on, agenda: [...]} */
static int route_request(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *b = socle_req_body(req);
	struct cse_new c = {.req = req, .body = b};
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	if (socle_req_param_id(req, "id", &c.company) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, c.company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_date_today(today);
	if (socle_fields_check(b, request_fields, SOCLE_COUNT(request_fields), NULL, &errors) == 0) {
		awareness_check_texts(json_object_get(b, "agenda"), "agenda", NULL, &errors);
		if (strcmp(json_string_value(json_object_get(b, "meeting_on")), today) <= 0)
			socle_field_error(&errors, "meeting_on", "doit être une date à venir");
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	int known = db ? awareness_membership->company_exists(db, c.company, &err) : err.code;
	if (known < 0)
		return socle_reply_err(req, &err);
	if (known == 0)
		return SOCLE_E_NOTFOUND;
	if (socle_service_write(socle_req_service(req), request_write, &c, &err) != 0)
		return socle_reply_err(req, &err);
	json_t *row = cse_load(db, c.id, &err);
	return row ? socle_reply_json(req, 201, row) : socle_reply_err(req, &err);
}

/* GET /awareness/companies/{id}/cse-requests */
static int route_company_requests(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT id FROM awareness_cse_request"
		" WHERE company_id = :c ORDER BY meeting_on DESC, id DESC LIMIT 500",
		json_pack("{s:I}", "c", (json_int_t)company), &err) : NULL;
	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_t *items = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_t *row = cse_load(db, json_integer_value(json_object_get(r, "id")), &err);
		if (row == NULL) {
			json_decref(rows);
			json_decref(items);
			return socle_reply_err(req, &err);
		}
		json_array_append_new(items, row);
	}
	json_decref(rows);
	return socle_reply_page(req, items, 500, "id");
}

/* What riskeval's advice types are called for people. */
static const char *advice_label(const char *type)
{
	if (type && strcmp(type, "conseil_duerp") == 0)
		return "Conseil pour le document unique (DUERP)";
	return "Conseil en prévention";
}

/* The company's activity with the service, for the professional who comes:
 * {"sessions": the awareness sessions attended, "advice": the advice
 * received, "cse_requests": the CSE requests before @p request (meeting,
 * agenda, who came, what was presented)}. NULL with @p err set. */
static json_t *cse_activity(socle_db *db, const json_t *request, socle_err *err)
{
	json_t *c = json_object_get(request, "company_id");
	json_t *sessions = socle_db_query_new(db,
		"SELECT s.held_on, a.title, a.kind, count(*) AS participants FROM awareness_registration r"
		" JOIN awareness_session s ON s.id = r.session_id JOIN awareness_action a"
		" ON a.id = s.action_id WHERE r.company_id = :c AND r.attended = 1"
		" GROUP BY s.id, s.held_on, a.title, a.kind ORDER BY s.held_on DESC LIMIT 200",
		json_pack("{s:O}", "c", c), err);
	json_t *advice = sessions ? socle_db_query_new(db,
		"SELECT type, given_on FROM awareness_advice WHERE company_id = :c"
		" ORDER BY given_on DESC, source_id DESC LIMIT 200", json_pack("{s:O}", "c", c), err) : NULL;
	json_t *before = advice ? socle_db_query_new(db,
		"SELECT id, meeting_on, agenda, status, professional_name, professional_role, presented"
		" FROM awareness_cse_request WHERE company_id = :c AND (meeting_on < :on"
		" OR (meeting_on = :on AND id < :id)) ORDER BY meeting_on DESC, id DESC LIMIT 100",
		json_pack("{s:O, s:O, s:O}", "c", c, "on", json_object_get(request, "meeting_on"), "id",
		          json_object_get(request, "id")), err) : NULL;
	if (before == NULL) {
		json_decref(sessions);
		json_decref(advice);
		return NULL;
	}
	size_t i;
	json_t *row;
	static const char *const lists[] = {"agenda", NULL};
	json_array_foreach(before, i, row) awareness_parse_columns(row, lists);
	json_array_foreach(advice, i, row)
		json_object_set_new(row, "label", json_string(advice_label(
			json_string_value(json_object_get(row, "type")))));
	return json_pack("{s:o, s:o, s:o}", "sessions", sessions, "advice", advice, "cse_requests",
	                 before);
}

/* GET /awareness/cse-requests/{id}: the request, the company's activity,
 * its barometer (none yet). */
static int route_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? cse_load(db, id, &err) : NULL;
	if (row == NULL)
		return socle_reply_err(req, &err);
	int64_t company = json_integer_value(json_object_get(row, "company_id"));
	if (socle_access_company(req, company, &err) != 0) {
		json_decref(row);
		return socle_reply_err(req, &err);
	}
	json_t *activity = cse_activity(db, row, &err);
	if (activity == NULL) {
		json_decref(row);
		return socle_reply_err(req, &err);
	}
	json_object_set_new(row, "activity", activity);
	json_object_set_new(row, "barometer", json_null());
	return socle_reply_json(req, 200, row);
}

/* GET /awareness/cse-requests?status= (staff): the desk's queue. */
static int route_queue(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const char *status = socle_req_query(req, "status");
	(void)ud;

	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db,
		"SELECT id, company_id, meeting_on, agenda, status, professional_id, professional_name,"
		" professional_role FROM awareness_cse_request WHERE (:status IS NULL OR status = :status)"
		" ORDER BY meeting_on, id LIMIT 500", json_pack("{s:s?}", "status", status), &err) : NULL;
	static const char *const lists[] = {"agenda", NULL};
	size_t i;
	json_t *row;

	if (rows == NULL)
		return socle_reply_err(req, &err);
	/* The desk reads what each meeting is about from the queue. */
	json_array_foreach(rows, i, row) awareness_parse_columns(row, lists);
	return socle_reply_page(req, rows, 500, "id");
}

struct cse_change {
	socle_req *req;
	int64_t id;
	const char *sql, *action, *need;
	json_t *params;
	bool wrong_state, tell_company; /* tell_company: mail who comes (assign) */
};

/* The French name of a staff role, as the company reads it. */
static const char *role_label(const char *role)
{
	static const struct {
		const char *role, *label;
	} labels[] = {
		{"medecin", "médecin du travail"},
		{"infirmier", "infirmier(e) en santé au travail"},
		{"iprp", "intervenant(e) en prévention des risques professionnels (IPRP)"},
		{"assistant_social", "assistant(e) de service social"},
		{"assistant_medical", "assistant(e) médical(e)"},
		{"service_admin", "membre de l'équipe du service"},
	};

	for (size_t i = 0; role && i < SOCLE_COUNT(labels); i++)
		if (strcmp(labels[i].role, role) == 0)
			return labels[i].label;
	return "membre de l'équipe du service";
}

/* Tell the company's contact and employer users who the service assigned to
 * request @p row (its meeting's day, agenda), in the transaction of @p wdb. */
static int mail_assigned(socle_db *wdb, const json_t *row, const char *name, const char *role,
                         socle_err *err)
{
	char day[SOCLE_DATE_FR_SIZE], subject[200];
	size_t i, len = 0;
	const json_t *point;
	json_t *to = awareness_company_emails(
		wdb, json_integer_value(json_object_get(row, "company_id")), err);

	if (to == NULL)
		return err->code;
	socle_date_fr(json_string_value(json_object_get(row, "meeting_on")), day);
	snprintf(subject, sizeof(subject), "Réunion de votre CSE du %s : l'intervenant du service", day);
	json_array_foreach(json_object_get(row, "agenda"), i, point)
		len += json_string_length(point) + 4;
	char *agenda = malloc(len + 1), *text = NULL;
	size_t at = 0;
	if (agenda)
		json_array_foreach(json_object_get(row, "agenda"), i, point)
			at += (size_t)snprintf(agenda + at, len + 1 - at, "- %s\n", json_string_value(point));
	if (agenda == NULL ||
	    asprintf(&text, "Bonjour,\n\nPour la réunion de votre CSE du %s, le service a désigné "
	             "%s, %s.\n\nOrdre du jour transmis :\n%s", day, name, role_label(role),
	             agenda) < 0) {
		free(agenda);
		json_decref(to);
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	free(agenda);
	int rc = 0;
	json_t *addr;
	json_array_foreach(to, i, addr) {
		struct socle_mail m = {.to = json_string_value(addr), .subject = subject, .text = text,
		                       .category = "cse"};
		int64_t job = socle_mail_queue(wdb, &m, 0, err);
		if (job < 0) {
			rc = (int)job;
			break;
		}
	}
	free(text);
	json_decref(to);
	return rc;
}

static int change_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct cse_change *c = ud;
	json_t *row = cse_load(wdb, c->id, err);

	if (row == NULL)
		return err->code;
	char today[SOCLE_DATE_SIZE];
	socle_date_today(today);
	const char *status = json_string_value(json_object_get(row, "status"));
	c->wrong_state = strstr(c->need, status) == NULL ||
	                 (strcmp(c->action, "awareness.cse.record") == 0 &&
	                  strcmp(json_string_value(json_object_get(row, "meeting_on")), today) > 0);
	int64_t company = json_integer_value(json_object_get(row, "company_id"));
	if (c->wrong_state) {
		json_decref(row);
		return SOCLE_E_CONFLICT;
	}
	json_object_set_new(c->params, "id", json_integer(c->id));
	json_object_set_new(c->params, "now", json_integer(socle_now_ms()));
	int rc = socle_db_run(wdb, c->sql, c->params, err);
	if (rc >= 0 && c->tell_company)
		rc = mail_assigned(wdb, row, json_string_value(json_object_get(c->params, "name")),
		                   json_string_value(json_object_get(c->params, "role")), err);
	json_decref(row);
	struct socle_audit_entry e = {.action = c->action, .object_type = "company",
	                              .object_id = company, .outcome = "ok"};
	return rc < 0 ? rc : socle_audit(wdb, c->req, &e, err);
}

static int change(socle_req *req, struct cse_change *c, const char *refusal)
{
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(socle_req_service(req), change_write, c, &err);

	json_decref(c->params);
	if (rc == SOCLE_E_CONFLICT && c->wrong_state)
		return awareness_conflict(req, refusal);
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? cse_load(db, c->id, &err) : NULL;
	return row ? socle_reply_json(req, 200, row) : socle_reply_err(req, &err);
}

static const struct socle_field assign_fields[] = {
	{.name = "professional_id", .type = SOCLE_F_INT, .required = true, .min = 1, .max = INT64_MAX},
};

/* POST /awareness/cse-requests/{id}/assign {professional_id} (staff) */
static int route_assign(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct cse_change c = {.req = req, .action = "awareness.cse.assign",
	                       .need = "requested assigned", .tell_company = true};
	(void)ud;

	if (socle_req_param_id(req, "id", &c.id) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_fields_check(socle_req_body(req), assign_fields, SOCLE_COUNT(assign_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_int_t pro = json_integer_value(json_object_get(socle_req_body(req), "professional_id"));
	json_t *user = socle_user_get(db, pro, &err);
	int role = user ? socle_role_parse(json_string_value(json_object_get(user, "role"))) : 0;
	if (user == NULL && err.code != SOCLE_E_NOTFOUND)
		return socle_reply_err(req, &err);
	if (role == 0 || (SOCLE_ROLE_BIT(role) & SOCLE_ROLES_STAFF) == 0 ||
	    json_is_true(json_object_get(user, "disabled"))) {
		json_decref(user);
		socle_field_error(&errors, "professional_id", "doit désigner un membre actif de l'équipe "
		                  "du service");
		return socle_reply_invalid(req, errors);
	}
	const char *name = json_string_value(json_object_get(user, "display_name"));
	c.params = json_pack("{s:I, s:s, s:s}", "pro", pro, "name",
	                     name && *name ? name : json_string_value(json_object_get(user, "email")),
	                     "role", socle_role_name(role));
	json_decref(user);
	c.sql = "UPDATE awareness_cse_request SET status = 'assigned', professional_id = :pro,"
	        " professional_name = :name, professional_role = :role, assigned_at = :now"
	        " WHERE id = :id";
	return change(req, &c, "La demande est déjà tenue ou annulée.");
}

static const struct socle_field record_fields[] = {
	{.name = "presented", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 8000},
};

/* POST /awareness/cse-requests/{id}/record {presented} (staff, after the meeting) */
static int route_record(socle_req *req, void *ud)
{
	json_t *errors = NULL;
	struct cse_change c = {.req = req, .action = "awareness.cse.record", .need = "assigned"};
	(void)ud;

	if (socle_req_param_id(req, "id", &c.id) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_fields_check(socle_req_body(req), record_fields, SOCLE_COUNT(record_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	c.params = json_pack("{s:O}", "presented", json_object_get(socle_req_body(req), "presented"));
	c.sql = "UPDATE awareness_cse_request SET status = 'held', presented = :presented,"
	        " recorded_at = :now WHERE id = :id";
	return change(req, &c, "Le compte rendu se note après la réunion, une fois l'intervenant "
	              "désigné.");
}

/* GET /awareness/cse-professionals (staff): whom the desk may assign, the
 * service's active team, each with his role in French as the company will
 * read it. */
static int route_professionals(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;
	socle_db *db = socle_req_reader(req, &err);
	json_t *users = db ? socle_users_list(db, SOCLE_ROLES_STAFF, NULL, 0, 0, 1000, &err) : NULL;

	if (users == NULL)
		return socle_reply_err(req, &err);
	json_t *items = json_array();
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u) {
		const char *name = json_string_value(json_object_get(u, "display_name"));
		const char *role = json_string_value(json_object_get(u, "role"));
		json_array_append_new(items, json_pack("{s:O, s:s, s:s?, s:s}", "id",
			json_object_get(u, "id"), "name",
			name && *name ? name : json_string_value(json_object_get(u, "email")), "role", role,
			"role_label", role_label(role)));
	}
	json_decref(users);
	return socle_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

static const struct socle_route cse_routes[] = {
	{SOCLE_POST, "/awareness/companies/{id}/cse-requests", SOCLE_CAP_AUTHENTICATED, 0,
	 route_request, NULL},
	{SOCLE_GET, "/awareness/companies/{id}/cse-requests", SOCLE_CAP_AUTHENTICATED, 0,
	 route_company_requests, NULL},
	{SOCLE_GET, "/awareness/cse-requests", AWARENESS_MANAGE, 0, route_queue, NULL},
	{SOCLE_GET, "/awareness/cse-professionals", AWARENESS_MANAGE, 0, route_professionals, NULL},
	{SOCLE_GET, "/awareness/cse-requests/{id}", SOCLE_CAP_AUTHENTICATED, 0, route_get, NULL},
	{SOCLE_POST, "/awareness/cse-requests/{id}/assign", AWARENESS_MANAGE, 0, route_assign, NULL},
	{SOCLE_POST, "/awareness/cse-requests/{id}/record", AWARENESS_MANAGE, 16384, route_record, NULL},
};

int awareness_cse_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, cse_routes, SOCLE_COUNT(cse_routes), err);
}
