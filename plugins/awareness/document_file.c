/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A prevention document of the catalogue kept as a file by the service (seed
 * 3.4.1: generic documents are "un fichier ou un lien"):
 *   POST /awareness/actions/{id}/file {filename, content_type, content_base64}
 *       (staff): the document's file, written durably to the core's file
 *       store before the row that names it; the action's link becomes the
 *       service's own, so that the member space, the mailings (whose counted
 *       link redirects to it) and the catalogue need nothing else;
 *   GET /awareness/actions/{id}/file (public): the file, for whoever a
 *       mailing reached, with or without an account. A generic prevention
 *       document holds no personal data.
 * PDF, PNG and JPEG only, checked by their first bytes, 10 MiB at most. */
#include <stdlib.h>
#include <strings.h>

#include <sodium.h>

#include <socle/files.h>

#include "awareness.h"

#define DOCUMENT_MAX_BYTES (10 * 1024 * 1024)

static const struct document_type {
	const char *type, *ext, *ext2;
	const char *magic;
	size_t magic_len;
} document_types[] = {
	{"application/pdf", ".pdf", NULL, "%PDF-", 5},
	{"image/png", ".png", NULL, "\x89PNG\r\n\x1a\n", 8},
	{"image/jpeg", ".jpg", ".jpeg", "\xff\xd8\xff", 3},
};

static const char *const document_type_names[] = {"application/pdf", "image/png", "image/jpeg",
                                                  NULL};

static const struct socle_field file_fields[] = {
	{.name = "filename", .type = SOCLE_F_STRING, .required = true, .min = 5, .max = 200},
	{.name = "content_type", .type = SOCLE_F_ENUM, .required = true,
	 .choices = document_type_names},
	{.name = "content_base64", .type = SOCLE_F_STRING, .required = true, .min = 4},
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = suffix ? strlen(suffix) : 0;

	return suffix && n > m && strcasecmp(s + n - m, suffix) == 0;
}

/* The filename is shown and sent as Content-Disposition: no path, no quote,
 * no control character. */
static bool filename_plain(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == '/' || *p == '\\' || *p == '"' || *p == 0x7f)
			return false;
	return true;
}

struct document_upload {
	socle_req *req;
	int64_t action;
	const json_t *body;
	char sha256[SOCLE_FILE_HASH_HEX];
	size_t size;
	char *url;
};

