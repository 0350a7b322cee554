/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The catalogue of actions through the real `socle serve` (membership and
 * awareness enabled, frozen clock 2025-06-02T08:00:00Z): staff create
 * workshops, e-learning and documents with their audience, duration,
 * objectives, risks and NAF divisions; bad input is a 422 naming each field
 * in French and creates nothing; an employer reads the catalogue but cannot
 * add to it. */
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
	char *staff, *employer;
	json_int_t company;
} T;

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-catalog", NULL, false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	return world_teardown(state);
}

static bool has_field(const json_t *r, const char *field)
{
	size_t i;
	const json_t *f;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f) {
		if (strcmp(json_string_value(json_object_get(f, "field")), field) == 0)
			return true;
	}
	return false;
}

static void test_catalogue(void **state)
{
	(void)state;
	int status;
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s, s], s:i, s:s, s:[s], s:[s], s:b}", "kind", "atelier",
		          "title", "Prévenir les risques liés au bruit", "format", "service", "audience",
		          "salaries", "employeurs", "duration_min", 120, "objectives",
		          "Connaître les effets du bruit et les protections", "risks", "bruit",
		          "naf_divisions", "43", "has_quiz", 1));
	json_int_t workshop = id_of(r);

	assert_string_equal(json_string_value(json_object_get(r, "kind")), "atelier");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "risks"), 0)), "bruit");
	assert_true(json_is_true(json_object_get(r, "has_quiz")));
	json_decref(r);
	json_decref(expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:s, s:[s], s:[]}", "kind", "document", "title",
		          "Fiche TMS", "url", "https://svc.test/docs/tms.pdf", "audience", "employeurs",
		          "objectives", "Repérer les gestes à risque", "risks", "port_de_charges",
		          "naf_divisions")));

	/* Each problem named on its field; nothing created. */
	r = call(T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:[s], s:s, s:[s], s:b}", "kind", "elearning", "title", "Module",
		          "audience", "inconnus", "objectives", "x", "naf_divisions", "4", "has_quiz", 1),
		&status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "url"));
	assert_true(has_field(r, "audience[0]"));
	assert_true(has_field(r, "naf_divisions"));
	assert_true(has_field(r, "duration_min"));
	json_decref(r);
	r = call(T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:[s], s:i, s:s}", "kind", "atelier", "title", "Sans format",
		          "audience", "salaries", "duration_min", 60, "objectives", "x"), &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "format"));
	json_decref(r);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_action"), 2);

	/* The employer reads the catalogue, filtered by risk, but cannot add to it. */
	json_decref(call(T.employer, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:s}", "kind", "document", "title", "x", "url",
		          "https://x.test", "audience", "cse", "objectives", "x"), &status));
	assert_int_equal(status, 403);
	r = get(T.employer, "/api/v1/svc/awareness/actions?risk=bruit");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(id_of(json_array_get(json_object_get(r, "items"), 0)), workshop);
	json_decref(r);
	r = get(T.employer, "/api/v1/svc/awareness/actions?kind=document");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	json_decref(call(T.employer, "GET", "/api/v1/svc/awareness/actions?kind=affiche", NULL, &status));
	assert_int_equal(status, 422);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
