/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Demo data (setting demo_data): a service starting with an empty catalogue
 * gets a few actions and two sessions two and four weeks after the day of
 * the start (frozen clock 2025-06-02T08:00:00Z) and two training bodies in
 * the directory; a second start adds nothing. */
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

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-demo", json_pack("{s:b}", "demo_data", 1), false) != 0)
		return -1;
	return awareness_world_serve(NULL);
}

static void test_demo_data(void **state)
{
	(void)state;
	char *staff = login("admin@svc.test", STAFF_PASSWORD);
	json_t *r = get(staff, "/api/v1/svc/awareness/actions");

	assert_int_equal(json_array_size(json_object_get(r, "items")), 4);
	json_decref(r);
	r = get(staff, "/api/v1/svc/awareness/sessions");
	json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "starts_at")),
	                    "2025-06-16T09:00");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "starts_at")),
	                    "2025-06-30T14:00");
	json_decref(r);
	r = get(staff, "/api/v1/svc/awareness/training-bodies");
	items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")),
	                    "Formaprev Rhône");
	json_decref(r);
	free(staff);
	restart_at("2025-06-03T08:00:00Z");
	assert_int_equal(db_count("SELECT count(*) FROM awareness_action"), 4);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_session"), 2);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_training_body"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_data),
	};
	return cmocka_run_group_tests(tests, setup, world_teardown);
}
