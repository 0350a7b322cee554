/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The example deployment's second service overrides the tracking rules
 * (issue 4, acceptance): examples/deployment/services/demo-est/tracking_rules.lua
 * redefines visit_priority. On a core opened in process with two services —
 * "demo" on the default pack, "est" with demo-est's real scripts folder — the
 * same requests get different priorities, hence a different order of the
 * visits to plan; the other rule points stay the defaults; the override passes
 * the rule point's contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "core.h"
#include "fsutil.h"
#include "core_world.h"
#include "tracking_world.h"


static struct {
	char *dir;
	socle_core *core;
	socle_service *demo, *est;
} W;

static int setup_core(void **state)
{
	(void)state;

	W.dir = fs_tempdir("tracking-overrides");
	W.core = core_world_open(W.dir,
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [\"" TRACKING_PLUGIN_DIR "\"],"
	         " \"clock\": \"2025-03-12T09:00:00Z\","
	         " \"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}},"
	         "  {\"id\": \"demo-est\", \"name\": \"Est\", \"database\": \"est.db\","
	         "   \"scripts\": \"" SOCLE_SOURCE_DIR "/examples/deployment/services/demo-est\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 98.0}, \"tracking\": {}}}]}");
	if (W.core == NULL)
		return -1;
	W.demo = socle_core_service(W.core, "demo");
	W.est = socle_core_service(W.core, "demo-est");
	return W.demo && W.est ? 0 : -1;
}

static int teardown_core(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	return 0;
}

static double priority(socle_service *svc, const char *type, const char *who,
                       const char *requested_by, char *reason, size_t reason_size)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;
	json_t *args = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:i, s:i}]", "type", type, "who", who,
	                         "requested_by", requested_by, "requested_on", "2025-03-12",
	                         "due_before", "2025-04-30", "worker_id", 1, "company_id", 1);
	int rc = socle_rule_call(svc, "visit_priority", args, &out, &err);

	json_decref(args);
	if (rc != 0)
		fprintf(stderr, "visit_priority: %s\n", err.msg);
	assert_int_equal(rc, 0);
	double p = json_number_value(json_object_get(out, "priority"));
	if (reason)
		snprintf(reason, reason_size, "%s", json_string_value(json_object_get(out, "reason")));
	json_decref(out);
	return p;
}

/* The requests of one company, in the order of the visits to plan: highest
 * priority first; equal deadlines and request dates here, so the stored order
 * (ids) breaks ties as the host does. */
static const struct {
	const char *type, *who, *by;
} requests[] = {
	{"vip_periodique", "professionnel_sante", "service"},
	{"orientation_medecin", "medecin", "service"},
	{"vip_initiale", "professionnel_sante", "employer"},
	{"visite_a_la_demande", "medecin", "worker"},
	{"pre_reprise", "medecin", "worker"},
	{"attestation_caces", "medecin", "employer"},
	{"visite_reprise", "medecin", "employer"},
};

#define NREQ (sizeof(requests) / sizeof(requests[0]))

static void plan_order(socle_service *svc, char *out, size_t size)
{
	double pr[NREQ];
	size_t idx[NREQ];

	for (size_t i = 0; i < NREQ; i++) {
		pr[i] = priority(svc, requests[i].type, requests[i].who, requests[i].by, NULL, 0);
		idx[i] = i;
	}
	for (size_t i = 1; i < NREQ; i++) /* stable insertion sort, highest first */
		for (size_t j = i; j > 0 && pr[idx[j]] > pr[idx[j - 1]]; j--) {
			size_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < NREQ; i++) {
		size_t n = strlen(out);
		snprintf(out + n, size - n, "%s%s", i ? "," : "", requests[idx[i]].type);
	}
}

static void test_priority_order_differs(void **state)
{
	char a[512], b[512];
	(void)state;

	plan_order(W.demo, a, sizeof(a));
	plan_order(W.est, b, sizeof(b));
	assert_string_equal(a, "visite_reprise,orientation_medecin,pre_reprise,vip_initiale,"
	                       "attestation_caces,visite_a_la_demande,vip_periodique");
	assert_string_equal(b, "visite_reprise,pre_reprise,orientation_medecin,vip_initiale,"
	                       "attestation_caces,visite_a_la_demande,vip_periodique");
}

