/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The rule point retention_signal (issue 17, item 1), in process: the
 * default pack's answers for each kind of signal, a service that redefines
 * the rule (it proposes every request, even a professional's), and the
 * contract refusing a broken override of a third service; then `socle check`
 * on that deployment runs the pack's vectors and reports the broken service.
 * Tracking is linked in; membership and retention come from the build's
 * plugins folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core_world.h"
#include "fsutil.h"
#include "tracking_world.h"

#define SERVICE(id, scripts)                                                                  \
	"{\"id\": \"" id "\", \"name\": \"" id "\", \"database\": \"" id ".db\"" scripts ","      \
	" \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {},"           \
	" \"retention\": {}}}"
#define CONFIG(services)                                                                      \
	"{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","                  \
	" \"plugin_dirs\": [\"" TRACKING_PLUGIN_DIR "\"], \"services\": [" services "]}"

static struct {
	char *dir;
	socle_core *core;
} W;

static void write_scripts(const char *dir)
{
	fs_write(dir, "ouest/retention.lua",
	         "local default = socle.rule_get('retention_signal')\n"
	         "socle.rule('retention_signal', function(w, e, d)\n"
	         "  if e.name == 'demande' then\n"
	         "    return { decision = 'propose', reason = 'Toute demande passe en cellule.',"
	         " basis = { 'L4622-8-1' } }\n"
	         "  end\n"
	         "  return default(w, e, d)\n"
	         "end)\n");
	fs_write(dir, "est/retention.lua",
	         "socle.rule('retention_signal', function(w, e, d)\n"
	         "  return { decision = 'peut-etre', reason = 'x', basis = {} }\n"
	         "end)\n");
}

static int setup(void **state)
{
	(void)state;
	W.dir = fs_tempdir("retention-rule");
	write_scripts(W.dir);
	W.core = core_world_open(W.dir, CONFIG(SERVICE("demo", "") ", "
	                                       SERVICE("ouest", ", \"scripts\": \"ouest\"") ", "
	                                       SERVICE("est", ", \"scripts\": \"est\"")));
	return W.core ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	return 0;
}

static json_t *decide(const char *service, json_t *event, socle_err *err)
{
	json_t *args = json_pack("[{s:i, s:i}, o, s]", "id", 1, "company_id", 2, event,
	                         "2025-07-01");
	json_t *out = NULL;

	socle_rule_call(socle_core_service(W.core, service), "retention_signal", args, &out, err);
	json_decref(args);
	return out;
}

static void expect_decision(const char *service, json_t *event, const char *decision,
                            const char *basis)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = decide(service, event, &err);

	if (out == NULL)
		fail_msg("%s : %s", service, err.msg);
	assert_string_equal(json_string_value(json_object_get(out, "decision")), decision);
	assert_true(strlen(json_string_value(json_object_get(out, "reason"))) > 0);
	const json_t *b;
	size_t i;
	bool found = basis == NULL;
	json_array_foreach(json_object_get(out, "basis"), i, b)
		found = found || strcmp(json_string_value(b), basis) == 0;
	assert_true(found);
	json_decref(out);
}

static void test_default_pack(void **state)
{
	(void)state;
	expect_decision("demo", json_pack("{s:s, s:i}", "name", "arret_long", "threshold", 30),
	                "propose", "R4624-29");
	expect_decision("demo", json_pack("{s:s, s:i}", "name", "arret_long", "threshold", 60),
	                "propose", "R4624-31");
	expect_decision("demo", json_pack("{s:s, s:s, s:s}", "name", "avis_amenagement",
	                                  "visit_type", "visite_reprise", "avis", "inaptitude"),
	                "open", "L4624-4");
	expect_decision("demo", json_pack("{s:s, s:s}", "name", "avis_amenagement", "visit_type",
	                                  "visite_reprise"),
	                "open", "L4624-3");
	expect_decision("demo", json_pack("{s:s, s:s}", "name", "visite", "visit_type",
	                                  "rendez_vous_liaison"),
	                "propose", "L1226-1-3");
	expect_decision("demo", json_pack("{s:s, s:s}", "name", "visite", "visit_type",
	                                  "visite_reprise"),
	                "none", NULL);
	expect_decision("demo", json_pack("{s:s, s:s}", "name", "demande", "requested_by",
	                                  "professional"),
	                "open", NULL);
	expect_decision("demo", json_pack("{s:s}", "name", "inconnu"), "none", NULL);
}

static void test_service_override(void **state)
{
	(void)state;
	/* Ouest proposes every request, and keeps the default for the rest. */
	expect_decision("ouest", json_pack("{s:s, s:s}", "name", "demande", "requested_by",
	                                   "professional"),
	                "propose", NULL);
	expect_decision("ouest", json_pack("{s:s, s:i}", "name", "arret_long", "threshold", 60),
	                "propose", "R4624-31");
	/* Est breaks the contract: refused, in French. */
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = decide("est", json_pack("{s:s}", "name", "demande"), &err);
	assert_null(out);
	assert_int_equal(err.code, SOCLE_E_CONTRACT);
	assert_non_null(strstr(err.msg, "decision"));
}

static void test_check_command(void **state)
{
	char cmd[1024], *out = NULL, *path = fs_join(W.dir, "socle.json");
	(void)state;

	/* Every vector of the pack runs against each service's rule: the demo
	 * passes them, est's broken override is reported. */
	snprintf(cmd, sizeof(cmd), SOCLE_BINARY_DIR "/socle check --config %s 2>&1", path);
	assert_int_not_equal(fs_run(cmd, &out), 0);
	assert_non_null(out);
	assert_non_null(strstr(out, "retention_signal"));
	assert_non_null(strstr(out, "est"));
	free(out);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_pack),
		cmocka_unit_test(test_service_override),
		cmocka_unit_test(test_check_command),
	};

	return cmocka_run_group_tests_name("retention_signal", tests, setup, teardown);
}
