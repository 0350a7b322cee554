/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A place given up once the session has begun (issue 16 item 3), through the
 * real `socle serve`: the workshop starts at 10:30 in Lyon on 2 June 2025,
 * one place, Léa confirmed and Marc waiting. At 10:45 Léa's place is
 * cancelled: the cancellation is recorded, but Marc is not moved up nor
 * convoked to a session already under way (he would have been at 10:00). */
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
	char *staff, *employer;
	json_int_t company, lea, marc, session, r_lea, r_marc;
} T;

static json_int_t registration(json_int_t worker, const char *want_status)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/registrations",
	         (long long)T.session);
	json_t *r = expect(201, T.employer, "POST", path,
	                   json_pack("{s:I, s:I}", "company_id", T.company, "worker_id", worker));
	assert_string_equal(json_string_value(json_object_get(r, "status")), want_status);
	json_int_t id = id_of(r);

	json_decref(r);
	return id;
}

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-session-begun", NULL, false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.lea = worker(T.employer, T.company, "G-1", "Roux", "Léa");
	T.marc = worker(T.employer, T.company, "G-2", "Blanc", "Marc");
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:i, s:s}", "kind", "atelier", "title",
		          "Gestes et postures", "format", "service", "audience", "salaries",
		          "duration_min", 90, "objectives", "Porter sans se blesser"));
	json_int_t action = id_of(r);
	json_decref(r);
	r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/sessions",
		json_pack("{s:I, s:s, s:i, s:s}", "action_id", action, "starts_at", "2025-06-02T10:30",
		          "capacity", 1, "place", "SPSTI, 10 rue de la Santé, Lyon"));
	T.session = id_of(r);
	json_decref(r);
	T.r_lea = registration(T.lea, "confirmed");
	T.r_marc = registration(T.marc, "waiting");
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	return world_teardown(state);
}

static void test_no_move_up_once_begun(void **state)
{
	(void)state;
	char path[128];

	assert_int_equal(wait_mails("rh@garnier.test", "liste_attente", "Marc Blanc", 1), 1);
	free(T.staff);
	free(T.employer);
	restart_at("2025-06-02T08:45:00Z"); /* 10:45 in Lyon: begun at 10:30 */
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.employer = login("rh@garnier.test", EMPLOYER_PASSWORD);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/registrations/%lld/cancel",
	         (long long)T.r_lea);
	json_t *r = expect(200, T.employer, "POST", path, json_object());
	assert_true(json_is_null(json_object_get(r, "promoted_id")));
	json_decref(r);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_registration WHERE id = %lld"
	                          " AND status = 'waiting'", (long long)T.r_marc), 1);
	/* Every mail queued is written before it is counted. */
	for (int i = 0; i < 100 && db_count("SELECT count(*) FROM core_job WHERE kind = 'mail.send'"
	                                    " AND state NOT IN ('done', 'dead')") > 0; i++)
		usleep(50000);
	assert_int_equal(count_mails("rh@garnier.test", "convocation", "Marc Blanc"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_move_up_once_begun),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
