/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Text messages: the GSM 7-bit text (transliteration, extension characters
 * counted twice, 160 at most, never UCS-2), mobile numbers, the file
 * transport, and the HTTP gateway against a real HTTP sink started here (a
 * JSON POST with its authentication header, a GET with the values in the
 * URL, a 400 refused for good, a 503 retried after the backoff on the
 * injectable clock); bad settings refused with their key. */
#include <dirent.h>
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
#include "jobs.h"
#include "loop.h"
#include "mail_servers.h"

#define T0 1773651600000LL /* 2026-03-16 09:00 UTC */

struct env {
	char *dir;
	struct sink_server sink;
	socle_core *core;
};

static int setup(void **state)
{
	static struct env e;
	struct diag d = {0};

	e.dir = fs_tempdir("sms");
	char *sdir = fs_join(e.dir, "sink");
	fs_write(sdir, ".keep", "");
	if (!sink_server_start(&e.sink, "http_sink.py", sdir, NULL))
		return -1;
	free(sdir);
	fs_write(e.dir, "passerelle.auth", "Authorization: Bearer secret-42\n");
	char *config = NULL;
	assert_true(asprintf(&config,
	        "{\"plugin_dirs\": [], \"sms\": {\"transport\": \"file\", \"outbox\": \"sms\"},"
	        " \"services\": ["
	        "  {\"id\": \"f\", \"name\": \"F\", \"database\": \"f.db\"},"
	        "  {\"id\": \"h\", \"name\": \"H\", \"database\": \"h.db\","
	        "   \"sms\": {\"transport\": \"http\", \"http\": {"
	        "     \"url\": \"http://127.0.0.1:%d/v1/sms\", \"sender\": \"SPSTI\","
	        "     \"auth_header_file\": \"passerelle.auth\","
	        "     \"body\": \"{\\\"to\\\": \\\"{number}\\\", \\\"message\\\": \\\"{text}\\\","
	        " \\\"from\\\": \\\"{sender}\\\", \\\"ref\\\": \\\"{id}\\\"}\"}}},"
	        "  {\"id\": \"g\", \"name\": \"G\", \"database\": \"g.db\","
	        "   \"sms\": {\"transport\": \"http\", \"http\": {\"method\": \"GET\","
	        "     \"url\": \"http://127.0.0.1:%d/send?to={number}&text={text}\"}}}]}",
	        e.sink.port, e.sink.port) > 0);
	fs_write(e.dir, "socle.json", config);
	free(config);
	char *cfg = fs_join(e.dir, "socle.json");
	clock_freeze(T0);
	int rc = core_open(cfg, NULL, &d, &e.core);
	free(cfg);
	if (rc != 0)
		diag_print(&d);
	diag_fini(&d);
	*state = &e;
	return rc;
}

static int teardown(void **state)
{
	struct env *e = *state;

	core_close(e->core);
	clock_thaw();
	sink_server_stop(&e->sink);
	fs_rmtree(e->dir);
	free(e->dir);
	return 0;
}

static void test_gsm7_text(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
		int septets;
	} v[] = {
		{"Rappel : visite à 9 h 00, présentez-vous à l'accueil.",
		 "Rappel : visite à 9 h 00, présentez-vous à l'accueil.", 53},
		/* Outside GSM 7-bit: to the basic set, one for one. */
		{"Fenêtre, île, hôtel, sûr, garçon, Noël", "Fenetre, ile, hotel, sur, garcon, Noel", 38},
		{"ÊTRE À L'HEURE, ÇA COMPTE", "ETRE A L'HEURE, ÇA COMPTE", 25},
		/* Typography of French texts. */
		{"« Santé » – l’œuvre…", "\" Santé \" - l'oeuvre...", 23},
		{"9\u00a0h\u202f00", "9 h 00", 6},
		/* Extension characters count two. */
		{"Coût : 10 €", "Cout : 10 €", 12},
		{"[a]{b}~^|\\", "[a]{b}~^|\\", 18},
		/* Nothing near: a question mark, never UCS-2. */
		{"Merci 👍 中", "Merci ? ?", 9},
		{"ligne 1\nligne 2\tfin", "ligne 1\nligne 2 fin", 19},
	};
	char out[400];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int n = socle_sms_gsm7(v[i].in, out, sizeof(out), NULL);

		if (n != v[i].septets || strcmp(out, v[i].out) != 0)
			fail_msg("vector %zu: « %s » (%d) instead of « %s » (%d)", i, out, n, v[i].out,
			         v[i].septets);
	}
	assert_int_equal(socle_sms_gsm7("caf\xc3", out, sizeof(out), NULL), SOCLE_E_INVAL);
	assert_int_equal(socle_sms_gsm7("trop long pour la place", out, 8, NULL), SOCLE_E_TOOBIG);
}

