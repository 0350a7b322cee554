/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The routes the web spaces stand on, through the real `socle serve`
 * (frozen clock 2025-06-02T08:00:00Z):
 *   - portal: an employee account is opened only with the code the service
 *     hands the worker, and the worker's birth date; never by the employer;
 *     the code is single-use; the worker records the SMS consent;
 *   - tracking: the worker's and the company's visit lists (the employer
 *     never sees a visit kept from him), and the oppositions (L4624-8)
 *     changed by the worker alone, the médecin told, the infirmier then
 *     shut out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"
#include "server.h"
#include "tracking_world.h"

static struct {
	char *staff, *medecin, *infirmier, *employer, *employer2;
	json_int_t company, company2, w1, w2;
} T;

static int setup(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-06-02T08:00:00Z");
	json_t *plugins = json_object_get(json_array_get(json_object_get(cfg, "services"), 0),
	                                  "plugins");

	json_object_set_new(plugins, "portal", json_object());
	if (test_deploy_create(&D, "portal", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("assistant@svc.test", "assistant_medical", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("infirmier@svc.test", "infirmier", STAFF_PASSWORD, NULL);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	if (test_server_start_deploy(&S, &D) != 0)
		return -1;
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.medecin = login("medecin@svc.test", STAFF_PASSWORD);
	T.infirmier = login("infirmier@svc.test", STAFF_PASSWORD);
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel",
	                            "rh@morel.test", &T.employer2);
	T.w1 = worker(T.employer, T.company, "G-1", "Roux", "Léa");
	T.w2 = worker(T.employer, T.company, "G-2", "Blanc", "Marc");
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.medecin);
	free(T.infirmier);
	free(T.employer);
	free(T.employer2);
	return world_teardown(state);
}

static void test_activation(void **state)
{
	(void)state;
	char path[128];
	int status;

	snprintf(path, sizeof(path), "/api/v1/svc/portal/workers/%lld/activation-code",
	         (long long)T.w1);
	/* Not the employer: he must never open, or read, the worker's space. */
	json_decref(call(T.employer, "POST", path, json_object(), &status));
	assert_int_equal(status, 403);
	json_t *r = expect(201, T.staff, "POST", path, json_object());
	char code[16];

	snprintf(code, sizeof(code), "%s", json_string_value(json_object_get(r, "code")));
	assert_int_equal(strlen(code), 11); /* ABCDE-23456 */
	assert_non_null(strstr(json_string_value(json_object_get(r, "instructions")), code));
	json_decref(r);

	/* A wrong birth date and a wrong code get the same answer, and change nothing. */
	r = expect(422, NULL, "POST", "/api/v1/svc/portal/activate",
	           json_pack("{s:s, s:s, s:s, s:s}", "code", code, "birth_date", "1985-05-05",
	                     "email", "lea.roux@perso.test", "password", WORKER_PASSWORD));
	const char *m1 = json_string_value(
		json_object_get(json_array_get(json_object_get(json_object_get(r, "error"), "fields"), 0),
		                "message"));
	char first[256];

	snprintf(first, sizeof(first), "%s", m1 ? m1 : "");
	json_decref(r);
	r = expect(422, NULL, "POST", "/api/v1/svc/portal/activate",
	           json_pack("{s:s, s:s, s:s, s:s}", "code", "ZZZZZ-ZZZZZ", "birth_date", "1985-05-04",
	                     "email", "lea.roux@perso.test", "password", WORKER_PASSWORD));
	assert_string_equal(first, json_string_value(json_object_get(
		json_array_get(json_object_get(json_object_get(r, "error"), "fields"), 0), "message")));
	json_decref(r);
	assert_int_equal(db_count("SELECT count(*) FROM core_user WHERE email = 'lea.roux@perso.test'"),
	                 0);

	/* A malformed address is said on the address field, not the password's. */
	r = expect(422, NULL, "POST", "/api/v1/svc/portal/activate",
	           json_pack("{s:s, s:s, s:s, s:s}", "code", code, "birth_date", "1985-05-04",
	                     "email", "lea.roux-sans-arobase", "password", WORKER_PASSWORD));
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(json_object_get(r, "error"), "fields"), 0), "field")),
		"email");
	json_decref(r);

	/* The right code (typed in lower case, without its dash) and birth date. */
	char typed[16];
	size_t n = 0;

	for (const char *p = code; *p; p++)
		if (*p != '-')
			typed[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	typed[n] = '\0';
	json_decref(expect(201, NULL, "POST", "/api/v1/svc/portal/activate",
	                   json_pack("{s:s, s:s, s:s, s:s}", "code", typed, "birth_date",
	                             "1985-05-04", "email", "lea.roux@perso.test", "password",
	                             WORKER_PASSWORD)));
	/* Used once. */
	json_decref(expect(422, NULL, "POST", "/api/v1/svc/portal/activate",
	                   json_pack("{s:s, s:s, s:s, s:s}", "code", code, "birth_date",
	                             "1985-05-04", "email", "autre@perso.test", "password",
	                             WORKER_PASSWORD)));
	/* No second code once the space is open: it would open a second account
	 * on the same medical file. */
	json_decref(expect(409, T.staff, "POST", path, json_object()));
	assert_int_equal(db_count("SELECT count(*) FROM core_user_scope WHERE kind = 'worker'"
	                          " AND ref = %lld", (long long)T.w1),
	                 1);
	char *worker_auth = login("lea.roux@perso.test", WORKER_PASSWORD);

	r = expect(200, worker_auth, "GET", "/api/v1/svc/auth/me", NULL);
	assert_string_equal(json_string_value(json_object_get(r, "role")), "employee");
	json_decref(r);

	/* SMS consent: the worker's own choice; a consent needs a number. */
	snprintf(path, sizeof(path), "/api/v1/svc/portal/workers/%lld/contact", (long long)T.w1);
	json_decref(expect(422, worker_auth, "PUT", path, json_pack("{s:b}", "sms_consent", 1)));
	r = expect(200, worker_auth, "PUT", path,
	           json_pack("{s:s, s:b}", "phone", "06 12 34 56 78", "sms_consent", 1));
	assert_string_equal(json_string_value(json_object_get(r, "recorded_by")), "worker");
	json_decref(r);
	json_decref(call(T.employer, "GET", path, NULL, &status));
	assert_int_equal(status, 403);
	/* A refused change changes nothing: the employer's valid body is
	 * answered 403 and the worker's own choice stays (it was written
	 * anyway once: the refusal was sent and the handler went on). */
	json_decref(call(T.employer, "PUT", path,
	                 json_pack("{s:s, s:b}", "phone", "07 00 00 00 00", "sms_consent", 0), &status));
	assert_int_equal(status, 403);
	assert_int_equal(db_count("SELECT count(*) FROM portal_worker_contact WHERE worker_id = %lld"
	                          " AND phone = '06 12 34 56 78' AND sms_consent = 1"
	                          " AND recorded_by = 'worker'", (long long)T.w1),
	                 1);
	snprintf(path, sizeof(path), "/api/v1/svc/portal/workers/%lld/contact", (long long)T.w2);
	json_decref(call(worker_auth, "PUT", path, json_pack("{s:b}", "sms_consent", 0), &status));
	assert_int_equal(status, 403);
	free(worker_auth);
}

