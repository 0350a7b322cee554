/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Designated competent employees (seed 3.4.3, L4644-1) and the passeport de
 * prévention:
 *   - each company names its salariés désignés compétents (a worker of its
 *     own, from a date, with the mission given); the list shows the
 *     trainings each completed through the service (sessions attended);
 *   - the service keeps a directory of accredited training bodies, and a
 *     designated employee is referred to one of them for a topic;
 *   - the passeport export: per worker, the trainings completed through the
 *     service, designated employees first, as one CSV line each. The Caisse
 *     des Dépôts' bulk import format could not be checked from here: the
 *     mapping is documented in the README and lives in passeport_line()
 *     alone, so that it changes in one place. */
#include <stdlib.h>

#include "awareness.h"

static const struct socle_field designate_fields[] = {
	{.name = "worker_id", .type = SOCLE_F_INT, .required = true, .min = 1, .max = INT64_MAX},
	{.name = "designated_on", .type = SOCLE_F_DATE, .required = true},
	{.name = "mission", .type = SOCLE_F_STRING, .min = 1, .max = 2000},
};

struct designation {
	socle_req *req;
	int64_t company;
	const json_t *body;
	bool duplicate;
};

static int designate_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct designation *d = ud;
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_designated (company_id, worker_id, designated_on, mission,"
		" created_at, created_by) VALUES (:c, :w, :on, :mission, :now, :by)"
		" ON CONFLICT (company_id, worker_id) DO NOTHING",
		json_pack("{s:I, s:O, s:O, s:O?, s:I, s:I}", "c", (json_int_t)d->company, "w",
		          json_object_get(d->body, "worker_id"), "on",
		          json_object_get(d->body, "designated_on"), "mission",
		          json_object_get(d->body, "mission"), "now", (json_int_t)socle_now_ms(), "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(d->req))), err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		d->duplicate = true;
		return SOCLE_E_EXISTS;
	}
	struct socle_audit_entry e = {.action = "awareness.designated.add", .object_type = "company",
	                              .object_id = d->company, .outcome = "ok"};
	return socle_audit(wdb, d->req, &e, err);
}

/* A worker's trainings completed through the service, oldest first. */
static json_t *trainings(socle_db *db, int64_t company, int64_t worker, socle_err *err)
{
	return socle_db_query_new(db,
		"SELECT a.id AS action_id, a.title, a.kind, a.format, s.held_on, s.duration_min,"
		" s.link IS NOT NULL AS online FROM awareness_registration r"
		" JOIN awareness_session s ON s.id = r.session_id JOIN awareness_action a"
		" ON a.id = s.action_id WHERE r.company_id = :c AND r.worker_id = :w AND r.attended = 1"
		" ORDER BY s.held_on, s.id LIMIT 500",
		json_pack("{s:I, s:I}", "c", (json_int_t)company, "w", (json_int_t)worker), err);
}

/* POST /awareness/companies/{id}/designated {worker_id, designated_on, mission?} */
static int route_designate(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct designation d = {.req = req, .body = socle_req_body(req)};
	(void)ud;

	if (socle_req_param_id(req, "id", &d.company) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, d.company, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_fields_check(d.body, designate_fields, SOCLE_COUNT(designate_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *w = awareness_membership->worker_get(
		db, json_integer_value(json_object_get(d.body, "worker_id")), &err);
	if (w == NULL && err.code != SOCLE_E_NOTFOUND)
		return socle_reply_err(req, &err);
	if (w == NULL || json_integer_value(json_object_get(w, "company_id")) != d.company ||
	    json_is_string(json_object_get(w, "end_date")))
		socle_field_error(&errors, "worker_id", "doit désigner un salarié présent de cette entreprise");
	json_decref(w);
	if (errors)
		return socle_reply_invalid(req, errors);
	int rc = socle_service_write(socle_req_service(req), designate_write, &d, &err);
	if (rc == SOCLE_E_EXISTS && d.duplicate)
		return socle_reply_error(req, 409, "already_exists", "Ce salarié est déjà désigné.");
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201, json_pack("{s:I, s:O, s:O}", "company_id",
		(json_int_t)d.company, "worker_id", json_object_get(d.body, "worker_id"), "designated_on",
		json_object_get(d.body, "designated_on")));
}

/* GET /awareness/companies/{id}/designated: each designated employee, with
 * name and the trainings completed through the service. */
static int route_designated(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT worker_id, designated_on, mission"
		" FROM awareness_designated WHERE company_id = :c ORDER BY worker_id LIMIT 500",
		json_pack("{s:I}", "c", (json_int_t)company), &err) : NULL;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		int64_t wid = json_integer_value(json_object_get(row, "worker_id"));
		json_t *w = awareness_membership->worker_get(db, wid, &err);
		json_t *t = w ? trainings(db, company, wid, &err) : NULL;
		if (t == NULL) {
			json_decref(w);
			json_decref(rows);
			return socle_reply_err(req, &err);
		}
		json_object_set(row, "first_name", json_object_get(w, "first_name"));
		json_object_set(row, "last_name", json_object_get(w, "last_name"));
		json_object_set_new(row, "trainings", t);
		json_decref(w);
		json_t *refs = socle_db_query_new(db, "SELECT f.topic, f.referred_on, b.name AS body,"
			" b.accreditation FROM awareness_referral f JOIN awareness_training_body b"
			" ON b.id = f.body_id WHERE f.company_id = :c AND f.worker_id = :w ORDER BY f.id"
			" LIMIT 100", json_pack("{s:I, s:I}", "c", (json_int_t)company, "w", (json_int_t)wid),
			&err);
		if (refs == NULL) {
			json_decref(rows);
			return socle_reply_err(req, &err);
		}
		json_object_set_new(row, "referrals", refs);
	}
	return rows ? socle_reply_page(req, rows, 500, "worker_id") : socle_reply_err(req, &err);
}

