/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Prevention-culture score, membership fee and invoices (cahier des charges
 * 3.1 and 3.2.1.3; L4622-6, D4622-27-4 to -6).
 *
 *  - prevention_score(answers): a rule point (default in
 *    membership/scripts/membership_score.lua) computing a 0-5 score from the six
 *    questions of the seed; each computation is stored with its explanation.
 *  - membership_fee(company, year): a rule point (default in
 *    membership/scripts/membership_fee.lua), per capita. Whatever the service's
 *    script returns, this file then checks the national band (80-120 % of the
 *    national average cost of the year, an effective-dated table below): a
 *    fee outside it is refused unless the service recorded a general-assembly
 *    exception for that year.
 *  - invoices: one live invoice per company and year, numbered F-<year>-<seq>
 *    without reuse, amounts stored in cents.
 *
 * Money crosses the rule points as euros (numbers, at most two decimals) and
 * is stored and compared as integer cents, so that no float ever decides
 * whether a fee is inside the band. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

/* ------------------------------------------------------------------ schema */

const char membership_sql_billing[] =
	/* Every computation of the score is kept: the latest is the company's
	 * score, the others show how it moved. */
	"CREATE TABLE membership_prevention_score (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  score REAL NOT NULL CHECK (score >= 0 AND score <= 5),\n"
	"  answers TEXT NOT NULL,\n"        /* JSON object given to the rule point */
	"  result TEXT NOT NULL,\n"         /* JSON: the rule point's result */
	"  computed_at INTEGER NOT NULL,\n" /* ms */
	"  computed_by INTEGER\n"           /* user id; NULL when computed on an event */
	");\n"
	"CREATE INDEX membership_prevention_score_company ON membership_prevention_score "
	"(company_id, id);\n"
	/* A general-assembly decision allowing a per-worker fee outside the
	 * national band for one year (D4622-27-6). */
	"CREATE TABLE membership_fee_exception (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  year INTEGER NOT NULL UNIQUE,\n"
	"  amount_per_worker_cents INTEGER NOT NULL CHECK (amount_per_worker_cents >= 0),\n"
	"  decision_reference TEXT NOT NULL,\n"
	"  decided_on TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  created_by INTEGER NOT NULL\n"
	");\n"
	/* Invoice numbers: one sequence per year, never reused (a cancelled
	 * invoice keeps its number). */
	"CREATE TABLE membership_invoice_seq (\n"
	"  year INTEGER PRIMARY KEY,\n"
	"  last_seq INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE membership_invoice (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  number TEXT NOT NULL UNIQUE,\n"
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  year INTEGER NOT NULL,\n"
	"  units INTEGER NOT NULL CHECK (units >= 0),\n"
	"  amount_per_worker_cents INTEGER NOT NULL,\n"
	"  total_cents INTEGER NOT NULL CHECK (total_cents >= 0),\n"
	"  fee_exception_id INTEGER REFERENCES membership_fee_exception (id),\n"
	"  issued_on TEXT NOT NULL,\n"
	"  due_date TEXT NOT NULL,\n"
	"  status TEXT NOT NULL CHECK (status IN ('issued', 'paid', 'cancelled')),\n"
	"  paid_on TEXT,\n"
	"  cancelled_at INTEGER,\n"
	"  cancel_reason TEXT,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  created_by INTEGER NOT NULL\n"
	");\n"
	/* One live (not cancelled) invoice per company and year; PostgreSQL has
	 * the same partial unique index. */
	"CREATE UNIQUE INDEX membership_invoice_live ON membership_invoice (company_id, year)\n"
	"  WHERE status <> 'cancelled';\n"
	"CREATE INDEX membership_invoice_company ON membership_invoice (company_id, id);\n"
	"CREATE TABLE membership_invoice_line (\n"
	"  invoice_id INTEGER NOT NULL REFERENCES membership_invoice (id),\n"
	"  position INTEGER NOT NULL,\n"
	"  label TEXT NOT NULL,\n"
	"  quantity REAL NOT NULL,\n"
	"  unit_price_cents INTEGER NOT NULL,\n"
	"  amount_cents INTEGER NOT NULL,\n"
	"  PRIMARY KEY (invoice_id, position)\n"
	");\n";

/* ------------------------------------------------------------ small helpers */

/* Dates: the core's calendar (socle/date.h), day numbers since 1970-01-01. */
static int64_t today_days(void)
{
	char today[SOCLE_DATE_SIZE];
	int64_t days = 0;

	socle_date_today(today);
	socle_date_parse(today, &days);
	return days;
}

static void date_of_days(int64_t days, char out[11])
{
	if (!socle_date_format(days, out))
		snprintf(out, 11, "%s", "9999-12-31");
}

/* "1 234,50 €" is overkill here: "139,20 €" is what people read in France. */
static void fmt_eur(int64_t cents, char *buf, size_t size)
{
	const char *sign = cents < 0 ? "-" : "";
	int64_t a = cents < 0 ? -cents : cents;

	snprintf(buf, size, "%s%" PRId64 ",%02" PRId64 " €", sign, a / 100, a % 100);
}

/* Euros (a JSON number with at most two decimals) to cents. false when the
 * value is not a number, negative, huge, or has fractions of a cent. */
static bool euros_to_cents(const json_t *v, int64_t *out)
{
	if (!json_is_number(v))
		return false;
	double e = json_number_value(v);

	if (!isfinite(e) || e < 0 || e > 1e12)
		return false;
	double c = e * 100.0;
	double r = nearbyint(c);

	if (fabs(c - r) > 1e-6 * (fabs(c) > 1 ? fabs(c) : 1))
		return false;
	*out = (int64_t)r;
	return true;
}

