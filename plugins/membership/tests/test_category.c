/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The default follow_up_category (membership/scripts/membership_category.lua)
 * against ../shared/domain/rules-and-figures.md §1.1 and §2: table tests
 * through socle_rule_call on a core opened in-process with the membership
 * plugin linked statically, the contract check refusing a broken override of
 * another service, and the recomputation of date-dependent categories (a
 * minor turning 18, CACES on 1 Oct 2025) with the frozen clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "core.h"
#include "core_world.h"
#include "fsutil.h"
#include "membership.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;

#define DAY_MS 86400000LL

static struct {
	char *dir;
	socle_core *core;
	socle_service *svc, *est;
} W;

/* Milliseconds of a date at 09:00 UTC (days from civil, H. Hinnant). */
static int64_t date_ms(const char *d)
{
	int y = atoi(d), m = atoi(d + 5), dd = atoi(d + 8);
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + doe - 719468;

	return days * DAY_MS + 9 * 3600 * 1000LL;
}

static int setup(void **state)
{
	static const struct socle_plugin_desc *const statics[] = {&socle_plugin_entry_membership,
	                                                           NULL};
	(void)state;

	W.dir = fs_tempdir("membership-category");
	/* Service "est" breaks the contract on purpose. */
	fs_write(W.dir, "est/category.lua",
	         "socle.rule('follow_up_category', function(worker, on_date)\n"
	         "  return { category = 'SIR+', reasons = {} }\n"
	         "end)\n");
	W.core = test_core_open(W.dir,
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [],"
	         " \"clock\": \"2025-11-03T09:00:00Z\","
	         " \"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
	         "   \"plugins\": {\"membership\": {}}},"
	         "  {\"id\": \"est\", \"name\": \"Est\", \"database\": \"est.db\", \"scripts\": \"est\","
	         "   \"plugins\": {\"membership\": {}}}]}",
	                        statics);
	if (W.core == NULL)
		return -1;
	W.svc = socle_core_service(W.core, "demo");
	W.est = socle_core_service(W.core, "est");
	return W.svc && W.est ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	return 0;
}

static json_t *category(socle_service *svc, const char *worker_json, const char *on_date,
                        socle_err *err)
{
	json_t *w = json_loads(worker_json, 0, NULL), *out = NULL;

	assert_non_null(w);
	json_t *args = json_pack("[o, s]", w, on_date);
	int rc = socle_rule_call(svc, "follow_up_category", args, &out, err);

	json_decref(args);
	return rc == 0 ? out : NULL;
}

static bool has_basis(const json_t *r, const char *article)
{
	size_t i;
	json_t *b;

	json_array_foreach(json_object_get(r, "basis"), i, b)
		if (strcmp(json_string_value(b), article) == 0)
			return true;
	return false;
}

struct vector {
	const char *name;
	const char *worker;
	const char *on;
	const char *category;
	bool attestation;
	const char *basis;   /* an article the result must cite */
	size_t reasons;      /* number of reasons */
	const char *review;  /* expected review_on, or NULL for none */
};

#define ADULT "\"birth_date\": \"1985-05-20\""

