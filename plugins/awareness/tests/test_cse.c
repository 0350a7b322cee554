/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* CSE expertise (seed 3.4.2) through the real `socle serve` (membership,
 * riskeval and awareness, frozen clock 2025-06-02T08:00:00Z, moved by a
 * restart): a company asks for a professional at its CSE meeting (date,
 * agenda points), the service's desk is told by mail and the event
 * cse_expertise.requested is recorded; staff assign an IPRP and the company's
 * contacts are mailed his name, his role and the meeting's date; after the
 * meeting, what was presented is recorded; a later request shows the
 * company's activity: sessions attended, the advice riskeval recorded for it
 * (not another company's), its earlier CSE requests with what was presented.
 * Bad input is a 422 per field and mails nobody; another company's employer
 * sees nothing of it. */
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
	char *staff, *employer, *employer2;
	json_int_t company, company2;
} T;

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-cse", NULL, true) != 0)
		return -1;
	user_add("iprp@svc.test", "iprp", STAFF_PASSWORD, "--name 'Claire Bonnet'");
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	free(T.employer2);
	return world_teardown(state);
}

/* Wait until the loop thread delivered every amt.recorded event. */
static void wait_delivered(void)
{
	for (int i = 0; i < 200 && db_count("SELECT count(*) FROM core_event WHERE name ="
	                                    " 'amt.recorded' AND delivered_at IS NULL") > 0; i++)
		usleep(20000);
	assert_int_equal(db_count("SELECT count(*) FROM core_event WHERE name = 'amt.recorded'"
	                          " AND delivered_at IS NULL"), 0);
}

