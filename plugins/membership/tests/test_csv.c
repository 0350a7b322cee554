/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The workforce CSV: the RFC 4180 parser (quotes, escaped quotes, ';' or ','
 * detected from the header, BOM, CRLF/LF/CR, malformed files with their line),
 * then the import on a core opened in-process: a file with errors reports
 * every one with its line and column and stores nothing; the clean file
 * imports; the same file again changes nothing; a changed line is an update
 * with its history; workers absent from the file stay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "core.h"
#include "core_world.h"
#include "fsutil.h"
#include "membership.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;

/* ---- parser ---- */

struct rows {
	json_t *all; /* [[line, f1, f2...], ...] */
};

static int collect(void *ud, size_t line, char **fields, size_t n)
{
	struct rows *r = ud;
	json_t *row = json_pack("[I]", (json_int_t)line);

	for (size_t i = 0; i < n; i++)
		json_array_append_new(row, json_string(fields[i]));
	json_array_append_new(r->all, row);
	return 0;
}

/* Parse @p text and compare with @p expect (JSON text of the rows). */
static void parses_to(const char *text, size_t len, char sep, const char *expect)
{
	struct rows r = {.all = json_array()};
	char got_sep = 0, why[256] = "";
	size_t bad = 0;
	int rc = membership_csv_parse(text, len, collect, &r, &got_sep, &bad, why, sizeof(why));

	if (rc != 0)
		fail_msg("parse: %s (ligne %zu)", why, bad);
	json_t *want = json_loads(expect, 0, NULL);
	assert_non_null(want);
	if (!json_equal(want, r.all)) {
		char *g = json_dumps(r.all, 0);
		fail_msg("attendu %s\nobtenu  %s", expect, g);
	}
	assert_int_equal(got_sep, sep);
	json_decref(want);
	json_decref(r.all);
}

static void fails_at(const char *text, size_t len, size_t line, const char *needle)
{
	struct rows r = {.all = json_array()};
	char why[256] = "";
	size_t bad = 0;

	assert_int_equal(membership_csv_parse(text, len, collect, &r, NULL, &bad, why, sizeof(why)),
	                 SOCLE_E_INVAL);
	assert_int_equal(bad, line);
	if (strstr(why, needle) == NULL)
		fail_msg("« %s » ne contient pas « %s »", why, needle);
	json_decref(r.all);
}

#define S(lit) lit, sizeof(lit) - 1

static void test_parse_separators(void **state)
{
	(void)state;
	parses_to(S("a;b;c\n1;2;3\n"), ';', "[[1,\"a\",\"b\",\"c\"],[2,\"1\",\"2\",\"3\"]]");
	parses_to(S("a,b,c\n1,2,3"), ',', "[[1,\"a\",\"b\",\"c\"],[2,\"1\",\"2\",\"3\"]]");
	/* A header with commas inside quotes and semicolons between fields. */
	parses_to(S("\"a,x\";b\n1;2\n"), ';', "[[1,\"a,x\",\"b\"],[2,\"1\",\"2\"]]");
	/* Data lines may hold the other separator freely. */
	parses_to(S("a;b\n1,5;2\n"), ';', "[[1,\"a\",\"b\"],[2,\"1,5\",\"2\"]]");
	parses_to(S("solo\nx\n"), ';', "[[1,\"solo\"],[2,\"x\"]]");
}

static void test_parse_quotes(void **state)
{
	(void)state;
	parses_to(S("a;b\n\"Dupont; fils\";\"il dit \"\"bonjour\"\"\"\n"), ';',
	          "[[1,\"a\",\"b\"],[2,\"Dupont; fils\",\"il dit \\\"bonjour\\\"\"]]");
	/* A quoted field over two lines: the next record starts on line 4. */
	parses_to(S("a;b\n\"ligne 1\nligne 2\";x\ny;z\n"), ';',
	          "[[1,\"a\",\"b\"],[2,\"ligne 1\\nligne 2\",\"x\"],[4,\"y\",\"z\"]]");
	parses_to(S("a;b\n\"\";\"\"\"\"\n"), ';', "[[1,\"a\",\"b\"],[2,\"\",\"\\\"\"]]");
	/* Empty last field, trailing separator. */
	parses_to(S("a;b\n1;\n"), ';', "[[1,\"a\",\"b\"],[2,\"1\",\"\"]]");
}

