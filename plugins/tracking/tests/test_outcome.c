/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Visit outcomes and their documents, the reprise warning job and the
 * individual follow-up parcours (issue 4, items 3, 7 and 10), through the real
 * `socle serve` with a frozen clock (2025-03-12T08:00:00Z, 09:00 in Lyon); the
 * visits are planned later the same day, so that they are held "today":
 *   - validation errors (field by field, nothing stored), the caller checks:
 *     capability medical.write (employer, IPRP: 403), an infirmier on a visit
 *     reserved to the médecin, an infirmier who did not hold the visit, an
 *     inaptitude declared by an infirmier (403, audited, nothing stored);
 *   - an attestation with its proposals of job adjustment, orientation,
 *     ordonnance, next visit and notes: request done, protocol written, DMST
 *     created with its last visit and retention, notes as DMST entries,
 *     adjustments stored, events (without medical content) and audit;
 *   - an avis d'inaptitude by the médecin updating an existing DMST;
 *   - the documents as JSON and HTML (escaped, French, the service's name)
 *     and their access matrix: employer (attestation or avis only, never the
 *     ordonnance nor medical content), the worker (all), the health
 *     professionals (traced in the worker's access list), others 403;
 *   - the reprise warning: mails to the company and the service, follow_up.due,
 *     idempotent on a repeated update; no warning for a short leave;
 *   - the parcours suivi_individuel: demande, convocation, entretien, closed. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fsutil.h"
#include "http_client.h"
#include "server.h"
#include "tracking_world.h"

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-03-12T08:00:00Z");

	/* Visits held the day they are booked: no minimum notice here (the
	 * notice itself is test_calendar's). */
	json_object_set_new(json_object_get(json_object_get(json_array_get(json_object_get(cfg,
	                    "services"), 0), "plugins"), "tracking"), "min_notice_hours",
	                    json_integer(0));

	if (test_deploy_create(&D, "tracking-outcome", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("infirmier@svc.test", "infirmier", STAFF_PASSWORD, NULL);
	user_add("infirmier2@svc.test", "infirmier", STAFF_PASSWORD, NULL);
	user_add("iprp@svc.test", "iprp", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

/* GET @p path raw: the status, the Content-Type and the body (owned). */
static int get_raw(const char *auth, const char *path, char **type, char **body)
{
	const char *headers[] = {auth, NULL};
	struct hc_response r = {0};

	if (hc_request(S.port, "GET", path, headers, NULL, 0, &r) != 0)
		return 0;
	int status = r.status;
	const char *t = hc_header(&r, "Content-Type");
	*type = strdup(t ? t : "");
	*body = strdup(r.body ? r.body : "");
	hc_response_free(&r);
	return status;
}

static json_int_t request(const char *auth, json_int_t w, json_int_t c, const char *type)
{
	json_t *r = expect(201, auth, "POST", "/api/v1/svc/tracking/visit-requests",
	                   json_pack("{s:I, s:I, s:s}", "worker_id", w, "company_id", c, "type",
	                             type));
	json_int_t id = id_of(r);

	json_decref(r);
	return id;
}

static const char *error_code(const json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "error"), "code"));
}

static bool has_field(const json_t *r, const char *name)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "field")), name) == 0)
			return true;
	return false;
}

/* Wait until the SQL count reaches @p want (events are delivered after the commit). */
static long long wait_count(long long want, const char *sql)
{
	long long n = -1;

	for (int tries = 0; tries < 200 && (n = db_count("%s", sql)) < want; tries++)
		usleep(50000);
	return n;
}

