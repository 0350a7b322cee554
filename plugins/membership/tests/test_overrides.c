/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The example deployment's second service (demo-est) overrides
 * prevention_score and membership_fee in its own Lua file
 * (examples/deployment/services/demo-est/membership_rules.lua):
 *  - run on a copy of examples/deployment (same settings, same scripts, a
 *    frozen clock), the two services give different results for the same
 *    input (the same answers; the same demo company, generated identically
 *    in both services);
 *  - `socle check` accepts the example, and refuses an override that breaks
 *    a rule point's contract (a score of 7, a fee without total), naming
 *    the rule point and the file. */
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

#define PASSWORD "motdepasse-de-test-42"
#define EXAMPLE SOCLE_SOURCE_DIR "/examples/deployment"

static struct test_deploy D;
static struct test_server S;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Copy the example's service scripts into the test deployment. */
static void copy_example_scripts(void)
{
	static const char *const files[] = {"greeting.lua", "membership_rules.lua"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char src[512], dst[128];

		snprintf(src, sizeof(src), EXAMPLE "/services/demo-est/%s", files[i]);
		snprintf(dst, sizeof(dst), "services/demo-est/%s", files[i]);
		char *text = slurp(src);
		assert_int_equal(test_deploy_write(&D, dst, text), 0);
		free(text);
	}
}

static int run_socle(const char *args, const char *config, char **out)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), SOCLE_BINARY_DIR "/socle %s --config %s", args, config);
	return fs_run(cmd, out);
}

static void add_user(const char *svc, const char *email)
{
	char args[512], cmd[2048], *out = NULL;

	snprintf(args, sizeof(args), "user add --service %s --email %s --role service_admin", svc,
	         email);
	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '" PASSWORD "' | " SOCLE_BINARY_DIR
	         "/socle %s --config %s", args, D.config_path);
	int rc = fs_run(cmd, &out);
	if (rc != 0)
		fprintf(stderr, "%s\n", out ? out : "");
	assert_int_equal(rc, 0);
	free(out);
}

static int setup(void **state)
{
	(void)state;
	json_error_t jerr;
	/* The example's own config: its services, plugins and settings, with
	 * the test's plugin folder, databases in the temporary folder, no web
	 * files, and a frozen clock so that fees of 2026 are comparable. */
	json_t *cfg = json_load_file(EXAMPLE "/socle.json", 0, &jerr);

	if (cfg == NULL) {
		fprintf(stderr, "%s: %s\n", EXAMPLE "/socle.json", jerr.text);
		return -1;
	}
	json_object_del(cfg, "static");
	json_object_del(cfg, "access_log");
	json_object_set_new(cfg, "plugin_dirs", json_pack("[s]", SOCLE_BINARY_DIR "/plugins"));
	json_object_set_new(cfg, "clock", json_string("2026-03-16T09:00:00Z"));
	if (test_deploy_create(&D, "membership-overrides", cfg) != 0)
		return -1;
	json_decref(cfg);
	copy_example_scripts();
	/* The example keeps its databases under data/. */
	assert_int_equal(test_deploy_write(&D, "data/.keep", ""), 0);
	add_user("demo", "admin@demo.test");
	add_user("demo-est", "admin@est.test");
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

static json_t *call(const char *auth, const char *method, const char *path, json_t *body,
                    int *status)
{
	const char *headers[] = {auth, NULL};
	json_t *r = hc_json(S.port, method, path, headers, body, status);

	json_decref(body);
	return r;
}

static double num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void test_example_passes_check(void **state)
{
	char *out = NULL;
	(void)state;

	int rc = run_socle("check", D.config_path, &out);
	if (rc != 0)
		fprintf(stderr, "%s\n", out ? out : "");
	assert_int_equal(rc, 0);
	free(out);
}

static void test_same_input_different_score(void **state)
{
	char *demo = login("demo", "admin@demo.test"), *est = login("demo-est", "admin@est.test");
	int status = 0;
	(void)state;

	/* A DUERP written without the workers and a plan never reviewed: the
	 * default gives them their pillar points, demo-est nothing. */
	json_t *answers = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "duerp", 1,
	                            "duerp_with_workers", 0, "action_plan", 1,
	                            "action_plan_reviewed", 0, "staff_representation", 1,
	                            "onboarding", 1);
	json_t *a = call(demo, "POST", "/api/v1/demo/membership/companies/1/prevention-score",
	                 json_pack("{s:O}", "answers", answers), &status);
	assert_int_equal(status, 200);
	json_t *b = call(est, "POST", "/api/v1/demo-est/membership/companies/1/prevention-score",
	                 json_pack("{s:O}", "answers", answers), &status);
	assert_int_equal(status, 200);
	json_decref(answers);
	assert_true(num(a, "score") == 4.0);
	assert_true(num(b, "score") == 1.5);
	assert_non_null(strstr(json_string_value(json_object_get(b, "explanation")),
	                       "barème strict du service Est"));
	json_decref(a);
	json_decref(b);
	free(demo);
	free(est);
}

