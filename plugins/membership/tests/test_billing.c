/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Prevention score, membership fee, national band and invoices, through the
 * real `socle serve` with the membership plugin and a frozen clock
 * (2026-03-16). Two services: "demo" bills 105 € per worker, "cher" 140 €
 * (worked case TC39: out of the 2026 band unless the general assembly
 * voted an exception). Both start with the plugin's demo data (40 member
 * companies); company 1 is the bakery of the demo employer account. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "http_client.h"
#include "server.h"

#define PASSWORD "motdepasse-de-test-42"

static struct test_deploy D;
static struct test_server S;

static void cli(const char *args)
{
	char cmd[2048], *out = NULL;

	snprintf(cmd, sizeof(cmd),
	         "printf '%%s\\n' '" PASSWORD "' | " SOCLE_BINARY_DIR "/socle %s --config %s", args,
	         D.config_path);
	int rc = fs_run(cmd, &out);
	if (rc != 0)
		fprintf(stderr, "%s\n%s\n", cmd, out ? out : "");
	assert_int_equal(rc, 0);
	free(out);
}

static void add_user(const char *svc, const char *email, const char *role, const char *extra)
{
	char args[512];

	snprintf(args, sizeof(args), "user add --service %s --email %s --role %s %s", svc, email,
	         role, extra ? extra : "");
	cli(args);
}

static int setup(void **state)
{
	(void)state;
	json_t *cfg = json_pack(
		"{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:f, s:b}}},"
		" {s:s, s:s, s:s, s:{s:{s:f, s:b}}}]}",
		"plugin_dirs", SOCLE_BINARY_DIR "/plugins", "clock", "2026-03-16T09:00:00Z",
		"services",
		"id", "demo", "name", "Démo", "database", "demo.db", "plugins", "membership",
		"fee_per_worker", 105.0, "demo_data", 1,
		"id", "cher", "name", "Cher", "database", "cher.db", "plugins", "membership",
		"fee_per_worker", 140.0, "demo_data", 1);
	if (test_deploy_create(&D, "membership-billing", cfg) != 0)
		return -1;
	json_decref(cfg);
	add_user("demo", "admin@demo.test", "service_admin", NULL);
	add_user("demo", "iprp@demo.test", "iprp", NULL);
	add_user("demo", "patron@demo.test", "employer", "--company 1");
	add_user("cher", "admin@cher.test", "service_admin", NULL);
	add_user("cher", "iprp@cher.test", "iprp", NULL);
	return test_server_start_deploy(&S, &D);
}

static int teardown(void **state)
{
	(void)state;
	int rc = test_server_stop(&S, 10000);
	test_deploy_remove(&D);
	return rc == 0 ? 0 : -1;
}

static char *login(const char *svc, const char *email)
{
	char path[128], *header;
	int status = 0;

	snprintf(path, sizeof(path), "/api/v1/%s/auth/login", svc);
	json_t *body = json_pack("{s:s, s:s}", "email", email, "password", PASSWORD);
	json_t *r = hc_json(S.port, "POST", path, NULL, body, &status);
	json_decref(body);
	assert_int_equal(status, 200);
	assert_true(asprintf(&header, "Authorization: Bearer %s",
	                     json_string_value(json_object_get(r, "token"))) > 0);
	json_decref(r);
	return header;
}

/* One request; @p body is stolen. */
static json_t *call(const char *auth, const char *method, const char *path, json_t *body,
                    int *status)
{
	const char *headers[] = {auth, NULL};
	json_t *r = hc_json(S.port, method, path, auth ? headers : NULL, body, status);

	json_decref(body);
	return r;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static double num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

/* Does the error body name @p field, with a message containing @p part? */
static bool has_field_error(const json_t *r, const char *field, const char *part)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f)
		if (strcmp(str(f, "field"), field) == 0 && (part == NULL || strstr(str(f, "message"), part)))
			return true;
	return false;
}

/* ---- a fresh member company with exactly the workers a case needs ---- */

/* SIRET: 9-digit SIREN + NIC 0001 + Luhn digit over the 14 digits. */
static void siret_for(int n, char out[15])
{
	snprintf(out, 15, "4%07d", n % 10000000);
	for (int len = 8; len <= 13; len += 5) {
		if (len == 13)
			memcpy(out + 9, "0001", 4);
		int sum = 0;

		for (int i = 0; i < len; i++) {
			int d = out[len - 1 - i] - '0';

			if (i % 2 == 0 && (d *= 2) > 9)
				d -= 9;
			sum += d;
		}
		out[len] = (char)('0' + (10 - sum % 10) % 10);
		out[len + 1] = '\0';
	}
}

