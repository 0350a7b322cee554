/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Issue 10 item 13, end to end through the real `socle serve`: the employer
 * declares membership's facts (a change of assignment on the day it takes
 * effect, the end of a SIR exposure, an exit for retirement), tracking's copy
 * follows through membership.v1 and the engine owes the visits they set:
 *  - a day worker moving to nights on a future date: a VIP before that date
 *    (R4624-18);
 *  - a move to asbestos removal (SIR): an EMA before the date (R4624-24);
 *  - a SIR worker retiring on 2025-09-30: post-exposition, the worker may ask
 *    for it from 2025-08-30 to 2026-03-31 (TC31, R4624-28-2; one month
 *    before, read the way most favourable to the worker: item 11);
 *  - the end of an exposure (exposures emptied, effective_on): post-exposition;
 *  - a retiree never in SIR nor exposed: none (TC32, R4624-28-1);
 *  - another company's employer: 403 on the declaration.
 * The business clock is frozen on 3 Nov 2025. */
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

static struct {
	char *staff, *employer, *other;
	json_int_t company, other_company;
} A;

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-11-03T08:00:00Z");

	if (test_deploy_create(&D, "tracking-assignment", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	if (test_server_start_deploy(&S, &D) != 0)
		return -1;
	A.staff = login("admin@svc.test", STAFF_PASSWORD);
	A.company = member_company(A.staff, "73282932000074", "Désamiantage Roux",
	                           "contact@roux.test", &A.employer);
	A.other_company = member_company(A.staff, "81234567600017", "Atelier Morel",
	                                 "contact@morel.test", &A.other);
	return 0;
}

static int teardown(void **state)
{
	free(A.staff);
	free(A.employer);
	free(A.other);
	return world_teardown(state);
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *visit_of(const json_t *answer, const char *type)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(answer, "visits"), i, v)
		if (strcmp(str(v, "type"), type) == 0)
			return v;
	return NULL;
}

static bool has_basis(const json_t *v, const char *article)
{
	size_t i;
	json_t *a;

	json_array_foreach(json_object_get(v, "basis"), i, a)
		if (strcmp(json_string_value(a), article) == 0)
			return true;
	return false;
}

/* The worker's next visits as the employer reads them; NULL while tracking's
 * copy does not have the worker yet (404: the declaration's event is
 * delivered after the commit). */
static json_t *next_visits(json_int_t worker)
{
	char path[128];
	int status = 0;

	snprintf(path, sizeof(path), "/api/v1/svc/tracking/workers/%lld/next-visits",
	         (long long)worker);
	json_t *r = call(A.employer, "GET", path, NULL, &status);
	if (status == 404) {
		json_decref(r);
		return NULL;
	}
	assert_int_equal(status, 200);
	return r;
}

/* The worker's next visits as the employer reads them, once the visit
 * @p type with @p key = @p value is there (the copy follows membership's
 * events after the commit: bounded wait). A new reference. */
static json_t *next_visits_with(json_int_t worker, const char *type, const char *key,
                                const char *value)
{
	json_t *r = NULL;

	for (int tries = 0; tries < 200; tries++) {
		json_decref(r);
		r = next_visits(worker);
		json_t *v = r ? visit_of(r, type) : NULL;
		if (v != NULL && str(v, key) != NULL && strcmp(str(v, key), value) == 0)
			return r;
		usleep(20000);
	}
	char *t = json_dumps(r, JSON_INDENT(1));
	fail_msg("pas de visite %s avec %s = %s dans :\n%s", type, key, value, t);
	return NULL;
}

static void patch_worker(const char *auth, int want, json_int_t worker, json_t *body)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers/%lld",
	         (long long)A.company, (long long)worker);
	json_decref(expect(want, auth, "PATCH", path, body));
}

static void exit_worker(json_int_t worker, const char *end_date, const char *reason)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers/%lld/exit",
	         (long long)A.company, (long long)worker);
	json_decref(expect(200, A.employer, "POST", path,
	                   json_pack("{s:s, s:s}", "end_date", end_date, "end_reason", reason)));
}

/* A worker exposed to asbestos (SIR) since @p start. */
static json_int_t hire_sir(const char *ref, const char *birth, const char *start)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers",
	         (long long)A.company);
	json_t *r = expect(201, A.employer, "POST", path,
	                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "external_ref",
	                             ref, "last_name", "Roux", "first_name", "Inès", "birth_date",
	                             birth, "job_title", "Désamianteuse", "contract_type", "cdi",
	                             "start_date", start, "exposures", "amiante"));
	json_int_t id = id_of(r);

	assert_string_equal(str(r, "category"), "SIR");
	json_decref(r);
	return id;
}