static void test_outcome(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp_a = NULL, *emp_b = NULL;
	char path[256], q[512];
	json_t *r;
	(void)state;

	json_int_t a = member_company(staff, "81234567600017", "Électricité Garnier",
	                              "ines@garnier.test", &emp_a);
	json_int_t b = member_company(staff, "81234568400011", "Menuiserie Blanc", "paul@blanc.test",
	                              &emp_b);
	(void)b;
	json_int_t w1 = worker(staff, a, "G-001", "Roux", "Léa");
	/* Hugo works on an asbestos site (SIR): he owes an EMA. */
	char path_w[128];
	snprintf(path_w, sizeof(path_w), "/api/v1/svc/membership/companies/%lld/workers", (long long)a);
	json_t *hugo = expect(201, staff, "POST", path_w,
	                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "external_ref",
	                                "G-002", "last_name", "Moreau", "first_name", "Hugo",
	                                "birth_date", "1985-05-04", "job_title", "Électricien",
	                                "contract_type", "cdi", "start_date", "2015-09-01",
	                                "exposures", "amiante"));
	json_int_t w2 = id_of(hugo);
	json_decref(hugo);
	json_int_t w3 = worker(staff, a, "G-003", "Petit", "Zoé");
	char extra[64];
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)w1);
	user_add("lea.roux@mail.test", "employee", WORKER_PASSWORD, extra);
	char *lea = login("lea.roux@mail.test", WORKER_PASSWORD);
	char *med = login("medecin@svc.test", STAFF_PASSWORD);
	char *inf = login("infirmier@svc.test", STAFF_PASSWORD);
	char *inf2 = login("infirmier2@svc.test", STAFF_PASSWORD);
	char *iprp = login("iprp@svc.test", STAFF_PASSWORD);

	/* Planning: the infirmier at 10:00, the médecin at 14:00, today. */
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "medecin@svc.test", "site", "Lyon"));
	json_int_t pro_med = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "infirmier@svc.test", "site", "Lyon"));
	json_int_t pro_inf = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	json_decref(expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	                   json_pack("{s:I, s:s, s:i, s:i}", "professional_id", pro_inf,
	                             "starts_at", "2025-03-12T10:00", "duration_min", 30, "count",
	                             2)));
	json_decref(expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	                   json_pack("{s:I, s:s, s:i}", "professional_id", pro_med, "starts_at",
	                             "2025-03-12T14:00", "duration_min", 30)));
	json_int_t r1 = request(emp_a, w1, a, "vip_initiale");
	json_int_t r2 = request(emp_a, w2, a, "ema_initial");
	json_int_t r3 = request(emp_a, w3, a, "vip_initiale");
	r = expect(200, staff, "POST", "/api/v1/svc/tracking/assignments/run", json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "scheduled")), 3);
	json_decref(r);
	/* The médecin already holds a file for Hugo (an earlier visit). */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/dmst/%lld", (long long)w2);
	json_decref(expect(201, med, "PUT", path, json_pack("{s:s}", "last_visit_on",
	                                                    "2020-01-06")));

	/* ---- 0. no outcome before the visit has begun (09:00 for 10:00) ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)r1);
	r = expect(422, inf, "POST", path,
	           json_pack("{s:s, s:s}", "held_on", "2025-03-12", "document", "attestation"));
	assert_true(has_field(r, "held_on"));
	char *said = json_dumps(r, 0);
	assert_non_null(strstr(said, "10 h 00"));
	free(said);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_outcome"), 0);
	/* 15:30 in Lyon: every visit of the day has begun. */
	restart_at("2025-03-12T14:30:00Z");
	free(staff), free(emp_a), free(lea), free(med), free(inf), free(inf2), free(iprp);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	emp_a = login("ines@garnier.test", EMPLOYER_PASSWORD);
	lea = login("lea.roux@mail.test", WORKER_PASSWORD);
	med = login("medecin@svc.test", STAFF_PASSWORD);
	inf = login("infirmier@svc.test", STAFF_PASSWORD);
	inf2 = login("infirmier2@svc.test", STAFF_PASSWORD);
	iprp = login("iprp@svc.test", STAFF_PASSWORD);
	free(emp_b);
	emp_b = login("paul@blanc.test", EMPLOYER_PASSWORD);

	/* ---- 1. validation: field by field, nothing stored ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)r1);
	r = expect(422, inf, "POST", path,
	           json_pack("{s:s, s:s, s:[{s:s}], s:[{s:s, s:s}], s:{s:[], s:[s]}, s:[s]}",
	                     "held_on", "2025-02-30", "document", "certificat", "adjustments", "kind",
	                     "poste", "notes", "kind", "diagnostic", "text", "x", "ordonnance",
	                     "risks", "advice", "Pauses", "mentions", "retraite"));
	assert_true(has_field(r, "held_on"));
	assert_true(has_field(r, "document"));
	json_decref(r);
	r = expect(422, inf, "POST", path,
	           json_pack("{s:s, s:s, s:[{s:s}], s:[{s:s, s:s}], s:{s:[], s:[s]}, s:[s]}",
	                     "held_on", "2025-03-12", "document", "attestation", "adjustments",
	                     "kind", "poste", "notes", "kind", "diagnostic", "text", "x",
	                     "ordonnance", "risks", "advice", "Pauses", "mentions", "retraite"));
	assert_true(has_field(r, "adjustments[1].description"));
	assert_true(has_field(r, "notes[1].kind"));
	assert_true(has_field(r, "ordonnance.risks"));
	assert_true(has_field(r, "mentions[1]"));
	json_decref(r);
	r = expect(422, inf, "POST", path,
	           json_pack("{s:s, s:s, s:s}", "held_on", "2025-03-13", "document", "avis_aptitude",
	                     "next_visit_on", "2025-03-01"));
	assert_true(has_field(r, "held_on"));
	assert_true(has_field(r, "document"));
	assert_true(has_field(r, "next_visit_on"));
	json_decref(r);
	r = expect(422, inf, "POST", path,
	           json_pack("{s:s, s:s, s:s}", "held_on", "2025-03-11", "document", "attestation",
	                     "next_visit_on", "2030-03-13"));
	assert_true(has_field(r, "held_on"));
	assert_true(has_field(r, "next_visit_on"));
	json_decref(r);

	/* ---- 2. who records: health professionals, the one who held it, the médecin ---- */
	json_t *ok_body = json_pack(
		"{s:s, s:s, s:s, s:[{s:s, s:s}], s:s, s:{s:[s, s], s:[s, s]}, s:s,"
		" s:[{s:s, s:s}, {s:s, s:s}]}",
		"held_on", "2025-03-12", "document", "attestation", "remarks",
		"Siège <ergonomique> & repose-pieds", "adjustments", "kind", "poste", "description",
		"Alterner les tâches debout et assises", "orientation", "medecin", "ordonnance",
		"risks", "Port de charges", "Travail sur écran", "advice",
		"Utiliser le diable pour les charges de plus de 15 kg", "Pause visuelle toutes les "
		"heures", "next_visit_on", "2027-03-01", "notes", "kind", "observation", "text",
		"Lombalgies chroniques signalées", "kind", "info_given", "text",
		"Informé(e) des gestes et postures");
	json_decref(expect(403, emp_a, "POST", path, json_deep_copy(ok_body)));
	json_decref(expect(403, iprp, "POST", path, json_deep_copy(ok_body)));
	r = expect(403, inf2, "POST", path, json_deep_copy(ok_body));
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
	                                                         "message")), "qui a tenu"));
	json_decref(r);
	json_t *inapt = json_deep_copy(ok_body);
	json_object_set_new(inapt, "document", json_string("avis_inaptitude"));
	r = expect(403, inf, "POST", path, inapt);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
	                                                         "message")), "médecin du travail"));
	json_decref(r);
	snprintf(q, sizeof(q), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)r2);
	json_decref(expect(403, inf, "POST", q,
	                   json_pack("{s:s, s:s}", "held_on", "2025-03-12", "document",
	                             "avis_aptitude")));
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_outcome"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_dmst_entry"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_request WHERE status = 'done'"),
	                 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied'"
	                          " AND action = 'tracking.visit.complete'"), 3);

	/* ---- 3. the attestation of the infirmier who held the VIP ---- */
	r = expect(201, inf, "POST", path, json_deep_copy(ok_body));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "done");
	assert_string_equal(json_string_value(json_object_get(r, "role")), "infirmier");
	assert_true(json_is_null(json_object_get(r, "avis")));
	json_decref(r);
	r = expect(409, inf, "POST", path, json_deep_copy(ok_body));
	assert_string_equal(error_code(r), "already_exists");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_outcome WHERE request_id = %lld"
	                          " AND worker_id = %lld AND company_id = %lld AND type ="
	                           " 'vip_initiale' AND held_on = '2025-03-12' AND role = 'infirmier'"
	                          " AND next_visit_on = '2027-03-01' AND orientation = 'medecin'"
	                          " AND avis IS NULL AND professional_id = %lld", (long long)r1,
	                          (long long)w1, (long long)a, (long long)pro_inf), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_request WHERE id = %lld"
	                          " AND status = 'done'", (long long)r1), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_protocol WHERE worker_id = %lld"
	                          " AND next_visit_on = '2027-03-01'", (long long)w1), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_dmst WHERE worker_id = %lld"
	                          " AND last_visit_on = '2025-03-12'"
	                          " AND retention_until = '2065-03-12'", (long long)w1), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_dmst_entry WHERE worker_id = %lld"
	                          " AND entry_date = '2025-03-12' AND author_role = 'infirmier'",
	                          (long long)w1), 2);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_job_adjustment WHERE worker_id = %lld"
	                          " AND kind = 'poste' AND status = 'proposed'", (long long)w1), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'visit.completed'"
	                          " AND payload LIKE '%%\"request_id\":%lld%%'"
	                          " AND payload LIKE '%%\"held_on\":\"2025-03-12\"%%'", (long long)r1),
	                 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'job_adjustment.proposed'"),
	                 1);
	/* The proposals of the outcome in one event, for the job-retention plugin
	 * (issue 17): what the employer is to read, never the notes. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name ="
	                          " 'job_adjustment.proposals_issued'"
	                          " AND payload LIKE '%%\"request_id\":%lld%%'"
	                          " AND payload LIKE '%%\"visit_type\":\"vip_initiale\"%%'"
	                          " AND payload LIKE '%%\"kind\":\"poste\"%%'"
	                          " AND payload LIKE '%%Alterner les tâches debout et assises%%'",
	                          (long long)r1),
	                 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE payload LIKE '%%Lombalgies%%'"
	                          " OR payload LIKE '%%charges%%'"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE detail LIKE '%%Lombalgies%%'"),
	                 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'tracking.visit.complete' AND outcome = 'ok' AND object_id = %lld",
	                          (long long)r1), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'tracking.dmst.create'"
	                          " AND object_id = %lld", (long long)w1), 1);

	/* A next visit beyond the legal delay after a VIP (60 months). */
	snprintf(q, sizeof(q), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)r3);
	r = expect(422, inf, "POST", q, json_pack("{s:s, s:s, s:s}", "held_on", "2025-03-12",
	                                          "document", "attestation", "next_visit_on",
	                                          "2030-03-13"));
	assert_true(has_field(r, "next_visit_on"));
	json_decref(r);

	/* ---- 4. the avis d'inaptitude of the médecin (EMA), existing DMST ---- */
	snprintf(q, sizeof(q), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)r2);
	r = expect(422, med, "POST", q, json_pack("{s:s, s:s}", "held_on", "2025-03-12", "document",
	                                          "attestation"));
	assert_true(has_field(r, "document"));
	json_decref(r);
	r = expect(201, med, "POST", q,
	           json_pack("{s:s, s:s, s:s, s:s}", "held_on", "2025-03-12", "document",
	                     "avis_inaptitude", "reclassement",
	                     "Pourrait occuper un poste sans travail en hauteur", "orientation",
	                     "soins"));
	assert_string_equal(json_string_value(json_object_get(r, "avis")), "inaptitude");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_dmst WHERE worker_id = %lld"
	                          " AND last_visit_on = '2025-03-12'"
	                          " AND retention_until = '2065-03-12'", (long long)w2), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'tracking.dmst.update'"
	                          " AND object_id = %lld", (long long)w2), 1);

	/* ---- 5. documents and their access matrix ---- */
	char base[128], base2[128], *type = NULL, *html = NULL;
	snprintf(base, sizeof(base), "/api/v1/svc/tracking/visits/%lld/documents", (long long)r1);
	snprintf(base2, sizeof(base2), "/api/v1/svc/tracking/visits/%lld/documents", (long long)r2);
	/* The employer: the attestation, without any medical content. */
	r = get(emp_a, "%s/attestation", base);
	assert_string_equal(json_string_value(json_object_get(r, "model")), "attestation_suivi");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "service"), "name")),
	                    "SPSTI du Rhône");
	assert_true(json_is_true(json_object_get(r, "orientation_medecin")));
	assert_int_equal(json_array_size(json_object_get(r, "adjustments")), 1);
	assert_string_equal(json_string_value(json_object_get(r, "next_visit_on")), "2027-03-01");
	char *dump = json_dumps(r, JSON_COMPACT);
	assert_null(strstr(dump, "Lombalgies"));
	assert_null(strstr(dump, "Port de charges"));
	assert_null(strstr(dump, "risks"));
	assert_null(strstr(dump, "ordonnance"));
	free(dump);
	json_decref(r);
	snprintf(q, sizeof(q), "%s/attestation.html", base);
	assert_int_equal(get_raw(emp_a, q, &type, &html), 200);
	assert_non_null(strstr(type, "text/html"));
	assert_non_null(strstr(html, "<html lang=\"fr\">"));
	assert_non_null(strstr(html, "Attestation de suivi individuel"));
	assert_non_null(strstr(html, "SPSTI du Rhône"));
	assert_non_null(strstr(html, "Siège &lt;ergonomique&gt; &amp; repose-pieds"));
	assert_non_null(strstr(html, "Léa Roux"));
	assert_non_null(strstr(html, "12 mars 2025"));
	/* Named, never "Le salarié"; no civility declared: "orienté(e)". */
	assert_non_null(strstr(html, "Léa Roux est orienté(e) vers le médecin du travail"));
	assert_null(strstr(html, "Le salarié"));
	assert_null(strstr(html, "<ergonomique>"));
	assert_null(strstr(html, "Lombalgies"));
	/* Styled by a stylesheet of this server: the CSP (style-src 'self')
	 * drops inline style, and the page must still print cleanly. */
	assert_null(strstr(html, "<style"));
	assert_null(strstr(html, "style=\""));
	assert_non_null(strstr(html, "<link rel=\"stylesheet\" href=\"/svc/tracking/documents.css\">"));
	free(type);
	free(html);
	assert_int_equal(get_raw(emp_a, "/svc/tracking/documents.css", &type, &html), 200);
	assert_non_null(strstr(type, "text/css"));
	assert_non_null(strstr(html, "@media print"));
	free(type);
	free(html);
	snprintf(q, sizeof(q), "%s/ordonnance", base);
	r = expect(403, emp_a, "GET", q, NULL);
	json_decref(r);
	snprintf(q, sizeof(q), "%s/ordonnance.html", base);
	json_decref(expect(403, emp_a, "GET", q, NULL));
	snprintf(q, sizeof(q), "%s/avis", base);
	json_decref(expect(404, emp_a, "GET", q, NULL));
	snprintf(q, sizeof(q), "%s/attestation", base);
	json_decref(expect(403, emp_b, "GET", q, NULL));
	json_decref(expect(403, iprp, "GET", q, NULL));
	json_decref(expect(403, staff, "GET", q, NULL));
	snprintf(q, sizeof(q), "%s/bulletin", base);
	json_decref(expect(404, emp_a, "GET", q, NULL));
	/* The worker: the ordonnance and the attestation; not another worker's. */
	r = get(lea, "%s/ordonnance", base);
	assert_string_equal(json_string_value(json_object_get(r, "model")), "ordonnance_prevention");
	assert_int_equal(json_array_size(json_object_get(r, "risks")), 2);
	assert_int_equal(json_array_size(json_object_get(r, "advice")), 2);
	assert_non_null(strstr(json_string_value(json_object_get(r, "contact")), "SPSTI du Rhône"));
	json_decref(r);
	snprintf(q, sizeof(q), "%s/ordonnance.html", base);
	assert_int_equal(get_raw(lea, q, &type, &html), 200);
	assert_non_null(strstr(html, "Ordonnance de prévention"));
	assert_non_null(strstr(html, "Port de charges"));
	assert_non_null(strstr(html, "Joindre le service"));
	/* The worker reads an article he can look up, not the offer's internals. */
	assert_non_null(strstr(html, "R4624-11"));
	assert_null(strstr(html, "cahier des charges"));
	free(type);
	free(html);
	json_decref(get(lea, "%s/attestation", base));
	snprintf(q, sizeof(q), "%s/avis", base2);
	json_decref(expect(403, lea, "GET", q, NULL));
	/* The avis for the employer: inaptitude, reclassement, recourse; no orientation to care. */
	r = get(emp_a, "%s/avis", base2);
	assert_string_equal(json_string_value(json_object_get(r, "model")), "avis_inaptitude");
	assert_non_null(json_object_get(r, "reclassement"));
	assert_non_null(strstr(json_string_value(json_object_get(r, "recourse")), "15 jours"));
	dump = json_dumps(r, JSON_COMPACT);
	assert_null(strstr(dump, "soins"));
	free(dump);
	json_decref(r);
	snprintf(q, sizeof(q), "%s/ordonnance", base2);
	json_decref(expect(404, med, "GET", q, NULL));
	/* Health professionals read all; the access shows in the worker's list. */
	json_decref(get(inf, "%s/ordonnance", base));
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'dmst.document.read' AND object_id = %lld AND outcome = 'ok'",
	                          (long long)w1), 1);
	r = get(lea, "/api/v1/svc/tracking/dmst/%lld/accesses", (long long)w1);
	dump = json_dumps(r, JSON_COMPACT);
	assert_non_null(strstr(dump, "dmst.document.read"));
	assert_non_null(strstr(dump, "dmst.write"));
	free(dump);
	json_decref(r);
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied'"
	                     " AND action = 'tracking.document.read'") >= 4);

	/* ---- 6. the reprise warning ---- */
	r = expect(201, emp_a, "POST", "/api/v1/svc/tracking/leaves",
	           json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "worker_id", w3, "company_id", a,
	                     "cause", "maladie", "start", "2025-01-06", "actual_end", "2025-03-11",
	                     "return_date", "2025-03-12"));
	json_int_t leave = id_of(r);
	json_decref(r);
	assert_int_equal(wait_mails("ines@garnier.test", "reprise", "Zoé Petit", 1), 1);
	assert_int_equal(wait_mails("suivi@svc.test", "reprise", "au plus tard le 20 mars 2025", 1),
	                 1);
	assert_int_equal(wait_count(1, "SELECT COUNT(*) FROM core_event WHERE name = 'follow_up.due'"
	                               " AND payload LIKE '%\"type\":\"visite_reprise\"%'"
	                               " AND payload LIKE '%\"latest\":\"2025-03-20\"%'"), 1);
	/* A repeated update changes nothing: one warning, one mail each. */
	snprintf(q, sizeof(q), "/api/v1/svc/tracking/leaves/%lld", (long long)leave);
	json_decref(expect(200, emp_a, "PATCH", q, json_pack("{s:s}", "expected_end",
	                                                    "2025-03-11")));
	assert_int_equal(wait_count(2, "SELECT COUNT(*) FROM core_event WHERE name ="
	                               " 'sick_leave.updated' OR name = 'sick_leave.declared'"), 2);
	usleep(300000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_reprise_warning"), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_reprise_warning WHERE sent_at IS NOT NULL"),
	                 1);
	assert_int_equal(count_mails("ines@garnier.test", "reprise", NULL), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'tracking.reprise.warn'"),
	                 1);
	/* A short leave: no reprise, no warning. */
	json_decref(expect(201, emp_a, "POST", "/api/v1/svc/tracking/leaves",
	                   json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "worker_id", w2,
	                             "company_id", a, "cause", "maladie", "start", "2025-02-20",
	                             "actual_end", "2025-02-28", "return_date", "2025-03-03")));
	usleep(300000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_reprise_warning"), 1);

	/* ---- 7. the parcours of Léa: demande, convocation, entretien, closed ---- */
	snprintf(q, sizeof(q), "SELECT COUNT(*) FROM core_parcours_instance WHERE parcours ="
	         " 'suivi_individuel' AND subject = 'worker' AND subject_id = '%lld'"
	         " AND status = 'closed'", (long long)w1);
	assert_int_equal(wait_count(1, q), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_parcours_history h"
	                          " JOIN core_parcours_instance i ON i.id = h.instance_id"
	                          " WHERE i.parcours = 'suivi_individuel' AND i.subject_id = '%lld'"
	                          " AND h.to_step IN ('demande', 'convocation', 'entretien')", (long long)w1), 3);
	/* Zoé's visit is not held yet: her pathway waits at the convocation. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_parcours_instance WHERE parcours = 'suivi_individuel' AND subject_id ="
	                          " '%lld' AND status = 'open' AND current_step = 'convocation'",
	                          (long long)w3), 1);
	r = get(staff, "/api/v1/svc/parcours");
	dump = json_dumps(r, JSON_COMPACT);
	assert_non_null(strstr(dump, "suivi_individuel"));
	free(dump);
	json_decref(r);

	json_decref(ok_body);
	free(emp_a);
	free(emp_b);
	free(lea);
	free(med);
	free(inf);
	free(inf2);
	free(iprp);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest http[] = {
		cmocka_unit_test(test_outcome),
	};

	return cmocka_run_group_tests_name("outcome", http, setup_http, world_teardown);
}
