/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The workforce end to end through the real `socle serve`: two companies
 * apply and are approved through the membership routes, their administrators
 * accept the invitation and log in; then the declaration of workers with
 * their categories, field errors in French (422, nothing stored), changes of
 * post kept in the history, the exit, the distribution by follow-up category,
 * the CSV import (errors with line and column, then clean, then idempotent),
 * the employer's SIR posts with their yearly update, and the refusals: another
 * company's employer (403), an employer without the declaration role (403),
 * no session (401). The clock is frozen on 3 Nov 2025 (after décret 2025-355). */
#include <dirent.h>
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
#define EMPLOYER_PASSWORD "mot-de-passe-employeur-2026"

static struct {
	struct test_deploy d;
	struct test_server s;
	json_int_t company_a, company_b;
	char *staff, *emp_a, *emp_b, *billing_a;
} W;

static void add_user(const char *email, const char *role)
{
	char cmd[2048], *out = NULL;

	snprintf(cmd, sizeof(cmd),
	         "printf '%%s\\n' '" PASSWORD "' | " SOCLE_BINARY_DIR "/socle user add --config %s"
	         " --service demo --email %s --role %s", W.d.config_path, email, role);
	int rc = fs_run(cmd, &out);
	if (rc != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(rc, 0);
	free(out);
}

static char *login(const char *email, const char *password)
{
	char *header = NULL;
	int status = 0;
	json_t *body = json_pack("{s:s, s:s}", "email", email, "password", password);
	json_t *r = hc_json(W.s.port, "POST", "/api/v1/demo/auth/login", NULL, body, &status);

	json_decref(body);
	assert_int_equal(status, 200);
	assert_true(asprintf(&header, "Authorization: Bearer %s",
	                     json_string_value(json_object_get(r, "token"))) > 0);
	json_decref(r);
	return header;
}

static json_t *call(const char *auth, const char *method, const char *path, json_t *body,
                    int *status)
{
	const char *headers[] = {auth, NULL};
	json_t *r = hc_json(W.s.port, method, path, auth ? headers : NULL, body, status);

	json_decref(body);
	return r;
}

/* The invitation mail sent to @p to (written by the loop thread): its token. */
static bool outbox_token(const char *to, char token[65])
{
	static const char mark[] = "/portal/invitation.html?token=";
	char *dir = fs_join(W.d.dir, "outbox/demo"), want[300];
	bool found = false;

	snprintf(want, sizeof(want), "To: %s\r\n", to);
	for (int tries = 0; tries < 200 && !found; tries++) {
		DIR *dh = opendir(dir);
		struct dirent *de;

		while (dh && (de = readdir(dh)) != NULL && !found) {
			if (strstr(de->d_name, ".eml") == NULL || de->d_name[0] == '.')
				continue;
			char *path = fs_join(dir, de->d_name), buf[8192];
			FILE *f = fopen(path, "r");
			size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

			if (f)
				fclose(f);
			buf[n] = '\0';
			const char *link = strstr(buf, mark);
			if (strstr(buf, want) && link) {
				memcpy(token, link + strlen(mark), 64);
				token[64] = '\0';
				found = strspn(token, "0123456789abcdef") == 64;
			}
			free(path);
		}
		if (dh)
			closedir(dh);
		if (!found)
			usleep(50000);
	}
	free(dir);
	return found;
}

static void accept_invitation(const char *email)
{
	char token[65];
	int status = 0;

	assert_true(outbox_token(email, token));
	json_decref(call(NULL, "POST", "/api/v1/demo/membership/invitations/accept",
	                 json_pack("{s:s, s:s}", "token", token, "password", EMPLOYER_PASSWORD),
	                 &status));
	assert_int_equal(status, 200);
}

/* Apply, approve, accept the invitation: the company id. */
static json_int_t member_company(const char *siret, const char *name, const char *email)
{
	int status = 0;
	char path[160];
	json_t *r = call(NULL, "POST", "/api/v1/demo/membership/applications",
		json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:i, s:{s:s, s:s, s:s}, s:[s],"
		          " s:{s:i}, s:{s:b, s:b, s:b, s:b, s:b, s:b}, s:{s:s}}",
		          "siret", siret, "legal_name", name, "naf_code", "10.71C", "naf_version",
		          "NAFrev2", "address", "line", "12 rue des Lilas", "postcode", "69003", "city",
		          "Lyon", "headcount", 8, "contact", "name", "Camille Martin", "email", email,
		          "phone", "04 72 00 00 00", "exposures", "bruit", "followup_counts",
		          "night_workers", 1, "prevention_answers", "duerp", 1, "duerp_with_workers", 0,
		          "action_plan", 1, "action_plan_reviewed", 0, "staff_representation", 0,
		          "onboarding", 1, "payment", "mode", "transfer"),
		&status);
	if (status != 201) {
		char *t = json_dumps(r, 0);
		fail_msg("application %s: %d %s", siret, status, t);
	}
	json_int_t id = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/approve", (long long)id);
	json_decref(call(W.staff, "POST", path, json_object(), &status));
	assert_int_equal(status, 200);
	accept_invitation(email);
	return id;
}

