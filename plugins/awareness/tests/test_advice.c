/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The "advice" indicators of seed 3.4.1.4 through the real `socle serve`
 * (membership, riskeval and awareness; frozen clock 2025-06-02T08:00:00Z,
 * moved by a restart): a workplace action of advice that riskeval records
 * (amt.recorded, type conseil) reaches awareness's own table and makes its
 * company, and the workers it employed that day, "benefited from advice"; a
 * metrology action does not; a CSE expertise held counts as advice to its
 * company. The period filters it, the NAF division too; another company's
 * employer sees none of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_client.h"
#include "server.h"
#include "awareness_world.h"

static struct {
	char *staff, *employer, *employer2;
	json_int_t company, company2;
} T;

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-advice", NULL, true) != 0)
		return -1;
	user_add("iprp@svc.test", "iprp", STAFF_PASSWORD, NULL);
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	free(T.employer2);
	return world_teardown(state);
}

static json_int_t advice_count(const json_t *r, const char *who, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(json_object_get(r, "advice"), who),
	                                          key));
}

/* Wait until the loop thread delivered every amt.recorded event. */
static void wait_delivered(void)
{
	for (int i = 0; i < 200 && db_count("SELECT count(*) FROM core_event WHERE name ="
	                                    " 'amt.recorded' AND delivered_at IS NULL") > 0; i++)
		usleep(20000);
	assert_int_equal(db_count("SELECT count(*) FROM core_event WHERE name = 'amt.recorded'"
	                          " AND delivered_at IS NULL"), 0);
}

static void test_advice_indicators(void **state)
{
	(void)state;
	char path[160];

	/* Garnier: one worker since 2015, one hired after the advice. Morel: one. */
	worker(T.staff, T.company, "G-1", "Garnier", "Louis");
	hire(T.staff, T.company, "G-2", "Perrin", "Inès", "cdi", "2025-05-20");
	worker(T.staff, T.company2, "M-1", "Morel", "Jules");

	json_t *r = get(T.staff, "/api/v1/svc/awareness/indicators");
	assert_int_equal(advice_count(r, "companies", "benefited"), 0);
	assert_int_equal(advice_count(r, "companies", "total"), 2);
	assert_int_equal(advice_count(r, "workers", "total"), 3);
	json_decref(r);

	/* riskeval records an advice to Garnier and a metrology at Morel. */
	snprintf(path, sizeof(path), "/api/v1/svc/riskeval/companies/%lld/amt", (long long)T.company);
	json_decref(expect(201, T.staff, "POST", path,
		json_pack("{s:s, s:s, s:[s], s:s}", "type", "conseil", "done_on", "2025-05-10",
		          "professionals", "Claire Bonnet, IPRP", "outcome",
		          "Conseils sur le port des protections auditives.")));
	snprintf(path, sizeof(path), "/api/v1/svc/riskeval/companies/%lld/amt", (long long)T.company2);
	json_decref(expect(201, T.staff, "POST", path,
		json_pack("{s:s, s:s, s:[s], s:s}", "type", "metrologie", "done_on", "2025-05-12",
		          "professionals", "Claire Bonnet, IPRP", "outcome", "Mesures de bruit.")));
	wait_delivered();
	assert_int_equal(db_count("SELECT count(*) FROM core_event WHERE name = 'amt.recorded'"), 2);
	/* Kept once, with its day; the metrology is not advice. */
	assert_int_equal(db_count("SELECT count(*) FROM awareness_advice"), 1);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_advice WHERE type = 'conseil'"
	                          " AND given_on = '2025-05-10'"), 1);

	r = get(T.staff, "/api/v1/svc/awareness/indicators");
	assert_int_equal(advice_count(r, "companies", "benefited"), 1);
	assert_int_equal(advice_count(r, "workers", "benefited"), 1); /* Perrin came after */
	assert_true(json_real_value(json_object_get(json_object_get(json_object_get(r, "advice"),
	                                                            "companies"), "rate")) == 50.0);
	/* Awareness (workshops) is another figure: nobody attended one. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "companies"),
	                                                    "benefited")), 0);
	json_decref(r);
	r = get(T.staff, "/api/v1/svc/awareness/indicators?from=2025-05-11");
	assert_int_equal(advice_count(r, "companies", "benefited"), 0);
	json_decref(r);

	/* A CSE expertise held at Morel is advice to Morel. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/cse-requests",
	         (long long)T.company2);
	r = expect(201, T.employer2, "POST", path,
	           json_pack("{s:s, s:[s]}", "meeting_on", "2025-06-10", "agenda", "Bruit"));
	json_int_t id = id_of(r);
	json_decref(r);
	char *iprp = login("iprp@svc.test", STAFF_PASSWORD);
	r = get(iprp, "/api/v1/svc/auth/me");
	json_int_t pro = json_integer_value(json_object_get(json_object_get(r, "user"), "id"));
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/cse-requests/%lld/assign", (long long)id);
	json_decref(expect(200, iprp, "POST", path, json_pack("{s:I}", "professional_id", pro)));
	free(iprp);
	r = get(T.staff, "/api/v1/svc/awareness/indicators"); /* assigned is not held yet */
	assert_int_equal(advice_count(r, "companies", "benefited"), 1);
	json_decref(r);
	restart_at("2025-06-11T08:00:00Z");
	free(T.staff);
	free(T.employer);
	free(T.employer2);
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.employer = login("rh@garnier.test", EMPLOYER_PASSWORD);
	T.employer2 = login("rh@morel.test", EMPLOYER_PASSWORD);
	iprp = login("iprp@svc.test", STAFF_PASSWORD);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/cse-requests/%lld/record", (long long)id);
	json_decref(expect(200, iprp, "POST", path,
	                   json_pack("{s:s}", "presented", "Les résultats des mesures de bruit.")));
	free(iprp);

	r = get(T.staff, "/api/v1/svc/awareness/indicators");
	assert_int_equal(advice_count(r, "companies", "benefited"), 2);
	assert_int_equal(advice_count(r, "workers", "benefited"), 2);
	assert_int_equal(advice_count(r, "workers", "total"), 3);
	json_decref(r);
	/* Per company, for its employer; never for another company's. */
	r = get(T.employer2, "/api/v1/svc/awareness/indicators?company_id=%lld", (long long)T.company2);
	assert_int_equal(advice_count(r, "companies", "benefited"), 1);
	assert_int_equal(advice_count(r, "workers", "benefited"), 1);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/indicators?company_id=%lld",
	         (long long)T.company);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_advice_indicators),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