static void test_move_to_nights(void **state)
{
	(void)state;
	json_int_t w = hire(A.employer, A.company, "N-1", "Petit", "Jules", "cdi", "2025-06-02");

	/* Another company's employer may not declare it; nothing changes. */
	patch_worker(A.other, 403, w, json_pack("{s:b, s:s}", "night_worker", 1, "effective_on",
	                                        "2025-12-01"));
	/* The employer plans the move to nights on 1 Dec 2025. */
	patch_worker(A.employer, 200, w, json_pack("{s:b, s:s}", "night_worker", 1, "effective_on",
	                                           "2025-12-01"));
	json_t *r = next_visits_with(w, "vip_initiale", "before", "2025-12-01");
	json_t *v = visit_of(r, "vip_initiale");

	assert_true(has_basis(v, "R4624-18"));
	assert_string_equal(str(v, "who"), "professionnel_sante");
	assert_false(json_is_true(json_object_get(v, "overdue")));
	json_decref(r);
}

static void test_move_to_sir_post(void **state)
{
	(void)state;
	json_int_t w = worker(A.employer, A.company, "S-1", "Blanc", "Hugo");

	patch_worker(A.employer, 200, w, json_pack("{s:s, s:[s], s:s}", "job_title",
	                                           "Désamianteur", "exposures", "amiante",
	                                           "effective_on", "2026-01-05"));
	json_t *r = next_visits_with(w, "ema_initial", "before", "2026-01-05");
	json_t *v = visit_of(r, "ema_initial");

	assert_true(has_basis(v, "R4624-24"));
	assert_string_equal(str(v, "who"), "medecin");
	json_decref(r);
}

static void test_sir_retiree(void **state)
{
	(void)state;
	json_int_t w = hire_sir("R-1", "1962-04-01", "2000-01-03");

	exit_worker(w, "2025-09-30", "retraite");
	json_t *r = next_visits_with(w, "post_exposition", "latest", "2026-03-31");
	json_t *v = visit_of(r, "post_exposition");

	/* TC31: the window the worker may ask for it in, opening one month
	 * before the exit: 30 August (CPC art. 641), wider than the month-end
	 * reading's 31 August (issue 10 item 11). */
	assert_string_equal(str(v, "earliest"), "2025-08-30");
	assert_string_equal(str(v, "who"), "medecin");
	assert_true(has_basis(v, "R4624-28-2"));
	assert_int_equal(json_array_size(json_object_get(r, "visits")), 1);
	json_decref(r);
}

static void test_end_of_exposure(void **state)
{
	(void)state;
	json_int_t w = hire_sir("E-1", "1980-02-10", "2015-09-01");

	patch_worker(A.employer, 200, w, json_pack("{s:s, s:[], s:s}", "job_title", "Magasinière",
	                                           "exposures", "effective_on", "2025-11-03"));
	json_t *r = next_visits_with(w, "post_exposition", "latest", "2026-05-03");
	json_t *v = visit_of(r, "post_exposition");

	assert_string_equal(str(v, "earliest"), "2025-10-03");
	assert_true(has_basis(v, "L4624-2-1"));
	json_decref(r);
}

static void test_retiree_never_exposed(void **state)
{
	(void)state;
	json_int_t w = worker(A.employer, A.company, "T-1", "Morel", "Anna");

	exit_worker(w, "2025-09-30", "retraite");
	/* Wait for the copy to know the exit (the note of TC32 then appears). */
	json_t *r = NULL;
	const char *want = "Aucune visite post-exposition";
	bool noted = false;

	for (int tries = 0; tries < 200 && !noted; tries++) {
		json_decref(r);
		r = next_visits(w);
		size_t i;
		json_t *n;

		json_array_foreach(json_object_get(r, "notes"), i, n)
			noted = noted || strstr(json_string_value(n), want) != NULL;
		if (!noted)
			usleep(20000);
	}
	assert_true(noted);
	assert_null(visit_of(r, "post_exposition"));
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_to_nights),
		cmocka_unit_test(test_move_to_sir_post),
		cmocka_unit_test(test_sir_retiree),
		cmocka_unit_test(test_end_of_exposure),
		cmocka_unit_test(test_retiree_never_exposed),
	};
	return cmocka_run_group_tests_name("tracking_assignment_change", tests, setup_http,
	                                   teardown);
}
