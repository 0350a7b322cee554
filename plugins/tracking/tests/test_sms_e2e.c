/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reminders by SMS end to end (issue 13 item 4, seed 3.3.1.2.1): the worker's
 * mobile number and consent, recorded in the portal (here by the service on
 * his word), reach tracking by the portal.contact_changed event; a visit
 * booked for him then gets a reminder by SMS on each reminder day (the
 * service restarted on that day's clock), in the words of the rule point
 * reminder_sms_text, through the core's SMS queue (file transport), listed
 * in the staff's outbox with no medical content; once he takes his consent
 * back, the next reminder is not sent. */
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
#include "tracking_world.h"

#define SECRET "SECRET-"

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-03-10T08:00:00Z");
	json_t *plugins = json_object_get(json_array_get(json_object_get(cfg, "services"), 0),
	                                  "plugins");

	json_object_set_new(plugins, "portal", json_object());
	json_object_set_new(json_object_get(plugins, "tracking"), "min_notice_hours",
	                    json_integer(0));
	json_object_set_new(cfg, "sms", json_pack("{s:s}", "outbox", "sms"));
	if (test_deploy_create(&D, "tracking-sms-e2e", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

/* The SMS files of the outbox, concatenated (owned), and their count. */
static char *sms_files(int *count)
{
	char cmd[600], *out = NULL;

	snprintf(cmd, sizeof(cmd), "cat %s/sms/svc/*.txt 2>/dev/null; true", D.dir);
	assert_int_equal(fs_run(cmd, &out), 0);
	*count = 0;
	for (const char *p = out; (p = strstr(p, "To: ")) != NULL; p++)
		(*count)++;
	return out;
}

/* Wait until every due job is done (the loop runs them after a restart). */
static void settle(void)
{
	for (int i = 0; i < 200 && db_count("SELECT COUNT(*) FROM core_job WHERE state IN"
	                                    " ('queued', 'running') AND run_at <= (SELECT"
	                                    " MAX(run_at) FROM core_job WHERE state = 'done')"
	                                    " AND kind LIKE '%%sms%%'") > 0; i++)
		usleep(50000);
	for (int i = 0; i < 40 && db_count("SELECT COUNT(*) FROM core_event WHERE"
	                                   " delivered_at IS NULL") > 0; i++)
		usleep(50000);
}

static void test_sms_reminders(void **state)
{
	(void)state;
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp = NULL, path[200];
	json_int_t a = member_company(staff, "81234567600017", "Électricité Garnier",
	                              "ines@garnier.test", &emp);
	json_int_t w = worker(staff, a, "G-001", "Roux", "Léa");
	json_t *r;
	int n = 0;

	/* The worker's number and consent, given to the service. */
	snprintf(path, sizeof(path), "/api/v1/svc/portal/workers/%lld/contact", (long long)w);
	json_decref(expect(200, staff, "PUT", path,
	                   json_pack("{s:s, s:b}", "phone", "06 12 34 56 78", "sms_consent", 1)));
	for (int i = 0; i < 100 && db_count("SELECT COUNT(*) FROM tracking_worker_contact WHERE"
	                                    " worker_id = %lld AND sms_consent = 1 AND mobile ="
	                                    " '+33612345678'", (long long)w) == 0; i++)
		usleep(50000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_worker_contact WHERE worker_id ="
	                          " %lld AND sms_consent = 1 AND mobile = '+33612345678'",
	                          (long long)w), 1);

	/* A visit on Thursday 20 March at 14:00: reminders 7 days and 1 day before. */
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "medecin@svc.test", "site", "Lyon Part-Dieu"));
	json_int_t pro = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	           json_pack("{s:I, s:s, s:i}", "professional_id", pro, "starts_at",
	                     "2025-03-20T14:00", "duration_min", 30));
	json_int_t slot = id_of(json_array_get(json_object_get(r, "items"), 0));
	json_decref(r);
	r = expect(201, emp, "POST", "/api/v1/svc/tracking/visit-requests",
	           json_pack("{s:I, s:I, s:s, s:s}", "worker_id", w, "company_id", a, "type",
	                     "vip_initiale", "reason", SECRET "motif"));
	json_int_t req = id_of(r);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visit-requests/%lld/book", (long long)req);
	json_decref(expect(200, staff, "POST", path, json_pack("{s:I}", "slot_id", slot)));
	assert_int_equal(wait_mails("ines@garnier.test", "convocation", "jeudi 20 mars 2025", 1), 1);
	for (int i = 0; i < 100 && db_count("SELECT COUNT(*) FROM core_job WHERE kind ="
	                                    " 'tracking.reminder_sms'") < 2; i++)
		usleep(50000);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind ="
	                          " 'tracking.reminder_sms'"), 2);
	char *text = sms_files(&n);
	assert_int_equal(n, 0); /* nothing before its day */
	free(text);

	/* Thursday 13 March, 15:00 in Lyon: the reminder of 7 days. */
	restart_at("2025-03-13T14:00:00Z");
	for (int i = 0; i < 100; i++) {
		free(sms_files(&n));
		if (n >= 1)
			break;
		usleep(50000);
	}
	text = sms_files(&n);
	if (n != 1) {
		char cmd[600], *log = NULL;

		snprintf(cmd, sizeof(cmd), "sqlite3 %s/svc.db \"SELECT kind, state, run_at, attempts,"
		         " last_error FROM core_job WHERE kind LIKE '%%%%sms%%%%'\"; grep -i sms %s/server.log"
		         " | tail -5", D.dir, D.dir);
		fs_run(cmd, &log);
		fail_msg("%d SMS on the day of the 7-day reminder; server log:\n%s", n, log);
	}
	assert_non_null(strstr(text, "To: +33612345678"));
	assert_non_null(strstr(text, "Rappel SPSTI du Rh"));
	assert_non_null(strstr(text, "20 mars 2025"));
	assert_null(strstr(text, SECRET));
	free(text);

	/* The staff's outbox lists it, without its text; an employer cannot look. */
	free(staff);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	r = expect(200, staff, "GET", "/api/v1/svc/outbox", NULL);
	char *dump = json_dumps(r, 0);
	assert_non_null(strstr(dump, "+33612345678"));
	assert_null(strstr(dump, "Rappel SPSTI"));
	assert_null(strstr(dump, SECRET));
	free(dump);
	json_decref(r);
	free(emp);
	emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
	json_decref(expect(403, emp, "GET", "/api/v1/svc/outbox", NULL));

	/* She takes her consent back: the reminder of the day before is not sent. */
	snprintf(path, sizeof(path), "/api/v1/svc/portal/workers/%lld/contact", (long long)w);
	json_decref(expect(200, staff, "PUT", path,
	                   json_pack("{s:s, s:b}", "phone", "06 12 34 56 78", "sms_consent", 0)));
	for (int i = 0; i < 100 && db_count("SELECT COUNT(*) FROM tracking_worker_contact WHERE"
	                                    " worker_id = %lld AND sms_consent = 0",
	                                    (long long)w) == 0; i++)
		usleep(50000);
	restart_at("2025-03-19T14:00:00Z");
	for (int i = 0; i < 200 && db_count("SELECT COUNT(*) FROM core_job WHERE kind ="
	                                    " 'tracking.reminder_sms' AND state = 'done'") < 2; i++)
		usleep(50000);
	settle();
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind ="
	                          " 'tracking.reminder_sms' AND state = 'done'"), 2);
	text = sms_files(&n);
	assert_int_equal(n, 1);
	free(text);
	free(staff);
	free(emp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sms_reminders),
	};
	return cmocka_run_group_tests(tests, setup_http, world_teardown);
}
