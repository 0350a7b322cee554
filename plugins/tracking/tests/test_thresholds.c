/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The thresholds of a sick leave (issue 17, item 1): tracking's daily run
 * emits sick_leave.threshold_reached once per leave and threshold (30 and 60
 * days of absence), with the threshold reached, for the job-retention plugin
 * to hear. Time moves with the server's frozen clock (restart_at), never with
 * sleeps: the waits below only wait for the daily job to finish. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server.h"
#include "tracking_world.h"

static int setup(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-01-10T08:00:00Z");

	if (test_deploy_create(&D, "tracking-thresholds", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

/* The daily run of @p day is done (the job runs at the server's start). */
static void wait_daily_run(const char *day)
{
	for (int i = 0; i < 200; i++) {
		if (db_count("SELECT COUNT(*) FROM tracking_due_run WHERE on_date = '%s'"
		             " AND state = 'done'", day) > 0)
			return;
		usleep(50000);
	}
	fail_msg("le calcul quotidien du %s n'a pas fini", day);
}

static long long thresholds(const char *extra)
{
	return db_count("SELECT COUNT(*) FROM core_event WHERE name = 'sick_leave.threshold_reached'"
	                " %s", extra ? extra : "");
}

static void test_thresholds(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp = NULL, like[256];
	(void)state;

	json_int_t a = member_company(staff, "81234567600017", "Électricité Garnier",
	                              "ines@garnier.test", &emp);
	json_int_t w1 = worker(staff, a, "G-001", "Garnier", "Inès");
	json_int_t w2 = worker(staff, a, "G-002", "Benali", "Sébastien");
	json_t *r = expect(201, emp, "POST", "/api/v1/svc/tracking/leaves",
	                   json_pack("{s:I, s:I, s:s, s:s, s:s}", "worker_id", w1, "company_id", a,
	                             "cause", "maladie", "start", "2025-01-06", "expected_end",
	                             "2025-04-30"));
	json_int_t long_leave = id_of(r);
	json_decref(r);
	/* A short leave, ended on the 20th: it never reaches 30 days. */
	json_decref(expect(201, emp, "POST", "/api/v1/svc/tracking/leaves",
	                   json_pack("{s:I, s:I, s:s, s:s, s:s}", "worker_id", w2, "company_id", a,
	                             "cause", "maladie", "start", "2025-01-06", "actual_end",
	                             "2025-01-20")));
	wait_daily_run("2025-01-10");
	assert_int_equal(thresholds(NULL), 0);

	/* 4 February: 29 days of absence, not yet. */
	restart_at("2025-02-04T08:00:00Z");
	wait_daily_run("2025-02-04");
	assert_int_equal(thresholds(NULL), 0);

	/* 5 February: 30 days. One event, with the threshold and its day. */
	restart_at("2025-02-05T08:00:00Z");
	wait_daily_run("2025-02-05");
	snprintf(like, sizeof(like), "AND payload LIKE '%%\"leave_id\":%lld,%%'"
	         " AND payload LIKE '%%\"threshold\":30%%' AND payload LIKE '%%\"worker_id\":%lld%%'"
	         " AND payload LIKE '%%\"reached_on\":\"2025-02-05\"%%'",
	         (long long)long_leave, (long long)w1);
	assert_int_equal(thresholds(like), 1);
	assert_int_equal(thresholds(NULL), 1);

	/* A run again the same day (staff's request): nothing twice. Sessions
	 * follow the clock: log in again. */
	free(staff);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	json_decref(expect(202, staff, "POST", "/api/v1/svc/tracking/due/recompute", json_object()));
	for (int i = 0; i < 200 && db_count("SELECT COUNT(*) FROM tracking_due_run WHERE state ="
	                                    " 'done'") < 4; i++)
		usleep(50000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_due_run WHERE state = 'done'"), 4);
	assert_int_equal(thresholds(NULL), 1);

	/* Days later, 66 days: the 60-day threshold, once. */
	restart_at("2025-03-12T08:00:00Z");
	wait_daily_run("2025-03-12");
	snprintf(like, sizeof(like), "AND payload LIKE '%%\"threshold\":60%%'"
	         " AND payload LIKE '%%\"reached_on\":\"2025-03-07\"%%'");
	assert_int_equal(thresholds(like), 1);
	assert_int_equal(thresholds(NULL), 2);

	/* A leave declared long after it started, beyond the daily run's horizon
	 * (400 days): its old thresholds announce nothing. */
	free(emp);
	free(staff);
	emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	json_int_t w3 = worker(staff, a, "G-003", "Petit", "Zoé");
	json_decref(expect(201, emp, "POST", "/api/v1/svc/tracking/leaves",
	                   json_pack("{s:I, s:I, s:s, s:s, s:s}", "worker_id", w3, "company_id", a,
	                             "cause", "maladie", "start", "2023-09-01", "actual_end",
	                             "2024-01-31")));
	json_decref(expect(202, staff, "POST", "/api/v1/svc/tracking/due/recompute", json_object()));
	for (int i = 0; i < 200 && db_count("SELECT COUNT(*) FROM tracking_due_run WHERE state ="
	                                    " 'done'") < 6; i++)
		usleep(50000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_due_run WHERE state = 'done'"), 6);
	assert_int_equal(thresholds(NULL), 2);
	free(emp);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds),
	};

	return cmocka_run_group_tests_name("seuils d'arrêt", tests, setup, world_teardown);
}
