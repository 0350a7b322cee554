/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The fiche d'entreprise per establishment (R4624-46: "pour chaque entreprise
 * ou établissement"), end to end through the real `socle serve` (clock frozen
 * on 2025-02-01). A company joins with its siège and two establishments: its
 * due dates are per site; the IPRP drafts the fiche of one establishment
 * (its SIRET, address, declared headcount and the workers declared in it
 * pre-filled) and of the siège; versions are numbered per site; the
 * transmission mail names the establishment; the employer reads the one
 * transmitted, not the other; two versions of one establishment compare
 * field by field; the team's list shows each establishment still without a
 * fiche (and, before any fiche, each site with its SIRET, town and
 * headcount); the gap analysis weighs the risks of every site. A company
 * without establishments keeps one fiche; an unknown establishment is a
 * field error that changes nothing; another company's employer gets 403. */
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
	json_int_t company, company2, shop, depot;
} T;

/* A company with two establishments besides its siège (10 people: 3 in the
 * shop, 2 in the depot, 5 at the siège), approved and its employer signed in. */
static json_int_t company_with_sites(const char *email, char **employer)
{
	char path[256], token[65];
	json_t *a = application("73282932000074", "Électricité Garnier", email);

	json_object_set_new(a, "headcount", json_integer(10));
	json_object_set_new(a, "establishments", json_pack(
		"[{s:s, s:s, s:{s:s, s:s, s:s}, s:i}, {s:s, s:{s:s, s:s, s:s}, s:i}]",
		"siret", "73282932000108", "name", "Boutique Bellecour", "address", "line",
		"4 place Bellecour", "postcode", "69002", "city", "Lyon", "headcount", 3,
		"siret", "73282932000116", "address", "line", "12 rue du Dépôt", "postcode", "69800",
		"city", "Saint-Priest", "headcount", 2));
	json_t *r = expect(201, NULL, "POST", "/api/v1/svc/membership/applications", a);
	json_int_t id = json_integer_value(json_object_get(r, "id"));

	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/approve", (long long)id);
	json_decref(expect(200, T.staff, "POST", path, json_object()));
	assert_true(invitation_token(email, token));
	json_decref(expect(200, NULL, "POST", "/api/v1/svc/membership/invitations/accept",
	                   json_pack("{s:s, s:s}", "token", token, "password", EMPLOYER_PASSWORD)));
	*employer = login(email, EMPLOYER_PASSWORD);
	return id;
}

static void hire_in(json_int_t company, const char *ref, const char *last, json_int_t est)
{
	char path[256];
	json_t *w = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref", ref,
	                      "last_name", last, "first_name", "Alex", "birth_date", "1985-05-04",
	                      "job_title", "Électricien", "contract_type", "cdi", "start_date",
	                      "2015-09-01");

	if (est != 0)
		json_object_set_new(w, "establishment_id", json_integer(est));
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers",
	         (long long)company);
	json_decref(expect(201, T.employer, "POST", path, w));
}

static int setup(void **state)
{
	(void)state;
	if (riskeval_world_start("sites", "2025-02-01T09:00:00Z", NULL) != 0)
		return -1;
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.iprp = login("iprp@svc.test", STAFF_PASSWORD);
	T.medecin = login("medecin@svc.test", STAFF_PASSWORD);
	T.company = company_with_sites("rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	/* membership's establishments of the company: the shop, then the depot. */
	json_t *r = get(T.staff, "/api/v1/svc/membership/companies/%lld", (long long)T.company);
	json_t *list = json_object_get(r, "establishments");
	assert_int_equal(json_array_size(list), 2);
	T.shop = json_integer_value(json_object_get(json_array_get(list, 0), "id"));
	T.depot = json_integer_value(json_object_get(json_array_get(list, 1), "id"));
	json_decref(r);
	assert_true(T.shop > 0 && T.depot > T.shop);
	hire_in(T.company, "G-1", "Roux", T.shop);
	hire_in(T.company, "G-2", "Blanc", 0);
	hire_in(T.company, "G-3", "Noir", 0);
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

/* company_path(company, rest) with "?establishment=<est>" (or "&" when rest
 * has a query already). */
static const char *site_path(json_int_t company, const char *rest, json_int_t est)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s%sestablishment=%lld", company_path(company, rest),
	         strchr(rest, '?') ? "&" : "?", (long long)est);
	return buf;
}