/* A public application (status applied); returns its company id. */
static int64_t apply_company(const char *svc, int n)
{
	char siret[15], path[160];
	int status = 0;

	siret_for(n, siret);
	json_t *app = json_pack(
		"{s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:i, s:{s:s, s:s, s:s},"
		" s:{s:b, s:b, s:b, s:b, s:b, s:b}, s:{s:s}}",
		"siret", siret, "legal_name", "Atelier du cas TC40", "naf_code", "10.71C", "address",
		"line", "1 rue du Test", "postcode", "67000", "city", "Strasbourg", "headcount", 2,
		"contact", "name", "Test Contact", "email", "contact-tc40@test.example", "phone",
		"0388000000", "prevention_answers", "duerp", 1, "duerp_with_workers", 0, "action_plan",
		0, "action_plan_reviewed", 0, "staff_representation", 0, "onboarding", 1, "payment",
		"mode", "transfer");
	snprintf(path, sizeof(path), "/api/v1/%s/membership/applications", svc);
	json_t *r = call(NULL, "POST", path, app, &status);
	if (status != 201)
		fprintf(stderr, "application: %d %s\n", status, r ? json_dumps(r, 0) : "");
	assert_int_equal(status, 201);
	int64_t id = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	return id;
}

static int64_t new_member(const char *svc, const char *admin, int n, const char *joined_on)
{
	char path[160];
	int status = 0;
	int64_t id = apply_company(svc, n);

	snprintf(path, sizeof(path), "/api/v1/%s/membership/companies/%lld/approve", svc,
	         (long long)id);
	json_t *r = call(admin, "POST", path, json_pack("{s:s}", "joined_on", joined_on), &status);
	assert_int_equal(status, 200);
	json_decref(r);
	return id;
}

static void add_worker(const char *svc, const char *admin, int64_t company, const char *ref,
                       const char *contract, int working_time, const char *start,
                       const char *end)
{
	char path[160];
	int status = 0;
	json_t *w = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "external_ref", ref,
	                      "last_name", "Dupont", "first_name", "Alex", "birth_date",
	                      strcmp(contract, "apprentissage") == 0 ? "2006-05-10" : "1985-05-10",
	                      "job_title", "Boulanger", "contract_type", contract, "start_date",
	                      start, "working_time", working_time);

	if (end)
		json_object_set_new(w, "end_date", json_string(end));
	snprintf(path, sizeof(path), "/api/v1/%s/membership/companies/%lld/workers", svc,
	         (long long)company);
	json_t *r = call(admin, "POST", path, w, &status);
	if (status != 201)
		fprintf(stderr, "worker: %d %s\n", status, r ? json_dumps(r, 0) : "");
	assert_int_equal(status, 201);
	json_decref(r);
}

static json_t *fee(const char *svc, const char *auth, int64_t company, int year, int *status)
{
	char path[160];

	snprintf(path, sizeof(path), "/api/v1/%s/membership/companies/%lld/fee?year=%d", svc,
	         (long long)company, year);
	return call(auth, "GET", path, NULL, status);
}

/* ------------------------------------------------------------------ tests */

