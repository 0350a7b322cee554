/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The membership fee (L4622-6; D4622-27-4 to -6): the rule point
 * membership_fee(company, year) (default in scripts/membership_fee.lua), per
 * capita; whatever the service's script returns, this file then checks the
 * national band (80-120 % of the national average cost of the year, an
 * effective-dated table below): a fee outside it is refused unless the
 * service recorded a general-assembly exception for that year (the
 * exceptions are here too). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"

/* "1 234,50 €" is overkill here: "139,20 €" is what people read in France. */
static void fmt_eur(int64_t cents, char *buf, size_t size)
{
	const char *sign = cents < 0 ? "-" : "";
	int64_t a = cents < 0 ? -cents : cents;

	snprintf(buf, size, "%s%" PRId64 ",%02" PRId64 " €", sign, a / 100, a % 100);
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
	                 "national_average_cost", membership_json_euros(b.average_cents), "min",
	                 membership_json_euros(b.min_cents), "max",
	                 membership_json_euros(b.max_cents), "basis", b.basis);
}

/* ------------------------------------------------------------ rule point */

static int check_membership_fee(const json_t *r, socle_err *err)
{
	int64_t rate, total, sum = 0;
	const json_t *units = json_object_get(r, "units"), *lines = json_object_get(r, "lines");

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "membership_fee doit rendre une table "
		                     "{ amount_per_worker, units, total, lines }");
	if (!membership_euros_to_cents(json_object_get(r, "amount_per_worker"), &rate))
		return socle_err_set(err, SOCLE_E_CONTRACT, "membership_fee : amount_per_worker doit "
		                     "être un montant positif en euros, au centime près");
	(void)rate;
	if (!json_is_integer(units) || json_integer_value(units) < 0)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "membership_fee : units doit être un entier positif ou nul");
	if (!membership_euros_to_cents(json_object_get(r, "total"), &total))
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

		if (!json_is_object(l) || !json_is_string(label) ||
		    json_string_length(label) == 0 || !json_is_number(q) ||
		    json_number_value(q) < 0 ||
		    !membership_euros_to_cents(json_object_get(l, "unit_price"), &price) ||
		    !membership_euros_to_cents(json_object_get(l, "amount"), &amount))
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

/* ------------------------------------------------------------------- fee */

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

int membership_fee_compute(socle_service *svc, socle_db *db, int64_t company_id, int year,
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
	membership_euros_to_cents(json_object_get(f->result, "amount_per_worker"), &f->rate_cents);
	membership_euros_to_cents(json_object_get(f->result, "total"), &f->total_cents);
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
		membership_fee_free(f);
		return err->code;
	}
	*err = (socle_err)SOCLE_ERR_INIT;
	fee_check_band(f);
	return 0;
}

int membership_parse_year(const char *text, int *out)
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

		membership_date_of_days(membership_today_days(), today);
		year = atoi(today);
	} else if (membership_parse_year(y, &year) != 0) {
		return socle_reply_error(req, 400, "invalid", "year : année attendue (2000 à 2100)");
	}
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL ||
	    membership_fee_compute(socle_req_service(req), db, company_id, year, &f, &err) != 0)
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
	membership_fee_free(&f);
	return socle_reply_json(req, 200, body);
}

/* --------------------------------------------------------- fee exceptions */

static int check_euros(const json_t *v, char *msg, size_t size)
{
	int64_t c;

	if (!membership_euros_to_cents(v, &c)) {
		snprintf(msg, size, "Montant en euros positif, au centime près, attendu.");
		return -1;
	}
	return 0;
}

static const struct socle_field exception_fields[] = {
	{.name = "year", .type = SOCLE_F_INT, .required = true, .min = YEAR_MIN, .max = YEAR_MAX},
	{.name = "amount_per_worker", .type = SOCLE_F_NUMBER, .required = true, .check = check_euros},
	{.name = "decision_reference", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = membership_check_no_control},
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
	json_t *p = json_pack(
	        "{s:O, s:I, s:O, s:O, s:I, s:I}", "year", json_object_get(w->body, "year"), "cents",
	        (json_int_t)w->cents, "ref", json_object_get(w->body, "decision_reference"), "on",
	        json_object_get(w->body, "decided_on"), "now", (json_int_t)socle_now_ms(), "by",
	        (json_int_t)membership_principal_id(w->req));
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

	membership_euros_to_cents(json_object_get(body, "amount_per_worker"), &w.cents);
	if (socle_service_write(socle_req_service(req), exception_store, &w, &err) != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201,
	                        json_pack("{s:I, s:O, s:o, s:O, s:O}", "id", (json_int_t)w.id,
	                                  "year", json_object_get(body, "year"),
	                                  "amount_per_worker", membership_json_euros(w.cents),
	                                  "decision_reference",
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
		json_object_set_new(r, "amount_per_worker",
		                    membership_json_euros(json_integer_value(
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

	if (membership_parse_year(socle_req_query(req, "year"), &year) != 0)
		return socle_reply_error(req, 400, "invalid", "year : année attendue (2000 à 2100)");
	return socle_reply_json(req, 200, fee_band_json(year));
}

void membership_fee_free(struct fee *f)
{
	json_decref(f->result);
	f->result = NULL;
}

/* ------------------------------------------------------------------- init */

/* Recording a general-assembly exception is the service administrator's (it
 * changes what every member pays). */
#define CAP_FEE_EXCEPTION "membership.fee_exception.manage"

static const struct socle_route fee_routes[] = {
	{SOCLE_GET, "/membership/companies/{id}/fee", SOCLE_CAP_AUTHENTICATED, 0, route_fee_get, NULL},
	{SOCLE_POST, "/membership/fee-exceptions", CAP_FEE_EXCEPTION, 4096, route_exception_post,
	 NULL},
	{SOCLE_GET, "/membership/fee-exceptions", SOCLE_CAP_STAFF, 0, route_exception_list, NULL},
	{SOCLE_GET, "/membership/fee-band", SOCLE_CAP_AUTHENTICATED, 0, route_band_get, NULL},
};

int membership_fee_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_capability(p, CAP_FEE_EXCEPTION,
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN), err)) ||
	    (rc = socle_plugin_add_rule_point(p, &rule_membership_fee, err)) ||
	    (rc = socle_plugin_add_routes(p, fee_routes, SOCLE_COUNT(fee_routes), err)))
		return rc;
	return 0;
}
