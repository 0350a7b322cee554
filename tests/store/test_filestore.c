/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The core file store (socle/files.h): write then read, the same bytes kept
 * once, the order file-then-row enforced, one altered byte detected on read,
 * the retention date (the latest wins), and the backup that copies and
 * checks every file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <socle/files.h>

#include "clock.h"
#include "filestore.h"
#include "store.h"
#include "store_fixture.h"

static int setup(void **state)
{
	struct fixture *f = fixture_new(0);
	struct reg_migrations rec = {.owner = NULL, .owner_name = "core_files",
	                             .list = filestore_migrations,
	                             .count = filestore_migrations_count};

	assert_int_equal(registry_add_migrations(&f->core->reg, &rec), 0);
	clock_freeze(1767225600000); /* 2026-01-01 */
	fixture_open(f);
	fixture_exec(f, "CREATE TABLE doc (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL)");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	clock_thaw();
	return 0;
}

struct doc_write {
	const char *sha256;
	const char *keep_until;
	bool file_was_there; /* seen from inside the transaction, before the commit */
};

static int doc_insert(socle_db *wdb, void *ud, socle_err *err)
{
	struct doc_write *w = ud;
	char *path = socle_file_path(socle_db_service(wdb), w->sha256);
	struct stat sb;

	w->file_was_there = path != NULL && stat(path, &sb) == 0;
	free(path);
	json_t *p = json_pack("{s:s}", "h", w->sha256);
	int rc = socle_db_run_new(wdb, "INSERT INTO doc (sha256) VALUES (:h)", p, err);

	if (rc < 0)
		return rc;
	return socle_file_retain(wdb, w->sha256, w->keep_until, err);
}

static const char PDF[] = "%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

static void test_put_read(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	char h[SOCLE_FILE_HASH_HEX], h2[SOCLE_FILE_HASH_HEX];
	char *data = NULL;
	size_t len = 0;
	struct stat before, after;

	assert_int_equal(socle_file_put(f->svc, PDF, sizeof(PDF) - 1, h, &err), 0);
	/* sha256sum of the same bytes */
	assert_int_equal(strlen(h), 64);
	char *path = socle_file_path(f->svc, h);
	char want[PATH_MAX + 128];

	snprintf(want, sizeof(want), "%s.files/%.2s/%s", f->db_path, h, h);
	assert_string_equal(path, want);
	/* Durable and read-only before any row names it. */
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(before.st_mode & 0777, 0440);

	/* The row commits only with the file on disk, seen from inside the write. */
	struct doc_write w = {h, "2066-01-01", false};

	assert_int_equal(socle_service_write(f->svc, doc_insert, &w, &err), 0);
	assert_true(w.file_was_there);
	assert_int_equal(socle_file_read(f->svc, h, &data, &len, &err), 0);
	assert_int_equal(len, sizeof(PDF) - 1);
	assert_memory_equal(data, PDF, len);
	free(data);
	int64_t size = 0;

	assert_int_equal(socle_file_verify(f->svc, h, &size, &err), 0);
	assert_int_equal(size, sizeof(PDF) - 1);

	/* The same bytes again: the same hash, the same file, not rewritten. */
	assert_int_equal(socle_file_put(f->svc, PDF, sizeof(PDF) - 1, h2, &err), 0);
	assert_string_equal(h, h2);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);

	/* Retention: the latest date wins, an earlier one does not shorten it. */
	struct doc_write later = {h, "2070-06-30", false}, earlier = {h, "2030-01-01", false};

	assert_int_equal(socle_service_write(f->svc, doc_insert, &later, &err), 0);
	assert_int_equal(socle_service_write(f->svc, doc_insert, &earlier, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM core_file"), 1);
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM core_file WHERE keep_until = '2070-06-30'"
	         " AND size = %zu", sizeof(PDF) - 1);
	assert_int_equal(fixture_int(f, sql), 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM doc"), 3);
	free(path);
}

/* A row that names a file never written is refused and nothing commits: the
 * order "file durable, then row" cannot be skipped by a plugin. */
static void test_row_without_file_refused(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	struct doc_write w = {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	                      "2066-01-01", true};

	assert_int_equal(socle_service_write(f->svc, doc_insert, &w, &err), SOCLE_E_NOTFOUND);
	assert_false(w.file_was_there);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM doc"), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM core_file"), 0);
	/* Malformed hash and date. */
	err = (socle_err)SOCLE_ERR_INIT;
	w.sha256 = "../../etc/passwd";
	assert_int_equal(socle_service_write(f->svc, doc_insert, &w, &err), SOCLE_E_INVAL);
	char h[SOCLE_FILE_HASH_HEX];

	assert_int_equal(socle_file_put(f->svc, "x", 1, h, &err), 0);
	struct doc_write bad_date = {h, "2066-13-01", false};

	assert_int_equal(socle_service_write(f->svc, doc_insert, &bad_date, &err), SOCLE_E_INVAL);
	assert_null(socle_file_path(f->svc, "ABC"));
}