static void test_lists_and_oppositions(void **state)
{
	(void)state;
	char path[160];
	int status;
	char *worker_auth = login("lea.roux@perso.test", WORKER_PASSWORD);

	/* The employer's request, and the worker's own (kept from the employer). */
	json_decref(expect(201, T.employer, "POST", "/api/v1/svc/tracking/visit-requests",
	                   json_pack("{s:I, s:I, s:s}", "worker_id", T.w1, "company_id", T.company,
	                             "type", "vip_initiale")));
	json_decref(expect(201, worker_auth, "POST", "/api/v1/svc/tracking/visit-requests",
	                   json_pack("{s:I, s:I, s:s, s:s}", "worker_id", T.w1, "company_id",
	                             T.company, "type", "visite_a_la_demande", "reason",
	                             "SECRET-motif-du-salarie")));

	snprintf(path, sizeof(path), "/api/v1/svc/tracking/workers/%lld/visits", (long long)T.w1);
	json_t *mine = expect(200, worker_auth, "GET", path, NULL);

	assert_int_equal(json_array_size(json_object_get(mine, "items")), 2);
	assert_int_equal(json_integer_value(json_object_get(mine, "company_id")), T.company);
	json_decref(mine);
	json_t *his = expect(200, T.employer, "GET", path, NULL);

	assert_int_equal(json_array_size(json_object_get(his, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(his, "items"), 0), "requested_by")), "employer");
	json_decref(his);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/visits?status=queued",
	         (long long)T.company);
	his = expect(200, T.employer, "GET", path, NULL);
	assert_int_equal(json_array_size(json_object_get(his, "items")), 1);
	char *dump = json_dumps(his, 0);

	assert_null(strstr(dump, "SECRET-"));
	free(dump);
	json_decref(his);
	/* Another company's employer: nothing. */
	json_decref(call(T.employer2, "GET", path, NULL, &status));
	assert_int_equal(status, 403);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/visits?status=bogus",
	         (long long)T.company);
	json_decref(expect(422, T.employer, "GET", path, NULL));

	/* The oppositions: the worker alone changes them. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/workers/%lld/oppositions", (long long)T.w1);
	json_t *body = json_pack("{s:b}", "opposition_other_professionals", 1);

	json_decref(call(T.medecin, "PUT", path, json_incref(body), &status));
	assert_int_equal(status, 403);
	json_decref(call(T.employer, "PUT", path, json_incref(body), &status));
	assert_int_equal(status, 403);
	json_decref(call(T.employer, "GET", path, NULL, &status));
	assert_int_equal(status, 403);
	json_decref(expect(422, worker_auth, "PUT", path, json_object()));
	json_decref(expect(422, worker_auth, "PUT", path,
	                   json_pack("{s:s}", "opposition_other_professionals", "oui")));
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/dmst/%lld", (long long)T.w1);
	json_decref(expect(201, T.medecin, "PUT", path,
	                   json_pack("{s:s}", "medecin_traitant", "Dr Paul Morin, Lyon")));
	json_decref(expect(200, T.infirmier, "GET", path, NULL));
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/workers/%lld/oppositions", (long long)T.w1);
	json_t *r = expect(200, worker_auth, "PUT", path, body);

	assert_true(json_is_true(json_object_get(r, "opposition_other_professionals")));
	assert_false(json_is_true(json_object_get(r, "opposition_transfer")));
	json_decref(r);
	r = expect(200, T.medecin, "GET", path, NULL);
	assert_true(json_is_true(json_object_get(r, "opposition_other_professionals")));
	json_decref(r);
	assert_int_equal(wait_mails("medecin@svc.test", "information", "L4624-8", 1), 1);
	assert_true(db_count("SELECT count(*) FROM core_audit WHERE action ="
	                     " 'tracking.dmst.oppositions' AND outcome = 'ok'") == 1);
	assert_true(db_count("SELECT count(*) FROM core_audit WHERE action ="
	                     " 'tracking.dmst.oppositions' AND outcome = 'denied'") == 2);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/dmst/%lld", (long long)T.w1);
	json_decref(call(T.infirmier, "GET", path, NULL, &status));
	assert_int_equal(status, 403);
	json_decref(expect(200, T.medecin, "GET", path, NULL));
	free(worker_auth);
}

/* The what-if simulator for a planned hire: the employer plans a hire in the
 * espace adhérent. It reads nothing stored, only the hypothetical worker. */