static void test_parse_line_ends_bom_blank(void **state)
{
	(void)state;
	parses_to(S("\xEF\xBB\xBF" "nom;prénom\r\nÉlise;Zoé\r\n"), ';',
	          "[[1,\"nom\",\"prénom\"],[2,\"Élise\",\"Zoé\"]]");
	parses_to(S("a;b\r1;2\r"), ';', "[[1,\"a\",\"b\"],[2,\"1\",\"2\"]]");
	/* Blank lines and lines of empty cells are skipped; lines keep counting. */
	parses_to(S("a;b\n\n;\n1;2\n\n"), ';', "[[1,\"a\",\"b\"],[4,\"1\",\"2\"]]");
	parses_to(S("a;b\r\n\"x\r\ny\";2\r\nz;3"), ';',
	          "[[1,\"a\",\"b\"],[2,\"x\\r\\ny\",\"2\"],[4,\"z\",\"3\"]]");
}

static void test_parse_malformed(void **state)
{
	(void)state;
	fails_at(S("a;b\n1;\"ouvert\n2;3\n"), 2, "jamais refermé");
	fails_at(S("a;b\n1;2\n\"x\"y;3\n"), 3, "après un guillemet fermant");
	fails_at(S("a;b\n1;ab\"c\n"), 2, "guillemet");
	fails_at(S("a;b\n1;2\nDupont;\xE9t\xE9\n"), 3, "UTF-8");   /* Latin-1 from old Excel */
	fails_at(S("a;b\n1;\xC3\n"), 2, "UTF-8");                   /* truncated sequence */
	fails_at("a;b\n1;\0\n", 7, 2, "nul");
}

/* ---- import on an in-process core ---- */

static struct {
	char *dir;
	socle_core *core;
	socle_service *svc;
	int64_t company;
} W;

static int company_tx(socle_db *wdb, void *ud, socle_err *err)
{
	int64_t *id = ud;
	int rc = socle_db_run(wdb,
		"INSERT INTO membership_company (reference, status, siret, siren, legal_name, naf_code,"
		" naf_version, headcount, address_line, postcode, city, contact_name, contact_email,"
		" contact_phone, exposures, followup_counts, prevention_answers, payment_mode,"
		" created_at, updated_at) VALUES ('T-CSV', 'member', '73282932000074', '732829320',"
		" 'Boulangerie Test', '10.71C', 'NAFrev2', 5, '1 rue du Four', '75001', 'Paris',"
		" 'C. Test', 'c@test.fr', '0102030405', '[]', '{}', '{}', 'transfer', 0, 0)", NULL, err);

	*id = socle_db_last_insert_id(wdb);
	return rc < 0 ? rc : 0;
}

static int setup_core(void **state)
{
	static const struct socle_plugin_desc *const statics[] = {&socle_plugin_entry_membership,
	                                                           NULL};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	W.dir = fs_tempdir("membership-csv");
	W.core = test_core_open(W.dir,
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [],"
	         " \"clock\": \"2025-11-03T09:00:00Z\","
	         " \"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
	         "   \"plugins\": {\"membership\": {}}}]}",
	                        statics);
	if (W.core == NULL)
		return -1;
	W.svc = socle_core_service(W.core, "demo");
	return socle_service_write(W.svc, company_tx, &W.company, &err);
}

static int teardown_core(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	return 0;
}

struct import_args {
	const char *csv;
	json_t *errors, *summary;
};

static int import_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct import_args *a = ud;

	return membership_import_csv(wdb, socle_db_service(wdb), W.company, a->csv, strlen(a->csv),
	                             &a->errors, &a->summary, err);
}

