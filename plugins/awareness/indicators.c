/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The indicators of seed 3.4.1.4 over any period (5 years to date by
 * default), for the service, one company or one NAF division:
 *   - % of distinct companies and of distinct workers having benefited from
 *     awareness: present at a session held in the period;
 *   - % of distinct companies and of distinct workers having benefited from
 *     advice: a company that received, in the period, a workplace action of
 *     advice (riskeval's amt.recorded of type conseil or conseil_duerp, kept
 *     in awareness_advice) or a CSE expertise held (cse.c); a worker employed
 *     by it on the day of that advice;
 *   - satisfaction and utility rates (share of answers 4 or 5), the mean
 *     knowledge gain of the quizzes.
 * The whole is the companies that were members at some point of the period
 * (companies_each: with or without declared workers) and their workers
 * employed at some point of it (workers_each), each streamed once from
 * membership.v1, never copied. */
#include <stdlib.h>

#include "awareness.h"

/* A set of ids (open addressing), each with whether it counts under the NAF
 * filter. */
struct idset {
	int64_t *keys;
	signed char *in; /* 1 counts, 0 excluded (the filter, not a member), -1 not judged yet */
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

/* One day of advice to a company, sorted by company then day. */
struct advice {
	int64_t company;
	char on[SOCLE_DATE_SIZE];
};

struct indicators {
	socle_db *db;
	const char *from, *to, *division;
	struct idset companies;
	int64_t workers, advised_workers;
	struct advice *advice;
	size_t n_advice;
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

/* Was the worker's company advised on a day of [lo, hi]? The advice is sorted
 * by company then day: a binary search finds the company's first day. */
static bool advised(const struct indicators *x, int64_t company, const char *lo, const char *hi)
{
	size_t a = 0, b = x->n_advice;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (x->advice[m].company < company)
			a = m + 1;
		else
			b = m;
	}
	for (; a < x->n_advice && x->advice[a].company == company; a++) {
		if (strcmp(x->advice[a].on, hi) > 0)
			break;
		if (strcmp(x->advice[a].on, lo) >= 0)
			return true;
	}
	return false;
}

/* A worker employed at some point of the period counts, with its company. */
static int count_worker(const struct membership_worker_row *w, void *ud)
{
	struct indicators *x = ud;

	if (strcmp(w->start_date, x->to) > 0 || (w->end_date && strcmp(w->end_date, x->from) < 0))
		return 0;
	int in = company_counts(x, w->company_id);
	if (in <= 0)
		return in;
	x->workers++;
	if (x->n_advice) {
		const char *lo = strcmp(w->start_date, x->from) > 0 ? w->start_date : x->from;
		const char *hi = w->end_date && strcmp(w->end_date, x->to) < 0 ? w->end_date : x->to;
		x->advised_workers += advised(x, w->company_id, lo, hi);
	}
	return 0;
}

/* The days of advice of the period (of @p company when > 0), sorted. */
static int load_advice(struct indicators *x, int64_t company)
{
	socle_stmt *st = socle_db_prepare(x->db,
		"SELECT company_id, given_on FROM awareness_advice WHERE given_on >= :from"
		" AND given_on <= :to AND (:company = 0 OR company_id = :company)"
		" UNION SELECT company_id, meeting_on FROM awareness_cse_request"
		" WHERE status = 'held' AND meeting_on >= :from AND meeting_on <= :to"
		" AND (:company = 0 OR company_id = :company) ORDER BY 1, 2", x->err);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return x->err->code;
	socle_stmt_bind_text(st, ":from", x->from);
	socle_stmt_bind_text(st, ":to", x->to);
	socle_stmt_bind_int(st, ":company", company);
	while ((rc = socle_stmt_step(st, x->err)) == 1) {
		if (x->n_advice == cap) {
			cap = cap ? cap * 2 : 256;
			struct advice *a = realloc(x->advice, cap * sizeof(*a));
			if (a == NULL) {
				rc = socle_err_set(x->err, SOCLE_E_NOMEM, "mémoire insuffisante");
				break;
			}
			x->advice = a;
		}
		x->advice[x->n_advice].company = socle_stmt_int(st, 0);
		snprintf(x->advice[x->n_advice].on, SOCLE_DATE_SIZE, "%s", socle_stmt_text(st, 1));
		x->n_advice++;
	}
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

/* What each company's participants did in the period, one row per company:
 * the companies and workers benefited, the answers and the quizzes. */
struct sums {
	json_int_t companies, workers, answers, satisfied, useful, quizzes, gain;
};

static int awareness_sums(struct indicators *x, int64_t company, struct sums *s)
{
	socle_stmt *st = socle_db_prepare(x->db,
		"SELECT r.company_id, count(DISTINCT r.worker_id), count(f.registration_id),"
		" sum(f.satisfaction >= 4), sum(f.utility >= 4), count(q.registration_id),"
		" sum(q.score_after - q.score_before)"
		" FROM awareness_session s JOIN awareness_registration r ON r.session_id = s.id"
		" LEFT JOIN awareness_feedback f ON f.registration_id = r.id"
		" LEFT JOIN awareness_quiz q ON q.registration_id = r.id"
		" WHERE s.held_on >= :from AND s.held_on <= :to AND r.attended = 1"
		" AND (:company = 0 OR r.company_id = :company) GROUP BY r.company_id", x->err);
	int rc;

	if (st == NULL)
		return x->err->code;
	socle_stmt_bind_text(st, ":from", x->from);
	socle_stmt_bind_text(st, ":to", x->to);
	socle_stmt_bind_int(st, ":company", company);
	while ((rc = socle_stmt_step(st, x->err)) == 1) {
		int in = company_counts(x, socle_stmt_int(st, 0));
		if (in < 0) {
			rc = in;
			break;
		}
		if (in == 0)
			continue;
		s->companies++;
		s->workers += socle_stmt_int(st, 1);
		s->answers += socle_stmt_int(st, 2);
		s->satisfied += socle_stmt_int(st, 3);
		s->useful += socle_stmt_int(st, 4);
		s->quizzes += socle_stmt_int(st, 5);
		s->gain += socle_stmt_int(st, 6);
	}
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

/* Judge every company in one stream of the companies (company_counts then
 * never asks membership for one): a company that was a member during the
 * period counts in the whole (under the NAF filter, when in the division),
 * with declared workers or not; another does not count, nor do its workers
 * (an applicant, a company that joined after the period or left before). */
static int judge_company(const struct membership_company_row *c, void *ud)
{
	struct indicators *x = ud;
	signed char *in = idset_slot(&x->companies, c->id);
	bool division = x->division == NULL ||
	                (c->naf_code && strncmp(c->naf_code, x->division, 2) == 0);
	bool member = c->joined_on && strcmp(c->joined_on, x->to) <= 0 &&
	              (c->left_on == NULL || strcmp(c->left_on, x->from) >= 0);

	if (in == NULL)
		return socle_err_set(x->err, SOCLE_E_NOMEM, "mémoire insuffisante");
	*in = member && division;
	return 0;
}

json_t *awareness_indicators_compute(socle_db *db, const char *from, const char *to,
                                     int64_t company, const char *division, socle_err *err)
{
	struct indicators x = {.db = db, .from = from, .to = to, .division = division, .err = err};
	struct sums s = {0};
	json_int_t advised_companies = 0;
	size_t members = 0;
	int rc = load_advice(&x, company);

	if (rc == 0 && company == 0)
		rc = awareness_membership->companies_each(db, NULL, 0, judge_company, &x, err);
	if (rc == 0)
		rc = awareness_membership->workers_each(db, company, 0, count_worker, &x, err);
	if (rc == 0)
		rc = awareness_sums(&x, company, &s);
	/* The companies advised, each once (the advice is sorted by company). */
	for (size_t i = 0; rc == 0 && i < x.n_advice; i++) {
		if (i > 0 && x.advice[i].company == x.advice[i - 1].company)
			continue;
		int in = company_counts(&x, x.advice[i].company);
		if (in < 0)
			rc = in;
		else
			advised_companies += in;
	}
	for (size_t k = 0; k < x.companies.cap; k++)
		members += x.companies.keys[k] && x.companies.in[k] == 1;
	free(x.companies.keys);
	free(x.companies.in);
	free(x.advice);
	if (rc != 0) {
		if (rc > 0)
			socle_err_set(err, SOCLE_E_INTERNAL, "lecture des salariés interrompue");
		return NULL;
	}
	return json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:I, s:I, s:o}, s:{s:I, s:I, s:o},"
		" s:{s:{s:I, s:I, s:o}, s:{s:I, s:I, s:o}}, s:I, s:o, s:o, s:I, s:o}",
		"from", from, "to", to, "company_id", company ? json_integer(company) : json_null(),
		"naf_division", division ? json_string(division) : json_null(),
		"companies", "benefited", s.companies, "total", (json_int_t)members, "rate",
		awareness_rate(s.companies, (json_int_t)members),
		"workers", "benefited", s.workers, "total", (json_int_t)x.workers, "rate",
		awareness_rate(s.workers, (json_int_t)x.workers),
		"advice", "companies", "benefited", advised_companies, "total", (json_int_t)members,
		"rate", awareness_rate(advised_companies, (json_int_t)members), "workers", "benefited",
		(json_int_t)x.advised_workers, "total", (json_int_t)x.workers, "rate",
		awareness_rate((json_int_t)x.advised_workers, (json_int_t)x.workers),
		"answers", s.answers, "satisfaction_rate", awareness_rate(s.satisfied, s.answers),
		"utility_rate", awareness_rate(s.useful, s.answers), "quizzes", s.quizzes, "knowledge_gain",
		s.quizzes ? awareness_tenths((double)s.gain / (double)s.quizzes) : json_null());
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
	json_t *body = db ? awareness_indicators_compute(db, from, to, company, d, &err) : NULL;
	if (body == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, body);
}

/* Workplace actions of advice recorded by riskeval (amt.recorded): the types
 * that are advice to the company. Idempotent (redeliveries). */
static const char *const advice_types[] = {"conseil", "conseil_duerp", NULL};

static int store_advice(socle_db *wdb, void *ud, socle_err *err)
{
	const json_t *p = ud;
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_advice (source, source_id, company_id, type, given_on, recorded_at)"
		" VALUES ('amt', :id, :company, :type, :on, :now) ON CONFLICT DO NOTHING",
		json_pack("{s:O, s:O, s:O, s:O, s:I}", "id", json_object_get(p, "amt_id"), "company",
		          json_object_get(p, "company_id"), "type", json_object_get(p, "type"), "on",
		          json_object_get(p, "done_on"), "now", (json_int_t)socle_now_ms()), err);
	return rc < 0 ? rc : 0;
}

static int on_amt_recorded(socle_service *svc, const char *event, const json_t *payload,
                           void *ud, socle_err *err)
{
	const char *type = json_string_value(json_object_get(payload, "type"));
	const char *on = json_string_value(json_object_get(payload, "done_on"));
	bool advice = false;
	(void)event;
	(void)ud;

	for (size_t i = 0; type && advice_types[i]; i++)
		advice |= strcmp(type, advice_types[i]) == 0;
	if (!advice || !socle_service_enables(svc, "awareness") || !on || !socle_date_valid(on) ||
	    !json_is_integer(json_object_get(payload, "amt_id")) ||
	    !json_is_integer(json_object_get(payload, "company_id")))
		return 0;
	return socle_service_write(svc, store_advice, (void *)payload, err);
}

static const struct socle_route indicator_routes[] = {
	{SOCLE_GET, "/awareness/indicators", SOCLE_CAP_AUTHENTICATED, 0, route_indicators, NULL},
};

int awareness_indicators_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_on(p, "amt.recorded", on_amt_recorded, NULL, err);

	return rc ? rc : socle_plugin_add_routes(p, indicator_routes, SOCLE_COUNT(indicator_routes),
	                                         err);
}
