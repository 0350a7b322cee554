/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The DUERP help end to end, through the real `socle serve` (clock frozen on
 * 2026-03-10), with a service scripts folder that adds a code and a model:
 *  - the thesaurus and the models per NAF division (the default pack's
 *    seven and the service's own);
 *  - the company starts its online DUERP from a model, blank or pre-filled;
 *    bad input is a 422 naming the field that changes nothing; each rated
 *    risk gets risk_rating's score; under 50 employees a list of actions,
 *    from 50 (company_headcount) a PAPRIPACT whose measures need an
 *    indicator, a cost and a date;
 *  - it downloads it as HTML and PDF, and saves it as a version: the PDF
 *    enters the vault (transmitted this year, kept 40 years, its risks
 *    listed);
 *  - staff read and may not write; another company's employer gets 403;
 *  - a service thesaurus file with a wrong line stops `socle check` with the
 *    file and the line; a model naming an unknown code stops `socle serve`;
 *  - the fiche d'entreprise as HTML and PDF (same readers as the version,
 *    downloads audited). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsutil.h"
#include "http_client.h"
#include "riskeval_world.h"

static struct {
	char *staff, *iprp, *medecin, *employer, *employer2;
	json_int_t company, company2;
} T;

/* The service's own data: a code and a model of its own (loaded after the
 * default pack). */
static const char LOCAL_LUA[] =
	"socle.riskeval.exposure(\"poussieres_platre\", \"Poussières de plâtre\", "
	"\"Agents chimiques et poussières\")\n"
	"socle.riskeval.duerp_model{ division = \"81\", titre = \"Nettoyage\",\n"
	"  unites = { { nom = \"Chantiers de nettoyage\", risques = {\n"
	"    { code = \"produits_nettoyage\" }, { code = \"poussieres_platre\" } } } } }\n";

static int setup(void **state)
{
	(void)state;
	json_t *cfg = world_config("2026-03-10T09:00:00Z");
	json_t *svc = json_array_get(json_object_get(cfg, "services"), 0);

	json_object_set_new(json_object_get(svc, "plugins"), "riskeval", json_object());
	json_object_set_new(svc, "scripts", json_string("svc-scripts"));
	int rc = test_deploy_create(&D, "riskeval-online", cfg);
	json_decref(cfg);
	if (rc != 0 || test_deploy_write(&D, "svc-scripts/riskeval_local.lua", LOCAL_LUA) != 0)
		return -1;
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("iprp@svc.test", "iprp", STAFF_PASSWORD, NULL);
	if (test_server_start_deploy(&S, &D) != 0)
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

/* The field of the first error of a 422. */
static const char *first_field(const json_t *r)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(r, "error"), "fields"), 0), "field"));
}

static bool has_field_in(const json_t *fields, const char *field)
{
	size_t i;
	const json_t *e;

	json_array_foreach(fields, i, e)
		if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
			return true;
	return false;
}

static bool has_field(const json_t *r, const char *field)
{
	return has_field_in(json_object_get(json_object_get(r, "error"), "fields"), field);
}

static struct hc_response fetch(const char *auth, const char *path)
{
	struct hc_response resp = {0};
	const char *hdr[] = {auth, NULL};

	assert_int_equal(hc_request(S.port, "GET", path, hdr, NULL, 0, &resp), 0);
	return resp;
}

