/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The pass over every company (recommend_all.c, behind the staff's
 * "companies an action should reach and has not") and the route of one
 * company (GET /awareness/companies/{id}/recommendations) give the same
 * answers, item by item, reason by reason, through the real `socle serve`:
 *  - a member whose workers are exposed to noise (a workshop on noise, the
 *    NAF division's document, the employers' document),
 *  - a member that has declared no worker yet: its NAF division still calls
 *    for the division's document, so the staff must see it too,
 *  - a company that left the service: none of the staff's lists name it,
 *    though its workers are still on file.
 * The pass reads the companies through membership.v1's companies_each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"
#include "server.h"
#include "awareness_world.h"

static struct {
	char *staff, *emp_exposed, *emp_empty, *emp_left;
	json_int_t exposed, empty, left;
	json_int_t actions[3];
} T;

static json_int_t noise_worker(const char *auth, json_int_t company, const char *ref)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers",
	         (long long)company);
	json_t *r = expect(201, auth, "POST", path,
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "external_ref", ref, "last_name",
		          "Garnier", "first_name", "Inès", "birth_date", "1985-05-04", "job_title",
		          "Électricienne", "contract_type", "cdi", "start_date", "2015-09-01",
		          "exposures", "bruit"));
	json_int_t id = id_of(r);

	json_decref(r);
	return id;
}

static json_int_t action(json_t *body)
{
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions", body);
	json_int_t id = id_of(r);

	json_decref(r);
	return id;
}

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-recommend-all", NULL, false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	/* Every company of the world is in NAF 43.22A (tracking_world's application). */
	T.exposed = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.emp_exposed);
	T.empty = member_company(T.staff, "44306184100005", "Plomberie Morel", "rh@morel.test",
	                         &T.emp_empty);
	T.left = member_company(T.staff, "40483304800022", "Toitures Partie", "rh@partie.test",
	                        &T.emp_left);
	noise_worker(T.emp_exposed, T.exposed, "G-1");
	noise_worker(T.emp_exposed, T.exposed, "G-2");
	noise_worker(T.emp_left, T.left, "P-1");
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/leave",
	         (long long)T.left);
	json_decref(expect(200, T.staff, "POST", path, json_pack("{s:s}", "left_on", "2025-06-02")));

	T.actions[0] = action(json_pack("{s:s, s:s, s:s, s:[s], s:i, s:s, s:[s], s:[]}", "kind",
		"atelier", "title", "Prévenir les risques liés au bruit", "format", "service",
		"audience", "salaries", "duration_min", 120, "objectives",
		"Connaître les effets du bruit et les protections", "risks", "bruit", "naf_divisions"));
	T.actions[1] = action(json_pack("{s:s, s:s, s:s, s:[s], s:s, s:[], s:[s]}", "kind",
		"document", "title", "Le chantier du second œuvre : les risques du métier", "url",
		"https://prevention.svc.test/second-oeuvre.pdf", "audience", "employeurs",
		"objectives", "Repérer les risques du métier", "risks", "naf_divisions", "43"));
	T.actions[2] = action(json_pack("{s:s, s:s, s:s, s:[s], s:s, s:[], s:[]}", "kind",
		"document", "title", "Évaluer les risques : le document unique", "url",
		"https://prevention.svc.test/duerp.pdf", "audience", "employeurs", "objectives",
		"Rédiger et tenir à jour le DUERP", "risks", "naf_divisions"));
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.emp_exposed);
	free(T.emp_empty);
	free(T.emp_left);
	return world_teardown(state);
}

/* The reason the route gives @p company for @p action, NULL when it does not
 * propose it. */
static const char *route_reason(const json_t *route, json_int_t action)
{
	size_t i;
	const json_t *it;

	json_array_foreach(json_object_get(route, "items"), i, it)
		if (json_integer_value(json_object_get(it, "action_id")) == action)
			return json_string_value(json_object_get(it, "reason"));
	return NULL;
}