static int upload_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct document_upload *u = ud;
	int rc = socle_file_retain(wdb, u->sha256, "9999-12-31", err);

	if (rc != 0)
		return rc;
	rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_action_file (action_id, sha256, filename, content_type, size,"
		" uploaded_at, uploaded_by) VALUES (:a, :h, :f, :t, :n, :now, :by)"
		" ON CONFLICT (action_id) DO UPDATE SET sha256 = excluded.sha256,"
		" filename = excluded.filename, content_type = excluded.content_type,"
		" size = excluded.size, uploaded_at = excluded.uploaded_at,"
		" uploaded_by = excluded.uploaded_by",
		json_pack("{s:I, s:s, s:O, s:O, s:I, s:I, s:I}", "a", (json_int_t)u->action, "h",
		          u->sha256, "f", json_object_get(u->body, "filename"), "t",
		          json_object_get(u->body, "content_type"), "n", (json_int_t)u->size, "now",
		          (json_int_t)socle_now_ms(), "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(u->req))), err);
	if (rc < 0)
		return rc;
	rc = socle_db_run_new(wdb, "UPDATE awareness_action SET url = :url WHERE id = :a",
	                      json_pack("{s:s, s:I}", "url", u->url, "a", (json_int_t)u->action), err);
	if (rc < 0)
		return rc;
	json_t *detail = json_pack("{s:O, s:I}", "filename", json_object_get(u->body, "filename"),
	                           "size", (json_int_t)u->size);
	struct socle_audit_entry e = {.action = "awareness.document.upload",
	                              .object_type = "awareness_action", .object_id = u->action,
	                              .outcome = "ok", .detail = detail};
	rc = socle_audit(wdb, u->req, &e, err);
	json_decref(detail);
	return rc;
}

/* The decoded bytes (caller frees), checked against the declared type; NULL
 * with a field error added to @p errors. */
static unsigned char *decode(const json_t *b, const struct document_type *t, size_t *len,
                             json_t **errors)
{
	const char *b64 = json_string_value(json_object_get(b, "content_base64"));
	size_t b64_len = strlen(b64), cap = b64_len / 4 * 3 + 3;

	if (cap > DOCUMENT_MAX_BYTES + 3) {
		socle_field_error(errors, "content_base64", "fichier trop volumineux : 10 Mio au plus");
		return NULL;
	}
	unsigned char *bytes = malloc(cap);
	if (bytes == NULL ||
	    sodium_base642bin(bytes, cap, b64, b64_len, "\r\n", len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bytes);
		socle_field_error(errors, "content_base64", "contenu attendu en base64");
		return NULL;
	}
	if (*len < t->magic_len || memcmp(bytes, t->magic, t->magic_len) != 0) {
		free(bytes);
		socle_field_error(errors, "content_base64", "le fichier n'est pas un %s valide",
		                  t->ext + 1);
		return NULL;
	}
	return bytes;
}

static int route_upload(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct document_upload u = {.req = req, .body = socle_req_body(req)};
	(void)ud;

	if (socle_req_param_id(req, "id", &u.action) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *action = db ? awareness_action_load(db, u.action, &err) : NULL;
	if (action == NULL)
		return socle_reply_err(req, &err);
	bool document = strcmp(json_string_value(json_object_get(action, "kind")), "document") == 0;
	json_decref(action);
	if (!document)
		socle_field_error(&errors, "action", "seul un document du catalogue se dépose en fichier");
	if (socle_fields_check(u.body, file_fields, SOCLE_COUNT(file_fields), NULL, &errors) > 0 ||
	    errors)
		return socle_reply_invalid(req, errors);

	const char *type = json_string_value(json_object_get(u.body, "content_type"));
	const char *name = json_string_value(json_object_get(u.body, "filename"));
	const struct document_type *t = NULL;
	for (size_t i = 0; i < SOCLE_COUNT(document_types); i++)
		if (strcmp(document_types[i].type, type) == 0)
			t = &document_types[i];
	if (!ends_with(name, t->ext) && !ends_with(name, t->ext2))
		socle_field_error(&errors, "filename", "le nom doit finir par « %s », le type déclaré",
		                  t->ext);
	else if (!filename_plain(name))
		socle_field_error(&errors, "filename", "sans barre oblique, guillemet ni caractère de "
		                  "contrôle");
	unsigned char *bytes = errors ? NULL : decode(u.body, t, &u.size, &errors);
	if (errors)
		return socle_reply_invalid(req, errors);

	int rc = socle_file_put(socle_req_service(req), bytes, u.size, u.sha256, &err);
	free(bytes);
	if (rc != 0)
		return socle_reply_err(req, &err);
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/%s/awareness/actions/%" PRId64 "/file",
	         socle_service_id(socle_req_service(req)), u.action);
	u.url = socle_service_url(socle_req_service(req), path);
	if (u.url == NULL)
		return SOCLE_E_NOMEM;
	rc = socle_service_write(socle_req_service(req), upload_write, &u, &err);
	if (rc != 0) {
		free(u.url);
		return socle_reply_err(req, &err);
	}
	json_t *out = json_pack("{s:I, s:O, s:O, s:I, s:s}", "action_id", (json_int_t)u.action,
	                        "filename", json_object_get(u.body, "filename"), "content_type",
	                        json_object_get(u.body, "content_type"), "size", (json_int_t)u.size,
	                        "url", u.url);
	free(u.url);
	return socle_reply_json(req, 201, out);
}

static int route_download(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t action;
	(void)ud;

	if (socle_req_param_id(req, "id", &action) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? socle_db_query_one_new(db, "SELECT sha256, filename, content_type"
		" FROM awareness_action_file WHERE action_id = :a",
		json_pack("{s:I}", "a", (json_int_t)action), &err) : NULL;
	if (row == NULL)
		return socle_reply_err(req, &err);
	int rc = socle_reply_file(req, json_string_value(json_object_get(row, "sha256")),
	                          json_string_value(json_object_get(row, "content_type")),
	                          json_string_value(json_object_get(row, "filename")), &err);
	json_decref(row);
	return rc == 0 ? 0 : socle_reply_err(req, &err);
}

static const struct socle_route document_file_routes[] = {
	/* 10 MiB in base64, and the JSON around it. */
	{SOCLE_POST, "/awareness/actions/{id}/file", AWARENESS_MANAGE, 14 * 1024 * 1024,
	 route_upload, NULL},
	{SOCLE_GET, "/awareness/actions/{id}/file", SOCLE_CAP_PUBLIC, 0, route_download, NULL},
};

int awareness_document_file_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, document_file_routes, SOCLE_COUNT(document_file_routes),
	                               err);
}
