/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Long jobs run off the loop thread (issue 9 item 6): a job held on a latch
 * (it waits until the test releases it) does not stop an event from being
 * delivered and a mail from being written meanwhile; stopping waits for the
 * job the pool holds and records its outcome. No sleep: latches and bounded
 * waits on conditions. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core.h"
#include "fsutil.h"
#include "jobs.h"
#include "loop.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, released, delivered;
	int runs;
} L = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, false, 0};

/* Wait (at most 20 s) until *flag is true; L.mu held by the caller. */
static bool wait_flag(bool *flag)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	while (!*flag)
		if (pthread_cond_timedwait(&L.cv, &L.mu, &until) != 0)
			break;
	return *flag;
}

static void set_flag(bool *flag)
{
	pthread_mutex_lock(&L.mu);
	*flag = true;
	pthread_cond_broadcast(&L.cv);
	pthread_mutex_unlock(&L.mu);
}

/* The long job: says it started, then holds until the test releases it. */
static int latch_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	(void)svc, (void)payload, (void)ud, (void)err;
	pthread_mutex_lock(&L.mu);
	L.runs++;
	L.started = true;
	pthread_cond_broadcast(&L.cv);
	wait_flag(&L.released);
	pthread_mutex_unlock(&L.mu);
	return 0;
}

static int on_ping(socle_service *svc, const char *event, const json_t *payload, void *ud,
                   socle_err *err)
{
	(void)svc, (void)event, (void)payload, (void)ud, (void)err;
	set_flag(&L.delivered);
	return 0;
}

struct env {
	char *dir;
	socle_core *core;
};

static int setup(void **state)
{
	static struct env e;
	static const struct socle_event_decl ping = {"test.pinged", "", "test"};
	struct diag d = {0};

	e.dir = fs_tempdir("job-pool");
	fs_write(e.dir, "socle.json",
	         "{\"mail\": {\"outbox\": \"boite\"}, \"plugin_dirs\": [],"
	         " \"services\": [{\"id\": \"s\", \"name\": \"S\", \"database\": \"s.db\"}]}");
	char *cfg = fs_join(e.dir, "socle.json");
	int rc = core_open(cfg, NULL, &d, &e.core);
	free(cfg);
	if (rc != 0)
		diag_print(&d);
	diag_fini(&d);
	if (rc != 0)
		return rc;
	/* A long job kind and an event handler of the core's own, as a plugin's
	 * init would register them. */
	struct reg_job job = {.owner = NULL, .kind = (char *)"test.latch", .fn = latch_job,
	                      .long_running = true};
	struct reg_event_handler h = {.owner = NULL, .event = (char *)"test.pinged", .fn = on_ping};
	struct reg_event_decl decl = {.owner = NULL, .decl = &ping};
	if (registry_add_job(&e.core->reg, &job) != 0 ||
	    registry_add_handler(&e.core->reg, &h) != 0 ||
	    registry_add_event_decl(&e.core->reg, &decl) != 0)
		return -1;
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	core_close(e->core);
	fs_rmtree(e->dir);
	free(e->dir);
	return 0;
}

static int enqueue_latch(socle_db *wdb, void *ud, socle_err *err)
{
	(void)ud;
	return socle_job_enqueue(wdb, "test.latch", NULL, 0, 1, err) > 0 ? 0 : err->code;
}

static int ping_and_mail(socle_db *wdb, void *ud, socle_err *err)
{
	struct socle_mail m = {.to = "rh@entreprise.test", .subject = "Convocation",
	                       .text = "Bonjour.\n", .category = "convocation"};
	(void)ud;
	if (socle_event_emit(wdb, "test.pinged", NULL, err) != 0)
		return err->code;
	return socle_mail_queue(wdb, &m, 0, err) > 0 ? 0 : err->code;
}

static size_t count_eml(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d)) != NULL)
		n += strlen(de->d_name) > 4 && strcmp(de->d_name + strlen(de->d_name) - 4, ".eml") == 0;
	if (d)
		closedir(d);
	return n;
}

static void *stop_loop(void *arg)
{
	loop_stop(arg);
	return NULL;
}

static int64_t job_count(socle_service *svc, const char *state)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *r = socle_db_query_one_new(socle_service_reader(svc, &err),
	                                   "SELECT COUNT(*) AS n FROM core_job WHERE kind ="
	                                   " 'test.latch' AND state = :s",
	                                   json_pack("{s:s}", "s", state), &err);
	int64_t n = json_integer_value(json_object_get(r, "n"));

	json_decref(r);
	return n;
}

static void test_events_and_mails_flow_while_a_long_job_runs(void **state)
{
	struct env *e = *state;
	socle_service *svc = e->core->services[0];
	socle_err err = SOCLE_ERR_INIT;
	char *outbox = fs_join(e->dir, "boite/s");

	assert_int_equal(loop_start(e->core, &err), 0);
	assert_int_equal(socle_service_write(svc, enqueue_latch, NULL, &err), 0);
	pthread_mutex_lock(&L.mu);
	assert_true(wait_flag(&L.started)); /* the long job holds its latch */
	pthread_mutex_unlock(&L.mu);

	/* Meanwhile: an event and a mail, in one write. */
	assert_int_equal(socle_service_write(svc, ping_and_mail, NULL, &err), 0);
	pthread_mutex_lock(&L.mu);
	assert_true(wait_flag(&L.delivered));
	bool still_held = !L.released;
	pthread_mutex_unlock(&L.mu);
	assert_true(still_held);
	/* The mail is written by the loop too; bounded wait on the outbox. */
	size_t n = 0;
	for (int i = 0; i < 2000 && (n = count_eml(outbox)) == 0; i++) {
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL); /* polling a folder, not timing behaviour */
	}
	assert_int_equal(n, 1);
	pthread_mutex_lock(&L.mu);
	assert_false(L.released);
	pthread_mutex_unlock(&L.mu);

	/* Stopping while the long job runs waits for it, and records it done. */
	pthread_t stopper;
	assert_int_equal(pthread_create(&stopper, NULL, stop_loop, e->core), 0);
	set_flag(&L.released);
	pthread_join(stopper, NULL);
	assert_int_equal(L.runs, 1);
	assert_int_equal(job_count(svc, "done"), 1);
	assert_int_equal(job_count(svc, "running"), 0);
	free(outbox);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_and_mails_flow_while_a_long_job_runs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