static void test_simulator_for_employers(void **state)
{
	(void)state;
	json_t *r = expect(200, T.employer, "POST", "/api/v1/svc/tracking/simulate",
	                   json_pack("{s:{s:s, s:s, s:s, s:b}}", "worker", "birth_date", "2008-09-01",
	                             "start_date", "2025-07-01", "contract_type", "apprentissage",
	                             "night_worker", 0));
	json_t *visits = json_object_get(r, "visits");

	if (visits == NULL)
		visits = json_object_get(json_object_get(r, "result"), "visits");
	assert_true(json_array_size(visits) >= 1);
	json_decref(r);
	json_decref(expect(422, T.employer, "POST", "/api/v1/svc/tracking/simulate",
	                   json_pack("{s:{s:s}}", "worker", "birth_date", "hier")));
}

/* A printable document (.html) refused is a page that says so in French,
 * not a JSON text in the browser; the JSON variant keeps its JSON error. */
static void test_document_refusal_is_a_page(void **state)
{
	(void)state;
	char *worker_auth = login("lea.roux@perso.test", WORKER_PASSWORD);
	json_t *r = expect(201, T.employer, "POST", "/api/v1/svc/tracking/visit-requests",
	                   json_pack("{s:I, s:I, s:s}", "worker_id", T.w2, "company_id", T.company,
	                             "type", "vip_initiale"));
	char path[160];

	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/documents/ordonnance.html",
	         (long long)json_integer_value(json_object_get(r, "id")));
	json_decref(r);
	const char *headers[] = {worker_auth, NULL};
	struct hc_response resp;

	assert_int_equal(hc_request(S.port, "GET", path, headers, NULL, 0, &resp), 0);
	assert_true(resp.status == 403 || resp.status == 404);
	assert_non_null(strstr(hc_header(&resp, "Content-Type"), "text/html"));
	assert_non_null(strstr(resp.body, "<html lang=\"fr\">"));
	assert_non_null(strstr(resp.body, "Document indisponible"));
	assert_null(strstr(resp.body, "\"error\""));
	hc_response_free(&resp);
	path[strlen(path) - 5] = '\0'; /* the JSON variant */
	assert_int_equal(hc_request(S.port, "GET", path, headers, NULL, 0, &resp), 0);
	assert_non_null(strstr(hc_header(&resp, "Content-Type"), "application/json"));
	hc_response_free(&resp);
	free(worker_auth);
}