static void test_thesaurus_and_models(void **state)
{
	(void)state;
	json_t *r = get(T.employer, "/api/v1/svc/riskeval/thesaurus");
	json_t *ex = json_object_get(r, "exposures");
	bool bruit = false, local = false;
	size_t i;
	json_t *e;

	json_array_foreach(ex, i, e) {
		const char *c = json_string_value(json_object_get(e, "code"));
		bruit = bruit || strcmp(c, "bruit") == 0;
		local = local || strcmp(c, "poussieres_platre") == 0;
	}
	assert_true(bruit);
	assert_true(local); /* the service's own file, from its scripts folder */
	assert_true(json_array_size(ex) >= 40);
	json_decref(r);

	r = get(T.employer, "/api/v1/svc/riskeval/duerp/models");
	const char *want[] = {"10", "41", "43", "47", "56", "86", "88", "81"};
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		bool found = false;
		json_array_foreach(json_object_get(r, "models"), i, e)
			if (strcmp(json_string_value(json_object_get(e, "division")), want[w]) == 0) {
				found = true;
				assert_true(json_integer_value(json_object_get(e, "risques")) >= 2);
			}
		assert_true(found);
	}
	json_decref(r);
	/* The company's own division (NAF 43.22A) is suggested; another
	 * company's employer learns nothing. */
	r = get(T.employer, "/api/v1/svc/riskeval/duerp/models?company=%lld", (long long)T.company);
	assert_string_equal(json_string_value(json_object_get(r, "suggested")), "43");
	json_decref(r);
	char q[128];
	snprintf(q, sizeof(q), "/api/v1/svc/riskeval/duerp/models?company=%lld", (long long)T.company);
	assert_int_equal(status_of(T.employer2, "GET", q, NULL), 403);
	r = get(T.employer, "/api/v1/svc/riskeval/duerp/model?division=56");
	assert_string_equal(json_string_value(json_object_get(r, "titre")), "Restauration");
	json_t *risk = json_array_get(json_object_get(json_array_get(json_object_get(r, "unites"), 0),
	                                              "risques"), 0);
	assert_string_equal(json_string_value(json_object_get(risk, "code")), "brulure");
	assert_string_equal(json_string_value(json_object_get(risk, "libelle")),
	                    "Brûlure (surfaces, liquides chauds, vapeur)");
	json_decref(r);
	assert_int_equal(status_of(T.employer, "GET", "/api/v1/svc/riskeval/duerp/model?division=99",
	                           NULL), 404);
	assert_int_equal(status_of(T.employer, "GET", "/api/v1/svc/riskeval/duerp/model?division=4",
	                           NULL), 422);
}

static json_t *risk(const char *code, int g, int p)
{
	return json_pack("{s:s, s:i, s:i}", "code", code, "gravite", g, "probabilite", p);
}