/* ---- referrals of a designated employee to an accredited body ---- */

static const struct socle_field referral_fields[] = {
	{.name = "body_id", .type = SOCLE_F_INT, .required = true, .min = 1, .max = INT64_MAX},
	{.name = "topic", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 500},
};

struct referral {
	socle_req *req;
	int64_t company, worker;
	const json_t *body;
	bool not_designated, unknown_body;
};

static int referral_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct referral *r = ud;
	json_t *check = socle_db_query_one_new(wdb,
		"SELECT EXISTS (SELECT 1 FROM awareness_designated WHERE company_id = :c"
		" AND worker_id = :w) AS designated, EXISTS (SELECT 1 FROM awareness_training_body"
		" WHERE id = :b) AS body", json_pack("{s:I, s:I, s:O}", "c", (json_int_t)r->company, "w",
		(json_int_t)r->worker, "b", json_object_get(r->body, "body_id")), err);
	if (check == NULL)
		return err->code;
	r->not_designated = json_integer_value(json_object_get(check, "designated")) != 1;
	r->unknown_body = json_integer_value(json_object_get(check, "body")) != 1;
	json_decref(check);
	if (r->not_designated || r->unknown_body)
		return SOCLE_E_CONFLICT;
	char today[SOCLE_DATE_SIZE];
	socle_date_today(today);
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_referral (company_id, worker_id, body_id, topic, referred_on,"
		" referred_by) VALUES (:c, :w, :b, :topic, :on, :by)",
		json_pack("{s:I, s:I, s:O, s:O, s:s, s:I}", "c", (json_int_t)r->company, "w",
		          (json_int_t)r->worker, "b", json_object_get(r->body, "body_id"), "topic",
		          json_object_get(r->body, "topic"), "on", today, "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(r->req))), err);
	struct socle_audit_entry e = {.action = "awareness.referral.add", .object_type = "company",
	                              .object_id = r->company, .outcome = "ok"};
	return rc < 0 ? rc : socle_audit(wdb, r->req, &e, err);
}

/* POST /awareness/companies/{id}/designated/{wid}/referrals {body_id, topic}:
 * the designated employee is sent to an accredited body of the directory. */
static int route_referral(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct referral r = {.req = req, .body = socle_req_body(req)};
	(void)ud;

	if (socle_req_param_id(req, "id", &r.company) != 0 ||
	    socle_req_param_id(req, "wid", &r.worker) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, r.company, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_fields_check(r.body, referral_fields, SOCLE_COUNT(referral_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	int rc = socle_service_write(socle_req_service(req), referral_write, &r, &err);
	if (rc == SOCLE_E_CONFLICT && r.unknown_body) {
		socle_field_error(&errors, "body_id", "aucun organisme de l'annuaire n'a ce numéro");
		return socle_reply_invalid(req, errors);
	}
	if (rc == SOCLE_E_CONFLICT && r.not_designated)
		return awareness_conflict(req, "Ce salarié n'est pas désigné compétent dans cette "
		                          "entreprise.");
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201, json_pack("{s:I, s:I, s:O, s:O}", "company_id",
		(json_int_t)r.company, "worker_id", (json_int_t)r.worker, "body_id",
		json_object_get(r.body, "body_id"), "topic", json_object_get(r.body, "topic")));
}

/* ---- the directory of accredited training bodies ---- */

static int check_web(const json_t *v, char *msg, size_t size)
{
	const char *s = json_string_value(v);

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
		snprintf(msg, size, "doit être une adresse web (https://...)");
		return -1;
	}
	return 0;
}

static const struct socle_field body_fields[] = {
	{.name = "name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200},
	{.name = "accreditation", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200},
	{.name = "city", .type = SOCLE_F_STRING, .min = 1, .max = 100},
	{.name = "email", .type = SOCLE_F_EMAIL},
	{.name = "url", .type = SOCLE_F_STRING, .min = 1, .max = 500, .check = check_web},
};

struct body_new {
	socle_req *req;
	const json_t *body;
	int64_t id;
};

static int body_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct body_new *b = ud;
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_training_body (name, accreditation, city, email, url, created_at)"
		" VALUES (:name, :accreditation, :city, :email, :url, :now)",
		json_pack("{s:O, s:O, s:O?, s:O?, s:O?, s:I}", "name", json_object_get(b->body, "name"),
		          "accreditation", json_object_get(b->body, "accreditation"), "city",
		          json_object_get(b->body, "city"), "email", json_object_get(b->body, "email"),
		          "url", json_object_get(b->body, "url"), "now", (json_int_t)socle_now_ms()), err);
	if (rc < 0)
		return rc;
	b->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "awareness.training_body.add",
	                              .object_type = "awareness_training_body", .object_id = b->id,
	                              .outcome = "ok"};
	return socle_audit(wdb, b->req, &e, err);
}

