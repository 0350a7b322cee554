/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Issued documents through the real `socle serve`, with the membership
 * plugin's invoice as the first user (frozen clock 2026-03-16T09:30Z; two
 * services, "demo" with an identity and "autre"):
 *   - GET .../invoices/{iid}/document.pdf: the company's billing user gets an
 *     A4 PDF whose text pdftotext reads (identity, invoice, payment terms,
 *     "Page 1 sur 1", the number and verification code of issue); another
 *     company's employer gets 403, nobody without a session 401; the same
 *     download again is the same stored document;
 *   - GET /documents/verify/{code}, without a session: "issued" with the
 *     number and the day for the real code (typed in lower case without
 *     dashes too), "unknown" for a made-up one and on another service,
 *     nothing of the document's type or of the company; once the invoice is
 *     paid, its new PDF replaces the first, which the route then says;
 *   - issued PDFs live in the core file store (the row keeps the hash, no
 *     BLOB); one byte changed in the stored file: the download answers 500
 *     document_altered and the server logs it;
 *   - `socle backup` taken before that, restored with the service stopped:
 *     the issued PDF is served again;
 *   - unknown codes are throttled like failed logins: 429 with Retry-After. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fsutil.h"
#include "http_client.h"
#include "server.h"

#define PASSWORD "motdepasse-de-test-42"

static struct test_deploy D;
static struct test_server S;

static void cli(const char *args)
{
	char cmd[2048], *out = NULL;

	snprintf(cmd, sizeof(cmd),
	         "printf '%%s\\n' '" PASSWORD "' | " SOCLE_BINARY_DIR "/socle %s --config %s", args,
	         D.config_path);
	int rc = fs_run(cmd, &out);
	if (rc != 0)
		fprintf(stderr, "%s\n%s\n", cmd, out ? out : "");
	assert_int_equal(rc, 0);
	free(out);
}

static int setup(void **state)
{
	(void)state;
	json_t *cfg = json_pack(
		"{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:b, s:f}}, s:{s:s, s:s, s:s, s:s}},"
		" {s:s, s:s, s:s, s:{s:{s:b}}}]}",
		"plugin_dirs", SOCLE_BINARY_DIR "/plugins", "clock", "2026-03-16T09:30:00Z",
		"services",
		"id", "demo", "name", "Santé Travail Démo", "database", "demo.db", "plugins",
		"membership", "demo_data", 1, "fee_per_worker", 105.0, "identity", "legal_name",
		"Association Santé Travail Démo", "address", "3 place Bellecour\n69002 Lyon", "phone",
		"04 72 00 00 00", "public_url", "https://demo.example.fr",
		"id", "autre", "name", "Autre service", "database", "autre.db", "plugins", "membership",
		"demo_data", 1);
	if (test_deploy_create(&D, "documents-e2e", cfg) != 0)
		return -1;
	json_decref(cfg);
	cli("user add --service demo --email admin@demo.test --role service_admin");
	cli("user add --service demo --email patron@demo.test --role employer --company 1");
	cli("user add --service demo --email voisin@demo.test --role employer --company 2");
	return test_server_start_deploy(&S, &D);
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("SOCLE_TEST_KEEP")) {
		char *out = NULL, cmd[600];

		snprintf(cmd, sizeof(cmd), "tail -5 '%s/server.log'", D.dir);
		fs_run(cmd, &out);
		fprintf(stderr, "%s\n", out ? out : "");
		free(out);
	}
	int rc = test_server_stop(&S, 10000);
	test_deploy_remove(&D);
	return rc == 0 ? 0 : -1;
}

static char *login(const char *email)
{
	char *header;
	int status = 0;
	json_t *body = json_pack("{s:s, s:s}", "email", email, "password", PASSWORD);
	json_t *r = hc_json(S.port, "POST", "/api/v1/demo/auth/login", NULL, body, &status);

	json_decref(body);
	assert_int_equal(status, 200);
	assert_true(asprintf(&header, "Authorization: Bearer %s",
	                     json_string_value(json_object_get(r, "token"))) > 0);
	json_decref(r);
	return header;
}

