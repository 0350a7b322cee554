/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Sick leave (arrêts de travail) and visit requests (issue 4, items 3 and 4):
 *   - rule point leave_obligations(leave, on_date): the reprise, pré-reprise and
 *     rendez-vous de liaison an arrêt gives rise to, with windows, who acts,
 *     basis and explanation (default: tracking/scripts/tracking_leave.lua);
 *   - rule point visit_request_allowed(request): may this person ask for this
 *     visit, and why (the employer's pré-reprise request is refused, L4624-2-4);
 *     the contracts of both rule points are leave_rules.c;
 *   - table tracking_leave and its routes: employers (bound to the company) and
 *     staff declare, update and read leaves; reading one gives its obligations
 *     computed at today's date (or at ?on_date=);
 *     POST /tracking/visit-requests/check answers
 *     the request rule for any authenticated user.
 *
 * Coupling with membership (which this plugin requires): a leave names a
 * worker of membership, read through membership.v1 (worker_get: company_id,
 * end_date) to check that the worker belongs to the company given in the
 * body. No SQL here names membership's tables.
 *
 * Dates are "YYYY-MM-DD" text (they sort as they compare), instants integer
 * milliseconds; the business date is the core clock's (socle_now_ms). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracking.h"

const char tracking_sql_leave[] =
	"CREATE TABLE tracking_leave ("
	"  id INTEGER PRIMARY KEY,"
	"  worker_id INTEGER NOT NULL REFERENCES membership_worker(id),"
	"  company_id INTEGER NOT NULL,"
	"  cause TEXT NOT NULL CHECK (cause = 'maladie' OR cause = 'accident_non_professionnel'"
	"    OR cause = 'accident_trajet' OR cause = 'accident_travail'"
	"    OR cause = 'maladie_professionnelle' OR cause = 'maternite'),"
	"  start_date TEXT NOT NULL,"
	"  expected_end TEXT,"
	"  actual_end TEXT,"
	"  return_date TEXT,"
	"  declared_by INTEGER,"
	"  declared_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX tracking_leave_company ON tracking_leave (company_id, id);"
	"CREATE INDEX tracking_leave_worker ON tracking_leave (worker_id, start_date);";

/* Migration 12: which thresholds of a leave were announced (issue 17), so
 * that the daily run, at least once a day and again on request, emits each
 * sick_leave.threshold_reached once. */
const char tracking_sql_leave_thresholds[] =
	"CREATE TABLE tracking_leave_threshold ("
	"  leave_id INTEGER NOT NULL REFERENCES tracking_leave(id),"
	"  threshold INTEGER NOT NULL,"
	"  reached_on TEXT NOT NULL,"
	"  emitted_at BIGINT NOT NULL,"
	"  PRIMARY KEY (leave_id, threshold));";

/* Dates: the core's calendar (socle/date.h), the same arithmetic as socle.date. */

/* ---- validation of a leave's fields --------------------------------------------- */

static const char *const cause_choices[] = {"maladie", "accident_non_professionnel",
                                            "accident_trajet", "accident_travail",
                                            "maladie_professionnelle", "maternite", NULL};

static const struct socle_field leave_new_fields[] = {
	{"worker_id", SOCLE_F_INT, true, 1, INT64_MAX, NULL, NULL},
	{"company_id", SOCLE_F_INT, true, 1, INT64_MAX, NULL, NULL},
	{"cause", SOCLE_F_ENUM, true, 0, 0, cause_choices, NULL},
	{"start", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"expected_end", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"actual_end", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"return_date", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

static const struct socle_field leave_patch_fields[] = {
	{"expected_end", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"actual_end", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"return_date", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

/* A leave given inline to the request check (no worker, no company). */
static const struct socle_field leave_rule_fields[] = {
	{"cause", SOCLE_F_ENUM, true, 0, 0, cause_choices, NULL},
	{"start", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"expected_end", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"actual_end", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"return_date", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

static const char *opt_date(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && socle_date_valid(s) ? s : NULL;
}

static void field_error(json_t **errors, const char *prefix, const char *field, const char *msg)
{
	char name[128];

	snprintf(name, sizeof(name), "%s%s", prefix ? prefix : "", field);
	socle_field_error(errors, name, "%s", msg);
}

/* The dates of a leave against each other and against today (their types
 * were checked before). Returns the number of problems added to @p errors. */
static int leave_dates_check(const json_t *l, const char *prefix, json_t **errors)
{
	const char *start = opt_date(l, "start"), *exp = opt_date(l, "expected_end");
	const char *act = opt_date(l, "actual_end"), *ret = opt_date(l, "return_date");
	char now[11], limit[11];
	int n = 0;

	if (start == NULL)
		return 0;
	socle_date_today(now);
	socle_date_add_days(now, 366, limit);
	if (strcmp(start, "2000-01-01") < 0) {
		field_error(errors, prefix, "start", "La date de début doit être postérieure au "
		            "1er janvier 2000.");
		n++;
	} else if (strcmp(start, limit) > 0) {
		field_error(errors, prefix, "start", "La date de début ne peut pas dépasser d'un an la "
		            "date du jour.");
		n++;
	}
	if (exp && strcmp(exp, start) < 0) {
		field_error(errors, prefix, "expected_end", "La fin prévue ne peut pas précéder le début "
		            "de l'arrêt.");
		n++;
	}
	if (act && strcmp(act, start) < 0) {
		field_error(errors, prefix, "actual_end", "La fin effective ne peut pas précéder le début "
		            "de l'arrêt.");
		n++;
	}
	if (ret && strcmp(ret, act ? act : start) <= 0) {
		field_error(errors, prefix, "return_date",
		            act ? "La date de reprise doit suivre la fin effective de l'arrêt."
		                : "La date de reprise doit suivre le début de l'arrêt.");
		n++;
	}
	return n;
}

/* ---- the stored leave -------------------------------------------------------------- */

#define LEAVE_COLUMNS                                                                          \
	"id, worker_id, company_id, cause, start_date AS start, expected_end, actual_end,"         \
	" return_date, declared_by, declared_at, updated_at"

static json_t *leave_load(socle_db *db, int64_t id, socle_err *err)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *r = p ? socle_db_query_one(db, "SELECT " LEAVE_COLUMNS
	                                   " FROM tracking_leave WHERE id = :id", p, err)
	              : NULL;

	json_decref(p);
	if (r == NULL && err && err->code == SOCLE_E_NOTFOUND)
		socle_err_set(err, SOCLE_E_NOTFOUND, "Arrêt de travail introuvable.");
	return r;
}

/* What the rule point sees of a leave: its cause and dates only. */
static json_t *leave_view(const json_t *l)
{
	static const char *const keep[] = {"cause", "start", "expected_end", "actual_end",
	                                   "return_date"};
	json_t *v = json_object();

	for (size_t i = 0; v && i < SOCLE_COUNT(keep); i++) {
		json_t *x = json_object_get(l, keep[i]);

		if (x != NULL && !json_is_null(x))
			json_object_set(v, keep[i], x);
	}
	return v;
}

/* The last day of a leave as far as known (actual end, the day before the
 * return, the expected end), or "9999-12-31" while open-ended. */
static void leave_last_day(const json_t *l, char out[11])
{
	const char *act = opt_date(l, "actual_end"), *ret = opt_date(l, "return_date");
	const char *exp = opt_date(l, "expected_end");

	if (act)
		snprintf(out, 11, "%s", act);
	else if (ret && !socle_date_add_days(ret, -1, out))
		snprintf(out, 11, "%s", ret); /* a return on 0001-01-01 has no day before */
	else if (exp)
		snprintf(out, 11, "%s", exp);
	else
		snprintf(out, 11, "9999-12-31");
}

/* Another leave of the same worker over the same days: its id (> 0), 0 when
 * none, or a negative code. Open-ended leaves run to the end of time, so an
 * employer closes the previous leave before declaring the next one. */
static int64_t leave_overlap(socle_db *wdb, const json_t *l, int64_t self_id, socle_err *err)
{
	char last[11];

	leave_last_day(l, last);
	json_t *p = json_pack("{s:O, s:I, s:O, s:s}", "worker", json_object_get(l, "worker_id"),
	                      "self", (json_int_t)self_id, "start", json_object_get(l, "start"),
	                      "last", last);
	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_t *rows = socle_db_query(wdb,
		"SELECT id FROM tracking_leave WHERE worker_id = :worker AND id <> :self"
		" AND start_date <= :last"
		" AND CASE WHEN actual_end IS NOT NULL THEN actual_end >= :start"
		"          WHEN return_date IS NOT NULL THEN return_date > :start"
		"          WHEN expected_end IS NOT NULL THEN expected_end >= :start"
		"          ELSE 1 = 1 END"
		" ORDER BY id LIMIT 1", p, err);
	json_decref(p);
	if (rows == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	const json_t *first = json_array_get(rows, 0);
	int64_t id = first ? (int64_t)json_integer_value(json_object_get(first, "id")) : 0;
	json_decref(rows);
	return id;
}

static json_t *user_of(socle_req *req)
{
	const socle_principal *who = req ? socle_req_principal(req) : NULL;

	return who ? json_integer(socle_principal_user_id(who)) : json_null();
}

struct leave_write {
	socle_req *req;
	const json_t *body;
	int64_t id;
	json_t *errors;  /* field errors found inside the transaction */
	json_t *row;     /* the leave as stored (owned) */
	int64_t overlap; /* the leave in the way (409) */
	bool changed;
};

/* ---- POST /tracking/leaves ----------------------------------------------------------- */

static int declare_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct leave_write *lw = ud;
	const json_t *b = lw->body;
	int64_t company = json_integer_value(json_object_get(b, "company_id"));
	socle_err e2 = SOCLE_ERR_INIT;
	int rc;

	/* The worker, from membership (membership.v1, in this transaction). */
	json_t *w = tracking_membership->worker_get(
		wdb, json_integer_value(json_object_get(b, "worker_id")), &e2);
	if (w == NULL && e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
	if (w == NULL || json_integer_value(json_object_get(w, "company_id")) != company) {
		json_decref(w);
		socle_field_error(&lw->errors, "worker_id",
		                  "Aucun salarié de cette entreprise ne porte cet identifiant.");
		return SOCLE_E_INVAL;
	}
	const char *left = json_string_value(json_object_get(w, "end_date"));
	if (left && strcmp(left, json_string_value(json_object_get(b, "start"))) < 0) {
		char day[SOCLE_DATE_FR_SIZE];

		/* Dates for people in words, as the rules' explanations write them. */
		socle_field_error(&lw->errors, "start",
		                  "Le salarié a quitté l'entreprise le %s, avant le début de l'arrêt.",
		                  socle_date_fr(left, day) ? day : left);
		json_decref(w);
		return SOCLE_E_INVAL;
	}
	json_decref(w);

	int64_t other = leave_overlap(wdb, b, 0, err);
	if (other < 0)
		return (int)other;
	if (other > 0) {
		lw->overlap = other;
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Un arrêt de ce salarié (n° %" PRId64 ") couvre déjà une partie de "
		                     "cette période : modifiez-le ou clôturez-le d'abord.", other);
	}

	int64_t now = socle_now_ms();
	json_t *p = json_pack("{s:O, s:I, s:O, s:O, s:O?, s:O?, s:O?, s:o, s:I}", "worker",
	              json_object_get(b, "worker_id"), "company", (json_int_t)company, "cause",
	              json_object_get(b, "cause"), "start", json_object_get(b, "start"), "exp",
	              json_object_get(b, "expected_end"), "act", json_object_get(b, "actual_end"),
	              "ret", json_object_get(b, "return_date"), "by", user_of(lw->req), "now",
	              (json_int_t)now);
	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	rc = socle_db_run(wdb,
		"INSERT INTO tracking_leave (worker_id, company_id, cause, start_date, expected_end,"
		" actual_end, return_date, declared_by, declared_at, updated_at)"
		" VALUES (:worker, :company, :cause, :start, :exp, :act, :ret, :by, :now, :now)", p, err);
	json_decref(p);
	if (rc < 0)
		return rc;
	lw->id = socle_db_last_insert_id(wdb);
	if ((rc = emit(wdb, "sick_leave.declared",
	               json_pack("{s:I, s:O, s:I, s:O, s:O}", "leave_id", (json_int_t)lw->id,
	                         "worker_id", json_object_get(b, "worker_id"), "company_id",
	                         (json_int_t)company, "cause", json_object_get(b, "cause"), "start",
	                         json_object_get(b, "start")),
	               err)) ||
	    (rc = audit(wdb, lw->req, "tracking.leave.declare", "sick_leave", lw->id,
	                json_pack("{s:I, s:O}", "company_id", (json_int_t)company, "worker_id",
	                          json_object_get(b, "worker_id")),
	                err)))
		return rc;
	lw->row = leave_load(wdb, lw->id, err);
	return lw->row ? 0 : (err->code ? err->code : SOCLE_E_INTERNAL);
}

/* The leave with its obligations at @p on_date (NULL: today's date; reply
 * body, new). A failing rule (a service's broken script) leaves obligations
 * null with the error. */
static json_t *leave_obligations_on(socle_service *svc, json_t *row, const char *on_date)
{
	socle_err err = SOCLE_ERR_INIT;
	char now[11];
	json_t *res = NULL;

	if (on_date != NULL)
		snprintf(now, sizeof(now), "%s", on_date);
	else
		socle_date_today(now);
	json_t *args = json_pack("[o, s]", leave_view(row), now);
	int rc = args ? socle_rule_call(svc, "leave_obligations", args, &res, &err)
	              : socle_err_set(&err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(args);
	json_object_set_new(row, "obligations_on", json_string(now));
	if (rc != 0) {
		socle_log(SOCLE_LOG_WARN, "service %s : leave_obligations en échec : %s",
		          socle_service_id(svc), err.msg);
		json_object_set_new(row, "obligations", json_null());
		/* Who reads the leave (an employer) learns that the rule failed, not
		 * the script's path or its Lua error: those stay in the log. */
		json_object_set_new(row, "obligations_error",
		                    json_string("Les obligations de cet arrêt n'ont pas pu être "
		                                "calculées : la règle du service a échoué. L'équipe du "
		                                "service en est informée."));
		return row;
	}
	json_object_set(row, "obligations", json_object_get(res, "obligations"));
	json_t *d = json_object_get(res, "duration_days");
	if (d)
		json_object_set(row, "duration_days", d);
	/* The return day the rule reasoned on when none was declared (the day
	 * after the known or expected end). */
	json_t *back = json_object_get(res, "return_date");
	if (back && json_is_null(json_object_get(row, "return_date")))
		json_object_set(row, "expected_return_date", back);
	json_decref(res);
	return row;
}

/* Run a leave write and answer: 422 with field errors found inside, 409 for
 * an overlapping leave, the error otherwise, or @p status with the leave. */
static int leave_write_reply(socle_req *req, socle_write_fn fn, struct leave_write *lw,
                             unsigned status)
{
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(socle_req_service(req), fn, lw, &err);

	if (rc == SOCLE_E_INVAL && lw->errors) {
		json_decref(lw->row);
		return socle_reply_invalid(req, lw->errors);
	}
	json_decref(lw->errors);
	if (rc != 0) {
		json_decref(lw->row);
		if (rc == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409, "conflict", err.msg);
		return socle_reply_err(req, &err);
	}
	return socle_reply_json(req, status, leave_obligations_on(socle_req_service(req), lw->row, NULL));
}

static int leave_declare(socle_req *req, void *ud)
{
	struct leave_write lw = {.req = req, .body = socle_req_body(req)};
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (socle_fields_check(lw.body, leave_new_fields, SOCLE_COUNT(leave_new_fields), NULL,
	                       &lw.errors) > 0 ||
	    leave_dates_check(lw.body, NULL, &lw.errors) > 0)
		return socle_reply_invalid(req, lw.errors);
	/* Staff, or an employer user bound to this company (refusals audited). */
	if (socle_access_company(req, json_integer_value(json_object_get(lw.body, "company_id")),
	                         &err) != 0)
		return socle_reply_err(req, &err);
	return leave_write_reply(req, declare_txn, &lw, 201);
}

/* ---- PATCH /tracking/leaves/{id} ----------------------------------------------------- */

static int patch_txn(socle_db *wdb, void *ud, socle_err *err)
{
	static const char *const keys[] = {"expected_end", "actual_end", "return_date"};
	struct leave_write *lw = ud;
	json_t *old = leave_load(wdb, lw->id, err), *changes = NULL;
	int rc = 0;

	if (old == NULL)
		return err->code ? err->code : SOCLE_E_NOTFOUND;
	json_t *merged = json_copy(old);
	for (size_t i = 0; merged && i < SOCLE_COUNT(keys); i++) {
		json_t *v = json_object_get(lw->body, keys[i]);

		if (v == NULL)
			continue;
		if (!json_equal(v, json_object_get(old, keys[i]))) {
			if (changes == NULL)
				changes = json_object();
			json_object_set_new(changes, keys[i],
			                    json_pack("{s:O, s:O}", "before", json_object_get(old, keys[i]),
			                              "after", v));
		}
		json_object_set(merged, keys[i], v);
	}
	if (merged == NULL) {
		rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		goto out;
	}
	if (changes == NULL) { /* nothing changes: nothing written */
		lw->row = old;
		old = NULL;
		goto out;
	}
	if (leave_dates_check(merged, NULL, &lw->errors) > 0) {
		rc = SOCLE_E_INVAL;
		goto out;
	}
	int64_t other = leave_overlap(wdb, merged, lw->id, err);
	if (other < 0) {
		rc = (int)other;
		goto out;
	}
	if (other > 0) {
		lw->overlap = other;
		rc = socle_err_set(err, SOCLE_E_CONFLICT,
		                   "Un autre arrêt de ce salarié (n° %" PRId64 ") couvre déjà une partie "
		                   "de cette période.", other);
		goto out;
	}
	json_t *p = json_pack("{s:I, s:O, s:O, s:O, s:I}", "id", (json_int_t)lw->id, "exp",
	                      json_object_get(merged, "expected_end"), "act",
	                      json_object_get(merged, "actual_end"), "ret",
	                      json_object_get(merged, "return_date"), "now",
	                      (json_int_t)socle_now_ms());
	rc = p ? socle_db_run(wdb,
		"UPDATE tracking_leave SET expected_end = :exp, actual_end = :act,"
		" return_date = :ret, updated_at = :now WHERE id = :id", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		goto out;
	lw->changed = true;
	if ((rc = emit(wdb, "sick_leave.updated",
	               json_pack("{s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "leave_id",
	                         (json_int_t)lw->id, "worker_id", json_object_get(old, "worker_id"),
	                         "company_id", json_object_get(old, "company_id"), "cause",
	                         json_object_get(old, "cause"), "start",
	                         json_object_get(old, "start"), "expected_end",
	                         json_object_get(merged, "expected_end"), "actual_end",
	                         json_object_get(merged, "actual_end"), "return_date",
	                         json_object_get(merged, "return_date"), "changes", changes),
	               err)) ||
	    (rc = audit(wdb, lw->req, "tracking.leave.update", "sick_leave", lw->id,
	                json_pack("{s:O, s:O}", "company_id", json_object_get(old, "company_id"),
	                          "changes", changes),
	                err)))
		goto out;
	lw->row = leave_load(wdb, lw->id, err);
	rc = lw->row ? 0 : (err->code ? err->code : SOCLE_E_INTERNAL);
out:
	json_decref(changes);
	json_decref(merged);
	json_decref(old);
	return rc;
}

/* The leave of the path after the company check, or NULL once a reply was sent. */
static json_t *leave_param(socle_req *req, int64_t *id)
{
	socle_err err = SOCLE_ERR_INIT;

	if (socle_req_param_id(req, "id", id) != 0) {
		socle_reply_error(req, 404, "not_found", "Arrêt de travail introuvable.");
		return NULL;
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *l = db ? leave_load(db, *id, &err) : NULL;
	if (l == NULL) {
		socle_reply_err(req, &err);
		return NULL;
	}
	/* Staff, or an employer user bound to the leave's company (refusals audited). */
	if (socle_access_company(req, json_integer_value(json_object_get(l, "company_id")),
	                         &err) != 0) {
		json_decref(l);
		socle_reply_err(req, &err);
		return NULL;
	}
	return l;
}

static int leave_patch(socle_req *req, void *ud)
{
	struct leave_write lw = {.req = req, .body = socle_req_body(req)};
	(void)ud;

	if (socle_fields_check(lw.body, leave_patch_fields, SOCLE_COUNT(leave_patch_fields), NULL,
	                       &lw.errors) > 0)
		return socle_reply_invalid(req, lw.errors);
	json_t *l = leave_param(req, &lw.id);
	if (l == NULL)
		return 0;
	json_decref(l);
	return leave_write_reply(req, patch_txn, &lw, 200);
}

/* ---- GET /tracking/leaves/{id}, GET /tracking/companies/{id}/leaves ------------------- */

/* ?on_date=AAAA-MM-JJ: the obligations at a chosen date, as the visit
 * simulator answers at one (issue 10 item 13). */
static int leave_get(socle_req *req, void *ud)
{
	int64_t id;
	const char *on_date = socle_req_query(req, "on_date");
	(void)ud;

	json_t *l = leave_param(req, &id); /* who may read it first */
	if (l == NULL)
		return 0;
	if (on_date != NULL && !socle_date_valid(on_date)) {
		json_t *errors = NULL;

		json_decref(l);
		socle_field_error(&errors, "on_date", "Date invalide : le format attendu est "
		                  "AAAA-MM-JJ (par exemple 2025-03-10).");
		return socle_reply_invalid(req, errors);
	}
	return socle_reply_json(req, 200, leave_obligations_on(socle_req_service(req), l, on_date));
}

static int company_leaves(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, after, worker = 0;
	int limit;
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	const char *w = socle_req_query(req, "worker_id");
	if (w != NULL) {
		char *end = NULL;
		long long v = strtoll(w, &end, 10);

		if (*w < '1' || *w > '9' || *end != '\0' || v <= 0)
			return socle_reply_error(req, 400, "invalid",
			                         "worker_id : identifiant de salarié attendu.");
		worker = v;
	}
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *p = db ? json_pack("{s:I, s:I, s:I, s:i}", "company", (json_int_t)company, "after",
	                           (json_int_t)after, "worker", (json_int_t)worker, "limit", limit)
	               : NULL;
	json_t *items = p ? socle_db_query(db, "SELECT " LEAVE_COLUMNS " FROM tracking_leave"
	                                   " WHERE company_id = :company AND id > :after"
	                                   " AND (:worker = 0 OR worker_id = :worker)"
	                                   " ORDER BY id LIMIT :limit", p, &err)
	                  : NULL;
	json_decref(p);
	if (items == NULL)
		return err.code ? socle_reply_err(req, &err) : SOCLE_E_NOMEM;
	return socle_reply_page(req, items, limit, "id");
}

/* ---- POST /tracking/visit-requests/check ------------------------------------------------ */

static const char *const request_types[] = {"embauche", "reprise", "a_la_demande",
                                            "pre_reprise", "post_exposition", NULL};
static const char *const requester_codes[] = {"employer", "worker", "medecin",
                                              "medecin_traitant", "medecin_conseil", NULL};

static const struct socle_field check_fields[] = {
	{"request", SOCLE_F_OBJECT, true, 0, 0, NULL, NULL},
};

static const struct socle_field request_fields[] = {
	{"type", SOCLE_F_ENUM, true, 0, 0, request_types, NULL},
	{"requested_by", SOCLE_F_ENUM, false, 0, 0, requester_codes, NULL},
	{"date", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"leave", SOCLE_F_OBJECT, false, 0, 0, NULL, NULL},
	{"leave_id", SOCLE_F_INT, false, 1, INT64_MAX, NULL, NULL},
	{"exposure_end", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"sir_or_exposed", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
};

/* Who asks, by default: the caller's own role. NULL when the role says nothing. */
static const char *requester_of_role(int role)
{
	switch (role) {
	case SOCLE_ROLE_EMPLOYER: return "employer";
	case SOCLE_ROLE_EMPLOYEE: return "worker";
	case SOCLE_ROLE_MEDECIN: return "medecin";
	default: return NULL;
	}
}

static int request_check(socle_req *req, void *ud)
{
	const json_t *body = socle_req_body(req);
	json_t *errors = NULL, *r = NULL, *res = NULL;
	socle_err err = SOCLE_ERR_INIT;
	char now[11];
	int rc;
	(void)ud;

	if (socle_fields_check(body, check_fields, SOCLE_COUNT(check_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	const json_t *in = json_object_get(body, "request");
	if (socle_fields_check(in, request_fields, SOCLE_COUNT(request_fields), "request.",
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	const json_t *leave = json_object_get(in, "leave");
	const json_t *leave_id = json_object_get(in, "leave_id");
	if (leave && !json_is_null(leave) &&
	    socle_fields_check(leave, leave_rule_fields, SOCLE_COUNT(leave_rule_fields),
	                       "request.leave.", &errors) + leave_dates_check(leave, "request.leave.",
	                                                                      &errors) > 0)
		return socle_reply_invalid(req, errors);
	if (leave && !json_is_null(leave) && leave_id && !json_is_null(leave_id))
		socle_field_error(&errors, "request.leave_id",
		                  "Donner soit leave, soit leave_id, pas les deux.");
	const char *by = json_string_value(json_object_get(in, "requested_by"));
	if (by == NULL && (by = requester_of_role(socle_principal_role(
	                           socle_req_principal(req)))) == NULL)
		socle_field_error(&errors, "request.requested_by",
		                  "Ce champ est obligatoire : votre rôle ne dit pas qui fait la demande.");
	if (errors)
		return socle_reply_invalid(req, errors);

	socle_date_today(now);
	r = json_deep_copy(in);
	if (r == NULL)
		return SOCLE_E_NOMEM;
	json_object_del(r, "leave_id");
	json_object_set_new(r, "requested_by", json_string(by));
	if (json_object_get(r, "date") == NULL || json_is_null(json_object_get(r, "date")))
		json_object_set_new(r, "date", json_string(now));
	/* null means absent for the rule. */
	static const char *const keys[] = {"leave", "exposure_end", "sir_or_exposed"};
	for (size_t i = 0; i < SOCLE_COUNT(keys); i++)
		if (json_is_null(json_object_get(r, keys[i])))
			json_object_del(r, keys[i]);
	if (leave_id && !json_is_null(leave_id)) {
		/* A stored leave: readable by staff, the employer users of its company and
		 * the worker himself (socle_access_worker audits refusals). */
		socle_db *db = socle_req_reader(req, &err);
		json_t *l = db ? leave_load(db, json_integer_value(leave_id), &err) : NULL;

		if (l == NULL) {
			json_decref(r);
			if (err.code != SOCLE_E_NOTFOUND)
				return socle_reply_err(req, &err);
			socle_field_error(&errors, "request.leave_id", "Arrêt de travail introuvable.");
			return socle_reply_invalid(req, errors);
		}
		if (socle_access_worker(req, json_integer_value(json_object_get(l, "worker_id")),
		                        json_integer_value(json_object_get(l, "company_id")),
		                        &err) != 0) {
			json_decref(l);
			json_decref(r);
			return socle_reply_err(req, &err);
		}
		json_object_set_new(r, "leave", leave_view(l));
		json_decref(l);
	}
	json_t *args = json_pack("[O]", r);
	rc = args ? socle_rule_call(socle_req_service(req), "visit_request_allowed", args, &res, &err)
	          : socle_err_set(&err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(args);
	if (rc != 0) {
		json_decref(r);
		socle_log(SOCLE_LOG_WARN, "service %s : visit_request_allowed en échec : %s",
		          socle_service_id(socle_req_service(req)), err.msg);
		return socle_reply_err(req, &err);
	}
	json_object_set_new(res, "request", r);
	return socle_reply_json(req, 200, res);
}

/* ---- registration ------------------------------------------------------------------------ */

/* ---- thresholds of absence (the daily run) ------------------------------------------------ */

/* Days of absence that open a prevention of professional exclusion:
 * R4624-31 (reprise after 30 days of absence since 2022) and the 60 days of
 * the rendez-vous de liaison's and the PDP cell's signal (seed 3.5.1 A). */
static const int leave_thresholds[] = {30, 60};
#define THRESHOLD_HORIZON_DAYS 400

struct threshold_run {
	const char *on_date;
	int64_t emitted;
};

/* In one write: every leave that has lasted at least a threshold by
 * @p on_date (its first day counted, its last day the actual end, the day
 * before the return, or the expected end) and whose threshold was not
 * announced yet: the row and the event, together. */
static int thresholds_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct threshold_run *t = ud;

	char horizon[11];

	/* Leaves started more than THRESHOLD_HORIZON_DAYS ago had every daily run
	 * since to be announced: older ones (history, or leaves already past
	 * their thresholds when first declared long after) are not scanned again
	 * each day, and their stale thresholds announce nothing. */
	if (!socle_date_add_days(t->on_date, -THRESHOLD_HORIZON_DAYS, horizon))
		return socle_err_set(err, SOCLE_E_INVAL, "date invalide : %s", t->on_date);
	for (size_t k = 0; k < SOCLE_COUNT(leave_thresholds); k++) {
		char since[11];
		int n = leave_thresholds[k];

		/* Started at least n days ago: the only leaves worth a look. */
		if (!socle_date_add_days(t->on_date, -n, since))
			return socle_err_set(err, SOCLE_E_INVAL, "date invalide : %s", t->on_date);
		json_t *rows = socle_db_query_new(
			wdb,
			"SELECT l.id, l.worker_id, l.company_id, l.cause, l.start_date AS start,"
			" l.expected_end, l.actual_end, l.return_date FROM tracking_leave l"
			" WHERE l.start_date <= :since AND l.start_date >= :horizon AND NOT EXISTS"
			" (SELECT 1 FROM tracking_leave_threshold t WHERE t.leave_id = l.id AND"
			" t.threshold = :n) ORDER BY l.id",
			json_pack("{s:s, s:s, s:i}", "since", since, "horizon", horizon, "n", n), err);
		size_t i;
		json_t *l;

		if (rows == NULL)
			return err->code ? err->code : NOMEM(err);
		json_array_foreach(rows, i, l) {
			char last[11], reached[11];
			int64_t lasted = 0;

			leave_last_day(l, last);
			if (!socle_date_add_days(sget(l, "start"), n, reached) ||
			    !socle_date_diff_days(sget(l, "start"), last, &lasted) || lasted + 1 < n)
				continue; /* ended before the threshold */
			int rc = q_ok(wdb, "INSERT INTO tracking_leave_threshold (leave_id, threshold,"
			                   " reached_on, emitted_at) VALUES (:id, :n, :on, :now)",
			              json_pack("{s:I, s:i, s:s, s:I}", "id", (json_int_t)iget(l, "id"),
			                        "n", n, "on", reached, "now",
			                        (json_int_t)socle_now_ms()),
			              err);
			if (rc == 0)
				rc = emit(wdb, "sick_leave.threshold_reached",
				          json_pack("{s:I, s:I, s:I, s:O, s:O, s:i, s:s}", "leave_id",
				                    (json_int_t)iget(l, "id"), "worker_id",
				                    (json_int_t)iget(l, "worker_id"), "company_id",
				                    (json_int_t)iget(l, "company_id"), "cause",
				                    json_object_get(l, "cause"), "start",
				                    json_object_get(l, "start"), "threshold", n, "reached_on",
				                    reached),
				          err);
			if (rc) {
				json_decref(rows);
				return rc;
			}
			t->emitted++;
		}
		json_decref(rows);
	}
	return 0;
}

int tracking_leave_thresholds(socle_service *svc, const char *on_date, int64_t *emitted,
                              socle_err *err)
{
	struct threshold_run t = {.on_date = on_date};
	int rc = socle_service_write(svc, thresholds_txn, &t, err);

	if (emitted)
		*emitted = t.emitted;
	return rc;
}

static const struct socle_route leave_routes[] = {
	{SOCLE_POST, "/tracking/leaves", "tracking.leave", 4096, leave_declare, NULL},
	{SOCLE_GET, "/tracking/leaves/{id}", "tracking.leave", 0, leave_get, NULL},
	{SOCLE_PATCH, "/tracking/leaves/{id}", "tracking.leave", 4096, leave_patch, NULL},
	{SOCLE_GET, "/tracking/companies/{id}/leaves", "tracking.leave", 0, company_leaves, NULL},
	{SOCLE_POST, "/tracking/visit-requests/check", SOCLE_CAP_AUTHENTICATED, 16384,
	 request_check, NULL},
};

static const struct socle_field leave_get_query[] = {
	{"on_date", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

static const struct socle_field leaves_query[] = {
	{"worker_id", SOCLE_F_INT, false, 1, INT64_MAX, NULL, NULL},
	TRACKING_PAGE_QUERY,
};

static const struct socle_route_doc leave_docs[] = {
	{SOCLE_POST, "/tracking/leaves",
	 "Déclarer un arrêt de travail d'un salarié (service ou employeur de l'entreprise).",
	 leave_new_fields, SOCLE_COUNT(leave_new_fields), NULL, 0,
	 "L'arrêt (201) avec ses obligations du jour (leave_obligations) ; 409 s'il en chevauche "
	 "un autre."},
	{SOCLE_GET, "/tracking/leaves/{id}",
	 "Un arrêt de travail et ses obligations du jour, ou à la date on_date (AAAA-MM-JJ).",
	 NULL, 0, leave_get_query, SOCLE_COUNT(leave_get_query),
	 "{id, worker_id, company_id, cause, start_date, expected_end, actual_end, return_date, "
	 "obligations, obligations_on} ; 422 pour une date on_date invalide."},
	{SOCLE_PATCH, "/tracking/leaves/{id}",
	 "Mettre à jour les dates d'un arrêt : fin prévue, fin réelle, date de reprise.",
	 leave_patch_fields, SOCLE_COUNT(leave_patch_fields), NULL, 0,
	 "L'arrêt et ses obligations du jour."},
	{SOCLE_GET, "/tracking/companies/{id}/leaves",
	 "Les arrêts de travail des salariés d'une entreprise (d'un salarié avec worker_id).", NULL,
	 0, leaves_query, SOCLE_COUNT(leaves_query), "{items: [arrêts], next_cursor}."},
	{SOCLE_POST, "/tracking/visit-requests/check",
	 "Cette demande de visite peut-elle être faite ? (règle visit_request_allowed)",
	 check_fields, SOCLE_COUNT(check_fields), NULL, 0,
	 "{allowed, reason, basis, window?} : la réponse de la règle, raison en français."},
};

int tracking_leave_init(socle_plugin *p, socle_err *err)
{
	int rc;

	/* Staff of the service and employer users; which company an employer may
	 * touch is checked per request (socle_access_company). */
	if ((rc = socle_plugin_add_capability(p, "tracking.leave",
	                                      SOCLE_ROLES_STAFF |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER),
	                                      err)) ||
	    (rc = socle_plugin_add_routes(p, leave_routes, SOCLE_COUNT(leave_routes), err)) ||
	    (rc = socle_plugin_describe_routes(p, leave_docs, SOCLE_COUNT(leave_docs), err)) ||
	    (rc = tracking_leave_rules_init(p, err)))
		return rc;
	return 0;
}