static void test_online_duerp(void **state)
{
	(void)state;
	char online[200], path[256];

	snprintf(online, sizeof(online), "%s", company_path(T.company, "/duerp/online"));
	snprintf(path, sizeof(path), "%s", online);
	assert_int_equal(status_of(T.employer, "GET", path, NULL), 404);
	/* The team advises; the company writes. Another company: 403. */
	assert_int_equal(status_of(T.iprp, "POST", path, json_pack("{s:s}", "model", "43")), 403);
	assert_int_equal(status_of(T.employer2, "POST", path, json_pack("{s:s}", "model", "43")),
	                 403);
	int status = 0;
	json_t *r = call(T.employer, "POST", path, json_pack("{s:s}", "model", "99"), &status);
	assert_int_equal(status, 422);
	assert_string_equal(first_field(r), "model");
	json_decref(r);

	/* A blank model of the division: its units, no risks. */
	r = expect(201, T.employer, "POST", path, json_pack("{s:s, s:b}", "model", "43", "prefilled",
	                                                   0));
	json_t *units = json_object_get(json_object_get(r, "content"), "unites");
	assert_int_equal(json_array_size(units), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(units, 0), "nom")),
	                    "Chantier : second œuvre");
	assert_int_equal(json_array_size(json_object_get(json_array_get(units, 0), "risques")), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "plan"), "kind")),
	                    "liste_actions");
	assert_false(json_is_true(json_object_get(r, "ready")));
	json_decref(r);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:s}", "model", "43")), 409);

	/* The other company starts from the pre-filled model: typical risks, to rate. */
	r = expect(201, T.employer2, "POST", company_path(T.company2, "/duerp/online"),
	           json_pack("{s:s}", "model", "43"));
	json_t *r1 = json_array_get(json_object_get(json_array_get(json_object_get(
		json_object_get(r, "content"), "unites"), 0), "risques"), 0);
	assert_string_equal(json_string_value(json_object_get(r1, "code")), "chute_hauteur");
	assert_true(json_is_null(json_object_get(r1, "rating")));
	assert_true(has_field_in(json_object_get(r, "missing"),
	                         "content.unites[1].risques[1].gravite"));
	json_decref(r);

	/* Bad input: each field named, nothing written. */
	r = call(T.employer, "PUT", path, json_pack(
		"{s:{s:[{s:s, s:[{s:s}, {s:s, s:i}]}]}}", "content", "unites", "nom", "Atelier",
		"risques", "code", "radon_inconnu", "code", "bruit", "gravite", 5), &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "content.unites[1].risques[1].code"));
	assert_true(has_field(r, "content.unites[1].risques[2].gravite"));
	json_decref(r);
	r = get(T.employer, "%s", path);
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "content"), "unites")), 3);
	json_decref(r);

	/* The company's evaluation: rated risks, a list of actions (4 employees). */
	json_t *content = json_pack(
		"{s:[{s:s, s:[o, o]}], s:[{s:s, s:s}], s:s}", "unites", "nom", "Atelier", "risques",
		risk("bruit", 2, 3), risk("chute_hauteur", 4, 3), "actions", "mesure",
		"Garde-corps sur la mezzanine", "risque", "chute_hauteur", "observations",
		"Évaluation faite avec le salarié désigné.");
	r = expect(200, T.employer, "PUT", path, json_pack("{s:O}", "content", content));
	json_t *risks = json_object_get(json_array_get(json_object_get(json_object_get(r, "content"),
	                                                                "unites"), 0), "risques");
	json_t *rating = json_object_get(json_array_get(risks, 1), "rating");
	assert_int_equal(json_integer_value(json_object_get(rating, "score")), 12);
	assert_string_equal(json_string_value(json_object_get(rating, "level")), "critique");
	assert_int_equal(json_integer_value(json_object_get(rating, "priority")), 1);
	assert_non_null(strstr(json_string_value(json_object_get(rating, "explanation")),
	                       "= 12 : risque critique"));
	rating = json_object_get(json_array_get(risks, 0), "rating");
	assert_string_equal(json_string_value(json_object_get(rating, "level")), "moyen");
	assert_string_equal(json_string_value(json_object_get(json_array_get(risks, 0), "libelle")),
	                    "Bruit");
	assert_true(json_is_true(json_object_get(r, "ready")));
	/* The view sent back as it came (labels, ratings): accepted, the same. */
	json_t *again = expect(200, T.employer, "PUT", path, json_pack("{s:O}", "content",
	                                                               json_object_get(r, "content")));
	assert_true(json_equal(json_object_get(again, "content"), json_object_get(r, "content")));
	json_decref(again);
	json_decref(r);

	/* Staff read it; another company's employer does not. */
	json_decref(expect(200, T.iprp, "GET", path, NULL));
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
	assert_int_equal(status_of(T.iprp, "PUT", path, json_pack("{s:O}", "content", content)), 403);

	/* The document: an HTML page that prints, and a PDF. */
	snprintf(path, sizeof(path), "%s/document", online);
	struct hc_response resp = fetch(T.employer, path);
	assert_int_equal(resp.status, 200);
	assert_non_null(strstr(hc_header(&resp, "Content-Type"), "text/html"));
	/* (the document's typography puts a no-break space before the colon) */
	assert_non_null(strstr(resp.body, "Unité de travail\u00a0: Atelier"));
	assert_non_null(strstr(resp.body, "Liste des actions de prévention"));
	assert_non_null(strstr(resp.body, "Garde-corps sur la mezzanine"));
	hc_response_free(&resp);
	resp = fetch(T.employer2, path);
	assert_int_equal(resp.status, 403);
	hc_response_free(&resp);
	snprintf(path, sizeof(path), "%s/document.pdf", online);
	resp = fetch(T.iprp, path);
	assert_int_equal(resp.status, 200);
	assert_string_equal(hc_header(&resp, "Content-Type"), "application/pdf");
	assert_memory_equal(resp.body, "%PDF-", 5);
	assert_non_null(hc_header(&resp, "X-Document-Number"));
	hc_response_free(&resp);

	/* From 50 employees (company_headcount: the declared headcount), the plan
	 * is a PAPRIPACT: each measure with its indicator, cost and date. */
	char sql[128];
	snprintf(sql, sizeof(sql), "UPDATE membership_company SET headcount = 60 WHERE id = %lld",
	         (long long)T.company);
	db_exec(sql);
	r = get(T.employer, "%s", online);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "plan"), "kind")),
	                    "papripact");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "plan"),
	                                                    "headcount")), 60);
	assert_false(json_is_true(json_object_get(r, "ready")));
	json_decref(r);
	snprintf(path, sizeof(path), "%s/versions", online);
	r = call(T.employer, "POST", path, json_object(), &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "content.actions[1].indicateur"));
	assert_true(has_field(r, "content.actions[1].cout"));
	assert_true(has_field(r, "content.actions[1].echeance"));
	json_decref(r);
	json_object_set_new(content, "actions", json_pack(
		"[{s:s, s:s, s:s, s:s, s:f, s:s}]", "mesure", "Garde-corps sur la mezzanine", "risque",
		"chute_hauteur", "responsable", "Le gérant", "echeance", "2026-06-30", "cout", 1850.0,
		"indicateur", "Mezzanine équipée, zéro chute"));
	r = expect(200, T.employer, "PUT", online, json_pack("{s:O}", "content", content));
	assert_true(json_is_true(json_object_get(r, "ready")));
	json_decref(r);
	json_decref(content);

	/* Saved as a version: its PDF enters the vault. Staff may not. */
	assert_int_equal(status_of(T.iprp, "POST", path, json_object()), 403);
	r = expect(201, T.employer, "POST", path, json_pack("{s:s}", "note", "Mise à jour annuelle"));
	json_int_t duerp_id = json_integer_value(json_object_get(r, "duerp_id"));
	assert_true(duerp_id > 0);
	assert_non_null(json_string_value(json_object_get(r, "document_number")));
	json_decref(r);
	r = get(T.employer, "%s", company_path(T.company, "/duerp"));
	assert_true(json_is_true(json_object_get(r, "transmitted_this_year")));
	json_t *last = json_object_get(r, "last_version");
	assert_int_equal(json_integer_value(json_object_get(last, "id")), duerp_id);
	assert_string_equal(json_string_value(json_object_get(last, "format")), "pdf");
	assert_string_equal(json_string_value(json_object_get(last, "keep_until")), "2066-03-10");
	assert_int_equal(json_array_size(json_object_get(last, "risks")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(last, "risks"), 1)),
	                    "chute_hauteur");
	json_decref(r);
	snprintf(path, sizeof(path), "/duerp/versions/%lld/file", (long long)duerp_id);
	resp = fetch(T.employer, company_path(T.company, path));
	assert_int_equal(resp.status, 200);
	assert_memory_equal(resp.body, "%PDF-", 5);
	hc_response_free(&resp);
	assert_true(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'duerp.version_added'") ==
	            1);
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                     " 'riskeval.duerp_online.update'") == 3);
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                     " 'riskeval.duerp.upload'") == 1);
}

