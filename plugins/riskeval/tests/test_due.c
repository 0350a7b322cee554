/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* When the fiche d'entreprise is due, through the real `socle serve` (clock
 * frozen on 2025-02-01, the day the company joins): TC34 through the API
 * (within one year of adhesion, then overdue a year later), the team's list,
 * the DUERP's obligations of TC35 and TC36, the company check (another
 * company's employer: 403), and `socle check` running the pack's vectors;
 * the team's list names member companies only (not an application, not a
 * company that left). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsutil.h"
#include "riskeval_world.h"

static struct {
	char *staff, *iprp, *employer, *employer2;
	json_int_t company, company2;
} T;

static int setup(void **state)
{
	(void)state;
	if (riskeval_world_start("due", "2025-02-01T09:00:00Z", NULL) != 0)
		return -1;
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.iprp = login("iprp@svc.test", STAFF_PASSWORD);
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
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

static void test_check_runs_vectors(void **state)
{
	(void)state;
	char cmd[1024], *out = NULL;

	snprintf(cmd, sizeof(cmd), SOCLE_BINARY_DIR "/socle check --config %s", D.config_path);
	int rc = fs_run(cmd, &out);
	if (rc != 0)
		fprintf(stderr, "%s", out ? out : "");
	assert_int_equal(rc, 0);
	/* The riskeval vectors ran (their names are in the report when they fail;
	 * here the count of passing vectors includes them). */
	assert_non_null(strstr(out, "valides"));
	free(out);
}

static void test_tc34_first_fiche(void **state)
{
	(void)state;
	json_t *r = get(T.employer, "%s", company_path(T.company, "/fiche/due"));

	assert_string_equal(json_string_value(json_object_get(r, "due_on")), "2026-02-01");
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "premiere");
	assert_false(json_is_true(json_object_get(r, "overdue")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "basis"), 0)),
	                    "R4624-47");
	assert_non_null(strstr(json_string_value(json_object_get(r, "explanation")),
	                       "au plus tard le 1er février 2026"));
	json_decref(r);

	/* Another company's employer learns nothing of it. */
	int status = 0;
	json_decref(call(T.employer2, "GET", company_path(T.company, "/fiche/due"), NULL, &status));
	assert_int_equal(status, 403);
	/* A company that does not exist: 404 for staff. */
	json_decref(call(T.staff, "GET", company_path(999999, "/fiche/due"), NULL, &status));
	assert_int_equal(status, 404);
	/* A bad date: 422 naming the parameter. */
	r = call(T.staff, "GET", company_path(T.company, "/fiche/due?on_date=2025-02-30"), NULL,
	         &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(r, "error"), "fields"), 0), "field")), "on_date");
	json_decref(r);

	/* The team's list: both companies, without a fiche; employers are kept out. */
	r = get(T.iprp, "/api/v1/svc/riskeval/fiches/due");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	json_t *first = json_array_get(json_object_get(r, "items"), 0);
	assert_false(json_is_true(json_object_get(first, "valid_fiche")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(first, "due"),
	                                                      "due_on")), "2026-02-01");
	json_decref(r);
	json_decref(call(T.employer, "GET", "/api/v1/svc/riskeval/fiches/due", NULL, &status));
	assert_int_equal(status, 403);
}

static void test_tc35_tc36_duerp(void **state)
{
	(void)state;
	json_t *r = expect(200, T.employer, "POST", "/api/v1/svc/riskeval/duerp/obligations",
	                   json_pack("{s:i, s:s}", "headcount", 25, "last_version_on", "2025-01-15"));

	assert_true(json_is_true(json_object_get(r, "yearly_update")));
	assert_string_equal(json_string_value(json_object_get(r, "due_on")), "2026-01-15");
	assert_string_equal(json_string_value(json_object_get(r, "keep_until")), "2065-01-15");
	json_decref(r);
	r = expect(200, T.employer, "POST", "/api/v1/svc/riskeval/duerp/obligations",
	           json_pack("{s:i}", "headcount", 8));
	assert_false(json_is_true(json_object_get(r, "yearly_update")));
	assert_null(json_object_get(r, "due_on"));
	assert_string_equal(json_string_value(json_object_get(r, "outputs")), "liste_actions");
	json_decref(r);
	int status = 0;
	r = call(T.employer, "POST", "/api/v1/svc/riskeval/duerp/obligations",
	         json_pack("{s:i}", "headcount", -3), &status);
	assert_int_equal(status, 422);
	json_decref(r);
}