static void test_same_company_different_fee(void **state)
{
	char *demo = login("demo", "admin@demo.test"), *est = login("demo-est", "admin@est.test");
	int status = 0;
	(void)state;

	/* Demo data are the same in both services: company 1 is the same bakery
	 * with the same six workers, so the input of the rule point is equal. */
	json_t *a = call(demo, "GET", "/api/v1/demo/membership/companies/1/fee?year=2026", NULL,
	                 &status);
	assert_int_equal(status, 200);
	json_t *b = call(est, "GET", "/api/v1/demo-est/membership/companies/1/fee?year=2026", NULL,
	                 &status);
	assert_int_equal(status, 200);
	json_int_t units = json_integer_value(json_object_get(a, "units"));
	assert_true(units > 0);
	assert_int_equal(json_integer_value(json_object_get(b, "units")), units);
	assert_true(num(a, "amount_per_worker") == 105.0);
	assert_true(num(b, "amount_per_worker") == 98.0);
	assert_true(num(a, "total") == 105.0 * (double)units);
	assert_true(num(b, "total") == 98.0 * (double)units);
	assert_true(json_is_true(json_object_get(a, "compliant")));
	assert_true(json_is_true(json_object_get(b, "compliant")));
	json_decref(a);
	json_decref(b);
	free(demo);
	free(est);
}

/* A deployment of one service whose scripts folder holds @p file with
 * @p text; `socle check` must fail and its output name @p rule, the file
 * @p where of the failing vector, and @p reason. */
static void expect_check_refuses(const char *file, const char *text, const char *rule,
                                 const char *where, const char *reason)
{
	struct test_deploy bad;
	char name[128], *out = NULL;
	json_t *cfg = json_pack("{s:[s], s:[{s:s, s:s, s:s, s:s, s:{s:{s:f}}}]}", "plugin_dirs",
	                        SOCLE_BINARY_DIR "/plugins", "services", "id", "casse", "name",
	                        "Service aux règles cassées", "database", "casse.db", "scripts",
	                        "casse", "plugins", "membership", "fee_per_worker", 105.0);

	assert_int_equal(test_deploy_create(&bad, "membership-broken", cfg), 0);
	json_decref(cfg);
	snprintf(name, sizeof(name), "casse/%s", file);
	assert_int_equal(test_deploy_write(&bad, name, text), 0);
	int rc = run_socle("check", bad.config_path, &out);
	assert_non_null(out);
	if (rc == 0 || !strstr(out, rule) || !strstr(out, where) || !strstr(out, reason))
		fprintf(stderr, "socle check (%d):\n%s\n", rc, out);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, rule));
	assert_non_null(strstr(out, where));
	assert_non_null(strstr(out, reason));
	free(out);
	test_deploy_remove(&bad);
}

static void test_check_catches_broken_overrides(void **state)
{
	(void)state;
	/* A service's override comes with its own test vector, as the example
	 * does; the contract check names the file of the failing vector (and
	 * the default pack's vectors, run against the override, fail too). */
	expect_check_refuses("broken_score.lua",
	                     "socle.rule('prevention_score', function(answers)\n"
	                     "  return { score = 7, details = {}, explanation = 'trop' }\n"
	                     "end)\n"
	                     "socle.test { rule = 'prevention_score', name = 'score maison',\n"
	                     "  args = { { duerp = true } } }\n",
	                     "prevention_score", "broken_score.lua", "entre 0 et 5");
	expect_check_refuses("broken_fee.lua",
	                     "socle.rule('membership_fee', function(company, year)\n"
	                     "  return { amount_per_worker = 100, units = 1,\n"
	                     "           lines = { { label = 'x', quantity = 1, unit_price = 100,"
	                     " amount = 100 } } }\n"
	                     "end)\n"
	                     "socle.test { rule = 'membership_fee', name = 'sans total',\n"
	                     "  args = { { workers = 1, fee_per_worker = 100 }, 2026 } }\n",
	                     "membership_fee", "broken_fee.lua", "total");
	/* Without a vector of its own, the default pack's vectors, run against
	 * the override, still catch it (and name the default file). */
	expect_check_refuses("sans_vecteur.lua",
	                     "socle.rule('prevention_score', function(answers)\n"
	                     "  return { score = -1, details = {}, explanation = 'négatif' }\n"
	                     "end)\n",
	                     "prevention_score", "membership/scripts/membership_score.lua",
	                     "(reçu -1)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_passes_check),
		cmocka_unit_test(test_same_input_different_score),
		cmocka_unit_test(test_same_company_different_fee),
		cmocka_unit_test(test_check_catches_broken_overrides),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