static json_t *json_euros(int64_t cents)
{
	return json_real((double)cents / 100.0);
}

static int64_t principal_id(socle_req *req)
{
	const socle_principal *who = req ? socle_req_principal(req) : NULL;

	return who ? socle_principal_user_id(who) : 0;
}

/* ------------------------------------------------- the national fee band */

/* National average cost of the offre socle per worker, fixed by arrêté each
 * year (D4622-27-4); the band is 80 % to 120 % of it (D4622-27-5), in force
 * from 1 January 2025 (décret 2022-1749). Effective-dated: an entry applies
 * from its year until the next entry; a new arrêté is a new line, never an
 * edit. Years before the first entry have no band (the rule did not exist). */
struct fee_band_entry {
	int from_year;
	int64_t average_cents;
	const char *basis;
};

static const struct fee_band_entry fee_band_table[] = {
	{2025, 11550, "arrêté du 12 octobre 2024 (coût moyen national 2025) ; D4622-27-4 à -6"},
	{2026, 11600, "arrêté du 26 septembre 2025 (coût moyen national 2026) ; D4622-27-4 à -6"},
};

struct fee_band {
	bool applies;
	int64_t average_cents, min_cents, max_cents;
	const char *basis;
};

static struct fee_band fee_band_for(int year)
{
	struct fee_band b = {0};

	for (size_t i = 0; i < SOCLE_COUNT(fee_band_table); i++)
		if (fee_band_table[i].from_year <= year) {
			b.applies = true;
			b.average_cents = fee_band_table[i].average_cents;
			b.basis = fee_band_table[i].basis;
		}
	if (b.applies) {
		/* 80 % rounded up and 120 % rounded down: the band never widens
		 * through rounding. */
		b.min_cents = (b.average_cents * 80 + 99) / 100;
		b.max_cents = (b.average_cents * 120) / 100;
	}
	return b;
}

static json_t *fee_band_json(int year)
{
	struct fee_band b = fee_band_for(year);

	if (!b.applies)
		return json_pack("{s:i, s:b, s:s}", "year", year, "applies", 0, "message",
		                 "pas de fourchette nationale avant 2025 (décret 2022-1749)");
	return json_pack("{s:i, s:b, s:o, s:o, s:o, s:s}", "year", year, "applies", 1,
	                 "national_average_cost", json_euros(b.average_cents), "min",
	                 json_euros(b.min_cents), "max", json_euros(b.max_cents), "basis", b.basis);
}

/* ------------------------------------------------------ rule point checks */

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

static int check_membership_fee(const json_t *r, socle_err *err)
{
	int64_t rate, total, sum = 0;
	const json_t *units = json_object_get(r, "units"), *lines = json_object_get(r, "lines");

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "membership_fee doit rendre une table "
		                     "{ amount_per_worker, units, total, lines }");
	if (!euros_to_cents(json_object_get(r, "amount_per_worker"), &rate))
		return socle_err_set(err, SOCLE_E_CONTRACT, "membership_fee : amount_per_worker doit "
		                     "être un montant positif en euros, au centime près");
	(void)rate;
	if (!json_is_integer(units) || json_integer_value(units) < 0)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "membership_fee : units doit être un entier positif ou nul");
	if (!euros_to_cents(json_object_get(r, "total"), &total))
		return socle_err_set(err, SOCLE_E_CONTRACT, "membership_fee : total doit être un "
		                     "montant positif en euros, au centime près");
	if (!json_is_array(lines) || json_array_size(lines) == 0)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "membership_fee : lines doit être une liste non vide");
	size_t i;
	const json_t *l;

	json_array_foreach(lines, i, l) {
		int64_t price, amount;
		const json_t *label = json_object_get(l, "label"), *q = json_object_get(l, "quantity");

		if (!json_is_object(l) || !json_is_string(label) || json_string_length(label) == 0 ||
		    !json_is_number(q) || json_number_value(q) < 0 ||
		    !euros_to_cents(json_object_get(l, "unit_price"), &price) ||
		    !euros_to_cents(json_object_get(l, "amount"), &amount))
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "membership_fee : lines[%zu] doit avoir label (texte), quantity "
			                     "(nombre), unit_price et amount (euros, au centime près)", i + 1);
		(void)price;
		sum += amount;
	}
	if (sum != total)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "membership_fee : total (%" PRId64 " centimes) différent de la somme "
		                     "des lignes (%" PRId64 " centimes)", total, sum);
	return 0;
}

