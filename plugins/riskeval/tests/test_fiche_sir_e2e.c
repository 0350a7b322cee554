/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The fiche's SIR counts (issue 14 item 1): a new draft's page
 * "personnel_prevention" carries the SIR declared and observed as tracking.v1
 * counts them (company_sir) when tracking is enabled for the service; the same
 * service restarted without tracking drafts with both counts null (unknown)
 * and no error, riskeval importing tracking.v1 as optional. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "riskeval_world.h"

static struct {
	char *staff, *iprp, *employer, *employer2;
	json_int_t company, company2;
} T;

/* A worker declared exposed to asbestos: membership's follow_up_category
 * makes it SIR (R4624-23). */
static void sir_worker(json_int_t company, const char *ref)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers",
	         (long long)company);
	json_decref(expect(201, T.staff, "POST", path,
	                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "external_ref",
	                             ref, "last_name", "Perrin", "first_name", "Yves", "birth_date",
	                             "1980-02-03", "job_title", "Désamianteur", "contract_type",
	                             "cdi", "start_date", "2015-09-01", "exposures", "amiante")));
}

static int setup(void **state)
{
	(void)state;
	if (riskeval_world_start("fiche-sir", "2025-02-01T09:00:00Z", NULL) != 0)
		return -1;
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.iprp = login("iprp@svc.test", STAFF_PASSWORD);
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	worker(T.staff, T.company, "G-1", "Roux", "Léa");
	sir_worker(T.company, "G-2");
	sir_worker(T.company2, "M-1");
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.iprp);
	free(T.employer);
	free(T.employer2);
	return world_teardown(state);
}

/* tracking keeps its own roster, fed by membership's worker.* events on the
 * loop thread: wait (as wait_mails does) until it has the @p want SIR
 * workers, so the draft reads settled counts. */
static void wait_tracking_sir(int want)
{
	for (int tries = 0; tries < 200 && db_count("SELECT COUNT(*) FROM tracking_worker"
	                                            " WHERE category = 'SIR'") < want; tries++)
		usleep(50000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_worker WHERE category = 'SIR'"),
	                 want);
}

static json_t *people_of_new_draft(json_int_t company)
{
	json_t *r = expect(201, T.iprp, "PUT", company_path(company, "/fiche/draft"),
	                   json_pack("{s:{s:{s:s}}}", "content", "identification", "activite",
	                             "Second œuvre"));
	json_t *people = json_incref(json_object_get(json_object_get(r, "content"),
	                                             "personnel_prevention"));
	json_decref(r);
	assert_non_null(people);
	return people;
}

static void test_counts_from_tracking(void **state)
{
	(void)state;
	wait_tracking_sir(2);
	json_t *people = people_of_new_draft(T.company);

	/* One of the two workers declared SIR, none seen at a SIR visit yet. */
	assert_int_equal(json_integer_value(json_object_get(people, "effectif_sir")), 1);
	assert_true(json_is_integer(json_object_get(people, "sir_declare")));
	assert_int_equal(json_integer_value(json_object_get(people, "sir_declare")), 1);
	assert_true(json_is_integer(json_object_get(people, "sir_observe")));
	assert_int_equal(json_integer_value(json_object_get(people, "sir_observe")), 0);
	json_decref(people);
}

static void test_without_tracking(void **state)
{
	(void)state;
	/* The same deployment, tracking no longer enabled for the service. */
	assert_int_equal(test_server_stop(&S, 10000), 0);
	json_t *cfg = json_load_file(D.config_path, 0, NULL);
	assert_non_null(cfg);
	json_t *plugins = json_object_get(json_array_get(json_object_get(cfg, "services"), 0),
	                                  "plugins");
	assert_int_equal(json_object_del(plugins, "tracking"), 0);
	char *text = json_dumps(cfg, JSON_INDENT(2));
	json_decref(cfg);
	assert_non_null(text);
	assert_int_equal(test_deploy_write(&D, "socle.json", text), 0);
	free(text);
	assert_int_equal(test_server_start_deploy(&S, &D), 0);
	free(T.iprp);
	T.iprp = login("iprp@svc.test", STAFF_PASSWORD);

	json_t *people = people_of_new_draft(T.company2);
	/* membership's own count stays; tracking's are unknown, not zero. */
	assert_int_equal(json_integer_value(json_object_get(people, "effectif_sir")), 1);
	assert_true(json_is_null(json_object_get(people, "sir_declare")));
	assert_true(json_is_null(json_object_get(people, "sir_observe")));
	json_decref(people);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_from_tracking),
		cmocka_unit_test(test_without_tracking),
	};
	return cmocka_run_group_tests_name("riskeval_fiche_sir_e2e", tests, setup, teardown);
}
