/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The prevention-culture score (cahier des charges 3.2.1.3): the rule point
 * prevention_score(answers, inputs) (default in scripts/membership_score.lua)
 * computes a 0-5 score from the six questions of the seed and the inputs of
 * other plugins (score_inputs.c); each computation is stored with its
 * explanation, the first one as soon as the application arrives. */
#include <stdio.h>
#include <string.h>

#include "billing.h"

/* ------------------------------------------------------------ rule point */

static int check_prevention_score(const json_t *r, socle_err *err)
{
	const json_t *score = json_object_get(r, "score"), *details = json_object_get(r, "details"),
	             *expl = json_object_get(r, "explanation");

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "prevention_score doit rendre une table "
		                     "{ score, details, explanation }");
	if (!json_is_number(score) || !(json_number_value(score) >= 0.0) ||
	    !(json_number_value(score) <= 5.0))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "prevention_score : score doit être un nombre entre 0 et 5 (reçu %g)",
		                     json_is_number(score) ? json_number_value(score) : -1.0);
	if (!json_is_array(details))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "prevention_score : details doit être une liste");
	size_t i;
	const json_t *d;

	json_array_foreach(details, i, d) {
		if (!json_is_object(d) || !json_is_string(json_object_get(d, "question")) ||
		    !json_is_number(json_object_get(d, "points")))
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "prevention_score : details[%zu] doit avoir question (texte) "
			                     "et points (nombre)", i + 1);
	}
	if (!json_is_string(expl) || json_string_length(expl) == 0)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "prevention_score : explanation doit être un texte non vide");
	return 0;
}

static const struct socle_rule_point rule_prevention_score = {
	.name = "prevention_score",
	.contract = "prevention_score(answers, inputs) -> { score = nombre de 0 à 5, details = { { question, "
	            "answer, points }, ... }, explanation = texte } : score de culture de prévention "
	            "(cahier des charges 3.2.1.3) à partir des six réponses (duerp, duerp_with_workers, "
	            "action_plan, action_plan_reviewed, staff_representation, onboarding : booléens) "
	            "et des entrées d'autres plugins (inputs.duerp : le coffre DUERP de riskeval, nil "
	            "quand riskeval n'est pas activé).",
	.n_args = 2,
	.check = check_prevention_score,
};

/* ------------------------------------------------------ prevention score */

static const char *const score_questions[] = {
	"duerp", "duerp_with_workers", "action_plan", "action_plan_reviewed",
	"staff_representation", "onboarding",
};

static const struct socle_field answer_fields[] = {
	{.name = "duerp", .type = SOCLE_F_BOOL},
	{.name = "duerp_with_workers", .type = SOCLE_F_BOOL},
	{.name = "action_plan", .type = SOCLE_F_BOOL},
	{.name = "action_plan_reviewed", .type = SOCLE_F_BOOL},
	{.name = "staff_representation", .type = SOCLE_F_BOOL},
	{.name = "onboarding", .type = SOCLE_F_BOOL},
};

static const struct socle_field score_body_fields[] = {
	{.name = "answers", .type = SOCLE_F_OBJECT},
};

/* The stored answers of a company, reduced to the six questions (the
 * application form may store more). A new object; an empty one when none. */
static json_t *stored_answers(socle_db *db, int64_t company_id, socle_err *err, bool *found)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)company_id);
	json_t *row = socle_db_query_one(db, "SELECT prevention_answers FROM membership_company"
	                                     " WHERE id = :id", p, err);
	json_t *out = json_object();

	json_decref(p);
	*found = row != NULL;
	if (row == NULL)
		return out;
	const char *text = json_string_value(json_object_get(row, "prevention_answers"));
	json_t *all = text ? json_loads(text, 0, NULL) : NULL;

	for (size_t i = 0; i < SOCLE_COUNT(score_questions); i++) {
		json_t *v = json_object_get(all, score_questions[i]);

		if (json_is_boolean(v))
			json_object_set(out, score_questions[i], v);
	}
	json_decref(all);
	json_decref(row);
	return out;
}

struct score_write {
	socle_req *req;
	int64_t company_id;
	const json_t *answers;  /* given to the rule point */
	bool store_answers;     /* the body gave them: they replace the stored ones */
	const json_t *result;
	int64_t id;
};

