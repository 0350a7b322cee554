/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Due visits (plugins/tracking/due.c) through the real `socle serve`, on a
 * business clock frozen on 2025-07-01:
 *   - the run queued when the server starts, done by the job queue;
 *   - a run on request: every worker's answer from next_visits kept per
 *     company, earliest deadline first, overdue ones flagged, by pages;
 *   - a second run rewrites nothing; a new worker is the one row written; a
 *     worker without a follow-up category is recorded with its error;
 *   - one worker's next visits asked now, with explanations and articles;
 *   - who may read what (the company's employer, not another company's, not
 *     the worker for the company's list), bad parameters refused. */
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

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = json_pack("{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:f}, s:{}}}]}",
	                        "plugin_dirs", TRACKING_PLUGIN_DIR, "clock", "2025-07-01T08:00:00Z",
	                        "services", "id", "svc", "name", "SPSTI du Rhône", "database",
	                        "svc.db", "plugins", "membership", "fee_per_worker", 105.0,
	                        "tracking");

	if (test_deploy_create(&D, "tracking-due", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

/* Membership's events are delivered by the loop after each commit: wait
 * (bounded) until tracking_due holds @p want rows. */
static long long wait_rows(long long want)
{
	long long n = -1;

	for (int tries = 0; tries < 200 && (n = db_count("SELECT COUNT(*) FROM tracking_due")) != want;
	     tries++)
		usleep(20000);
	return n;
}

/* The run @p id once finished (waits for the job queue), as GET /tracking/due/runs gives it. */
static json_t *finished_run(const char *staff, json_int_t id)
{
	for (int tries = 0; tries < 200; tries++) {
		json_t *r = get(staff, "/api/v1/svc/tracking/due/runs");
		size_t i;
		json_t *it;

		json_array_foreach(json_object_get(r, "items"), i, it) {
			const char *st = json_string_value(json_object_get(it, "state"));

			if ((id == 0 || id_of(it) == id) && (strcmp(st, "done") == 0 ||
			                                      strcmp(st, "failed") == 0)) {
				json_incref(it);
				json_decref(r);
				return it;
			}
		}
		json_decref(r);
		usleep(50000);
	}
	fail_msg("le calcul %lld ne s'est pas terminé", (long long)id);
	return NULL;
}

/* POST /tracking/due/recompute, then the finished run. */
static json_t *recompute(const char *staff)
{
	json_t *r = expect(202, staff, "POST", "/api/v1/svc/tracking/due/recompute", json_object());
	json_int_t id = json_integer_value(json_object_get(r, "run_id"));

	assert_string_equal(json_string_value(json_object_get(r, "state")), "queued");
	json_decref(r);
	json_t *run = finished_run(staff, id);
	assert_string_equal(json_string_value(json_object_get(run, "state")), "done");
	assert_string_equal(json_string_value(json_object_get(run, "on_date")), "2025-07-01");
	return run;
}

static json_int_t int_of(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_due_visits(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp_a = NULL, *emp_b = NULL;
	char path[256];
	json_t *r, *run;
	(void)state;

	/* The run queued at start found no worker yet. */
	run = finished_run(staff, 0);
	assert_int_equal(int_of(run, "workers"), 0);
	json_decref(run);

	json_int_t a = member_company(staff, "81234567600017", "Boulangerie Martin",
	                              "paul@martin.test", &emp_a);
	json_int_t b = member_company(staff, "55210055400013", "Garage Petit", "zoe@petit.test",
	                              &emp_b);
	/* VIP within 3 months of 2025-03-10: 2025-06-10, overdue on 2025-07-01. */
	json_int_t late = hire(emp_a, a, "M-1", "Bernard", "Camille", "cdi", "2025-03-10");
	/* Apprentice: within 2 months of 2025-06-01. */
	json_int_t appr = hire(emp_a, a, "M-2", "Durand", "Camille", "apprentissage", "2025-06-01");
	/* VIP within 3 months of 2025-06-20. */
	json_int_t recent = hire(emp_a, a, "M-3", "Lefèvre", "Camille", "cdi", "2025-06-20");
	hire(emp_b, b, "P-1", "Petit", "Camille", "cdi", "2025-05-02");
	char extra[64];
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)late);
	user_add("camille@mail.test", "employee", WORKER_PASSWORD, extra);
	char *camille = login("camille@mail.test", WORKER_PASSWORD);

	/* ---- each declaration already wrote its worker's row (the events of
	 *      membership, roster.c): a run on request then changes nothing ---- */
	assert_int_equal(wait_rows(4), 4);
	run = recompute(staff);
	assert_int_equal(int_of(run, "workers"), 4);
	assert_int_equal(int_of(run, "changed"), 0);
	assert_int_equal(int_of(run, "failed"), 0);
	json_decref(run);

	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/due-visits", (long long)a);
	r = get(emp_a, "%s", path);
	const json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 3);
	const json_t *first = json_array_get(items, 0), *second = json_array_get(items, 1),
	             *third = json_array_get(items, 2);
	assert_int_equal(int_of(first, "worker_id"), late);
	assert_string_equal(str_of(first, "last_name"), "Bernard");
	assert_string_equal(str_of(first, "next_type"), "vip_initiale");
	assert_string_equal(str_of(first, "next_due"), "2025-06-10");
	assert_int_equal(int_of(first, "overdue"), 1);
	const json_t *v = json_array_get(json_object_get(first, "visits"), 0);
	assert_string_equal(str_of(v, "latest"), "2025-06-10");
	assert_string_equal(str_of(v, "earliest"), "2025-03-10");
	assert_string_equal(str_of(v, "who"), "professionnel_sante");
	assert_true(json_is_true(json_object_get(v, "overdue")));
	assert_int_equal(int_of(second, "worker_id"), appr);
	assert_string_equal(str_of(second, "next_due"), "2025-08-01");
	assert_int_equal(int_of(second, "overdue"), 0);
	assert_int_equal(int_of(third, "worker_id"), recent);
	assert_string_equal(str_of(third, "next_due"), "2025-09-20");
	assert_string_equal(str_of(json_object_get(r, "computed"), "on_date"), "2025-07-01");
	json_decref(r);

	/* Overdue only; by pages of 2, then the rest after the cursor. */
	r = get(staff, "%s?overdue=1", path);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(int_of(json_array_get(json_object_get(r, "items"), 0), "worker_id"), late);
	json_decref(r);
	r = get(staff, "%s?limit=2", path);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	char cursor[64], want[64];
	snprintf(cursor, sizeof(cursor), "%s", str_of(r, "next_cursor"));
	snprintf(want, sizeof(want), "%lld", (long long)appr);
	assert_string_equal(cursor, want);
	json_decref(r);
	r = get(staff, "%s?limit=2&cursor=%s", path, cursor);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(int_of(json_array_get(json_object_get(r, "items"), 0), "worker_id"),
	                 recent);
	assert_true(json_is_null(json_object_get(r, "next_cursor"))); /* always there, null at the end */
	json_decref(r);

	/* Bad parameters, other companies, the worker: refused. */
	json_decref(expect(400, staff, "GET", "/api/v1/svc/tracking/companies/1/due-visits?overdue=2",
	                   NULL));
	json_decref(expect(400, staff, "GET",
	                   "/api/v1/svc/tracking/companies/1/due-visits?cursor=hier", NULL));
	json_decref(expect(403, emp_b, "GET", path, NULL));
	json_decref(expect(403, camille, "GET", path, NULL));
	json_decref(expect(401, NULL, "GET", path, NULL));
	json_decref(expect(403, emp_a, "POST", "/api/v1/svc/tracking/due/recompute", json_object()));

	/* The engine's overdue count among the company's indicators. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/indicators", (long long)a);
	r = get(emp_a, "%s", path);
	const json_t *eng = json_object_get(json_object_get(r, "indicators"), "overdue_by_engine");
	assert_int_equal(int_of(eng, "numerator"), 1);
	assert_int_equal(int_of(eng, "denominator"), 3);
	assert_string_equal(str_of(eng, "computed_on"), "2025-07-01");
	json_decref(r);

	/* ---- one worker's next visits, asked now, explained ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/workers/%lld/next-visits",
	         (long long)late);
	r = get(emp_a, "%s", path);
	assert_string_equal(str_of(r, "on_date"), "2025-07-01");
	v = json_array_get(json_object_get(r, "visits"), 0);
	assert_string_equal(str_of(v, "type"), "vip_initiale");
	assert_non_null(strstr(str_of(v, "explanation"), "au plus tard le 10 juin 2025"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "basis"), 0)),
	                    "R4624-10");
	json_decref(r);
	json_decref(get(camille, "%s", path)); /* the worker reads his own */
	json_decref(expect(403, emp_b, "GET", path, NULL));
	json_decref(expect(404, staff, "GET", "/api/v1/svc/tracking/workers/999999/next-visits",
	                   NULL));

	/* ---- a second run finds the same answers: nothing rewritten ---- */
	run = recompute(staff);
	assert_int_equal(int_of(run, "workers"), 4);
	assert_int_equal(int_of(run, "changed"), 0);
	json_decref(run);

	/* A run already queued is not queued twice; one queued more than a day
	 * ago (its job died) no longer counts. */
	db_exec("INSERT INTO tracking_due_run (on_date, state, queued_at) VALUES ('2025-06-29',"
	        " 'queued', 0)");
	db_exec("INSERT INTO tracking_due_run (on_date, state, queued_at) VALUES ('2025-07-01',"
	        " 'queued', 1751356800000)"); /* the frozen clock */
	long long waiting = db_count("SELECT MAX(id) FROM tracking_due_run");
	r = expect(200, staff, "POST", "/api/v1/svc/tracking/due/recompute", json_object());
	assert_string_equal(str_of(r, "state"), "already_queued");
	assert_int_equal(int_of(r, "run_id"), waiting);
	json_decref(r);
	db_exec("DELETE FROM tracking_due_run WHERE state = 'queued'");

	/* ---- a new worker's row is written by its declaration; a worker
	 *      without a follow-up category is kept with the reason ---- */
	json_int_t hired = hire(emp_a, a, "M-4", "Moreau", "Camille", "cdd", "2025-06-30");
	assert_int_equal(wait_rows(5), 5);
	char sql[160];
	/* Both membership's row and tracking's copy (roster.c), which the
	 * recomputation reads: membership emits no event when it clears a
	 * category, so the copy is set by hand as a resync would. */
	snprintf(sql, sizeof(sql), "UPDATE membership_worker SET category = NULL WHERE id = %lld;"
	         " UPDATE tracking_worker SET category = NULL WHERE id = %lld",
	         (long long)recent, (long long)recent);
	db_exec(sql);
	run = recompute(staff);
	assert_int_equal(int_of(run, "workers"), 5);
	assert_int_equal(int_of(run, "changed"), 1); /* only the worker without a category */
	assert_int_equal(int_of(run, "failed"), 1);
	json_decref(run);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/due-visits", (long long)a);
	r = get(staff, "%s", path);
	items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 4);
	assert_int_equal(int_of(json_array_get(items, 2), "worker_id"), hired);
	assert_string_equal(str_of(json_array_get(items, 2), "next_due"), "2025-09-30");
	const json_t *broken = json_array_get(items, 3); /* no deadline: last */
	assert_int_equal(int_of(broken, "worker_id"), recent);
	assert_non_null(strstr(str_of(broken, "error"), "Catégorie de suivi non calculée"));
	assert_int_equal(json_array_size(json_object_get(broken, "visits")), 0);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/workers/%lld/next-visits",
	         (long long)recent);
	json_decref(expect(409, staff, "GET", path, NULL));

	free(camille);
	free(emp_a);
	free(emp_b);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest http[] = {
		cmocka_unit_test(test_due_visits),
	};

	return cmocka_run_group_tests_name("due", http, setup_http, world_teardown);
}