static void test_pass_and_route_agree(void **state)
{
	(void)state;
	json_int_t members[] = {T.exposed, T.empty};
	json_t *route[2];
	for (size_t c = 0; c < 2; c++)
		route[c] = get(T.staff, "/api/v1/svc/awareness/companies/%lld/recommendations",
		               (long long)members[c]);
	/* The company without workers is still proposed its division's document. */
	assert_non_null(route_reason(route[1], T.actions[1]));
	assert_null(route_reason(route[1], T.actions[0]));
	assert_non_null(route_reason(route[0], T.actions[0]));

	size_t proposed = 0;
	for (size_t a = 0; a < 3; a++) {
		json_t *r = get(T.staff, "/api/v1/svc/awareness/actions/%lld/unreached",
		                (long long)T.actions[a]);
		const json_t *items = json_object_get(r, "items");
		size_t i;
		const json_t *it;
		/* Each company the pass names: a member, with the route's very reason
		 * and the company's name. */
		json_array_foreach(items, i, it) {
			json_int_t company = json_integer_value(json_object_get(it, "company_id"));
			assert_int_not_equal(company, T.left);
			size_t c = company == T.exposed ? 0 : 1;
			assert_int_equal(company, members[c]);
			const char *want = route_reason(route[c], T.actions[a]);
			if (want == NULL)
				fail_msg("the pass proposes action %lld to company %lld, the route does not",
				         (long long)T.actions[a], (long long)company);
			assert_string_equal(json_string_value(json_object_get(it, "reason")), want);
			assert_string_equal(json_string_value(json_object_get(it, "legal_name")),
			                    c == 0 ? "Électricité Garnier" : "Plomberie Morel");
		}
		/* Each member the route proposes the action to is in the pass's list. */
		for (size_t c = 0; c < 2; c++) {
			bool listed = false;
			json_array_foreach(items, i, it)
				listed |= json_integer_value(json_object_get(it, "company_id")) == members[c];
			if ((route_reason(route[c], T.actions[a]) != NULL) != listed)
				fail_msg("action %lld, company %lld: route %s, pass %s",
				         (long long)T.actions[a], (long long)members[c],
				         route_reason(route[c], T.actions[a]) ? "yes" : "no",
				         listed ? "yes" : "no");
			proposed += listed;
		}
		json_decref(r);
	}
	/* noise: the exposed company; division 43: both; the DUERP document, which
	 * names no risk nor division, to none (no company has a low awareness
	 * prevention score here). */
	assert_int_equal(proposed, 3);
	json_decref(route[0]);
	json_decref(route[1]);
}

/* Is @p company in the staff's list of those the workshop has not reached? */
static bool unreached(json_int_t action, json_int_t company)
{
	json_t *r = get(T.staff, "/api/v1/svc/awareness/actions/%lld/unreached",
	                (long long)action);
	size_t i;
	const json_t *it;
	bool found = false;

	json_array_foreach(json_object_get(r, "items"), i, it)
		found |= json_integer_value(json_object_get(it, "company_id")) == company;
	json_decref(r);
	return found;
}

/* A company with a place at a session to come is reached; once the session is
 * held without its worker (absent), it is not: it comes back to the list. */
static void test_unreached_after_absence(void **state)
{
	(void)state;
	char path[160];

	assert_true(unreached(T.actions[0], T.exposed));
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/sessions",
		json_pack("{s:I, s:s, s:i, s:s}", "action_id", T.actions[0], "starts_at",
		          "2025-06-02T10:30", "capacity", 10, "place", "SPSTI, Lyon"));
	json_int_t session = id_of(r);
	json_decref(r);
	json_t *workers = get(T.emp_exposed, "/api/v1/svc/membership/companies/%lld/workers",
	                      (long long)T.exposed);
	json_int_t worker = json_integer_value(json_object_get(json_array_get(
		json_object_get(workers, "items"), 0), "id"));
	json_decref(workers);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/registrations",
	         (long long)session);
	r = expect(201, T.emp_exposed, "POST", path,
	           json_pack("{s:I, s:I}", "company_id", T.exposed, "worker_id", worker));
	json_int_t registration = id_of(r);
	json_decref(r);
	assert_false(unreached(T.actions[0], T.exposed));

	free(T.staff);
	free(T.emp_exposed);
	restart_at("2025-06-02T12:00:00Z"); /* 14:00 in Lyon: the session is over */
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.emp_exposed = login("rh@garnier.test", EMPLOYER_PASSWORD);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/attendance",
	         (long long)session);
	json_decref(expect(200, T.staff, "POST", path,
	                   json_pack("{s:[], s:[I]}", "present", "absent", registration)));
	assert_true(unreached(T.actions[0], T.exposed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_and_route_agree),
		cmocka_unit_test(test_unreached_after_absence),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