static const char *str_at(const json_t *o, const char *page, const char *key)
{
	return json_string_value(json_object_get(json_object_get(o, page), key));
}

static json_int_t int_at(const json_t *o, const char *page, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(o, page), key));
}

static json_t *risk(const char *code, const char *label)
{
	return json_pack("{s:s, s:s, s:s, s:i}", "code", code, "libelle", label, "unite_travail",
	                 "Atelier", "effectif_expose", 1);
}

static void test_fiche_per_establishment(void **state)
{
	(void)state;

	/* Joined today: each of the three sites owes its first fiche within a
	 * year; the company's answer lists them, the earliest on top. */
	json_t *r = get(T.employer, "%s", company_path(T.company, "/fiche/due"));
	json_t *sites = json_object_get(r, "establishments");
	assert_int_equal(json_array_size(sites), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(sites, 0),
	                                                    "establishment_id")), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(sites, 0), "name")),
	                    "Siège");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(sites, 1),
	                                                    "establishment_id")), T.shop);
	assert_string_equal(json_string_value(json_object_get(r, "due_on")), "2026-02-01");
	json_decref(r);

	/* The shop's fiche: its own SIRET, address and headcount, the worker
	 * declared in it; SIR counts unknown (tracking counts per company). */
	r = expect(201, T.iprp, "PUT", site_path(T.company, "/fiche/draft", T.shop),
	           json_pack("{s:{s:{s:[o]}}}", "content", "expositions_actions", "risques",
	                     risk("bruit", "Bruit")));
	json_t *c = json_object_get(r, "content");
	assert_int_equal(json_integer_value(json_object_get(r, "establishment_id")), T.shop);
	assert_string_equal(str_at(c, "identification", "raison_sociale"), "Électricité Garnier");
	assert_string_equal(str_at(c, "identification", "siret"), "73282932000108");
	assert_string_equal(str_at(c, "identification", "etablissement"), "Boutique Bellecour, Lyon");
	assert_non_null(strstr(str_at(c, "identification", "adresse"), "4 place Bellecour"));
	assert_int_equal(int_at(c, "personnel_prevention", "effectif"), 3);
	assert_int_equal(int_at(c, "personnel_prevention", "salaries_suivis"), 1);
	assert_true(json_is_null(json_object_get(json_object_get(c, "personnel_prevention"),
	                                         "sir_declare")));
	json_decref(r);

	/* The siège's fiche (no establishment named): the company's SIRET, the
	 * headcount the establishments leave, the workers declared in none. */
	r = expect(201, T.iprp, "PUT", company_path(T.company, "/fiche/draft"),
	           json_pack("{s:{s:{s:[o]}}}", "content", "expositions_actions", "risques",
	                     risk("chute_hauteur", "Chute de hauteur")));
	c = json_object_get(r, "content");
	assert_int_equal(json_integer_value(json_object_get(r, "establishment_id")), 0);
	assert_string_equal(str_at(c, "identification", "siret"), "73282932000074");
	assert_string_equal(str_at(c, "identification", "etablissement"), "Siège, Lyon");
	assert_int_equal(int_at(c, "personnel_prevention", "effectif"), 5);
	assert_int_equal(int_at(c, "personnel_prevention", "salaries_suivis"), 2);
	json_decref(r);

	/* An establishment that is not the company's, or not a number: a field
	 * error in French, nothing written. */
	long long drafts = db_count("SELECT COUNT(*) FROM riskeval_fiche");
	r = expect(422, T.iprp, "PUT", site_path(T.company, "/fiche/draft", T.depot + 100),
	           json_object());
	char *text = json_dumps(json_object_get(json_object_get(r, "error"), "fields"), 0);
	assert_non_null(strstr(text, "establishment"));
	assert_non_null(strstr(text, "pas l'un de ceux"));
	free(text);
	json_decref(r);
	assert_int_equal(status_of(T.iprp, "PUT", company_path(T.company,
	                           "/fiche/draft?establishment=boutique"), json_object()), 422);
	/* A company without establishments has a single fiche: none to name. */
	r = expect(422, T.iprp, "PUT", site_path(T.company2, "/fiche/draft", T.shop),
	           json_object());
	text = json_dumps(r, 0);
	assert_non_null(strstr(text, "aucun établissement en dehors de son siège"));
	free(text);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_fiche"), drafts);

	/* Validated separately: each site numbers its own versions. */
	r = expect(200, T.medecin, "POST", site_path(T.company, "/fiche/draft/validate", T.shop),
	           json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "version")), 1);
	json_decref(r);
	r = expect(200, T.medecin, "POST", company_path(T.company, "/fiche/draft/validate"),
	           json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "version")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "establishment_id")), 0);
	json_decref(r);

	/* The shop's version 1 is transmitted: the mail names the establishment
	 * and links to its fiche. */
	json_decref(expect(200, T.iprp, "POST", site_path(T.company, "/fiche/versions/1/transmit",
	                                                  T.shop), json_object()));
	assert_int_equal(wait_mails("rh@garnier.test", "fiche_entreprise",
	                            "établissement Boutique Bellecour (Lyon, SIRET 73282932000108)",
	                            1), 1);
	char needle[64];
	snprintf(needle, sizeof(needle), "versions/1?establishment=%lld", (long long)T.shop);
	assert_int_equal(count_mails("rh@garnier.test", "fiche_entreprise", needle), 1);

	/* The employer reads the shop's version 1, not the siège's (not sent). */
	r = get(T.employer, "%s", site_path(T.company, "/fiche/versions/1", T.shop));
	assert_string_equal(str_at(json_object_get(r, "content"), "identification", "siret"),
	                    "73282932000108");
	json_decref(r);
	assert_int_equal(status_of(T.employer, "GET", company_path(T.company, "/fiche/versions/1"),
	                           NULL), 404);
	r = get(T.employer, "%s", company_path(T.company, "/fiche/versions"));
	assert_int_equal(json_array_size(json_object_get(r, "versions")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(r,
		"versions"), 0), "establishment_id")), T.shop);
	assert_int_equal(json_array_size(json_object_get(r, "establishments")), 3);
	json_decref(r);
	/* Its document names the establishment. */
	assert_int_equal(status_of(T.employer, "GET", site_path(T.company,
	                           "/fiche/versions/1/document.pdf", T.shop), NULL), 200);

	/* A second version of the shop's fiche; the two compare field by field. */
	json_decref(expect(201, T.iprp, "PUT", site_path(T.company, "/fiche/draft", T.shop),
	                   json_pack("{s:{s:{s:s}}}", "content", "identification", "activite",
	                             "Vente de matériel électrique")));
	r = expect(200, T.medecin, "POST", site_path(T.company, "/fiche/draft/validate", T.shop),
	           json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "version")), 2);
	json_decref(r);
	r = get(T.medecin, "%s", site_path(T.company, "/fiche/diff?from=1&to=2", T.shop));
	text = json_dumps(json_object_get(r, "changes"), 0);
	assert_non_null(strstr(text, "identification.activite"));
	free(text);
	json_decref(r);
	/* The siège has no version 2. */
	assert_int_equal(status_of(T.medecin, "GET", company_path(T.company, "/fiche/versions/2"),
	                           NULL), 404);

	/* Each site's due date: the shop and the siège are up to date, the
	 * depot still owes its first fiche, and the company's answer says so. */
	r = get(T.employer, "%s", site_path(T.company, "/fiche/due", T.shop));
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "mise_a_jour");
	assert_string_equal(json_string_value(json_object_get(r, "due_on")), "2029-02-01");
	json_decref(r);
	r = get(T.employer, "%s", company_path(T.company, "/fiche/due"));
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "premiere");
	assert_int_equal(json_integer_value(json_object_get(r, "establishment_id")), T.depot);
	json_decref(r);

	/* The team's list: the depot (no fiche) and the other company; not the
	 * shop nor the siège, whose fiches are valid. */
	r = get(T.iprp, "/api/v1/svc/riskeval/fiches/due?within_days=90");
	json_t *items = json_object_get(r, "items");
	size_t i;
	json_t *it;
	int depot = 0, other = 0;
	json_array_foreach(items, i, it) {
		json_int_t cid = json_integer_value(json_object_get(it, "company_id"));
		json_int_t est = json_integer_value(json_object_get(it, "establishment_id"));

		if (cid == T.company) {
			assert_int_equal(est, T.depot);
			assert_string_equal(json_string_value(json_object_get(json_object_get(it,
				"establishment"), "siret")), "73282932000116");
			assert_int_equal(json_integer_value(json_object_get(it, "headcount")), 2);
			depot++;
		} else if (cid == T.company2) {
			assert_int_equal(est, 0);
			other++;
		}
	}
	assert_int_equal(depot, 1);
	assert_int_equal(other, 1);
	json_decref(r);

	/* The gap analysis (no DUERP yet) weighs the risks of both fiches. */
	r = get(T.iprp, "%s", company_path(T.company, "/prevention/analysis"));
	text = json_dumps(json_object_get(r, "answer"), 0);
	assert_non_null(strstr(text, "bruit"));
	assert_non_null(strstr(text, "chute_hauteur"));
	free(text);
	json_decref(r);

	/* Another company's employer: 403 on every site's routes. */
	assert_int_equal(status_of(T.employer2, "GET", site_path(T.company, "/fiche/versions/1",
	                                                         T.shop), NULL), 403);
	assert_int_equal(status_of(T.employer2, "GET", site_path(T.company, "/fiche/due", T.shop),
	                           NULL), 403);
	assert_int_equal(status_of(T.employer2, "POST", site_path(T.company,
	                           "/fiche/versions/1/cse", T.shop),
	                           json_pack("{s:s}", "presented_on", "2025-02-01")), 403);
}

