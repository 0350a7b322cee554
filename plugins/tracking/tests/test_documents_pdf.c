/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The documents of a visit as issued PDFs (issue 13, item 2: attestation de
 * suivi, ordonnance de prévention), through the real `socle serve` with a
 * frozen clock (2025-03-12T08:00:00Z, then 09:15 once the visit began):
 *   - the employer's attestation .pdf: A4, one page, pdftotext reads the title,
 *     the worker, the company, the remarks, the signature of the infirmier,
 *     the number and verification code, and no marker planted in the notes or
 *     the ordonnance; the verification route knows its code;
 *   - the employer never gets the ordonnance's PDF (403, audited); the worker
 *     gets it, with its risks; the médecin too, through the medical gate
 *     (traced as dmst.document.read); another company's employer gets 403. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsutil.h"
#include "http_client.h"
#include "server.h"
#include "tracking_world.h"

#define SECRET "SECRET-"

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-03-12T08:00:00Z");

	json_object_set_new(json_object_get(json_object_get(json_array_get(json_object_get(cfg,
	                    "services"), 0), "plugins"), "tracking"), "min_notice_hours",
	                    json_integer(0));
	if (test_deploy_create(&D, "tracking-pdf", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("infirmier@svc.test", "infirmier", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

/* GET a PDF: its status; on 200 *text gets pdftotext's output, *info
 * pdfinfo's (both owned). */
static int pdf(const char *auth, const char *path, char **text, char **info)
{
	const char *headers[] = {auth, NULL};
	struct hc_response r = {0};
	char *file = fs_join(D.dir, "doc.pdf"), cmd[600];

	*text = *info = NULL;
	assert_int_equal(hc_request(S.port, "GET", path, headers, NULL, 0, &r), 0);
	int status = r.status;
	if (status == 200) {
		assert_string_equal(hc_header(&r, "Content-Type"), "application/pdf");
		FILE *f = fopen(file, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(r.body, 1, r.body_len, f), r.body_len);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", file);
		assert_int_equal(fs_run(cmd, text), 0);
		snprintf(cmd, sizeof(cmd), "pdfinfo '%s'", file);
		assert_int_equal(fs_run(cmd, info), 0);
	}
	hc_response_free(&r);
	free(file);
	return status;
}

static void test_visit_pdfs(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp = NULL, *other = NULL;
	char path[256], *text, *info;
	json_t *r;
	(void)state;

	json_int_t a = member_company(staff, "81234567600017", "Électricité Garnier",
	                              "ines@garnier.test", &emp);
	json_int_t b = member_company(staff, "81234568400011", "Menuiserie Blanc", "paul@blanc.test",
	                              &other);
	(void)b;
	json_int_t w1 = worker(staff, a, "G-001", "Roux", "Léa");
	char extra[64];
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)w1);
	user_add("lea.roux@mail.test", "employee", WORKER_PASSWORD, extra);
	char *lea = login("lea.roux@mail.test", WORKER_PASSWORD);
	char *med = login("medecin@svc.test", STAFF_PASSWORD);
	char *inf = login("infirmier@svc.test", STAFF_PASSWORD);

	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "infirmier@svc.test", "site", "Lyon"));
	json_int_t pro_inf = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	json_decref(expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	                   json_pack("{s:I, s:s, s:i}", "professional_id", pro_inf, "starts_at",
	                             "2025-03-12T10:00", "duration_min", 30)));
	r = expect(201, emp, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s}", "worker_id", w1, "company_id", a, "type",
	                     "vip_initiale"));
	json_int_t r1 = id_of(r);
	json_decref(r);
	json_decref(expect(200, staff, "POST", "/api/v1/svc/tracking/assignments/run",
	                   json_object()));
	/* 10:15 in Lyon: the visit has begun (no outcome before); log in again. */
	restart_at("2025-03-12T09:15:00Z");
	free(staff), free(emp), free(other), free(lea), free(med), free(inf);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
	other = login("paul@blanc.test", EMPLOYER_PASSWORD);
	lea = login("lea.roux@mail.test", WORKER_PASSWORD);
	med = login("medecin@svc.test", STAFF_PASSWORD);
	inf = login("infirmier@svc.test", STAFF_PASSWORD);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)r1);
	json_decref(expect(201, inf, "POST", path,
	                   json_pack("{s:s, s:s, s:s, s:{s:[s], s:[s]}, s:[{s:s, s:s}]}",
	                             "held_on", "2025-03-12", "document", "attestation", "remarks",
	                             "Aucune restriction : travail en hauteur possible !",
	                             "ordonnance", "risks", SECRET "ORD Risque chimique",
	                             "advice", "Pauses régulières", "notes", "kind", "observation",
	                             "text", SECRET "NOTE lombalgie")));

	/* The employer's attestation; every read of a visit's document is
	 * audited, the employer's and the worker's as the professionals'. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/documents/attestation.pdf",
	         (long long)r1);
	long long reads = db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                           " 'tracking.document.read' AND outcome = 'ok'");
	assert_int_equal(pdf(emp, path, &text, &info), 200);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'tracking.document.read' AND outcome = 'ok' AND object_type ="
	                          " 'worker' AND object_id = %lld AND detail LIKE '%%attestation%%'",
	                          (long long)w1), reads + 1);
	assert_non_null(strstr(info, "595.276 x 841.89 pts (A4)"));
	assert_non_null(strstr(info, "Pages:           1"));
	static const char *const wants[] = {
		"Attestation de suivi individuel de l'état de santé", "Léa Roux", "Électricité Garnier",
		"Date de la visite", "12 mars 2025", "Aucune restriction : travail en hauteur possible !",
		"Observations et recommandations", "Infirmier", "Références : R4624-14",
		"Page 1 sur 1", "Code de vérification : ",
	};
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
		if (strstr(text, wants[i]) == NULL)
			fail_msg("« %s » absent :\n%s", wants[i], text);
	if (strstr(text, SECRET) != NULL)
		fail_msg("un marqueur dans l'attestation de l'employeur :\n%s", text);
	char code[32], verify[128];
	snprintf(code, sizeof(code), "%.24s",
	         strstr(text, "Code de vérification : ") + strlen("Code de vérification : "));
	free(text);
	free(info);
	snprintf(verify, sizeof(verify), "/api/v1/svc/documents/verify/%s", code);
	r = expect(200, NULL, "GET", verify, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "issued");
	assert_string_equal(json_string_value(json_object_get(r, "issued_on")), "2025-03-12");
	char *dump = json_dumps(r, 0);
	assert_null(strstr(dump, "ttestation"));
	assert_null(strstr(dump, "Roux"));
	free(dump);
	json_decref(r);
	/* Another company's employer: refused. */
	assert_int_equal(pdf(other, path, &text, &info), 403);

	/* The ordonnance: never the employer's, the worker's and the médecin's. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/documents/ordonnance.pdf",
	         (long long)r1);
	long long denied = db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied'"
	                            " AND detail LIKE '%%medical_secrecy%%'");
	assert_int_equal(pdf(emp, path, &text, &info), 403);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied'"
	                          " AND detail LIKE '%%medical_secrecy%%'"), denied + 1);
	assert_int_equal(pdf(lea, path, &text, &info), 200);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'tracking.document.read' AND outcome = 'ok' AND detail LIKE"
	                          " '%%ordonnance%%'"), 1);
	assert_non_null(strstr(text, "Ordonnance de prévention"));
	assert_non_null(strstr(text, SECRET "ORD Risque chimique"));
	assert_null(strstr(text, SECRET "NOTE")); /* notes go to the DMST only */
	free(text);
	free(info);
	long long traced = db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                            " 'dmst.document.read' AND outcome = 'ok'");
	assert_int_equal(pdf(med, path, &text, &info), 200);
	assert_non_null(strstr(text, SECRET "ORD Risque chimique"));
	free(text);
	free(info);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'dmst.document.read' AND outcome = 'ok'"), traced + 1);
	/* The worker's and the médecin's copies are one issued document. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_document WHERE kind ="
	                          " 'tracking.ordonnance' AND state = 'issued'"), 1);

	free(staff);
	free(emp);
	free(other);
	free(lea);
	free(med);
	free(inf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_visit_pdfs),
	};
	return cmocka_run_group_tests(tests, setup_http, world_teardown);
}
