/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The document service in-process (one service, no plugin, a logo made
 * here): the schema refuses bad descriptions with the path of the problem;
 * French typography; a description long enough for several pages rendered
 * as PDF and read back with pdfinfo (A4, page count, tagged) and pdftotext
 * (identity, "Page n sur N", the no-break spaces, the number and the code of
 * issue); the same description as escaped HTML; issuing: the same description
 * is served again from storage, a changed one replaces it, and one byte
 * changed in the stored PDF is detected on the next read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <zlib.h>

#include "core.h"
#include "core_world.h"
#include "document_core.h"
#include "fsutil.h"
#include <socle/files.h>

static char *dir;
static socle_core *core;
static socle_service *svc;

static int setup(void **state)
{
	(void)state;
	dir = fs_tempdir("documents");
	/* A 120 x 60 logo, blue. */
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 120, 60);
	cairo_t *cr = cairo_create(img);
	cairo_set_source_rgb(cr, 0.1, 0.3, 0.6);
	cairo_paint(cr);
	cairo_destroy(cr);
	char *logo = fs_join(dir, "logo.png");
	assert_int_equal(cairo_surface_write_to_png(img, logo), CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(img);
	free(logo);
	core = test_core_open(dir,
		"{\"clock\": \"2026-03-16T09:30:00Z\", \"services\": [{\"id\": \"doc\", \"name\": "
		"\"Santé Travail Rhône\", \"database\": \"doc.db\", \"plugins\": {}, \"identity\": {"
		"\"legal_name\": \"Association Santé Travail Rhône\", \"address\": \"12 rue des Lilas\\n"
		"69003 Lyon\", \"phone\": \"04 78 00 00 00\", \"public_url\": \"https://st-rhone.example.fr\","
		" \"logo\": \"logo.png\"}}]}", NULL);
	assert_non_null(core);
	svc = socle_core_service(core, "doc");
	assert_non_null(svc);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_core_close(core, dir);
	return 0;
}

static void check_fails(const char *json, const char *want)
{
	json_error_t je;
	json_t *d = json_loads(json, 0, &je);
	socle_err err = SOCLE_ERR_INIT;

	assert_non_null(d);
	assert_int_equal(socle_document_check(d, &err), SOCLE_E_INVAL);
	if (strstr(err.msg, want) == NULL)
		fail_msg("%s : « %s » attendu dans « %s »", json, want, err.msg);
	json_decref(d);
}

static void test_schema(void **state)
{
	(void)state;
	check_fails("{\"sections\": [{\"blocks\": []}]}", "title");
	check_fails("{\"title\": \"T\"}", "sections");
	check_fails("{\"title\": \"T\", \"sections\": [{\"blocks\": [{\"image\": \"x\"}]}]}",
	            "sections[0].blocks[0]");
	check_fails("{\"title\": \"T\", \"sections\": [{\"blocks\": [{\"paragraph\": \"a\"}]},"
	            " {\"blocks\": [{\"table\": {\"header\": [\"a\", \"b\"], \"rows\": [[\"1\"]]}}]}]}",
	            "sections[1].blocks[0].table.rows[0] : 2 cellules attendues");
	check_fails("{\"title\": \"T\", \"sections\": [{\"blocks\": [{\"paragraph\": \"a\","
	            " \"url\": \"javascript:alert(1)\"}]}]}", "sections[0].blocks[0].url");
	check_fails("{\"title\": \"T\", \"color\": \"red\", \"sections\": []}", "document.color");
	check_fails("{\"title\": \"T\", \"sections\": [{\"blocks\": []}], \"signature\":"
	            " {\"date\": \"2026-02-30\"}}", "signature.date");
	check_fails("{\"title\": \"T\", \"sections\": [{\"blocks\": [{\"list\": []}]}]}",
	            "sections[0].blocks[0].list");
}

static void typo_is(const char *in, const char *want)
{
	char *out = doc_typo(in);

	assert_non_null(out);
	if (strcmp(out, want) != 0)
		fail_msg("« %s » : « %s » au lieu de « %s »", in, out, want);
	free(out);
}

