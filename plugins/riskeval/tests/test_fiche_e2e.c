/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The fiche d'entreprise end to end, through the real `socle serve` (clock
 * frozen on 2025-02-01): a company joins → its fiche is due within a year →
 * the IPRP drafts it (membership's counts pre-filled), bad input is a 422
 * that changes nothing → the médecin validates → the employer receives it
 * (mail, then reads it) and records its presentation to the CSE → a second
 * version, and the two compare field by field → an AMT is recorded → the
 * indicators count both. Another company's employer gets 403 on every
 * route; the roles that may not draft, validate or record get 403 too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "riskeval_world.h"

static struct {
	char *staff, *iprp, *medecin, *infirmier, *assistant, *employer, *employer2;
	json_int_t company, company2;
} T;

static int setup(void **state)
{
	(void)state;
	if (riskeval_world_start("fiche", "2025-02-01T09:00:00Z", NULL) != 0)
		return -1;
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.iprp = login("iprp@svc.test", STAFF_PASSWORD);
	T.medecin = login("medecin@svc.test", STAFF_PASSWORD);
	T.assistant = login("assistant@svc.test", STAFF_PASSWORD);
	T.infirmier = login("infirmier@svc.test", STAFF_PASSWORD);
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	worker(T.employer, T.company, "G-1", "Roux", "Léa");
	worker(T.employer, T.company, "G-2", "Blanc", "Marc");
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.iprp);
	free(T.medecin);
	free(T.assistant);
	free(T.infirmier);
	free(T.employer);
	free(T.employer2);
	return world_teardown(state);
}

static const char *str_at(const json_t *o, const char *page, const char *key)
{
	return json_string_value(json_object_get(json_object_get(o, page), key));
}

/* The field errors of a 422 as one text, to look for names in. */
static char *fields_text(const json_t *r)
{
	return json_dumps(json_object_get(json_object_get(r, "error"), "fields"), JSON_COMPACT);
}

static json_t *risk(const char *code, const char *label, int exposed)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:s}", "code", code, "libelle", label,
	                 "unite_travail", "Atelier", "effectif_expose", exposed,
	                 "actions_proposees", "Mesurer l'exposition");
}

