/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The smtp transport against real SMTP servers (aiosmtpd, started here): one
 * in plain text, one with STARTTLS (a throw-away certificate) and
 * authentication, one with implicit TLS. Multipart messages with attachments; a 5xx refusal recorded
 * and never retried; a connection dropped before the end of the message
 * retried and delivered once; one dropped after it delivered twice with the
 * same Message-ID. Retries move with the business clock, never with sleeps. */
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
	struct sink_server plain, tls, smtps;
	socle_core *core;
};

static int setup(void **state)
{
	static struct env e;
	struct diag d = {0};
	char *pdir, *tdir, *idir, *cfg, cert[4200], pass[4200];

	e.dir = fs_tempdir("smtp");
	test_make_certificate(e.dir);
	pdir = fs_join(e.dir, "plain");
	tdir = fs_join(e.dir, "tls");
	idir = fs_join(e.dir, "smtps");
	fs_write(pdir, ".keep", "");
	fs_write(tdir, ".keep", "");
	fs_write(idir, ".keep", "");
	snprintf(cert, sizeof(cert), "%s/cert.pem", e.dir);
	snprintf(pass, sizeof(pass), "%s/key.pem", e.dir);
	const char *targs[] = {"--starttls", cert, pass, "--user", "socle", "--password",
	                       "mot de passe", NULL};
	const char *iargs[] = {"--tls", cert, pass, NULL};
	if (!sink_server_start(&e.plain, "smtp_server.py", pdir, NULL) ||
	    !sink_server_start(&e.tls, "smtp_server.py", tdir, targs) ||
	    !sink_server_start(&e.smtps, "smtp_server.py", idir, iargs))
		return -1;
	free(pdir);
	free(tdir);
	free(idir);
	fs_write(e.dir, "smtp.pass", "mot de passe\n");
	char *config = NULL;
	assert_true(asprintf(&config,
	        "{\"mail\": {\"transport\": \"file\"},"
	        " \"plugin_dirs\": [],"
	        " \"services\": ["
	        "  {\"id\": \"p\", \"name\": \"P\", \"database\": \"p.db\","
	        "   \"identity\": {\"email\": \"accueil@p.test\"},"
	        "   \"mail\": {\"transport\": \"smtp\", \"from\": \"Service P <envoi@p.test>\","
	        "     \"smtp\": {\"host\": \"127.0.0.1\", \"port\": %d, \"security\": \"none\"}}},"
	        "  {\"id\": \"t\", \"name\": \"T\", \"database\": \"t.db\","
	        "   \"identity\": {\"legal_name\": \"SPSTI du Rhône\", \"email\": \"contact@t.test\"},"
	        "   \"mail\": {\"transport\": \"smtp\", \"smtp\": {\"host\": \"localhost\","
	        "     \"port\": %d, \"security\": \"starttls\", \"username\": \"socle\","
	        "     \"password_file\": \"smtp.pass\", \"ca_file\": \"cert.pem\"}}},"
	        "  {\"id\": \"i\", \"name\": \"I\", \"database\": \"i.db\","
	        "   \"mail\": {\"transport\": \"smtp\", \"from\": \"envoi@i.test\","
	        "     \"smtp\": {\"host\": \"127.0.0.1\", \"port\": %d, \"security\": \"tls\","
	        "     \"ca_file\": \"cert.pem\"}}}]}",
	        e.plain.port, e.tls.port, e.smtps.port) > 0);
	fs_write(e.dir, "socle.json", config);
	free(config);
	cfg = fs_join(e.dir, "socle.json");
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
	sink_server_stop(&e->plain);
	sink_server_stop(&e->tls);
	sink_server_stop(&e->smtps);
	fs_rmtree(e->dir);
	free(e->dir);
	return 0;
}

struct queue_args {
	struct socle_mail mail;
	const struct socle_mail_parts *parts;
	int64_t job;
};

static int queue_fn(socle_db *wdb, void *ud, socle_err *err)
{
	struct queue_args *a = ud;

	a->job = socle_mail_queue_parts(wdb, &a->mail, a->parts, 0, err);
	return a->job < 0 ? (int)a->job : 0;
}

static int64_t queue(socle_service *svc, const char *to, const struct socle_mail_parts *parts)
{
	socle_err err = SOCLE_ERR_INIT;
	struct queue_args a = {.mail = {.to = to, .subject = "Convocation : visite d'information "
	                                                     "et de prévention, lundi 16 mars",
	                                .text = "Bonjour,\nvous êtes convoqué(e).\n",
	                                .category = "convocation"},
	                       .parts = parts};

	assert_int_equal(socle_service_write(svc, queue_fn, &a, &err), 0);
	assert_true(a.job > 0);
	return a.job;
}

