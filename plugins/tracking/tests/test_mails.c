/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Mails and documents people can act on (issue 10 items 16, 17, 18):
 *   - the worker's civility, convocation e-mail and mobile, declared by the
 *     employer (field errors in French, nothing stored), reach the worker who
 *     has no account (the convocation by mail, the reminders by SMS) and
 *     serve nothing else: no account, no other mail, nothing of a visit kept
 *     from the employer;
 *   - the employer's convocation is written to the employer, the worker's to
 *     the worker ("Bonjour Madame Roux,"), both with "9 h 00", the site's
 *     street address and the service's name, address and phone; the
 *     cancellation names the worker;
 *   - the attestation states the next visit the engine knows; the ordonnance
 *     gives the service's phone when no health_contact is set, and no
 *     internal reference; the documents name the worker with the civility
 *     given, never "Le salarié";
 *   - the worker's access list speaks French in Paris time, summer and winter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_client.h"
#include "mime.h"
#include "server.h"
#include "tracking_world.h"

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-03-10T08:00:00Z");
	json_t *svc = json_array_get(json_object_get(cfg, "services"), 0);
	json_t *tracking = json_object_get(json_object_get(svc, "plugins"), "tracking");

	json_object_set_new(tracking, "min_notice_hours", json_integer(0));
	json_object_set_new(tracking, "sites",
	                    json_pack("{s:s}", "Villeurbanne",
	                              "5 avenue Henri Barbusse\n69100 Villeurbanne"));
	/* No health_contact: the ordonnance falls back on the phone and address. */
	json_object_set_new(svc, "identity",
	                    json_pack("{s:s, s:s, s:s, s:s}", "legal_name",
	                              "Association SPSTI du Rhône", "address",
	                              "10 rue de la République\n69002 Lyon", "phone",
	                              "04 72 00 00 00", "email", "contact@svc.test"));
	json_object_set_new(cfg, "sms", json_pack("{s:s}", "outbox", "sms"));
	if (test_deploy_create(&D, "tracking-mails", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
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

/* Every mail to @p to is of one of the convocation's categories. */
static void only_convocation_mails(const char *to)
{
	char **all = test_outbox_mails(D.dir, "svc", to, NULL);

	for (size_t i = 0; all[i]; i++)
		if (!strstr(all[i], "X-Socle-Category: convocation\r\n") &&
		    !strstr(all[i], "X-Socle-Category: rappel\r\n") &&
		    !strstr(all[i], "X-Socle-Category: annulation\r\n"))
			fail_msg("mail inattendu à %s :\n%.600s", to, all[i]);
	test_mails_free(all);
}

static json_int_t request(const char *auth, json_int_t w, json_int_t company, const char *type)
{
	json_t *r = expect(201, auth, "POST", "/api/v1/svc/tracking/visit-requests",
	                   json_pack("{s:I, s:I, s:s}", "worker_id", w, "company_id", company,
	                             "type", type));
	json_int_t id = id_of(r);

	json_decref(r);
	return id;
}

static void book(const char *auth, json_int_t req, json_int_t slot)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visit-requests/%lld/book",
	         (long long)req);
	json_decref(expect(200, auth, "POST", path, json_pack("{s:I}", "slot_id", slot)));
}

static json_int_t slot_at(const char *staff, json_int_t pro, const char *at)
{
	json_t *r = expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	                   json_pack("{s:I, s:s, s:i}", "professional_id", pro, "starts_at", at,
	                             "duration_min", 30));
	json_int_t id = id_of(json_array_get(json_object_get(r, "items"), 0));

	json_decref(r);
	return id;
}