static void test_numbers(void **state)
{
	(void)state;
	static const char *const good[][2] = {
		{"06 12 34 56 78", "+33612345678"}, {"07.00.00.00.01", "+33700000001"},
		{"+33 6 12 34 56 78", "+33612345678"}, {"0033612345678", "+33612345678"},
		{"+44 7700 900123", "+447700900123"}, {"0044 7700 900123", "+447700900123"},
	};
	static const char *const bad[] = {"01 23 45 67 89", "+33 1 23 45 67 89", "06 12",
	                                  "06 12 34 56 7a", "", "+0612345678"};
	char out[SOCLE_SMS_NUMBER_SIZE];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(socle_sms_number(good[i][0], out, NULL), 0);
		assert_string_equal(out, good[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(socle_sms_number(bad[i], out, NULL), SOCLE_E_INVAL);
}

struct sms_args {
	const char *number, *text;
	int64_t job;
};

static int queue_fn(socle_db *wdb, void *ud, socle_err *err)
{
	struct sms_args *a = ud;

	a->job = socle_sms_queue(wdb, a->number, a->text, "rappel", 0, err);
	return a->job < 0 ? (int)a->job : 0;
}

static int64_t queue(socle_service *svc, const char *number, const char *text)
{
	socle_err err = SOCLE_ERR_INIT;
	struct sms_args a = {number, text, 0};

	if (socle_service_write(svc, queue_fn, &a, &err) != 0)
		return err.code;
	return a.job;
}

static void assert_job(socle_service *svc, int64_t id, const char *state, int attempts,
                       const char *error_part)
{
	socle_db *r = socle_service_reader(svc, NULL);
	json_t *row = socle_db_query_one_new(r, "SELECT state, attempts, last_error FROM core_job "
	                                        "WHERE id = :id",
	                                     json_pack("{s:I}", "id", (json_int_t)id), NULL);

	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "state")), state);
	assert_int_equal(json_integer_value(json_object_get(row, "attempts")), attempts);
	if (error_part)
		assert_non_null(strstr(json_string_value(json_object_get(row, "last_error")),
		                       error_part));
	json_decref(row);
}

static void test_length_limit(void **state)
{
	struct env *e = *state;
	char text[400];

	/* 160 characters, 80 of them € (two each): the limit exactly. */
	memset(text, 0, sizeof(text));
	for (int i = 0; i < 80; i++)
		strcat(text, "€");
	assert_true(queue(e->core->services[0], "06 12 34 56 78", text) > 0);
	strcat(text, "a");
	assert_int_equal(queue(e->core->services[0], "06 12 34 56 78", text), SOCLE_E_INVAL);
	memset(text, 'a', 161);
	text[161] = '\0';
	assert_int_equal(queue(e->core->services[0], "06 12 34 56 78", text), SOCLE_E_INVAL);
	text[160] = '\0';
	assert_true(queue(e->core->services[0], "06 12 34 56 78", text) > 0);
	assert_int_equal(queue(e->core->services[0], "01 23 45 67 89", "x"), SOCLE_E_INVAL);
	assert_int_equal(queue(e->core->services[0], "06 12 34 56 78", ""), SOCLE_E_INVAL);
	loop_run_pending(e->core);
}

static void test_file_transport(void **state)
{
	struct env *e = *state;
	char *out = NULL, cmd[4300];

	int64_t job = queue(e->core->services[0], "06 11 22 33 44", "Rappel : visite demain à "
	                                                            "9 h 00, fenêtre 3.");
	assert_true(job > 0);
	loop_run_pending(e->core);
	assert_job(e->core->services[0], job, "done", 1, NULL);
	snprintf(cmd, sizeof(cmd), "grep -l '+33611223344' '%s'/sms/f/*.txt | xargs cat", e->dir);
	assert_int_equal(fs_run(cmd, &out), 0);
	assert_non_null(strstr(out, "To: +33611223344\n\nRappel : visite demain à 9 h 00, "
	                            "fenetre 3.\n"));
	free(out);
}

static json_t *request_with(const struct sink_server *s, const char *needle)
{
	json_t *found = NULL;
	DIR *d = opendir(s->dir);
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "req-", 4) != 0)
			continue;
		char *path = fs_join(s->dir, de->d_name);
		json_t *r = json_load_file(path, 0, NULL);
		char *dump = r ? json_dumps(r, 0) : NULL;

		free(path);
		if (dump && strstr(dump, needle) && found == NULL)
			found = json_incref(r);
		free(dump);
		json_decref(r);
	}
	if (d)
		closedir(d);
	return found;
}

