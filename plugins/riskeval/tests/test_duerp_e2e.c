/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Issue 14's acceptance through the real `socle serve` (clock frozen on
 * 2025-02-01), items 4 and 5: a company joins → its fiche is due → the IPRP
 * drafts it, the médecin validates, the employer receives it → the employer
 * uploads its DUERP → "transmitted this year", and membership's prevention
 * score changes → the gap analysis lists the fiche's risks the DUERP does
 * not name → a prevention action is proposed and accepted → the indicators
 * count it. And: files whose bytes are not their claimed format refused;
 * PUT and DELETE of a stored version refused for everyone, service_admin
 * included, and audited; retention = the version's date + 40 years; every
 * read audited; the download checked against its SHA-256 (one altered byte
 * is a 500, never the altered bytes); `socle backup` copies and checks the
 * files; another company's employer gets 403 on every route; from 11
 * employees the yearly update falls due, then overdue, and the score drops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "fsutil.h"
#include "http_client.h"
#include "riskeval_world.h"

static struct {
	char *staff, *iprp, *medecin, *employer, *employer2;
	json_int_t company, company2;
} T;

static int setup(void **state)
{
	(void)state;
	if (riskeval_world_start("duerp", "2025-02-01T09:00:00Z",
	                         json_pack("{s:i}", "duerp_max_bytes", 65536)) != 0)
		return -1;
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.iprp = login("iprp@svc.test", STAFF_PASSWORD);
	T.medecin = login("medecin@svc.test", STAFF_PASSWORD);
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	worker(T.employer, T.company, "G-1", "Roux", "Léa");
	worker(T.employer, T.company, "G-2", "Blanc", "Marc");
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.iprp);
	free(T.medecin);
	free(T.employer);
	free(T.employer2);
	return world_teardown(state);
}

/* ---- files of each format, built here byte by byte ------------------------ */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

struct buf {
	unsigned char d[8192];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->d));
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void le(struct buf *b, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		unsigned char c = (unsigned char)(v >> (8 * i));
		put(b, &c, 1);
	}
}

/* A ZIP archive of stored (uncompressed) entries, as an office suite writes
 * them: local headers, then the central directory and its end record. */
static void zip(struct buf *out, const char *const *names, const char *const *texts)
{
	struct buf cd = {.n = 0};
	uint32_t offsets[8];
	size_t n = 0;

	out->n = 0;
	for (; names[n]; n++) {
		size_t nl = strlen(names[n]), tl = strlen(texts[n]);
		uint32_t crc = crc32_of((const unsigned char *)texts[n], tl);

		offsets[n] = (uint32_t)out->n;
		put(out, "PK\3\4", 4);
		le(out, 20, 2), le(out, 0, 2), le(out, 0, 2), le(out, 0, 2), le(out, 0, 2);
		le(out, crc, 4), le(out, (uint32_t)tl, 4), le(out, (uint32_t)tl, 4);
		le(out, (uint32_t)nl, 2), le(out, 0, 2);
		put(out, names[n], nl);
		put(out, texts[n], tl);
		put(&cd, "PK\1\2", 4);
		le(&cd, 20, 2), le(&cd, 20, 2), le(&cd, 0, 2), le(&cd, 0, 2), le(&cd, 0, 2);
		le(&cd, 0, 2), le(&cd, crc, 4), le(&cd, (uint32_t)tl, 4), le(&cd, (uint32_t)tl, 4);
		le(&cd, (uint32_t)nl, 2), le(&cd, 0, 2), le(&cd, 0, 2), le(&cd, 0, 2), le(&cd, 0, 2);
		le(&cd, 0, 4), le(&cd, offsets[n], 4);
		put(&cd, names[n], nl);
	}
	uint32_t cd_at = (uint32_t)out->n;

	put(out, cd.d, cd.n);
	put(out, "PK\5\6", 4);
	le(out, 0, 2), le(out, 0, 2), le(out, (uint32_t)n, 2), le(out, (uint32_t)n, 2);
	le(out, (uint32_t)cd.n, 4), le(out, cd_at, 4), le(out, 0, 2);
}

