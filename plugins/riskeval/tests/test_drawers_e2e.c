/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The self-assessment "tiroirs" (seed 3.6.1.3, issue 14 item 7) through the
 * real `socle serve`: the company's employer answers the four drawers, each
 * checked field by field (a 422 names every field and changes nothing); the
 * team reads them and may not answer for the company; another company's
 * employer gets 403; a fiche draft opened afterwards carries the answers, and
 * an update of a validated fiche keeps its risks and adds the new ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "riskeval_world.h"

static struct {
	char *staff, *iprp, *medecin, *employer, *employer2;
	json_int_t company, company2;
} T;

static int setup(void **state)
{
	(void)state;
	if (riskeval_world_start("drawers", "2025-02-01T09:00:00Z", NULL) != 0)
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

static const json_t *at(const json_t *o, const char *page, const char *key)
{
	return json_object_get(json_object_get(o, page), key);
}

static void test_drawers_prefill_the_draft(void **state)
{
	(void)state;
	char org[256];

	snprintf(org, sizeof(org), "%s", company_path(T.company, "/self-assessment/organisation"));

	json_t *r = expect(200, T.employer, "PUT", org,
	                   json_pack("{s:b, s:s, s:b, s:s}", "groupe", 1, "groupe_nom",
	                             "Groupe Garnier", "cse", 1, "salarie_designe", "Marc Blanc"));
	assert_string_equal(json_string_value(at(r, "answers", "groupe_nom")), "Groupe Garnier");
	json_decref(r);
	json_decref(expect(200, T.employer, "PUT",
	                   company_path(T.company, "/self-assessment/activites"),
	                   json_pack("{s:s, s:s, s:s, s:b}", "activite_principale",
	                             "Installation électrique", "metiers", "électriciens",
	                             "horaires", "8 h - 17 h", "travail_isole", 1)));
	json_decref(expect(200, T.employer, "PUT",
	                   company_path(T.company, "/self-assessment/prevention"),
	                   json_pack("{s:b, s:s, s:i}", "duerp_existe", 1, "duerp_date",
	                             "2024-11-02", "secouristes", 2)));
	json_decref(expect(200, T.employer, "PUT", company_path(T.company, "/self-assessment/risques"),
	                   json_pack("{s:[{s:s, s:s, s:s}]}", "risques", "code", "bruit", "libelle",
	                             "Bruit", "unite_travail", "Chantier")));

	/* Field by field: each bad field named, nothing changed. */
	r = expect(422, T.employer, "PUT", company_path(T.company, "/self-assessment/prevention"),
	           json_pack("{s:s, s:s, s:i}", "secouristes", "deux", "duerp_date", "2024-13-45",
	                     "inconnu", 1));
	char *fields = json_dumps(json_object_get(json_object_get(r, "error"), "fields"), 0);
	assert_non_null(strstr(fields, "prevention.secouristes"));
	assert_non_null(strstr(fields, "prevention.duerp_date"));
	assert_non_null(strstr(fields, "prevention.inconnu"));
	free(fields);
	json_decref(r);
	r = expect(422, T.employer, "PUT", company_path(T.company, "/self-assessment/risques"),
	           json_pack("{s:[{s:s}]}", "risques", "code", "Bruit Fort"));
	fields = json_dumps(json_object_get(json_object_get(r, "error"), "fields"), 0);
	assert_non_null(strstr(fields, "risques.risques[1].code"));
	free(fields);
	json_decref(r);
	assert_int_equal(status_of(T.employer, "PUT",
	                           company_path(T.company, "/self-assessment/tiroir"),
	                           json_object()), 404);

	/* The team reads, never answers for the company; the other company sees nothing. */
	r = expect(200, T.iprp, "GET", company_path(T.company, "/self-assessment"), NULL);
	const json_t *d = json_object_get(r, "drawers");
	assert_int_equal(json_integer_value(at(json_object_get(d, "prevention"), "answers",
	                                       "secouristes")), 2);
	json_decref(r);
	assert_int_equal(status_of(T.iprp, "PUT", org, json_object()), 403);
	assert_int_equal(status_of(T.employer2, "GET", company_path(T.company, "/self-assessment"),
	                           NULL), 403);
	assert_int_equal(status_of(T.employer2, "PUT", org, json_object()), 403);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'riskeval.self_assessment.update'"), 4);

	/* The draft opened now carries the answers (membership's facts still win). */
	r = expect(201, T.iprp, "PUT", company_path(T.company, "/fiche/draft"), json_object());
	const json_t *c = json_object_get(r, "content");
	assert_string_equal(json_string_value(at(c, "identification", "raison_sociale")),
	                    "Électricité Garnier");
	assert_string_equal(json_string_value(at(c, "identification", "activite")),
	                    "Installation électrique Métiers : électriciens");
	assert_non_null(strstr(json_string_value(at(c, "environnement_travail", "organisation")),
	                       "Groupe Garnier"));
	assert_string_equal(json_string_value(at(c, "environnement_travail", "horaires")),
	                    "8 h - 17 h");
	assert_true(json_is_true(at(c, "environnement_travail", "travail_isole")));
	assert_true(json_is_true(at(c, "personnel_prevention", "cse")));
	assert_string_equal(json_string_value(at(c, "personnel_prevention", "salarie_designe")),
	                    "Marc Blanc");
	assert_true(json_is_true(at(c, "personnel_prevention", "duerp_existe")));
	assert_string_equal(json_string_value(at(c, "personnel_prevention", "duerp_date")),
	                    "2024-11-02");
	assert_int_equal(json_integer_value(at(c, "personnel_prevention", "secouristes")), 2);
	const json_t *risks = at(c, "expositions_actions", "risques");
	assert_int_equal(json_array_size(risks), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(risks, 0), "code")),
	                    "bruit");
	json_decref(r);

	/* Validated with the team's measures; the next draft keeps them and adds
	 * only the company's new risk. */
	json_decref(expect(200, T.iprp, "PUT", company_path(T.company, "/fiche/draft"),
	                   json_pack("{s:{s:{s:[{s:s, s:s, s:s}]}}}", "content",
	                             "expositions_actions", "risques", "code", "bruit", "libelle",
	                             "Bruit", "mesures_existantes", "Casques antibruit")));
	json_decref(expect(200, T.medecin, "POST", company_path(T.company, "/fiche/draft/validate"),
	                   json_object()));
	json_decref(expect(200, T.employer, "PUT", company_path(T.company, "/self-assessment/risques"),
	                   json_pack("{s:[{s:s}, {s:s, s:s}]}", "risques", "code", "bruit", "code",
	                             "electrique", "libelle", "Risque électrique")));
	r = expect(201, T.iprp, "PUT", company_path(T.company, "/fiche/draft"), json_object());
	risks = at(json_object_get(r, "content"), "expositions_actions", "risques");
	assert_int_equal(json_array_size(risks), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(risks, 0),
	                                                      "mesures_existantes")),
	                    "Casques antibruit");
	assert_string_equal(json_string_value(json_object_get(json_array_get(risks, 1), "code")),
	                    "electrique");
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drawers_prefill_the_draft),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