static int setup(void **state)
{
	(void)state;
	json_t *cfg = json_pack("{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{}}}]}", "plugin_dirs",
	                        MEMBERSHIP_PLUGIN_DIR, "clock", "2025-11-03T09:00:00Z", "services",
	                        "id", "demo", "name", "SPSTI Démo", "database", "demo.db",
	                        "plugins", "membership");
	if (test_deploy_create(&W.d, "membership-workforce", cfg) != 0)
		return -1;
	json_decref(cfg);
	add_user("admin@demo.test", "service_admin");
	add_user("iprp@demo.test", "iprp");
	if (test_server_start_deploy(&W.s, &W.d) != 0)
		return -1;
	W.staff = login("admin@demo.test", PASSWORD);
	W.company_a = member_company("73282932000074", "Boulangerie Martin", "camille@martin.test");
	W.company_b = member_company("44306184100005", "Garage Durand", "dominique@durand.test");
	W.emp_a = login("camille@martin.test", EMPLOYER_PASSWORD);
	W.emp_b = login("dominique@durand.test", EMPLOYER_PASSWORD);

	/* A billing-only user of company A. */
	char path[160];
	int status = 0;
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/users",
	         (long long)W.company_a);
	json_decref(call(W.emp_a, "POST", path,
	                 json_pack("{s:s, s:s, s:[s]}", "email", "paie@martin.test", "name",
	                           "Alex Paie", "roles", "facturation"), &status));
	assert_int_equal(status, 201);
	accept_invitation("paie@martin.test");
	W.billing_a = login("paie@martin.test", EMPLOYER_PASSWORD);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(W.staff);
	free(W.emp_a);
	free(W.emp_b);
	free(W.billing_a);
	int rc = test_server_stop(&W.s, 10000);
	test_deploy_remove(&W.d);
	return rc == 0 ? 0 : -1;
}

static char *path_of(json_int_t company, const char *rest)
{
	char *p = NULL;

	assert_true(asprintf(&p, "/api/v1/demo/membership/companies/%lld%s", (long long)company,
	                     rest) > 0);
	return p;
}

static bool has_field(const json_t *r, const char *field)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "field")), field) == 0)
			return true;
	return false;
}

static json_t *worker(const char *ref, const char *job, const char *extra_json)
{
	json_t *w = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref", ref, "last_name",
	                      "Martin", "first_name", "Louise", "birth_date", "1985-04-12",
	                      "job_title", job, "contract_type", "cdi", "start_date", "2019-09-01");

	if (extra_json) {
		json_t *x = json_loads(extra_json, 0, NULL);

		assert_non_null(x);
		json_object_update(w, x);
		json_decref(x);
	}
	return w;
}