static void make_odt(struct buf *b)
{
	static const char *const names[] = {"mimetype", "content.xml", NULL};
	static const char *const texts[] = {"application/vnd.oasis.opendocument.text",
	                                    "<office:document-content/>", NULL};
	zip(b, names, texts);
}

static void make_docx(struct buf *b)
{
	static const char *const names[] = {"[Content_Types].xml", "word/document.xml", NULL};
	static const char *const texts[] = {"<Types/>", "<w:document/>", NULL};
	zip(b, names, texts);
}

static void make_xlsx(struct buf *b)
{
	static const char *const names[] = {"[Content_Types].xml", "xl/workbook.xml", NULL};
	static const char *const texts[] = {"<Types/>", "<workbook/>", NULL};
	zip(b, names, texts);
}

static const char PDF[] = "%PDF-1.4\n% DUERP Électricité Garnier\n1 0 obj << /Type /Catalog >>"
                          " endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

static json_t *upload_body(const char *format, const char *name, const char *version_on,
                           const void *bytes, size_t len, json_t *risks)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(cap);

	assert_non_null(b64);
	sodium_bin2base64(b64, cap, bytes, len, sodium_base64_VARIANT_ORIGINAL);
	json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:o}", "format", format, "filename", name,
	                      "version_on", version_on, "content_base64", b64, "risks",
	                      risks ? risks : json_array());
	free(b64);
	return b;
}

static const char *field_message(const json_t *r, const char *field)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "field")), field) == 0)
			return json_string_value(json_object_get(f, "message"));
	return "";
}

static double score_of(const char *auth, json_int_t company)
{
	json_t *r = get(auth, "/api/v1/svc/membership/companies/%lld/prevention-score",
	                (long long)company);
	double s = json_number_value(json_object_get(r, "score"));

	json_decref(r);
	return s;
}

/* The loop thread delivers duerp.version_added to membership after the
 * upload's commit: wait for the score it stores. */
static double wait_score(const char *auth, json_int_t company, double not_this)
{
	double s = not_this;

	for (int i = 0; i < 200 && s == not_this; i++) {
		s = score_of(auth, company);
		if (s == not_this)
			usleep(25000);
	}
	return s;
}

static json_t *risk(const char *code, const char *label)
{
	return json_pack("{s:s, s:s, s:s, s:i}", "code", code, "libelle", label, "unite_travail",
	                 "Chantiers", "effectif_expose", 2);
}

/* The fiche of seed 3.2.2: drafted by the IPRP, validated, transmitted. */
static void fiche_transmitted(void)
{
	json_t *r = get(T.employer, "%s", company_path(T.company, "/fiche/due"));
	assert_string_equal(json_string_value(json_object_get(r, "due_on")), "2026-02-01");
	json_decref(r);
	json_decref(expect(201, T.iprp, "PUT", company_path(T.company, "/fiche/draft"),
	                   json_pack("{s:{s:{s:[o, o, o]}}}", "content", "expositions_actions",
	                             "risques", risk("bruit", "Bruit"),
	                             risk("chute_hauteur", "Chute de hauteur"),
	                             risk("electrique", "Risque électrique"))));
	json_decref(expect(200, T.medecin, "POST", company_path(T.company, "/fiche/draft/validate"),
	                   NULL));
	json_decref(expect(200, T.iprp, "POST", company_path(T.company, "/fiche/versions/1/transmit"),
	                   NULL));
	json_decref(expect(200, T.employer, "GET", company_path(T.company, "/fiche/versions/1"),
	                   NULL));
}

