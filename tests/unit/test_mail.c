/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Outgoing mail through a real deployment: queued in a write, delivered by the
 * loop as an .eml file; bad mails refused; a failed transaction sends nothing. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core.h"
#include "fsutil.h"
#include "loop.h"

struct env {
	char *dir;
	socle_core *core;
};

static int setup(void **state)
{
	static struct env e;
	struct diag d = {0};

	e.dir = fs_tempdir("mail");
	fs_write(e.dir, "socle.json",
	         "{\"mail\": {\"transport\": \"file\", \"outbox\": \"boite\","
	         " \"from\": \"Service <contact@service.test>\"},"
	         " \"plugin_dirs\": [],"
	         " \"services\": [{\"id\": \"s\", \"name\": \"S\", \"database\": \"s.db\","
	         " \"identity\": {\"email\": \"accueil@service.test\", \"phone\": \"01 23 45 67 89\","
	         " \"address\": \"1 rue A\\n75001 Paris\"}}]}");
	char *cfg = fs_join(e.dir, "socle.json");
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
	fs_rmtree(e->dir);
	free(e->dir);
	return 0;
}

struct queue_args {
	struct socle_mail mail;
	int64_t job;
	bool fail_after;
};

static int queue_fn(socle_db *wdb, void *ud, socle_err *err)
{
	struct queue_args *a = ud;

	a->job = socle_mail_queue(wdb, &a->mail, 0, err);
	if (a->job < 0)
		return (int)a->job;
	return a->fail_after ? socle_err_set(err, SOCLE_E_CONFLICT, "abandon") : 0;
}

static size_t count_eml(const char *dir, char **last_text)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len > 4 && strcmp(de->d_name + len - 4, ".eml") == 0) {
			n++;
			if (last_text) {
				char *path = fs_join(dir, de->d_name);
				char *cmd;
				assert_true(asprintf(&cmd, "cat '%s'", path) > 0);
				free(*last_text);
				fs_run(cmd, last_text);
				free(cmd);
				free(path);
			}
		}
	}
	closedir(d);
	return n;
}

static void test_mail_written_after_commit(void **state)
{
	struct env *e = *state;
	socle_service *svc = e->core->services[0];
	socle_err err = SOCLE_ERR_INIT;
	char *outbox = fs_join(e->dir, "boite/s"), *text = NULL;
	struct queue_args a = {.mail = {.to = "marc@boulangerie.test",
	                                .subject = "Invitation à l'espace adhérent",
	                                .text = "Bonjour,\nvoici votre invitation.\n",
	                                .category = "invitation"}};

	/* A transaction that fails queues nothing. */
	a.fail_after = true;
	assert_int_equal(socle_service_write(svc, queue_fn, &a, &err), SOCLE_E_CONFLICT);
	loop_run_pending(e->core);
	assert_int_equal(count_eml(outbox, NULL), 0);

	a.fail_after = false;
	assert_int_equal(socle_service_write(svc, queue_fn, &a, &err), 0);
	assert_true(a.job > 0);
	loop_run_pending(e->core);
	assert_int_equal(count_eml(outbox, &text), 1);
	assert_non_null(strstr(text, "From: Service <contact@service.test>\r\n"));
	assert_non_null(strstr(text, "To: marc@boulangerie.test\r\n"));
	/* Non-ASCII subject in RFC 2047 form; body lines end in CRLF. */
	assert_non_null(strstr(text, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(text, "X-Socle-Category: invitation\r\n"));
	assert_non_null(strstr(text, "\r\n\r\nBonjour,\r\nvoici votre invitation.\r\n"));
	/* Who wrote and how to answer: the service's identity, not a no-reply. */
	assert_non_null(strstr(text, "Reply-To: accueil@service.test\r\n"));
	assert_non_null(strstr(text, "\r\n-- \r\nS\r\n1 rue A\r\n75001 Paris\r\nTél. 01 23 45 67 89\r\n"
	                             "Courriel : accueil@service.test\r\n"));
	free(text);
	free(outbox);
}

static void test_bad_mails_refused(void **state)
{
	struct env *e = *state;
	socle_service *svc = e->core->services[0];
	socle_err err = SOCLE_ERR_INIT;
	struct queue_args bad[] = {
		{.mail = {.to = "pas-une-adresse", .subject = "x", .text = "x"}},
		{.mail = {.to = "a@b.test\r\nBcc: victim@x.test", .subject = "x", .text = "x"}},
		{.mail = {.to = "a@b.test", .subject = "x\r\nBcc: victim@x.test", .text = "x"}},
		{.mail = {.to = "a@b.test", .subject = "", .text = "x"}},
		{.mail = {.to = "a@b.test", .subject = "x", .text = NULL}},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(socle_service_write(svc, queue_fn, &bad[i], &err), SOCLE_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_written_after_commit),
		cmocka_unit_test(test_bad_mails_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