static const struct socle_rule_point rule_membership_fee = {
	.name = "membership_fee",
	.contract = "membership_fee(company, year) -> { amount_per_worker = euros, units = entier, "
	            "total = euros, lines = { { label, quantity, unit_price, amount }, ... } } : "
	            "cotisation de l'année ; total = somme des lignes, au centime près. company porte "
	            "workers (salariés présents dans l'année), workers_by_contract et fee_per_worker "
	            "(réglage du service). La fourchette nationale est vérifiée ensuite par le plugin.",
	.n_args = 2,
	.check = check_membership_fee,
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
	int64_t by = principal_id(w->req);

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

/* ------------------------------------------------------------------- fee */

/* Year of a query or body value: 2000..2100 (a fee before the first SPSTI
 * reform or a century ahead is a typo). */
#define YEAR_MIN 2000
#define YEAR_MAX 2100

/* The company as the fee rule point sees it: its identity, and the workers
 * present at some point of @p year (start_date..end_date overlaps it), by
 * contract. NULL with err (NOTFOUND) when the company is unknown. */
static json_t *fee_company(socle_service *svc, socle_db *db, int64_t company_id, int year,
                           socle_err *err)
{
	char first[16], last[16];

	snprintf(first, sizeof(first), "%04d-01-01", year);
	snprintf(last, sizeof(last), "%04d-12-31", year);
	json_t *p = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)company_id, "first", first,
	                      "last", last);
	json_t *company = socle_db_query_one(db,
		"SELECT id, legal_name, siren, naf_code, headcount, joined_on, status"
		" FROM membership_company WHERE id = :id", p, err);

	if (company == NULL) {
		json_decref(p);
		if (err->code == SOCLE_E_NOTFOUND)
			socle_err_set(err, SOCLE_E_NOTFOUND, "entreprise inconnue");
		return NULL;
	}
	json_t *rows = socle_db_query(db,
		"SELECT contract_type, COUNT(*) AS n FROM membership_worker"
		" WHERE company_id = :id AND start_date <= :last"
		"   AND (end_date IS NULL OR end_date >= :first)"
		" GROUP BY contract_type ORDER BY contract_type", p, err);

	json_decref(p);
	if (rows == NULL) {
		json_decref(company);
		return NULL;
	}
	json_t *by = json_object();
	json_int_t total = 0;
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r) {
		const char *ct = json_string_value(json_object_get(r, "contract_type"));
		json_int_t n = json_integer_value(json_object_get(r, "n"));

		json_object_set_new(by, ct ? ct : "inconnu", json_integer(n));
		total += n;
	}
	json_decref(rows);
	json_object_set_new(company, "workers", json_integer(total));
	json_object_set_new(company, "workers_by_contract", by);
	const json_t *rate = json_object_get(membership_settings(svc), "fee_per_worker");

	if (json_is_number(rate))
		json_object_set(company, "fee_per_worker", (json_t *)rate);
	return company;
}

/* One computed fee, checked against its contract and the national band. */
struct fee {
	int year;
	json_t *result;       /* the rule point's result */
	int64_t rate_cents, total_cents, units;
	struct fee_band band;
	int64_t exception_id, exception_cents;
	bool compliant;
	char why[400];        /* French, when not compliant */
};

static void fee_free(struct fee *f)
{
	json_decref(f->result);
	f->result = NULL;
}

/* The band check (D4622-27-5, -6): the per-capita rate must lie in the band
 * of the year, or equal the rate of a general-assembly exception recorded for
 * that year; and the effective amount per worker (total / units, which a
 * service's per-company component may raise) must lie in the band widened to
 * that exception. */
static void fee_check_band(struct fee *f)
{
	char lo[32], hi[32], avg[32], rate[32], exc[32], eff[32];
	struct fee_band *b = &f->band;

	f->compliant = true;
	f->why[0] = '\0';
	if (!b->applies)
		return;
	fmt_eur(b->min_cents, lo, sizeof(lo));
	fmt_eur(b->max_cents, hi, sizeof(hi));
	fmt_eur(b->average_cents, avg, sizeof(avg));
	fmt_eur(f->rate_cents, rate, sizeof(rate));
	bool in_band = f->rate_cents >= b->min_cents && f->rate_cents <= b->max_cents;
	bool excepted = f->exception_id > 0 && f->rate_cents == f->exception_cents;

	if (!in_band && !excepted) {
		f->compliant = false;
		if (f->exception_id > 0) {
			fmt_eur(f->exception_cents, exc, sizeof(exc));
			snprintf(f->why, sizeof(f->why),
			         "%s par salarié hors de la fourchette nationale %d (%s à %s, 80 à 120 %% du "
			         "coût moyen national de %s) et différent du montant de l'exception votée en "
			         "assemblée générale (%s)", rate, f->year, lo, hi, avg, exc);
		} else {
			snprintf(f->why, sizeof(f->why),
			         "%s par salarié hors de la fourchette nationale %d (%s à %s, 80 à 120 %% du "
			         "coût moyen national de %s) ; seule une exception votée en assemblée "
			         "générale, enregistrée pour %d, le permet", rate, f->year, lo, hi, avg,
			         f->year);
		}
		return;
	}
	if (f->units > 0) {
		int64_t min = b->min_cents, max = b->max_cents;

		if (f->exception_id > 0) {
			min = f->exception_cents < min ? f->exception_cents : min;
			max = f->exception_cents > max ? f->exception_cents : max;
		}
		/* total / units within [min, max], in integers: no rounding. */
		if (f->total_cents < min * f->units || f->total_cents > max * f->units) {
			fmt_eur(f->total_cents / f->units, eff, sizeof(eff));
			fmt_eur(min, lo, sizeof(lo));
			fmt_eur(max, hi, sizeof(hi));
			f->compliant = false;
			snprintf(f->why, sizeof(f->why),
			         "cotisation effective de %s par salarié (total / salariés) hors de la "
			         "fourchette %d (%s à %s)", eff, f->year, lo, hi);
		}
	}
}

/* Compute the fee of @p company_id for @p year through the rule point, then
 * check it. Returns 0 (f->compliant tells the band result) or a negative code
 * with err set. */
static int fee_compute(socle_service *svc, socle_db *db, int64_t company_id, int year,
                       struct fee *f, socle_err *err)
{
	memset(f, 0, sizeof(*f));
	f->year = year;
	json_t *company = fee_company(svc, db, company_id, year, err);

