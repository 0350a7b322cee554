/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Designated competent employees (seed 3.4.3, L4644-1) and the passeport de
 * prévention:
 *   - each company names its salariés désignés compétents (a worker of its
 *     own, from a date, with the mission given); a designation ends on a
 *     date the company or staff give, and a worker may be designated again
 *     later (one row per period); the list keeps them all, each with
 *     whether it is current: not once ended, nor when the worker left the
 *     company (membership.v1 worker_get end_date); it shows the trainings
 *     each completed through the service (sessions attended);
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
	/* One period at a time: none still running on the new designation's day. */
	json_t *open = socle_db_query_one_new(wdb,
		"SELECT count(*) AS n FROM awareness_designated WHERE company_id = :c AND worker_id = :w"
		" AND (ended_on IS NULL OR ended_on > :on)",
		json_pack("{s:I, s:O, s:O}", "c", (json_int_t)d->company, "w",
		          json_object_get(d->body, "worker_id"), "on",
		          json_object_get(d->body, "designated_on")), err);
	if (open == NULL)
		return err->code;
	d->duplicate = json_integer_value(json_object_get(open, "n")) > 0;
	json_decref(open);
	if (d->duplicate)
		return SOCLE_E_EXISTS;
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_designated (company_id, worker_id, designated_on, mission,"
		" created_at, created_by) VALUES (:c, :w, :on, :mission, :now, :by)",
		json_pack("{s:I, s:O, s:O, s:O?, s:I, s:I}", "c", (json_int_t)d->company, "w",
		          json_object_get(d->body, "worker_id"), "on",
		          json_object_get(d->body, "designated_on"), "mission",
		          json_object_get(d->body, "mission"), "now", (json_int_t)socle_now_ms(), "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(d->req))), err);
	if (rc < 0)
		return rc;
	struct socle_audit_entry e = {.action = "awareness.designated.add", .object_type = "company",
	                              .object_id = d->company, .outcome = "ok"};
	return socle_audit(wdb, d->req, &e, err);
}

/* Was the worker of registration r designated on the day session s was held?
 * (The history: a designation that ended leaves its trainings designated.) */
#define AS_DESIGNATED                                                                      \
	"EXISTS (SELECT 1 FROM awareness_designated d WHERE d.company_id = r.company_id"        \
	" AND d.worker_id = r.worker_id AND d.designated_on <= s.held_on"                       \
	" AND (d.ended_on IS NULL OR s.held_on <= d.ended_on))"

/* A worker's trainings completed through the service, oldest first, each
 * with "as_designated". */
static json_t *trainings(socle_db *db, int64_t company, int64_t worker, socle_err *err)
{
	json_t *rows = socle_db_query_new(db,
		"SELECT a.id AS action_id, a.title, a.kind, a.format, s.held_on, s.duration_min,"
		" s.link IS NOT NULL AS online, " AS_DESIGNATED " AS as_designated"
		" FROM awareness_registration r"
		" JOIN awareness_session s ON s.id = r.session_id JOIN awareness_action a"
		" ON a.id = s.action_id WHERE r.company_id = :c AND r.worker_id = :w AND r.attended = 1"
		" ORDER BY s.held_on, s.id LIMIT 500",
		json_pack("{s:I, s:I}", "c", (json_int_t)company, "w", (json_int_t)worker), err);
	size_t i;
	json_t *t;

	json_array_foreach(rows, i, t)
		json_object_set_new(t, "as_designated",
		                    json_boolean(json_integer_value(json_object_get(t, "as_designated"))));
	return rows;
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

/* Set on designation @p row "current", "status" (en_cours, terminee,
 * a_quitte), "status_label" (French) and "left_on", from its end date and
 * the worker's exit date @p left (NULL while employed) on @p today. */
static void designation_status(json_t *row, const char *left, const char *today)
{
	const char *ended = json_string_value(json_object_get(row, "ended_on"));
	char day[SOCLE_DATE_FR_SIZE], label[96];
	bool gone = left && strcmp(left, today) <= 0;
	const char *status = "en_cours";

	if (ended && strcmp(ended, today) <= 0) {
		status = "terminee";
		socle_date_fr(ended, day);
		snprintf(label, sizeof(label), "désignation terminée le %s", day);
	} else if (gone) {
		status = "a_quitte";
		snprintf(label, sizeof(label), "a quitté l'entreprise");
	} else if (ended) {
		socle_date_fr(ended, day);
		snprintf(label, sizeof(label), "en fonction jusqu'au %s", day);
	} else {
		snprintf(label, sizeof(label), "en fonction");
	}
	json_object_set_new(row, "current", json_boolean(strcmp(status, "en_cours") == 0));
	json_object_set_new(row, "status", json_string(status));
	json_object_set_new(row, "status_label", json_string(label));
	json_object_set_new(row, "left_on", gone ? json_string(left) : json_null());
}

/* GET /awareness/companies/{id}/designated?current=: each designation (one
 * per period), current or not, with the worker's name and the trainings
 * completed through the service; current=1: the current ones only. */
static int route_designated(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	const char *only = socle_req_query(req, "current");
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	if (only && strcmp(only, "1") != 0 && strcmp(only, "0") != 0) {
		json_t *errors = NULL;
		socle_field_error(&errors, "current", "1 (les désignations en cours seules) ou 0");
		return socle_reply_invalid(req, errors);
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT id, worker_id, designated_on, mission,"
		" ended_on FROM awareness_designated WHERE company_id = :c"
		" ORDER BY worker_id, designated_on, id LIMIT 500",
		json_pack("{s:I}", "c", (json_int_t)company), &err) : NULL;
	char today[SOCLE_DATE_SIZE];
	socle_date_today(today);
	json_t *kept = rows ? json_array() : NULL;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		int64_t wid = json_integer_value(json_object_get(row, "worker_id"));
		json_t *w = awareness_membership->worker_get(db, wid, &err);
		json_t *t = w ? trainings(db, company, wid, &err) : NULL;
		if (t == NULL) {
			json_decref(w);
			json_decref(rows);
			json_decref(kept);
			return socle_reply_err(req, &err);
		}
		json_object_set(row, "first_name", json_object_get(w, "first_name"));
		json_object_set(row, "last_name", json_object_get(w, "last_name"));
		json_object_set_new(row, "trainings", t);
		designation_status(row, json_string_value(json_object_get(w, "end_date")), today);
		json_decref(w);
		if (only && strcmp(only, "1") == 0 && !json_is_true(json_object_get(row, "current")))
			continue;
		json_array_append(kept, row);
		json_t *refs = socle_db_query_new(db, "SELECT f.topic, f.referred_on, b.name AS body,"
			" b.accreditation FROM awareness_referral f JOIN awareness_training_body b"
			" ON b.id = f.body_id WHERE f.company_id = :c AND f.worker_id = :w ORDER BY f.id"
			" LIMIT 100", json_pack("{s:I, s:I}", "c", (json_int_t)company, "w", (json_int_t)wid),
			&err);
		if (refs == NULL) {
			json_decref(rows);
			json_decref(kept);
			return socle_reply_err(req, &err);
		}
		json_object_set_new(row, "referrals", refs);
	}
	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_decref(rows);
	return socle_reply_page(req, kept, 500, "id");
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
	char today[SOCLE_DATE_SIZE];
	socle_date_today(today);
	/* Only a designation that runs today: not one that ended. */
	json_t *check = socle_db_query_one_new(wdb,
		"SELECT EXISTS (SELECT 1 FROM awareness_designated WHERE company_id = :c"
		" AND worker_id = :w AND designated_on <= :today AND (ended_on IS NULL"
		" OR ended_on > :today)) AS designated, EXISTS (SELECT 1 FROM awareness_training_body"
		" WHERE id = :b) AS body", json_pack("{s:I, s:I, s:O, s:s}", "c", (json_int_t)r->company,
		"w", (json_int_t)r->worker, "b", json_object_get(r->body, "body_id"), "today", today),
		err);
	if (check == NULL)
		return err->code;
	r->not_designated = r->not_designated ||
	                    json_integer_value(json_object_get(check, "designated")) != 1;
	r->unknown_body = json_integer_value(json_object_get(check, "body")) != 1;
	json_decref(check);
	if (r->not_designated || r->unknown_body)
		return SOCLE_E_CONFLICT;
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
	/* A worker who left the company is no longer its designated employee. */
	socle_db *db = socle_req_reader(req, &err);
	json_t *w = db ? awareness_membership->worker_get(db, r.worker, &err) : NULL;
	if (w == NULL && err.code != SOCLE_E_NOTFOUND)
		return socle_reply_err(req, &err);
	char today[SOCLE_DATE_SIZE];
	socle_date_today(today);
	const char *left = json_string_value(json_object_get(w, "end_date"));
	r.not_designated = w == NULL || (left && strcmp(left, today) <= 0);
	json_decref(w);
	int rc = socle_service_write(socle_req_service(req), referral_write, &r, &err);
	if (rc == SOCLE_E_CONFLICT && r.unknown_body) {
		socle_field_error(&errors, "body_id", "aucun organisme de l'annuaire n'a ce numéro");
		return socle_reply_invalid(req, errors);
	}
	if (rc == SOCLE_E_CONFLICT && r.not_designated)
		return awareness_conflict(req, "Ce salarié n'est pas (ou plus) désigné compétent dans "
		                          "cette entreprise.");
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201, json_pack("{s:I, s:I, s:O, s:O}", "company_id",
		(json_int_t)r.company, "worker_id", (json_int_t)r.worker, "body_id",
		json_object_get(r.body, "body_id"), "topic", json_object_get(r.body, "topic")));
}