static void test_http_gateway(void **state)
{
	struct env *e = *state;
	socle_service *h = e->core->services[1], *g = e->core->services[2];

	int64_t job = queue(h, "06 55 44 33 22", "Rappel : visite « VIP » lundi\nà 9 h, "
	                                         "côté \"accueil\".");
	int64_t get = queue(g, "07 66 55 44 33", "Rappel & suite : 9 h");
	loop_run_pending(e->core);
	assert_job(h, job, "done", 1, NULL);
	assert_job(g, get, "done", 1, NULL);

	json_t *r = request_with(&e->sink, "+33655443322");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "method")), "POST");
	assert_string_equal(json_string_value(json_object_get(r, "path")), "/v1/sms");
	json_t *hd = json_object_get(r, "headers");
	assert_string_equal(json_string_value(json_object_get(hd, "authorization")),
	                    "Bearer secret-42");
	assert_string_equal(json_string_value(json_object_get(hd, "content-type")),
	                    "application/json");
	/* The body is the template filled with JSON-escaped values. */
	json_t *body = json_loads(json_string_value(json_object_get(r, "body")), 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "to")), "+33655443322");
	assert_string_equal(json_string_value(json_object_get(body, "message")),
	                    "Rappel : visite \" VIP \" lundi\nà 9 h, coté \"accueil\".");
	assert_string_equal(json_string_value(json_object_get(body, "from")), "SPSTI");
	assert_int_equal(strlen(json_string_value(json_object_get(body, "ref"))), 32);
	json_decref(body);
	json_decref(r);

	r = request_with(&e->sink, "33766554433");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "method")), "GET");
	assert_string_equal(json_string_value(json_object_get(r, "path")),
	                    "/send?to=%2B33766554433&text=Rappel%20%26%20suite%20%3A%209%20h");
	json_decref(r);
}

static void test_gateway_refusal_and_retry(void **state)
{
	struct env *e = *state;
	socle_service *h = e->core->services[1];

	int64_t refused = queue(h, "06 00 00 00 99", "Rappel");
	int64_t later = queue(h, "06 00 00 00 98", "Rappel");
	loop_run_pending(e->core);
	assert_job(h, refused, "dead", 1, "refus définitif, réponse 400");
	assert_job(h, later, "queued", 1, "réponse 503");
	clock_advance(JOBS_BACKOFF_BASE_MS - 1);
	loop_run_pending(e->core);
	assert_job(h, later, "queued", 1, NULL);
	clock_advance(1);
	loop_run_pending(e->core);
	assert_job(h, later, "done", 2, NULL);
	assert_job(h, refused, "dead", 1, NULL);
	assert_int_equal(sink_server_log_count(&e->sink, "refused"), 1);
	assert_int_equal(sink_server_log_count(&e->sink, "unavailable"), 1);
}

static void test_bad_settings(void **state)
{
	struct env *e = *state;
	struct diag d = {0};
	socle_core *core = NULL;
	char *dir = fs_join(e->dir, "bad"), *cfg;

	fs_write(dir, "socle.json",
	         "{\"sms\": {\"transport\": \"pigeon\"}, \"plugin_dirs\": [],"
	         " \"services\": [{\"id\": \"s\", \"name\": \"S\", \"database\": \"s.db\","
	         " \"sms\": {\"transport\": \"http\", \"http\": {\"url\": \"ftp://x\","
	         " \"body\": \"{number}\", \"sender\": \"SANTE-TRAVAIL-RHONE\", \"verb\": 1}}}]}");
	cfg = fs_join(dir, "socle.json");
	assert_int_not_equal(core_open(cfg, NULL, &d, &core), 0);
	assert_null(core);
	const char *want[] = {"sms.transport", "services[0].sms.http.url",
	                      "services[0].sms.http.body", "services[0].sms.http.sender",
	                      "services[0].sms.http.verb"};
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		bool seen = false;

		for (size_t i = 0; i < d.n; i++)
			seen |= d.items[i].where && strstr(d.items[i].where, want[w]) != NULL;
		if (!seen)
			fail_msg("no problem reported at %s", want[w]);
	}
	diag_fini(&d);
	free(cfg);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gsm7_text),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_file_transport),
		cmocka_unit_test(test_http_gateway),
		cmocka_unit_test(test_gateway_refusal_and_retry),
		cmocka_unit_test(test_bad_settings),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
