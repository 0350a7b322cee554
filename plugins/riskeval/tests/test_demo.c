/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* riskeval's demo data: with membership's and riskeval's "demo_data", the
 * first three demo companies get a validated, transmitted fiche and a DUERP
 * version (a real PDF in the core file store, its retention 40 years), the
 * gap analysis has something to show, membership's prevention score takes
 * the vault's word, and a restart adds nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_client.h"
#include "riskeval_world.h"

static int setup(void **state)
{
	(void)state;
	json_t *cfg = world_config("2026-03-02T09:00:00Z");
	json_t *plugins = json_object_get(json_array_get(json_object_get(cfg, "services"), 0),
	                                  "plugins");

	json_object_set_new(json_object_get(plugins, "membership"), "demo_data", json_true());
	json_object_set_new(plugins, "riskeval", json_pack("{s:b}", "demo_data", 1));
	int rc = test_deploy_create(&D, "riskeval-demo", cfg);
	json_decref(cfg);
	if (rc != 0)
		return -1;
	user_add("iprp@svc.test", "iprp", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D) == 0 ? 0 : -1;
}

static void test_demo_data(void **state)
{
	(void)state;
	char *iprp = login("iprp@svc.test", STAFF_PASSWORD);

	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_duerp"), 3);
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_fiche WHERE status = 'validated'"
	                          " AND transmitted_on IS NOT NULL"), 3);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_file f JOIN riskeval_duerp d"
	                          " ON d.sha256 = f.sha256 AND d.keep_until = f.keep_until"), 3);
	/* Company 1's DUERP names one of its fiche's three risks. */
	json_t *r = get(iprp, "%s", company_path(1, "/prevention/analysis"));
	json_t *a = json_object_get(r, "answer");
	assert_int_equal(json_integer_value(json_object_get(a, "parcours")), 1);
	assert_int_equal(json_array_size(json_object_get(a, "gaps")), 2);
	json_decref(r);
	/* Its file reads back whole and checked: a real PDF. */
	r = get(iprp, "%s", company_path(1, "/duerp"));
	json_int_t v = json_integer_value(json_object_get(json_object_get(r, "last_version"), "id"));
	json_decref(r);
	char rest[64], path[512];
	snprintf(rest, sizeof(rest), "/duerp/versions/%lld/file", (long long)v);
	snprintf(path, sizeof(path), "%s", company_path(1, rest));
	struct hc_response resp = {0};
	const char *hdr[] = {iprp, NULL};
	assert_int_equal(hc_request(S.port, "GET", path, hdr, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_memory_equal(resp.body, "%PDF-1.4", 8);
	assert_non_null(strstr(resp.body, "%%EOF"));
	hc_response_free(&resp);
	/* membership kept the vault's status for the score's inputs. */
	for (int i = 0; i < 200 && db_count("SELECT COUNT(*) FROM membership_duerp_input") < 3; i++)
		usleep(25000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM membership_duerp_input"), 3);
	/* A restart adds nothing. */
	restart_at("2026-03-03T09:00:00Z");
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_duerp"), 3);
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_fiche"), 3);
	free(iprp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_data),
	};
	return cmocka_run_group_tests(tests, setup, world_teardown);
}
