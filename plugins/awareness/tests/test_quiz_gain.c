/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A workshop that lowered what its participants knew (issue 16 item 4): the
 * group's mean knowledge gain is negative and must be rounded like a positive
 * one, to the nearest tenth, half away from zero. Léa 60 → 37 (−23) and Marc
 * 50 → 26 (−24): the mean is −23.5, in the session's results and in the
 * indicators, never −23.4 (the truncation toward zero of −234.5 tenths). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "awareness_world.h"
#include "http_client.h"
#include "server.h"

static struct {
	char *staff, *employer;
	json_int_t company, session;
} T;

static json_int_t registered(json_int_t worker)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/registrations",
	         (long long)T.session);
	json_t *r = expect(201, T.employer, "POST", path,
	                   json_pack("{s:I, s:I}", "company_id", T.company, "worker_id", worker));
	json_int_t id = id_of(r);
	json_decref(r);
	return id;
}

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-quiz-gain", NULL, false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:i, s:s, s:b}", "kind", "atelier", "title",
		          "Le bruit au travail", "format", "service", "audience", "salaries",
		          "duration_min", 60, "objectives", "Se protéger du bruit", "has_quiz", 1));
	json_int_t action = id_of(r);
	json_decref(r);
	r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/sessions",
		json_pack("{s:I, s:s, s:i, s:s}", "action_id", action, "starts_at", "2025-06-02T14:00",
		          "capacity", 5, "place", "SPSTI, 10 rue de la Santé, Lyon"));
	T.session = id_of(r);
	json_decref(r);
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	return world_teardown(state);
}

static void quiz(json_int_t registration, int before, int after)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/registrations/%lld/quiz",
	         (long long)registration);
	json_decref(expect(200, T.staff, "POST", path,
	                   json_pack("{s:i, s:i}", "score_before", before, "score_after", after)));
}

static void test_negative_gain_rounds_like_a_positive_one(void **state)
{
	(void)state;
	char path[128];
	json_int_t lea = worker(T.employer, T.company, "G-1", "Roux", "Léa");
	json_int_t marc = worker(T.employer, T.company, "G-2", "Blanc", "Marc");
	json_int_t r_lea = registered(lea);
	json_int_t r_marc = registered(marc);

	restart_at("2025-06-02T15:30:00Z"); /* 17:30 in Lyon: the workshop is over */
	free(T.staff); /* a restart ends the sessions */
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/attendance",
	         (long long)T.session);
	json_decref(expect(200, T.staff, "POST", path,
	                   json_pack("{s:[I, I]}", "present", r_lea, r_marc)));
	quiz(r_lea, 60, 37);
	quiz(r_marc, 50, 26);

	json_t *r = get(T.staff, "/api/v1/svc/awareness/sessions/%lld/results", (long long)T.session);
	json_t *g = json_object_get(r, "group");
	assert_true(json_real_value(json_object_get(g, "mean_before")) == 55.0);
	assert_true(json_real_value(json_object_get(g, "mean_after")) == 31.5);
	assert_true(json_real_value(json_object_get(g, "knowledge_gain")) == -23.5);
	json_decref(r);
	r = get(T.staff, "/api/v1/svc/awareness/indicators");
	assert_int_equal(json_integer_value(json_object_get(r, "quizzes")), 2);
	assert_true(json_real_value(json_object_get(r, "knowledge_gain")) == -23.5);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negative_gain_rounds_like_a_positive_one),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
