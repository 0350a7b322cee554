/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The DUERP vault (issue 14 item 4; the national portal was never deployed):
 * the company uploads each version of its document unique d'évaluation des
 * risques professionnels; the service keeps it.
 *
 *  - Bytes, not names: the declared format (pdf, odt, docx, xlsx) and the
 *    file name's extension must agree with the bytes (duerp_format.c).
 *  - Kept 40 years from the version's date (R4121-4): the file lives in the
 *    core file store (socle/files.h), written durably before the row, with
 *    keep_until = version date + 40 years; its SHA-256 is stored in the row
 *    and checked again on every download.
 *  - Never overwritten: there is no route that changes or deletes a version;
 *    PUT and DELETE on one answer 405 for everyone, service_admin included,
 *    and each attempt is audited.
 *  - Status: "transmitted this year" (L4121-3-1 VI: sent to the service at
 *    each update) and "update due" through the duerp_update_due rule point
 *    (yearly from 11 employees, R4121-2).
 *  - Every read (list, one version, download) is audited.
 *  - duerp.version_added carries what membership's prevention score takes as
 *    an input (membership keeps it in its own table: data that flows against
 *    the requires order comes by events).
 *
 * Uploads are JSON with the file in base64: the core's router takes JSON
 * (and CSV) bodies only; the size limit is the service setting
 * duerp_max_bytes, on the decoded file. */
#include <sodium.h>

#include "riskeval.h"

#define DUERP_DEFAULT_MAX (20 * 1024 * 1024)
#define DUERP_KEEP_YEARS 40
/* The router reads a body before it authenticates its sender: its limit on
 * the upload route is the largest duerp_max_bytes of the services in base64,
 * plus room for the other fields, set in init (duerp_body_limit). */
static size_t duerp_body_limit(socle_plugin *p)
{
	int64_t max = 0;

	for (size_t i = 0; i < socle_core_service_count(socle_plugin_core(p)); i++) {
		socle_service *svc = socle_core_service_at(socle_plugin_core(p), i);

		if (socle_service_enables(svc, "riskeval") && riskeval_duerp_max_bytes(svc) > max)
			max = riskeval_duerp_max_bytes(svc);
	}
	return (size_t)(max + 2) / 3 * 4 + 64 * 1024;
}

int64_t riskeval_duerp_max_bytes(socle_service *svc)
{
	const json_t *v = json_object_get(socle_service_settings(svc, riskeval_plugin),
	                                  "duerp_max_bytes");

	return json_is_integer(v) ? json_integer_value(v) : DUERP_DEFAULT_MAX;
}

static int check_risk_codes(const json_t *v, char *msg, size_t size)
{
	size_t i;
	const json_t *e;

	if (json_array_size(v) > 200)
		return snprintf(msg, size, "200 codes de risque au plus."), -1;
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);

		if (s == NULL || s[0] == '\0' || strlen(s) > 64)
			return snprintf(msg, size, "Risque n° %zu : un code du thésaurus (64 caractères au "
			                "plus).", i + 1), -1;
		for (; *s; s++)
			if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
			      *s == '.' || *s == '-'))
				return snprintf(msg, size, "Risque n° %zu : code attendu en lettres minuscules, "
				                "chiffres, « _ », « . » ou « - ».", i + 1), -1;
	}
	return 0;
}

static int check_filename(const json_t *v, char *msg, size_t size)
{
	for (const char *s = json_string_value(v); *s; s++)
		if (*s == '/' || *s == '\\' || (unsigned char)*s < 0x20)
			return snprintf(msg, size, "Nom de fichier sans « / », « \\ » ni caractère de "
			                "contrôle."), -1;
	return 0;
}

static const struct socle_field upload_fields[] = {
	{"version_on", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"format", SOCLE_F_ENUM, true, 0, 0, riskeval_duerp_formats, NULL},
	{"filename", SOCLE_F_STRING, true, 1, 200, NULL, check_filename},
	{"content_base64", SOCLE_F_STRING, true, 1, 0, NULL, NULL},
	{"risks", SOCLE_F_ARRAY, false, 0, 0, NULL, check_risk_codes},
	{"note", SOCLE_F_STRING, false, 0, 2000, NULL, NULL},
};