static const struct vector vectors[] = {
	/* TC01: CDI, no particular risk. */
	{"sans risque", "{" ADULT ", \"contract_type\": \"cdi\"}", "2025-03-10", "SI", false,
	 "R4624-10", 1, "2025-10-01"},
	/* R4624-23 I, each risk (TC10 asbestos). */
	{"amiante", "{" ADULT ", \"exposures\": [\"amiante\"]}", "2025-03-10", "SIR", false,
	 "R4624-23 I 1°", 1, "2025-10-01"},
	{"plomb au-delà des seuils", "{" ADULT ", \"exposures\": [\"plomb\"]}", "2025-03-10", "SIR",
	 false, "R4624-23 I 2°", 1, "2025-10-01"},
	{"CMR", "{" ADULT ", \"exposures\": [\"cmr\"]}", "2025-11-03", "SIR", false, "R4412-60", 1,
	 "2026-04-10"},
	{"agents biologiques 3-4", "{" ADULT ", \"exposures\": [\"agents_biologiques_3_4\"]}",
	 "2025-11-03", "SIR", false, "R4624-23 I 4°", 1, "2026-04-10"},
	{"rayonnements ionisants", "{" ADULT ", \"exposures\": [\"rayonnements_ionisants\"]}",
	 "2025-11-03", "SIR", false, "R4624-23 I 5°", 1, "2026-04-10"},
	{"hyperbare", "{" ADULT ", \"exposures\": [\"milieu_hyperbare\"]}", "2025-11-03", "SIR",
	 false, "R4624-23 I 6°", 1, "2026-04-10"},
	{"échafaudages", "{" ADULT ", \"exposures\": [\"echafaudages\"]}", "2025-11-03", "SIR", false,
	 "R4624-23 I 7°", 1, "2026-04-10"},
	{"risque sans suivi renforcé", "{" ADULT ", \"exposures\": [\"bruit\", \"travail_sur_ecran\"]}",
	 "2025-11-03", "SI", false, "R4624-16", 1, "2026-04-10"},
	/* R4451-82: ionising radiation category A. */
	{"rayonnements catégorie A", "{" ADULT ", \"ionising_category_a\": true}", "2025-11-03",
	 "SIR", false, "R4451-82", 1, "2026-04-10"},
	/* R4624-23 III: the employer's list. */
	{"liste de l'employeur", "{" ADULT ", \"sir_post\": true}", "2025-11-03", "SIR", false,
	 "R4624-23 III", 1, "2026-04-10"},
	/* CACES / habilitation électrique before and after 1 Oct 2025 (TC14). */
	{"CACES le 30/09/2025", "{" ADULT ", \"caces_or_electrical\": true}", "2025-09-30", "SIR",
	 false, "R4624-23 II", 1, "2025-10-01"},
	{"CACES le 01/10/2025", "{" ADULT ", \"caces_or_electrical\": true}", "2025-10-01", "SI",
	 true, "décret 2025-355", 1, "2026-04-10"},
	{"cariste embauché le 03/11/2025", "{" ADULT ", \"exposures\": [\"conduite_engins\"]}",
	 "2025-11-03", "SI", true, "décret 2025-355", 1, "2026-04-10"},
	{"habilitation électrique 2024", "{" ADULT ", \"exposures\": [\"habilitation_electrique\"]}",
	 "2024-06-01", "SIR", false, "R4544-10", 1, "2025-10-01"},
	{"CACES et travail de nuit après le 01/10/2025",
	 "{" ADULT ", \"caces_or_electrical\": true, \"night_worker\": true}", "2025-10-01", "SIA",
	 true, "R4624-18", 2, "2026-04-10"},
	/* SIA: night workers, RQTH, invalidity (TC07). */
	{"travailleur de nuit", "{" ADULT ", \"night_worker\": true}", "2025-11-03", "SIA", false,
	 "R4624-18", 1, "2026-04-10"},
	{"travail de nuit déclaré en exposition", "{" ADULT ", \"exposures\": [\"travail_de_nuit\"]}",
	 "2025-11-03", "SIA", false, "L3122-5", 1, "2026-04-10"},
	{"RQTH", "{" ADULT ", \"rqth\": true}", "2025-05-02", "SIA", false, "R4624-17", 1,
	 "2025-10-01"},
	{"pension d'invalidité", "{" ADULT ", \"invalidity_pension\": true}", "2025-05-02", "SIA",
	 false, "R4624-17", 1, "2025-10-01"},
	/* Minors: SIA until 18 (review on the birthday), SIR on travaux réglementés (TC13). */
	{"mineur", "{\"birth_date\": \"2008-03-15\"}", "2026-03-14", "SIA", false, "R4624-18", 1,
	 "2026-03-15"},
	{"mineur devenu majeur", "{\"birth_date\": \"2008-03-15\"}", "2026-03-15", "SI", false,
	 "R4624-10", 1, "2026-04-10"},
	{"mineur sur travaux réglementés",
	 "{\"birth_date\": \"2008-03-15\", \"minor_regulated_work\": true}", "2025-09-01", "SIR",
	 false, "R4624-23 II", 2, "2025-10-01"},
	{"majeur avec l'indicateur travaux réglementés",
	 "{" ADULT ", \"minor_regulated_work\": true}", "2025-09-01", "SI", false, "R4624-10", 1,
	 "2025-10-01"},
	/* Plomb without thresholds from 10 Apr 2026 (décret 2026-253, to verify; TC33). */
	{"plomb sous les seuils le 09/04/2026", "{" ADULT ", \"exposures\": [\"plomb_sous_seuils\"]}",
	 "2026-04-09", "SI", false, "R4624-10", 1, "2026-04-10"},
	{"plomb sous les seuils le 10/04/2026", "{" ADULT ", \"exposures\": [\"plomb_sous_seuils\"]}",
	 "2026-04-10", "SIR", false, "décret 2026-253", 1, NULL},
	{"plomb le 01/05/2026", "{" ADULT ", \"exposures\": [\"plomb\"]}", "2026-05-01", "SIR", false,
	 "R4624-23 I 2°", 1, NULL},
	/* Several criteria: the highest category, every reason. */
	{"amiante et travail de nuit", "{" ADULT ", \"exposures\": [\"amiante\"], \"night_worker\": true}",
	 "2025-11-03", "SIR", false, "R4624-18", 2, "2026-04-10"},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < SOCLE_COUNT(vectors); i++) {
		const struct vector *v = &vectors[i];
		socle_err err = SOCLE_ERR_INIT;
		json_t *r = category(W.svc, v->worker, v->on, &err);

		if (r == NULL)
			fail_msg("%s : %s", v->name, err.msg);
		const char *got = json_string_value(json_object_get(r, "category"));
		if (strcmp(got, v->category) != 0)
			fail_msg("%s : catégorie %s au lieu de %s", v->name, got, v->category);
		if (json_is_true(json_object_get(r, "attestation_caces")) != v->attestation)
			fail_msg("%s : attestation_caces inattendu", v->name);
		if (!has_basis(r, v->basis))
			fail_msg("%s : %s absent de basis", v->name, v->basis);
		if (json_array_size(json_object_get(r, "reasons")) != v->reasons)
			fail_msg("%s : %zu raisons au lieu de %zu", v->name,
			         json_array_size(json_object_get(r, "reasons")), v->reasons);
		const char *review = json_string_value(json_object_get(r, "review_on"));
		if ((v->review == NULL) != (review == NULL) ||
		    (review && strcmp(review, v->review) != 0))
			fail_msg("%s : review_on %s au lieu de %s", v->name, review ? review : "(aucun)",
			         v->review ? v->review : "(aucun)");
		json_decref(r);
	}
}

