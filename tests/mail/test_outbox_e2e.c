/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* GET /api/v1/{service}/outbox through the real `socle serve`, whose service
 * sends through a real SMTP server (aiosmtpd, started here):
 *   - two mails queued before the server starts, their text, subject and HTML
 *     holding a planted marker: the one to refuse@ is refused (554) and shows
 *     "échec définitif" with the server's answer, the other "envoyé";
 *   - the listing, read by the service's assistant, names recipient,
 *     category, state and attempts and never the marker (no subject, no body);
 *   - paged newest first with the core's cursor; bad filters are 422 with the
 *     field named;
 *   - an employer gets 403 and nothing of it, no session 401;
 *   - the route is in the OpenAPI document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fsutil.h"
#include "http_client.h"
#include "mail_servers.h"
#include "server.h"

#define PASSWORD "motdepasse-de-test-42"
#define MARKER "MARQUEUR-MEDICAL-7f3a"

static struct test_deploy D;
static struct test_server S;
static struct sink_server SMTP;

static void cli(const char *args)
{
	char cmd[2048], *out = NULL;

	snprintf(cmd, sizeof(cmd),
	         "printf '%%s\\n' '" PASSWORD "' | " SOCLE_BINARY_DIR "/socle %s --config %s", args,
	         D.config_path);
	int rc = fs_run(cmd, &out);
	if (rc != 0)
		fprintf(stderr, "%s\n%s\n", cmd, out ? out : "");
	assert_int_equal(rc, 0);
	free(out);
}

/* A mail.send job written as socle_mail_queue would, its words carrying the
 * marker. */
static void plant_mail(sqlite3 *db, const char *to)
{
	char *sql = sqlite3_mprintf(
	        "INSERT INTO core_job (kind, payload, state, run_at, attempts, max_attempts, "
	        "created_at, updated_at) VALUES ('mail.send', json_object('message_id', "
	        "lower(hex(randomblob(16))), 'to', %Q, 'subject', 'Résultat " MARKER "', 'text', "
	        "'Bonjour, " MARKER "', 'html', '<p>" MARKER "</p>', 'category', 'convocation'), "
	        "'queued', 0, 0, 8, 1773653400000, 1773653400000)", to);
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s", msg);
	sqlite3_free(sql);
}

static int setup(void **state)
{
	(void)state;
	char *sdir = NULL;

	json_t *empty = json_object();
	int made = test_deploy_create(&D, "outbox-e2e", empty);

	json_decref(empty);
	if (made != 0)
		return -1;
	sdir = fs_join(D.dir, "smtp");
	fs_write(sdir, ".keep", "");
	if (!sink_server_start(&SMTP, "smtp_server.py", sdir, NULL))
		return -1;
	free(sdir);
	json_t *cfg = json_pack(
	        "{s:[s], s:s, s:i, s:s, s:{s:s, s:{s:s, s:i, s:s}},"
	        " s:[{s:s, s:s, s:s, s:{s:{s:b}}, s:{s:s, s:s}}]}",
	        "plugin_dirs", SOCLE_BINARY_DIR "/plugins", "clock", "2026-03-16T09:30:00Z",
	        "port", D.port, "listen", "127.0.0.1", "mail", "transport", "smtp", "smtp", "host",
	        "127.0.0.1", "port", SMTP.port, "security", "none", "services", "id", "demo",
	        "name", "Santé Travail Démo", "database", "demo.db", "plugins", "membership",
	        "demo_data", 1, "identity", "legal_name", "Association Santé Travail Démo", "email",
	        "contact@demo.test");
	char *text = json_dumps(cfg, JSON_INDENT(1));
	json_decref(cfg);
	test_deploy_write(&D, "socle.json", text);
	free(text);
	cli("user add --service demo --email assistante@demo.test --role assistant_medical");
	cli("user add --service demo --email patron@demo.test --role employer --company 1");

	/* The database exists now: queue the two mails before the server runs. */
	char *path = fs_join(D.dir, "demo.db");
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	plant_mail(db, "refuse@boulangerie.test");
	plant_mail(db, "marc@boulangerie.test");
	sqlite3_close(db);
	free(path);
	return test_server_start_deploy(&S, &D);
}

static int teardown(void **state)
{
	(void)state;
	int rc = test_server_stop(&S, 10000);
	sink_server_stop(&SMTP);
	test_deploy_remove(&D);
	return rc == 0 ? 0 : -1;
}

static char *login(const char *email)
{
	char *header;
	int status = 0;
	json_t *body = json_pack("{s:s, s:s}", "email", email, "password", PASSWORD);
	json_t *r = hc_json(S.port, "POST", "/api/v1/demo/auth/login", NULL, body, &status);

	json_decref(body);
	assert_int_equal(status, 200);
	assert_true(asprintf(&header, "Authorization: Bearer %s",
	                     json_string_value(json_object_get(r, "token"))) > 0);
	json_decref(r);
	return header;
}

