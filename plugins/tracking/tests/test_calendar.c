/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Issue 10 item 3: assignment and booking respect the calendar of the visit
 * itself. A reprise visit for a sick leave that ends on 2025-07-14 can only
 * take place from the day of return, 2025-07-15, and at the latest 8 days
 * later (R4624-31): the request carries that window from the rule pack, the
 * automatic assignment never books a slot during the leave, and neither can
 * the employer choosing among offered slots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server.h"
#include "tracking_world.h"

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-07-01T08:00:00Z");

	/* The service's identity: how people reach it (docs/config.md). */
	json_object_set_new(json_array_get(json_object_get(cfg, "services"), 0), "identity",
	                    json_pack("{s:s, s:s}", "phone", "04 78 00 00 00", "email",
	                              "accueil@svc.test"));

	if (test_deploy_create(&D, "tracking-calendar", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

static json_int_t slot_at(const char *staff, json_int_t pro, const char *at, bool offered)
{
	json_t *r = expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	                   json_pack("{s:I, s:s, s:i, s:b}", "professional_id", pro, "starts_at", at,
	                             "duration_min", 30, "offered", offered));
	json_int_t id = id_of(json_array_get(json_object_get(r, "items"), 0));

	json_decref(r);
	return id;
}

static void test_reprise_after_the_leave(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *employer = NULL, path[256];
	(void)state;

	json_int_t company = member_company(staff, "81234567600017", "Garnier Électricité",
	                                    "ines@garnier.test", &employer);
	json_int_t w = worker(employer, company, "G-1", "Roux", "Léa");
	json_t *r = expect(201, employer, "POST", "/api/v1/svc/tracking/leaves",
	                   json_pack("{s:I, s:I, s:s, s:s, s:s}", "worker_id", w, "company_id",
	                             company, "cause", "maladie", "start", "2025-04-01",
	                             "expected_end", "2025-07-14"));
	json_int_t leave = id_of(r);
	json_decref(r);

	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "medecin@svc.test", "site", "Lyon"));
	json_int_t pro = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	/* During the leave (free and offered), then on the day of return. */
	json_int_t during = slot_at(staff, pro, "2025-07-03T09:00", false);
	json_int_t offered_during = slot_at(staff, pro, "2025-07-04T09:00", true);
	json_int_t after = slot_at(staff, pro, "2025-07-16T09:00", false);
	(void)during;

	r = expect(201, employer, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s, s:I}", "worker_id", w, "company_id", company, "type",
	                     "visite_reprise", "leave_id", leave));
	json_int_t request = id_of(r);
	/* The window of the visit, from the rule pack (R4624-31). */
	assert_non_null(json_object_get(r, "not_before"));
	assert_string_equal(json_string_value(json_object_get(r, "not_before")), "2025-07-15");
	assert_string_equal(json_string_value(json_object_get(r, "due_before")), "2025-07-23");
	json_decref(r);

	/* The employer cannot take an offered slot during the leave. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visit-requests/%lld/book", (long long)request);
	r = expect(422, employer, "POST", path, json_pack("{s:I}", "slot_id", offered_during));
	char *text = json_dumps(r, 0);
	assert_non_null(strstr(text, "avant la date"));
	free(text);
	json_decref(r);

	/* The automatic assignment takes the first slot of the window. */
	json_decref(expect(200, staff, "POST", "/api/v1/svc/tracking/assignments/run", json_object()));
	r = get(staff, "/api/v1/svc/tracking/visit-requests/%lld", (long long)request);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "scheduled");
	assert_int_equal(json_integer_value(json_object_get(r, "slot_id")), after);
	json_decref(r);
	free(employer);
	free(staff);
}

/* Issue 10 item 4: an automatic booking leaves the worker and the employer
 * time to be warned (the minimum notice: by default the cancellation
 * cut-off, 48 h), and a refusal past the cut-off says how to reach the
 * service. */
static void test_notice_and_contact(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *employer = NULL, path[256];
	(void)state;

	json_int_t company = member_company(staff, "55210055400013", "Garage Petit",
	                                    "zoe@petit.test", &employer);
	json_int_t w = worker(employer, company, "P-1", "Petit", "Zoé");
	json_t *r = get(staff, "/api/v1/svc/tracking/professionals");
	json_int_t pro = json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"),
	                                                                   0), "user_id"));
	json_decref(r);
	/* The clock says 2025-07-01 08:00 UTC: a slot the same day, 3 h later (the
	 * earliest free one), and one three days later. */
	json_int_t soon = slot_at(staff, pro, "2025-07-01T13:00", false);
	slot_at(staff, pro, "2025-07-04T10:00", false);
	r = expect(201, employer, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s}", "worker_id", w, "company_id", company, "type",
	                     "visite_a_la_demande"));
	json_int_t request = id_of(r);
	json_decref(r);
	json_decref(expect(200, staff, "POST", "/api/v1/svc/tracking/assignments/run", json_object()));
	r = get(staff, "/api/v1/svc/tracking/visit-requests/%lld", (long long)request);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "scheduled");
	assert_int_not_equal(json_integer_value(json_object_get(r, "slot_id")), soon);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_slot s JOIN tracking_visit_request r"
	                          " ON r.slot_id = s.id WHERE r.id = %lld AND s.starts_at >="
	                          " '2025-07-03T08:00'", (long long)request),
	                 1);

	/* Past the cut-off, the refusal gives the service's way to be reached. */
	restart_at("2025-07-03T12:00:00Z");
	free(employer);
	employer = login("zoe@petit.test", EMPLOYER_PASSWORD);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/cancel", (long long)request);
	r = expect(409, employer, "POST", path, json_pack("{s:s}", "reason", "Imprévu"));
	const char *msg = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
	assert_non_null(strstr(msg, "04 78 00 00 00"));
	json_decref(r);
	free(employer);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reprise_after_the_leave),
		cmocka_unit_test(test_notice_and_contact),
	};
	return cmocka_run_group_tests_name("tracking_calendar", tests, setup_http, world_teardown);
}