static void test_prevention_score(void **state)
{
	char *patron = login("demo", "patron@demo.test"), *admin = login("demo", "admin@demo.test");
	int status = 0;
	(void)state;

	/* Demo data stored a first score for every company. */
	json_t *r = call(patron, "GET", "/api/v1/demo/membership/companies/1/prevention-score", NULL,
	                 &status);
	assert_int_equal(status, 200);
	assert_true(json_is_true(json_object_get(r, "stored")));
	json_decref(r);

	/* Answers given in the body are scored, stored, explained. */
	json_t *answers = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "duerp", 1,
	                            "duerp_with_workers", 1, "action_plan", 1,
	                            "action_plan_reviewed", 0, "staff_representation", 1,
	                            "onboarding", 1);
	r = call(patron, "POST", "/api/v1/demo/membership/companies/1/prevention-score",
	         json_pack("{s:o}", "answers", answers), &status);
	assert_int_equal(status, 200);
	assert_true(num(r, "score") == 4.5);
	assert_non_null(strstr(str(r, "explanation"), "4,5 sur 5"));
	assert_non_null(strstr(str(r, "explanation"),
	                       "plan d'actions revu et mis à jour régulièrement : non (0)"));
	assert_int_equal(json_array_size(json_object_get(r, "details")), 6);
	json_t *d = json_array_get(json_object_get(r, "details"), 1);
	assert_string_equal(str(d, "question"), "duerp_with_workers");
	assert_true(num(d, "points") == 0.5);
	json_decref(r);

	/* A dependent answer without its parent earns nothing. */
	answers = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "duerp", 0, "duerp_with_workers", 1,
	                    "action_plan", 0, "action_plan_reviewed", 1, "staff_representation", 0,
	                    "onboarding", 0);
	r = call(admin, "POST", "/api/v1/demo/membership/companies/2/prevention-score",
	         json_pack("{s:o}", "answers", answers), &status);
	assert_int_equal(status, 200);
	assert_true(num(r, "score") == 0);
	assert_non_null(strstr(str(r, "explanation"), "ne compte pas sans réponse oui"));
	json_decref(r);

	/* Bad answers: 422 per field, nothing changed. */
	r = call(patron, "POST", "/api/v1/demo/membership/companies/1/prevention-score",
	         json_pack("{s:{s:s, s:b}}", "answers", "duerp", "oui", "inconnue", 1), &status);
	assert_int_equal(status, 422);
	assert_true(has_field_error(r, "answers.duerp", "vrai ou faux"));
	assert_true(has_field_error(r, "answers.inconnue", NULL));
	json_decref(r);
	r = call(patron, "GET", "/api/v1/demo/membership/companies/1/prevention-score", NULL,
	         &status);
	assert_int_equal(status, 200);
	assert_true(num(r, "score") == 4.5);
	assert_true(json_is_false(json_object_get(json_object_get(r, "answers"),
	                                          "action_plan_reviewed")));
	json_decref(r);

	/* Without a body: recomputed from the stored answers. */
	r = call(admin, "POST", "/api/v1/demo/membership/companies/1/prevention-score", NULL,
	         &status);
	assert_int_equal(status, 200);
	assert_true(num(r, "score") == 4.5);
	json_decref(r);

	/* Audited. */
	r = call(admin, "GET", "/api/v1/demo/audit?action=membership.prevention_score&limit=10",
	         NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_array_size(json_object_get(r, "items")) >= 3);
	json_decref(r);
	free(patron);
	free(admin);
}

/* TC40: a part-time apprentice and a full-time CDI are two units. A worker
 * who left in 2025 counts for 2025, not for 2026. */
static void test_fee_per_capita(void **state)
{
	char *admin = login("demo", "admin@demo.test");
	int status = 0;
	(void)state;

	int64_t id = new_member("demo", admin, 4001, "2025-01-15");
	add_worker("demo", admin, id, "A1", "apprentissage", 50, "2025-09-01", NULL);
	add_worker("demo", admin, id, "C1", "cdi", 100, "2025-02-01", NULL);
	add_worker("demo", admin, id, "D1", "cdd", 100, "2025-03-01", "2025-08-31");

	json_t *r = fee("demo", admin, id, 2026, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "units")), 2);
	assert_true(num(r, "amount_per_worker") == 105.0);
	assert_true(num(r, "total") == 210.0);
	assert_true(json_is_true(json_object_get(r, "compliant")));
	json_t *line = json_array_get(json_object_get(r, "lines"), 0);
	assert_true(num(line, "quantity") == 2);
	assert_true(num(line, "amount") == 210.0);
	json_decref(r);

	r = fee("demo", admin, id, 2025, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "units")), 3);
	assert_true(num(r, "total") == 315.0);
	json_decref(r);

	/* Unknown company: 404; bad year: 400. */
	r = fee("demo", admin, 999999, 2026, &status);
	assert_int_equal(status, 404);
	json_decref(r);
	r = call(admin, "GET", "/api/v1/demo/membership/companies/1/fee?year=20x6", NULL, &status);
	assert_int_equal(status, 400);
	json_decref(r);
	free(admin);
}

/* TC39: 140 € per worker in 2026 is out of the band 92.80-139.20 € unless
 * the general assembly voted it; the 2025 band is 92.40-138.60 €. */