static void test_reasons_are_french_sentences(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	json_t *r = category(W.svc, "{" ADULT ", \"exposures\": [\"amiante\"], \"rqth\": true}",
	                     "2025-11-03", &err);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "reasons"), 0)),
	                    "Exposition à l'amiante.");
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(r, "reasons"), 1)),
	                       "RQTH"));
	json_decref(r);
}

static void test_before_2017_is_an_error(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	assert_null(category(W.svc, "{" ADULT "}", "2016-06-01", &err));
	assert_int_equal(err.code, SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "2017"));
}

static void test_contract_refuses_broken_override(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	assert_null(category(W.est, "{" ADULT "}", "2025-11-03", &err));
	assert_int_equal(err.code, SOCLE_E_CONTRACT);
	assert_non_null(strstr(err.msg, "category"));
}

/* ---- recomputation of date-dependent categories ---- */

struct company_ins {
	int64_t id;
};

static int company_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct company_ins *c = ud;
	int rc = socle_db_run(wdb,
		"INSERT INTO membership_company (reference, status, siret, siren, legal_name, naf_code,"
		" naf_version, headcount, address_line, postcode, city, contact_name, contact_email,"
		" contact_phone, exposures, followup_counts, prevention_answers, payment_mode,"
		" created_at, updated_at) VALUES ('T-CAT', 'member', '73282932000074', '732829320',"
		" 'Atelier Test', '25.11Z', 'NAFrev2', 5, '1 rue du Test', '75001', 'Paris', 'C. Test',"
		" 'c@test.fr', '0102030405', '[]', '{}', '{}', 'transfer', 0, 0)", NULL, err);

	c->id = socle_db_last_insert_id(wdb);
	return rc < 0 ? rc : 0;
}

struct worker_ins {
	int64_t company_id;
	const char *json;
	int64_t id;
};

static int worker_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct worker_ins *wi = ud;
	char today[11];
	json_t *in = json_loads(wi->json, 0, NULL), *errors = NULL;

	socle_date_today(today);
	if (membership_worker_check(wdb, wi->company_id, in, false, NULL, &errors) != 0) {
		char *t = json_dumps(errors, 0);
		socle_err_set(err, SOCLE_E_INVAL, "%s", t);
		free(t);
		json_decref(errors);
		json_decref(in);
		return SOCLE_E_INVAL;
	}
	json_t *w = membership_worker_normalize(in, NULL);
	int rc = membership_worker_insert(wdb, NULL, wi->company_id, w, today, "api", &wi->id, err);

	json_decref(w);
	json_decref(in);
	return rc;
}

static json_t *row(const char *sql, int64_t id)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *r = socle_db_query_one(socle_service_reader(W.svc, &err), sql, p, &err);

	json_decref(p);
	if (r == NULL)
		fail_msg("%s", err.msg);
	return r;
}

