/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The needs a company or its branch expresses (seed 3.4.1.3: "attentes
 * éventuellement exprimées par l'entreprise ou sa branche professionnelle"),
 * recorded by the company itself or by staff. Each starts the parcours of
 * 3.4.1 (awareness_parcours.lua: A need collected, B workshop proposed and
 * registered, C attended and satisfaction measured) through the event
 * awareness.need_expressed. */
#include "awareness.h"

static const char *const sources[] = {"entreprise", "branche", NULL};

static const struct socle_field need_fields[] = {
	{.name = "source", .type = SOCLE_F_ENUM, .required = true, .choices = sources},
	{.name = "expectations", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 4000},
	{.name = "risks", .type = SOCLE_F_ARRAY, .max = 64},
};

struct need_new {
	socle_req *req;
	int64_t company, id;
	const json_t *body;
};

static int need_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct need_new *n = ud;
	const json_t *risks = json_object_get(n->body, "risks");
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_need (company_id, source, expectations, risks, recorded_at,"
		" recorded_by) VALUES (:c, :source, :text, :risks, :now, :by)",
		json_pack("{s:I, s:O, s:O, s:o, s:I, s:I}", "c", (json_int_t)n->company, "source",
		          json_object_get(n->body, "source"), "text",
		          json_object_get(n->body, "expectations"), "risks",
		          risks ? json_deep_copy(risks) : json_array(), "now", (json_int_t)socle_now_ms(),
		          "by", (json_int_t)socle_principal_user_id(socle_req_principal(n->req))), err);
	if (rc < 0)
		return rc;
	n->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "awareness.need.record", .object_type = "company",
	                              .object_id = n->company, .outcome = "ok"};
	if ((rc = socle_audit(wdb, n->req, &e, err)) != 0)
		return rc;
	json_t *ev = json_pack("{s:I, s:I}", "need_id", (json_int_t)n->id, "company_id",
	                       (json_int_t)n->company);
	rc = socle_event_emit(wdb, "awareness.need_expressed", ev, err);
	json_decref(ev);
	return rc;
}

/* POST /awareness/companies/{id}/needs {source, expectations, risks?} */
static int route_need(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct need_new n = {.req = req, .body = socle_req_body(req)};
	(void)ud;

	if (socle_req_param_id(req, "id", &n.company) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, n.company, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_fields_check(n.body, need_fields, SOCLE_COUNT(need_fields), NULL, &errors) == 0)
		awareness_check_texts(json_object_get(n.body, "risks"), "risks", NULL, &errors);
	if (errors)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	int known = db ? awareness_membership->company_exists(db, n.company, &err) : err.code;
	if (known < 0)
		return socle_reply_err(req, &err);
	if (known == 0)
		return SOCLE_E_NOTFOUND;
	if (socle_service_write(socle_req_service(req), need_write, &n, &err) != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201, json_pack("{s:I, s:I, s:O, s:O}", "id", (json_int_t)n.id,
		"company_id", (json_int_t)n.company, "source", json_object_get(n.body, "source"),
		"expectations", json_object_get(n.body, "expectations")));
}

/* GET /awareness/companies/{id}/needs */
static int route_needs(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	static const char *const lists[] = {"risks", NULL};
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT id, source, expectations, risks, recorded_at"
		" FROM awareness_need WHERE company_id = :c ORDER BY id DESC LIMIT 500",
		json_pack("{s:I}", "c", (json_int_t)company), &err) : NULL;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) awareness_parse_columns(row, lists);
	return rows ? socle_reply_page(req, rows, 500, "id") : socle_reply_err(req, &err);
}

static const struct socle_route need_routes[] = {
	{SOCLE_POST, "/awareness/companies/{id}/needs", SOCLE_CAP_AUTHENTICATED, 0, route_need, NULL},
	{SOCLE_GET, "/awareness/companies/{id}/needs", SOCLE_CAP_AUTHENTICATED, 0, route_needs, NULL},
};

int awareness_needs_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, need_routes, SOCLE_COUNT(need_routes), err);
}