static void test_duerp_journey(void **state)
{
	(void)state;
	char path[512];

	/* The company declared it has no DUERP: its score says so. */
	json_t *r;

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/prevention-score",
	         (long long)T.company);
	json_decref(expect(200, T.employer, "POST", path,
	                   json_pack("{s:{s:b, s:b, s:b}}", "answers", "duerp", 0,
	                             "duerp_with_workers", 1, "onboarding", 1)));
	double before = score_of(T.employer, T.company);
	assert_true(before == 1.0);

	fiche_transmitted();

	/* No DUERP yet: parcours 2, the vault empty, its update not due (4 workers). */
	r = expect(200, T.employer, "GET", company_path(T.company, "/prevention/analysis"), NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "answer"),
	                                                    "parcours")), 2);
	json_decref(r);
	r = expect(200, T.employer, "GET", company_path(T.company, "/duerp"), NULL);
	assert_int_equal(json_integer_value(json_object_get(r, "versions")), 0);
	assert_false(json_is_true(json_object_get(r, "transmitted_this_year")));
	json_decref(r);

	/* The employer uploads its DUERP of 15 January 2025, naming one risk. */
	r = expect(201, T.employer, "POST", company_path(T.company, "/duerp/versions"),
	           upload_body("pdf", "DUERP-2025.pdf", "2025-01-15", PDF, sizeof(PDF) - 1,
	                       json_pack("[s]", "bruit")));
	json_int_t v1 = id_of(r);
	unsigned char digest[crypto_hash_sha256_BYTES];
	char sha[crypto_hash_sha256_BYTES * 2 + 1];

	crypto_hash_sha256(digest, (const unsigned char *)PDF, sizeof(PDF) - 1);
	sodium_bin2hex(sha, sizeof(sha), digest, sizeof(digest));
	assert_string_equal(json_string_value(json_object_get(r, "sha256")), sha);
	/* R4121-4: kept 40 years from the version's own date. */
	assert_string_equal(json_string_value(json_object_get(r, "keep_until")), "2065-01-15");
	assert_string_equal(json_string_value(json_object_get(r, "received_on")), "2025-02-01");
	assert_string_equal(json_string_value(json_object_get(r, "content_type")), "application/pdf");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_file WHERE sha256 = '%s'"
	                          " AND keep_until = '2065-01-15'", sha), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name ="
	                          " 'duerp.version_added'"), 1);
	char rel[256];
	snprintf(rel, sizeof(rel), "svc.db.files/%.2s/%s", sha, sha);
	char *stored = fs_join(D.dir, rel);
	struct stat sb;
	assert_int_equal(stat(stored, &sb), 0);
	assert_int_equal(sb.st_size, sizeof(PDF) - 1);

	/* Transmitted this year (L4121-3-1 VI); no yearly update under 11. */
	r = expect(200, T.employer, "GET", company_path(T.company, "/duerp"), NULL);
	assert_true(json_is_true(json_object_get(r, "transmitted_this_year")));
	assert_int_equal(json_integer_value(json_object_get(r, "versions")), 1);
	assert_false(json_is_true(json_object_get(json_object_get(r, "update"), "yearly_update")));
	assert_false(json_is_true(json_object_get(r, "update_overdue")));
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);

	/* Membership's prevention score took the vault's word: the DUERP counts,
	 * and the question that depends on it with it (1 → 2.5). */
	double after = wait_score(T.employer, T.company, before);
	assert_true(after == 2.5);
	r = get(T.employer, "/api/v1/svc/membership/companies/%lld/prevention-score",
	        (long long)T.company);
	assert_non_null(strstr(json_string_value(json_object_get(r, "explanation")),
	                       "déposée au service et transmise cette année"));
	json_decref(r);

	/* The download: the same bytes, checked against their SHA-256. */
	char file_path[512], rest[64];
	snprintf(rest, sizeof(rest), "/duerp/versions/%lld/file", (long long)v1);
	snprintf(file_path, sizeof(file_path), "%s", company_path(T.company, rest));
	struct hc_response resp = {0};
	const char *hdr[] = {T.employer, NULL};
	assert_int_equal(hc_request(S.port, "GET", file_path, hdr, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body_len, sizeof(PDF) - 1);
	assert_memory_equal(resp.body, PDF, resp.body_len);
	assert_string_equal(hc_header(&resp, "Content-Type"), "application/pdf");
	assert_string_equal(hc_header(&resp, "X-Content-SHA256"), sha);
	assert_non_null(strstr(hc_header(&resp, "Content-Disposition"), "DUERP-2025.pdf"));
	hc_response_free(&resp);
	/* Staff read it too; every read is audited. */
	snprintf(path, sizeof(path), "/duerp/versions/%lld", (long long)v1);
	json_decref(expect(200, T.iprp, "GET", company_path(T.company, path), NULL));
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                     " 'riskeval.duerp.download' AND outcome = 'ok'") == 1);
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'riskeval.duerp.read'")
	            == 1);
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'riskeval.duerp.list'")
	            == 2);

	/* Gap analysis (parcours 1): the fiche's risks the DUERP does not name. */
	r = expect(200, T.employer, "GET", company_path(T.company, "/prevention/analysis"), NULL);
	json_t *a = json_object_get(r, "answer");
	assert_int_equal(json_integer_value(json_object_get(a, "parcours")), 1);
	json_t *gaps = json_object_get(a, "gaps");
	assert_int_equal(json_array_size(gaps), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(gaps, 0), "code")),
	                    "chute_hauteur");
	assert_string_equal(json_string_value(json_object_get(json_array_get(gaps, 1), "code")),
	                    "electrique");
	json_decref(r);

	/* The IPRP proposes the action; the employer accepts it; next in 5 years. */
	assert_int_equal(status_of(T.employer, "POST",
	                           company_path(T.company, "/prevention-actions"), NULL), 403);
	r = expect(201, T.iprp, "POST", company_path(T.company, "/prevention-actions"),
	           json_pack("{s:s}", "note", "Vu avec Mme Garnier"));
	json_int_t action = id_of(r);
	assert_int_equal(json_integer_value(json_object_get(r, "parcours")), 1);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "proposee");
	assert_string_equal(json_string_value(json_object_get(r, "next_due_on")), "2030-02-01");
	assert_non_null(strstr(json_string_value(json_object_get(r, "proposal")),
	                       "Chute de hauteur (chute_hauteur)"));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name ="
	                          " 'prevention_action.proposed'"), 1);
	/* One open proposal at a time. */
	assert_int_equal(status_of(T.iprp, "POST", company_path(T.company, "/prevention-actions"),
	                           NULL), 409);
	snprintf(path, sizeof(path), "/prevention-actions/%lld/answer", (long long)action);
	assert_int_equal(status_of(T.iprp, "POST", company_path(T.company, path),
	                           json_pack("{s:s}", "decision", "acceptee")), 403);
	r = expect(422, T.employer, "POST", company_path(T.company, path),
	           json_pack("{s:s}", "decision", "peut-être"));
	json_decref(r);
	r = expect(200, T.employer, "POST", company_path(T.company, path),
	           json_pack("{s:s}", "decision", "acceptee"));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "acceptee");
	assert_string_equal(json_string_value(json_object_get(r, "answered_on")), "2025-02-01");
	json_decref(r);
	assert_int_equal(status_of(T.employer, "POST", company_path(T.company, path),
	                           json_pack("{s:s}", "decision", "refusee")), 409);
	r = expect(200, T.employer, "GET", company_path(T.company, "/prevention-actions"), NULL);
	assert_string_equal(json_string_value(json_object_get(r, "next_due_on")), "2030-02-01");
	assert_false(json_is_true(json_object_get(r, "due")));
	json_decref(r);

	/* The indicators count it. */
	r = expect(200, T.staff, "GET", "/api/v1/svc/riskeval/indicators", NULL);
	json_t *pa = json_object_get(r, "prevention_actions");
	assert_int_equal(json_integer_value(json_object_get(pa, "proposed")), 1);
	assert_int_equal(json_integer_value(json_object_get(pa, "accepted")), 1);
	assert_int_equal(json_integer_value(json_object_get(pa, "parcours_1")), 1);
	assert_int_equal(json_integer_value(json_object_get(pa, "companies")), 1);
	json_decref(r);

	/* A stored version never changes: PUT and DELETE refused for everyone,
	 * service_admin included, each attempt audited; the row and file stay. */
	snprintf(path, sizeof(path), "/duerp/versions/%lld", (long long)v1);
	const char *who[] = {T.staff, T.employer, T.medecin};
	for (size_t i = 0; i < 3; i++) {
		r = expect(405, who[i], "PUT", company_path(T.company, path),
		           upload_body("pdf", "autre.pdf", "2025-01-15", PDF, 10, NULL));
		assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"),
		                                                      "code")),
		                    "duerp_version_immutable");
		json_decref(r);
		r = expect(405, who[i], "DELETE", company_path(T.company, path), NULL);
		assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
		                                                         "message")),
		                       "ne peut pas être supprimée"));
		json_decref(r);
	}
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'riskeval.duerp.update' AND outcome = 'denied'"), 3);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'riskeval.duerp.delete' AND outcome = 'denied'"), 3);
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_duerp WHERE sha256 = '%s'", sha), 1);
	assert_int_equal(stat(stored, &sb), 0);
	free(stored);
}