/* A valid code tried with wrong birth dates is burnt at the fifth try. */
static void test_activation_code_burnt(void **state)
{
	(void)state;
	char path[128], code[16];

	snprintf(path, sizeof(path), "/api/v1/svc/portal/workers/%lld/activation-code",
	         (long long)T.w2);
	json_t *r = expect(201, T.staff, "POST", path, json_object());

	snprintf(code, sizeof(code), "%s", json_string_value(json_object_get(r, "code")));
	json_decref(r);
	for (int i = 0; i < 5; i++)
		json_decref(expect(422, NULL, "POST", "/api/v1/svc/portal/activate",
		                   json_pack("{s:s, s:s, s:s, s:s}", "code", code, "birth_date",
		                             "1999-01-01", "email", "marc@perso.test", "password",
		                             WORKER_PASSWORD)));
	json_decref(expect(422, NULL, "POST", "/api/v1/svc/portal/activate",
	                   json_pack("{s:s, s:s, s:s, s:s}", "code", code, "birth_date",
	                             "1985-05-04", "email", "marc@perso.test", "password",
	                             WORKER_PASSWORD)));
	assert_int_equal(db_count("SELECT count(*) FROM core_user WHERE email = 'marc@perso.test'"),
	                 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activation),
		cmocka_unit_test(test_activation_code_burnt),
		cmocka_unit_test(test_lists_and_oppositions),
		cmocka_unit_test(test_simulator_for_employers),
		cmocka_unit_test(test_document_refusal_is_a_page),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
