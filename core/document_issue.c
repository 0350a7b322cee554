/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Documents, part three: issued documents and their verification.
 *
 * Issuing takes two short writes around the rendering, so that the single
 * writer of the service never waits for cairo: the first reserves the row
 * (its id makes the number "2026-000042", printed on the document, and the
 * hash of a fresh verification code), the second stores the PDF, its SHA-256
 * and marks the previous document of the same subject replaced. A render
 * that fails leaves a reserved row that the verification route never shows:
 * a gap in the numbering, never a number on two documents.
 *
 * The verification code: 100 random bits (libsodium), written as 20 letters
 * and digits of Crockford's base32 (no I, L, O, U: nothing to misread) in
 * groups of four. Only its SHA-256 is stored: the table alone does not give
 * the codes away. GET /documents/verify/{code} is public and throttled like
 * the login: every unknown code counts as a failure of the caller's address
 * (20 in 15 minutes lock it, the lock doubling up to a day), so that codes
 * cannot be guessed by trying; it tells whether the service issued a document
 * with that code, its number and when, and whether a newer one replaced it,
 * never its kind nor whom it concerns.
 *
 * The PDF bytes live in the core file store (<socle/files.h>), named by the
 * SHA-256 the row keeps, written durably before the row commits, with a
 * retention date per kind (keep_until_of); the row keeps only the hash and
 * the size. Rows issued before the store keep their bytes in the pdf BLOB
 * and are served from it. Every read recomputes the SHA-256 and refuses
 * bytes that differ from the ones issued, logged as an error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "auth.h"
#include "document_core.h"
#include "store.h"
#include <socle/files.h>

#define CODE_CHARS 20 /* 100 bits */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

const struct socle_migration document_migrations[] = {
	{1, "CREATE TABLE core_document (\n"
	    "  id INTEGER PRIMARY KEY,\n"
	    "  number TEXT UNIQUE,\n"
	    "  kind TEXT NOT NULL,\n"
	    "  subject TEXT NOT NULL,\n"
	    "  state TEXT NOT NULL CHECK (state IN ('reserved', 'issued')),\n"
	    "  code_sha256 TEXT NOT NULL UNIQUE,\n"
	    "  description_sha256 TEXT NOT NULL,\n"
	    "  issued_at BIGINT NOT NULL,\n"
	    "  pdf_sha256 TEXT,\n"
	    "  pdf_size BIGINT,\n"
	    "  pdf BLOB,\n"
	    "  replaced_by BIGINT REFERENCES core_document (id),\n"
	    "  replaced_at BIGINT\n"
	    ");\n"
	    "CREATE INDEX core_document_subject ON core_document (kind, subject, id);\n"},
};
const size_t document_migrations_count = SOCLE_COUNT(document_migrations);

static void hex_of(const unsigned char *h, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	hex_of(h, sizeof(h), out);
}

/* A new code: @p plain gets the 20 characters, @p grouped "XXXX-XXXX-…". */
static void code_new(char plain[CODE_CHARS + 1], char grouped[SOCLE_DOCUMENT_CODE_SIZE])
{
	unsigned char raw[CODE_CHARS];
	size_t g = 0;

	randombytes_buf(raw, sizeof(raw));
	for (int i = 0; i < CODE_CHARS; i++) {
		plain[i] = crockford[raw[i] & 31]; /* 5 uniform bits of each byte */
		if (i > 0 && i % 4 == 0)
			grouped[g++] = '-';
		grouped[g++] = plain[i];
	}
	plain[CODE_CHARS] = '\0';
	grouped[g] = '\0';
	sodium_memzero(raw, sizeof(raw));
}

/* A code as typed by someone (case, dashes, spaces, O for 0, I or L for 1)
 * back to its 20 characters; false when it cannot be one. */
static bool code_normalize(const char *in, char out[CODE_CHARS + 1])
{
	size_t n = 0;

	for (const char *p = in; p && *p; p++) {
		char c = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);

		if (c == '-' || c == ' ')
			continue;
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (strchr(crockford, c) == NULL || c == '\0' || n == CODE_CHARS)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == CODE_CHARS;
}