static void test_recompute_when_dates_move(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	struct company_ins c = {0};
	(void)state;

	clock_freeze(date_ms("2025-09-20"));
	assert_int_equal(socle_service_write(W.svc, company_tx, &c, &err), 0);
	struct worker_ins minor = {c.id,
		"{\"external_ref\": \"M1\", \"last_name\": \"Petit\", \"first_name\": \"Léo\","
		" \"birth_date\": \"2007-09-25\", \"job_title\": \"Apprenti boulanger\","
		" \"contract_type\": \"apprentissage\", \"start_date\": \"2025-09-01\"}", 0};
	struct worker_ins cariste = {c.id,
		"{\"external_ref\": \"C1\", \"last_name\": \"Roule\", \"first_name\": \"Ana\","
		" \"birth_date\": \"1990-01-01\", \"job_title\": \"Cariste\", \"contract_type\": \"cdi\","
		" \"start_date\": \"2020-01-01\", \"caces_or_electrical\": true}", 0};
	struct worker_ins plain = {c.id,
		"{\"external_ref\": \"P1\", \"last_name\": \"Simple\", \"first_name\": \"Eve\","
		" \"birth_date\": \"1980-01-01\", \"job_title\": \"Comptable\", \"contract_type\": \"cdi\","
		" \"start_date\": \"2020-01-01\"}", 0};
	assert_int_equal(socle_service_write(W.svc, worker_tx, &minor, &err), 0);
	assert_int_equal(socle_service_write(W.svc, worker_tx, &cariste, &err), 0);
	assert_int_equal(socle_service_write(W.svc, worker_tx, &plain, &err), 0);

	const char *q = "SELECT category, category_attestation, category_review_on"
	                " FROM membership_worker WHERE id = :id";
	json_t *r = row(q, minor.id);
	assert_string_equal(json_string_value(json_object_get(r, "category")), "SIA");
	assert_string_equal(json_string_value(json_object_get(r, "category_review_on")), "2025-09-25");
	json_decref(r);
	r = row(q, cariste.id);
	assert_string_equal(json_string_value(json_object_get(r, "category")), "SIR");
	json_decref(r);

	/* Nothing is due yet. */
	json_t *sum = NULL;
	assert_int_equal(membership_recompute_categories(W.svc, NULL, true, &sum, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(sum, "examined")), 0);
	json_decref(sum);

	/* 26 Sep 2025: the apprentice is 18. */
	clock_freeze(date_ms("2025-09-26"));
	assert_int_equal(membership_recompute_categories(W.svc, NULL, true, &sum, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(sum, "examined")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "changed")), 1);
	json_decref(sum);
	r = row(q, minor.id);
	assert_string_equal(json_string_value(json_object_get(r, "category")), "SI");
	json_decref(r);

	/* 2 Oct 2025: décret 2025-355, the forklift driver leaves SIR for the attestation. */
	clock_freeze(date_ms("2025-10-02"));
	assert_int_equal(membership_recompute_categories(W.svc, NULL, true, &sum, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(sum, "changed")), 1);
	json_decref(sum);
	r = row(q, cariste.id);
	assert_string_equal(json_string_value(json_object_get(r, "category")), "SI");
	assert_int_equal(json_integer_value(json_object_get(r, "category_attestation")), 1);
	json_decref(r);

	/* The change is in the history and an event was recorded for each. */
	r = row("SELECT COUNT(*) AS n FROM membership_worker_history WHERE worker_id = :id"
	        " AND kind = 'category_changed' AND source = 'recompute'", cariste.id);
	assert_int_equal(json_integer_value(json_object_get(r, "n")), 1);
	json_decref(r);
	r = row("SELECT COUNT(*) AS n FROM core_event WHERE name = 'worker.category_changed'"
	        " AND payload LIKE '%\"old_category\":\"SIR\"%' AND :id > 0", cariste.id);
	assert_int_equal(json_integer_value(json_object_get(r, "n")), 1);
	json_decref(r);

	/* A full recomputation finds nothing more to change. */
	assert_int_equal(membership_recompute_categories(W.svc, NULL, false, &sum, &err), 0);
	assert_true(json_integer_value(json_object_get(sum, "examined")) >= 3);
	assert_int_equal(json_integer_value(json_object_get(sum, "changed")), 0);
	json_decref(sum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_reasons_are_french_sentences),
		cmocka_unit_test(test_before_2017_is_an_error),
		cmocka_unit_test(test_contract_refuses_broken_override),
		cmocka_unit_test(test_recompute_when_dates_move),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