/* The job's row: state, attempts, last error, next run. */
static json_t *job_row(socle_service *svc, int64_t id)
{
	socle_db *r = socle_service_reader(svc, NULL);
	json_t *row = socle_db_query_one_new(r, "SELECT state, attempts, last_error, run_at FROM "
	                                        "core_job WHERE id = :id",
	                                     json_pack("{s:I}", "id", (json_int_t)id), NULL);
	assert_non_null(row);
	return row;
}

static void assert_job(socle_service *svc, int64_t id, const char *state, int attempts)
{
	json_t *row = job_row(svc, id);

	if (strcmp(json_string_value(json_object_get(row, "state")), state) != 0)
		fail_msg("job %lld: %s, expected %s (%s)", (long long)id,
		         json_string_value(json_object_get(row, "state")), state,
		         json_string_value(json_object_get(row, "last_error")));
	assert_int_equal(json_integer_value(json_object_get(row, "attempts")), attempts);
	json_decref(row);
}

static void test_multipart_with_attachments(void **state)
{
	struct env *e = *state;
	socle_service *svc = e->core->services[0];
	static const unsigned char pdf[] = "%PDF-1.5\n\x80\x81 binaire\n%%EOF\n";
	const char *ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
	const struct socle_mail_attachment atts[] = {
		{"convocation.pdf", "application/pdf", pdf, sizeof(pdf) - 1},
		{"invitation.ics", "text/calendar; method=REQUEST", ics, strlen(ics)},
	};
	const struct socle_mail_parts parts = {.html = "<p>Bonjour,<br>vous êtes convoqué(e).</p>",
	                                       .attachments = atts, .n_attachments = 2};
	char *msg = NULL;

	int64_t job = queue(svc, "marc@boulangerie.test", &parts);
	loop_run_pending(e->core);
	assert_job(svc, job, "done", 1);
	assert_int_equal(test_smtp_count(&e->plain, "To: marc@boulangerie.test", &msg), 1);
	assert_non_null(strstr(msg, "From: Service P <envoi@p.test>\r\n"));
	assert_non_null(strstr(msg, "Reply-To: accueil@p.test\r\n"));
	assert_non_null(strstr(msg, "@p.test>\r\n")); /* Message-ID in the sender's domain */
	assert_non_null(strstr(msg, "Content-Type: multipart/mixed; boundary="));
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative; boundary="));
	assert_non_null(strstr(msg, "Content-Type: text/plain; charset=UTF-8"));
	assert_non_null(strstr(msg, "Content-Type: text/html; charset=UTF-8"));
	assert_non_null(strstr(msg, "vous êtes convoqué(e).\r\n"));
	assert_non_null(strstr(msg, "Content-Disposition: attachment; filename=\"convocation.pdf\""));
	assert_non_null(strstr(msg, "Content-Type: text/calendar; method=REQUEST; "
	                            "name=\"invitation.ics\""));
	/* The bytes, base64: "%PDF-1.5\n" and the rest. */
	assert_non_null(strstr(msg, "JVBERi0xLjUKgIEgYmluYWlyZQolJUVPRgo="));
	/* A long non-ASCII subject in encoded words of at most 75 characters. */
	assert_non_null(strstr(msg, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(msg, "?=\r\n =?UTF-8?B?"));
	free(msg);
}

static void test_permanent_refusal_not_retried(void **state)
{
	struct env *e = *state;
	socle_service *svc = e->core->services[0];

	int64_t job = queue(svc, "refuse@boulangerie.test", NULL);
	loop_run_pending(e->core);
	assert_job(svc, job, "dead", 1);
	json_t *row = job_row(svc, job);
	const char *why = json_string_value(json_object_get(row, "last_error"));
	assert_non_null(why);
	assert_non_null(strstr(why, "refus définitif"));
	assert_non_null(strstr(why, "554"));
	json_decref(row);
	/* A day later nothing was tried again. */
	clock_advance(24 * 3600 * 1000LL);
	loop_run_pending(e->core);
	assert_job(svc, job, "dead", 1);
	assert_int_equal(sink_server_log_count(&e->plain, "refused refuse@boulangerie.test"), 1);
}

static void test_drop_before_end_delivered_once(void **state)
{
	struct env *e = *state;
	socle_service *svc = e->core->services[0];

	int64_t job = queue(svc, "drop-data@boulangerie.test", NULL);
	loop_run_pending(e->core);
	assert_int_equal(sink_server_log_count(&e->plain, "dropped-data drop-data@boulangerie.test"),
	                 1);
	assert_job(svc, job, "queued", 1);
	json_t *row = job_row(svc, job);
	int64_t next = json_integer_value(json_object_get(row, "run_at"));
	assert_int_equal(next - socle_now_ms(), JOBS_BACKOFF_BASE_MS);
	json_decref(row);
	/* Not due yet: one second before the backoff ends, nothing is sent. */
	clock_advance(JOBS_BACKOFF_BASE_MS - 1000);
	loop_run_pending(e->core);
	assert_job(svc, job, "queued", 1);
	clock_advance(1000);
	loop_run_pending(e->core);
	assert_job(svc, job, "done", 2);
	assert_int_equal(test_smtp_count(&e->plain, "To: drop-data@boulangerie.test", NULL), 1);
}

static void test_drop_after_end_same_message_id(void **state)
{
	struct env *e = *state;
	socle_service *svc = e->core->services[0];
	char *first = NULL, *id1, *id2;

	int64_t job = queue(svc, "drop-answer@boulangerie.test", NULL);
	loop_run_pending(e->core);
	assert_job(svc, job, "queued", 1);
	assert_int_equal(test_smtp_count(&e->plain, "To: drop-answer@boulangerie.test", &first), 1);
	clock_advance(JOBS_BACKOFF_BASE_MS);
	loop_run_pending(e->core);
	assert_job(svc, job, "done", 2);
	/* At most one duplicate, recognisable: the same Message-ID twice. */
	id1 = strstr(first, "Message-ID: ");
	assert_non_null(id1);
	id2 = strndup(id1, (size_t)(strstr(id1, "\r\n") - id1));
	assert_int_equal(test_smtp_count(&e->plain, "To: drop-answer@boulangerie.test", NULL), 2);
	assert_int_equal(test_smtp_count(&e->plain, id2, NULL), 2);
	free(id2);
	free(first);
}

static void test_starttls_with_authentication(void **state)
{
	struct env *e = *state;
	socle_service *svc = e->core->services[1];
	char *msg = NULL;

	int64_t job = queue(svc, "anne@boulangerie.test", NULL);
	/* A temporary refusal (451) is retried after the backoff. */
	int64_t later = queue(svc, "later@boulangerie.test", NULL);
	loop_run_pending(e->core);
	assert_job(svc, job, "done", 1);
	assert_job(svc, later, "queued", 1);
	assert_true(sink_server_log_count(&e->tls, "auth socle ok") >= 1);
	assert_int_equal(test_smtp_count(&e->tls, "To: anne@boulangerie.test", &msg), 1);
	/* No sender set for this service: its identity is the sender. */
	assert_non_null(strstr(msg, "From: \"SPSTI du Rhône\" <contact@t.test>\r\n"));
	free(msg);
	clock_advance(JOBS_BACKOFF_BASE_MS);
	loop_run_pending(e->core);
	assert_job(svc, later, "done", 2);
	assert_int_equal(test_smtp_count(&e->tls, "To: later@boulangerie.test", NULL), 1);
}

static char *diag_text(const struct diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s: %s\n", d->items[i].where ? d->items[i].where : "",
		        d->items[i].message ? d->items[i].message : "");
	fclose(f);
	return buf;
}

