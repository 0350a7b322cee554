/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The relay network (seed 3.4.3): people who pass the service's information
 * on, in a company (named by the company or staff) or in a branch (a NAF
 * division, named by staff). Mailings (mailing.c) reach the relays of the
 * companies and branches they are sent to. */
#include "awareness.h"

json_t *awareness_relay_emails(socle_db *db, int64_t company, const char *division, socle_err *err)
{
	json_t *rows = socle_db_query_new(db, "SELECT email FROM awareness_relay"
		" WHERE (:c > 0 AND company_id = :c) OR (:d IS NOT NULL AND naf_division = :d)"
		" ORDER BY id LIMIT 1000", json_pack("{s:I, s:s?}", "c", (json_int_t)company, "d",
		                                     division), err);
	json_t *out = rows ? json_array() : NULL;
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r) json_array_append(out, json_object_get(r, "email"));
	json_decref(rows);
	return out;
}

static const struct socle_field relay_fields[] = {
	{.name = "company_id", .type = SOCLE_F_INT, .min = 1, .max = INT64_MAX},
	{.name = "naf_division", .type = SOCLE_F_STRING, .min = 2, .max = 2},
	{.name = "name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200},
	{.name = "email", .type = SOCLE_F_EMAIL, .required = true},
};

static bool is_division(const char *s)
{
	return s && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] == '\0';
}

struct relay_new {
	socle_req *req;
	const json_t *body;
	int64_t id;
};

static int relay_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct relay_new *r = ud;
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_relay (company_id, naf_division, name, email, added_at, added_by)"
		" VALUES (:c, :d, :name, :email, :now, :by)",
		json_pack("{s:O?, s:O?, s:O, s:O, s:I, s:I}", "c", json_object_get(r->body, "company_id"),
		          "d", json_object_get(r->body, "naf_division"), "name",
		          json_object_get(r->body, "name"), "email", json_object_get(r->body, "email"),
		          "now", (json_int_t)socle_now_ms(), "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(r->req))), err);
	if (rc < 0)
		return rc;
	r->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "awareness.relay.add", .object_type = "awareness_relay",
	                              .object_id = r->id, .outcome = "ok"};
	return socle_audit(wdb, r->req, &e, err);
}

/* POST /awareness/relays {company_id | naf_division, name, email}: a
 * company's relay (its employer or staff), a branch's (staff). */
static int route_relay_add(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct relay_new r = {.req = req, .body = socle_req_body(req)};
	(void)ud;

	if (socle_fields_check(r.body, relay_fields, SOCLE_COUNT(relay_fields), NULL, &errors) == 0) {
		const json_t *c = json_object_get(r.body, "company_id");
		const char *d = json_string_value(json_object_get(r.body, "naf_division"));
		if ((c == NULL) == (d == NULL))
			socle_field_error(&errors, "company_id", "une entreprise ou une division NAF, l'une "
			                  "des deux");
		else if (d && !is_division(d))
			socle_field_error(&errors, "naf_division", "deux chiffres, par exemple 43");
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	const json_t *c = json_object_get(r.body, "company_id");
	if (c ? socle_access_company(req, json_integer_value(c), &err) != 0
	      : !socle_principal_can(socle_req_principal(req), AWARENESS_MANAGE)) {
		if (!err.code)
			return socle_reply_error(req, 403, "forbidden", "Seule l'équipe du service nomme les "
			                         "relais d'une branche.");
		return socle_reply_err(req, &err);
	}
	if (c) {
		socle_db *db = socle_req_reader(req, &err);
		int known = db ? awareness_membership->company_exists(db, json_integer_value(c), &err)
		               : err.code;
		if (known < 0)
			return socle_reply_err(req, &err);
		if (known == 0) {
			socle_field_error(&errors, "company_id", "aucune entreprise n'a ce numéro");
			return socle_reply_invalid(req, errors);
		}
	}
	if (socle_service_write(socle_req_service(req), relay_write, &r, &err) != 0)
		return socle_reply_err(req, &err);
	json_t *out = json_deep_copy(r.body);
	json_object_set_new(out, "id", json_integer(r.id));
	return socle_reply_json(req, 201, out);
}

/* GET /awareness/relays?company_id=&naf_division= : staff see all; an
 * employer its company's (named). */
static int route_relays(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const char *c = socle_req_query(req, "company_id"), *d = socle_req_query(req, "naf_division");
	int64_t company = 0;
	bool staff = socle_principal_can(socle_req_principal(req), AWARENESS_MANAGE);
	(void)ud;

	if ((c && (sscanf(c, "%" SCNd64, &company) != 1 || company <= 0)) || (!staff && company == 0)) {
		json_t *errors = NULL;
		socle_field_error(&errors, "company_id", "obligatoire : le numéro de votre entreprise");
		return socle_reply_invalid(req, errors);
	}
	if (company && socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT id, company_id, naf_division, name, email"
		" FROM awareness_relay WHERE (:c = 0 OR company_id = :c)"
		" AND (:d IS NULL OR naf_division = :d)"
		" ORDER BY id LIMIT 1000", json_pack("{s:I, s:s?}", "c", (json_int_t)company, "d",
		                                     company ? NULL : d), &err) : NULL;
	return rows ? socle_reply_page(req, rows, 1000, "id") : socle_reply_err(req, &err);
}

static const struct socle_route relay_routes[] = {
	{SOCLE_POST, "/awareness/relays", SOCLE_CAP_AUTHENTICATED, 0, route_relay_add, NULL},
	{SOCLE_GET, "/awareness/relays", SOCLE_CAP_AUTHENTICATED, 0, route_relays, NULL},
};

int awareness_relays_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, relay_routes, SOCLE_COUNT(relay_routes), err);
}