/* ---- where the bytes live: the core file store ------------------------------------------ */

/* How long the file of a document of @p kind is kept, from its day of issue
 * @p day (YYYY-MM-DD) into @p out. Invoices: 10 years (code de commerce,
 * L123-22). Every other issued document (convocation, attestation, avis,
 * confirmation) may belong to the worker's health record (DMST), kept 20
 * years after the last visit and at least until the worker's 70th birthday
 * (or 50 years for exposure follow-up, R4624-...): the core does not know
 * the last visit nor the birth date, so it keeps them 40 years from issue,
 * the longest horizon that remains bounded; docs/documents.md says so. */
static void keep_until_of(const char *kind, const char *day, char out[SOCLE_DATE_SIZE])
{
	int years = strstr(kind, "invoice") ? 10 : 40;
	unsigned y = (unsigned)atoi(day) % 10000u, m = (unsigned)atoi(day + 5) % 100u;
	unsigned d = (unsigned)atoi(day + 8) % 100u;

	if (m == 2 && d == 29)
		d = 28; /* the anniversary of a 29 February, in a year that may not have one */
	snprintf(out, SOCLE_DATE_SIZE, "%04u-%02u-%02u", (y + (unsigned)years) % 10000u, m, d);
}

/* Inside the commit transaction: the file is already durable
 * (socle_file_put before the transaction); record its retention and name it
 * in the row. New rows never fill the pdf BLOB. */
static int pdf_store(socle_db *wdb, int64_t id, const char *kind, int64_t issued_ms, size_t len,
                     const char *sha, socle_err *err)
{
	char day[SOCLE_DATE_SIZE], keep[SOCLE_DATE_SIZE];

	doc_day_of(issued_ms, day);
	keep_until_of(kind, day, keep);
	int rc = socle_file_retain(wdb, sha, keep, err);
	if (rc < 0)
		return rc;
	rc = socle_db_run_new(wdb, "UPDATE core_document SET pdf = NULL, pdf_sha256 = :sha,"
	                           " pdf_size = :size WHERE id = :id",
	                      json_pack("{s:s, s:I, s:I}", "sha", sha, "size", (json_int_t)len,
	                                "id", (json_int_t)id), err);
	return rc < 0 ? rc : 0;
}

static int pdf_altered(socle_db *db, int64_t id, const char *number, const char *got,
                       const char *want, bool *altered, socle_err *err)
{
	socle_log(SOCLE_LOG_ERROR, "service %s : document %s altéré : SHA-256 %s au lieu de %s "
	          "(id %" PRId64 ")", socle_service_id(socle_db_service(db)),
	          number ? number : "?", got, want ? want : "?", id);
	*altered = true;
	return socle_err_set(err, SOCLE_E_INTERNAL, "document altéré depuis son émission");
}

/* The bytes of document @p id, checked against the SHA-256 recorded when it
 * was issued: from the file store, or, for a row issued before the store
 * (its pdf BLOB set), from that BLOB, left where it is (rows are never
 * rewritten on a read: a read connection cannot write, and the BLOB is
 * checked just the same). *altered: they differ (SOCLE_E_INTERNAL, logged). */