static void test_implicit_tls(void **state)
{
	struct env *e = *state;
	socle_service *svc = e->core->services[2];

	int64_t job = queue(svc, "anne@boulangerie.test", NULL);
	loop_run_pending(e->core);
	assert_job(svc, job, "done", 1);
	assert_int_equal(test_smtp_count(&e->smtps, "From: envoi@i.test\r\n", NULL), 1);
}

static void test_bad_settings_refused(void **state)
{
	struct env *e = *state;
	struct diag d = {0};
	socle_core *core = NULL;
	char *dir = fs_join(e->dir, "bad"), *cfg;

	fs_write(dir, "socle.json",
	         "{\"mail\": {\"transport\": \"smtp\", \"smtp\": {\"host\": \"smtp.test\","
	         " \"security\": \"none\", \"username\": \"u\", \"password_file\": \"absent\","
	         " \"port\": 0, \"tiemout\": 3}}, \"plugin_dirs\": [],"
	         " \"services\": [{\"id\": \"s\", \"name\": \"S\", \"database\": \"s.db\","
	         " \"mail\": {\"transport\": \"pigeon\"}}]}");
	cfg = fs_join(dir, "socle.json");
	assert_int_not_equal(core_open(cfg, NULL, &d, &core), 0);
	assert_null(core);
	char *text = diag_text(&d);
	assert_non_null(strstr(text, "mail.smtp.username"));
	assert_non_null(strstr(text, "mail.smtp.password_file"));
	assert_non_null(strstr(text, "mail.smtp.port"));
	assert_non_null(strstr(text, "mail.smtp.tiemout"));
	assert_non_null(strstr(text, "services[0].mail.transport"));
	free(text);
	diag_fini(&d);
	free(cfg);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multipart_with_attachments),
		cmocka_unit_test(test_permanent_refusal_not_retried),
		cmocka_unit_test(test_drop_before_end_delivered_once),
		cmocka_unit_test(test_drop_after_end_same_message_id),
		cmocka_unit_test(test_starttls_with_authentication),
		cmocka_unit_test(test_implicit_tls),
		cmocka_unit_test(test_bad_settings_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
