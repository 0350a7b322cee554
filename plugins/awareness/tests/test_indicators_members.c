/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The share of companies having benefited from awareness (3.4.1.4) is out of
 * every company that was a member during the period (issue 16 item 8),
 * through the real `socle serve`: a member with workers, a member that has
 * declared none yet, and an applicant never approved. The applicant is not
 * a member; the member without workers is one, and counts in the whole (it
 * was left out, which overstated the share). */
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
	char *staff, *emp_a, *emp_b;
	json_int_t a, b;
} T;

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-indicators-members", NULL, false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.a = member_company(T.staff, "73282932000074", "Électricité Garnier", "rh@garnier.test",
	                     &T.emp_a);
	T.b = member_company(T.staff, "44306184100005", "Plomberie Morel", "rh@morel.test",
	                     &T.emp_b);
	worker(T.emp_a, T.a, "G-1", "Roux", "Léa");
	/* An application never approved: not a member. */
	json_decref(expect(201, NULL, "POST", "/api/v1/svc/membership/applications",
	                   application("40483304800022", "Toitures Candidat", "rh@candidat.test")));
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.emp_a);
	free(T.emp_b);
	return world_teardown(state);
}

static json_int_t total(const char *query)
{
	json_t *r = get(T.staff, "/api/v1/svc/awareness/indicators%s", query);
	json_int_t n = json_integer_value(json_object_get(json_object_get(r, "companies"), "total"));

	json_decref(r);
	return n;
}

static void test_every_member_counts(void **state)
{
	(void)state;
	assert_int_equal(total(""), 2);
	assert_int_equal(total("?naf_division=43"), 2); /* tracking_world's NAF 43.22A */
	assert_int_equal(total("?naf_division=86"), 0);
	/* A period that ends before they joined (today, 2 June 2025): none. */
	assert_int_equal(total("?from=2020-01-01&to=2024-12-31"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_member_counts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