static size_t count_workers(const char *auth, json_int_t company, const char *query)
{
	int status = 0;
	char rest[160];

	snprintf(rest, sizeof(rest), "/workers?limit=500%s", query ? query : "");
	char *p = path_of(company, rest);
	json_t *r = call(auth, "GET", p, NULL, &status);

	free(p);
	assert_int_equal(status, 200);
	size_t n = json_array_size(json_object_get(r, "items"));
	json_decref(r);
	return n;
}

static void test_declare_update_history_exit(void **state)
{
	int status = 0;
	char *workers = path_of(W.company_a, "/workers");
	(void)state;

	/* Field errors in French, nothing stored. */
	json_t *bad = worker("", "Boulangère", "{\"contract_type\": \"stage\", \"exposures\":"
	                     " [\"radon\"], \"working_time\": 0, \"end_date\": \"2010-01-01\"}");
	json_object_del(bad, "last_name");
	json_t *r = call(W.emp_a, "POST", workers, bad, &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "external_ref"));
	assert_true(has_field(r, "last_name"));
	assert_true(has_field(r, "contract_type"));
	assert_true(has_field(r, "exposures"));
	assert_true(has_field(r, "working_time"));
	json_decref(r);
	r = call(W.emp_a, "POST", workers, worker("E1", "Boulangère", "{\"end_date\": \"2010-01-01\"}"),
	         &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "end_date"));
	json_decref(r);
	assert_int_equal(count_workers(W.emp_a, W.company_a, NULL), 0);

	/* Declared: a forklift driver on night shifts after 1 Oct 2025: SIA with
	 * the attestation regime. */
	r = call(W.emp_a, "POST", workers,
	         worker("E1", "Cariste", "{\"night_worker\": true, \"caces_or_electrical\": true}"),
	         &status);
	assert_int_equal(status, 201);
	json_int_t id = json_integer_value(json_object_get(r, "id"));
	assert_string_equal(json_string_value(json_object_get(r, "category")), "SIA");
	assert_true(json_is_true(json_object_get(r, "category_attestation")));
	assert_true(json_array_size(json_object_get(r, "category_reasons")) == 2);
	assert_true(json_is_true(json_object_get(r, "active")));
	json_decref(r);
	/* The reference is the employer's key: unique in the company. */
	r = call(W.emp_a, "POST", workers, worker("E1", "Vendeuse", NULL), &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "external_ref"));
	json_decref(r);

	/* A change of post: asbestos removal is SIR. */
	char rest[64];
	snprintf(rest, sizeof(rest), "/workers/%lld", (long long)id);
	char *one = path_of(W.company_a, rest);
	r = call(W.emp_a, "PATCH", one,
	         json_pack("{s:s, s:[s], s:b}", "job_title", "Désamianteur", "exposures", "amiante",
	                   "night_worker", 0), &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(r, "category")), "SIR");
	json_decref(r);
	/* A PATCH may not empty a required field nor add unknown ones. */
	r = call(W.emp_a, "PATCH", one, json_pack("{s:n, s:s}", "last_name", "couleur", "bleu"),
	         &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "last_name"));
	assert_true(has_field(r, "couleur"));
	json_decref(r);
	r = call(W.emp_a, "PATCH", one, json_pack("{s:s}", "last_name", "Martin-Durand"), &status);
	assert_int_equal(status, 200);
	json_decref(r);
	/* The same value again changes nothing. */
	r = call(W.emp_a, "PATCH", one, json_pack("{s:s}", "last_name", "Martin-Durand"), &status);
	assert_int_equal(status, 200);
	json_decref(r);

	char *hist = NULL;
	assert_true(asprintf(&hist, "%s/history", one) > 0);
	r = call(W.emp_a, "GET", hist, NULL, &status);
	assert_int_equal(status, 200);
	json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "kind")),
	                    "updated");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "kind")),
	                    "category_changed");
	json_t *post = json_array_get(items, 2);
	assert_string_equal(json_string_value(json_object_get(post, "kind")), "post_changed");
	assert_string_equal(json_string_value(json_object_get(json_object_get(post, "before"),
	                                                      "job_title")), "Cariste");
	assert_string_equal(json_string_value(json_object_get(json_object_get(post, "after"),
	                                                      "job_title")), "Désamianteur");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 3), "kind")),
	                    "declared");
	assert_true(json_integer_value(json_object_get(json_array_get(items, 3), "user_id")) > 0);
	json_decref(r);

	/* The exit. */
	char *exitp = NULL;
	assert_true(asprintf(&exitp, "%s/exit", one) > 0);
	r = call(W.emp_a, "POST", exitp, json_pack("{s:s}", "end_date", "2019-01-01"), &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "end_date"));
	json_decref(r);
	r = call(W.emp_a, "POST", exitp, json_object(), &status);
	assert_int_equal(status, 422);
	json_decref(r);
	r = call(W.emp_a, "POST", exitp, json_pack("{s:s}", "end_date", "2025-10-31"), &status);
	assert_int_equal(status, 200);
	assert_false(json_is_true(json_object_get(r, "active")));
	assert_string_equal(json_string_value(json_object_get(r, "end_date")), "2025-10-31");
	json_decref(r);
	r = call(W.emp_a, "POST", exitp, json_pack("{s:s}", "end_date", "2025-11-01"), &status);
	assert_int_equal(status, 409);
	json_decref(r);
	r = call(W.emp_a, "GET", hist, NULL, &status);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(r, "items"), 0), "kind")), "left");
	json_decref(r);

	/* Filters. */
	assert_int_equal(count_workers(W.emp_a, W.company_a, "&active=false"), 1);
	assert_int_equal(count_workers(W.emp_a, W.company_a, "&active=true"), 0);
	assert_int_equal(count_workers(W.staff, W.company_a, "&category=SIR"), 1);
	char *badq = path_of(W.company_a, "/workers?category=XYZ");
	r = call(W.emp_a, "GET", badq, NULL, &status);
	assert_int_equal(status, 400);
	json_decref(r);
	free(badq);

	/* The write was audited. */
	r = call(W.staff, "GET", "/api/v1/demo/audit?action=membership.worker.exit", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	free(exitp);
	free(hist);
	free(one);
	free(workers);
}

