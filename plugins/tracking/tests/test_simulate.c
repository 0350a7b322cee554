/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The visit engine over HTTP, through the real `socle serve` (membership and
 * tracking loaded from the build's plugins folder, business clock frozen on
 * 1 June 2025): POST /tracking/simulate answers the worked cases TC01 and TC10
 * with their dates, articles and explanations, computes the category with the
 * service's follow_up_category when none is given (TC33 on both sides of
 * 10 April 2026), refuses bad input with field-level French errors (422),
 * unauthenticated callers (401) and non-staff callers (403); GET
 * /tracking/visit-types lists the visit types for any authenticated user. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <socle/socle.h>

#include "http_client.h"
#include "server.h"
#include "tracking_world.h"

#define BASE "/api/v1/svc"

static char *admin, *medecin, *employer;

static int setup(void **state)
{
	(void)state;
	json_t *cfg = json_pack("{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:f}, s:{}}}]}",
	                        "plugin_dirs", TRACKING_PLUGIN_DIR, "clock", "2025-06-01T08:00:00Z",
	                        "services", "id", "svc", "name", "SPSTI du Rhône", "database",
	                        "svc.db", "plugins", "membership", "fee_per_worker", 105.0,
	                        "tracking");
	if (cfg == NULL || test_deploy_create(&D, "tracking-simulate", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("patron@svc.test", "employer", STAFF_PASSWORD, "--company 1");
	if (test_server_start_deploy(&S, &D) != 0)
		return -1;
	admin = login("admin@svc.test", STAFF_PASSWORD);
	medecin = login("medecin@svc.test", STAFF_PASSWORD);
	employer = login("patron@svc.test", STAFF_PASSWORD);
	return 0;
}

static int teardown(void **state)
{
	free(admin);
	free(medecin);
	free(employer);
	return world_teardown(state);
}

/* POST /tracking/simulate with @p body_json as @p auth (NULL: anonymous). */
static json_t *simulate(const char *auth, const char *body_json, int *status)
{
	const char *headers[] = {auth, NULL};
	json_t *body = json_loads(body_json, 0, NULL);

	if (body == NULL)
		fail_msg("JSON de test invalide : %s", body_json);
	json_t *r = hc_json(S.port, "POST", BASE "/tracking/simulate", auth ? headers : NULL, body,
	                    status);
	json_decref(body);
	return r;
}

static const json_t *visit(const json_t *r, size_t i)
{
	const json_t *v = json_array_get(json_object_get(r, "visits"), i);

	assert_non_null(v);
	return v;
}

static const char *field(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool cites(const json_t *v, const char *article)
{
	size_t i;
	const json_t *b;

	json_array_foreach(json_object_get(v, "basis"), i, b)
		if (strcmp(json_string_value(b), article) == 0)
			return true;
	return false;
}

static void test_tc01(void **state)
{
	int status = 0;
	(void)state;

	json_t *r = simulate(admin,
		"{\"worker\": {\"birth_date\": \"1990-04-12\", \"start_date\": \"2025-03-10\","
		" \"contract_type\": \"cdi\", \"category\": \"SI\"}, \"history\": [],"
		" \"on_date\": \"2025-03-10\"}", &status);
	assert_int_equal(status, 200);
	assert_string_equal(field(r, "on_date"), "2025-03-10");
	assert_string_equal(field(json_object_get(r, "category"), "code"), "SI");
	assert_string_equal(field(json_object_get(r, "category"), "source"), "declared");
	assert_int_equal(json_array_size(json_object_get(r, "visits")), 1);
	const json_t *v = visit(r, 0);
	assert_string_equal(field(v, "type"), "vip_initiale");
	assert_string_equal(field(v, "earliest"), "2025-03-10");
	assert_string_equal(field(v, "latest"), "2025-06-10");
	assert_string_equal(field(v, "who"), "professionnel_sante");
	assert_true(cites(v, "R4624-10"));
	assert_non_null(strstr(field(v, "explanation"), "au plus tard le 10 juin 2025"));
	assert_true(json_is_false(json_object_get(v, "overdue")));
	json_decref(r);

	/* TC02 then TC03 for a médecin: the VIP was held, then the protocol says 3 years. */
	r = simulate(medecin,
		"{\"worker\": {\"birth_date\": \"1990-04-12\", \"start_date\": \"2025-03-10\","
		" \"category\": \"SI\", \"protocol\": {\"periodicity_months\": 36}},"
		" \"history\": [{\"type\": \"vip_initiale\", \"date\": \"2025-04-01\","
		" \"by\": \"infirmier\", \"attestation\": true}], \"on_date\": \"2025-04-01\"}", &status);
	assert_int_equal(status, 200);
	v = visit(r, 0);
	assert_string_equal(field(v, "type"), "vip_periodique");
	assert_string_equal(field(v, "latest"), "2028-04-01");
	json_decref(r);
}

static void test_tc10_category_computed(void **state)
{
	int status = 0;
	(void)state;

	/* No category given: the service's follow_up_category says SIR (amiante). */
	json_t *r = simulate(admin,
		"{\"worker\": {\"birth_date\": \"1985-01-01\", \"start_date\": \"2025-03-10\","
		" \"exposures\": [\"amiante\"]}, \"on_date\": \"2025-02-20\"}", &status);
	assert_int_equal(status, 200);
	const json_t *cat = json_object_get(r, "category");
	assert_string_equal(field(cat, "code"), "SIR");
	assert_string_equal(field(cat, "source"), "follow_up_category");
	assert_string_equal(json_string_value(json_array_get(json_object_get(cat, "basis"), 0)),
	                    "R4624-23 I 1°");
	assert_int_equal(json_array_size(json_object_get(r, "visits")), 1);
	const json_t *v = visit(r, 0);
	assert_string_equal(field(v, "type"), "ema_initial");
	assert_string_equal(field(v, "before"), "2025-03-10");
	assert_null(json_object_get(v, "latest"));
	assert_string_equal(field(v, "who"), "medecin");
	assert_true(cites(v, "R4624-24"));
	json_decref(r);

	/* TC11: the EMA was held on 2025-03-05. */
	r = simulate(admin,
		"{\"worker\": {\"birth_date\": \"1985-01-01\", \"start_date\": \"2025-03-10\","
		" \"exposures\": [\"amiante\"]}, \"history\": [{\"type\": \"ema_initial\","
		" \"date\": \"2025-03-05\", \"by\": \"medecin\", \"avis\": \"aptitude\"}],"
		" \"on_date\": \"2025-03-10\"}", &status);
	assert_int_equal(status, 200);
	assert_string_equal(field(visit(r, 0), "type"), "visite_intermediaire");
	assert_string_equal(field(visit(r, 0), "latest"), "2027-03-05");
	assert_string_equal(field(visit(r, 1), "type"), "ema_periodique");
	assert_string_equal(field(visit(r, 1), "latest"), "2029-03-05");
	json_decref(r);
}

static void test_tc33_and_default_date(void **state)
{
	int status = 0;
	(void)state;

	/* Lead below the thresholds: SIR from 10 April 2026 (décret 2026-253, to verify). */
	json_t *r = simulate(admin,
		"{\"worker\": {\"birth_date\": \"1980-02-02\", \"start_date\": \"2026-05-01\","
		" \"exposures\": [\"plomb_sous_seuils\"]}, \"on_date\": \"2026-05-01\"}", &status);
	assert_int_equal(status, 200);
	assert_string_equal(field(json_object_get(r, "category"), "code"), "SIR");
	assert_string_equal(field(visit(r, 0), "type"), "ema_initial");
	json_decref(r);
	r = simulate(admin,
		"{\"worker\": {\"birth_date\": \"1980-02-02\", \"start_date\": \"2026-04-01\","
		" \"exposures\": [\"plomb_sous_seuils\"]}, \"on_date\": \"2026-04-09\"}", &status);
	assert_int_equal(status, 200);
	assert_string_equal(field(json_object_get(r, "category"), "code"), "SI");
	assert_string_equal(field(visit(r, 0), "type"), "vip_initiale");
	assert_string_equal(field(visit(r, 0), "latest"), "2026-07-01");
	json_decref(r);

	/* Without on_date, the service's clock decides (frozen on 2025-06-01). */
	r = simulate(admin,
		"{\"worker\": {\"birth_date\": \"1990-04-12\", \"start_date\": \"2025-03-10\","
		" \"category\": \"SI\"}}", &status);
	assert_int_equal(status, 200);
	assert_string_equal(field(r, "on_date"), "2025-06-01");
	assert_string_equal(field(visit(r, 0), "latest"), "2025-06-10");
	assert_true(json_is_false(json_object_get(visit(r, 0), "overdue")));
	json_decref(r);
}

/* Issue 10 item 12: a worker 17 when the question is asked and 18 on the day
 * of assignment is followed as an adult: the category is computed on that day
 * (SI, not the SIR of a minor on travaux réglementés nor the SIA of a minor),
 * and the visit is the adult's VIP within 3 months, said once in its
 * explanation. */
static void test_category_at_assignment(void **state)
{
	int status = 0;
	(void)state;

	json_t *r = simulate(admin,
		"{\"worker\": {\"birth_date\": \"2008-07-01\", \"start_date\": \"2026-09-01\","
		" \"minor_regulated_work\": true}, \"on_date\": \"2026-05-01\"}", &status);
	assert_int_equal(status, 200);
	const json_t *cat = json_object_get(r, "category");
	assert_string_equal(field(cat, "code"), "SI");
	assert_string_equal(field(cat, "on_date"), "2026-09-01");
	char *reasons = json_dumps(json_object_get(cat, "reasons"), JSON_COMPACT);
	assert_null(strstr(reasons, "moins de 18 ans"));
	free(reasons);
	assert_int_equal(json_array_size(json_object_get(r, "visits")), 1);
	const json_t *v = visit(r, 0);
	assert_string_equal(field(v, "type"), "vip_initiale");
	assert_string_equal(field(v, "latest"), "2026-12-01");
	const char *e = field(v, "explanation");
	assert_non_null(strstr(e, "le salarié aura 18 ans le 1er juillet 2026, avant sa prise de "
	                          "poste"));
	json_decref(r);

	/* Already employed: the category of the day asked about (a minor then). */
	r = simulate(admin,
		"{\"worker\": {\"birth_date\": \"2008-07-01\", \"start_date\": \"2025-09-01\","
		" \"minor_regulated_work\": true}, \"on_date\": \"2026-05-01\"}", &status);
	assert_int_equal(status, 200);
	assert_string_equal(field(json_object_get(r, "category"), "code"), "SIR");
	assert_string_equal(field(json_object_get(r, "category"), "on_date"), "2026-05-01");
	json_decref(r);
}

/* Issue 10 item 14: an article whose number is still to be verified is
 * flagged for the service's staff (to_verify), never shown so to employers;
 * the basis itself never carries "(à vérifier)". */
static void test_to_verify_for_staff_only(void **state)
{
	const char *body = "{\"worker\": {\"birth_date\": \"1990-04-12\","
	                   " \"start_date\": \"2025-07-01\", \"category\": \"SI\","
	                   " \"exposures\": [\"agents_biologiques_2\"]}, \"on_date\": \"2025-06-01\"}";
	int status = 0;
	(void)state;

	json_t *r = simulate(medecin, body, &status);
	assert_int_equal(status, 200);
	const json_t *v = visit(r, 0);
	assert_true(cites(v, "R4426-7"));
	char *basis = json_dumps(json_object_get(v, "basis"), JSON_COMPACT);
	assert_null(strstr(basis, "vérifier"));
	free(basis);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "to_verify"), 0)),
	                    "R4426-7");
	json_decref(r);
	r = simulate(employer, body, &status);
	assert_int_equal(status, 200);
	v = visit(r, 0);
	assert_true(cites(v, "R4426-7"));
	assert_null(json_object_get(v, "to_verify"));
	char *all = json_dumps(r, JSON_COMPACT);
	assert_null(strstr(all, "vérifier"));
	free(all);
	json_decref(r);
}

