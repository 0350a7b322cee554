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
 *     the mean knowledge gain. */
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

static json_t *rate(json_int_t part, json_int_t whole)
{
	return whole > 0 ? json_real((double)(part * 1000 / whole) / 10.0) : json_null();
}

static json_t *mean(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);

	return json_is_number(v) ? json_real((double)(long long)(json_number_value(v) * 10 + 0.5) / 10.0)
	                         : json_null();
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
	json_t *body = json_pack("{s:I, s:o, s:{s:O, s:I, s:o, s:o, s:o, s:o, s:o}}", "session_id",
		(json_int_t)id, "participants", people, "group", "present",
		json_object_get(group, "present"), "answers", answers, "satisfaction_rate",
		rate(json_integer_value(json_object_get(group, "satisfied")), answers), "utility_rate",
		rate(json_integer_value(json_object_get(group, "useful")), answers), "mean_before",
		mean(group, "mean_before"), "mean_after", mean(group, "mean_after"), "knowledge_gain",
		mean(group, "mean_gain"));
	json_decref(group);
	return socle_reply_json(req, 200, body);
}

/* ---- indicators ------------------------------------------------------------ */

/* A set of ids (open addressing), each with whether it counts under the
 * NAF filter: the companies of the period and the workers are streamed from
 * membership.v1, never copied. */
struct idset {
	int64_t *keys;
	signed char *in; /* 1 counts, 0 excluded by the filter, -1 not judged yet */
	size_t cap, n;
};

static bool idset_grow(struct idset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	int64_t *keys = calloc(cap, sizeof(*keys));
	signed char *in = calloc(cap, 1);

	if (!keys || !in) {
		free(keys);
		free(in);
		return false;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->keys[i]) {
			size_t j = (size_t)s->keys[i] * 11400714819323198485ull % cap;
			while (keys[j])
				j = (j + 1) % cap;
			keys[j] = s->keys[i];
			in[j] = s->in[i];
		}
	free(s->keys);
	free(s->in);
	s->keys = keys;
	s->in = in;
	s->cap = cap;
	return true;
}

/* The slot of @p id, added (with in = -1) when absent; NULL when out of memory. */
static signed char *idset_slot(struct idset *s, int64_t id)
{
	if ((s->n + 1) * 2 > s->cap && !idset_grow(s))
		return NULL;
	size_t j = (size_t)id * 11400714819323198485ull % s->cap;
	while (s->keys[j] && s->keys[j] != id)
		j = (j + 1) % s->cap;
	if (!s->keys[j]) {
		s->keys[j] = id;
		s->in[j] = -1;
		s->n++;
	}
	return &s->in[j];
}

struct indicators {
	socle_db *db;
	const char *from, *to, *division;
	struct idset companies;
	int64_t workers;
	int rc;
	socle_err *err;
};

/* Does company @p id count (the NAF filter), judged once per company. */
static int company_counts(struct indicators *x, int64_t id)
{
	signed char *in = idset_slot(&x->companies, id);

	if (in == NULL)
		return socle_err_set(x->err, SOCLE_E_NOMEM, "mémoire insuffisante");
	if (*in < 0) {
		*in = 1;
		if (x->division) {
			json_t *c = awareness_membership->company_get(x->db, id, x->err);
			const char *naf = c ? json_string_value(json_object_get(c, "naf_code")) : NULL;

			if (c == NULL && x->err->code != SOCLE_E_NOTFOUND)
				return x->err->code;
			*in = naf && strncmp(naf, x->division, 2) == 0;
			json_decref(c);
		}
	}
	return *in;
}

/* A worker employed at some point of the period counts, with its company. */
static int count_worker(const struct membership_worker_row *w, void *ud)
{
	struct indicators *x = ud;

	if (strcmp(w->start_date, x->to) > 0 || (w->end_date && strcmp(w->end_date, x->from) < 0))
		return 0;
	int in = company_counts(x, w->company_id);
	if (in < 0)
		return in;
	x->workers += in;
	return 0;
}