static void test_fiche_journey(void **state)
{
	(void)state;
	char path[512];

	/* Joined today: the fiche is due within a year (R4624-47, TC34). */
	json_t *r = get(T.employer, "%s", company_path(T.company, "/fiche/due"));
	assert_string_equal(json_string_value(json_object_get(r, "due_on")), "2026-02-01");
	json_decref(r);

	/* Only the team drafts: not the employer, not the assistant. */
	assert_int_equal(status_of(T.employer, "PUT", company_path(T.company, "/fiche/draft"),
	                           json_object()), 403);
	assert_int_equal(status_of(T.assistant, "PUT", company_path(T.company, "/fiche/draft"),
	                           json_object()), 403);

	/* The IPRP drafts: what membership knows is filled in. */
	r = expect(201, T.iprp, "PUT", company_path(T.company, "/fiche/draft"),
	           json_pack("{s:{s:{s:s}, s:{s:[o]}}}", "content", "identification", "activite",
	                     "Installation électrique", "expositions_actions", "risques",
	                     risk("bruit", "Bruit", 2)));
	json_t *content = json_object_get(r, "content");
	assert_string_equal(str_at(content, "identification", "raison_sociale"),
	                    "Électricité Garnier");
	assert_string_equal(str_at(content, "identification", "siret"), "73282932000074");
	assert_string_equal(str_at(content, "identification", "activite"), "Installation électrique");
	json_t *people = json_object_get(content, "personnel_prevention");
	assert_int_equal(json_integer_value(json_object_get(people, "effectif")), 4);
	assert_int_equal(json_integer_value(json_object_get(people, "salaries_suivis")), 2);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name ="
	                          " 'fiche_entreprise.drafted'"), 1);

	/* Bad input: 422, each field named in French, nothing changed. */
	r = expect(422, T.iprp, "PUT", company_path(T.company, "/fiche/draft"),
	           json_pack("{s:{s:{s:s}, s:{s:[{s:s}]}, s:{}}}", "content",
	                     "personnel_prevention", "effectif", "beaucoup", "expositions_actions",
	                     "risques", "code", "Bruit Fort", "annexe", NULL));
	char *text = fields_text(r);
	assert_non_null(strstr(text, "content.personnel_prevention.effectif"));
	assert_non_null(strstr(text, "content.expositions_actions.risques[1].code"));
	assert_non_null(strstr(text, "Page inconnue"));
	free(text);
	json_decref(r);
	r = get(T.iprp, "%s", company_path(T.company, "/fiche/draft"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(r,
		"content"), "personnel_prevention"), "effectif")), 4);
	json_decref(r);

	/* The employer never sees a draft; only the médecin validates. */
	assert_int_equal(status_of(T.employer, "GET", company_path(T.company, "/fiche/draft"), NULL),
	                 403);
	assert_int_equal(status_of(T.iprp, "POST", company_path(T.company, "/fiche/draft/validate"),
	                           json_object()), 403);
	r = expect(200, T.medecin, "POST", company_path(T.company, "/fiche/draft/validate"),
	           json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "version")), 1);
	assert_string_equal(json_string_value(json_object_get(r, "validated_on")), "2025-02-01");
	json_decref(r);
	/* Nothing left to validate. */
	assert_int_equal(status_of(T.medecin, "POST", company_path(T.company,
	                           "/fiche/draft/validate"), json_object()), 409);

	/* Not transmitted yet: the employer does not see it. */
	assert_int_equal(status_of(T.employer, "GET", company_path(T.company, "/fiche/versions/1"),
	                           NULL), 404);
	r = get(T.employer, "%s", company_path(T.company, "/fiche/versions"));
	assert_int_equal(json_array_size(json_object_get(r, "versions")), 0);
	json_decref(r);
	assert_int_equal(status_of(T.employer, "POST", company_path(T.company,
	                           "/fiche/versions/1/transmit"), json_object()), 403);
	r = expect(200, T.iprp, "POST", company_path(T.company, "/fiche/versions/1/transmit"),
	           json_object());
	assert_string_equal(json_string_value(json_object_get(r, "transmitted_on")), "2025-02-01");
	json_decref(r);
	assert_int_equal(status_of(T.iprp, "POST", company_path(T.company,
	                           "/fiche/versions/1/transmit"), json_object()), 409);
	assert_int_equal(wait_mails("rh@garnier.test", "fiche_entreprise", "version 1", 1), 1);
	r = get(T.employer, "%s", company_path(T.company, "/fiche/versions/1"));
	assert_string_equal(str_at(json_object_get(r, "content"), "identification", "activite"),
	                    "Installation électrique");
	json_decref(r);

	/* The employer records the CSE presentation; not before the transmission. */
	r = expect(422, T.employer, "POST", company_path(T.company, "/fiche/versions/1/cse"),
	           json_pack("{s:s}", "presented_on", "2025-01-15"));
	text = fields_text(r);
	assert_non_null(strstr(text, "presented_on"));
	free(text);
	json_decref(r);
	r = expect(200, T.employer, "POST", company_path(T.company, "/fiche/versions/1/cse"),
	           json_pack("{s:s, s:s}", "presented_on", "2025-02-01", "note", "Réunion ordinaire"));
	assert_string_equal(json_string_value(json_object_get(r, "cse_presented_on")), "2025-02-01");
	json_decref(r);

	/* Now the update is due four years after the validation. */
	r = get(T.employer, "%s", company_path(T.company, "/fiche/due"));
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "mise_a_jour");
	assert_string_equal(json_string_value(json_object_get(r, "due_on")), "2029-02-01");
	json_decref(r);
	/* The team's list keeps the other company only. */
	r = get(T.iprp, "/api/v1/svc/riskeval/fiches/due?within_days=90");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(r,
		"items"), 0), "company_id")), T.company2);
	json_decref(r);

	/* A second version: the new draft carries the first forward. */
	r = expect(201, T.infirmier, "PUT", company_path(T.company, "/fiche/draft"),
	           json_pack("{s:{s:{s:s}, s:{s:[o, o]}}}", "content", "identification", "activite",
	                     "Installation et maintenance électriques", "expositions_actions",
	                     "risques", risk("bruit", "Bruit", 3),
	                     risk("chute_hauteur", "Chute de hauteur", 2)));
	assert_string_equal(str_at(json_object_get(r, "content"), "identification",
	                           "raison_sociale"), "Électricité Garnier");
	json_decref(r);
	json_decref(expect(200, T.medecin, "POST", company_path(T.company, "/fiche/draft/validate"),
	                   json_object()));
	r = get(T.staff, "%s", company_path(T.company, "/fiche/diff?from=1&to=2"));
	json_t *changes = json_object_get(r, "changes");
	assert_int_equal(json_array_size(changes), 7);
	bool activity = false, exposed = false, added = false;
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c) {
		const char *field = json_string_value(json_object_get(c, "field"));
		const char *change = json_string_value(json_object_get(c, "change"));

		if (strcmp(field, "identification.activite") == 0) {
			activity = strcmp(change, "modification") == 0 &&
			           strcmp(json_string_value(json_object_get(c, "after")),
			                  "Installation et maintenance électriques") == 0;
		} else if (strcmp(field, "expositions_actions.risques[1].effectif_expose") == 0) {
			exposed = json_integer_value(json_object_get(c, "before")) == 2 &&
			          json_integer_value(json_object_get(c, "after")) == 3;
		} else if (strcmp(field, "expositions_actions.risques[2].code") == 0) {
			added = strcmp(change, "ajout") == 0 && json_is_null(json_object_get(c, "before"));
		}
	}
	assert_true(activity);
	assert_true(exposed);
	assert_true(added);
	json_decref(r);
	/* Version 2 is not transmitted: the employer cannot compare with it. */
	assert_int_equal(status_of(T.employer, "GET", company_path(T.company,
	                           "/fiche/diff?from=1&to=2"), NULL), 404);
	r = expect(422, T.staff, "GET", company_path(T.company, "/fiche/diff?from=1"), NULL);
	json_decref(r);
	(void)path;
}

