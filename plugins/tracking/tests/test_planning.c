/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Visit requests, planning and convocations (issue 4, items 4, 5 and 6),
 * through the real `socle serve` with a frozen clock (2025-03-12T08:00:00Z,
 * 09:00 in Lyon):
 *   - two member companies created through membership's routes, workers
 *     declared by staff, a worker's own employee account, a médecin and an
 *     infirmier added with `socle user add` and declared to the planning;
 *   - slots (one, a series, an overlap refused, bad input), their listing;
 *   - requests: the employer's pré-reprise refused with its reason (nothing
 *     stored), stored requests with their request date, a duplicate refused,
 *     another company's employer refused (403), visits-to-plan ordered by
 *     visit_priority and paginated;
 *   - automatic assignment: an EMA never on an infirmier slot, a deadline no
 *     slot meets and a site no slot serves left in the unplaced queue with
 *     their reasons;
 *   - convocations in the outbox with the right To and content, reminders as
 *     jobs at the visit's time minus 7 and 1 days (past ones skipped);
 *   - the employer's choice among offered slots, cancellation refused within
 *     the cut-off for the employer and allowed to staff, rescheduling;
 *   - after the clock moves on (server restarted): the no-show, the reminders
 *     of the visit that still holds sent, those of cancelled ones not;
 *   - events and audit entries written with the data. */
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
#include "mime.h"
#include "server.h"
#include "tracking_world.h"