/* The other formats, told by their bytes; anything else refused in French. */
static void test_formats(void **state)
{
	(void)state;
	struct buf odt, docx, xlsx;
	const char *up = company_path(T.company2, "/duerp/versions");
	char path[512];

	snprintf(path, sizeof(path), "%s", up);
	make_odt(&odt);
	make_docx(&docx);
	make_xlsx(&xlsx);
	json_decref(expect(201, T.employer2, "POST", path,
	                   upload_body("odt", "duerp.odt", "2024-01-10", odt.d, odt.n, NULL)));
	json_decref(expect(201, T.employer2, "POST", path,
	                   upload_body("docx", "duerp.DOCX", "2024-06-10", docx.d, docx.n, NULL)));
	json_decref(expect(201, T.employer2, "POST", path,
	                   upload_body("xlsx", "plan.xlsx", "2024-09-10", xlsx.d, xlsx.n, NULL)));

	/* A DOCX declared as a PDF; an XLSX declared as a DOCX; a DOCX as an ODT;
	 * text as an XLSX: refused by their bytes, with a French message. */
	json_t *r = expect(422, T.employer2, "POST", path,
	                   upload_body("pdf", "duerp.pdf", "2024-01-10", docx.d, docx.n, NULL));
	assert_non_null(strstr(field_message(r, "content_base64"), "n'est pas un PDF"));
	json_decref(r);
	r = expect(422, T.employer2, "POST", path,
	           upload_body("docx", "duerp.docx", "2024-01-10", xlsx.d, xlsx.n, NULL));
	assert_non_null(strstr(field_message(r, "content_base64"), "c'est un classeur XLSX"));
	json_decref(r);
	r = expect(422, T.employer2, "POST", path,
	           upload_body("odt", "duerp.odt", "2024-01-10", docx.d, docx.n, NULL));
	assert_non_null(strstr(field_message(r, "content_base64"), "n'est pas un document ODT"));
	json_decref(r);
	r = expect(422, T.employer2, "POST", path,
	           upload_body("xlsx", "duerp.xlsx", "2024-01-10", "hello", 5, NULL));
	assert_non_null(strstr(field_message(r, "content_base64"), "archive ZIP"));
	json_decref(r);
	/* The name must agree with the declared format; dates not in the future;
	 * base64 only; the size limit (the service setting: 64 KiB here). */
	r = expect(422, T.employer2, "POST", path,
	           upload_body("pdf", "duerp.docx", "2024-01-10", PDF, sizeof(PDF) - 1, NULL));
	assert_non_null(strstr(field_message(r, "filename"), "« .pdf »"));
	json_decref(r);
	r = expect(422, T.employer2, "POST", path,
	           upload_body("pdf", "duerp.pdf", "2025-02-02", PDF, sizeof(PDF) - 1, NULL));
	assert_non_null(strstr(field_message(r, "version_on"), "futur"));
	json_decref(r);
	r = expect(422, T.employer2, "POST", path,
	           json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "format", "pdf", "filename", "a.pdf",
	                     "version_on", "2024-01-10", "content_base64", "***",
	                     "risks", "Bruit Fort"));
	assert_non_null(strstr(field_message(r, "risks"), "minuscules"));
	json_decref(r);
	static unsigned char big[70000];
	memcpy(big, "%PDF-1.4\n", 9);
	r = expect(413, T.employer2, "POST", path,
	           upload_body("pdf", "gros.pdf", "2024-01-10", big, sizeof(big), NULL));
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
	                                                         "message")), "65536 octets"));
	json_decref(r);
	/* Nothing of the refused uploads was kept. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_duerp WHERE company_id = %lld",
	                          (long long)T.company2), 3);
	/* Staff do not upload for the company. */
	assert_int_equal(status_of(T.iprp, "POST", path,
	                           upload_body("pdf", "d.pdf", "2024-01-10", PDF, sizeof(PDF) - 1,
	                                       NULL)), 403);
}