static void test_distribution(void **state)
{
	int status = 0;
	char *workers = path_of(W.company_b, "/workers");
	(void)state;

	static const char *const extra[] = {
		NULL, NULL, "{\"rqth\": true}", "{\"exposures\": [\"cmr\"]}", "{\"sir_post\": true}",
		"{\"birth_date\": \"2009-01-10\", \"start_date\": \"2025-07-01\","
		" \"contract_type\": \"apprentissage\"}",
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		char ref[16];

		snprintf(ref, sizeof(ref), "B%zu", i);
		json_decref(call(W.emp_b, "POST", workers, worker(ref, "Mécanicien", extra[i]), &status));
		assert_int_equal(status, 201);
	}
	char *dist = path_of(W.company_b, "/workforce/distribution");
	json_t *r = call(W.emp_b, "GET", dist, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 6);
	json_t *c = json_object_get(r, "categories");
	assert_int_equal(json_integer_value(json_object_get(c, "SI")), 2);
	assert_int_equal(json_integer_value(json_object_get(c, "SIA")), 2);
	assert_int_equal(json_integer_value(json_object_get(c, "SIR")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "uncomputed")), 0);
	assert_int_equal(json_array_size(json_object_get(r, "uncomputed_workers")), 0);
	json_decref(r);
	free(dist);
	free(workers);
}