static void test_fiche_documents(void **state)
{
	(void)state;
	json_decref(expect(201, T.iprp, "PUT", company_path(T.company, "/fiche/draft"), json_pack(
		"{s:{s:{s:[{s:s, s:s, s:s}], s:s}}}", "content", "expositions_actions", "risques", "code",
		"bruit", "libelle", "Bruit des machines", "unite_travail", "Atelier",
		"actions_prioritaires", "Capotage de la scie")));
	json_decref(expect(200, T.medecin, "POST", company_path(T.company, "/fiche/draft/validate"),
	                   json_object()));
	const char *pdf = company_path(T.company, "/fiche/versions/1/document.pdf");
	char pdf_path[256], html_path[256];
	snprintf(pdf_path, sizeof(pdf_path), "%s", pdf);
	snprintf(html_path, sizeof(html_path), "%s",
	         company_path(T.company, "/fiche/versions/1/document"));

	/* Before the transmission the employer sees nothing; staff do. */
	struct hc_response resp = fetch(T.employer, pdf_path);
	assert_int_equal(resp.status, 404);
	hc_response_free(&resp);
	resp = fetch(T.iprp, html_path);
	assert_int_equal(resp.status, 200);
	assert_non_null(strstr(resp.body, "expositions et actions"));
	assert_non_null(strstr(resp.body, "Bruit des machines"));
	hc_response_free(&resp);
	json_decref(expect(200, T.iprp, "POST", company_path(T.company, "/fiche/versions/1/transmit"),
	                   json_object()));
	resp = fetch(T.employer, pdf_path);
	assert_int_equal(resp.status, 200);
	assert_string_equal(hc_header(&resp, "Content-Type"), "application/pdf");
	assert_memory_equal(resp.body, "%PDF-", 5);
	assert_non_null(strstr(hc_header(&resp, "Content-Disposition"), "fiche-entreprise-v1.pdf"));
	/* The PDF holds the fiche (pdftotext reads it back). */
	char file[512], cmd[700], *out = NULL;
	snprintf(file, sizeof(file), "%s/fiche.pdf", D.dir);
	FILE *f = fopen(file, "wb");
	assert_non_null(f);
	fwrite(resp.body, 1, resp.body_len, f);
	fclose(f);
	hc_response_free(&resp);
	snprintf(cmd, sizeof(cmd), "pdftotext -layout %s -", file);
	assert_int_equal(fs_run(cmd, &out), 0);
	if (strstr(out, "Capotage de la scie") == NULL)
		fprintf(stderr, "%s", out);
	assert_non_null(strstr(out, "Atelier"));
	assert_non_null(strstr(out, "Capotage de la scie"));
	free(out);
	/* Another company's employer: 403, on both forms. */
	resp = fetch(T.employer2, pdf_path);
	assert_int_equal(resp.status, 403);
	hc_response_free(&resp);
	resp = fetch(T.employer2, html_path);
	assert_int_equal(resp.status, 403);
	hc_response_free(&resp);
	/* Each download is audited (the staff HTML, the employer's PDF). */
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                     " 'riskeval.fiche.download'") == 2);
}

