/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The operator commands as an operator runs them: migrate, user add / passwd /
 * disable, backup (verified copy), and their refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fsutil.h"

#define SOCLE SOCLE_BINARY_DIR "/socle"

static char *dir, *cfg;

static int setup(void **state)
{
	(void)state;
	dir = fs_tempdir("cli");
	fs_write(dir, "socle.json",
	         "{\"plugin_dirs\": [\"" SOCLE_BINARY_DIR "/plugins\"],"
	         " \"services\": [{\"id\": \"svc\", \"name\": \"Service\", \"database\": \"svc.db\","
	         " \"plugins\": {\"hello\": {}}}]}");
	cfg = fs_join(dir, "socle.json");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fs_rmtree(dir);
	free(dir);
	free(cfg);
	return 0;
}

static char *last_out;

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	free(last_out);
	last_out = NULL;
	return fs_run(cmd, &last_out);
}

/* One integer from the service database. */
static long long db_int(const char *db_name, const char *sql)
{
	char *path = fs_join(dir, db_name);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return v;
}

static void test_migrate_creates_tables(void **state)
{
	(void)state;
	assert_int_equal(run(SOCLE " migrate --config %s", cfg), 0);
	assert_int_equal(db_int("svc.db", "SELECT count(*) FROM core_migration WHERE owner = 'hello'"), 1);
	/* Idempotent. */
	assert_int_equal(run(SOCLE " migrate --config %s", cfg), 0);
	assert_int_equal(db_int("svc.db", "SELECT count(*) FROM core_migration WHERE owner = 'hello'"), 1);
}

static void test_user_lifecycle(void **state)
{
	(void)state;
	assert_int_equal(run("printf 'mot-de-passe-tres-long\\n' | " SOCLE " user add --config %s"
	                     " --service svc --email Medecin@Svc.Test --role medecin --name 'Dr A'", cfg),
	                 0);
	assert_int_equal(db_int("svc.db", "SELECT role FROM core_user WHERE email = 'medecin@svc.test'"), 3);
	/* The same email again: refused with its own exit status. */
	assert_int_equal(run("printf 'mot-de-passe-tres-long\\n' | " SOCLE " user add --config %s"
	                     " --service svc --email medecin@svc.test --role medecin", cfg), 3);
	/* Weak password, unknown role, unknown service: refused, nothing written. */
	assert_int_not_equal(run("printf 'court\\n' | " SOCLE " user add --config %s --service svc"
	                         " --email x@svc.test --role iprp", cfg), 0);
	assert_non_null(strstr(last_out, "12"));
	assert_int_equal(run("printf 'mot-de-passe-tres-long\\n' | " SOCLE " user add --config %s"
	                     " --service svc --email y@svc.test --role chef", cfg), 2);
	assert_int_equal(run("printf 'mot-de-passe-tres-long\\n' | " SOCLE " user add --config %s"
	                     " --service nope --email y@svc.test --role iprp", cfg), 2);
	assert_int_equal(db_int("svc.db", "SELECT count(*) FROM core_user"), 1);

	/* passwd then disable, each audited. */
	fs_write(dir, "pw.txt", "un-autre-mot-de-passe\n");
	assert_int_equal(run(SOCLE " user passwd --config %s --service svc --email medecin@svc.test"
	                     " --password-file %s/pw.txt", cfg, dir), 0);
	assert_int_equal(run(SOCLE " user disable --config %s --service svc --email medecin@svc.test",
	                     cfg), 0);
	assert_int_equal(db_int("svc.db", "SELECT disabled FROM core_user WHERE email = 'medecin@svc.test'"), 1);
	assert_int_equal(db_int("svc.db", "SELECT count(*) FROM core_audit WHERE action IN"
	                        " ('user.create', 'user.password', 'user.disable')"), 3);
	assert_int_equal(run(SOCLE " user disable --config %s --service svc --email nobody@svc.test",
	                     cfg), 1);
}

static void test_backup_is_verified_copy(void **state)
{
	char *copy = fs_join(dir, "copie.db");
	(void)state;

	assert_int_equal(run(SOCLE " backup --config %s --service svc --to %s", cfg, copy), 0);
	assert_non_null(strstr(last_out, "integrity_check"));
	assert_int_equal(access(copy, R_OK), 0);
	assert_int_equal(db_int("copie.db", "SELECT count(*) FROM core_user"), 1);
	/* Refusals: unknown service, missing --to, the live database itself. */
	assert_int_equal(run(SOCLE " backup --config %s --service nope --to %s", cfg, copy), 2);
	assert_int_equal(run(SOCLE " backup --config %s --service svc", cfg), 2);
	assert_int_not_equal(run(SOCLE " backup --config %s --service svc --to %s/svc.db", cfg, dir), 0);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_creates_tables),
		cmocka_unit_test(test_user_lifecycle),
		cmocka_unit_test(test_backup_is_verified_copy),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	free(last_out);
	return rc;
}