static void test_access_refused(void **state)
{
	int status = 0;
	char *workers_a = path_of(W.company_a, "/workers");
	char *dist_a = path_of(W.company_a, "/workforce/distribution");
	(void)state;

	/* Another company's employer. */
	json_t *r = call(W.emp_b, "GET", workers_a, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(W.emp_b, "POST", workers_a, worker("X1", "Intrus", NULL), &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(W.emp_b, "GET", dist_a, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	/* An employer of the company without the declaration role. */
	r = call(W.billing_a, "GET", workers_a, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(W.billing_a, "POST", workers_a, worker("X2", "Intrus", NULL), &status);
	assert_int_equal(status, 403);
	json_decref(r);
	/* ... who may still see the distribution of its company. */
	r = call(W.billing_a, "GET", dist_a, NULL, &status);
	assert_int_equal(status, 200);
	json_decref(r);
	/* No session; an unknown company; recomputing is for the service admin. */
	r = call(NULL, "GET", workers_a, NULL, &status);
	assert_int_equal(status, 401);
	json_decref(r);
	r = call(W.staff, "GET", "/api/v1/demo/membership/companies/999999/workers", NULL, &status);
	assert_int_equal(status, 404);
	json_decref(r);
	r = call(W.emp_a, "POST", "/api/v1/demo/membership/workforce/recompute", json_object(),
	         &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(W.staff, "POST", "/api/v1/demo/membership/workforce/recompute", json_object(),
	         &status);
	assert_int_equal(status, 200);
	assert_true(json_integer_value(json_object_get(r, "examined")) >= 6);
	assert_int_equal(json_integer_value(json_object_get(r, "changed")), 0);
	json_decref(r);
	free(workers_a);
	free(dist_a);
}

static json_t *post_csv(const char *auth, const char *path, const char *csv, int *status)
{
	const char *headers[] = {auth, "Content-Type: text/csv; charset=utf-8", NULL};
	struct hc_response resp = {0};

	assert_int_equal(hc_request(W.s.port, "POST", path, headers, csv, strlen(csv), &resp), 0);
	*status = resp.status;
	json_t *r = hc_body_json(&resp);
	hc_response_free(&resp);
	return r;
}

static bool has_line_error(const json_t *r, json_int_t line, const char *column)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f)
		if (json_integer_value(json_object_get(f, "line")) == line &&
		    json_is_string(json_object_get(f, "column")) &&
		    strcmp(json_string_value(json_object_get(f, "column")), column) == 0)
			return true;
	return false;
}

static void test_csv_import(void **state)
{
	int status = 0;
	char *imp = path_of(W.company_a, "/workers/import");
	(void)state;
	static const char bad[] =
		"external_ref;last_name;first_name;birth_date;job_title;contract_type;start_date\r\n"
		"C1;Leroy;Anne;1990-02-30;Vendeuse;cdi;2024-01-01\r\n"
		"C2;Roux;Marc;1988-01-01;Livreur;saisonnier;2024-01-01\r\n";
	static const char clean[] =
		"external_ref;last_name;first_name;birth_date;job_title;contract_type;start_date;"
		"night_worker\r\n"
		"C1;Leroy;Anne;1990-02-28;Vendeuse;cdi;2024-01-01;non\r\n"
		"C2;Roux;Marc;1988-01-01;Livreur de nuit;cdd;2024-01-01;oui\r\n";

	json_t *r = post_csv(W.emp_a, imp, bad, &status);
	assert_int_equal(status, 422);
	assert_true(has_line_error(r, 2, "birth_date"));
	assert_true(has_line_error(r, 3, "contract_type"));
	assert_true(has_field(r, "ligne 3, contract_type"));
	json_decref(r);
	assert_int_equal(count_workers(W.emp_a, W.company_a, "&active=true"), 0);

	r = post_csv(W.emp_a, imp, clean, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "created")), 2);
	json_decref(r);
	r = post_csv(W.emp_a, imp, clean, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "created")), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "updated")), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "unchanged")), 2);
	json_decref(r);
	assert_int_equal(count_workers(W.emp_a, W.company_a, "&category=SIA"), 1);

	/* JSON is not a CSV file; another company's employer may not import. */
	r = call(W.emp_a, "POST", imp, json_object(), &status);
	assert_int_equal(status, 415);
	json_decref(r);
	r = post_csv(W.emp_b, imp, clean, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	free(imp);
}

