/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The kill -9 test: a child process commits 5-row transactions in a loop and
 * writes each transaction id to a pipe once socle_service_write() returned 0;
 * the parent kills it with SIGKILL at a random moment, reopens the database
 * and checks that integrity_check passes, that every acknowledged transaction
 * is present, and that no transaction is partial (0 or 5 rows, and its event
 * with it). Some rounds kill the child while it is still opening the store, so
 * recovery itself gets interrupted too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"
#include "store_fixture.h"

#define ROUNDS 20
#define ROWS_PER_TXN 5
#define MAX_ACKED 2000000

static const struct socle_migration kill_migrations[] = {
	{1, "CREATE TABLE kt (txn INTEGER NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, "
	    "PRIMARY KEY (txn, seq))"},
};

static int write_txn(socle_db *wdb, void *ud, socle_err *err)
{
	int64_t txn = *(int64_t *)ud;
	json_t *p;
	int rc;

	for (int seq = 0; seq < ROWS_PER_TXN; seq++) {
		socle_stmt *st = socle_db_prepare(wdb, "INSERT INTO kt (txn, seq, body) "
		                                       "VALUES (:txn, :seq, :body)", err);

		if (st == NULL)
			return SOCLE_E_STORE;
		socle_stmt_bind_int(st, ":txn", txn);
		socle_stmt_bind_int(st, ":seq", seq);
		socle_stmt_bind_text(st, ":body", "ligne d'une transaction qui doit rester entière");
		rc = socle_stmt_step(st, err);
		socle_stmt_release(st);
		if (rc < 0)
			return rc;
	}
	p = json_pack("{s:I}", "txn", (json_int_t)txn);
	rc = socle_event_emit(wdb, "kill.ticked", p, err);
	json_decref(p);
	return rc;
}

static int64_t max_txn(socle_service *svc)
{
	socle_db *r = socle_service_reader(svc, NULL);
	socle_stmt *st = r != NULL ? socle_db_prepare(r, "SELECT coalesce(max(txn), 0) FROM kt",
	                                              NULL)
	                           : NULL;
	int64_t v = -1;

	if (st != NULL && socle_stmt_step(st, NULL) == 1)
		v = socle_stmt_int(st, 0);
	socle_stmt_release(st);
	return v;
}

/* The child: no cmocka here, failures exit with a status the parent checks. */
static SOCLE_NORETURN void child_main(struct fixture *f, int fd)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t txn;

	if (store_open(f->svc, &err) != 0 || store_migrate(f->svc, &err) != 0) {
		fprintf(stderr, "child: open: %s\n", err.msg);
		_exit(3);
	}
	txn = max_txn(f->svc);
	if (txn < 0)
		_exit(4);
	for (;;) {
		txn++;
		if (socle_service_write(f->svc, write_txn, &txn, &err) != 0) {
			fprintf(stderr, "child: write %lld: %s\n", (long long)txn, err.msg);
			_exit(5);
		}
		if (write(fd, &txn, sizeof(txn)) != (ssize_t)sizeof(txn))
			_exit(6);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Read the acknowledged ids until EOF (the child is dead by then). */
static size_t drain(int fd, int64_t *acked, size_t n)
{
	int64_t id;
	ssize_t got;

	while ((got = read(fd, &id, sizeof(id))) == (ssize_t)sizeof(id))
		if (n < MAX_ACKED)
			acked[n++] = id;
	assert_true(got == 0);
	return n;
}

static void verify(struct fixture *f, const int64_t *acked, size_t n_acked)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *r;
	socle_stmt *st;
	int64_t txns, events;

	if (store_integrity_check(f->db_path, &err) != 0)
		fail_msg("integrity: %s", err.msg);
	if (store_open(f->svc, &err) != 0)
		fail_msg("reopen: %s", err.msg);
	r = socle_service_reader(f->svc, &err);
	assert_non_null(r);
	/* No partial transaction. */
	assert_int_equal(fixture_int(f, "SELECT count(*) FROM (SELECT txn FROM kt GROUP BY txn "
	                                "HAVING count(*) <> 5) AS partial"),
	                 0);
	/* Each transaction's event committed with it. */
	txns = fixture_int(f, "SELECT count(DISTINCT txn) FROM kt");
	events = fixture_int(f, "SELECT count(*) FROM core_event WHERE name = 'kill.ticked'");
	assert_int_equal(txns, events);
	/* Every acknowledged transaction is there. */
	st = socle_db_prepare(r, "SELECT count(*) FROM kt WHERE txn = :txn", &err);
	assert_non_null(st);
	for (size_t i = 0; i < n_acked; i++) {
		socle_stmt_bind_int(st, ":txn", acked[i]);
		assert_int_equal(socle_stmt_step(st, &err), 1);
		if (socle_stmt_int(st, 0) != ROWS_PER_TXN)
			fail_msg("acknowledged transaction %lld has %lld rows", (long long)acked[i],
			         (long long)socle_stmt_int(st, 0));
		sqlite3_reset(st->h);
	}
	socle_stmt_release(st);
	store_close(f->svc);
}

static void test_kill9(void **state)
{
	struct fixture *f;
	socle_err err = SOCLE_ERR_INIT;
	int64_t *acked = calloc(MAX_ACKED, sizeof(int64_t));
	size_t n_acked = 0;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	struct reg_migrations rec = {.owner = NULL, .owner_name = "killtest",
	                             .list = kill_migrations, .count = 1};

	(void)state;
	assert_non_null(acked);
	f = fixture_new(0);
	assert_int_equal(registry_add_migrations(&f->core->reg, &rec), 0);
	print_message("seed %u\n", seed);
	srand(seed);
	for (int round = 0; round < ROUNDS; round++) {
		int fds[2], status;
		pid_t pid;
		size_t before = n_acked;

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child_main(f, fds[1]);
		}
		close(fds[1]);
		if (round % 5 == 4) {
			/* Kill early: during open, recovery or migration. */
			sleep_ms(rand() % 30);
		} else {
			int64_t first;

			/* Wait for a first acknowledged write, then kill at random. */
			if (read(fds[0], &first, sizeof(first)) == (ssize_t)sizeof(first))
				acked[n_acked++] = first;
			sleep_ms(5 + rand() % 150);
		}
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("child ended on its own (status %d) in round %d", status, round);
		n_acked = drain(fds[0], acked, n_acked);
		close(fds[0]);
		print_message("round %d: %zu acknowledged\n", round, n_acked - before);
		verify(f, acked, n_acked);
	}
	assert_true(n_acked > 0);
	/* And the database keeps working afterwards. */
	assert_int_equal(store_open(f->svc, &err), 0);
	assert_int_equal(store_migrate(f->svc, &err), 0);
	fixture_free(f);
	free(acked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9),
	};

	return cmocka_run_group_tests_name("store_kill", tests, NULL, NULL);
}