static void test_typography(void **state)
{
	(void)state;
	typo_is("Total : 5", "Total\u00a0: 5");
	typo_is("Total: 5", "Total\u00a0: 5");
	typo_is("Attention ! Vraiment ? Oui ; non", "Attention\u202f! Vraiment\u202f? Oui\u202f; non");
	typo_is("Attention! Vraiment?", "Attention\u202f! Vraiment\u202f?");
	typo_is("Quoi ?!", "Quoi\u202f?!");
	typo_is("« apte »", "«\u00a0apte\u00a0»");
	typo_is("«apte»", "«\u00a0apte\u00a0»");
	/* left alone: times, URLs, already right */
	typo_is("à 10:30", "à 10:30");
	typo_is("https://x.fr/a?b=1", "https://x.fr/a?b=1");
	typo_is("Total\u00a0: 5", "Total\u00a0: 5");
}

/* A description of several pages: a long table, lists, fields, a link. */
static json_t *long_doc(const char *marker)
{
	json_t *rows = json_array(), *items = json_array();

	for (int i = 1; i <= 70; i++) {
		char label[64], amount[32];

		snprintf(label, sizeof(label), "Cotisation du salarié n° %d", i);
		snprintf(amount, sizeof(amount), "%d,00\u00a0€", 100 + i);
		json_array_append_new(rows, json_pack("[s, s, s]", label, "1", amount));
	}
	for (int i = 1; i <= 12; i++)
		json_array_append_new(items, json_sprintf("Conseil de prévention numéro %d", i));
	return json_pack(
		"{s:s, s:s, s:[{s:[{s:[[s, s], [s, s]]}, {s:s}]}, {s:s, s:[{s:{s:[s, s, s], s:o,"
		" s:[s, s, s], s:[i, i, i]}}, {s:s, s:b}]}, {s:s, s:[{s:o}, {s:s, s:s}]}],"
		" s:{s:s, s:s, s:s, s:s}}",
		"title", "Facture F-2026-0042 <test>", "subtitle", "Exercice 2026",
		"sections", "blocks", "fields", "Adhérent", "Boulangerie « Au bon pain »", "SIRET",
		"12345678900011", "paragraph", marker,
		"heading", "Détail des cotisations", "blocks", "table", "header", "Désignation",
		"Quantité", "Montant", "rows", rows, "align", "left", "right", "right", "widths", 4, 1,
		2, "paragraph", "Total : 7 455,00 € ! Payable à 30 jours ?", "strong", 1,
		"heading", "Conseils", "blocks", "list", items, "paragraph",
		"Voir le site du service", "url", "https://st-rhone.example.fr/conseils",
		"signature", "place", "Lyon", "date", "2026-03-16", "name", "Dr Lise Martin", "role",
		"Médecin du travail");
}

static char *run(const char *fmt, const char *file)
{
	char cmd[1024], *out = NULL;

	snprintf(cmd, sizeof(cmd), fmt, file);
	int rc = fs_run(cmd, &out);
	if (rc != 0)
		fail_msg("%s : %d %s", cmd, rc, out ? out : "");
	return out;
}

