/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* THE acceptance path of issue 4, through the real `socle serve` with a frozen
 * clock (2025-03-12T08:00:00Z, then 2025-03-24T12:00:00Z after a restart):
 * a company applies and is approved, its employer declares a worker
 * (membership's routes) -> the worker's due VIP (POST /tracking/simulate) ->
 * the employer's visit request -> automatic assignment -> the convocation in
 * the mail outbox with its reminders scheduled (core_job rows and run_at) ->
 * the outcome recorded by the infirmier who held the visit -> the attestation
 * visible to the employer without any medical content, the ordonnance visible
 * to the worker, the DMST visible to the médecin and the infirmier only (403 to
 * the employer admin of the worker's company, the service admin and the
 * IPRP) -> the access log visible to the worker (GET
 * /tracking/dmst/{worker_id}/accesses and GET /auth/me/accesses). */
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

	if (test_deploy_create(&D, "tracking-e2e", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("infirmier@svc.test", "infirmier", STAFF_PASSWORD, NULL);
	user_add("iprp@svc.test", "iprp", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

/* The employer's and the worker's views of the visit @p req at each step
 * (issue 10 acceptance): the company's list (GET /tracking/companies/{id}/
 * visits, as the member space shows it) and the worker's (GET /tracking/
 * workers/{id}/visits, his space): the same status and slot; the documents
 * each may open, the ordonnance never in the employer's. */
static void both_views(const char *emp, const char *worker_auth, json_int_t company,
                       json_int_t worker, json_int_t req, const char *status,
                       const char *starts_at, const char *emp_docs, const char *worker_docs)
{
	json_t *lists[2] = {get(emp, "/api/v1/svc/tracking/companies/%lld/visits", (long long)company),
	                    get(worker_auth, "/api/v1/svc/tracking/workers/%lld/visits",
	                        (long long)worker)};
	const char *docs[2] = {emp_docs, worker_docs};

	for (int k = 0; k < 2; k++) {
		json_t *items = json_object_get(lists[k], "items"), *it, *found = NULL;
		size_t i;

		json_array_foreach(items, i, it)
			if (id_of(it) == req)
				found = it;
		assert_non_null(found);
		assert_string_equal(json_string_value(json_object_get(found, "status")), status);
		assert_string_equal(json_string_value(json_object_get(found, "type_label")),
		                    "Visite d'information et de prévention initiale");
		const json_t *slot = json_object_get(found, "slot");
		if (starts_at != NULL)
			assert_string_equal(json_string_value(json_object_get(slot, "starts_at")),
			                    starts_at);
		else
			assert_true(json_is_null(slot));
		char *d = json_dumps(json_object_get(found, "documents"), JSON_COMPACT);
		assert_string_equal(d, docs[k]);
		free(d);
	}
	json_decref(lists[0]);
	json_decref(lists[1]);
}

static void test_followup_e2e(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp = NULL, path[256], *dump;
	json_t *r;
	(void)state;

	/* ---- 1. the company applies, is approved; its employer declares a worker ---- */
	json_int_t a = member_company(staff, "81234567600017", "Électricité Garnier",
	                              "ines@garnier.test", &emp);
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers", (long long)a);
	r = expect(201, emp, "POST", path,
	           json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref", "G-001",
	                     "last_name", "Roux", "first_name", "Léa", "birth_date", "1990-04-12",
	                     "job_title", "Électricienne", "contract_type", "cdi", "start_date",
	                     "2025-03-10"));
	json_int_t w = id_of(r);
	json_decref(r);
	char extra[64];
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)w);
	user_add("lea.roux@mail.test", "employee", WORKER_PASSWORD, extra);
	char *lea = login("lea.roux@mail.test", WORKER_PASSWORD);

	/* ---- 2. the due VIP ---- */
	r = expect(200, staff, "POST", "/api/v1/svc/tracking/simulate",
	           json_pack("{s:{s:s, s:s, s:s}, s:[]}", "worker", "birth_date", "1990-04-12",
	                     "start_date", "2025-03-10", "contract_type", "cdi", "history"));
	const json_t *due = json_array_get(json_object_get(r, "visits"), 0);
	assert_string_equal(json_string_value(json_object_get(due, "type")), "vip_initiale");
	assert_string_equal(json_string_value(json_object_get(due, "latest")), "2025-06-10");
	json_decref(r);
	/* The same, as the engine answers for the declared worker (its employer reads it). */
	r = get(emp, "/api/v1/svc/tracking/workers/%lld/next-visits", (long long)w);
	due = json_array_get(json_object_get(r, "visits"), 0);
	assert_string_equal(json_string_value(json_object_get(due, "type")), "vip_initiale");
	assert_string_equal(json_string_value(json_object_get(due, "latest")), "2025-06-10");
	assert_non_null(strstr(json_string_value(json_object_get(due, "explanation")),
	                       "au plus tard le 10 juin 2025"));
	json_decref(r);

	/* ---- 3. the employer's request ---- */
	r = expect(201, emp, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s, s:s}", "worker_id", w, "company_id", a, "type",
	                     "vip_initiale", "due_before", "2025-06-10"));
	json_int_t req = id_of(r);
	assert_string_equal(json_string_value(json_object_get(r, "requested_by")), "employer");
	assert_string_equal(json_string_value(json_object_get(r, "requested_on")), "2025-03-12");
	json_decref(r);
	/* Both see the request, queued, no slot yet. */
	both_views(emp, lea, a, w, req, "queued", NULL, "[]", "[]");

	/* ---- 4. automatic assignment to the infirmier's slot ---- */
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "infirmier@svc.test", "site", "Lyon"));
	json_int_t pro = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	json_decref(expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	                   json_pack("{s:s, s:s}", "email", "medecin@svc.test", "site", "Lyon")));
	json_decref(expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	                   json_pack("{s:I, s:s, s:i}", "professional_id", pro, "starts_at",
	                             "2025-03-24T10:00", "duration_min", 30)));
	r = expect(200, staff, "POST", "/api/v1/svc/tracking/assignments/run", json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "scheduled")), 1);
	json_decref(r);
	r = get(emp, "/api/v1/svc/tracking/visit-requests/%lld", (long long)req);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "scheduled");
	json_decref(r);
	both_views(emp, lea, a, w, req, "scheduled", "2025-03-24T10:00", "[]", "[]");

	/* ---- 5. the convocation in the outbox, the reminders scheduled ---- */
	assert_int_equal(wait_mails("ines@garnier.test", "convocation",
	                            "Date et heure : lundi 24 mars 2025 à 10 h 00", 1), 1);
	assert_int_equal(wait_mails("lea.roux@mail.test", "convocation",
	                            "Type de visite : Visite d'information et de prévention", 1), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"
	                          " AND state = 'queued' AND run_at = 1742202000000"), 2);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"
	                          " AND state = 'queued' AND run_at = 1742720400000"), 2);

	/* A job runs at least once: a crash between the convocation job's write
	 * and the record of its end runs it again after the restart below; it
	 * must send nothing twice. */
	for (int tries = 0; tries < 200 && db_count("SELECT COUNT(*) FROM core_job WHERE kind ="
	                                             " 'tracking.convocation' AND state = 'done'") < 1;
	     tries++)
		usleep(50000);
	db_exec("UPDATE core_job SET state = 'running' WHERE kind = 'tracking.convocation'");

	/* ---- 6. the eve, then the day of the visit (the server restarted on a
	 *      later clock each time): both reminders went out while the visit
	 *      held ---- */
	restart_at("2025-03-23T12:00:00Z");
	assert_int_equal(wait_mails("lea.roux@mail.test", "rappel", "lundi 24 mars 2025", 2), 2);
	assert_int_equal(wait_mails("ines@garnier.test", "rappel", "lundi 24 mars 2025", 2), 2);
	assert_int_equal(count_mails("lea.roux@mail.test", "rappel", "a lieu dans 7 jours."), 1);
	assert_int_equal(count_mails("lea.roux@mail.test", "rappel", "a lieu dans 1 jour."), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.convocation'"
	                          " AND state = 'done' AND attempts = 2"), 1);
	assert_int_equal(count_mails("ines@garnier.test", "convocation", NULL), 1);
	assert_int_equal(count_mails("lea.roux@mail.test", "convocation", NULL), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"),
	                 4);
	restart_at("2025-03-24T12:00:00Z");
	free(staff);
	free(emp);
	free(lea);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
	lea = login("lea.roux@mail.test", WORKER_PASSWORD);
	char *inf = login("infirmier@svc.test", STAFF_PASSWORD);
	char *med = login("medecin@svc.test", STAFF_PASSWORD);
	char *iprp = login("iprp@svc.test", STAFF_PASSWORD);
	assert_int_equal(count_mails("lea.roux@mail.test", "rappel", "lundi 24 mars 2025"), 2);

	/* ---- 7. the outcome, by the infirmier who held the visit ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)req);
	r = expect(201, inf, "POST", path,
	           json_pack("{s:s, s:s, s:s, s:{s:[s], s:[s]}, s:s, s:[{s:s, s:s}]}", "held_on",
	                     "2025-03-24", "document", "attestation", "remarks",
	                     "Aucune restriction.", "ordonnance", "risks",
	                     "Risque électrique", "advice", "Consigner avant toute intervention",
	                     "next_visit_on", "2030-03-01", "notes", "kind", "observation", "text",
	                     "Hypertension à surveiller"));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "done");
	json_decref(r);
	/* Held: the employer may open the attestation, the worker the
	 * attestation and his ordonnance. */
	both_views(emp, lea, a, w, req, "done", "2025-03-24T10:00", "[\"attestation\"]",
	           "[\"attestation\",\"ordonnance\"]");

	/* ---- 8. the attestation for the employer, without medical content ---- */
	r = get(emp, "/api/v1/svc/tracking/visits/%lld/documents/attestation", (long long)req);
	assert_string_equal(json_string_value(json_object_get(r, "model")), "attestation_suivi");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "visit"),
	                                                      "held_on")), "2025-03-24");
	dump = json_dumps(r, JSON_COMPACT);
	assert_null(strstr(dump, "Hypertension"));
	assert_null(strstr(dump, "Risque électrique"));
	assert_null(strstr(dump, "Consigner"));
	free(dump);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/documents/ordonnance",
	         (long long)req);
	json_decref(expect(403, emp, "GET", path, NULL));
	/* ---- the ordonnance for the worker ---- */
	r = get(lea, "%s", path);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "risks"), 0)),
	                    "Risque électrique");
	json_decref(r);
	json_decref(get(lea, "/api/v1/svc/tracking/visits/%lld/documents/attestation.html",
	                (long long)req) /* HTML: not JSON, NULL body */);

	/* ---- 9. the DMST: médecin and infirmier only ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/dmst/%lld", (long long)w);
	r = get(med, "%s", path);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "dmst"),
	                                                      "last_visit_on")), "2025-03-24");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "dmst"),
	                                                      "retention_until")), "2065-03-24");
	dump = json_dumps(r, JSON_COMPACT);
	assert_non_null(strstr(dump, "Hypertension"));
	free(dump);
	json_decref(r);
	json_decref(get(inf, "%s", path));
	json_decref(expect(403, emp, "GET", path, NULL));
	json_decref(expect(403, staff, "GET", path, NULL));
	json_decref(expect(403, iprp, "GET", path, NULL));
	json_decref(expect(403, lea, "GET", path, NULL));
	/* Each refusal is in the audit log (the ordonnance refused to the employer,
	 * then the four DMST reads refused by the router). */
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied'") >= 5);

	/* ---- 10. the access log, for the worker ---- */
	r = get(lea, "/api/v1/svc/tracking/dmst/%lld/accesses", (long long)w);
	dump = json_dumps(r, JSON_COMPACT);
	assert_non_null(strstr(dump, "\"action\":\"dmst.read\""));
	assert_non_null(strstr(dump, "\"role\":\"medecin\""));
	assert_non_null(strstr(dump, "\"role\":\"infirmier\""));
	assert_non_null(strstr(dump, "\"action\":\"dmst.write\""));
	assert_null(strstr(dump, "infirmier@svc.test"));
	free(dump);
	json_decref(r);
	r = get(lea, "/api/v1/svc/auth/me/accesses");
	dump = json_dumps(r, JSON_COMPACT);
	assert_non_null(strstr(dump, "dmst.read"));
	free(dump);
	json_decref(r);
	json_decref(expect(403, emp, "GET", "/api/v1/svc/tracking/dmst/1/accesses", NULL));

	free(inf);
	free(med);
	free(iprp);
	free(lea);
	free(emp);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest http[] = {
		cmocka_unit_test(test_followup_e2e),
	};

	return cmocka_run_group_tests_name("followup_e2e", http, setup_http, world_teardown);
}
