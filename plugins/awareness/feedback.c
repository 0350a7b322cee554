/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the seed asks to measure (3.4.1.3) and its indicators (3.4.1.4):
 *   - after every workshop, a satisfaction and perceived-utility
 *     questionnaire (two answers from 1 to 5, a comment), one per participant
 *     who came, answered by the participant's company or the worker himself;
 *   - where the action has one, a before/after knowledge quiz whose scores
 *     (0 to 100) the speaker records per participant; a session's results show
 *     each participant's scores and the group's gain;
 *   - the indicators over any period (5 years to date by default), for the
 *     service, one company or one NAF division: % of distinct companies and
 *     of distinct workers having benefited (present at a session held in the
 *     period), satisfaction and utility rates (share of answers 4 or 5), and
 *     the mean knowledge gain (indicators.c). */
#include "awareness.h"

/* The registration's company, worker, attendance and the action's quiz flag. */
static json_t *registration_load(socle_db *db, int64_t id, socle_err *err)
{
	return socle_db_query_one_new(db,
		"SELECT r.id, r.session_id, r.company_id, r.worker_id, r.status, r.attended,"
		" s.action_id, a.has_quiz, EXISTS (SELECT 1 FROM awareness_feedback f"
		" WHERE f.registration_id = r.id) AS answered FROM awareness_registration r"
		" JOIN awareness_session s ON s.id = r.session_id"
		" JOIN awareness_action a ON a.id = s.action_id WHERE r.id = :id",
		json_pack("{s:I}", "id", (json_int_t)id), err);
}

static const struct socle_field feedback_fields[] = {
	{.name = "satisfaction", .type = SOCLE_F_INT, .required = true, .min = 1, .max = 5},
	{.name = "utility", .type = SOCLE_F_INT, .required = true, .min = 1, .max = 5},
	{.name = "comment", .type = SOCLE_F_STRING, .min = 1, .max = 2000},
};

struct answer {
	socle_req *req;
	const json_t *reg, *body;
};

static int feedback_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct answer *a = ud;
	int64_t id = json_integer_value(json_object_get(a->reg, "id"));
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_feedback (registration_id, satisfaction, utility, comment,"
		" answered_at) VALUES (:id, :s, :u, :c, :now) ON CONFLICT (registration_id) DO NOTHING",
		json_pack("{s:I, s:O, s:O, s:O?, s:I}", "id", (json_int_t)id, "s",
		          json_object_get(a->body, "satisfaction"), "u", json_object_get(a->body, "utility"),
		          "c", json_object_get(a->body, "comment"), "now", (json_int_t)socle_now_ms()),
		err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return SOCLE_E_EXISTS; /* answered meanwhile */
	json_t *ev = json_pack("{s:I, s:O, s:O, s:O}", "registration_id", (json_int_t)id, "session_id",
	                       json_object_get(a->reg, "session_id"), "action_id",
	                       json_object_get(a->reg, "action_id"), "company_id",
	                       json_object_get(a->reg, "company_id"));
	rc = socle_event_emit(wdb, "awareness.feedback", ev, err);
	json_decref(ev);
	return rc;
}

/* Who may speak for a registration: staff, its company's employer, and the
 * worker himself when it names one. */
static int access_registration(socle_req *req, const json_t *reg, socle_err *err)
{
	int64_t company = json_integer_value(json_object_get(reg, "company_id"));
	const json_t *w = json_object_get(reg, "worker_id");

	return json_is_integer(w) ? socle_access_worker(req, json_integer_value(w), company, err)
	                          : socle_access_company(req, company, err);
}

/* POST /awareness/registrations/{id}/feedback {satisfaction, utility, comment?} */
static int route_feedback(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *reg = db ? registration_load(db, id, &err) : NULL;
	if (reg == NULL)
		return socle_reply_err(req, &err);
	int rc = access_registration(req, reg, &err);
	if (rc == 0 && socle_fields_check(socle_req_body(req), feedback_fields,
	                                  SOCLE_COUNT(feedback_fields), NULL, &errors) > 0) {
		json_decref(reg);
		return socle_reply_invalid(req, errors);
	}
	if (rc == 0 && json_integer_value(json_object_get(reg, "attended")) != 1) {
		json_decref(reg);
		return awareness_conflict(req, "Le questionnaire s'ouvre après la session, pour les "
		                          "participants présents.");
	}
	struct answer a = {.req = req, .reg = reg, .body = socle_req_body(req)};
	if (rc == 0)
		rc = socle_service_write(socle_req_service(req), feedback_write, &a, &err);
	json_decref(reg);
	if (rc == SOCLE_E_EXISTS)
		return socle_reply_error(req, 409, "already_exists", "Ce participant a déjà répondu au "
		                         "questionnaire.");
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201, json_pack("{s:I, s:O, s:O}", "registration_id",
		(json_int_t)id, "satisfaction", json_object_get(socle_req_body(req), "satisfaction"),
		"utility", json_object_get(socle_req_body(req), "utility")));
}