static bool has_field_error(const json_t *r, const char *name)
{
	size_t i;
	const json_t *f;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f)
		if (strcmp(field(f, "field"), name) == 0 && strlen(field(f, "message")) > 0)
			return true;
	return false;
}

static void test_bad_input(void **state)
{
	static const struct {
		const char *body;
		const char *fields[4];
	} cases[] = {
		{"{}", {"worker"}},
		{"{\"worker\": {\"birth_date\": \"1990-02-30\", \"category\": \"SIR+\","
		 " \"surnom\": \"x\"}, \"on_date\": \"demain\"}",
		 {"worker.birth_date", "worker.start_date", "worker.category", "worker.surnom"}},
		{"{\"worker\": {\"birth_date\": \"1990-04-12\", \"start_date\": \"2025-03-10\","
		 " \"protocol\": {\"periodicity_months\": 72}, \"exposures\": [\"Amiante!\"]},"
		 " \"history\": [{\"type\": \"visite_de_courtoisie\", \"date\": \"2025-04-01\"}, 3]}",
		 {"worker.protocol.periodicity_months", "worker.exposures", "history[0].type",
		  "history[1]"}},
		{"{\"worker\": {\"birth_date\": \"2015-04-12\", \"start_date\": \"2025-03-10\"},"
		 " \"history\": [{\"type\": \"ema_initial\", \"date\": \"2025-07-01\","
		 " \"by\": \"infirmier\"}], \"on_date\": \"2025-06-01\"}",
		 {"worker.start_date", "history[0].date", "history[0].by"}},
	};
	int status = 0;
	(void)state;

	for (size_t i = 0; i < SOCLE_COUNT(cases); i++) {
		json_t *r = simulate(admin, cases[i].body, &status);

		assert_int_equal(status, 422);
		assert_string_equal(field(json_object_get(r, "error"), "code"), "validation_failed");
		for (size_t k = 0; k < 4 && cases[i].fields[k]; k++)
			if (!has_field_error(r, cases[i].fields[k])) {
				char *dump = json_dumps(r, 0);
				fail_msg("cas %zu : pas d'erreur pour %s dans %s", i, cases[i].fields[k],
				         dump);
			}
		json_decref(r);
	}
}