/* POST /awareness/training-bodies (staff) */
static int route_body_create(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct body_new b = {.req = req, .body = socle_req_body(req)};
	(void)ud;

	if (socle_fields_check(b.body, body_fields, SOCLE_COUNT(body_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	if (socle_service_write(socle_req_service(req), body_write, &b, &err) != 0)
		return socle_reply_err(req, &err);
	json_t *out = json_deep_copy(b.body);
	json_object_set_new(out, "id", json_integer(b.id));
	return socle_reply_json(req, 201, out);
}

/* GET /awareness/training-bodies (any account: where to send a designated employee) */
static int route_body_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT id, name, accreditation, city, email, url"
		" FROM awareness_training_body ORDER BY name, id LIMIT 500", json_object(), &err) : NULL;
	return rows ? socle_reply_page(req, rows, 500, "id") : socle_reply_err(req, &err);
}

/* ---- the passeport de prévention ---- */

/* One CSV field: quoted when it holds the separator, a quote or a line break. */
static void csv_field(json_t *out_parts, const char *s)
{
	s = s ? s : "";
	if (strpbrk(s, ";\"\r\n") == NULL) {
		json_array_append_new(out_parts, json_string(s));
		return;
	}
	size_t n = strlen(s);
	char *q = malloc(2 * n + 3), *p = q;
	if (q == NULL)
		return;
	*p++ = '"';
	for (; *s; s++) {
		if (*s == '"')
			*p++ = '"';
		*p++ = *s;
	}
	*p++ = '"';
	*p = '\0';
	json_array_append_new(out_parts, json_string(q));
	free(q);
}

/* The header of the export: the one place the mapping lives (README). */
static const char passeport_header[] =
	"nom;prenom;date_naissance;salarie_designe;intitule;type;modalite;date_debut;date_fin;"
	"duree_heures;organisme;siret_organisme\r\n";

/* One line of the export for @p worker and one training @p t. */
static void passeport_line(json_t *parts, const json_t *worker, bool designated, const json_t *t,
                           const char *body_name, const char *body_siret)
{
	char hours[32];
	json_int_t minutes = json_integer_value(json_object_get(t, "duration_min"));

	snprintf(hours, sizeof(hours), "%lld,%02lld", (long long)(minutes / 60),
	         (long long)(minutes % 60 * 100 / 60));
	csv_field(parts, json_string_value(json_object_get(worker, "last_name")));
	csv_field(parts, json_string_value(json_object_get(worker, "first_name")));
	csv_field(parts, json_string_value(json_object_get(worker, "birth_date")));
	csv_field(parts, designated ? "oui" : "non");
	csv_field(parts, json_string_value(json_object_get(t, "title")));
	csv_field(parts, json_string_value(json_object_get(t, "kind")));
	csv_field(parts, json_integer_value(json_object_get(t, "online")) ? "distanciel" : "presentiel");
	csv_field(parts, json_string_value(json_object_get(t, "held_on")));
	csv_field(parts, json_string_value(json_object_get(t, "held_on")));
	csv_field(parts, hours);
	csv_field(parts, body_name);
	csv_field(parts, body_siret);
}

/* GET /awareness/companies/{id}/passeport.csv: the company's workers'
 * trainings completed through the service, designated employees first. */
static int route_passeport(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *people = db ? socle_db_query_new(db,
		"SELECT DISTINCT r.worker_id, EXISTS (SELECT 1 FROM awareness_designated d"
		" WHERE d.company_id = r.company_id AND d.worker_id = r.worker_id) AS designated"
		" FROM awareness_registration r WHERE r.company_id = :c AND r.attended = 1"
		" AND r.worker_id IS NOT NULL ORDER BY designated DESC, r.worker_id LIMIT 10000",
		json_pack("{s:I}", "c", (json_int_t)company), &err) : NULL;
	if (people == NULL)
		return socle_reply_err(req, &err);
	const json_t *settings = socle_service_settings(socle_req_service(req), awareness_plugin);
	const json_t *identity = socle_service_identity(socle_req_service(req));
	const char *body_name = json_string_value(json_object_get(identity, "legal_name"));
	const char *body_siret = json_string_value(json_object_get(settings, "siret"));
	json_t *lines = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(people, i, p) {
		int64_t wid = json_integer_value(json_object_get(p, "worker_id"));
		json_t *w = awareness_membership->worker_get(db, wid, &err);
		json_t *t = w ? trainings(db, company, wid, &err) : NULL;
		if (t == NULL) {
			json_decref(w);
			json_decref(lines);
			json_decref(people);
			return socle_reply_err(req, &err);
		}
		size_t j;
		json_t *one;
		json_array_foreach(t, j, one) {
			json_t *parts = json_array();
			passeport_line(parts, w, json_integer_value(json_object_get(p, "designated")) == 1, one,
			               body_name, body_siret);
			json_array_append_new(lines, parts);
		}
		json_decref(t);
		json_decref(w);
	}
	json_decref(people);
	size_t cap = sizeof(passeport_header) + 1, len = 0;
	size_t k;
	json_t *parts;
	json_array_foreach(lines, k, parts) {
		size_t m;
		json_t *f;
		json_array_foreach(parts, m, f) cap += json_string_length(f) + 1;
		cap += 2;
	}
	char *text = malloc(cap);
	if (text == NULL) {
		json_decref(lines);
		return SOCLE_E_NOMEM;
	}
	len = (size_t)snprintf(text, cap, "%s", passeport_header);
	json_array_foreach(lines, k, parts) {
		size_t m;
		json_t *f;
		json_array_foreach(parts, m, f)
			len += (size_t)snprintf(text + len, cap - len, "%s%s", m ? ";" : "",
			                        json_string_value(f));
		len += (size_t)snprintf(text + len, cap - len, "\r\n");
	}
	json_decref(lines);
	int rc = socle_reply_bytes(req, 200, "text/csv; charset=utf-8", text, len);
	free(text);
	return rc;
}

static const struct socle_route designated_routes[] = {
	{SOCLE_POST, "/awareness/companies/{id}/designated", SOCLE_CAP_AUTHENTICATED, 0,
	 route_designate, NULL},
	{SOCLE_GET, "/awareness/companies/{id}/designated", SOCLE_CAP_AUTHENTICATED, 0,
	 route_designated, NULL},
	{SOCLE_POST, "/awareness/companies/{id}/designated/{wid}/referrals", SOCLE_CAP_AUTHENTICATED,
	 0, route_referral, NULL},
	{SOCLE_GET, "/awareness/companies/{id}/passeport.csv", SOCLE_CAP_AUTHENTICATED, 0,
	 route_passeport, NULL},
	{SOCLE_POST, "/awareness/training-bodies", AWARENESS_MANAGE, 0, route_body_create, NULL},
	{SOCLE_GET, "/awareness/training-bodies", SOCLE_CAP_AUTHENTICATED, 0, route_body_list, NULL},
};

int awareness_designated_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, designated_routes, SOCLE_COUNT(designated_routes), err);
}
