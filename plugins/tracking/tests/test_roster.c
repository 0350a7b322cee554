/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Tracking reads membership only through membership.v1, and keeps its own
 * copy of the workers it follows (roster.c): the copy follows declarations,
 * changes and exits through membership's events, is made again at start when
 * it falls short, and tracking's schema names no table of membership's
 * (migration 10) while keeping its own foreign keys. */
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
	json_t *cfg = world_config("2025-07-01T08:00:00Z");

	if (test_deploy_create(&D, "tracking-roster", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

/* Events are delivered by the loop thread after the commit: wait (bounded)
 * until @p sql counts @p want. */
static long long wait_count(long long want, const char *sql)
{
	long long n = -1;

	for (int tries = 0; tries < 200 && (n = db_count("%s", sql)) != want; tries++)
		usleep(20000);
	return n;
}

static void test_copy_follows_membership(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *employer = NULL, path[256];
	(void)state;

	json_int_t company = member_company(staff, "73282932000074", "Menuiserie Roux",
	                                    "contact@roux.test", &employer);
	json_int_t a = worker(employer, company, "R-1", "Roux", "Jeanne");
	json_int_t b = hire(employer, company, "R-2", "Blanc", "Hugo", "cdd", "2025-06-02");

	assert_int_equal(wait_count(2, "SELECT COUNT(*) FROM tracking_worker"), 2);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM tracking_worker WHERE id = %lld AND"
	         " company_id = %lld AND last_name = 'Blanc' AND contract_type = 'cdd' AND"
	         " start_date = '2025-06-02' AND category IS NOT NULL", (long long)b,
	         (long long)company);
	assert_int_equal(wait_count(1, sql), 1);

	/* A change through membership reaches the copy. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers/%lld",
	         (long long)company, (long long)a);
	json_decref(expect(200, employer, "PATCH", path,
	                   json_pack("{s:s, s:b}", "job_title", "Chef d'atelier", "night_worker", 1)));
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM tracking_worker WHERE id = %lld AND"
	         " job_title = 'Chef d''atelier' AND night_worker = 1", (long long)a);
	assert_int_equal(wait_count(1, sql), 1);

	/* So does an exit. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers/%lld/exit",
	         (long long)company, (long long)b);
	json_decref(expect(200, employer, "POST", path, json_pack("{s:s}", "end_date", "2025-06-30")));
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM tracking_worker WHERE id = %lld AND"
	         " end_date = '2025-06-30'", (long long)b);
	assert_int_equal(wait_count(1, sql), 1);

	/* A copy that falls short (a restore, a lost row) is made again at start. */
	db_exec("DELETE FROM tracking_worker");
	restart_at("2025-07-01T08:00:00Z");
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_worker"), 2);
	assert_int_equal(db_count("%s", sql), 1);
	free(staff);
	free(employer);
}

static void test_schema_names_no_other_owner(void **state)
{
	(void)state;
	/* No table of tracking's refers to membership's (migration 10)... */
	assert_int_equal(db_count("SELECT COUNT(*) FROM sqlite_schema WHERE name LIKE 'tracking%%'"
	                          " AND sql LIKE '%%membership%%'"), 0);
	/* ...the rebuilt tables kept their rows' references between tracking's
	 * own tables, and the whole database still checks. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM sqlite_schema WHERE name ="
	                          " 'tracking_reprise_warning' AND sql LIKE"
	                          " '%%REFERENCES tracking_leave%%'"), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'tracking_leave_worker'"),
	                 1);
}

/* Issue 10 item 7: what the employer sees is current. A worker declared now
 * is in the company's due visits at once (no wait for the nightly run), and
 * a change of the worker moves its next visit. */
static void test_due_visits_follow_declarations(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *employer = NULL, path[256];
	(void)state;

	json_int_t company = member_company(staff, "81234567600017", "Atelier Morel",
	                                    "contact@morel.test", &employer);
	json_int_t w = hire(employer, company, "M-1", "Morel", "Anna", "cdi", "2025-06-16");
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM tracking_due WHERE worker_id = %lld"
	         " AND next_due IS NOT NULL", (long long)w);
	assert_int_equal(wait_count(1, sql), 1);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/due-visits", (long long)company);
	json_t *r = get(employer, "%s", path);
	const json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "worker_id")), w);
	json_decref(r);

	/* The employer asks for the visit the engine owes without a deadline:
	 * the request gets the engine's (issue 10 item 6). */
	r = get(employer, "/api/v1/svc/tracking/workers/%lld/next-visits", (long long)w);
	const json_t *owed = json_array_get(json_object_get(r, "visits"), 0);
	char latest[11];
	snprintf(latest, sizeof(latest), "%s", json_string_value(json_object_get(owed, "latest"))
	         ? json_string_value(json_object_get(owed, "latest"))
	         : json_string_value(json_object_get(owed, "before")));
	assert_string_equal(json_string_value(json_object_get(owed, "type")), "vip_initiale");
	assert_string_equal(latest, "2025-09-16"); /* 3 months after the hire */
	json_decref(r);
	r = expect(201, employer, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s}", "worker_id", w, "company_id", company, "type",
	                     "vip_initiale"));
	assert_string_equal(json_string_value(json_object_get(r, "due_before")), latest);
	json_decref(r);
	free(employer);
	free(staff);
}