static void test_access(void **state)
{
	const char *body = "{\"worker\": {\"birth_date\": \"1990-04-12\","
	                   " \"start_date\": \"2025-03-10\", \"category\": \"SI\"}}";
	int status = 0;
	(void)state;

	json_t *r = simulate(NULL, body, &status);
	assert_int_equal(status, 401);
	json_decref(r);
	/* Employers simulate a planned hire in their space (issue 12): the route
	 * reads nothing stored, only the worker it is given. */
	r = simulate(employer, body, &status);
	assert_int_equal(status, 200);
	json_decref(r);

	/* The visit types: any authenticated user. */
	const char *headers[] = {employer, NULL};
	r = hc_json(S.port, "GET", BASE "/tracking/visit-types", headers, NULL, &status);
	assert_int_equal(status, 200);
	const json_t *items = json_object_get(r, "items");
	assert_true(json_array_size(items) >= 13);
	bool ema = false, vip = false;
	size_t i;
	const json_t *t;
	json_array_foreach(items, i, t) {
		assert_true(strlen(field(t, "label")) > 0 && strlen(field(t, "who_label")) > 0);
		if (strcmp(field(t, "type"), "ema_initial") == 0)
			ema = strcmp(field(t, "who"), "medecin") == 0;
		if (strcmp(field(t, "type"), "vip_initiale") == 0)
			vip = strcmp(field(t, "who"), "professionnel_sante") == 0;
	}
	assert_true(ema && vip);
	json_decref(r);
	r = hc_json(S.port, "GET", BASE "/tracking/visit-types", NULL, NULL, &status);
	assert_int_equal(status, 401);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tc01),
		cmocka_unit_test(test_tc10_category_computed),
		cmocka_unit_test(test_tc33_and_default_date),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_category_at_assignment),
		cmocka_unit_test(test_to_verify_for_staff_only),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