static int check_division(const char *s)
{
	return s && strlen(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9';
}

/* GET /awareness/indicators?from=&to=&company_id=&naf_division= : staff, or an
 * employer for its own company. */
static int route_indicators(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	char today[SOCLE_DATE_SIZE], from[SOCLE_DATE_SIZE];
	const char *f = socle_req_query(req, "from"), *t = socle_req_query(req, "to");
	const char *c = socle_req_query(req, "company_id"), *d = socle_req_query(req, "naf_division");
	int64_t company = 0;
	bool staff = socle_principal_can(socle_req_principal(req), AWARENESS_MANAGE);
	(void)ud;

	socle_date_today(today);
	if (t && !socle_date_valid(t))
		socle_field_error(&errors, "to", "doit être une date AAAA-MM-JJ");
	if (f && !socle_date_valid(f))
		socle_field_error(&errors, "from", "doit être une date AAAA-MM-JJ");
	if (c && (sscanf(c, "%" SCNd64, &company) != 1 || company <= 0))
		socle_field_error(&errors, "company_id", "doit être un numéro d'entreprise");
	if (!staff && company == 0)
		socle_field_error(&errors, "company_id", "obligatoire : le numéro de votre entreprise");
	if (d && !check_division(d))
		socle_field_error(&errors, "naf_division", "deux chiffres, par exemple 43");
	const char *to = t ? t : today;
	if (!errors) {
		if (f)
			snprintf(from, sizeof(from), "%s", f);
		else /* the seed's period: five years to date */
			socle_date_add_months(to, -60, from);
		if (strcmp(from, to) > 0)
			socle_field_error(&errors, "from", "doit précéder la date de fin");
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	if (company && socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	struct indicators x = {.db = db, .from = from, .to = to, .division = d, .err = &err};
	int rc = awareness_membership->workers_each(db, company, 0, count_worker, &x, &err);
	size_t members = 0, workers_in = 0;
	json_t *benefited = rc < 0 ? NULL : socle_db_query_new(db,
		"SELECT r.company_id, count(DISTINCT r.worker_id) AS workers"
		" FROM awareness_registration r JOIN awareness_session s ON s.id = r.session_id"
		" WHERE r.attended = 1 AND s.held_on >= :from AND s.held_on <= :to"
		" AND (:company = 0 OR r.company_id = :company) GROUP BY r.company_id",
		json_pack("{s:s, s:s, s:I}", "from", from, "to", to, "company", (json_int_t)company), &err);
	json_t *answers = benefited ? socle_db_query_new(db,
		"SELECT r.company_id, f.satisfaction, f.utility, q.score_before, q.score_after"
		" FROM awareness_registration r JOIN awareness_session s ON s.id = r.session_id"
		" LEFT JOIN awareness_feedback f ON f.registration_id = r.id"
		" LEFT JOIN awareness_quiz q ON q.registration_id = r.id"
		" WHERE r.attended = 1 AND s.held_on >= :from AND s.held_on <= :to"
		" AND (:company = 0 OR r.company_id = :company)"
		" AND (f.registration_id IS NOT NULL OR q.registration_id IS NOT NULL)",
		json_pack("{s:s, s:s, s:I}", "from", from, "to", to, "company", (json_int_t)company), &err)
		: NULL;
	size_t i, companies_in = 0;
	json_t *row;
	json_int_t n_answers = 0, satisfied = 0, useful = 0, n_quiz = 0, gain = 0;
	json_array_foreach(benefited, i, row) {
		/* A company that came counts in the whole too, even with no worker declared. */
		int in = company_counts(&x, json_integer_value(json_object_get(row, "company_id")));
		if (in < 0) {
			rc = in;
			break;
		}
		companies_in += in;
		workers_in += in ? (size_t)json_integer_value(json_object_get(row, "workers")) : 0;
	}
	json_array_foreach(answers, i, row) {
		int in = rc < 0 ? 0 : company_counts(&x, json_integer_value(json_object_get(row, "company_id")));
		if (in < 0)
			rc = in;
		if (in <= 0)
			continue;
		if (json_is_integer(json_object_get(row, "satisfaction"))) {
			n_answers++;
			satisfied += json_integer_value(json_object_get(row, "satisfaction")) >= 4;
			useful += json_integer_value(json_object_get(row, "utility")) >= 4;
		}
		if (json_is_integer(json_object_get(row, "score_before"))) {
			n_quiz++;
			gain += json_integer_value(json_object_get(row, "score_after")) -
			        json_integer_value(json_object_get(row, "score_before"));
		}
	}
	for (size_t k = 0; k < x.companies.cap; k++)
		members += x.companies.keys && x.companies.keys[k] && x.companies.in[k] == 1;
	free(x.companies.keys);
	free(x.companies.in);
	if (rc < 0 || answers == NULL) {
		json_decref(benefited);
		json_decref(answers);
		return socle_reply_err(req, &err);
	}
	json_decref(benefited);
	json_decref(answers);
	json_t *body = json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:I, s:I, s:o}, s:{s:I, s:I, s:o}, s:I, s:o, s:o, s:I, s:o}",
		"from", from, "to", to, "company_id", company ? json_integer(company) : json_null(),
		"naf_division", d ? json_string(d) : json_null(),
		"companies", "benefited", (json_int_t)companies_in, "total", (json_int_t)members, "rate",
		rate((json_int_t)companies_in, (json_int_t)members),
		"workers", "benefited", (json_int_t)workers_in, "total", (json_int_t)x.workers, "rate",
		rate((json_int_t)workers_in, (json_int_t)x.workers),
		"answers", n_answers, "satisfaction_rate", rate(satisfied, n_answers), "utility_rate",
		rate(useful, n_answers), "quizzes", n_quiz, "knowledge_gain",
		n_quiz ? json_real((double)(long long)((double)gain * 10 / (double)n_quiz + 0.5) / 10.0)
		       : json_null());
	return socle_reply_json(req, 200, body);
}

static const struct socle_route feedback_routes[] = {
	{SOCLE_POST, "/awareness/registrations/{id}/feedback", SOCLE_CAP_AUTHENTICATED, 0,
	 route_feedback, NULL},
	{SOCLE_POST, "/awareness/registrations/{id}/quiz", AWARENESS_MANAGE, 0, route_quiz, NULL},
	{SOCLE_GET, "/awareness/sessions/{id}/results", AWARENESS_MANAGE, 0, route_results, NULL},
	{SOCLE_GET, "/awareness/indicators", SOCLE_CAP_AUTHENTICATED, 0, route_indicators, NULL},
};

int awareness_feedback_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, feedback_routes, SOCLE_COUNT(feedback_routes), err);
}