	if (company == NULL)
		return err->code ? err->code : SOCLE_E_INTERNAL;
	json_t *args = json_pack("[O, i]", company, year);
	int rc = socle_rule_call(svc, "membership_fee", args, &f->result, err);

	json_decref(args);
	json_decref(company);
	if (rc != 0)
		return rc;
	/* The contract check already guaranteed these conversions. */
	euros_to_cents(json_object_get(f->result, "amount_per_worker"), &f->rate_cents);
	euros_to_cents(json_object_get(f->result, "total"), &f->total_cents);
	f->units = json_integer_value(json_object_get(f->result, "units"));
	f->band = fee_band_for(year);
	json_t *p = json_pack("{s:i}", "year", year);
	json_t *exc = socle_db_query_one(db, "SELECT id, amount_per_worker_cents FROM"
	                                     " membership_fee_exception WHERE year = :year", p, err);

	json_decref(p);
	if (exc != NULL) {
		f->exception_id = json_integer_value(json_object_get(exc, "id"));
		f->exception_cents = json_integer_value(json_object_get(exc, "amount_per_worker_cents"));
		json_decref(exc);
	} else if (err->code != SOCLE_E_NOTFOUND) {
		fee_free(f);
		return err->code;
	}
	*err = (socle_err)SOCLE_ERR_INIT;
	fee_check_band(f);
	return 0;
}

static int parse_year(const char *text, int *out)
{
	char *end;
	long y;

	if (text == NULL || *text == '\0')
		return -1;
	y = strtol(text, &end, 10);
	if (*end != '\0' || y < YEAR_MIN || y > YEAR_MAX)
		return -1;
	*out = (int)y;
	return 0;
}

/* GET /membership/companies/{id}/fee?year=Y: the fee the company would be
 * invoiced, with the band and whether it passes. */
static int route_fee_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id;
	int year;
	struct fee f;
	(void)ud;

	if (socle_req_param_id(req, "id", &company_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, MEMBERSHIP_ROLE_BILLING, &err) != 0)
		return socle_reply_err(req, &err);
	const char *y = socle_req_query(req, "year");

	if (y == NULL) {
		char today[11];

		date_of_days(today_days(), today);
		year = atoi(today);
	} else if (parse_year(y, &year) != 0) {
		return socle_reply_error(req, 400, "invalid", "year : année attendue (2000 à 2100)");
	}
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL || fee_compute(socle_req_service(req), db, company_id, year, &f, &err) != 0)
		return socle_reply_err(req, &err);
	json_t *body = json_pack("{s:I, s:i, s:O, s:O, s:O, s:O, s:o, s:b}", "company_id",
	                         (json_int_t)company_id, "year", year, "amount_per_worker",
	                         json_object_get(f.result, "amount_per_worker"), "units",
	                         json_object_get(f.result, "units"), "total",
	                         json_object_get(f.result, "total"), "lines",
	                         json_object_get(f.result, "lines"), "band", fee_band_json(year),
	                         "compliant", f.compliant);

	if (!f.compliant)
		json_object_set_new(body, "message", json_string(f.why));
	if (f.exception_id > 0)
		json_object_set_new(body, "fee_exception_id", json_integer(f.exception_id));
	fee_free(&f);
	return socle_reply_json(req, 200, body);
}

/* --------------------------------------------------------- fee exceptions */

static int check_decision_reference(const json_t *v, char *msg, size_t size)
{
	for (const char *p = json_string_value(v); *p; p++)
		if ((unsigned char)*p < 0x20) {
			snprintf(msg, size, "Ne doit pas contenir de caractère de contrôle.");
			return -1;
		}
	return 0;
}

static int check_euros(const json_t *v, char *msg, size_t size)
{
	int64_t c;

	if (!euros_to_cents(v, &c)) {
		snprintf(msg, size, "Montant en euros positif, au centime près, attendu.");
		return -1;
	}
	return 0;
}

static const struct socle_field exception_fields[] = {
	{.name = "year", .type = SOCLE_F_INT, .required = true, .min = YEAR_MIN, .max = YEAR_MAX},
	{.name = "amount_per_worker", .type = SOCLE_F_NUMBER, .required = true, .check = check_euros},
	{.name = "decision_reference", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = check_decision_reference},
	{.name = "decided_on", .type = SOCLE_F_DATE, .required = true},
};

struct exception_write {
	socle_req *req;
	const json_t *body;
	int64_t cents;
	int64_t id;
};

static int exception_store(socle_db *wdb, void *ud, socle_err *err)
{
	struct exception_write *w = ud;
	json_t *p = json_pack("{s:O, s:I, s:O, s:O, s:I, s:I}", "year",
	                      json_object_get(w->body, "year"), "cents", (json_int_t)w->cents,
	                      "ref", json_object_get(w->body, "decision_reference"), "on",
	                      json_object_get(w->body, "decided_on"), "now",
	                      (json_int_t)socle_now_ms(), "by", (json_int_t)principal_id(w->req));
	int rc = socle_db_run(wdb,
		"INSERT INTO membership_fee_exception (year, amount_per_worker_cents, decision_reference,"
		" decided_on, created_at, created_by) VALUES (:year, :cents, :ref, :on, :now, :by)"
		" ON CONFLICT (year) DO NOTHING", p, err);

	json_decref(p);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_EXISTS,
		                     "une exception est déjà enregistrée pour l'année %" JSON_INTEGER_FORMAT,
		                     json_integer_value(json_object_get(w->body, "year")));
	w->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "membership.fee_exception.create",
	                              .object_type = "fee_exception", .object_id = w->id,
	                              .outcome = "ok", .detail = w->body};

	if ((rc = socle_audit(wdb, w->req, &e, err)) != 0)
		return rc;
	json_t *ev = json_pack("{s:I, s:O}", "fee_exception_id", (json_int_t)w->id, "year",
	                       json_object_get(w->body, "year"));

	rc = socle_event_emit(wdb, "fee_exception.recorded", ev, err);
	json_decref(ev);
	return rc;
}

