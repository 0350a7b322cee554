/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The rule point reminder_sms_text (sms_reminder.c) in a deployment with the
 * tracking plugin: the default pack's text fits one SMS and goes through the
 * core's SMS queue (file transport) transliterated; a service's rule whose
 * text would not fit (161 GSM characters, or 80 "€" and one more) is a
 * contract violation, so the core never cuts a reminder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"
#include "core_world.h"
#include "fsutil.h"
#include "loop.h"
#include "tracking_world.h"

static struct {
	char *dir;
	socle_core *core;
} W;

static int setup(void **state)
{
	(void)state;
	W.dir = fs_tempdir("tracking-sms");
	/* Service "long": a rule of its own whose length the test chooses. */
	fs_write(W.dir, "long/sms.lua",
	         "socle.rule('reminder_sms_text', function(visit, days)\n"
	         "  return { text = string.rep(visit.label, days) }\n"
	         "end)\n");
	W.core = core_world_open(W.dir,
	         "{\"plugin_dirs\": [\"" TRACKING_PLUGIN_DIR "\"], \"clock\": \"2025-03-12T09:00:00Z\","
	         " \"sms\": {\"outbox\": \"sms\"},"
	         " \"services\": [{\"id\": \"svc\", \"name\": \"SPSTI Rhône\", \"database\": \"s.db\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}},"
	         "  {\"id\": \"long\", \"name\": \"L\", \"database\": \"l.db\", \"scripts\": \"long\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}}]}");
	return W.core ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	return 0;
}

static json_t *visit(const char *label)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "vip_periodique", "label",
	                 label, "when", "jeudi 20 mars 2025 à 14 h 00", "mode", "in_person", "site",
	                 "Île Côté", "service", "SPSTI Rhône", "phone", "04 72 00 00 00");
}

struct sms_args {
	const char *text;
	int64_t job;
};

static int queue_fn(socle_db *wdb, void *ud, socle_err *err)
{
	struct sms_args *a = ud;

	a->job = socle_sms_queue(wdb, "06 12 34 56 78", a->text, "rappel", 0, err);
	return a->job < 0 ? (int)a->job : 0;
}

static void test_default_text_sent(void **state)
{
	(void)state;
	socle_service *svc = socle_core_service(W.core, "svc");
	socle_err err = SOCLE_ERR_INIT;
	json_t *args = json_pack("[o, i]", visit("Visite d'information et de prévention"), 1), *out;

	assert_int_equal(socle_rule_call(svc, "reminder_sms_text", args, &out, &err), 0);
	json_decref(args);
	const char *text = json_string_value(json_object_get(out, "text"));
	assert_string_equal(text, "Rappel SPSTI Rhône : Visite d'information et de prévention "
	                          "demain, jeudi 20 mars 2025 à 14 h 00, à Île Côté. "
	                          "Empêchement : appelez le 04 72 00 00 00.");
	struct sms_args a = {.text = text};
	assert_int_equal(socle_service_write(svc, queue_fn, &a, &err), 0);
	json_decref(out);
	loop_run_pending(W.core);
	char cmd[4200], *file = NULL;
	snprintf(cmd, sizeof(cmd), "cat '%s'/sms/svc/*.txt", W.dir);
	assert_int_equal(fs_run(cmd, &file), 0);
	/* GSM 7-bit: ô, î and ê to their letters, é and à kept. */
	assert_non_null(strstr(file, "To: +33612345678\n\nRappel SPSTI Rhone : Visite "
	                             "d'information et de prévention demain, jeudi 20 mars 2025 à "
	                             "14 h 00, à Ile Coté. Empechement : appelez le 04 72 00 "
	                             "00 00.\n"));
	free(file);
}

static void test_too_long_is_a_contract_violation(void **state)
{
	(void)state;
	socle_service *svc = socle_core_service(W.core, "long");
	socle_err err = SOCLE_ERR_INIT;
	char label[400] = "";
	json_t *out = NULL;

	/* 160 GSM characters: 80 € (two each) once. */
	for (int i = 0; i < 80; i++)
		strcat(label, "€");
	json_t *args = json_pack("[o, i]", visit(label), 1);
	assert_int_equal(socle_rule_call(svc, "reminder_sms_text", args, &out, &err), 0);
	json_decref(out);
	json_decref(args);
	/* Twice that: refused with the contract's reason. */
	args = json_pack("[o, i]", visit(label), 2);
	out = NULL;
	assert_int_equal(socle_rule_call(svc, "reminder_sms_text", args, &out, &err),
	                 SOCLE_E_CONTRACT);
	assert_null(out);
	assert_non_null(strstr(err.msg, "160"));
	json_decref(args);
	/* 161 plain letters: refused too. */
	memset(label, 'a', 161);
	label[161] = '\0';
	args = json_pack("[o, i]", visit(label), 1);
	assert_int_equal(socle_rule_call(svc, "reminder_sms_text", args, &out, &err),
	                 SOCLE_E_CONTRACT);
	json_decref(args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_text_sent),
		cmocka_unit_test(test_too_long_is_a_contract_violation),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