static void test_mails_and_documents(void **state)
{
	(void)state;
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp = NULL, path[256];
	json_int_t a = member_company(staff, "81234567600017", "Électricité Garnier",
	                              "ines@garnier.test", &emp);
	json_t *r;

	/* ---- the worker's contact details: checked field by field, nothing stored ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers", (long long)a);
	r = expect(422, emp, "POST", path,
	           json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref",
	                     "G-001", "last_name", "Roux", "first_name", "Léa", "birth_date",
	                     "1985-05-04", "job_title", "Électricienne", "contract_type", "cdi",
	                     "start_date", "2015-09-01", "civility", "mademoiselle",
	                     "convocation_email", "pas-une-adresse", "convocation_mobile",
	                     "01 23 45 67 89"));
	assert_true(has_field(r, "civility"));
	assert_true(has_field(r, "convocation_email"));
	assert_true(has_field(r, "convocation_mobile"));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM membership_worker"), 0);
	r = expect(201, emp, "POST", path,
	           json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref",
	                     "G-001", "last_name", "Roux", "first_name", "Léa", "birth_date",
	                     "1985-05-04", "job_title", "Électricienne", "contract_type", "cdi",
	                     "start_date", "2015-09-01", "civility", "madame",
	                     "convocation_email", "lea.perso@mail.test", "convocation_mobile",
	                     "06 12 34 56 78"));
	json_int_t lea = id_of(r);
	assert_string_equal(json_string_value(json_object_get(r, "convocation_mobile")),
	                    "+33612345678");
	json_decref(r);
	json_int_t hugo = worker(emp, a, "G-002", "Moreau", "Hugo");
	/* Set by the employer's update too. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers/%lld",
	         (long long)a, (long long)hugo);
	json_decref(expect(200, emp, "PATCH", path,
	                   json_pack("{s:s, s:s}", "civility", "monsieur", "convocation_email",
	                             "hugo@mail.test")));
	r = get(emp, "%s", path);
	assert_string_equal(json_string_value(json_object_get(r, "convocation_email")),
	                    "hugo@mail.test");
	assert_string_equal(json_string_value(json_object_get(r, "civility")), "monsieur");
	json_decref(r);
	/* Hugo opened his own space, with an address of his choosing. */
	char extra[64];
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)hugo);
	user_add("hugo.compte@mail.test", "employee", WORKER_PASSWORD, extra);
	char *hugo_auth = login("hugo.compte@mail.test", WORKER_PASSWORD);

	/* ---- planning: Thursday 20 March at Villeurbanne ---- */
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "medecin@svc.test", "site", "Villeurbanne"));
	json_int_t pro = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	json_int_t s1 = slot_at(staff, pro, "2025-03-20T09:00");
	json_int_t s2 = slot_at(staff, pro, "2025-03-20T09:30");
	json_int_t s3 = slot_at(staff, pro, "2025-03-20T10:00");
	json_int_t r1 = request(emp, lea, a, "vip_initiale");
	json_int_t r2 = request(emp, hugo, a, "vip_initiale");
	book(staff, r1, s1);
	book(staff, r2, s2);

	/* ---- 16. the employer's convocation, written to the employer ---- */
	assert_int_equal(wait_mails("ines@garnier.test", "convocation", "Léa Roux", 1), 1);
	char **m = test_outbox_mails(D.dir, "svc", "ines@garnier.test", "Léa Roux");
	assert_non_null(m[0]);
	assert_null(m[1]);
	assert_non_null(strstr(m[0], "Madame, Monsieur,"));
	assert_null(strstr(m[0], "Bonjour,"));
	assert_null(strstr(m[0], "lunettes"));
	assert_non_null(strstr(m[0], "votre salarié"));
	assert_non_null(strstr(m[0], "9 h 00"));
	assert_null(strstr(m[0], "09 h 00"));
	assert_non_null(strstr(m[0], "5 avenue Henri Barbusse"));
	assert_non_null(strstr(m[0], "Association SPSTI du Rhône"));
	assert_non_null(strstr(m[0], "10 rue de la République"));
	assert_non_null(strstr(m[0], "04 72 00 00 00"));
	test_mails_free(m);

	/* ---- the worker without an account: convoked at the address the employer gave ---- */
	assert_int_equal(wait_mails("lea.perso@mail.test", "convocation", "9 h 00", 1), 1);
	m = test_outbox_mails(D.dir, "svc", "lea.perso@mail.test", NULL);
	assert_non_null(m[0]);
	assert_null(m[1]);
	assert_non_null(strstr(m[0], "Bonjour Madame Roux,"));
	assert_non_null(strstr(m[0], "lunettes"));
	assert_non_null(strstr(m[0], "5 avenue Henri Barbusse"));
	assert_non_null(strstr(m[0], "04 72 00 00 00"));
	assert_null(strstr(m[0], "09 h 00"));
	test_mails_free(m);
	/* ... and reminded by SMS at the mobile the employer gave (7 and 1 days before). */
	for (int i = 0; i < 100 && db_count("SELECT COUNT(*) FROM core_job WHERE kind ="
	                                    " 'tracking.reminder_sms'") < 2; i++)
		usleep(50000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind ="
	                          " 'tracking.reminder_sms'"
	                          " AND json_extract(payload, '$.request_id') = %lld",
	                          (long long)r1), 2);
	/* Hugo: his account and the address his employer gave. */
	assert_int_equal(wait_mails("hugo.compte@mail.test", "convocation", "Bonjour Monsieur "
	                            "Moreau,", 1), 1);
	assert_int_equal(wait_mails("hugo@mail.test", "convocation", "Bonjour Monsieur Moreau,", 1),
	                 1);

	/* ---- the cancellation names the worker ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/cancel", (long long)r2);
	json_decref(expect(200, emp, "POST", path, json_object()));
	assert_int_equal(wait_mails("ines@garnier.test", "annulation", "Hugo Moreau", 1), 1);
	assert_int_equal(count_mails("ines@garnier.test", "annulation", "Madame, Monsieur,"), 1);
	assert_int_equal(count_mails("ines@garnier.test", "annulation", "04 72 00 00 00"), 1);
	assert_int_equal(wait_mails("hugo@mail.test", "annulation", "Bonjour Monsieur Moreau,", 1),
	                 1);
	assert_int_equal(count_mails("hugo.compte@mail.test", "annulation", "9 h 30"), 1);

	/* ---- a visit kept from the employer: never to what the employer typed ---- */
	json_int_t r3 = request(hugo_auth, hugo, a, "visite_a_la_demande");
	book(staff, r3, s3);
	assert_int_equal(wait_mails("hugo.compte@mail.test", "convocation", "10 h 00", 1), 1);
	for (int i = 0; i < 40 && db_count("SELECT COUNT(*) FROM core_job WHERE kind ="
	                                   " 'tracking.convocation' AND state <> 'done'") > 0; i++)
		usleep(50000);
	assert_int_equal(count_mails("hugo@mail.test", "convocation", "10 h 00"), 0);
	assert_int_equal(count_mails("ines@garnier.test", "convocation", "10 h 00"), 0);

	/* ---- 17. the documents (the visit of 09:00 has begun at 10:10 in Lyon) ---- */
	free(staff);
	free(emp);
	free(hugo_auth);
	restart_at("2025-03-20T09:10:00Z");
	staff = login("admin@svc.test", STAFF_PASSWORD);
	emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
	char *med = login("medecin@svc.test", STAFF_PASSWORD);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)r1);
	json_decref(expect(201, med, "POST", path,
	                   json_pack("{s:s, s:s, s:{s:[s], s:[s]}}", "held_on", "2025-03-20",
	                             "document", "attestation", "ordonnance", "risks",
	                             "Travail en hauteur", "advice", "Harnais à chaque intervention")));
	/* The next visit the engine owes her, as it says it now. */
	r = get(staff, "/api/v1/svc/tracking/workers/%lld/next-visits", (long long)lea);
	const char *engine_next = NULL;
	const json_t *v;
	size_t i;
	json_array_foreach(json_object_get(r, "visits"), i, v) {
		const char *d = json_string_value(json_object_get(v, "latest"));
		if (d == NULL)
			d = json_string_value(json_object_get(v, "before"));
		if (d && (engine_next == NULL || strcmp(d, engine_next) < 0))
			engine_next = d;
	}
	assert_non_null(engine_next);
	char next[16];
	snprintf(next, sizeof(next), "%s", engine_next);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/documents", (long long)r1);
	r = get(emp, "%s/attestation", path);
	assert_true(json_is_string(json_object_get(r, "next_visit_on")));
	assert_string_equal(json_string_value(json_object_get(r, "next_visit_on")), next);
	json_decref(r);
	char url[300];
	snprintf(url, sizeof(url), "%s/attestation.html", path);
	const char *hdr[] = {emp, NULL};
	struct hc_response res = {0};
	assert_int_equal(hc_request(S.port, "GET", url, hdr, NULL, 0, &res), 0);
	assert_int_equal(res.status, 200);
	assert_non_null(strstr(res.body, "Madame Léa Roux a bénéficié"));
	assert_null(strstr(res.body, "Le salarié"));
	assert_non_null(strstr(res.body, "Prochaine visite"));
	hc_response_free(&res);
	/* The ordonnance (the médecin reads it): the service's phone, no internal reference. */
	r = get(med, "%s/ordonnance", path);
	assert_non_null(strstr(json_string_value(json_object_get(r, "contact")), "04 72 00 00 00"));
	json_decref(r);
	snprintf(url, sizeof(url), "%s/ordonnance.html", path);
	const char *mhdr[] = {med, NULL};
	assert_int_equal(hc_request(S.port, "GET", url, mhdr, NULL, 0, &res), 0);
	assert_int_equal(res.status, 200);
	assert_non_null(strstr(res.body, "04 72 00 00 00"));
	assert_null(strstr(res.body, "cahier des charges"));
	assert_null(strstr(res.body, "3.3.1"));
	hc_response_free(&res);

	/* ---- what the employer typed never reached an account ---- */
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_user WHERE email IN"
	                          " ('lea.perso@mail.test', 'hugo@mail.test')"), 0);
	only_convocation_mails("lea.perso@mail.test");
	only_convocation_mails("hugo@mail.test");

	/* ---- 18. the access list in French, Paris time: winter (+1 h) and summer (+2 h) ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/dmst/%lld", (long long)hugo);
	json_decref(expect(201, med, "PUT", path, json_pack("{s:s}", "last_visit_on",
	                                                    "2024-01-08")));
	free(med);
	restart_at("2026-07-15T08:12:00Z");
	med = login("medecin@svc.test", STAFF_PASSWORD);
	json_decref(get(med, "/api/v1/svc/tracking/dmst/%lld", (long long)hugo));
	free(med);
	restart_at("2026-12-03T09:12:00Z");
	med = login("medecin@svc.test", STAFF_PASSWORD);
	json_decref(get(med, "/api/v1/svc/tracking/dmst/%lld", (long long)hugo));
	hugo_auth = login("hugo.compte@mail.test", WORKER_PASSWORD);
	r = get(hugo_auth, "/api/v1/svc/tracking/dmst/%lld/accesses", (long long)hugo);
	const json_t *items = json_object_get(r, "items");
	assert_true(json_array_size(items) >= 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "text")),
	                    "Consultation de votre dossier par un médecin du travail, le 3 décembre "
	                    "2026 à 10 h 12");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "text")),
	                    "Consultation de votre dossier par un médecin du travail, le 15 juillet "
	                    "2026 à 10 h 12");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "at_local")),
	                    "2026-12-03T10:12");
	json_decref(r);
	free(hugo_auth);
	free(med);
	free(staff);
	free(emp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mails_and_documents),
	};
	return cmocka_run_group_tests(tests, setup_http, world_teardown);
}