static void test_amt_and_indicators(void **state)
{
	(void)state;
	json_t *amt = json_pack("{s:s, s:s, s:[s], s:s}", "type", "etude", "done_on", "2025-02-01",
	                        "professionals", "Iris Prévention", "outcome",
	                        "Étude du poste de câblage : préconisations remises");

	assert_int_equal(status_of(T.employer, "POST", company_path(T.company, "/amt"),
	                           json_incref(amt)), 403);
	json_t *r = expect(201, T.iprp, "POST", company_path(T.company, "/amt"), amt);
	assert_string_equal(json_string_value(json_object_get(r, "type_label")),
	                    "Étude de poste ou de situation");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'amt.recorded'"), 1);
	/* Bad input: every field named, nothing recorded. */
	r = expect(422, T.iprp, "POST", company_path(T.company, "/amt"),
	           json_pack("{s:s, s:s, s:[], s:s}", "type", "visite", "done_on", "2025-03-01",
	                     "professionals", "outcome", "x"));
	char *text = fields_text(r);
	assert_non_null(strstr(text, "\"type\""));
	assert_non_null(strstr(text, "professionals"));
	free(text);
	json_decref(r);
	r = expect(422, T.iprp, "POST", company_path(T.company, "/amt"),
	           json_pack("{s:s, s:s, s:[s], s:s}", "type", "conseil", "done_on", "2025-03-01",
	                     "professionals", "Iris", "outcome", "x"));
	text = fields_text(r);
	assert_non_null(strstr(text, "done_on"));
	free(text);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_amt"), 1);

	/* The employer reads its company's actions. */
	r = get(T.employer, "%s", company_path(T.company, "/amt"));
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_true(json_is_null(json_object_get(r, "next_cursor")));
	json_decref(r);

	/* Indicators: one of the two member companies is covered; one study. */
	r = get(T.staff, "/api/v1/svc/riskeval/indicators?from=2025-01-01&to=2025-12-31");
	json_t *cov = json_object_get(r, "fiche_coverage");
	assert_int_equal(json_integer_value(json_object_get(cov, "companies")), 2);
	assert_int_equal(json_integer_value(json_object_get(cov, "companies_covered")), 1);
	assert_true(json_real_value(json_object_get(cov, "companies_covered_pct")) == 50.0);
	assert_int_equal(json_integer_value(json_object_get(cov, "workers_covered")), 4);
	json_t *t;
	size_t i;
	json_int_t studies = -1;
	json_array_foreach(json_object_get(r, "amt_by_type"), i, t)
		if (strcmp(json_string_value(json_object_get(t, "type")), "etude") == 0)
			studies = json_integer_value(json_object_get(t, "actions"));
	assert_int_equal(studies, 1);
	json_t *div = json_array_get(json_object_get(r, "by_naf_division"), 0);
	assert_string_equal(json_string_value(json_object_get(div, "naf_division")), "43");
	json_decref(r);
	/* A period before anything happened counts nothing. */
	r = get(T.staff, "/api/v1/svc/riskeval/indicators?from=2024-01-01&to=2024-12-31");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "fiche_coverage"),
	                                                    "companies")), 0);
	json_decref(r);
	r = expect(422, T.staff, "GET", "/api/v1/svc/riskeval/indicators?from=2025-13-01", NULL);
	json_decref(r);
	assert_int_equal(status_of(T.employer, "GET", "/api/v1/svc/riskeval/indicators", NULL), 403);
}