static int score_store(socle_db *wdb, void *ud, socle_err *err)
{
	struct score_write *w = ud;
	int rc;

	if (w->store_answers) {
		json_t *p = json_pack("{s:I, s:O}", "id", (json_int_t)w->company_id, "answers",
		                      w->answers);

		rc = socle_db_run(wdb, "UPDATE membership_company SET prevention_answers = :answers"
		                       " WHERE id = :id", p, err);
		json_decref(p);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return socle_err_set(err, SOCLE_E_NOTFOUND, "entreprise inconnue");
	}
	json_t *p = json_pack("{s:I, s:O, s:O, s:O, s:I}", "company", (json_int_t)w->company_id,
	                      "score", json_object_get(w->result, "score"), "answers", w->answers,
	                      "result", w->result, "now", (json_int_t)socle_now_ms());
	int64_t by = membership_principal_id(w->req);

	if (by > 0)
		json_object_set_new(p, "by", json_integer(by));
	else
		json_object_set_new(p, "by", json_null());
	rc = socle_db_run(wdb,
		"INSERT INTO membership_prevention_score (company_id, score, answers, result,"
		" computed_at, computed_by) VALUES (:company, :score, :answers, :result, :now, :by)",
		p, err);
	json_decref(p);
	if (rc < 0)
		return rc;
	w->id = socle_db_last_insert_id(wdb);
	json_t *detail = json_pack("{s:O, s:b}", "score", json_object_get(w->result, "score"),
	                           "answers_changed", w->store_answers);
	struct socle_audit_entry e = {.action = "membership.prevention_score", .object_type = "company",
	                              .object_id = w->company_id, .outcome = "ok", .detail = detail};

	rc = socle_audit(wdb, w->req, &e, err);
	json_decref(detail);
	if (rc != 0)
		return rc;
	json_t *ev = json_pack("{s:I, s:O}", "company_id", (json_int_t)w->company_id, "score",
	                       json_object_get(w->result, "score"));

	rc = socle_event_emit(wdb, "company.prevention_scored", ev, err);
	json_decref(ev);
	return rc;
}

static json_t *score_reply(int64_t company_id, const json_t *answers, const json_t *result,
                           int64_t computed_at, bool stored)
{
	json_t *b = json_pack("{s:I, s:O, s:O, s:O, s:O, s:b}", "company_id",
	                      (json_int_t)company_id, "score", json_object_get(result, "score"),
	                      "details", json_object_get(result, "details"), "explanation",
	                      json_object_get(result, "explanation"), "answers", answers, "stored",
	                      stored);

	if (computed_at > 0)
		json_object_set_new(b, "computed_at", json_integer(computed_at));
	return b;
}

/* prevention_score(answers, inputs): inputs from other plugins' events
 * (score_inputs.c). */