static int pdf_load(socle_db *db, int64_t id, unsigned char **out, size_t *len, bool *altered,
                    socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, "SELECT pdf, pdf_sha256, number FROM core_document"
	                                      " WHERE id = :id AND state = 'issued'", err);
	int rc;

	*out = NULL;
	*len = 0;
	*altered = false;
	if (st == NULL)
		return err->code;
	socle_stmt_bind_int(st, ":id", id);
	rc = socle_stmt_step(st, err);
	if (rc <= 0) {
		socle_stmt_release(st);
		return rc < 0 ? rc : socle_err_set(err, SOCLE_E_NOTFOUND, "document introuvable");
	}
	const char *want = socle_stmt_text(st, 1), *number = socle_stmt_text(st, 2);
	char sha[65];

	if (sqlite3_column_type(st->h, 0) == SQLITE_NULL) {
		/* In the file store: its checked read refuses changed bytes. */
		char *data = NULL;
		size_t n = 0;

		if (want == NULL) {
			rc = pdf_altered(db, id, number, "(aucun)", want, altered, err);
		} else if ((rc = socle_file_read(socle_db_service(db), want, &data, &n, err)) < 0) {
			if (err->code == SOCLE_E_IO || err->code == SOCLE_E_NOTFOUND)
				rc = pdf_altered(db, id, number, err->code == SOCLE_E_IO ? "différent"
				                 : "(fichier absent)", want, altered, err);
		} else {
			*out = (unsigned char *)data;
			*len = n;
		}
		socle_stmt_release(st);
		return rc < 0 ? rc : 0;
	}
	const void *blob = sqlite3_column_blob(st->h, 0);
	size_t n = (size_t)sqlite3_column_bytes(st->h, 0);

	sha256_hex(blob ? blob : "", n, sha);
	if (want == NULL || strcmp(sha, want) != 0) {
		rc = pdf_altered(db, id, number, sha, want, altered, err);
		socle_stmt_release(st);
		return rc;
	}
	*out = malloc(n ? n : 1);
	if (*out == NULL) {
		socle_stmt_release(st);
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	memcpy(*out, blob, n);
	*len = n;
	socle_stmt_release(st);
	return 0;
}

/* ---- issuing -------------------------------------------------------------------------------- */

struct reserve {
	const char *kind, *subject, *code_sha, *desc_sha;
	int64_t now, id;
	char number[24];
};

static int reserve_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct reserve *r = ud;
	char day[SOCLE_DATE_SIZE];
	int rc = socle_db_run_new(wdb,
		"INSERT INTO core_document (kind, subject, state, code_sha256, description_sha256,"
		" issued_at) VALUES (:kind, :subject, 'reserved', :code, :desc, :now)",
		json_pack("{s:s, s:s, s:s, s:s, s:I}", "kind", r->kind, "subject", r->subject, "code",
		          r->code_sha, "desc", r->desc_sha, "now", (json_int_t)r->now), err);

	if (rc < 0)
		return rc;
	r->id = socle_db_last_insert_id(wdb);
	doc_day_of(r->now, day);
	snprintf(r->number, sizeof(r->number), "%.4s-%06" PRId64, day, r->id);
	rc = socle_db_run_new(wdb, "UPDATE core_document SET number = :n WHERE id = :id",
	                      json_pack("{s:s, s:I}", "n", r->number, "id", (json_int_t)r->id), err);
	return rc < 0 ? rc : 0;
}

struct commit {
	const struct reserve *r;
	const unsigned char *pdf;
	size_t len;
	const char *sha;
};

static int commit_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct commit *c = ud;
	int rc = pdf_store(wdb, c->r->id, c->r->kind, c->r->now, c->len, c->sha, err);

	if (rc < 0)
		return rc;
	rc = socle_db_run_new(wdb, "UPDATE core_document SET state = 'issued' WHERE id = :id",
	                      json_pack("{s:I}", "id", (json_int_t)c->r->id), err);
	if (rc < 0)
		return rc;
	rc = socle_db_run_new(wdb,
		"UPDATE core_document SET replaced_by = :id, replaced_at = :now"
		" WHERE kind = :kind AND subject = :subject AND state = 'issued'"
		" AND replaced_by IS NULL AND id <> :id",
		json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)c->r->id, "now",
		          (json_int_t)c->r->now, "kind", c->r->kind, "subject", c->r->subject), err);
	return rc < 0 ? rc : 0;
}

/* The description's fingerprint: what decides whether a document changed. */
static int describe_sha(const json_t *doc, char out[65], socle_err *err)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);

	if (text == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	sha256_hex(text, strlen(text), out);
	free(text);
	return 0;
}

static int issue(socle_service *svc, const char *kind, const char *subject, const json_t *doc,
                 struct socle_document_issued *out, bool *altered, socle_err *err)
{
	char desc_sha[65];