/* The extension of @p name (after the last dot, lower-cased) is @p format's? */
static bool extension_is(const char *name, const char *format)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL || strlen(dot + 1) != strlen(format))
		return false;
	for (size_t i = 0; format[i]; i++)
		if ((char)((dot[1 + i] >= 'A' && dot[1 + i] <= 'Z') ? dot[1 + i] + 32 : dot[1 + i]) !=
		    format[i])
			return false;
	return true;
}

/* duerp_update_due for the company's headcount (company_headcount) and a version of @p date (NULL:
 * none), on @p on_date: a new object, NULL with @p err set. */
json_t *riskeval_duerp_update(socle_service *svc, socle_db *db, int64_t company,
                              const char *date, const char *on_date, socle_err *err)
{
	json_t *h = riskeval_company_headcount(svc, db, company, on_date, err), *out = NULL;

	if (h == NULL)
		return NULL;
	json_int_t headcount = json_integer_value(json_object_get(h, "headcount"));
	json_t *why = json_incref(json_object_get(h, "explanation"));

	json_decref(h);
	json_t *args = date ? json_pack("[{s:I}, {s:s}, s]", "headcount", headcount, "date", date,
	                                on_date)
	                    : json_pack("[{s:I}, {}, s]", "headcount", headcount, on_date);
	if (args == NULL) {
		json_decref(why);
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	int rc = socle_rule_call(svc, "duerp_update_due", args, &out, err);

	json_decref(args);
	if (rc != 0) {
		json_decref(why);
		return NULL;
	}
	json_object_set_new(out, "headcount", json_integer(headcount));
	json_object_set_new(out, "headcount_explanation", why);
	return out;
}

/* A version row as the API shows it. */
static void version_view(json_t *row)
{
	const char *risks = json_string_value(json_object_get(row, "risks"));
	json_t *parsed = risks ? json_loads(risks, 0, NULL) : NULL;

	json_object_set_new(row, "risks", parsed ? parsed : json_array());
	int f = riskeval_duerp_format_index(json_string_value(json_object_get(row, "format")));

	if (f >= 0)
		json_object_set_new(row, "content_type", json_string(riskeval_duerp_mime[f]));
}

#define VERSION_COLUMNS                                                                      \
	"id, company_id, version_on, received_on, format, filename, size, sha256, keep_until, " \
	"risks, note, uploaded_by, uploaded_at"

struct upload {
	socle_req *req;
	int64_t company;
	const json_t *body;
	const char *sha256;
	int64_t size;
	char received_on[SOCLE_DATE_SIZE];
	char keep_until[SOCLE_DATE_SIZE];
	const json_t *update; /* duerp_update_due for this version */
	int64_t id;
};

static int upload_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct upload *u = ud;
	const json_t *b = u->body;
	int rc;

	if ((rc = riskeval_company_sync(wdb, u->company, err)))
		return rc;
	/* The file is already durable (socle_file_put): the row may commit. */
	if ((rc = socle_file_retain(wdb, u->sha256, u->keep_until, err)))
		return rc;
	const json_t *risks = json_object_get(b, "risks");
	char *risks_text = json_dumps(risks ? risks : json_array(), JSON_COMPACT);

	rc = socle_db_run_new(wdb,
		"INSERT INTO riskeval_duerp (company_id, version_on, received_on, format, filename,"
		" size, sha256, keep_until, risks, note, uploaded_by, uploaded_at) VALUES (:c, :on,"
		" :received, :format, :name, :size, :sha, :keep, :risks, :note, :by, :now)",
		json_pack("{s:I, s:O, s:s, s:O, s:O, s:I, s:s, s:s, s:s?, s:O?, s:I, s:I}", "c",
		          (json_int_t)u->company, "on", json_object_get(b, "version_on"), "received",
		          u->received_on, "format", json_object_get(b, "format"), "name",
		          json_object_get(b, "filename"), "size", (json_int_t)u->size, "sha", u->sha256,
		          "keep", u->keep_until, "risks", risks_text, "note", json_object_get(b, "note"),
		          "by", (json_int_t)socle_principal_user_id(socle_req_principal(u->req)), "now",
		          (json_int_t)socle_now_ms()), err);
	free(risks_text);
	if (rc < 0)
		return rc;
	u->id = socle_db_last_insert_id(wdb);
	if ((rc = riskeval_audit(wdb, u->req, "riskeval.duerp.upload", "duerp", u->id,
	                         json_pack("{s:I, s:s, s:O, s:s, s:I}", "company_id",
	                                   (json_int_t)u->company, "sha256", u->sha256, "format",
	                                   json_object_get(b, "format"), "keep_until", u->keep_until,
	                                   "size", (json_int_t)u->size), err)))
		return rc;
	return riskeval_emit(wdb, "duerp.version_added", json_pack(
		"{s:I, s:I, s:O, s:s, s:b, s:O?, s:O}", "duerp_id", (json_int_t)u->id, "company_id",
		(json_int_t)u->company, "version_on", json_object_get(b, "version_on"), "received_on",
		u->received_on, "yearly_update", json_is_true(json_object_get(u->update, "yearly_update")),
		"update_due_on", json_object_get(u->update, "due_on"), "headcount",
		json_object_get(u->update, "headcount")), err);
}