static int score_compute(socle_service *svc, socle_db *db, int64_t company_id,
                         const json_t *answers, json_t **result, socle_err *err)
{
	json_t *inputs = membership_score_inputs(svc, db, company_id, err);

	if (inputs == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	json_t *args = json_pack("[O, o]", answers, inputs);
	int rc = args ? socle_rule_call(svc, "prevention_score", args, result, err)
	              : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(args);
	return rc;
}

/* POST /membership/companies/{id}/prevention-score [{answers}] */
static int route_score_post(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id;
	json_t *errors = NULL, *answers = NULL, *result = NULL;
	const json_t *body = socle_req_body(req);
	bool found;
	(void)ud;

	if (socle_req_param_id(req, "id", &company_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, MEMBERSHIP_ROLE_ADMIN, &err) != 0)
		return socle_reply_err(req, &err);
	if (body != NULL && json_object_size(body) > 0) {
		if (socle_fields_check(body, score_body_fields, SOCLE_COUNT(score_body_fields), NULL,
		                       &errors) == 0 &&
		    json_object_get(body, "answers") != NULL)
			socle_fields_check(json_object_get(body, "answers"), answer_fields,
			                   SOCLE_COUNT(answer_fields), "answers.", &errors);
		if (errors)
			return socle_reply_invalid(req, errors);
	}
	const json_t *given = body ? json_object_get(body, "answers") : NULL;
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	if (given) {
		answers = json_deep_copy(given);
	} else {
		answers = stored_answers(db, company_id, &err, &found);
		if (!found) {
			json_decref(answers);
			return socle_reply_err(req, &err);
		}
	}
	if (score_compute(socle_req_service(req), db, company_id, answers, &result, &err) != 0) {
		json_decref(answers);
		return socle_reply_err(req, &err);
	}
	struct score_write w = {.req = req, .company_id = company_id, .answers = answers,
	                        .store_answers = given != NULL, .result = result};
	int rc = socle_service_write(socle_req_service(req), score_store, &w, &err);

	if (rc != 0) {
		json_decref(answers);
		json_decref(result);
		return socle_reply_err(req, &err);
	}
	json_t *reply = score_reply(company_id, answers, result, socle_now_ms(), true);

	json_decref(answers);
	json_decref(result);
	return socle_reply_json(req, 200, reply);
}

/* GET /membership/companies/{id}/prevention-score: the latest stored score;
 * when none was stored yet, computed now from the stored answers ("stored":
 * false) so the company always sees where it stands. */
static int route_score_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id;
	bool found;
	(void)ud;

	if (socle_req_param_id(req, "id", &company_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, NULL, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:I}", "id", (json_int_t)company_id);
	json_t *row = socle_db_query_one(db,
		"SELECT answers, result, computed_at FROM membership_prevention_score"
		" WHERE company_id = :id ORDER BY id DESC LIMIT 1", p, &err);

	json_decref(p);
	if (row != NULL) {
		json_t *answers = json_loads(json_string_value(json_object_get(row, "answers")), 0, NULL);
		json_t *result = json_loads(json_string_value(json_object_get(row, "result")), 0, NULL);
		json_t *reply = NULL;

		if (answers && result)
			reply = score_reply(company_id, answers, result,
			                    json_integer_value(json_object_get(row, "computed_at")), true);
		json_decref(answers);
		json_decref(result);
		json_decref(row);
		if (reply == NULL)
			return SOCLE_E_INTERNAL;
		return socle_reply_json(req, 200, reply);
	}
	if (err.code != SOCLE_E_NOTFOUND)
		return socle_reply_err(req, &err);
	err = (socle_err)SOCLE_ERR_INIT;
	json_t *answers = stored_answers(db, company_id, &err, &found), *result = NULL;

	if (!found) {
		json_decref(answers);
		return socle_reply_err(req, &err);
	}
	if (score_compute(socle_req_service(req), db, company_id, answers, &result, &err) != 0) {
		json_decref(answers);
		return socle_reply_err(req, &err);
	}
	json_t *reply = score_reply(company_id, answers, result, 0, false);

	json_decref(answers);
	json_decref(result);
	return socle_reply_json(req, 200, reply);
}

/* Store the first score of a company from its stored answers, inside the
 * caller's write transaction. Idempotent: nothing is done when a score
 * already exists (an event delivered again, or someone scored first). */
int membership_score_store_initial(socle_db *wdb, socle_service *svc, int64_t company_id,
                                   socle_err *err)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)company_id);
	json_t *row = socle_db_query_one(wdb, "SELECT id FROM membership_prevention_score"
	                                      " WHERE company_id = :id LIMIT 1", p, err);

	json_decref(p);
	if (row != NULL) {
		json_decref(row);
		return 0;
	}
	if (err->code != SOCLE_E_NOTFOUND)
		return err->code;
	*err = (socle_err)SOCLE_ERR_INIT;
	return membership_score_store_now(wdb, svc, company_id, err);
}

int membership_score_store_now(socle_db *wdb, socle_service *svc, int64_t company_id,
                               socle_err *err)
{
	bool found;
	json_t *answers = stored_answers(wdb, company_id, err, &found), *result = NULL;

	if (!found) {
		json_decref(answers);
		*err = (socle_err)SOCLE_ERR_INIT;
		return 0; /* the company is gone: nothing to score */
	}
	int rc = score_compute(svc, wdb, company_id, answers, &result, err);

	if (rc == 0) {
		struct score_write w = {.company_id = company_id, .answers = answers, .result = result};

		rc = score_store(wdb, &w, err);
	}
	json_decref(answers);
	json_decref(result);
	return rc;
}

struct score_event {
	socle_service *svc;
	int64_t company_id;
};

static int score_on_event_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct score_event *se = ud;

	return membership_score_store_initial(wdb, se->svc, se->company_id, err);
}

/* company.applied: the application carried the six answers; store the first
 * score at once. */
static int score_on_applied(socle_service *svc, const char *event, const json_t *payload,
                            void *ud, socle_err *err)
{
	(void)event;
	(void)ud;
	json_int_t id = json_integer_value(json_object_get(payload, "company_id"));

	if (id <= 0)
		return 0;
	struct score_event se = {.svc = svc, .company_id = id};

	return socle_service_write(svc, score_on_event_write, &se, err);
}

/* ------------------------------------------------------------------- init */

static const struct socle_route score_routes[] = {
	{SOCLE_POST, "/membership/companies/{id}/prevention-score", SOCLE_CAP_AUTHENTICATED, 8192,
	 route_score_post, NULL},
	{SOCLE_GET, "/membership/companies/{id}/prevention-score", SOCLE_CAP_AUTHENTICATED, 0,
	 route_score_get, NULL},
};

int membership_score_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_rule_point(p, &rule_prevention_score, err)) ||
	    (rc = socle_plugin_add_routes(p, score_routes, SOCLE_COUNT(score_routes), err)) ||
	    (rc = socle_plugin_on(p, "company.applied", score_on_applied, NULL, err)))
		return rc;
	return 0;
}