static const struct socle_field quiz_fields[] = {
	{.name = "score_before", .type = SOCLE_F_INT, .required = true, .min = 0, .max = 100},
	{.name = "score_after", .type = SOCLE_F_INT, .required = true, .min = 0, .max = 100},
};

static int quiz_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct answer *a = ud;
	int64_t id = json_integer_value(json_object_get(a->reg, "id"));
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_quiz (registration_id, score_before, score_after, recorded_at,"
		" recorded_by) VALUES (:id, :b, :a, :now, :by) ON CONFLICT (registration_id) DO UPDATE"
		" SET score_before = excluded.score_before, score_after = excluded.score_after,"
		" recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
		json_pack("{s:I, s:O, s:O, s:I, s:I}", "id", (json_int_t)id, "b",
		          json_object_get(a->body, "score_before"), "a",
		          json_object_get(a->body, "score_after"), "now", (json_int_t)socle_now_ms(), "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(a->req))), err);
	struct socle_audit_entry e = {.action = "awareness.quiz.record",
	                              .object_type = "awareness_registration", .object_id = id,
	                              .outcome = "ok"};
	return rc < 0 ? rc : socle_audit(wdb, a->req, &e, err);
}

/* POST /awareness/registrations/{id}/quiz {score_before, score_after} (staff) */
static int route_quiz(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_fields_check(socle_req_body(req), quiz_fields, SOCLE_COUNT(quiz_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	json_t *reg = db ? registration_load(db, id, &err) : NULL;
	if (reg == NULL)
		return socle_reply_err(req, &err);
	const char *why = json_integer_value(json_object_get(reg, "has_quiz")) != 1
		? "Cette action n'a pas de quiz."
		: json_integer_value(json_object_get(reg, "attended")) != 1
		? "Les scores se notent pour les participants présents." : NULL;
	if (why) {
		json_decref(reg);
		return awareness_conflict(req, why);
	}
	struct answer a = {.req = req, .reg = reg, .body = socle_req_body(req)};
	int rc = socle_service_write(socle_req_service(req), quiz_write, &a, &err);
	json_decref(reg);
	if (rc != 0)
		return socle_reply_err(req, &err);
	const json_t *b = socle_req_body(req);
	return socle_reply_json(req, 200, json_pack("{s:I, s:O, s:O, s:I}", "registration_id",
		(json_int_t)id, "score_before", json_object_get(b, "score_before"), "score_after",
		json_object_get(b, "score_after"), "gain",
		json_integer_value(json_object_get(b, "score_after")) -
		json_integer_value(json_object_get(b, "score_before"))));
}

static json_t *mean(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);

	return json_is_number(v) ? awareness_tenths(json_number_value(v)) : json_null();
}

/* GET /awareness/sessions/{id}/results (staff): each participant's scores and
 * answers, and the group's: the rates and the mean gain. */
static int route_results(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *people = db ? socle_db_query_new(db,
		"SELECT r.id AS registration_id, r.company_id, r.worker_id, r.name, r.attended,"
		" q.score_before, q.score_after, q.score_after - q.score_before AS gain,"
		" f.satisfaction, f.utility FROM awareness_registration r"
		" LEFT JOIN awareness_quiz q ON q.registration_id = r.id"
		" LEFT JOIN awareness_feedback f ON f.registration_id = r.id"
		" WHERE r.session_id = :id AND r.status = 'confirmed' ORDER BY r.id LIMIT 1000",
		json_pack("{s:I}", "id", (json_int_t)id), &err) : NULL;
	json_t *group = people ? socle_db_query_one_new(db,
		"SELECT (SELECT count(*) FROM awareness_registration r WHERE r.session_id = :id"
		"   AND r.attended = 1) AS present,"
		" count(f.registration_id) AS answers,"
		" coalesce(sum(CASE WHEN f.satisfaction >= 4 THEN 1 ELSE 0 END), 0) AS satisfied,"
		" coalesce(sum(CASE WHEN f.utility >= 4 THEN 1 ELSE 0 END), 0) AS useful,"
		" (SELECT avg(q.score_before) FROM awareness_quiz q JOIN awareness_registration x"
		"   ON x.id = q.registration_id WHERE x.session_id = :id) AS mean_before,"
		" (SELECT avg(q.score_after) FROM awareness_quiz q JOIN awareness_registration x"
		"   ON x.id = q.registration_id WHERE x.session_id = :id) AS mean_after,"
		" (SELECT avg(q.score_after - q.score_before) FROM awareness_quiz q"
		"   JOIN awareness_registration x ON x.id = q.registration_id"
		"   WHERE x.session_id = :id) AS mean_gain"
		" FROM awareness_feedback f JOIN awareness_registration r ON r.id = f.registration_id"
		" WHERE r.session_id = :id", json_pack("{s:I}", "id", (json_int_t)id), &err) : NULL;
	if (group == NULL) {
		json_decref(people);
		return socle_reply_err(req, &err);
	}
	json_int_t answers = json_integer_value(json_object_get(group, "answers"));
	json_int_t satisfied = json_integer_value(json_object_get(group, "satisfied"));
	json_int_t useful = json_integer_value(json_object_get(group, "useful"));
	json_t *body = json_pack("{s:I, s:o, s:{s:O, s:I, s:o, s:o, s:o, s:o, s:o}}", "session_id",
		(json_int_t)id, "participants", people, "group", "present",
		json_object_get(group, "present"), "answers", answers, "satisfaction_rate",
		awareness_rate(satisfied, answers), "utility_rate", awareness_rate(useful, answers),
		"mean_before", mean(group, "mean_before"), "mean_after", mean(group, "mean_after"),
		"knowledge_gain", mean(group, "mean_gain"));
	json_decref(group);
	return socle_reply_json(req, 200, body);
}

/* GET /awareness/workers/{id}/registrations: a participant's own sessions,
 * for the questionnaire he answers himself (espace salarié) — the worker,
 * staff, or an employer of his company. */
static int route_worker_registrations(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t worker;
	(void)ud;

	if (socle_req_param_id(req, "id", &worker) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *w = db ? awareness_membership->worker_get(db, worker, &err) : NULL;
	if (w == NULL)
		return socle_reply_err(req, &err);
	int64_t company = json_integer_value(json_object_get(w, "company_id"));
	json_decref(w);
	if (socle_access_worker(req, worker, company, &err) != 0)
		return socle_reply_err(req, &err);
	json_t *rows = socle_db_query_new(db,
		"SELECT r.id, r.session_id, r.status, r.attended, s.starts_at, s.place, s.link,"
		" s.action_id, a.title, a.kind, EXISTS (SELECT 1 FROM awareness_feedback f"
		" WHERE f.registration_id = r.id) AS answered FROM awareness_registration r"
		" JOIN awareness_session s ON s.id = r.session_id JOIN awareness_action a"
		" ON a.id = s.action_id WHERE r.worker_id = :worker AND r.company_id = :company"
		" ORDER BY s.starts_at DESC, r.id DESC LIMIT 200",
		json_pack("{s:I, s:I}", "worker", (json_int_t)worker, "company", (json_int_t)company),
		&err);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, json_pack("{s:I, s:o}", "worker_id", (json_int_t)worker,
	                                            "items", rows));
}

static const struct socle_route feedback_routes[] = {
	{SOCLE_POST, "/awareness/registrations/{id}/feedback", SOCLE_CAP_AUTHENTICATED, 0,
	 route_feedback, NULL},
	{SOCLE_POST, "/awareness/registrations/{id}/quiz", AWARENESS_MANAGE, 0, route_quiz, NULL},
	{SOCLE_GET, "/awareness/sessions/{id}/results", AWARENESS_MANAGE, 0, route_results, NULL},
	{SOCLE_GET, "/awareness/workers/{id}/registrations", SOCLE_CAP_AUTHENTICATED, 0,
	 route_worker_registrations, NULL},
};

int awareness_feedback_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, feedback_routes, SOCLE_COUNT(feedback_routes), err);
}