/* ---- the end of a designation ---- */

static const struct socle_field end_fields[] = {
	{.name = "ended_on", .type = SOCLE_F_DATE, .required = true},
};

struct designation_end {
	socle_req *req;
	int64_t company, worker, id;
	const char *ended_on;
	char designated_on[SOCLE_DATE_SIZE];
	bool none, already, too_early;
};

static int end_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct designation_end *d = ud;
	json_t *rows = socle_db_query_new(wdb,
		"SELECT id, designated_on, ended_on FROM awareness_designated WHERE company_id = :c"
		" AND worker_id = :w ORDER BY ended_on IS NULL DESC, id DESC LIMIT 1",
		json_pack("{s:I, s:I}", "c", (json_int_t)d->company, "w", (json_int_t)d->worker), err);
	if (rows == NULL)
		return err->code;
	json_t *last = json_array_get(rows, 0);
	d->none = last == NULL;
	d->already = last && !json_is_null(json_object_get(last, "ended_on"));
	if (last) {
		d->id = json_integer_value(json_object_get(last, "id"));
		snprintf(d->designated_on, sizeof(d->designated_on), "%s",
		         json_string_value(json_object_get(last, "designated_on")));
		d->too_early = strcmp(d->ended_on, d->designated_on) < 0;
	}
	json_decref(rows);
	if (d->none)
		return socle_err_set(err, SOCLE_E_NOTFOUND, "Ce salarié n'est pas désigné dans cette "
		                     "entreprise.");
	if (d->already || d->too_early)
		return SOCLE_E_CONFLICT;
	int rc = socle_db_run_new(wdb, "UPDATE awareness_designated SET ended_on = :on,"
		" ended_at = :now, ended_by = :by WHERE id = :id",
		json_pack("{s:s, s:I, s:I, s:I}", "on", d->ended_on, "now", (json_int_t)socle_now_ms(),
		          "by", (json_int_t)socle_principal_user_id(socle_req_principal(d->req)), "id",
		          (json_int_t)d->id), err);
	if (rc < 0)
		return rc;
	json_t *detail = json_pack("{s:I, s:s}", "worker_id", (json_int_t)d->worker, "ended_on",
	                           d->ended_on);
	struct socle_audit_entry e = {.action = "awareness.designated.end", .object_type = "company",
	                              .object_id = d->company, .outcome = "ok", .detail = detail};
	rc = socle_audit(wdb, d->req, &e, err);
	json_decref(detail);
	return rc;
}