/* membership's employer roles hold on tracking's routes: a user the company
 * gave "déclaration" only may not book, cancel or move its visits (audited);
 * one with "convocation" may. */
static void test_convocation_role(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *admin = NULL, path[256],
	     token[65];
	(void)state;

	json_int_t company = member_company(staff, "44321876300003", "Boulangerie Petit",
	                                    "contact@petit.test", &admin);
	json_int_t w = worker(admin, company, "P-1", "Petit", "Louise");
	json_t *r = expect(201, admin, "POST", "/api/v1/svc/tracking/visit-requests",
	                   json_pack("{s:I, s:I, s:s}", "worker_id", w, "company_id", company, "type",
	                             "vip_initiale"));
	json_int_t request = id_of(r);
	json_decref(r);

	/* The administrator invites a colleague for the declarations only. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/users", (long long)company);
	json_decref(expect(201, admin, "POST", path,
	                   json_pack("{s:s, s:s, s:[s]}", "email", "rh@petit.test", "name",
	                             "Rémi Hoarau", "roles", "declaration")));
	assert_true(invitation_token("rh@petit.test", token));
	json_decref(expect(200, NULL, "POST", "/api/v1/svc/membership/invitations/accept",
	                   json_pack("{s:s, s:s}", "token", token, "password", EMPLOYER_PASSWORD)));
	char *decl = login("rh@petit.test", EMPLOYER_PASSWORD);

	long long denied = db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                            " 'tracking.convocation' AND outcome = 'denied'");
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/cancel", (long long)request);
	r = expect(403, decl, "POST", path, json_pack("{s:s}", "reason", "Plus utile"));
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
	                                                         "message")), "convocations"));
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visit-requests/%lld/book", (long long)request);
	json_decref(expect(403, decl, "POST", path, json_pack("{s:i}", "slot_id", 1)));
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'tracking.convocation' AND outcome = 'denied'"), denied + 2);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_request WHERE id = %lld AND"
	                          " status = 'queued'", (long long)request), 1);
	/* The administrator holds every role: the same cancellation goes through. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/cancel", (long long)request);
	json_decref(expect(200, admin, "POST", path, json_pack("{s:s}", "reason", "Plus utile")));
	free(decl);
	free(admin);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_follows_membership),
		cmocka_unit_test(test_schema_names_no_other_owner),
		cmocka_unit_test(test_convocation_role),
		cmocka_unit_test(test_due_visits_follow_declarations),
	};
	return cmocka_run_group_tests_name("tracking_roster", tests, setup_http, world_teardown);
}