static void test_cse_expertise(void **state)
{
	(void)state;
	char path[160];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/cse-requests",
	         (long long)T.company);
	assert_int_equal(status_of(T.employer, "POST", path,
	                           json_pack("{s:s, s:[]}", "meeting_on", "2025-05-01", "agenda")), 422);
	assert_int_equal(status_of(T.employer2, "POST", path,
	                           json_pack("{s:s, s:[s]}", "meeting_on", "2025-06-20", "agenda",
	                                     "Bruit")), 403);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_cse_request"), 0);
	json_t *r = expect(201, T.employer, "POST", path,
		json_pack("{s:s, s:[s, s]}", "meeting_on", "2025-06-20", "agenda",
		          "Bilan des accidents du travail", "Prévention du bruit dans l'atelier"));
	json_int_t id = id_of(r);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "requested");
	assert_int_equal(json_array_size(json_object_get(r, "agenda")), 2);
	json_decref(r);
	assert_int_equal(wait_mails("accueil@svc.test", "cse", "CSE du 20 juin 2025", 1), 1);
	assert_int_equal(db_count("SELECT count(*) FROM core_event WHERE name = 'cse_expertise.requested'"),
	                 1);

	/* The desk assigns an IPRP (a member of the staff, not the employer). */
	char *iprp = login("iprp@svc.test", STAFF_PASSWORD);
	r = get(iprp, "/api/v1/svc/auth/me");
	json_int_t pro = json_integer_value(json_object_get(json_object_get(r, "user"), "id"));
	json_decref(r);
	r = get(T.employer, "/api/v1/svc/auth/me");
	json_int_t boss = json_integer_value(json_object_get(json_object_get(r, "user"), "id"));
	json_decref(r);
	r = get(T.staff, "/api/v1/svc/awareness/cse-requests?status=requested");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	/* The queue says what each meeting is about: its agenda, as a list. */
	json_t *agenda = json_object_get(json_array_get(json_object_get(r, "items"), 0), "agenda");
	assert_int_equal(json_array_size(agenda), 2);
	assert_string_equal(json_string_value(json_array_get(agenda, 1)),
	                    "Prévention du bruit dans l'atelier");
	json_decref(r);
	/* The desk chooses among the service's active team, each named with his
	 * role in French; the employer is not one of them and may not ask. */
	r = get(T.staff, "/api/v1/svc/awareness/cse-professionals");
	json_t *team = json_object_get(r, "items");
	assert_int_equal(json_array_size(team), 2); /* admin and iprp */
	json_t *claire = json_array_get(team, 1);
	assert_int_equal(json_integer_value(json_object_get(claire, "id")), pro);
	assert_string_equal(json_string_value(json_object_get(claire, "name")), "Claire Bonnet");
	assert_string_equal(json_string_value(json_object_get(claire, "role_label")),
	                    "intervenant(e) en prévention des risques professionnels (IPRP)");
	json_decref(r);
	assert_int_equal(status_of(T.employer, "GET", "/api/v1/svc/awareness/cse-professionals", NULL),
	                 403);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/cse-requests/%lld/assign", (long long)id);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:I}", "professional_id", pro)),
	                 403);
	assert_int_equal(status_of(T.staff, "POST", path, json_pack("{s:I}", "professional_id", boss)), 422);
	assert_int_equal(count_mails("rh@garnier.test", "cse", NULL), 0); /* refused: nobody told */
	r = expect(200, iprp, "POST", path, json_pack("{s:I}", "professional_id", pro));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "assigned");
	assert_int_equal(json_integer_value(json_object_get(r, "professional_id")), pro);
	assert_string_equal(json_string_value(json_object_get(r, "professional_role")), "iprp");
	json_decref(r);
	/* The company's contacts learn who comes, as what, and when. */
	assert_int_equal(wait_mails("rh@garnier.test", "cse", "Claire Bonnet", 1), 1);
	assert_int_equal(count_mails("rh@garnier.test", "cse",
	                             "intervenant(e) en prévention des risques professionnels (IPRP)"), 1);
	assert_int_equal(count_mails("rh@garnier.test", "cse", "réunion de votre CSE du 20 juin 2025"),
	                 1);
	assert_int_equal(count_mails("rh@morel.test", "cse", NULL), 0);

	/* Not before the meeting; then what was presented. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/cse-requests/%lld/record", (long long)id);
	assert_int_equal(status_of(iprp, "POST", path, json_pack("{s:s}", "presented", "x")), 409);
	free(iprp);
	restart_at("2025-06-21T08:00:00Z");
	free(T.staff);
	free(T.employer);
	free(T.employer2);
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.employer = login("rh@garnier.test", EMPLOYER_PASSWORD);
	T.employer2 = login("rh@morel.test", EMPLOYER_PASSWORD);
	iprp = login("iprp@svc.test", STAFF_PASSWORD);
	assert_int_equal(status_of(iprp, "POST", path, json_pack("{s:s}", "presented", "")), 422);
	r = expect(200, iprp, "POST", path, json_pack("{s:s}", "presented",
		"Présentation de la démarche de prévention du bruit et des résultats des mesures."));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "held");
	json_decref(r);

	/* riskeval records an advice to Garnier, another to Morel. */
	snprintf(path, sizeof(path), "/api/v1/svc/riskeval/companies/%lld/amt", (long long)T.company);
	json_decref(expect(201, T.staff, "POST", path,
		json_pack("{s:s, s:s, s:[s], s:s}", "type", "conseil", "done_on", "2025-05-10",
		          "professionals", "Claire Bonnet, IPRP", "outcome",
		          "Conseils sur le port des protections auditives.")));
	snprintf(path, sizeof(path), "/api/v1/svc/riskeval/companies/%lld/amt", (long long)T.company2);
	json_decref(expect(201, T.staff, "POST", path,
		json_pack("{s:s, s:s, s:[s], s:s}", "type", "conseil_duerp", "done_on", "2025-05-12",
		          "professionals", "Claire Bonnet, IPRP", "outcome", "Aide au DUERP.")));
	wait_delivered();

	/* The company reads it, with its activity; the other company does not. */
	r = get(T.employer, "/api/v1/svc/awareness/cse-requests/%lld", (long long)id);
	assert_non_null(strstr(json_string_value(json_object_get(r, "presented")), "bruit"));
	json_t *activity = json_object_get(r, "activity");
	assert_true(json_is_array(json_object_get(activity, "sessions")));
	assert_int_equal(json_array_size(json_object_get(activity, "cse_requests")), 0); /* none before */
	assert_true(json_is_null(json_object_get(r, "barometer")));
	json_decref(r);

	/* A second request: its activity shows the advice and the first request. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/cse-requests",
	         (long long)T.company);
	r = expect(201, T.employer, "POST", path,
	           json_pack("{s:s, s:[s]}", "meeting_on", "2025-09-15", "agenda", "Risque électrique"));
	json_int_t id2 = id_of(r);
	json_decref(r);
	r = get(iprp, "/api/v1/svc/awareness/cse-requests/%lld", (long long)id2);
	activity = json_object_get(r, "activity");
	json_t *advice = json_object_get(activity, "advice");
	assert_int_equal(json_array_size(advice), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(advice, 0), "given_on")),
	                    "2025-05-10");
	assert_string_equal(json_string_value(json_object_get(json_array_get(advice, 0), "type")),
	                    "conseil");
	json_t *before = json_object_get(activity, "cse_requests");
	assert_int_equal(json_array_size(before), 1);
	json_t *first = json_array_get(before, 0);
	assert_int_equal(json_integer_value(json_object_get(first, "id")), id);
	assert_string_equal(json_string_value(json_object_get(first, "meeting_on")), "2025-06-20");
	assert_int_equal(json_array_size(json_object_get(first, "agenda")), 2);
	assert_non_null(strstr(json_string_value(json_object_get(first, "presented")), "bruit"));
	assert_string_equal(json_string_value(json_object_get(first, "professional_name")),
	                    "Claire Bonnet");
	json_decref(r);
	free(iprp);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/cse-requests/%lld", (long long)id);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/cse-requests",
	         (long long)T.company);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
	r = get(T.employer, "%s", path);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	json_decref(r);
	assert_int_equal(status_of(T.employer2, "GET", "/api/v1/svc/awareness/cse-requests", NULL), 403);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cse_expertise),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