/* An existing database keeps its fiches: migration 5 gave every earlier
 * row establishment 0 (the company's fiche) and kept its id. */
static void test_migrated_rows_are_the_company_fiche(void **state)
{
	(void)state;
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_fiche WHERE establishment_id"
	                          " IS NULL"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_migration WHERE owner = 'riskeval'"
	                          " AND version = 5"), 1);
}

/* Before any fiche, the team's list names each site of the company with
 * establishments (its siège with the company's SIRET and town and the
 * headcount its establishments leave, then each establishment as declared)
 * and the other company once, without "establishment". */
static void test_list_names_each_site(void **state)
{
	(void)state;
	static const struct {
		const char *siret, *name, *city;
		json_int_t headcount;
	} want[] = {
		{"73282932000074", "Siège", "Lyon", 5},
		{"73282932000108", "Boutique Bellecour", "Lyon", 3},
		{"73282932000116", NULL, "Saint-Priest", 2},
	};
	json_t *r = get(T.iprp, "/api/v1/svc/riskeval/fiches/due");
	json_t *items = json_object_get(r, "items");
	int seen[3] = {0}, other = 0;
	size_t i;
	json_t *it;

	assert_int_equal(json_array_size(items), 4);
	json_array_foreach(items, i, it) {
		json_int_t cid = json_integer_value(json_object_get(it, "company_id"));
		json_int_t est = json_integer_value(json_object_get(it, "establishment_id"));
		const json_t *e = json_object_get(it, "establishment");

		assert_false(json_is_true(json_object_get(it, "valid_fiche")));
		assert_false(json_is_true(json_object_get(it, "has_draft")));
		assert_true(json_is_null(json_object_get(it, "last_version")));
		assert_string_equal(json_string_value(json_object_get(json_object_get(it, "due"),
		                                                      "kind")), "premiere");
		if (cid == T.company2) {
			assert_int_equal(est, 0);
			assert_null(e);
			other++;
			continue;
		}
		assert_int_equal(cid, T.company);
		assert_string_equal(json_string_value(json_object_get(it, "legal_name")),
		                    "Électricité Garnier");
		int k = est == 0 ? 0 : est == T.shop ? 1 : est == T.depot ? 2 : -1;
		assert_true(k >= 0);
		seen[k]++;
		assert_string_equal(json_string_value(json_object_get(e, "siret")), want[k].siret);
		if (want[k].name)
			assert_string_equal(json_string_value(json_object_get(e, "name")), want[k].name);
		else
			assert_true(json_is_null(json_object_get(e, "name")));
		assert_string_equal(json_string_value(json_object_get(e, "city")), want[k].city);
		assert_int_equal(json_integer_value(json_object_get(it, "headcount")),
		                 want[k].headcount);
	}
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[2], 1);
	assert_int_equal(other, 1);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_names_each_site),
		cmocka_unit_test(test_fiche_per_establishment),
		cmocka_unit_test(test_migrated_rows_are_the_company_fiche),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