/* Risks are coded with the service's thesaurus everywhere: the fiche's
 * draft, the self-assessment drawer, the codes declared with a DUERP upload;
 * the service's own code is accepted. */
static void test_codes_of_the_thesaurus(void **state)
{
	(void)state;
	int status = 0;
	json_t *r = call(T.iprp, "PUT", company_path(T.company2, "/fiche/draft"), json_pack(
		"{s:{s:{s:[{s:s}, {s:s}]}}}", "content", "expositions_actions", "risques", "code",
		"poussieres_platre", "code", "radon_du_sous_sol"), &status);
	assert_int_equal(status, 422);
	assert_string_equal(first_field(r), "content.expositions_actions.risques[2].code");
	json_decref(r);
	assert_true(db_count("SELECT COUNT(*) FROM riskeval_fiche WHERE company_id = %lld",
	                     (long long)T.company2) == 0);
	r = call(T.employer2, "PUT", company_path(T.company2, "/self-assessment/risques"), json_pack(
		"{s:[{s:s}, {s:s}]}", "risques", "code", "bruit", "code", "radon_du_sous_sol"), &status);
	assert_int_equal(status, 422);
	assert_string_equal(first_field(r), "risques.risques[2].code");
	json_decref(r);
	r = call(T.employer2, "POST", company_path(T.company2, "/duerp/versions"), json_pack(
		"{s:s, s:s, s:s, s:s, s:[s, s]}", "version_on", "2026-03-01", "format", "pdf",
		"filename", "duerp.pdf", "content_base64", "JVBERi0xLjQKJSVFT0YK", "risks", "bruit",
		"radon_du_sous_sol"), &status);
	assert_int_equal(status, 422);
	assert_string_equal(first_field(r), "risks");
	json_decref(r);
	json_decref(expect(201, T.iprp, "PUT", company_path(T.company2, "/fiche/draft"), json_pack(
		"{s:{s:{s:[{s:s}]}}}", "content", "expositions_actions", "risques", "code",
		"poussieres_platre")));
}

/* A service's thesaurus with a wrong line: `socle check` names the file and
 * the line. A model naming a code no thesaurus has: `socle serve` stops. */
static void test_bad_service_files(void **state)
{
	(void)state;
	char cmd[1024], *out = NULL;

	assert_int_equal(test_deploy_write(&D, "bad-scripts/riskeval_exposures.lua",
		"local E = socle.riskeval.exposure\n"
		"E(\"bruit\", \"Bruit\", \"Physique\")\n"
		"\n"
		"E(\"Bruit Fort\", \"Bruit fort\", \"Physique\")\n"), 0);
	json_t *cfg = world_config("2026-03-10T09:00:00Z");
	json_t *svc = json_array_get(json_object_get(cfg, "services"), 0);
	json_object_set_new(json_object_get(svc, "plugins"), "riskeval", json_object());
	json_object_set_new(svc, "scripts", json_string("bad-scripts"));
	json_object_set_new(svc, "database", json_string("bad.db"));
	char *text = json_dumps(cfg, 0);
	json_decref(cfg);
	assert_int_equal(test_deploy_write(&D, "bad.json", text), 0);
	free(text);
	snprintf(cmd, sizeof(cmd), SOCLE_BINARY_DIR "/socle check --config %s/bad.json 2>&1", D.dir);
	assert_int_not_equal(fs_run(cmd, &out), 0);
	assert_non_null(strstr(out, "riskeval_exposures.lua:4"));
	assert_non_null(strstr(out, "code d'exposition « Bruit Fort » invalide"));
	free(out);

	/* A valid thesaurus, and a model that names a code it lacks. */
	assert_int_equal(test_deploy_write(&D, "bad-scripts/riskeval_exposures.lua",
		"socle.riskeval.exposure(\"bruit\", \"Bruit\", \"Physique\")\n"), 0);
	snprintf(cmd, sizeof(cmd), "timeout 30 " SOCLE_BINARY_DIR "/socle serve --config "
	         "%s/bad.json --listen 127.0.0.1 --port %d 2>&1", D.dir, test_free_port());
	int rc = fs_run(cmd, &out);
	assert_int_not_equal(rc, 0);
	assert_int_not_equal(rc, 124); /* it stopped by itself */
	assert_non_null(strstr(out, "absent du thésaurus"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thesaurus_and_models),
		cmocka_unit_test(test_online_duerp),
		cmocka_unit_test(test_fiche_documents),
		cmocka_unit_test(test_codes_of_the_thesaurus),
		cmocka_unit_test(test_bad_service_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