	memset(out, 0, sizeof(*out));
	*altered = false;
	if (svc == NULL || kind == NULL || *kind == '\0' || subject == NULL || *subject == '\0')
		return socle_err_set(err, SOCLE_E_INVAL, "service, type et objet du document requis");
	if (socle_document_check(doc, err) != 0 || describe_sha(doc, desc_sha, err) != 0)
		return err->code;

	/* The latest of this subject, if issued from the same description. */
	socle_db *db = socle_service_reader(svc, err);
	if (db == NULL)
		return err->code;
	json_t *last = socle_db_query_one_new(db,
		"SELECT id, number, issued_at, pdf_sha256, description_sha256 FROM core_document"
		" WHERE kind = :kind AND subject = :subject AND state = 'issued'"
		" AND replaced_by IS NULL ORDER BY id DESC LIMIT 1",
		json_pack("{s:s, s:s}", "kind", kind, "subject", subject), err);
	if (last == NULL && err->code != SOCLE_E_NOTFOUND)
		return err->code;
	if (last && strcmp(json_string_value(json_object_get(last, "description_sha256")),
	                   desc_sha) == 0) {
		int rc = pdf_load(db, json_integer_value(json_object_get(last, "id")), &out->pdf,
		                  &out->pdf_len, altered, err);

		if (rc == 0) {
			out->id = json_integer_value(json_object_get(last, "id"));
			snprintf(out->number, sizeof(out->number), "%s",
			         json_string_value(json_object_get(last, "number")));
			out->issued_at_ms = json_integer_value(json_object_get(last, "issued_at"));
			snprintf(out->sha256, sizeof(out->sha256), "%s",
			         json_string_value(json_object_get(last, "pdf_sha256")));
		}
		json_decref(last);
		return rc;
	}
	json_decref(last);
	*err = (socle_err)SOCLE_ERR_INIT;

	char plain[CODE_CHARS + 1], code_sha[65], path[160];
	struct reserve r = {.kind = kind, .subject = subject, .code_sha = code_sha,
	                    .desc_sha = desc_sha, .now = socle_now_ms()};

	code_new(plain, out->code);
	sha256_hex(plain, CODE_CHARS, code_sha);
	int rc = socle_service_write(svc, reserve_txn, &r, err);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/%s/documents/verify/%s", socle_service_id(svc),
	         out->code);
	char *url = socle_service_url(svc, path);
	struct doc_stamp stamp = {.number = r.number, .code = out->code, .verify_url = url,
	                          .issued_at_ms = r.now};

	if (url == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	rc = doc_render_pdf(svc, doc, &stamp, &out->pdf, &out->pdf_len, err);
	free(url);
	if (rc < 0)
		return rc;
	/* Durable in the file store before the row that names it commits. */
	rc = socle_file_put(svc, out->pdf, out->pdf_len, out->sha256, err);
	if (rc < 0) {
		socle_document_issued_free(out);
		return rc;
	}
	struct commit c = {.r = &r, .pdf = out->pdf, .len = out->pdf_len, .sha = out->sha256};

	rc = socle_service_write(svc, commit_txn, &c, err);
	if (rc < 0) {
		socle_document_issued_free(out);
		return rc;
	}
	out->id = r.id;
	snprintf(out->number, sizeof(out->number), "%s", r.number);
	out->issued_at_ms = r.now;
	out->fresh = true;
	return 0;
}

SOCLE_API int socle_document_issue(socle_service *svc, const char *kind, const char *subject,
                                   const json_t *doc, struct socle_document_issued *out,
                                   socle_err *err)
{
	bool altered;
	socle_err local = SOCLE_ERR_INIT;

	int rc = issue(svc, kind, subject, doc, out, &altered, err ? err : &local);
	if (rc < 0)
		socle_document_issued_free(out);
	return rc;
}

SOCLE_API void socle_document_issued_free(struct socle_document_issued *d)
{
	if (d == NULL)
		return;
	free(d->pdf);
	d->pdf = NULL;
	d->pdf_len = 0;
}