int riskeval_duerp_store(socle_req *req, int64_t company, const json_t *fields,
                         const unsigned char *bytes, size_t len, int64_t *id, socle_err *err)
{
	char today[SOCLE_DATE_SIZE];
	const char *version_on = json_string_value(json_object_get(fields, "version_on"));

	socle_date_today(today);
	socle_db *db = socle_req_reader(req, err);
	json_t *update = db ? riskeval_duerp_update(socle_req_service(req), db, company, version_on,
	                                            today, err)
	                    : NULL;
	if (update == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	char sha[SOCLE_FILE_HASH_HEX];
	/* Durable on disk before the transaction that names it. */
	int rc = socle_file_put(socle_req_service(req), bytes, len, sha, err);

	if (rc != 0) {
		json_decref(update);
		return rc;
	}
	struct upload u = {.req = req, .company = company, .body = fields, .sha256 = sha,
	                   .size = (int64_t)len, .update = update};

	memcpy(u.received_on, today, sizeof(today));
	/* R4121-4: kept 40 years from the version's own date. */
	socle_date_add_months(version_on, 12 * DUERP_KEEP_YEARS, u.keep_until);
	rc = socle_service_write(socle_req_service(req), upload_tx, &u, err);
	json_decref(update);
	*id = u.id;
	return rc;
}

/* POST /riskeval/companies/{id}/duerp/versions: the company's employer users. */
static int duerp_upload(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	json_t *errors = NULL;
	const json_t *b = socle_req_body(req);
	char msg[400];
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	if (riskeval_is_staff(req))
		return socle_reply_error(req, 403, "forbidden", "Le DUERP est déposé par l'entreprise "
		                         "elle-même, depuis son espace.");
	if (b == NULL)
		return socle_reply_error(req, 400, "invalid", "Corps JSON attendu.");
	if (socle_fields_check(b, upload_fields, SOCLE_COUNT(upload_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	char today[SOCLE_DATE_SIZE];
	const char *version_on = json_string_value(json_object_get(b, "version_on"));
	const char *format = json_string_value(json_object_get(b, "format"));
	const char *filename = json_string_value(json_object_get(b, "filename"));

	socle_date_today(today);
	if (strcmp(version_on, today) > 0)
		socle_field_error(&errors, "version_on", "La date de la version ne peut pas être dans "
		                  "le futur.");
	if (!extension_is(filename, format))
		socle_field_error(&errors, "filename", "Le nom du fichier doit finir par « .%s », le "
		                  "format déclaré.", format);
	if (riskeval_thesaurus_require(socle_req_service(req), json_object_get(b, "risks"), "risks",
	                               &errors, &err) < 0)
		return socle_reply_err(req, &err);
	if (errors)
		return socle_reply_invalid(req, errors);

	/* Decode, then the size limit on the file itself, then its bytes. */
	const char *b64 = json_string_value(json_object_get(b, "content_base64"));
	size_t b64_len = json_string_length(json_object_get(b, "content_base64"));
	int64_t max = riskeval_duerp_max_bytes(socle_req_service(req));

	if ((int64_t)(b64_len / 4 * 3) > max + 3) {
		snprintf(msg, sizeof(msg), "Fichier trop volumineux : %" PRId64 " octets au plus "
		         "(réglage du service).", max);
		return socle_reply_error(req, 413, "too_large", msg);
	}
	size_t cap = b64_len / 4 * 3 + 3, len = 0;
	unsigned char *bytes = malloc(cap ? cap : 1);

	if (bytes == NULL)
		return SOCLE_E_NOMEM;
	if (sodium_base642bin(bytes, cap, b64, b64_len, "\r\n", &len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bytes);
		socle_field_error(&errors, "content_base64", "Contenu attendu en base64.");
		return socle_reply_invalid(req, errors);
	}
	if ((int64_t)len > max) {
		free(bytes);
		snprintf(msg, sizeof(msg), "Fichier trop volumineux : %" PRId64 " octets au plus "
		         "(réglage du service).", max);
		return socle_reply_error(req, 413, "too_large", msg);
	}
	if (riskeval_duerp_check_bytes(format, bytes, len, msg, sizeof(msg)) != 0) {
		free(bytes);
		socle_field_error(&errors, "content_base64", "%s", msg);
		return socle_reply_invalid(req, errors);
	}
	int64_t id = 0;
	int rc = riskeval_duerp_store(req, company, b, bytes, len, &id, &err);

	free(bytes);
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? socle_db_query_one_new(db, "SELECT " VERSION_COLUMNS " FROM riskeval_duerp"
	                                          " WHERE id = :id", json_pack("{s:I}", "id",
	                                          (json_int_t)id), &err) : NULL;
	if (row == NULL)
		return socle_reply_err(req, &err);
	version_view(row);
	return socle_reply_json(req, 201, row);
}

static int audit_read(socle_req *req, const char *action, int64_t id, json_t *detail)
{
	socle_err err = SOCLE_ERR_INIT;
	struct socle_audit_entry e = {action, "duerp", id, "ok", detail};
	int rc = socle_audit_now(req, &e, &err);

	json_decref(detail);
	if (rc != 0)
		socle_reply_err(req, &err);
	return rc;
}

/* The vault's status for a company on @p today: a new object, NULL with @p err. */
json_t *riskeval_duerp_status(socle_service *svc, socle_db *db, int64_t company,
                              const char *today, socle_err *err)
{
	json_t *last = socle_db_query_one_new(db, "SELECT " VERSION_COLUMNS " FROM riskeval_duerp"
	                                      " WHERE company_id = :c ORDER BY version_on DESC,"
	                                      " id DESC LIMIT 1", json_pack("{s:I}", "c",
	                                      (json_int_t)company), err);
	if (last == NULL && err->code != SOCLE_E_NOTFOUND)
		return NULL;
	*err = (socle_err)SOCLE_ERR_INIT;
	json_t *n = socle_db_query_one_new(db, "SELECT COUNT(*) AS n, MAX(received_on) AS received"
	                                   " FROM riskeval_duerp WHERE company_id = :c",
	                                   json_pack("{s:I}", "c", (json_int_t)company), err);
	if (n == NULL) {
		json_decref(last);
		return NULL;
	}
	const char *received = json_string_value(json_object_get(n, "received"));
	/* L4121-3-1 VI: a version reached the service during this calendar year. */
	bool this_year = received != NULL && strncmp(received, today, 4) == 0;
	json_t *update = riskeval_duerp_update(
		svc, db, company, last ? json_string_value(json_object_get(last, "version_on")) : NULL,
		today, err);

	if (update == NULL) {
		json_decref(last);
		json_decref(n);
		return NULL;
	}
	const char *due = json_string_value(json_object_get(update, "due_on"));
	bool overdue = json_is_true(json_object_get(update, "yearly_update")) && due != NULL &&
	               strcmp(due, today) < 0;

	if (last)
		version_view(last);
	json_t *out = json_pack("{s:I, s:O, s:b, s:O?, s:o, s:b, s:o}", "company_id",
	                        (json_int_t)company, "versions", json_object_get(n, "n"),
	                        "transmitted_this_year", this_year, "last_received_on",
	                        json_object_get(n, "received"), "update", update, "update_overdue",
	                        overdue || (last == NULL &&
	                                    json_is_true(json_object_get(update, "yearly_update"))),
	                        "last_version", last ? last : json_null());
	json_decref(n);
	return out;
}

/* GET /riskeval/companies/{id}/duerp: status and versions, newest first. */
static int duerp_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	socle_date_today(today);
	socle_db *db = socle_req_reader(req, &err);
	json_t *status = db ? riskeval_duerp_status(socle_req_service(req), db, company, today, &err)
	                    : NULL;
	json_t *rows = status ? socle_db_query_new(db, "SELECT " VERSION_COLUMNS " FROM"
	                                           " riskeval_duerp WHERE company_id = :c ORDER BY"
	                                           " version_on DESC, id DESC LIMIT 500",
	                                           json_pack("{s:I}", "c", (json_int_t)company),
	                                           &err)
	                      : NULL;
	if (rows == NULL) {
		json_decref(status);
		return socle_reply_err(req, &err);
	}
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row)
		version_view(row);
	json_object_set_new(status, "items", rows);
	if (audit_read(req, "riskeval.duerp.list", company,
	               json_pack("{s:I}", "company_id", (json_int_t)company)) != 0) {
		json_decref(status);
		return 0;
	}
	return socle_reply_json(req, 200, status);
}

/* The version {v} of company {id}, after the company check; NULL once a
 * reply was sent. */
static json_t *version_of(socle_req *req, int64_t *company)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t v;

	if (riskeval_company_param(req, company) != 0)
		return NULL;
	if (socle_req_param_id(req, "version", &v) != 0) {
		socle_reply_error(req, 404, "not_found", "Version de DUERP introuvable.");
		return NULL;
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? socle_db_query_one_new(db, "SELECT " VERSION_COLUMNS " FROM"
	                                          " riskeval_duerp WHERE id = :v AND company_id = :c",
	                                          json_pack("{s:I, s:I}", "v", (json_int_t)v, "c",
	                                                    (json_int_t)*company), &err)
	                 : NULL;
	if (row == NULL) {
		if (err.code == SOCLE_E_NOTFOUND)
			socle_reply_error(req, 404, "not_found", "Version de DUERP introuvable.");
		else
			socle_reply_err(req, &err);
	}
	return row;
}

/* GET /riskeval/companies/{id}/duerp/versions/{version} */
static int duerp_get(socle_req *req, void *ud)
{
	int64_t company;
	json_t *row = version_of(req, &company);
	(void)ud;

	if (row == NULL)
		return 0;
	json_int_t id = json_integer_value(json_object_get(row, "id"));

	if (audit_read(req, "riskeval.duerp.read", id,
	               json_pack("{s:I}", "company_id", (json_int_t)company)) != 0) {
		json_decref(row);
		return 0;
	}
	version_view(row);
	return socle_reply_json(req, 200, row);
}

/* GET /riskeval/companies/{id}/duerp/versions/{version}/file: the bytes, streamed
 * once their SHA-256 matched the one stored with the version. */
static int duerp_download(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	json_t *row = version_of(req, &company);
	(void)ud;

	if (row == NULL)
		return 0;
	json_int_t id = json_integer_value(json_object_get(row, "id"));
	int f = riskeval_duerp_format_index(json_string_value(json_object_get(row, "format")));
	int rc = socle_reply_file(req, json_string_value(json_object_get(row, "sha256")),
	                          f >= 0 ? riskeval_duerp_mime[f] : "application/octet-stream",
	                          json_string_value(json_object_get(row, "filename")), &err);
	/* Audited whether the file went out or was found altered. */
	struct socle_audit_entry e = {"riskeval.duerp.download", "duerp", id, rc == 0 ? "ok" : "failed",
	                              NULL};
	json_t *detail = json_pack("{s:I, s:O}", "company_id", (json_int_t)company, "sha256",
	                           json_object_get(row, "sha256"));
	socle_err aerr = SOCLE_ERR_INIT;

	e.detail = detail;
	socle_audit_now(req, &e, &aerr);
	json_decref(detail);
	json_decref(row);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return 0;
}

/* PUT and DELETE /riskeval/companies/{id}/duerp/versions/{version}: never. A
 * stored version is kept as it was received for 40 years (R4121-4); a new
 * version is a new upload. Refused for everyone, service_admin included,
 * and audited. */
static int duerp_refuse_change(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	json_t *row = version_of(req, &company);
	(void)ud;

	if (row == NULL)
		return 0;
	json_int_t id = json_integer_value(json_object_get(row, "id"));
	bool del = socle_req_method(req) == SOCLE_DELETE;
	struct socle_audit_entry e = {del ? "riskeval.duerp.delete" : "riskeval.duerp.update",
	                              "duerp", id, "denied", NULL};
	json_t *detail = json_pack("{s:I, s:O}", "company_id", (json_int_t)company, "sha256",
	                           json_object_get(row, "sha256"));

	e.detail = detail;
	int rc = socle_audit_now(req, &e, &err);

	json_decref(detail);
	json_decref(row);
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_req_add_header(req, "Allow", "GET");
	return socle_reply_error(req, 405, "duerp_version_immutable",
	                         del ? "Une version déposée du DUERP ne peut pas être supprimée : "
	                               "elle est conservée 40 ans à compter de sa date (R4121-4)."
	                             : "Une version déposée du DUERP ne peut pas être modifiée : "
	                               "déposez une nouvelle version (R4121-4 : chaque version "
	                               "est conservée 40 ans).");
}

/* Not const: the upload's body limit is set in init from the settings. */
static struct socle_route duerp_routes[] = {
	{SOCLE_POST, "/riskeval/companies/{id}/duerp/versions", SOCLE_CAP_AUTHENTICATED, 0,
	 duerp_upload, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp", SOCLE_CAP_AUTHENTICATED, 0, duerp_list, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/versions/{version}", SOCLE_CAP_AUTHENTICATED,
	 0, duerp_get, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/versions/{version}/file",
	 SOCLE_CAP_AUTHENTICATED, 0, duerp_download, NULL},
	{SOCLE_PUT, "/riskeval/companies/{id}/duerp/versions/{version}", SOCLE_CAP_AUTHENTICATED,
	 0, duerp_refuse_change, NULL},
	{SOCLE_DELETE, "/riskeval/companies/{id}/duerp/versions/{version}",
	 SOCLE_CAP_AUTHENTICATED, 0, duerp_refuse_change, NULL},
};

static const struct socle_route_doc duerp_docs[] = {
	{SOCLE_POST, "/riskeval/companies/{id}/duerp/versions",
	 "L'entreprise dépose une version de son DUERP (PDF, ODT, DOCX ou XLSX, vérifié sur ses "
	 "octets), conservée 40 ans à compter de sa date (R4121-4).", upload_fields,
	 SOCLE_COUNT(upload_fields), NULL, 0, "201 : la version (sha256, keep_until, risks...)."},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp",
	 "Le coffre DUERP d'une entreprise : transmis cette année, mise à jour due, versions.",
	 NULL, 0, NULL, 0, "versions, transmitted_this_year, update, update_overdue, items."},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/versions/{version}",
	 "Une version du DUERP (lecture journalisée).", NULL, 0, NULL, 0, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/versions/{version}/file",
	 "Le fichier d'une version, envoyé après vérification de son SHA-256 (lecture "
	 "journalisée).", NULL, 0, NULL, 0, "Les octets du fichier, avec son type."},
	{SOCLE_PUT, "/riskeval/companies/{id}/duerp/versions/{version}",
	 "Toujours refusé (405) : une version déposée ne se modifie pas ; tentative journalisée.",
	 NULL, 0, NULL, 0, NULL},
	{SOCLE_DELETE, "/riskeval/companies/{id}/duerp/versions/{version}",
	 "Toujours refusé (405) : une version déposée ne se supprime pas ; tentative journalisée.",
	 NULL, 0, NULL, 0, NULL},
};

static const struct socle_error_decl duerp_errors[] = {
	{"duerp_version_immutable", 405,
	 "Une version déposée du DUERP ne se modifie ni ne se supprime (conservée 40 ans, "
	 "R4121-4) : déposez une nouvelle version."},
};

int riskeval_duerp_init(socle_plugin *p, socle_err *err)
{
	duerp_routes[0].max_body = duerp_body_limit(p);
	int rc = socle_plugin_add_routes(p, duerp_routes, SOCLE_COUNT(duerp_routes), err);

	if (rc == 0)
		rc = socle_plugin_declare_errors(p, duerp_errors, SOCLE_COUNT(duerp_errors), err);
	return rc ? rc : socle_plugin_describe_routes(p, duerp_docs, SOCLE_COUNT(duerp_docs), err);
}