static void test_priority_values_and_reasons(void **state)
{
	char reason[512];
	(void)state;

	assert_float_equal(priority(W.demo, "pre_reprise", "medecin", "worker", reason,
	                            sizeof(reason)),
	                   80, 0);
	assert_null(strstr(reason, "SPSTI Est"));
	assert_float_equal(priority(W.est, "pre_reprise", "medecin", "worker", reason,
	                            sizeof(reason)),
	                   95, 0);
	assert_non_null(strstr(reason, "(SPSTI Est)"));
	assert_non_null(strstr(reason, "L4624-2-4"));
	assert_non_null(strstr(reason, "échéance le 30 avril 2025"));
	assert_float_equal(priority(W.demo, "vip_initiale", "professionnel_sante", "employer",
	                            NULL, 0),
	                   70, 0);
	assert_float_equal(priority(W.est, "vip_initiale", "professionnel_sante", "employer", NULL,
	                            0),
	                   85, 0);
	/* unchanged types keep the default's value */
	assert_float_equal(priority(W.est, "vip_periodique", "professionnel_sante", "service",
	                            NULL, 0),
	                   priority(W.demo, "vip_periodique", "professionnel_sante", "service",
	                            NULL, 0),
	                   0);
}

/* An unknown type is refused by the override as by the default. */
static void test_override_refuses_unknown_type(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;
	json_t *args = json_pack("[{s:s, s:s, s:s, s:s}]", "type", "inconnue", "who", "medecin",
	                         "requested_by", "worker", "requested_on", "2025-03-12");
	(void)state;

	assert_int_not_equal(socle_rule_call(W.est, "visit_priority", args, &out, &err), 0);
	assert_null(out);
	assert_non_null(strstr(err.msg, "inconnu"));
	json_decref(args);
}

/* The latest date of the first visit next_visits gives for the TC02 worker. */
static void next_vip(socle_service *svc, const char *protocol_months, char out[11])
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out_json = NULL;
	json_t *worker = json_pack("{s:s, s:s, s:s}", "birth_date", "1990-04-12", "start_date",
	                           "2025-03-10", "category", "SI");

	if (protocol_months)
		json_object_set_new(worker, "protocol",
		                    json_pack("{s:i}", "periodicity_months", atoi(protocol_months)));
	json_t *args = json_pack("[o, [{s:s, s:s, s:s, s:b}], s]", worker, "type", "vip_initiale",
	                         "date", "2025-04-01", "by", "infirmier", "attestation", 1,
	                         "2025-04-01");
	int rc = socle_rule_call(svc, "next_visits", args, &out_json, &err);

	if (rc != 0)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	json_t *v = json_array_get(json_object_get(out_json, "visits"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "type")), "vip_periodique");
	snprintf(out, 11, "%s", json_string_value(json_object_get(v, "latest")));
	json_decref(out_json);
	json_decref(args);
}

/* demo-est's protocol shortens the VIP periodicity to 3 years by wrapping the
 * default engine (socle.rule_get); a shorter protocol of the worker still wins. */
static void test_periodicity_shortened(void **state)
{
	char demo[11], est[11];
	(void)state;

	next_vip(W.demo, NULL, demo);
	next_vip(W.est, NULL, est);
	assert_string_equal(demo, "2030-04-01"); /* TC02: 5 years */
	assert_string_equal(est, "2028-04-01");
	next_vip(W.est, "24", est);
	assert_string_equal(est, "2027-04-01");
	next_vip(W.demo, "24", demo);
	assert_string_equal(demo, "2027-04-01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_order_differs),
		cmocka_unit_test(test_priority_values_and_reasons),
		cmocka_unit_test(test_override_refuses_unknown_type),
		cmocka_unit_test(test_periodicity_shortened),
	};

	return cmocka_run_group_tests_name("demo-est", tests, setup_core, teardown_core);
}