/* Another company's employer: 403 on every route of the vault and of the
 * prevention actions, and learns nothing. */
static void test_other_company_refused(void **state)
{
	(void)state;
	char path[256];
	json_int_t v = db_count("SELECT MIN(id) FROM riskeval_duerp WHERE company_id = %lld",
	                        (long long)T.company);
	json_int_t a = db_count("SELECT MIN(id) FROM riskeval_prevention_action");
	struct {
		const char *method, *rest;
		bool body;
	} routes[] = {
		{"GET", "/duerp", false},
		{"POST", "/duerp/versions", true},
		{"GET", "/duerp/versions/%lld", false},
		{"GET", "/duerp/versions/%lld/file", false},
		{"PUT", "/duerp/versions/%lld", true},
		{"DELETE", "/duerp/versions/%lld", false},
		{"GET", "/prevention/analysis", false},
		{"GET", "/prevention-actions", false},
		{"POST", "/prevention-actions", true},
		{"POST", "/prevention-actions/%lld/answer", true},
	};
	assert_true(v > 0 && a > 0);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		char rest[128];
		json_int_t id = strstr(routes[i].rest, "prevention-actions/") ? a : v;

		snprintf(rest, sizeof(rest), routes[i].rest, (long long)id);
		snprintf(path, sizeof(path), "%s", company_path(T.company, rest));
		json_t *body = routes[i].body
			? upload_body("pdf", "x.pdf", "2024-01-10", PDF, sizeof(PDF) - 1, NULL) : NULL;
		if (body && strstr(rest, "answer"))
			json_decref(body), body = json_pack("{s:s}", "decision", "refusee");
		int status = status_of(T.employer2, routes[i].method, path, body);
		if (status != 403)
			fail_msg("%s %s : %d au lieu de 403", routes[i].method, path, status);
	}
	/* The action stayed accepted; company 1 has still one version. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_prevention_action WHERE status ="
	                          " 'acceptee'"), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM riskeval_duerp WHERE company_id = %lld",
	                          (long long)T.company), 1);
}

/* `socle backup` copies the files and checks each one; then one altered
 * byte in the live store makes the download a 500 (audited, logged), never
 * the altered bytes. */