/* POST /membership/fee-exceptions {year, amount_per_worker, decision_reference, decided_on} */
static int route_exception_post(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *body = socle_req_body(req);
	(void)ud;

	if (socle_fields_check(body, exception_fields, SOCLE_COUNT(exception_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	struct exception_write w = {.req = req, .body = body};

	euros_to_cents(json_object_get(body, "amount_per_worker"), &w.cents);
	if (socle_service_write(socle_req_service(req), exception_store, &w, &err) != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201,
	                        json_pack("{s:I, s:O, s:o, s:O, s:O}", "id", (json_int_t)w.id, "year",
	                                  json_object_get(body, "year"), "amount_per_worker",
	                                  json_euros(w.cents), "decision_reference",
	                                  json_object_get(body, "decision_reference"), "decided_on",
	                                  json_object_get(body, "decided_on")));
}

/* GET /membership/fee-exceptions: newest year first, paginated by id. */
static int route_exception_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;
	(void)ud;

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:I, s:i}", "after", (json_int_t)after, "limit", limit);
	json_t *rows = socle_db_query(db,
		"SELECT id, year, amount_per_worker_cents, decision_reference, decided_on, created_at"
		" FROM membership_fee_exception WHERE (:after = 0 OR id < :after)"
		" ORDER BY id DESC LIMIT :limit", p, &err);

	json_decref(p);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r) {
		json_object_set_new(r, "amount_per_worker", json_euros(json_integer_value(
			json_object_get(r, "amount_per_worker_cents"))));
		json_object_del(r, "amount_per_worker_cents");
	}
	return socle_reply_page(req, rows, limit, "id");
}

/* GET /membership/fee-band?year=Y */
static int route_band_get(socle_req *req, void *ud)
{
	int year;
	(void)ud;

	if (parse_year(socle_req_query(req, "year"), &year) != 0)
		return socle_reply_error(req, 400, "invalid", "year : année attendue (2000 à 2100)");
	return socle_reply_json(req, 200, fee_band_json(year));
}

/* --------------------------------------------------------------- invoices */

/* The invoice with its lines, as the API shows it (caller owns). */
json_t *membership_invoice_load(socle_db *db, int64_t company_id, int64_t invoice_id,
                                socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I}", "id", (json_int_t)invoice_id, "company",
	                      (json_int_t)company_id);
	json_t *inv = socle_db_query_one(db,
		"SELECT id, number, company_id, year, units, amount_per_worker_cents, total_cents,"
		" fee_exception_id, issued_on, due_date, status, paid_on, cancelled_at, cancel_reason,"
		" created_at FROM membership_invoice WHERE id = :id AND company_id = :company", p, err);

	if (inv == NULL) {
		json_decref(p);
		if (err->code == SOCLE_E_NOTFOUND)
			socle_err_set(err, SOCLE_E_NOTFOUND, "facture inconnue");
		return NULL;
	}
	json_t *lines = socle_db_query(db,
		"SELECT position, label, quantity, unit_price_cents, amount_cents"
		" FROM membership_invoice_line WHERE invoice_id = :id ORDER BY position", p, err);

	json_decref(p);
	if (lines == NULL) {
		json_decref(inv);
		return NULL;
	}
	size_t i;
	json_t *l;

	json_array_foreach(lines, i, l) {
		json_object_set_new(l, "unit_price", json_euros(json_integer_value(
			json_object_get(l, "unit_price_cents"))));
		json_object_set_new(l, "amount", json_euros(json_integer_value(
			json_object_get(l, "amount_cents"))));
		json_object_del(l, "unit_price_cents");
		json_object_del(l, "amount_cents");
		json_object_del(l, "position");
	}
	json_object_set_new(inv, "amount_per_worker", json_euros(json_integer_value(
		json_object_get(inv, "amount_per_worker_cents"))));
	json_object_set_new(inv, "total", json_euros(json_integer_value(
		json_object_get(inv, "total_cents"))));
	json_object_del(inv, "amount_per_worker_cents");
	json_object_del(inv, "total_cents");
	json_object_set_new(inv, "lines", lines);
	return inv;
}

struct invoice_write {
	socle_req *req;
	int64_t company_id;
	struct fee *fee;
	int64_t id;
	char number[32];
	char issued_on[11], due_date[11];
};