/* Another company's employer: 403 on every route about this company, and
 * nothing written. */
static void test_other_employer_refused(void **state)
{
	(void)state;
	static const struct {
		const char *method, *rest;
	} routes[] = {
		{"GET", "/fiche/due"},
		{"GET", "/fiche/versions"},
		{"GET", "/fiche/versions/1"},
		{"GET", "/fiche/diff?from=1&to=2"},
		{"GET", "/fiche/draft"},
		{"PUT", "/fiche/draft"},
		{"POST", "/fiche/draft/validate"},
		{"POST", "/fiche/versions/1/transmit"},
		{"POST", "/fiche/versions/1/cse"},
		{"GET", "/amt"},
		{"POST", "/amt"},
	};
	long long before = db_count("SELECT COUNT(*) FROM riskeval_fiche") +
	                   db_count("SELECT COUNT(*) FROM riskeval_amt");

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		json_t *body = strcmp(routes[i].method, "GET") == 0 ? NULL
		               : strstr(routes[i].rest, "cse")
		                       ? json_pack("{s:s}", "presented_on", "2025-02-01")
		                       : json_object();
		int status = status_of(T.employer2, routes[i].method,
		                       company_path(T.company, routes[i].rest), body);
		if (status != 403)
			fail_msg("%s %s : %d au lieu de 403", routes[i].method, routes[i].rest, status);
	}
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_fiche") +
	                 db_count("SELECT COUNT(*) FROM riskeval_amt"), before);
	/* The refusals are audited. */
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied'") >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fiche_journey),
		cmocka_unit_test(test_amt_and_indicators),
		cmocka_unit_test(test_other_employer_refused),
	};
	return cmocka_run_group_tests_name("riskeval_fiche_e2e", tests, setup, teardown);
}