static void get(const char *auth, const char *path, struct hc_response *out)
{
	const char *headers[] = {auth, NULL};

	assert_int_equal(hc_request(S.port, "GET", path, auth ? headers : NULL, NULL, 0, out), 0);
}

static json_t *item_to(const json_t *items, const char *to)
{
	const json_t *it;
	size_t i;

	json_array_foreach(items, i, it)
		if (strcmp(json_string_value(json_object_get(it, "recipient")), to) == 0)
			return (json_t *)it;
	return NULL;
}

static bool settled(const json_t *item)
{
	const char *s = json_string_value(json_object_get(item, "state"));

	return strcmp(s, "done") == 0 || strcmp(s, "dead") == 0;
}

static void test_outbox_for_staff(void **state)
{
	(void)state;
	char *auth = login("assistante@demo.test");
	struct hc_response r = {0};
	json_t *body = NULL, *refused = NULL, *sent = NULL;

	/* The loop sends both once the server runs: wait for it (real time). */
	for (int i = 0; i < 200; i++) {
		hc_response_free(&r);
		json_decref(body);
		get(auth, "/api/v1/demo/outbox?channel=mail", &r);
		assert_int_equal(r.status, 200);
		body = hc_body_json(&r);
		refused = item_to(json_object_get(body, "items"), "refuse@boulangerie.test");
		sent = item_to(json_object_get(body, "items"), "marc@boulangerie.test");
		if (refused && sent && settled(refused) && settled(sent))
			break;
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	assert_non_null(refused);
	assert_non_null(sent);
	assert_string_equal(json_string_value(json_object_get(refused, "state")), "dead");
	assert_string_equal(json_string_value(json_object_get(refused, "state_label")),
	                    "échec définitif");
	assert_int_equal(json_integer_value(json_object_get(refused, "attempts")), 1);
	assert_non_null(strstr(json_string_value(json_object_get(refused, "last_error")), "554"));
	assert_string_equal(json_string_value(json_object_get(refused, "category")), "convocation");
	assert_string_equal(json_string_value(json_object_get(refused, "channel")), "mail");
	assert_string_equal(json_string_value(json_object_get(sent, "state")), "done");
	assert_string_equal(json_string_value(json_object_get(sent, "state_label")), "envoyé");
	assert_true(json_is_null(json_object_get(sent, "last_error")));
	/* The relay got the one and refused the other; the listing says nothing
	 * of what they said. */
	assert_int_equal(sink_server_log_count(&SMTP, "refused refuse@boulangerie.test"), 1);
	assert_int_equal(sink_server_log_count(&SMTP, "accepted marc@boulangerie.test"), 1);
	assert_null(strstr(r.body, MARKER));
	assert_null(strstr(r.body, "Résultat"));
	assert_null(json_object_get(sent, "subject"));
	assert_null(json_object_get(sent, "text"));

	/* Newest first, one per page, the cursor leading to the older one. */
	hc_response_free(&r);
	get(auth, "/api/v1/demo/outbox?channel=mail&recipient=marc%40boulangerie.test&limit=1", &r);
	json_t *one = hc_body_json(&r);
	assert_int_equal(json_array_size(json_object_get(one, "items")), 1);
	json_decref(one);
	hc_response_free(&r);
	get(auth, "/api/v1/demo/outbox?channel=mail&limit=1", &r);
	json_t *p1 = hc_body_json(&r);
	const char *cursor = json_string_value(json_object_get(p1, "next_cursor"));
	assert_non_null(cursor);
	int64_t first = json_integer_value(json_object_get(json_array_get(json_object_get(p1, "items"), 0), "id"));
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/demo/outbox?channel=mail&limit=1&cursor=%s", cursor);
	hc_response_free(&r);
	get(auth, path, &r);
	json_t *p2 = hc_body_json(&r);
	int64_t second = json_integer_value(json_object_get(json_array_get(json_object_get(p2, "items"), 0), "id"));
	assert_true(second > 0 && second < first);
	json_decref(p1);
	json_decref(p2);

	/* Bad filters: the field named, nothing listed. */
	hc_response_free(&r);
	get(auth, "/api/v1/demo/outbox?state=perdu&channel=pigeon", &r);
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(r.body, "\"state\""));
	assert_non_null(strstr(r.body, "\"channel\""));
	hc_response_free(&r);
	json_decref(body);
	free(auth);
}

static void test_outbox_closed_to_others(void **state)
{
	(void)state;
	char *auth = login("patron@demo.test");
	struct hc_response r = {0};

	get(auth, "/api/v1/demo/outbox", &r);
	assert_int_equal(r.status, 403);
	assert_null(strstr(r.body, "boulangerie"));
	assert_null(strstr(r.body, MARKER));
	hc_response_free(&r);
	get(NULL, "/api/v1/demo/outbox", &r);
	assert_int_equal(r.status, 401);
	hc_response_free(&r);
	get(NULL, "/api/v1/demo/openapi.json", &r);
	assert_non_null(strstr(r.body, "\"/outbox\""));
	hc_response_free(&r);
	free(auth);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox_for_staff),
		cmocka_unit_test(test_outbox_closed_to_others),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