static json_t *call(const char *auth, const char *method, const char *path, json_t *body,
                    int want)
{
	const char *headers[] = {auth, NULL};
	int status = 0;
	json_t *r = hc_json(S.port, method, path, auth ? headers : NULL, body, &status);

	json_decref(body);
	if (status != want) {
		char *dump = r ? json_dumps(r, 0) : NULL;

		fail_msg("%s %s : %d au lieu de %d : %s", method, path, status, want,
		         dump ? dump : "");
	}
	return r;
}

static void get(const char *auth, const char *path, struct hc_response *out)
{
	const char *headers[] = {auth, NULL};

	assert_int_equal(hc_request(S.port, "GET", path, auth ? headers : NULL, NULL, 0, out), 0);
}

/* pdftotext or pdfinfo of @p r's body. */
static char *poppler(const char *tool, const struct hc_response *r)
{
	char *file = fs_join(D.dir, "got.pdf"), cmd[600], *out = NULL;
	FILE *f = fopen(file, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(r->body, 1, r->body_len, f), r->body_len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s '%s' %s", tool, file,
	         strcmp(tool, "pdftotext") == 0 ? "-enc UTF-8 -" : "");
	assert_int_equal(fs_run(cmd, &out), 0);
	free(file);
	return out;
}

static json_t *verify(const char *service, const char *code)
{
	char path[200];
	int status = 0;

	snprintf(path, sizeof(path), "/api/v1/%s/documents/verify/%s", service, code);
	json_t *r = hc_json(S.port, "GET", path, NULL, NULL, &status);
	assert_int_equal(status, 200);
	return r;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* What the verification route may say, and nothing else. */
static void reveals_nothing(const json_t *r)
{
	static const char *const allowed[] = {"status", "service", "number", "issued_at",
	                                      "issued_on", "replaced", "replaced_on", "message"};
	const char *k;
	json_t *v;
	char *dump = json_dumps(r, 0);

	json_object_foreach((json_t *)r, k, v) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			ok |= strcmp(allowed[i], k) == 0;
		if (!ok)
			fail_msg("clé « %s » dans la réponse de vérification", k);
	}
	static const char *const secrets[] = {"nvoice", "acture", "embership", "oulangerie",
	                                      "company", "F-2026"};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(dump, secrets[i]))
			fail_msg("« %s » révélé : %s", secrets[i], dump);
	free(dump);
}

/* Change one byte of the stored file of document @p number: the file store
 * keeps it read-only under <database>.files/<2 hex>/<SHA-256>; the test makes
 * it writable, as an intruder or a failing disk would. */
static void change_one_byte(const char *number)
{
	char *db_path = fs_join(D.dir, "demo.db"), file[600];
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT pdf_sha256, pdf IS NULL FROM core_document"
	                                    " WHERE number = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *sha = (const char *)sqlite3_column_text(st, 0);
	assert_non_null(sha);
	assert_int_equal(sqlite3_column_int(st, 1), 1); /* no BLOB: only the hash */
	snprintf(file, sizeof(file), "%s.files/%.2s/%s", db_path, sha, sha);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(db_path);

	FILE *f;
	assert_int_equal(chmod(file, 0640), 0);
	assert_non_null(f = fopen(file, "r+b"));
	assert_int_equal(fseek(f, -100, SEEK_END), 0);
	int c = fgetc(f);
	assert_int_equal(fseek(f, -100, SEEK_END), 0);
	assert_int_equal(fputc(c ^ 0x20, f), c ^ 0x20);
	assert_int_equal(fclose(f), 0);
}

static char invoice_path[200];