static int64_t count(const char *sql)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *p = json_pack("{s:I}", "company", (json_int_t)W.company);
	json_t *r = socle_db_query_one(socle_service_reader(W.svc, &err), sql, p, &err);

	json_decref(p);
	if (r == NULL)
		fail_msg("%s", err.msg);
	int64_t n = json_integer_value(json_object_get(r, "n"));
	json_decref(r);
	return n;
}

#define WORKERS "SELECT COUNT(*) AS n FROM membership_worker WHERE company_id = :company"
#define HISTORY "SELECT COUNT(*) AS n FROM membership_worker_history WHERE company_id = :company"

/* Has the error list an entry for (line, column) whose message holds @p needle? */
static bool has_error(const json_t *errors, json_int_t line, const char *column, const char *needle)
{
	size_t i;
	json_t *e;

	json_array_foreach(errors, i, e) {
		const char *col = json_string_value(json_object_get(e, "column"));

		if (json_integer_value(json_object_get(e, "line")) == line &&
		    ((column == NULL && col == NULL) || (column && col && strcmp(col, column) == 0)) &&
		    strstr(json_string_value(json_object_get(e, "message")), needle) != NULL)
			return true;
	}
	return false;
}

static const char clean_csv[] =
	"\xEF\xBB\xBF" "external_ref;last_name;first_name;birth_date;job_title;contract_type;"
	"start_date;working_time;night_worker;exposures;caces_or_electrical\r\n"
	"E001;Martin;Louise;12/04/1985;Boulangère;CDI;2019-09-01;100;non;;non\r\n"
	"E002;\"Durand; fils\";Paul;1999-01-31;Livreur;cdd;2025-06-01;80 %;oui;;oui\r\n"
	"E003;Bernard;Inès;2008-05-10;Apprentie vendeuse;Apprentissage;2025-09-01;;non;;non\r\n"
	"E004;Petit;Jules;1970-07-14;Désamianteur;intérim;2025-10-15;100;non;amiante|cmr;non\r\n";