static json_t *config(const char *clock)
{
	/* A long cut-off (130 h) with no minimum notice for automatic bookings:
	 * the assignments below book slots a few days ahead (test_calendar tests
	 * the notice). */
	return json_pack("{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:f}, s:{s:i, s:i, s:[i, i]}}}]}",
	                 "plugin_dirs", TRACKING_PLUGIN_DIR, "clock", clock, "services", "id", "svc",
	                 "name", "SPSTI du Rhône", "database", "svc.db", "plugins", "membership",
	                 "fee_per_worker", 105.0, "tracking", "cancel_cutoff_hours", 130,
	                 "min_notice_hours", 0, "reminders_days", 7, 1);
}

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = config("2025-03-12T08:00:00Z");

	if (test_deploy_create(&D, "tracking-planning", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("infirmier@svc.test", "infirmier", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

static const char *field0(const json_t *r)
{
	return json_string_value(json_object_get(
		json_array_get(json_object_get(json_object_get(r, "error"), "fields"), 0), "field"));
}

static json_int_t request(const char *auth, json_t *body)
{
	json_t *r = expect(201, auth, "POST", "/api/v1/svc/tracking/visit-requests", body);
	json_int_t id = id_of(r);

	assert_string_equal(json_string_value(json_object_get(r, "status")), "queued");
	assert_string_equal(json_string_value(json_object_get(r, "requested_on")), "2025-03-12");
	json_decref(r);
	return id;
}

/* The convocation of the EMA (request @p r1) as mailed to the worker and to
 * the company: the same issued PDF (A4, the visit's words, its number) and a
 * calendar invitation per recipient (UID of the visit, UTC times, the service
 * as organizer, the recipient as attendee). */
static void convocation_attachments(json_int_t r1)
{
	char **lea = test_outbox_mails(D.dir, "svc", "lea.roux@mail.test",
	                               "Date et heure : jeudi 20 mars 2025 à 14 h 00");
	char **ines = test_outbox_mails(D.dir, "svc", "ines@garnier.test",
	                                "Date et heure : jeudi 20 mars 2025 à 14 h 00");
	char *pdf = NULL, *pdf2 = NULL, *ics = NULL, want[120];
	size_t len = 0, len2 = 0, ilen = 0;

	assert_non_null(lea[0]);
	assert_non_null(ines[0]);
	assert_true(test_mime_attachment(lea[0], "convocation.pdf", &pdf, &len));
	assert_true(test_mime_attachment(ines[0], "convocation.pdf", &pdf2, &len2));
	assert_true(len == len2 && memcmp(pdf, pdf2, len) == 0);
	char *text = test_run_on_bytes(D.dir, "convocation.pdf", pdf, len, "pdftotext");
	assert_non_null(strstr(text, "Convocation"));
	assert_non_null(strstr(text, "Léa Roux"));
	assert_non_null(strstr(text, "Électricité Garnier"));
	assert_non_null(strstr(text, "jeudi 20 mars 2025 à 14 h 00"));
	assert_non_null(strstr(text, "Examen médical d'aptitude"));
	assert_non_null(strstr(text, "Déroulement"));
	free(text);
	text = test_run_on_bytes(D.dir, "convocation.pdf", pdf, len, "pdfinfo");
	assert_non_null(strstr(text, "(A4)"));
	const char *pages = strstr(text, "Pages:");
	assert_non_null(pages);
	int n_pages = atoi(pages + 6);
	assert_true(n_pages >= 1 && n_pages <= 2);
	free(text);
	assert_true(test_mime_attachment(lea[0], "invitation.ics", &ics, &ilen));
	snprintf(want, sizeof(want), "UID:tracking-visit-%lld.svc@", (long long)r1);
	assert_non_null(strstr(ics, want));
	assert_non_null(strstr(ics, "METHOD:REQUEST\r\n"));
	assert_non_null(strstr(ics, "DTSTART:20250320T130000Z\r\n"));
	assert_non_null(strstr(ics, "SEQUENCE:0\r\n"));
	assert_non_null(strstr(ics, "LOCATION:Villeurbanne\r\n"));
	assert_non_null(strstr(ics, "ORGANIZER;CN=\"SPSTI du Rhône\":mailto:"));
	assert_non_null(strstr(ics, "mailto:lea.roux@mail.test\r\n"));
	free(ics);
	assert_true(test_mime_attachment(ines[0], "invitation.ics", &ics, &ilen));
	assert_non_null(strstr(ics, want));
	assert_non_null(strstr(ics, "mailto:ines@garnier.test\r\n"));
	free(ics);
	free(pdf);
	free(pdf2);
	test_mails_free(lea);
	test_mails_free(ines);
}

/* A worker hired on 2015-09-01 with @p extra's fields (JSON) over the usual. */
static json_int_t worker_with(const char *auth, json_int_t company, const char *ref,
                              const char *last, const char *first, const char *extra)
{
	char path[256];
	json_t *w = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref", ref,
	                      "last_name", last, "first_name", first, "birth_date", "1985-05-04",
	                      "job_title", "Électricien", "contract_type", "cdi", "start_date",
	                      "2015-09-01");
	json_t *more = json_loads(extra, 0, NULL);

	assert_non_null(more);
	json_object_update(w, more);
	json_decref(more);
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers",
	         (long long)company);
	json_t *r = expect(201, auth, "POST", path, w);
	json_int_t id = id_of(r);
	json_decref(r);
	return id;
}

static void test_planning(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp_a = NULL, *emp_b = NULL;
	char path[256];
	json_t *r;
	(void)state;

	json_int_t a = member_company(staff, "81234567600017", "Électricité Garnier",
	                              "ines@garnier.test", &emp_a);
	json_int_t b = member_company(staff, "81234568400011", "Menuiserie Blanc", "paul@blanc.test",
	                              &emp_b);
	/* Léa works on an asbestos site (SIR): she owes an EMA; Hugo, in SI, a VIP. */
	json_int_t w1 = worker_with(staff, a, "G-001", "Roux", "Léa", "{\"exposures\": [\"amiante\"]}");
	json_int_t w2 = worker(staff, a, "G-002", "Moreau", "Hugo");
	char extra[64];
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)w1);
	user_add("lea.roux@mail.test", "employee", WORKER_PASSWORD, extra);
	char *lea = login("lea.roux@mail.test", WORKER_PASSWORD);
	char *med = login("medecin@svc.test", STAFF_PASSWORD);

	/* ---- 1. professionals ---- */
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s, s:b}", "email", "medecin@svc.test", "site", "Lyon",
	                     "teleconsultation", 1));
	json_int_t pro_med = json_integer_value(json_object_get(r, "user_id"));
	assert_string_equal(json_string_value(json_object_get(r, "role")), "medecin");
	json_decref(r);
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "infirmier@svc.test", "site", "Lyon"));
	json_int_t pro_inf = json_integer_value(json_object_get(r, "user_id"));
	assert_string_equal(json_string_value(json_object_get(r, "role")), "infirmier");
	json_decref(r);
	r = expect(422, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "admin@svc.test", "site", "Lyon"));
	assert_string_equal(field0(r), "email");
	json_decref(r);
	json_decref(expect(403, emp_a, "POST", "/api/v1/svc/tracking/professionals",
	                   json_pack("{s:s, s:s}", "email", "medecin@svc.test", "site", "Lyon")));

	/* ---- 2. slots ---- */
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	           json_pack("{s:I, s:s, s:i, s:i}", "professional_id", pro_inf, "starts_at",
	                     "2025-03-17T09:00", "duration_min", 30, "count", 2));
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	json_int_t inf_0900 = id_of(json_array_get(json_object_get(r, "items"), 0));
	json_int_t inf_0930 = id_of(json_array_get(json_object_get(r, "items"), 1));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r,
	                        "items"), 1), "starts_at")), "2025-03-17T09:30");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r,
	                        "items"), 1), "role")), "infirmier");
	json_decref(r);
	r = expect(201, med, "POST", "/api/v1/svc/tracking/slots",
	           json_pack("{s:I, s:s, s:i, s:s}", "professional_id", pro_med, "starts_at",
	                     "2025-03-20T14:00", "duration_min", 30, "site", "Villeurbanne"));
	json_int_t med_0320 = id_of(json_array_get(json_object_get(r, "items"), 0));
	json_decref(r);
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	           json_pack("{s:I, s:s, s:i, s:b}", "professional_id", pro_med, "starts_at",
	                     "2025-03-25T10:00", "duration_min", 30, "offered", 1));
	json_int_t med_0325 = id_of(json_array_get(json_object_get(r, "items"), 0));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r,
	                        "items"), 0), "status")), "offered");
	json_decref(r);
	/* An overlap with the médecin's own slot, bad input: nothing created. */
	r = expect(409, staff, "POST", "/api/v1/svc/tracking/slots",
	           json_pack("{s:I, s:s, s:i}", "professional_id", pro_med, "starts_at",
	                     "2025-03-20T14:15", "duration_min", 30));
	json_decref(r);
	r = expect(422, staff, "POST", "/api/v1/svc/tracking/slots",
	           json_pack("{s:I, s:s, s:i, s:[s]}", "professional_id", pro_med, "starts_at",
	                     "2025-03-32T09:00", "duration_min", 30, "visit_types", "vaccination"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "error"), "fields")), 2);
	json_decref(r);
	r = expect(422, staff, "POST", "/api/v1/svc/tracking/slots",
	           json_pack("{s:I, s:s, s:i}", "professional_id", pro_med, "starts_at",
	                     "2025-03-11T09:00", "duration_min", 30));
	assert_string_equal(field0(r), "starts_at");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_slot"), 4);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'tracking.slot.create'"),
	                 3);
	r = get(staff, "/api/v1/svc/tracking/slots?from=2025-03-17&to=2025-03-17");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	json_decref(r);
	r = get(staff, "/api/v1/svc/tracking/slots?site=Villeurbanne");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	json_decref(expect(403, emp_a, "GET", "/api/v1/svc/tracking/slots", NULL));

	/* ---- 3. requests ---- */
	/* The employer's pré-reprise request: refused with the rule's reason (TC28). */
	r = expect(422, emp_a, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s}", "worker_id", w1, "company_id", a, "type",
	                     "pre_reprise"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
	                    "request_not_allowed");
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
	                                                         "message")),
	                       "L'employeur ne peut pas demander une visite de pré-reprise"));
	json_decref(r);
	/* Another company's employer, bad fields: nothing stored. */
	json_decref(expect(403, emp_b, "POST", "/api/v1/svc/tracking/visit-requests",
	                   json_pack("{s:I, s:I, s:s}", "worker_id", w1, "company_id", a, "type",
	                             "ema_initial")));
	r = expect(422, emp_b, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s}", "worker_id", w1, "company_id", b, "type",
	                     "ema_initial"));
	assert_string_equal(field0(r), "worker_id");
	json_decref(r);
	r = expect(422, emp_a, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s, s:s}", "worker_id", w1, "company_id", a, "type",
	                     "bilan", "due_before", "2025-03-01"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "error"), "fields")), 1);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_request"), 0);

	/* Issue 10 item 5: a type the engine does not owe the worker is refused,
	 * with what it does owe and the à-la-demande path; nothing is written. An
	 * EMA for Hugo, in SI; a renewal of a VIP he never had. */
	r = expect(422, emp_a, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s}", "worker_id", w2, "company_id", a, "type",
	                     "ema_initial"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
	                    "request_not_allowed");
	const char *why = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
	assert_non_null(strstr(why, "ne prévoit pas de « Examen médical d'aptitude à l'embauche"));
	assert_non_null(strstr(why, "il lui doit « Visite d'information et de prévention initiale »"));
	assert_non_null(strstr(why, "« Visite à la demande » (R4624-34)"));
	json_decref(r);
	r = expect(422, emp_a, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s}", "worker_id", w2, "company_id", a, "type",
	                     "vip_periodique"));
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
	                       "message")), "Renouvellement de la visite d'information"));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_request"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'tracking.visit_request.create'"), 0);

	json_int_t r1 = request(emp_a, json_pack("{s:I, s:I, s:s}", "worker_id", w1, "company_id", a,
	                                         "type", "ema_initial"));
	json_int_t r2 = request(emp_a, json_pack("{s:I, s:I, s:s}", "worker_id", w2, "company_id", a,
	                                         "type", "vip_initiale"));
	json_int_t r3 = request(med, json_pack("{s:I, s:I, s:s, s:s}", "worker_id", w2, "company_id",
	                                       a, "type", "orientation_medecin", "due_before",
	                                       "2025-03-19"));
	/* The employer's own visite à la demande (one the worker asks for is kept
	 * from the employer: test_secrecy). */
	json_int_t r4 = request(emp_a, json_pack("{s:I, s:I, s:s, s:s}", "worker_id", w1,
	                                         "company_id", a, "type", "visite_a_la_demande",
	                                         "site", "Villeurbanne"));
	/* The worker speaks for himself only; one open request per type. */
	json_decref(expect(403, lea, "POST", "/api/v1/svc/tracking/visit-requests",
	                   json_pack("{s:I, s:I, s:s}", "worker_id", w2, "company_id", a, "type",
	                             "visite_a_la_demande")));
	r = expect(422, lea, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s, s:s}", "worker_id", w1, "company_id", a, "type",
	                     "visite_a_la_demande", "requested_by", "employer"));
	assert_string_equal(field0(r), "requested_by");
	json_decref(r);
	/* The worker may not ask for a periodic visit: the service or the employer do. */
	r = expect(422, lea, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s}", "worker_id", w1, "company_id", a, "type",
	                     "vip_periodique"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
	                    "request_not_allowed");
	json_decref(r);
	json_decref(expect(409, emp_a, "POST", "/api/v1/svc/tracking/visit-requests",
	                   json_pack("{s:I, s:I, s:s}", "worker_id", w2, "company_id", a, "type",
	                             "vip_initiale")));
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_request"
	                          " WHERE requested_on = '2025-03-12'"), 4);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_request WHERE id = %lld"
	                          " AND requested_by = 'employer'", (long long)r4), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'visit.requested'"),
	                 4);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit"
	                          " WHERE action = 'tracking.visit_request.create'"), 4);

	/* visits-to-plan: EMA (100), orientation (90), initial VIP (70), à la demande (50). */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/visits-to-plan?limit=2",
	         (long long)a);
	r = get(emp_a, "%s", path);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	assert_int_equal(id_of(json_array_get(json_object_get(r, "items"), 0)), r1);
	assert_int_equal(id_of(json_array_get(json_object_get(r, "items"), 1)), r3);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(json_object_get(r,
	                           "items"), 0), "priority_reason")), "R4624-24"));
	const char *cursor = json_string_value(json_object_get(r, "next_cursor"));
	assert_non_null(cursor);
	json_t *page2 = get(emp_a, "%s&cursor=%s", path, cursor);
	json_decref(r);
	assert_int_equal(json_array_size(json_object_get(page2, "items")), 2);
	assert_int_equal(id_of(json_array_get(json_object_get(page2, "items"), 0)), r2);
	assert_int_equal(id_of(json_array_get(json_object_get(page2, "items"), 1)), r4);
	json_decref(page2);
	json_decref(expect(403, emp_b, "GET", path, NULL));

	/* ---- 4. automatic assignment ---- */
	json_decref(expect(403, emp_a, "POST", "/api/v1/svc/tracking/assignments/run",
	                   json_object()));
	r = expect(200, staff, "POST", "/api/v1/svc/tracking/assignments/run", json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "considered")), 4);
	assert_int_equal(json_integer_value(json_object_get(r, "scheduled")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "unplaced")), 2);
	json_decref(r);
	/* The EMA goes to the médecin (not to the earlier infirmier slot). */
	r = get(emp_a, "/api/v1/svc/tracking/visit-requests/%lld", (long long)r1);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "scheduled");
	assert_int_equal(json_integer_value(json_object_get(r, "slot_id")), med_0320);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "slot"), "role")),
	                    "medecin");
	json_decref(r);
	r = get(staff, "/api/v1/svc/tracking/visit-requests/%lld", (long long)r2);
	assert_int_equal(json_integer_value(json_object_get(r, "slot_id")), inf_0900);
	json_decref(r);
	json_decref(expect(403, emp_b, "GET", "/api/v1/svc/tracking/visit-requests/1", NULL));
	/* The unplaced queue: the deadline no médecin slot meets, the site no slot serves. */
	r = get(staff, "/api/v1/svc/tracking/assignments/unplaced");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	const json_t *u3 = json_array_get(json_object_get(r, "items"), 0);
	const json_t *u4 = json_array_get(json_object_get(r, "items"), 1);
	assert_int_equal(id_of(u3), r3);
	assert_non_null(strstr(json_string_value(json_object_get(u3, "unplaced_reason")),
	                       "après l'échéance du 19 mars 2025"));
	assert_int_equal(id_of(u4), r4);
	assert_non_null(strstr(json_string_value(json_object_get(u4, "unplaced_reason")),
	                       "sur le site Villeurbanne"));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'visit.scheduled'"),
	                 2);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_slot WHERE status = 'booked'"), 2);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit"
	                          " WHERE action = 'tracking.visit.schedule'"), 2);

	/* ---- 5. convocations and reminders ---- */
	assert_int_equal(wait_mails("ines@garnier.test", "convocation",
	                            "Type de visite : Examen médical d'aptitude à l'embauche", 1), 1);
	assert_int_equal(wait_mails("lea.roux@mail.test", "convocation",
	                            "Date et heure : jeudi 20 mars 2025 à 14 h 00", 1), 1);
	assert_int_equal(count_mails("lea.roux@mail.test", "convocation", "Lieu : Villeurbanne"), 1);
	assert_int_equal(count_mails("lea.roux@mail.test", "convocation",
	                             "Vérifier, avant l'affectation, que vous êtes apte"), 1);
	assert_int_equal(count_mails("lea.roux@mail.test", "convocation",
	                             "Avec : le médecin du travail"), 1);
	convocation_attachments(r1);
	/* Hugo Moreau has no account: only his employer is convoked for him. */
	assert_int_equal(wait_mails("ines@garnier.test", "convocation", "Hugo Moreau", 1), 1);
	assert_int_equal(count_mails("ines@garnier.test", "convocation",
	                             "Visite d'information et de prévention initiale"), 1);
	/* Reminders 7 and 1 days before (13:00 UTC is 14:00 in Lyon); the VIP of
	 * 2025-03-17 keeps only its 1-day reminder (7 days before is past). */
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"
	                          " AND state = 'queued'"), 5);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"
	                          " AND run_at = 1741870800000"), 2);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"
	                          " AND run_at = 1742389200000"), 2);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"
	                          " AND run_at = 1742112000000 AND payload LIKE '%%ines@garnier.test%%'"),
	                 1);

	/* ---- 6. the employer's choice among offered slots ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/slots-offered?request_id=%lld",
	         (long long)a, (long long)r4);
	r = get(emp_a, "%s", path);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(id_of(json_array_get(json_object_get(r, "items"), 0)), med_0325);
	json_decref(r);
	json_decref(expect(403, emp_b, "GET", path, NULL));
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visit-requests/%lld/book", (long long)r4);
	r = expect(422, emp_a, "POST", path, json_pack("{s:I}", "slot_id", inf_0930));
	assert_string_equal(field0(r), "slot_id");
	json_decref(r);
	json_decref(expect(403, emp_b, "POST", path, json_pack("{s:I}", "slot_id", med_0325)));
	json_decref(expect(403, lea, "POST", path, json_pack("{s:I}", "slot_id", med_0325)));
	r = expect(200, emp_a, "POST", path, json_pack("{s:I}", "slot_id", med_0325));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "scheduled");
	json_decref(r);
	json_decref(expect(409, emp_a, "POST", path, json_pack("{s:I}", "slot_id", med_0325)));
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'visit.scheduled'"
	                          " AND payload LIKE '%%\"how\":\"employeur\"%%'"), 1);
	assert_int_equal(wait_mails("lea.roux@mail.test", "convocation", "mardi 25 mars 2025", 1), 1);

	/* ---- 7. cancellation: the cut-off (130 h) binds the employer, not staff ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/cancel", (long long)r2);
	r = expect(409, emp_a, "POST", path, json_object());
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
	                    "cutoff_passed");
	json_decref(r);
	json_decref(expect(403, emp_b, "POST", path, json_object()));
	r = expect(200, staff, "POST", path, json_pack("{s:s}", "reason", "Absence du salarié"));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "cancelled");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_slot WHERE id = %lld"
	                          " AND status = 'free' AND request_id IS NULL", (long long)inf_0900),
	                 1);
	/* The EMA of 2025-03-20 is far enough: the employer moves it back to the queue. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/cancel", (long long)r1);
	r = expect(200, emp_a, "POST", path, json_pack("{s:b}", "reschedule", 1));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "queued");
	assert_true(json_is_null(json_object_get(r, "slot_id")));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'visit.cancelled'"),
	                 2);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit"
	                          " WHERE action = 'tracking.visit.cancel'"), 2);
	assert_int_equal(wait_mails("lea.roux@mail.test", "annulation", "jeudi 20 mars 2025", 1), 1);
	/* No-show before the visit: refused. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/no-show", (long long)r4);
	json_decref(expect(409, staff, "POST", path, json_object()));
	json_decref(expect(403, emp_a, "POST", path, json_object()));

	/* ---- 8. two days later (the server restarted on a later clock): the
	 *      no-show. The service was down on the days of the reminders of the
	 *      visit of 2025-03-25: run after the visit began, they send nothing
	 *      ("the visit is in 7 days" would be false); nor do those of the
	 *      cancelled or moved visits. (test_followup_e2e sees reminders sent
	 *      on their day.) ---- */
	restart_at("2025-03-26T12:00:00Z");
	free(staff);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	r = expect(200, staff, "POST", path, json_object());
	assert_string_equal(json_string_value(json_object_get(r, "status")), "missed");
	json_decref(r);
	json_decref(expect(409, staff, "POST", path, json_object()));
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'visit.missed'"
	                          " AND payload LIKE '%%\"request_id\":%lld%%'", (long long)r4), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit"
	                          " WHERE action = 'tracking.visit.no_show'"), 1);
	for (int tries = 0; tries < 200 && db_count("SELECT COUNT(*) FROM core_job WHERE kind ="
	                                             " 'tracking.reminder' AND state = 'done'") < 9;
	     tries++)
		usleep(50000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"
	                          " AND state = 'done'"), 9);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_notice WHERE days_before > 0"), 0);
	assert_int_equal(count_mails("lea.roux@mail.test", "rappel", NULL), 0);
	assert_int_equal(count_mails("ines@garnier.test", "rappel", NULL), 0);

	/* The médecin du travail may see a worker sooner than the engine's
	 * calendar: his request of a visit not owed passes (L4624-1). */
	free(med);
	med = login("medecin@svc.test", STAFF_PASSWORD);
	r = expect(201, med, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s}", "worker_id", w2, "company_id", a, "type",
	                     "suivi_adapte"));
	json_decref(r);

	free(emp_a);
	free(emp_b);
	free(lea);
	free(med);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest http[] = {
		cmocka_unit_test(test_planning),
	};

	return cmocka_run_group_tests_name("planning", http, setup_http, world_teardown);
}
