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
	/* An override that breaks the greeting rule point's contract: the
	 * problem names the override's own file and line, not only the
	 * default pack's vector that found it. */
	fs_write(dir, "deux/greeting.lua",
	         "-- the service's own greeting\n"
	         "socle.rule(\"greeting\", function(name) return { msg = 42 } end)\n");
	/* Beside the syntax error of service un, a vector of its own that fails:
	 * reported too (a broken file hides nothing of the others). */
	fs_write(dir, "un/vecteur.lua",
	         "socle.test{rule = \"greeting\", name = \"salut\", args = {\"Léa\"},\n"
	         "           expect = {message = \"Salut\"}}\n");
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
	expect_in(out, "deux/greeting.lua:2");              /* ...at the override's own line */
	expect_in(out, "vecteur.lua:1");                    /* un's vector, despite broken.lua */
	free(out);
	fs_rmtree(dir);
	free(dir);
}

/* A script whose code never returns outside the watched call (issue 11: a
 * __close run by coroutine.close on another coroutine), at load in one
 * service and in a test vector in another: check returns, with an error
 * naming each file. Run under timeout(1): a hang fails (exit 124) instead of
 * blocking the suite. */
#define CLOSING_COROUTINE                                                        \
	"  local co = coroutine.create(function()\n"                              \
	"    local x <close> = setmetatable({}, {__close = function()\n"          \
	"      while true do end\n"                                                \
	"    end})\n"                                                              \
	"    coroutine.yield()\n"                                                  \
	"  end)\n"                                                                 \
	"  coroutine.resume(co)\n"                                                 \
	"  coroutine.close(co)\n"

static void test_hostile_scripts_do_not_hang(void **state)
{
	char *dir = fs_tempdir("check"), *out = NULL, cmd[1024];
	(void)state;

	fs_write(dir, "socle.json",
	         "{\n"
	         "  \"plugin_dirs\": [\"" SOCLE_BINARY_DIR "/plugins\"],\n"
	         "  \"services\": [\n"
	         "    {\"id\": \"un\", \"name\": \"Un\", \"database\": \"un.db\",\n"
	         "     \"scripts\": \"un\", \"plugins\": {\"hello\": {}}},\n"
	         "    {\"id\": \"deux\", \"name\": \"Deux\", \"database\": \"deux.db\",\n"
	         "     \"scripts\": \"deux\", \"plugins\": {\"hello\": {}}}\n"
	         "  ]\n"
	         "}\n");
	fs_write(dir, "un/chargement.lua", "do\n" CLOSING_COROUTINE "end\n");
	fs_write(dir, "deux/vecteur.lua",
	         "socle.rule('greeting', function(name)\n"
	         CLOSING_COROUTINE
	         "  return { message = 'Bonjour ' .. name }\n"
	         "end)\n"
	         "socle.test{rule = 'greeting', name = 'fermeture', args = {'Léa'},\n"
	         "           expect = { message = 'Bonjour Léa' }}\n");
	snprintf(cmd, sizeof(cmd), "timeout -s KILL 30 " SOCLE " check --config %s/socle.json", dir);
	int rc = fs_run(cmd, &out);
	if (rc == 124 || rc == 137 || rc == -1) {
		fprintf(stderr, "%s\n", out);
		free(out);
		fail_msg("socle check ne rend pas la main (code %d)", rc);
	}
	assert_int_not_equal(rc, 0);
	expect_in(out, "chargement.lua");
	expect_in(out, "vecteur.lua");
	expect_in(out, "délai");
	free(out);
	fs_rmtree(dir);
	free(dir);
}

/* serve --check runs the vectors before serving, and refuses to serve when
 * one fails (under timeout(1): serving would never return). */
static void test_serve_check(void **state)
{
	char *dir = fs_tempdir("serve-check"), *out = NULL, cmd[1024];
	(void)state;

	fs_write(dir, "socle.json",
	         "{\"port\": 0, \"plugin_dirs\": [\"" SOCLE_BINARY_DIR "/plugins\"],"
	         " \"services\": [{\"id\": \"un\", \"name\": \"Un\", \"database\": \"un.db\","
	         " \"scripts\": \"un\", \"plugins\": {\"hello\": {}}}]}\n");
	fs_write(dir, "un/vecteur.lua",
	         "socle.test{rule = \"greeting\", name = \"salut\", args = {\"Léa\"},\n"
	         "           expect = {message = \"Salut\"}}\n");
	snprintf(cmd, sizeof(cmd), "timeout -s KILL 60 " SOCLE " serve --check --config %s/socle.json",
	         dir);
	int rc = fs_run(cmd, &out);
	assert_int_not_equal(rc, 0);
	assert_int_not_equal(rc, 137); /* returned, not killed */
	expect_in(out, "vecteur.lua:1");
	expect_in(out, "n'est pas servi");
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
		cmocka_unit_test(test_hostile_scripts_do_not_hang),
		cmocka_unit_test(test_serve_check),
		cmocka_unit_test(test_help_and_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
