/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The whole membership path in one story, through the real `socle serve`, as
 * a member company and the service live it (issue 3, first acceptance point):
 * application refused then accepted, approval, invitation mail, employer
 * login, workforce declaration, CSV import with errors then clean (and again,
 * unchanged), categories and their distribution, prevention score, fee,
 * invoice, satisfaction, and another company's user refused. Business clock
 * frozen on 16 March 2026. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "outbox.h"
#include "http_client.h"
#include "server.h"

#define STAFF_PASSWORD "motdepasse-du-service-42"
#define EMPLOYER_PASSWORD "motdepasse-employeur-2026"

static struct test_deploy D;
static struct test_server S;

static int setup(void **state)
{
	char cmd[2048], *out = NULL;
	(void)state;

	json_t *cfg = json_pack("{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:f}}}]}", "plugin_dirs",
	                        MEMBERSHIP_PLUGIN_DIR, "clock", "2026-03-16T08:00:00Z", "services",
	                        "id", "svc", "name", "SPSTI du Rhône", "database", "svc.db", "plugins",
	                        "membership", "fee_per_worker", 105.0);
	if (test_deploy_create(&D, "membership-journey", cfg) != 0)
		return -1;
	json_decref(cfg);
	snprintf(cmd, sizeof(cmd),
	         "printf '%%s\\n' '" STAFF_PASSWORD "' | " SOCLE_BINARY_DIR "/socle user add"
	         " --config %s --service svc --email admin@svc.test --role service_admin",
	         D.config_path);
	if (fs_run(cmd, &out) != 0) {
		fprintf(stderr, "%s", out);
		free(out);
		return -1;
	}
	free(out);
	return test_server_start_deploy(&S, &D);
}

static int teardown(void **state)
{
	(void)state;
	int rc = test_server_stop(&S, 10000);
	test_deploy_remove(&D);
	return rc == 0 ? 0 : -1;
}

static json_t *call(const char *auth, const char *method, const char *path, json_t *body,
                    int *status)
{
	const char *headers[] = {auth, NULL};
	json_t *r = hc_json(S.port, method, path, auth ? headers : NULL, body, status);

	json_decref(body);
	return r;
}

static char *login(const char *email, const char *password)
{
	int status = 0;
	char *h = NULL;
	json_t *r = call(NULL, "POST", "/api/v1/svc/auth/login",
	                 json_pack("{s:s, s:s}", "email", email, "password", password), &status);

	assert_int_equal(status, 200);
	assert_true(asprintf(&h, "Authorization: Bearer %s",
	                     json_string_value(json_object_get(r, "token"))) > 0);
	json_decref(r);
	return h;
}

static json_t *application(const char *siret, const char *name, const char *email)
{
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:i, s:{s:s, s:s, s:s}, s:[s],"
		" s:{s:b, s:b, s:b, s:b, s:b, s:b}, s:{s:s}}",
		"siret", siret, "legal_name", name, "naf_code", "43.22A", "naf_version", "NAFrev2",
		"address", "line", "3 quai Perrache", "postcode", "69002", "city", "Lyon", "headcount", 4,
		"contact", "name", "Inès Garnier", "email", email, "phone", "04 78 00 00 00",
		"exposures", "bruit", "prevention_answers", "duerp", 1, "duerp_with_workers", 1,
		"action_plan", 1, "action_plan_reviewed", 0, "staff_representation", 0, "onboarding", 1,
		"payment", "mode", "transfer");
}

/* The token of the invitation mailed to @p to, once the loop has sent it. */
static bool invitation_token(const char *to, char token[65])
{
	return test_outbox_after(D.dir, "svc", to, "invitation.html?token=", token, 64);
}

static int post_csv(const char *auth, const char *path, const char *csv, json_t **out)
{
	const char *headers[] = {auth, "Content-Type: text/csv; charset=utf-8", NULL};
	struct hc_response resp = {0};

	assert_int_equal(hc_request(S.port, "POST", path, headers, csv, strlen(csv), &resp), 0);
	*out = hc_body_json(&resp);
	int status = resp.status;
	hc_response_free(&resp);
	return status;
}