static void test_band(void **state)
{
	char *admin = login("cher", "admin@cher.test"), *iprp = login("cher", "iprp@cher.test");
	int status = 0;
	(void)state;

	json_t *r = call(admin, "GET", "/api/v1/cher/membership/fee-band?year=2026", NULL, &status);
	assert_int_equal(status, 200);
	assert_true(num(r, "min") == 92.8);
	assert_true(num(r, "max") == 139.2);
	assert_true(num(r, "national_average_cost") == 116.0);
	json_decref(r);
	r = call(admin, "GET", "/api/v1/cher/membership/fee-band?year=2025", NULL, &status);
	assert_int_equal(status, 200);
	assert_true(num(r, "min") == 92.4);
	assert_true(num(r, "max") == 138.6);
	json_decref(r);

	r = fee("cher", admin, 1, 2026, &status);
	assert_int_equal(status, 200);
	assert_true(json_is_false(json_object_get(r, "compliant")));
	assert_non_null(strstr(str(r, "message"), "92,80 €"));
	assert_non_null(strstr(str(r, "message"), "139,20 €"));
	json_decref(r);

	/* Refused at invoicing, with the band in the French message; nothing stored. */
	r = call(iprp, "POST", "/api/v1/cher/membership/companies/1/invoices",
	         json_pack("{s:i}", "year", 2026), &status);
	assert_int_equal(status, 422);
	assert_true(has_field_error(r, "amount_per_worker", "hors de la fourchette nationale 2026"));
	assert_true(has_field_error(r, "amount_per_worker", "92,80 € à 139,20 €"));
	json_decref(r);
	r = call(admin, "GET", "/api/v1/cher/membership/companies/1/invoices", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);

	/* Recording the exception: service_admin only, checked, audited. */
	json_t *exc = json_pack("{s:i, s:f, s:s, s:s}", "year", 2026, "amount_per_worker", 140.0,
	                        "decision_reference", "AG du 12 décembre 2025, résolution 4",
	                        "decided_on", "2025-12-12");
	r = call(iprp, "POST", "/api/v1/cher/membership/fee-exceptions", json_deep_copy(exc),
	         &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(admin, "POST", "/api/v1/cher/membership/fee-exceptions",
	         json_pack("{s:i, s:f, s:s}", "year", 1999, "amount_per_worker", 1.005,
	                   "decided_on", "2025-02-30"), &status);
	assert_int_equal(status, 422);
	assert_true(has_field_error(r, "year", NULL));
	assert_true(has_field_error(r, "amount_per_worker", NULL));
	assert_true(has_field_error(r, "decision_reference", NULL));
	assert_true(has_field_error(r, "decided_on", NULL));
	json_decref(r);
	/* A control character (DEL included) is refused, as in every text of
	 * membership. */
	r = call(admin, "POST", "/api/v1/cher/membership/fee-exceptions",
	         json_pack("{s:i, s:f, s:s, s:s}", "year", 2026, "amount_per_worker", 140.0,
	                   "decision_reference", "AG du 12\x7f", "decided_on", "2025-12-12"),
	         &status);
	assert_int_equal(status, 422);
	assert_true(has_field_error(r, "decision_reference", NULL));
	json_decref(r);
	r = call(admin, "POST", "/api/v1/cher/membership/fee-exceptions", json_deep_copy(exc),
	         &status);
	assert_int_equal(status, 201);
	json_decref(r);
	r = call(admin, "POST", "/api/v1/cher/membership/fee-exceptions", exc, &status);
	assert_int_equal(status, 409);
	json_decref(r);
	r = call(admin, "GET", "/api/v1/cher/audit?action=membership.fee_exception.create", NULL,
	         &status);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);

	/* With the exception, 2026 passes; 2025 is still refused. */
	r = fee("cher", admin, 1, 2026, &status);
	assert_true(json_is_true(json_object_get(r, "compliant")));
	json_decref(r);
	r = call(iprp, "POST", "/api/v1/cher/membership/companies/1/invoices",
	         json_pack("{s:i}", "year", 2026), &status);
	assert_int_equal(status, 201);
	assert_true(num(r, "amount_per_worker") == 140.0);
	assert_true(json_is_integer(json_object_get(r, "fee_exception_id")));
	json_decref(r);
	r = call(iprp, "POST", "/api/v1/cher/membership/companies/1/invoices",
	         json_pack("{s:i}", "year", 2025), &status);
	assert_int_equal(status, 422);
	assert_true(has_field_error(r, "amount_per_worker", "92,40 € à 138,60 €"));
	json_decref(r);

	/* 105 € in 2025 is inside that band (service demo). */
	char *demo = login("demo", "admin@demo.test");
	r = fee("demo", demo, 1, 2025, &status);
	assert_true(json_is_true(json_object_get(r, "compliant")));
	json_decref(r);
	free(demo);
	free(admin);
	free(iprp);
}