/* Issue 15 item 4: the team finds a worker or a company from one box. */
static void test_search(void **state)
{
	int status = 0;
	char *workers = path_of(W.company_b, "/workers");
	(void)state;

	json_t *r = call(W.emp_b, "POST", workers,
	                 worker("S-1", "Carrossier", "{\"last_name\": \"Zanetti\", \"first_name\":"
	                        " \"Hugo\", \"birth_date\": \"1979-02-03\"}"),
	                 &status);
	assert_int_equal(status, 201);
	json_int_t hugo = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	free(workers);

	/* A last name and a first name's start, any case. */
	r = call(W.staff, "GET", "/api/v1/demo/membership/search?q=zanetti%20hu", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "name");
	json_t *found = json_array_get(json_object_get(r, "workers"), 0);
	assert_int_equal(json_integer_value(json_object_get(found, "id")), hugo);
	assert_string_equal(json_string_value(json_object_get(found, "company_name")),
	                    "Garage Durand");
	json_decref(r);
	/* A birth date, as people write it. */
	r = call(W.staff, "GET", "/api/v1/demo/membership/search?q=03/02/1979", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "birth_date");
	assert_int_equal(json_array_size(json_object_get(r, "workers")), 1);
	json_decref(r);
	/* A company by the start of its name, by its SIRET typed with blanks. */
	r = call(W.staff, "GET", "/api/v1/demo/membership/search?q=garage", NULL, &status);
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(r, "companies"), 0), "id")), W.company_b);
	json_decref(r);
	r = call(W.staff, "GET", "/api/v1/demo/membership/search?q=443%20061%20841%2000005", NULL,
	         &status);
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "siret");
	assert_int_equal(json_array_size(json_object_get(r, "companies")), 1);
	json_decref(r);
	/* Not for employers; a one-letter search is refused in French. */
	r = call(W.emp_a, "GET", "/api/v1/demo/membership/search?q=garage", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(W.staff, "GET", "/api/v1/demo/membership/search?q=z", NULL, &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "q"));
	json_decref(r);
}

static void test_sir_posts(void **state)
{
	int status = 0;
	char *sir = path_of(W.company_a, "/sir-posts");
	(void)state;

	json_t *r = call(W.emp_a, "GET", sir, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	assert_false(json_is_true(json_object_get(r, "due_for_update")));
	json_decref(r);
	r = call(W.emp_a, "PUT", sir,
	         json_pack("{s:[{s:s}]}", "posts", "post", "Four à sole (brûlures graves)"), &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "posts[0].justification"));
	assert_true(has_field(r, "posts[0].medecin_opinion_on"));
	json_decref(r);
	r = call(W.emp_a, "PUT", sir,
	         json_pack("{s:[{s:s, s:s, s:s}]}", "posts", "post", "Four à sole", "justification",
	                   "Risque de brûlures graves identifié au DUERP.", "medecin_opinion_on",
	                   "2025-10-15"), &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(r, "updated_on")), "2025-11-03");
	assert_string_equal(json_string_value(json_object_get(r, "next_update_due")), "2026-11-03");
	assert_false(json_is_true(json_object_get(r, "due_for_update")));
	json_decref(r);
	r = call(W.billing_a, "PUT", sir, json_pack("{s:[]}", "posts"), &status);
	assert_int_equal(status, 403);
	json_decref(r);
	free(sir);
}

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Issue 10 item 13: the employer declares a change of assignment on the day it
 * takes effect (effective_on), the end of a SIR exposure and the reason of an
 * exit; membership keeps the dates that set visits owed (assigned_on,
 * sir_ended_on, end_reason). Today is 3 Nov 2025. */