static void test_backup_and_corruption(void **state)
{
	(void)state;
	char cmd[2048], rel[256], *out = NULL;
	char *backup = fs_join(D.dir, "sauvegarde.db");
	char *sha = NULL;
	json_int_t v = db_count("SELECT MIN(id) FROM riskeval_duerp WHERE company_id = %lld",
	                        (long long)T.company);
	json_t *r = get(T.employer, "%s", company_path(T.company, "/duerp"));

	sha = strdup(json_string_value(json_object_get(json_object_get(r, "last_version"),
	                                               "sha256")));
	json_decref(r);
	snprintf(cmd, sizeof(cmd), "%s/socle backup --config %s --service svc --to %s",
	         SOCLE_BINARY_DIR, D.config_path, backup);
	assert_int_equal(fs_run(cmd, &out), 0);
	/* Company 1's PDF and company 2's three files, and the two documents
	 * the flow issued (their PDFs live in the file store too). */
	assert_non_null(strstr(out, "6 fichiers copiés et vérifiés (SHA-256)"));
	free(out);
	snprintf(rel, sizeof(rel), "sauvegarde.db.files/%.2s/%s", sha, sha);
	char *copy = fs_join(D.dir, rel);
	struct stat sb;
	assert_int_equal(stat(copy, &sb), 0);
	free(copy);

	snprintf(rel, sizeof(rel), "svc.db.files/%.2s/%s", sha, sha);
	char *live = fs_join(D.dir, rel);
	assert_int_equal(chmod(live, 0640), 0);
	FILE *fp = fopen(live, "r+b");
	assert_non_null(fp);
	fseek(fp, 12, SEEK_SET);
	fputc('#', fp);
	fclose(fp);
	snprintf(rel, sizeof(rel), "/duerp/versions/%lld/file", (long long)v);
	r = expect(500, T.employer, "GET", company_path(T.company, rel), NULL);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'riskeval.duerp.download' AND outcome = 'failed'"), 1);
	/* The backup refuses an altered file rather than copying it. */
	snprintf(cmd, sizeof(cmd), "%s/socle backup --config %s --service svc --to %s.2",
	         SOCLE_BINARY_DIR, D.config_path, backup);
	assert_int_not_equal(fs_run(cmd, &out), 0);
	assert_non_null(strstr(out, "altéré"));
	free(out);
	free(live);
	free(backup);
	free(sha);
}