static int invoice_store(socle_db *wdb, void *ud, socle_err *err)
{
	struct invoice_write *w = ud;
	struct fee *f = w->fee;
	json_t *p = json_pack("{s:I, s:i}", "company", (json_int_t)w->company_id, "year", f->year);
	json_t *live = socle_db_query_one(wdb,
		"SELECT number FROM membership_invoice WHERE company_id = :company AND year = :year"
		" AND status <> 'cancelled'", p, err);
	int rc;

	if (live != NULL) {
		socle_err_set(err, SOCLE_E_CONFLICT, "la facture %s existe déjà pour %d : annulez-la "
		              "avant d'en émettre une autre",
		              json_string_value(json_object_get(live, "number")), f->year);
		json_decref(live);
		json_decref(p);
		return SOCLE_E_CONFLICT;
	}
	if (err->code != SOCLE_E_NOTFOUND) {
		json_decref(p);
		return err->code;
	}
	*err = (socle_err)SOCLE_ERR_INIT;
	rc = socle_db_run(wdb, "INSERT INTO membership_invoice_seq (year, last_seq) VALUES (:year, 1)"
	                       " ON CONFLICT (year) DO UPDATE SET last_seq ="
	                       " membership_invoice_seq.last_seq + 1", p, err);
	json_t *seq = rc < 0 ? NULL
	                     : socle_db_query_one(wdb, "SELECT last_seq FROM membership_invoice_seq"
	                                               " WHERE year = :year", p, err);

	json_decref(p);
	if (seq == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	snprintf(w->number, sizeof(w->number), "F-%d-%05" JSON_INTEGER_FORMAT, f->year,
	         json_integer_value(json_object_get(seq, "last_seq")));
	json_decref(seq);
	p = json_pack("{s:s, s:I, s:i, s:I, s:I, s:I, s:s, s:s, s:I, s:I}", "number", w->number,
	              "company", (json_int_t)w->company_id, "year", f->year, "units",
	              (json_int_t)f->units, "rate", (json_int_t)f->rate_cents, "total",
	              (json_int_t)f->total_cents, "issued", w->issued_on, "due", w->due_date, "now",
	              (json_int_t)socle_now_ms(), "by", (json_int_t)principal_id(w->req));
	json_object_set_new(p, "exc", f->exception_id > 0 ? json_integer(f->exception_id)
	                                                 : json_null());
	rc = socle_db_run(wdb,
		"INSERT INTO membership_invoice (number, company_id, year, units, amount_per_worker_cents,"
		" total_cents, fee_exception_id, issued_on, due_date, status, created_at, created_by)"
		" VALUES (:number, :company, :year, :units, :rate, :total, :exc, :issued, :due, 'issued',"
		" :now, :by)", p, err);
	json_decref(p);
	if (rc < 0)
		return rc;
	w->id = socle_db_last_insert_id(wdb);
	size_t i;
	const json_t *l;

	json_array_foreach(json_object_get(f->result, "lines"), i, l) {
		int64_t price = 0, amount = 0;

		euros_to_cents(json_object_get(l, "unit_price"), &price);
		euros_to_cents(json_object_get(l, "amount"), &amount);
		p = json_pack("{s:I, s:i, s:O, s:O, s:I, s:I}", "inv", (json_int_t)w->id, "pos",
		              (int)i + 1, "label", json_object_get(l, "label"), "qty",
		              json_object_get(l, "quantity"), "price", (json_int_t)price, "amount",
		              (json_int_t)amount);
		rc = socle_db_run(wdb,
			"INSERT INTO membership_invoice_line (invoice_id, position, label, quantity,"
			" unit_price_cents, amount_cents) VALUES (:inv, :pos, :label, :qty, :price, :amount)",
			p, err);
		json_decref(p);
		if (rc < 0)
			return rc;
	}
	json_t *detail = json_pack("{s:s, s:i, s:I, s:I}", "number", w->number, "year", f->year,
	                           "units", (json_int_t)f->units, "total_cents",
	                           (json_int_t)f->total_cents);
	struct socle_audit_entry e = {.action = "membership.invoice.issue", .object_type = "invoice",
	                              .object_id = w->id, .outcome = "ok", .detail = detail};

	rc = socle_audit(wdb, w->req, &e, err);
	json_decref(detail);
	if (rc != 0)
		return rc;
	json_t *ev = json_pack("{s:I, s:I, s:s, s:i, s:I}", "invoice_id", (json_int_t)w->id,
	                       "company_id", (json_int_t)w->company_id, "number", w->number, "year",
	                       f->year, "total_cents", (json_int_t)f->total_cents);

	rc = socle_event_emit(wdb, "invoice.issued", ev, err);
	json_decref(ev);
	return rc;
}

static const struct socle_field invoice_fields[] = {
	{.name = "year", .type = SOCLE_F_INT, .required = true, .min = YEAR_MIN, .max = YEAR_MAX},
};

static int64_t due_days_setting(socle_service *svc)
{
	const json_t *v = json_object_get(membership_settings(svc), "invoice_due_days");

	/* Payment terms between companies: 30 days by default, 60 at most (L441-10
	 * Code de commerce); a bad setting falls back to the default. */
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 60)
		return json_integer_value(v);
	return 30;
}

