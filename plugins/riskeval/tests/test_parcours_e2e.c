/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The pathways (issue 14 item 9) through the real `socle serve`: the fiche
 * d'entreprise's pathway of seed 3.2.2 (riskeval_parcours.lua, steps A to F)
 * moved by the plugin's real events, a step skipped when the fiche is drafted
 * at once, closed by the transmission; membership's "adhesion" pathway, whose
 * last step is fiche_entreprise, closed by fiche_entreprise.transmitted and
 * not before (validation alone leaves it open). Events are delivered by the
 * event loop, hence the polling of the instances. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "riskeval_world.h"

static struct {
	char *staff, *iprp, *medecin, *employer, *employer2;
	json_int_t company, company2;
} T;

static int setup(void **state)
{
	(void)state;
	if (riskeval_world_start("parcours", "2025-02-01T09:00:00Z", NULL) != 0)
		return -1;
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.iprp = login("iprp@svc.test", STAFF_PASSWORD);
	T.medecin = login("medecin@svc.test", STAFF_PASSWORD);
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.iprp);
	free(T.medecin);
	free(T.employer);
	free(T.employer2);
	return world_teardown(state);
}

/* The instance of @p parcours for @p company once its @p key is @p want
 * (polled: the event loop delivers events after the write), NULL after 5 s. */
static json_t *instance(const char *parcours, json_int_t company, const char *key,
                        const char *want)
{
	char path[200];
	int status = 0;

	snprintf(path, sizeof(path), "/api/v1/svc/parcours/instances?parcours=%s&subject_id=%lld",
	         parcours, (long long)company);
	for (int tries = 0; tries < 100; tries++) {
		json_t *r = call(T.staff, "GET", path, NULL, &status);
		json_t *it = json_array_get(json_object_get(r, "items"), 0);
		const char *v = it ? json_string_value(json_object_get(it, key)) : NULL;

		assert_int_equal(status, 200);
		if (v && strcmp(v, want) == 0) {
			json_incref(it);
			json_decref(r);
			return it;
		}
		json_decref(r);
		usleep(50000);
	}
	return NULL;
}

static void expect_step(const char *parcours, json_int_t company, const char *step)
{
	json_t *it = instance(parcours, company, "current_step", step);

	if (it == NULL)
		fail_msg("%s of company %lld never reached step %s", parcours, (long long)company,
		         step);
	assert_string_equal(json_string_value(json_object_get(it, "status")), "open");
	json_decref(it);
}

static void expect_closed(const char *parcours, json_int_t company)
{
	json_t *it = instance(parcours, company, "status", "closed");

	if (it == NULL)
		fail_msg("%s of company %lld never closed", parcours, (long long)company);
	json_decref(it);
}

static json_t *amt(const char *type)
{
	return json_pack("{s:s, s:s, s:[s], s:s}", "type", type, "done_on", "2025-02-01",
	                 "professionals", "IPRP", "outcome", "Relevé fait");
}

static void test_fiche_pathway_a_to_f(void **state)
{
	(void)state;
	/* A: the company joined; membership's pathway waits for the fiche. */
	expect_step("fiche_entreprise", T.company, "collecte");
	expect_step("adhesion", T.company, "fiche_entreprise");

	json_decref(expect(200, T.employer, "PUT", company_path(T.company, "/self-assessment/risques"),
	                   json_pack("{s:[{s:s}]}", "risques", "code", "bruit")));
	expect_step("fiche_entreprise", T.company, "dangers");                      /* B */
	json_decref(expect(201, T.iprp, "POST", company_path(T.company, "/amt"), amt("conseil")));
	expect_step("fiche_entreprise", T.company, "amt");                          /* C */
	json_decref(expect(201, T.iprp, "POST", company_path(T.company, "/amt"), amt("metrologie")));
	expect_step("fiche_entreprise", T.company, "analyse");                      /* D */
	json_decref(expect(201, T.iprp, "PUT", company_path(T.company, "/fiche/draft"),
	                   json_object()));
	expect_step("fiche_entreprise", T.company, "redaction");                    /* E */
	json_decref(expect(200, T.medecin, "POST", company_path(T.company, "/fiche/draft/validate"),
	                   json_object()));
	expect_step("fiche_entreprise", T.company, "transmission");                 /* F */
	/* Validated is not transmitted: membership's step is still open. */
	expect_step("adhesion", T.company, "fiche_entreprise");
	json_decref(expect(200, T.iprp, "POST", company_path(T.company, "/fiche/versions/1/transmit"),
	                   json_object()));
	expect_closed("fiche_entreprise", T.company);
	expect_closed("adhesion", T.company);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_parcours_history h JOIN"
	                          " core_parcours_instance i ON i.id = h.instance_id WHERE"
	                          " i.parcours = 'fiche_entreprise' AND i.subject_id = '%lld'",
	                          (long long)T.company), 7);
}

static void test_steps_skipped_when_drafted_at_once(void **state)
{
	(void)state;
	expect_step("fiche_entreprise", T.company2, "collecte");
	json_decref(expect(201, T.iprp, "PUT", company_path(T.company2, "/fiche/draft"),
	                   json_object()));
	expect_step("fiche_entreprise", T.company2, "redaction");
	/* An action after the draft moves nothing back. */
	json_decref(expect(201, T.iprp, "POST", company_path(T.company2, "/amt"), amt("conseil")));
	json_decref(expect(200, T.medecin, "POST",
	                   company_path(T.company2, "/fiche/draft/validate"), json_object()));
	expect_step("fiche_entreprise", T.company2, "transmission");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fiche_pathway_a_to_f),
		cmocka_unit_test(test_steps_skipped_when_drafted_at_once),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