/* POST /awareness/companies/{id}/designated/{wid}/end {ended_on}: the
 * company or staff end the worker's running designation on that day; it
 * stays in the list (and its trainings in the passeport), no longer current
 * from then. */
static int route_end(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct designation_end d = {.req = req};
	(void)ud;

	if (socle_req_param_id(req, "id", &d.company) != 0 ||
	    socle_req_param_id(req, "wid", &d.worker) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, d.company, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_fields_check(socle_req_body(req), end_fields, SOCLE_COUNT(end_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	d.ended_on = json_string_value(json_object_get(socle_req_body(req), "ended_on"));
	int rc = socle_service_write(socle_req_service(req), end_write, &d, &err);
	if (rc == SOCLE_E_CONFLICT && d.already)
		return awareness_conflict(req, "La désignation de ce salarié est déjà terminée.");
	if (rc == SOCLE_E_CONFLICT && d.too_early) {
		char day[SOCLE_DATE_FR_SIZE];
		socle_date_fr(d.designated_on, day);
		socle_field_error(&errors, "ended_on", "ne peut précéder la désignation, du %s", day);
		return socle_reply_invalid(req, errors);
	}
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? socle_db_query_one_new(db, "SELECT id, company_id, worker_id,"
		" designated_on, mission, ended_on FROM awareness_designated WHERE id = :id",
		json_pack("{s:I}", "id", (json_int_t)d.id), &err) : NULL;
	json_t *w = row ? awareness_membership->worker_get(db, d.worker, &err) : NULL;
	if (w == NULL) {
		json_decref(row);
		return socle_reply_err(req, &err);
	}
	char today[SOCLE_DATE_SIZE];
	socle_date_today(today);
	designation_status(row, json_string_value(json_object_get(w, "end_date")), today);
	json_decref(w);
	return socle_reply_json(req, 200, row);
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

/* One line of the export for @p worker and one training @p t; salarie_designe
 * says whether he was designated on the day it was held. */
static void passeport_line(json_t *parts, const json_t *worker, const json_t *t,
                           const char *body_name, const char *body_siret)
{
	bool designated = json_is_true(json_object_get(t, "as_designated"));
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
	/* Designated employees first: those who trained as designated. */
	json_t *people = db ? socle_db_query_new(db,
		"SELECT r.worker_id, max(" AS_DESIGNATED ") AS designated"
		" FROM awareness_registration r JOIN awareness_session s ON s.id = r.session_id"
		" WHERE r.company_id = :c AND r.attended = 1 AND r.worker_id IS NOT NULL"
		" GROUP BY r.worker_id ORDER BY designated DESC, r.worker_id LIMIT 10000",
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
			passeport_line(parts, w, one, body_name, body_siret);
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
	{SOCLE_POST, "/awareness/companies/{id}/designated/{wid}/end", SOCLE_CAP_AUTHENTICATED, 0,
	 route_end, NULL},
	{SOCLE_GET, "/awareness/companies/{id}/passeport.csv", SOCLE_CAP_AUTHENTICATED, 0,
	 route_passeport, NULL},
	{SOCLE_POST, "/awareness/training-bodies", AWARENESS_MANAGE, 0, route_body_create, NULL},
	{SOCLE_GET, "/awareness/training-bodies", SOCLE_CAP_AUTHENTICATED, 0, route_body_list, NULL},
};

int awareness_designated_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, designated_routes, SOCLE_COUNT(designated_routes), err);
}