/* A year and a month later, still no fiche: overdue, and the answer says so. */
static void test_tc34_overdue(void **state)
{
	(void)state;
	restart_at("2026-03-10T09:00:00Z");
	char *employer = login("rh@garnier.test", EMPLOYER_PASSWORD);
	json_t *r = get(employer, "%s", company_path(T.company, "/fiche/due"));

	assert_true(json_is_true(json_object_get(r, "overdue")));
	assert_non_null(strstr(json_string_value(json_object_get(r, "explanation")),
	                       "Échéance dépassée au 10 mars 2026."));
	json_decref(r);
	free(employer);
}

/* The team's list in riskeval_priority's order: a company whose draft is
 * already open comes after one on the same due date with none (by due date
 * and id alone, company 1 would come first). */
static void test_priority_orders_the_list(void **state)
{
	(void)state;
	char *iprp = login("iprp@svc.test", STAFF_PASSWORD);

	json_decref(expect(201, iprp, "PUT", company_path(T.company, "/fiche/draft"), json_object()));
	json_t *r = get(iprp, "/api/v1/svc/riskeval/fiches/due");
	const json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 2);
	const json_t *a = json_array_get(items, 0), *b = json_array_get(items, 1);
	assert_int_equal(json_integer_value(json_object_get(a, "company_id")), T.company2);
	assert_int_equal(json_integer_value(json_object_get(b, "company_id")), T.company);
	const json_t *pa = json_object_get(a, "priority"), *pb = json_object_get(b, "priority");
	assert_true(json_number_value(json_object_get(pa, "score")) >
	            json_number_value(json_object_get(pb, "score")));
	assert_non_null(strstr(json_string_value(json_object_get(pa, "reason")),
	                       "première fiche, obligatoire dans l'année de l'adhésion"));
	assert_non_null(strstr(json_string_value(json_object_get(pb, "reason")),
	                       "brouillon déjà ouvert"));
	json_decref(r);
	free(iprp);
}

/* company_headcount decides the DUERP's thresholds: by default the headcount
 * the employer declared (4 here, no worker declared yet), explained. */
static void test_company_headcount(void **state)
{
	(void)state;
	char *employer = login("rh@morel.test", EMPLOYER_PASSWORD);
	json_t *r = get(employer, "%s", company_path(T.company2, "/duerp"));
	const json_t *u = json_object_get(r, "update");

	assert_int_equal(json_integer_value(json_object_get(u, "headcount")), 4);
	assert_string_equal(json_string_value(json_object_get(u, "headcount_explanation")),
	                    "Effectif déclaré par l'employeur : 4 salariés (salariés déclarés au "
	                    "service et employés ce jour : 0).");
	json_decref(r);
	free(employer);
}

/* The team's list names member companies only: an application still under
 * review is not on it, and a company that left the service leaves it (its
 * fiche is no longer due: 409). */
static void test_list_members_only(void **state)
{
	(void)state;
	char *staff = login("admin@svc.test", STAFF_PASSWORD);
	char *iprp = login("iprp@svc.test", STAFF_PASSWORD);
	char path[256];
	int status = 0;

	json_t *r = expect(201, NULL, "POST", "/api/v1/svc/membership/applications",
	                   application("44306184100005", "Plomberie Morel", "rh@plomberie.test"));
	json_int_t applied = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	r = get(iprp, "/api/v1/svc/riskeval/fiches/due");
	const json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 2);
	for (size_t i = 0; i < json_array_size(items); i++)
		assert_int_not_equal(json_integer_value(json_object_get(json_array_get(items, i),
		                                                        "company_id")), applied);
	json_decref(r);

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/leave",
	         (long long)T.company2);
	json_decref(expect(200, staff, "POST", path, json_pack("{s:s}", "left_on", "2026-03-10")));
	r = get(iprp, "/api/v1/svc/riskeval/fiches/due");
	items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "company_id")),
	                 T.company);
	json_decref(r);
	json_decref(call(staff, "GET", company_path(T.company2, "/fiche/due"), NULL, &status));
	assert_int_equal(status, 409);
	free(staff);
	free(iprp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_runs_vectors),
		cmocka_unit_test(test_tc34_first_fiche),
		cmocka_unit_test(test_tc35_tc36_duerp),
		cmocka_unit_test(test_tc34_overdue),
		cmocka_unit_test(test_priority_orders_the_list),
		cmocka_unit_test(test_company_headcount),
		cmocka_unit_test(test_list_members_only),
	};
	return cmocka_run_group_tests_name("riskeval_due", tests, setup, teardown);
}