static void test_invoices(void **state)
{
	char *admin = login("demo", "admin@demo.test"), *iprp = login("demo", "iprp@demo.test");
	int status = 0;
	(void)state;

	/* Issued today (frozen clock), due 30 days later, numbered per year. */
	json_t *r = call(iprp, "POST", "/api/v1/demo/membership/companies/3/invoices",
	                 json_pack("{s:i}", "year", 2026), &status);
	assert_int_equal(status, 201);
	const char *first = str(r, "number");
	assert_non_null(first);
	assert_int_equal(strncmp(first, "F-2026-", 7), 0);
	assert_string_equal(str(r, "issued_on"), "2026-03-16");
	assert_string_equal(str(r, "due_date"), "2026-04-15");
	assert_string_equal(str(r, "status"), "issued");
	json_int_t units = json_integer_value(json_object_get(r, "units"));
	assert_true(units > 0);
	assert_true(num(r, "total") == 105.0 * (double)units);
	json_int_t inv3 = json_integer_value(json_object_get(r, "id"));
	long seq1 = strtol(first + 7, NULL, 10);
	json_decref(r);

	/* One live invoice per company and year. */
	r = call(iprp, "POST", "/api/v1/demo/membership/companies/3/invoices",
	         json_pack("{s:i}", "year", 2026), &status);
	assert_int_equal(status, 409);
	json_decref(r);
	/* Missing year: 422. */
	r = call(iprp, "POST", "/api/v1/demo/membership/companies/3/invoices", json_object(),
	         &status);
	assert_int_equal(status, 422);
	assert_true(has_field_error(r, "year", NULL));
	json_decref(r);

	/* The next company gets the next number. */
	r = call(iprp, "POST", "/api/v1/demo/membership/companies/4/invoices",
	         json_pack("{s:i}", "year", 2026), &status);
	assert_int_equal(status, 201);
	assert_int_equal(strtol(str(r, "number") + 7, NULL, 10), seq1 + 1);
	json_int_t inv4 = json_integer_value(json_object_get(r, "id"));
	json_decref(r);

	/* Cancel, then a new invoice: a new number, never the cancelled one. */
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/3/invoices/%lld/cancel",
	         (long long)inv3);
	r = call(iprp, "POST", path, json_object(), &status);
	assert_int_equal(status, 422);
	json_decref(r);
	r = call(iprp, "POST", path, json_pack("{s:s}", "reason", "effectif erroné"), &status);
	assert_int_equal(status, 200);
	assert_string_equal(str(r, "status"), "cancelled");
	json_decref(r);
	r = call(iprp, "POST", path, json_pack("{s:s}", "reason", "encore"), &status);
	assert_int_equal(status, 409);
	json_decref(r);
	r = call(iprp, "POST", "/api/v1/demo/membership/companies/3/invoices",
	         json_pack("{s:i}", "year", 2026), &status);
	assert_int_equal(status, 201);
	assert_int_equal(strtol(str(r, "number") + 7, NULL, 10), seq1 + 2);
	json_decref(r);

	/* Paid: once; not in the future; a paid invoice cannot be cancelled. */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/4/invoices/%lld/paid",
	         (long long)inv4);
	r = call(iprp, "POST", path, json_pack("{s:s}", "paid_on", "2026-04-01"), &status);
	assert_int_equal(status, 422);
	json_decref(r);
	r = call(iprp, "POST", path, json_pack("{s:s}", "paid_on", "2026-03-10"), &status);
	assert_int_equal(status, 200);
	assert_string_equal(str(r, "status"), "paid");
	assert_string_equal(str(r, "paid_on"), "2026-03-10");
	json_decref(r);
	r = call(iprp, "POST", path, NULL, &status);
	assert_int_equal(status, 409);
	json_decref(r);
	/* An invoice of another company is not reachable under this one. */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/3/invoices/%lld",
	         (long long)inv4);
	r = call(iprp, "GET", path, NULL, &status);
	assert_int_equal(status, 404);
	json_decref(r);

	/* An application under review is not invoiced. */
	int64_t applied = apply_company("demo", 4002);
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/invoices",
	         (long long)applied);
	r = call(iprp, "POST", path, json_pack("{s:i}", "year", 2026), &status);
	assert_int_equal(status, 409);
	json_decref(r);

	/* Paginated list, newest first. */
	r = call(admin, "GET", "/api/v1/demo/membership/companies/3/invoices?limit=1", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_string_equal(str(json_array_get(json_object_get(r, "items"), 0), "status"), "issued");
	assert_non_null(str(r, "next_cursor"));
	json_decref(r);

	/* Every change audited. */
	r = call(admin, "GET", "/api/v1/demo/audit?action=membership.invoice.issue", NULL, &status);
	assert_true(json_array_size(json_object_get(r, "items")) >= 3);
	json_decref(r);
	r = call(admin, "GET", "/api/v1/demo/audit?action=membership.invoice.cancel", NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	free(admin);
	free(iprp);
}

static void test_access(void **state)
{
	char *patron = login("demo", "patron@demo.test"), *admin = login("demo", "admin@demo.test");
	int status = 0;
	(void)state;

	/* The demo employer (administrateur and facturation of company 1). */
	json_t *r = call(admin, "POST", "/api/v1/demo/membership/companies/1/invoices",
	                 json_pack("{s:i}", "year", 2026), &status);
	assert_int_equal(status, 201);
	json_decref(r);
	r = call(patron, "GET", "/api/v1/demo/membership/companies/1/invoices", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_int_t inv1 = json_integer_value(json_object_get(json_array_get(
		json_object_get(r, "items"), 0), "id"));
	json_decref(r);
	/* The invoice to download and print (issue 12): a French page. */
	{
		char path[160];
		const char *h[] = {patron, NULL};
		struct hc_response doc;

		snprintf(path, sizeof(path),
		         "/api/v1/demo/membership/companies/1/invoices/%lld/document",
		         (long long)inv1);
		assert_int_equal(hc_request(S.port, "GET", path, h, NULL, 0, &doc), 0);
		assert_int_equal(doc.status, 200);
		assert_non_null(strstr(hc_header(&doc, "Content-Type"), "text/html"));
		assert_non_null(strstr(doc.body, "Facture F-2026-"));
		assert_non_null(strstr(doc.body, "Boulangerie"));
		assert_non_null(strstr(doc.body, "€"));
		/* The late-payment mentions of an invoice between professionals. */
		assert_non_null(strstr(doc.body, "indemnité forfaitaire pour frais de recouvrement de"
		                                 " 40 €"));
		assert_null(strstr(doc.body, "style="));
		hc_response_free(&doc);
		snprintf(path, sizeof(path),
		         "/api/v1/demo/membership/companies/2/invoices/%lld/document",
		         (long long)inv1);
		assert_int_equal(hc_request(S.port, "GET", path, h, NULL, 0, &doc), 0);
		assert_int_equal(doc.status, 403);
		hc_response_free(&doc);
	}
	/* Issuing is staff work; another company is closed. */
	r = call(patron, "POST", "/api/v1/demo/membership/companies/1/invoices",
	         json_pack("{s:i}", "year", 2025), &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(patron, "GET", "/api/v1/demo/membership/companies/2/invoices", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(patron, "GET", "/api/v1/demo/membership/companies/2/fee?year=2026", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(patron, "POST", "/api/v1/demo/membership/fee-exceptions",
	         json_pack("{s:i, s:f, s:s, s:s}", "year", 2027, "amount_per_worker", 150.0,
	                   "decision_reference", "x", "decided_on", "2026-01-01"), &status);
	assert_int_equal(status, 403);
	json_decref(r);

	/* A user of company 1 with the declaration role only: no invoices. */
	r = call(admin, "POST", "/api/v1/demo/membership/companies/1/users",
	         json_pack("{s:s, s:s, s:[s]}", "email", "rh@demo.test", "name", "Service RH",
	                   "roles", "declaration"), &status);
	assert_int_equal(status, 201);
	json_decref(r);
	cli("user passwd --service demo --email rh@demo.test");
	char *rh = login("demo", "rh@demo.test");
	r = call(rh, "GET", "/api/v1/demo/membership/companies/1/invoices", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(rh, "GET", "/api/v1/demo/membership/companies/1/fee?year=2026", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	/* Reading the score is open to every role of the company; changing the
	 * answers is the administrator's. */
	r = call(rh, "GET", "/api/v1/demo/membership/companies/1/prevention-score", NULL, &status);
	assert_int_equal(status, 200);
	json_decref(r);
	r = call(rh, "POST", "/api/v1/demo/membership/companies/1/prevention-score", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	free(rh);
	free(patron);
	free(admin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prevention_score),
		cmocka_unit_test(test_fee_per_capita),
		cmocka_unit_test(test_band),
		cmocka_unit_test(test_invoices),
		cmocka_unit_test(test_access),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
