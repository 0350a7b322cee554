/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The service cancels a session (issue 16 item 3), through the real
 * `socle serve`: Léa holds the only place of a workshop on 10 June 2025,
 * Marc waits. Staff cancel it with a reason: both places are cancelled, the
 * company is told for each and Léa at her own address, written to her; the
 * reminder of 8 June is not sent; a second cancellation is a conflict; an
 * employer may not cancel a session; a reason is required, in French. */
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
	json_int_t company, lea, marc, session;
} T;

static void registration(json_int_t worker)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/registrations",
	         (long long)T.session);
	json_decref(expect(201, T.employer, "POST", path,
	                   json_pack("{s:I, s:I}", "company_id", T.company, "worker_id", worker)));
}

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-session-cancel", NULL, false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.lea = worker(T.employer, T.company, "G-1", "Roux", "Léa");
	T.marc = worker(T.employer, T.company, "G-2", "Blanc", "Marc");
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers/%lld",
	         (long long)T.company, (long long)T.lea);
	json_decref(expect(200, T.employer, "PATCH", path,
	                   json_pack("{s:s, s:s}", "civility", "madame", "convocation_email",
	                             "lea.roux@perso.test")));
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:i, s:s}", "kind", "atelier", "title",
		          "Gestes et postures", "format", "service", "audience", "salaries",
		          "duration_min", 90, "objectives", "Porter sans se blesser"));
	json_int_t action = id_of(r);
	json_decref(r);
	r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/sessions",
		json_pack("{s:I, s:s, s:i, s:s}", "action_id", action, "starts_at", "2025-06-10T09:00",
		          "capacity", 1, "place", "SPSTI, 10 rue de la Santé, Lyon"));
	T.session = id_of(r);
	json_decref(r);
	registration(T.lea);
	registration(T.marc);
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	return world_teardown(state);
}

static void test_cancel_session(void **state)
{
	(void)state;
	char path[128];
	int status = 0;

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/cancel",
	         (long long)T.session);
	/* An employer may not; a reason is required. */
	json_decref(call(T.employer, "POST", path, json_pack("{s:s}", "reason", "Pas assez"),
	                 &status));
	assert_int_equal(status, 403);
	json_t *r = call(T.staff, "POST", path, json_object(), &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(json_object_get(r, "error"), "fields"), 0), "field")), "reason");
	json_decref(r);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_registration"
	                          " WHERE status = 'cancelled'"), 0);

	r = expect(200, T.staff, "POST", path,
	           json_pack("{s:s}", "reason", "L'intervenante est souffrante."));
	assert_int_equal(json_integer_value(json_object_get(r, "places_cancelled")), 2);
	json_decref(r);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_registration"
	                          " WHERE status = 'cancelled'"), 2);
	assert_int_equal(wait_mails("rh@garnier.test", "annulation", "intervenante est souffrante",
	                            2), 2);
	assert_int_equal(count_mails("rh@garnier.test", "annulation", "Marc Blanc"), 1);
	assert_int_equal(wait_mails("lea.roux@perso.test", "annulation", "Bonjour Madame Roux,", 1),
	                 1);
	assert_int_equal(count_mails("lea.roux@perso.test", "annulation",
	                             "à laquelle vous étiez inscrite, est annulée"), 1);
	/* Once cancelled, a second time is a conflict, and the session is listed so. */
	json_decref(call(T.staff, "POST", path, json_pack("{s:s}", "reason", "Encore"), &status));
	assert_int_equal(status, 409);
	r = get(T.staff, "/api/v1/svc/awareness/sessions/%lld", (long long)T.session);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "cancelled");
	json_decref(r);

	/* The reminder due on 8 June finds the session cancelled. */
	free(T.staff);
	free(T.employer);
	restart_at("2025-06-08T07:30:00Z");
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.employer = login("rh@garnier.test", EMPLOYER_PASSWORD);
	for (int i = 0; i < 100 && db_count("SELECT count(*) FROM core_job WHERE kind IN"
	                                    " ('awareness.reminder', 'mail.send')"
	                                    " AND state NOT IN ('done', 'dead')") > 0; i++)
		usleep(50000);
	assert_int_equal(count_mails("rh@garnier.test", "rappel", NULL), 0);
	assert_int_equal(count_mails("lea.roux@perso.test", "rappel", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cancel_session),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
