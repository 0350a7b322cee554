/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Issue 10 item 15: an employer runs the what-if simulator on one of his own
 * workers (POST /tracking/simulate {worker_id, worker: the changes}), through
 * the real `socle serve` with a frozen clock (2025-06-02T08:00:00Z):
 *  - without a change, the simulator answers what GET .../next-visits says;
 *  - a planned move to night work on 1 September: a VIP before that day
 *    (R4624-18), the stored facts and the visits held kept;
 *  - a planned move to asbestos removal: the category computed again (SIR)
 *    and the EMA before the day (R4624-24), stored nothing;
 *  - another company's worker: 403, never a word about him; an unknown one:
 *    404; neither worker nor worker_id: a French field error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"
#include "server.h"
#include "tracking_world.h"

static struct {
	char *staff, *emp_a, *emp_b;
	json_int_t a, b, wa, wb;
} T;

static int setup(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-06-02T08:00:00Z");

	if (test_deploy_create(&D, "tracking-simulate-worker", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	if (test_server_start_deploy(&S, &D) != 0)
		return -1;
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.a = member_company(T.staff, "73282932000074", "Électricité Garnier", "rh@garnier.test",
	                     &T.emp_a);
	T.b = member_company(T.staff, "44306184100005", "Plomberie Morel", "rh@morel.test",
	                     &T.emp_b);
	T.wa = worker(T.emp_a, T.a, "G-1", "Roux", "Léa");
	T.wb = worker(T.emp_b, T.b, "M-1", "Morel", "Paul");
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.emp_a);
	free(T.emp_b);
	return world_teardown(state);
}

static json_t *simulate(const char *auth, json_t *body, int *status)
{
	return call(auth, "POST", "/api/v1/svc/tracking/simulate", body, status);
}

/* The visit of @p type in the answer, or NULL. */
static const json_t *visit_of(const json_t *r, const char *type)
{
	size_t i;
	const json_t *v;

	json_array_foreach(json_object_get(r, "visits"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "type")), type) == 0)
			return v;
	return NULL;
}

static bool has_basis(const json_t *v, const char *article)
{
	size_t i;
	const json_t *b;

	json_array_foreach(json_object_get(v, "basis"), i, b)
		if (strcmp(json_string_value(b), article) == 0)
			return true;
	return false;
}

static void test_unchanged_is_next_visits(void **state)
{
	(void)state;
	int status = 0;
	json_t *now = get(T.emp_a, "/api/v1/svc/tracking/workers/%lld/next-visits", (long long)T.wa);
	json_t *r = simulate(T.emp_a, json_pack("{s:I}", "worker_id", T.wa), &status);

	assert_int_equal(status, 200);
	assert_true(json_equal(json_object_get(r, "visits"), json_object_get(now, "visits")));
	assert_int_equal(json_integer_value(json_object_get(r, "worker_id")), T.wa);
	json_decref(r);
	json_decref(now);
}

static void test_planned_night_work(void **state)
{
	(void)state;
	int status = 0;
	json_t *r = simulate(T.emp_a, json_pack("{s:I, s:{s:b, s:s, s:s}}", "worker_id", T.wa,
	                                        "worker", "night_worker", 1, "assigned_on",
	                                        "2025-09-01", "assignment_declared_on",
	                                        "2025-06-02"), &status);

	assert_int_equal(status, 200);
	const json_t *v = visit_of(r, "vip_initiale");
	if (v == NULL)
		fail_msg("no VIP before the night work: %s", json_dumps(r, JSON_COMPACT));
	assert_string_equal(json_string_value(json_object_get(v, "before")), "2025-09-01");
	assert_true(has_basis(v, "R4624-18"));
	/* The category a night worker has, computed on the day (SIA). */
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "category"),
	                                                      "code")), "SIA");
	json_decref(r);
	/* Nothing stored: the worker is not a night worker. */
	r = get(T.emp_a, "/api/v1/svc/membership/companies/%lld/workers/%lld", (long long)T.a,
	        (long long)T.wa);
	assert_true(json_is_false(json_object_get(r, "night_worker")));
	json_decref(r);
}

static void test_planned_asbestos(void **state)
{
	(void)state;
	int status = 0;
	json_t *r = simulate(T.emp_a, json_pack("{s:I, s:{s:[s], s:s, s:s}}", "worker_id", T.wa,
	                                        "worker", "exposures", "amiante", "assigned_on",
	                                        "2025-10-06", "assignment_declared_on",
	                                        "2025-06-02"), &status);

	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "category"),
	                                                      "code")), "SIR");
	const json_t *v = visit_of(r, "ema_initial");
	if (v == NULL)
		fail_msg("no EMA before the asbestos post: %s", json_dumps(r, JSON_COMPACT));
	assert_string_equal(json_string_value(json_object_get(v, "before")), "2025-10-06");
	assert_true(has_basis(v, "R4624-24"));
	json_decref(r);
}

static void test_access_and_errors(void **state)
{
	(void)state;
	int status = 0;
	/* Another company's worker: refused, nothing of him said. */
	json_t *r = simulate(T.emp_a, json_pack("{s:I, s:{s:b}}", "worker_id", T.wb, "worker",
	                                        "night_worker", 1), &status);
	assert_int_equal(status, 403);
	char *text = json_dumps(r, JSON_COMPACT);
	assert_null(strstr(text, "Morel"));
	free(text);
	assert_null(json_object_get(r, "visits"));
	json_decref(r);
	r = simulate(T.emp_a, json_pack("{s:I}", "worker_id", T.wa + 1000), &status);
	assert_int_equal(status, 404);
	json_decref(r);
	/* Neither a worker nor a worker_id. */
	r = simulate(T.emp_a, json_pack("{s:s}", "on_date", "2025-06-02"), &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(json_object_get(r, "error"), "fields"), 0), "field")), "worker");
	json_decref(r);
	/* A change that is not well formed: the field named under worker. */
	r = simulate(T.emp_a, json_pack("{s:I, s:{s:s}}", "worker_id", T.wa, "worker",
	                                "assigned_on", "le 1er septembre"), &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(json_object_get(r, "error"), "fields"), 0), "field")),
		"worker.assigned_on");
	json_decref(r);
	/* The service's staff may simulate any worker. */
	r = simulate(T.staff, json_pack("{s:I}", "worker_id", T.wb), &status);
	assert_int_equal(status, 200);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged_is_next_visits),
		cmocka_unit_test(test_planned_night_work),
		cmocka_unit_test(test_planned_asbestos),
		cmocka_unit_test(test_access_and_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
