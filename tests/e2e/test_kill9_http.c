/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Nothing acknowledged is lost, seen from a client: writes go through the real
 * server over HTTP; whatever got its 201 before a kill -9 must be in the
 * database after it, which must pass integrity_check, and the restarted server
 * must serve again. Repeated with kills at varied moments. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fsutil.h"
#include "http_client.h"
#include "server.h"

#define ROUNDS 8
#define MAX_ACKED 100000

static struct test_deploy D;
static char *auth_header;

struct writer {
	int port;
	atomic_bool stop;
	int64_t acked[MAX_ACKED];
	atomic_int n_acked;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	const char *headers[] = {auth_header, NULL};

	while (!atomic_load(&w->stop)) {
		int status = 0;
		json_t *body = json_pack("{s:s}", "name", "durable");
		json_t *r = hc_json(w->port, "POST", "/api/v1/k/hello/greetings", headers, body, &status);

		json_decref(body);
		/* Only a complete 201 is an acknowledgement. */
		if (status == 201 && r && json_integer_value(json_object_get(r, "id")) > 0) {
			int i = atomic_load(&w->n_acked);
			if (i < MAX_ACKED) {
				w->acked[i] = json_integer_value(json_object_get(r, "id"));
				atomic_store(&w->n_acked, i + 1);
			}
		}
		json_decref(r);
		if (status == 0)
			break; /* server gone */
	}
	return NULL;
}

static char *login(int port)
{
	int status = 0;
	json_t *body = json_pack("{s:s, s:s}", "email", "admin@k.test", "password",
	                         "motdepasse-durable-42");
	json_t *r = hc_json(port, "POST", "/api/v1/k/auth/login", NULL, body, &status);
	char *h = NULL;

	json_decref(body);
	assert_int_equal(status, 200);
	assert_true(asprintf(&h, "Authorization: Bearer %s",
	                     json_string_value(json_object_get(r, "token"))) > 0);
	json_decref(r);
	return h;
}

static void check_database(const int64_t *acked, int n)
{
	char *path = fs_join(D.dir, "k.db");
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM hello_greeting WHERE id = ?1",
	                                    -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, acked[i]);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if (sqlite3_column_int(st, 0) != 1) {
			fprintf(stderr, "acknowledged greeting %lld lost\n", (long long)acked[i]);
			fail();
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* Each greeting committed with its audit entry, or not at all. */
	assert_int_equal(sqlite3_prepare_v2(db,
		"SELECT count(*) FROM hello_greeting g WHERE NOT EXISTS (SELECT 1 FROM core_audit a"
		" WHERE a.action = 'hello.greeting.create' AND a.object_id = g.id)", -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
}

static void test_kill9_keeps_acknowledged_writes(void **state)
{
	struct test_server s = {0};
	char *out = NULL, cmd[2048];
	(void)state;

	json_t *cfg = json_pack("{s:[s], s:[{s:s, s:s, s:s, s:{s:{}}}]}", "plugin_dirs",
	                        SOCLE_BINARY_DIR "/plugins", "services", "id", "k", "name", "K",
	                        "database", "k.db", "plugins", "hello");
	assert_int_equal(test_deploy_create(&D, "kill9", cfg), 0);
	json_decref(cfg);
	snprintf(cmd, sizeof(cmd),
	         "printf 'motdepasse-durable-42\\n' | " SOCLE_BINARY_DIR "/socle user add --config %s"
	         " --service k --email admin@k.test --role service_admin", D.config_path);
	assert_int_equal(fs_run(cmd, &out), 0);
	free(out);

	srand(42);
	int total = 0;
	for (int round = 0; round < ROUNDS; round++) {
		static struct writer w;
		pthread_t th[2];

		assert_int_equal(test_server_start_deploy(&s, &D), 0);
		free(auth_header);
		auth_header = login(s.port);
		memset(&w, 0, sizeof(w));
		w.port = s.port;
		pthread_create(&th[0], NULL, writer_main, &w);
		usleep(50000 + (useconds_t)(rand() % 300000));
		test_server_kill(&s);
		atomic_store(&w.stop, true);
		pthread_join(th[0], NULL);
		(void)th[1];
		int n = atomic_load(&w.n_acked);
		total += n;
		check_database(w.acked, n);
	}
	printf("kill -9 rounds: %d, acknowledged writes checked: %d\n", ROUNDS, total);
	/* The writes really happened, and the server restarts on the same data. */
	assert_true(total > ROUNDS);
	assert_int_equal(test_server_start_deploy(&s, &D), 0);
	assert_int_equal(test_server_stop(&s, 10000), 0);
	free(auth_header);
	auth_header = NULL;
	test_deploy_remove(&D);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_keeps_acknowledged_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