static void test_import_errors_then_clean_then_idempotent(void **state)
{
	(void)state;
	/* Every error, with its line and column; nothing stored. */
	struct import_args bad = {.csv =
		"external_ref;last_name;first_name;birth_date;job_title;contract_type;start_date;"
		"working_time;night_worker;exposures;couleur\n"
		"E001;Martin;Louise;31/02/1985;Boulangère;CDI;2019-09-01;100;non;;\n"
		"E002;;Paul;1999-01-31;Livreur;stage;2025-06-01;120;peut-être;radon;\n"
		"E001;Durand;Ana;1990-01-01;Vendeuse;cdi;2019-09-01;;;;\n"
		"E004;Petit;Jules;1970-07-14;Peintre;cdi;1975-01-01;;;;\n"
		"E005;trop;court\n"};
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(W.svc, import_tx, &bad, &err);

	assert_int_equal(rc, SOCLE_E_INVAL);
	assert_non_null(bad.errors);
	assert_true(has_error(bad.errors, 1, NULL, "couleur"));
	assert_true(has_error(bad.errors, 2, "birth_date", "AAAA-MM-JJ"));
	assert_true(has_error(bad.errors, 3, "last_name", "obligatoire"));
	assert_true(has_error(bad.errors, 3, "contract_type", "cdi"));
	assert_true(has_error(bad.errors, 3, "working_time", "100"));
	assert_true(has_error(bad.errors, 3, "night_worker", "oui"));
	assert_true(has_error(bad.errors, 3, "exposures", "radon"));
	assert_true(has_error(bad.errors, 4, "external_ref", "ligne 2"));
	assert_true(has_error(bad.errors, 5, "start_date", "14 ans"));
	assert_true(has_error(bad.errors, 6, NULL, "colonnes"));
	/* The field name people read: "ligne 3, contract_type". */
	size_t i;
	json_t *e;
	bool named = false;
	json_array_foreach(bad.errors, i, e)
		named = named || strcmp(json_string_value(json_object_get(e, "field")),
		                        "ligne 3, contract_type") == 0;
	assert_true(named);
	json_decref(bad.errors);
	assert_int_equal(count(WORKERS), 0);
	assert_int_equal(count(HISTORY), 0);

	/* The clean file. */
	struct import_args ok = {.csv = clean_csv};
	rc = socle_service_write(W.svc, import_tx, &ok, &err);
	if (rc != 0)
		fail_msg("%s %s", err.msg, ok.errors ? json_dumps(ok.errors, 0) : "");
	assert_int_equal(json_integer_value(json_object_get(ok.summary, "created")), 4);
	assert_int_equal(json_integer_value(json_object_get(ok.summary, "unchanged")), 0);
	json_decref(ok.summary);
	assert_int_equal(count(WORKERS), 4);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM membership_worker WHERE company_id = :company"
	                       " AND external_ref = 'E004' AND category = 'SIR'"
	                       " AND contract_type = 'interim' AND exposures = '[\"amiante\",\"cmr\"]'"),
	                 1);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM membership_worker WHERE company_id = :company"
	                       " AND external_ref = 'E001' AND birth_date = '1985-04-12'"),
	                 1);
	/* CACES after 1 Oct 2025 and night work: SIA with the attestation. */
	assert_int_equal(count("SELECT COUNT(*) AS n FROM membership_worker WHERE company_id = :company"
	                       " AND external_ref = 'E002' AND category = 'SIA' AND working_time = 80"
	                       " AND category_attestation = 1 AND last_name = 'Durand; fils'"),
	                 1);
	/* The apprentice is 17: SIA. */
	assert_int_equal(count("SELECT COUNT(*) AS n FROM membership_worker WHERE company_id = :company"
	                       " AND external_ref = 'E003' AND category = 'SIA'"),
	                 1);
	int64_t history = count(HISTORY);
	int64_t events = count("SELECT COUNT(*) AS n FROM core_event WHERE :company > 0");

	/* The same file again: nothing changes, nothing is written. */
	struct import_args again = {.csv = clean_csv};
	assert_int_equal(socle_service_write(W.svc, import_tx, &again, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(again.summary, "created")), 0);
	assert_int_equal(json_integer_value(json_object_get(again.summary, "updated")), 0);
	assert_int_equal(json_integer_value(json_object_get(again.summary, "unchanged")), 4);
	json_decref(again.summary);
	assert_int_equal(count(HISTORY), history);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM core_event WHERE :company > 0"), events);

	/* A change of post on one line, E004 absent, a column absent (kept). */
	struct import_args change = {.csv =
		"external_ref,last_name,first_name,birth_date,job_title,contract_type,start_date\n"
		"E001,Martin,Louise,1985-04-12,Cheffe boulangère,cdi,2019-09-01\n"
		"E002,\"Durand; fils\",Paul,1999-01-31,Livreur,cdd,2025-06-01\n"
		"E003,Bernard,Inès,2008-05-10,Apprentie vendeuse,apprentissage,2025-09-01\n"};
	assert_int_equal(socle_service_write(W.svc, import_tx, &change, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(change.summary, "updated")), 1);
	assert_int_equal(json_integer_value(json_object_get(change.summary, "unchanged")), 2);
	assert_int_equal(json_integer_value(json_object_get(change.summary, "absent_not_exited")), 1);
	json_decref(change.summary);
	assert_int_equal(count(HISTORY), history + 1);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM membership_worker_history h"
	                       " JOIN membership_worker w ON w.id = h.worker_id"
	                       " WHERE h.company_id = :company AND w.external_ref = 'E001'"
	                       " AND h.kind = 'post_changed' AND h.source = 'import'"),
	                 1);
	/* Columns absent from the header kept their values. */
	assert_int_equal(count("SELECT COUNT(*) AS n FROM membership_worker WHERE company_id = :company"
	                       " AND external_ref = 'E002' AND working_time = 80 AND night_worker = 1"),
	                 1);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM membership_worker WHERE company_id = :company"
	                       " AND end_date IS NULL"),
	                 4);

	/* An exit through the file. */
	struct import_args leave = {.csv =
		"external_ref;last_name;first_name;birth_date;job_title;contract_type;start_date;end_date\n"
		"E003;Bernard;Inès;2008-05-10;Apprentie vendeuse;apprentissage;2025-09-01;31/10/2025\n"};
	assert_int_equal(socle_service_write(W.svc, import_tx, &leave, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(leave.summary, "updated")), 1);
	json_decref(leave.summary);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM core_event WHERE name = 'worker.left'"
	                       " AND :company > 0"),
	                 1);
}