/* Change one byte of a stored file (as a disk or a hand would): every read
 * says so. */
static void corrupt_one_byte(const char *path, long at)
{
	assert_int_equal(chmod(path, 0640), 0);
	FILE *fp = fopen(path, "r+b");

	assert_non_null(fp);
	assert_int_equal(fseek(fp, at, SEEK_SET), 0);
	int c = fgetc(fp);

	assert_int_equal(fseek(fp, at, SEEK_SET), 0);
	fputc(c ^ 0x01, fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0440), 0);
}

static void test_corruption_detected(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	char h[SOCLE_FILE_HASH_HEX];
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(socle_file_put(f->svc, PDF, sizeof(PDF) - 1, h, &err), 0);
	char *path = socle_file_path(f->svc, h);

	corrupt_one_byte(path, 20);
	assert_int_equal(socle_file_read(f->svc, h, &data, &len, &err), SOCLE_E_IO);
	assert_null(data);
	assert_non_null(strstr(err.msg, "altéré"));
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(socle_file_verify(f->svc, h, NULL, &err), SOCLE_E_IO);
	/* A file gone is "not found", never empty bytes. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(unlink(path), 0);
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(socle_file_read(f->svc, h, &data, &len, &err), SOCLE_E_NOTFOUND);
	free(path);
}

static void test_backup_copies_and_verifies(void **state)
{
	struct fixture *f = *state;
	socle_err err = SOCLE_ERR_INIT;
	char h1[SOCLE_FILE_HASH_HEX], h2[SOCLE_FILE_HASH_HEX], orphan[SOCLE_FILE_HASH_HEX];
	char dest[PATH_MAX + 32], copy[PATH_MAX + 200];
	int copied = -1, checked = -1;
	struct stat sb;

	assert_int_equal(socle_file_put(f->svc, PDF, sizeof(PDF) - 1, h1, &err), 0);
	assert_int_equal(socle_file_put(f->svc, "PK\3\4 second", 11, h2, &err), 0);
	/* Written but never named by a committed row (a kill -9 between the two
	 * steps): not part of the backup. */
	assert_int_equal(socle_file_put(f->svc, "orphan", 6, orphan, &err), 0);
	struct doc_write w1 = {h1, "2066-01-01", false}, w2 = {h2, "2066-01-01", false};

	assert_int_equal(socle_service_write(f->svc, doc_insert, &w1, &err), 0);
	assert_int_equal(socle_service_write(f->svc, doc_insert, &w2, &err), 0);

	snprintf(dest, sizeof(dest), "%s/backup.db", f->dir);
	assert_int_equal(store_backup(f->svc, dest, &err), 0);
	assert_int_equal(filestore_backup(f->svc, dest, &copied, &err), 0);
	assert_int_equal(copied, 2);
	snprintf(copy, sizeof(copy), "%s.files/%.2s/%s", dest, h1, h1);
	assert_int_equal(stat(copy, &sb), 0);
	snprintf(copy, sizeof(copy), "%s.files/%.2s/%s", dest, orphan, orphan);
	assert_int_not_equal(stat(copy, &sb), 0);
	assert_int_equal(filestore_verify_all(dest, &checked, &err), 0);
	assert_int_equal(checked, 2);

	/* The backup's own check fails on a copy altered afterwards... */
	snprintf(copy, sizeof(copy), "%s.files/%.2s/%s", dest, h2, h2);
	corrupt_one_byte(copy, 3);
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(filestore_verify_all(dest, &checked, &err), SOCLE_E_IO);

	/* ...and a backup of an altered live file is refused. */
	char *live = socle_file_path(f->svc, h1);

	corrupt_one_byte(live, 0);
	err = (socle_err)SOCLE_ERR_INIT;
	snprintf(dest, sizeof(dest), "%s/backup2.db", f->dir);
	assert_int_equal(store_backup(f->svc, dest, &err), 0);
	assert_int_equal(filestore_backup(f->svc, dest, &copied, &err), SOCLE_E_IO);
	assert_non_null(strstr(err.msg, "altéré"));
	free(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_without_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corruption_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_copies_and_verifies, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
