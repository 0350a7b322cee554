/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* `socle check` as an operator runs it: exit 0 on the example deployment; on a
 * broken one, every problem reported with its location and a non-zero exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsutil.h"

#define SOCLE SOCLE_BINARY_DIR "/socle"

static void test_example_deployment_is_clean(void **state)
{
	char *out = NULL;
	(void)state;

	int rc = fs_run(SOCLE " check --config " SOCLE_SOURCE_DIR "/examples/deployment/socle.json",
	                &out);
	if (rc != 0)
		fprintf(stderr, "%s", out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "valides"));
	free(out);
}

static void expect_in(const char *out, const char *what)
{
	if (strstr(out, what) == NULL) {
		fprintf(stderr, "expected to find \"%s\" in:\n%s\n", what, out);
		fail();
	}
}

static void test_broken_deployment_reports_everything(void **state)
{
	char *dir = fs_tempdir("check"), *out = NULL, cmd[1024];
	(void)state;

	fs_write(dir, "socle.json",
	         "{\n"
	         "  \"plugin_dirs\": [\"" FIXTURE_DIR "\", \"" SOCLE_BINARY_DIR "/plugins\"],\n"
	         "  \"services\": [\n"
	         "    {\"id\": \"un\", \"name\": \"Un\", \"database\": \"un.db\",\n"
	         "     \"scripts\": \"un\",\n"
	         "     \"plugins\": {\"hello\": {}, \"fx_abi_major\": {}, \"nope\": {}},\n"
	         "     \"lua\": {\"memory_mb\": 0}},\n"
	         "    {\"id\": \"deux\", \"name\": \"Deux\", \"database\": \"deux.db\",\n"
	         "     \"scripts\": \"deux\", \"plugins\": {\"hello\": {}}}\n"
	         "  ]\n"
	         "}\n");
	/* A syntax error on line 3. */
	fs_write(dir, "un/broken.lua", "-- a comment\nlocal x = 1\nlocal y = = 2\n");
	/* An override that breaks the greeting rule point's contract. */
	fs_write(dir, "deux/greeting.lua",
	         "socle.rule(\"greeting\", function(name) return { msg = 42 } end)\n");
	snprintf(cmd, sizeof(cmd), SOCLE " check --config %s/socle.json", dir);
	int rc = fs_run(cmd, &out);
	assert_int_not_equal(rc, 0);
	expect_in(out, "services[0].lua.memory_mb");       /* bad config value, with its path */
	expect_in(out, "plugin fx_abi_major");              /* plugin of the wrong ABI */
	expect_in(out, "ABI 2.0");
	expect_in(out, "plugin nope");                      /* unknown plugin */
	expect_in(out, "broken.lua:3");                     /* broken script, file:line */
	expect_in(out, "greeting");                         /* contract broken in service deux */
	expect_in(out, "deux");
	free(out);
	fs_rmtree(dir);
	free(dir);
}

static void test_help_and_usage(void **state)
{
	char *out = NULL;
	(void)state;

	assert_int_equal(fs_run(SOCLE " --help", &out), 0);
	expect_in(out, "check");
	free(out);
	const char *cmds[] = {"serve", "check", "migrate", "backup", "user add"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), SOCLE " %s --help", cmds[i]);
		assert_int_equal(fs_run(cmd, &out), 0);
		expect_in(out, "Usage");
		free(out);
	}
	assert_int_equal(fs_run(SOCLE " check", &out), 2); /* --config missing */
	free(out);
	assert_int_equal(fs_run(SOCLE " frobnicate", &out), 2);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_deployment_is_clean),
		cmocka_unit_test(test_broken_deployment_reports_everything),
		cmocka_unit_test(test_help_and_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