static void test_invoice_pdf_and_verification(void **state)
{
	(void)state;
	char *admin = login("admin@demo.test"), *patron = login("patron@demo.test");
	char *voisin = login("voisin@demo.test"), path[200], code[32];
	struct hc_response r = {0};

	json_t *inv = call(admin, "POST", "/api/v1/demo/membership/companies/1/invoices",
	                   json_pack("{s:i}", "year", 2026), 201);
	long long iid = json_integer_value(json_object_get(inv, "id"));
	char number[32];
	snprintf(number, sizeof(number), "%s", str(inv, "number"));
	json_decref(inv);
	snprintf(path, sizeof(path),
	         "/api/v1/demo/membership/companies/1/invoices/%lld/document.pdf", iid);

	/* Access: as for the HTML invoice. */
	get(voisin, path, &r);
	assert_int_equal(r.status, 403);
	hc_response_free(&r);
	get(NULL, path, &r);
	assert_int_equal(r.status, 401);
	hc_response_free(&r);

	get(patron, path, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hc_header(&r, "Content-Type"), "application/pdf");
	assert_non_null(strstr(hc_header(&r, "Content-Disposition"), "facture-F-2026-"));
	char doc_number[32];
	snprintf(doc_number, sizeof(doc_number), "%s", hc_header(&r, "X-Document-Number"));
	assert_string_equal(doc_number, "2026-000001");
	char *info = poppler("pdfinfo", &r);
	assert_non_null(strstr(info, "595.276 x 841.89 pts (A4)"));
	assert_non_null(strstr(info, "Pages:           1"));
	free(info);
	char *text = poppler("pdftotext", &r);
	char want[160];
	snprintf(want, sizeof(want), "Facture %s", number);
	static const char *const wants[] = {
		"Association Santé Travail Démo", "3 place Bellecour", "Tél. 04 72 00 00 00",
		"Cotisation de l'exercice 2026", "Boulangerie", "SIRET", "Émise le", "16 mars 2026",
		"Désignation", "Total à payer : ", "À régler avant le", "15 avril 2026", "Conditions de paiement : à régler au plus tard le",
		"Page 1 sur 1", "Document n° 2026-000001 émis le 16 mars 2026",
		"https://demo.example.fr/api/v1/demo/documents/verify/",
	};
	assert_non_null(strstr(text, want));
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
		if (strstr(text, wants[i]) == NULL)
			fail_msg("« %s » absent :\n%s", wants[i], text);
	const char *c = strstr(text, "Code de vérification : ");
	assert_non_null(c);
	snprintf(code, sizeof(code), "%.24s", c + strlen("Code de vérification : "));
	free(text);
	size_t first_len = r.body_len;
	char *first = malloc(first_len);
	memcpy(first, r.body, first_len);
	hc_response_free(&r);

	/* Again: the same stored document, byte for byte. */
	get(patron, path, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hc_header(&r, "X-Document-Number"), doc_number);
	assert_int_equal(r.body_len, first_len);
	assert_memory_equal(r.body, first, first_len);
	hc_response_free(&r);
	free(first);

	/* The verification route, without a session. */
	json_t *v = verify("demo", code);
	assert_string_equal(str(v, "status"), "issued");
	assert_string_equal(str(v, "number"), doc_number);
	assert_string_equal(str(v, "issued_on"), "2026-03-16");
	assert_false(json_is_true(json_object_get(v, "replaced")));
	assert_non_null(strstr(str(v, "message"), "émis par Santé Travail Démo le 16 mars 2026"));
	reveals_nothing(v);
	json_decref(v);
	char typed[32];
	size_t n = 0;
	for (const char *p = code; *p; p++)
		if (*p != '-')
			typed[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	typed[n] = '\0';
	v = verify("demo", typed);
	assert_string_equal(str(v, "status"), "issued");
	json_decref(v);
	v = verify("demo", "ABCD-EFGH-JKMN-PQRS-TVWX");
	assert_string_equal(str(v, "status"), "unknown");
	reveals_nothing(v);
	json_decref(v);
	v = verify("autre", code); /* another service did not issue it */
	assert_string_equal(str(v, "status"), "unknown");
	json_decref(v);

	/* Paid: a new PDF replaces the first. */
	snprintf(want, sizeof(want), "/api/v1/demo/membership/companies/1/invoices/%lld/paid", iid);
	json_decref(call(admin, "POST", want, json_pack("{s:s}", "paid_on", "2026-03-16"), 200));
	get(patron, path, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hc_header(&r, "X-Document-Number"), "2026-000002");
	text = poppler("pdftotext", &r);
	assert_non_null(strstr(text, "acquittée le 16 mars 2026"));
	free(text);
	hc_response_free(&r);
	v = verify("demo", code);
	assert_string_equal(str(v, "status"), "issued");
	assert_true(json_is_true(json_object_get(v, "replaced")));
	assert_string_equal(str(v, "replaced_on"), "2026-03-16");
	assert_non_null(strstr(str(v, "message"), "remplacé par un document plus récent"));
	reveals_nothing(v);
	json_decref(v);

	/* A backup while the service serves: database and files, checked. */
	snprintf(want, sizeof(want), "backup --service demo --to %s/backup.db", D.dir);
	cli(want);
	snprintf(invoice_path, sizeof(invoice_path), "%s", path);

	/* One byte changed in storage: refused and logged. */
	change_one_byte("2026-000002");
	get(patron, path, &r);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(r.body, "document_altered"));
	hc_response_free(&r);
	char *log = NULL, cmd[600];
	snprintf(cmd, sizeof(cmd), "grep -c 'document 2026-000002 altéré' '%s/server.log'", D.dir);
	assert_int_equal(fs_run(cmd, &log), 0);
	free(log);

	/* The stylesheet of the documents' HTML form. */
	get(NULL, "/api/v1/demo/documents/print.css", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(hc_header(&r, "Content-Type"), "text/css"));
	assert_non_null(strstr(r.body, "@page { size: A4;"));
	hc_response_free(&r);

	/* Guessing codes: locked like failed logins. */
	int status = 0, tries = 0;
	for (; tries < 40 && status != 429; tries++) {
		struct hc_response g = {0};

		get(NULL, "/api/v1/demo/documents/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", &g);
		status = g.status;
		if (status == 429)
			assert_non_null(hc_header(&g, "Retry-After"));
		hc_response_free(&g);
	}
	assert_int_equal(status, 429);
	/* 20 failures lock the address: the made-up code above, then 19 here */
	assert_int_equal(tries, 20);
	snprintf(want, sizeof(want), "/api/v1/demo/documents/verify/%s", code);
	get(NULL, want, &r);
	assert_int_equal(r.status, 429);
	hc_response_free(&r);

	free(admin);
	free(patron);
	free(voisin);
}

/* Restoring the backup taken before the alteration (docs/storage.md: the
 * database file and FILE.files/ back, service stopped) serves the issued PDF
 * again, the same document. */
static void test_restore_serves_pdf(void **state)
{
	(void)state;
	char cmd[1200], *out = NULL;
	struct hc_response r = {0};

	assert_int_equal(test_server_stop(&S, 10000), 0);
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && rm -f demo.db demo.db-wal demo.db-shm && cp backup.db demo.db"
	         " && chmod -R u+w demo.db.files && rm -rf demo.db.files"
	         " && cp -r backup.db.files demo.db.files", D.dir);
	assert_int_equal(fs_run(cmd, &out), 0);
	free(out);
	assert_int_equal(test_server_start_deploy(&S, &D), 0);
	char *patron = login("patron@demo.test");
	get(patron, invoice_path, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hc_header(&r, "X-Document-Number"), "2026-000002");
	char *text = poppler("pdftotext", &r);
	assert_non_null(strstr(text, "acquittée le 16 mars 2026"));
	free(text);
	hc_response_free(&r);
	free(patron);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invoice_pdf_and_verification),
		cmocka_unit_test(test_restore_serves_pdf),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