/* From 11 employees the DUERP is updated every year (R4121-2, through
 * duerp_update_due): the vault says when, then that the update is overdue
 * a year later, and membership's score stops counting the DUERP. */
static void test_update_due_from_11(void **state)
{
	(void)state;
	/* The company grew to 12 (the declared headcount: company_headcount's
	 * default); then it uploads its DUERP of 1 December 2024. */
	db_exec("UPDATE membership_company SET headcount = 12 WHERE siret = '44306184100047'");
	json_decref(expect(201, T.employer2, "POST", company_path(T.company2, "/duerp/versions"),
	                   upload_body("pdf", "duerp-2024.pdf", "2024-12-01", PDF, sizeof(PDF) - 1,
	                               NULL)));
	json_t *r = get(T.employer2, "%s", company_path(T.company2, "/duerp"));
	json_t *u = json_object_get(r, "update");
	assert_true(json_is_true(json_object_get(u, "yearly_update")));
	assert_string_equal(json_string_value(json_object_get(u, "due_on")), "2025-12-01");
	assert_false(json_is_true(json_object_get(r, "update_overdue")));
	assert_true(json_is_true(json_object_get(r, "transmitted_this_year")));
	json_decref(r);
	for (int i = 0; i < 200 && db_count("SELECT COUNT(*) FROM membership_duerp_input WHERE"
	                                    " update_due_on = '2025-12-01'") < 1; i++)
		usleep(25000);
	double current = score_of(T.employer2, T.company2);
	assert_true(current == 3.5);

	/* 10 January 2026: nothing new reached the service this year, the
	 * update is overdue; scored again, the DUERP no longer counts. */
	restart_at("2026-01-10T09:00:00Z");
	free(T.employer2);
	T.employer2 = login("rh@morel.test", EMPLOYER_PASSWORD);
	r = get(T.employer2, "%s", company_path(T.company2, "/duerp"));
	assert_false(json_is_true(json_object_get(r, "transmitted_this_year")));
	assert_true(json_is_true(json_object_get(r, "update_overdue")));
	json_decref(r);
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/prevention-score",
	         (long long)T.company2);
	r = expect(200, T.employer2, "POST", path, NULL);
	assert_true(json_number_value(json_object_get(r, "score")) == 2.0);
	assert_non_null(strstr(json_string_value(json_object_get(r, "explanation")),
	                       "à mettre à jour depuis le 1er décembre 2025 (R4121-2)"));
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duerp_journey),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_other_company_refused),
		cmocka_unit_test(test_backup_and_corruption),
		cmocka_unit_test(test_update_due_from_11),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