/* The header as an employer's spreadsheet writes it: French names, accents,
 * capitals and spaces; the errors name the columns as the file does. */
static void test_import_french_header(void **state)
{
	static const char header[] =
		"Matricule;Nom;Pr\xc3\xa9" "nom;Date de naissance;Poste;Type contrat;"
		"Date d\xe2\x80\x99" "embauche;Travailleur de nuit\r\n";
	char csv[512];
	struct import_args bad = {.csv = csv};
	socle_err err = SOCLE_ERR_INIT;
	int64_t before = count(WORKERS);
	(void)state;

	snprintf(csv, sizeof(csv), "%sF001;Roux;Zo\xc3\xa9;1988-13-01;Vendeuse;CDI;2024-02-01;non\r\n",
	         header);
	assert_int_equal(socle_service_write(W.svc, import_tx, &bad, &err), SOCLE_E_INVAL);
	assert_true(has_error(bad.errors, 2, "Date de naissance", "AAAA-MM-JJ"));
	json_decref(bad.errors);
	assert_int_equal(count(WORKERS), before);

	snprintf(csv, sizeof(csv), "%sF001;Roux;Zo\xc3\xa9;1988-12-01;Vendeuse;CDI;2024-02-01;oui\r\n",
	         header);
	struct import_args good = {.csv = csv};
	assert_int_equal(socle_service_write(W.svc, import_tx, &good, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(good.summary, "created")), 1);
	json_decref(good.summary);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM membership_worker WHERE company_id ="
	                       " :company AND external_ref = 'F001' AND first_name = 'Zo\xc3\xa9'"
	                       " AND night_worker = 1"),
	                 1);

	/* A required column missing is named in French first. */
	struct import_args missing = {.csv = "Matricule;Nom\nF002;Roux\n"};
	assert_int_equal(socle_service_write(W.svc, import_tx, &missing, &err), SOCLE_E_INVAL);
	assert_true(has_error(missing.errors, 1, "date_naissance", "birth_date"));
	json_decref(missing.errors);
}

static void test_import_refuses_non_member(void **state)
{
	struct import_args a = {.csv = clean_csv};
	socle_err err = SOCLE_ERR_INIT;
	int64_t saved = W.company;
	(void)state;

	W.company = 999999;
	assert_int_equal(socle_service_write(W.svc, import_tx, &a, &err), SOCLE_E_NOTFOUND);
	W.company = saved;
	assert_null(a.errors);
}

int main(void)
{
	const struct CMUnitTest parser[] = {
		cmocka_unit_test(test_parse_separators),
		cmocka_unit_test(test_parse_quotes),
		cmocka_unit_test(test_parse_line_ends_bom_blank),
		cmocka_unit_test(test_parse_malformed),
	};
	const struct CMUnitTest import[] = {
		cmocka_unit_test(test_import_errors_then_clean_then_idempotent),
		cmocka_unit_test(test_import_french_header),
		cmocka_unit_test(test_import_refuses_non_member),
	};
	int rc = cmocka_run_group_tests(parser, NULL, NULL);

	return rc + cmocka_run_group_tests(import, setup_core, teardown_core);
}