static void test_membership_journey(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), path[256], token[65];
	int status = 0;
	(void)state;

	/* 1. A bad application: field errors in French, nothing stored. */
	json_t *bad = application("81234567600018", "Électricité Garnier", "ines@garnier.test");
	json_object_set_new(bad, "naf_code", json_string("99.99"));
	json_t *r = call(NULL, "POST", "/api/v1/svc/membership/applications", bad, &status);
	assert_int_equal(status, 422);
	assert_true(json_array_size(json_object_get(json_object_get(r, "error"), "fields")) >= 2);
	json_decref(r);
	r = call(staff, "GET", "/api/v1/svc/membership/applications", NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);

	/* 2. The application, then its approval. */
	r = call(NULL, "POST", "/api/v1/svc/membership/applications",
	         application("81234567600017", "Électricité Garnier", "ines@garnier.test"), &status);
	assert_int_equal(status, 201);
	json_int_t company = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	r = call(NULL, "POST", "/api/v1/svc/membership/applications",
	         application("81234568400011", "Menuiserie Blanc", "paul@blanc.test"), &status);
	assert_int_equal(status, 201);
	json_int_t other = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	for (json_int_t c = company; c <= other; c += other - company) {
		snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/approve", (long long)c);
		r = call(staff, "POST", path, json_object(), &status);
		assert_int_equal(status, 200);
		json_decref(r);
		if (other == company)
			break;
	}

	/* 3. The invitation mail, its acceptance, the employer's login. */
	assert_true(invitation_token("ines@garnier.test", token));
	r = call(NULL, "POST", "/api/v1/svc/membership/invitations/accept",
	         json_pack("{s:s, s:s}", "token", token, "password", EMPLOYER_PASSWORD), &status);
	assert_int_equal(status, 200);
	json_decref(r);
	char *employer = login("ines@garnier.test", EMPLOYER_PASSWORD);

	/* 4. One worker declared through the form. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers", (long long)company);
	r = call(employer, "POST", path,
	         json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "external_ref", "G-001",
	                   "last_name", "Garnier", "first_name", "Inès", "birth_date", "1979-05-04",
	                   "job_title", "Électricienne", "contract_type", "cdi", "start_date",
	                   "2015-09-01", "night_worker", 0),
	         &status);
	assert_int_equal(status, 201);
	json_decref(r);

	/* 5. The CSV import: refused whole with line and column, then clean, then again. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers/import",
	         (long long)company);
	const char *bad_csv =
		"external_ref;last_name;first_name;birth_date;job_title;contract_type;start_date;exposures\n"
		"G-002;Petit;Hugo;2009-02-30;Apprenti électricien;apprentissage;2025-09-01;\n"
		"G-003;Roux;Léa;1990-07-12;Électricienne;cdd;2026-01-05;amiante\n"
		"G-004;Faure;Tom;1985-11-23;Chef de chantier;stage;2024-03-01;\n";
	assert_int_equal(post_csv(employer, path, bad_csv, &r), 422);
	json_t *fields = json_object_get(json_object_get(r, "error"), "fields");
	assert_int_equal(json_array_size(fields), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(fields, 0), "line")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(fields, 0), "column")),
	                    "birth_date");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(fields, 1), "line")), 4);
	json_decref(r);
	const char *csv =
		"external_ref;last_name;first_name;birth_date;job_title;contract_type;start_date;exposures\n"
		"G-002;Petit;Hugo;2009-02-28;Apprenti électricien;apprentissage;2025-09-01;\n"
		"G-003;Roux;Léa;1990-07-12;Électricienne;cdd;2026-01-05;amiante\n"
		"G-004;Faure;Tom;1985-11-23;Chef de chantier;cdi;2024-03-01;\n";
	assert_int_equal(post_csv(employer, path, csv, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "created")), 3);
	json_decref(r);
	assert_int_equal(post_csv(employer, path, csv, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "created")), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "unchanged")), 3);
	json_decref(r);

	/* 6. Categories: the minor apprentice is SIA, asbestos is SIR, the rest SI. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workforce/distribution",
	         (long long)company);
	r = call(employer, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	json_t *cats = json_object_get(r, "categories");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 4);
	assert_int_equal(json_integer_value(json_object_get(cats, "SI")), 2);
	assert_int_equal(json_integer_value(json_object_get(cats, "SIA")), 1);
	assert_int_equal(json_integer_value(json_object_get(cats, "SIR")), 1);
	json_decref(r);

	/* 7. The prevention score from the application's answers: 1 + 0.5 + 1 + 1. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/prevention-score",
	         (long long)company);
	r = call(employer, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_number_value(json_object_get(r, "score")) == 3.5);
	assert_non_null(json_object_get(r, "explanation"));
	json_decref(r);

	/* 8. The 2026 fee: 4 workers x 105 EUR; then the invoice. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/fee?year=2026",
	         (long long)company);
	r = call(employer, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "units")), 4);
	assert_true(json_number_value(json_object_get(r, "total")) == 420.0);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/invoices",
	         (long long)company);
	r = call(staff, "POST", path, json_pack("{s:i}", "year", 2026), &status);
	assert_int_equal(status, 201);
	json_decref(r);
	r = call(employer, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);

	/* 9. Satisfaction, and the service's indicator. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/satisfaction",
	         (long long)company);
	r = call(employer, "POST", path, json_pack("{s:i, s:i}", "interface", 5, "information", 4),
	         &status);
	assert_int_equal(status, 201);
	json_decref(r);
	r = call(staff, "GET", "/api/v1/svc/membership/indicators/satisfaction", NULL, &status);
	assert_int_equal(status, 200);
	json_decref(r);

	/* 10. Another company's data stays closed to this employer. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers", (long long)other);
	r = call(employer, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld", (long long)other);
	r = call(employer, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	free(employer);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_membership_journey),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
