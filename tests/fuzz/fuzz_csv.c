/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Harness: the membership plugin's workforce CSV import, in two layers.
 *
 * 1. The RFC 4180 parser (membership_csv_parse) alone: records come in line
 *    order, each field is UTF-8 text (the file was checked), and a malformed
 *    file is refused with its line and a French reason that is UTF-8.
 * 2. The whole import (membership_import_csv: header, cells, the per-line
 *    worker checks, duplicates, the upsert) on an in-process deployment opened
 *    once (a member company holding one worker, a frozen clock), inside a
 *    write transaction always rolled back, so each input meets the same base.
 *    An import that fails lists its errors, each with a field, a line and a
 *    message, and a file the parser refuses is reported at the parser's line;
 *    a clean import answers its summary and no errors.
 *
 * Input: the file's bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "core.h"
#include "core_world.h"
#include "fsutil.h"
#include "fuzz.h"
#include "membership.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;

static struct {
	char *dir;
	socle_core *core;
	socle_service *svc;
	int64_t company;
} W;

static int seed_tx(socle_db *wdb, void *ud, socle_err *err)
{
	int64_t *id = ud;
	int rc = socle_db_run(wdb,
		"INSERT INTO membership_company (reference, status, siret, siren, legal_name, naf_code,"
		" naf_version, headcount, address_line, postcode, city, contact_name, contact_email,"
		" contact_phone, exposures, followup_counts, prevention_answers, payment_mode,"
		" created_at, updated_at) VALUES ('T-FUZZ', 'member', '73282932000074', '732829320',"
		" 'Boulangerie Fuzz', '10.71C', 'NAFrev2', 5, '1 rue du Four', '75001', 'Paris',"
		" 'C. Test', 'c@test.fr', '0102030405', '[]', '{}', '{}', 'transfer', 0, 0)", NULL, err);

	if (rc < 0)
		return rc;
	*id = socle_db_last_insert_id(wdb);
	/* one stored worker: lines naming E001 are updates, checked against it */
	static const char first[] =
		"external_ref;last_name;first_name;birth_date;job_title;contract_type;start_date\n"
		"E001;Martin;Louise;1985-04-12;Boulangère;cdi;2019-09-01\n";
	json_t *errors = NULL, *summary = NULL;

	rc = membership_import_csv(wdb, socle_db_service(wdb), *id, first, strlen(first), &errors,
	                           &summary, err);
	json_decref(errors);
	json_decref(summary);
	return rc;
}

static void world_close(void)
{
	test_core_close(W.core, W.dir);
	W.core = NULL;
	W.dir = NULL;
}

static void world_open(void)
{
	static const struct socle_plugin_desc *const statics[] = {&socle_plugin_entry_membership,
	                                                           NULL};
	socle_err err = SOCLE_ERR_INIT;

	if (W.core != NULL)
		return;
	W.dir = fs_tempdir("fuzz-csv");
	W.core = test_core_open(W.dir,
		"{\"listen\": \"127.0.0.1\", \"port\": 0, \"plugin_dirs\": [],"
		" \"clock\": \"2025-11-03T09:00:00Z\","
		" \"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
		"   \"plugins\": {\"membership\": {}}}]}",
		statics);
	FUZZ_CHECK(W.core != NULL);
	W.svc = socle_core_service(W.core, "demo");
	FUZZ_CHECK(socle_service_write(W.svc, seed_tx, &W.company, &err) == 0);
	atexit(world_close);
}

/* ---- layer 1: the parser ---- */

struct parsed {
	size_t records, last_line;
	size_t header_fields;
};

static int on_record(void *ud, size_t line, char **fields, size_t n)
{
	struct parsed *p = ud;

	FUZZ_CHECK(n >= 1);
	FUZZ_CHECK(line >= 1 && line > p->last_line);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(fields[i] != NULL && fuzz_utf8(fields[i]));
	if (p->records == 0)
		p->header_fields = n;
	p->records++;
	p->last_line = line;
	return 0;
}

static size_t lines_in(const char *s, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= len || s[i + 1] != '\n')))
			n++;
	return n;
}

/* ---- layer 2: the import, rolled back ---- */

#define ROLLBACK (-4242)

struct import_call {
	const char *csv;
	size_t len;
	int rc;
	socle_err err;
	json_t *errors, *summary;
};

static int import_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct import_call *c = ud;

	(void)err;
	c->rc = membership_import_csv(wdb, socle_db_service(wdb), W.company, c->csv, c->len,
	                              &c->errors, &c->summary, &c->err);
	return ROLLBACK;
}

static bool has_error_at(const json_t *errors, size_t line, const char *needle)
{
	size_t i;
	const json_t *e;

	json_array_foreach(errors, i, e) {
		const char *m = json_string_value(json_object_get(e, "message"));

		if ((size_t)json_integer_value(json_object_get(e, "line")) == line && m &&
		    strstr(m, needle) != NULL)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *csv = (const char *)data;
	struct parsed p = {0};
	char sep = 0, why[256] = "";
	size_t bad_line = 0;
	int prc = membership_csv_parse(csv, size, on_record, &p, &sep, &bad_line, why, sizeof(why));

	if (prc == 0) {
		FUZZ_CHECK(p.records <= lines_in(csv, size));
	} else {
		FUZZ_CHECK(prc == SOCLE_E_INVAL);
		FUZZ_CHECK(bad_line >= 1 && bad_line <= lines_in(csv, size));
		FUZZ_CHECK(why[0] != '\0' && fuzz_utf8(why));
	}

	world_open();
	struct import_call c = {.csv = csv, .len = size};
	socle_err err = SOCLE_ERR_INIT;

	FUZZ_CHECK(socle_service_write(W.svc, import_tx, &c, &err) == ROLLBACK);
	if (getenv("FUZZ_VERBOSE") != NULL) {
		char *e = c.errors ? json_dumps(c.errors, 0) : NULL;
		char *s = c.summary ? json_dumps(c.summary, 0) : NULL;

		fprintf(stderr, "import : %d %s %s\n", c.rc, e ? e : "", s ? s : "");
		free(e);
		free(s);
	}
	if (c.rc == 0) {
		FUZZ_CHECK(prc == 0 && p.records >= 1);
		FUZZ_CHECK(c.errors == NULL && json_is_object(c.summary));
		FUZZ_CHECK((size_t)json_integer_value(json_object_get(c.summary, "lines")) ==
		           p.records - 1);
	} else {
		FUZZ_CHECK(c.summary == NULL);
		FUZZ_CHECK(c.rc == SOCLE_E_INVAL);
		FUZZ_CHECK(fuzz_utf8(c.err.msg));
		/* refused: every error says where and what, and there is at least one */
		FUZZ_CHECK(json_is_array(c.errors) && json_array_size(c.errors) > 0);
		size_t i;
		const json_t *e;

		json_array_foreach(c.errors, i, e) {
			FUZZ_CHECK(json_is_string(json_object_get(e, "field")));
			FUZZ_CHECK(json_is_integer(json_object_get(e, "line")));
			const char *m = json_string_value(json_object_get(e, "message"));

			FUZZ_CHECK(m != NULL && m[0] != '\0');
		}
		if (prc != 0)
			FUZZ_CHECK(has_error_at(c.errors, bad_line, "mal formé"));
	}
	json_decref(c.errors);
	json_decref(c.summary);
	return 0;
}