/* pdftotext writes every space, the no-break ones too, as U+0020. */
static char *plain(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (const char *p = s; *p;) {
		if (strncmp(p, "\u00a0", 2) == 0) {
			*o++ = ' ';
			p += 2;
		} else if (strncmp(p, "\u202f", 3) == 0) {
			*o++ = ' ';
			p += 3;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/* Do the fonts' ToUnicode maps of @p pdf name U+00A0 and U+202F? Each
 * stream is inflated and searched. */
static void assert_nbsp_mapped(const unsigned char *pdf, size_t len)
{
	bool nbsp = false, narrow = false;
	const unsigned char *p = pdf, *end = pdf + len;

	while ((p = memmem(p, (size_t)(end - p), "stream\n", 7)) != NULL) {
		p += 7;
		const unsigned char *e = memmem(p, (size_t)(end - p), "endstream", 9);
		if (e == NULL)
			break;
		uLongf out_len = 1 << 20;
		unsigned char *out = malloc(out_len + 1);

		if (uncompress(out, &out_len, p, (uLong)(e - p)) == Z_OK) {
			out[out_len] = '\0';
			if (memmem(out, out_len, "beginbfchar", 11) || memmem(out, out_len, "beginbfrange", 12)) {
				nbsp |= memmem(out, out_len, "<00a0>", 6) != NULL;
				narrow |= memmem(out, out_len, "<202f>", 6) != NULL;
			}
		}
		free(out);
		p = e + 9; /* past "endstream", which ends with "stream" too */
	}
	assert_true(nbsp);
	assert_true(narrow);
}

static char *write_pdf(const unsigned char *pdf, size_t len, const char *name)
{
	char *path = fs_join(dir, name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(pdf, 1, len, f), len);
	fclose(f);
	return path;
}

static void test_pdf(void **state)
{
	(void)state;
	json_t *d = long_doc("Premier paragraphe : « bien lire » !");
	struct socle_document_issued is;
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(socle_document_issue(svc, "test.invoice", "invoice:42", d, &is, &err), 0);
	assert_true(is.fresh);
	assert_string_equal(is.number, "2026-000001");
	assert_int_equal(strlen(is.code), 24); /* 20 characters in 5 groups */
	assert_memory_equal(is.pdf, "%PDF-", 5);
	char *path = write_pdf(is.pdf, is.pdf_len, "long.pdf");
	if (getenv("SOCLE_TEST_KEEP")) /* to look at it */
		fs_copy(path, "/tmp/socle-document-long.pdf");
	char *info = run("pdfinfo '%s'", path);
	assert_non_null(strstr(info, "595.276 x 841.89 pts (A4)"));
	int pages = 0;
	const char *pg = strstr(info, "\nPages:");
	assert_non_null(pg);
	pages = atoi(pg + 7);
	assert_true(pages >= 2);
	const char *tagged = strstr(info, "Tagged:");
	while (tagged && (*tagged == ' ' || *tagged == ':' || (*tagged >= 'A' && *tagged <= 'z')) &&
	       strncmp(tagged, "yes", 3) != 0 && *tagged != '\n')
		tagged++;
	if (tagged == NULL || strncmp(tagged, "yes", 3) != 0)
		fail_msg("PDF non balisé :\n%s", info);
	assert_non_null(strstr(info, "Facture F-2026-0042"));
	free(info);
	char *text = run("pdftotext -enc UTF-8 '%s' -", path);
	char want[128];
	for (int i = 1; i <= pages; i++) {
		snprintf(want, sizeof(want), "Page %d sur %d", i, pages);
		if (strstr(text, want) == NULL)
			fail_msg("« %s » absent :\n%s", want, text);
	}
	static const char *const wants[] = {
		"Association Santé Travail Rhône", "12 rue des Lilas", "69003 Lyon",
		"Tél. 04 78 00 00 00", "Facture F-2026-0042 <test>", "Détail des cotisations",
		"Cotisation du salarié n° 70", "Total\u00a0: 7 455,00 €\u202f!",
		"Payable à 30 jours\u202f?", "Premier paragraphe\u00a0: «\u00a0bien lire\u00a0»\u202f!",
		"Boulangerie «\u00a0Au bon pain\u00a0»", "Conseil de prévention numéro 12",
		"Fait à Lyon, le 16 mars 2026", "Dr Lise Martin", "Médecin du travail",
		"Document n° 2026-000001 émis le 16 mars 2026",
		"https://st-rhone.example.fr/api/v1/doc/documents/verify/",
	};
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		char *w = plain(wants[i]);

		if (strstr(text, w) == NULL)
			fail_msg("« %s » absent du PDF :\n%s", w, text);
		free(w);
	}
	assert_nbsp_mapped(is.pdf, is.pdf_len);
	assert_non_null(strstr(text, is.code));
	/* the header on every page */
	const char *p = text;
	int headers = 0;
	while ((p = strstr(p, "Association Santé Travail Rhône")) != NULL) {
		headers++;
		p++;
	}
	assert_int_equal(headers, pages);
	free(text);
	/* links and the outline */
	char *raw = run("strings '%s'", path);
	assert_non_null(strstr(raw, "/URI (https://st-rhone.example.fr/conseils)"));
	assert_non_null(strstr(raw, "/Outlines"));
	free(raw);
	free(path);

	/* The same description: the stored document, read back. */
	struct socle_document_issued again;
	assert_int_equal(socle_document_issue(svc, "test.invoice", "invoice:42", d, &again, &err), 0);
	assert_false(again.fresh);
	assert_string_equal(again.number, is.number);
	assert_string_equal(again.sha256, is.sha256);
	assert_int_equal(again.pdf_len, is.pdf_len);
	assert_memory_equal(again.pdf, is.pdf, is.pdf_len);
	socle_document_issued_free(&again);
	socle_document_issued_free(&is);
	json_decref(d);
}

static void test_preview_and_html(void **state)
{
	(void)state;
	json_t *d = long_doc("<script>alert(1)</script> & « fin »");
	unsigned char *pdf;
	size_t len;
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(socle_document_pdf(svc, d, &pdf, &len, &err), 0);
	char *path = write_pdf(pdf, len, "preview.pdf");
	if (getenv("SOCLE_TEST_KEEP")) /* to look at it */
		fs_copy(path, "/tmp/socle-document-preview.pdf");
	char *text = run("pdftotext -enc UTF-8 '%s' -", path);
	if (strstr(text, "Aperçu : document non émis") == NULL)
		fail_msg("aperçu :\n%s", text);
	assert_null(strstr(text, "Code de vérification"));
	free(text);
	free(path);
	free(pdf);

	char *html = socle_document_html(svc, d, &err);
	assert_non_null(html);
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; «\u00a0fin\u00a0»"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "style="));
	assert_non_null(strstr(html, "<html lang=\"fr\">"));
	assert_non_null(strstr(html, "href=\"/api/v1/doc/documents/print.css\""));
	assert_non_null(strstr(html, "<h1>Facture F-2026-0042 &lt;test&gt;</h1>"));
	assert_non_null(strstr(html, "<h2 id=\"s2\">Détail des cotisations</h2>"));
	assert_non_null(strstr(html, "<th scope=\"col\" class=\"right\">Montant</th>"));
	assert_non_null(strstr(html, "<td class=\"right\">170,00\u00a0€</td>"));
	assert_non_null(strstr(html, "Total\u00a0: 7 455,00 €\u202f!"));
	assert_non_null(strstr(html, "<a href=\"https://st-rhone.example.fr/conseils\">"));
	assert_non_null(strstr(html, "Fait à Lyon, le 16 mars 2026"));
	assert_non_null(strstr(html, "12 rue des Lilas<br>69003 Lyon"));
	assert_non_null(strstr(html, "<img src=\"/api/v1/doc/identity/logo\" alt=\"\">"));
	free(html);
	/* a bad description: no HTML, the path of the problem */
	json_object_set_new(d, "sections", json_array());
	assert_null(socle_document_html(svc, d, &err));
	assert_int_equal(err.code, SOCLE_E_INVAL);
	json_decref(d);
}

/* The file of document @p id in the store: its path (caller frees). */
static char *stored_path(int64_t id)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_service_reader(svc, &err);
	json_t *row = socle_db_query_one_new(db, "SELECT pdf_sha256 FROM core_document WHERE id = :id",
	                                     json_pack("{s:I}", "id", (json_int_t)id), &err);

	assert_non_null(row);
	char *path = socle_file_path(svc, json_string_value(json_object_get(row, "pdf_sha256")));
	assert_non_null(path);
	json_decref(row);
	return path;
}

/* Change one byte of the stored file of document @p id (read-only: the
 * test makes it writable, as an intruder or a failing disk would). */
static void change_one_byte(int64_t id)
{
	char *path = stored_path(id);
	FILE *f;
	long n;

	assert_int_equal(chmod(path, 0640), 0);
	assert_non_null(f = fopen(path, "r+b"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 10);
	assert_int_equal(fseek(f, n / 2, SEEK_SET), 0);
	int c = fgetc(f);
	assert_int_equal(fseek(f, n / 2, SEEK_SET), 0);
	assert_int_equal(fputc(c ^ 0x01, f), c ^ 0x01);
	assert_int_equal(fclose(f), 0);
	free(path);
}

/* A row issued before the file store: its bytes in the pdf BLOB. */
static void make_legacy_row(int64_t id, const unsigned char *pdf, size_t len)
{
	char *db_path = fs_join(dir, "doc.db");
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE core_document SET pdf = ? WHERE id = ?", -1,
	                                    &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, pdf, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(db_path);
}

/* Issued into the file store: the row has no BLOB, only the hash and the
 * size; the file is on disk with the retention of its kind; an invoice is
 * kept 10 years, any other document 40. */
static void test_stored_in_file_store(void **state)
{
	(void)state;
	json_t *d = json_pack("{s:s, s:[{s:[{s:s}]}]}", "title", "Convocation",
	                      "sections", "blocks", "paragraph", "Rendez-vous au centre.");
	json_t *inv = json_pack("{s:s, s:[{s:[{s:s}]}]}", "title", "Facture",
	                        "sections", "blocks", "paragraph", "Cotisation 2026.");
	struct socle_document_issued a, b, again;
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(socle_document_issue(svc, "test.convocation", "slot:1", d, &a, &err), 0);
	assert_int_equal(socle_document_issue(svc, "test.invoice", "invoice:1", inv, &b, &err), 0);
	socle_db *db = socle_service_reader(svc, &err);
	json_t *row = socle_db_query_one_new(db,
		"SELECT pdf IS NULL AS no_blob, pdf_sha256, pdf_size, issued_at FROM core_document"
		" WHERE id = :id", json_pack("{s:I}", "id", (json_int_t)a.id), &err);
	assert_non_null(row);
	assert_int_equal(json_integer_value(json_object_get(row, "no_blob")), 1);
	assert_string_equal(json_string_value(json_object_get(row, "pdf_sha256")), a.sha256);
	assert_int_equal(json_integer_value(json_object_get(row, "pdf_size")), (json_int_t)a.pdf_len);
	char day[SOCLE_DATE_SIZE], want[32];
	doc_day_of(json_integer_value(json_object_get(row, "issued_at")), day);
	json_decref(row);

	/* The file, named by its hash, holds the very bytes issued. */
	char *path = stored_path(a.id), *bytes = NULL;
	size_t n = 0;
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	bytes = malloc(a.pdf_len + 1);
	n = fread(bytes, 1, a.pdf_len + 1, f);
	fclose(f);
	assert_int_equal(n, a.pdf_len);
	assert_memory_equal(bytes, a.pdf, n);
	free(bytes);
	free(path);

	/* Retention: 40 years from issue; the invoice 10. */
	row = socle_db_query_one_new(db, "SELECT keep_until, size FROM core_file WHERE sha256 = :s",
	                             json_pack("{s:s}", "s", a.sha256), &err);
	assert_non_null(row);
	snprintf(want, sizeof(want), "%04d%s", atoi(day) + 40, day + 4);
	assert_string_equal(json_string_value(json_object_get(row, "keep_until")), want);
	assert_int_equal(json_integer_value(json_object_get(row, "size")), (json_int_t)a.pdf_len);
	json_decref(row);
	row = socle_db_query_one_new(db, "SELECT keep_until FROM core_file WHERE sha256 = :s",
	                             json_pack("{s:s}", "s", b.sha256), &err);
	assert_non_null(row);
	snprintf(want, sizeof(want), "%04d%s", atoi(day) + 10, day + 4);
	assert_string_equal(json_string_value(json_object_get(row, "keep_until")), want);
	json_decref(row);

	/* Read back (same description): from the store, same bytes. */
	assert_int_equal(socle_document_issue(svc, "test.convocation", "slot:1", d, &again, &err), 0);
	assert_false(again.fresh);
	assert_int_equal(again.pdf_len, a.pdf_len);
	assert_memory_equal(again.pdf, a.pdf, a.pdf_len);
	socle_document_issued_free(&again);

	/* A row from before the store, its bytes in the BLOB: still served, from
	 * the BLOB (the stored file, altered here, is not read for it). */
	make_legacy_row(b.id, b.pdf, b.pdf_len);
	change_one_byte(b.id);
	assert_int_equal(socle_document_issue(svc, "test.invoice", "invoice:1", inv, &again, &err), 0);
	assert_false(again.fresh);
	assert_int_equal(again.pdf_len, b.pdf_len);
	assert_memory_equal(again.pdf, b.pdf, b.pdf_len);
	socle_document_issued_free(&again);
	/* ... and a changed byte in that BLOB is still refused. */
	b.pdf[b.pdf_len / 2] ^= 0x01;
	make_legacy_row(b.id, b.pdf, b.pdf_len);
	assert_int_equal(socle_document_issue(svc, "test.invoice", "invoice:1", inv, &again, &err),
	                 SOCLE_E_INTERNAL);
	assert_null(again.pdf);
	socle_document_issued_free(&a);
	socle_document_issued_free(&b);
	json_decref(d);
	json_decref(inv);
}

static void test_replace_and_tamper(void **state)
{
	(void)state;
	json_t *d = json_pack("{s:s, s:[{s:[{s:s}]}]}", "title", "Attestation de suivi",
	                      "sections", "blocks", "paragraph", "Première version.");
	struct socle_document_issued a, b, c;
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(socle_document_issue(svc, "test.attestation", "visit:7", d, &a, &err), 0);
	assert_true(a.fresh);
	json_decref(d);
	d = json_pack("{s:s, s:[{s:[{s:s}]}]}", "title", "Attestation de suivi", "sections",
	              "blocks", "paragraph", "Seconde version.");
	assert_int_equal(socle_document_issue(svc, "test.attestation", "visit:7", d, &b, &err), 0);
	assert_true(b.fresh);
	assert_string_not_equal(a.number, b.number);
	assert_string_not_equal(a.code, b.code);
	socle_db *db = socle_service_reader(svc, &err);
	json_t *row = socle_db_query_one_new(db, "SELECT replaced_by FROM core_document WHERE id = :id",
	                                     json_pack("{s:I}", "id", (json_int_t)a.id), &err);
	assert_non_null(row);
	assert_int_equal(json_integer_value(json_object_get(row, "replaced_by")), b.id);
	json_decref(row);
	/* Only the hash of the code is kept. */
	row = socle_db_query_one_new(db, "SELECT COUNT(*) AS n FROM core_document"
	                                 " WHERE code_sha256 LIKE :c",
	                             json_pack("{s:s}", "c", b.code), &err);
	assert_int_equal(json_integer_value(json_object_get(row, "n")), 0);
	json_decref(row);

	/* One byte changed in storage: refused on the next read. */
	change_one_byte(b.id);
	assert_int_equal(socle_document_issue(svc, "test.attestation", "visit:7", d, &c, &err),
	                 SOCLE_E_INTERNAL);
	assert_non_null(strstr(err.msg, "altéré"));
	assert_null(c.pdf);
	socle_document_issued_free(&a);
	socle_document_issued_free(&b);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_typography),
		cmocka_unit_test(test_pdf),
		cmocka_unit_test(test_preview_and_html),
		cmocka_unit_test(test_replace_and_tamper),
		cmocka_unit_test(test_stored_in_file_store),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