static void test_assignment_facts(void **state)
{
	int status = 0;
	char *workers = path_of(W.company_a, "/workers"), rest[64];
	(void)state;

	json_t *r = call(W.emp_a, "POST", workers, worker("A13", "Magasinier", NULL), &status);
	assert_int_equal(status, 201);
	json_int_t id = json_integer_value(json_object_get(r, "id"));
	assert_null(str_of(r, "assigned_on"));
	json_decref(r);
	snprintf(rest, sizeof(rest), "/workers/%lld", (long long)id);
	char *one = path_of(W.company_a, rest), *hist = NULL, *exitp = NULL;
	assert_true(asprintf(&hist, "%s/history", one) > 0);
	assert_true(asprintf(&exitp, "%s/exit", one) > 0);

	/* Field errors in French, nothing changed. */
	const char *bad[] = {"2019-08-31" /* before the hire */, "2026-11-04" /* > 1 year */,
	                     "pas-une-date"};
	for (size_t i = 0; i < 3; i++) {
		r = call(W.emp_a, "PATCH", one, json_pack("{s:b, s:s}", "night_worker", 1,
		                                          "effective_on", bad[i]), &status);
		assert_int_equal(status, 422);
		assert_true(has_field(r, "effective_on"));
		json_decref(r);
	}
	r = call(W.emp_a, "GET", one, NULL, &status);
	assert_false(json_is_true(json_object_get(r, "night_worker")));
	json_decref(r);

	/* A planned move to nights on 1 Dec 2025: the change is dated that day. */
	r = call(W.emp_a, "PATCH", one, json_pack("{s:b, s:s}", "night_worker", 1, "effective_on",
	                                          "2025-12-01"), &status);
	assert_int_equal(status, 200);
	assert_string_equal(str_of(r, "assigned_on"), "2025-12-01");
	assert_null(str_of(r, "sir_ended_on"));
	json_decref(r);
	r = call(W.emp_a, "GET", hist, NULL, &status);
	assert_string_equal(str_of(json_array_get(json_object_get(r, "items"), 0), "changed_on"),
	                    "2025-12-01");
	json_decref(r);
	/* A change of name brings nothing: assigned_on stays. */
	r = call(W.emp_a, "PATCH", one, json_pack("{s:s}", "first_name", "Louis"), &status);
	assert_int_equal(status, 200);
	assert_string_equal(str_of(r, "assigned_on"), "2025-12-01");
	json_decref(r);

	/* A move to asbestos removal (SIR) on 5 Jan 2026, then its end on 1 Mar 2026. */
	r = call(W.emp_a, "PATCH", one, json_pack("{s:[s], s:s}", "exposures", "amiante",
	                                          "effective_on", "2026-01-05"), &status);
	assert_int_equal(status, 200);
	assert_string_equal(str_of(r, "category"), "SIR");
	assert_string_equal(str_of(r, "assigned_on"), "2026-01-05");
	json_decref(r);
	r = call(W.emp_a, "PATCH", one, json_pack("{s:[], s:s}", "exposures", "effective_on",
	                                          "2026-03-01"), &status);
	assert_int_equal(status, 200);
	assert_string_not_equal(str_of(r, "category"), "SIR");
	assert_string_equal(str_of(r, "sir_ended_on"), "2026-03-01");
	assert_string_equal(str_of(r, "assigned_on"), "2026-01-05");
	json_decref(r);

	/* The exit's reason: one of the list, stored. */
	r = call(W.emp_a, "POST", exitp, json_pack("{s:s, s:s}", "end_date", "2026-06-30",
	                                           "end_reason", "vacances"), &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "end_reason"));
	json_decref(r);
	r = call(W.emp_a, "POST", exitp, json_pack("{s:s, s:s}", "end_date", "2026-06-30",
	                                           "end_reason", "retraite"), &status);
	assert_int_equal(status, 200);
	assert_string_equal(str_of(r, "end_reason"), "retraite");
	json_decref(r);

	/* Another company's employer may not declare it. */
	r = call(W.emp_b, "PATCH", one, json_pack("{s:b, s:s}", "night_worker", 0, "effective_on",
	                                          "2025-12-01"), &status);
	assert_int_equal(status, 403);
	json_decref(r);
	free(exitp);
	free(hist);
	free(one);
	free(workers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_declare_update_history_exit),
		cmocka_unit_test(test_distribution),
		cmocka_unit_test(test_access_refused),
		cmocka_unit_test(test_csv_import),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_sir_posts),
		cmocka_unit_test(test_assignment_facts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