/* POST /membership/companies/{id}/invoices {year} */
static int route_invoice_post(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int64_t company_id;
	const json_t *body = socle_req_body(req);
	struct fee f;
	(void)ud;

	if (socle_req_param_id(req, "id", &company_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, MEMBERSHIP_ROLE_BILLING, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_fields_check(body, invoice_fields, SOCLE_COUNT(invoice_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	int year = (int)json_integer_value(json_object_get(body, "year"));
	socle_service *svc = socle_req_service(req);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	/* Members are invoiced, and former members for the years they were
	 * members; an application under review or rejected is not. */
	json_t *p = json_pack("{s:I}", "id", (json_int_t)company_id);
	json_t *c = socle_db_query_one(db, "SELECT status FROM membership_company WHERE id = :id", p,
	                               &err);

	json_decref(p);
	if (c == NULL)
		return socle_reply_err(req, &err);
	const char *status = json_string_value(json_object_get(c, "status"));
	bool billable = status && (strcmp(status, "member") == 0 || strcmp(status, "left") == 0);

	json_decref(c);
	if (!billable)
		return socle_reply_error(req, 409, "conflict",
		                         "L'entreprise n'est pas adhérente : pas de cotisation à facturer.");
	if (fee_compute(svc, db, company_id, year, &f, &err) != 0)
		return socle_reply_err(req, &err);
	if (!f.compliant) {
		socle_field_error(&errors, "amount_per_worker", "%s.", f.why);
		fee_free(&f);
		return socle_reply_invalid(req, errors);
	}
	if (f.units == 0) {
		socle_field_error(&errors, "year", "Aucun salarié déclaré présent en %d : rien à "
		                  "facturer.", year);
		fee_free(&f);
		return socle_reply_invalid(req, errors);
	}
	struct invoice_write w = {.req = req, .company_id = company_id, .fee = &f};
	int64_t today = today_days();

	date_of_days(today, w.issued_on);
	date_of_days(today + due_days_setting(svc), w.due_date);
	int rc = socle_service_write(svc, invoice_store, &w, &err);

	fee_free(&f);
	if (rc != 0)
		return socle_reply_err(req, &err);
	json_t *inv = membership_invoice_load(db, company_id, w.id, &err);

	return inv ? socle_reply_json(req, 201, inv) : socle_reply_err(req, &err);
}

/* GET /membership/companies/{id}/invoices: newest first, paginated. */
static int route_invoice_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, after;
	int limit;
	(void)ud;

	if (socle_req_param_id(req, "id", &company_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, MEMBERSHIP_ROLE_BILLING, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:I, s:I, s:i}", "company", (json_int_t)company_id, "after",
	                      (json_int_t)after, "limit", limit);
	json_t *rows = socle_db_query(db,
		"SELECT id, number, year, units, amount_per_worker_cents, total_cents, issued_on,"
		" due_date, status, paid_on FROM membership_invoice WHERE company_id = :company"
		" AND (:after = 0 OR id < :after) ORDER BY id DESC LIMIT :limit", p, &err);

	json_decref(p);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r) {
		json_object_set_new(r, "amount_per_worker", json_euros(json_integer_value(
			json_object_get(r, "amount_per_worker_cents"))));
		json_object_set_new(r, "total", json_euros(json_integer_value(
			json_object_get(r, "total_cents"))));
		json_object_del(r, "amount_per_worker_cents");
		json_object_del(r, "total_cents");
	}
	return socle_reply_page(req, rows, limit, "id");
}

static int route_invoice_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, invoice_id;
	(void)ud;

	if (socle_req_param_id(req, "id", &company_id) != 0 ||
	    socle_req_param_id(req, "iid", &invoice_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, MEMBERSHIP_ROLE_BILLING, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *inv = db ? membership_invoice_load(db, company_id, invoice_id, &err) : NULL;

	return inv ? socle_reply_json(req, 200, inv) : socle_reply_err(req, &err);
}

/* paid / cancel: one transition of an issued invoice. */
struct invoice_change {
	socle_req *req;
	int64_t company_id, invoice_id;
	bool cancel;
	const char *paid_on;  /* paid */
	const char *reason;   /* cancel */
};

static int invoice_change_store(socle_db *wdb, void *ud, socle_err *err)
{
	struct invoice_change *c = ud;
	json_t *p = json_pack("{s:I, s:I}", "id", (json_int_t)c->invoice_id, "company",
	                      (json_int_t)c->company_id);
	json_t *inv = socle_db_query_one(wdb, "SELECT number, status, year FROM membership_invoice"
	                                      " WHERE id = :id AND company_id = :company", p, err);
	int rc;

	if (inv == NULL) {
		json_decref(p);
		return err->code == SOCLE_E_NOTFOUND
		               ? socle_err_set(err, SOCLE_E_NOTFOUND, "facture inconnue")
		               : err->code;
	}
	const char *status = json_string_value(json_object_get(inv, "status"));

	if (strcmp(status, "issued") != 0) {
		rc = socle_err_set(err, SOCLE_E_CONFLICT, "la facture %s est déjà %s",
		                   json_string_value(json_object_get(inv, "number")),
		                   strcmp(status, "paid") == 0 ? "payée" : "annulée");
		json_decref(inv);
		json_decref(p);
		return rc;
	}
	if (c->cancel) {
		json_object_set_new(p, "reason", json_string(c->reason));
		json_object_set_new(p, "now", json_integer(socle_now_ms()));
		rc = socle_db_run(wdb, "UPDATE membership_invoice SET status = 'cancelled',"
		                       " cancelled_at = :now, cancel_reason = :reason WHERE id = :id",
		                  p, err);
	} else {
		json_object_set_new(p, "paid_on", json_string(c->paid_on));
		rc = socle_db_run(wdb, "UPDATE membership_invoice SET status = 'paid', paid_on = :paid_on"
		                       " WHERE id = :id", p, err);
	}
	json_decref(p);
	if (rc < 0) {
		json_decref(inv);
		return rc;
	}
	json_t *detail = c->cancel ? json_pack("{s:O, s:s}", "number", json_object_get(inv, "number"),
	                                       "reason", c->reason)
	                           : json_pack("{s:O, s:s}", "number", json_object_get(inv, "number"),
	                                       "paid_on", c->paid_on);
	struct socle_audit_entry e = {
		.action = c->cancel ? "membership.invoice.cancel" : "membership.invoice.paid",
		.object_type = "invoice", .object_id = c->invoice_id, .outcome = "ok", .detail = detail};

	rc = socle_audit(wdb, c->req, &e, err);
	json_decref(detail);
	if (rc == 0) {
		json_t *ev = json_pack("{s:I, s:I, s:O, s:O}", "invoice_id", (json_int_t)c->invoice_id,
		                       "company_id", (json_int_t)c->company_id, "number",
		                       json_object_get(inv, "number"), "year",
		                       json_object_get(inv, "year"));

		rc = socle_event_emit(wdb, c->cancel ? "invoice.cancelled" : "invoice.paid", ev, err);
		json_decref(ev);
	}
	json_decref(inv);
	return rc;
}

static const struct socle_field paid_fields[] = {
	{.name = "paid_on", .type = SOCLE_F_DATE},
};

static int check_reason(const json_t *v, char *msg, size_t size)
{
	return check_decision_reference(v, msg, size);
}

static const struct socle_field cancel_fields[] = {
	{.name = "reason", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 500,
	 .check = check_reason},
};

static int invoice_change(socle_req *req, bool cancel)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *empty = NULL;
	int64_t company_id, invoice_id;
	const json_t *body = socle_req_body(req);
	char today[11];

	if (socle_req_param_id(req, "id", &company_id) != 0 ||
	    socle_req_param_id(req, "iid", &invoice_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, NULL, &err) != 0)
		return socle_reply_err(req, &err);
	if (body == NULL)
		body = empty = json_object();
	if (cancel ? socle_fields_check(body, cancel_fields, SOCLE_COUNT(cancel_fields), NULL,
	                                &errors)
	           : socle_fields_check(body, paid_fields, SOCLE_COUNT(paid_fields), NULL, &errors)) {
		json_decref(empty);
		return socle_reply_invalid(req, errors);
	}
	date_of_days(today_days(), today);
	const char *paid_on = json_string_value(json_object_get(body, "paid_on"));

	if (!cancel && paid_on && strcmp(paid_on, today) > 0) {
		json_decref(empty);
		socle_field_error(&errors, "paid_on", "Ne peut pas être dans le futur.");
		return socle_reply_invalid(req, errors);
	}
	struct invoice_change c = {.req = req, .company_id = company_id, .invoice_id = invoice_id,
	                           .cancel = cancel, .paid_on = paid_on ? paid_on : today,
	                           .reason = json_string_value(json_object_get(body, "reason"))};
	int rc = socle_service_write(socle_req_service(req), invoice_change_store, &c, &err);

	json_decref(empty);
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *inv = db ? membership_invoice_load(db, company_id, invoice_id, &err) : NULL;

	return inv ? socle_reply_json(req, 200, inv) : socle_reply_err(req, &err);
}

static int route_invoice_paid(socle_req *req, void *ud)
{
	(void)ud;
	return invoice_change(req, false);
}

static int route_invoice_cancel(socle_req *req, void *ud)
{
	(void)ud;
	return invoice_change(req, true);
}

/* ------------------------------------------------------------ registration */

/* Staff issue invoices and record payments; recording a general-assembly
 * exception is the service administrator's (it changes what every member
 * pays). Employers read through record-level checks (role facturation). */
#define CAP_INVOICE "membership.invoice.manage"
#define CAP_FEE_EXCEPTION "membership.fee_exception.manage"

static const struct socle_route billing_routes[] = {
	{SOCLE_POST, "/membership/companies/{id}/prevention-score", SOCLE_CAP_AUTHENTICATED, 8192,
	 route_score_post, NULL},
	{SOCLE_GET, "/membership/companies/{id}/prevention-score", SOCLE_CAP_AUTHENTICATED, 0,
	 route_score_get, NULL},
	{SOCLE_GET, "/membership/companies/{id}/fee", SOCLE_CAP_AUTHENTICATED, 0, route_fee_get, NULL},
	{SOCLE_POST, "/membership/companies/{id}/invoices", CAP_INVOICE, 1024, route_invoice_post,
	 NULL},
	{SOCLE_GET, "/membership/companies/{id}/invoices", SOCLE_CAP_AUTHENTICATED, 0,
	 route_invoice_list, NULL},
	{SOCLE_GET, "/membership/companies/{id}/invoices/{iid}", SOCLE_CAP_AUTHENTICATED, 0,
	 route_invoice_get, NULL},
	{SOCLE_POST, "/membership/companies/{id}/invoices/{iid}/paid", CAP_INVOICE, 1024,
	 route_invoice_paid, NULL},
	{SOCLE_POST, "/membership/companies/{id}/invoices/{iid}/cancel", CAP_INVOICE, 4096,
	 route_invoice_cancel, NULL},
	{SOCLE_POST, "/membership/fee-exceptions", CAP_FEE_EXCEPTION, 4096, route_exception_post,
	 NULL},
	{SOCLE_GET, "/membership/fee-exceptions", SOCLE_CAP_STAFF, 0, route_exception_list, NULL},
	{SOCLE_GET, "/membership/fee-band", SOCLE_CAP_AUTHENTICATED, 0, route_band_get, NULL},
};

int membership_billing_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_capability(p, CAP_INVOICE, SOCLE_ROLES_STAFF, err)) ||
	    (rc = socle_plugin_add_capability(p, CAP_FEE_EXCEPTION,
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN), err)) ||
	    (rc = socle_plugin_add_rule_point(p, &rule_prevention_score, err)) ||
	    (rc = socle_plugin_add_rule_point(p, &rule_membership_fee, err)) ||
	    (rc = socle_plugin_add_routes(p, billing_routes, SOCLE_COUNT(billing_routes), err)) ||
	    (rc = socle_plugin_on(p, "company.applied", score_on_applied, NULL, err)))
		return rc;
	return 0;
}