SOCLE_API int socle_reply_document_pdf(socle_req *req, const char *kind, const char *subject,
                                       const json_t *doc, const char *filename)
{
	struct socle_document_issued d;
	socle_err err = SOCLE_ERR_INIT;
	bool altered;
	char name[128], disp[200];
	size_t n = 0;

	if (issue(socle_req_service(req), kind, subject, doc, &d, &altered, &err) < 0) {
		socle_document_issued_free(&d);
		if (altered)
			return socle_reply_error(req, 500, "document_altered",
			                         "Le document enregistré a été modifié depuis son émission "
			                         ": il n'est pas servi. Le service en est averti.");
		return socle_reply_err(req, &err);
	}
	for (const char *p = filename ? filename : "document.pdf"; *p && n < sizeof(name) - 1; p++)
		name[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		                   (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'
		                   ? *p : '-');
	name[n] = '\0';
	snprintf(disp, sizeof(disp), "inline; filename=\"%s\"", name);
	socle_req_add_header(req, "Content-Disposition", disp);
	socle_req_add_header(req, "Cache-Control", "private, no-store");
	socle_req_add_header(req, "X-Document-Number", d.number);
	socle_req_add_header(req, "X-Document-Sha256", d.sha256);
	int rc = socle_reply_bytes(req, 200, "application/pdf", (const char *)d.pdf, d.pdf_len);

	socle_document_issued_free(&d);
	return rc;
}

/* ---- the routes ------------------------------------------------------------------------------ */

static int reply_throttled(socle_req *req, int64_t left_ms)
{
	char secs[24];
	int64_t s = (left_ms + 999) / 1000;

	snprintf(secs, sizeof(secs), "%" PRId64, s < 1 ? 1 : s);
	socle_req_add_header(req, "Retry-After", secs);
	return socle_reply_error(req, 429, "throttled", "Trop de vérifications infructueuses depuis "
	                         "votre adresse : réessayez plus tard.");
}

static int route_verify(socle_req *req, void *ud)
{
	socle_service *svc = socle_req_service(req);
	struct auth_throttle *t = &svc->auth->throttle_address;
	char key[96], plain[CODE_CHARS + 1], sha[65];
	int64_t now = socle_now_ms();
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	snprintf(key, sizeof(key), "documents.verify|%s", socle_req_client_ip(req));
	int64_t left = auth_throttle_blocked(t, key, now);
	if (left > 0)
		return reply_throttled(req, left);
	json_t *row = NULL;
	bool valid = code_normalize(socle_req_param(req, "code"), plain);

	if (valid) {
		socle_db *db = socle_req_reader(req, &err);

		if (db == NULL)
			return socle_reply_err(req, &err);
		sha256_hex(plain, CODE_CHARS, sha);
		row = socle_db_query_one_new(db,
			"SELECT number, issued_at, replaced_at FROM core_document"
			" WHERE code_sha256 = :h AND state = 'issued'",
			json_pack("{s:s}", "h", sha), &err);
		if (row == NULL && err.code != SOCLE_E_NOTFOUND)
			return socle_reply_err(req, &err);
	}
	const char *name = socle_service_name(svc);
	char msg[400];

	if (row == NULL) {
		auth_throttle_fail(t, key, now);
		snprintf(msg, sizeof(msg), "Aucun document émis par %s ne porte ce code de "
		         "vérification.", name);
		return socle_reply_json(req, 200, json_pack("{s:s, s:s, s:s}", "status", "unknown",
		                                            "service", name, "message", msg));
	}
	int64_t at = json_integer_value(json_object_get(row, "issued_at"));
	const json_t *rep = json_object_get(row, "replaced_at");
	char day[SOCLE_DATE_SIZE], fr[SOCLE_DATE_FR_SIZE], rday[SOCLE_DATE_SIZE] = "";
	char rfr[SOCLE_DATE_FR_SIZE] = "", iso[32];
	int64_t secs = at / 1000 % 86400;

	doc_day_of(at, day);
	socle_date_fr(day, fr);
	snprintf(iso, sizeof(iso), "%sT%02d:%02d:%02dZ", day, (int)(secs / 3600),
	         (int)(secs / 60 % 60), (int)(secs % 60));
	if (json_is_integer(rep)) {
		doc_day_of(json_integer_value(rep), rday);
		socle_date_fr(rday, rfr);
	}
	snprintf(msg, sizeof(msg), "Le document n° %s a bien été émis par %s le %s.%s%s%s",
	         json_string_value(json_object_get(row, "number")), name, fr,
	         *rday ? " Il a été remplacé par un document plus récent le " : "", rfr,
	         *rday ? "." : "");
	json_t *out = json_pack("{s:s, s:s, s:O, s:s, s:s, s:b, s:s}", "status", "issued", "service",
	                        name, "number", json_object_get(row, "number"), "issued_at", iso,
	                        "issued_on", day, "replaced", *rday != '\0', "message", msg);

	if (out && *rday)
		json_object_set_new(out, "replaced_on", json_string(rday));
	else if (out)
		json_object_set_new(out, "replaced_on", json_null());
	json_decref(row);
	return socle_reply_json(req, 200, out);
}

static const char print_css[] =
	"/* Documents du service : écran et impression (A4). */\n"
	"@page { size: A4; margin: 2cm; }\n"
	"body { font-family: \"DejaVu Sans\", sans-serif; font-size: 10pt; color: #000;"
	" max-width: 48rem; margin: 1rem auto; padding: 0 1rem; line-height: 1.4;"
	" hyphens: manual; }\n"
	"header.identity { border-bottom: 1px solid #555; margin-bottom: 1.5rem; }\n"
	"header.identity img { max-height: 42pt; float: left; margin-right: 10pt; }\n"
	"header.identity p { margin: 0; font-size: 8.5pt; }\n"
	"header.identity p.service { font-weight: bold; font-size: 11pt; }\n"
	"h1 { font-size: 16pt; color: #1d4f91; } h2 { font-size: 12.5pt; color: #1d4f91; }\n"
	"table { border-collapse: collapse; width: 100%; margin: 0 0 1rem; }\n"
	"th, td { text-align: left; vertical-align: top; padding: 4pt;"
	" border-bottom: 1px solid #999; }\n"
	"thead th { background: #e6ebf2; }\n"
	"table.fields th { width: 33%; border: 0; } table.fields td { border: 0; }\n"
	".right { text-align: right; } .center { text-align: center; }\n"
	".signature { margin: 2rem 0 0 50%; } .signature .name { font-weight: bold;"
	" margin-top: 3rem; border-top: 1px solid #666; }\n"
	"@media print { body { margin: 0; max-width: none; padding: 0; }"
	" a { color: inherit; } h2 { break-after: avoid; } tr, .signature"
	" { break-inside: avoid; } thead { display: table-header-group; } }\n";

static int route_css(socle_req *req, void *ud)
{
	(void)ud;
	return socle_reply_bytes(req, 200, "text/css; charset=utf-8", print_css,
	                         sizeof(print_css) - 1);
}

static const struct socle_route document_routes[] = {
	{SOCLE_GET, "/documents/verify/{code}", SOCLE_CAP_PUBLIC, 0, route_verify, NULL},
	{SOCLE_GET, "/documents/print.css", SOCLE_CAP_PUBLIC, 0, route_css, NULL},
};

static const struct socle_route_doc document_docs[] = {
	{SOCLE_GET, "/documents/verify/{code}", "Vérifier qu'un document a été émis par le service "
	 "(code imprimé au pied du document ; sans connexion, limité comme la connexion).", NULL, 0,
	 NULL, 0, "{status: issued|unknown, service, number, issued_at, issued_on, replaced, "
	 "replaced_on, message} : ni le type du document ni la personne concernée."},
	{SOCLE_GET, "/documents/print.css", "La feuille de style des documents en HTML (écran et "
	 "impression A4).", NULL, 0, NULL, 0, NULL},
};

int document_register_core(socle_core *core, socle_err *err)
{
	for (size_t i = 0; i < SOCLE_COUNT(document_docs); i++)
		if (registry_add_route_doc(&core->reg, &document_docs[i]) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	for (size_t i = 0; i < SOCLE_COUNT(document_routes); i++) {
		struct reg_route rec = {.owner = NULL, .route = &document_routes[i]};

		if (registry_add_route(&core->reg, &rec) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	return 0;
}
